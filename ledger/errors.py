"""Errors of the ledger package: one root, specific subclasses.

Entry points (CLI, API) translate these into one line / a 4xx body. Every refusal
names the field and the rule it broke.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    code = "ledger_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class InvalidInput(LedgerError):
    """A value broke a validation rule; names the field and the rule."""

    code = "invalid_input"

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "field": self.field, "rule": self.rule,
                "message": self.message}


class RuleViolation(LedgerError):
    """A command is refused by a business rule (catalog, authority, scope, status)."""

    code = "refused"

    def __init__(self, rule: str, message: str, remedy: str | None = None) -> None:
        text = f"{message} (rule: {rule})" + (f"; remedy: {remedy}" if remedy else "")
        super().__init__(text)
        self.rule = rule
        self.remedy = remedy

    def to_dict(self) -> dict[str, str]:
        out = {"error": self.code, "rule": self.rule, "message": self.message}
        if self.remedy:
            out["remedy"] = self.remedy
        return out


class NotFound(LedgerError):
    code = "not_found"


class AlreadyExists(LedgerError):
    """The store already holds what the command would create (duplicate issuance)."""

    code = "already_exists"


class Conflict(LedgerError):
    """Another writer changed the same record first (optimistic concurrency)."""

    code = "conflict"


class AttachmentError(LedgerError):
    code = "attachment_error"


class ImportRejected(LedgerError):
    """A bulk file failed validation; carries every row's problems. Nothing was written."""

    code = "import_rejected"

    def __init__(self, source: str, problems: list[tuple[int, str, str]]) -> None:
        shown = "; ".join(f"row {r}: {f}: {m}" for r, f, m in problems[:3])
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported: {shown}{more}")
        self.source = source
        self.problems = problems

    def to_dict(self) -> dict[str, object]:  # type: ignore[override]
        return {
            "error": self.code,
            "message": self.message,
            "problems": [{"row": r, "field": f, "rule": m} for r, f, m in self.problems],
        }

"""The console's roles and what each may do: one table, checked server-side on every action."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 受理/办理: intake, acceptance, materials, handovers, delivery
    REVIEWER = "reviewer"  # 审核: review against the record
    HEAD = "head"  # 签发: issuing and signing documents, keys, accounts (and every step above)
    AUDITOR = "auditor"  # read-only

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Role.CLERK: "受理/办理", Role.REVIEWER: "审核", Role.HEAD: "签发（负责人）", Role.AUDITOR: "审计（只读）"}


class Action(StrEnum):
    READ = "read"  # the queue, a request, a history
    INTAKE = "intake"  # apply, accept, attach materials
    REVIEW = "review"  # approve or reject
    SIGN = "sign"  # issue / reissue / prove: the office's signature (签发)
    HANDOVER = "handover"  # hand over and deliver
    BATCH = "batch"  # the monthly batch: a city's export, the provincial centre's check and import
    ACCOUNTS = "accounts"  # create accounts, set roles, disable

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {Action.READ: "查看", Action.INTAKE: "受理", Action.REVIEW: "审核", Action.SIGN: "签发",
                  Action.HANDOVER: "发放/送达", Action.BATCH: "月度批次",
                  Action.ACCOUNTS: "账号管理"}

ALLOWED: dict[Role, frozenset[Action]] = {
    Role.CLERK: frozenset({Action.READ, Action.INTAKE, Action.HANDOVER, Action.BATCH}),
    Role.REVIEWER: frozenset({Action.READ, Action.REVIEW}),
    Role.HEAD: frozenset(Action),
    Role.AUDITOR: frozenset({Action.READ}),
}


def may(role: Role, action: Action) -> bool:
    return action in ALLOWED[role]


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValueError(f"role: one of {', '.join(r.value for r in Role)}; not {value!r}") from None

"""What a verification found: one check per question, each with the reason it failed, as a value.

A check that failed carries a `Reason` (pyHanko's SignatureStatus keeps an enum of what went wrong
beside its booleans); `ok` is derived from it, and a result's `ok`, `genuine` and `outcome` are
derived from its checks. Callers read reasons and outcomes, never check names or detail strings.
The detail is one line for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ledger.docref import DocumentReference
from ledger.records import ProofSuperseded
from ledger.verification_record import VerificationRecord
from ledger.views import CertificateView, ProofView

DocumentLike = CertificateView | ProofView | VerificationRecord  # a verification record: the read model's row


class Reason(StrEnum):
    """Why a check failed."""

    MALFORMED = "malformed"  # a file that starts as a PDF but cannot be read (or exceeds what a proof can be)
    UNSIGNED = "unsigned"  # a readable PDF without exactly one signature
    SIGNATURE_INVALID = "signature-invalid"  # the signature does not verify (or cannot be validated)
    DOCUMENT_ALTERED = "document-altered"  # the signed bytes were changed, or content added after signing
    CHAIN_UNTRUSTED = "chain-untrusted"  # the signer's certificate does not chain to the pinned root
    KEY_UNKNOWN = "key-unknown"  # the signing key is not in the trust list
    KEY_MISMATCH = "key-mismatch"  # the ledger (or the PDF) names another key than the one that signed
    KEY_NOT_VALID_AT_SIGNING = "key-not-valid-at-signing"  # outside the key's window at the recorded time
    KEY_REVOKED = "key-revoked"  # the key was compromised before the recorded signing time
    NOT_RECORDED = "not-recorded"  # the ledger has no record of this file or token
    QR_UNREADABLE = "qr-unreadable"  # no certledger QR code could be read from page 1
    TOKEN_MISMATCH = "token-mismatch"  # the QR code belongs to another document, holder or signature
    UNKNOWN_DOCUMENT = "unknown-document"  # the ledger has no such document (or no known state)
    SUPERSEDED = "superseded"  # genuine, but replaced
    REVOKED = "revoked"  # genuine, but revoked
    NOT_CHECKED = "not-checked"  # not run because an earlier check failed (verification fails closed)


# A document failing only on these is genuine: the ledger's status moved on after signing.
STATUS_REASONS = frozenset({Reason.SUPERSEDED, Reason.REVOKED})


class Outcome(StrEnum):
    """The bottom line of a verification."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    NOT_GENUINE = "not-genuine"


_STATE_OUTCOMES = {"current": Outcome.CURRENT, "superseded": Outcome.SUPERSEDED, "revoked": Outcome.REVOKED}


def outcome_of_state(state: str) -> Outcome:
    """The outcome the ledger's state of a genuine document gives (an unknown state is not genuine)."""
    return _STATE_OUTCOMES.get(state, Outcome.NOT_GENUINE)


@dataclass(frozen=True)
class Check:
    """One check: its name, one line for people, and the reason it failed (None: it passed)."""

    name: str
    detail: str
    reason: Reason | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    @classmethod
    def passed(cls, name: str, detail: str) -> Check:
        return cls(name, detail)

    @classmethod
    def failed(cls, name: str, reason: Reason, detail: str) -> Check:
        return cls(name, detail, reason)

    @classmethod
    def skipped(cls, name: str) -> Check:
        return cls(name, "not checked", Reason.NOT_CHECKED)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail,
                "reason": self.reason.value if self.reason else None}


class Checks:
    """What every result derives from its checks (a mixin of the frozen result classes)."""

    def checks(self) -> tuple[Check, ...]:
        raise NotImplementedError

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks())

    @property
    def first_failure(self) -> Check | None:
        return next((c for c in self.checks() if not c.ok), None)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons of the failed checks, in check order."""
        return tuple(c.reason for c in self.checks() if c.reason is not None)

    @property
    def outcome(self) -> Outcome:
        reasons = set(self.reasons)
        if not reasons <= STATUS_REASONS:
            return Outcome.NOT_GENUINE
        if Reason.REVOKED in reasons:
            return Outcome.REVOKED
        return Outcome.SUPERSEDED if Reason.SUPERSEDED in reasons else Outcome.CURRENT

    @property
    def genuine(self) -> bool:
        return self.outcome is not Outcome.NOT_GENUINE


# ------------------------------------------------------------------------ the ledger's word
# The only place that reads the views' superseded / revoked / signatures records.


def reference_of(view: DocumentLike) -> DocumentReference:
    """The reference a view is named by: a proof number, or certificate number#edition."""
    if isinstance(view, VerificationRecord):
        return (DocumentReference.proof(view.number) if view.edition is None
                else DocumentReference.certificate(view.number, view.edition))
    if isinstance(view, ProofView):
        return DocumentReference.proof(view.number)
    return DocumentReference.certificate(view.number, view.edition)


@dataclass(frozen=True)
class DocumentStatus:
    """The ledger's current word on a document."""

    reference: DocumentReference
    state: str  # current / superseded / revoked / unknown
    superseded_by: str | None = None
    superseded_reason: str | None = None
    superseded_at: datetime | None = None
    revoked_reason: str | None = None
    revoked_at: datetime | None = None

    @property
    def number(self) -> str:
        """The reference as text (what joins the PDF, the token, the signed-file record and the log)."""
        return str(self.reference)


def document_status(view: DocumentLike) -> DocumentStatus:
    """The status a view records, with what superseded or revoked it."""
    if isinstance(view, VerificationRecord):
        return DocumentStatus(reference=reference_of(view), state=view.status, superseded_by=view.superseded_by,
                              superseded_reason=view.superseded_reason, superseded_at=view.superseded_at,
                              revoked_reason=view.revoked_reason, revoked_at=view.revoked_at)
    sup, rev = view.superseded, view.revoked
    by = None
    if isinstance(sup, ProofSuperseded):
        by = sup.by_number
    elif sup is not None:
        by = str(DocumentReference.certificate(view.number, sup.by_edition))
    return DocumentStatus(reference=reference_of(view), state=view.status, superseded_by=by,
                          superseded_reason=sup.reason if sup else None, superseded_at=sup.at if sup else None,
                          revoked_reason=rev.reason if rev else None, revoked_at=rev.at if rev else None)


def recorded_signing_time(view: DocumentLike, token_text: str) -> datetime | None:
    """When the ledger recorded the signature that carries this token, or None if it recorded none."""
    entry = next((s for s in view.signatures if s.token == token_text), None)
    return entry.signed_at if entry else None


def signed_tokens(view: DocumentLike) -> list[str]:
    """The tokens of the document's recorded signatures, oldest first."""
    return [s.token for s in view.signatures if s.token]


def status_check(status: DocumentStatus) -> Check:
    """The `status` check: passes only for a current document."""
    if status.state == "current":
        return Check.passed("status", f"{status.number} is current")
    if status.state == "superseded":
        return Check.failed("status", Reason.SUPERSEDED, f"{status.number} was superseded by {status.superseded_by}"
                                                         f" ({status.superseded_reason or 'replaced'})")
    if status.state == "revoked":
        return Check.failed("status", Reason.REVOKED, f"{status.number} was revoked: {status.revoked_reason}")
    return Check.failed("status", Reason.UNKNOWN_DOCUMENT, f"{status.number} is {status.state}")

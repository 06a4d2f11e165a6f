"""Signing keys and signed files: an office key's window, retirement and compromise on the record,
and the index from a signed file's SHA-256 to the document it renders."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInput, RuleViolation
from ledger.events import NAMESPACE, Acted, ActedCreated, keep_old_topics
from ledger.records import Acting, KeyRetirement, KeyRevocation


def key_may_sign_at(kid: str, not_before: datetime, not_after: datetime, retired_at: datetime | None,
                    compromised_at: datetime | None, revocation_reason: str | None,
                    at: datetime) -> tuple[bool, str]:
    """The one rule, for the ledger and for offline verifiers alike: a signature recorded at `at`
    counts if `at` lies in [not_before, min(not_after, retired_at)) and before any compromise."""
    end = min(not_after, retired_at) if retired_at is not None else not_after
    if at < not_before:
        return False, f"key {kid} is not valid before {not_before.isoformat()}"
    if at >= end:
        return False, f"key {kid} stopped signing at {end.isoformat()}"
    if compromised_at is not None and at >= compromised_at:
        return False, f"key {kid} was compromised at {compromised_at.isoformat()} ({revocation_reason})"
    return True, "ok"


def signed_file_id(sha256: str) -> UUID:
    return uuid5(NAMESPACE, f"file/{sha256}")


def signing_key_id(kid: str) -> UUID:
    return uuid5(NAMESPACE, f"key/{kid}")


class SignedFile(Aggregate):
    """Index from a signed file's SHA-256 to the document it renders (so a PDF finds its record)."""

    class Recorded(Aggregate.Created):
        sha256: str
        document_number: str
        document_id: UUID
        key_id: str
        signed_at: datetime

    def __init__(self, sha256: str, document_number: str, document_id: UUID, key_id: str,
                 signed_at: datetime) -> None:
        self.sha256 = sha256
        self.document_number = document_number
        self.document_id = document_id
        self.key_id = key_id
        self.signed_at = signed_at

    @classmethod
    def record(cls, sha256: str, document_number: str, document_id: UUID, key_id: str,
               at: datetime) -> SignedFile:
        return cls._create(cls.Recorded, id=signed_file_id(sha256), sha256=sha256,
                           document_number=document_number, document_id=document_id, key_id=key_id, signed_at=at)


class SigningKey(Aggregate):
    """An office's signing key: its validity window, retirement and compromise, on the record.

    A document verifies only if the ledger's recorded signing time lies inside the key's
    window and before any compromise time; the document's own claim of time is not trusted.
    """

    class Registered(ActedCreated):
        kid: str  # `office` (from Acted) is the key's office: it registers its own keys
        algorithm: str
        public_key_pem: str
        certificate_pem: str
        not_before: datetime
        not_after: datetime

    class Retired(Acted):
        reason: str

    class Revoked(Acted):
        compromised_at: datetime
        reason: str

    def __init__(self, kid: str, office: str, algorithm: str, public_key_pem: str, certificate_pem: str,
                 not_before: datetime, not_after: datetime, operator: str, at: datetime) -> None:
        self.kid = kid
        self.office = office
        self.algorithm = algorithm
        self.public_key_pem = public_key_pem
        self.certificate_pem = certificate_pem
        self.not_before = not_before
        self.not_after = not_after
        self.registered = Acting(operator, office, at)
        self.retired: KeyRetirement | None = None
        self.revoked: KeyRevocation | None = None

    @classmethod
    def register(cls, kid: str, office: str, algorithm: str, public_key_pem: str, certificate_pem: str,
                 not_before: datetime, not_after: datetime, operator: str, at: datetime) -> SigningKey:
        if not kid or len(kid) > 64:
            raise InvalidInput("kid", "a key id of 1-64 characters")
        if not_after <= not_before:
            raise InvalidInput("not_after", "must be after not_before")
        return cls._create(cls.Registered, id=signing_key_id(kid), kid=kid, office=office, algorithm=algorithm,
                           public_key_pem=public_key_pem, certificate_pem=certificate_pem, not_before=not_before,
                           not_after=not_after, operator=operator, at=at)

    def require_owner(self, office: str) -> None:
        if office != self.office:
            raise RuleViolation("key-owner-only", f"key {self.kid} belongs to office {self.office}")

    def retire(self, reason: str, operator: str, office: str, at: datetime) -> None:
        """End the signing window now (rotation); documents signed before stay valid."""
        self.require_owner(office)
        if self.revoked is not None or self.retired is not None:
            state = "revoked" if self.revoked else "retired"
            raise RuleViolation("key-not-active", f"key {self.kid} is already {state}")
        self._retired(reason=reason, operator=operator, office=office, at=at)

    @event(Retired)
    def _retired(self, reason: str, operator: str, office: str, at: datetime) -> None:
        self.retired = KeyRetirement(reason, operator, at)

    def revoke(self, compromised_at: datetime, reason: str, operator: str, office: str, at: datetime) -> None:
        """Documents signed (by the ledger's record) at or after `compromised_at` fail verification."""
        self.require_owner(office)
        if self.revoked is not None:
            raise RuleViolation("key-already-revoked", f"key {self.kid} is already revoked")
        if not reason.strip():
            raise InvalidInput("reason", "required: say why the key is revoked")
        if compromised_at > at:
            raise InvalidInput("compromised_at", "cannot be in the future")
        self._revoked(compromised_at=compromised_at, reason=reason.strip(), operator=operator, office=office, at=at)

    @event(Revoked)
    def _revoked(self, compromised_at: datetime, reason: str, operator: str, office: str, at: datetime) -> None:
        self.revoked = KeyRevocation(compromised_at, reason, operator, at)

    def may_sign_at(self, at: datetime) -> tuple[bool, str]:
        """Whether a signature recorded at `at` is within this key's authority, and why not."""
        return key_may_sign_at(self.kid, self.not_before, self.not_after,
                               self.retired.at if self.retired else None,
                               self.revoked.compromised_at if self.revoked else None,
                               self.revoked.reason if self.revoked else None, at)


keep_old_topics("ledger.domain", SignedFile, SigningKey)  # stored while they lived in ledger.domain

"""Operator credentials on the record: enrolment (the certificate an office key issued) and revocation.

The audit reads these events to know which credential signed a save, for which operator and office,
issued by which office key, valid when: it needs nothing outside the store and the pinned root.
Who may enrol or revoke: an operator of the same office (the first credential's enrolment is
signed by that credential itself, in the save that registers its office's key).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInput, RuleViolation
from ledger.events import NAMESPACE, Acted, ActedCreated


def credential_uuid(credential: str) -> UUID:
    return uuid5(NAMESPACE, f"credential:{credential}")


def _require_credential_id(credential: str) -> None:
    if not (isinstance(credential, str) and len(credential) == 64
            and all(c in "0123456789abcdef" for c in credential)):
        raise InvalidInput("credential", "a credential id is 64 lowercase hex digits (SHA-256 of its certificate)")


class Credential(Aggregate):
    class Enrolled(ActedCreated):
        credential: str
        holder: str  # the operator the certificate names (CN)
        holder_office: str  # the office it names (OU)
        certificate_pem: str
        issuer_kid: str
        not_before: datetime
        not_after: datetime

    class Revoked(Acted):
        reason: str

    def __init__(self, credential: str, holder: str, holder_office: str, certificate_pem: str, issuer_kid: str,
                 not_before: datetime, not_after: datetime, operator: str, office: str, at: datetime) -> None:
        self.credential = credential
        self.holder = holder
        self.holder_office = holder_office
        self.certificate_pem = certificate_pem
        self.issuer_kid = issuer_kid
        self.not_before = not_before
        self.not_after = not_after
        self.enrolled_by = (operator, office, at)
        self.revoked_at: datetime | None = None

    @classmethod
    def enrol(cls, credential: str, holder: str, holder_office: str, certificate_pem: str, issuer_kid: str,
              not_before: datetime, not_after: datetime, operator: str, office: str, at: datetime) -> Credential:
        _require_credential_id(credential)
        if holder_office != office:
            raise RuleViolation("credential-own-office", f"office {office} may enrol only its own operators, "
                                f"not a credential of office {holder_office}")
        if not_after <= not_before:
            raise InvalidInput("not_after", "must be after not_before")
        return cls._create(cls.Enrolled, id=credential_uuid(credential), credential=credential, holder=holder,
                           holder_office=holder_office, certificate_pem=certificate_pem, issuer_kid=issuer_kid,
                           not_before=not_before, not_after=not_after, operator=operator, office=office, at=at)

    def revoke(self, reason: str, operator: str, office: str, at: datetime) -> None:
        if office != self.holder_office:
            raise RuleViolation("credential-own-office", f"credential {self.credential[:16]} belongs to office "
                                f"{self.holder_office}")
        if self.revoked_at is not None:
            raise RuleViolation("credential-revoked", f"credential {self.credential[:16]} is already revoked")
        if not reason.strip():
            raise InvalidInput("reason", "required")
        self._revoked(reason=reason.strip(), operator=operator, office=office, at=at)

    @event(Revoked)
    def _revoked(self, reason: str, operator: str, office: str, at: datetime) -> None:
        self.revoked_at = at

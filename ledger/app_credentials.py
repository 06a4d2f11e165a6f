"""Operator credentials on the record, and disclosures (`show --reveal`) recorded as events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger.app_base import Actor, LedgerBase
from ledger.credential import Credential, credential_uuid
from ledger.errors import AlreadyExists, NotFound, RuleViolation
from ledger.events import ActedCreated, require_office_of
from ledger.signing_key import SigningKey, signing_key_id
from ledger.values import parse_text


@dataclass(frozen=True)
class Enrolment:
    """A credential as its certificate states it (made and checked in `keys`)."""

    credential: str
    holder: str
    holder_office: str
    certificate_pem: str
    issuer_kid: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class CredentialView:
    credential: str
    operator: str
    office: str
    issuer_kid: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"credential": self.credential, "operator": self.operator, "office": self.office,
                "issuer_kid": self.issuer_kid, "not_before": self.not_before.isoformat(),
                "not_after": self.not_after.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


class Disclosure(Aggregate):
    """Someone saw a document's ID numbers unmasked (`show --reveal`): who, when, which document."""

    class Revealed(ActedCreated):
        document: str

    def __init__(self, document: str, operator: str, office: str, at: datetime) -> None:
        self.document = document
        self.revealed_by = (operator, office, at)


def _view(c: Credential) -> CredentialView:
    return CredentialView(c.credential, c.holder, c.holder_office, c.issuer_kid, c.not_before, c.not_after,
                          c.revoked_at)


class Credentials(LedgerBase):
    def _enrolled(self, actor: Actor, e: Enrolment) -> Credential:
        return Credential.enrol(e.credential, e.holder, e.holder_office, e.certificate_pem, e.issuer_kid,
                                e.not_before, e.not_after, actor.operator, actor.office, self.now())

    def enrol_credential(self, actor: Actor, enrolment: Enrolment, key: SigningKey | None = None) -> CredentialView:
        """Record a credential its office's key issued; `key`, a key registered in the same save (a new office)."""
        credential = self._enrolled(actor, enrolment)
        self._save(key, credential, duplicate=f"credential {enrolment.credential[:16]} is already enrolled")
        return _view(credential)

    def register_office(self, actor: Actor, kid: str, algorithm: str, public_key_pem: str, certificate_pem: str,
                        not_before: datetime, not_after: datetime, enrolment: Enrolment, *,
                        publisher: Any = None) -> CredentialView:
        """A new office's key, its first operator's credential and the trust list that lists the key, in one
        save that credential signs (without a publisher, a library set-up with no trust list: key and credential)."""
        if self._exists(signing_key_id(kid)):
            raise AlreadyExists(f"key {kid} is already registered")
        key = SigningKey.register(kid, actor.office, algorithm, public_key_pem, certificate_pem, not_before,
                                  not_after, actor.operator, self.now())
        credential = self._enrolled(actor, enrolment)
        if publisher is None:
            self._save(key, credential)
        else:
            self._save_key_change(actor, publisher, key, also=(credential,))  # type: ignore[attr-defined]
        return _view(credential)

    def revoke_credential(self, actor: Actor, credential: str, reason: str) -> CredentialView:
        c: Credential = self._get(credential_uuid(credential), f"credential {credential[:16]}")
        c.revoke(parse_text(reason, "reason", max_len=200), actor.operator, actor.office, self.now())
        self._save(c)
        return _view(c)

    def credentials(self, office: str | None = None) -> list[CredentialView]:
        views = [_view(self._get(i, "credential")) for i in self._ids_created_as(Credential.Enrolled)]
        return [v for v in views if office is None or v.office == office]

    def credential(self, credential: str) -> CredentialView:
        try:
            return _view(self._get(credential_uuid(credential), f"credential {credential[:16]}"))
        except NotFound:
            raise NotFound(f"credential {credential[:16]} is not enrolled in this ledger") from None

    def record_reveal(self, actor: Actor, number: str) -> None:
        """Only the issuing office sees a document's ID numbers unmasked, and each time is recorded."""
        document = self._document(number)
        authority = getattr(document, "issuing_authority", None)
        if authority is None:
            raise RuleViolation("reveal-documents-only", "only a certificate's or a proof's ID numbers are revealed")
        require_office_of(authority, actor.office, document.label)
        disclosure = Disclosure._create(Disclosure.Revealed, id=uuid4(), document=document.label,
                                        operator=actor.operator, office=actor.office, at=self.now())
        self._save(disclosure)

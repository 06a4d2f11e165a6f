"""A Proof: a written, score-pass or qualification proof about one certificate, recorded by
Certificate.prove (ledger.documents), with what every document has (status, handovers, revocation
and signatures) from Document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.documents import Document
from ledger.events import Acted, ActedCreated, Status, keep_old_topics
from ledger.records import Acting, Correction, Handover, ProofSuperseded, Revocation, Signature
from ledger.values import CertificateData


class Proof(Document):
    """A proof document (书面证明, 成绩合格证明, 职/执业资格证明) about one certificate."""

    class Recorded(ActedCreated):
        number: str
        kind: str
        reason: str
        certificate_id: UUID
        certificate_number: str
        certificate_edition: int
        data: dict[str, Any]
        catalog_version: str | None
        request_number: str
        corrections: list[dict[str, Any]] | None = None  # a correction proof's changes; absent before
        issuer: str = ""  # the office that issued it where not the certificate's authority (the examination centre)

    class Superseded(Acted):
        by: UUID
        by_number: str

    def __init__(self, number: str, kind: str, reason: str, certificate_id: UUID, certificate_number: str,
                 certificate_edition: int, data: dict[str, Any], catalog_version: str | None,
                 request_number: str, operator: str, office: str, at: datetime,
                 corrections: list[dict[str, Any]] | None = None, issuer: str = "") -> None:
        self.number = number
        self.issuer = issuer
        self.corrections = [Correction.of(c) for c in corrections or []]
        self.kind = kind
        self.reason = reason
        self.certificate_id = certificate_id
        self.certificate_number = certificate_number
        self.certificate_edition = certificate_edition
        self.data = CertificateData.from_event(data)
        self.catalog_version = catalog_version
        self.request_number = request_number
        self.issued_by = Acting(operator, office, at)
        self.status = Status.CURRENT.value
        self.superseded: ProofSuperseded | None = None
        self.handovers: list[Handover] = []
        self.revoked: Revocation | None = None
        self.signatures: list[Signature] = []

    @property
    def label(self) -> str:
        return f"proof {self.number}"

    @property
    def issuing_authority(self) -> str:
        """Who issued the proof and acts on it: the examination centre for its proofs, else the certificate's
        authority."""
        return self.issuer or self.data.authority

    def supersede(self, by: Proof, operator: str, office: str, at: datetime) -> None:
        """A newer proof of the same kind for the same certificate replaces this one."""
        if self.status != Status.CURRENT:
            return
        self._superseded(by=by.id, by_number=by.number, operator=operator, office=office, at=at)

    @event(Superseded)
    def _superseded(self, by: UUID, by_number: str, operator: str, office: str, at: datetime) -> None:
        self.status = Status.SUPERSEDED.value
        self.superseded = ProofSuperseded(by, by_number, operator, office, at)


# Stored while Proof lived in ledger.domain, then in ledger.documents: those events still load here.
keep_old_topics("ledger.domain", Proof)
keep_old_topics("ledger.documents", Proof)

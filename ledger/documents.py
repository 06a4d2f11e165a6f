"""Documents: a Certificate (one edition of an issued certificate) and what it shares with a
Proof (ledger.proof: a written, score-pass or qualification proof) in Document: status,
handovers, revocation and signatures.

Commands are public methods: they check the rules and take the time, the operator and
new ids as arguments. Private `@event` methods only assign state, so a replay never
re-runs business rules or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.catalog import CatalogVersion
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import NAMESPACE, Acted, ActedCreated, Status, china_date, keep_old_topics, require_office_of
from ledger.records import (
    Acting,
    Correction,
    EditionSuperseded,
    Handover,
    ProofEntry,
    ProofSuperseded,
    Revocation,
    Signature,
)
from ledger.reference import abolished_qualification, policy
from ledger.remedies import written_proof_command
from ledger.values import CertificateData, Family

if TYPE_CHECKING:
    from ledger.proof import Proof


class Replacement(StrEnum):
    LOST = "lost"  # 遗失补发
    OVERSEAS = "overseas"  # 境外就业换发
    CORRECTION = "correction"  # 错误信息修改换发

    @property
    def label(self) -> str:
        return {"lost": "遗失补发", "overseas": "境外就业换发", "correction": "错误信息修改换发"}[self.value]


class ProofKind(StrEnum):
    WRITTEN = "written"  # 书面证明
    SCORE_PASS = "score-pass"  # 成绩合格证明
    QUALIFICATION = "qualification"  # 职/执业资格证明

    @property
    def label(self) -> str:
        return {"written": "书面证明", "score-pass": "成绩合格证明", "qualification": "职/执业资格证明"}[
            self.value
        ]

    @property
    def prefix(self) -> str:
        return {"written": "SM", "score-pass": "CJ", "qualification": "ZG"}[self.value]


class HandoverKind(StrEnum):
    IN_PERSON = "in-person"  # 本人领取
    INSTITUTION = "institution"  # 单位领取
    DELEGATE = "delegate"  # 委托他人领取
    MAIL = "mail"  # 邮寄送达

    @property
    def label(self) -> str:
        return {"in-person": "本人领取", "institution": "单位领取", "delegate": "委托他人领取",
                "mail": "邮寄送达"}[self.value]

def may_import(office: str, authority: str) -> bool:
    """Who may import a certificate: its issuing authority, or its province's provincial office (xx00)."""
    return office == authority or (office[2:] == "00" and office[:2] == authority[:2])


def certificate_id(number: str, edition: int) -> UUID:
    return uuid5(NAMESPACE, f"certificate/{number}/{edition}")


def proof_id(number: str) -> UUID:
    return uuid5(NAMESPACE, f"proof/{number}")


class Document(Aggregate):
    """What certificates and proofs share: status, handovers, revocation.

    Subclasses set these attributes in their __init__ (declared for the type checker only:
    class-level annotations on an aggregate would be read as fields by the library).
    """

    if TYPE_CHECKING:
        status: str
        handovers: list[Handover]
        revoked: Revocation | None
        data: CertificateData
        issued_by: Acting
        superseded: EditionSuperseded | ProofSuperseded | None
        signatures: list[Signature]

    class HandedOver(Acted):
        kind: str
        details: dict[str, Any]
        evidence: list[dict[str, str]]

    class Revoked(Acted):
        reason: str

    @property
    def issuing_authority(self) -> str:
        return self.data.authority

    @property
    def label(self) -> str:
        raise NotImplementedError

    def _require_current(self, rule: str) -> None:
        if self.status != Status.CURRENT:
            raise RuleViolation(rule, f"{self.label} is {self.status}; only a current document may be acted on")

    class Signed(Aggregate.Event):
        """A rendering of this document was signed; its file is known by its SHA-256."""

        sha256: str
        key_id: str
        signed_at: datetime
        token: str
        operator: str
        office: str

    def record_signature(self, sha256: str, key_id: str, token: str, operator: str, office: str,
                         at: datetime) -> None:
        """Record a signed rendering (the signing time is the ledger's, `at`)."""
        require_office_of(self.issuing_authority, office, self.label)
        self._require_current("sign-needs-current")
        self._signed(sha256=sha256, key_id=key_id, signed_at=at, token=token, operator=operator, office=office)

    @event(Signed)
    def _signed(self, sha256: str, key_id: str, signed_at: datetime, token: str, operator: str,
                office: str) -> None:
        self.signatures.append(Signature(sha256, key_id, signed_at, token, operator))

    def check_may_hand_over(self, office: str) -> None:
        require_office_of(self.issuing_authority, office, self.label)
        if self.status == Status.REVOKED:
            raise RuleViolation("revoked-not-handed-over", f"{self.label} is revoked and cannot be handed over")

    def hand_over(self, kind: HandoverKind, details: Mapping[str, Any], evidence: Sequence[Mapping[str, str]],
                  operator: str, office: str, at: datetime) -> None:
        """Record that the document left the office's hands (or changed hands)."""
        self.check_may_hand_over(office)
        self._handed_over(kind=kind.value, details=dict(details), evidence=[dict(e) for e in evidence],
                          operator=operator, office=office, at=at)

    @event(HandedOver)
    def _handed_over(self, kind: str, details: dict[str, Any], evidence: list[dict[str, str]],
                     operator: str, office: str, at: datetime) -> None:
        self.handovers.append(Handover.of(kind, details, evidence, operator, office, at))

    def revoke(self, reason: str, operator: str, office: str, at: datetime) -> None:
        require_office_of(self.issuing_authority, office, self.label)
        if self.status == Status.REVOKED:
            raise RuleViolation("already-revoked", f"{self.label} is already revoked")
        if not reason.strip():
            raise InvalidInput("reason", "required: say why the document is revoked")
        self._revoked(reason=reason.strip(), operator=operator, office=office, at=at)

    @event(Revoked)
    def _revoked(self, reason: str, operator: str, office: str, at: datetime) -> None:
        self.status = Status.REVOKED.value
        self.revoked = Revocation(reason, operator, office, at)


class Certificate(Document):
    """One edition of a certificate. Edition 1 is the original issuance."""

    class Issued(ActedCreated):
        data: dict[str, Any]
        edition: int

    class Imported(Issued):
        """Issuance loaded from an office's existing certificate database."""

        source: str

    class Reissued(Issued):
        """A replacement edition: keeps the number, notes the remark (备注栏)."""

        replaces: UUID
        reason: str
        remark: str
        catalog_version: str | None
        proof_serial: int

    class Exchanged(Reissued):
        """Exchange for overseas employment (境外就业换发)."""

    class Corrected(Reissued):
        """Exchange to correct wrong data; keeps each field's old and new value."""

        corrections: list[dict[str, Any]]

    class Superseded(Acted):
        by: UUID
        by_edition: int
        reason: str

    class ProofRecorded(Acted):
        proof_id: UUID
        proof_number: str
        kind: str

    def __init__(self, data: dict[str, Any], edition: int, operator: str, office: str, at: datetime,
                 replaces: UUID | None = None, reason: str | None = None, remark: str = "",
                 catalog_version: str | None = None, proof_serial: int = 0,
                 corrections: list[dict[str, Any]] | None = None) -> None:
        self.data = CertificateData.from_event(data)
        self.edition = edition
        self.issued_by = Acting(operator, office, at)
        self.replaces = replaces
        self.replacement_reason = reason
        self.remarks: list[str] = []
        if replaces is not None:
            self.remarks = [remark]
        self.catalog_version = catalog_version
        self.corrections = [Correction.of(c) for c in corrections or []]
        self.proof_serial = proof_serial
        self.proofs: list[ProofEntry] = []
        self.status = Status.CURRENT.value
        self.superseded: EditionSuperseded | None = None
        self.handovers: list[Handover] = []
        self.revoked: Revocation | None = None
        self.signatures: list[Signature] = []

    @classmethod
    def issue(cls, data: CertificateData, operator: str, office: str, at: datetime) -> Certificate:
        """Issue edition 1. A second issuance of the same number collides in the store."""
        require_office_of(data.authority, office, f"certificate {data.number}")
        policy(data.authority[:2]).check("issue", data.style, data.issued_on)
        return cls._create(cls.Issued, id=certificate_id(data.number, 1), data=data.to_event(), edition=1,
                           operator=operator, office=office, at=at)

    @classmethod
    def import_record(cls, data: CertificateData, source: str, operator: str, office: str,
                      at: datetime) -> Certificate:
        """Load an issuance from an existing database: the issuing office's own, or, for a
        provincial office (code ending 00), any of its province's."""
        if not may_import(office, data.authority):
            raise RuleViolation(
                "issuing-authority-only",
                f"certificate {data.number} belongs to {data.authority}; office {office} may import only its "
                "own certificates (a provincial office: its province's)")
        policy(data.authority[:2]).check("issue", data.style, data.issued_on)
        return cls._create(cls.Imported, id=certificate_id(data.number, 1), data=data.to_event(), edition=1,
                           operator=operator, office=office, at=at, source=source)

    @property
    def number(self) -> str:
        return self.data.number

    @property
    def label(self) -> str:
        return f"certificate {self.data.number} (edition {self.edition})"

    def _check_may_replace_or_prove(self, operation: str, office: str) -> None:
        require_office_of(self.data.authority, office, self.label)
        self._require_current(f"{operation}-needs-current")
        policy(self.data.authority[:2]).check(operation, self.data.style, self.data.issued_on)

    def replace(self, reason: Replacement, catalog: CatalogVersion, operator: str, office: str, at: datetime,
                corrections: Mapping[str, str] | None = None) -> Certificate:
        """Reissue or exchange under the original number; returns the new edition.

        The caller saves both editions in one save, so history never shows half of it.
        """
        operation = "correct" if reason is Replacement.CORRECTION else (
            "reissue" if reason is Replacement.LOST else "exchange")
        self._check_may_replace_or_prove(operation, office)
        data, diffs = self.data, list[dict[str, Any]]()
        if reason is Replacement.CORRECTION:
            data, diffs = self.data.with_changes(corrections or {})
        elif corrections:
            raise InvalidInput("corrections", f"only a correction exchange changes fields, not {reason.value}")
        catalog_version, remark = self._replacement_remark(reason, catalog, at, corrections)
        if data.style == "old" and data.family == Family.SKILL:
            # 旧版职业资格证书自2016年9月1日起停止使用 (人社厅发〔2015〕143号): reprinted as a new-style edition
            data = data.replace(style="new")
        if diffs:
            remark += "；" + "；".join(f"{d['field']} 已更正" for d in diffs)
        event_class = {Replacement.LOST: Certificate.Reissued, Replacement.OVERSEAS: Certificate.Exchanged,
                       Replacement.CORRECTION: Certificate.Corrected}[reason]
        extra: dict[str, Any] = {"corrections": diffs} if reason is Replacement.CORRECTION else {}
        edition = self.edition + 1
        successor = Certificate._create(
            event_class, id=certificate_id(self.number, edition), data=data.to_event(), edition=edition,
            operator=operator, office=office, at=at, replaces=self.id, reason=reason.value, remark=remark,
            catalog_version=catalog_version, proof_serial=self.proof_serial, **extra)
        self._superseded(by=successor.id, by_edition=edition, reason=reason.value, operator=operator,
                         office=office, at=at)
        return successor

    def _replacement_remark(self, reason: Replacement, catalog: CatalogVersion, at: datetime,
                            corrections: Mapping[str, str] | None = None) -> tuple[str | None, str]:
        """(catalog version decided on, remark for the new edition); refuses what may not be replaced."""
        if self.data.family == Family.SKILL:
            if not catalog.contains(self.data.occupation):
                raise RuleViolation(
                    "occupation-left-catalog",
                    f"occupation {self.data.occupation} is not in the national catalog "
                    f"(version {catalog.version}): no {reason.label} (人社厅发〔2018〕42号 第五条)",
                    remedy=written_proof_command(self.number, reason.value, corrections),
                )
            return catalog.version, f"{china_date(at).isoformat()} {reason.label}，沿用原证书编号"
        if self.data.electronic:
            raise RuleViolation(
                "electronic-certificate-exists",
                "an electronic certificate was issued, so no paper certificate is reissued "
                "(人社厅发〔2023〕16号 第十六条)",
            )
        if abolished_qualification(self.data.occupation) is not None:
            raise RuleViolation(
                "qualification-abolished",
                f"{self.data.occupation} is an abolished qualification: the ministry takes no reissue",
                remedy=f"the centre issues a qualification proof on the city's request: certledger request apply "
                       f"{self.number} --kind qualification --applicant {self.data.holder_name}",
            )
        return None, "补发" if reason is Replacement.LOST else f"{reason.label}"

    @event(Superseded)
    def _superseded(self, by: UUID, by_edition: int, reason: str, operator: str, office: str,
                    at: datetime) -> None:
        self.status = Status.SUPERSEDED.value
        self.superseded = EditionSuperseded(by, by_edition, reason, operator, office, at)

    def prove(self, kind: ProofKind, reason: str, catalog: CatalogVersion, operator: str, office: str,
              at: datetime, request_number: str | None = None,
              corrections: Mapping[str, str] | None = None) -> Proof:
        """Record a proof of this certificate; returns the new Proof (save both together). What each kind
        needs and states, and who issues it: ledger.proof_rules."""
        from ledger.proof import Proof  # ledger.proof imports Document from here
        from ledger.proof_rules import proof_content

        content = proof_content(self, kind, reason, catalog, office, request_number, corrections)
        serial = self.proof_serial + 1
        number = f"{kind.prefix}-{self.number}-{serial:02d}"
        extra: dict[str, Any] = {"corrections": content.diffs} if content.diffs else {}
        if content.issuer != self.data.authority:
            extra["issuer"] = content.issuer
        proof = Proof._create(
            Proof.Recorded, id=proof_id(number), number=number, kind=kind.value, reason=reason,
            certificate_id=self.id, certificate_number=self.number, certificate_edition=self.edition,
            data=content.data.to_event(), catalog_version=content.catalog_version,
            request_number=request_number or "", operator=operator, office=office, at=at, **extra)
        self._proof_recorded(proof_id=proof.id, proof_number=number, kind=kind.value, operator=operator,
                             office=office, at=at)
        return proof

    @event(ProofRecorded)
    def _proof_recorded(self, proof_id: UUID, proof_number: str, kind: str, operator: str, office: str,
                        at: datetime) -> None:
        self.proof_serial += 1
        self.proofs.append(ProofEntry(proof_id, proof_number, kind, at))


keep_old_topics("ledger.domain", Document, Certificate)  # stored while they lived in ledger.domain


def __getattr__(name: str) -> Any:
    # Proof moved to ledger.proof, which imports Document from here, so it cannot be imported at the top.
    # Code and stored topics (ledger.documents:Proof.Recorded) that name it here still find it.
    if name == "Proof":
        from ledger.proof import Proof

        return Proof
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

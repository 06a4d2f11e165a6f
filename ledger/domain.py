"""The certificate domain as event-sourced aggregates.

Commands are public methods: they check the rules and take the time, the operator and
new ids as arguments. Private `@event` methods only assign state, so a replay never
re-runs business rules or reads the clock.

Aggregates:
- Certificate: one issued document (an edition). A reissue or exchange keeps the
  certificate number and creates the next edition; old and new point at each other.
- Proof: a written proof, score-pass proof or qualification proof, with its own number.
- ServiceRequest: apply -> accept -> review -> complete -> deliver, with due dates.
- Catalog: the versioned occupation catalog used for reissue-or-proof decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInput, RuleViolation
from ledger.reference import abolished_qualification, authority, policy
from ledger.values import CertificateData, Family, normalise_occupation
from ledger.views import key_may_sign_at

NAMESPACE = UUID("3f1b6c0e-7d1a-5c43-9a55-6c6564676572")
CHINA = ZoneInfo("Asia/Shanghai")  # offices work on China's calendar, events carry UTC instants


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA).date()


class Status(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


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


def certificate_id(number: str, edition: int) -> UUID:
    return uuid5(NAMESPACE, f"certificate/{number}/{edition}")


def proof_id(number: str) -> UUID:
    return uuid5(NAMESPACE, f"proof/{number}")


def request_id(number: str) -> UUID:
    return uuid5(NAMESPACE, f"request/{number}")


CATALOG_ID = uuid5(NAMESPACE, "catalog")


def _require_office_of(authority_code: str, office: str, what: str) -> None:
    if office != authority_code:
        issuer = authority(authority_code)
        raise RuleViolation(
            "issuing-authority-only",
            f"office {office} may not act on {what}: only its issuing authority {authority_code} "
            f"({issuer.office}) may (谁发证谁负责)",
        )


class Document(Aggregate):
    """What certificates and proofs share: status, handovers, revocation.

    Subclasses set these attributes in their __init__ (declared for the type checker only:
    class-level annotations on an aggregate would be read as fields by the library).
    """

    if TYPE_CHECKING:
        status: str
        handovers: list[dict[str, Any]]
        revoked: dict[str, Any] | None
        data: CertificateData
        issued_by: dict[str, Any]
        superseded: dict[str, Any] | None
        signatures: list[dict[str, Any]]

    class HandedOver(Aggregate.Event):
        kind: str
        details: dict[str, Any]
        evidence: list[dict[str, str]]
        operator: str
        office: str
        at: datetime

    class Revoked(Aggregate.Event):
        reason: str
        operator: str
        office: str
        at: datetime

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
        _require_office_of(self.issuing_authority, office, self.label)
        self._require_current("sign-needs-current")
        self._signed(sha256=sha256, key_id=key_id, signed_at=at, token=token, operator=operator, office=office)

    @event(Signed)
    def _signed(self, sha256: str, key_id: str, signed_at: datetime, token: str, operator: str,
                office: str) -> None:
        self.signatures.append({"sha256": sha256, "key_id": key_id, "signed_at": signed_at, "token": token,
                                "operator": operator})

    def check_may_hand_over(self, office: str) -> None:
        _require_office_of(self.issuing_authority, office, self.label)
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
        self.handovers.append({"kind": kind, "details": details, "evidence": evidence,
                               "operator": operator, "office": office, "at": at})

    def revoke(self, reason: str, operator: str, office: str, at: datetime) -> None:
        _require_office_of(self.issuing_authority, office, self.label)
        if self.status == Status.REVOKED:
            raise RuleViolation("already-revoked", f"{self.label} is already revoked")
        if not reason.strip():
            raise InvalidInput("reason", "required: say why the document is revoked")
        self._revoked(reason=reason.strip(), operator=operator, office=office, at=at)

    @event(Revoked)
    def _revoked(self, reason: str, operator: str, office: str, at: datetime) -> None:
        self.status = Status.REVOKED.value
        self.revoked = {"reason": reason, "operator": operator, "office": office, "at": at}


class Certificate(Document):
    """One edition of a certificate. Edition 1 is the original issuance."""

    class Issued(Aggregate.Created):
        data: dict[str, Any]
        edition: int
        operator: str
        office: str
        at: datetime

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

    class Superseded(Aggregate.Event):
        by: UUID
        by_edition: int
        reason: str
        operator: str
        office: str
        at: datetime

    class ProofRecorded(Aggregate.Event):
        proof_id: UUID
        proof_number: str
        kind: str
        operator: str
        office: str
        at: datetime

    def __init__(self, data: dict[str, Any], edition: int, operator: str, office: str, at: datetime,
                 replaces: UUID | None = None, reason: str | None = None, remark: str = "",
                 catalog_version: str | None = None, proof_serial: int = 0,
                 corrections: list[dict[str, Any]] | None = None) -> None:
        self.data = CertificateData.from_event(data)
        self.edition = edition
        self.issued_by: dict[str, Any] = {"operator": operator, "office": office, "at": at}
        self.replaces = replaces
        self.replacement_reason = reason
        self.remarks: list[str] = []
        if replaces is not None:
            self.remarks = [remark]
        self.catalog_version = catalog_version
        self.corrections = corrections or []
        self.proof_serial = proof_serial
        self.proofs: list[dict[str, Any]] = []
        self.status = Status.CURRENT.value
        self.superseded: dict[str, Any] | None = None
        self.handovers: list[dict[str, Any]] = []
        self.revoked: dict[str, Any] | None = None
        self.signatures: list[dict[str, Any]] = []

    @classmethod
    def issue(cls, data: CertificateData, operator: str, office: str, at: datetime) -> Certificate:
        """Issue edition 1. A second issuance of the same number collides in the store."""
        _require_office_of(data.authority, office, f"certificate {data.number}")
        policy(data.authority[:2]).check("issue", data.style, data.issued_on)
        return cls._create(cls.Issued, id=certificate_id(data.number, 1), data=data.to_event(), edition=1,
                           operator=operator, office=office, at=at)

    @classmethod
    def import_record(cls, data: CertificateData, source: str, operator: str, office: str,
                      at: datetime) -> Certificate:
        """Load an issuance from an existing database: the issuing office's own, or, for a
        provincial office (code ending 00), any of its province's."""
        if office != data.authority and not (office[2:] == "00" and office[:2] == data.authority[:2]):
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
        _require_office_of(self.data.authority, office, self.label)
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
        catalog_version: str | None = None
        if self.data.family == Family.SKILL:
            catalog_version = catalog.version
            if not catalog.contains(self.data.occupation):
                raise RuleViolation(
                    "occupation-left-catalog",
                    f"occupation {self.data.occupation} is not in the national catalog "
                    f"(version {catalog.version}): no {reason.label} (人社厅发〔2018〕42号 第五条)",
                    remedy=f"record a written proof (书面证明): certledger prove {self.number} --kind written",
                )
            remark = f"{china_date(at).isoformat()} {reason.label}，沿用原证书编号"
        else:
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
                    remedy=f"record a qualification proof: certledger prove {self.number} --kind qualification",
                )
            remark = "补发" if reason is Replacement.LOST else f"{reason.label}"
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

    @event(Superseded)
    def _superseded(self, by: UUID, by_edition: int, reason: str, operator: str, office: str,
                    at: datetime) -> None:
        self.status = Status.SUPERSEDED.value
        self.superseded = {"by": by, "by_edition": by_edition, "reason": reason, "operator": operator,
                           "office": office, "at": at}

    def prove(self, kind: ProofKind, reason: str, catalog: CatalogVersion, operator: str, office: str,
              at: datetime, request_number: str | None = None) -> Proof:
        """Record a proof of this certificate; returns the new Proof (save both together)."""
        self._check_may_replace_or_prove("prove", office)
        catalog_version: str | None = None
        if kind is ProofKind.WRITTEN:
            if self.data.family != Family.SKILL:
                raise RuleViolation("written-proof-skill-only",
                                    "a written proof (书面证明) is for skill certificates")
            catalog_version = catalog.version
            if catalog.contains(self.data.occupation):
                raise RuleViolation(
                    "occupation-in-catalog",
                    f"occupation {self.data.occupation} is in the national catalog (version {catalog.version}),"
                    " so the certificate is reissued or exchanged, not proved",
                    remedy=f"certledger reissue {self.number} (or exchange)",
                )
            if reason not in (Replacement.LOST, Replacement.OVERSEAS):
                raise InvalidInput("reason", "a written proof is for a lost certificate (lost) or an overseas "
                                             "exchange (overseas)")
        elif kind is ProofKind.QUALIFICATION:
            if abolished_qualification(self.data.occupation) is None:
                raise RuleViolation(
                    "qualification-not-abolished",
                    f"{self.data.occupation} is not one of the 15 abolished qualifications (seed 004 二(二)2)",
                    remedy=f"certledger reissue {self.number}",
                )
        elif kind is ProofKind.SCORE_PASS:
            if self.data.family != Family.PROFESSIONAL:
                raise RuleViolation("score-pass-professional-only",
                                    "a score-pass proof (成绩合格证明) is for professional certificates")
            if not request_number:
                raise InvalidInput("request", "a score-pass proof is issued while a reissue is pending: "
                                              "name that service request")
        serial = self.proof_serial + 1
        number = f"{kind.prefix}-{self.number}-{serial:02d}"
        proof = Proof._create(
            Proof.Recorded, id=proof_id(number), number=number, kind=kind.value, reason=reason,
            certificate_id=self.id, certificate_number=self.number, certificate_edition=self.edition,
            data=self.data.to_event(), catalog_version=catalog_version, request_number=request_number or "",
            operator=operator, office=office, at=at)
        self._proof_recorded(proof_id=proof.id, proof_number=number, kind=kind.value, operator=operator,
                             office=office, at=at)
        return proof

    @event(ProofRecorded)
    def _proof_recorded(self, proof_id: UUID, proof_number: str, kind: str, operator: str, office: str,
                        at: datetime) -> None:
        self.proof_serial += 1
        self.proofs.append({"id": proof_id, "number": proof_number, "kind": kind, "at": at})


class Proof(Document):
    """A proof document (书面证明, 成绩合格证明, 职/执业资格证明) about one certificate."""

    class Recorded(Aggregate.Created):
        number: str
        kind: str
        reason: str
        certificate_id: UUID
        certificate_number: str
        certificate_edition: int
        data: dict[str, Any]
        catalog_version: str | None
        request_number: str
        operator: str
        office: str
        at: datetime

    class Superseded(Aggregate.Event):
        by: UUID
        by_number: str
        operator: str
        office: str
        at: datetime

    def __init__(self, number: str, kind: str, reason: str, certificate_id: UUID, certificate_number: str,
                 certificate_edition: int, data: dict[str, Any], catalog_version: str | None,
                 request_number: str, operator: str, office: str, at: datetime) -> None:
        self.number = number
        self.kind = kind
        self.reason = reason
        self.certificate_id = certificate_id
        self.certificate_number = certificate_number
        self.certificate_edition = certificate_edition
        self.data = CertificateData.from_event(data)
        self.catalog_version = catalog_version
        self.request_number = request_number
        self.issued_by: dict[str, Any] = {"operator": operator, "office": office, "at": at}
        self.status = Status.CURRENT.value
        self.superseded: dict[str, Any] | None = None
        self.handovers: list[dict[str, Any]] = []
        self.revoked: dict[str, Any] | None = None
        self.signatures: list[dict[str, Any]] = []

    @property
    def label(self) -> str:
        return f"proof {self.number}"

    def supersede(self, by: Proof, operator: str, office: str, at: datetime) -> None:
        """A newer proof of the same kind for the same certificate replaces this one."""
        if self.status != Status.CURRENT:
            return
        self._superseded(by=by.id, by_number=by.number, operator=operator, office=office, at=at)

    @event(Superseded)
    def _superseded(self, by: UUID, by_number: str, operator: str, office: str, at: datetime) -> None:
        self.status = Status.SUPERSEDED.value
        self.superseded = {"by": by, "by_number": by_number, "operator": operator, "office": office, "at": at}


class RequestKind(StrEnum):
    REISSUE = "reissue"
    EXCHANGE = "exchange"
    CORRECT = "correct"
    PROOF = "proof"
    SCORE_PASS = "score-pass"
    QUALIFICATION = "qualification"


class RequestStage(StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"
    DELIVERED = "delivered"


class ServiceRequest(Aggregate):
    """申请 -> 受理 -> 审核 -> 办结 -> 送达, with due dates in working days."""

    class Applied(Aggregate.Created):
        number: str
        kind: str
        certificate_number: str
        office: str
        applicant: str
        channel: str
        applied_on: date
        accept_due: date
        provisional: bool
        operator: str
        at: datetime

    class Accepted(Aggregate.Event):
        accepted_on: date
        complete_due: date
        provisional: bool
        operator: str
        office: str
        at: datetime

    class Reviewed(Aggregate.Event):
        approved: bool
        reason: str
        checks: dict[str, bool]
        operator: str
        office: str
        at: datetime

    class Completed(Aggregate.Event):
        result_number: str
        completed_on: date
        deliver_due: date
        provisional: bool
        operator: str
        office: str
        at: datetime

    class Delivered(Aggregate.Event):
        delivered_on: date
        how: str
        operator: str
        office: str
        at: datetime

    def __init__(self, number: str, kind: str, certificate_number: str, office: str, applicant: str,
                 channel: str, applied_on: date, accept_due: date, provisional: bool, operator: str,
                 at: datetime) -> None:
        self.number = number
        self.kind = kind
        self.certificate_number = certificate_number
        self.office = office
        self.applicant = applicant
        self.channel = channel
        self.applied_on = applied_on
        self.stage = RequestStage.APPLIED.value
        self.due: date | None = accept_due
        self.provisional = provisional
        self.accepted_on: date | None = None
        self.review: dict[str, Any] | None = None
        self.result_number: str | None = None
        self.completed_on: date | None = None
        self.delivered: dict[str, Any] | None = None
        self.steps: list[dict[str, Any]] = [{"stage": "applied", "on": applied_on, "operator": operator}]

    REVIEW_CHECKS = ("name", "id_number", "certificate_number", "level", "specialty", "approval_date", "photo")

    @classmethod
    def apply(cls, number: str, kind: RequestKind, certificate_number: str, office: str, applicant: str,
              channel: str, applied_on: date, accept_due: date, provisional: bool, operator: str,
              at: datetime) -> ServiceRequest:
        return cls._create(cls.Applied, id=request_id(number), number=number, kind=kind.value,
                           certificate_number=certificate_number, office=office, applicant=applicant,
                           channel=channel, applied_on=applied_on, accept_due=accept_due,
                           provisional=provisional, operator=operator, at=at)

    def _require_stage(self, *stages: RequestStage, action: str) -> None:
        if self.stage not in stages:
            allowed = " or ".join(s.value for s in stages)
            raise RuleViolation("request-workflow",
                                f"request {self.number} is {self.stage}; {action} needs it {allowed}")

    def _require_office(self, office: str) -> None:
        if office != self.office:
            raise RuleViolation("request-office-only", f"request {self.number} belongs to office {self.office}")

    def accept(self, accepted_on: date, complete_due: date, provisional: bool, operator: str, office: str,
               at: datetime) -> None:
        self._require_office(office)
        self._require_stage(RequestStage.APPLIED, action="accepting")
        if accepted_on < self.applied_on:
            raise InvalidInput("date", "acceptance cannot precede the application")
        self._accepted(accepted_on=accepted_on, complete_due=complete_due, provisional=provisional,
                       operator=operator, office=office, at=at)

    @event(Accepted)
    def _accepted(self, accepted_on: date, complete_due: date, provisional: bool, operator: str, office: str,
                  at: datetime) -> None:
        self.stage = RequestStage.ACCEPTED.value
        self.accepted_on = accepted_on
        self.due = complete_due
        self.provisional = provisional
        self.steps.append({"stage": "accepted", "on": accepted_on, "operator": operator})

    def decide(self, approved: bool, reason: str, checks: Mapping[str, bool], operator: str, office: str,
               at: datetime) -> None:
        """Review: approve only when every data check passed; a rejection needs a reason."""
        self._require_office(office)
        self._require_stage(RequestStage.ACCEPTED, action="review")
        unknown = set(checks) - set(self.REVIEW_CHECKS)
        if unknown:
            raise InvalidInput("checks", f"unknown check {sorted(unknown)[0]!r}; "
                                         f"known: {', '.join(self.REVIEW_CHECKS)}")
        missing = [c for c in self.REVIEW_CHECKS if c not in checks]
        if approved and missing:
            raise InvalidInput("checks", f"an approval records every data check; missing: {', '.join(missing)}")
        if approved and not all(checks.values()):
            failed = ", ".join(k for k, v in checks.items() if not v)
            raise RuleViolation("review-data-must-match",
                                f"cannot approve: {failed} do not match the certificate database")
        if not approved and not reason.strip():
            raise InvalidInput("reason", "required when rejecting a request")
        self._reviewed(approved=approved, reason=reason.strip(), checks=dict(checks), operator=operator,
                       office=office, at=at)

    @event(Reviewed)
    def _reviewed(self, approved: bool, reason: str, checks: dict[str, bool], operator: str, office: str,
                  at: datetime) -> None:
        self.stage = (RequestStage.APPROVED if approved else RequestStage.REJECTED).value
        self.review = {"approved": approved, "reason": reason, "checks": checks, "operator": operator, "at": at}
        if not approved:
            self.due = None
        self.steps.append({"stage": self.stage, "on": china_date(at), "operator": operator})

    def complete(self, result_number: str, completed_on: date, deliver_due: date, provisional: bool,
                 operator: str, office: str, at: datetime) -> None:
        self._require_office(office)
        self._require_stage(RequestStage.APPROVED, action="completion")
        self._completed(result_number=result_number, completed_on=completed_on, deliver_due=deliver_due,
                        provisional=provisional, operator=operator, office=office, at=at)

    @event(Completed)
    def _completed(self, result_number: str, completed_on: date, deliver_due: date, provisional: bool,
                   operator: str, office: str, at: datetime) -> None:
        self.stage = RequestStage.COMPLETED.value
        self.result_number = result_number
        self.completed_on = completed_on
        self.due = deliver_due
        self.provisional = provisional
        self.steps.append({"stage": "completed", "on": completed_on, "operator": operator})

    def deliver(self, delivered_on: date, how: str, operator: str, office: str, at: datetime) -> None:
        self._require_office(office)
        self._require_stage(RequestStage.COMPLETED, action="delivery")
        self._delivered(delivered_on=delivered_on, how=how, operator=operator, office=office, at=at)

    @event(Delivered)
    def _delivered(self, delivered_on: date, how: str, operator: str, office: str, at: datetime) -> None:
        self.stage = RequestStage.DELIVERED.value
        self.delivered = {"on": delivered_on, "how": how, "operator": operator}
        self.due = None
        self.steps.append({"stage": "delivered", "on": delivered_on, "operator": operator})

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and today > self.due


class CatalogVersion:
    """One loaded version of the national occupation catalog."""

    __slots__ = ("version", "occupations", "sha256")

    def __init__(self, version: str, occupations: Sequence[str], sha256: str) -> None:
        self.version = version
        self.occupations = frozenset(normalise_occupation(o) for o in occupations)
        self.sha256 = sha256

    def contains(self, occupation: str) -> bool:
        """In the catalog by its own name, or by its occupation without the trade in brackets."""
        name = normalise_occupation(occupation)
        return name in self.occupations or name.split("（", 1)[0] in self.occupations


class Catalog(Aggregate):
    """The versioned national occupation catalog (国家职业资格目录) the office works with."""

    class Started(Aggregate.Created):
        pass

    class VersionLoaded(Aggregate.Event):
        version: str
        title: str
        occupations: list[str]
        sha256: str
        operator: str
        office: str
        at: datetime

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, Any]] = {}
        self.current: str | None = None

    @classmethod
    def start(cls) -> Catalog:
        return cls._create(cls.Started, id=CATALOG_ID)

    def load(self, version: str, title: str, occupations: Sequence[str], sha256: str, operator: str,
             office: str, at: datetime) -> None:
        if not version.strip():
            raise InvalidInput("version", "required")
        names = [o.strip() for o in occupations if o and o.strip()]
        if not names:
            raise InvalidInput("occupations", "a catalog lists at least one occupation")
        if len(set(names)) != len(names):
            raise InvalidInput("occupations", "lists an occupation twice")
        known = self.versions.get(version)
        if known is not None:
            if known["sha256"] == sha256:
                raise RuleViolation("catalog-version-loaded", f"catalog version {version} is already loaded")
            raise RuleViolation("catalog-version-immutable",
                                f"catalog version {version} was loaded with other content; give it a new version")
        self._version_loaded(version=version, title=title, occupations=names, sha256=sha256,
                             operator=operator, office=office, at=at)

    @event(VersionLoaded)
    def _version_loaded(self, version: str, title: str, occupations: list[str], sha256: str, operator: str,
                        office: str, at: datetime) -> None:
        self.versions[version] = {"title": title, "occupations": occupations, "sha256": sha256, "at": at}
        self.current = version

    def current_version(self) -> CatalogVersion:
        if self.current is None:
            raise RuleViolation("catalog-missing", "no occupation catalog is loaded: certledger catalog load FILE")
        v = self.versions[self.current]
        return CatalogVersion(self.current, v["occupations"], v["sha256"])


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

    class Registered(Aggregate.Created):
        kid: str
        office: str
        algorithm: str
        public_key_pem: str
        certificate_pem: str
        not_before: datetime
        not_after: datetime
        operator: str
        at: datetime

    class Retired(Aggregate.Event):
        reason: str
        operator: str
        office: str
        at: datetime

    class Revoked(Aggregate.Event):
        compromised_at: datetime
        reason: str
        operator: str
        office: str
        at: datetime

    def __init__(self, kid: str, office: str, algorithm: str, public_key_pem: str, certificate_pem: str,
                 not_before: datetime, not_after: datetime, operator: str, at: datetime) -> None:
        self.kid = kid
        self.office = office
        self.algorithm = algorithm
        self.public_key_pem = public_key_pem
        self.certificate_pem = certificate_pem
        self.not_before = not_before
        self.not_after = not_after
        self.registered: dict[str, Any] = {"operator": operator, "at": at}
        self.retired: dict[str, Any] | None = None
        self.revoked: dict[str, Any] | None = None

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

    def _require_owner(self, office: str) -> None:
        if office != self.office:
            raise RuleViolation("key-owner-only", f"key {self.kid} belongs to office {self.office}")

    def retire(self, reason: str, operator: str, office: str, at: datetime) -> None:
        """End the signing window now (rotation); documents signed before stay valid."""
        self._require_owner(office)
        if self.revoked is not None or self.retired is not None:
            state = "revoked" if self.revoked else "retired"
            raise RuleViolation("key-not-active", f"key {self.kid} is already {state}")
        self._retired(reason=reason, operator=operator, office=office, at=at)

    @event(Retired)
    def _retired(self, reason: str, operator: str, office: str, at: datetime) -> None:
        self.retired = {"reason": reason, "operator": operator, "at": at}

    def revoke(self, compromised_at: datetime, reason: str, operator: str, office: str, at: datetime) -> None:
        """Documents signed (by the ledger's record) at or after `compromised_at` fail verification."""
        self._require_owner(office)
        if self.revoked is not None:
            raise RuleViolation("key-already-revoked", f"key {self.kid} is already revoked")
        if not reason.strip():
            raise InvalidInput("reason", "required: say why the key is revoked")
        if compromised_at > at:
            raise InvalidInput("compromised_at", "cannot be in the future")
        self._revoked(compromised_at=compromised_at, reason=reason.strip(), operator=operator, office=office, at=at)

    @event(Revoked)
    def _revoked(self, compromised_at: datetime, reason: str, operator: str, office: str, at: datetime) -> None:
        self.revoked = {"compromised_at": compromised_at, "reason": reason, "operator": operator, "at": at}

    def may_sign_at(self, at: datetime) -> tuple[bool, str]:
        """Whether a signature recorded at `at` is within this key's authority, and why not."""
        return key_may_sign_at(self.kid, self.not_before, self.not_after,
                               self.retired["at"] if self.retired else None,
                               self.revoked["compromised_at"] if self.revoked else None,
                               self.revoked["reason"] if self.revoked else None, at)

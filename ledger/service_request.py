"""ServiceRequest: 申请 -> 受理 -> 审核 -> 办结 -> 送达, with due dates in working days; an approved
reissue or exchange is forwarded to the provincial center in a monthly batch."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInput, RuleViolation
from ledger.events import NAMESPACE, Acted, ActedCreated, china_date, keep_old_topic, keep_old_topics
from ledger.records import Delivery, Forwarding, Photo, RequestStep, Review
from ledger.reference import authority
from ledger.review import Comparison


def request_id(number: str) -> UUID:
    return uuid5(NAMESPACE, f"request/{number}")


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


# What a monthly batch carries: reissues and exchanges, and the abolished qualifications' requests, whose
# materials and data cities send through the reissue process (seed 004 二(二)2).
BATCH_KINDS = (RequestKind.REISSUE.value, RequestKind.EXCHANGE.value, RequestKind.QUALIFICATION.value)


class ServiceRequest(Aggregate):
    """申请 -> 受理 -> 审核 -> 办结 -> 送达, with due dates in working days."""

    class Applied(ActedCreated):
        number: str
        kind: str
        certificate_number: str
        applicant: str
        channel: str
        applied_on: date
        accept_due: date
        provisional: bool
        process: str = ""  # the time limits' process (policies.json); "" in stores written before
        promised_due: date | None = None  # 承诺办结时限 of the whole request, where the process promises one
        legal_due: date | None = None  # 法定办结时限, where one applies
        id_shown: str = ""  # at the window: the original the applicant showed (id-card, social-security-card)
        related: str = ""  # the request filed with it: a score-pass request's reissue request (seed 004 二(二)1)

    class Accepted(Acted):
        accepted_on: date
        complete_due: date
        provisional: bool

    class Reviewed(Acted):
        approved: bool
        reason: str
        checks: dict[str, bool]
        due: date | None = None  # an approval's next due date, where the process limits the review itself
        comparisons: list[dict[str, str]] | None = None  # each stated field against the record (absent before)
        photo_attested: bool | None = None  # the clerk's attestation that the photo shows the holder
        outcome: str = ""  # hand-over-original: the certificate was never collected (seed 002)

    class Referred(Acted):
        """The city sent the reviewed application on to the provincial examination centre (报送, seed 004
        二(二)1), outside the monthly batch."""

        centre: str

    class Completed(Acted):
        result_number: str
        completed_on: date
        deliver_due: date
        provisional: bool

    class Delivered(Acted):
        delivered_on: date
        how: str
        handover: str = ""  # the handover that delivered it: NUMBER#n, its n-th handover (absent before)

    class Forwarded(Acted):
        """The approved request went to the provincial center in a monthly batch (its `row` of `file_name`)."""

        batch_id: UUID
        batch: str
        file_name: str
        row: int

    class MaterialAttached(Acted):
        """An application's material (ID both sides, a lookup screenshot, a photo of the original: seed 001 三),
        kept in the attachment store by its SHA-256."""

        kind: str
        sha256: str
        name: str

    class PhotoAttached(Acted):
        """The applicant's photo (电子照片, seed 004 附件 一) for the reissued paper, by its SHA-256."""

        sha256: str

    def __init__(self, number: str, kind: str, certificate_number: str, office: str, applicant: str,
                 channel: str, applied_on: date, accept_due: date, provisional: bool, operator: str,
                 at: datetime, process: str = "", promised_due: date | None = None,
                 legal_due: date | None = None, id_shown: str = "", related: str = "") -> None:
        self.number = number
        self.related = related
        self.referred_to = ""
        self.materials: list[tuple[str, str, str]] = []  # (kind, sha256, name)
        self.id_shown = id_shown
        self.process = process
        self.promised_due = promised_due
        self.legal_due = legal_due
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
        self.review: Review | None = None
        self.result_number: str | None = None
        self.completed_on: date | None = None
        self.delivered: Delivery | None = None
        self.forwarded: Forwarding | None = None
        self.photo: Photo | None = None
        self.steps: list[RequestStep] = [RequestStep("applied", applied_on, operator)]

    REVIEW_CHECKS = ("name", "id_number", "certificate_number", "level", "specialty", "approval_date", "photo")

    @classmethod
    def apply(cls, number: str, kind: RequestKind, certificate_number: str, office: str, applicant: str,
              channel: str, applied_on: date, accept_due: date, provisional: bool, operator: str,
              at: datetime, process: str = "", promised_due: date | None = None,
              legal_due: date | None = None, id_shown: str = "", related: str = "") -> ServiceRequest:
        extra = {"related": related} if related else {}
        return cls._create(cls.Applied, id=request_id(number), number=number, kind=kind.value,
                           certificate_number=certificate_number, office=office, applicant=applicant,
                           channel=channel, applied_on=applied_on, accept_due=accept_due,
                           provisional=provisional, operator=operator, at=at, process=process,
                           promised_due=promised_due, legal_due=legal_due, id_shown=id_shown, **extra)

    def _require_stage(self, *stages: RequestStage, action: str) -> None:
        if self.stage not in stages:
            allowed = " or ".join(s.value for s in stages)
            raise RuleViolation("request-workflow",
                                f"request {self.number} is {self.stage}; {action} needs it {allowed}")

    def _require_office(self, office: str) -> None:
        if office != self.office:
            raise RuleViolation("request-office-only", f"request {self.number} belongs to office {self.office}")

    @property
    def sent_to(self) -> str:
        """The examination centre the city sent the request on to (referred, or forwarded in a batch); ""."""
        return self.referred_to or (self.forwarded.office if self.forwarded is not None else "")

    def _require_office_or_centre(self, office: str) -> None:
        """The city's own office, or the centre it sent the request on to (which completes it with its proof)."""
        if office != self.office and office != self.sent_to:
            self._require_office(office)

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
        self.steps.append(RequestStep("accepted", accepted_on, operator))

    def decide(self, approved: bool, reason: str, checks: Mapping[str, bool], operator: str, office: str,
               at: datetime, due: date | None = None, comparisons: list[dict[str, str]] | None = None,
               photo_attested: bool | None = None, outcome: str = "") -> None:
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
        extra: dict[str, Any] = {k: v for k, v in (("comparisons", comparisons), ("photo_attested", photo_attested),
                                                   ("outcome", outcome)) if v is not None and v != ""}
        self._reviewed(approved=approved, reason=reason.strip(), checks=dict(checks), operator=operator,
                       office=office, at=at, due=due if approved else None, **extra)

    @event(Reviewed)
    def _reviewed(self, approved: bool, reason: str, checks: dict[str, bool], operator: str, office: str,
                  at: datetime, due: date | None = None, comparisons: list[dict[str, str]] | None = None,
                  photo_attested: bool | None = None, outcome: str = "") -> None:
        self.stage = (RequestStage.APPROVED if approved else RequestStage.REJECTED).value
        self.review = Review(approved, reason, tuple(checks.items()), operator, at,
                             tuple(Comparison.of(c) for c in comparisons or ()), photo_attested, outcome)
        if not approved:
            self.due = None
        elif due is not None:
            self.due = due
        self.steps.append(RequestStep(self.stage, china_date(at), operator))

    def complete(self, result_number: str, completed_on: date, deliver_due: date, provisional: bool,
                 operator: str, office: str, at: datetime) -> None:
        self._require_office_or_centre(office)
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
        self.steps.append(RequestStep("completed", completed_on, operator))

    def check_may_deliver(self, office: str) -> None:
        self._require_office(office)
        self._require_stage(RequestStage.COMPLETED, action="delivery")

    def deliver(self, delivered_on: date, how: str, operator: str, office: str, at: datetime,
                handover: str = "") -> None:
        self.check_may_deliver(office)
        extra = {"handover": handover} if handover else {}
        self._delivered(delivered_on=delivered_on, how=how, operator=operator, office=office, at=at, **extra)

    @event(Delivered)
    def _delivered(self, delivered_on: date, how: str, operator: str, office: str, at: datetime,
                   handover: str = "") -> None:
        self.stage = RequestStage.DELIVERED.value
        self.delivered = Delivery(delivered_on, how, operator, handover)
        self.due = None
        self.steps.append(RequestStep("delivered", delivered_on, operator))

    def refer(self, centre: str, operator: str, office: str, at: datetime) -> None:
        """Send the reviewed score-pass application on to the provincial examination centre (报送)."""
        self._require_office(office)
        if self.kind != RequestKind.SCORE_PASS:
            raise RuleViolation("refer-score-pass-only", f"request {self.number} asks for {self.kind}: reissues, "
                                "exchanges and qualification proofs go to the centre in the monthly batch")
        self._require_stage(RequestStage.APPROVED, action="referring it to the examination centre")
        if self.referred_to:
            raise RuleViolation("request-already-referred", f"request {self.number} went to {self.referred_to}")
        self._referred(centre=centre, operator=operator, office=office, at=at)

    @event(Referred)
    def _referred(self, centre: str, operator: str, office: str, at: datetime) -> None:
        self.referred_to = centre
        self.steps.append(RequestStep("referred", china_date(at), operator))

    def attach_material(self, kind: str, sha256: str, name: str, operator: str, office: str, at: datetime) -> None:
        self._require_office(office)
        if self.stage not in (RequestStage.APPLIED, RequestStage.ACCEPTED):
            raise RuleViolation("request-workflow", f"request {self.number} is {self.stage}: too late for materials")
        if not re.fullmatch(r"[a-z][a-z-]{1,30}", kind):
            raise InvalidInput("kind", "a material's kind: lowercase words joined by hyphens, e.g. id-front")
        self._material_attached(kind=kind, sha256=sha256, name=name, operator=operator, office=office, at=at)

    @event(MaterialAttached)
    def _material_attached(self, kind: str, sha256: str, name: str, operator: str, office: str, at: datetime) -> None:
        self.materials.append((kind, sha256, name))

    def check_materials(self, required: tuple[str, ...]) -> None:
        """Refuse acceptance while a required material is missing (申请材料齐全)."""
        held = {k for k, _, _ in self.materials}
        missing = [k for k in required if k not in held]
        if missing:
            raise RuleViolation("materials-missing", f"request {self.number} ({self.kind}) lacks "
                                f"{', '.join(missing)}: attach them before accepting (seed 001 三)")

    def is_overdue(self, today: date) -> bool:
        """Past the current step's due date, or past the legal limit while still open."""
        return self.due is not None and (today > self.due or self.past_legal_limit(today))

    def past_legal_limit(self, today: date) -> bool:
        return self.due is not None and self.legal_due is not None and today > self.legal_due

    def step_on(self, stage: str) -> date | None:
        """The day the request reached `stage` (applied, accepted, approved, completed), None if not yet."""
        return next((s.on for s in reversed(self.steps) if s.stage == stage), None)

    # ------------------------------------------------------------ monthly batch
    @property
    def photo_sha256(self) -> str:
        """The SHA-256 of the photo attached to the request, "" if none."""
        return self.photo.sha256 if self.photo is not None else ""

    def _require_not_forwarded(self) -> None:
        if self.forwarded is not None:
            raise RuleViolation("request-already-forwarded",
                                f"request {self.number} was already forwarded in batch {self.forwarded.batch}")

    def _require_batch_kind(self, what: str) -> None:
        if self.kind not in BATCH_KINDS:
            raise RuleViolation("batch-reissue-exchange-only", f"request {self.number} asks for {self.kind}: {what}")

    def check_may_forward(self, office: str) -> None:
        """Refuse unless this is an approved reissue or exchange not yet forwarded, and `office` its center."""
        if office[2:] != "00" or office[:2] != self.office[:2]:
            centre = authority(self.office[:2] + "00")
            raise RuleViolation("batch-provincial-center-only",
                                f"office {office} may not import the batch of {self.office}: the provincial center "
                                f"{centre.code} ({centre.office}) imports its province's batches")
        self._require_batch_kind("a batch carries reissues and exchanges")
        if self.stage != RequestStage.APPROVED:
            raise RuleViolation("request-workflow", f"request {self.number} is {self.stage}; "
                                                    "forwarding needs it approved")
        self._require_not_forwarded()

    def forward(self, batch_id: UUID, batch: str, file_name: str, row: int, operator: str, office: str,
                at: datetime) -> None:
        """Link the approved request to the batch row that carries it to the provincial center."""
        self.check_may_forward(office)
        self._forwarded(batch_id=batch_id, batch=batch, file_name=file_name, row=row, operator=operator,
                        office=office, at=at)

    @event(Forwarded)
    def _forwarded(self, batch_id: UUID, batch: str, file_name: str, row: int, operator: str, office: str,
                   at: datetime) -> None:
        self.forwarded = Forwarding(batch_id, batch, file_name, row, operator, office, at)
        self.steps.append(RequestStep("forwarded", china_date(at), operator))

    def check_may_attach_photo(self, office: str) -> None:
        """Refuse unless the request's own office acts on a reissue or exchange still before the batch."""
        self._require_office(office)
        self._require_batch_kind("photos go with reissues and exchanges")
        if self.stage not in (RequestStage.APPLIED, RequestStage.ACCEPTED, RequestStage.APPROVED):
            raise RuleViolation("request-workflow", f"request {self.number} is {self.stage}: too late for a photo")
        self._require_not_forwarded()

    def attach_photo(self, sha256: str, operator: str, office: str, at: datetime) -> None:
        """Keep the applicant's photo (its SHA-256; the file is in the attachment store) with the request."""
        self.check_may_attach_photo(office)
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise InvalidInput("photo", "a SHA-256 as 64 hex digits")
        self._photo_attached(sha256=sha256, operator=operator, office=office, at=at)

    @event(PhotoAttached)
    def _photo_attached(self, sha256: str, operator: str, office: str, at: datetime) -> None:
        self.photo = Photo(sha256, operator, at)


keep_old_topics("ledger.domain", ServiceRequest)
keep_old_topic("ledger.batch:Forwarded", ServiceRequest.Forwarded)
keep_old_topic("ledger.batch:PhotoAttached", ServiceRequest.PhotoAttached)

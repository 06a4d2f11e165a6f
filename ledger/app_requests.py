"""The service request workflow: apply -> accept -> review -> complete -> deliver, with due dates."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date

from ledger.app_base import Actor, LedgerBase
from ledger.docref import normalise_number
from ledger.documents import Certificate
from ledger.errors import InvalidInput, RuleViolation
from ledger.identity import IdDocument, ShownDocument
from ledger.projections import request_view
from ledger.reference import acts_for, examination_centre, policy
from ledger.review import checks_of, compare, photo_needed
from ledger.service_request import BATCH_KINDS, RequestKind, ServiceRequest
from ledger.time_limits import Limit, Process
from ledger.values import CertificateData, Family, parse_text
from ledger.views import RequestView


class RequestWorkflow(LedgerBase):
    def apply(self, actor: Actor, kind: RequestKind, certificate_number: str, applicant: str,
              channel: str = "window", applied_on: date | None = None,
              id_shown: tuple[str, str] | None = None) -> RequestView:
        """`id_shown`: at the window, the original shown (id-card or social-security-card) and its number.

        A score-pass proof is asked for while a reissue is pending: the city files the reissue request at the
        same time (seed 004 二(二)1), in the same save, unless one is pending already."""
        cert = self._current(certificate_number)
        if not acts_for(actor.office, cert.data.authority):
            raise RuleViolation("issuing-authority-only",
                                f"certificate {cert.number} was issued by {cert.data.authority}: "
                                "apply there (谁发证谁负责)")
        if channel not in ("window", "online", "mail"):
            raise InvalidInput("channel", "window, online or mail")
        policy(cert.data.authority[:2]).check("apply", cert.data.style, cert.data.issued_on)  # out of scope
        shown = _check_id_shown(cert.data, channel, id_shown) if id_shown else ""
        on = applied_on or self.today()
        companion = self._companion_reissue(actor, kind, cert.data, applicant, channel, on)
        req = self._new_request(actor, kind, cert.data, applicant, channel, on, shown,
                                companion.number if companion else "")
        self._save(req, companion, duplicate=f"request {req.number} exists")
        return request_view(req, self.today())

    def _companion_reissue(self, actor: Actor, kind: RequestKind, cert: CertificateData, applicant: str,
                           channel: str, on: date) -> ServiceRequest | None:
        """The reissue request filed with a score-pass request (None when one is pending or not needed)."""
        if kind is not RequestKind.SCORE_PASS:
            return None
        if cert.family != Family.PROFESSIONAL:
            raise RuleViolation("score-pass-professional-only",
                                "a score-pass proof (成绩合格证明) is for professional certificates")
        if any(v.certificate_number == cert.number and v.kind in (RequestKind.REISSUE, RequestKind.EXCHANGE)
               for v in self.requests(open_only=True)):
            return None
        return self._new_request(actor, RequestKind.REISSUE, cert, applicant, channel, on)

    def _new_request(self, actor: Actor, kind: RequestKind, cert: CertificateData, applicant: str, channel: str,
                     on: date, id_shown: str = "", related: str = "") -> ServiceRequest:
        process = policy(actor.office[:2]).process(cert.family, kind.value, channel)
        dates: dict[str, date | None] = {"applied": on}
        due = _limit(process, "accept").due(dates)
        number = f"SQ-{actor.office}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"
        return ServiceRequest.apply(number, kind, cert.number, actor.office,
                                    parse_text(applicant, "applicant", max_len=50), channel, on, due.day,
                                    due.provisional, actor.operator, self.now(), process=process.id,
                                    promised_due=process.promised.due(dates).day if process.promised else None,
                                    legal_due=process.legal_limit.due(dates).day if process.legal_limit else None,
                                    id_shown=id_shown, related=related)

    def accept(self, actor: Actor, number: str, on: date | None = None) -> RequestView:
        req = self._request(number)
        req.check_materials(policy(req.office[:2]).materials_for(req.office, req.channel, req.kind))
        day = on or self.today()
        process = self._process(req)
        # While accepted, the review is due where the process limits it (seed 002: 审核 5), else the completion.
        step = "review" if process.limit("review") else "complete"
        due = _limit(process, step).due({**_dates(req), "accepted": day})
        req.accept(day, due.day, due.provisional, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def review(self, actor: Actor, number: str, approve: bool, reason: str = "",
               checks: Mapping[str, bool] | None = None, stated: Mapping[str, str] | None = None,
               photo_attested: bool | None = None, not_collected: bool = False) -> RequestView:
        """Review (审核) against the record: `stated` (name, id_number, certificate_number, level, specialty,
        approval_date, as the applicant states them) is compared with the certificate database, each
        comparison recorded; `photo_attested` is the clerk's attestation that the photo shows the holder
        (needed for a professional certificate obtained before 2017). `checks` alone records checks made
        elsewhere, as before. `not_collected`: the certificate was never collected, so the original is
        handed over instead (seed 002 审核补证数据)."""
        req = self._request(number)
        cert = self._current(req.certificate_number)
        if not_collected:
            return self._hand_over_original(actor, req, cert)
        process = self._process(req)
        due = None
        if approve and process.limit("review"):  # the review had its own limit: completion is due next
            due = _limit(process, "complete").due({**_dates(req), "approved": self.today()}).day
        if checks is not None and stated is None and photo_attested is None:
            req.decide(approve, reason, checks, actor.operator, actor.office, self.now(), due=due)
        else:
            comparisons = compare(cert.data, {"certificate_number": req.certificate_number, **(stated or {})})
            if approve and photo_attested is not True and photo_needed(cert.data) and req.kind in BATCH_KINDS:
                raise RuleViolation("review-photo-attestation",
                                    f"certificate {cert.number} was obtained before 2017: its reissue is printed "
                                    "with the applicant's photo; attest that the photo shows the holder "
                                    "(--photo-ok) or reject")
            req.decide(approve, reason, checks_of(comparisons, photo_attested), actor.operator, actor.office,
                       self.now(), due=due, comparisons=[c.to_event() for c in comparisons],
                       photo_attested=photo_attested)
        self._save(req)
        return request_view(req, self.today())

    def _hand_over_original(self, actor: Actor, req: ServiceRequest, cert: Certificate) -> RequestView:
        """未领取的，告知考生并发放证书 (seed 002): the review finds the certificate never collected; the request
        completes with the original, which the office hands over."""
        if cert.handovers or cert.edition > 1:
            raise RuleViolation("certificate-was-collected",
                                f"certificate {cert.number} was handed over before: it is reissued, not handed "
                                "over again")
        req.decide(True, "证书未领取，发放原证书", {c: True for c in ServiceRequest.REVIEW_CHECKS}, actor.operator,
                   actor.office, self.now(), outcome="hand-over-original")
        day = self.today()
        limit = self._process(req).limit("deliver")
        deliver = limit.due({**_dates(req), "approved": day, "completed": day}) if limit else None
        req.complete(cert.number, day, deliver.day if deliver else day, bool(deliver and deliver.provisional),
                     actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def attach_material(self, actor: Actor, number: str, kind: str, content: bytes, name: str) -> RequestView:
        """Keep one of the application's materials with the request (its file in the attachment store)."""
        req = self._request(number)
        if self.blobs is None:
            raise InvalidInput("material", "no attachment store is configured")
        if not content:
            raise InvalidInput("material", f"{name}: the file is empty")
        req.attach_material(kind, self.blobs.put_bytes(content), parse_text(name, "name", max_len=200),
                            actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def refer(self, actor: Actor, number: str) -> RequestView:
        """The city sends a reviewed score-pass application on to the provincial examination centre (报送)."""
        req = self._request(number)
        req.refer(examination_centre(req.office[:2]).code, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def complete(self, actor: Actor, number: str, result_number: str) -> RequestView:
        self._document(result_number)  # the result must be on record already
        req = self._complete_request(actor, number, None, result_number, tuple(RequestKind))
        assert req is not None
        self._save(req)
        return request_view(req, self.today())

    def deliver(self, actor: Actor, number: str, how: str) -> RequestView:
        req = self._request(number)
        req.deliver(self.today(), parse_text(how, "how", max_len=200), actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def _complete_request(self, actor: Actor, number: str | None, certificate_number: str | None,
                          result_number: str, kinds: tuple[RequestKind, ...]) -> ServiceRequest | None:
        """The request `number` completed with `result_number` (not saved); None without a request."""
        if not number:
            return None
        req = self._request(number)
        if certificate_number is not None and req.certificate_number != certificate_number:
            raise RuleViolation("request-mismatch", f"request {number} is for {req.certificate_number}")
        if req.kind not in kinds:
            raise RuleViolation("request-mismatch", f"request {number} asks for {req.kind}")
        day = self.today()
        due = _limit(self._process(req), "deliver").due({**_dates(req), "completed": day})
        req.complete(normalise_number(result_number), day, due.day, due.provisional, actor.operator,
                     actor.office, self.now())
        return req

    def _process(self, req: ServiceRequest) -> Process:
        """The process whose time limits the request runs under (the one it was applied under, if recorded)."""
        rules = policy(req.office[:2])
        named = rules.process_named(req.process) if req.process else None
        if named is not None:
            return named
        return rules.process(self._current(req.certificate_number).data.family, req.kind, req.channel)

    def requests(self, open_only: bool = False, today: date | None = None) -> list[RequestView]:
        today = today or self.today()
        views = [request_view(self.repository.get(i), today) for i in self._ids_created_as(ServiceRequest.Applied)]
        return [v for v in views if v.due is not None] if open_only else views

    def overdue(self) -> list[RequestView]:
        return [v for v in self.requests(open_only=True) if v.overdue]


def _limit(process: Process, step: str) -> Limit:
    limit = process.limit(step)
    if limit is None:  # the default process sets every step but the review
        raise RuleViolation("time-limits", f"process {process.id} sets no limit for {step}")
    return limit


def _dates(req: ServiceRequest) -> dict[str, date | None]:
    """The days the request reached each step so far: what a limit may count from."""
    return {"applied": req.applied_on, "accepted": req.accepted_on, "approved": req.step_on("approved"),
            "completed": req.completed_on}


def _check_id_shown(holder: CertificateData, channel: str, id_shown: tuple[str, str]) -> str:
    """The original shown at the window must be the holder's: 身份证或社保卡原件 (seed 000 三(一))."""
    if channel != "window":
        raise InvalidInput("id_document", "an original is shown at the window (channel window)")
    shown = ShownDocument.parse(id_shown[0])
    doc = IdDocument.parse(holder.id_type, id_shown[1])
    shown.check_type(doc.type)
    if doc.number != holder.id_number:
        raise RuleViolation("window-id-must-match", f"the {shown.label} shown is not the certificate holder's")
    return shown.value

"""The service request workflow: apply -> accept -> review -> complete -> deliver, with due dates."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date

from ledger.app_base import Actor, LedgerBase
from ledger.docref import normalise_number
from ledger.errors import InvalidInput, RuleViolation
from ledger.identity import IdDocument, ShownDocument
from ledger.projections import request_view
from ledger.reference import policy
from ledger.service_request import RequestKind, ServiceRequest
from ledger.time_limits import Limit, Process
from ledger.values import CertificateData, parse_text
from ledger.views import RequestView


class RequestWorkflow(LedgerBase):
    def apply(self, actor: Actor, kind: RequestKind, certificate_number: str, applicant: str,
              channel: str = "window", applied_on: date | None = None,
              id_shown: tuple[str, str] | None = None) -> RequestView:
        """`id_shown`: at the window, the original shown (id-card or social-security-card) and its number."""
        cert = self._current(certificate_number)
        if cert.data.authority != actor.office:
            raise RuleViolation("issuing-authority-only",
                                f"certificate {cert.number} was issued by {cert.data.authority}: "
                                "apply there (谁发证谁负责)")
        if channel not in ("window", "online", "mail"):
            raise InvalidInput("channel", "window, online or mail")
        shown = _check_id_shown(cert.data, channel, id_shown) if id_shown else ""
        on = applied_on or self.today()
        process = policy(actor.office[:2]).process(cert.data.family, kind.value, channel)
        dates: dict[str, date | None] = {"applied": on}
        due = _limit(process, "accept").due(dates)
        promised = process.promised.due(dates).day if process.promised else None
        legal = process.legal_limit.due(dates).day if process.legal_limit else None
        number = f"SQ-{actor.office}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"
        req = ServiceRequest.apply(number, kind, cert.number, actor.office,
                                   parse_text(applicant, "applicant", max_len=50), channel, on, due.day,
                                   due.provisional, actor.operator, self.now(), process=process.id,
                                   promised_due=promised, legal_due=legal, id_shown=shown)
        self._save(req, duplicate=f"request {number} exists")
        return request_view(req, self.today())

    def accept(self, actor: Actor, number: str, on: date | None = None) -> RequestView:
        req = self._request(number)
        day = on or self.today()
        process = self._process(req)
        # While accepted, the review is due where the process limits it (seed 002: 审核 5), else the completion.
        step = "review" if process.limit("review") else "complete"
        due = _limit(process, step).due({**_dates(req), "accepted": day})
        req.accept(day, due.day, due.provisional, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def review(self, actor: Actor, number: str, approve: bool, reason: str = "",
               checks: Mapping[str, bool] | None = None) -> RequestView:
        req = self._request(number)
        process = self._process(req)
        due = None
        if approve and process.limit("review"):  # the review had its own limit: completion is due next
            due = _limit(process, "complete").due({**_dates(req), "approved": self.today()}).day
        req.decide(approve, reason, checks or {c: True for c in ServiceRequest.REVIEW_CHECKS},
                   actor.operator, actor.office, self.now(), due=due)
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

    def requests(self, open_only: bool = False) -> list[RequestView]:
        today = self.today()
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

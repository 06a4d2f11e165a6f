"""The service request workflow: apply -> accept -> review -> complete -> deliver, with due dates."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date

from ledger.app_base import Actor, LedgerBase
from ledger.docref import normalise_number
from ledger.errors import InvalidInput, RuleViolation
from ledger.projections import request_view
from ledger.reference import policy
from ledger.service_request import RequestKind, ServiceRequest
from ledger.values import Family, parse_text
from ledger.views import RequestView
from ledger.workdays import add_working_days


class RequestWorkflow(LedgerBase):
    def apply(self, actor: Actor, kind: RequestKind, certificate_number: str, applicant: str,
              channel: str = "window", applied_on: date | None = None) -> RequestView:
        cert = self._current(certificate_number)
        if cert.data.authority != actor.office:
            raise RuleViolation("issuing-authority-only",
                                f"certificate {cert.number} was issued by {cert.data.authority}: "
                                "apply there (谁发证谁负责)")
        if channel not in ("window", "online", "mail"):
            raise InvalidInput("channel", "window, online or mail")
        on = applied_on or self.today()
        due = add_working_days(on, policy(actor.office[:2]).time_limits["accept"])
        number = f"SQ-{actor.office}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"
        req = ServiceRequest.apply(number, kind, cert.number, actor.office,
                                   parse_text(applicant, "applicant", max_len=50), channel, on, due.day,
                                   due.provisional, actor.operator, self.now())
        self._save(req, duplicate=f"request {number} exists")
        return request_view(req, self.today())

    def accept(self, actor: Actor, number: str, on: date | None = None) -> RequestView:
        req = self._request(number)
        cert = self._current(req.certificate_number)
        day = on or self.today()
        limits = policy(actor.office[:2]).time_limits
        span = limits["complete"]
        if cert.data.family == Family.PROFESSIONAL and req.kind == RequestKind.REISSUE:
            span = limits.get("complete_professional_reissue", span)
        due = add_working_days(day, span)
        req.accept(day, due.day, due.provisional, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def review(self, actor: Actor, number: str, approve: bool, reason: str = "",
               checks: Mapping[str, bool] | None = None) -> RequestView:
        req = self._request(number)
        req.decide(approve, reason, checks or {c: True for c in ServiceRequest.REVIEW_CHECKS},
                   actor.operator, actor.office, self.now())
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
        due = add_working_days(day, policy(actor.office[:2]).time_limits["deliver"])
        req.complete(normalise_number(result_number), day, due.day, due.provisional, actor.operator,
                     actor.office, self.now())
        return req

    def requests(self, open_only: bool = False) -> list[RequestView]:
        today = self.today()
        views = [request_view(self.repository.get(i), today) for i in self._ids_created_as(ServiceRequest.Applied)]
        return [v for v in views if v.due is not None] if open_only else views

    def overdue(self) -> list[RequestView]:
        return [v for v in self.requests(open_only=True) if v.overdue]

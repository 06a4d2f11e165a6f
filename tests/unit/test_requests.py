"""ServiceRequest: apply -> accept -> review -> complete -> deliver (seed 003)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger.domain import RequestKind, RequestStage, ServiceRequest, request_id
from ledger.errors import InvalidInput, LedgerError, RuleViolation

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OFFICE = "0701"
ALL_CHECKS_PASS = {check: True for check in ServiceRequest.REVIEW_CHECKS}


def applied(number: str = "R-2026-0001") -> ServiceRequest:
    request = ServiceRequest.apply(
        number, RequestKind.REISSUE, "1807010000103353", OFFICE, "张三", "online",
        applied_on=date(2026, 11, 2), accept_due=date(2026, 11, 3), provisional=False, operator="op", at=AT)
    request.collect_events()
    return request


def accepted() -> ServiceRequest:
    request = applied()
    request.accept(date(2026, 11, 3), date(2026, 11, 6), False, "op", OFFICE, AT)
    return request


def approved() -> ServiceRequest:
    request = accepted()
    request.decide(True, "", ALL_CHECKS_PASS, "reviewer", OFFICE, AT)
    return request


def completed() -> ServiceRequest:
    request = approved()
    request.complete("1807010000103353", date(2026, 11, 5), date(2026, 11, 12), False, "op", OFFICE, AT)
    return request


def state(aggregate: Any) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def refused(request: ServiceRequest, command: Callable[[], object], error: type[LedgerError] = RuleViolation) -> Any:
    before_events, before = len(request.pending_events), state(request)
    with pytest.raises(error) as info:
        command()
    assert len(request.pending_events) == before_events
    assert state(request) == before
    return info.value


def test_applying_creates_one_event_and_sets_the_acceptance_due_date():
    request = ServiceRequest.apply(
        "R-1", RequestKind.PROOF, "1807010000103353", OFFICE, "张三", "counter", date(2026, 11, 2),
        date(2026, 11, 3), False, "op", AT)
    assert len(request.pending_events) == 1
    assert request.id == request_id("R-1")
    assert request.stage == RequestStage.APPLIED
    assert request.kind == "proof"
    assert request.due == date(2026, 11, 3)


def test_a_request_runs_through_apply_accept_review_complete_deliver():
    request = applied()
    request.accept(date(2026, 11, 3), date(2026, 11, 6), False, "op", OFFICE, AT)
    assert (request.stage, request.due, request.accepted_on) == ("accepted", date(2026, 11, 6), date(2026, 11, 3))
    request.decide(True, "", ALL_CHECKS_PASS, "reviewer", OFFICE, AT)
    assert request.stage == RequestStage.APPROVED
    assert request.review is not None and request.review.approved is True
    request.complete("1807010000103353", date(2026, 11, 5), date(2026, 11, 12), True, "op", OFFICE, AT)
    assert (request.stage, request.due, request.provisional) == ("completed", date(2026, 11, 12), True)
    assert request.result_number == "1807010000103353"
    request.deliver(date(2026, 11, 9), "mail", "op", OFFICE, AT)
    assert request.stage == RequestStage.DELIVERED
    assert request.due is None
    assert request.delivered is not None
    assert request.delivered.to_dict() == {"on": date(2026, 11, 9), "how": "mail", "operator": "op"}
    assert [s.stage for s in request.steps] == ["applied", "accepted", "approved", "completed", "delivered"]
    assert len(request.collect_events()) == 4


def test_replaying_a_requests_events_rebuilds_the_same_state():
    request = ServiceRequest.apply(
        "R-9", RequestKind.REISSUE, "1807010000103353", OFFICE, "张三", "online", date(2026, 11, 2),
        date(2026, 11, 3), False, "op", AT)
    request.accept(date(2026, 11, 3), date(2026, 11, 6), False, "op", OFFICE, AT)
    request.decide(False, "照片不符", {"photo": False}, "reviewer", OFFICE, AT)
    rebuilt = None
    for event in request.collect_events():
        rebuilt = event.mutate(rebuilt)
    assert state(rebuilt) == state(request)


@pytest.mark.parametrize(
    ("make", "command"),
    [
        (applied, lambda r: r.decide(True, "", ALL_CHECKS_PASS, "rv", OFFICE, AT)),
        (applied, lambda r: r.complete("N", date(2026, 11, 5), date(2026, 11, 12), False, "op", OFFICE, AT)),
        (applied, lambda r: r.deliver(date(2026, 11, 9), "mail", "op", OFFICE, AT)),
        (accepted, lambda r: r.accept(date(2026, 11, 3), date(2026, 11, 6), False, "op", OFFICE, AT)),
        (accepted, lambda r: r.complete("N", date(2026, 11, 5), date(2026, 11, 12), False, "op", OFFICE, AT)),
        (approved, lambda r: r.decide(True, "", ALL_CHECKS_PASS, "rv", OFFICE, AT)),
        (approved, lambda r: r.deliver(date(2026, 11, 9), "mail", "op", OFFICE, AT)),
        (completed, lambda r: r.complete("N", date(2026, 11, 5), date(2026, 11, 12), False, "op", OFFICE, AT)),
    ],
    ids=["review-before-accept", "complete-before-accept", "deliver-before-complete", "accept-twice",
         "complete-before-review", "review-twice", "deliver-before-complete-after-review", "complete-twice"],
)
def test_an_action_out_of_order_is_refused_by_the_workflow_rule(make, command):
    request = make()
    request.collect_events()
    err = refused(request, lambda: command(request))
    assert err.rule == "request-workflow"


def test_approval_is_refused_when_a_data_check_failed():
    request = accepted()
    request.collect_events()
    checks = dict(ALL_CHECKS_PASS, photo=False)
    err = refused(request, lambda: request.decide(True, "", checks, "rv", OFFICE, AT))
    assert err.rule == "review-data-must-match"
    assert "photo" in str(err)


def test_an_unknown_review_check_is_refused():
    request = accepted()
    err = refused(request, lambda: request.decide(True, "", {"shoe_size": True}, "rv", OFFICE, AT), InvalidInput)
    assert err.field == "checks"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(reason):
    request = accepted()
    err = refused(request, lambda: request.decide(False, reason, {"name": False}, "rv", OFFICE, AT), InvalidInput)
    assert err.field == "reason"


def test_a_rejection_with_a_reason_ends_the_request_and_clears_the_due_date():
    request = accepted()
    request.decide(False, " 姓名与数据库不符 ", {"name": False}, "rv", OFFICE, AT)
    assert request.stage == RequestStage.REJECTED
    assert request.review is not None and request.review.reason == "姓名与数据库不符"
    assert request.due is None
    assert not request.is_overdue(date(2030, 1, 1))
    err = refused(request, lambda: request.complete("N", date(2026, 11, 5), date(2026, 11, 12), False, "op",
                                                      OFFICE, AT))
    assert err.rule == "request-workflow"


def test_acceptance_before_the_application_date_is_refused():
    request = applied()
    err = refused(request, lambda: request.accept(date(2026, 11, 1), date(2026, 11, 6), False, "op", OFFICE, AT),
                  InvalidInput)
    assert err.field == "date"


def test_another_office_may_not_act_on_the_request():
    request = applied()
    err = refused(request, lambda: request.accept(date(2026, 11, 3), date(2026, 11, 6), False, "op", "0700", AT))
    assert err.rule == "request-office-only"


def test_a_request_is_overdue_only_when_today_is_after_the_due_date():
    request = accepted()  # due 2026-11-06
    assert not request.is_overdue(date(2026, 11, 5))
    assert not request.is_overdue(date(2026, 11, 6))
    assert request.is_overdue(date(2026, 11, 7))


def test_a_delivered_request_is_never_overdue():
    request = completed()
    assert request.is_overdue(date(2026, 11, 13))
    request.deliver(date(2026, 11, 13), "in-person", "op", OFFICE, AT)
    assert not request.is_overdue(date(2027, 1, 1))



def test_an_approval_without_every_data_check_recorded_is_refused() -> None:
    request = accepted()
    error = refused(request, lambda: request.decide(True, "", {"name": True}, "reviewer", OFFICE, AT), InvalidInput)
    assert error.field == "checks" and "id_number" in error.rule

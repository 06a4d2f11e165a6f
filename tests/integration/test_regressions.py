"""Regression tests for defects found while writing the integration tests: a proof that
completes its request in the same command, and dates taken on China's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind, RequestKind
from tests.conftest import AppFactory, Clock, on_backends, resident_id

JINAN = Actor("王芳", "1501")
LIAONING = Actor("李强", "0700")
ELECTRICIAN = "1915010000000731"
WELDER = "1807000000103353"
# 01:00 on Tuesday 7 May 2024 in China is still Monday 6 May in UTC.
SMALL_HOURS_IN_CHINA = datetime(2024, 5, 6, 17, 0, tzinfo=UTC)


def issue(app: CertLedger, actor: Actor, number: str, occupation: str) -> None:
    app.ensure_default_catalog(actor)
    app.issue(actor, {"number": number, "holder_name": "刘建国", "gender": "男", "id_number": resident_id(),
                      "occupation": occupation, "level": "四级", "issue_date": f"20{number[:2]}-06-28"})


def approved_request(app: CertLedger, actor: Actor, kind: RequestKind, number: str) -> str:
    applied = app.apply(actor, kind, number, applicant="刘建国")
    app.accept(actor, applied.number)
    app.review(actor, applied.number, approve=True)
    return applied.number


@on_backends("memory")
def test_a_written_proof_completes_its_service_request_in_the_same_command(make_app: AppFactory) -> None:
    app = make_app()
    issue(app, JINAN, ELECTRICIAN, "电工")
    request = approved_request(app, JINAN, RequestKind.PROOF, ELECTRICIAN)

    proof = app.prove(JINAN, ELECTRICIAN, ProofKind.WRITTEN, "lost", request=request)

    done = app.show(request)
    assert (done.stage, done.result_number) == ("completed", proof.number)  # type: ignore[union-attr]


@on_backends("memory")
def test_a_reissue_remark_carries_the_date_in_china(make_app: AppFactory, clock: Clock) -> None:
    app = make_app()
    issue(app, LIAONING, WELDER, "焊工")
    clock.current = SMALL_HOURS_IN_CHINA

    reissued = app.reissue(LIAONING, WELDER)

    assert app.today() == date(2024, 5, 7)
    assert reissued.remarks == ("2024-05-07 遗失补发，沿用原证书编号",)


@on_backends("memory")
def test_every_step_of_a_request_handled_in_one_night_shift_is_dated_the_same_day(
        make_app: AppFactory, clock: Clock) -> None:
    app = make_app()
    issue(app, LIAONING, WELDER, "焊工")
    clock.current = SMALL_HOURS_IN_CHINA

    request = approved_request(app, LIAONING, RequestKind.REISSUE, WELDER)

    steps = app.show(request).steps  # type: ignore[union-attr]
    assert [(s.stage, s.on) for s in steps] == [
        ("applied", date(2024, 5, 7)), ("accepted", date(2024, 5, 7)), ("approved", date(2024, 5, 7))]

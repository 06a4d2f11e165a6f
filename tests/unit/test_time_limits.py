"""The seeds' time limits, per province and process, in working days of the official calendar.

Each test is one sentence of a seed. Clock: Monday 2024-05-06 in China (the day after May Day);
Saturday 2024-05-11 was an adjusted working day.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind, RequestKind
from ledger.reference import policy
from ledger.time_limits import add_months
from tests.conftest import Clock, resident_id

JINAN = Actor("王芳", "1501")
LIAONING = Actor("李强", "0700")
ELECTRICIAN = "1915010000000731"
WELDER = "1807000000103353"


def attach_liaoning_materials(app: Any, actor: Actor, number: str, kind: str) -> None:
    """seed 001 三: 本人身份证正反面照片; 查询到本人证书信息并截图; 证书原件照片（境外就业及原证书信息错误需提供）"""
    from ledger.reference import policy

    for material in policy("07").materials_for(actor.office, "mail", kind):
        app.attach_material(actor, number, material, f"{material} scan".encode(), f"{material}.jpg")


def skill(number: str, name: str, occupation: str) -> dict[str, Any]:
    return {"number": number, "holder_name": name, "gender": "男",
            "id_number": resident_id(date(1979, 11, 3), region="370124", serial=31),
            "occupation": occupation, "level": "四级", "issue_date": f"20{number[:2]}-07-12", "result": "合格"}


def professional(number: str = "ZS2019ABC123") -> dict[str, Any]:
    return {"family": "professional", "number": number, "authority": "1501", "holder_name": "王芳",
            "gender": "男", "id_number": resident_id(date(1985, 3, 2), serial=11), "occupation": "一级建造师",
            "level": "一级建造师", "specialty": "建筑工程", "issue_date": "2019-12-20"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock, tmp_path: Any) -> Any:
    from ledger.blobs import BlobStore

    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock, blobs=BlobStore(tmp_path))
    ledger.ensure_default_catalog(JINAN)
    ledger.issue(JINAN, skill(ELECTRICIAN, "刘建国", "电工"))
    ledger.issue(LIAONING, skill(WELDER, "张伟", "焊工"))
    ledger.issue(JINAN, professional())
    yield ledger
    ledger.close()


def run_to_completion(app: Any, actor: Actor, request: str, result: str) -> Any:
    app.accept(actor, request)
    app.review(actor, request, approve=True)
    return app.complete(actor, request, result)


def test_shandong_at_the_window_the_proof_is_done_on_the_spot(app: Any) -> None:
    # seed 000 三(一)：本人携带身份证或社保卡原件到服务窗口现场办理。如资料齐全，即时办结。
    applied = app.apply(JINAN, RequestKind.PROOF, ELECTRICIAN, "刘建国", channel="window")
    assert (applied.process, applied.due) == ("sd-skill-proof-window", date(2024, 5, 6))
    assert app.accept(JINAN, applied.number).due == date(2024, 5, 6)
    proof = app.prove(JINAN, ELECTRICIAN, ProofKind.WRITTEN, "lost")
    app.review(JINAN, applied.number, approve=True)
    assert app.complete(JINAN, applied.number, proof.number).due == date(2024, 5, 6)


def test_shandong_online_is_done_on_receipt_and_mailed_the_next_working_day(clock: Clock) -> None:
    # seed 000 三(二)：线上办理接件即办，办理后第二个工作日寄出证明. A proof completed on
    # Tuesday 2026-12-01 is due in the mail on Wednesday 2026-12-02 (not 2026-12-08).
    clock.current = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    app.ensure_default_catalog(JINAN)
    app.issue(JINAN, skill(ELECTRICIAN, "刘建国", "电工"))
    applied = app.apply(JINAN, RequestKind.PROOF, ELECTRICIAN, "刘建国", channel="online")
    assert (applied.process, applied.due) == ("sd-skill-proof-online", date(2026, 12, 1))
    proof = app.prove(JINAN, ELECTRICIAN, ProofKind.WRITTEN, "lost")
    completed = run_to_completion(app, JINAN, applied.number, proof.number)
    assert (completed.stage, completed.due) == ("completed", date(2026, 12, 2))
    assert completed.legal_limit is None and "legal_limit" not in completed.to_dict()


def test_liaoning_accepts_within_one_working_day_and_issues_and_mails_within_three_of_acceptance(app: Any) -> None:
    # seed 001 三：我中心将在1个工作日内受理申请，受理后三个工作日内出具证明并寄出
    applied = app.apply(LIAONING, RequestKind.REISSUE, WELDER, "张伟", channel="mail")
    assert (applied.process, applied.due) == ("ln-skill", date(2024, 5, 7))
    attach_liaoning_materials(app, LIAONING, applied.number, "reissue")
    accepted = app.accept(LIAONING, applied.number, on=date(2024, 5, 7))
    assert accepted.due == date(2024, 5, 10)  # issued by the 3rd working day after acceptance ...
    app.review(LIAONING, applied.number, approve=True)
    app.reissue(LIAONING, WELDER, request=applied.number)  # completes the request in the same save
    (completed,) = app.requests()
    # ... and mailed by the same day: no 5 more days for delivery.
    assert (completed.stage, completed.due) == ("completed", date(2024, 5, 10))


@pytest.mark.parametrize("kind", [RequestKind.REISSUE, RequestKind.EXCHANGE])
def test_shandong_professional_reissue_and_exchange_promise_65_working_days_within_a_legal_3_months(
        app: Any, clock: Clock, kind: RequestKind) -> None:
    # seed 002：承诺办结时限 65 工作日，法定办结时限 3 月；申请补办证书 0、审核补证数据 5、发放补办完成的证书 60；
    # 证书补发与证书换发的工作流程一致.
    applied = app.apply(JINAN, kind, "ZS2019ABC123", "王芳", channel="window")
    assert applied.process == "sd-professional-reissue"
    assert applied.due == date(2024, 5, 6)  # 申请 0
    assert applied.promised == date(2024, 8, 5)  # 65 working days from Monday 6 May 2024
    assert applied.legal_limit == date(2024, 8, 6)  # 3 calendar months
    accepted = app.accept(JINAN, applied.number)
    assert accepted.due == date(2024, 5, 11)  # 审核 5 (Saturday 11 May was a working day)
    approved = app.review(JINAN, applied.number, approve=True)
    assert approved.due == date(2024, 7, 29)  # 发放 60 from the decision

    # The overdue list shows both the promise and the legal limit.
    clock.current = datetime(2024, 8, 7, 1, 0, tzinfo=UTC)
    (late,) = app.overdue()
    assert (late.number, late.overdue, late.past_legal_limit) == (applied.number, True, True)
    shown = json.loads(json.dumps(late.to_dict(), default=str))
    assert (shown["promised"], shown["legal_limit"], shown["past_legal_limit"]) == ("2024-08-05", "2024-08-06", True)
    assert shown["stage"] == "approved" and shown["due"] == "2024-07-29"
    assert [(s["stage"], s["on"]) for s in shown["steps"]] == [
        ("applied", "2024-05-06"), ("accepted", "2024-05-06"), ("approved", "2024-05-06")]


def test_a_request_past_its_legal_limit_is_overdue_even_before_its_step_is_due(app: Any, clock: Clock) -> None:
    applied = app.apply(JINAN, RequestKind.REISSUE, "ZS2019ABC123", "王芳")
    app.accept(JINAN, applied.number, on=date(2024, 8, 1))  # accepted late: review due in August
    clock.current = datetime(2024, 8, 7, 1, 0, tzinfo=UTC)
    (late,) = app.overdue()
    assert late.due is not None and late.due > date(2024, 8, 7) and late.past_legal_limit


def test_zhejiang_pickups_run_10_working_days_from_the_notice_30_from_the_blank_certificates() -> None:
    # seed 003 (十三)：自证书领取通知发布之日起10个工作日。全国统考证书自空白证书送达后30个工作日。
    zhejiang = policy("浙江省")
    assert zhejiang.pickup is not None
    assert zhejiang.pickup.due(date(2024, 5, 6)).day == date(2024, 5, 17)
    assert zhejiang.pickup.due(date(2024, 5, 6), national_exam=True).day == date(2024, 6, 17)
    assert "10个工作日" in zhejiang.pickup.source and "30个工作日" in zhejiang.pickup.source


def test_zhejiang_delivers_within_5_working_days_of_the_decision() -> None:
    # seed 003 (十五)1：省、市、县（市区）人力资源和社会保障部门作出决定之日起5个工作内.
    process = policy("浙江省").process("skill", "reissue", "window")
    deliver = process.limit("deliver")
    assert process.id == "zj-skill" and deliver is not None and deliver.anchor == "approved"
    assert deliver.due({"approved": date(2024, 5, 6)}).day == date(2024, 5, 11)


def test_every_process_names_the_seed_it_comes_from() -> None:
    for province in ("15", "07", "浙江省"):
        for process in policy(province).processes:
            assert process.source, process.id
            assert process.id == "default" or "seed 00" in process.source


def test_a_legal_limit_in_months_ends_on_the_same_day_or_the_months_last() -> None:
    assert add_months(date(2024, 5, 6), 3) == date(2024, 8, 6)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)

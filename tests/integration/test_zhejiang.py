"""Zhejiang (seed 003): an office loads its province's authority table from a file, publishes pickup notices,
and the 10 / 30 working-day clocks put uncollected certificates on the overdue list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import HandoverKind, RequestKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.reference import authority, forget_authority_tables, policy, register_authority_table
from tests.conftest import AppFactory, on_backends, resident_id

# The seeds give Zhejiang no codes: the table is the office's own file (a made-up office for the test).
ZHEJIANG = {"code": "33", "name": "浙江省", "lookup_urls": ["http://zscx.osta.org.cn"], "cities": {
    "01": {"area": "杭州市", "office": "杭州市职业技能鉴定指导中心", "phone": "0571-00000001",
           "address": "浙江省杭州市（测试地址）"}}}
HANGZHOU = "1933010000000101"
SECOND = "1933010000000102"


@pytest.fixture(autouse=True)
def shipped_tables_only() -> Iterator[None]:
    yield
    forget_authority_tables()


def zhejiang_office(app: CertLedger) -> Actor:
    register_authority_table(json.loads(json.dumps(ZHEJIANG)))  # what the command does before it knows who acts
    office = Actor("陈静", "3301")
    app.load_authority_table(office, ZHEJIANG)
    app.ensure_default_catalog(office)
    for number, serial in ((HANGZHOU, 21), (SECOND, 22)):
        app.issue(office, {"number": number, "holder_name": "陈晓", "gender": "男",
                           "id_number": resident_id(region="330102", serial=serial), "occupation": "焊工",
                           "level": "四级", "issue_date": "2019-06-28"})
    return office


@on_backends("memory", "sqlite")
def test_an_office_loads_its_provinces_authority_table_from_a_file_as_it_loads_the_catalog(
        make_app: AppFactory, backend: Any) -> None:
    app = make_app()
    zhejiang_office(app)
    assert authority("3301").office == "杭州市职业技能鉴定指导中心"
    assert policy("33").pickup is not None  # the seed's pickup clocks apply once the table names 浙江省
    if backend.persistent:
        forget_authority_tables()
        again = make_app()  # a later opening of the ledger knows the table
        assert authority("3301").province == "浙江省" and again.show(HANGZHOU).data.authority == "3301"


def test_the_shipped_tables_stay_the_seeds_two_provinces() -> None:
    with pytest.raises(RuleViolation):
        register_authority_table({**ZHEJIANG, "code": "15"})
    with pytest.raises(InvalidInput) as refused:
        register_authority_table({**ZHEJIANG, "cities": {"01": {"area": "杭州市", "office": "", "phone": "1",
                                                                 "address": "x"}}})
    assert refused.value.field == "cities.01.office"


@on_backends("memory")
def test_certificates_on_a_pickup_notice_are_collected_within_10_working_days_or_are_overdue(
        make_app: AppFactory) -> None:
    # seed 003 (十三): 自证书领取通知发布之日起10个工作日
    app = make_app()
    office = zhejiang_office(app)
    notice = app.publish_pickup(office, [HANGZHOU, SECOND], published_on=date(2024, 5, 6))
    assert notice.startswith("PN-3301-20240506-")
    # the 10th working day after Monday 6 May: Saturday 11 May was an adjusted working day (May Day 2024)
    assert app.uncollected(date(2024, 5, 17)) == []
    app.hand_over(office, [HANGZHOU], HandoverKind.IN_PERSON, {"id_number": resident_id(region="330102", serial=21)})
    late = app.uncollected(date(2024, 5, 18))
    assert [(u.certificate_number, u.due) for u in late] == [(SECOND, date(2024, 5, 17))]


@on_backends("memory")
def test_uncollected_certificates_appear_on_the_offices_one_overdue_list_beside_its_late_requests(
        make_app: AppFactory) -> None:
    # seed 003 (五): 领取证书通知 ... 10 / 30 个工作日 — a certificate nobody collected is on the overdue list
    app = make_app()
    office = zhejiang_office(app)
    app.publish_pickup(office, [SECOND], published_on=date(2024, 5, 6))
    applied = app.apply(office, RequestKind.REISSUE, HANGZHOU, "陈晓", channel="online",
                        applied_on=date(2024, 5, 6))
    assert app.overdue_list(office.office, date(2024, 5, 17)).uncollected == ()  # the 10th working day
    late = app.overdue_list(office.office, date(2024, 5, 18))
    assert [(u.certificate_number, u.due, u.office) for u in late.uncollected] == [
        (SECOND, date(2024, 5, 17), "3301")]
    entries = late.to_list()  # the request applied for online on 6 May was due its acceptance long before
    assert [(e["number"], e["kind"]) for e in entries] == [(applied.number, "reissue"), (late.uncollected[0].notice,
                                                                                        "pickup")]
    assert entries[-1]["stage"] == "uncollected"
    assert app.overdue_list("1501", date(2024, 5, 18)).uncollected == ()  # another office's list


@on_backends("memory")
def test_national_exam_certificates_are_collected_within_30_working_days_of_the_blanks_arriving(
        make_app: AppFactory) -> None:
    # seed 003 (十三): 全国统考证书自空白证书送达后30个工作日
    app = make_app()
    office = zhejiang_office(app)
    with pytest.raises(InvalidInput) as refused:
        app.publish_pickup(office, [SECOND], national_exam=True)
    assert refused.value.field == "blanks_arrived_on"
    app.publish_pickup(office, [SECOND], national_exam=True, blanks_arrived_on=date(2024, 5, 6),
                       published_on=date(2024, 5, 10))
    assert app.uncollected(date(2024, 6, 17)) == []  # 30 working days (Dragon Boat Festival 10 June off)
    assert [u.due for u in app.uncollected(date(2024, 6, 18))] == [date(2024, 6, 17)]


@on_backends("memory")
def test_zhejiang_delivers_within_5_working_days_of_the_decision(make_app: AppFactory) -> None:
    # seed 003 (十五)1: 作出决定之日起5个工作内
    app = make_app()
    office = zhejiang_office(app)
    applied = app.apply(office, RequestKind.REISSUE, HANGZHOU, "陈晓", channel="online")
    app.accept(office, applied.number)
    app.review(office, applied.number, approve=True)
    reissued = app.reissue(office, HANGZHOU, request=applied.number)
    assert reissued.edition == 2
    (request,) = app.requests()
    assert request.process == "zj-skill"
    approved_on = request.steps[2].on
    from ledger.workdays import add_working_days

    assert request.stage == "completed" and request.due == add_working_days(approved_on, 5).day


@on_backends("memory")
def test_a_province_without_pickup_clocks_publishes_no_notice(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app()
    jinan = Actor("王芳", "1501")
    app.ensure_default_catalog(jinan)
    app.issue(jinan, {"number": "1915010000000731", "holder_name": "张伟", "gender": "男",
                      "id_number": resident_id(serial=3), "occupation": "电工", "level": "四级",
                      "issue_date": "2019-07-12"})
    with pytest.raises(RuleViolation) as refused:
        app.publish_pickup(jinan, ["1915010000000731"])
    assert refused.value.rule == "no-pickup-limits"

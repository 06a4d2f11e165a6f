"""ledger.request_index: the requests a long-running reader lists equal a full replay, after every change."""

from __future__ import annotations

from datetime import date

from ledger.application import Actor
from ledger.request_index import RequestIndex
from ledger.service_request import RequestKind
from tests.conftest import resident_id

WHO = Actor("张三", "1501")


def listed(views: list) -> list[tuple]:  # type: ignore[type-arg]
    return sorted((v.number, v.stage, v.due, v.overdue) for v in views)


def test_the_index_follows_each_change_and_a_new_day(make_app, offices) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    offices.enrol(app, offices.credential("1501", "张三"))
    app.ensure_default_catalog(WHO)
    app.issue(WHO, {"number": "1915010000123456", "holder_name": "王五", "gender": "男", "id_type": "resident",
                    "id_number": resident_id(), "occupation": "电工", "level": "三级", "theory_score": 80,
                    "practical_score": 75, "issue_date": "2019-06-01"})
    index = RequestIndex(app)
    assert index.views(app.today()) == []
    first = app.apply(WHO, RequestKind.PROOF, "1915010000123456", "王五", "window")
    assert listed(index.views(app.today())) == listed(app.requests())
    app.accept(WHO, first.number)
    second = app.apply(WHO, RequestKind.REISSUE, "1915010000123456", "王五", "online")
    assert listed(index.views(app.today())) == listed(app.requests())
    assert {v.number: v.stage for v in index.views(app.today())} == {first.number: "accepted",
                                                                     second.number: "applied"}
    assert all(v.overdue for v in index.views(date(2030, 1, 7)))  # a later day: every open request is late

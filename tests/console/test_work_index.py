"""The work list's index (ledger.work_index): the queue's requests and the uncollected pickups, kept in each
save's own transaction, give what replaying every request and reading every notice gives; a store without
it gets it filled where tables may be made, and is read the slow way where they may not."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ledger.domain import HandoverKind, RequestKind
from ledger.errors import RuleViolation
from ledger.pickups import Pickups
from ledger.reference import forget_authority_tables
from tests.conftest import AppFactory, on_backends, resident_id
from tests.integration.test_zhejiang import HANGZHOU, SECOND, zhejiang_office

LATE = date(2024, 5, 18)  # the day after the 10th working day of a notice published on 6 May 2024


@pytest.fixture(autouse=True)
def shipped_tables_only() -> Iterator[None]:
    yield
    forget_authority_tables()


def _collect(app: Any, office: Any, number: str, serial: int) -> None:
    app.hand_over(office, [number], HandoverKind.IN_PERSON, {"id_number": resident_id(region="330102",
                                                                                      serial=serial)})


@on_backends("memory", "sqlite", "postgres")
def test_the_uncollected_list_from_the_index_is_the_one_every_notice_gives(make_app: AppFactory,
                                                                           backend: Any) -> None:
    app = make_app()
    office = zhejiang_office(app)
    app.publish_pickup(office, [HANGZHOU, SECOND], published_on=date(2024, 5, 6))
    _collect(app, office, HANGZHOU, 21)  # collected within its time: never uncollected
    with pytest.raises(RuleViolation, match="pickup-already-collected"):  # nor on a later notice
        app.publish_pickup(office, [HANGZHOU], published_on=date(2024, 5, 7))
    assert app.work_index.kept
    listed = [(u.certificate_number, u.due, u.office) for u in app.uncollected(LATE)]
    assert listed == [(SECOND, date(2024, 5, 17), "3301")]
    assert app.uncollected(LATE) == Pickups.uncollected(app, LATE)  # the scan of every notice
    _collect(app, office, SECOND, 22)
    assert app.uncollected(LATE) == [] == Pickups.uncollected(app, LATE)
    if backend.persistent:
        assert make_app().uncollected(LATE) == []  # read from the store's rows by another instance


@on_backends("memory", "sqlite", "postgres")
def test_the_queue_lists_uncollected_pickups_with_the_requests_overdue_first(make_app: AppFactory) -> None:
    app = make_app()
    office = zhejiang_office(app)
    notice = app.publish_pickup(office, [SECOND], published_on=date(2024, 5, 6))
    late = app.apply(office, RequestKind.REISSUE, HANGZHOU, "陈晓", channel="online", applied_on=date(2024, 5, 6))
    fresh = app.apply(office, RequestKind.PROOF, HANGZHOU, "陈晓", channel="window", applied_on=LATE)
    work = app.work_page("3301", LATE)
    assert [(i.number, i.kind, i.urgency) for i in work.items] == [
        (late.number, "reissue", "overdue"), (notice, "pickup", "overdue"), (fresh.number, "proof", "later")]
    assert work.items[1].certificate_number == SECOND and work.items[1].stage == "uncollected"
    assert work.items[0].applicant == "陈晓" and work.total == 3
    assert work.counts == {"applied": 2, "uncollected": 1}
    assert [i.number for i in app.work_page("3301", LATE, kind="pickup").items] == [notice]
    assert [i.number for i in app.work_page("3301", LATE, channel="online").items] == [late.number]
    assert [i.number for i in app.work_page("3301", LATE, offset=1, limit=1).items] == [notice]
    assert app.work_page("1501", LATE).items == ()  # another office's queue
    replayed = {v.number: (v.stage, v.due) for v in app.requests(today=LATE)}
    assert {i.number: (i.stage, i.due) for i in work.items if i.kind != "pickup"} == replayed


@on_backends("sqlite")
def test_a_save_that_fails_leaves_no_row_of_the_work_list(make_app: AppFactory, backend: Any) -> None:
    app = make_app()
    office = zhejiang_office(app)

    def refuse(tx: Any, stored: Any, ids: Any) -> None:
        raise RuntimeError("a later writer refuses the save")

    app.recorder.add_writer(refuse)  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError):
        app.apply(office, RequestKind.PROOF, HANGZHOU, "陈晓", channel="window")
    with sqlite3.connect(backend.env["SQLITE_DBNAME"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM work_requests").fetchone() == (0,)


@on_backends("sqlite")
def test_a_store_without_the_index_is_filled_where_tables_may_be_made(make_app: AppFactory, backend: Any) -> None:
    app = make_app()
    office = zhejiang_office(app)
    app.publish_pickup(office, [SECOND], published_on=date(2024, 5, 6))
    applied = app.apply(office, RequestKind.REISSUE, HANGZHOU, "陈晓", channel="online", applied_on=date(2024, 5, 6))
    with sqlite3.connect(backend.env["SQLITE_DBNAME"]) as conn:  # a store from before the index
        conn.execute("DROP TABLE work_requests")
        conn.execute("DROP TABLE work_pickups")
    reader = make_app(CREATE_TABLE="n")  # where it may not make tables (the console): the slow way, same answer
    assert not reader.work_index.kept
    assert [u.certificate_number for u in reader.uncollected(LATE)] == [SECOND]
    filled = make_app()
    assert filled.work_index.kept
    assert [u.certificate_number for u in filled.uncollected(LATE)] == [SECOND]
    assert [i.number for i in filled.work_page("3301", LATE, kind="reissue").items] == [applied.number]


@on_backends("sqlite")
def test_audit_rebuild_views_replaces_the_work_lists_rows_with_those_the_events_give(make_app: AppFactory,
                                                                                      backend: Any) -> None:
    app = make_app()
    office = zhejiang_office(app)
    app.publish_pickup(office, [SECOND], published_on=date(2024, 5, 6))
    with sqlite3.connect(backend.env["SQLITE_DBNAME"]) as conn:  # rows lost or edited behind the ledger's back
        conn.execute("UPDATE work_pickups SET collected = 1")
    assert app.uncollected(LATE) == []
    app.rebuild_views()
    assert [u.certificate_number for u in app.uncollected(LATE)] == [SECOND] == [
        u.certificate_number for u in Pickups.uncollected(app, LATE)]
    app.apply(office, RequestKind.PROOF, HANGZHOU, "陈晓", channel="window")  # still kept in each save after it
    assert app.work_page("3301", LATE).total == 2

"""The index of listed kinds (ledger/topic_index.py): kept in each save's transaction on every SQL backend,
listing exactly what a scan of the events lists, built for a store from before it, and not read where it is
incomplete."""

from __future__ import annotations

import shutil
from pathlib import Path

from ledger.application import CertLedger
from ledger.domain import ServiceRequest
from ledger.signing_key import SigningKey
from ledger.topic_index import KEPT, TABLE
from tests.conftest import AppFactory, Backend, SigningOffices, on_backends
from tests.integration.test_read_model import LEGACY, a_ledger_with_every_kind_of_change, execute


def scanned(app: CertLedger, event_class: type) -> list[int]:
    """The notification ids of a class's events as the library's scan of the whole table gives them."""
    from ledger.events import topics_of

    return [n.id for n in app.recorder.select_notifications(start=None, limit=10**9, topics=topics_of(event_class))]


def keyed_ledger(make_app: AppFactory, offices: SigningOffices, tmp_path: Path) -> CertLedger:
    """Every kind of change, with two offices' keys and credentials among them."""
    a_ledger_with_every_kind_of_change(make_app(), tmp_path)
    app = make_app()  # unsigned saves above, each office's first credential signing its own below
    offices.enrol(app, offices.credential("1501", "张三"))
    offices.enrol(app, offices.credential("0700", "李四"))
    return app


@on_backends("sqlite", "postgres")
def test_the_index_lists_what_the_scan_lists(backend: Backend, make_app: AppFactory, offices: SigningOffices,
                                             tmp_path: Path) -> None:
    app = keyed_ledger(make_app, offices, tmp_path)
    assert app.topic_index.covers([t for cls in app.listed_events for t in _topics(cls)])
    for cls in app.listed_events:
        assert [n.id for n in app._notifications(cls)] == scanned(app, cls)
    assert len(list(app._notifications(SigningKey.Registered))) == 2
    assert {k.office for k in app.signing_keys()} == {"1501", "0700"}
    later = make_app()  # a second instance reads the rows the first one wrote, and writes its own
    offices.enrol(later, offices.credential("1500", "王五"))
    assert [n.id for n in later._notifications(SigningKey.Registered)] == scanned(app, SigningKey.Registered)
    assert len(scanned(app, SigningKey.Registered)) == 3
    assert [n.id for n in later._notifications(ServiceRequest.Applied)] == scanned(app, ServiceRequest.Applied)


@on_backends("sqlite", "postgres")
def test_a_row_missing_from_the_index_is_missing_from_the_listing(backend: Backend, make_app: AppFactory,
                                                                   offices: SigningOffices, tmp_path: Path) -> None:
    """The listing reads the index, not the events (so the test would fail if it scanned)."""
    app = keyed_ledger(make_app, offices, tmp_path)
    assert len(list(app._notifications(SigningKey.Registered))) == 2
    execute(app, f"DELETE FROM {TABLE} WHERE notification_id = ?", scanned(app, SigningKey.Registered)[0])
    assert [k.office for k in app.signing_keys()] == ["0700"]


def test_a_store_from_before_the_index_is_scanned_until_the_index_is_built(tmp_path: Path) -> None:
    store = tmp_path / "ledger.sqlite"
    shutil.copyfile(LEGACY, store)
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(store)}
    read_only = CertLedger(env={**env, "CREATE_TABLE": "n"})  # as every command but init opens it
    try:
        assert read_only.topic_index.kept == frozenset()
        before = [n.id for n in read_only._notifications(SigningKey.Registered)]
        assert before == scanned(read_only, SigningKey.Registered) and before
        read_only.rebuild_views()  # `certledger audit rebuild-views` builds it
        assert read_only.topic_index.covers(_topics(SigningKey.Registered))
        assert [n.id for n in read_only._notifications(SigningKey.Registered)] == before
    finally:
        read_only.close()
    execute(CertLedger(env={**env, "CREATE_TABLE": "n"}), f"DELETE FROM {KEPT}")  # noqa: S608
    reopened = CertLedger(env={**env, "CREATE_TABLE": "n"})
    assert not reopened.topic_index.covers(_topics(SigningKey.Registered))  # not kept: the scan again
    assert [n.id for n in reopened._notifications(SigningKey.Registered)] == before
    reopened.close()


def _topics(cls: type) -> list[str]:
    from ledger.events import topics_of

    return topics_of(cls)

"""The verification service's reads of the read model (ledger.readmodel.Reader) on SQLite and PostgreSQL: a
row with its proof's nodes in one query, reads side by side on PostgreSQL, and a lost connection replaced."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ledger.application import Actor, CertLedger
from ledger.readmodel import Reader, reader_for
from ledger.tree_reads import TreeAtSize
from tests.conftest import Backend, on_backends
from tests.integration.test_bulk_import import certificates

PROVINCE = Actor("导入员", "1500")


@on_backends("sqlite", "postgres")
def test_a_row_read_with_its_path_proves_its_leaf_as_the_log_does(backend: Backend, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ledger.tree_reads.UPPER_BITS", 2)  # levels 0-3 of 37 leaves come with the row
    app = CertLedger(env=backend.env, transparency_log=True)
    reader = reader_for(backend.env)
    assert reader is not None and app.translog is not None
    try:
        app.import_many(PROVINCE, certificates(tmp_path, 37), "import.csv")
        size = app.translog.size()
        tree = TreeAtSize(size, reader.nodes, reader.upper_nodes)
        references = [f"{n}#1" for n in _numbers(app)]
        assert len(references) == 37
        for reference in references:
            plain, with_path = reader.record(reference), reader.record_with_path(reference, size)
            assert plain is not None and with_path is not None and plain == with_path
            assert with_path.position is not None
            assert {lv for lv, _ in with_path.path_nodes or {}} == ({0, 1, 2, 3} - _right_edge(with_path.position))
            assert tree.inclusion_proof(with_path.position, with_path.path_nodes) == \
                app.translog.inclusion_proof(with_path.position, size)
        assert reader.record_with_path("1999999999999999#1", size) is None
    finally:
        reader.close()
        app.close()


def _right_edge(position: int, size: int = 37) -> set[int]:
    """The levels below 4 at which the leaf's sibling is no stored subtree: past or across the tree's end."""
    return {lv for lv in range(4) if ((position >> lv) ^ 1) + 1 << lv > size}


def _numbers(app: CertLedger) -> list[str]:
    from ledger.readmodel import TABLE, connector

    found = connector(app.env)
    assert found is not None
    conn = found[0]()
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT reference FROM {TABLE}")  # noqa: S608
        return sorted(r[0].split("#")[0] for r in cur.fetchall())
    finally:
        conn.close()


def _execute(app: CertLedger, statement: str) -> None:
    from ledger.readmodel import connector

    found = connector(app.env)
    assert found is not None
    conn = found[0]()
    try:
        conn.cursor().execute(statement)
        conn.commit()
    finally:
        conn.close()


def _two_sleeps(reader: Reader) -> float:
    started = time.perf_counter()
    threads = [threading.Thread(target=reader._query, args=("SELECT pg_sleep(0.4)", ())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


@on_backends("postgres")
def test_on_postgresql_each_connection_keeps_one_read_going(backend: Backend) -> None:
    CertLedger(env=backend.env).close()  # the tables
    one, two = reader_for(backend.env, connections=1), reader_for(backend.env, connections=2)
    assert one is not None and two is not None
    try:
        assert _two_sleeps(one) >= 0.8  # one connection: the second read waits for the first
        assert _two_sleeps(two) < 0.75  # two: both wait on the server at once
    finally:
        one.close()
        two.close()


@on_backends("postgres")
def test_a_connection_the_server_dropped_is_replaced_by_the_next_read(backend: Backend, tmp_path: Path) -> None:
    import psycopg

    app = CertLedger(env=backend.env, transparency_log=True)
    reader = reader_for(backend.env, connections=2)
    assert reader is not None
    try:
        app.import_many(PROVINCE, certificates(tmp_path, 3), "import.csv")
        reference = f"{_numbers(app)[0]}#1"
        assert reader.record(reference) is not None
        (pid,), = reader._query("SELECT pg_backend_pid()", ())  # the connection the next read is lent first
        _execute(app, f"SELECT pg_terminate_backend({int(pid)})")
        with pytest.raises(psycopg.Error):
            reader.record(reference)
        assert reader.record(reference) is not None  # and is opened again
    finally:
        reader.close()
        app.close()

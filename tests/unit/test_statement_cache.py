"""The SQLite recorder's connections keep their prepared statements (ledger.recorders.CachingSQLitePool).

SQLite calls a connection's authorizer only while it compiles a statement, so counting its calls counts
compilations: a statement served from the connection's cache is not compiled again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventsourcing import sqlite

from ledger.application import Actor, CertLedger
from ledger.recorders import CachingSQLitePool

# More distinct statements than a one-statement cache holds, run in turn as a save's writers run theirs.
STATEMENTS = ["SELECT COUNT(*) FROM stored_events", "SELECT COUNT(*) FROM log_leaves",
              "SELECT position, hash FROM log_leaves ORDER BY position DESC LIMIT 1",
              "SELECT COUNT(*) FROM log_nodes"]


def _compilations(conn: Any) -> int:
    """Run each statement twice over; how many authorizer calls the second round made (0: all cached). The
    authorizer is set first: setting one expires every statement prepared before it."""
    calls = [0]

    def authorize(*_: Any) -> int:
        calls[0] += 1
        return 0  # SQLITE_OK

    conn.set_authorizer(authorize)
    try:
        for sql in STATEMENTS:
            conn.execute(sql).fetchall()
        assert calls[0] >= len(STATEMENTS)  # the first round compiled each one
        calls[0] = 0
        for sql in STATEMENTS:
            conn.execute(sql).fetchall()
    finally:
        conn.set_authorizer(None)
    return calls[0]


def _app(path: Path) -> CertLedger:
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
                     transparency_log=True)
    app.ensure_default_catalog(Actor("op", "1500"))
    return app


def test_the_recorders_connection_compiles_a_save_s_statements_once(tmp_path: Path) -> None:
    app = _app(tmp_path / "ledger.sqlite")
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore.pool, CachingSQLitePool)
    with datastore.get_connection(commit=False) as conn:
        assert _compilations(conn._sqlite_conn) == 0
        assert conn._sqlite_conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # as the library sets


def test_the_library_s_own_pool_compiles_every_statement_again(tmp_path: Path) -> None:
    """Without the caching pool (the library's `cached_statements=True`, read as a cache of one)."""
    _app(tmp_path / "ledger.sqlite")  # the tables
    pool = sqlite.SQLiteConnectionPool(db_name=str(tmp_path / "ledger.sqlite"))
    conn = pool.get_connection()
    try:
        assert _compilations(conn._sqlite_conn) >= len(STATEMENTS)
    finally:
        pool.put_connection(conn)
        pool.close()

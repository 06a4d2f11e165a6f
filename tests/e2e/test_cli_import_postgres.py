"""`certledger import` into a PostgreSQL ledger: an import killed mid-way leaves nothing."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench.gen_certificates import write
from tests.conftest import Backend, on_backends, postgres_connect, postgres_settings
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_postgres import postgres_cli

N = 20_000  # at this size the library's own save never returned (psycopg's pipeline stalled)


def counts(conn: psycopg.Connection[object], schema: str) -> tuple[int, int]:
    """(stored events, log leaves) as any other client of the server sees them."""
    events, leaves = (conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema),
                                                                                 sql.Identifier(table))).fetchone()
                      for table in ("certledger_events", "log_leaves"))
    assert events is not None and leaves is not None
    return int(events[0]), int(leaves[0])  # type: ignore[call-overload]


def copied_so_far(conn: psycopg.Connection[object], schema: str) -> int | None:
    """Rows the server has taken from an import's COPY that is still under way (None: no COPY running)."""
    row = conn.execute("SELECT tuples_processed FROM pg_stat_progress_copy WHERE relid = %s::regclass",
                       (f'"{schema}".certledger_events',)).fetchone()
    return None if row is None else int(row[0])  # type: ignore[call-overload]


def started(backend: Backend, tmp_path: Path) -> Cli:
    cli = postgres_cli(backend, tmp_path, "province")
    r = cli("init", "--office", "1500", "--operator", "导入员", "--store", "postgres")
    assert r.code == 0, r.err
    return cli


@on_backends("postgres")
def test_an_import_killed_mid_copy_leaves_no_event_and_no_log_leaf(backend: Backend, tmp_path: Path) -> None:
    cli = started(backend, tmp_path)
    schema = backend.env["POSTGRES_SCHEMA"]
    path = write(tmp_path / "province.csv", N)
    with postgres_connect(postgres_settings()) as conn:
        before = counts(conn, schema)
        proc = cli.popen("import", str(path))
        deadline = time.monotonic() + 120
        seen = None
        while time.monotonic() < deadline and proc.poll() is None:
            seen = copied_so_far(conn, schema)
            if seen:  # the first chunk is in the server, uncommitted; the rest still to come
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        assert proc.wait(timeout=60) == -signal.SIGKILL, (proc.returncode, proc.stderr.read())  # type: ignore[union-attr]
        assert seen is not None and 0 < seen < N, seen
        # The server rolls back once it sees the client gone; wait for that, then count.
        for _ in range(500):
            if copied_so_far(conn, schema) is None:
                break
            time.sleep(0.02)
        assert counts(conn, schema) == before

    # Nothing half-written stands in the way: the file's first numbers import afterwards, and are logged.
    again = write(tmp_path / "again.csv", 3)
    r = cli("--json", "import", str(again))
    assert r.code == 0, r.err
    assert r.json()["imported"] == 3
    with postgres_connect(postgres_settings()) as conn:
        assert counts(conn, schema) == (before[0] + 3, before[1] + 3)
    assert cli("--json", "show", "1915000000000000").json()["number"] == "1915000000000000"

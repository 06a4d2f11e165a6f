"""How often each document was checked: counts per document, minute, outcome and channel.

Operational data, not history: kept outside the event ledger, in `<home>/verifications.sqlite`
(or a table in the PostgreSQL database when the ledger is there). A request only appends to
an in-memory queue; a background thread writes the counts in batches, so no request waits
on a disk. Nothing about the person asking is kept: no address, no name, no ID number.

Table (read by `certledger verifications`, which keeps its own copy of this query's shape):
    verification_counts(reference, minute, outcome, via, count), minute as UTC `YYYY-MM-DDTHH:MMZ`.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("verify_api")

TABLE = "verification_counts"
Row = tuple[str, str, str, str]  # reference, minute, outcome, via

_COLUMNS = "reference TEXT NOT NULL, minute TEXT NOT NULL, outcome TEXT NOT NULL, via TEXT NOT NULL, " \
           "count INTEGER NOT NULL, PRIMARY KEY (reference, minute, outcome, via)"
_UPSERT = "INSERT INTO {table} AS v (reference, minute, outcome, via, count) VALUES ({marks}) " \
          "ON CONFLICT (reference, minute, outcome, via) DO UPDATE SET count = v.count + EXCLUDED.count"


def minute_of(epoch_seconds: float) -> str:
    """The UTC minute a verification happened in: `2026-11-22T04:17Z`."""
    return datetime.fromtimestamp(epoch_seconds // 60 * 60, UTC).strftime("%Y-%m-%dT%H:%MZ")


class RecordSink(Protocol):
    def write(self, counts: Iterable[tuple[Row, int]]) -> None: ...

    def close(self) -> None: ...


class SqliteSink:
    """A small SQLite file beside the ledger; several workers write to it (WAL, busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            # Opened by the writer thread; closed by whoever stops it, after the thread has ended.
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({_COLUMNS})")
            self._conn = conn
        return self._conn

    def write(self, counts: Iterable[tuple[Row, int]]) -> None:
        conn = self._connection()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_UPSERT.format(table=TABLE, marks="?, ?, ?, ?, ?"), [(*r, n) for r, n in counts])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresSink:
    """A table in the ledger's PostgreSQL database (and schema), created on first write."""

    def __init__(self, postgres: Mapping[str, Any]) -> None:
        """`postgres`: host, port, dbname, user, password and schema, as the settings give them."""
        self.conninfo = {k: v for k, v in postgres.items() if k != "schema"}
        self.schema = str(postgres.get("schema") or "")
        self._conn: Any = None

    def _table(self) -> Any:
        from psycopg import sql

        return sql.Identifier(self.schema, TABLE) if self.schema else sql.Identifier(TABLE)

    def _connection(self) -> Any:
        import psycopg
        from psycopg import sql

        if self._conn is None:
            conn = psycopg.connect(**self.conninfo, autocommit=True, connect_timeout=5)
            # Another worker may create it at the same moment.
            with contextlib.suppress(psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
                conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (" + _COLUMNS + ")").format(self._table()))
            self._conn = conn
        return self._conn

    def write(self, counts: Iterable[tuple[Row, int]]) -> None:
        from psycopg import sql

        conn = self._connection()
        statement = sql.SQL(_UPSERT.replace("{table}", "{}").replace("{marks}", "%s, %s, %s, %s, %s"))
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(statement.format(self._table()), [(*r, n) for r, n in counts])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class VerificationRecorder:
    """Queues one row per verification; a thread writes the counts every `interval` seconds."""

    def __init__(self, sink: RecordSink, interval: float = 1.0, max_pending: int = 100_000) -> None:
        self.sink = sink
        self.interval = interval
        self._pending: deque[tuple[str, int, str, str]] = deque(maxlen=max_pending)  # drops the oldest
        self._unwritten: Counter[Row] = Counter()  # counts a failed write keeps for the next try
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="verification-records", daemon=True)
        self._failing = False

    def record(self, reference: str, outcome: str, via: str) -> None:
        """Count one verification of `reference`; returns at once (deque.append is thread-safe)."""
        self._pending.append((reference, int(time.time()) // 60, outcome, via))  # the minute, as a number

    def start(self) -> VerificationRecorder:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread after a last write."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        else:
            self.flush()
        self.sink.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
        self.flush()

    def flush(self) -> None:
        """Write what is queued (called by the thread; tests call it directly)."""
        counts, pending = self._unwritten, self._pending
        # Each minute is formatted once per write, not once per verification.
        queued = Counter(pending.popleft() for _ in range(len(pending)))
        minutes: dict[int, str] = {}
        for (reference, minute, outcome, via), n in queued.items():
            text = minutes.get(minute) or minutes.setdefault(minute, minute_of(minute * 60))
            counts[(reference[:80], text, outcome, via)] += n
        if not counts:
            return
        try:
            self.sink.write(sorted(counts.items()))
        except Exception as e:  # the store may be busy or down: keep the counts, try again later
            if not self._failing:
                log.warning("verification records not written (%s); will retry", type(e).__name__)
            self._failing = True
            if len(counts) > 100_000:
                counts.clear()
            return
        self._failing = False
        counts.clear()

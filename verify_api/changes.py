"""Whether the ledger's store changed since the service last asked: what lets it keep documents in memory.

SQLite: `PRAGMA data_version` on a read-only connection of the service's own, which counts the commits of every
*other* connection (no table read: a read lock and three system calls).

PostgreSQL (a primary or a hot standby): as the service asks it, the highest notification id of the ledger's
events table. The library inserts events under its table lock (LOCK TABLE ... IN EXCLUSIVE MODE), so ids
become visible in commit order and an unchanged highest id means no event was committed since; every row a
cached view is made of (the read model's row, the log's leaf) is written in an event's own transaction. Writes
elsewhere on the cluster (the service's own counts and rate limits, another schema) leave the cache alone.
A thread per worker asks every CERTLEDGER_CACHE_CHECK_SECONDS (10 ms), so a request makes no round trip
for it; memory is trusted only while the last answer is at most `bound` old (50 ms by default), so a
revocation shows within that bound of its commit (on a standby: of its replay, which /healthz reports).
Without the table (PostgresChanges' own tests) it asks the server's snapshot, `pg_current_snapshot()`, which
moves on any write on the cluster. A question that fails counts as a change.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from verify_api.pgconn import LazyConnection


class Changes(Protocol):
    @property
    def local(self) -> bool: ...  # whether changed() answers without a round trip to a server

    def changed(self) -> bool: ...
    def close(self) -> None: ...


class SqliteChanges:
    """Tells whether any connection committed to a SQLite file since the last question."""

    local = True  # a PRAGMA on a local file

    def __init__(self, path: Path) -> None:
        # Read-only, its own connection: data_version counts the commits of every *other* connection.
        self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._version = self._read()

    def _read(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._read()
        if version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        self._conn.close()


class PostgresChanges:
    """Tells whether the ledger on a PostgreSQL server changed since the last question.

    What it asks: the events table's highest notification id when `events` (the library's `SELECT MAX(...)`
    of the ledger's table) is given, else the server's snapshot. `poll_every` > 0: a thread of its own asks
    every `poll_every` seconds and `changed()` is a local call (no round trip on a request); 0: each
    `changed()` asks. While polling, a change is seen within `bound` seconds of its commit being visible on
    the server (or on a standby, replayed): `changed()` answers True while the last successful answer was asked
    longer ago than that (the server slow or gone), so memory is never trusted past the bound."""

    def __init__(self, postgres: dict[str, Any], events: Any = None, poll_every: float = 0.0,
                 bound: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._conn = LazyConnection(postgres)  # the snapshot is the cluster's, the events table schema-qualified
        self._statement = events if events is not None else "SELECT pg_current_snapshot()::text"
        self._clock = clock
        self.poll_every = poll_every
        self.bound = bound if bound is not None else max(5 * poll_every, 0.05)
        self._lock = threading.Lock()
        self._asked = clock()
        self._seen: str | None = self._read()
        self._generation = 0  # moves with each change seen (and each failed question)
        self._given = 0  # the generation the last changed() answered for
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if poll_every > 0:
            self._thread = threading.Thread(target=self._poll, name="certledger-changes", daemon=True)
            self._thread.start()

    @property
    def polling(self) -> bool:
        return self._thread is not None

    @property
    def local(self) -> bool:
        return self.polling  # changed() is then the poller's last answer

    def _read(self) -> str | None:
        import psycopg

        try:
            return str(self._conn.fetchone(self._statement)[0])
        except psycopg.Error:
            self._conn.close()
            return None  # unknown: never equal to what was seen, so a change

    def _observe(self) -> None:
        asked = self._clock()
        seen = self._read()
        with self._lock:
            if seen is None or seen != self._seen:
                self._generation += 1
            self._seen = seen
            if seen is not None:
                self._asked = asked  # the answer holds for every commit visible before it was asked

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_every):
            self._observe()

    def changed(self) -> bool:
        if self._thread is None:
            self._observe()
        with self._lock:
            if self._thread is not None and self._clock() - self._asked > self.bound:
                return True  # no answer recent enough: nothing in memory may be trusted
            if self._generation == self._given:
                return False
            self._given = self._generation
            return True

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._conn.close()


def changes_for(store: str, sqlite_file: Path, postgres: dict[str, Any], recorder: Any, cache_size: int,
                check_every: float) -> tuple[Changes | None, float]:
    """The service's question for its store, and how often its cache should ask it (0: on every use, a local
    call once a PostgreSQL poller answers). No cache, no question: no poller either."""
    if cache_size <= 0 or store not in ("sqlite", "postgres"):
        return None, check_every
    if store == "sqlite":
        return SqliteChanges(sqlite_file), check_every
    events = getattr(recorder, "max_notification_id_statement", None)  # the library's, schema-qualified
    changes = PostgresChanges(postgres, events, poll_every=check_every)
    return changes, 0.0 if changes.polling else check_every

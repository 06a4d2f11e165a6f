"""Whether the ledger's store changed since the service last asked: what lets it keep documents in memory.

SQLite: `PRAGMA data_version` on a read-only connection of the service's own, which counts the commits of every
*other* connection (no table read: a read lock and three system calls).

PostgreSQL (a primary or a hot standby): the server's current snapshot, `pg_current_snapshot()` (xmin, xmax and
the transactions in progress). Two equal snapshots see the same set of committed transactions, and every
snapshot taken between them (the service's own document reads) sees that set too, so a document read after one
question is still current at the next when the two are equal. A snapshot moves on any write anywhere on the
cluster (an xid handed out, a transaction ending), so the cache empties more often than it must, never less.
On a standby the snapshot is the replayed one: a revocation counts once it is replayed there. A question that
fails (the server gone) counts as a change.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol

from verify_api.pgconn import LazyConnection


class Changes(Protocol):
    def changed(self) -> bool: ...
    def close(self) -> None: ...


class SqliteChanges:
    """Tells whether any connection committed to a SQLite file since the last question."""

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
    """Tells whether the PostgreSQL server's snapshot moved since the last question (one short query)."""

    def __init__(self, postgres: dict[str, Any]) -> None:
        self._conn = LazyConnection(postgres)  # the snapshot is the cluster's: no schema
        self._snapshot: str | None = self._read()

    def _read(self) -> str | None:
        import psycopg

        try:
            return str(self._conn.fetchone("SELECT pg_current_snapshot()::text")[0])
        except psycopg.Error:
            self._conn.close()
            return None  # unknown: never equal to what was seen, so a change

    def changed(self) -> bool:
        snapshot = self._read()
        if snapshot is not None and snapshot == self._snapshot:
            return False
        self._snapshot = snapshot
        return True

    def close(self) -> None:
        self._conn.close()

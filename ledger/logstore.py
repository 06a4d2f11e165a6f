"""Where the transparency log (ledger.translog) keeps its leaves, subtree hashes and checkpoints: in memory,
or in tables beside the events in the ledger's own SQLite or PostgreSQL database.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.sql_connect import connector

# ledger.translog re-exports these stores, so its names are imported where they are used, never at the top:
# a module-level import either way round would fail for whichever module is imported first.
if TYPE_CHECKING:
    from ledger.merkle import Frontier
    from ledger.translog import Checkpoint, Leaf, LogStore


def _checkpoint(row: Sequence[Any]) -> Checkpoint:
    from ledger.translog import Checkpoint

    size, root, at, key_id, signature, note = row
    return Checkpoint(int(size), bytes(root), datetime.fromisoformat(at), key_id, bytes(signature),
                      None if note is None else bytes(note))


class MemoryLogStore:
    """For the in-memory event store (tests, demos)."""

    def __init__(self) -> None:
        self._leaves: list[tuple[int, bytes]] = []
        self._positions: dict[tuple[str, int], int] = {}
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._checkpoints: dict[int, Checkpoint] = {}

    def size(self) -> int:
        return len(self._leaves)

    def last_notification_id(self) -> int:
        return self._leaves[-1][0] if self._leaves else 0

    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]:
        return self._leaves[start:end]

    def node(self, level: int, index: int) -> bytes:
        return self._leaves[index][1] if level == 0 else self._nodes[(level, index)]

    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        self._leaves.extend((nid, h) for _, nid, _, _, h in leaves)
        self._positions.update({(oid, v): p for p, _, oid, v, _ in leaves})
        self._nodes.update({(lv, i): h for lv, i, h in nodes})

    def position_of(self, originator_id: str, version: int) -> int | None:
        return self._positions.get((originator_id, version))

    def has_notification(self, notification_id: int) -> bool:
        return any(nid == notification_id for nid, _ in self._leaves)

    def checkpoints(self) -> list[Checkpoint]:
        return sorted(self._checkpoints.values(), key=lambda c: c.size)

    def latest_checkpoint(self) -> Checkpoint | None:
        return self._checkpoints[max(self._checkpoints)] if self._checkpoints else None

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._checkpoints[checkpoint.size] = checkpoint

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        yield

    def prepare(self) -> None:
        pass


class SqlLogStore:
    """The log's tables in the ledger's own SQLite or PostgreSQL database."""

    def __init__(self, connect: Callable[[], Any], placeholder: str, blob: str, lock_sql: str | None,
                 create: bool = True, errors: tuple[type[Exception], ...] = (sqlite3.Error,)) -> None:
        self._connect = connect
        self._errors = errors  # the driver's errors: a read that raises one means the log is unavailable
        self._create = create
        self._conn: Any = None
        self._locked = False  # inside write_lock: one transaction, committed when the lock ends
        self._p = placeholder
        self._lock_sql = lock_sql
        self._blob = blob
        self._note_column: bool | None = None  # known once asked

    @property
    def conn(self) -> Any:
        if self._conn is None:
            self._conn = self._connect()
            if not self._create:  # tables exist since `init`: concurrent CREATEs race on PostgreSQL
                return self._conn
            with self._tx() as c:
                # On SQLite the leaf's position is the table's own row key and the nodes table is its primary
                # key alone (WITHOUT ROWID): a save's leaves and nodes touch two B-trees fewer, so its commit
                # writes fewer pages. Tables made before keep their shape; both read and write alike.
                sqlite = self._p == "?"
                c.execute(f"CREATE TABLE IF NOT EXISTS log_leaves (position {'INTEGER' if sqlite else 'BIGINT'} "
                          f"PRIMARY KEY, notification_id BIGINT NOT NULL, originator_id TEXT NOT NULL, "
                          f"originator_version BIGINT NOT NULL, hash {self._blob} NOT NULL)")
                c.execute("CREATE INDEX IF NOT EXISTS log_leaves_event ON log_leaves (originator_id, "
                          "originator_version)")
                c.execute(f"CREATE TABLE IF NOT EXISTS log_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
                          f"hash {self._blob} NOT NULL, PRIMARY KEY (level, idx)){' WITHOUT ROWID' if sqlite else ''}")
                c.execute(f"CREATE TABLE IF NOT EXISTS log_checkpoints (size BIGINT PRIMARY KEY, root {self._blob} "
                          f"NOT NULL, at TEXT NOT NULL, key_id TEXT NOT NULL, signature {self._blob} NOT NULL, "
                          f"note {self._blob})")
            self._add_note_column()
        return self._conn

    def _has_note_column(self) -> bool:
        """Whether log_checkpoints has its `note` column (a table made before C2SP notes has not)."""
        if self._note_column is None:
            if self._p == "?":
                rows = self._all("SELECT name FROM pragma_table_info('log_checkpoints')")
            else:
                rows = self._all("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                 "current_schema() AND table_name = 'log_checkpoints'")
            self._note_column = "note" in {r[0] for r in rows}
        return self._note_column

    def _add_note_column(self) -> None:
        """Give a table made before C2SP notes its `note` column (NULL: a legacy checkpoint)."""
        if not self._has_note_column():
            with self._tx() as c:
                c.execute(f"ALTER TABLE log_checkpoints ADD COLUMN note {self._blob}")
            self._note_column = True

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        conn = self._conn
        cur = conn.cursor()
        try:
            yield cur
            if not self._locked:
                conn.commit()
        except BaseException:
            if not self._locked:
                conn.rollback()
            raise
        finally:
            cur.close()

    def _one(self, sql: str, *args: Any) -> Any:
        with self._read(sql, args) as cur:
            return cur.fetchone()

    def _all(self, sql: str, *args: Any) -> list[Any]:
        with self._read(sql, args) as cur:
            return list(cur.fetchall())

    @contextmanager
    def _read(self, sql: str, args: tuple[Any, ...]) -> Iterator[Any]:
        """A read; outside a write, a database error is LogUnavailable (missing tables, a server gone)."""
        if self._locked:
            cur = self.conn.cursor()
            try:
                cur.execute(sql.replace("?", self._p), args)
                yield cur
            finally:
                cur.close()
            return
        try:
            conn = self.conn
            cur = conn.cursor()
            cur.execute(sql.replace("?", self._p), args)
        except self._errors as e:
            from ledger.translog import LogUnavailable

            self._drop_connection()
            raise LogUnavailable(f"the transparency log cannot be read ({type(e).__name__}): its tables are missing "
                                 "(a ledger made with the log off) or the database is unavailable") from None
        try:
            yield cur
        finally:
            cur.close()
            try:
                conn.commit()  # end the read transaction: PostgreSQL would hold its snapshot
            except self._errors:
                self._drop_connection()

    def _drop_connection(self) -> None:
        """Forget a connection that failed (its transaction aborted, or the server gone): the next use reconnects."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(*self._errors):
                conn.close()

    def size(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(position) + 1, 0) FROM log_leaves")[0])

    def last_notification_id(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(notification_id), 0) FROM log_leaves")[0])

    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]:
        rows = self._all("SELECT notification_id, hash FROM log_leaves WHERE position >= ? AND position < ? "
                         "ORDER BY position", start, end)
        return [(int(n), bytes(h)) for n, h in rows]

    def node(self, level: int, index: int) -> bytes:
        row = (self._one("SELECT hash FROM log_leaves WHERE position = ?", index) if level == 0
               else self._one("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", level, index))
        if row is None:
            from ledger.translog import LogCorrupt

            raise LogCorrupt(f"the log has no subtree hash at level {level}, index {index}")
        return bytes(row[0])

    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        p = self._p
        with self._tx() as c:
            c.executemany(f"INSERT INTO log_leaves (position, notification_id, originator_id, originator_version, "
                          f"hash) VALUES ({p}, {p}, {p}, {p}, {p})", list(leaves))
            c.executemany(f"INSERT INTO log_nodes (level, idx, hash) VALUES ({p}, {p}, {p})", list(nodes))

    def position_of(self, originator_id: str, version: int) -> int | None:
        row = self._one("SELECT position FROM log_leaves WHERE originator_id = ? AND originator_version = ?",
                        originator_id, version)
        return None if row is None else int(row[0])

    def _columns(self) -> str:
        return "size, root, at, key_id, signature, " + ("note" if self._has_note_column() else "NULL")

    def has_notification(self, notification_id: int) -> bool:
        return self._one("SELECT 1 FROM log_leaves WHERE notification_id = ?", notification_id) is not None

    def checkpoints(self) -> list[Checkpoint]:
        rows = self._all(f"SELECT {self._columns()} FROM log_checkpoints ORDER BY size")
        return [_checkpoint(row) for row in rows]

    def latest_checkpoint(self) -> Checkpoint | None:
        row = self._one(f"SELECT {self._columns()} FROM log_checkpoints ORDER BY size DESC LIMIT 1")
        return None if row is None else _checkpoint(row)

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Record a checkpoint; a legacy one of the same size is replaced by it (the same root, now a note)."""
        self._add_note_column()  # a store made before notes, opened without creating tables
        p = self._p
        with self._tx() as c:
            c.execute(f"INSERT INTO log_checkpoints (size, root, at, key_id, signature, note) VALUES ({p}, {p}, {p}, "
                      f"{p}, {p}, {p}) ON CONFLICT (size) DO UPDATE SET root = excluded.root, at = excluded.at, "
                      "key_id = excluded.key_id, signature = excluded.signature, note = excluded.note",
                      (checkpoint.size, checkpoint.root, checkpoint.at.isoformat(), checkpoint.key_id,
                       checkpoint.signature, checkpoint.note))

    def prepare(self) -> None:
        """Make the log's tables (where this store may create them) before a save writes into them."""
        _ = self.conn

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialise appenders: two writers catching up at once must not both append position p."""
        conn = self.conn
        cur = conn.cursor()
        if self._lock_sql:
            cur.execute(self._lock_sql)
        cur.close()
        self._locked = True
        try:
            yield
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._locked = False


def store_for(env: Mapping[str, str]) -> LogStore:
    """The log store beside the configured event store (the same database)."""
    module = env.get("PERSISTENCE_MODULE", "")
    create = env.get("CREATE_TABLE", "y").lower() not in ("n", "no", "false", "0", "off")
    found = connector(env)
    if found is None:
        return MemoryLogStore()
    connect, placeholder, blob, errors = found
    if module == "eventsourcing.sqlite":
        def connect_sqlite() -> sqlite3.Connection:
            # Not bound to one thread: a reader (the verification service) serialises its use with a lock.
            conn = connect()
            # The log is derived from the events: after a crash, catch_up rebuilds what a lost commit
            # held. So its commits need not wait for fsync (WAL + NORMAL stays consistent on crash).
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        return SqlLogStore(connect_sqlite, placeholder, blob, "BEGIN IMMEDIATE", create)
    return SqlLogStore(connect, placeholder, blob, "SELECT pg_advisory_xact_lock(6962)", create, errors)


class _TxLogStore:
    """The log's tables read and written through a save's own transaction (see ledger.recorders)."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx

    def frontier(self) -> Frontier:
        """The tree's right edge to append to, in two reads whatever the size: the last leaf (the size, and the
        edge's level-0 hash when the size is odd), then the edge's O(log n) stored subtree hashes in one query
        (a save read them one query each). A hash missing from the store fails the save."""
        from ledger.merkle import Frontier

        row = self._tx.one("SELECT position, hash FROM log_leaves ORDER BY position DESC LIMIT 1")
        if row is None:
            return Frontier()
        last = (int(row[0]), bytes(row[1]))
        size = last[0] + 1
        parts = [p for p in Frontier.parts(size) if p[0] > 0]
        found = {(0, last[0]): last[1]}
        if parts:
            where = " OR ".join(["(level = ? AND idx = ?)"] * len(parts))
            rows = self._tx.all(f"SELECT level, idx, hash FROM log_nodes WHERE {where}",  # noqa: S608
                                [v for p in parts for v in p])
            found.update({(int(r[0]), int(r[1])): bytes(r[2]) for r in rows})
        edge = []
        for part in Frontier.parts(size):
            if part not in found:
                from ledger.translog import LogCorrupt

                raise LogCorrupt(f"the log has no subtree hash at level {part[0]}, index {part[1]}")
            edge.append((part[0], found[part]))
        return Frontier.of(size, edge)

    def size(self) -> int:
        row = self._tx.one("SELECT COALESCE(MAX(position) + 1, 0) FROM log_leaves")
        return int(row[0])

    def node(self, level: int, index: int) -> bytes:
        row = (self._tx.one("SELECT hash FROM log_leaves WHERE position = ?", (index,)) if level == 0
               else self._tx.one("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", (level, index)))
        if row is None:
            from ledger.translog import LogCorrupt

            raise LogCorrupt(f"the log has no subtree hash at level {level}, index {index}")
        return bytes(row[0])

    def has_notification(self, notification_id: int) -> bool:
        return self._tx.one("SELECT 1 FROM log_leaves WHERE notification_id = ?", (notification_id,)) is not None

    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        self._tx.executemany("INSERT INTO log_leaves (position, notification_id, originator_id, originator_version, "
                             "hash) VALUES (?, ?, ?, ?, ?)", list(leaves))
        self._tx.executemany("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", list(nodes))

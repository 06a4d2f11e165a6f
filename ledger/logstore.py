"""Where the transparency log (ledger.translog) keeps its leaves, subtree hashes and checkpoints: in memory
(ledger.logstore_memory), or in tables beside the events in the ledger's own SQLite or PostgreSQL database
(here; what a save writes through its own transaction: ledger.logstore_tx).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.logstore_memory import MemoryLogStore
from ledger.logstore_tx import _TxLogStore
from ledger.sql_connect import connector

# ledger.translog re-exports these stores, so its names are imported where they are used, never at the top:
# a module-level import either way round would fail for whichever module is imported first.
if TYPE_CHECKING:
    from ledger.translog import Checkpoint, Leaf, LoggedLeaf, LogStore


def _checkpoint(row: Sequence[Any]) -> Checkpoint:
    from ledger.translog import Checkpoint

    size, root, at, key_id, signature, note = row
    return Checkpoint(int(size), bytes(root), datetime.fromisoformat(at), key_id, bytes(signature),
                      None if note is None else bytes(note))


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
        self._leaf_columns = False  # log_leaves has its salt and record columns (leaf scheme 2)

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
                          f"originator_version BIGINT NOT NULL, hash {self._blob} NOT NULL, salt {self._blob}, "
                          f"record {self._blob})")
                c.execute("CREATE INDEX IF NOT EXISTS log_leaves_event ON log_leaves (originator_id, "
                          "originator_version)")
                c.execute(f"CREATE TABLE IF NOT EXISTS log_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
                          f"hash {self._blob} NOT NULL, PRIMARY KEY (level, idx)){' WITHOUT ROWID' if sqlite else ''}")
                c.execute(f"CREATE TABLE IF NOT EXISTS log_checkpoints (size BIGINT PRIMARY KEY, root {self._blob} "
                          f"NOT NULL, at TEXT NOT NULL, key_id TEXT NOT NULL, signature {self._blob} NOT NULL, "
                          f"note {self._blob})")
            self._add_note_column()
            self._add_leaf_columns()
        return self._conn

    def _add_leaf_columns(self) -> None:
        """Give a leaves table made before leaf scheme 2 its salt and record columns (NULL: a scheme-1 leaf).
        Nothing already logged changes: old leaves keep scheme 1, the next save's leaves are scheme 2."""
        if self._leaf_columns:
            return
        have = self._table_columns("log_leaves")
        if have and not {"salt", "record"} <= have:
            with self._tx() as c:
                for column in ("salt", "record"):
                    if column not in have:
                        c.execute(f"ALTER TABLE log_leaves ADD COLUMN {column} {self._blob}")
        self._leaf_columns = bool(have)

    def _has_note_column(self) -> bool:
        """Whether log_checkpoints has its `note` column (a table made before C2SP notes has not)."""
        if self._note_column is None:
            self._note_column = "note" in self._table_columns("log_checkpoints")
        return self._note_column

    def _table_columns(self, table: str) -> set[str]:
        if self._p == "?":
            rows = self._all(f"SELECT name FROM pragma_table_info('{table}')")
        else:
            rows = self._all("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                             "current_schema() AND table_name = ?", table)
        return {r[0] for r in rows}

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

    def logged(self, start: int, end: int) -> list[LoggedLeaf]:
        if not self._has_leaf_columns():
            return [(nid, h, None) for nid, h in self.leaves(start, end)]
        rows = self._all("SELECT notification_id, hash, salt FROM log_leaves WHERE position >= ? AND position < ? "
                         "ORDER BY position", start, end)
        return [(int(n), bytes(h), None if s is None else bytes(s)) for n, h, s in rows]

    def leaf_record(self, position: int) -> bytes | None:
        if not self._has_leaf_columns():
            return None
        row = self._one("SELECT record FROM log_leaves WHERE position = ?", position)
        return None if row is None or row[0] is None else bytes(row[0])

    def _has_leaf_columns(self) -> bool:
        """Whether log_leaves has the scheme-2 columns (a store from before them opened read-only has not)."""
        if not self._leaf_columns:
            self._leaf_columns = {"salt", "record"} <= self._table_columns("log_leaves")
        return self._leaf_columns

    def node(self, level: int, index: int) -> bytes:
        row = (self._one("SELECT hash FROM log_leaves WHERE position = ?", index) if level == 0
               else self._one("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", level, index))
        if row is None:
            from ledger.translog import LogCorrupt

            raise LogCorrupt(f"the log has no subtree hash at level {level}, index {index}")
        return bytes(row[0])

    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        p = self._p
        self._add_leaf_columns()
        with self._tx() as c:
            c.executemany(f"INSERT INTO log_leaves (position, notification_id, originator_id, originator_version, "
                          f"hash, salt, record) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})", list(leaves))
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
        """Make the log's tables (where this store may create them) before a save writes into them, and give
        a leaves table from before leaf scheme 2 its columns (a read-only replica cannot: its readers read
        without them, and a writer's save fails naming the database's refusal)."""
        from ledger.translog import LogUnavailable

        _ = self.conn
        with contextlib.suppress(LogUnavailable, *self._errors):
            self._add_leaf_columns()

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


__all__ = ["MemoryLogStore", "SqlLogStore", "_TxLogStore", "store_for"]

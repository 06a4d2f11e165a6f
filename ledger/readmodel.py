"""The verification read model: one row per document reference (ledger.verification_record), kept in
the events' own transaction by a recorder writer (ledger.recorders), so it never lags the events.

Table `verify_documents` (reference PRIMARY KEY, aggregate_id, version, state, successor, holder_digest,
key_id, signed_at, payload): the row of a certificate edition or a proof as of its aggregate's latest
event. A save's writer gets the saved aggregates staged by the application (`staging`); a bulk import's
events are stored without aggregates, so the writer decodes those (creation events only: an import
creates certificates) with the application's mapper. A new document's row goes in by a plain INSERT (on
PostgreSQL a bulk import turns it into COPY), a changed one's by an upsert.

A verification reads one row by its primary key, joined to the document's log leaf (`Reader.record`).
The rows are rebuilt from the events by `certledger audit rebuild-views`, and `audit verify` compares
the kept rows with those the events give (ledger.readmodel_rebuild).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

from ledger.documents import Certificate, Proof
from ledger.readmodel_seal import PayloadSeal
from ledger.sql_connect import connector
from ledger.tree_reads import upper_level
from ledger.verification_record import VerificationRecord, record_of

TABLE = "verify_documents"
SLICE = 1000
COLUMNS = "reference, aggregate_id, version, state, successor, holder_digest, key_id, signed_at, payload"
_INSERT = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT = _INSERT + " ON CONFLICT (reference) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in COLUMNS.split(", ")[1:])


def ddl(blob: str) -> str:
    return (f"CREATE TABLE IF NOT EXISTS {TABLE} (reference TEXT PRIMARY KEY, aggregate_id TEXT NOT NULL, "
            f"version BIGINT NOT NULL, state TEXT NOT NULL, successor TEXT, holder_digest {blob} NOT NULL, "
            f"key_id TEXT, signed_at TEXT, payload TEXT NOT NULL)")


class ReadModelMissing(Exception):
    """The store has no verification read model (a store made before it, opened without creating tables)."""


class ReadModel:
    """The recorder writer that keeps the rows, and (for the in-memory store) the rows themselves."""

    def __init__(self, to_domain_event: Callable[[Any], Any], seal: PayloadSeal | None = None) -> None:
        self._decode = to_domain_event
        self._seal = seal or PayloadSeal(None)  # the payload at rest under the ledger's cipher (readmodel_seal)
        self._staged: dict[UUID, Any] = {}
        self._events: Iterator[Any] | None = None  # a bulk import's domain events, in the order they are stored
        self.memory: dict[str, tuple[Any, ...]] = {}  # the in-memory store's table

    @contextmanager
    def staging(self, aggregates: Mapping[UUID, Any]) -> Iterator[None]:
        """The aggregates of the save about to be recorded: their rows are what the writer writes."""
        self._staged = dict(aggregates)
        try:
            yield
        finally:
            self._staged = {}

    @contextmanager
    def staging_events(self, events: Sequence[Any]) -> Iterator[None]:
        """A bulk import's creation events, stored in this order without aggregates: the writer takes each in
        turn (checked against the stored event) rather than decoding the stored state again."""
        self._events = iter(events)
        try:
            yield
        finally:
            self._events = None

    def rows_for(self, stored: Sequence[Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The rows a save's stored events give: (new documents', changed documents')."""
        created = {s.originator_id for s in stored if s.originator_version == 1}
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        seen: set[Any] = set()
        for s in stored:
            if s.originator_id in seen:
                continue
            seen.add(s.originator_id)
            doc = self._staged.get(s.originator_id)
            if doc is None:
                doc = self._unstaged(s)
            if isinstance(doc, Certificate | Proof):
                (new if s.originator_id in created else changed).append(record_of(doc).row())
        return new, changed

    def _unstaged(self, stored: Any) -> Any:
        """The aggregate of an event stored without one (a bulk import): only a creation event has it all."""
        event = self._decode(stored) if self._events is None else next(self._events, None)
        if event is None or (event.originator_id, event.originator_version) != (
                stored.originator_id, stored.originator_version):
            raise RuntimeError("the bulk import's events and the stored events are not in the same order")
        aggregate = event.mutate(None) if stored.originator_version == 1 else None
        if aggregate is None and type(event).__qualname__.split(".")[0] in ("Certificate", "Proof"):
            raise RuntimeError(f"the verification read model cannot project {type(event).__qualname__} "
                               f"(version {stored.originator_version}) saved without its aggregate: nothing written")
        return aggregate

    def write_in_transaction(self, tx: Any, stored: Sequence[Any], ids: Sequence[int]) -> None:
        """A recorder writer: the rows of the save's documents, in the save's own transaction."""
        # A thousand events at a time: a bulk import's chunk never leaves its transaction idle for long while
        # the rows are made (PostgreSQL ends a transaction idle past its idle_in_transaction_session_timeout).
        for start in range(0, len(stored), SLICE):
            new, changed = self.rows_for(stored[start:start + SLICE])
            if tx is None:
                self.memory.update((row[0], row) for row in (*new, *changed))
                continue
            tx.executemany(_INSERT, [self._seal.seal(r) for r in new])
            tx.executemany(_UPSERT, [self._seal.seal(r) for r in changed])


# ------------------------------------------------------------------ the table in a database
def has_column(conn: Any, placeholder: str, table: str, column: str) -> bool:
    cur = conn.cursor()
    try:
        if placeholder == "?":
            cur.execute(f"SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?", (column,))
        else:
            cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                        "AND table_name = %s AND column_name = %s", (table, column))
        return cur.fetchone() is not None
    finally:
        cur.close()
        conn.commit()


def has_table(conn: Any, placeholder: str, table: str = TABLE) -> bool:
    cur = conn.cursor()
    try:
        if placeholder == "?":
            cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        else:
            cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                        "AND table_name = %s", (table,))
        return cur.fetchone() is not None
    finally:
        cur.close()
        conn.commit()


class Reader:
    """The verification service's reads: one document's row (with its log leaf), and a tree's nodes."""

    def __init__(self, connect: Callable[[], Any], placeholder: str, errors: tuple[type[Exception], ...],
                 seal: PayloadSeal | None = None, connections: int = 1) -> None:
        """`connections`: how many reads may run at once, each on a connection of its own (opened when first
        needed). One for SQLite, read in the event loop; on PostgreSQL a read waits on the server, and the
        service's read threads each keep one read going (verify_api.service)."""
        self._seal = seal or PayloadSeal(None)
        self._connect = connect
        self._p = placeholder
        self._errors = errors
        self._with_log = False
        self._leaf_record = "NULL"  # log_leaves.record (leaf scheme 2) where the table has it
        self._path_sql: dict[int, str] = {}  # record_with_path's query by the number of levels it reads
        # Connections not lent, or None for one not opened yet: the last returned is lent first. A read takes a
        # slot first, so one is always there (a plain lock for one connection: a first scan's SQLite read in the
        # loop pays 0.1 us for it, where a queue took 1.1 and a semaphore takes 0.85, measured).
        self._idle: list[Any] = [None] * max(1, connections)
        self._slots: threading.Lock | threading.Semaphore = (threading.Lock() if connections <= 1
                                                              else threading.Semaphore(connections))
        self._opened: set[Any] = set()

    def check(self) -> None:
        """ReadModelMissing for a store without the table; the driver's error when the store is down."""
        self._query("SELECT 1", ())

    def _open(self) -> Any:
        conn = self._connect()
        try:
            if not has_table(conn, self._p):
                raise ReadModelMissing("this store has no verification read model: run certledger audit "
                                       "rebuild-views")
            self._with_log = has_table(conn, self._p, "log_leaves")
            if self._with_log and has_column(conn, self._p, "log_leaves", "record"):
                self._leaf_record = "l.record"
            if self._p == "%s":
                conn.autocommit = True  # each read its own snapshot, no BEGIN and COMMIT round trips
        except BaseException:
            conn.close()
            raise
        self._opened.add(conn)
        return conn

    def _query(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        self._slots.acquire()  # waits while every connection is reading
        conn = self._idle.pop()
        try:
            if conn is None:
                conn = self._open()
            cur = conn.cursor()
            try:
                cur.execute(sql.replace("?", self._p), args)
                rows = [tuple(r) for r in cur.fetchall()]
            finally:
                cur.close()
        except self._errors:
            self._close(conn)  # the server went away, say: the next read opens another
            conn = None
            raise
        finally:
            self._idle.append(conn)
            self._slots.release()
        return rows  # no transaction to end: SQLite opens none for a SELECT, PostgreSQL reads in autocommit

    def _close(self, conn: Any) -> None:
        if conn is not None:
            self._opened.discard(conn)
            with suppress(*self._errors):
                conn.close()

    def record(self, reference: str) -> VerificationRecord | None:
        """The row of a document reference (and its leaf's position and hash, when the log is kept)."""
        cols = ", ".join(f"v.{c}" for c in COLUMNS.split(", "))
        if not self._opened:
            self.check()  # the first read learns whether the log is kept beside (ReadModelMissing without the table)
        if self._with_log:
            sql = (f"SELECT {cols}, l.position, l.hash, {self._leaf_record} FROM {TABLE} v LEFT JOIN log_leaves l ON "
                   "l.originator_id = v.aggregate_id AND l.originator_version = v.version WHERE v.reference = ?")
        else:
            sql = f"SELECT {cols}, NULL, NULL, NULL FROM {TABLE} v WHERE v.reference = ?"
        rows = self._query(sql, (reference,))
        if not rows:
            return None
        return VerificationRecord.from_row(self._seal.open(rows[0][:9]), rows[0][9], rows[0][10],
                                           leaf_record=rows[0][11])

    def record_with_path(self, reference: str, size: int) -> VerificationRecord | None:
        """The row, its log leaf, and the stored hashes beside the leaf's path in a tree of `size` leaves (each
        level's sibling subtree below TreeAtSize's upper levels, where the log has it), in ONE query of one row:
        a first scan's one round trip."""
        if not self._opened:
            self.check()
        if not self._with_log or size < 2:
            return self.record(reference)
        levels = upper_level(size)  # the levels at and above it: TreeAtSize's memory
        sql = self._path_sql.get(levels)
        if sql is None:
            sql = self._path_sql[levels] = _with_path(levels, self._leaf_record.replace("l.", "lf."))
        rows = self._query(sql, (reference,))
        if not rows:
            return None
        row = rows[0]
        position = row[9]
        nodes: dict[tuple[int, int], bytes] = {}
        if position is not None:
            for level, h in enumerate(row[12:]):
                if h is not None:
                    nodes[(level, (position >> level) ^ 1)] = bytes(h)
        return VerificationRecord.from_row(self._seal.open(row[:9]), position, row[10], nodes, row[11])

    def nodes(self, wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The log's subtree hashes (level, index) in one query: leaves from log_leaves, the rest from log_nodes."""
        leaves = [i for lv, i in wanted if lv == 0]
        inner = [(lv, i) for lv, i in wanted if lv > 0]
        parts: list[str] = []
        args: list[Any] = []
        if leaves:
            parts.append(f"SELECT 0, position, hash FROM log_leaves WHERE position IN ({', '.join('?' * len(leaves))})")
            args += leaves
        if inner:
            parts.append("SELECT level, idx, hash FROM log_nodes WHERE "
                         + " OR ".join("(level = ? AND idx = ?)" for _ in inner))
            args += [x for pair in inner for x in pair]
        if not parts:
            return {}
        return {(int(lv), int(i)): bytes(h) for lv, i, h in self._query(" UNION ALL ".join(parts), args)}

    def upper_nodes(self, level: int, size: int) -> dict[tuple[int, int], bytes]:
        """Every stored subtree hash at `level` and above that lies within a tree of `size` leaves (node (l, i)
        does when (i + 1) << l <= size, i.e. i < size >> l): the upper levels TreeAtSize keeps, read once."""
        rows = self._query("SELECT level, idx, hash FROM log_nodes WHERE level >= ? AND idx < (CAST(? AS BIGINT) >> "
                           "level)", (level, size))
        return {(int(lv), int(i)): bytes(h) for lv, i, h in rows}

    def close(self) -> None:
        """Close every connection opened (at the worker's end, once its reads are done); a later read opens
        another."""
        for conn in list(self._opened):
            self._close(conn)
        self._idle[:] = [None] * len(self._idle)


def _sibling(level: int) -> str:
    """The index of the path's sibling at `level`: (pos >> level) XOR 1, written as x + 1 - 2 * (x & 1), which
    both SQLite and PostgreSQL read."""
    x = f"(lf.position >> {level})" if level else "lf.position"
    return f"{x} + 1 - 2 * ({x} & 1)"


def _with_path(levels: int, leaf_record: str) -> str:
    """The row, its leaf and the sibling hashes of levels 0 to `levels` - 1 as one row: a join by primary key per
    level (absent, NULL, where the log has not completed that subtree). Unrolled rather than a recursive CTE
    over a UNION: 9.9 us beside 18.3 us on SQLite for six levels, measured at 200,000 leaves."""
    cols = ", ".join(f"v.{c}" for c in COLUMNS.split(", "))
    joins = " LEFT JOIN log_leaves s ON s.position = " + _sibling(0) + "".join(
        f" LEFT JOIN log_nodes n{lv} ON n{lv}.level = {lv} AND n{lv}.idx = {_sibling(lv)}" for lv in range(1, levels))
    hashes = ", s.hash" + "".join(f", n{lv}.hash" for lv in range(1, levels))
    return (f"SELECT {cols}, lf.position, lf.hash, {leaf_record}{hashes} FROM {TABLE} v LEFT JOIN log_leaves lf ON "
            f"lf.originator_id = v.aggregate_id AND lf.originator_version = v.version{joins} WHERE v.reference = ?")


def reader_for(env: Mapping[str, str], connections: int = 1) -> Reader | None:
    """The read model's reader for the configured store (None in memory: no service runs on it); `connections`
    as Reader takes them (SQLite reads on one whatever is asked)."""
    found = connector(env)
    if found is None:
        return None
    return Reader(found[0], found[1], found[3], PayloadSeal.from_env(env), connections if found[1] == "%s" else 1)

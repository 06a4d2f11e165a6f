"""The library's recorders, with writers that run inside the events' own transaction.

A save's events and what must never be out of step with them (the transparency log's
leaves and nodes, later the save's signature and the verification read model) are
written in one transaction: both or neither. A row that reaches the events table any
other way has no log leaf, and the audit names it as foreign instead of a later save
absorbing it.

Each writer is called with the transaction (a `Tx`, or None for the in-memory store), the
stored events of the save and their notification ids, after the events are inserted and
before the commit. A writer that raises aborts the save.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from eventsourcing import popo, sqlite
from eventsourcing.persistence import InfrastructureFactory, InterfaceError, StoredEvent
from eventsourcing.utils import Environment


class Tx:
    """The save's open transaction, as a writer sees it: statements written with `?`."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self._cursor = cursor
        self._p = placeholder

    @property
    def placeholder(self) -> str:
        return self._p

    def _sql(self, statement: str) -> str:
        return statement if self._p == "?" else statement.replace("?", self._p)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(statement), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(statement), rows)

    def one(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        self._cursor.execute(self._sql(statement), params)
        row = self._cursor.fetchone()
        if row is None:
            return None
        return tuple(row.values()) if isinstance(row, dict) else tuple(row)

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._sql(statement), params)
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in self._cursor.fetchall()]


Writer = Callable[[Tx | None, Sequence[StoredEvent], Sequence[int]], None]


class Writers:
    writers: list[Writer]

    def add_writer(self, writer: Writer) -> None:
        self.writers.append(writer)

    @contextmanager
    def batched(self) -> Iterator[Callable[[Tx | None], None]]:
        """Many inserts, one save (a bulk import): a writer with a `batch()` (the save's signature) writes once,
        when the caller calls the yielded `finish(tx)` inside the transaction after the last chunk."""
        with ExitStack() as stack:
            finishers = [stack.enter_context(w.batch()) for w in self.writers if hasattr(w, "batch")]

            def finish(tx: Tx | None) -> None:
                for f in finishers:
                    f(tx)

            yield finish

    def _run_writers(self, tx: Tx | None, stored: Sequence[StoredEvent], ids: Sequence[int] | None) -> None:
        if self.writers and stored:
            if ids is None or len(ids) != len(stored):
                raise RuntimeError("the recorder returned no notification id for every stored event")
            for writer in self.writers:
                writer(tx, stored, ids)


class SQLiteRecorder(Writers, sqlite.SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writers = []

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._run_writers(Tx(c, "?"), stored_events, ids)
        return ids


class POPORecorder(Writers, popo.POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self.writers = []

    def _insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._database_lock:
            # Writers run before the events are added (with the ids they will get), so a writer
            # that raises leaves nothing behind: the in-memory store has no rollback.
            self._assert_uniqueness(stored_events, **kwargs)
            first = len(self._stored_events) + 1
            self._run_writers(None, stored_events, range(first, first + len(stored_events)))
            return self._update_table(stored_events, **kwargs)


STATEMENT_CACHE = 256  # prepared statements kept per SQLite connection: every statement a save runs, and more


class CachingSQLitePool(sqlite.SQLiteConnectionPool):
    """The library's SQLite pool, with connections that keep their prepared statements. The library connects
    with `cached_statements=True`, which sqlite3 reads as a cache of ONE statement: a save runs a dozen distinct
    statements (the events' insert, the log's, the read model's, the indexes'), so each was compiled again on
    every save, a third of a single issue's time. Otherwise the connection is made as the library makes it."""

    def _create_connection(self) -> sqlite.SQLiteConnection:
        try:
            c = sqlite3.connect(database=self.db_name, uri=True, check_same_thread=False, isolation_level=None,
                                cached_statements=STATEMENT_CACHE,
                                timeout=self.lock_timeout or sqlite.SQLITE3_DEFAULT_LOCK_TIMEOUT)
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            cursor = c.cursor()
            cursor.execute("PRAGMA journal_mode;")
            if cursor.fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        c.row_factory = sqlite3.Row
        return sqlite.SQLiteConnection(sqlite_conn=c, max_age=self.max_age)


class SQLiteFactory(sqlite.SQLiteFactory):
    application_recorder_class = SQLiteRecorder

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        old = self.datastore.pool  # made with the settings read from env; no connection opened yet
        self.datastore.pool = CachingSQLitePool(db_name=old.db_name, lock_timeout=old.lock_timeout,
                                                pool_size=old.pool_size, max_overflow=old.max_overflow,
                                                pool_timeout=old.pool_timeout, max_age=old.max_age,
                                                pre_ping=old.pre_ping)
        old.close()


class POPOFactory(popo.POPOFactory):
    def application_recorder(self) -> POPORecorder:
        return POPORecorder()


def _postgres_factory() -> type[InfrastructureFactory[Any]]:
    from ledger.recorders_pg import PostgresFactory  # psycopg only where the store is PostgreSQL (0.2 s to import)

    return PostgresFactory


_OURS: dict[str, Callable[[], type[InfrastructureFactory[Any]]]] = {
    "eventsourcing.sqlite": lambda: SQLiteFactory, "eventsourcing.postgres": _postgres_factory,
    "eventsourcing.popo": lambda: POPOFactory, "": lambda: POPOFactory,
}


def construct_factory(env: Environment) -> InfrastructureFactory[Any]:
    """The library's factory for the configured store, making recorders that take writers."""
    module = env.get(InfrastructureFactory.PERSISTENCE_MODULE, "") or ""
    if env.get("APPLICATION_RECORDER_TOPIC") or module not in _OURS:
        return InfrastructureFactory.construct(env)  # someone else's recorder: it takes no writers
    return _OURS[module]()(env)


def takes_writers(recorder: object) -> bool:
    return isinstance(recorder, Writers)

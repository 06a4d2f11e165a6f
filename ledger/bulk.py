"""Writing a whole import file of events in one transaction, as the library would store them.

`EventStore.put` hands the recorder one list. The library's PostgreSQL recorder (eventsourcing 9.5.6)
sends it as ONE `INSERT ... unnest(%s)` in psycopg's pipeline mode, and past some megabytes that never
returns: psycopg's `_pipeline_communicate` stops flushing once its command queue is empty although
`PQflush` said bytes were still buffered, then waits to read a result the server cannot send while the
server waits (ClientRead) for the rest of the message: about 20,000 certificates (~8 MB) on loopback,
in psycopg's pure-Python and C implementations alike.

Here the same stored events, made by the application's own mapper (topic, state bytes with the cipher
and compressor when configured, originator version), are written within the recorder's own rules, a
chunk at a time (no large message, bounded memory, progress), in ONE transaction, and the recorder's
writers (ledger.recorders: the transparency log) run inside it on each chunk with its notification ids:
- PostgreSQL: the recorder's `SET LOCAL lock_timeout` and `LOCK TABLE ... IN EXCLUSIVE MODE`, its NOTIFY,
  then a binary COPY per chunk into the library's table; `notification_id` keeps its sequence default,
  so ids increase in file order, and the lock keeps every other writer out until the commit. Writers'
  plain multi-row INSERTs go in by COPY too (psycopg's executemany sends a message per row).
- SQLite: the recorder's own insert (and writers) per chunk, inside the library's write transaction.
- anything else (in memory): the recorder's insert_events.
All or nothing: a failure or a killed process leaves no row of the events or of the log.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, nullcontext
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent

from ledger.errors import AlreadyExists
from ledger.recorders import Tx

CHUNK = 10_000
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_ROW_START = struct.Struct(">hi16siq")  # 4 fields; the uuid (length 16); the bigint version (length 8)
_LEN = struct.Struct(">i")
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \(\?(?:, \?)*\)")

Progress = Callable[[int], None]


def put(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], *, label: Callable[[Any], str] = str,
        progress: Progress | None = None) -> int:
    """Store `events` in one transaction; returns how many. Events already stored (a number imported
    before) refuse the whole list: AlreadyExists naming them by `label(event)`, nothing written."""
    kind = _kind(recorder)
    try:
        if kind == "postgres":
            _put_postgres(recorder, mapper, events, progress)
        elif kind == "sqlite":
            _put_sqlite(recorder, mapper, events, progress)
        else:
            recorder.insert_events([s for chunk in _stored(mapper, events) for s in chunk])
            if progress is not None:
                progress(len(events))
    except IntegrityError:
        raise AlreadyExists(f"already issued, nothing imported: {_taken(recorder, kind, events, label)}") from None
    return len(events)


def _kind(recorder: Any) -> str:
    """Which of the library's application recorders this is (or derives from), without importing psycopg."""
    for cls in type(recorder).__mro__:
        if (cls.__module__, cls.__name__) == ("eventsourcing.postgres", "PostgresApplicationRecorder"):
            return "postgres" if recorder.datastore.originator_id_type == "uuid" else "other"
        if (cls.__module__, cls.__name__) == ("eventsourcing.sqlite", "SQLiteApplicationRecorder"):
            return "sqlite"
    return "other"


def _stored(mapper: Mapper[Any], events: Sequence[Any]) -> Iterator[list[StoredEvent]]:
    """The library's stored events, a chunk at a time (a million at once would double the memory)."""
    for start in range(0, len(events), CHUNK):
        yield [mapper.to_stored_event(e) for e in events[start:start + CHUNK]]


# ------------------------------------------------------------------ PostgreSQL
def _copy_rows(stored: Sequence[StoredEvent]) -> bytes:
    """A binary COPY of (originator_id uuid, originator_version bigint, topic text, state bytea)."""
    start, length = _ROW_START.pack, _LEN.pack
    parts = [_COPY_HEADER]
    for s in stored:
        topic = s.topic.encode()
        oid = s.originator_id if isinstance(s.originator_id, UUID) else UUID(str(s.originator_id))
        parts += (start(4, 16, oid.bytes, 8, s.originator_version), length(len(topic)), topic,
                  length(len(s.state)), s.state)
    parts.append(_COPY_TRAILER)
    return b"".join(parts)


class _CopyTx(Tx):
    """A writer's view of the transaction where a plain multi-row INSERT goes in as one COPY."""

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        plain = _PLAIN_INSERT.fullmatch(statement.strip())
        if plain is None or not rows:
            super().executemany(statement, rows)
            return
        with self._cursor.copy(f"COPY {plain[1]} ({plain[2]}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _put_postgres(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], progress: Progress | None) -> None:
    with ExitStack() as stack:
        _put_postgres_in(stack, recorder, mapper, events, progress)


def _put_postgres_in(stack: ExitStack, recorder: Any, mapper: Mapper[Any], events: Sequence[Any],
                     progress: Progress | None) -> None:
    from psycopg.sql import SQL, Identifier

    datastore = recorder.datastore
    table = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    copy = SQL("COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)").format(table)
    writers = bool(getattr(recorder, "writers", None))
    finish = stack.enter_context(recorder.batched()) if writers else None
    # The datastore's connection maps psycopg's errors to the library's (a duplicate: IntegrityError).
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
        # What the recorder's insert does first, by its own statements: the table lock that keeps
        # notification ids in commit order, and the notification of listeners.
        recorder._lock_table(curs)
        recorder._notify_channel(curs)
        last = _last_id(curs, table)
        if writers:  # the writers' tables sit beside the library's (as ledger.recorders does)
            curs.execute(SQL("SET LOCAL search_path TO {}").format(Identifier(datastore.schema)))
        for chunk in _stored(mapper, events):
            with curs.copy(copy) as pipe:
                pipe.write(_copy_rows(chunk))
            ids = _ids_after(curs, table, last, chunk)
            if writers:
                recorder._run_writers(_CopyTx(curs, "%s"), chunk, ids)
            last = ids[-1]
            if progress is not None:
                progress(len(chunk))
        if finish is not None:
            finish(_CopyTx(curs, "%s"))  # the import's one save signature, in the same transaction


def _last_id(curs: Any, table: Any) -> int:
    from psycopg.sql import SQL

    curs.execute(SQL("SELECT COALESCE(MAX(notification_id), 0) AS last FROM {}").format(table))
    return int(curs.fetchone()["last"])


def _ids_after(curs: Any, table: Any, last: int, chunk: Sequence[StoredEvent]) -> range:
    """The notification ids the chunk just got: consecutive after `last`, in COPY order (checked)."""
    from psycopg.sql import SQL

    curs.execute(SQL("SELECT count(*) AS n, MIN(notification_id) AS lo, MAX(notification_id) AS hi FROM {} "
                     "WHERE notification_id > %s").format(table), (last,))
    got = curs.fetchone()
    ids = range(int(got["lo"] or 0), int(got["hi"] or -1) + 1)
    curs.execute(SQL("SELECT originator_id, originator_version FROM {} WHERE notification_id = %s").format(table),
                 (ids.stop - 1,))
    tail = curs.fetchone()
    if got["n"] != len(chunk) or len(ids) != len(chunk) or tail is None or (
            tail["originator_id"], tail["originator_version"]) != (chunk[-1].originator_id,
                                                                 chunk[-1].originator_version):
        raise RuntimeError(f"the events table did not number the {len(chunk)} copied rows after {last} in order")
    return ids


# ---------------------------------------------------------------------- SQLite
def _put_sqlite(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], progress: Progress | None) -> None:
    batched = recorder.batched() if hasattr(recorder, "batched") else nullcontext(None)
    with batched as finish, recorder.datastore.transaction(commit=True) as c:
        for chunk in _stored(mapper, events):
            recorder._insert_events(c, chunk)  # the recorder's own insert and writers, in the one transaction
            if progress is not None:
                progress(len(chunk))
        if finish is not None:
            finish(Tx(c, "?"))  # the import's one save signature, in the same transaction


# ------------------------------------------------------------------ duplicates
def _taken(recorder: Any, kind: str, events: Sequence[Any], label: Callable[[Any], str]) -> str:
    """The events already stored, named (at most five), found in a few queries rather than one per event."""
    wanted = {(UUID(str(e.originator_id)), e.originator_version): e for e in events}
    keys = list(wanted)
    stored: set[tuple[UUID, int]] = set()
    for start in range(0, len(keys), 500):
        stored |= _stored_keys(recorder, kind, [k for k, _ in keys[start:start + 500]])
    taken = [label(wanted[k]) for k in keys if k in stored]
    if not taken:
        return "a concurrent writer"
    return ", ".join(taken[:5]) + (f" (+{len(taken) - 5} more)" if len(taken) > 5 else "")


def _stored_keys(recorder: Any, kind: str, ids: list[UUID]) -> set[tuple[UUID, int]]:
    if kind == "postgres":
        from psycopg.sql import SQL, Identifier

        query = SQL("SELECT originator_id, originator_version FROM {}.{} WHERE originator_id = ANY(%s)").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(query, (ids,))
            return {(r["originator_id"], int(r["originator_version"])) for r in curs.fetchall()}
    if kind == "sqlite":
        marks = ",".join("?" * len(ids))
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT originator_id, originator_version FROM {recorder.events_table_name} "  # noqa: S608
                      f"WHERE originator_id IN ({marks})", [i.hex for i in ids])
            return {(UUID(r[0]), int(r[1])) for r in c.fetchall()}
    return {(i, s.originator_version) for i in ids for s in recorder.select_events(i)}

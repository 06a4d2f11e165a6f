"""Writing a whole import file of events in one transaction, as the library would store them.

`EventStore.put` hands the library's recorder one list. On PostgreSQL (eventsourcing 9.5.6) that
list goes out as ONE `INSERT ... unnest(%s)` statement in psycopg's pipeline mode, and past some
megabytes it never returns: psycopg's pure-Python `_pipeline_communicate` stops flushing once its
command queue is empty although `PQflush` said bytes were still buffered, then waits to read a
result the server cannot send, the server waiting in ClientRead for the rest of the message
(about 20,000 certificates, ~8 MB, on loopback).

Here the same stored events, made by the application's own mapper (topic, state bytes with the
cipher and compressor when configured, originator version), are written inside the recorder's own
transaction rules, in chunks so no message is large and progress can be reported:
- PostgreSQL: the recorder's `SET LOCAL lock_timeout` and `LOCK TABLE ... IN EXCLUSIVE MODE`, its
  NOTIFY, then a binary COPY into the library's table; the `notification_id` column keeps its
  sequence default, so ids increase in file order and no other writer interleaves (the lock).
- SQLite: the recorder's INSERT statement in one `executemany` per chunk, in the library's write
  transaction; the rowid is the notification id.
- any other recorder (in memory): the library's `EventStore.put`.
All or nothing: one transaction; a failure or a killed process leaves no row (PostgreSQL rolls back
a transaction whose client is gone; SQLite's journal undoes an uncommitted one).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent

from ledger.errors import AlreadyExists

CHUNK = 10_000
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
# A row's first two fields: the count (4), the uuid (length 16), the bigint version (length 8).
_ROW_START = struct.Struct(">hi16siq")
_LEN = struct.Struct(">i")

Progress = Callable[[int], None]


def put(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], *, label: Callable[[Any], str] = str,
        progress: Progress | None = None) -> int:
    """Store `events` in one transaction; returns how many. Events already stored (a number imported
    before) refuse the whole list: AlreadyExists naming them by `label(event)`, nothing written."""
    kind = type(recorder).__module__
    if kind == "eventsourcing.postgres" and recorder.datastore.originator_id_type != "uuid":
        kind = "other"  # text ids (ORIGINATOR_ID_TYPE=text): not this ledger's; the library's own path
    try:
        if kind == "eventsourcing.postgres":
            _put_postgres(recorder, mapper, events, progress)
        elif kind == "eventsourcing.sqlite":
            _put_sqlite(recorder, mapper, events, progress)
        else:
            _put_library(recorder, mapper, events, progress)
    except IntegrityError:
        raise AlreadyExists(f"already issued, nothing imported: {_taken(recorder, events, label)}") from None
    return len(events)


def _stored(mapper: Mapper[Any], events: Sequence[Any]) -> Iterator[list[StoredEvent]]:
    """The library's stored events, a chunk at a time (a million at once would double the memory)."""
    for start in range(0, len(events), CHUNK):
        yield [mapper.to_stored_event(e) for e in events[start:start + CHUNK]]


def _put_library(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], progress: Progress | None) -> None:
    recorder.insert_events([s for chunk in _stored(mapper, events) for s in chunk])
    if progress is not None:
        progress(len(events))


# ------------------------------------------------------------------ PostgreSQL
def _copy_rows(stored: Sequence[StoredEvent]) -> bytes:
    """Binary COPY rows (originator_id uuid, originator_version bigint, topic text, state bytea)."""
    start, length = _ROW_START.pack, _LEN.pack
    parts: list[bytes] = []
    for s in stored:
        topic = s.topic.encode()
        oid = s.originator_id if isinstance(s.originator_id, UUID) else UUID(str(s.originator_id))
        parts += (start(4, 16, oid.bytes, 8, s.originator_version), length(len(topic)), topic,
                  length(len(s.state)), s.state)
    return b"".join(parts)


def _put_postgres(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], progress: Progress | None) -> None:
    from psycopg.sql import SQL, Identifier

    datastore = recorder.datastore
    copy = SQL("COPY {}.{} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)").format(
        Identifier(datastore.schema), Identifier(recorder.events_table_name))
    # The datastore's transaction maps psycopg's errors to the library's (a duplicate: IntegrityError).
    with datastore.transaction(commit=True) as curs:
        # What the recorder's insert_events does first, by its own statements: the table lock that keeps
        # notification ids in commit order, and the notification of listeners.
        recorder._lock_table(curs)
        recorder._notify_channel(curs)
        with curs.copy(copy) as pipe:
            pipe.write(_COPY_HEADER)
            for chunk in _stored(mapper, events):
                pipe.write(_copy_rows(chunk))
                if progress is not None:
                    progress(len(chunk))
            pipe.write(_COPY_TRAILER)


# ---------------------------------------------------------------------- SQLite
def _put_sqlite(recorder: Any, mapper: Mapper[Any], events: Sequence[Any], progress: Progress | None) -> None:
    with recorder.datastore.transaction(commit=True) as c:
        for chunk in _stored(mapper, events):
            # The parameters the library's SQLite recorder binds, one statement for the chunk.
            c.executemany(recorder.insert_events_statement, [
                (s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                 s.originator_version, s.topic, s.state) for s in chunk])
            if progress is not None:
                progress(len(chunk))


# ------------------------------------------------------------------ duplicates
def _taken(recorder: Any, events: Sequence[Any], label: Callable[[Any], str]) -> str:
    """The events already stored, named (at most five), found in a few queries rather than one per event."""
    wanted = {(str(e.originator_id), e.originator_version): e for e in events}
    stored: set[tuple[str, int]] = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        stored |= _stored_keys(recorder, [UUID(k) for k, _ in chunk])
    taken = [label(wanted[k]) for k in keys if k in stored]
    if not taken:
        return "a concurrent writer"
    return ", ".join(taken[:5]) + (f" (+{len(taken) - 5} more)" if len(taken) > 5 else "")


def _stored_keys(recorder: Any, ids: list[UUID]) -> set[tuple[str, int]]:
    kind = type(recorder).__module__
    if kind == "eventsourcing.postgres" and recorder.datastore.originator_id_type == "uuid":
        from psycopg.sql import SQL, Identifier

        query = SQL("SELECT originator_id, originator_version FROM {}.{} WHERE originator_id = ANY(%s)").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(query, (ids,))
            return {(str(UUID(str(r["originator_id"]))), int(r["originator_version"])) for r in curs.fetchall()}
    if kind == "eventsourcing.sqlite":
        marks = ",".join("?" * len(ids))
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT originator_id, originator_version FROM {recorder.events_table_name} "  # noqa: S608
                      f"WHERE originator_id IN ({marks})", [i.hex for i in ids])
            return {(str(UUID(r[0])), int(r[1])) for r in c.fetchall()}
    found: set[tuple[str, int]] = set()
    for i in ids:
        found |= {(str(i), s.originator_version) for s in recorder.select_events(i)}
    return found

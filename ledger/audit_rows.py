"""The stored rows the audit replays, read as the event table holds them: through the library's own SQLite
connection, through a read-only connection of a forked process's own, or through the library elsewhere."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any, NamedTuple

from eventsourcing.sqlite import SQLiteApplicationRecorder


class StoredEvent(NamedTuple):
    """One row as the event store holds it, in notification order (a tuple: a million are made per audit)."""

    notification_id: int
    originator_id: Any  # a UUID, or its text as the SQLite table holds it
    version: int
    topic: str
    state: bytes


def events_from_recorder(recorder: Any, page: int = 5000) -> Iterator[StoredEvent]:
    """Every stored event, in notification order.

    On SQLite the rows are read from the library's table as stored, through its own connection: the
    library's reader would turn each aggregate id into a UUID object that the leaf turns back into
    bytes, and that round trip is half of an audit's time. Elsewhere, through the library.
    """
    if isinstance(recorder, SQLiteApplicationRecorder):
        yield from _sqlite_rows(recorder, page)
        return
    start = 1
    while True:
        batch = recorder.select_notifications(start=start, limit=page)
        for n in batch:
            yield StoredEvent(n.id, n.originator_id, n.originator_version, n.topic, n.state)
        if len(batch) < page:
            return
        start = batch[-1].id + 1


def file_rows(path: str, table: str, page: int = 5000, *,
              share: tuple[int, int] | None = None) -> Iterator[StoredEvent]:
    """Every stored event of the SQLite file at `path`, through a read-only connection of its own (what a
    forked process of the audit reads: a connection is never shared across a fork). `share` (n, i): only the
    events of the i-th of n shares of the aggregates, chosen by SQLite itself (by the id's last hex digit), so
    a worker's Python sees its rows alone; the n shares together hold every row, whatever the ids are."""
    where, args = _share_clause(share)
    conn = _read_only(path)
    try:
        last = 0
        while True:
            rows = conn.execute(f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
                                f"WHERE rowid > ?{where} ORDER BY rowid LIMIT ?", (last, *args, page)).fetchall()
            for row in rows:
                yield StoredEvent(*row)
            if len(rows) < page:
                return
            last = rows[-1][0]
    finally:
        conn.close()


def file_lasts(path: str, table: str, share: tuple[int, int] | None = None) -> list[tuple[str, int, str | None]]:
    """(aggregate id, last version, the topic of its version 1, None without one) of every aggregate of more
    than one event in the SQLite file at `path` (of `share`'s aggregates: file_rows), in one query SQLite
    answers from the table's key: what a pass over every row would learn, without the pass."""
    where, args = _share_clause(share)
    conn = _read_only(path)
    try:
        return conn.execute(f"SELECT m.originator_id, m.last, e.topic FROM (SELECT originator_id, "  # noqa: S608
                            f"MAX(originator_version) AS last FROM {table} WHERE 1 = 1{where} GROUP BY originator_id "
                            f"HAVING MAX(originator_version) > 1) m LEFT JOIN {table} e ON e.originator_id = "
                            "m.originator_id AND e.originator_version = 1", args).fetchall()
    finally:
        conn.close()


def _read_only(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _share_clause(share: tuple[int, int] | None) -> tuple[str, tuple[str, ...]]:
    """The condition that keeps share i of n: ids ending in a hex digit d with int(d, 16) % n == i; share 0
    also keeps an id ending otherwise (none does: the ids are UUIDs), so no row falls between the shares."""
    if share is None or share[0] <= 1:
        return "", ()
    n, i = share
    last = "lower(substr(originator_id, -1))"
    if i == 0:  # not another share's digit
        return f" AND instr(?, {last}) = 0", ("".join(d for d in "0123456789abcdef" if int(d, 16) % n),)
    return f" AND instr(?, {last}) > 0", ("".join(d for d in "0123456789abcdef" if int(d, 16) % n == i),)


def _sqlite_rows(recorder: SQLiteApplicationRecorder, page: int) -> Iterator[StoredEvent]:
    statement = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
                 "WHERE rowid > ? ORDER BY rowid LIMIT ?")
    last = 0
    while True:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(statement, (last, page))
            rows = c.fetchall()
        for row in rows:
            yield StoredEvent(row[0], row[1], row[2], row[3], row[4])
        if len(rows) < page:
            return
        last = rows[-1][0]

"""An index of the few event kinds the ledger lists by kind (keys, credentials, requests, authority
tables, pickup notices), kept in each save's own transaction by a recorder writer (ledger.recorders).

The library lists events of given topics by reading the whole events table (`select_notifications(topics=…)`
has no index on the topic): on a 1,000,000-certificate store, listing the signing keys for `prove-batch`
or the loaded authority tables when the ledger opens read a million rows to find a handful.

Tables, beside the library's events table:
- `event_topics (topic, notification_id)`: one row per stored event of an indexed topic;
- `event_topics_kept (topic)`: the topics whose rows are complete (written since the store began, or
  brought in by a scan of the events when the table was made or the topic added).

A listing reads the index only when every topic it asks for is kept; otherwise (the in-memory store, a
store opened where it may not create tables, a topic added since) it reads the events as the library does.
`audit rebuild-views` (and any opening that may create tables) makes the tables and fills them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent

from ledger.sql_connect import connector, held_against_writers

TABLE = "event_topics"
KEPT = "event_topics_kept"
PAGE = 1000


def _ddl() -> list[str]:
    return [f"CREATE TABLE IF NOT EXISTS {TABLE} (topic TEXT NOT NULL, notification_id BIGINT NOT NULL, "
            f"PRIMARY KEY (topic, notification_id))",
            f"CREATE TABLE IF NOT EXISTS {KEPT} (topic TEXT PRIMARY KEY)"]


class TopicIndex:
    """The writer that keeps the index, and the reader that lists by it."""

    def __init__(self, env: Mapping[str, str], topics: Iterable[str]) -> None:
        self.topics = frozenset(topics)
        self._connector = connector(env)
        self._env = env
        self.kept: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ keeping
    def write_in_transaction(self, tx: Any, stored: Sequence[StoredEvent], ids: Sequence[int]) -> None:
        if tx is None:
            return
        rows = [(s.topic, i) for s, i in zip(stored, ids, strict=True) if s.topic in self.topics]
        if rows:
            tx.executemany(f"INSERT INTO {TABLE} (topic, notification_id) VALUES (?, ?)", rows)

    def prepare(self, recorder: Any, may_create: bool) -> bool:
        """Whether the index is kept by this store (then this object is its writer): the tables there, and
        filled for any indexed topic not yet kept where this process may create tables."""
        if self._connector is None:
            return False
        connect, p, _blob, errors = self._connector
        conn = connect()
        try:
            try:
                kept = {row[0] for row in _fetch(conn, f"SELECT topic FROM {KEPT}")}
            except errors:
                conn.rollback()
                if not may_create:
                    return False
                kept = set()
            missing = self.topics - kept
            if missing and may_create:
                self._fill(conn, p, recorder, sorted(missing))
                kept |= missing
        finally:
            conn.close()
        self.kept = frozenset(kept)
        return True

    def _fill(self, conn: Any, p: str, recorder: Any, topics: list[str]) -> None:
        """Make the tables and index the stored events of `topics`, in one transaction that holds the events
        table against writers (a save in between would be missed)."""
        cur = held_against_writers(conn, p, recorder.events_table_name, _ddl())
        cur.execute(f"DELETE FROM {TABLE} WHERE topic IN ({', '.join([p] * len(topics))})", topics)
        start: int | None = None
        while True:
            page = recorder.select_notifications(start=start, limit=PAGE * 10, topics=topics)
            cur.executemany(f"INSERT INTO {TABLE} (topic, notification_id) VALUES ({p}, {p})",
                            [(n.topic, n.id) for n in page])
            if len(page) < PAGE * 10:
                break
            start = page[-1].id + 1
        cur.executemany(f"INSERT INTO {KEPT} (topic) VALUES ({p}) ON CONFLICT DO NOTHING", [(t,) for t in topics])
        conn.commit()

    # ------------------------------------------------------------------ listing
    def covers(self, topics: Sequence[str]) -> bool:
        return bool(topics) and set(topics) <= self.kept

    def notifications(self, recorder: Any, topics: Sequence[str]) -> Iterator[Notification]:
        """Every stored event of these (kept) topics, oldest first, by the index."""
        assert self._connector is not None and self.covers(topics)
        connect, p, _blob, _errors = self._connector
        marks = ", ".join([p] * len(topics))
        id_column = "rowid" if p == "?" else "notification_id"
        statement = (f"SELECT e.{id_column}, e.originator_id, e.originator_version, e.topic, e.state "
                     f"FROM {TABLE} t JOIN {recorder.events_table_name} e ON e.{id_column} = t.notification_id "
                     f"WHERE t.topic IN ({marks}) AND t.notification_id > {p} ORDER BY t.notification_id LIMIT {PAGE}")
        convert: Callable[[Any], Any] = getattr(recorder, "convert_originator_id", lambda v: v)
        conn = connect()
        try:
            after = 0
            while True:
                rows = _fetch(conn, statement, [*topics, after])
                yield from (Notification(id=r[0], originator_id=convert(r[1]), originator_version=r[2], topic=r[3],
                                         state=bytes(r[4])) for r in rows)
                if len(rows) < PAGE:
                    return
                after = rows[-1][0]
        finally:
            conn.close()


def _fetch(conn: Any, statement: str, params: Sequence[Any] = ()) -> list[Any]:
    cur = conn.cursor()
    cur.execute(statement, params)
    rows = cur.fetchall()
    conn.commit()  # a read leaves no transaction open (PostgreSQL would hold a snapshot)
    return list(rows)

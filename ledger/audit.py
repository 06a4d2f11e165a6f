"""The auditor's replay: recompute every leaf from the stored events, compare with the log,
recompute the tree at every signed checkpoint, and name the first divergence.

It trusts nothing in the database: not the events, not the log's stored hashes, not the
checkpoints, only the keys that verify checkpoint signatures (from the trust list).
Checkpoints are mutually consistent when each one's root is recomputed from the same leaf
sequence: that proves every earlier tree is a prefix of every later one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.merkle import Frontier, leaf_hash
from ledger.translog import Checkpoint, record_bytes

VerifySignature = Callable[[str, bytes, bytes], bool]  # (key id, body, signature) -> valid


class StoredEvent(NamedTuple):
    """One row as the event store holds it, in notification order (a tuple: a million are made per audit)."""

    notification_id: int
    originator_id: Any  # a UUID, or its text as the SQLite table holds it
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class Divergence:
    position: int | None
    notification_id: int | None
    aggregate: str | None
    event_type: str | None
    problem: str

    def describe(self) -> str:
        where = f"position {self.position}" if self.position is not None else "the log"
        if self.notification_id is not None:
            where += f" (notification {self.notification_id})"
        what = f", {self.event_type} of {self.aggregate}" if self.aggregate else ""
        return f"{where}{what}: {self.problem}"


@dataclass(frozen=True)
class AuditReport:
    events: int
    leaves: int
    checkpoints: int
    divergences: tuple[Divergence, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.divergences

    @property
    def first(self) -> Divergence | None:
        return self.divergences[0] if self.divergences else None

    def summary(self) -> str:
        if self.ok:
            return (f"intact: {self.events} events, {self.leaves} log leaves, {self.checkpoints} signed "
                    "checkpoints verified and mutually consistent")
        first = self.first
        assert first is not None
        return f"DIVERGENCE at {first.describe()} ({len(self.divergences)} problem(s) in all)"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "leaves": self.leaves, "checkpoints": self.checkpoints,
                "summary": self.summary(), "divergences": [d.__dict__ | {"description": d.describe()}
                                                          for d in self.divergences]}


def _short(topic: str) -> str:
    return topic.rsplit(":", 1)[-1]


def audit(events: Iterable[StoredEvent], logged: Callable[[int, int], Sequence[tuple[int, bytes]]],
          log_size: int, checkpoints: Sequence[Checkpoint], verify_signature: VerifySignature,
          progress: Callable[[int], None] | None = None, max_problems: int = 100,
          saves: Any = None) -> AuditReport:
    """Replay `events`; `logged(start, end)` gives the log's stored (notification id, leaf hash) rows.

    Events and leaves are matched by notification id, so a row that no save wrote (inserted straight
    into the events table: it has no leaf) and a logged event that is gone are each named once, at their
    place, and every later event is still compared with its own leaf."""
    problems: list[Divergence] = []

    def note(d: Divergence) -> None:
        if len(problems) < max_problems:
            problems.append(d)

    replay = _Replay(logged, _verified_checkpoints(checkpoints, verify_signature, note), note)
    if saves is not None:  # the signed saves' audit (ledger.audit_saves), in the same pass
        saves.start(note)
    count = 0
    for e in events:
        replay.event(e)
        if saves is not None:
            saves.event(e, count, replay.record)
        count += 1
        if progress is not None and count % 10000 == 0:
            progress(10000)
    if saves is not None:
        saves.finish()
    _note_missing_tail(replay.position, count, log_size, replay.by_size, note)
    return AuditReport(count, log_size, len(replay.by_size), tuple(problems))


class _Replay:
    """The log's leaves walked beside the stored events, the tree rebuilt from recomputed leaf hashes."""

    def __init__(self, logged: Callable[[int, int], Sequence[tuple[int, bytes]]], by_size: Mapping[int, Checkpoint],
                 note: Callable[[Divergence], None]) -> None:
        self._logged, self.by_size, self._note = logged, by_size, note
        self._frontier = Frontier()
        self._window: Sequence[tuple[int, bytes]] = ()
        self._window_start = self._window_end = 0
        self.position = 0  # the next leaf

    def _leaf(self) -> tuple[int, bytes] | None:
        if self.position >= self._window_end:
            self._window_start, self._window = self.position, self._logged(self.position, self.position + 5000)
            self._window_end = self._window_start + len(self._window)
        return self._window[self.position - self._window_start] if self.position < self._window_end else None

    def event(self, e: StoredEvent) -> None:
        self.record: bytes | None = None  # the row's record bytes, when hashed (the save audit reuses them)
        leaf = self._leaf()
        while leaf is not None and leaf[0] < e.notification_id:  # logged, but the store no longer has it
            self._note(Divergence(self.position, leaf[0], None, None,
                                  f"the log has notification {leaf[0]} here but the store has no such event: it was "
                                  "deleted (deleted or inserted rows are named one by one)"))
            self._append(leaf[1], e)
            leaf = self._leaf()
        if leaf is None or leaf[0] > e.notification_id:
            self._note(self._at(e, "the event is not in the log: no save wrote it (a row inserted straight into the "
                                   "events table); it is left out of the tree"))
            return
        h = self._hash(e)
        if leaf[1] != h:
            self._note(self._at(e, "the stored event differs from the one the log recorded"))
        self._append(h, e)

    def _hash(self, e: StoredEvent) -> bytes:
        try:
            self.record = record_bytes(e.originator_id, e.version, e.topic, e.state)
            return leaf_hash(self.record)
        except (ValueError, TypeError):
            self._note(self._at(e, "the stored row is malformed (its aggregate id is no UUID)"))
            return leaf_hash(repr(tuple(e)).encode())  # not a record the library could have written

    def _at(self, e: StoredEvent, problem: str) -> Divergence:
        return Divergence(self.position, e.notification_id, str(e.originator_id), _short(str(e.topic)), problem)

    def _append(self, h: bytes, e: StoredEvent) -> None:
        self._frontier.append(h)
        self.position += 1
        pinned = self.by_size.get(self.position)
        if pinned is not None and self._frontier.root() != pinned.root:
            self._note(Divergence(self.position - 1, e.notification_id, str(e.originator_id), _short(str(e.topic)),
                                  f"the tree of the first {pinned.size} events does not match the checkpoint signed "
                                  f"at {pinned.at.isoformat()}: history up to here was rewritten"))


def _verified_checkpoints(checkpoints: Sequence[Checkpoint], verify_signature: VerifySignature,
                          note: Callable[[Divergence], None]) -> dict[int, Checkpoint]:
    """The checkpoints whose signature verifies, by tree size; each other one is a divergence."""
    by_size: dict[int, Checkpoint] = {}
    for cp in checkpoints:
        if not verify_signature(cp.key_id, cp.body, cp.signature):
            note(Divergence(None, None, None, None,
                            f"checkpoint at size {cp.size} ({cp.at.isoformat()}): signature by key {cp.key_id} "
                            "does not verify (forged or altered checkpoint)"))
        else:
            by_size[cp.size] = cp
    return by_size


def _note_missing_tail(position: int, count: int, log_size: int, by_size: Mapping[int, Checkpoint],
                       note: Callable[[Divergence], None]) -> None:
    """After the last stored event: log leaves or checkpoints beyond it mean events were removed."""
    if log_size > position:
        note(Divergence(position, None, None, None,
                        f"the log has {log_size} leaves but the store only {count} events: events from position "
                        f"{position} on were deleted or truncated"))
    for size in sorted(s for s in by_size if s > position):
        note(Divergence(position, None, None, None,
                        f"a checkpoint covers {size} events but the store has only {count}"))


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

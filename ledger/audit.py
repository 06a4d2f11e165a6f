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
          progress: Callable[[int], None] | None = None, max_problems: int = 100) -> AuditReport:
    """Replay `events`; `logged(start, end)` gives the log's stored (notification id, leaf hash) rows."""
    problems: list[Divergence] = []

    def note(d: Divergence) -> None:
        if len(problems) < max_problems:
            problems.append(d)

    by_size = _verified_checkpoints(checkpoints, verify_signature, note)
    frontier = Frontier()
    append = frontier.append  # the loop runs a million times: names bound once
    window: Sequence[tuple[int, bytes]] = ()
    window_start = window_end = 0
    count = 0
    for e in events:
        notification_id, originator_id, version, topic, state = e
        position = count
        if position >= window_end:
            window_start, window = position, logged(position, position + 5000)
            window_end = window_start + len(window)
        try:
            h = leaf_hash(record_bytes(originator_id, version, topic, state))
        except (ValueError, TypeError):
            h = leaf_hash(repr(tuple(e)).encode())  # not a record the library could have written
            note(Divergence(position, notification_id, str(originator_id), _short(str(topic)),
                            "the stored row is malformed (its aggregate id is no UUID)"))
        if position < window_end:
            nid, stored = window[position - window_start]
            if nid != notification_id:
                note(Divergence(position, notification_id, str(originator_id), _short(topic),
                                f"the log has notification {nid} here: an event was deleted or inserted"))
            elif stored != h:
                note(Divergence(position, notification_id, str(originator_id), _short(topic),
                                "the stored event differs from the one the log recorded"))
        else:
            note(Divergence(position, notification_id, str(originator_id), _short(topic),
                            "the event is not in the log (inserted after the fact, or never logged)"))
        append(h)
        count += 1
        pinned = by_size.get(count)
        if pinned is not None and frontier.root() != pinned.root:
            note(Divergence(position, notification_id, str(originator_id), _short(topic),
                            f"the tree of the first {pinned.size} events does not match the checkpoint signed at "
                            f"{pinned.at.isoformat()}: history up to here was rewritten"))
        if progress is not None and count % 10000 == 0:
            progress(10000)
    _note_missing_tail(count, log_size, by_size, note)
    return AuditReport(count, log_size, len(by_size), tuple(problems))


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


def _note_missing_tail(count: int, log_size: int, by_size: Mapping[int, Checkpoint],
                       note: Callable[[Divergence], None]) -> None:
    """After `count` stored events: log leaves or checkpoints beyond them mean events were removed."""
    if log_size > count:
        note(Divergence(count, None, None, None,
                        f"the log has {log_size} leaves but the store only {count} events: events from position "
                        f"{count} on were deleted or truncated"))
    for size in sorted(s for s in by_size if s > count):
        note(Divergence(count, None, None, None,
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

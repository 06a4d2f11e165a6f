"""The auditor's replay: recompute every leaf from the stored events, compare with the log,
recompute the tree at every signed checkpoint, and name the first divergence.

It trusts nothing in the database: not the events, not the log's stored hashes, not the
checkpoints, only the keys that verify checkpoint signatures (the log key for C2SP notes, the
trust list for legacy checkpoints) and the anchors it is given from outside the database (the
checkpoint history file, checkpoints an auditor or a witness kept). Checkpoints are mutually
consistent when each one's root is recomputed from the same leaf sequence: that proves every
earlier tree is a prefix of every later one. Someone who can write the database can rewrite
events, recompute the log and delete the stored checkpoints; an anchor kept elsewhere still pins
the old root, and an anchor that must be stored (a history entry) names the deleted checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.audit_repairs import BroughtIn, _Repaired
from ledger.audit_rows import StoredEvent, events_from_recorder, file_rows
from ledger.leaves import NIL, header_leaf, header_record, record_bytes, state_digest, uuid_bytes
from ledger.log_repair import RepairRecord
from ledger.merkle import Frontier, leaf_hash
from ledger.translog import Checkpoint

VerifySignature = Callable[[str, bytes, bytes], bool]  # legacy: (key id, body, signature) -> valid
VerifyNote = Callable[[Checkpoint], bool]  # a C2SP checkpoint: the log key signed its note, of its size and root


@dataclass(frozen=True)
class Anchor:
    """A tree head known from outside the database: the store must extend it (and hold it, when `stored`)."""

    size: int
    root: bytes
    source: str  # where it came from, as the divergence names it: "checkpoint history line 3", a file
    stored: bool = False  # a history entry: the store took this checkpoint, so it must still hold it


@dataclass(frozen=True)
class Divergence:
    position: int | None
    notification_id: int | None
    aggregate: str | None
    event_type: str | None
    problem: str
    # A tree that does not match a checkpoint: the rewrite lies at or after this position (the last tree
    # that matched), and before `position` + 1; `located` names the event.
    rewritten_from: int | None = None
    start: tuple[int | None, str | None, str | None] | None = None  # the event at rewritten_from (nid, aggregate, type)

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
    legacy: int = 0  # of the checkpoints, those of the earlier format (verified with the trust list)
    anchors: int = 0  # tree heads from outside the database the store was checked against
    brought_in: tuple[BroughtIn, ...] = field(default_factory=tuple)
    saves: int | None = None  # the save signatures checked (None: the saves were not audited)

    @property
    def ok(self) -> bool:
        return not self.divergences

    @property
    def first(self) -> Divergence | None:
        return self.divergences[0] if self.divergences else None

    def summary(self) -> str:
        if self.ok:
            legacy = f" ({self.legacy} legacy)" if self.legacy else ""
            repaired = (f"; {len(self.brought_in)} row(s) no save wrote, brought in by "
                        + ", ".join(sorted({b.repair.describe() for b in self.brought_in})) if self.brought_in else "")
            return (f"intact: {self.events} events, {self.leaves} log leaves, {self.checkpoints} signed "
                    f"checkpoints{legacy} verified and mutually consistent; consistent with {self.anchors} "
                    f"checkpoints kept outside the database{repaired}"
                    + (f"; {self.saves} saves signed by credentials chaining to the root, each event within its "
                       "office's authority" if self.saves is not None else ""))
        first = self.first
        assert first is not None
        return f"DIVERGENCE at {first.describe()} ({len(self.divergences)} problem(s) in all)"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "leaves": self.leaves, "checkpoints": self.checkpoints,
                "legacy_checkpoints": self.legacy, "anchors": self.anchors, "saves": self.saves,
                "summary": self.summary(),
                "divergences": [d.__dict__ | {"description": d.describe()} for d in self.divergences],
                "brought_in": [{"position": b.position, "notification_id": b.notification_id,
                                "aggregate": b.aggregate, "event_type": b.event_type,
                                "repair": b.repair.to_dict(), "description": b.describe()} for b in self.brought_in]}


def _short(topic: str) -> str:
    return topic.rsplit(":", 1)[-1]


Logged = Callable[[int, int], Sequence[tuple[int, bytes, bytes | None]]]  # (notification id, hash, salt)


def audit(events: Iterable[StoredEvent], logged: Logged,
          log_size: int, checkpoints: Sequence[Checkpoint], verify_signature: VerifySignature,
          progress: Callable[[int], None] | None = None, max_problems: int = 100, *,
          verify_note: VerifyNote | None = None, anchors: Sequence[Anchor] = (),
          repairs: Sequence[RepairRecord] = (), saves: Any = None, locate: bool = True) -> AuditReport:
    """Replay `events`; `logged(start, end)` gives the log's stored (notification id, leaf hash, salt) rows.

    Each leaf is recomputed by its scheme (ledger.leaves): with a salt, the header and the salted state digest
    (scheme 2); without, the exact stored record (scheme 1, the leaves of stores written before scheme 2).

    Events and leaves are matched by notification id, so a row that no save wrote (inserted straight
    into the events table: it has no leaf) and a logged event that is gone are each named once, at their
    place, and every later event is still compared with its own leaf. The tree is checked at every
    verified stored checkpoint and at every anchor. A row a recorded repair names (`repairs`) is instead
    looked for among the leaves just after that repair's own event, where `audit repair` appended it, and
    the repair's SHA-256 over the rows is checked. A tree that does not match a checkpoint is named at the
    first event it can come from (`located`; `locate=False` leaves that to whoever merges more divergences)."""
    problems: list[Divergence] = []

    def note(d: Divergence) -> None:
        if len(problems) < max_problems:
            problems.append(d)

    by_size = _verified_checkpoints(checkpoints, verify_signature, verify_note, note)
    _note_unstored_anchors(anchors, by_size, note)
    replay = _Replay(logged, _pins(by_size, anchors), note)
    repaired = _Repaired(repairs, note) if repairs else None
    replay.repaired = repaired
    replay.want_record = saves is not None
    if saves is not None:  # the signed saves' audit (ledger.audit_saves), in the same pass
        saves.start(note)
    count = _pass(events, replay, saves, progress)
    if repaired is not None:
        replay.drain()  # the leaves of rows the last save (a repair) brought in
        repaired.finish()
    if saves is not None:
        saves.finish()
    _note_missing_tail(replay.position, count, log_size, replay.pins, note)
    if locate:
        problems[:] = located(problems)
    problems.sort(key=lambda d: -1 if d.position is None else d.position)
    legacy = sum(1 for cp in by_size.values() if cp.legacy)
    return AuditReport(count, log_size, len(by_size), tuple(problems), legacy, len(anchors),
                       tuple(repaired.brought) if repaired is not None else ())


def _pass(events: Iterable[StoredEvent], replay: _Replay, saves: Any,
          progress: Callable[[int], None] | None) -> int:
    """The one pass over the stored rows: each replayed against the log and, with `saves`, its save checked
    (reusing the record bytes the replay made); returns how many rows there were."""
    count = 0
    for e in events:
        replay.event(e)
        if saves is not None:
            saves.event(e, count, replay.record)
        count += 1
        if progress is not None and count % 10000 == 0:
            progress(10000)
    return count


Pin = tuple[bytes, str]  # a root the tree must have at some size, and whose it is (for the divergence)


def _pins(by_size: Mapping[int, Checkpoint], anchors: Sequence[Anchor]) -> dict[int, list[Pin]]:
    pins: dict[int, list[Pin]] = {}
    for size, cp in by_size.items():
        pins.setdefault(size, []).append((cp.root, f"the checkpoint signed at {cp.at.isoformat()}"))
    for a in anchors:
        pins.setdefault(a.size, []).append((a.root, a.source))
    return pins


def _note_unstored_anchors(anchors: Sequence[Anchor], by_size: Mapping[int, Checkpoint],
                           note: Callable[[Divergence], None]) -> None:
    """An anchor the store once held (a history entry) that it no longer holds: checkpoints were deleted."""
    for a in anchors:
        stored = by_size.get(a.size)
        if a.stored and (stored is None or stored.root != a.root):
            what = "holds no verified checkpoint" if stored is None else "holds another root"
            note(Divergence(None, None, None, None,
                            f"{a.source}: the store {what} of {a.size} events: its signed checkpoints were deleted "
                            "or replaced (the history outside the database has them)"))


class _Replay:
    """The log's leaves walked beside the stored events, the tree rebuilt from recomputed leaf hashes."""

    def __init__(self, logged: Logged, pins: Mapping[int, list[Pin]],
                 note: Callable[[Divergence], None]) -> None:
        self._logged, self.pins, self._note = logged, pins, note
        self._frontier = Frontier()
        self._window: Sequence[tuple[int, bytes, bytes | None]] = ()
        self._window_start = self._window_end = 0
        self.position = 0  # the next leaf
        self.repaired: _Repaired | None = None
        self.want_record = True  # the save audit, in this pass, reuses each row's record bytes
        self._matched = 0  # the size of the last tree that matched every pin of its size
        self._first_after: dict[int, Divergence] = {}  # that size -> the event just after it (a rewrite's start)

    def _leaf(self) -> tuple[int, bytes, bytes | None] | None:
        if self.position >= self._window_end:
            self._window_start, self._window = self.position, self._logged(self.position, self.position + 5000)
            self._window_end = self._window_start + len(self._window)
        return self._window[self.position - self._window_start] if self.position < self._window_end else None

    def event(self, e: StoredEvent) -> None:
        self.record: bytes | None = None  # the row's record bytes, when hashed (the save audit reuses them)
        leaf = self._earlier_leaves(e.notification_id, e)
        if leaf is None or leaf[0] > e.notification_id:
            if self.repaired is not None and self.repaired.stash(e, self.position, self._leaf_of):
                return  # a repair names it: its leaf comes after the repair's own event
            self._note(self._at(e, "the event is not in the log: no save wrote it (a row inserted straight into the "
                                   "events table); it is left out of the tree"))
            return
        h, self.record = self._hash(e, leaf[2])
        if leaf[1] != h:
            self._note(self._at(e, "the stored event differs from the one the log recorded"))
        if self.repaired is not None:
            self.repaired.seen(e, self.position)
        self._append(h, e)

    def drain(self) -> None:
        """After the last event: leaves still ahead are rows a repair brought in (or deleted events)."""
        self._earlier_leaves(None, None)

    def _earlier_leaves(self, notification_id: int | None,
                        e: StoredEvent | None) -> tuple[int, bytes, bytes | None] | None:
        """Walk the leaves of notifications before `notification_id` (all, for None): rows a repair brought
        in, or events the store no longer has."""
        leaf = self._leaf()
        while leaf is not None and (notification_id is None or leaf[0] < notification_id):
            brought = self.repaired.take(leaf, self.position) if self.repaired is not None else None
            if brought is not None:
                self._append(brought, e)
            else:  # logged, but the store no longer has it
                self._note(Divergence(self.position, leaf[0], None, None,
                                      f"the log has notification {leaf[0]} here but the store has no such event: it "
                                      "was deleted (deleted or inserted rows are named one by one)"))
                self._append(leaf[1], e)
            leaf = self._leaf()
        return leaf

    def _leaf_of(self, e: StoredEvent, salt: bytes | None) -> bytes:
        return self._hash(e, salt)[0]

    def _hash(self, e: StoredEvent, salt: bytes | None) -> tuple[bytes, bytes | None]:
        """The leaf of a stored row by its leaf's scheme (the salted header: 2; the record: 1), and the row's
        record bytes (the save audit reuses them; None for a malformed row)."""
        try:
            if salt is not None and not self.want_record:  # the saves are checked elsewhere: the leaf alone
                return header_leaf(e.notification_id, e.originator_id, e.version, e.topic, e.state, salt), None
            record = record_bytes(e.originator_id, e.version, e.topic, e.state)
            if salt is not None:
                return leaf_hash(header_record(e.notification_id, e.originator_id, e.version, str(e.topic),
                                               state_digest(salt, e.state))), record
            if uuid_bytes(e.originator_id) == NIL:  # no aggregate's id: a row forged to read as a scheme-2 record
                raise ValueError("the nil UUID")
            return leaf_hash(record), record
        except (ValueError, TypeError):
            self._note(self._at(e, "the stored row is malformed (its aggregate id is no UUID)"))
            return leaf_hash(repr(tuple(e)).encode()), None  # not a record the library could have written

    def _at(self, e: StoredEvent, problem: str) -> Divergence:
        return Divergence(self.position, e.notification_id, str(e.originator_id), _short(str(e.topic)), problem)

    def _append(self, h: bytes, e: StoredEvent | None) -> None:
        if self.position == self._matched and e is not None:
            self._first_after[self._matched] = self._at(e, "")
        self._frontier.append(h)
        self.position += 1
        pinned = self.pins.get(self.position)
        if pinned is None:
            return
        root = self._frontier.root()
        wrong = [whose for expected, whose in pinned if root != expected]
        first = self._first_after.get(self._matched)
        start = None if first is None else (first.notification_id, first.aggregate, first.event_type)
        for whose in wrong:
            self._note(Divergence(self.position - 1, e.notification_id if e else None,
                                  str(e.originator_id) if e else None, _short(str(e.topic)) if e else None,
                                  f"the tree of the first {self.position} events does not match {whose}: "
                                  "history up to here was rewritten", rewritten_from=self._matched, start=start))
        if not wrong:
            self._matched = self.position


def located(problems: Sequence[Divergence]) -> list[Divergence]:
    """Each tree that does not match a checkpoint, named at the first event it can come from instead of at the
    checkpoint's end: the first event in its range that another check names (an edited row, a save whose
    signature fails, a deleted or inserted row), else the first event after the last tree that matched.
    The root alone cannot tell which of those events changed: the save signatures do."""
    out: list[Divergence] = []
    for d in problems:
        if d.rewritten_from is None or d.position is None:
            out.append(d)
            continue
        lo, hi = d.rewritten_from, d.position
        first_nid = d.start[0] if d.start is not None else None
        named = [p for p in problems if p.rewritten_from is None and p.notification_id is not None and (
            lo <= p.position <= hi if p.position is not None  # an event's own problem, or its save's (no place)
            else first_nid is not None and d.notification_id is not None
            and first_nid <= p.notification_id <= d.notification_id)]
        if named:
            c = min(named, key=lambda p: (p.notification_id, p.position is None))
            out.append(Divergence(c.position, c.notification_id, c.aggregate, c.event_type,
                                  f"{d.problem}: the first event in it that differs is this one ({c.problem})",
                                  rewritten_from=None))
            continue
        nid, aggregate, event_type = d.start or (None, None, None)
        where = f"at or after position {lo}" + (f", the first event after the tree of {lo} events that matched"
                                                 if lo else "")
        out.append(Divergence(lo, nid, aggregate, event_type,
                              f"{d.problem} (checkpoint of {hi + 1} events): the change is {where} and before "
                              f"position {hi + 1}; the stored rows match their leaves, so the log was recomputed "
                              "over them: their save signatures name the row", rewritten_from=None))
    return out


def _verified_checkpoints(checkpoints: Sequence[Checkpoint], verify_signature: VerifySignature,
                          verify_note: VerifyNote | None, note: Callable[[Divergence], None]) -> dict[int, Checkpoint]:
    """The checkpoints whose signature verifies, by tree size; each other one is a divergence.

    A C2SP note is verified with the log key (`verify_note`); a legacy checkpoint with the trust list."""
    by_size: dict[int, Checkpoint] = {}
    for cp in checkpoints:
        if cp.legacy:
            ok, what = verify_signature(cp.key_id, cp.body, cp.signature), "legacy format"
        else:
            ok, what = verify_note is not None and verify_note(cp), "signed note"
        if not ok:
            why = "no log key was given to verify it" if not cp.legacy and verify_note is None else (
                "forged or altered checkpoint")
            note(Divergence(None, None, None, None,
                            f"checkpoint at size {cp.size} ({what}, {cp.at.isoformat()}): signature by key "
                            f"{cp.key_id} does not verify ({why})"))
        else:
            by_size[cp.size] = cp
    return by_size


def _note_missing_tail(position: int, count: int, log_size: int, pins: Mapping[int, list[Pin]],
                       note: Callable[[Divergence], None]) -> None:
    """After the last stored event: log leaves or checkpoints beyond it mean events were removed."""
    if log_size > position:
        note(Divergence(position, None, None, None,
                        f"the log has {log_size} leaves but the store only {count} events: events from position "
                        f"{position} on were deleted or truncated"))
    for size in sorted(s for s in pins if s > position):
        for _, whose in pins[size]:
            note(Divergence(position, None, None, None,
                            f"a checkpoint covers {size} events but the store has only {count} ({whose}): events "
                            "were removed"))


__all__ = ["Anchor", "AuditReport", "Divergence", "StoredEvent", "audit", "events_from_recorder", "file_rows",
           "located"]

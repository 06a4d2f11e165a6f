"""The audit's view of recorded log repairs (ledger.log_repair): rows no save wrote that a repair brought in.

`audit repair` appends the leaves of the rows it brings in right after its own event, in its save. So a row
a repair names is set aside when the replay meets it without a leaf, and taken in when its leaf comes; at the
end each repair is held to what it recorded: every row it names was brought in, at the positions right
after its own event, and the SHA-256 over their stored records is the one it recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.log_repair import LOG_REPAIR_ID, RepairRecord, rows_digest
from ledger.translog import record_bytes

LeafOf = Callable[[Any, "bytes | None"], bytes]  # (stored row, its leaf's salt) -> the leaf hash


@dataclass(frozen=True)
class BroughtIn:
    """A row no save wrote, brought into the log by a recorded `audit repair`."""

    position: int
    notification_id: int
    aggregate: str
    event_type: str
    repair: RepairRecord

    def describe(self) -> str:
        return (f"position {self.position} (notification {self.notification_id}), {self.event_type} of "
                f"{self.aggregate}: brought in by {self.repair.describe()}")


class _Repaired:
    def __init__(self, repairs: Sequence[RepairRecord], note: Callable[[Any], None]) -> None:
        self._repairs = list(repairs)
        self._note = note
        self._listed = {n: r for r in repairs for n in r.notification_ids}
        self._register_ids = {LOG_REPAIR_ID, LOG_REPAIR_ID.hex, str(LOG_REPAIR_ID)}
        self._stash: dict[int, tuple[Any, int, LeafOf]] = {}  # nid -> (event, position met, its leaf by salt)
        self._records: dict[int, bytes] = {}
        self._positions: dict[int, int] = {}  # a brought-in row's leaf position
        self._own: dict[int, int] = {}  # repair number -> its own event's leaf position
        self.brought: list[BroughtIn] = []

    def stash(self, e: Any, position: int, leaf_of: LeafOf) -> bool:
        """A row without a leaf where it stands: set aside if a repair names it (`leaf_of(e, salt)` gives its
        leaf hash once its leaf, and so its scheme and salt, is met)."""
        if e.notification_id not in self._listed:
            return False
        self._stash[e.notification_id] = (e, position, leaf_of)
        self._records[e.notification_id] = record_bytes(e.originator_id, e.version, e.topic, bytes(e.state))
        return True

    def seen(self, e: Any, position: int) -> None:
        """A logged event in its place: remember where each repair's own event is."""
        if e.originator_id in self._register_ids:
            self._own[e.version - 1] = position

    def take(self, leaf: tuple[int, bytes, bytes | None], position: int) -> bytes | None:
        """A leaf of an earlier notification: the hash to append if it is a row set aside, else None."""
        held = self._stash.pop(leaf[0], None)
        if held is None:
            return None
        e, _, leaf_of = held
        h = leaf_of(e, leaf[2])
        from ledger.audit import Divergence, _short

        if leaf[1] != h:
            self._note(Divergence(position, e.notification_id, str(e.originator_id), _short(str(e.topic)),
                                  "the row brought in by a repair differs from the one its leaf recorded"))
        self._positions[e.notification_id] = position
        self.brought.append(BroughtIn(position, e.notification_id, str(e.originator_id), _short(str(e.topic)),
                                      self._listed[e.notification_id]))
        return h

    def finish(self) -> None:
        from ledger.audit import Divergence, _short

        for nid, (e, position, _) in sorted(self._stash.items()):
            self._note(Divergence(position, nid, str(e.originator_id), _short(str(e.topic)),
                                  f"the event is not in the log: no save wrote it, and "
                                  f"{self._listed[nid].describe()} names it but its leaf is not in the log"))
        for r in self._repairs:
            self._check(r)

    def _check(self, r: RepairRecord) -> None:
        from ledger.audit import Divergence

        own = self._own.get(r.number)
        if own is None:
            self._note(Divergence(None, None, None, None, f"{r.describe()}: its own event is not in the log"))
            return
        expected = list(range(own + 1, own + 1 + len(r.notification_ids)))
        if [self._positions.get(n) for n in r.notification_ids] != expected:
            self._note(Divergence(own, None, None, None, f"{r.describe()}: the rows it names are not the leaves "
                                  f"right after its own event (positions {expected[0]}-{expected[-1]})"))
            return
        if rows_digest((n, self._records[n]) for n in r.notification_ids) != r.rows_sha256:
            self._note(Divergence(own, None, None, None, f"{r.describe()}: the rows it brought in are not those it "
                                  "recorded (their SHA-256 differs)"))

"""`audit repair`: the rows of the events table that have no log leaf, and bringing them in, explicitly.

No save and no checkpoint ever absorbs such a row (ledger.recorders writes each save's leaves in its own
transaction); only `repair_log` does, in one save that records who brought which rows in and why
(ledger.log_repair). The audit then reports them as brought in by that repair.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.app_base import Actor, LedgerBase
from ledger.audit import StoredEvent, events_from_recorder
from ledger.errors import InvalidInput, RuleViolation
from ledger.log_repair import LOG_REPAIR_ID, LogRepair, RepairRecord, rows_digest
from ledger.translog import TransparencyLog, record_bytes


@dataclass(frozen=True)
class UnloggedRow:
    notification_id: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes  # as stored
    record: bytes  # ledger.translog.record_bytes of the stored row: what its leaf hashes

    def to_dict(self) -> dict[str, Any]:
        return {"notification_id": self.notification_id, "aggregate_id": self.aggregate_id,
                "version": self.version, "topic": self.topic}


class LogRepairs(LedgerBase):
    def _repair_log(self) -> TransparencyLog:
        if self.translog is None:
            raise RuleViolation("log-disabled", "the transparency log is not enabled for this ledger")
        return self.translog

    def unlogged_rows(self) -> list[UnloggedRow]:
        """Every stored row that no save logged, in notification order (one pass over events and leaves)."""
        log = self._repair_log()
        size = log.size()
        logged = {nid for start in range(0, size, 5000) for nid, _ in log.store.leaves(start, min(size, start + 5000))}
        return [_row(e) for e in events_from_recorder(self.recorder) if e.notification_id not in logged]

    def repairs(self) -> list[RepairRecord]:
        """Every recorded log repair, oldest first (read by the register's id: no scan of the events)."""
        try:
            events = list(self.events.get(LOG_REPAIR_ID))
        except AggregateNotFoundError:
            return []
        return [RepairRecord.of(e) for e in events if isinstance(e, LogRepair.RowsBroughtIn)]

    def repair_log(self, actor: Actor, reason: str, only: Sequence[int] = ()) -> RepairRecord:
        """Bring unlogged rows (all, or the notification ids `only`) into the log, in one save that records
        them (ids, a SHA-256 over their stored records, who, why) and appends their leaves after its own."""
        log = self._repair_log()
        rows = self.unlogged_rows()
        if only:
            unlogged = {r.notification_id for r in rows}
            stray = [n for n in only if n not in unlogged]
            if stray:
                raise InvalidInput("--only", f"notification {stray[0]} is not an unlogged row (see audit repair "
                                             "without --yes)")
            rows = [r for r in rows if r.notification_id in set(only)]
        if not rows:
            raise RuleViolation("nothing-to-repair", "every stored row is in the log: there is nothing to bring in")
        register = self._repair_register()
        digest = rows_digest((r.notification_id, r.record) for r in rows)
        register.bring_in([r.to_dict() for r in rows], digest, reason, actor.operator, actor.office, self.now())
        records = [(r.notification_id, r.aggregate_id, r.version, r.topic, r.state) for r in rows]
        with log.bringing_in(records):
            self._save(register)
        # The rows brought in change documents no save projected: the read model is made again from the events
        # (unless they claim a document twice: then it stays, and the audit names the document).
        with suppress(RuleViolation):
            self.rebuild_views()  # type: ignore[attr-defined]
        return self.repairs()[-1]

    def _repair_register(self) -> LogRepair:
        try:
            return self.repository.get(LOG_REPAIR_ID)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return LogRepair.start()

    def brought_in(self) -> dict[tuple[UUID, int], RepairRecord]:
        """(aggregate id, version) -> the repair that brought that event into the log."""
        return {(UUID(str(row["aggregate_id"])), int(row["version"])): r for r in self.repairs() for row in r.rows}


def _row(e: StoredEvent) -> UnloggedRow:
    state = bytes(e.state)
    return UnloggedRow(e.notification_id, str(UUID(str(e.originator_id))), e.version, e.topic, state,
                       record_bytes(e.originator_id, e.version, e.topic, state))

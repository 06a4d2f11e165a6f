"""LogRepair: the recorded act of bringing rows into the transparency log after a genuine crash.

A row in the events table without a log leaf did not come from a save (saves write their leaves in
their own transaction), so the audit names it as foreign and no later save absorbs it. If an operator
knows such rows to be genuine (a crash, a restore), `audit repair` brings them in explicitly: one save
records a `LogRepair.RowsBroughtIn` event on the ledger's one repair register (id LOG_REPAIR_ID), naming
every row it brought in, a SHA-256 over their exact stored records, who did it and why, and appends their
leaves right after its own event's, in the same transaction. The audit then reports those rows as
"brought in by repair N (who, when: why)" instead of foreign (ledger.audit_repairs).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInput
from ledger.events import NAMESPACE, Acted

ROWS_DIGEST = "sha256-v1"  # how rows_sha256 is computed (rows_digest below)


def rows_digest(records: Iterable[tuple[int, bytes]]) -> str:
    """SHA-256 over the rows as (notification id, exact stored record), each length-prefixed, in order.

    A record is ledger.translog.record_bytes(aggregate id, version, topic, stored state): what a leaf hashes."""
    h = hashlib.sha256(ROWS_DIGEST.encode() + b"\n")
    for nid, record in records:
        h.update(struct.pack(">QQ", nid, len(record)))
        h.update(record)
    return h.hexdigest()


LOG_REPAIR_ID = uuid5(NAMESPACE, "log-repair")


class LogRepair(Aggregate):
    """The ledger's one register of log repairs: repair N is its N-th RowsBroughtIn event (version N + 1).

    One aggregate, so the repairs are read by id (no scan of the events) and two repairs at once conflict."""

    class Started(Aggregate.Created):
        pass

    class RowsBroughtIn(Acted):
        notification_ids: list[int]
        rows: list[dict[str, Any]]  # per row: notification_id, aggregate_id, version, topic
        rows_sha256: str
        digest: str  # ROWS_DIGEST
        reason: str

    def __init__(self) -> None:
        self.repairs = 0

    @classmethod
    def start(cls) -> LogRepair:
        return cls._create(cls.Started, id=LOG_REPAIR_ID)

    def bring_in(self, rows: Sequence[dict[str, Any]], rows_sha256: str, reason: str, operator: str, office: str,
                 at: datetime) -> None:
        if not rows:
            raise InvalidInput("--only", "no unlogged rows to bring in")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not 1 <= len(reason) <= 500:
            raise InvalidInput("--reason", "required: say why these rows are genuine (1-500 characters)")
        self._brought_in(notification_ids=[int(r["notification_id"]) for r in rows], rows=[dict(r) for r in rows],
                         rows_sha256=rows_sha256, digest=ROWS_DIGEST, reason=reason, operator=operator,
                         office=office, at=at)

    @event(RowsBroughtIn)
    def _brought_in(self, notification_ids: list[int], rows: list[dict[str, Any]], rows_sha256: str, digest: str,
                    reason: str, operator: str, office: str, at: datetime) -> None:
        self.repairs += 1


@dataclass(frozen=True)
class RepairRecord:
    """A recorded repair as the audit and history read it."""

    number: int  # repair 1, 2, ...: the register's event version - 1
    notification_id: int | None  # of the repair's own event (None when the caller did not say)
    notification_ids: tuple[int, ...]
    rows: tuple[dict[str, Any], ...]
    rows_sha256: str
    operator: str
    office: str
    at: datetime
    reason: str

    @classmethod
    def of(cls, e: LogRepair.RowsBroughtIn, notification_id: int | None = None) -> RepairRecord:
        return cls(e.originator_version - 1, notification_id, tuple(int(n) for n in e.notification_ids),
                   tuple(dict(r) for r in e.rows), e.rows_sha256, e.operator, e.office, e.at, e.reason)

    def who(self) -> str:
        return f"{self.operator} @ {self.office}, {self.at.isoformat()}"

    def describe(self) -> str:
        return f"repair {self.number} ({self.who()}: {self.reason})"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RepairRecord:
        """As an audit bundle carries it (to_dict with its rows)."""
        return cls(int(d["repair"]), d.get("notification_id"), tuple(int(n) for n in d["notification_ids"]),
                   tuple(dict(r) for r in d.get("rows", ())), str(d["rows_sha256"]), str(d["operator"]),
                   str(d["office"]), datetime.fromisoformat(d["at"]), str(d["reason"]))

    def to_dict(self) -> dict[str, Any]:
        return {"repair": self.number, "notification_id": self.notification_id,
                "notification_ids": list(self.notification_ids), "rows_sha256": self.rows_sha256,
                "operator": self.operator, "office": self.office, "at": self.at.isoformat(), "reason": self.reason}

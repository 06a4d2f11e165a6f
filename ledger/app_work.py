"""The office's work list read from its index (ledger.work_index): the queue's page of requests and
uncollected pickups, most urgent first, the counts per stage, and the uncollected list.

`uncollected` answers from the index where the store keeps it, so `request overdue` and the pickup commands
read the same rows the console does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.app_base import LedgerBase, _may_create
from ledger.pickups import PickupNotice, UncollectedView
from ledger.recorders import Tx, takes_writers
from ledger.service_request import ServiceRequest
from ledger.work_index import PICKUPS, REQUESTS, WorkIndex, pickup_rows, request_row

URGENCIES = ("overdue", "today", "later", "closed")
_CHUNK = 1000


@dataclass(frozen=True)
class WorkItem:
    """A row of the queue: a service request, or a certificate on a pickup notice nobody collected in time
    (kind "pickup", stage "uncollected", number the notice's)."""

    number: str
    kind: str
    channel: str
    stage: str
    urgency: str  # overdue, today, later, closed
    applied_on: date
    due: date | None
    certificate_number: str
    applicant: str = ""
    provisional_due: bool = False
    promised: date | None = None
    legal_limit: date | None = None
    past_legal_limit: bool = False


@dataclass(frozen=True)
class WorkPage:
    items: tuple[WorkItem, ...]
    total: int  # rows matching the filters, on every page
    counts: dict[str, int]  # per stage, of every request of the office (uncollected: the pickups' rows)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class WorkList(LedgerBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = getattr(self.recorder, "events_table_name", "stored_events")
        self.work_index = WorkIndex(self.env, self.mapper.to_domain_event, table)
        self.keep_work_index(_may_create(self.env))

    # ------------------------------------------------------------------ keeping
    def keep_work_index(self, may_create: bool) -> None:
        index = self.work_index
        if takes_writers(self.recorder) and index.prepare(may_create, self._fill_work) \
                and index.write_in_transaction not in self.recorder.writers:  # type: ignore[attr-defined]
            self.recorder.add_writer(index.write_in_transaction)  # type: ignore[attr-defined]

    def _handed_over(self, number: str) -> bool:
        return any(e.handovers for e in self._editions(number))

    def _record(self, processing_event: Any) -> Any:
        aggregates = processing_event.aggregates
        collected = [n for a in aggregates.values() if isinstance(a, PickupNotice) and a.version == 1
                     for n in a.certificates if self._handed_over(n)]  # read before the save's transaction
        with self.work_index.staging(aggregates, collected):
            return super()._record(processing_event)

    def _fill_work(self, tx: Tx) -> None:
        """Every request's row and every notice's, from the events (requests and notices by the topic index)."""
        ids = self._ids_created_as(ServiceRequest.Applied)
        for start in range(0, len(ids), _CHUNK):
            tx.executemany(f"INSERT INTO {REQUESTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [request_row(self.repository.get(i), self.work_index.seal)
                            for i in ids[start:start + _CHUNK]])
        for notice_id in self._ids_created_as(PickupNotice.Published):
            tx.executemany(f"INSERT INTO {PICKUPS} VALUES (?, ?, ?, ?, ?, ?)",
                           pickup_rows(self.repository.get(notice_id), self._handed_over))

    def rebuild_views(self) -> int:
        count: int = super().rebuild_views()  # type: ignore[misc]  # ledger.app_readmodel
        if takes_writers(self.recorder):
            self.work_index.refill(self._fill_work)
            self.keep_work_index(may_create=False)
        return count

    # ------------------------------------------------------------------ reading
    def work_page(self, office: str, today: date, *, kind: str = "", channel: str = "", stage: str = "",
                  include_closed: bool = False, offset: int = 0, limit: int = 100) -> WorkPage:
        """One page of the office's queue: overdue first, then due today, then by due date; the uncollected
        pickups (all overdue) among them by their due date."""
        union, params = _union(office, today, kind, channel, stage, include_closed)
        query = self.work_index.query
        rows = query(f"{union} ORDER BY 2, 3, 4, 5, 10 LIMIT ? OFFSET ?", [*params, limit, offset])
        total = query(f"SELECT COUNT(*) FROM ({union}) AS t", params)[0][0]
        counts = dict(query(f"SELECT stage, COUNT(*) FROM {REQUESTS} WHERE office = ? GROUP BY stage", [office]))
        late = query(f"SELECT COUNT(*) FROM {PICKUPS} WHERE office = ? AND collected = 0 AND due < ?",
                     [office, today.isoformat()])[0][0]
        if late:
            counts["uncollected"] = late
        return WorkPage(tuple(self._item(r, today) for r in rows), int(total), {k: int(v) for k, v in counts.items()})

    def _item(self, r: tuple[Any, ...], today: date) -> WorkItem:
        urgency, due, since = URGENCIES[int(r[1])], _day(r[2]), date.fromisoformat(r[3])
        if r[0] == 1:
            return WorkItem(r[4], "pickup", "", "uncollected", urgency, since, due, r[9])
        shown = json.loads(self.work_index.seal.open_text(r[8]))
        legal = _day(shown["legal_limit"])
        return WorkItem(r[4], r[5], r[6], r[7], urgency, since, due, shown["certificate_number"], shown["applicant"],
                        shown["provisional"], _day(shown["promised"]), legal,
                        due is not None and legal is not None and today > legal)

    def uncollected(self, today: date | None = None) -> list[UncollectedView]:
        """Certificates on a pickup notice still not handed over after its due date, from the index where the
        store keeps it (else every notice read, ledger.pickups)."""
        if not self.work_index.kept:
            return super().uncollected(today)  # type: ignore[misc,no-any-return]
        day = (today or self.today()).isoformat()
        rows = self.work_index.query(f"SELECT notice, certificate_number, published_on, due, office FROM {PICKUPS} "
                                     "WHERE collected = 0 AND due < ? ORDER BY due, notice, certificate_number", [day])
        return [UncollectedView(r[0], r[1], date.fromisoformat(r[2]), date.fromisoformat(r[3]), r[4]) for r in rows]


def _union(office: str, today: date, kind: str, channel: str, stage: str,
           include_closed: bool) -> tuple[str, list[Any]]:
    """The SELECT of the queue's rows (requests, then uncollected pickups) and its parameters."""
    day = today.isoformat()
    parts: list[str] = []
    params: list[Any] = []
    if kind != "pickup" and stage != "uncollected":
        where, args = ["office = ?"], [office]
        for column, value in (("kind", kind), ("channel", channel), ("stage", stage)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if not stage and not include_closed:
            where.append("due IS NOT NULL")
        parts.append("SELECT 0 AS source, CASE WHEN due IS NULL THEN 3 WHEN deadline < ? THEN 0 WHEN due = ? "
                     "THEN 1 ELSE 2 END AS urgency, due, applied_on AS since, number, kind, channel, stage, payload, "
                     f"'' AS certificate FROM {REQUESTS} WHERE {' AND '.join(where)}")
        params += [day, day, *args]
    if kind in ("", "pickup") and stage in ("", "uncollected") and not channel:
        parts.append("SELECT 1, 0, due, published_on, notice, 'pickup', '', 'uncollected', NULL, certificate_number "
                     f"FROM {PICKUPS} WHERE office = ? AND collected = 0 AND due < ?")
        params += [office, day]
    if not parts:
        parts.append(f"SELECT 0, 0, due, applied_on, number, kind, channel, stage, payload, '' FROM {REQUESTS} "
                     "WHERE 1 = 0")
    return " UNION ALL ".join(parts), params

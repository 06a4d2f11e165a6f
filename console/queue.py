"""The work queue: open requests ordered by urgency (overdue, due today, then by due date), filters by kind,
channel and stage, and the count per stage (办件统计)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from ledger.views import RequestView


@dataclass(frozen=True)
class QueueRow:
    request: RequestView
    urgency: str  # overdue, today, later, closed

    @property
    def number(self) -> str:
        return self.request.number


def urgency(view: RequestView, today: date) -> str:
    if view.due is None:
        return "closed"
    if view.overdue:
        return "overdue"
    return "today" if view.due == today else "later"


_ORDER = {"overdue": 0, "today": 1, "later": 2, "closed": 3}


def work_queue(views: list[RequestView], today: date, *, kind: str = "", channel: str = "", stage: str = "",
               include_closed: bool = False) -> tuple[list[QueueRow], dict[str, int]]:
    """The rows to show and the counts per stage (of every request, before the filters)."""
    counts = Counter(v.stage for v in views)
    rows = [QueueRow(v, urgency(v, today)) for v in views
            if (not kind or v.kind == kind) and (not channel or v.channel == channel)
            and (not stage or v.stage == stage) and (include_closed or stage or v.due is not None)]
    rows.sort(key=lambda r: (_ORDER[r.urgency], r.request.due or date.max, r.request.applied_on, r.number))
    return rows, dict(counts)

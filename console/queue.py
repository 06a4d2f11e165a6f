"""The work queue: open requests and uncollected pickups ordered by urgency (overdue, due today, then by due
date), filters by kind, channel and stage, and the count per stage (办件统计).

A store that keeps the work list's index (ledger.work_index) answers a page from it; one opened without it (made
before the index, opened where tables may not be created) replays every request as before (ledger.request_index),
without the pickups, until `certledger audit rebuild-views` makes the index.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from ledger.app_work import WorkItem, WorkPage
from ledger.views import RequestView

QUEUE_PAGE = 100  # rows of the queue per page, most urgent first


def urgency(view: RequestView, today: date) -> str:
    if view.due is None:
        return "closed"
    if view.overdue:
        return "overdue"
    return "today" if view.due == today else "later"


_ORDER = {"overdue": 0, "today": 1, "later": 2, "closed": 3}


def _item(v: RequestView, today: date) -> WorkItem:
    return WorkItem(v.number, v.kind, v.channel, v.stage, urgency(v, today), v.applied_on, v.due,
                    v.certificate_number, v.applicant, v.provisional_due, v.promised, v.legal_limit,
                    v.past_legal_limit)


def work_queue(views: list[RequestView], today: date, *, kind: str = "", channel: str = "", stage: str = "",
               include_closed: bool = False) -> tuple[list[WorkItem], dict[str, int]]:
    """The rows to show and the counts per stage (of every request, before the filters), from the views."""
    counts = Counter(v.stage for v in views)
    rows = [_item(v, today) for v in views
            if (not kind or v.kind == kind) and (not channel or v.channel == channel)
            and (not stage or v.stage == stage) and (include_closed or stage or v.due is not None)]
    rows.sort(key=lambda r: (_ORDER[r.urgency], r.due or date.max, r.applied_on, r.number))
    return rows, dict(counts)


def queue_page(console: Any, ledger: Any, office: str, today: date, *, kind: str, channel: str, stage: str,
               closed: bool, page: int) -> WorkPage:
    offset = (page - 1) * QUEUE_PAGE
    if ledger.work_index.kept:
        return ledger.work_page(office, today, kind=kind, channel=channel, stage=stage,  # type: ignore[no-any-return]
                                include_closed=closed, offset=offset, limit=QUEUE_PAGE)
    views = [v for v in console.requests.views(today) if v.office == office]
    rows, counts = work_queue(views, today, kind=kind if kind != "pickup" else "\0", channel=channel,
                              stage=stage if stage != "uncollected" else "\0", include_closed=closed)
    return WorkPage(tuple(rows[offset:offset + QUEUE_PAGE]), len(rows), counts)

"""The service requests of a long-running reader (the console's work queue), kept up to date incrementally.

`RequestWorkflow.requests()` replays every request on each call: right for a one-shot command, too slow for
a page asked all day. The index loads each request once, then on each call reads only the notifications
recorded since its last one and reloads just the requests they touch (any event of a request, whatever its
class, so an event class added later is followed too). The views are projected with the day asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger.events import topics_of
from ledger.projections import request_view
from ledger.service_request import ServiceRequest
from ledger.views import RequestView


class RequestIndex:
    def __init__(self, ledger: Any) -> None:
        self._ledger = ledger
        self._requests: dict[UUID, ServiceRequest] = {}
        self._views: dict[UUID, RequestView] = {}
        self._day: date | None = None
        self._position: int | None = None

    def refresh(self) -> set[UUID]:
        """Load what was recorded since the last call (everything, the first time); the requests it touched."""
        recorder, page = self._ledger.recorder, self._ledger.notification_page
        created = set(topics_of(ServiceRequest.Applied))
        start, topics = (1, sorted(created)) if self._position is None else (self._position + 1, [])
        last = self._position or 0
        touched: set[UUID] = set()
        while True:
            notifications = recorder.select_notifications(start=start, limit=page, topics=topics)
            for n in notifications:
                originator = UUID(str(n.originator_id))
                if n.topic in created or originator in self._requests:
                    touched.add(originator)
                last = max(last, n.id)
            if len(notifications) < page:
                break
            start = notifications[-1].id + 1
        if self._position is None:  # the first load read only the Applied topics: start after the newest event
            last = max(last, recorder.max_notification_id() or 0)
        for originator in touched:
            self._requests[originator] = self._ledger.repository.get(originator)
        self._position = last
        return touched

    def views(self, today: date) -> list[RequestView]:
        """Every request as of `today` (overdue or not): only the touched ones projected again, all of them
        when the day changes."""
        touched = self.refresh()
        if today != self._day:
            self._day, touched = today, set(self._requests)
        for originator in touched:
            self._views[originator] = request_view(self._requests[originator], today)
        return list(self._views.values())

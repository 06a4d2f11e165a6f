"""Time limits per province and process, read from `data/policies.json` (seeds 000-004).

A process (say Shandong's online skill proof, seed 000 三(二)) gives each step of the workflow
(accept, review, complete, deliver) a number of working days counted from an earlier step
(applied, accepted, approved: the decision, completed), and may promise a total (承诺办结时限)
and set a legal limit in calendar months (法定办结时限). A step a process leaves out takes the
national default's. Every process names the seed text it comes from in `source`.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.errors import InvalidInput
from ledger.workdays import DueDate, add_working_days

STEPS = ("accept", "review", "complete", "deliver")
ANCHORS = ("applied", "accepted", "approved", "completed")


@dataclass(frozen=True, slots=True)
class Limit:
    """`days` working days (or `months` calendar months) after the step `anchor`."""

    days: int
    anchor: str
    months: int = 0

    def due(self, dates: Mapping[str, date | None]) -> DueDate:
        start = dates.get(self.anchor)
        if start is None:
            raise InvalidInput("date", f"the limit counts from {self.anchor}, which has not happened")
        if self.months:
            return DueDate(add_months(start, self.months), provisional=False)
        return add_working_days(start, self.days)


@dataclass(frozen=True, slots=True)
class Process:
    """One office process's time limits: which requests it covers, and its steps' limits."""

    id: str
    source: str
    family: str | None  # skill / professional; None: any
    kinds: frozenset[str] | None  # request kinds; None: any
    channels: frozenset[str] | None  # window / online / mail; None: any
    limits: Mapping[str, Limit]
    promised: Limit | None = None  # 承诺办结时限, the whole request
    legal_limit: Limit | None = None  # 法定办结时限

    def covers(self, family: str, kind: str, channel: str) -> bool:
        return ((self.family is None or self.family == family)
                and (self.kinds is None or kind in self.kinds)
                and (self.channels is None or channel in self.channels))

    def limit(self, step: str) -> Limit | None:
        return self.limits.get(step)


@dataclass(frozen=True, slots=True)
class PickupLimits:
    """Zhejiang's pickup clocks (seed 003 十三): from the published notice, or for national exams
    from the blank certificates' arrival."""

    notice_days: int
    national_exam_days: int
    source: str

    def due(self, since: date, national_exam: bool = False) -> DueDate:
        return add_working_days(since, self.national_exam_days if national_exam else self.notice_days)


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later, or that month's last day if it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _limit(raw: Mapping[str, Any]) -> Limit:
    anchor = raw.get("from", "applied")
    if anchor not in ANCHORS:
        raise ValueError(f"policies.json: a limit counts from one of {ANCHORS}, not {anchor!r}")
    return Limit(int(raw.get("days", 0)), anchor, int(raw.get("months", 0)))


def process(raw: Mapping[str, Any], default: Process | None = None) -> Process:
    """A process from its JSON; steps it leaves out are the default's."""
    limits = dict(default.limits) if default is not None else {}
    for step, value in raw.get("limits", {}).items():
        if step not in STEPS:
            raise ValueError(f"policies.json: process {raw['id']}: unknown step {step!r}")
        limits[step] = _limit(value)

    def optional_set(key: str) -> frozenset[str] | None:
        return frozenset(raw[key]) if key in raw else None

    return Process(
        id=raw["id"], source=raw.get("source", ""), family=raw.get("family"), kinds=optional_set("kinds"),
        channels=optional_set("channels"), limits=limits,
        promised=_limit(raw["promised"]) if "promised" in raw else None,
        legal_limit=_limit(raw["legal_limit"]) if "legal_limit" in raw else None,
    )


def pickup(raw: Mapping[str, Any] | None) -> PickupLimits | None:
    if not raw:
        return None
    return PickupLimits(int(raw["notice"]["days"]), int(raw["national_exam"]["days"]), raw.get("source", ""))

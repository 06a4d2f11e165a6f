"""Working days of the Chinese official calendar (holidays and adjusted workdays).

Backed by the maintained `chinese-calendar` package. For a year it does not cover yet
(the State Council publishes each year's arrangement late in the year before) it falls
back to Monday-Friday and says so, so that a due date can be marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True, slots=True)
class DueDate:
    day: date
    provisional: bool  # computed with weekdays only for a year the calendar lacks


def is_workday(day: date) -> tuple[bool, bool]:
    """(is a working day, known from the official calendar)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: date, count: int) -> DueDate:
    """The `count`-th working day after `start` (count 0: start itself if a working day, else the next)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day, known = start, True
    if count == 0:
        ok, k = is_workday(day)
        known &= k
        while not ok:
            day += timedelta(days=1)
            ok, k = is_workday(day)
            known &= k
        return DueDate(day, not known)
    remaining = count
    while remaining:
        day += timedelta(days=1)
        ok, k = is_workday(day)
        known &= k
        if ok:
            remaining -= 1
    return DueDate(day, not known)

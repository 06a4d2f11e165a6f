"""Working days of the Chinese official calendar, with a weekday fallback for missing years."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.workdays import DueDate, add_working_days, is_workday

# From chinese_calendar 1.11.0 (constants.py): 2026 National Day holiday is 10-01..10-07 and
# Saturday 2026-10-10 is an adjusted working day; Sunday 2025-09-28 and Sunday 2026-09-20 too.
NATIONAL_DAY_2026 = [date(2026, 10, d) for d in range(1, 8)]


@pytest.mark.parametrize("day", NATIONAL_DAY_2026)
def test_the_2026_national_day_holiday_is_not_a_working_day(day):
    assert is_workday(day) == (False, True)


def test_national_day_2026_falls_on_a_thursday_so_the_holiday_beats_the_weekday():
    assert date(2026, 10, 1).weekday() == 3
    assert is_workday(date(2026, 10, 1)) == (False, True)


@pytest.mark.parametrize("day", [date(2026, 10, 10), date(2026, 9, 20), date(2025, 9, 28), date(2025, 10, 11)])
def test_an_adjusted_working_weekend_day_counts_as_a_working_day(day):
    assert day.weekday() >= 5
    assert is_workday(day) == (True, True)


def test_an_ordinary_weekend_day_is_not_a_working_day():
    assert is_workday(date(2026, 10, 17)) == (False, True)


def test_an_ordinary_weekday_is_a_working_day():
    assert is_workday(date(2026, 11, 18)) == (True, True)


def test_one_working_day_after_the_eve_of_national_day_is_the_day_after_the_holiday():
    assert add_working_days(date(2026, 9, 30), 1) == DueDate(date(2026, 10, 8), provisional=False)


def test_counting_across_national_day_includes_the_adjusted_saturday():
    # 10-08 (Thu), 10-09 (Fri), 10-10 (adjusted working Saturday)
    assert add_working_days(date(2026, 9, 30), 3) == DueDate(date(2026, 10, 10), provisional=False)
    # then 10-11 is an ordinary Sunday: the 4th is Monday 10-12
    assert add_working_days(date(2026, 9, 30), 4).day == date(2026, 10, 12)


def test_five_working_days_across_the_holiday_take_almost_two_calendar_weeks():
    # 09-30, 10-08, 10-09, 10-10 (adjusted Saturday), 10-12
    due = add_working_days(date(2026, 9, 29), 5)
    assert due.day == date(2026, 10, 12)
    assert (due.day - date(2026, 9, 29)).days == 13


def test_zero_working_days_from_a_holiday_is_the_first_working_day_after_it():
    assert add_working_days(date(2026, 10, 1), 0) == DueDate(date(2026, 10, 8), provisional=False)


def test_zero_working_days_from_a_working_day_is_that_day():
    assert add_working_days(date(2026, 11, 18), 0) == DueDate(date(2026, 11, 18), provisional=False)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 18), -1)


def test_a_year_the_calendar_lacks_falls_back_to_weekdays_and_says_so():
    assert is_workday(date(2030, 10, 1)) == (True, False)  # a Tuesday; the real holiday is unknown
    assert is_workday(date(2030, 10, 5)) == (False, False)  # a Saturday


def test_a_due_date_in_a_year_the_calendar_lacks_is_provisional():
    friday = date(2030, 9, 27)
    assert friday.weekday() == 4
    assert add_working_days(friday, 1) == DueDate(date(2030, 9, 30), provisional=True)
    assert add_working_days(date(2030, 9, 28), 0) == DueDate(date(2030, 9, 30), provisional=True)


def test_a_count_that_runs_into_a_year_the_calendar_lacks_is_provisional():
    due = add_working_days(date(2026, 12, 30), 3)
    assert due.provisional is True
    assert due.day.year == 2027


def test_a_count_that_stays_inside_known_years_is_not_provisional():
    assert add_working_days(date(2026, 12, 1), 10).provisional is False

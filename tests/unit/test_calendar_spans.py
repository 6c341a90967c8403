"""Working-day arithmetic at the edges of the calendar's precomputed span, and why a day is off.

Each test builds its own calendar: the span of years a calendar has computed depends on the questions
it was asked before, and a calendar shared between tests would hide that. Expected dates are worked
out by hand (UK bank holidays as published; with `no_holidays` a working day is any Monday to Friday,
so 5k working days after a weekday is exactly k weeks later).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.errors import BadInput

SPAN_MESSAGE = "working days are counted between 1900 and 2199 only"


def no_holidays(country: str, region: str, years: range) -> Mapping[date, str]:
    return {}


# -- day_off ---------------------------------------------------------------------------------------


def test_a_saturday_and_a_sunday_are_a_weekend() -> None:
    """Planted (mutation run): `weekday() > 5` / `>= 6` called Saturday "a non-working day"."""
    cal = WorkingCalendar(CalendarSettings())
    assert cal.day_off(date(2026, 11, 28)) == "a weekend"  # Saturday
    assert cal.day_off(date(2026, 11, 29)) == "a weekend"  # Sunday


def test_a_weekday_bank_holiday_is_named() -> None:
    """Planted (mutation run): the name looked up under None, or for no year / the wrong years."""
    cal = WorkingCalendar(CalendarSettings())
    assert cal.day_off(date(2026, 4, 6)) == "Easter Monday"
    assert cal.day_off(date(2026, 12, 25)) == "Christmas Day"  # a Friday
    assert cal.day_off(date(2026, 12, 28)) == "Boxing Day (observed)"  # Monday, the substitute day
    assert cal.day_off(date(2026, 12, 23)) is None  # Wednesday


def test_an_annual_closure_after_a_29_february_closure_still_counts_in_a_common_year() -> None:
    """Planted (mutation run): the 29 February closure of a common year stopped the closures after it."""
    settings = CalendarSettings(
        annual_closures=((2, 29, "Leap day closure"), (12, 24, "Christmas Eve closure"))
    )
    cal = WorkingCalendar(settings)
    assert cal.day_off(date(2026, 12, 24)) == "Christmas Eve closure"  # Thursday
    assert cal.add(date(2026, 12, 23), 1) == date(2026, 12, 29)  # Tuesday, past Christmas and Boxing Day


# -- counting forwards ------------------------------------------------------------------------------


def test_counting_forwards_well_past_the_computed_span() -> None:
    """Planted (mutation run): the index recomputed after the span grew was off by one or two."""
    cal = WorkingCalendar(CalendarSettings(), no_holidays)
    assert cal.is_working_day(date(2026, 1, 2))  # computes 2025-2051
    # 60 weeks of working days from Friday 29 December 2051: well into 2053.
    assert cal.add(date(2051, 12, 29), 300) == date(2053, 2, 21)
    assert cal.add(date(2051, 12, 29), 301) == date(2053, 2, 24)


def test_counting_forwards_to_just_past_the_computed_span() -> None:
    """Planted (mutation run): the span's list of working days ran one day into the next year, with a
    closure there counted as working."""
    settings = CalendarSettings(extra_days={date(2052, 1, 1): "New Year closure"})
    cal = WorkingCalendar(settings, no_holidays)
    assert cal.is_working_day(date(2026, 1, 2))  # computes 2025-2051
    # Friday 4 November 2050 + 60 weeks is Friday 29 December 2051, the span's last working day.
    assert cal.add(date(2050, 11, 4), 300) == date(2051, 12, 29)
    assert cal.add(date(2050, 11, 4), 301) == date(2052, 1, 2)  # Monday 1 January is closed


def test_counting_forwards_beyond_2199_is_refused_with_the_reason() -> None:
    """Planted (mutation run): the refusal carried no message."""
    cal = WorkingCalendar(CalendarSettings(), no_holidays)
    with pytest.raises(BadInput, match=SPAN_MESSAGE):
        cal.add(date(2199, 12, 20), 30)


# -- counting backwards ------------------------------------------------------------------------------


def test_counting_back_across_new_year() -> None:
    """Planted (mutation run): counting back went forwards (`+ n`)."""
    cal = WorkingCalendar(CalendarSettings())
    # Monday 4 January 2027: Friday 1 January and Monday 28 December (Boxing Day substitute) are off.
    assert cal.subtract(date(2027, 1, 4), 1) == date(2026, 12, 31)
    assert cal.subtract(date(2027, 1, 4), 3) == date(2026, 12, 29)
    assert cal.subtract(date(2027, 1, 4), 4) == date(2026, 12, 24)
    assert cal.add(date(2027, 1, 4), -2) == date(2026, 12, 30)


def test_counting_back_well_before_the_computed_span(fails_fast: None) -> None:
    """Planted (mutation run): the span grown backwards by nothing, the wrong years, or not at all (a
    hang), or the index recomputed wrongly after it grew."""
    cal = WorkingCalendar(CalendarSettings(), no_holidays)
    assert cal.is_working_day(date(2026, 1, 2))  # computes 2025-2051
    # 60 weeks of working days before Friday 3 January 2025: into 2023.
    assert cal.subtract(date(2025, 1, 3), 300) == date(2023, 11, 10)
    # and several blocks further back
    assert cal.subtract(date(2025, 1, 3), 5 * 52 * 60) == date(1965, 3, 19)


def test_counting_back_to_the_first_working_day_of_1900(fails_fast: None) -> None:
    """Planted (mutation run): an answer at the very start of the span taken for one before it."""
    cal = WorkingCalendar(CalendarSettings(), no_holidays)
    assert cal.subtract(date(1900, 1, 3), 2) == date(1900, 1, 1)  # Monday


def test_counting_back_before_1900_is_refused_with_the_reason(fails_fast: None) -> None:
    """Planted (mutation run): the refusal carried no message, or never came (a hang)."""
    cal = WorkingCalendar(CalendarSettings(), no_holidays)
    with pytest.raises(BadInput, match=SPAN_MESSAGE):
        cal.subtract(date(1900, 1, 1), 1)


# -- the span itself -----------------------------------------------------------------------------------


def test_the_first_day_of_the_computed_span_is_a_working_day() -> None:
    """Planted (mutation run): the span's list of working days started on 2 January."""
    cal = WorkingCalendar(CalendarSettings(), no_holidays)
    assert cal.is_working_day(date(2025, 1, 1))  # computes 2024-2050
    assert cal.is_working_day(date(2024, 1, 1))  # Monday


def test_a_year_outside_the_supported_span_is_refused_with_the_reason() -> None:
    """Planted (mutation run): the refusal carried no message."""
    cal = WorkingCalendar(CalendarSettings())
    with pytest.raises(BadInput, match=SPAN_MESSAGE):
        cal.is_working_day(date(1899, 12, 31))


def test_a_day_after_the_last_working_day_of_the_computed_span() -> None:
    """Planted (mutation run): the look-up read one past the end of the list of working days."""
    cal = WorkingCalendar(CalendarSettings())
    assert cal.is_working_day(date(2026, 1, 2))  # computes 2025-2051
    # Friday 29 December 2051 is the span's last working day; Sunday 31 December comes after it.
    assert not cal.is_working_day(date(2051, 12, 31))
    assert cal.day_off(date(2051, 12, 31)) == "a weekend"

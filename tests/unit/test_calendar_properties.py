"""Properties of working-day arithmetic (docs/working-days.md), over 2000-2099 and 0-60 working days.

The calendar answers from a precomputed list of working days with a binary search; here it is checked
against a slow reference written straight from the `holidays` package, stepping one day at a time.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar

REGIONS = ("ENG", "WLS", "SCT", "NIR")
CLOSURES = ((12, 24, "Christmas Eve closure"), (12, 29, "Christmas closure"), (12, 30, "x"), (12, 31, "x"))
EXTRA_DAYS = {date(2031, 6, 10): "One-off closure", date(2055, 2, 1): "Snow day", date(2099, 12, 23): "x"}

# One calendar per configuration for the whole module: building one costs far more than a question.
CALENDARS = {region: WorkingCalendar(CalendarSettings(region=region)) for region in REGIONS}
WITH_CLOSURES = {
    region: WorkingCalendar(CalendarSettings(region=region, annual_closures=CLOSURES, extra_days=EXTRA_DAYS))
    for region in REGIONS
}
ENG = CALENDARS["ENG"]

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
counts = st.integers(min_value=0, max_value=60)
regions = st.sampled_from(REGIONS)
FAST = settings(max_examples=250, deadline=None)


# -- the slow reference ----------------------------------------------------------------------------


@cache
def closed_days(region: str, with_closures: bool) -> frozenset[date]:
    """Bank holidays (and, if asked, the closures and extra days) for every year a question can reach."""
    years = range(1999, 2102)
    closed = set(holidays.country_holidays("GB", subdiv=region, years=years))
    if with_closures:
        closed |= {date(y, m, d) for y in years for m, d, _ in CLOSURES}
        closed |= set(EXTRA_DAYS)
    return frozenset(closed)


def reference_is_working(day: date, closed: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in closed


def reference_add(start: date, n: int, closed: frozenset[date]) -> date:
    """The n-th working day strictly after start, one day at a time."""
    day, seen = start, 0
    while seen < n:
        day += timedelta(days=1)
        if reference_is_working(day, closed):
            seen += 1
    return day


def reference_between(start: date, end: date, closed: frozenset[date]) -> int:
    """Working days in (start, end], negative when end is before start."""
    lo, hi, sign = (start, end, 1) if start <= end else (end, start, -1)
    count = sum(reference_is_working(lo + timedelta(days=i), closed) for i in range(1, (hi - lo).days + 1))
    return sign * count


def calendar_for(region: str, with_closures: bool) -> WorkingCalendar:
    return (WITH_CLOSURES if with_closures else CALENDARS)[region]


# -- agreement with the reference ------------------------------------------------------------------


@FAST
@given(start=dates, n=counts, region=regions, with_closures=st.booleans())
def test_add_equals_the_day_by_day_reference(start: date, n: int, region: str, with_closures: bool) -> None:
    """add(d, n) is what counting working days one by one from the `holidays` package gives, in every
    region, with and without closure days."""
    closed = closed_days(region, with_closures)
    assert calendar_for(region, with_closures).add(start, n) == reference_add(start, n, closed)


@FAST
@given(start=dates, n=counts, region=regions, with_closures=st.booleans())
def test_subtract_equals_the_day_by_day_reference(
    start: date, n: int, region: str, with_closures: bool
) -> None:
    """subtract(d, n) is the n-th working day strictly before d, counted one day at a time."""
    closed = closed_days(region, with_closures)
    day, seen = start, 0
    while seen < n:
        day -= timedelta(days=1)
        seen += reference_is_working(day, closed)
    assert calendar_for(region, with_closures).subtract(start, n) == day


@FAST
@given(day=dates, region=regions, with_closures=st.booleans())
def test_is_working_day_equals_the_reference(day: date, region: str, with_closures: bool) -> None:
    """A working day is Monday-Friday and neither a bank holiday nor a closure day."""
    closed = closed_days(region, with_closures)
    assert calendar_for(region, with_closures).is_working_day(day) == reference_is_working(day, closed)


@FAST
@given(
    start=dates, span=st.integers(min_value=-90, max_value=90), region=regions, with_closures=st.booleans()
)
def test_between_equals_the_reference(start: date, span: int, region: str, with_closures: bool) -> None:
    """between(a, b) counts the working days in (a, b], negated when b is before a."""
    end = start + timedelta(days=span)
    closed = closed_days(region, with_closures)
    assert calendar_for(region, with_closures).between(start, end) == reference_between(start, end, closed)


# -- algebraic properties --------------------------------------------------------------------------


@FAST
@given(start=dates, n=st.integers(min_value=1, max_value=60), region=regions)
def test_result_is_a_working_day_strictly_after_the_start(start: date, n: int, region: str) -> None:
    """For n >= 1 the deadline is a working day after the start, at least n calendar days later."""
    cal = CALENDARS[region]
    due = cal.add(start, n)
    assert cal.is_working_day(due)
    assert (due - start).days >= n


@FAST
@given(start=dates, n=counts, region=regions, with_closures=st.booleans())
def test_between_inverts_add(start: date, n: int, region: str, with_closures: bool) -> None:
    """between(d, add(d, n)) == n: the deadline is exactly n working days after d."""
    cal = calendar_for(region, with_closures)
    assert cal.between(start, cal.add(start, n)) == n


@FAST
@given(start=dates, a=counts, b=counts, region=regions)
def test_adding_in_two_steps_is_adding_once(start: date, a: int, b: int, region: str) -> None:
    """add(add(d, a), b) == add(d, a + b), from any day (a working day or not)."""
    cal = CALENDARS[region]
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@FAST
@given(start=dates, n=counts, region=regions)
def test_strictly_increasing_in_n(start: date, n: int, region: str) -> None:
    """One more working day is always a later date (add(d, 0) == d < add(d, 1) < add(d, 2) ...)."""
    cal = CALENDARS[region]
    assert cal.add(start, n) < cal.add(start, n + 1)


@FAST
@given(first=dates, days_later=st.integers(min_value=0, max_value=30), n=counts)
def test_monotone_in_the_start(first: date, days_later: int, n: int) -> None:
    """Something that starts later is never due earlier."""
    later = first + timedelta(days=days_later)
    assert ENG.add(first, n) <= ENG.add(later, n)


@FAST
@given(start=dates, n=counts, region=regions, with_closures=st.booleans())
def test_subtract_inverts_add_on_working_days(start: date, n: int, region: str, with_closures: bool) -> None:
    """On a working day d: subtract(add(d, n), n) == d and add(subtract(d, n), n) == d."""
    cal = calendar_for(region, with_closures)
    working = cal.add(start, 1)  # the first working day after a random date
    assert cal.subtract(cal.add(working, n), n) == working
    assert cal.add(cal.subtract(working, n), n) == working


@FAST
@given(start=dates, earliest=counts, extra=counts)
def test_window_is_two_adds(start: date, earliest: int, extra: int) -> None:
    """window(d, a, b) is (add(d, a), add(d, b)), so the window is never empty when a <= b."""
    first, last = ENG.window(start, earliest, earliest + extra)
    assert (first, last) == (ENG.add(start, earliest), ENG.add(start, earliest + extra))
    assert first <= last


@settings(max_examples=60, deadline=None)
@given(start=dates, n=counts, region=regions)
def test_a_fresh_calendar_gives_the_same_answer(start: date, n: int, region: str) -> None:
    """The answer does not depend on what the calendar was asked before (the span it had computed)."""
    fresh = WorkingCalendar(CalendarSettings(region=region))
    assert fresh.add(start, n) == CALENDARS[region].add(start, n)

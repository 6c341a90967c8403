"""Working days (docs/working-days.md): the only place in the product where they are counted.

A working day is Monday to Friday, except the region's bank holidays (from the `holidays` package,
substitute days included), the partnership's annual closure days and its extra non-working days.

"Within N working days of X" is the N-th working day strictly after the date of X; X itself need not
be a working day. The calendar keeps a sorted list of working days (as ordinals) for a span of years
and answers every question with one binary search (`between` with two look-ups in a running count of
them), so a scalar `add` costs well under a microsecond instead of N look-ups in the (slow) holiday
tables. The span grows on demand.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from rr_workflow.domain.errors import BadInput

SUPPORTED_REGIONS: Mapping[str, str] = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}

# Dates the calendar answers for; outside them a question is almost surely a typing mistake.
FIRST_YEAR, LAST_YEAR = 1900, 2199

_MEMO_SIZE = 100_000  # answers kept by one calendar (a few MB at most)

# What a date counted in calendar months does when it is not a working day.
KEEP, NEXT, PREVIOUS = "keep", "next", "previous"
ROLLS = (KEEP, NEXT, PREVIOUS)

HolidaySource = Callable[[str, str, range], Mapping[date, str]]


def bank_holidays(country: str, region: str, years: range) -> dict[date, str]:
    """Bank holidays of `region` for `years`, from the `holidays` package (substitute days included)."""
    import holidays  # imported here: it costs ~80 ms and only date arithmetic needs it

    return dict(holidays.country_holidays(country, subdiv=region, years=years))


@dataclass(frozen=True)
class CalendarSettings:
    """What makes a day a working day for one partnership."""

    country: str = "GB"
    region: str = "ENG"
    timezone: str = "Europe/London"
    # (month, day, name): closed every year on that date, e.g. (12, 24, "Christmas Eve closure").
    annual_closures: tuple[tuple[int, int, str], ...] = ()
    # One-off non-working days: closure days of a given year, or a new bank holiday announced before
    # the `holidays` package knows of it.
    extra_days: Mapping[date, str] = field(default_factory=dict)


class WorkingCalendar:
    """Working-day arithmetic for one `CalendarSettings`.

    >>> cal = WorkingCalendar(CalendarSettings())
    >>> cal.add(date(2026, 12, 21), 2)
    datetime.date(2026, 12, 23)
    """

    _BLOCK = 25  # years computed at a time when the span grows

    def __init__(self, settings: CalendarSettings, holiday_source: HolidaySource = bank_holidays) -> None:
        self.settings = settings
        self._holiday_source = holiday_source
        self._first_year = 0
        self._last_year = -1  # empty span
        self._working: list[int] = []  # ordinals of working days in the span, ascending
        # For each day of the span from its first (ordinal `_base`), the working days up to and including
        # it: `between` in two look-ups (a report asks it twice for each of tens of thousands of rows).
        self._base = 0
        self._counted: list[int] = []
        # Answers already given, by (ordinal, n): the same few dozen sums come back for every step of a
        # case (each deadline's due date, reminder days, window). The working days never change for one
        # calendar, so an answer never goes stale; the memo is emptied when it grows large.
        self._added: dict[tuple[int, int], date] = {}

    # -- queries ---------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        self._cover(day.year, day.year)
        ordinal = day.toordinal()
        index = bisect.bisect_left(self._working, ordinal)
        return index < len(self._working) and self._working[index] == ordinal

    def day_off(self, day: date) -> str | None:
        """Why `day` is not a working day ("a weekend", or the bank holiday's or closure's name), or
        None when it is one."""
        if self.is_working_day(day):
            return None
        if day.weekday() >= 5:
            return "a weekend"
        return self._named_days(range(day.year, day.year + 1)).get(day, "a non-working day")

    def add(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start` (n >= 1); `start` itself when n == 0; for a
        negative n, the (-n)-th working day strictly before it."""
        key = (start.toordinal(), n)
        found = self._added.get(key)
        if found is None:
            found = self._after(start, n) if n > 0 else self._before(start, -n) if n < 0 else start
            if len(self._added) >= _MEMO_SIZE:
                self._added.clear()
            self._added[key] = found
        return found

    def subtract(self, start: date, n: int) -> date:
        """The n-th working day strictly before `start` (n >= 1); `start` itself when n == 0."""
        return self.add(start, -n)

    def _after(self, start: date, n: int) -> date:
        self._cover(start.year, min(start.year + 1, LAST_YEAR))
        # Working days on or before `start`, so the n-th after it sits at this index + n - 1.
        index = bisect.bisect_right(self._working, start.toordinal()) + n - 1
        while index >= len(self._working):
            if self._last_year >= LAST_YEAR:
                raise BadInput(f"working days are counted between {FIRST_YEAR} and {LAST_YEAR} only")
            self._cover(self._first_year, min(self._last_year + self._BLOCK, LAST_YEAR))
            index = bisect.bisect_right(self._working, start.toordinal()) + n - 1
        return date.fromordinal(self._working[index])

    def _before(self, start: date, n: int) -> date:
        self._cover(max(start.year - 1, FIRST_YEAR), start.year)
        index = bisect.bisect_left(self._working, start.toordinal()) - n
        while index < 0:
            if self._first_year <= FIRST_YEAR:
                raise BadInput(f"working days are counted between {FIRST_YEAR} and {LAST_YEAR} only")
            self._cover(max(self._first_year - self._BLOCK, FIRST_YEAR), self._last_year)
            index = bisect.bisect_left(self._working, start.toordinal()) - n
        return date.fromordinal(self._working[index])

    def add_months(self, start: date, months: int, roll: str = KEEP) -> date:
        """The same day `months` calendar months after `start`, clamped to the month's end (31 August + 6
        months is 28 February), then moved by `roll` when that is not a working day: KEEP leaves it,
        NEXT takes the next working day, PREVIOUS the last working day before it."""
        from dateutil.relativedelta import relativedelta  # imported here: only month deadlines need it

        if roll not in ROLLS:
            raise BadInput(f"unknown roll {roll!r} (expected one of: {', '.join(ROLLS)})")
        try:
            day = start + relativedelta(months=months)
        except (OverflowError, ValueError):
            raise BadInput(f"dates are counted between {FIRST_YEAR} and {LAST_YEAR} only") from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise BadInput(f"dates are counted between {FIRST_YEAR} and {LAST_YEAR} only")
        if roll == KEEP or self.is_working_day(day):
            return day
        if roll == NEXT:
            return self.add(day, 1)
        return self.subtract(day, 1)

    def window(self, start: date, earliest: int, latest: int) -> tuple[date, date]:
        """From the `earliest`-th to the `latest`-th working day after `start`, inclusive."""
        return self.add(start, earliest), self.add(start, latest)

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`: add(start, between(start, end)) == end
        whenever `end` is a working day. Negative when `end` is before `start`."""
        counted, base = self._counted, self._base
        first, last = start.toordinal() - base, end.toordinal() - base
        if not (0 <= first < len(counted) and 0 <= last < len(counted)):
            self._cover(min(start.year, end.year), max(start.year, end.year))
            counted, base = self._counted, self._base
            first, last = start.toordinal() - base, end.toordinal() - base
        # the working days up to `end` less those up to `start`: negative when `end` comes first
        return counted[last] - counted[first]

    def non_working_days(self, year: int) -> list[tuple[date, str]]:
        """The weekday bank holidays, closures and extra days of `year` with their names, in date order.

        A bank holiday falling on a weekend is listed too (it is named in the calendar people know),
        as are its substitute days."""
        return sorted(self._named_days(range(year, year + 1)).items())

    # -- the precomputed span ----------------------------------------------------------------------

    def _named_days(self, years: range) -> dict[date, str]:
        s = self.settings
        named: dict[date, str] = dict(self._holiday_source(s.country, s.region, years))
        for year in years:
            for month, day, name in s.annual_closures:
                try:
                    named.setdefault(date(year, month, day), name)
                except ValueError:  # 29 February in a common year
                    continue
        for day, name in s.extra_days.items():
            if day.year in years:
                named.setdefault(day, name)
        return named

    def _cover(self, first_year: int, last_year: int) -> None:
        if self._first_year <= first_year and last_year <= self._last_year:
            return
        if self._last_year < self._first_year:  # empty: start with a block around the request
            lo, hi = first_year - 1, max(last_year, first_year + self._BLOCK)
        else:
            lo, hi = min(first_year, self._first_year), max(last_year, self._last_year)
        if first_year < FIRST_YEAR or last_year > LAST_YEAR:
            raise BadInput(f"working days are counted between {FIRST_YEAR} and {LAST_YEAR} only")
        lo, hi = max(lo, FIRST_YEAR), min(hi, LAST_YEAR)
        closed = {d: n for d, n in self._named_days(range(lo, hi + 1)).items() if d.weekday() < 5}
        self._working = list(_working_ordinals(lo, hi, closed))
        self._base = date(lo, 1, 1).toordinal()
        working_day = bytearray(max(date(hi, 12, 31).toordinal() - self._base + 1, 0))  # empty: lo > hi
        for ordinal in self._working:
            working_day[ordinal - self._base] = 1
        self._counted = list(itertools.accumulate(working_day))
        self._first_year, self._last_year = lo, hi


def _working_ordinals(first_year: int, last_year: int, closed: Iterable[date]) -> Iterable[int]:
    closed_ordinals = {d.toordinal() for d in closed}
    first = date(first_year, 1, 1).toordinal()
    last = date(last_year, 12, 31).toordinal()
    # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is the weekday (Monday == 0).
    for ordinal in range(first, last + 1):
        if (ordinal - 1) % 7 < 5 and ordinal not in closed_ordinals:
            yield ordinal

"""The bank holiday tables kept under RR_HOME once computed: a later process reads them from the file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from rr_workflow.adapters.holiday_cache import cached
from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar, bank_holidays


class CountingSource:
    """The real `holidays` tables, counting how often they are built."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, country: str, region: str, years: range) -> Mapping[date, str]:
        self.calls += 1
        return bank_holidays(country, region, years)


def test_the_tables_are_built_once_and_read_back_by_the_next_calendar(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    source = CountingSource()
    first = WorkingCalendar(CalendarSettings(), cached(folder, source))
    assert first.add(date(2026, 12, 24), 1) == date(2026, 12, 29)  # Christmas, Boxing Day (substitute)
    second = WorkingCalendar(CalendarSettings(), cached(folder, source))
    assert second.add(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # Easter 2027: Good Friday 26 March and Easter Monday 29 March; Tuesday 30 March is a working day
    assert [second.is_working_day(date(2027, 3, d)) for d in (25, 26, 29, 30)] == [True, False, False, True]
    assert source.calls == 1  # planted bug caught: a cache file never read back
    (stored,) = folder.iterdir()
    assert stored.stat().st_mode & 0o077 == 0
    assert folder.stat().st_mode & 0o077 == 0


def test_a_damaged_file_is_built_again(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    source = CountingSource()
    WorkingCalendar(CalendarSettings(), cached(folder, source)).add(date(2026, 12, 24), 1)
    (stored,) = folder.iterdir()
    stored.write_text("{not json")
    again = WorkingCalendar(CalendarSettings(), cached(folder, source))
    assert again.add(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert source.calls == 2


def test_another_region_has_its_own_table(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    england = WorkingCalendar(CalendarSettings(region="ENG"), cached(folder))
    scotland = WorkingCalendar(CalendarSettings(region="SCT"), cached(folder))
    assert england.is_working_day(date(2027, 1, 4))
    assert not scotland.is_working_day(date(2027, 1, 4))  # 2 January's substitute day, Scotland only

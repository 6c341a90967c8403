"""How late a deadline was met (`deadlines.lateness`, docs/working-days.md "Lateness"): the working days
from its original date to the day it was met, at least 1, and nothing when it was met on time.

Deadlines built by hand; days by hand from England's calendar (Christmas Fri 25 Dec 2026, Boxing Day
Sat 26 with its substitute Mon 28, New Year's Day Fri 1 Jan 2027)."""

from __future__ import annotations

from datetime import date

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.deadlines import Deadline, Lateness, Status, lateness

D = date
ENG = WorkingCalendar(CalendarSettings(region="ENG"))
SIN = "Serious Incident Notification sent to the National Panel"


def sin(original_due: date, met_on: date | None, due: date | None = None) -> Deadline:
    """The SIN deadline of a case the school told the council of on Fri 18 Dec 2026."""
    return Deadline(
        key="sin_notified",
        rule_key="sin_notified",
        label=SIN,
        agency=None,
        owner="coordinator",
        counts_from=D(2026, 12, 18),
        original_due=original_due,
        due=due or original_due,
        earliest=None,
        due_soon_from=D(2026, 12, 24),
        met_on=met_on,
        status=Status.MET_LATE if met_on is not None and met_on > original_due else Status.PENDING,
    )


def test_met_after_its_date_is_late_by_the_working_days_between() -> None:
    """Due Tue 29 Dec 2026, sent Mon 4 Jan 2027: Wed 30, Thu 31, (Fri 1 Jan a holiday) Mon 4: 3 working
    days late (the coordinator's guide's example). Planted (mutation run): the days None, `max` without
    its floor or its count, the count from None or to None, the key, label, date or day met as None or
    dropped (a TypeError)."""
    assert lateness(sin(D(2026, 12, 29), D(2027, 1, 4)), ENG) == Lateness(
        "sin_notified", SIN, D(2026, 12, 29), D(2027, 1, 4), 3
    )


def test_an_extension_does_not_make_a_late_step_timely() -> None:
    """Extended to Fri 8 Jan 2027 and sent Mon 4 Jan: still 3 working days late against the original
    Tue 29 Dec, and the lateness names the original date."""
    assert lateness(sin(D(2026, 12, 29), D(2027, 1, 4), due=D(2027, 1, 8)), ENG) == Lateness(
        "sin_notified", SIN, D(2026, 12, 29), D(2027, 1, 4), 3
    )


def test_done_on_a_day_off_after_the_date_is_one_day_late() -> None:
    """Due Thu 24 Dec 2026, sent Sat 26 Dec: no working day in between (Christmas, a Saturday), but it
    counts as done on the next working day, Tue 29 Dec: 1 day late. Planted (mutation run): at least 2
    days (`max(2, ...)`)."""
    assert lateness(sin(D(2026, 12, 24), D(2026, 12, 26)), ENG) == Lateness(
        "sin_notified", SIN, D(2026, 12, 24), D(2026, 12, 26), 1
    )


def test_met_on_or_before_its_date_or_not_met_is_not_late() -> None:
    """Planted (mutation run): `met_on < original_due`, so a step done on its due date reads as 1 day
    late."""
    assert lateness(sin(D(2026, 12, 29), D(2026, 12, 29)), ENG) is None
    assert lateness(sin(D(2026, 12, 29), D(2026, 12, 22)), ENG) is None
    assert lateness(sin(D(2026, 12, 29), None), ENG) is None

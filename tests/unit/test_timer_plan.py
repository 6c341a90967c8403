"""The first timer of a deadline and the next one after an escalation (docs/procedure.md), default
policy: reminders 09:00 one working day before and on the due date, escalation 09:00 on the 1st working
day after it, then every 2 working days. Due Wednesday 2 December 2026 (no bank holiday near).
Everything is built inside each test."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.schedule import NoticePolicy
from rr_workflow.domain.timers import ESCALATION, REMINDER, Timer, first_timer, next_timer

LONDON = ZoneInfo("Europe/London")
DUE = date(2026, 12, 2)


def test_the_first_timer_is_the_earliest_reminder() -> None:
    """Planted (mutation run): no reminders planned, planned under key None or in no time zone."""
    cal = WorkingCalendar(CalendarSettings())
    timer = first_timer("scoping", DUE, NoticePolicy(), cal, LONDON)
    assert timer == Timer("scoping", REMINDER, 1, datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), DUE, ())
    assert timer.fires_at.tzinfo is LONDON


def test_without_reminders_the_first_timer_is_the_first_escalation() -> None:
    """Planted (mutation run): the escalation built with a missing or None argument, as number 2, or a
    reminder taken from an empty plan."""
    cal = WorkingCalendar(CalendarSettings())
    timer = first_timer("scoping", DUE, NoticePolicy(reminder_days_before=()), cal, LONDON)
    expected = Timer("scoping", ESCALATION, 1, datetime(2026, 12, 3, 9, 0, tzinfo=LONDON), DUE, ("manager",))
    assert timer == expected
    assert timer.fires_at.tzinfo is LONDON


def test_the_next_timer_after_the_first_escalation_is_the_second(fails_fast: None) -> None:
    """Planted (mutation run): stepping to the next slot went back to slot 1 (a hang)."""
    cal = WorkingCalendar(CalendarSettings())
    after = datetime(2026, 12, 3, 10, 0, tzinfo=LONDON)
    timer = next_timer("scoping", DUE, NoticePolicy(), cal, after, LONDON)
    # Thursday 3 December + 2 working days: Monday 7 December.
    assert timer == Timer(
        "scoping", ESCALATION, 2, datetime(2026, 12, 7, 9, 0, tzinfo=LONDON), DUE, ("manager",)
    )

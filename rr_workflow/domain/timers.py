"""The timer plan (docs/procedure.md): when reminders and escalations about a deadline fall due.

For an open deadline due on D, with the default policy:
  reminders   09:00 one working day before D, and 09:00 on D (slot = working days before D);
  escalations 09:00 on the 1st working day after D, then every 2 working days while it stays missed
              (slot = 1, 2, 3, ...); managers from the 1st, the chair too from the 3rd.
Every slot is a working day, so nothing fires on a weekend or a bank holiday.

`due_timers` answers "what should fire now?" with catch-up built in: of the slots already past, only
the latest reminder (and none once the deadline itself has passed) and the latest escalation count, so
a service that was down for a week sends one notice per deadline, not one per missed slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.schedule import NoticePolicy

REMINDER, ESCALATION = "reminder", "escalation"


@dataclass(frozen=True)
class Timer:
    deadline_key: str
    kind: str  # REMINDER or ESCALATION
    slot: int  # reminder: working days before the due date; escalation: its number, from 1
    fires_at: datetime  # timezone-aware, local office time
    due: date
    roles: tuple[str, ...]  # who is told, besides the deadline's owner


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, zone)


def escalation_roles(policy: NoticePolicy, number: int) -> tuple[str, ...]:
    return tuple(step.role for step in policy.escalation_chain if step.from_escalation <= number)


def escalation_day(due: date, number: int, policy: NoticePolicy, calendar: WorkingCalendar) -> date:
    return calendar.add(due, policy.escalation_first + (number - 1) * policy.escalation_every)


def reminder_day(due: date, before: int, calendar: WorkingCalendar) -> date:
    """The working day `before` working days ahead of the due date; for `before` 0 the due date itself, or
    the last working day before it when an extension made it fall on a weekend or bank holiday."""
    return calendar.subtract(calendar.add(due, 1), before + 1)


def reminders(
    key: str, due: date, policy: NoticePolicy, calendar: WorkingCalendar, zone: ZoneInfo
) -> list[Timer]:
    return [
        Timer(
            key,
            REMINDER,
            before,
            _at(reminder_day(due, before, calendar), policy.reminder_time, zone),
            due,
            (),
        )
        for before in sorted(set(policy.reminder_days_before), reverse=True)
    ]


def escalation(
    key: str, due: date, number: int, policy: NoticePolicy, calendar: WorkingCalendar, zone: ZoneInfo
) -> Timer:
    day = escalation_day(due, number, policy, calendar)
    return Timer(
        key, ESCALATION, number, _at(day, policy.escalation_time, zone), due, escalation_roles(policy, number)
    )


def due_timers(
    key: str, due: date, policy: NoticePolicy, calendar: WorkingCalendar, now: datetime, zone: ZoneInfo
) -> list[Timer]:
    """What should have fired by `now` for an open deadline, coalesced: at most one reminder (only while
    the deadline has not passed) and at most one escalation (the latest slot reached)."""
    local = now.astimezone(zone)
    result: list[Timer] = []
    if local.date() <= due:
        past = [r for r in reminders(key, due, policy, calendar, zone) if r.fires_at <= local]
        if past:
            result.append(past[-1])  # the nearest the due date
        return result
    first = escalation(key, due, 1, policy, calendar, zone)
    if first.fires_at > local:
        return result
    # The latest escalation slot reached: step through slots (they are every few working days).
    elapsed = calendar.between(due, local.date()) - policy.escalation_first
    number = 1 + max(elapsed, 0) // policy.escalation_every
    latest = escalation(key, due, number, policy, calendar, zone)
    while latest.fires_at > local and number > 1:
        number -= 1
        latest = escalation(key, due, number, policy, calendar, zone)
    result.append(latest)
    return result


def next_timer(
    key: str, due: date, policy: NoticePolicy, calendar: WorkingCalendar, after: datetime, zone: ZoneInfo
) -> Timer:
    """The first slot strictly after `after` (a reminder, or the next escalation) for an open deadline."""
    local = after.astimezone(zone)
    for reminder in reminders(key, due, policy, calendar, zone):
        if reminder.fires_at > local:
            return reminder
    number = 1
    if local.date() > due:
        elapsed = calendar.between(due, local.date()) - policy.escalation_first
        number = max(1, 1 + max(elapsed, 0) // policy.escalation_every - 1)
    candidate = escalation(key, due, number, policy, calendar, zone)
    while candidate.fires_at <= local:
        number += 1
        candidate = escalation(key, due, number, policy, calendar, zone)
    return candidate


def first_timer(
    key: str, due: date, policy: NoticePolicy, calendar: WorkingCalendar, zone: ZoneInfo
) -> Timer:
    """The earliest slot of an open deadline: its first reminder, or its first escalation when the
    policy sends no reminder. A tick looks at the deadline from then on (`next_timer` moves it along)."""
    planned = reminders(key, due, policy, calendar, zone)
    return planned[0] if planned else escalation(key, due, 1, policy, calendar, zone)

"""Due dates and statuses of a case's deadlines (docs/procedure.md): the single place a due date is computed.

Given the schedule, the working calendar, the dates of the case's milestones and its recorded
deviations, `compute_deadlines` returns every deadline whose starting event has happened, with its due
date and status as of a given day. The workflow, the timers, the letters and the reports all call it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import DeadlineRule, Schedule


class Status:
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    WAIVED = "waived"
    EXTENDED = "extended"

    OPEN = frozenset({PENDING, DUE_SOON, OVERDUE, EXTENDED})
    CLOSED = frozenset({MET, MET_LATE, WAIVED})


@dataclass(frozen=True)
class Milestones:
    """When things happened on a case: case-level events, and each agency's own events."""

    case: Mapping[str, date] = field(default_factory=dict)
    agencies: Mapping[str, Mapping[str, date]] = field(default_factory=dict)
    # Events that happen again and again (a review's progress checkpoints), each date in order.
    series: Mapping[str, Sequence[date]] = field(default_factory=dict)


@dataclass(frozen=True)
class Deviation:
    """An agreed change to one deadline: an extension to a new date, or a waiver. Both need a reason."""

    deadline_key: str
    reason: str
    extended_to: date | None = None  # None: waived

    @property
    def kind(self) -> str:
        return Status.WAIVED if self.extended_to is None else Status.EXTENDED


@dataclass(frozen=True)
class Deadline:
    key: str  # the rule's key, or "rule:agency" for a per-agency deadline
    rule_key: str
    label: str
    agency: str | None
    owner: str
    counts_from: date
    original_due: date
    due: date  # the date in force: the extension's date when extended
    earliest: date | None  # the first day of a window (the meeting), else None
    due_soon_from: date
    met_on: date | None
    status: str
    reason: str | None = None  # why it was waived or extended
    deviation: str | None = None  # "waived", "extended" or None

    @property
    def is_open(self) -> bool:
        return self.status in Status.OPEN


def deadline_key(rule: DeadlineRule, agency: str | None) -> str:
    return f"{rule.key}:{agency}" if agency else rule.key


def compute_deadlines(
    schedule: Schedule,
    calendar: WorkingCalendar,
    milestones: Milestones,
    as_of: date,
    deviations: Iterable[Deviation] = (),
) -> list[Deadline]:
    """Every deadline that has started, by due date. `as_of` is the local date statuses are taken at."""
    by_key = {d.deadline_key: d for d in deviations}  # the latest recorded deviation wins
    deadlines: list[Deadline] = []
    for rule in schedule.rules:
        if rule.before is not None:
            continue  # counted back from another deadline's date: once those are known
        if rule.repeat_until is not None:
            deadlines.extend(_repeating(rule, milestones, calendar, as_of, by_key))
        elif rule.per_agency:
            for agency, events in sorted(milestones.agencies.items()):
                deadline = _deadline(rule, agency, events, calendar, as_of, by_key)
                if deadline is not None:
                    deadlines.append(deadline)
        else:
            deadline = _deadline(rule, None, milestones.case, calendar, as_of, by_key)
            if deadline is not None:
                deadlines.append(deadline)
    counted = {d.key: d for d in deadlines}
    for rule in schedule.rules:
        if rule.before is not None and rule.before in counted:
            deadlines.append(_counted_back(rule, counted[rule.before], milestones, calendar, as_of, by_key))
    return sorted(deadlines, key=lambda d: (d.due, d.key))


def _counted_back(
    rule: DeadlineRule,
    target: Deadline,
    milestones: Milestones,
    calendar: WorkingCalendar,
    as_of: date,
    deviations: Mapping[str, Deviation],
) -> Deadline:
    """`rule.working_days` working days before the date in force of `target`: its extension moves this
    deadline with it (the notice before publication is counted from the publication actually planned)."""
    due_by_target = calendar.subtract(target.due, rule.working_days)
    return _make(
        rule,
        None,
        target.counts_from,
        due_by_target,
        milestones.case.get(rule.met_by),
        calendar,
        as_of,
        deviations,
    )


def _repeating(
    rule: DeadlineRule,
    milestones: Milestones,
    calendar: WorkingCalendar,
    as_of: date,
    deviations: Mapping[str, Deviation],
) -> list[Deadline]:
    """`key:1`, `key:2`, ...: the first counted from `rule.counts_from`, each next one from the day the one
    before was met; the one still to come only while `rule.repeat_until` has not happened."""
    start = milestones.case.get(rule.counts_from)
    if start is None:
        return []
    done = list(milestones.series.get(rule.met_by, ()))
    finished = rule.repeat_until in milestones.case
    result = []
    for number, met_on in enumerate([*done, None], start=1):
        if met_on is None and finished:
            break
        due = calendar.add(start, rule.working_days)
        result.append(_make(rule, None, start, due, met_on, calendar, as_of, deviations, number=number))
        if met_on is not None:
            start = met_on
    return result


def _deadline(
    rule: DeadlineRule,
    agency: str | None,
    events: Mapping[str, date],
    calendar: WorkingCalendar,
    as_of: date,
    deviations: Mapping[str, Deviation],
) -> Deadline | None:
    start = events.get(rule.counts_from)
    if start is None:
        return None
    key = deadline_key(rule, agency)
    return _dated(rule, key, agency, start, events.get(rule.met_by), deviations.get(key), as_of, calendar)


def _make(
    rule: DeadlineRule,
    agency: str | None,
    start: date,
    original_due: date,
    met_on: date | None,
    calendar: WorkingCalendar,
    as_of: date,
    deviations: Mapping[str, Deviation],
    number: int | None = None,
) -> Deadline:
    """A deadline whose original date was worked out by its caller (counted back, or one of a series)."""
    key = f"{rule.key}:{number}" if number is not None else deadline_key(rule, agency)
    label = f"{rule.label} {number}" if number is not None else rule.label
    return _dated(rule, key, agency, start, met_on, deviations.get(key), as_of, calendar, original_due, label)


@functools.lru_cache(maxsize=8192)
def _dated(
    rule: DeadlineRule,
    key: str,
    agency: str | None,
    start: date,
    met_on: date | None,
    deviation: Deviation | None,
    as_of: date,
    calendar: WorkingCalendar,
    original_due: date | None = None,
    label: str | None = None,
) -> Deadline:
    """One deadline from what it depends on (kept: every step of a case recomputes all its deadlines, and
    most of them come out as before; a Deadline is immutable, so sharing one is safe). `original_due`:
    counted from `start` by the rule (working days, or calendar months) unless given."""
    if original_due is None:
        if rule.months is not None:
            original_due = calendar.add_months(start, rule.months, rule.roll)
        else:
            original_due = calendar.add(start, rule.working_days)
    label = label or rule.label
    due = deviation.extended_to if deviation and deviation.extended_to else original_due
    due_soon_from = calendar.subtract(due, rule.policy.due_soon_days)
    return Deadline(
        key=key,
        rule_key=rule.key,
        label=f"{label} ({agency})" if agency else label,
        agency=agency,
        owner=rule.owner,
        counts_from=start,
        original_due=original_due,
        due=due,
        earliest=calendar.add(start, rule.earliest) if rule.earliest is not None else None,
        due_soon_from=due_soon_from,
        met_on=met_on,
        status=deadline_status(
            original_due, due, due_soon_from, met_on, deviation.kind if deviation else None, as_of
        ),
        reason=deviation.reason if deviation else None,
        deviation=deviation.kind if deviation else None,
    )


def deadline_status(
    original_due: date,
    due: date,
    due_soon_from: date,
    met_on: date | None,
    deviation: str | None,
    as_of: date,
) -> str:
    """The status on `as_of` of a deadline with these dates; `deviation` is "waived", "extended" or None."""
    if met_on is not None:
        # An extension does not make a late step timely: it is judged against the original date.
        return Status.MET if met_on <= original_due else Status.MET_LATE
    if deviation == Status.WAIVED:
        return Status.WAIVED
    if as_of > due:
        return Status.OVERDUE
    if deviation is not None:
        return Status.EXTENDED
    if as_of >= due_soon_from:
        return Status.DUE_SOON
    return Status.PENDING


@dataclass(frozen=True)
class Lateness:
    """A deadline met after its original date, and by how many working days."""

    key: str
    label: str
    due: date  # the original date: an extension does not make a late step timely
    met_on: date
    working_days: int


def lateness(deadline: Deadline, calendar: WorkingCalendar) -> Lateness | None:
    """How late `deadline` was met, or None when it is not met or was met on time. A step done on a
    non-working day after the date counts as done on the next working day (at least 1 day late)."""
    if deadline.met_on is None or deadline.met_on <= deadline.original_due:
        return None
    days = max(1, calendar.between(deadline.original_due, deadline.met_on))
    return Lateness(deadline.key, deadline.label, deadline.original_due, deadline.met_on, days)


def meeting_window(deadlines: Iterable[Deadline]) -> tuple[date, date] | None:
    """The (earliest, latest) days for the meeting, from the deadline that carries the window."""
    for deadline in deadlines:
        if deadline.earliest is not None:
            return deadline.earliest, deadline.original_due
    return None


def find(deadlines: Iterable[Deadline], key: str) -> Deadline:
    for deadline in deadlines:
        if deadline.key == key:
            return deadline
    raise BadInput(f"no deadline {key!r} on this case")


# -- actions and recommendations ---------------------------------------------------------------------------


def action_due(calendar: WorkingCalendar, decided_on: date, working_days: int) -> date:
    """The due date of an action agreed on `decided_on` when no date is set for it: `working_days` working
    days after (the schedule's [actions] rule)."""
    return calendar.add(decided_on, working_days)


def action_status(stored: str, due: date | None, done_on: date | None, as_of: date) -> str:
    """An action's status on `as_of`: `done` or `dropped` as recorded, `overdue` once an open action's due
    date has passed (the same rule as any deadline), otherwise `open`."""
    if stored != "open":
        return stored
    if due is None:
        return "open"
    status = deadline_status(due, due, due, done_on, None, as_of)
    return "overdue" if status == Status.OVERDUE else "open"


def done_on_time(due: date | None, done_on: date | None) -> bool | None:
    """Whether an action was done by its due date (None: not done, or it never had a due date)."""
    if due is None or done_on is None:
        return None
    return deadline_status(due, due, due, done_on, None, done_on) == Status.MET

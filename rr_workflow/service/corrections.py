"""Use cases that put a recorded mistake right: correct a fact, withdraw one, undo the last step.

Each is one unit of work that checks the role, changes the case through the domain (`corrections`,
`undo`), and stores the result through the same save path as every step (`commands.save`): deadlines
re-computed by the one deadline rule, the allowed next actions, an audit row naming the person, the
reason and the values before and after, and the domain events the letters follow. The audit row of a
correction names the row that first recorded the fact (`corrects`), and an undo the row it undoes
(`undoes`), so the history can show them side by side.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rr_workflow.adapters.db import audit
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain import corrections as fix
from rr_workflow.domain import undo as undoing
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Deadline, meeting_window
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.schedule import Schedule
from rr_workflow.service import commands, permissions, reviews, validate
from rr_workflow.service.app import App


@dataclass(frozen=True)
class Corrected:
    """What a correction, withdrawal or undo did, for the command to say."""

    case: Case
    change: fix.Change
    deadlines: list[str]  # how the deadlines moved, one line each


Apply = Callable[[UnitOfWork, Case, Schedule, list[Deadline], date], tuple[fix.Change, str, dict[str, Any]]]


def _correcting(
    app: App,
    ref: str,
    reason: str,
    apply: Apply,
    on: date | None = None,
    outside_window_reason: str | None = None,
) -> Corrected:
    """`on`: the day the correction was made (`--on`, default today; like every recording step, never
    in the future and never before the partnership became aware)."""
    if not reason.strip():
        raise BadInput("give the reason (--reason): it is kept with the correction")
    validate.text(reason, "--reason")
    if outside_window_reason is not None:
        validate.text(outside_window_reason, "--outside-window-reason")
    with app.uow() as uow:
        permissions.require(uow, app.actor, "correct")
        case = uow.cases.get(ref)
        schedule = commands.case_schedule(uow, case)
        day = commands.effective_date(app, case, on, from_aware=True)
        before = commands.deadlines_of(app, uow, case, schedule)
        from_state = case.state
        change, action, details = apply(uow, case, schedule, before, day)
        window_before = meeting_window(before)
        window_after = meeting_window(commands.deadlines_of(app, uow, case, schedule))
        if window_after != window_before:
            line = fix.recheck_meeting_window(case, window_after, outside_window_reason)
            if line:
                change = replace(change, follow_up=(*change.follow_up, line))
                details["outside_window_reason"] = outside_window_reason
        elif outside_window_reason:
            raise BadInput("--outside-window-reason is for a meeting the change puts outside the window")
        details = {**details, "reason": reason.strip()}
        after = commands.save(app, uow, case, schedule, action, day, from_state, details)
        reviews.follow_correction(app, uow, case, day, reason.strip())
        uow.commit()
        return Corrected(case, change, deadline_moves(before, after))


def deadline_moves(before: list[Deadline], after: list[Deadline]) -> list[str]:
    """How the deadlines changed, in a coordinator's words (due dates come from the one deadline rule)."""
    was = {d.key: d for d in before}
    now = {d.key: d for d in after}
    lines = []
    for key, d in now.items():
        old = was.get(key)
        if old is None:
            lines.append(f"{d.label}: due {d.due} ({d.status})")
            continue
        if old.due != d.due:
            lines.append(f"{d.label}: due {d.due}, was {old.due} ({d.status})")
        elif old.met_on != d.met_on or old.status != d.status:
            lines.append(f"{d.label}: {d.status}" + (f" on {d.met_on}" if d.met_on else ""))
    lines += [f"{d.label}: no longer applies" for key, d in was.items() if key not in now]
    return lines


def _original(uow: UnitOfWork, ref: str, step: str, agency: str | None) -> int | None:
    """The audit row that recorded the fact first (the latest such step not undone)."""
    rows = audit.case_history(uow.connection, ref)
    undone = {json.loads(r["details"]).get("undoes") for r in rows if r["action"] == undoing.UNDO}
    found = None
    for row in rows:
        if row["action"] != step or row["id"] in undone:
            continue
        details = json.loads(row["details"])
        if agency is None or agency == details.get("agency") or agency in details.get("agencies", []):
            found = row["id"]
    return found


def correct(
    app: App,
    ref: str,
    fact: str,
    agency: str | None,
    to: Any,
    reason: str,
    on: date | None = None,
    outside_window_reason: str | None = None,
) -> Corrected:
    """`rr correct REF FACT [AGENCY] --to VALUE --reason R [--on D] [--outside-window-reason R]`."""
    name = fact.strip().lower()
    agency = agency.strip().lower() if agency else None

    def apply(
        uow: UnitOfWork, case: Case, schedule: Schedule, deadlines: list[Deadline], on: date
    ) -> tuple[fix.Change, str, dict[str, Any]]:
        today = app.today()
        if name == fix.MEETING_DATE:
            if agency:
                raise BadInput(f"the meeting date is about the case, not one agency: leave out {agency!r}")
            day = _date(to)
            change = fix.move_meeting(case, day, meeting_window(deadlines), on, app.calendar.day_off(day))
            step = "schedule_meeting"
        else:
            spec = fix.fact(name)
            value = _date(to) if spec.kind == fix.DATE else str(to).strip()
            if spec.kind == fix.DATE and on < value <= today:  # (after today: the domain says "future")
                raise BadInput(f"{value} is after the day of the correction ({on}): it cannot be known yet")
            if spec.kind == fix.AGENCY:
                value = value.lower()
                commands.require_agencies(uow, [value])
            change = fix.correct(case, name, agency, value, today, on)
            step = spec.step
        details = {
            "fact": name,
            "agency": agency,
            "before": change.before,
            "after": change.after,
            "corrects": _original(uow, ref, step, agency),
        }
        return change, "fact_corrected", details

    return _correcting(app, ref, reason, apply, on, outside_window_reason)


def withdraw(
    app: App, ref: str, fact: str, agency: str | None, reason: str, on: date | None = None
) -> Corrected:
    """`rr correct REF FACT [AGENCY] --withdraw --reason R [--on D]`: a fact recorded by mistake."""
    name = fact.strip().lower()
    agency = agency.strip().lower() if agency else None

    def apply(
        uow: UnitOfWork, case: Case, schedule: Schedule, deadlines: list[Deadline], on: date
    ) -> tuple[fix.Change, str, dict[str, Any]]:
        if name == fix.MEETING_DATE:
            raise BadInput("a meeting date is not withdrawn: undo the step that set it (rr undo) or move it")
        change = fix.withdraw(case, name, agency, on)
        step = fix.fact(name).step
        details = {
            "fact": name,
            "agency": agency,
            "before": change.before,
            "after": None,
            "corrects": _original(uow, ref, step, agency),
        }
        return change, "fact_withdrawn", details

    return _correcting(app, ref, reason, apply, on)


def undo(
    app: App, ref: str, reason: str, on: date | None = None, outside_window_reason: str | None = None
) -> Corrected:
    """`rr undo REF --reason R [--on D]`: reverse the last step of the case."""

    def apply(
        uow: UnitOfWork, case: Case, schedule: Schedule, deadlines: list[Deadline], on: date
    ) -> tuple[fix.Change, str, dict[str, Any]]:
        trail = [
            undoing.RecordedStep(
                r["id"],
                r["action"],
                r["from_state"],
                r["to_state"],
                r["effective_on"],
                json.loads(r["details"]),
            )
            for r in audit.case_history(uow.connection, ref)
        ]
        step = undoing.last_step(trail)
        if step is not None and step.action == "decide" and reviews.current_review(uow, case) is not None:
            raise Refused(
                "the decision opened the review that follows: it cannot be undone; correct its date "
                f"(rr correct {case.ref} decided --to DATE), or end the review (rr review not-published)"
            )
        change = undoing.undo(case, step, on, app.today())
        assert step is not None  # undo refuses when there is none
        details = {
            "undoes": step.id,
            "step": step.action,
            "step_on": step.effective_on,
            "before": change.before,
            "after": change.after,
        }
        return change, undoing.UNDO, details

    return _correcting(app, ref, reason, apply, on, outside_window_reason)


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"{value!r} is not a date (expected YYYY-MM-DD)") from None

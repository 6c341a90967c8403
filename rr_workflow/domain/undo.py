"""Undoing the last step of a case (pure: no storage, tested without a database).

The audit trail is never changed: an undo is a new step that reverses, on the case, what the last step
recorded, and puts the case back in the stage it was in before that step. Which step is last is read from
the trail (`last_step`): steps of the procedure, extensions and waivers count; reads, documents and meeting
packs do not; a step already undone is skipped, so a second `rr undo` reaches the step before.

Opening a case is not undone (decline it instead); a correction or withdrawal is undone by putting the
value it replaced back. What went out by mail is not recalled: the `Change` says what follows, and an
undone meeting date raises the event that cancels or updates the partners' invitation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rr_workflow.domain import events as ev
from rr_workflow.domain.case import Case, Meeting
from rr_workflow.domain.corrections import DATE, MEETING_DATE, Change, correct, fact, move_meeting, restore
from rr_workflow.domain.errors import Refused
from rr_workflow.domain.stages import COMMANDS

UNDO = "step_undone"  # the audit action of an undo; its details name the row undone (`undoes`)
CORRECTIONS = ("fact_corrected", "fact_withdrawn")
NOT_UNDONE = {
    "case_opened": "opening a case cannot be undone: if the referral does not meet the criteria, "
    "decline it (rr decline REF --reason R)",
}
DEVIATIONS = ("deadline_extended", "deadline_waived")


@dataclass(frozen=True)
class RecordedStep:
    """One step as the audit trail recorded it."""

    id: int
    action: str
    from_state: str | None
    to_state: str | None
    effective_on: date | None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def command(self) -> str:
        if self.action in COMMANDS:
            return f"rr {COMMANDS[self.action]}"
        if self.action in CORRECTIONS:
            return f"rr correct {self.details.get('fact')}" + (
                f" {self.details['agency']}" if self.details.get("agency") else ""
            )
        return {"deadline_extended": "rr extend", "deadline_waived": "rr waive"}.get(self.action, self.action)


def is_step(action: str) -> bool:
    return action in COMMANDS or action in DEVIATIONS or action in CORRECTIONS or action in NOT_UNDONE


def last_step(trail: Iterable[RecordedStep]) -> RecordedStep | None:
    """The latest step of the case not already undone (the trail in the order it was recorded)."""
    stack: list[RecordedStep] = []
    for row in trail:
        if row.action == UNDO:
            undone = row.details.get("undoes")
            stack = [s for s in stack if s.id != undone]
        elif is_step(row.action):
            stack.append(row)
    return stack[-1] if stack else None


def undo(case: Case, step: RecordedStep | None, on: date, today: date | None = None) -> Change:
    """Reverse `step` on the case and put it back in the stage before it; `Refused` with the reason when
    it cannot be undone."""
    if step is None:
        raise Refused("there is no step to undo on this case")
    if step.action in NOT_UNDONE:
        raise Refused(NOT_UNDONE[step.action])
    reverse = _REVERSALS.get(step.action)
    if reverse is None and step.action not in CORRECTIONS:
        raise Refused(f"{step.command} cannot be undone")
    before = case.state
    if step.from_state is not None and step.action in COMMANDS:
        case.state = step.from_state
    if step.action in CORRECTIONS:
        return _correction(case, step, on, today or on)
    assert reverse is not None
    follow_up = reverse(case, step)
    case.raise_event(ev.DomainEvent(ev.STEP_UNDONE, case.ref, on, {"step": step.action}))
    when = f" of {step.effective_on}" if step.effective_on else ""
    return Change(f"{step.command}{when}", before, case.state, tuple(follow_up))


def _correction(case: Case, step: RecordedStep, on: date, today: date) -> Change:
    """A correction or withdrawal is undone by putting back the value it replaced: itself a correction,
    checked like one (the meeting date moves back, with an updated invitation)."""
    name, agency = str(step.details.get("fact")), step.details.get("agency")
    before = step.details.get("before")
    if name == MEETING_DATE:
        back = date.fromisoformat(str(before))
        rows = [m for m in case.meetings if m.on == back and m.status == Meeting.SUPERSEDED]
        like = max(rows, key=lambda m: m.number) if rows else None
        change = move_meeting(case, back, None, on, like=like)
    else:
        spec = fact(name)
        value = date.fromisoformat(str(before)) if spec.kind == DATE and before is not None else before
        if step.action == "fact_withdrawn":
            change = restore(case, name, agency, value, today, on)
        else:
            change = correct(case, name, agency, value, today, on)
    return Change(f"{step.command} ({change.what})", change.before, change.after, change.follow_up)


# -- one reversal per step --------------------------------------------------------------------------------


def _sin(case: Case, step: RecordedStep) -> list[str]:
    case.sin_notified_on = None
    return []


def _scoping(case: Case, step: RecordedStep) -> list[str]:
    agencies = list(step.details.get("agencies", []))
    case.involvements = [i for i in case.involvements if i.agency not in agencies]
    return [
        f"the scoping request already sent to {', '.join(agencies)} is not recalled: "
        "tell them it was sent in error"
    ]


def _returned(case: Case, step: RecordedStep) -> list[str]:
    involvement = case.involvement(str(step.details.get("agency")))
    if involvement is not None:
        involvement.returned_on = None
    return []


def _secured(case: Case, step: RecordedStep) -> list[str]:
    involvement = case.involvement(str(step.details.get("agency")))
    if involvement is not None:
        involvement.secured_on = None
    return []


def _schedule(case: Case, step: RecordedStep) -> list[str]:
    meeting = case.current_meeting  # the date that step set (or moved to since, by a correction)
    if meeting is None or meeting.status != Meeting.SCHEDULED:
        raise Refused("the meeting date set by that step is no longer the one arranged: nothing to undo")
    meeting.status = Meeting.WITHDRAWN
    # The date in force before the step: the last one superseded before the meeting the step set (its
    # number is in the step's details; a correction since may have moved that meeting to a later row).
    first = int(step.details.get("meeting") or meeting.number)
    earlier = [m for m in case.meetings if m.number < first and m.status != Meeting.WITHDRAWN]
    restored = None
    if step.from_state == "meeting_scheduled" and earlier and earlier[-1].status == Meeting.SUPERSEDED:
        restored = earlier[-1]
        restored.status = Meeting.SCHEDULED
    if all(m.status in Meeting.REPLACED for m in case.meetings):
        case.meeting_date_set_on = None
    case.raise_event(
        ev.DomainEvent(
            ev.MEETING_WITHDRAWN,
            case.ref,
            meeting.set_on,
            {
                "number": meeting.number,
                "date": meeting.on.isoformat(),
                "restored": restored.number if restored else None,
            },
        )
    )
    if restored is not None:
        return [
            f"an updated invitation goes to everyone invited: the meeting is back on {restored.on} "
            f"(not {meeting.on})"
        ]
    return [f"a cancellation of the meeting on {meeting.on} goes to everyone invited"]


def _meeting_record(case: Case, step: RecordedStep) -> list[str]:
    recorded = [
        m for m in case.meetings if m.held_on is not None and m.status in (Meeting.HELD, Meeting.INQUORATE)
    ]
    meeting = max(recorded, key=lambda m: m.number)
    meeting.status = Meeting.SCHEDULED
    meeting.held_on = None
    meeting.attendees = []
    return []


def _decide(case: Case, step: RecordedStep) -> list[str]:
    case.outcome = case.rationale = case.decided_on = None
    case.actions = []
    return []


def _endorse(case: Case, step: RecordedStep) -> list[str]:
    case.endorsed_on = case.endorsed_by = None
    return []


def _submit(case: Case, step: RecordedStep) -> list[str]:
    case.submitted_on = None
    return [
        "the report already sent to the National Panel is not recalled: tell the Panel it was sent in error"
    ]


def _share(case: Case, step: RecordedStep) -> list[str]:
    case.outcome_shared_on = None
    return ["the outcome letters already sent are not recalled: tell the agencies yourself"]


def _panel_response(case: Case, step: RecordedStep) -> list[str]:
    case.panel_response_on = case.panel_agrees = case.panel_questions = None
    return []


def _panel_answered(case: Case, step: RecordedStep) -> list[str]:
    case.panel_answered_on = None
    return [
        "the answer already sent to the National Panel is not recalled: tell the Panel it was sent in error"
    ]


def _close(case: Case, step: RecordedStep) -> list[str]:
    case.closed_on = None
    return []


def _decline(case: Case, step: RecordedStep) -> list[str]:
    declined_on = case.declined_on
    case.declined_on = case.decline_reason = None
    case.deviations = [
        d for d in case.deviations if not (d.recorded_on == declined_on and d.reason == "referral declined")
    ]
    meeting = case.current_meeting
    if meeting is not None and meeting.status == Meeting.SCHEDULED:
        # Its cancellation went to the partners when the referral was declined: a new date is needed.
        meeting.status = Meeting.WITHDRAWN
        case.state = "scoping"
        return [
            f"the meeting on {meeting.on} was cancelled when the referral was declined: set a date again "
            "(rr meeting schedule)"
        ]
    return []


def _deviation(case: Case, step: RecordedStep) -> list[str]:
    key = step.details.get("deadline")
    matching = [n for n, d in enumerate(case.deviations) if d.deadline_key == key]
    if matching:
        del case.deviations[matching[-1]]
    return []


_REVERSALS: Mapping[str, Callable[[Case, RecordedStep], list[str]]] = {
    "record_sin": _sin,
    "send_scoping": _scoping,
    "return_scoping": _returned,
    "secure_records": _secured,
    "schedule_meeting": _schedule,
    "hold_meeting": _meeting_record,
    "record_inquorate": _meeting_record,
    "decide": _decide,
    "endorse": _endorse,
    "submit": _submit,
    "share_outcome": _share,
    "record_panel_response": _panel_response,
    "answer_panel": _panel_answered,
    "close": _close,
    "decline": _decline,
    "deadline_extended": _deviation,
    "deadline_waived": _deviation,
}

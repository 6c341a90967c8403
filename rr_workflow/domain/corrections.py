"""Correcting and withdrawing recorded facts (pure: no storage, tested without a database).

Nothing recorded is edited in place: the audit trail keeps the original step, and a correction is a new
step that changes the case's current value of one fact. The facts a coordinator may correct are listed
once in `FACTS`; each knows how to read and change its value on a case. After a change, the case must
still tell a possible story (`problems`): a return cannot come before its template was sent, a decision
before its meeting, and so on; a correction that would break one of these is refused with the reason,
and the case is put back as it was.

Each change says what follows (`Change.follow_up`): letters already sent are never re-sent silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rr_workflow.domain import events as ev
from rr_workflow.domain.case import Case, Involvement, Meeting
from rr_workflow.domain.errors import BadInput, Refused

DATE, AGENCY, TEXT = "date", "agency", "text"
FINISHED = ("closed", "declined")


@dataclass(frozen=True)
class Change:
    """What a correction, withdrawal or undo did, in a coordinator's words, and what follows from it."""

    what: str
    before: Any
    after: Any
    follow_up: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    name: str  # as typed: `rr correct REF <name> [AGENCY]`
    label: str  # "the date {agency} returned its scoping template"
    kind: str  # DATE, AGENCY (an agency key) or TEXT
    step: str  # the step that records it (the audit action): how the history finds the original
    per_agency: bool = False
    withdrawable: bool = False
    read: Callable[[Case, str | None], Any] = field(default=lambda case, agency: None, repr=False)
    write: Callable[[Case, str | None, Any], None] = field(
        default=lambda case, agency, value: None, repr=False
    )
    letter: str | None = None  # what already went out when it was recorded, if anything

    def describe(self, agency: str | None) -> str:
        return self.label.format(agency=agency or "")


def _involvement(case: Case, agency: str | None) -> Involvement:
    found = case.involvement(agency or "")
    if found is None:
        raise BadInput(f"{agency} was never sent the scoping template on this case")
    return found


def _attr(name: str) -> tuple[Callable[[Case, str | None], Any], Callable[[Case, str | None, Any], None]]:
    def read(case: Case, agency: str | None) -> Any:
        return getattr(case, name)

    def write(case: Case, agency: str | None, value: Any) -> None:
        setattr(case, name, value)

    return read, write


def _agency_attr(
    name: str,
) -> tuple[Callable[[Case, str | None], Any], Callable[[Case, str | None, Any], None]]:
    def read(case: Case, agency: str | None) -> Any:
        return getattr(_involvement(case, agency), name)

    def write(case: Case, agency: str | None, value: Any) -> None:
        setattr(_involvement(case, agency), name, value)

    return read, write


def _held(case: Case) -> Meeting:
    held = [m for m in case.meetings if m.held_on is not None]
    if not held:
        raise Refused("no meeting has been recorded as held or inquorate on this case")
    return max(held, key=lambda m: m.number)


def _read_held(case: Case, agency: str | None) -> Any:
    return _held(case).held_on


def _write_held(case: Case, agency: str | None, value: Any) -> None:
    _held(case).held_on = value


def _fact(name: str, label: str, kind: str, step: str, attr: str, **more: Any) -> Fact:
    read, write = (_agency_attr if more.get("per_agency") else _attr)(attr)
    return Fact(name, label, kind, step, read=read, write=write, **more)


FACTS: dict[str, Fact] = {
    f.name: f
    for f in (
        _fact("received", "the date the referral was received", DATE, "case_opened", "received"),
        _fact("aware", "the date the partnership became aware", DATE, "case_opened", "aware"),
        _fact("referrer", "the referring agency", AGENCY, "case_opened", "referrer"),
        _fact(
            "sin",
            "the date of the Serious Incident Notification",
            DATE,
            "record_sin",
            "sin_notified_on",
            withdrawable=True,
        ),
        _fact(
            "scoping-sent",
            "the date the scoping template went to {agency}",
            DATE,
            "send_scoping",
            "sent_on",
            per_agency=True,
            letter="the scoping request and records-securing instruction sent to {agency}",
        ),
        _fact(
            "scoping-returned",
            "the date {agency} returned its scoping template",
            DATE,
            "return_scoping",
            "returned_on",
            per_agency=True,
            withdrawable=True,
        ),
        _fact(
            "records-secured",
            "the date {agency} confirmed its records are secured",
            DATE,
            "secure_records",
            "secured_on",
            per_agency=True,
            withdrawable=True,
        ),
        _fact(
            "meeting-set",
            "the date the meeting date was set",
            DATE,
            "schedule_meeting",
            "meeting_date_set_on",
        ),
        Fact(
            "meeting-held",
            "the date the meeting took place",
            DATE,
            "hold_meeting",
            read=_read_held,
            write=_write_held,
        ),
        _fact("decided", "the date of the decision", DATE, "decide", "decided_on"),
        _fact("endorsed", "the date of the endorsement", DATE, "endorse", "endorsed_on"),
        _fact("endorsed-by", "who endorsed the outcome", TEXT, "endorse", "endorsed_by"),
        _fact(
            "submitted",
            "the date the report went to the Panel",
            DATE,
            "submit",
            "submitted_on",
            letter="the covering letter to the National Panel",
        ),
        _fact(
            "outcome-shared",
            "the date the outcome was shared",
            DATE,
            "share_outcome",
            "outcome_shared_on",
            withdrawable=True,
            letter="the outcome letters to the agencies",
        ),
        _fact(
            "panel-response",
            "the date the National Panel's response arrived",
            DATE,
            "record_panel_response",
            "panel_response_on",
        ),
        _fact(
            "panel-answered",
            "the date the answer to the Panel's questions went",
            DATE,
            "answer_panel",
            "panel_answered_on",
        ),
    )
}
MEETING_DATE = "meeting-date"  # moves the meeting in force: handled apart, it sends an updated invitation
NAMES = (*FACTS, MEETING_DATE)


def fact(name: str) -> Fact:
    found = FACTS.get(name.strip().lower())
    if found is None:
        raise BadInput(f"cannot correct {name!r}: correctable are {', '.join(NAMES)}")
    return found


# -- what a case must still say after a change ---------------------------------------------------------


def _order(problems: list[str], later: date | None, earlier: date | None, what: str, before: str) -> None:
    if later is not None and earlier is not None and later < earlier:
        problems.append(f"{what} ({later}) would be before {before} ({earlier})")


def problems(case: Case, today: date) -> list[str]:
    """Every way the case's dates contradict each other or the calendar, in a coordinator's words."""
    found = [
        f"{what} ({day}) would be in the future (today is {today})"
        for day, what in _recorded_days(case)
        if day > today
    ]
    _order(found, case.received, case.aware, "the referral", "the partnership became aware")
    _order(found, case.sin_notified_on, case.aware, "the SIN", "the partnership became aware")
    for i in case.involvements:
        _order(found, i.sent_on, case.received, f"the template to {i.agency}", "the referral was received")
        _order(found, i.returned_on, i.sent_on, f"{i.agency}'s return", "its template was sent")
        _order(found, i.secured_on, i.sent_on, f"{i.agency}'s records secured", "its template was sent")
    _order(found, case.meeting_date_set_on, case.received, "setting the meeting date", "the referral")
    held = [m for m in case.meetings if m.held_on is not None]
    for m in case.meetings:
        if m.status not in Meeting.REPLACED:
            _order(found, m.on, case.received, "the meeting", "the referral was received")
    for m in held:
        _order(found, m.held_on, m.set_on, "the meeting", "its date was set")
        _order(found, m.held_on, m.on, "the meeting held", "the date it was arranged for")
    last_held = max((m.held_on for m in held if m.held_on), default=None)
    _order(found, case.decided_on, last_held, "the decision", "the meeting")
    _order(found, case.endorsed_on, case.decided_on, "the endorsement", "the decision")
    _order(
        found,
        case.submitted_on,
        case.endorsed_on or case.decided_on,
        "the report to the Panel",
        "the decision and endorsement",
    )
    _order(found, case.outcome_shared_on, case.decided_on, "sharing the outcome", "the decision")
    _order(
        found, case.panel_response_on, case.submitted_on, "the Panel's response", "the report to the Panel"
    )
    _order(found, case.panel_answered_on, case.panel_response_on, "the answer", "the Panel's response")
    _order(found, case.closed_on, case.submitted_on, "closing the case", "the report to the Panel")
    _order(found, case.closed_on, case.panel_answered_on, "closing the case", "the answer to the Panel")
    _order(found, case.closed_on, case.outcome_shared_on, "closing the case", "sharing the outcome")
    return found


def _recorded_days(case: Case) -> list[tuple[date, str]]:
    days = [
        (case.received, "the referral"),
        (case.aware, "awareness"),
        (case.sin_notified_on, "the SIN"),
        (case.decided_on, "the decision"),
        (case.endorsed_on, "the endorsement"),
        (case.submitted_on, "the report to the Panel"),
        (case.outcome_shared_on, "sharing the outcome"),
        (case.panel_response_on, "the Panel's response"),
        (case.panel_answered_on, "the answer to the Panel"),
        (case.meeting_date_set_on, "setting the meeting date"),
    ]
    for i in case.involvements:
        days += [(i.sent_on, "a template"), (i.returned_on, "a return"), (i.secured_on, "records secured")]
    days += [(m.held_on, "the meeting") for m in case.meetings]
    return [(d, what) for d, what in days if d is not None]


def _checked(case: Case, today: date, undo: Callable[[], None], before: Sequence[str]) -> None:
    """Refuse (after putting the case back with `undo`) if the change made a new contradiction."""
    new = [p for p in problems(case, today) if p not in before]
    if new:
        undo()
        raise BadInput(f"cannot make that change: {new[0]}")


# -- correcting and withdrawing ------------------------------------------------------------------------


def correct(case: Case, name: str, agency: str | None, to: Any, today: date, on: date) -> Change:
    """Set one recorded fact to a new value; raises the event the letters and timers follow."""
    spec = fact(name)
    _needs_agency(spec, agency)
    before = spec.read(case, agency)
    if before is None:
        raise Refused(f"{spec.describe(agency)} is not recorded yet: record it with its own command")
    if before == to:
        raise BadInput(f"{spec.describe(agency)} is already {to}")
    if spec.kind == TEXT and not str(to).strip():
        raise BadInput(f"{spec.describe(agency)} cannot be empty")
    existing = problems(case, today)
    spec.write(case, agency, to)
    _checked(case, today, lambda: spec.write(case, agency, before), existing)
    case.raise_event(
        ev.DomainEvent(
            ev.FACT_CORRECTED,
            case.ref,
            on,
            {"fact": spec.name, "agency": agency, "before": _plain(before), "after": _plain(to)},
        )
    )
    follow = []
    if spec.letter:
        follow.append(
            f"{spec.letter.format(agency=agency)} is not sent again: tell them yourself if the change matters"
        )
    return Change(spec.describe(agency), before, to, tuple(follow))


def withdraw(case: Case, name: str, agency: str | None, on: date) -> Change:
    """Remove a fact recorded by mistake (e.g. a return recorded for the wrong agency)."""
    spec = fact(name)
    _needs_agency(spec, agency)
    if not spec.withdrawable:
        raise Refused(
            f"{spec.describe(agency)} cannot be withdrawn, only corrected (--to); "
            "a whole step just recorded can be undone with `rr undo`"
        )
    before = spec.read(case, agency)
    if before is None:
        raise Refused(f"{spec.describe(agency)} is not recorded: there is nothing to withdraw")
    if spec.name == "sin" and case.submitted_on is not None:
        raise Refused(
            f"the report went to the Panel on {case.submitted_on}, which needs the SIN: "
            "correct its date instead"
        )
    if spec.name == "outcome-shared" and case.state == "closed":
        raise Refused("the case is closed, which needs the outcome shared: correct its date instead")
    spec.write(case, agency, None)
    case.raise_event(
        ev.DomainEvent(
            ev.FACT_WITHDRAWN, case.ref, on, {"fact": spec.name, "agency": agency, "before": _plain(before)}
        )
    )
    follow = []
    if spec.letter:
        follow.append(
            f"{spec.letter.format(agency=agency)} already went and is not recalled: tell them yourself"
        )
    return Change(spec.describe(agency), before, None, tuple(follow))


def restore(case: Case, name: str, agency: str | None, value: Any, today: date, on: date) -> Change:
    """Put back a fact that was withdrawn (undoing the withdrawal), checked like a correction."""
    spec = fact(name)
    _needs_agency(spec, agency)
    if spec.read(case, agency) is not None:
        raise Refused(f"{spec.describe(agency)} is recorded again: correct it instead")
    existing = problems(case, today)
    spec.write(case, agency, value)
    _checked(case, today, lambda: spec.write(case, agency, None), existing)
    case.raise_event(
        ev.DomainEvent(
            ev.FACT_CORRECTED,
            case.ref,
            on,
            {"fact": spec.name, "agency": agency, "before": None, "after": _plain(value)},
        )
    )
    return Change(spec.describe(agency), None, value)


def _needs_agency(spec: Fact, agency: str | None) -> None:
    if spec.per_agency and not agency:
        raise BadInput(f"name the agency: rr correct REF {spec.name} AGENCY ...")
    if not spec.per_agency and agency:
        raise BadInput(f"{spec.name} is about the case, not one agency: leave out {agency!r}")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# -- the meeting date ------------------------------------------------------------------------------------


def recheck_meeting_window(case: Case, window: tuple[date, date] | None, reason: str | None) -> str | None:
    """After a change that moved the meeting window (the referral's date corrected, or such a correction
    undone): the meeting arranged and not yet held keeps its date, and is held to the rule it was set
    under. Outside the new window it needs the reason a meeting outside the window always needs: refused
    without one (`reason`), recorded on the meeting with one. A meeting already held is history: its
    deadline shows met late. Returns the line telling the coordinator what follows, if any."""
    meeting = case.current_meeting
    inside = (
        window is None
        or meeting is None
        or meeting.status != Meeting.SCHEDULED
        or window[0] <= meeting.on <= window[1]
    )
    if inside or meeting is None or window is None:
        if reason:
            raise BadInput("--outside-window-reason is for a meeting the change puts outside the window")
        return None
    where = f"{meeting.on:%A} {meeting.on} is outside the meeting window {window[0]} to {window[1]}"
    if meeting.outside_window_reason:
        return f"the meeting on {where}; the reason recorded when it was set still stands"
    if not (reason and reason.strip()):
        raise BadInput(
            f"the meeting on {where} counted from the changed date: give --outside-window-reason R to "
            "keep it on that day, or move it into the window first (rr correct REF meeting-date --to D)"
        )
    meeting.outside_window_reason = reason.strip()
    return f"the meeting on {where}: the reason is recorded with it; no invitation is sent (its date stays)"


def move_meeting(
    case: Case,
    to: date,
    window: tuple[date, date] | None,
    on: date,
    day_off: str | None = None,
    like: Meeting | None = None,
) -> Change:
    """Correct the date of the meeting in force (not yet held): the wrong date is superseded by a new
    meeting row, so the original stays on record, and the partners get an updated invitation.

    `day_off`: why `to` is not a working day, if it is not. A date outside the window or on a day off
    needs the reason the meeting command records; the new row keeps the reasons that still apply.
    `like`: the row whose reasons to keep (undoing a correction moves back to that row's date)."""
    meeting = case.current_meeting
    if meeting is None or meeting.status != Meeting.SCHEDULED:
        raise Refused(
            "there is no meeting date in force to correct"
            + ("; the date it was held is `meeting-held`" if case.held_meeting else "")
        )
    if meeting.on == to:
        raise BadInput(f"the meeting is already on {to}")
    if to < case.received:
        raise BadInput(f"the meeting cannot be before the referral was received ({case.received})")
    source = like or meeting
    outside = window is not None and not window[0] <= to <= window[1]
    if window is not None and outside and not source.outside_window_reason:
        raise BadInput(
            f"{to} is outside the meeting window {window[0]} to {window[1]}: set it with "
            "`rr meeting schedule REF DATE --outside-window-reason R`"
        )
    if day_off and not source.non_working_day_reason:
        raise BadInput(
            f"{to:%A} {to} is not a working day ({day_off}): set it with "
            "`rr meeting schedule REF DATE --non-working-day-reason R`"
        )
    meeting.status = Meeting.SUPERSEDED
    number = len(case.meetings) + 1
    moved = Meeting(
        number,
        to,
        meeting.at,
        meeting.mode,
        meeting.mode_reason,
        source.outside_window_reason if outside or like else None,
        meeting.set_on,
        source.non_working_day_reason if day_off or like else None,
    )
    # the same meeting in everyone's calendar: its invitation UID, place and link go with it
    moved.uid, moved.location, moved.join_url = meeting.uid, meeting.location, meeting.join_url
    case.meetings.append(moved)
    case.raise_event(
        ev.DomainEvent(
            ev.MEETING_SCHEDULED,
            case.ref,
            on,
            {
                "number": number,
                "date": to.isoformat(),
                "time": moved.at.strftime("%H:%M") if moved.at else None,
                "mode": moved.mode,
                "moved_from": meeting.on.isoformat(),
            },
        )
    )
    return Change(
        "the meeting date",
        meeting.on,
        to,
        (f"an updated invitation goes to everyone invited: moved from {meeting.on} to {to}",),
    )

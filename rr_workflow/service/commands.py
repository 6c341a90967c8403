"""Use cases that change a case: one function per recording command.

Each opens a unit of work, checks the actor's role, loads the case, fires one state-machine event,
and `_save` then stores the result: the materialised deadlines, the allowed next actions, an audit row
and the domain events in the outbox. Nothing is committed unless all of it succeeds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from statemachine.exceptions import TransitionNotAllowed

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain import events as ev
from rr_workflow.domain import machine as machines
from rr_workflow.domain import names
from rr_workflow.domain.case import Case, ChildDetails, ChildIdentity, RecordedDeviation
from rr_workflow.domain.deadlines import (
    Deadline,
    Status,
    lateness,
    meeting_window,
)
from rr_workflow.domain.documents import DOCUMENT_KINDS
from rr_workflow.domain.errors import BadInput, Conflict, Refused
from rr_workflow.domain.machine import RapidReview, allowed_events
from rr_workflow.domain.names import did_you_mean
from rr_workflow.domain.schedule import Schedule
from rr_workflow.domain.stages import COMMANDS, state_label
from rr_workflow.service import actions as actions_register
from rr_workflow.service import case_rules, follow_up, permissions, read_models, validate
from rr_workflow.service.app import App

REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")
PANEL_MILESTONES = ("panel_response", "panel_answered")  # what the Panel's deadlines are met by
JOIN_URL = re.compile(r"^https://[^\s<>\"]+$")


# -- shared steps --------------------------------------------------------------------------------------


def case_schedule(uow: UnitOfWork, case: Case) -> Schedule:
    """The schedule the case was opened under (stored in the database with its version)."""
    return case_rules.parsed(case.schedule_version, uow.schedule_text(case.schedule_version))


def recording_case(app: App, uow: UnitOfWork, ref: str, action: str = "record") -> Case:
    """The start of every recording command (the Rapid Review's and the review's): the acting person
    may `action` (refused first, whatever the case), and the case `ref` (refused if none). The person's
    roles are read with the case, in its query."""
    try:
        case = uow.cases.get(ref, actor=app.actor)
    except (BadInput, Conflict):
        permissions.require(uow, app.actor, action)  # someone who may not act learns nothing of the case
        raise
    permissions.require(uow, app.actor, action, uow.cases.actor_roles(app.actor))
    return case


def on_or_today(app: App, on: date | None, floor: date, what: str) -> date:
    """`--on`: today by default; never in the future, never before `floor`, the day `what`."""
    today = app.today()
    on = on or today
    if on > today:
        raise BadInput(f"{on} is in the future (today is {today})")
    if on < floor:
        raise BadInput(f"{on} is before {what} ({floor})")
    return on


def effective_date(app: App, case: Case, on: date | None, from_aware: bool = False) -> date:
    """`--on`: today by default; never in the future, never before the referral (or, for a step that may
    come before the referral like the SIN, before the partnership became aware)."""
    if from_aware:
        return on_or_today(app, on, case.aware, "the partnership became aware")
    return on_or_today(app, on, case.received, "the referral was received")


def machine_for(case: Case, schedule: Schedule) -> RapidReview:
    """The case's state machine (built once per process and handed the case: valid until the next call)."""
    return machines.machine_for(case, schedule.endorsement_required)


def fire(machine: RapidReview, event: str, **kwargs: Any) -> None:
    try:
        machine.send(event, **kwargs)
    except TransitionNotAllowed:
        raise Refused(refusal(machine, event)) from None


def refusal(machine: RapidReview, event: str) -> str:
    case = machine.case
    allowed = [f"rr {COMMANDS[e]}" for e in allowed_events(machine)]
    reason = ""
    if event == "submit" and case.state == "decided":
        reason = " (the independent chair must endorse the outcome first: rr endorse)"
    elif event == "record_sin" and case.sin_notified_on is not None:
        reason = f" (it was already recorded on {case.sin_notified_on})"
    elif event == "share_outcome" and case.outcome_shared_on is not None:
        reason = f" (it was already shared on {case.outcome_shared_on})"
    return (
        f"cannot `rr {COMMANDS[event]}` while the case is {state_label(str(case.state))!r}{reason}; "
        f"allowed now: {', '.join(allowed) or 'nothing (the case is finished)'}"
    )


def deadlines_of(app: App, uow: UnitOfWork, case: Case, schedule: Schedule | None = None) -> list[Deadline]:
    return case_rules.deadlines_of(app, case, schedule or case_schedule(uow, case))


def _save(
    app: App,
    uow: UnitOfWork,
    case: Case,
    schedule: Schedule,
    action: str,
    effective_on: date | None,
    from_state: str | None,
    details: Mapping[str, Any] | None = None,
    machine: RapidReview | None = None,
) -> list[Deadline]:
    machine = machine or machine_for(case, schedule)  # building one costs milliseconds: reuse the command's
    case.allowed = ",".join(allowed_events(machine))  # type: ignore[attr-defined]
    uow.touch(case, app.moment())
    # A case being opened (from no state) has no deadlines yet, so none met late, nor a review.
    open_before, reviews = (set(), []) if from_state is None else uow.case_deadlines_before(case.id)  # type: ignore[attr-defined]
    deadlines = deadlines_of(app, uow, case, schedule)
    read_models.materialise(app, uow, case, schedule, deadlines, reviews)
    case.met_late.extend(
        late
        for late in (lateness(d, app.calendar) for d in deadlines if d.key in open_before)
        if late is not None
    )
    uow.audit(
        actor=app.actor,
        recorded_at=app.moment(),
        action=action,
        case_ref=case.ref,
        effective_on=effective_on,
        from_state=from_state,
        to_state=case.state,
        details=details,
    )
    follow_up.publish(app, uow, case, schedule, deadlines)  # the letters follow after the commit
    return deadlines


def _step(
    app: App,
    ref: str,
    event: str,
    on: date | None,
    details: Mapping[str, Any] | None = None,
    action: str = "record",
    from_aware: bool = False,
    check: Callable[[UnitOfWork], object] | None = None,
    follow: Callable[[App, UnitOfWork, Case, Schedule, date], None] | None = None,
    then: Callable[[UnitOfWork, Case, Schedule], None] | None = None,
    **kwargs: Any,
) -> Case:
    """One recording step: the common shape of most commands. `check` validates input that needs the
    database (after the role check, in the same unit of work); `then` completes what the step recorded
    before it is saved; `follow` records what the step starts (a review after a decision), after the
    step and in the same unit of work."""
    with app.uow() as uow:
        case = recording_case(app, uow, ref, action)
        if check is not None:
            check(uow)
        schedule = case_schedule(uow, case)
        day = effective_date(app, case, on, from_aware)
        before = case.state
        machine = machine_for(case, schedule)
        fire(machine, event, on=day, **kwargs)
        if then is not None:
            then(uow, case, schedule)
        _save(app, uow, case, schedule, event, day, before, details, machine)
        if follow is not None:
            follow(app, uow, case, schedule, day)
        uow.commit()
        return case


def agency_key(typed: str) -> str:
    """Agency keys are stored in lower case: `LA`, `La` and `la` are the same agency."""
    return typed.strip().lower()


def _require_agencies(
    uow: UnitOfWork, keys: Sequence[str], active: bool = True
) -> dict[str, Mapping[str, Any]]:
    """The agencies by key; each of `keys` must exist and, unless `active` is False (who attended a
    meeting), be active: a deactivated agency gets no new letters."""
    rows = {r["key"]: r for r in uow.agency_rows()}
    for key in keys:
        if key not in rows:
            raise BadInput(
                f"no agency {key!r}{did_you_mean(key, rows)} "
                "(rr agency list shows them; rr agency add registers one)"
            )
        if active and not rows[key]["active"]:
            raise Refused(f"agency {key} is deactivated: it gets no new letters (rr agency activate {key})")
    return rows


# -- opening ---------------------------------------------------------------------------------------------


def case_open(
    app: App,
    ref: str,
    received: date,
    aware: date,
    referrer: str,
    summary: str | None = None,
    child_name: str | None = None,
    child_dob: date | None = None,
    child_address: str | None = None,
) -> list[Deadline]:
    if not REF.match(ref):
        raise BadInput(f"a case reference is letters, digits and / _ . - (up to 64), not {ref!r}")
    today = app.today()
    for label, day in (("--received", received), ("--aware", aware), ("--child-dob", child_dob)):
        if day is not None and day > today:
            raise BadInput(f"{label} {day} is in the future (today is {today})")
    if aware > received:
        raise BadInput(
            f"--aware {aware} is after --received {received}: the referral makes the partnership aware"
        )
    if child_name is not None and not ChildIdentity.initials_of(child_name):
        raise BadInput("--child-name is empty")
    for what, value in (
        ("--summary", summary),
        ("--child-name", child_name),
        ("--child-address", child_address),
    ):
        if value is not None and value.strip():
            validate.text(value, what)
    referrer = agency_key(referrer)
    schedule, text = config.schedule_in_force()
    with app.uow() as uow:
        permissions.require(uow, app.actor, "case_open")
        _require_agencies(uow, [referrer])
        existing = uow.cases.existing_ref(ref)
        if existing is not None:
            raise BadInput(f"case {ref!r} already exists" + (f" (as {existing})" if existing != ref else ""))
        case_rules.store_schedule(app, uow, t.schedules, schedule, text)
        child = ChildDetails(child_name, child_address) if (child_name or child_address) else None
        case = Case(
            ref=ref,
            received=received,
            aware=aware,
            referrer=referrer,
            schedule_version=schedule.version,
            summary=summary,
            child_initials=ChildIdentity.initials_of(child_name) if child_name else None,
            child_dob=child_dob,
            child=child,
        )
        case.opened_at = app.moment()  # type: ignore[attr-defined]
        machine = machine_for(case, schedule)  # enters the initial state
        case.raise_event(ev.DomainEvent(ev.CASE_OPENED, ref, received, {"referrer": referrer}))
        uow.cases.add(case)
        deadlines = _save(
            app,
            uow,
            case,
            schedule,
            "case_opened",
            received,
            None,
            {
                "received": received,
                "aware": aware,
                "referrer": referrer,
                "schedule_version": schedule.version,
            },
            machine,
        )
        uow.commit()
        return deadlines


# -- the steps of the procedure ---------------------------------------------------------------------------


def sin_notified(app: App, ref: str, on: date | None = None, reference: str | None = None) -> Case:
    """`reference`: the notification's reference from the Panel's system, quoted in the covering letter."""
    reference = " ".join(reference.split()) if reference else None
    if reference is not None and not reference:
        raise BadInput("--reference is empty")
    if reference is not None and len(reference) > 64:
        raise BadInput("--reference is longer than 64 characters")
    return _step(app, ref, "record_sin", on, from_aware=True, reference=reference)


def scoping_send(
    app: App, ref: str, agencies: Sequence[str], on: date | None = None, already_sent: bool = False
) -> Case:
    """`already_sent`: the letters went at the time (a running case taken over): none is written now."""
    if not agencies:
        raise BadInput("name at least one agency")
    if already_sent and on is None:
        raise BadInput("--already-sent needs --on (the day the letters went)")
    if already_sent:
        app = dataclasses.replace(app, record_only=True)
    unique = list(dict.fromkeys(agency_key(a) for a in agencies))
    today = app.today()
    # Recorded after the fact, the letters still go now, dated today: the agencies' deadlines count from
    # the letter they receive. From a register (`record_only`) no letter goes: they count from `on`.
    late = on is not None and on < today and not app.record_only
    details: dict[str, Any] = {"agencies": unique}
    if late:
        details["letter_on"] = today
    if already_sent:
        details["letters"] = "sent at the time"
    return _step(
        app,
        ref,
        "send_scoping",
        on,
        details,
        check=partial(_require_agencies, keys=unique),
        agencies=unique,
        letter_on=today if late else None,
    )


def scoping_returned(app: App, ref: str, agency: str, on: date | None = None) -> Case:
    agency = agency_key(agency)
    return _step(app, ref, "return_scoping", on, {"agency": agency}, agency=agency)


def records_secured(app: App, ref: str, agency: str, on: date | None = None) -> Case:
    agency = agency_key(agency)
    return _step(app, ref, "secure_records", on, {"agency": agency}, agency=agency)


def meeting_schedule(
    app: App,
    ref: str,
    meeting_date: date,
    at: time | None = None,
    mode: str = "in_person",
    mode_reason: str | None = None,
    outside_window_reason: str | None = None,
    on: date | None = None,
    non_working_day_reason: str | None = None,
    location: str | None = None,
    join_url: str | None = None,
) -> Case:
    """Set (or move) the meeting to `meeting_date`; `on` is the day the date was set (default today),
    and the meeting cannot be before it. A weekend, bank holiday or closure day needs
    `non_working_day_reason`, as a day outside the window needs `outside_window_reason`. A new meeting
    gets its calendar UID here, once; a moved one keeps its UID (the machine decides), so calendars
    update the meeting instead of adding another."""
    location = " ".join(location.split()) if location else None
    if join_url is not None and not JOIN_URL.match(join_url.strip()):
        raise BadInput("--join-url must be an https:// link (the meeting's video conference address)")
    join_url = join_url.strip() if join_url else None
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        schedule = case_schedule(uow, case)
        day = effective_date(app, case, on)
        if meeting_date < day:
            when = "today" if day == app.today() else "the day it was set"
            raise BadInput(f"the meeting date {meeting_date} is in the past ({when} is {day})")
        window = meeting_window(deadlines_of(app, uow, case, schedule))
        before = case.state
        machine = machine_for(case, schedule)
        fire(
            machine,
            "schedule_meeting",
            on=meeting_date,
            at=at,
            mode=mode,
            mode_reason=mode_reason,
            window=window,
            outside_window_reason=outside_window_reason,
            recorded_on=day,
            day_off=app.calendar.day_off(meeting_date),
            non_working_day_reason=(non_working_day_reason or "").strip() or None,
            uid=f"{uuid.uuid4()}@rr-workflow",
            location=location,
            join_url=join_url,
        )
        _save(
            app,
            uow,
            case,
            schedule,
            "schedule_meeting",
            day,
            before,
            {
                "date": meeting_date,
                "mode": mode,
                "outside_window": bool(outside_window_reason),
                "non_working_day": bool(non_working_day_reason),
                "meeting": len(case.meetings),  # the meeting's number: what an undo of this step withdraws
            },
            machine,
        )
        uow.commit()
        return case


def _parse_attendees(uow: UnitOfWork, attendees: Sequence[str]) -> tuple[list[tuple[str, str]], set[str]]:
    if not attendees:
        raise BadInput("name who attended: --attendee AGENCY:NAME (once for each person)")
    parsed = []
    for item in attendees:
        agency, _, name = item.partition(":")
        if not agency or not name.strip():
            raise BadInput(f"an attendee is AGENCY:NAME, not {item[:80]!r}")
        parsed.append((agency_key(agency), validate.name(name.strip(), "an attendee's name")))
    rows = _require_agencies(uow, [a for a, _ in parsed], active=False)
    present = {rows[a]["partner"] for a, _ in parsed if rows[a]["partner"]}
    return parsed, present


def _meeting_record(app: App, ref: str, event: str, on: date | None, attendees: Sequence[str]) -> Case:
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        schedule = case_schedule(uow, case)
        meeting = case.current_meeting
        if on is None and meeting is not None and meeting.on <= app.today():
            on = meeting.on  # recorded after the day: it was held on its date
        day = effective_date(app, case, on)
        parsed, present = _parse_attendees(uow, attendees)
        before = case.state
        machine = machine_for(case, schedule)
        fire(
            machine,
            event,
            on=day,
            attendees=parsed,
            required_partners=dict(schedule.partners),
            partners_present=present,
        )
        present_agencies = {"agencies_present": sorted({a for a, _ in parsed})}
        _save(app, uow, case, schedule, event, day, before, present_agencies, machine)
        uow.commit()
        return case


def meeting_held(app: App, ref: str, attendees: Sequence[str], on: date | None = None) -> Case:
    return _meeting_record(app, ref, "hold_meeting", on, attendees)


def meeting_inquorate(app: App, ref: str, attendees: Sequence[str], on: date | None = None) -> Case:
    return _meeting_record(app, ref, "record_inquorate", on, attendees)


def decide(
    app: App, ref: str, outcome: str, rationale: str, actions: Sequence[str] = (), on: date | None = None
) -> Case:
    validate.text(rationale, "the rationale")
    parsed = []
    for item in actions:
        owner, _, text = item.partition(":")
        if not owner.strip() or not text.strip():
            raise BadInput(f'an action is "owner: what to do", not {item[:80]!r}')
        parsed.append(
            (validate.name(owner.strip(), "an action's owner"), validate.text(text.strip(), "an action"))
        )
    return _step(
        app,
        ref,
        "decide",
        on,
        {"outcome": outcome, "actions": len(parsed)},
        follow=_open_review,
        outcome=outcome,
        rationale=rationale,
        actions=parsed,
        then=partial(actions_register.plan_meeting_actions, app),
    )


def _open_review(app: App, uow: UnitOfWork, case: Case, schedule: Schedule, on: date) -> None:
    from rr_workflow.service import reviews

    reviews.open_for_decision(app, uow, case, schedule, on)


def endorse(app: App, ref: str, by: str | None = None, on: date | None = None) -> Case:
    if by is not None:
        by = validate.name(by.strip(), "--by (the chair's name)")
    with app.uow() as uow:
        roles = permissions.require(uow, app.actor, "endorse")
        if "chair" not in roles and not by:
            raise Refused(
                "endorsement is the independent chair's: a coordinator records it on the chair's "
                "behalf with --by NAME"
            )
        if not by:
            by = uow.session.execute(select(t.people.c.name).where(t.people.c.login == app.actor)).scalar()
    return _step(app, ref, "endorse", on, {"by": by}, action="endorse", by=by)


def submit(app: App, ref: str, on: date | None = None, send_draft: bool = False) -> Case:
    """The report to the National Panel: the finished report attached with `rr doc add REF
    rapid_review_report FILE` (the latest one), or, only with `send_draft`, the software's draft; which
    one went is recorded in the audit trail. A step recorded from a register (`record_only`) sends
    nothing: the report went at the time."""
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        schedule = case_schedule(uow, case)
        day = effective_date(app, case, on)
        d = t.documents
        report = uow.session.execute(
            select(d.c.id, d.c.sha256)
            .where(d.c.case_id == case.id, d.c.kind == "rapid_review_report", d.c.generated == 0)  # type: ignore[attr-defined]
            .order_by(d.c.id.desc())
            .limit(1)
        ).first()
        before = case.state
        machine = machine_for(case, schedule)
        fire(machine, "submit", on=day, report_document=report.id if report else None)
        if report is None and not send_draft and not app.record_only:
            raise Refused(
                "no finished Rapid Review report is attached: attach it with "
                f"`rr doc add {ref} rapid_review_report FILE`, or send the draft with `rr submit {ref} "
                "--send-draft` (recorded)"
            )
        if not app.record_only:
            _require_panel_address()
        details = {"report": "finished" if report else "draft" if send_draft else "sent at the time"}
        if report is not None:
            details["sha256"] = report.sha256
        _save(app, uow, case, schedule, "submit", day, before, details, machine)
        uow.commit()
        return case


def _require_panel_address() -> None:
    """The report goes to the National Panel by e-mail: without its address nothing would be sent, so
    the step is refused (and the case still shows the report as not sent)."""
    from rr_workflow.adapters.profile import load_profile

    profile = load_profile()
    if not profile.panel_email:
        raise Refused(
            "nothing was sent: the National Panel's e-mail address is not set; set `email` under [panel] "
            f"in the partnership profile ({profile.source}; rr settings show), then run rr submit again"
        )


def outcome_shared(app: App, ref: str, on: date | None = None) -> Case:
    return _step(app, ref, "share_outcome", on)


def panel_response(
    app: App, ref: str, agrees: bool, questions: str | None = None, on: date | None = None
) -> Case:
    """The National Panel's response to the report: whether it agrees with the decision, and what it
    asks. A response that agrees and asks nothing is handled; otherwise the partnership's answer is due
    (`panel_answered`). The Panel's letter is attached with `rr doc add REF panel_response FILE`."""
    if questions is not None:
        questions = validate.text(questions, "--questions") if questions.strip() else None
    details = {"agrees": agrees, "questions": questions is not None}
    return _step(app, ref, "record_panel_response", on, details, agrees=agrees, questions=questions)


def panel_answered(app: App, ref: str, on: date | None = None) -> Case:
    """The partnership's answer to the Panel's questions went (attach it: `rr doc add REF panel_answer`)."""
    return _step(app, ref, "answer_panel", on)


def close(
    app: App,
    ref: str,
    on: date | None = None,
    waive_open: str | None = None,
    without_response: str | None = None,
) -> Case:
    """Close the case. Deadlines still open (an agency that never confirmed its records, say) refuse
    it, unless `waive_open` gives the reason they no longer apply: each is then waived with it. A case
    closes once the Panel's response is handled; `without_response` gives the reason one that never had
    its response recorded (a case taken over from a register) closes anyway."""
    if waive_open is not None and not waive_open.strip():
        raise BadInput("--waive-open needs its reason")
    if waive_open is not None:
        validate.text(waive_open, "--waive-open")  # kept with each waived deadline, as a waiver's reason
    if without_response is not None:
        if not without_response.strip():
            raise BadInput("--without-response needs its reason")
        validate.text(without_response, "--without-response")
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        schedule = case_schedule(uow, case)
        day = effective_date(app, case, on)
        before = case.state
        machine = machine_for(case, schedule)
        still_open = [d for d in deadlines_of(app, uow, case, schedule) if d.is_open]
        if without_response and case.state == "submitted":  # the Panel's deadlines no longer apply
            panel = [d for d in still_open if schedule.rule(d.rule_key).met_by in PANEL_MILESTONES]
            case.waive_open(panel, without_response.strip(), day)
            still_open = [d for d in still_open if d not in panel]
        waived = [d.key for d in still_open] if waive_open else []
        if waive_open:
            case.waive_open(still_open, waive_open.strip(), day)
            still_open = []
        fire(machine, "close", on=day, open_deadlines=still_open, without_response=without_response)
        details: dict[str, Any] | None = {"waived": waived, "reason": waive_open.strip()} if waived else None
        if without_response:
            details = {**(details or {}), "without_response": without_response.strip()}
        _save(app, uow, case, schedule, "close", day, before, details, machine)
        uow.commit()
        return case


def decline(app: App, ref: str, reason: str, on: date | None = None) -> Case:
    if not reason.strip():
        raise BadInput("a decline needs its reason (--reason)")
    validate.text(reason, "--reason")
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        schedule = case_schedule(uow, case)
        day = effective_date(app, case, on)
        before = case.state
        machine = machine_for(case, schedule)
        fire(machine, "decline", on=day, reason=reason)
        case.waive_open(deadlines_of(app, uow, case, schedule), "referral declined", day)
        _save(app, uow, case, schedule, "decline", day, before, machine=machine)
        uow.commit()
        return case


# -- deviations -----------------------------------------------------------------------------------------


def _deviate(
    app: App, ref: str, key: str, reason: str, extended_to: date | None, on: date | None = None
) -> Deadline:
    if not reason.strip():
        raise BadInput("give the reason (--reason)")
    validate.text(reason, "--reason")
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        ref = case.ref  # as stored, however it was typed
        schedule = case_schedule(uow, case)
        day = effective_date(app, case, on)
        if case.state in ("closed", "declined"):
            raise Refused(f"the case is {case.state}: its deadlines can no longer change")
        deadlines = {d.key: d for d in deadlines_of(app, uow, case, schedule)}
        key = names.find(key, deadlines) or key
        deadline = deadlines.get(key)
        if deadline is None:
            raise BadInput(f"no deadline {key!r} on this case (it has: {', '.join(deadlines) or 'none yet'})")
        if deadline.met_on is not None:
            raise BadInput(f"{key} was already met on {deadline.met_on}")
        if deadline.status == Status.WAIVED:
            raise BadInput(f"{key} is already waived")
        if extended_to is not None and extended_to <= deadline.due:
            raise BadInput(f"the new date {extended_to} must be after the date in force ({deadline.due})")
        case.deviations.append(RecordedDeviation(key, reason, extended_to, day))
        kind = ev.DEADLINE_WAIVED if extended_to is None else ev.DEADLINE_EXTENDED
        case.raise_event(
            ev.DomainEvent(kind, ref, day, {"deadline": key, "to": extended_to and str(extended_to)})
        )
        saved = _save(
            app,
            uow,
            case,
            schedule,
            "deadline_waived" if extended_to is None else "deadline_extended",
            day,
            case.state,
            {"deadline": key, "to": extended_to, "original_due": deadline.original_due},
        )
        uow.commit()
        return next(d for d in saved if d.key == key)


def extend(app: App, ref: str, key: str, to: date, reason: str, on: date | None = None) -> Deadline:
    """Extend a deadline to `to`, as agreed on `on` (default today)."""
    return _deviate(app, ref, key, reason, to, on)


def waive(app: App, ref: str, key: str, reason: str, on: date | None = None) -> Deadline:
    """Waive a deadline, as decided on `on` (default today)."""
    return _deviate(app, ref, key, reason, None, on)


# -- documents ------------------------------------------------------------------------------------------


def doc_add(app: App, ref: str, kind: str, source: Path) -> dict[str, Any]:
    content = _document_content(kind, source)
    with app.uow() as uow:
        case = recording_case(app, uow, ref)
        uow.touch(case, app.moment())  # the case row first: the same lock order as every other step
        stored = attach(app, uow, case.id, case.ref, str(case.state), kind, source.name, content)  # type: ignore[attr-defined]
        uow.commit()
        return {"ref": case.ref, "kind": kind, **stored}


def _document_content(kind: str, source: Path) -> bytes:
    if kind not in DOCUMENT_KINDS:
        raise BadInput(f"unknown document kind {kind!r} (expected one of: {', '.join(DOCUMENT_KINDS)})")
    if not source.is_file():
        raise BadInput(f"no such file: {source}")
    return source.read_bytes()


def attach(
    app: App, uow: UnitOfWork, case_id: int, ref: str, state: str, kind: str, filename: str, content: bytes
) -> dict[str, Any]:
    """Store a document of the case (file + row with its SHA-256) and audit it, in the caller's unit of
    work; returns its id, sha256, path and size."""
    digest = hashlib.sha256(content).hexdigest()
    stored = app.documents_folder(ref) / f"{digest[:16]}-{filename}"
    row = {
        "case_id": case_id,
        "kind": kind,
        "filename": filename,
        "path": str(stored),
        "sha256": digest,
        "size": len(content),
        "added_by": app.actor,
        "added_at": app.moment(),
    }
    document_id = uow.session.execute(
        insert(t.documents).values(**row).returning(t.documents.c.id)
    ).scalar_one()
    uow.audit(
        actor=app.actor,
        recorded_at=app.moment(),
        action="document_added",
        case_ref=ref,
        effective_on=app.today(),
        from_state=state,
        to_state=state,
        details={"kind": kind, "sha256": digest},
    )
    uow.write_file(stored, content)  # removed again if the commit fails
    return {"id": document_id, "sha256": digest, "path": str(stored), "size": row["size"]}


def attach_file(
    app: App, uow: UnitOfWork, case_id: int, ref: str, state: str, kind: str, source: Path
) -> dict[str, Any]:
    """`attach` for a file named on the command line (checked like `rr doc add`'s)."""
    return attach(app, uow, case_id, ref, state, kind, source.name, _document_content(kind, source))


# The one save path and agency check, for the use cases beside these (corrections, undo): every change of
# a case goes through `save`, so whatever it keeps up to date follows from corrected facts too.
save = _save
require_agencies = _require_agencies

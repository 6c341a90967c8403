"""Use cases of the review that follows a Rapid Review: one function per recording command.

A `local_cspr` or `alternative_review` decision opens a review (`open_for_decision`, in the decision's own
unit of work); a `national_cspr` decision opens one that waits for the Panel's decision. Each step loads
the case's review, fires one event of its machine (domain/review.py), and `save` stores the review, its
deadlines (the same table, timers and board as the Rapid Review's), an audit row filed under the case
and the domain events its letters follow from (after the commit). Nothing is committed unless all of it
succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from statemachine.exceptions import TransitionNotAllowed

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain import events as ev
from rr_workflow.domain import names
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Deadline, Status, compute_deadlines, lateness
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.review import FINISHED, ReviewMachine, allowed_events, allowed_in, machine_for, start
from rr_workflow.domain.review_record import KINDS, LOCAL_KINDS, Review, ReviewDeviation
from rr_workflow.domain.schedule import Schedule
from rr_workflow.domain.stages import REVIEW_COMMANDS as COMMANDS
from rr_workflow.domain.stages import review_state_label as state_label
from rr_workflow.service import case_rules, commands, follow_up, read_models, validate
from rr_workflow.service.app import App

CASE_FINISHED = ("closed", "declined")


# -- shared steps --------------------------------------------------------------------------------------


def review_schedule(uow: UnitOfWork, review: Review) -> Schedule:
    """The schedule the review was opened under (stored in the database with its version)."""
    version = review.schedule_version
    text = uow.session.execute(
        select(t.review_schedules.c.source_text).where(t.review_schedules.c.version == version)
    ).scalar()
    if text is None:
        raise BadInput(f"review schedule version {version!r} is missing from the database")
    return config.parse_review_schedule_text(text, source=f"review schedule version {version}")


def current_review(uow: UnitOfWork, case: Case) -> Review | None:
    """The case's latest review, or None."""
    query = select(Review).where(t.reviews.c.case_id == case.id).order_by(t.reviews.c.id.desc())  # type: ignore[attr-defined]
    return uow.session.scalars(query.limit(1)).first()


def _review_of(uow: UnitOfWork, case: Case) -> Review:
    review = current_review(uow, case)
    if review is None:
        raise BadInput(
            f"case {case.ref} has no review: a review follows a decision of local_cspr, alternative_review "
            "or national_cspr (rr decide)"
        )
    return review


def deadlines_of(app: App, review: Review, schedule: Schedule) -> list[Deadline]:
    return compute_deadlines(
        schedule, app.calendar, review.milestones(), app.today(), review.deadline_deviations()
    )


def effective_date(app: App, review: Review, on: date | None) -> date:
    """`--on`: today by default; never in the future, never before the decision to review."""
    return commands.on_or_today(app, on, review.decided_on, "the decision to review")


def _recording(app: App, uow: UnitOfWork, ref: str, on: date | None) -> tuple[Case, Review, Schedule, date]:
    """The start of every review command: the Rapid Review commands' own (`commands.recording_case`),
    then the case's review, its schedule and the step's day."""
    case = commands.recording_case(app, uow, ref)
    review = _review_of(uow, case)
    schedule = review_schedule(uow, review)
    return case, review, schedule, effective_date(app, review, on)


def fire(machine: ReviewMachine, event: str, **kwargs: Any) -> None:
    try:
        machine.send(event, **kwargs)
    except TransitionNotAllowed:
        review: Review = machine.model
        allowed = [f"rr {COMMANDS[e]}" for e in allowed_events(machine)]
        raise Refused(
            f"cannot `rr {COMMANDS[event]}` while the review is {state_label(str(review.state))!r}; "
            f"allowed now: {', '.join(allowed) or 'nothing (the review is finished)'}"
        ) from None


def save(
    app: App,
    uow: UnitOfWork,
    case: Case,
    review: Review,
    schedule: Schedule,
    action: str,
    effective_on: date,
    from_state: str | None,
    details: Mapping[str, Any] | None = None,
) -> list[Deadline]:
    """Store a step of the review: its allowed next steps, deadlines and board row, an audit row under the
    case (action `review_<step>`, the review's states), its letters and its domain events."""
    review.allowed = ",".join(allowed_in(review))  # type: ignore[attr-defined]
    review.changed_at = app.moment()  # type: ignore[attr-defined]
    # A review being opened (from no state) has no deadlines yet, so none met late.
    open_before = set() if from_state is None else uow.open_deadline_keys(case.id, review.id)  # type: ignore[attr-defined]
    deadlines = deadlines_of(app, review, schedule)
    read_models.materialise_review(app, uow, review, str(case.state) in CASE_FINISHED, schedule, deadlines)
    review.met_late = [  # type: ignore[attr-defined]
        late
        for late in (lateness(d, app.calendar) for d in deadlines if d.key in open_before)
        if late is not None
    ]
    uow.audit(
        actor=app.actor,
        recorded_at=app.moment(),
        action=f"review_{action}",
        case_ref=case.ref,
        effective_on=effective_on,
        from_state=from_state,
        to_state=review.state,
        details={"review": review.kind, **(details or {})},
    )
    # Its events go out as the case's: stored with the step, their letters written after the commit.
    case.events.extend(review.events)
    review.events.clear()
    follow_up.publish(app, uow, case, schedule, deadlines)
    return deadlines


# -- opening -------------------------------------------------------------------------------------------


def open_for_decision(app: App, uow: UnitOfWork, case: Case, case_schedule: Schedule, on: date) -> None:
    """The decision `case.outcome` made on `on` opens a review, when it is one that a review follows."""
    if case.outcome not in KINDS:
        return
    schedule, text = config.review_schedule_in_force()
    clash = sorted({r.key for r in schedule.rules} & {r.key for r in case_schedule.rules})
    if clash:
        raise BadInput(
            f"{schedule.source}: deadlines: the key {clash[0]!r} is also a Rapid Review deadline: "
            "give the review's deadline another key"
        )
    case_rules.store_schedule(app, uow, t.review_schedules, schedule, text)
    review = Review(case.ref, case.outcome, on, schedule.version)
    review.case_id = case.id  # type: ignore[attr-defined]
    review.opened_at = app.moment()  # type: ignore[attr-defined]
    start(review)  # the machine's initial state
    review.raise_event(ev.REVIEW_OPENED, on)
    uow.session.add(review)
    save(app, uow, case, review, schedule, "opened", on, None, {"decided_on": on})


def follow_correction(app: App, uow: UnitOfWork, case: Case, on: date, reason: str) -> None:
    """A corrected date of the decision moves the review's start with it: its deadlines follow from the
    corrected fact (an audit row `review_decision_corrected` records the move)."""
    review = current_review(uow, case)
    if review is None or case.decided_on is None or case.decided_on == review.decided_on:
        return
    before = review.decided_on
    review.decided_on = case.decided_on
    schedule = review_schedule(uow, review)
    details = {"before": before, "after": case.decided_on, "reason": reason}
    save(app, uow, case, review, schedule, "decision_corrected", on, review.state, details)


# -- the steps -----------------------------------------------------------------------------------------


def _step(
    app: App,
    ref: str,
    event: str,
    on: date | None,
    details: Mapping[str, Any] | None = None,
    prepare: Callable[[Review, Schedule, date], Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> Review:
    with app.uow() as uow:
        case, review, schedule, day = _recording(app, uow, ref, on)
        before = review.state
        machine = machine_for(review)
        more = prepare(review, schedule, day) if prepare else {}
        fire(machine, event, on=day, **kwargs, **more)
        uow.touch(case, app.moment())  # the case row first: the same lock order as every other step
        save(app, uow, case, review, schedule, event, day, before, details)
        uow.commit()
        return review


def appoint(app: App, ref: str, reviewer: str, on: date | None = None) -> Review:
    reviewer = validate.name(reviewer.strip(), "--reviewer")
    return _step(app, ref, "appoint", on, {"reviewer": reviewer}, reviewer=reviewer)


def tor_agreed(app: App, ref: str, on: date | None = None) -> Review:
    return _step(app, ref, "agree_tor", on)


def checkpoint(app: App, ref: str, on: date | None = None, note: str | None = None) -> Review:
    note = validate.text(note.strip(), "--note") if note and note.strip() else None
    return _step(app, ref, "checkpoint", on, note=note)


def draft(app: App, ref: str, on: date | None = None) -> Review:
    return _step(app, ref, "receive_draft", on)


def final_sent(app: App, ref: str, on: date | None = None) -> Review:
    return _step(app, ref, "send_final", on)


def notice_days(schedule: Schedule) -> int:
    """Working days the final report must be with the Panel before publication (0: the schedule has none)."""
    rule = next((r for r in schedule.rules if r.met_by == "final_report_sent" and r.before), None)
    return rule.working_days if rule else 0


def published(app: App, ref: str, on: date | None = None, short_notice_reason: str | None = None) -> Review:
    if short_notice_reason is not None:
        validate.text(short_notice_reason, "--short-notice-reason")

    def earliest(review: Review, schedule: Schedule, day: date) -> Mapping[str, Any]:
        sent = review.final_sent_on or day
        return {"earliest": app.calendar.add(sent, notice_days(schedule))}

    details = {"short_notice": bool(short_notice_reason and short_notice_reason.strip())}
    return _step(app, ref, "publish", on, details, prepare=earliest, short_notice_reason=short_notice_reason)


def not_published(app: App, ref: str, reason: str, on: date | None = None) -> Review:
    """The review ends without publication, with its reason: its open deadlines are waived with it."""
    if not reason.strip():
        raise BadInput("give the reason the review is not published (--reason)")
    validate.text(reason, "--reason")

    def waive_open(review: Review, schedule: Schedule, day: date) -> Mapping[str, Any]:
        for deadline in deadlines_of(app, review, schedule):
            if deadline.is_open:
                review.deviations.append(ReviewDeviation(deadline.key, reason.strip(), None, day))
        return {}

    return _step(app, ref, "not_publish", on, prepare=waive_open, reason=reason)


def panel_decision(
    app: App, ref: str, undertakes: bool, on: date | None = None, note: str | None = None
) -> Review:
    """The Panel's decision on the national review the Rapid Review recommended."""
    note = validate.text(note.strip(), "--note") if note and note.strip() else None
    return _step(app, ref, "panel_decides", on, {"undertakes": undertakes}, undertakes=undertakes, note=note)


def extend(
    app: App, ref: str, to: date, reason: str, key: str = "published", on: date | None = None
) -> Deadline:
    """A delay (e.g. for criminal proceedings): the review's deadline `key` moves to `to`, with its reason;
    its original date still counts in reports."""
    if not reason.strip():
        raise BadInput("give the reason (--reason)")
    validate.text(reason, "--reason")
    with app.uow() as uow:
        case, review, schedule, day = _recording(app, uow, ref, on)
        if review.state in FINISHED:
            raise Refused(
                f"the review is {state_label(str(review.state))!r}: its deadlines can no longer change"
            )
        deadlines = {d.key: d for d in deadlines_of(app, review, schedule)}
        key = names.find(key, deadlines) or key
        deadline = deadlines.get(key)
        if deadline is None:
            raise BadInput(
                f"no deadline {key!r} on this review (it has: {', '.join(deadlines) or 'none yet'})"
            )
        if deadline.met_on is not None:
            raise BadInput(f"{key} was already met on {deadline.met_on}")
        if deadline.status == Status.WAIVED:
            raise BadInput(f"{key} is already waived")
        if to <= deadline.due:
            raise BadInput(f"the new date {to} must be after the date in force ({deadline.due})")
        review.deviations.append(ReviewDeviation(key, reason.strip(), to, day))
        review.raise_event(ev.REVIEW_DEADLINE_EXTENDED, day, deadline=key, to=to.isoformat())
        uow.touch(case, app.moment())
        saved = save(
            app,
            uow,
            case,
            review,
            schedule,
            "deadline_extended",
            day,
            review.state,
            {"deadline": key, "to": to, "original_due": deadline.original_due},
        )
        uow.commit()
        return next(d for d in saved if d.key == key)


def recommend(app: App, ref: str, agency: str, text: str, due: date, on: date | None = None) -> int:
    """A recommendation of the review, put on the actions register (owner agency, due date; tracked to
    completion with the same reminders and escalations as any action). Returns the action's id."""
    from rr_workflow.service import actions

    with app.uow() as uow:
        case = commands.recording_case(app, uow, ref)
        review = _review_of(uow, case)
        if review.kind not in LOCAL_KINDS:
            raise Refused("the Panel's national review makes its own recommendations: none are recorded here")
        day = effective_date(app, review, on)
        uow.touch(case, app.moment())  # the case row first: the same lock order as every other step
        action_id = actions.add_recommendation(
            app, uow, case.ref, agency=agency, text=text, due=due, source_ref=f"review:{review.kind}", on=day
        )
        uow.commit()
        return action_id

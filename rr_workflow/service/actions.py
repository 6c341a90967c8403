"""The actions register (docs/actions.md): every immediate action of a meeting and every recommendation
of a review, followed to evidence of completion.

An action has an owner (an agency when the owner is a registered one), a due date (the schedule's
[actions] rule counted from the decision unless one is set), a status (open, done, dropped with its
reason; overdue is derived for the day it is read by the deadline module's rule), the evidence that it
was done (a note, a document, or both) and a note of its impact. Its reminders and escalations come
from the same timer engine as every deadline (`service/notices.py` reads `next_fire_at`).

Each change is one unit of work with an audit row on the case's trail. A change that finds the action no
longer open (someone else recorded it first) is a Conflict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.deadlines import action_due, action_status, done_on_time
from rr_workflow.domain.errors import BadInput, Conflict, Refused
from rr_workflow.domain.schedule import Schedule
from rr_workflow.domain.timers import first_timer
from rr_workflow.service import permissions, validate
from rr_workflow.service.app import App
from rr_workflow.service.clock import iso_moment_of

if TYPE_CHECKING:
    from rr_workflow.adapters.db.unit_of_work import UnitOfWork
    from rr_workflow.domain.case import Case

OPEN, DONE, DROPPED, OVERDUE = "open", "done", "dropped", "overdue"
REOPENED = "action_reopened"  # the audit action of a reopened action (a done or drop reversed)
ACTION, RECOMMENDATION = "action", "recommendation"
LABEL_TEXT = 60  # how much of an action's text its label (notices, the agenda) carries


def timer_key(action_id: int) -> str:
    """The key an action's reminders and escalations are claimed under (beside the case's deadlines)."""
    return f"action:{action_id}"


def label(kind: str, number: int, text: str) -> str:
    what = "Recommendation" if kind == RECOMMENDATION else "Action"
    short = " ".join(text.split())
    if len(short) > LABEL_TEXT:
        short = short[: LABEL_TEXT - 1].rstrip() + "…"
    return f"{what} {number}: {short}"


def owner_agency(agencies: Iterable[Mapping[str, Any]], owner: str) -> str | None:
    """The registered agency an owner typed at the meeting names (its key or its name, any case)."""
    typed = " ".join(owner.split()).lower()
    for row in agencies:
        if typed in (str(row["key"]).lower(), " ".join(str(row["name"]).split()).lower()):
            return str(row["key"])
    return None


def first_moment(app: App, schedule: Schedule, due: date) -> str:
    """The stored moment (UTC) of an open action's first reminder (or escalation)."""
    zone = ZoneInfo(app.calendar.settings.timezone)
    return iso_moment_of(first_timer("action", due, schedule.actions.policy, app.calendar, zone).fires_at)


# -- recording ------------------------------------------------------------------------------------------


def plan_meeting_actions(app: App, uow: UnitOfWork, case: Case, schedule: Schedule) -> None:
    """Give the actions just agreed at the meeting (by `rr decide`) their owner agency, due date and
    first timer moment."""
    if not case.actions or case.decided_on is None:
        return
    agencies = uow.agency_rows()
    due = action_due(app.calendar, case.decided_on, schedule.actions.working_days)
    moment = first_moment(app, schedule, due)
    for action in case.actions:
        action.kind = ACTION  # type: ignore[attr-defined]
        action.agency = owner_agency(agencies, action.owner)  # type: ignore[attr-defined]
        action.agreed_on = case.decided_on  # type: ignore[attr-defined]
        action.due = due  # type: ignore[attr-defined]
        action.status = OPEN  # type: ignore[attr-defined]
        action.next_fire_at = moment  # type: ignore[attr-defined]


def add_recommendation(
    app: App,
    uow: UnitOfWork,
    case_ref: str,
    *,
    agency: str,
    text: str,
    due: date,
    source_ref: str | None = None,
    on: date | None = None,
) -> int:
    """Put a review's recommendation on the register, in the caller's unit of work (the caller checked
    the actor's role). `agency`: the owner's key (must be registered); `source_ref`: the review it came
    from. Returns the action's id."""
    validate.text(text, "the recommendation")
    on = on or app.today()
    key = agency.strip().lower()
    found = uow.session.execute(select(t.agencies.c.key).where(t.agencies.c.key == key)).scalar()
    if found is None:
        raise BadInput(f"no agency {agency!r} (rr agency list shows them)")
    c = t.cases.c
    case = uow.session.execute(
        select(c.id, c.ref, c.state, c.schedule_version).where(func.lower(c.ref) == case_ref.lower())
    ).one_or_none()
    if case is None:
        raise BadInput(f"no case {case_ref!r}")
    if due < on:
        raise BadInput(f"the due date {due} is before the day it was agreed ({on})")
    schedule = _schedule(uow, case.schedule_version)
    number = (
        uow.session.execute(
            select(func.max(t.actions.c.number)).where(t.actions.c.case_id == case.id)
        ).scalar()
        or 0
    ) + 1
    action_id = uow.session.execute(
        insert(t.actions)
        .values(
            case_id=case.id,
            number=number,
            owner=key,
            text=text,
            kind=RECOMMENDATION,
            source_ref=source_ref,
            agency=key,
            agreed_on=on,
            due=due,
            status=OPEN,
            next_fire_at=first_moment(app, schedule, due),
        )
        .returning(t.actions.c.id)
    ).scalar_one()
    _audit(app, uow, case, "action_added", on, {"action": action_id, "kind": RECOMMENDATION, "due": due})
    return int(action_id)


def done(
    app: App,
    action_id: int,
    evidence: str | None = None,
    evidence_file: Path | None = None,
    impact: str | None = None,
    on: date | None = None,
) -> dict[str, Any]:
    """Record an action done on `on` (default today), with its evidence: a note, a document, or both."""
    if not (evidence and evidence.strip()) and evidence_file is None:
        raise BadInput("give the evidence it is done: --evidence NOTE, --file DOCUMENT, or both")
    if evidence is not None:
        evidence = validate.text(evidence, "--evidence").strip() if evidence.strip() else None
    if impact is not None:
        impact = validate.text(impact, "--impact").strip()
    with app.uow() as uow:
        permissions.require(uow, app.actor, "record")
        row = _open_action(uow, action_id)
        day = _day(app, row, on)
        document_id = None
        if evidence_file is not None:
            from rr_workflow.service import commands

            stored = commands.attach_file(
                app, uow, row.case_id, row.ref, row.state, "action_evidence", evidence_file
            )
            document_id = stored["id"]
        _change(
            uow,
            action_id,
            status=DONE,
            done_on=day,
            evidence=evidence,
            evidence_document_id=document_id,
            impact=impact,
            next_fire_at=None,
        )
        on_time = done_on_time(row.due, day)
        details = {"action": action_id, "document": document_id, "on_time": on_time}
        _audit(app, uow, row, "action_done", day, details)
        uow.commit()
    return {"id": action_id, "status": DONE, "done_on": day, "due": row.due, "on_time": on_time}


def drop(app: App, action_id: int, reason: str, on: date | None = None) -> dict[str, Any]:
    """Drop an action that no longer applies, with the reason."""
    if not reason.strip():
        raise BadInput("give the reason the action is dropped (--reason)")
    reason = validate.text(reason, "--reason").strip()
    with app.uow() as uow:
        permissions.require(uow, app.actor, "record")
        row = _open_action(uow, action_id)
        day = _day(app, row, on)
        _change(uow, action_id, status=DROPPED, dropped_on=day, drop_reason=reason, next_fire_at=None)
        _audit(app, uow, row, "action_dropped", day, {"action": action_id, "reason": reason})
        uow.commit()
    return {"id": action_id, "status": DROPPED, "dropped_on": day}


def set_due(
    app: App, action_id: int, due: date, reason: str | None = None, on: date | None = None
) -> dict[str, Any]:
    """Set or change an open action's due date (a change of a date already set needs its reason); its
    reminders and escalations follow the new date."""
    if reason is not None:
        reason = validate.text(reason, "--reason").strip() if reason.strip() else None
    with app.uow() as uow:
        permissions.require(uow, app.actor, "record")
        row = _open_action(uow, action_id)
        day = _day(app, row, on)
        if row.due is not None and reason is None:
            raise BadInput(f"action {action_id} is due {row.due}: give the reason it changes (--reason)")
        if due < (row.agreed_on or day) or (row.due is None and due < day):
            raise BadInput(f"the due date {due} is before the action was agreed ({row.agreed_on or day})")
        schedule = _schedule(uow, row.schedule_version)
        _change(uow, action_id, due=due, next_fire_at=first_moment(app, schedule, due))
        details = {"action": action_id, "due": due, "before": row.due, "reason": reason}
        _audit(app, uow, row, "action_due_set", day, details)
        uow.commit()
    return {"id": action_id, "due": due, "before": row.due}


def reopen(app: App, action_id: int, reason: str, on: date | None = None) -> dict[str, Any]:
    """Reopen an action recorded done or dropped by mistake (a correction: docs/corrections.md). It is open
    again with its due date, so its reminders and escalations come back (each slot still goes once: one
    already sent is not sent again); the audit row names the person, the reason, what it was and what it
    is now, and points at the step it reverses, which stays in the trail."""
    if not reason.strip():
        raise BadInput("give the reason the action is reopened (--reason)")
    reason = validate.text(reason, "--reason").strip()
    with app.uow() as uow:
        permissions.require(uow, app.actor, "record")
        row = _action(uow, action_id, full=True)
        if row.status == OPEN:
            raise Refused(f"action {action_id} is open: there is nothing to reopen")
        day = _day(app, row, on)
        moment = None
        if row.due is not None:
            moment = first_moment(app, _schedule(uow, row.schedule_version), row.due)
        before = {
            "status": row.status,
            "done_on": row.done_on,
            "evidence": row.evidence,
            "document": row.evidence_document_id,
            "impact": row.impact,
            "dropped_on": row.dropped_on,
            "drop_reason": row.drop_reason,
        }
        _change(
            uow,
            action_id,
            expect=row.status,
            status=OPEN,
            done_on=None,
            evidence=None,
            evidence_document_id=None,
            impact=None,
            dropped_on=None,
            drop_reason=None,
            next_fire_at=moment,
        )
        details = {
            "action": action_id,
            "undoes": _recorded_step(uow, row.ref, action_id, row.status),
            "reason": reason,
            "before": {k: v for k, v in before.items() if v is not None},
            "after": {"status": OPEN, "due": row.due},
        }
        _audit(app, uow, row, REOPENED, day, details)
        uow.commit()
    return {"id": action_id, "status": OPEN, "was": row.status, "due": row.due, "reopened_on": day}


def note_impact(app: App, action_id: int, impact: str) -> dict[str, Any]:
    """Record (or add to) the note of what difference a done action made."""
    impact = validate.text(impact, "the impact").strip()
    with app.uow() as uow:
        permissions.require(uow, app.actor, "record")
        row = _action(uow, action_id)
        if row.status != DONE:
            raise Refused(f"action {action_id} is {row.status}: its impact is noted once it is done")
        _change(uow, action_id, expect=DONE, impact=impact)
        _audit(app, uow, row, "action_impact", app.today(), {"action": action_id})
        uow.commit()
    return {"id": action_id, "impact": impact}


# -- reading ---------------------------------------------------------------------------------------------


def register(
    app: App,
    overdue_only: bool = False,
    agency: str | None = None,
    ref: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The register: every action (of one agency, one case, one status) with its status for today."""
    today = app.today()
    a, c = t.actions.c, t.cases.c
    query = _listed().order_by(a.due.is_(None), a.due, c.ref, a.number)
    if agency is not None:
        query = query.where(a.agency == agency.strip().lower())
    if ref is not None:
        query = query.where(func.lower(c.ref) == ref.lower())
    if overdue_only:  # open and past its due date: `action_status` below says so for each
        query = query.where(a.status == OPEN, a.due < today)
    with app.reading() as connection:
        permissions.require(connection, app.actor, "case_list")
        rows = connection.execute(query).all()
    entries = [_entry(row, today) for row in rows]
    if status is not None:
        entries = [e for e in entries if e["status"] == status]
    return entries


def _listed() -> Any:
    """The register's columns: each action with its case's reference."""
    a, c = t.actions.c, t.cases.c
    return select(
        a.id, a.number, a.kind, a.owner, a.agency, a.text, a.agreed_on, a.due, a.status, a.done_on,
        a.evidence, a.evidence_document_id, a.impact, a.dropped_on, a.drop_reason, a.source_ref, c.ref,
    ).join(t.cases, c.id == a.case_id)  # fmt: skip


def entry(app: App, action_id: int) -> dict[str, Any]:
    """One action of the register, as `register` gives each (the web's page of one action)."""
    query = _listed().where(t.actions.c.id == action_id)
    with app.reading() as connection:
        permissions.require(connection, app.actor, "case_list")
        row = connection.execute(query).one_or_none()
    if row is None:
        raise BadInput(f"no action {action_id} (rr actions list shows them)")
    return _entry(row, app.today())


def _entry(row: Any, today: date) -> dict[str, Any]:
    return {
        "id": row.id,
        "ref": row.ref,
        "number": row.number,
        "kind": row.kind,
        "owner": row.owner,
        "agency": row.agency,
        "text": row.text,
        "agreed_on": row.agreed_on,
        "due": row.due,
        "status": action_status(row.status, row.due, row.done_on, today),
        "done_on": row.done_on,
        "on_time": done_on_time(row.due, row.done_on),
        "evidence": row.evidence,
        "evidence_document": row.evidence_document_id,
        "impact": row.impact,
        "dropped_on": row.dropped_on,
        "drop_reason": row.drop_reason,
        "source": row.source_ref,
    }


# -- inside -----------------------------------------------------------------------------------------------


def _schedule(uow: UnitOfWork, version: str) -> Schedule:
    from rr_workflow.adapters import config

    text = uow.schedule_text(version)
    if text is None:
        raise BadInput(f"schedule version {version!r} is missing from the database")
    return config.parse_schedule_text(text, source=f"schedule version {version}")


def _action(uow: UnitOfWork, action_id: int, full: bool = False) -> Any:
    """The action with its case; `full`: with what was recorded when it was done or dropped."""
    a, c = t.actions.c, t.cases.c
    recorded = (
        (a.done_on, a.evidence, a.evidence_document_id, a.impact, a.dropped_on, a.drop_reason) if full else ()
    )
    row = uow.session.execute(
        select(
            a.id, a.status, a.due, a.agreed_on, a.case_id, c.ref, c.state, c.schedule_version, *recorded,
        ).join(t.cases, c.id == a.case_id).where(a.id == action_id)
    ).one_or_none()  # fmt: skip
    if row is None:
        raise BadInput(f"no action {action_id} (rr actions list shows them)")
    return row


def _recorded_step(uow: UnitOfWork, ref: str, action_id: int, status: str) -> int | None:
    """The audit row of the step that made the action `status` (done or dropped), the one reopening it
    reverses: the latest such row of the case for this action."""
    import json

    e = t.audit_events.c
    step = "action_done" if status == DONE else "action_dropped"
    query = select(e.id, e.details).where(e.case_ref == ref, e.action == step).order_by(e.id.desc())
    for row_id, details in uow.session.execute(query):
        if json.loads(details).get("action") == action_id:
            return int(row_id)
    return None


def _open_action(uow: UnitOfWork, action_id: int) -> Any:
    row = _action(uow, action_id)
    if row.status != OPEN:
        raise Refused(f"action {action_id} is already {row.status}")
    return row


def _day(app: App, row: Any, on: date | None) -> date:
    today = app.today()
    day = on or today
    if day > today:
        raise BadInput(f"{day} is in the future (today is {today})")
    if row.agreed_on is not None and day < row.agreed_on:
        raise BadInput(f"{day} is before the action was agreed ({row.agreed_on})")
    return day


def _change(uow: UnitOfWork, action_id: int, expect: str = OPEN, **values: Any) -> None:
    a = t.actions
    changed = uow.session.execute(
        update(a).where(a.c.id == action_id, a.c.status == expect).values(**values)
    ).rowcount
    if changed != 1:
        raise Conflict(
            f"action {action_id} was changed by someone else at the same time: nothing was saved; "
            "look at it again (rr actions list) and repeat the command"
        )


def _audit(app: App, uow: UnitOfWork, case: Any, action: str, on: date, details: Mapping[str, Any]) -> None:
    uow.audit(
        actor=app.actor,
        recorded_at=app.moment(),
        action=action,
        case_ref=case.ref,
        effective_on=on,
        from_state=case.state,
        to_state=case.state,
        details=dict(details),
    )

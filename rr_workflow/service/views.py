"""Read models: `rr case show` answered straight from the tables with SQLAlchemy Core.

Reading needs no aggregate and no ORM (importing and configuring the ORM would cost more than the
whole query); every figure shown was materialised by the command that last changed the case
(deadlines, allowed actions), and statuses are re-derived for today by the domain's one rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from rr_workflow.adapters.db import audit, lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.case import Meeting
from rr_workflow.domain.deadlines import Status, action_status, deadline_status
from rr_workflow.domain.stages import COMMANDS, review_state_label, state_label
from rr_workflow.service import permissions
from rr_workflow.service.app import App
from rr_workflow.service.mail_status import failing_by_case


def _rows(connection: Connection, table: t.Table, *order: Any, **where: Any) -> list[dict[str, Any]]:
    query = select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    return [dict(r) for r in connection.execute(query.order_by(*order)).mappings()]


def deadlines(
    connection: Connection, case_id: int, app: App, review_id: int | None = None
) -> list[dict[str, Any]]:
    """The case's own deadlines, or (`review_id`) its review's, as last materialised; statuses for today."""
    today = app.today()
    d = t.deadlines.c
    query = select(t.deadlines).where(
        d.case_id == case_id, d.review_id.is_(None) if review_id is None else d.review_id == review_id
    )
    rows = [dict(r) for r in connection.execute(query.order_by(d.due, d.key)).mappings()]
    return [
        {
            "key": r["key"],
            "label": r["label"],
            "due": r["due"],
            "original_due": r["original_due"],
            "status": deadline_status(
                r["original_due"], r["due"], r["due_soon_from"], r["met_on"], r["deviation"], today
            ),
            "met_on": r["met_on"],
            "owner": r["owner"],
            "reason": r["reason"],
            "earliest": r["earliest"],
        }
        for r in rows
    ]


def review_summary(connection: Connection, case_id: int) -> dict[str, Any] | None:
    """The review that follows the case (its latest), in brief: `rr review show` has the rest."""
    r = t.reviews.c
    query = select(r.kind, r.state, r.decided_on).where(r.case_id == case_id).order_by(r.id.desc())
    row = connection.execute(query.limit(1)).first()
    if row is None:
        return None
    return {"kind": row.kind, "state": row.state, "state_label": review_state_label(row.state)}


def case_show(app: App, ref: str) -> dict[str, Any]:
    """Everything about one case (the keys docs/coordinators-guide.md lists); the read itself is audited:
    nothing is returned until its audit row is committed. The case is read from a snapshot without the
    write lock, which is taken only to append that row (holding it for the whole read made every other
    view and step wait, and on SQLite back off in sleeps of tens of milliseconds)."""
    with app.reading() as connection:
        permissions.require(connection, app.actor, "case_show")
        ref = lookup.case_ref(connection, ref)
        case = connection.execute(select(t.cases).where(t.cases.c.ref == ref)).mappings().one()
        case_id = case["id"]
        due = deadlines(connection, case_id, app)
        window = next(
            ({"earliest": d["earliest"], "latest": d["original_due"]} for d in due if d["earliest"]), None
        )
        meetings = _rows(connection, t.meetings, t.meetings.c.number, case_id=case_id)
        live = [m for m in meetings if m["status"] not in Meeting.REPLACED]
        meeting = live[-1] if live else None
        attendees = (
            _rows(connection, t.attendances, t.attendances.c.id, meeting_id=meeting["id"]) if meeting else []
        )
        actions = _rows(connection, t.actions, t.actions.c.number, case_id=case_id)
        involvements = _rows(connection, t.involvements, t.involvements.c.id, case_id=case_id)
        documents = _rows(connection, t.documents, t.documents.c.id, case_id=case_id)
        today = app.today()
        overdue = [
            {
                "key": d["key"],
                "label": d["label"],
                "due": d["due"],
                "working_days_overdue": app.calendar.between(d["due"], today),
            }
            for d in due
            if d["status"] == Status.OVERDUE
        ]
        shown = {
            "ref": case["ref"],
            "state": case["state"],
            "state_label": state_label(case["state"]),
            "version": case["version"],  # a web form sends it back: a change made since is a conflict
            "received": case["received"],
            "aware": case["aware"],
            "referrer": case["referrer"],
            "summary": case["summary"],
            "child": {"initials": case["child_initials"], "date_of_birth": case["child_dob"]},
            "schedule_version": case["schedule_version"],
            "sin_notified_on": case["sin_notified_on"],
            "deadlines": [{k: v for k, v in d.items() if k != "earliest"} for d in due],
            "overdue": overdue,
            "meeting_window": window,
            "meeting": None
            if meeting is None
            else {
                "number": meeting["number"],
                "date": meeting["meeting_date"],
                "time": meeting["meeting_time"].strftime("%H:%M") if meeting["meeting_time"] else None,
                "mode": meeting["mode"],
                "mode_reason": meeting["mode_reason"],
                "outside_window_reason": meeting["outside_window_reason"],
                "non_working_day_reason": meeting["non_working_day_reason"],
                "status": meeting["status"],
                "held_on": meeting["held_on"],
                "attendees": [{"agency": a["agency"], "name": a["name"]} for a in attendees],
            },
            "meetings_held_or_inquorate": sum(1 for m in meetings if m["held_on"] is not None),
            "decision": None
            if case["outcome"] is None
            else {
                "outcome": case["outcome"],
                "rationale": case["rationale"],
                "decided_on": case["decided_on"],
                "actions": [
                    {"owner": a["owner"], "text": a["text"]} for a in actions if a["kind"] == "action"
                ],
                "endorsed_on": case["endorsed_on"],
                "endorsed_by": case["endorsed_by"],
            },
            "submitted_on": case["submitted_on"],
            "panel": None
            if case["panel_response_on"] is None
            else {
                "response_on": case["panel_response_on"],
                "agrees": bool(case["panel_agrees"]),
                "questions": case["panel_questions"],
                "answered_on": case["panel_answered_on"],
            },
            "actions": [
                {
                    "id": a["id"],
                    "number": a["number"],
                    "kind": a["kind"],
                    "owner": a["agency"] or a["owner"],
                    "due": a["due"],
                    "status": action_status(a["status"], a["due"], a["done_on"], today),
                }
                for a in actions
            ],
            "outcome_shared_on": case["outcome_shared_on"],
            "closed_on": case["closed_on"],
            "declined": None
            if case["declined_on"] is None
            else {"on": case["declined_on"], "reason": case["decline_reason"]},
            "agencies": [
                {
                    "key": i["agency"],
                    "sent_on": i["sent_on"],
                    "returned_on": i["returned_on"],
                    "secured_on": i["secured_on"],
                }
                for i in involvements
            ],
            "documents": [
                {"kind": d["kind"], "filename": d["filename"], "sha256": d["sha256"]} for d in documents
            ],
            "allowed": [COMMANDS[e] for e in (case["allowed"] or "").split(",") if e],
            "review": review_summary(connection, case_id),
            "mail_failing": failing_by_case(connection, ref).get(ref, 0),
        }
    with app.engine.begin() as connection:
        audit.append(
            connection,
            actor=app.actor,
            recorded_at=app.moment(),
            action="case_viewed",
            case_ref=ref,
            effective_on=app.today(),
            from_state=case["state"],
            to_state=case["state"],
        )
    return shown

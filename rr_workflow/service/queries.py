"""Use cases that read: the case board, one case, its history, the audit check.

Reading a case's details is itself recorded in the audit trail (SPEC §8).
"""

from __future__ import annotations

from typing import Any

from rr_workflow.adapters.db import audit
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Status, deadline_status
from rr_workflow.domain.machine import COMMANDS, state_label
from rr_workflow.service import permissions
from rr_workflow.service.app import App

FINISHED = ("closed", "declined")


def _deadline_rows(app: App, uow: UnitOfWork, case_id: int) -> list[dict[str, Any]]:
    """The materialised deadlines with their status as of today (no calendar needed)."""
    today = app.today()
    rows = uow.rows(t.deadlines, order_by=t.deadlines.c.due, case_id=case_id)
    result = []
    for row in sorted(rows, key=lambda r: (r["due"], r["key"])):
        status = deadline_status(
            row["original_due"], row["due"], row["due_soon_from"], row["met_on"], row["deviation"], today
        )
        result.append(
            {
                "key": row["key"],
                "label": row["label"],
                "due": row["due"],
                "original_due": row["original_due"],
                "status": status,
                "met_on": row["met_on"],
                "owner": row["owner"],
                "reason": row["reason"],
            }
        )
    return result


def _allowed(case: Case) -> list[str]:
    stored = getattr(case, "allowed", "") or ""
    return [COMMANDS[e] for e in stored.split(",") if e]


def case_show(app: App, ref: str) -> dict[str, Any]:
    with app.uow() as uow:
        permissions.require(uow, app.actor, "case_show")
        case = uow.cases.get(ref)
        deadlines = _deadline_rows(app, uow, case.id)  # type: ignore[attr-defined]
        window = next(
            (
                {"earliest": r["earliest"], "latest": r["original_due"]}
                for r in uow.rows(t.deadlines, case_id=case.id)
                if r["earliest"] is not None
            ),  # type: ignore[attr-defined]
            None,
        )
        meeting = case.current_meeting
        documents = uow.rows(t.documents, order_by=t.documents.c.id, case_id=case.id)  # type: ignore[attr-defined]
        result = {
            "ref": case.ref,
            "state": case.state,
            "state_label": state_label(str(case.state)),
            "received": case.received,
            "aware": case.aware,
            "referrer": case.referrer,
            "summary": case.summary,
            "child": {"initials": case.child_initials, "date_of_birth": case.child_dob},
            "schedule_version": case.schedule_version,
            "sin_notified_on": case.sin_notified_on,
            "deadlines": deadlines,
            "meeting_window": window,
            "meeting": None
            if meeting is None
            else {
                "number": meeting.number,
                "date": meeting.on,
                "time": meeting.at.strftime("%H:%M") if meeting.at else None,
                "mode": meeting.mode,
                "mode_reason": meeting.mode_reason,
                "outside_window_reason": meeting.outside_window_reason,
                "status": meeting.status,
                "held_on": meeting.held_on,
                "attendees": [{"agency": a.agency, "name": a.name} for a in meeting.attendees],
            },
            "meetings_held_or_inquorate": sum(1 for m in case.meetings if m.held_on is not None),
            "decision": None
            if case.outcome is None
            else {
                "outcome": case.outcome,
                "rationale": case.rationale,
                "decided_on": case.decided_on,
                "actions": [{"owner": a.owner, "text": a.text} for a in case.actions],
                "endorsed_on": case.endorsed_on,
                "endorsed_by": case.endorsed_by,
            },
            "submitted_on": case.submitted_on,
            "outcome_shared_on": case.outcome_shared_on,
            "closed_on": case.closed_on,
            "declined": None
            if case.declined_on is None
            else {"on": case.declined_on, "reason": case.decline_reason},
            "agencies": [
                {
                    "key": i.agency,
                    "sent_on": i.sent_on,
                    "returned_on": i.returned_on,
                    "secured_on": i.secured_on,
                }
                for i in case.involvements
            ],
            "documents": [
                {"kind": d["kind"], "filename": d["filename"], "sha256": d["sha256"]} for d in documents
            ],
            "allowed": _allowed(case),
        }
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="case_viewed",
            case_ref=ref,
            effective_on=app.today(),
            from_state=case.state,
            to_state=case.state,
        )
        uow.commit()
        return result


def case_list(app: App, open_only: bool = False, overdue_only: bool = False) -> list[dict[str, Any]]:
    """The board: each case's state and its next open deadline, overdue first."""
    today = app.today()
    with app.uow() as uow:
        permissions.require(uow, app.actor, "case_list")
        board = []
        for case in uow.cases.all():
            if open_only and case.state in FINISHED:
                continue
            deadlines = _deadline_rows(app, uow, case.id)  # type: ignore[attr-defined]
            live = [d for d in deadlines if d["status"] in Status.OPEN] if case.state not in FINISHED else []
            overdue = [d for d in live if d["status"] == Status.OVERDUE]
            if overdue_only and not overdue:
                continue
            following = min(live, key=lambda d: d["due"]) if live else None
            board.append(
                {
                    "ref": case.ref,
                    "state": case.state,
                    "state_label": state_label(str(case.state)),
                    "received": case.received,
                    "next_deadline": None
                    if following is None
                    else {
                        "key": following["key"],
                        "label": following["label"],
                        "due": following["due"],
                        "status": following["status"],
                        "working_days_left": app.calendar.between(today, following["due"]),
                    },
                    "overdue": len(overdue),
                }
            )
    board.sort(
        key=lambda c: (
            -c["overdue"],
            c["next_deadline"]["due"] if c["next_deadline"] else today.max,
            c["ref"],
        )
    )
    return board


def history(app: App, ref: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        permissions.require(uow, app.actor, "history")
        uow.cases.get(ref)
        return audit.case_history(uow.connection, ref)


def audit_verify(app: App) -> tuple[int, audit.ChainFault | None]:
    with app.uow() as uow:
        permissions.require(uow, app.actor, "audit_verify")
        return audit.verify(uow.connection)

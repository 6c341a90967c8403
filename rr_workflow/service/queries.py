"""Use cases that read: the case board, one case, its history, the audit check.

Reading a case's details is itself recorded in the audit trail (docs/security.md).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import cast, exists, func, null, or_, select, union_all

from rr_workflow.adapters.db import audit, lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.deadlines import deadline_status
from rr_workflow.domain.stages import review_state_label, state_label
from rr_workflow.service import permissions, views
from rr_workflow.service.app import App
from rr_workflow.service.mail_status import failing_by_case

FINISHED = ("closed", "declined")
# rows that change an earlier step (an action reopened reverses the step that recorded it done or dropped)
LATER_ACTIONS = ("fact_corrected", "fact_withdrawn", "step_undone", "action_reopened")


def case_show(app: App, ref: str) -> dict[str, Any]:
    return views.case_show(app, ref)


def case_list(app: App, open_only: bool = False, overdue_only: bool = False) -> list[dict[str, Any]]:
    """The board: each case's state, its next open deadline and its overdue actions, overdue first.

    One query of one row a case, from the board rows every change writes (`read_models`): with
    `open_only` it reads only the unfinished cases, however many finished ones history holds, and the
    finished cases whose actions are past their due date (a range of the index of open actions): a
    closed case stays on the board until its actions are done or dropped."""
    today = app.today()
    c, b, r, a = t.cases, t.case_board, t.reviews, t.actions
    review_state = (  # the state of the case's latest review, if a review follows it
        select(r.c.state).where(r.c.case_id == c.c.id).order_by(r.c.id.desc()).limit(1).scalar_subquery()
    )
    late = (a.c.status == "open", a.c.due < today)  # `action_status`'s overdue
    late_actions = (  # how many of the case's open actions are overdue today
        select(func.count()).select_from(a).where(a.c.case_id == c.c.id, *late).scalar_subquery()
    )
    common = (c.c.ref, c.c.state, review_state.label("review_state"), c.c.received)
    late_count = late_actions.label("overdue_actions")
    board_columns = (
        b.c.next_key,
        b.c.next_label,
        b.c.next_due,
        b.c.next_original_due,
        b.c.next_due_soon_from,
        b.c.next_deviation,
        b.c.open_deadlines,
    )
    query: Any
    if open_only:  # a finished case has no board row: it is here only while an action of it is overdue
        running = select(*common, *board_columns, late_count).select_from(b.join(c, c.c.id == b.c.case_id))
        if overdue_only:
            running = running.where(or_(b.c.next_due < today, late_actions > 0))
        nothing = [cast(null(), col.type).label(col.name) for col in board_columns]
        finished = (
            select(*common, *nothing, late_count)
            .where(c.c.id.in_(select(a.c.case_id).where(*late)))
            .where(~exists().where(b.c.case_id == c.c.id))
        )
        query = union_all(running, finished)
    else:
        query = select(*common, *board_columns, late_count).select_from(c.outerjoin(b, b.c.case_id == c.c.id))
        if overdue_only:  # the earliest open deadline has passed (as_of > due: `deadline_status`), or an
            # action has
            query = query.where(or_(b.c.next_due < today, c.c.id.in_(select(a.c.case_id).where(*late))))
    with app.reading() as connection:  # a read model: no aggregate needed for the board
        permissions.require(connection, app.actor, "case_list")
        found = connection.execute(query).all()
        failing = failing_by_case(connection)
    board = [_board_entry(app, row, today) for row in found]
    for entry in board:
        entry["mail_failing"] = failing.get(entry["ref"], 0)
    board.sort(
        key=lambda c: (
            -c["overdue"],
            -c["overdue_actions"],
            c["next_deadline"]["due"] if c["next_deadline"] else today.max,
            c["ref"],
        )
    )
    return board


def _board_entry(app: App, row: Any, today: date) -> dict[str, Any]:
    following = None
    if row.next_due is not None:
        following = {
            "key": row.next_key,
            "label": row.next_label,
            "due": row.next_due,
            "status": deadline_status(
                row.next_original_due, row.next_due, row.next_due_soon_from, None, row.next_deviation, today
            ),
            "working_days_left": app.calendar.between(today, row.next_due),
        }
    # an open deadline is overdue once today is after its due date; ISO dates compare as text
    cutoff = today.isoformat()
    overdue = [label for due, label in json.loads(row.open_deadlines or "[]") if due < cutoff]
    return {
        "ref": row.ref,
        "state": row.state,
        "state_label": state_label(str(row.state)),
        "review": None
        if row.review_state is None
        else {"state": row.review_state, "state_label": review_state_label(row.review_state)},
        "received": row.received,
        "next_deadline": following,
        "overdue": len(overdue),
        "overdue_deadlines": overdue,  # their labels, by due date then label
        "overdue_actions": int(row.overdue_actions or 0),  # open actions past their due date
    }


def history(app: App, ref: str) -> list[dict[str, Any]]:
    """The case's audit trail; each step later corrected, withdrawn or undone lists those rows under
    `later` (id, action, actor, recorded_at, before, after, reason), so the original and its correction
    can be shown side by side."""
    with app.reading() as connection:
        permissions.require(connection, app.actor, "history")
        rows = [dict(r) for r in audit.case_history(connection, lookup.case_ref(connection, ref))]
    return side_by_side(rows)


def side_by_side(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {r["id"]: r for r in rows}
    for row in rows:
        row["later"] = []
    for row in rows:
        details = json.loads(row["details"])
        target = details.get("corrects") or details.get("undoes")
        if row["action"] in LATER_ACTIONS and target in by_id:
            by_id[target]["later"].append(
                {
                    "id": row["id"],
                    "action": row["action"],
                    "actor": row["actor"],
                    "recorded_at": row["recorded_at"],
                    "fact": details.get("fact"),
                    "agency": details.get("agency"),
                    "before": details.get("before"),
                    "after": details.get("after"),
                    "reason": details.get("reason"),
                }
            )
    return rows


def audit_verify(app: App) -> tuple[int, audit.ChainFault | None]:
    with app.reading() as connection:
        permissions.require(connection, app.actor, "audit_verify")
        return audit.verify(connection)


def audit_check(app: App, witness_lines: list[str] | None = None) -> dict[str, Any]:
    """The whole check: the hash chain, then each case's trail replayed against its stored state, then
    (given a witness log's lines) every signed checkpoint against the trail."""
    from rr_workflow.adapters import witness

    key = witness.load_key(app.home, create=False) if witness_lines is not None else b""
    with app.reading() as connection:
        permissions.require(connection, app.actor, "audit_verify")
        checked, fault = audit.verify(connection)
        cases, case_fault = audit.replay(connection) if fault is None else (0, None)
        points, witness_fault = (0, None)
        if witness_lines is not None and fault is None:
            points, witness_fault = witness.check(connection, key, witness_lines)
    return {
        "checked": checked,
        "fault": fault,
        "cases": cases,
        "case_fault": case_fault,
        "checkpoints": points,
        "witness_fault": witness_fault,
    }


def audit_witness(app: App) -> tuple[dict[str, Any], str]:
    """Sign a checkpoint of the trail now and append it to the witness log; returns it and the log."""
    from rr_workflow.adapters import witness

    key = witness.load_key(app.home, create=True)
    with app.reading() as connection:
        permissions.require(connection, app.actor, "audit_verify")
        point = witness.checkpoint(connection, key)
    return point, str(witness.append_to_log(app.home, point))

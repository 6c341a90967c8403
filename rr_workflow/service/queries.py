"""Use cases that read: the case board, one case, its history, the audit check.

Reading a case's details is itself recorded in the audit trail (docs/security.md).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from rr_workflow.adapters.db import audit, lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.deadlines import Status
from rr_workflow.domain.machine import state_label
from rr_workflow.service import permissions, views
from rr_workflow.service.app import App

FINISHED = ("closed", "declined")
LATER_ACTIONS = ("fact_corrected", "fact_withdrawn", "step_undone")  # rows that change an earlier step


def case_show(app: App, ref: str) -> dict[str, Any]:
    return views.case_show(app, ref)


def case_list(app: App, open_only: bool = False, overdue_only: bool = False) -> list[dict[str, Any]]:
    """The board: each case's state and its next open deadline, overdue first."""
    today = app.today()
    c = t.cases
    with app.engine.connect() as connection:  # a read model: no aggregate needed for the board
        permissions.require(connection, app.actor, "case_list")
        board = []
        for case in connection.execute(
            select(c.c.id, c.c.ref, c.c.state, c.c.received).order_by(c.c.received, c.c.ref)
        ):
            if open_only and case.state in FINISHED:
                continue
            deadlines = views.deadlines(connection, case.id, app)
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
                    "overdue_deadlines": [
                        d["label"] for d in sorted(overdue, key=lambda d: (d["due"], d["label"]))
                    ],
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


def _by_due_then_label(deadline: dict[str, Any]) -> tuple[Any, str]:
    return deadline["due"], deadline["label"]


def history(app: App, ref: str) -> list[dict[str, Any]]:
    """The case's audit trail; each step later corrected, withdrawn or undone lists those rows under
    `later` (id, action, actor, recorded_at, before, after, reason), so the original and its correction
    can be shown side by side."""
    with app.uow() as uow:
        permissions.require(uow, app.actor, "history")
        rows = [dict(r) for r in audit.case_history(uow.connection, lookup.case_ref(uow.connection, ref))]
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
    with app.uow() as uow:
        permissions.require(uow, app.actor, "audit_verify")
        return audit.verify(uow.connection)

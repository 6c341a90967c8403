"""`rr due`: the week ahead across every case, grouped by day (the coordinator's agenda).

One indexed query reads the open deadlines due by a day (`open_deadlines_until`);
statuses come from the domain's one rule.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.deadlines import Status, action_status, deadline_status
from rr_workflow.service import actions, permissions
from rr_workflow.service.app import App
from rr_workflow.service.notices import MEETING_COMMANDS, RuleOf, still_running

DEFAULT_DAYS = 5  # a working week


def due(app: App, days: int = DEFAULT_DAYS, overdue_only: bool = False) -> list[dict[str, Any]]:
    """Every open deadline overdue or due within `days` working days of today, grouped by due day:
    `[{"day", "overdue", "deadlines": [{ref, key, label, due, status, owner, command}]}]`, earliest day
    first. With `overdue_only`, only the overdue ones."""
    today = app.today()
    horizon = today if overdue_only else app.calendar.add(today, days)
    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_list")
        partners = dict(
            connection.execute(
                select(t.agencies.c.partner, t.agencies.c.key).where(t.agencies.c.partner.is_not(None))
            ).all()
        )
        rule_of = RuleOf(connection)
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for row in open_deadlines_until(connection, horizon):
            rule = rule_of(row)
            status = deadline_status(row.original_due, row.due, row.due_soon_from, None, row.deviation, today)
            if overdue_only and status != Status.OVERDUE:
                continue
            by_day[row.due].append(
                {
                    "ref": row.ref,
                    "key": row.key,
                    "label": row.label,
                    "due": row.due,
                    "status": status,
                    "owner": owner_of(row.owner, row.agency, partners),
                    "command": command_for(rule.met_by, row.ref, row.agency),
                }
            )
        for action in open_actions_until(connection, horizon):
            status = action_status("open", action.due, None, today)
            if overdue_only and status != Status.OVERDUE:
                continue
            by_day[action.due].append(
                {
                    "ref": action.ref,
                    "key": actions.timer_key(action.id),
                    "label": actions.label(action.kind, action.number, action.text),
                    "due": action.due,
                    "status": status,
                    "owner": action.agency or action.owner,
                    "command": f'rr action done {action.id} --evidence "..."',
                }
            )
    return [
        {
            "day": day,
            "overdue": day < today,
            "deadlines": sorted(by_day[day], key=lambda d: (d["ref"], d["key"])),
        }
        for day in sorted(by_day)
    ]


def open_deadlines_until(connection: Connection, last_day: date) -> list[Row[Any]]:
    """Every deadline of an unfinished case, not met nor waived, due on or before `last_day`: a range of
    the index of open deadlines by due date (those that may still fire), whatever the history."""
    d, c, r = t.deadlines.c, t.cases.c, t.reviews.c
    query = (
        select(
            d.key, d.rule_key, d.label, d.agency, d.owner, d.original_due, d.due, d.due_soon_from,
            d.deviation, c.ref, c.schedule_version, d.review_id,
            r.schedule_version.label("review_schedule_version"),
        )
        .join(t.cases, c.id == d.case_id)
        .outerjoin(t.reviews, r.id == d.review_id)
        .where(
            d.next_fire_at.is_not(None),
            still_running(),
            d.met_on.is_(None),
            or_(d.deviation.is_(None), d.deviation != Status.WAIVED),
            d.due <= last_day,
        )
        .order_by(d.due, c.ref, d.key)
    )  # fmt: skip
    return list(connection.execute(query))


def open_actions_until(connection: Connection, last_day: date) -> list[Row[Any]]:
    """Every open action of the register due on or before `last_day` (whatever its case's state)."""
    a, c = t.actions.c, t.cases.c
    query = (
        select(a.id, a.number, a.kind, a.text, a.owner, a.agency, a.due, c.ref)
        .join(t.cases, c.id == a.case_id)
        .where(a.status == "open", a.due <= last_day)
        .order_by(a.due, c.ref, a.number)
    )
    return list(connection.execute(query))


def owner_of(owner: str, agency: str | None, partners: dict[str, str]) -> str:
    """Who must act: the agency concerned, the agency that is a safeguarding partner, or a role."""
    if owner == "agency" and agency:
        return agency
    if owner.startswith("partner:"):
        partner = owner.split(":", 1)[1]
        return partners.get(partner, partner)
    return owner


def command_for(met_by: str, ref: str, agency: str | None) -> str | None:
    """The `rr` command that meets a deadline met by `met_by`, for this case (None: no single command)."""
    template = MEETING_COMMANDS.get(met_by)
    if template is None:
        return None
    return "rr " + template.replace("REF", ref).replace("{agency}", agency or "AGENCY")

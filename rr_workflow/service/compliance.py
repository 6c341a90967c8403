"""The compliance report (docs/procedure.md): how timely every stage of every case was.

A read model like `views.py`: one SQLAlchemy Core query over the materialised `deadlines` table joined
to `cases` (no aggregate, no ORM), statuses re-derived for today by the domain's one rule
(`deadline_status`) and working days counted only by the calendar (`WorkingCalendar.between`).

Definitions, per deadline:

- `due` is the ORIGINAL due date; `extended_to` the agreed new date when the deadline was extended.
- `working_days_late` = `between(due, met_on)`: negative = early, 0 = met on the due date itself. It is
  counted against the original date even when the deadline was extended: an extended deadline met
  after its original date is late (docs/procedure.md: "the original deadline still shows as missed").
- `on_time`: True when met on or before the original date; False when met after it, or not met and
  today is past it (extended or overdue); None while it is not yet due, or when it was waived.
- `working_days_taken` = `between(counts_from, met_on)`, for met deadlines.

And per deadline rule (`rule_key`; a per-agency rule has one deadline per agency involved):

- `decided` = met on time + met late + `overdue` (not met, past the original date, extensions
  included); waived deadlines and those not yet due are left out, and `pct_on_time` is
  `met_on_time / decided` (None when nothing is decided yet).
- `median_working_days` is `statistics.median` of the working days taken by met deadlines (a float:
  half a day when the count is even and the middle two differ); `p90_working_days` is the NEAREST-RANK
  90th percentile: the smallest value taken by at least 90% of them (the ceil(0.9 n)-th smallest), so
  it is always a number of days some case actually took.
- `panel` counts the cases whose report reached the Panel within the overall limit (`review_complete`
  met on time) out of those whose `review_complete` is decided.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.deadlines import Status, deadline_status
from rr_workflow.domain.errors import BadInput, RRError
from rr_workflow.service import permissions
from rr_workflow.service.app import App

PANEL_RULE = "review_complete"  # the overall limit: the report with the Panel (docs/procedure.md)
P90 = 90
OUTCOMES = ("met_on_time", "met_late", "overdue", "waived", "not_yet_due")
DECIDED = frozenset({"met_on_time", "met_late", "overdue"})

ROW_KEYS = (
    "ref",
    "received",
    "case_state",
    "key",
    "rule_key",
    "label",
    "agency",
    "counts_from",
    "due",
    "extended_to",
    "met_on",
    "status",
    "on_time",
    "working_days_late",
    "working_days_taken",
    "deviation",
    "reason",
)
SUMMARY_KEYS = (
    "rule_key",
    "label",
    "cases",
    "deadlines",
    "met_on_time",
    "met_late",
    "overdue",
    "waived",
    "not_yet_due",
    "extended",
    "decided",
    "pct_on_time",
    "median_working_days",
    "p90_working_days",
)


def compliance(app: App, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Every deadline of every case whose referral was received in [start, end] (either may be None),
    with the summary per deadline rule and the overall-limit figure; statuses as of `app.today()`."""
    if start is not None and end is not None and start > end:
        raise BadInput(f"--from {start} is after --to {end}")
    today = app.today()
    c, d = t.cases, t.deadlines
    query = select(
        c.c.ref,
        c.c.received,
        c.c.state,
        c.c.schedule_version,
        d.c.key,
        d.c.rule_key,
        d.c.label,
        d.c.agency,
        d.c.counts_from,
        d.c.original_due,
        d.c.due,
        d.c.due_soon_from,
        d.c.met_on,
        d.c.deviation,
        d.c.reason,
    ).select_from(d.join(c, c.c.id == d.c.case_id))
    if start is not None:
        query = query.where(c.c.received >= start)
    if end is not None:
        query = query.where(c.c.received <= end)
    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_list")
        fetched = connection.execute(query).all()
        latest: dict[str, date] = {}  # schedule version -> the latest referral opened under it
        for _, received, _, version, *_ in fetched:
            if received > latest.get(version, date.min):
                latest[version] = received
        versions = sorted(latest, key=lambda v: (latest[v], v), reverse=True)  # the newest case's first
        stored = (
            connection.execute(
                select(t.schedules.c.version, t.schedules.c.source_text).where(
                    t.schedules.c.version.in_(versions)
                )
            ).all()
            if versions
            else []
        )
    # Sorted here, not in SQL: PostgreSQL's collation and SQLite's byte order differ on text.
    fetched.sort(key=lambda r: (r[1], r[0], r[9], r[4]))  # received, ref, original due, key
    rows = _rows(fetched, today, app.calendar)
    order, labels = _rule_order(dict(stored), versions)
    return {
        "from": start,
        "to": end,
        "as_of": today,
        "summary": _summary(rows, order, labels),
        "panel": _panel(rows, app.calendar),
        "rows": rows,
    }


def _rows(fetched: Sequence[Any], today: date, calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """One dict a deadline (ROW_KEYS). A hot loop over ~130,000 rows: rows are unpacked as tuples (a
    Row's attribute access costs more than the rest of the work) and `between` is bound once."""
    between = calendar.between
    waived, extended = Status.WAIVED, Status.EXTENDED
    rows = []
    for (
        ref,
        received,
        state,
        _version,
        key,
        rule_key,
        label,
        agency,
        counts_from,
        original_due,
        due,
        due_soon_from,
        met_on,
        deviation,
        reason,
    ) in fetched:
        status = deadline_status(original_due, due, due_soon_from, met_on, deviation, today)
        if met_on is not None:
            on_time: bool | None = met_on <= original_due
        elif status == waived or today <= original_due:
            on_time = None
        else:  # not met, and the original date has passed: missed, even while an extension runs
            on_time = False
        rows.append(
            {
                "ref": ref,
                "received": received,
                "case_state": state,
                "key": key,
                "rule_key": rule_key,
                "label": label,
                "agency": agency,
                "counts_from": counts_from,
                "due": original_due,
                "extended_to": due if deviation == extended else None,
                "met_on": met_on,
                "status": status,
                "on_time": on_time,
                "working_days_late": None if met_on is None else between(original_due, met_on),
                "working_days_taken": None if met_on is None else between(counts_from, met_on),
                "deviation": deviation,
                "reason": reason,
            }
        )
    return rows


def _outcome(row: dict[str, Any]) -> str:
    if row["met_on"] is not None:
        return "met_on_time" if row["on_time"] else "met_late"
    if row["status"] == Status.WAIVED:
        return "waived"
    return "overdue" if row["on_time"] is False else "not_yet_due"


def _rule_order(stored: dict[str, str], versions: Sequence[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Rule positions and labels from the schedules the cases were opened under (the newest case's
    first), so the summary reads in the order of the procedure."""
    from rr_workflow.adapters import config

    order: dict[str, int] = {}
    labels: dict[str, str] = {}
    for version in versions:
        if version not in stored:
            continue
        try:
            schedule = config.parse_schedule_text(stored[version], source=f"schedule version {version}")
        except RRError:  # an old stored schedule today's validation refuses: order it by name instead
            continue
        for rule in schedule.rules:
            order.setdefault(rule.key, len(order))
            labels.setdefault(rule.key, rule.label)
    return order, labels


def _summary(
    rows: list[dict[str, Any]], order: dict[str, int], labels: dict[str, str]
) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = groups.get(row["rule_key"])
        if group is None:
            group = groups[row["rule_key"]] = {
                "first": row,
                "refs": set(),
                "taken": [],
                "extended": 0,
                "counts": dict.fromkeys(OUTCOMES, 0),
            }
        group["refs"].add(row["ref"])
        group["counts"][_outcome(row)] += 1
        if row["working_days_taken"] is not None:
            group["taken"].append(row["working_days_taken"])
        if row["deviation"] == Status.EXTENDED:
            group["extended"] += 1
    summary = []
    for rule_key in sorted(groups, key=lambda k: (order.get(k, len(order)), k)):
        group = groups[rule_key]
        counts, taken, first = group["counts"], group["taken"], group["first"]
        decided = counts["met_on_time"] + counts["met_late"] + counts["overdue"]
        label = labels.get(rule_key) or (
            first["label"].removesuffix(f" ({first['agency']})") if first["agency"] else first["label"]
        )
        summary.append(
            {
                "rule_key": rule_key,
                "label": label,
                "cases": len(group["refs"]),
                "deadlines": sum(counts.values()),
                **counts,
                "extended": group["extended"],
                "decided": decided,
                "pct_on_time": _pct(counts["met_on_time"], decided),
                "median_working_days": float(statistics.median(taken)) if taken else None,
                "p90_working_days": nearest_rank(taken, P90),
            }
        )
    return summary


def _panel(rows: list[dict[str, Any]], calendar: WorkingCalendar) -> dict[str, Any]:
    """Reports with the Panel within the overall limit, of the cases whose limit is decided."""
    decided = within = 0
    limits: set[int] = set()
    for row in rows:
        if row["rule_key"] != PANEL_RULE:
            continue
        limits.add(calendar.between(row["counts_from"], row["due"]))  # the rule's N working days
        outcome = _outcome(row)
        if outcome in DECIDED:
            decided += 1
            within += outcome == "met_on_time"
    return {
        "rule_key": PANEL_RULE,
        "working_days": limits.pop() if len(limits) == 1 else None,  # None: schedules differ, or no case
        "within_limit": within,
        "decided": decided,
        "pct_within_limit": _pct(within, decided),
    }


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def nearest_rank(values: Sequence[int], percentile: int) -> int | None:
    """The nearest-rank percentile: the ceil(percentile/100 * n)-th smallest value (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-percentile * len(ordered) // 100)  # ceil, in integers
    return ordered[max(rank, 1) - 1]

"""The year in figures (`rr report annual`, docs/coordinators-guide.md): what a yearly report needs.

The year's cases are those whose referral was received in it. Read with SQLAlchemy Core from the cases,
their materialised deadlines and the actions register; statuses are re-derived for today by the deadline
module's one rule, and working days counted only by the calendar.

- The funnel: incident notifications (cases opened) → Rapid Reviews (not declined) → reports with the
  National Panel → decisions (national CSPR, local CSPR, alternative review, no review) → local reviews
  (local CSPR or alternative review) opened → published.
- Each stage's timeliness, per deadline rule: `judged` = met, or not met and past its original due date
  (waived ones and ones not yet due are left out); `on_time` = met on or before the original date;
  lateness in working days for each late one = `lateness()` of the deadline module (met late) or working
  days from the original due date to today (still not met); `median_days_late` and `worst_days_late` are
  over the late ones only (None when none was late). The reviews that followed have their own stages
  (`review_stages`), counted the same way.
- The Panel: responses recorded, how many agreed with the decision, how many asked questions.
- Actions (the year's cases' immediate actions and recommendations): judged = done (with a due date) or
  open past its due date; on time = done on or before its due date; dropped ones are counted apart.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.case import OUTCOMES
from rr_workflow.domain.deadlines import Status, action_status, deadline_status, done_on_time
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import permissions
from rr_workflow.service.app import App

FIRST_YEAR, LAST_YEAR = 2000, 2100
# The review's stages in the order a review goes through them (schedules/local_review.toml).
REVIEW_ORDER = (
    "reviewer_appointed",
    "tor_agreed",
    "checkpoint",
    "draft_report",
    "final_report_sent",
    "published",
)
LOCAL_REVIEWS = ("local_cspr", "alternative_review")  # the reviews a partnership publishes itself
OUTCOME_LABELS = {
    "national_cspr": "national CSPR recommended",
    "local_cspr": "local CSPR",
    "alternative_review": "alternative review",
    "no_review": "no further review",
}


@dataclass
class Stage:
    """One deadline rule's timeliness over the year's cases."""

    rule_key: str
    label: str
    judged: int = 0
    on_time: int = 0
    late_days: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_key": self.rule_key,
            "label": self.label,
            "judged": self.judged,
            "on_time": self.on_time,
            "late": len(self.late_days),
            "pct_on_time": _pct(self.on_time, self.judged),
            "median_days_late": statistics.median(self.late_days) if self.late_days else None,
            "worst_days_late": max(self.late_days) if self.late_days else None,
        }


def annual(app: App, year: int) -> dict[str, Any]:
    """The year's figures (stable keys; see the module's docstring for every definition)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(f"--year {year} is not a year this register can hold ({FIRST_YEAR} to {LAST_YEAR})")
    start, end = date(year, 1, 1), date(year, 12, 31)
    today = app.today()
    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_list")
        cases = _cases(connection, start, end)
        stages = _stages(connection, start, end, today, app.calendar, reviews=False)
        review_stages = _stages(connection, start, end, today, app.calendar, reviews=True)
        actions = _actions(connection, start, end, today)
        opened, published = _reviews(connection, start, end)
    outcomes = Counter(c["outcome"] for c in cases if c["decided_on"] is not None)
    responses = [c for c in cases if c["panel_response_on"] is not None]
    funnel = {
        "notifications": len(cases),
        "rapid_reviews": sum(1 for c in cases if c["state"] != "declined"),
        "declined": sum(1 for c in cases if c["state"] == "declined"),
        "reports_to_panel": sum(1 for c in cases if c["submitted_on"] is not None),
        "decisions": {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        "reviews_opened": opened,
        "reviews_published": published,
    }
    return {
        "year": year,
        "as_of": today,
        "funnel": funnel,
        "stages": [s.as_dict() for s in stages],
        "review_stages": [s.as_dict() for s in review_stages],
        "panel": {
            "responses": len(responses),
            "agreed": sum(1 for c in responses if c["panel_agrees"] == 1),
            "asked_questions": sum(1 for c in responses if c["panel_agrees"] == 0 or c["panel_questions"]),
            "pct_agreed": _pct(sum(1 for c in responses if c["panel_agrees"] == 1), len(responses)),
        },
        "actions": actions,
    }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _cases(connection: Connection, start: date, end: date) -> list[dict[str, Any]]:
    c = t.cases.c
    query = select(
        c.id, c.ref, c.state, c.outcome, c.decided_on, c.submitted_on, c.panel_response_on, c.panel_agrees,
        c.panel_questions,
    ).where(c.received >= start, c.received <= end)  # fmt: skip
    return [dict(r) for r in connection.execute(query).mappings()]


def _stages(
    connection: Connection, start: date, end: date, today: date, calendar: WorkingCalendar, reviews: bool
) -> list[Stage]:
    """The Rapid Review's stages, or (`reviews`) those of the reviews that followed."""
    from rr_workflow.service.pictures import STAGE_ORDER

    d, c = t.deadlines.c, t.cases.c
    query = (
        select(d.rule_key, d.label, d.agency, d.original_due, d.due, d.due_soon_from, d.met_on, d.deviation)
        .join_from(t.deadlines, t.cases, d.case_id == c.id)
        .where(c.received >= start, c.received <= end)
        .where(d.review_id.is_not(None) if reviews else d.review_id.is_(None))
    )
    stages: dict[str, Stage] = {}
    for r in connection.execute(query):
        label = r.label.removesuffix(f" ({r.agency})") if r.agency else r.label
        stage = stages.setdefault(r.rule_key, Stage(r.rule_key, label))
        status = deadline_status(r.original_due, r.due, r.due_soon_from, r.met_on, r.deviation, today)
        if r.met_on is None and (status == Status.WAIVED or today <= r.original_due):
            continue  # waived, or not due yet: neither on time nor late
        stage.judged += 1
        if r.met_on is not None and r.met_on <= r.original_due:
            stage.on_time += 1
        else:  # met late (at least one working day, as the deadline module counts it), or still missing
            stage.late_days.append(max(1, calendar.between(r.original_due, r.met_on or today)))
    order = {key: n for n, key in enumerate((*STAGE_ORDER, *REVIEW_ORDER))}
    return sorted(stages.values(), key=lambda s: (order.get(s.rule_key, len(order)), s.rule_key))


def _actions(connection: Connection, start: date, end: date, today: date) -> dict[str, Any]:
    a, c = t.actions.c, t.cases.c
    query = (
        select(a.kind, a.due, a.status, a.done_on)
        .join_from(t.actions, t.cases, a.case_id == c.id)
        .where(c.received >= start, c.received <= end)
    )
    counts: dict[str, int] = defaultdict(int)
    for r in connection.execute(query):
        counts["total"] += 1
        counts[r.kind + "s"] += 1
        status = action_status(r.status, r.due, r.done_on, today)
        counts[status] += 1
        on_time = done_on_time(r.due, r.done_on)
        if on_time is not None or status == "overdue":
            counts["judged"] += 1
            counts["done_on_time"] += bool(on_time)
    keys = ("total", "actions", "recommendations", "open", "overdue", "done", "dropped", "judged")
    result = {key: counts.get(key, 0) for key in keys}
    result["done_on_time"] = counts.get("done_on_time", 0)
    result["pct_done_on_time"] = _pct(result["done_on_time"], result["judged"])
    return result


def _reviews(connection: Connection, start: date, end: date) -> tuple[int, int]:
    """How many local CSPRs and alternative reviews the year's cases opened, and how many were published."""
    r, c = t.reviews.c, t.cases.c
    query = (
        select(r.published_on)
        .join_from(t.reviews, t.cases, r.case_id == c.id)
        .where(c.received >= start, c.received <= end, r.kind.in_(LOCAL_REVIEWS))
    )
    found = list(connection.execute(query).scalars())
    return len(found), sum(1 for published in found if published is not None)


# -- the funnel chart --------------------------------------------------------------------------------------


def funnel_bars(figures: dict[str, Any]) -> list[tuple[str, int | None]]:
    """The funnel's bars, top to bottom: (label, count)."""
    funnel = figures["funnel"]
    bars: list[tuple[str, int | None]] = [
        ("incident notifications", funnel["notifications"]),
        ("Rapid Reviews", funnel["rapid_reviews"]),
        ("reports to the National Panel", funnel["reports_to_panel"]),
    ]
    bars += [(f"decision: {OUTCOME_LABELS[o]}", n) for o, n in funnel["decisions"].items()]
    bars.append(("local reviews opened", funnel["reviews_opened"]))
    bars.append(("local reviews published", funnel["reviews_published"]))
    return bars


def funnel_svg(figures: dict[str, Any], training: bool) -> bytes:
    """The funnel as an SVG picture (drawn like the other pictures: matplotlib, fixed size, text as text)."""
    from rr_workflow.service.pictures import CHART_COLOURS, DPI, _described, _matplotlib_context, _save

    bars = funnel_bars(figures)
    width, height = 900, 420
    with _matplotlib_context():
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
        ax = fig.subplots()
        title = f"{figures['year']}: from incident notification to published review"
        fig.suptitle(("TRAINING  " if training else "") + title, fontsize=12, fontweight="bold")
        labels = [label for label, _ in bars]
        values = [n or 0 for _, n in bars]
        colours = [CHART_COLOURS[0]] * 3 + [CHART_COLOURS[2]] * len(OUTCOMES) + [CHART_COLOURS[1]] * 2
        drawn = ax.barh(range(len(bars)), values, color=colours, edgecolor="white")
        ax.bar_label(drawn, ["not tracked" if n is None else str(n) for _, n in bars], padding=3, fontsize=9)
        ax.set_yticks(range(len(bars)), labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel("cases referred in the year")
        ax.set_xlim(0, max([*values, 1]) * 1.15)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        svg = _save(fig, "svg")
    said = "; ".join(f"{label}: {'not tracked' if n is None else n}" for label, n in bars)
    return _described(svg, title, f"The year's cases at each stage. {said}.")

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

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from rr_workflow.adapters.db import tables as t
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
    with the summary per deadline rule and the overall-limit figure; statuses as of `app.today()`.
    The whole report in memory: the command streams it instead (`Report`)."""
    report = Report(app, start, end)
    rows = list(report.rows())
    return {
        "from": start,
        "to": end,
        "as_of": report.today,
        "summary": report.summary(),
        "panel": report.panel(),
        "rows": rows,
    }


class Report:
    """The report read in one pass: `rows()` yields the rows in order (received, case, original due date,
    deadline) as the database sends them, and tallies the summary and the Panel figure on the way, in
    memory that does not grow with history (counts per rule, a histogram of working days taken)."""

    def __init__(self, app: App, start: date | None = None, end: date | None = None) -> None:
        if start is not None and end is not None and start > end:
            raise BadInput(f"--from {start} is after --to {end}")
        self.app, self.start, self.end = app, start, end
        self.today = app.today()
        with app.engine.connect() as connection:  # refused before anything is written
            permissions.require(connection, app.actor, "case_list")
        self.count = 0
        self.cases = 0
        self._latest: dict[str, date] = {}  # schedule version -> the latest referral opened under it
        self._groups: dict[str, _Group] = {}
        self._panel = _Group()
        self._limits: set[int] = set()
        self._stored: dict[str, str] = {}

    def _query(self, dialect: str) -> Any:
        c, d = t.cases, t.deadlines
        # Text in byte order on both databases (PostgreSQL's collation would order refs differently).
        ref, key = (
            (c.c.ref.collate("C"), d.c.key.collate("C")) if dialect == "postgresql" else (c.c.ref, d.c.key)
        )
        query = (
            select(
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
            )
            .select_from(d.join(c, c.c.id == d.c.case_id))
            .where(d.c.review_id.is_(None))  # the Rapid Review's own timescales
            .order_by(c.c.received, ref, d.c.original_due, key)
        )
        if self.start is not None:
            query = query.where(c.c.received >= self.start)
        if self.end is not None:
            query = query.where(c.c.received <= self.end)
        return query

    def rows(self) -> Iterator[dict[str, Any]]:
        """One dict a deadline (ROW_KEYS). A hot loop over every deadline of the period: rows are
        unpacked as tuples (a Row's attribute access costs more than the rest of the work), `between`
        is bound once, and the database sends them in batches (a server-side cursor on PostgreSQL)."""
        between = self.app.calendar.between
        today = self.today
        waived, extended = Status.WAIVED, Status.EXTENDED
        latest = self._latest
        previous_ref = None
        with self.app.engine.connect() as connection:
            fetched = connection.execution_options(stream_results=True, yield_per=2000).execute(
                self._query(connection.dialect.name)
            )
            for (
                ref,
                received,
                state,
                version,
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
                if ref != previous_ref:
                    previous_ref = ref
                    self.cases += 1
                    if received > latest.get(version, date.min):
                        latest[version] = received
                row = {
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
                self._tally(row)
                yield row
            versions = list(latest)
            if versions:
                self._stored = dict(
                    connection.execute(
                        select(t.schedules.c.version, t.schedules.c.source_text).where(
                            t.schedules.c.version.in_(versions)
                        )
                    ).all()
                )

    def _tally(self, row: dict[str, Any]) -> None:
        self.count += 1
        group = self._groups.get(row["rule_key"])
        if group is None:
            group = self._groups[row["rule_key"]] = _Group(row["label"], row["agency"])
        group.add(row)
        if row["rule_key"] == PANEL_RULE:
            self._limits.add(self.app.calendar.between(row["counts_from"], row["due"]))  # its N working days
            self._panel.add(row)

    def summary(self) -> list[dict[str, Any]]:
        """Per deadline rule, in the order of the procedure (after `rows()` has been read)."""
        versions = sorted(self._latest, key=lambda v: (self._latest[v], v), reverse=True)  # newest first
        order, labels = _rule_order(self._stored, versions)
        return [
            self._groups[k].summary(k, labels.get(k))
            for k in sorted(self._groups, key=lambda k: (order.get(k, len(order)), k))
        ]

    def panel(self) -> dict[str, Any]:
        """Reports with the Panel within the overall limit, of the cases whose limit is decided."""
        counts = self._panel.counts
        decided = sum(counts[o] for o in DECIDED)
        within = counts["met_on_time"]
        return {
            "rule_key": PANEL_RULE,
            "working_days": next(iter(self._limits)) if len(self._limits) == 1 else None,  # None: differ
            "within_limit": within,
            "decided": decided,
            "pct_within_limit": _pct(within, decided),
        }


class _Group:
    """One deadline rule's figures: counts by outcome, cases, and the working days taken as a histogram
    (the median and the nearest-rank percentile read from it), so memory does not grow with cases."""

    def __init__(self, label: str = "", agency: str | None = None) -> None:
        self.label, self.agency = label, agency
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.taken: Counter[int] = Counter()
        self.extended = 0
        self.cases = 0
        self._last_ref: str | None = None  # rows come case by case

    def add(self, row: dict[str, Any]) -> None:
        if row["ref"] != self._last_ref:
            self._last_ref = row["ref"]
            self.cases += 1
        self.counts[_outcome(row)] += 1
        if row["working_days_taken"] is not None:
            self.taken[row["working_days_taken"]] += 1
        if row["deviation"] == Status.EXTENDED:
            self.extended += 1

    def summary(self, rule_key: str, label: str | None) -> dict[str, Any]:
        counts = self.counts
        decided = counts["met_on_time"] + counts["met_late"] + counts["overdue"]
        if label is None:
            label = self.label.removesuffix(f" ({self.agency})") if self.agency else self.label
        return {
            "rule_key": rule_key,
            "label": label,
            "cases": self.cases,
            "deadlines": sum(counts.values()),
            **counts,
            "extended": self.extended,
            "decided": decided,
            "pct_on_time": _pct(counts["met_on_time"], decided),
            "median_working_days": _median(self.taken),
            "p90_working_days": _nearest_rank(self.taken, P90),
        }


def _ranked(histogram: Counter[int], rank: int) -> int:
    """The `rank`-th smallest value (from 1) of the values counted in `histogram`."""
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise ValueError(f"rank {rank} is beyond {seen} values")


def _median(histogram: Counter[int]) -> float | None:
    """As `statistics.median`: the middle value, or the mean of the middle two."""
    n = histogram.total()
    if not n:
        return None
    return (_ranked(histogram, (n + 1) // 2) + _ranked(histogram, n // 2 + 1)) / 2


def _nearest_rank(histogram: Counter[int], percentile: int) -> int | None:
    n = histogram.total()
    if not n:
        return None
    rank = -(-percentile * n // 100)  # ceil, in integers
    return _ranked(histogram, max(rank, 1))


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


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def nearest_rank(values: Sequence[int], percentile: int) -> int | None:
    """The nearest-rank percentile: the ceil(percentile/100 * n)-th smallest value (None if empty)."""
    return _nearest_rank(Counter(values), percentile)

"""Pictures of the procedure: one case's timeline, and the on-time rate chart.

Both read the tables with SQLAlchemy Core (no ORM) and draw with matplotlib, which is imported only
inside the functions that draw (it costs a second to import, and most commands never draw). Nothing
drawn is personal data: case references, deadline labels, agency keys and dates only, so showing a
picture is not a read of a case's personal details and is not written to the audit trail (docs/security.md).

Sizes are fixed, whatever the data, so a picture drops into a board paper or the board page the same
way every time: 96 dots per inch (a CSS pixel), `TIMELINE_WIDTH_PX` wide, and for a timeline
`TIMELINE_BASE_PX` plus `TIMELINE_ROW_PX` per row high. Every size is a multiple of 1/32 inch, so
inches x dpi is an exact integer and a PNG is exactly the size `Picture` says.
"""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from rr_workflow.adapters.db import lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.deadlines import Status, deadline_status
from rr_workflow.domain.errors import BadInput, RRError
from rr_workflow.domain.stages import state_label
from rr_workflow.service import permissions
from rr_workflow.service.app import App

FORMATS = {".svg": "svg", ".png": "png"}
DPI = 96
TIMELINE_WIDTH_PX = 1200
TIMELINE_BASE_PX = 330  # title, the non-working-day strip, the date axis and the legend
TIMELINE_ROW_PX = 30
CHART_SIZE_PX = (1200, 600)

# Stages in the order a case goes through them (the default schedule's deadline keys, and the
# milestones that have no deadline of their own). A partnership's own extra deadlines come after these.
STAGE_ORDER = (
    "referral_received",
    "aware",
    "sin_notified",
    "scoping_sent",
    "meeting_date_set",
    "scoping_returned",
    "records_secured",
    "meeting_held",
    "decision_made",
    "endorsed",
    "panel_submission",
    "outcome_shared",
    "review_complete",
    "panel_response",
    "panel_answer",
)
_UNKNOWN_STAGE = len(STAGE_ORDER)
FINAL_STAGE = _UNKNOWN_STAGE + 1  # closed or declined

COLOURS = {
    "planned": "#cfe2f3",
    "planned_edge": "#3d85c6",
    "window": "#b6d7a8",
    "extension": "#f6b26b",
    "late": "#cc0000",
    "on_time": "#38761d",
    "milestone": "#434343",
    "waived": "#999999",
    "today": "#674ea7",
    "weekend": "#d9d9d9",
    "holiday": "#ea9999",
}


@dataclass(frozen=True)
class Picture:
    """A picture written to `path`: its format and size (pixels for a PNG, points for an SVG)."""

    path: Path
    format: str
    width_px: int
    height_px: int

    @property
    def width_pt(self) -> float:
        return self.width_px * 72 / DPI

    @property
    def height_pt(self) -> float:
        return self.height_px * 72 / DPI


def picture_format(out: Path) -> str:
    """ "svg" or "png", from the file name; anything else is refused before any work is done."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise BadInput(
            f"{out.name}: a picture is written as .svg or .png (not {out.suffix or 'no suffix'!r})"
        )
    if not out.parent.is_dir():
        raise BadInput(f"{out}: the folder {out.parent} does not exist")
    return fmt


def _write(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as error:
        raise BadInput(f"cannot write {out}: {error.strerror or error}") from None


# -- one case's timeline ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a timeline: a deadline (from its start to its due date) or a milestone alone."""

    stage: int
    label: str
    status: str  # shown on the right
    start: date | None = None  # the event the deadline counts from
    original_due: date | None = None
    due: date | None = None  # the date in force (an extension's date)
    earliest: date | None = None  # a window's first day (the meeting)
    done: date | None = None  # when it happened (the milestone; a deadline's met_on)
    on_time: bool | None = None  # None: a milestone without a deadline, or not done yet
    overdue: bool = False
    waived: bool = False
    planned: list[date] = field(default_factory=list)  # a meeting date set but not held yet
    inquorate: list[date] = field(default_factory=list)


@dataclass
class CaseTimeline:
    ref: str
    state: str
    received: date
    today: date
    finished: bool
    training: bool
    rows: list[Row]
    window: tuple[date, date] | None


def _case_timeline(connection: Connection, app: App, ref: str) -> CaseTimeline:
    # Only the columns drawn: the child's details are never read here.
    c = t.cases.c
    drawn = (
        c.id,
        c.ref,
        c.state,
        c.received,
        c.aware,
        c.decided_on,
        c.endorsed_on,
        c.closed_on,
        c.declined_on,
    )
    case = (
        connection.execute(select(*drawn).where(c.ref == lookup.case_ref(connection, ref))).mappings().one()
    )
    today = app.today()
    d = t.deadlines.c
    deadlines = connection.execute(
        select(
            d.key, d.rule_key, d.label, d.agency, d.counts_from, d.original_due, d.due, d.earliest,
            d.due_soon_from, d.met_on, d.deviation,
        )
        .where(d.case_id == case["id"], d.review_id.is_(None))
        .order_by(d.original_due, d.key)
    ).mappings().all()  # fmt: skip
    m = t.meetings.c
    meetings = (
        connection.execute(
            select(m.meeting_date, m.status, m.held_on).where(m.case_id == case["id"]).order_by(m.number)
        )
        .mappings()
        .all()
    )

    rows = [
        Row(STAGE_ORDER.index(stage), label, _happened(on), done=on)
        for stage, label, on in (
            ("referral_received", "Referral received", case["received"]),
            ("aware", "Partnership aware of the incident", case["aware"]),
            ("decision_made", "Decision made", case["decided_on"]),
            ("endorsed", "Outcome endorsed by the independent chair", case["endorsed_on"]),
        )
    ]
    window = None
    meeting_row = None
    for r in deadlines:
        status = deadline_status(
            r["original_due"], r["due"], r["due_soon_from"], r["met_on"], r["deviation"], today
        )
        stage = STAGE_ORDER.index(r["rule_key"]) if r["rule_key"] in STAGE_ORDER else _UNKNOWN_STAGE
        row = Row(
            stage,
            r["label"],
            _deadline_text(status, r["due"], r["original_due"], r["met_on"], today, app.calendar),
            start=r["counts_from"],
            original_due=r["original_due"],
            due=r["due"],
            earliest=r["earliest"],
            done=r["met_on"],
            on_time=None if r["met_on"] is None else r["met_on"] <= r["original_due"],
            overdue=status == Status.OVERDUE,
            waived=status == Status.WAIVED,
        )
        rows.append(row)
        if r["earliest"] is not None:
            window = (r["earliest"], r["original_due"])
            meeting_row = row
    if meeting_row is not None:
        for meeting in meetings:
            if meeting["status"] == "scheduled":
                meeting_row.planned.append(meeting["meeting_date"])
            elif meeting["status"] == "inquorate" and meeting["held_on"]:
                meeting_row.inquorate.append(meeting["held_on"])
                meeting_row.status += f"; inquorate {meeting['held_on']:%a %d %b}"
    if case["closed_on"] or case["declined_on"]:
        declined = case["declined_on"] is not None
        on = case["declined_on"] if declined else case["closed_on"]
        rows.append(
            Row(FINAL_STAGE, "Referral declined" if declined else "Case closed", _happened(on), done=on)
        )
    # Every stage has its row, done or not yet (an empty row shows what is still ahead); a deadline shows
    # once its starting event has happened. Order: stage, then date, then label.
    rows.sort(key=lambda row: (row.stage, row.original_due or row.done or date.max, row.label))
    return CaseTimeline(
        ref=case["ref"],
        state=case["state"],
        received=case["received"],
        today=today,
        finished=bool(case["closed_on"] or case["declined_on"]),
        training=app.training,
        rows=rows,
        window=window,
    )


def _happened(on: date | None) -> str:
    return f"{on:%a %d %b}" if on else "not yet"


def _deadline_text(
    status: str, due: date, original_due: date, met_on: date | None, today: date, cal: WorkingCalendar
) -> str:
    if status == Status.MET:
        return f"met {met_on:%a %d %b}"
    if status == Status.MET_LATE:
        assert met_on is not None
        late = cal.between(original_due, met_on)
        return f"met {met_on:%a %d %b}, {late} working day{'s' if late != 1 else ''} late"
    if status == Status.WAIVED:
        return "waived"
    if status == Status.OVERDUE:
        return f"OVERDUE: was due {due:%a %d %b}"
    if status == Status.EXTENDED:
        missed = f" (missed {original_due:%a %d %b})" if today > original_due else ""
        return f"extended to {due:%a %d %b}{missed}"
    return f"due {due:%a %d %b}"


class WorkingDayAxis:
    """x = working days since the referral was received (calendar.between).

    The axis counts working days rather than calendar days so that a bar's length IS its timescale: a
    "5 working days" bar is 5 units long whether or not a weekend or Christmas falls inside it, and the
    deadlines line up with the rules people argue about. Non-working days therefore have no width of
    their own: each run of them (a weekend, a bank holiday weekend, the Christmas closure) sits between
    two working days at x = k + 0.5 and is drawn as a thin shaded separator, wider the more days it
    stands for, labelled with the names of the holidays in it. An event recorded on a non-working day
    is drawn on its separator.
    """

    def __init__(self, calendar: WorkingCalendar, origin: date) -> None:
        self.calendar = calendar
        self.origin = origin

    def x(self, day: date) -> float:
        k = self.calendar.between(self.origin, day)
        return float(k) if self.calendar.is_working_day(day) else k + 0.5

    def days(self, first: date, last: date) -> Iterable[date]:
        for n in range((last - first).days + 1):
            yield first + timedelta(days=n)

    def working_days(self, first: date, last: date) -> list[date]:
        return [day for day in self.days(first, last) if self.calendar.is_working_day(day)]

    def gaps(self, first: date, last: date) -> list[tuple[float, list[date], list[str]]]:
        """Each run of non-working days between `first` and `last`: (x, its days, the names in it)."""
        named: dict[date, str] = {}
        for year in range(first.year, last.year + 1):
            named.update(self.calendar.non_working_days(year))
        runs: list[tuple[float, list[date], list[str]]] = []
        for day in self.days(first, last):
            if self.calendar.is_working_day(day):
                continue
            x = self.x(day)
            if runs and runs[-1][0] == x:
                runs[-1][1].append(day)
            else:
                runs.append((x, [day], []))
            name = named.get(day)
            if name and name not in runs[-1][2]:
                runs[-1][2].append(name)
        return runs


def timeline_size(rows: int) -> tuple[int, int]:
    return TIMELINE_WIDTH_PX, TIMELINE_BASE_PX + TIMELINE_ROW_PX * rows


def _draw_timeline(data: CaseTimeline, calendar: WorkingCalendar, fmt: str) -> tuple[bytes, tuple[int, int]]:
    axis = WorkingDayAxis(calendar, data.received)
    dates = [data.received]
    for row in data.rows:
        dates += [d for d in (row.start, row.original_due, row.due, row.earliest, row.done) if d]
        dates += row.planned + row.inquorate
    if not data.finished:
        dates.append(data.today)
    first, last = min(dates) - timedelta(days=3), max(dates) + timedelta(days=3)
    lo, hi = axis.x(min(dates)) - 0.8, axis.x(max(dates)) + 0.8

    width, height = timeline_size(len(data.rows))
    with _matplotlib_context():
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        fig, strip, ax = _figure_with_strip(width, height, len(data.rows))
        title = f"{data.ref}: {state_label(data.state)}, as of {data.today:%a %d %b %Y}"
        fig.suptitle(("TRAINING  " if data.training else "") + title, fontsize=11, fontweight="bold")

        # Non-working days: separators on both axes, the holidays named on the strip above.
        for x, days, names in axis.gaps(first, last):
            if not lo < x < hi:
                continue
            half = min(0.06 * len(days), 0.3)
            colour = COLOURS["holiday"] if names else COLOURS["weekend"]
            for target in (strip, ax):
                target.axvspan(x - half, x + half, color=colour, lw=0, zorder=0)
            if names:
                text = "\n".join(textwrap.fill(n, 18) for n in names)
                strip.text(x, 0.04, text, rotation=90, ha="center", va="bottom", fontsize=6, linespacing=1.0)
        if data.window:
            x0, x1 = axis.x(data.window[0]), axis.x(data.window[1])
            for target in (strip, ax):
                target.axvspan(x0, x1, color=COLOURS["window"], alpha=0.35, lw=0, zorder=0)
            strip.text((x0 + x1) / 2, 0.96, "meeting window", ha="center", va="top", fontsize=7)
        if not data.finished:
            for target in (strip, ax):
                target.axvline(axis.x(data.today), color=COLOURS["today"], ls="--", lw=1.2, zorder=4)
            strip.text(axis.x(data.today), 0.6, " today", color=COLOURS["today"], fontsize=7, ha="left")

        for y, row in enumerate(data.rows):
            _draw_row(ax, axis, y, row, data.today)

        ax.set_ylim(len(data.rows) - 0.5, -0.5)
        ax.set_yticks(range(len(data.rows)), [textwrap.shorten(r.label, 58) for r in data.rows], fontsize=8)
        right = ax.secondary_yaxis("right")
        right.set_yticks(range(len(data.rows)), [r.status for r in data.rows], fontsize=7.5)
        for label, row in zip(right.get_yticklabels(), data.rows, strict=True):
            if row.overdue or row.on_time is False:
                label.set_color(COLOURS["late"])
        ax.set_xlim(lo, hi)
        ticks = [d for d in axis.working_days(first, last) if lo < axis.x(d) < hi]
        if len(ticks) > 32:  # a long case: label the first working day of each week
            ticks = [d for n, d in enumerate(ticks) if n == 0 or axis.x(d) - axis.x(ticks[n - 1]) != 1]
        ax.set_xticks([axis.x(d) for d in ticks], [f"{d:%a}\n{d:%d %b}" for d in ticks], fontsize=7)
        ax.set_xlabel(f"working days since the referral was received ({data.received:%a %d %b %Y} = 0)")
        ax.grid(axis="x", color="#eeeeee", lw=0.6, zorder=0)
        ax.tick_params(axis="y", length=0)
        fig.legend(
            handles=[
                Patch(facecolor=COLOURS["planned"], edgecolor=COLOURS["planned_edge"], label="time allowed"),
                Patch(facecolor=COLOURS["window"], label="meeting window"),
                Patch(facecolor=COLOURS["extension"], hatch="///", edgecolor="white", label="extension"),
                Patch(facecolor=COLOURS["late"], alpha=0.55, label="late"),
                Line2D([], [], color=COLOURS["on_time"], marker="o", ls="", label="on time"),
                Line2D([], [], color=COLOURS["late"], marker="X", ls="", label="late"),
                Line2D([], [], color=COLOURS["milestone"], marker="D", ls="", ms=5, label="milestone"),
                Line2D([], [], color=COLOURS["on_time"], marker="o", mfc="white", ls="", label="meeting set"),
                Line2D(
                    [], [], color=COLOURS["milestone"], marker="x", mew=1.5, ls="", label="inquorate meeting"
                ),
                Patch(facecolor=COLOURS["waived"], label="waived"),
                Patch(facecolor=COLOURS["weekend"], label="weekend"),
                Patch(facecolor=COLOURS["holiday"], label="bank holiday / closure"),
            ],
            loc="outside lower center",
            ncols=6,
            fontsize=7,
            frameon=False,
        )
        image = _save(fig, fmt)
        if fmt == "svg":
            image = _described(image, ("TRAINING  " if data.training else "") + title, _timeline_desc(data))
        return image, (width, height)


def _draw_row(ax: Any, axis: WorkingDayAxis, y: int, row: Row, today: date) -> None:
    bar = 0.5
    if row.start is not None and row.original_due is not None:
        start, due = axis.x(row.start), axis.x(row.original_due)
        colour = COLOURS["waived"] if row.waived else COLOURS["planned"]
        ax.barh(y, due - start, left=start, height=bar, color=colour, ec=COLOURS["planned_edge"], lw=0.6)
        if row.earliest is not None:
            first = axis.x(row.earliest)
            ax.barh(
                y, due - first, left=first, height=bar, color=COLOURS["window"], ec=COLOURS["on_time"], lw=0.6
            )
        ax.plot([due, due], [y - 0.35, y + 0.35], color="black", lw=1.2)  # the original due date
        if row.due is not None and row.due > row.original_due:
            ext = axis.x(row.due)
            ax.barh(
                y, ext - due, left=due, height=bar, color=COLOURS["extension"], hatch="///", ec="white", lw=0
            )
        # Late: from the original due date to when it was done, or to today while it is not done.
        end = row.done if row.done is not None else today
        if end > row.original_due and not row.waived:
            ax.barh(y, axis.x(end) - due, left=due, height=0.22, color=COLOURS["late"], alpha=0.55, lw=0)
        if row.done is not None:
            on_time = bool(row.on_time)
            ax.plot(
                axis.x(row.done),
                y,
                ls="",
                zorder=5,
                marker="o" if on_time else "X",
                ms=7 if on_time else 8,
                color=COLOURS["on_time"] if on_time else COLOURS["late"],
                mec="white",
                mew=0.6,
            )
    elif row.done is not None:
        ax.plot(axis.x(row.done), y, marker="D", ms=6, color=COLOURS["milestone"], ls="", zorder=5)
    for day in row.planned:
        ax.plot(
            axis.x(day), y, marker="o", ms=8, mfc="white", mec=COLOURS["on_time"], mew=1.5, ls="", zorder=5
        )
    for day in row.inquorate:
        ax.plot(axis.x(day), y, marker="x", ms=7, color=COLOURS["milestone"], mew=1.5, ls="", zorder=5)


def _figure_with_strip(width: int, height: int, rows: int) -> tuple[Any, Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    strip, ax = fig.subplots(2, 1, sharex=True, height_ratios=[0.9, max(rows, 1) * TIMELINE_ROW_PX / DPI])
    strip.set_ylim(0, 1)
    strip.set_yticks([])
    strip.set_ylabel("not working\ndays", rotation=0, ha="right", va="center", fontsize=7)
    strip.tick_params(axis="x", length=0, labelbottom=False)
    for side in ("top", "right", "left"):
        strip.spines[side].set_visible(False)
    for side in ("top",):
        ax.spines[side].set_visible(False)
    return fig, strip, ax


def _matplotlib_context() -> Any:
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise RRError(
            "pictures need matplotlib, which is not installed: pip install 'matplotlib>=3.7,<4'"
        ) from None
    matplotlib.use("Agg")  # no screen: draw to files only (pyplot is never imported)
    return matplotlib.rc_context(
        {
            "svg.hashsalt": "rr-workflow",  # the same picture gives the same SVG bytes
            "svg.fonttype": "none",  # text stays text: searchable, selectable, read out by screen readers
            "font.family": "DejaVu Sans",
            "hatch.linewidth": 0.8,
        }
    )


def _timeline_desc(data: CaseTimeline) -> str:
    """The timeline in words: each row and what it shows on the right."""
    rows = "; ".join(f"{row.label}: {row.status}" for row in data.rows)
    return f"Case {data.ref} on a working-day axis from the referral. {rows}."


def _described(svg: bytes, title: str, desc: str) -> bytes:
    """The SVG with a <title> and <desc> first inside <svg>, for screen readers and search."""
    from xml.sax.saxutils import escape

    head, tag, rest = svg.partition(b"<svg ")
    close = rest.index(b">") + 1
    inner = f"\n <title>{escape(title)}</title>\n <desc>{escape(desc)}</desc>".encode()
    return head + tag + rest[:close] + inner + rest[close:]


def _save(fig: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def timeline_image(app: App, ref: str, fmt: str = "svg") -> bytes:
    """A case's timeline as SVG or PNG bytes (for the board page)."""
    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_list")
        data = _case_timeline(connection, app, ref)
    return _draw_timeline(data, app.calendar, fmt)[0]


def timeline(app: App, ref: str, out: Path) -> Picture:
    """Draw case `ref`'s stages against its deadlines and meeting window to `out` (.svg or .png)."""
    fmt = picture_format(out)
    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_list")
        data = _case_timeline(connection, app, ref)
    image, (width, height) = _draw_timeline(data, app.calendar, fmt)
    _write(out, image)
    return Picture(out, fmt, width, height)


# -- the on-time chart -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleMonth:
    """Deadlines of one rule whose case was referred in one month: how many were judged, how many met
    on time. A deadline is judged once it is met, or once its original due date has passed unmet (an
    extension does not make it timely); waived ones and ones not yet due are left out."""

    rule_key: str
    month: date  # the first day of the month of referral
    judged: int
    on_time: int

    @property
    def rate(self) -> float:
        return 100.0 * self.on_time / self.judged


def on_time_by_month(connection: Connection, today: date) -> tuple[list[RuleMonth], dict[str, str]]:
    """The chart's figures, and each rule's label (without an agency's name)."""
    d, c = t.deadlines.c, t.cases.c
    query = (
        select(d.rule_key, d.label, d.agency, d.original_due, d.met_on, d.deviation, c.received)
        .join_from(t.deadlines, t.cases, d.case_id == c.id)
        .where(d.review_id.is_(None))
    )
    judged: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[str, str] = {}
    for r in connection.execute(query).mappings():
        labels.setdefault(
            r["rule_key"], r["label"].removesuffix(f" ({r['agency']})") if r["agency"] else r["label"]
        )
        if r["deviation"] == Status.WAIVED and r["met_on"] is None:
            continue
        if r["met_on"] is None and today <= r["original_due"]:
            continue  # not due yet: neither on time nor late
        counts = judged[(r["rule_key"], r["received"].replace(day=1))]
        counts[0] += 1
        counts[1] += r["met_on"] is not None and r["met_on"] <= r["original_due"]
    figures = [RuleMonth(rule, month, n, ok) for (rule, month), (n, ok) in judged.items()]
    figures.sort(key=lambda f: (_stage(f.rule_key), f.rule_key, f.month))
    return figures, labels


def _stage(rule_key: str) -> int:
    return STAGE_ORDER.index(rule_key) if rule_key in STAGE_ORDER else _UNKNOWN_STAGE


def _draw_chart(
    figures: Sequence[RuleMonth], labels: dict[str, str], today: date, training: bool, fmt: str
) -> bytes:
    width, height = CHART_SIZE_PX
    with _matplotlib_context():
        from matplotlib.figure import Figure
        from matplotlib.ticker import PercentFormatter

        fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
        ax = fig.subplots()
        title = f"Deadlines met on time, by month of referral (as of {today:%d %b %Y})"
        fig.suptitle(("TRAINING  " if training else "") + title, fontsize=12, fontweight="bold")
        months = sorted({f.month for f in figures})
        rules = list(dict.fromkeys(f.rule_key for f in figures))
        if not figures:
            ax.text(0.5, 0.5, "No deadline has fallen due yet.", ha="center", va="center", fontsize=12)
            ax.set_axis_off()
            return _save(fig, fmt)
        totals = {m: sum(f.judged for f in figures if f.month == m) for m in months}
        by_rule = {(f.rule_key, f.month): f for f in figures}
        styles = chart_styles(len(rules))
        if len(months) <= 3:  # few months: bars side by side read better than short lines
            step = 0.8 / len(rules)
            slots: dict[tuple[str, date], float] = {}  # each month's bars centred on its tick
            for i, month in enumerate(months):
                present = [rule for rule in rules if (rule, month) in by_rule]
                for n, rule in enumerate(present):
                    slots[(rule, month)] = i + step * (n - (len(present) - 1) / 2)
            for n, rule in enumerate(rules):
                shown = [by_rule[(rule, m)] for m in months if (rule, m) in by_rule]
                bars = ax.bar(
                    [slots[(f.rule_key, f.month)] for f in shown],
                    [f.rate for f in shown],
                    width=step * 0.92,
                    color=styles[n].colour,
                    hatch=styles[n].hatch,
                    edgecolor="white",
                    label=_legend(labels, rule, figures),
                )
                ax.bar_label(bars, [f"{f.on_time}/{f.judged}" for f in shown], fontsize=6.5, padding=1)
        else:
            for n, rule in enumerate(rules):
                points = [(i, by_rule[(rule, m)].rate) for i, m in enumerate(months) if (rule, m) in by_rule]
                ax.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    marker=styles[n].marker,
                    ms=5,
                    lw=1.4,
                    ls=styles[n].line,
                    color=styles[n].colour,
                    label=_legend(labels, rule, figures),
                )
        ax.set_xticks(range(len(months)), [f"{m:%b %Y}\n{totals[m]} judged" for m in months], fontsize=8)
        ax.set_ylim(0, 112)
        ax.set_yticks(range(0, 101, 20))
        ax.yaxis.set_major_formatter(PercentFormatter(100))
        ax.set_ylabel("met on or before the original due date")
        ax.grid(axis="y", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.legend(
            loc="outside right upper", fontsize=7.5, frameon=False, title="deadline (on time / judged)"
        )
        return _save(fig, fmt)


def _legend(labels: dict[str, str], rule: str, figures: Sequence[RuleMonth]) -> str:
    n = sum(f.judged for f in figures if f.rule_key == rule)
    ok = sum(f.on_time for f in figures if f.rule_key == rule)
    return textwrap.fill(f"{labels.get(rule, rule)} ({ok}/{n})", 36)  # kept clear of the right edge


# The chart's series: Okabe and Ito's colour-blind-safe palette (yellow left out: too faint on white),
# each colour with its own marker, line style and bar hatch, so no two series rely on colour alone.
CHART_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
CHART_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
CHART_LINES = ("-", "--", ":", "-.")
CHART_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--", "||")


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    marker: str
    line: str
    hatch: str


def chart_styles(n: int) -> list[SeriesStyle]:
    """One style per series; every (colour, marker) pair differs for up to 63 series."""
    return [
        SeriesStyle(
            CHART_COLOURS[i % len(CHART_COLOURS)],
            CHART_MARKERS[i % len(CHART_MARKERS)],
            CHART_LINES[(i // len(CHART_COLOURS)) % len(CHART_LINES)],
            CHART_HATCHES[i % len(CHART_HATCHES)],
        )
        for i in range(n)
    ]


def chart(app: App, out: Path) -> Picture:
    """The on-time rate of every deadline rule per month of referral, to `out` (.svg or .png)."""
    fmt = picture_format(out)
    today = app.today()
    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_list")
        figures, labels = on_time_by_month(connection, today)
    _write(out, _draw_chart(figures, labels, today, app.training, fmt))
    return Picture(out, fmt, *CHART_SIZE_PX)

"""`rr report annual`: the year in figures, as a table, CSV, JSON or an HTML page with its funnel chart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click

from rr_workflow.cli.params import open_app, out_option, write_whole

FORMATS = ("table", "csv", "json", "html")


@click.command()
@click.option("--year", type=int, required=True, help="The year whose referrals are counted (e.g. 2026).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: for reading; csv: one figure a row (section, measure, value); json: every figure with "
    "stable keys; html: one self-contained page with the funnel chart.",
)
@out_option
def annual(year: int, fmt: str, out: Path | None) -> None:
    """The year in figures, for the partnership's yearly report: incident notifications, Rapid Reviews,
    decisions (national, local, alternative review, none) and reviews published; each stage's timeliness
    with the median and worst lateness in working days; how often the National Panel agreed; and the
    actions done on time. The year's cases are those whose referral was received in it; statuses are as
    of today.

    \b
    Examples:
      $ rr report annual --year 2026
      $ rr report annual --year 2026 --format html --out annual-2026.html
    """
    from rr_workflow.service import annual as service

    app = open_app()
    figures = service.annual(app, year)
    if fmt == "json":
        text = json.dumps(figures, indent=2, default=_iso, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = as_csv(figures)
    elif fmt == "html":
        from rr_workflow.adapters import templates

        svg = service.funnel_svg(figures, app.training)
        text = templates.render(
            "reports/annual.html.j2",
            figures=figures,
            bars=service.funnel_bars(figures),
            funnel_svg=svg.decode("utf-8").split("<svg", 1)[1],
            training=app.training,
        )
    else:
        text = as_table(figures)
    if out is None:
        click.echo(text, nl=False)
        return
    write_whole(out, lambda file: file.write(text.encode("utf-8")))
    click.echo(f"annual report for {year} written to {out}")


def _iso(value: Any) -> str:
    return value.isoformat()


def _shown(value: Any) -> str:
    return "not tracked" if value is None else str(value)


def measures(figures: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Every figure as (section, measure, value), in reading order."""
    funnel = figures["funnel"]
    rows: list[tuple[str, str, Any]] = [
        ("funnel", "incident notifications", funnel["notifications"]),
        ("funnel", "Rapid Reviews", funnel["rapid_reviews"]),
        ("funnel", "declined", funnel["declined"]),
        ("funnel", "reports to the National Panel", funnel["reports_to_panel"]),
    ]
    rows += [("decisions", outcome, n) for outcome, n in funnel["decisions"].items()]
    rows.append(("funnel", "reviews published", funnel["reviews_published"]))
    for stage in figures["stages"]:
        for key in ("judged", "on_time", "late", "pct_on_time", "median_days_late", "worst_days_late"):
            rows.append((f"timeliness: {stage['label']}", key, stage[key]))
    rows += [("National Panel", key, value) for key, value in figures["panel"].items()]
    rows += [("actions", key, value) for key, value in figures["actions"].items()]
    return rows


def as_csv(figures: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["year", "section", "measure", "value"])
    for section, measure, value in measures(figures):
        writer.writerow([figures["year"], section, measure, "" if value is None else value])
    return buffer.getvalue()


def as_table(figures: dict[str, Any]) -> str:
    funnel, panel, acts = figures["funnel"], figures["panel"], figures["actions"]
    lines = [
        f"The year {figures['year']} in figures (referrals received in the year; as of {figures['as_of']})",
        "",
        f"incident notifications          {funnel['notifications']}",
        f"Rapid Reviews                   {funnel['rapid_reviews']}  (declined: {funnel['declined']})",
        f"reports to the National Panel   {funnel['reports_to_panel']}",
    ]
    for outcome, n in funnel["decisions"].items():
        lines.append(f"  decision {outcome:<21} {n}")
    lines += [f"reviews published               {_shown(funnel['reviews_published'])}", ""]
    header = ("STAGE", "JUDGED", "ON TIME", "%", "LATE", "MEDIAN LATE", "WORST LATE")
    rows = [
        (
            s["label"],
            str(s["judged"]),
            str(s["on_time"]),
            "" if s["pct_on_time"] is None else f"{s['pct_on_time']:.1f}",
            str(s["late"]),
            "" if s["median_days_late"] is None else f"{s['median_days_late']:g} wd",
            "" if s["worst_days_late"] is None else f"{s['worst_days_late']} wd",
        )
        for s in figures["stages"]
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for n, row in enumerate([header, *rows]):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    agreed = "" if panel["pct_agreed"] is None else f" ({panel['pct_agreed']:.1f}%)"
    done = "" if acts["pct_done_on_time"] is None else f" ({acts['pct_done_on_time']:.1f}%)"
    lines += [
        "",
        f"the National Panel responded to {panel['responses']}, agreed with {panel['agreed']}{agreed}, "
        f"asked questions of {panel['asked_questions']}",
        f"actions and recommendations: {acts['total']}; done on time {acts['done_on_time']} of "
        f"{acts['judged']} judged{done}; open {acts['open']}, overdue {acts['overdue']}, dropped "
        f"{acts['dropped']}",
    ]
    return "\n".join(lines) + "\n"

"""`rr report compliance`: the timeliness of every stage of every case, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from rr_workflow.cli.params import DATE, open_app

FORMATS = ("table", "csv", "json")
# Excel runs a cell that starts with one of these as a formula: such text gets a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@click.command()
@click.option("--from", "start", type=DATE, help="Referrals received on or after this date (YYYY-MM-DD).")
@click.option("--to", "end", type=DATE, help="Referrals received on or before this date (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: the summary per deadline, then every case; csv: one row per case and deadline "
    "(UTF-8 with BOM, ISO dates: opens in Excel); json: {from, to, as_of, summary, panel, rows}.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this file instead of the terminal.",
)
def compliance(start: date | None, end: date | None, fmt: str, out: Path | None) -> None:
    """How timely every stage of every case was: per deadline, the due date, the date it was met and
    working days early (-) or late (+), extensions and waivers; and per deadline rule, % met on time,
    median and 90th-percentile working days taken, and how many reports reached the Panel within the
    overall limit.

    An extended deadline still counts as missed when it was met after its ORIGINAL date (it is shown as
    extended). % on time is of the deadlines decided: met, met late, or unmet past the original date;
    waived ones and those not yet due are left out. The 90th percentile is the nearest rank. Statuses are
    as of today.

    \b
    Example:
      $ rr report compliance --from 2027-04-01 --to 2028-03-31 --format csv --out compliance.csv
    """
    if start is not None and end is not None and start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    from rr_workflow.service.compliance import compliance as report_of

    report = report_of(open_app(), start, end)
    data = {"csv": as_csv, "json": as_json}.get(fmt, as_table)(report)
    if out is None:
        click.echo(data, nl=False)
        return
    _write(out, data)
    cases = len({row["ref"] for row in report["rows"]})
    click.echo(f"{out}: the compliance report ({fmt}), {len(report['rows'])} deadlines of {cases} cases")


# -- CSV ------------------------------------------------------------------------------------------------


def as_csv(report: dict[str, Any]) -> bytes:
    """One row per case and deadline, with a header: UTF-8 with a BOM (Excel then reads it as UTF-8),
    ISO dates, CRLF line ends (the csv module's own), empty cells for what does not apply."""
    from rr_workflow.service.compliance import ROW_KEYS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROW_KEYS)
    for row in report["rows"]:
        writer.writerow([_cell(row[key]) for key in ROW_KEYS])
    return buffer.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


# -- JSON -----------------------------------------------------------------------------------------------


def as_json(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, indent=2, default=_iso, ensure_ascii=False) + "\n").encode()


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# -- the table ------------------------------------------------------------------------------------------


def as_table(report: dict[str, Any], cases: bool = True) -> bytes:
    """The report as text: the summary per deadline, then (with `cases`) every case's deadlines."""
    period = (
        f"referrals received {_day(report['from'], 'the first')} to {_day(report['to'], 'the last')}"
        if report["from"] or report["to"]
        else "every referral"
    )
    lines = [f"Compliance with the timescales: {period}; statuses as of {report['as_of']}.", ""]
    if not report["rows"]:
        lines.append("No case in that period.")
        return ("\n".join(lines) + "\n").encode()
    lines += _table(
        ("DEADLINE", "CASES", "ON TIME", "%", "MEDIAN WD", "P90 WD", "LATE", "OVERDUE", "WAIVED", "NOT DUE"),
        [
            (
                s["label"],
                s["cases"],
                f"{s['met_on_time']}/{s['decided']}",
                "-" if s["pct_on_time"] is None else f"{s['pct_on_time']:.1f}%",
                "-" if s["median_working_days"] is None else f"{s['median_working_days']:g}",
                "-" if s["p90_working_days"] is None else s["p90_working_days"],
                s["met_late"],
                s["overdue"],
                s["waived"],
                s["not_yet_due"],
            )
            for s in report["summary"]
        ],
    )
    panel = report["panel"]
    limit = f"{panel['working_days']} working days" if panel["working_days"] else "the overall limit"
    share = "" if panel["pct_within_limit"] is None else f" ({panel['pct_within_limit']:.1f}%)"
    reached = f"{panel['within_limit']} of {panel['decided']} decided{share}"
    lines += [
        "",
        f"Reports with the Panel within {limit}: {reached}.",
        "ON TIME: met on or before the original due date, of those decided (met, met late, or unmet past",
        "the original date; an extension does not make a late step timely). WD: working days taken from the",
        "starting event to the date met; P90 is the nearest-rank 90th percentile. Below, DUE is the original",
        "due date and WORKING DAYS are counted against it; an extension's date is in NOTE.",
        "",
    ]
    if not cases:
        return ("\n".join(lines[:-5]) + "\n").encode()  # without the case table and its key
    rows = []
    previous = None
    for row in report["rows"]:
        first = row["ref"] != previous
        previous = row["ref"]
        rows.append(
            (
                row["ref"] if first else "",
                row["received"].isoformat() if first else "",
                row["key"],
                row["due"].isoformat(),
                row["met_on"].isoformat() if row["met_on"] else "",
                _early_late(row["working_days_late"]),
                row["status"],
                _note(row),
            )
        )
    headers = ("CASE", "RECEIVED", "DEADLINE", "DUE", "MET", "WORKING DAYS", "STATUS", "NOTE")
    lines += _table(headers, rows)
    return ("\n".join(lines) + "\n").encode()


def _day(day: date | None, otherwise: str) -> str:
    return day.isoformat() if day else otherwise


def _early_late(days: int | None) -> str:
    if days is None:
        return ""
    if days == 0:
        return "on the day"
    return f"{-days} early" if days < 0 else f"{days} late"


def _note(row: dict[str, Any]) -> str:
    """Why a deadline moved: "extended to DATE: reason", or a waiver's reason (the status says waived)."""
    if row["extended_to"] is not None:
        return f"extended to {row['extended_to']}" + (f": {row['reason']}" if row["reason"] else "")
    if row["deviation"] != "waived":
        return ""
    return (row["reason"] or "") if row["status"] == "waived" else f"waived: {row['reason'] or ''}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A plain aligned table (as `echo_table` prints), returned as lines so it can go to a file."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


# -- the file -------------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a temporary file beside it, then renamed over it."""
    folder = path.parent
    if not folder.is_dir():
        raise click.BadParameter(f"no such folder: {folder}", param_hint="'--out'")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise click.BadParameter(
            f"cannot write in {folder}: {error.strerror}", param_hint="'--out'"
        ) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

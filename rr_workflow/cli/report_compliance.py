"""`rr report compliance`: the timeliness of every stage of every case, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import operator
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

import click

from rr_workflow.cli.params import DATE, open_app, out_option, write_whole

if TYPE_CHECKING:
    from rr_workflow.service.compliance import Report

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
@out_option
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
    from rr_workflow.service.compliance import Report

    report = Report(open_app(), start, end)
    write = {"csv": write_csv, "json": write_json}.get(fmt, write_table)
    if out is None:
        with click.open_file("-", "wb") as stdout:  # standard output's bytes, left open
            write(report, stdout)
        return
    write_whole(out, lambda file: write(report, file))
    click.echo(f"{out}: the compliance report ({fmt}), {report.count} deadlines of {report.cases} cases")


# The report is written as its rows stream from the database: memory does not grow with history. The
# JSON and the table put the summary (known only after the last row) first, so their rows are spooled
# to a temporary file on the way and copied after it.


def _spool() -> IO[str]:
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="")


def _copy(spool: IO[str], out: BinaryIO) -> None:
    spool.seek(0)
    while chunk := spool.read(1 << 16):
        out.write(chunk.encode())


# -- CSV ------------------------------------------------------------------------------------------------


def write_csv(report: Report, out: BinaryIO) -> None:
    """One row per case and deadline, with a header: UTF-8 with a BOM (Excel then reads it as UTF-8),
    ISO dates, CRLF line ends and the quoting of the csv module, empty cells for what does not apply.

    A hot loop (a row per deadline of every case). Each value's cell, its text as the csv module writes
    it (text from outside the product made safe first), is worked out once per column and value: a few
    hundred dates, the deadline rules' words and the agencies, a few numbers come back in thousands of
    rows. A row is then its cells joined, and rows go out a thousand at a time. The columns whose values
    do not come back (a case's reference, a deadline's reason) forget what they made every thousand
    values, so memory stays the same however long the history."""
    from rr_workflow.service.compliance import ROW_KEYS

    from_outside = {"ref", "key", "label", "agency", "reason"}
    unbounded = {"ref", "reason"}
    yes_no: dict[Any, str] = {True: "yes", False: "no", None: ""}
    by_column = [
        yes_no
        if key == "on_time"
        else _Remembered(
            _safe_cell if key in from_outside else _cell, limit=1000 if key in unbounded else None
        )
        for key in ROW_KEYS
    ]
    values_of = operator.itemgetter(*ROW_KEYS)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    csv.writer(text).writerow(ROW_KEYS)
    lines: list[str] = []
    for row in report.rows():
        lines.append(",".join([cells[value] for cells, value in zip(by_column, values_of(row), strict=True)]))
        if len(lines) == 1000:
            text.write("\r\n".join(lines) + "\r\n")
            lines.clear()
    if lines:
        text.write("\r\n".join(lines) + "\r\n")
    text.flush()
    text.detach()


def _cell(value: Any) -> str:
    """`value` as the csv module writes it in a row (quoted where it must be; None empty)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow((value, None))
    return buffer.getvalue()[: -len(",\r\n")]  # less the empty cell after it and the line end


def _safe_cell(value: str | None) -> str:
    return _cell(spreadsheet_safe(value))


def spreadsheet_safe(value: str | None) -> str | None:
    """Text from outside the product as a spreadsheet shows it and never runs it: with a leading
    apostrophe where it starts as a formula would."""
    return "'" + value if value and value.startswith(FORMULA_START) else value


class _Remembered(dict[Any, Any]):
    """`made(value)` for each value, worked out once (for values that come back row after row); with a
    `limit`, forgotten all at once when that many are held."""

    def __init__(self, made: Callable[[Any], Any], limit: int | None = None) -> None:
        super().__init__()
        self._made = made
        self._limit = limit

    def __missing__(self, value: Any) -> Any:
        if self._limit is not None and len(self) >= self._limit:
            self.clear()
        made = self[value] = self._made(value)
        return made


# -- JSON -----------------------------------------------------------------------------------------------


def write_json(report: Report, out: BinaryIO) -> None:
    """{from, to, as_of, summary, panel, rows}, indented by two as `json.dumps(..., indent=2)` would."""
    with _spool() as spool:
        first = True
        for row in report.rows():
            spool.write(("\n" if first else ",\n") + _indented(row, 2))
            first = False
        head = {
            "from": report.start,
            "to": report.end,
            "as_of": report.today,
            "summary": report.summary(),
            "panel": report.panel(),
        }
        text = json.dumps(head, indent=2, default=_iso, ensure_ascii=False)
        if first:  # no rows
            out.write((text[:-2] + ',\n  "rows": []\n}\n').encode())
            return
        out.write((text[:-2] + ',\n  "rows": [').encode())
        _copy(spool, out)
        out.write(b"\n  ]\n}\n")


def _indented(value: Any, level: int) -> str:
    text = json.dumps(value, indent=2, default=_iso, ensure_ascii=False)
    pad = "  " * level
    return "\n".join(pad + line for line in text.split("\n"))


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# -- the table ------------------------------------------------------------------------------------------

CASE_HEADERS = ("CASE", "RECEIVED", "DEADLINE", "DUE", "MET", "WORKING DAYS", "STATUS", "NOTE")


def write_table(report: Report, out: BinaryIO) -> None:
    """The summary per deadline, the Panel figure, then every case's deadlines (aligned: the widths are
    measured while the rows are spooled)."""
    widths = [len(h) for h in CASE_HEADERS]
    with _spool() as spool:
        previous = None
        for row in report.rows():
            first = row["ref"] != previous
            previous = row["ref"]
            cells = (
                row["ref"] if first else "",
                row["received"].isoformat() if first else "",
                row["key"],
                row["due"].isoformat(),
                row["met_on"].isoformat() if row["met_on"] else "",
                _early_late(row["working_days_late"]),
                row["status"],
                _note(row),
            )
            widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
            spool.write(json.dumps(cells, ensure_ascii=False) + "\n")
        lines = _heading(report.start, report.end, report.today)
        if previous is None:
            lines.append("No case in that period.")
            out.write(("\n".join(lines) + "\n").encode())
            return
        lines += _summary_lines(report.summary(), report.panel())
        lines += [_line(CASE_HEADERS, widths), _line(["-" * w for w in widths], widths)]
        out.write(("\n".join(lines) + "\n").encode())
        spool.seek(0)
        for spooled in spool:
            out.write((_line(json.loads(spooled), widths) + "\n").encode())


def summary_table(report: dict[str, Any]) -> bytes:
    """The summary per deadline and the Panel figure of a report held in memory (`compliance()`),
    without the cases and the key to their table."""
    lines = _heading(report["from"], report["to"], report["as_of"])
    if not report["rows"]:
        lines.append("No case in that period.")
    else:
        lines += _summary_lines(report["summary"], report["panel"])[:-5]
    return ("\n".join(lines) + "\n").encode()


def _heading(start: date | None, end: date | None, today: date) -> list[str]:
    period = (
        f"referrals received {_day(start, 'the first')} to {_day(end, 'the last')}"
        if start or end
        else "every referral"
    )
    return [f"Compliance with the timescales: {period}; statuses as of {today}.", ""]


def _summary_lines(summary: list[dict[str, Any]], panel: dict[str, Any]) -> list[str]:
    lines = _table(
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
            for s in summary
        ],
    )
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
    return lines


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


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A plain aligned table (as `echo_table` prints), returned as lines so it can go to a file."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [_line(cells[0], widths), _line(["-" * width for width in widths], widths)]
    return lines + [_line(row, widths) for row in cells[1:]]

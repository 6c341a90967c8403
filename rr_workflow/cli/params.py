"""Parameter types and output helpers shared by the command modules."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import click


class DateType(click.ParamType):
    """A calendar date: YYYY-MM-DD or DD/MM/YYYY (never month first), or `today` / `yesterday`."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        from rr_workflow.domain.dates import parse_day

        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value), _today())
        except ValueError as error:
            self.fail(str(error), param, ctx)


def _today() -> date:
    """Today in Europe/London by the clock the command will run on: RR_NOW where it is set (a live
    database refuses RR_NOW when it opens, so the word never outlives that check), else the system's."""
    from rr_workflow.service.clock import FixedClock, SystemClock, local_today, parse_moment

    rr_now = os.environ.get("RR_NOW")
    if rr_now:
        try:
            return local_today(FixedClock(parse_moment(rr_now)))
        except ValueError:
            pass  # open_app reports the bad RR_NOW
    return local_today(SystemClock())


DATE = DateType()


class LazyChoice(click.Choice):
    """A `click.Choice` whose choices are looked up when first needed (a value checked, completed or
    refused), not when its command is defined: `rr --help` imports every command's module, and the
    choices may live in a module that is slow to import."""

    def __init__(self, load: Callable[[], Iterable[str]], case_sensitive: bool = True) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded


WORKING_DAYS = click.IntRange(0, 3650)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, ISO dates).")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_iso, ensure_ascii=False))


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned table, readable in any terminal and easy to paste into an e-mail."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * width for width in widths))


def day_name(day: date) -> str:
    return day.strftime("%A")


on_option = click.option(
    "--on",
    "on",
    type=DATE,
    default=None,
    help="When it happened (YYYY-MM-DD or DD/MM/YYYY, or today/yesterday; default today; never in the "
    "future, never before the referral).",
)


def open_app():  # -> rr_workflow.service.app.App
    """The application on the database in RR_HOME / RR_DATABASE_URL, acting as the OS login or RR_USER."""
    from rr_workflow.service.app import open_app as open_

    return open_()


def long_day(day: date) -> str:
    """`Tuesday 5 January 2027`: the weekday named, as in letters."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_day(day: date) -> str:
    """`Tue 5 Jan`."""
    return f"{day:%a} {day.day} {day:%b}"


def echo_case_step(case: Any, what: str) -> None:
    """After a recording command: what was recorded, the state now, any deadline it met late, and what
    may come next."""
    from rr_workflow.domain.stages import COMMANDS, state_label

    allowed = [COMMANDS[e] for e in (case.allowed or "").split(",") if e]
    click.echo(f"{case.ref}: {what}. Now: {state_label(case.state)}.")
    for late in case.met_late:
        days = f"{late.working_days} working day{'s' if late.working_days != 1 else ''}"
        click.echo(f"  met late: {late.label}: due {short_day(late.due)}, {days} late")
    if allowed:
        click.echo(f"  next: {', '.join('rr ' + a for a in allowed)}")


def echo_deadlines(deadlines: Sequence[Any]) -> None:
    echo_table(
        ("DUE", "DAY", "DEADLINE", "STATUS"),
        [
            (
                d.due.isoformat(),
                day_name(d.due)[:3],
                d.label + (f" (window opens {d.earliest})" if d.earliest else ""),
                d.status,
            )
            for d in deadlines
        ],
    )


# -- a report written to a file (--out) -------------------------------------------------------------------

out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this file instead of the terminal.",
)


def write_whole(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write the whole file or nothing: a temporary file beside it, then renamed over it. A folder that
    is missing or cannot be written in is refused as a bad --out."""
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
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

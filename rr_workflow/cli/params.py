"""Parameter types and output helpers shared by the command modules."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import click

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateType(click.ParamType):
    """A calendar date written YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            if not ISO_DATE.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a date (expected YYYY-MM-DD)", param, ctx)


DATE = DateType()
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
    help="When it happened (YYYY-MM-DD; default today, never in the future).",
)


def open_app():  # -> rr_workflow.service.app.App
    """The application on the database in RR_HOME / RR_DATABASE_URL, acting as the OS login or RR_USER."""
    from rr_workflow.service.app import open_app as open_

    return open_()


def echo_case_step(case: Any, what: str) -> None:
    """One line after a recording command: what was recorded, the state now, and what may come next."""
    from rr_workflow.domain.machine import COMMANDS, state_label

    allowed = [COMMANDS[e] for e in (case.allowed or "").split(",") if e]
    click.echo(f"{case.ref}: {what}. Now: {state_label(case.state)}.")
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

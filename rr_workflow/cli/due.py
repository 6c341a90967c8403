"""`rr due`: what falls due this week across every case, grouped by day."""

from __future__ import annotations

from typing import Any

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option, long_day, open_app


@click.command()
@click.option(
    "--days",
    type=click.IntRange(0, 260),
    default=5,
    show_default=True,
    help="How many working days ahead (overdue deadlines are always shown).",
)
@click.option("--overdue", "overdue_only", is_flag=True, help="Only the deadlines already missed.")
@json_option
def due(days: int, overdue_only: bool, as_json: bool) -> None:
    """Every open deadline of every case, overdue or due in the next DAYS working days, by day, with
    who must act and the command that records it.

    \b
    Examples:
      $ rr due                 # overdue, and the next 5 working days
      $ rr due --days 10 --json
      $ rr due --overdue
    """
    from rr_workflow.service import agenda

    app = open_app()
    days_ahead = agenda.due(app, days, overdue_only)
    if as_json:
        echo_json(days_ahead)
        return
    echo_agenda(days_ahead, app.today())


def echo_agenda(days_ahead: list[dict[str, Any]], today: Any) -> None:
    if not days_ahead:
        click.echo("nothing due")
        return
    for n, group in enumerate(days_ahead):
        if n:
            click.echo()
        day = group["day"]
        note = " (OVERDUE)" if group["overdue"] else " (today)" if day == today else ""
        click.echo(f"{long_day(day)}{note}")
        echo_table(
            ("CASE", "DEADLINE", "KEY", "OWNER", "TO RECORD IT"),
            [(d["ref"], d["label"], d["key"], d["owner"], d["command"] or "") for d in group["deadlines"]],
        )

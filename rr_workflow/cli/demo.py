"""`rr demo`: one case through the whole procedure on a throw-away training database."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import click

from rr_workflow.cli.params import day_name, echo_table


@click.command()
@click.option(
    "--keep",
    type=click.Path(path_type=Path, file_okay=False),
    help="Build the training database in this folder and keep it (default: a temporary folder).",
)
def demo(keep: Path | None) -> None:
    """Walk a demonstration case from referral to closure over simulated weeks, printing the board;
    then import a year of past cases from a sample register and print that year's compliance report.

    The referral arrives on Monday 21 December 2026, so its deadlines cross Christmas and New Year.
    Nothing touches your own database: the demo makes a training database of its own.

    \b
    Example:
      $ rr demo
      $ rr demo --keep /tmp/rr-demo && RR_HOME=/tmp/rr-demo RR_USER=demo-coordinator rr history RR-DEMO-1
    """
    from rr_workflow.cli.report_compliance import summary_table
    from rr_workflow.service import demo as walkthrough
    from rr_workflow.service.importing import Outcome

    def show(moment: datetime, what: str, board: list[dict[str, object]]) -> None:
        click.echo(f"== {day_name(moment.date())} {moment:%Y-%m-%d %H:%M}: {what}")
        from rr_workflow.cli.case import echo_board

        echo_board(board)
        click.echo()

    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        result = walkthrough.run(keep, show)
    else:
        with tempfile.TemporaryDirectory(prefix="rr-demo-") as home:
            result = walkthrough.run(Path(home), show)
    case = result["case"]
    assert isinstance(case, dict)
    click.echo(f"{case['ref']} finished: {case['state_label']}")
    echo_table(
        ("DEADLINE", "DUE", "STATUS", "MET ON"),
        [(d["label"], d["due"], d["status"], d["met_on"]) for d in case["deadlines"]],
    )
    imported = result["register"]
    report = result["compliance"]
    assert isinstance(imported, Outcome) and isinstance(report, dict)
    click.echo()
    click.echo(f"== Second half: a year of past cases taken over from a register ({imported.source})")
    click.echo(
        f"rr import: {len(imported.rows)} cases recorded as {imported.steps} audited steps, dated when they "
        "happened; no letters or reminders sent for the past."
    )
    click.echo()
    click.echo(summary_table(report).decode().rstrip())
    click.echo()
    click.echo(f"audit trail: {result['audit_rows']} rows, " + ("intact" if result["audit_ok"] else "BROKEN"))

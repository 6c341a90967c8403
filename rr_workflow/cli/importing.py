"""`rr import FILE`: take over the register (spreadsheet) a partnership keeps today."""

from __future__ import annotations

from pathlib import Path

import click

from rr_workflow.cli.params import echo_json, json_option, open_app
from rr_workflow.domain.errors import BadInput


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check every row and say what would be recorded; change nothing.",
)
@json_option
def import_register(file: Path, dry_run: bool, as_json: bool) -> None:
    """Record the cases of a register (.csv or .xlsx), one row per case, as the steps a coordinator
    would have recorded, each dated when it happened.

    All or nothing: one problem anywhere and nothing is recorded; every problem is listed with its row
    and column. No letter or reminder is sent for the past; open cases get their reminders and
    escalations from now on. The columns are described in docs/import.md; examples/ has a sample.

    \b
    Example:
      $ rr import examples/register-2025.csv --dry-run
      $ rr import examples/register-2025.csv
    """
    from rr_workflow.domain.stages import state_label
    from rr_workflow.service.importing import import_register as run

    outcome = run(open_app(), file, dry_run)
    if as_json:
        echo_json(outcome.as_json())
    else:
        row_problems = {id(p) for row in outcome.rows for p in row.problems}
        for problem in outcome.problems:
            if id(problem) not in row_problems:  # the register's own: its headings
                click.echo(str(problem))
        for row in outcome.rows:
            if row.problems:
                click.echo(f"row {row.row}  {row.ref or '(no reference)'}: not recorded")
                for problem in row.problems:
                    click.echo(f"  {problem}")
            else:
                ends = state_label(row.state) if row.state else "?"
                verb = "would record" if dry_run else "recorded"
                click.echo(f"row {row.row}  {row.ref}: {verb} {len(row.steps)} steps; now {ends}")
                if dry_run:
                    for step in row.steps:
                        click.echo(f"    {step.on.isoformat()}  {step.what}")
    count = len(outcome.problems)
    if count:
        what = "nothing was changed" if dry_run else "nothing was imported"
        raise BadInput(f"{count} problem{'s' * (count != 1)} in {outcome.source} (listed above): {what}")
    if as_json:
        return
    cases = f"{len(outcome.rows)} case{'s' * (len(outcome.rows) != 1)} ({outcome.steps} steps)"
    if dry_run:
        click.echo(f"dry run: {cases} would be recorded from {outcome.source}; nothing was changed")
    else:
        click.echo(
            f"imported {cases} from {outcome.source}: no letters or reminders were sent for past steps; "
            f"{outcome.open_cases} open "
            + ("case has its" if outcome.open_cases == 1 else "cases have their")
            + " reminders and escalations from now on"
        )

"""`rr actions` and `rr action`: the register of immediate actions and recommendations (docs/actions.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from rr_workflow.cli.params import DATE, echo_json, echo_table, json_option, on_option, open_app

STATUSES = ("open", "overdue", "done", "dropped")


def _register() -> Any:  # the service module, imported only when a command runs
    from rr_workflow.service import actions

    return actions


@click.group()
def actions() -> None:
    """The actions register: every immediate action and recommendation, followed to completion."""


@actions.command("list")
@click.option("--overdue", "overdue_only", is_flag=True, help="Only the open actions past their due date.")
@click.option("--agency", metavar="KEY", help="Only the actions this agency owns.")
@click.option("--case", "ref", metavar="REF", help="Only the actions of this case.")
@click.option("--status", type=click.Choice(STATUSES), help="Only the actions with this status today.")
@json_option
def actions_list(
    overdue_only: bool, agency: str | None, ref: str | None, status: str | None, as_json: bool
) -> None:
    """The register: each action's case, owner, due date, status, and when it was done.

    \b
    Examples:
      $ rr actions list
      $ rr actions list --overdue --agency police
      $ rr actions list --case RR-2026-014 --json
    """
    found = _register().register(open_app(), overdue_only, agency, ref, status)
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo("no actions")
        return
    echo_table(
        ("ID", "CASE", "NO", "OWNER", "DUE", "STATUS", "DONE", "ACTION"),
        [
            (
                a["id"],
                a["ref"],
                ("R" if a["kind"] == "recommendation" else "") + str(a["number"]),
                a["agency"] or a["owner"],
                a["due"] or "not set",
                a["status"] + (" (late)" if a["on_time"] is False else ""),
                a["done_on"] or a["dropped_on"] or "",
                _short(a["text"]),
            )
            for a in found
        ],
    )


def _short(text: str, width: int = 50) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


@click.group()
def action() -> None:
    """One action of the register: done (with evidence), dropped, reopened, its due date, its impact."""


@action.command("done")
@click.argument("action_id", metavar="ID", type=int)
@click.option("--evidence", metavar="NOTE", help="What shows it is done.")
@click.option(
    "--file",
    "evidence_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A document that shows it is done (stored with the case as action_evidence).",
)
@click.option("--impact", metavar="NOTE", help="What difference it made.")
@on_option
def action_done(
    action_id: int, evidence: str | None, evidence_file: Path | None, impact: str | None, on: date | None
) -> None:
    """Record action ID done, with its evidence (a note, a document, or both).

    \b
    Examples:
      $ rr action done 12 --evidence "safety plan agreed with the family" --on 2027-01-20
      $ rr action done 12 --file "safety plan.pdf" --impact "no further incident reported"
    """
    done = _register().done(open_app(), action_id, evidence, evidence_file, impact, on)
    timing = {True: "on time", False: "late", None: "no due date was set"}[done["on_time"]]
    click.echo(f"action {action_id}: done on {done['done_on']} ({timing}).")


@action.command("drop")
@click.argument("action_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why the action no longer applies.")
@on_option
def action_drop(action_id: int, reason: str, on: date | None) -> None:
    """Drop action ID, with the reason it no longer applies.

    \b
    Example:
      $ rr action drop 12 --reason "the family moved out of the area; passed to the new partnership"
    """
    dropped = _register().drop(open_app(), action_id, reason, on)
    click.echo(f"action {action_id}: dropped on {dropped['dropped_on']}.")


@action.command("reopen")
@click.argument("action_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why: what was recorded by mistake (kept in the audit trail).")
@on_option
def action_reopen(action_id: int, reason: str, on: date | None) -> None:
    """Reopen action ID, recorded done or dropped by mistake.

    The action is open again with its due date: its reminders and escalations come back (a notice
    already sent is not sent again), and it counts as overdue once its date has passed. The done or
    dropped step stays in the case's history, marked reopened, beside this one with your name, the
    reason and what it was (rr history REF). Its evidence document stays stored with the case.

    \b
    Example:
      $ rr action reopen 12 --reason "recorded done on the wrong action: 13 was the one finished"
    """
    reopened = _register().reopen(open_app(), action_id, reason, on)
    due = f"due {reopened['due']}" if reopened["due"] else "no due date set"
    click.echo(f"action {action_id}: reopened (was {reopened['was']}); open again, {due}.")


@action.command("due")
@click.argument("action_id", metavar="ID", type=int)
@click.argument("due", type=DATE)
@click.option("--reason", help="Why the date changes (needed once a date is set).")
@on_option
def action_due(action_id: int, due: date, reason: str | None, on: date | None) -> None:
    """Set or change the due date of action ID; its reminders follow the new date.

    \b
    Examples:
      $ rr action due 12 2027-03-01
      $ rr action due 12 2027-04-01 --reason "training dates moved by the provider"
    """
    changed = _register().set_due(open_app(), action_id, due, reason, on)
    before = f" (was {changed['before']})" if changed["before"] else ""
    click.echo(f"action {action_id}: due {changed['due']}{before}.")


@action.command("impact")
@click.argument("action_id", metavar="ID", type=int)
@click.argument("note")
def action_impact(action_id: int, note: str) -> None:
    """Record what difference done action ID made (replaces an earlier note).

    \b
    Example:
      $ rr action impact 12 "audit in March: every new referral had a safety plan"
    """
    _register().note_impact(open_app(), action_id, note)
    click.echo(f"action {action_id}: impact noted.")

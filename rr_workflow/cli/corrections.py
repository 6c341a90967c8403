"""`rr correct` and `rr undo`: putting a recorded mistake right, as a new audited step."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rr_workflow.cli.params import DATE, LazyChoice, echo_case_step, on_option, open_app

REASON = click.option("--reason", required=True, help="Why (kept in the audit trail with the change).")


def _echo(result: Any, verb: str) -> None:
    change = result.change
    if verb == "undid" and not change.what.startswith("rr correct"):
        echo_case_step(result.case, f"undid {change.what}")
    else:
        after = "(withdrawn)" if verb == "withdrew" else _value(change.after)
        echo_case_step(result.case, f"{verb} {change.what}: {_value(change.before)} -> {after}")
    for line in result.deadlines:
        click.echo(f"  deadline {line}")
    for line in change.follow_up:
        click.echo(f"  follows: {line}")


def _value(value: Any) -> str:
    return "(not recorded)" if value is None else str(value)


def _fact_names() -> tuple[str, ...]:
    from rr_workflow.domain import corrections as fix  # the domain model: not for `rr --help`

    return fix.NAMES


@click.command()
@click.argument("ref")
@click.argument("fact", type=LazyChoice(_fact_names, case_sensitive=False), metavar="FACT")
@click.argument("agency", required=False)
@click.option("--to", "to", metavar="VALUE", help="The right value: a date, or an agency key for referrer.")
@click.option("--withdraw", is_flag=True, help="The fact was recorded by mistake: remove it.")
@REASON
@on_option
@click.option(
    "--outside-window-reason",
    metavar="R",
    help="Why the meeting arranged stays on its day when the corrected date puts it outside the window.",
)
def correct(
    ref: str,
    fact: str,
    agency: str | None,
    to: str | None,
    withdraw: bool,
    reason: str,
    on: date | None,
    outside_window_reason: str | None,
) -> None:
    """Correct a recorded FACT of case REF, or withdraw one recorded by mistake.

    The original stays in the history beside the correction; deadlines and reminders follow the corrected
    date; a letter already sent is not sent again (the output says what follows), and a corrected meeting
    date sends the partners an updated invitation with the old and the new date.

    FACT is one of: received, aware, referrer, sin, scoping-sent AGENCY, scoping-returned AGENCY,
    records-secured AGENCY, meeting-date, meeting-set, meeting-held, decided, endorsed, endorsed-by,
    submitted, outcome-shared, panel-response, panel-answered. Withdrawable: sin, scoping-returned,
    records-secured, outcome-shared.

    A corrected referral date moves the meeting window: a meeting arranged and not yet held that falls
    outside it needs --outside-window-reason (or move it first).

    \b
    Examples:
      $ rr correct RR-2026-014 scoping-returned police --to 2026-12-29 --reason "typed the wrong day"
      $ rr correct RR-2026-014 scoping-returned health --withdraw --reason "it was the school's return"
      $ rr correct RR-2026-014 meeting-date --to 2027-01-08 --reason "the 7th was a typing slip"
      $ rr correct RR-2026-014 received --to 2026-12-14 --reason "typed the 21st" --on 2026-12-23
    """
    from rr_workflow.domain import corrections as fix
    from rr_workflow.service import corrections

    fact = fact.lower()
    if withdraw == (to is not None):
        raise click.UsageError("give either --to VALUE or --withdraw")
    if withdraw:
        if outside_window_reason is not None:
            raise click.UsageError("--outside-window-reason goes with --to")
        _echo(corrections.withdraw(open_app(), ref, fact, agency, reason, on), "withdrew")
        return
    value: Any = to
    if fact == fix.MEETING_DATE or fix.FACTS[fact].kind == fix.DATE:
        value = DATE.convert(to, None, None)
    result = corrections.correct(open_app(), ref, fact, agency, value, reason, on, outside_window_reason)
    _echo(result, "corrected")


@click.command()
@click.argument("ref")
@REASON
@on_option
@click.option(
    "--outside-window-reason",
    metavar="R",
    help="Why the meeting arranged stays on its day when undoing a correction puts it outside the window.",
)
def undo(ref: str, reason: str, on: date | None, outside_window_reason: str | None) -> None:
    """Undo the last step recorded on case REF (a second undo reaches the step before).

    The step stays in the history, marked undone; the case goes back to the stage before it. Letters
    already sent are not recalled (the output says what to do); an undone meeting date sends the
    partners a cancellation, or an updated invitation when an earlier date is back in force.

    \b
    Example:
      $ rr undo RR-2026-014 --reason "recorded on the wrong case"
    """
    from rr_workflow.service import corrections

    _echo(corrections.undo(open_app(), ref, reason, on, outside_window_reason), "undid")

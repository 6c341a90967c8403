"""`rr case ...`: open a case, the case board, one case in full."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rr_workflow.cli.params import (
    DATE,
    day_name,
    echo_deadlines,
    echo_json,
    echo_table,
    json_option,
    long_day,
    open_app,
    short_day,
)


@click.group()
def case() -> None:
    """Rapid Review cases: open one, see the board, see one case."""


@case.command("open")
@click.argument("ref")
@click.option("--received", type=DATE, required=True, help="Date the referral was received.")
@click.option("--aware", type=DATE, required=True, help="Date the partnership became aware (may be earlier).")
@click.option("--referrer", required=True, metavar="AGENCY", help="The referring agency's key.")
@click.option("--summary", help="A short incident summary (no names).")
@click.option("--child-name", help="Needed only where letters must name the child; initials are kept.")
@click.option("--child-dob", type=DATE, help="The child's date of birth.")
@click.option("--child-address", help="Needed only where agencies must search their records.")
def case_open(
    ref: str,
    received: date,
    aware: date,
    referrer: str,
    summary: str | None,
    child_name: str | None,
    child_dob: date | None,
    child_address: str | None,
) -> None:
    """Open a case from a referral and print its deadlines.

    \b
    Example:
      $ rr case open RR-2026-014 --received 2026-12-21 --aware 2026-12-18 --referrer police
    """
    from rr_workflow.service import commands

    deadlines = commands.case_open(
        open_app(), ref, received, aware, referrer, summary, child_name, child_dob, child_address
    )
    click.echo(f"{ref}: case opened (referral received {day_name(received)} {received})")
    click.echo()
    echo_deadlines(deadlines)


@case.command("list")
@click.option(
    "--open",
    "open_only",
    is_flag=True,
    help="Only cases not closed or declined, and closed ones while an action of theirs is overdue.",
)
@click.option(
    "--overdue", "overdue_only", is_flag=True, help="Only cases with an overdue deadline or action."
)
@json_option
def case_list(open_only: bool, overdue_only: bool, as_json: bool) -> None:
    """The case board: state and next deadline of every case, overdue first.

    \b
    Example:
      $ rr case list --open
    """
    from rr_workflow.service import queries

    board = queries.case_list(open_app(), open_only, overdue_only)
    if as_json:
        echo_json(board)
        return
    echo_board(board)


def echo_board(board: list[dict[str, Any]]) -> None:
    if not board:
        click.echo("no cases")
        return
    rows = []
    for c in board:
        nxt = c["next_deadline"]
        stage = c["state_label"] + (f" (review: {c['review']['state_label']})" if c.get("review") else "")
        if nxt is None:
            rows.append((c["ref"], stage, "", "", ""))
            continue
        left = nxt["working_days_left"]
        when = (
            f"OVERDUE by {-left} working day(s)"
            if left < 0
            else "due today"
            if left == 0
            else f"{left} working day(s) left"
        )
        rows.append((c["ref"], stage, nxt["label"], nxt["due"].isoformat(), when))
    echo_table(("CASE", "STATE", "NEXT DEADLINE", "DUE", ""), rows)
    failing = [(c["ref"], c["mail_failing"]) for c in board if c.get("mail_failing")]
    for ref, count in failing:
        click.echo(f"mail failing: {ref} ({count} message{'s' if count > 1 else ''}; rr outbox list)")
    for c in board:
        if c.get("overdue_actions"):
            count = c["overdue_actions"]
            many = "s" if count > 1 else ""
            click.echo(f"actions overdue: {c['ref']} ({count} action{many}; rr actions list --overdue)")


@case.command("show")
@click.argument("ref")
@json_option
def case_show(ref: str, as_json: bool) -> None:
    """One case: state, deadlines, agencies, meeting, decision and what may be done next.

    Viewing a case is recorded in its audit trail.

    \b
    Example:
      $ rr case show RR-2026-014 --json
    """
    from rr_workflow.service import views

    shown = views.case_show(open_app(), ref)
    if as_json:
        echo_json(shown)
        return
    click.echo(
        f"{shown['ref']}  [{shown['state_label']}]  referral received {shown['received']}, "
        f"aware {shown['aware']}, referred by {shown['referrer']}"
    )
    window = shown["meeting_window"]
    if window:
        click.echo(f"meeting window: {window['earliest']} to {window['latest']}")
    meeting = shown["meeting"]
    if meeting:
        click.echo(
            f"meeting: {meeting['date']} {meeting['time'] or ''} {meeting['mode']} ({meeting['status']})"
        )
    decision = shown["decision"]
    if decision:
        click.echo(
            f"decision: {decision['outcome']} on {decision['decided_on']}"
            + (
                f", endorsed {decision['endorsed_on']} by {decision['endorsed_by']}"
                if decision["endorsed_on"]
                else ""
            )
        )
    declined = shown["declined"]
    if declined:
        click.echo(f"declined on {long_day(declined['on'])}: {declined['reason']}")
    for late in shown["overdue"]:
        n = late["working_days_overdue"]
        ago = f"{n} working day{'s' if n != 1 else ''} ago" if n > 0 else "passed"
        click.echo(f"OVERDUE: {late['label']} ({late['key']}), due {short_day(late['due'])}, {ago}")
    click.echo()
    echo_table(
        ("KEY", "DUE", "DEADLINE", "STATUS", "MET ON"),
        [(d["key"], d["due"], d["label"], d["status"], d["met_on"]) for d in shown["deadlines"]],
    )
    if shown["agencies"]:
        click.echo()
        echo_table(
            ("AGENCY", "SENT", "RETURNED", "SECURED"),
            [(a["key"], a["sent_on"], a["returned_on"], a["secured_on"]) for a in shown["agencies"]],
        )
    if shown.get("mail_failing"):
        click.echo(f"\nmail failing: {shown['mail_failing']} message(s) not delivered (rr outbox list)")
    click.echo()
    click.echo(
        "next: " + (", ".join("rr " + a for a in shown["allowed"]) or "nothing (the case is finished)")
    )

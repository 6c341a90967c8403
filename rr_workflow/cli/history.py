"""`rr history` and `rr audit verify`: the audit trail."""

from __future__ import annotations

import json

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option, open_app


@click.command()
@click.argument("ref")
@json_option
def history(ref: str, as_json: bool) -> None:
    """The case's audit trail: who did what, when, and the state before and after.

    \b
    Example:
      $ rr history RR-2026-014
    """
    from rr_workflow.service import queries

    rows = queries.history(open_app(), ref)
    if as_json:
        echo_json(rows)
        return
    echo_table(
        ("RECORDED (UTC)", "BY", "EFFECTIVE", "ACTION", "FROM", "TO", "DETAILS"),
        [
            (
                r["recorded_at"][:19],
                r["actor"],
                r["effective_on"],
                r["action"],
                r["from_state"],
                r["to_state"],
                ", ".join(f"{k}={v}" for k, v in json.loads(r["details"]).items()),
            )
            for r in rows
        ],
    )


@click.group()
def audit() -> None:
    """The integrity of the whole audit trail."""


@audit.command("verify")
@json_option
def verify(as_json: bool) -> None:
    """Walk the hash chain; exit 1 naming the first row changed, inserted or deleted.

    \b
    Example:
      $ rr audit verify
      ok: 212 audit rows, chain intact
    """
    from rr_workflow.service import queries

    checked, fault = queries.audit_verify(open_app())
    if as_json:
        echo_json(
            {
                "checked": checked,
                "ok": fault is None,
                "fault": None if fault is None else {"row": fault.row_id, "problem": fault.problem},
            }
        )
    elif fault is None:
        click.echo(f"ok: {checked} audit rows, chain intact")
    else:
        click.echo(
            f"rr: error: audit row {fault.row_id}: {fault.problem} ({checked} rows before it are intact)",
            err=True,
        )
    if fault is not None:
        raise SystemExit(1)

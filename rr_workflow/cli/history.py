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

    A step later corrected, withdrawn or undone shows what became of it in the LATER column, beside
    the row that changed it (never edited: both stay in the trail).

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
        ("#", "RECORDED (UTC)", "BY", "EFFECTIVE", "ACTION", "FROM", "TO", "DETAILS", "LATER"),
        [
            (
                r["id"],
                r["recorded_at"][:19],
                r["actor"],
                r["effective_on"],
                r["action"],
                r["from_state"],
                r["to_state"],
                _details(r["action"], json.loads(r["details"])),
                "; ".join(_later(c) for c in r["later"]),
            )
            for r in rows
        ],
    )


def _details(action: str, details: dict) -> str:
    if action in ("fact_corrected", "fact_withdrawn"):
        what = " ".join(str(p) for p in (details.get("fact"), details.get("agency")) if p)
        after = "withdrawn" if action == "fact_withdrawn" else details.get("after")
        original = f"#{details.get('corrects')}"
        return f"{what}: {details.get('before')} -> {after} ({original}); {details.get('reason')}"
    if action == "step_undone":
        return f"undid #{details.get('undoes')} {details.get('step')}; {details.get('reason')}"
    return ", ".join(f"{k}={v}" for k, v in details.items())


def _later(change: dict) -> str:
    by = f"by {change['actor']} {change['recorded_at'][:10]} (#{change['id']})"
    if change["action"] == "step_undone":
        return f"undone {by}"
    if change["action"] == "fact_withdrawn":
        return f"{change['fact']} withdrawn {by}"
    return f"{change['fact']} corrected to {change['after']} {by}"


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

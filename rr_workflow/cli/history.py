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
    if action == "action_reopened":
        was = (details.get("before") or {}).get("status")
        step = f"#{details.get('undoes')}"
        return f"reopened action {details.get('action')} (was {was}, {step}); {details.get('reason')}"
    return ", ".join(f"{k}={v}" for k, v in details.items())


def _later(change: dict) -> str:
    by = f"by {change['actor']} {change['recorded_at'][:10]} (#{change['id']})"
    if change["action"] == "step_undone":
        return f"undone {by}"
    if change["action"] == "action_reopened":
        return f"reopened {by}"
    if change["action"] == "fact_withdrawn":
        return f"{change['fact']} withdrawn {by}"
    return f"{change['fact']} corrected to {change['after']} {by}"


@click.group()
def audit() -> None:
    """The integrity of the whole audit trail."""


@audit.command("verify")
@click.option(
    "--witness",
    "witness_log",
    type=click.Path(dir_okay=False, exists=True),
    help="Also check the signed checkpoints in this witness log (rr audit witness, the daemon's daily one).",
)
@json_option
def verify(witness_log: str | None, as_json: bool) -> None:
    """Check the audit trail; exit 1 naming the first fault.

    Walks the hash chain (a row changed, inserted or deleted), replays each case's trail against the
    state stored for it (a state changed behind the trail), and with --witness checks the trail still
    holds every signed checkpoint (a trail cut from its end, or rewritten whole).

    \b
    Example:
      $ rr audit verify --witness /var/log/rr-workflow/witness.log
      ok: 212 audit rows, chain intact; 14 cases match their trails; 30 checkpoint(s) match
    """
    from pathlib import Path

    from rr_workflow.service import queries

    lines = None
    if witness_log is not None:
        try:
            lines = Path(witness_log).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise click.BadParameter(f"cannot read {witness_log}: {error}") from None
    result = queries.audit_check(open_app(), lines)
    fault, case_fault, witness_fault = result["fault"], result["case_fault"], result["witness_fault"]
    ok = fault is None and case_fault is None and witness_fault is None
    if as_json:
        echo_json(
            {
                "checked": result["checked"],
                "ok": ok,
                "fault": None if fault is None else {"row": fault.row_id, "problem": fault.problem},
                "cases": result["cases"],
                "case_fault": None
                if case_fault is None
                else {"case": case_fault.case_ref, "problem": case_fault.problem},
                "checkpoints": result["checkpoints"],
                "witness_fault": None
                if witness_fault is None
                else {"line": witness_fault.line, "problem": witness_fault.problem},
            }
        )
    elif fault is not None:
        click.echo(
            f"rr: error: audit row {fault.row_id}: {fault.problem} "
            f"({result['checked']} rows before it are intact)",
            err=True,
        )
    elif case_fault is not None:
        click.echo(f"rr: error: case {case_fault.case_ref}: {case_fault.problem}", err=True)
    elif witness_fault is not None:
        click.echo(f"rr: error: witness line {witness_fault.line}: {witness_fault.problem}", err=True)
    else:
        tail = f"; {result['checkpoints']} checkpoint(s) match" if lines is not None else ""
        click.echo(
            f"ok: {result['checked']} audit rows, chain intact; "
            f"{result['cases']} cases match their trails{tail}"
        )
    if not ok:
        raise SystemExit(1)


@audit.command("witness")
def witness() -> None:
    """Sign a checkpoint of the trail (its length and last hash) and append it to the witness log.

    The daemon writes one a day and mails it to the admins; keep copies where the database's writers
    cannot reach. The key is RR_WITNESS_KEY (default RR_HOME/witness.key), the log RR_WITNESS_LOG
    (default RR_HOME/witness.log).

    \b
    Example:
      $ rr audit witness
      checkpoint: 212 rows, head 9f3c…e1 (row 212), appended to /srv/rr/witness.log
    """
    from rr_workflow.service import queries

    point, log = queries.audit_witness(open_app())
    click.echo(
        f"checkpoint: {point['rows']} rows, head {point['head'][:12]} (row {point['head_id']}), "
        f"appended to {log}"
    )

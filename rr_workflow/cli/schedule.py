"""`rr schedule ...`: the timescales in force, and checking a partnership's own schedule file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option

file_option = click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Show this schedule file instead of the one in force.",
)


@click.group()
def schedule() -> None:
    """The Rapid Review timescales (schedules/rapid_review.toml)."""


def _due_text(rule: Any) -> str:
    if rule.earliest is not None:
        return f"between {rule.earliest} and {rule.working_days} working days after {rule.counts_from}"
    return f"{rule.working_days} working days after {rule.counts_from}"


@schedule.command()
@file_option
@json_option
def show(path: Path | None, as_json: bool) -> None:
    """What is due when, counted from what, and who owns it.

    \b
    Example:
      $ rr schedule show
      $ rr schedule show --file my_partnership.toml --json
    """
    from rr_workflow.service import reference

    sched = reference.schedule(path)
    if as_json:
        echo_json(
            {
                "name": sched.name,
                "version": sched.version,
                "source": sched.source,
                "partners": dict(sched.partners),
                "deadlines": [
                    {
                        "key": r.key,
                        "label": r.label,
                        "from": r.counts_from,
                        "met_by": r.met_by,
                        "working_days": r.working_days,
                        "window": [r.earliest, r.working_days] if r.earliest is not None else None,
                        "owner": r.owner,
                        "per_agency": r.per_agency,
                        "policy": {
                            "reminder_days_before": list(r.policy.reminder_days_before),
                            "reminder_time": r.policy.reminder_time.strftime("%H:%M"),
                            "escalation_time": r.policy.escalation_time.strftime("%H:%M"),
                            "escalation_first": r.policy.escalation_first,
                            "escalation_every": r.policy.escalation_every,
                            "escalation": [
                                {"role": s.role, "from_escalation": s.from_escalation}
                                for s in r.policy.escalation_chain
                            ],
                        },
                    }
                    for r in sched.rules
                ],
                "actions": {"working_days": sched.actions.working_days},
            }
        )
        return
    click.echo(f"{sched.name} (version {sched.version})")
    click.echo(f"from {sched.source}")
    click.echo(
        "safeguarding partners (all needed for a quorate meeting): "
        + ", ".join(f"{label} [{key}]" for key, label in sched.partners.items())
    )
    click.echo()
    echo_table(
        ("DEADLINE", "WHAT", "DUE", "MET BY", "OWNER"),
        [
            (r.key + (":<agency>" if r.per_agency else ""), r.label, _due_text(r), r.met_by, r.owner)
            for r in sched.rules
        ],
    )
    policies = Counter(r.policy for r in sched.rules)
    p = policies.most_common(1)[0][0]
    click.echo()
    for line in _policy_lines(p):
        click.echo(line)
    for rule in sched.rules:
        if rule.policy != p:
            click.echo(f"  except {rule.key}: " + "; ".join(_policy_lines(rule.policy)))
    click.echo(
        f"actions and recommendations: due {sched.actions.working_days} working day(s) after the decision "
        "unless a date is set (rr action due)"
    )


def _policy_lines(p: Any) -> list[str]:
    reminders = ", ".join(
        "on the due date" if d == 0 else f"{d} working day(s) before" for d in p.reminder_days_before
    )
    chain = ", ".join(f"{s.role} from escalation {s.from_escalation}" for s in p.escalation_chain)
    return [
        f"reminders to the owner at {p.reminder_time:%H:%M}: {reminders or 'none'}",
        f"escalations at {p.escalation_time:%H:%M}, {p.escalation_first} working day(s) after a "
        f"missed deadline, then every {p.escalation_every}: {chain}",
    ]


@schedule.command()
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@json_option
def check(path: Path, as_json: bool) -> None:
    """Validate a schedule or calendar file; print what it holds, or the first fault and exit 2.

    \b
    Example:
      $ rr schedule check schedules/rapid_review.toml
      ok: schedules/rapid_review.toml: schedule 'Rapid Review ...' version 2026.2, 11 deadlines
    """
    from rr_workflow.adapters.config import check_file
    from rr_workflow.domain.calendar import CalendarSettings

    result = check_file(path)
    if as_json:
        echo_json(_checked(path, result))
        return
    if isinstance(result, CalendarSettings):
        click.echo(
            f"ok: {path}: calendar {result.country}-{result.region}, {len(result.annual_closures)} "
            f"annual closure(s), {len(result.extra_days)} extra day(s)"
        )
    else:
        click.echo(
            f"ok: {path}: schedule {result.name!r} version {result.version}, {len(result.rules)} deadlines"
        )


def _checked(path: Path, result: Any) -> dict[str, Any]:
    from rr_workflow.domain.calendar import CalendarSettings

    if isinstance(result, CalendarSettings):
        return {
            "ok": True,
            "file": str(path),
            "kind": "calendar",
            "country": result.country,
            "region": result.region,
            "annual_closures": len(result.annual_closures),
            "extra_days": len(result.extra_days),
        }
    return {
        "ok": True,
        "file": str(path),
        "kind": "schedule",
        "name": result.name,
        "version": result.version,
        "deadlines": len(result.rules),
    }

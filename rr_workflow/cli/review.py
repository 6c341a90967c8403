"""`rr review ...`: the review that follows a Rapid Review (local, alternative, or the Panel's national)."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rr_workflow.cli.params import DATE, echo_json, echo_table, json_option, long_day, open_app, short_day


def _reviews():  # the service module, imported only when a command runs
    from rr_workflow.service import reviews

    return reviews


on_option = click.option(
    "--on",
    "on",
    type=DATE,
    default=None,
    help="When it happened (YYYY-MM-DD or DD/MM/YYYY, or today/yesterday; default today; never in the "
    "future, never before the decision to review).",
)


def echo_review_step(review: Any, what: str) -> None:
    """After a recording command: what was recorded, the stage now, any deadline met late, what may follow."""
    from rr_workflow.domain.stages import REVIEW_COMMANDS as COMMANDS
    from rr_workflow.domain.stages import review_state_label as state_label

    click.echo(f"{review.case_ref}: review: {what}. Now: {state_label(str(review.state))}.")
    for late in getattr(review, "met_late", []):
        days = f"{late.working_days} working day{'s' if late.working_days != 1 else ''}"
        click.echo(f"  met late: {late.label}: due {short_day(late.due)}, {days} late")
    allowed = [COMMANDS[e] for e in (review.allowed or "").split(",") if e]
    if allowed:
        click.echo(f"  next: {', '.join('rr ' + a for a in allowed)}")


@click.group()
def review() -> None:
    """The review that follows a Rapid Review: a local_cspr or alternative_review decision opens one
    (publication within 6 months, timescales in schedules/local_review.toml); a national_cspr decision
    opens one that records the Panel's decision."""


@review.command("show")
@click.argument("ref")
@json_option
def review_show(ref: str, as_json: bool) -> None:
    """The review that follows case REF: stage, steps recorded, deadlines, what may come next.

    \b
    Example:
      $ rr review show RR-2026-014 --json
    """
    from rr_workflow.service.review_views import review_show as show

    shown = show(open_app(), ref)
    if as_json:
        echo_json(shown)
        return
    click.echo(f"{shown['ref']}: {shown['kind_label']}, decided {long_day(shown['decided_on'])}")
    click.echo(f"  stage: {shown['state_label']}")
    if shown["reviewer"]:
        click.echo(f"  reviewer: {shown['reviewer']} (appointed {shown['reviewer_appointed_on']})")
    for item in shown["checkpoints"]:
        click.echo(
            f"  checkpoint {item['number']}: {item['on']}" + (f": {item['note']}" if item["note"] else "")
        )
    for ext in shown["extensions"]:
        click.echo(f"  extended: {ext['deadline']} to {ext['to']}: {ext['reason']}")
    if shown["not_published"]:
        click.echo(f"  not published ({shown['not_published']['on']}): {shown['not_published']['reason']}")
    if shown["panel_decision"]:
        decision = shown["panel_decision"]
        verb = "undertakes" if decision["undertakes"] else "does not undertake"
        click.echo(f"  the Panel {verb} a national review ({decision['on']})")
    if shown["deadlines"]:
        echo_table(
            ("DUE", "ORIGINAL", "DEADLINE", "STATUS", "MET"),
            [(d["due"], d["original_due"], d["label"], d["status"], d["met_on"]) for d in shown["deadlines"]],
        )
    if shown["allowed"]:
        click.echo(f"  next: {', '.join('rr ' + a for a in shown['allowed'])}")


@review.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only reviews not yet finished.")
@json_option
def review_list(open_only: bool, as_json: bool) -> None:
    """Every review, by publication date in force (the original date still counts in reports).

    \b
    Example:
      $ rr review list --open
    """
    from rr_workflow.service.review_views import review_list as listed

    rows = listed(open_app(), open_only)
    if as_json:
        echo_json(rows)
        return
    echo_table(
        ("CASE", "KIND", "STAGE", "PUBLICATION DUE", "ORIGINAL", "STATUS", "PUBLISHED"),
        [
            (
                r["ref"],
                r["kind"],
                r["state_label"],
                r["publication_due"],
                r["publication_original_due"],
                r["publication_status"],
                r["published_on"],
            )
            for r in rows
        ],
    )


@review.command("appoint")
@click.argument("ref")
@click.option("--reviewer", required=True, help="The reviewer's name (an independent reviewer or the lead).")
@on_option
def review_appoint(ref: str, reviewer: str, on: date | None) -> None:
    """Record that the reviewer was appointed.

    \b
    Example:
      $ rr review appoint RR-2026-014 --reviewer "Dr A Reviewer" --on 2026-11-20
    """
    echo_review_step(_reviews().appoint(open_app(), ref, reviewer, on), "reviewer appointed")


@review.command("tor-agreed")
@click.argument("ref")
@on_option
def review_tor_agreed(ref: str, on: date | None) -> None:
    """Record that the terms of reference were agreed (their letter is generated).

    \b
    Example:
      $ rr review tor-agreed RR-2026-014 --on 2026-12-01
    """
    echo_review_step(_reviews().tor_agreed(open_app(), ref, on), "terms of reference agreed")


@review.command("checkpoint")
@click.argument("ref")
@click.option("--note", default=None, help="What the partners found about time and quality.")
@on_option
def review_checkpoint(ref: str, note: str | None, on: date | None) -> None:
    """Record a progress checkpoint: the partners looked at the review's time and quality.

    \b
    Example:
      $ rr review checkpoint RR-2026-014 --note "on track; family contributed" --on 2027-01-05
    """
    echo_review_step(_reviews().checkpoint(open_app(), ref, on, note), "progress checkpoint recorded")


@review.command("draft")
@click.argument("ref")
@on_option
def review_draft(ref: str, on: date | None) -> None:
    """Record that the draft report was received.

    \b
    Example:
      $ rr review draft RR-2026-014 --on 2027-03-01
    """
    echo_review_step(_reviews().draft(open_app(), ref, on), "draft report received")


@review.command("final-sent")
@click.argument("ref")
@on_option
def review_final_sent(ref: str, on: date | None) -> None:
    """Record that the final report went to the Panel and the Secretary of State (the notice to the Panel
    is generated); publication may follow once the schedule's notice has passed.

    \b
    Example:
      $ rr review final-sent RR-2026-014 --on 2027-04-15
    """
    echo_review_step(_reviews().final_sent(open_app(), ref, on), "final report sent to the Panel")


@review.command("published")
@click.argument("ref")
@click.option(
    "--short-notice-reason",
    default=None,
    help="Why it was published sooner after the final report went to the Panel than the notice allows.",
)
@on_option
def review_published(ref: str, short_notice_reason: str | None, on: date | None) -> None:
    """Record that the review's report was published.

    \b
    Example:
      $ rr review published RR-2026-014 --on 2027-04-30
    """
    echo_review_step(_reviews().published(open_app(), ref, on, short_notice_reason), "published")


@review.command("not-published")
@click.argument("ref")
@click.option("--reason", required=True, help="Why the report is not published (recorded).")
@on_option
def review_not_published(ref: str, reason: str, on: date | None) -> None:
    """Record that the review ends without publication, and why; its open deadlines are waived with it.

    \b
    Example:
      $ rr review not-published RR-2026-014 --reason "publication would identify the sibling"
    """
    echo_review_step(_reviews().not_published(open_app(), ref, reason, on), "not published")


@review.command("extend")
@click.argument("ref")
@click.option("--deadline", "key", default="published", show_default=True, help="The review's deadline.")
@click.option("--to", "to", type=DATE, required=True, help="The new date.")
@click.option("--reason", required=True, help="Why (e.g. criminal proceedings).")
@on_option
def review_extend(ref: str, key: str, to: date, reason: str, on: date | None) -> None:
    """Extend a deadline of the review (a delay, e.g. for criminal proceedings); the original date still
    counts in reports.

    \b
    Example:
      $ rr review extend RR-2026-014 --to 2027-09-30 --reason "criminal proceedings"
    """
    deadline = _reviews().extend(open_app(), ref, to, reason, key, on)
    was = long_day(deadline.original_due)
    click.echo(f"{deadline.label}: due {long_day(deadline.due)} (originally {was}): {reason}")


@review.command("recommend")
@click.argument("ref")
@click.option("--agency", required=True, help="The agency that owns the recommendation (its key).")
@click.option("--text", required=True, help="The recommendation.")
@click.option("--due", type=DATE, required=True, help="When it is to be done.")
@on_option
def review_recommend(ref: str, agency: str, text: str, due: date, on: date | None) -> None:
    """Put a recommendation of the review on the actions register (rr actions list), owned by AGENCY.

    \b
    Example:
      $ rr review recommend RR-2026-014 --agency police --text "joint training on ..." --due 2027-09-30
    """
    action_id = _reviews().recommend(open_app(), ref, agency, text, due, on)
    click.echo(
        f"{ref}: recommendation added to the actions register as action {action_id}, due {long_day(due)}"
    )


@review.command("panel-decision")
@click.argument("ref")
@click.option(
    "--undertakes",
    type=click.Choice(["yes", "no"]),
    required=True,
    help="Whether the Panel undertakes a national review.",
)
@click.option("--note", default=None, help="What the Panel said.")
@on_option
def review_panel_decision(ref: str, undertakes: str, note: str | None, on: date | None) -> None:
    """Record the Panel's decision on the national review the Rapid Review recommended.

    \b
    Example:
      $ rr review panel-decision RR-2026-014 --undertakes yes --on 2026-12-10
    """
    review = _reviews().panel_decision(open_app(), ref, undertakes == "yes", on, note)
    echo_review_step(review, "the Panel's decision on a national review recorded")

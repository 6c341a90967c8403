"""`rr simulate`: a partnership's timescales tried on synthetic referrals before it changes them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from rr_workflow.cli.params import DATE, echo_json, echo_table


def _delay(name: str):  # -> click callback parsing MEAN[:SD]
    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        from rr_workflow.service.simulate import Delay

        return Delay.parse(value, name)

    return parse


@click.command()
@click.option(
    "--cases", type=click.IntRange(1, 100_000), default=100, show_default=True, help="How many referrals."
)
@click.option("--from", "start", type=DATE, required=True, help="Referrals received from this date...")
@click.option("--to", "end", type=DATE, required=True, help="...to this date.")
@click.option(
    "--schedule",
    "schedule_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The timescales to try (default: the schedule in force).",
)
@click.option(
    "--compare",
    "compare_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Run the same referrals under this second schedule and show both.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="The same seed gives the same referrals."
)
@click.option(
    "--agency-delay",
    callback=_delay("--agency-delay"),
    metavar="MEAN[:SD]",
    help="Working days agencies take to return templates (default 4:2).",
)
@click.option(
    "--records-delay",
    callback=_delay("--records-delay"),
    metavar="MEAN[:SD]",
    help="Working days to secure records (default 2:1).",
)
@click.option(
    "--endorse-delay",
    callback=_delay("--endorse-delay"),
    metavar="MEAN[:SD]",
    help="Working days from the meeting to the chair's endorsement (default 1:1).",
)
@click.option(
    "--inquorate",
    type=click.FloatRange(0, 0.9),
    default=0.1,
    show_default=True,
    help="Chance that a meeting is inquorate.",
)
@click.option(
    "--decline",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Chance that a referral is declined.",
)
@click.option(
    "--keep",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep the simulated training database in this (new) folder, to look at with rr commands.",
)
@click.option(
    "--review-schedule",
    "review_schedule_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The timescales of the reviews that follow (default: the review schedule in force).",
)
@click.option(
    "--publication-months",
    type=click.IntRange(1, 24),
    default=None,
    help="Run the same referrals again with reviews published within this many calendar months, and "
    "show both.",
)
@click.option(
    "--panel-chase-days",
    type=click.IntRange(1, 60),
    default=None,
    help="Run the same referrals again with the Panel's response chased this many working days after the "
    "report (the schedule's own: 10 unless it says otherwise), and show what changes.",
)
@click.option(
    "--panel-delay",
    callback=_delay("--panel-delay"),
    metavar="MEAN[:SD]",
    help="Working days the National Panel takes to respond to a report (default 9:4).",
)
@click.option(
    "--panel-questions",
    type=click.FloatRange(0, 1),
    default=0.2,
    show_default=True,
    help="Chance that the Panel asks questions or does not agree (the partnership then answers).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def simulate(
    cases: int,
    start: date,
    end: date,
    schedule_path: Path | None,
    compare_path: Path | None,
    seed: int,
    agency_delay: Any,
    records_delay: Any,
    endorse_delay: Any,
    inquorate: float,
    decline: float,
    keep: Path | None,
    review_schedule_path: Path | None,
    publication_months: int | None,
    panel_chase_days: int | None,
    panel_delay: Any,
    panel_questions: float,
    as_json: bool,
) -> None:
    """Run synthetic referrals through the real procedure and show how timely they would be.

    Nothing touches your own database: the simulation builds a training database of its own. Each
    referral goes through the Rapid Review, waits for the National Panel's response (chased after the
    schedule's working days; sometimes with questions to answer), and a local or alternative review
    follows where one was decided. --publication-months and --panel-chase-days run the same referrals
    again with that one change (both together if given) and show what it would change.

    \b
    Example:
      $ rr simulate --cases 200 --from 2027-01-01 --to 2027-12-31
      $ rr simulate --cases 200 --from 2027-01-01 --to 2027-12-31 --compare seven_day_returns.toml
      $ rr simulate --cases 200 --from 2027-01-01 --to 2027-12-31 --publication-months 4
      $ rr simulate --cases 200 --from 2027-01-01 --to 2027-12-31 --panel-chase-days 5
    """
    import dataclasses

    from rr_workflow.service import simulate as simulation

    assumptions = simulation.Assumptions(
        inquorate=inquorate, decline=decline, panel_questions=panel_questions
    )
    changes = {
        "agency_delay": agency_delay,
        "records_delay": records_delay,
        "endorse_delay": endorse_delay,
        "panel_delay": panel_delay,
    }
    assumptions = dataclasses.replace(assumptions, **{k: v for k, v in changes.items() if v is not None})
    what_if = bool(publication_months or panel_chase_days)
    if compare_path and what_if:
        raise click.UsageError(
            "one comparison at a time: --compare, or --publication-months and --panel-chase-days"
        )
    comparing = bool(compare_path or what_if)
    runs = [("schedule" if comparing else "result", schedule_path, keep, None, None)]
    if compare_path:
        runs.append(("compare", compare_path, None, None, None))
    if what_if:
        runs.append(("compare", schedule_path, None, publication_months, panel_chase_days))
    results = {
        label: simulation.simulate(
            cases, start, end, path, seed, assumptions, folder, review_schedule_path, months, chase
        )
        for label, path, folder, months, chase in runs
    }
    if as_json:
        echo_json(
            {
                label: dataclasses.asdict(r) | {"home": str(r.home) if r.home else None}
                for label, r in results.items()
            }
        )
        return
    for label, result in results.items():
        name = {"result": "", "schedule": "A: ", "compare": "B: "}[label]
        source = (schedule_path if label != "compare" else compare_path or schedule_path) or (
            "the schedule in force"
        )
        if label == "compare" and what_if:
            source = f"{source} {_what_if_text(publication_months, panel_chase_days)}"
        click.echo(
            f"{name}{result.cases} referral(s) under {source}: {result.declined} declined, "
            f"{result.inquorate_meetings} inquorate meeting(s), {result.transitions} steps, "
            f"{result.escalations} escalation notice(s) would have been sent"
        )
    for label, result in results.items():
        panel = result.panel
        click.echo(
            f"{'' if len(results) == 1 else ('A' if label == 'schedule' else 'B') + ': '}"
            f"reports with the Panel within the overall limit: {panel.get('within_limit')} of "
            f"{panel.get('decided')}"
        )
    for label, result in results.items():
        echo_reviews(
            "" if len(results) == 1 else ("A: " if label == "schedule" else "B: "),
            result.reviews,
            publication_months if label == "compare" else None,
        )
    for label, result in results.items():
        echo_panel(
            "" if len(results) == 1 else ("A: " if label == "schedule" else "B: "), result.panel_response
        )
    if "compare" in results:
        echo_changes(results["schedule"], results["compare"])
    echo_comparison(results)
    kept = results[runs[0][0]].home
    if kept:
        click.echo(f"the simulated database is in {kept} (RR_HOME={kept} rr report compliance)")


def _what_if_text(months: int | None, chase: int | None) -> str:
    said = []
    if chase:
        said.append(f"the Panel's response chased after {chase} working day{'s' if chase != 1 else ''}")
    if months:
        said.append(f"publication within {months} month{'s' if months != 1 else ''}")
    return "with " + " and ".join(said)


def echo_panel(name: str, panel: dict[str, Any]) -> None:
    """One line on the National Panel's responses: how long they took, how many were chased."""
    if not panel.get("reports"):
        click.echo(f"{name}the Panel's response: no report went to the Panel")
        return
    click.echo(
        f"{name}the Panel's response (chased after {panel['chase_days']} working days): "
        f"{panel['responses']} of {panel['reports']} report(s) answered, median "
        f"{panel['median_working_days']:g} working days; {panel['chased']} chased by the coordinator, "
        f"{panel['escalated']} escalated to the managers; questions on {panel['questions']}, "
        f"{panel['answered_late']} answered late"
    )


def echo_changes(a: Any, b: Any) -> None:
    """What the change would do on the same referrals: B against A, each figure that moved."""
    figures = (
        ("chase reminders", a.panel_response.get("chased"), b.panel_response.get("chased")),
        ("Panel responses escalated", a.panel_response.get("escalated"), b.panel_response.get("escalated")),
        ("escalation notices", a.escalations, b.escalations),
        (
            "reviews published by the original date",
            a.reviews.get("published_on_time"),
            b.reviews.get("published_on_time"),
        ),
    )
    moved = [
        f"{what} {x} -> {y} ({y - x:+d})"
        for what, x, y in figures
        if x is not None and y is not None and x != y
    ]
    click.echo("what changes, B against A: " + ("; ".join(moved) if moved else "nothing in these figures"))


def echo_reviews(name: str, reviews: dict[str, Any], months: int | None) -> None:
    """One line on the reviews that followed: how many were published, on time, and how late."""
    target = f" (publication within {months} months)" if months else ""
    click.echo(
        f"{name}reviews{target}: {reviews['reviews']}, published {reviews['published']} "
        f"({reviews['published_on_time']} by the original date; median "
        f"{reviews['median_working_days_late']:g} and worst {reviews['worst_working_days_late']} "
        f"working days late), not published {reviews['not_published']}"
    )


COLUMNS = (("ON TIME %", "pct_on_time"), ("MEDIAN WD", "median_working_days"), ("P90 WD", "p90_working_days"))


def echo_comparison(results: dict[str, Any]) -> None:
    labels = list(results)
    columns = COLUMNS
    first = results[labels[0]].summary
    others = {label: {row["rule_key"]: row for row in results[label].summary} for label in labels[1:]}
    headers = ["DEADLINE"] + [
        f"{title}{'' if len(labels) == 1 else ' ' + ('A' if n == 0 else 'B')}"
        for title, _ in columns
        for n in range(len(labels))
    ]
    rows = []
    for row in first:
        cells: list[Any] = [row["rule_key"]]
        for _, key in columns:
            cells.append(row.get(key))
            cells.extend(others[label].get(row["rule_key"], {}).get(key) for label in labels[1:])
        rows.append(cells)
    click.echo()
    echo_table(headers, rows)

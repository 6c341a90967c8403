"""`rr demo`: a worked Rapid Review timetable over Christmas, computed by the real deadline rules."""

from __future__ import annotations

from datetime import date

import click

from rr_workflow.cli.params import DATE, day_name, echo_table


@click.command()
@click.option("--received", type=DATE, default="2026-12-21", show_default=True, help="Referral received.")
@click.option("--aware", type=DATE, default="2026-12-18", show_default=True, help="Partnership became aware.")
def demo(received: date, aware: date) -> None:
    """Show a demonstration case's deadlines day by day, from the timescales and calendar in force.

    \b
    Example:
      $ rr demo --received 2027-03-25 --aware 2027-03-25
    """
    from rr_workflow.domain.deadlines import Milestones, compute_deadlines, meeting_window
    from rr_workflow.service import reference

    if aware > received:
        raise click.BadParameter("the partnership cannot become aware after the referral is received")
    schedule = reference.schedule()
    calendar = reference.working_calendar()
    milestones = Milestones(
        case={"referral_received": received, "aware": aware, "scoping_sent": received},
        agencies={"police": {"scoping_sent": received}, "health": {"scoping_sent": received}},
    )
    deadlines = compute_deadlines(schedule, calendar, milestones, as_of=received)
    click.echo(
        f"Demonstration case: aware {day_name(aware)} {aware}, referral received "
        f"{day_name(received)} {received}, templates sent the same day"
    )
    click.echo(f"Timescales: {schedule.name} (version {schedule.version}); region {calendar.settings.region}")
    click.echo()
    echo_table(
        ("DUE", "DAY", "DEADLINE", "WORKING DAYS"),
        [
            (d.due.isoformat(), day_name(d.due)[:3], d.label, calendar.between(d.counts_from, d.due))
            for d in deadlines
        ],
    )
    window = meeting_window(deadlines)
    if window:
        click.echo()
        click.echo(f"Meeting window: {day_name(window[0])} {window[0]} to {day_name(window[1])} {window[1]}")
    years = range(received.year, received.year + 2)
    closed = [
        (d, n)
        for y in years
        for d, n in calendar.non_working_days(y)
        if received <= d <= max(x.due for x in deadlines) and d.weekday() < 5
    ]
    if closed:
        click.echo("Not counted: " + "; ".join(f"{day_name(d)[:3]} {d} {n}" for d, n in closed))

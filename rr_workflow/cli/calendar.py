"""`rr calendar ...`: working-day arithmetic (docs/working-days.md)."""

from __future__ import annotations

from datetime import date

import click

from rr_workflow.cli.params import DATE, WORKING_DAYS, day_name, echo_json, echo_table, json_option

region_option = click.option(
    "--region",
    metavar="REGION",
    help="Bank holidays of ENG, WLS, SCT or NIR instead of the configured region.",
)


def _calendar(region: str | None):  # -> WorkingCalendar
    from rr_workflow.service import reference

    return reference.working_calendar(region)


@click.group()
def calendar() -> None:
    """Working-day arithmetic: weekends, bank holidays and closure days excluded."""


@calendar.command()
@click.argument("start", type=DATE)
@click.argument("n", type=WORKING_DAYS)
@region_option
@json_option
def add(start: date, n: int, region: str | None, as_json: bool) -> None:
    """The N-th working day strictly after START ("within N working days of START").

    \b
    Example:
      $ rr calendar add 2026-12-21 2
      2026-12-23  Wednesday
    """
    cal = _calendar(region)
    result = cal.add(start, n)
    if as_json:
        echo_json(
            {
                "start": start,
                "working_days": n,
                "date": result,
                "weekday": day_name(result),
                "region": cal.settings.region,
            }
        )
    else:
        click.echo(f"{result.isoformat()}  {day_name(result)}")


@calendar.command()
@click.argument("start", type=DATE)
@click.argument("earliest", type=WORKING_DAYS)
@click.argument("latest", type=WORKING_DAYS)
@region_option
@json_option
def window(start: date, earliest: int, latest: int, region: str | None, as_json: bool) -> None:
    """The window from the EARLIEST-th to the LATEST-th working day after START, inclusive.

    \b
    Example (the Rapid Review meeting window):
      $ rr calendar window 2026-12-21 7 13
      2027-01-04  Monday  to  2027-01-12  Tuesday
    """
    if earliest > latest:
        raise click.BadParameter(f"EARLIEST ({earliest}) is after LATEST ({latest})")
    cal = _calendar(region)
    first, last = cal.window(start, earliest, latest)
    if as_json:
        echo_json(
            {
                "start": start,
                "earliest_days": earliest,
                "latest_days": latest,
                "earliest": first,
                "latest": last,
                "region": cal.settings.region,
            }
        )
    else:
        click.echo(f"{first.isoformat()}  {day_name(first)}  to  {last.isoformat()}  {day_name(last)}")


@calendar.command()
@click.argument("start", type=DATE)
@click.argument("end", type=DATE)
@region_option
@json_option
def between(start: date, end: date, region: str | None, as_json: bool) -> None:
    """How many working days come after START up to and including END.

    Negative when END is before START.

    \b
    Example:
      $ rr calendar between 2026-12-21 2027-01-12
      13
    """
    cal = _calendar(region)
    count = cal.between(start, end)
    if as_json:
        echo_json({"start": start, "end": end, "working_days": count, "region": cal.settings.region})
    else:
        click.echo(str(count))


@calendar.command()
@click.argument("year", type=click.IntRange(1900, 2199))
@region_option
@json_option
def holidays(year: int, region: str | None, as_json: bool) -> None:
    """The bank holidays, substitute days and closure days of YEAR.

    \b
    Example:
      $ rr calendar holidays 2027 --region SCT
    """
    cal = _calendar(region)
    days = cal.non_working_days(year)
    if as_json:
        echo_json(
            [
                {"date": d, "weekday": day_name(d), "name": name, "weekend": d.weekday() >= 5}
                for d, name in days
            ]
        )
    else:
        echo_table(
            ("DATE", "DAY", "NAME"),
            [
                (d.isoformat(), day_name(d)[:3], name + (" (falls on a weekend)" if d.weekday() >= 5 else ""))
                for d, name in days
            ],
        )

"""The recording commands of the procedure: scoping, records, SIN, meeting, decision and the rest."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import click

from rr_workflow.cli.params import DATE, echo_case_step, long_day, on_option, open_app
from rr_workflow.domain.documents import DOCUMENT_KINDS


def _commands():  # the service module, imported only when a command runs
    from rr_workflow.service import commands

    return commands


@click.group()
def scoping() -> None:
    """Scoping templates: sent to agencies (letters generated), returned."""


@scoping.command("send")
@click.argument("ref")
@click.argument("agencies", nargs=-1, required=True, metavar="AGENCY...")
@on_option
@click.option(
    "--already-sent",
    is_flag=True,
    help="The letters went at the time (taking over a running case): none is sent now, and each "
    "agency's deadlines count from --on.",
)
def scoping_send(ref: str, agencies: tuple[str, ...], on: date | None, already_sent: bool) -> None:
    """Send the scoping template and the records-securing instruction to each AGENCY.

    Recorded after the fact (--on an earlier day), the letters go now, dated today, name the day the
    step was recorded as of, and each agency's return and records are due counted from today: the
    letter is what the agency holds. If they went at the time, say --already-sent.

    \b
    Examples:
      $ rr scoping send RR-2026-014 la police health school
      $ rr scoping send RR-2026-014 la police --on 2026-12-22 --already-sent
    """
    case = _commands().scoping_send(open_app(), ref, list(agencies), on, already_sent)
    echo_case_step(case, f"scoping template sent to {', '.join(agencies)}")


@scoping.command("returned")
@click.argument("ref")
@click.argument("agency")
@on_option
def scoping_returned(ref: str, agency: str, on: date | None) -> None:
    """Record that AGENCY returned its completed scoping template.

    \b
    Example:
      $ rr scoping returned RR-2026-014 police --on 2026-12-29
    """
    echo_case_step(
        _commands().scoping_returned(open_app(), ref, agency, on), f"{agency} returned its template"
    )


@click.group()
def records() -> None:
    """Records securing: each agency confirms its records are secured."""


@records.command("secured")
@click.argument("ref")
@click.argument("agency")
@on_option
def records_secured(ref: str, agency: str, on: date | None) -> None:
    """Record AGENCY's confirmation that its records are secured.

    \b
    Example:
      $ rr records secured RR-2026-014 health
    """
    echo_case_step(_commands().records_secured(open_app(), ref, agency, on), f"{agency} secured its records")


@click.group()
def sin() -> None:
    """The local authority's Serious Incident Notification to the National Panel."""


@sin.command("notified")
@click.argument("ref")
@on_option
@click.option(
    "--reference", help="The notification's reference (quoted in the covering letter to the Panel)."
)
def sin_notified(ref: str, on: date | None, reference: str | None) -> None:
    """Record that the Serious Incident Notification was sent.

    \b
    Example:
      $ rr sin notified RR-2026-014 --on 2026-12-22 --reference SIN-2026-0456
    """
    echo_case_step(
        _commands().sin_notified(open_app(), ref, on, reference), "Serious Incident Notification recorded"
    )


@click.group()
def doc() -> None:
    """Documents attached to a case (stored under RR_HOME with their SHA-256)."""


@doc.command("add")
@click.argument("ref")
@click.argument("kind", type=click.Choice(list(DOCUMENT_KINDS)))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def doc_add(ref: str, kind: str, file: Path) -> None:
    """Attach FILE to the case as a document of KIND.

    A scoping return's file name should contain the agency's key (e.g. police-return.docx) so that the
    meeting pack files it under that agency. rapid_review_report is the finished report `rr submit`
    sends to the National Panel.

    \b
    Example:
      $ rr doc add RR-2026-014 referral_form referral.pdf
      $ rr doc add RR-2026-014 rapid_review_report "RR-2026-014 report final.docx"
    """
    stored = _commands().doc_add(open_app(), ref, kind, file)
    click.echo(f"{ref}: {kind} stored, sha256 {stored['sha256']}")


def _time(_ctx: click.Context, _param: click.Parameter, value: str | None) -> time | None:
    if value is None:
        return None
    try:
        if len(value) != 5:
            raise ValueError
        return time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time (expected HH:MM)") from None


@click.group()
def meeting() -> None:
    """The Rapid Review meeting: schedule it, record it held or inquorate."""


@meeting.command("schedule")
@click.argument("ref")
@click.argument("date", type=DATE)
@click.option("--time", "at", callback=_time, metavar="HH:MM", help="Start time (Europe/London).")
@click.option("--mode", type=click.Choice(["in_person", "remote"]), default="in_person", show_default=True)
@click.option("--reason", help="Why it must be remote (needed with --mode remote).")
@click.option("--outside-window-reason", help="Why the date falls outside the meeting window.")
@click.option("--non-working-day-reason", help="Why it meets on a weekend, bank holiday or closure day.")
@click.option(
    "--on",
    "on",
    type=DATE,
    default=None,
    help="The day the date was set (default today; the meeting cannot be before it).",
)
@click.option("--location", help="Where it is held (room and address), shown in the invitation.")
@click.option("--join-url", help="The video conference link (https://...), shown in the invitation.")
def meeting_schedule(
    ref: str,
    date: date,
    at: time | None,
    mode: str,
    reason: str | None,
    outside_window_reason: str | None,
    non_working_day_reason: str | None,
    on: date | None,
    location: str | None,
    join_url: str | None,
) -> None:
    """Set (or move) the meeting DATE; the invitation goes to the chair, the safeguarding partners and
    every agency asked for information (an Outlook meeting request; a moved meeting updates it).

    \b
    Examples:
      $ rr meeting schedule RR-2026-014 2027-01-05 --time 10:00 --location "Room 2, County Hall"
      $ rr meeting schedule RR-2026-014 2027-01-06 --time 14:00 --mode remote \\
          --reason "chair snowed in" --join-url https://meet.example/rr-2026-014
      $ rr meeting schedule RR-2026-014 07/01/2027 --on 22/12/2026   # set last month
    """
    case = _commands().meeting_schedule(
        open_app(),
        ref,
        date,
        at,
        mode,
        reason,
        outside_window_reason,
        on=on,
        non_working_day_reason=non_working_day_reason,
        location=location,
        join_url=join_url,
    )
    echo_case_step(case, f"meeting set for {long_day(date)}")


attendee_option = click.option(
    "--attendee",
    "attendees",
    multiple=True,
    metavar="AGENCY:NAME",
    help="Who attended, once for each person.",
)


held_on_option = click.option(
    "--on",
    "on",
    type=DATE,
    default=None,
    help="The day it met (default: its scheduled date, once that has come; never before it).",
)


@meeting.command("held")
@click.argument("ref")
@held_on_option
@attendee_option
def meeting_held(ref: str, on: date | None, attendees: tuple[str, ...]) -> None:
    """Record the meeting as held; refused unless every safeguarding partner was represented.

    The meeting is recorded on its scheduled date, never before it.

    \b
    Example:
      $ rr meeting held RR-2026-014 --attendee "la:A Smith" --attendee "police:DI Jones" \
          --attendee "health:Dr Patel"
    """
    case = _commands().meeting_held(open_app(), ref, list(attendees), on)
    echo_case_step(case, f"meeting held on {long_day(case.held_meeting.held_on)} (quorate)")


@meeting.command("inquorate")
@click.argument("ref")
@held_on_option
@attendee_option
def meeting_inquorate(ref: str, on: date | None, attendees: tuple[str, ...]) -> None:
    """Record the meeting as inquorate: a new date must be set.

    \b
    Example:
      $ rr meeting inquorate RR-2026-014 --attendee "la:A Smith"
    """
    case = _commands().meeting_inquorate(open_app(), ref, list(attendees), on)
    held_on = case.current_meeting.held_on
    echo_case_step(case, f"meeting of {long_day(held_on)} recorded as inquorate")


@click.command()
@click.argument("ref")
@click.argument(
    "outcome", type=click.Choice(["national_cspr", "local_cspr", "alternative_review", "no_review"])
)
@click.option("--rationale", required=True, help="Why: the meeting's reasoning.")
@click.option(
    "--action", "actions", multiple=True, metavar='"OWNER: TEXT"', help="An immediate action; repeat."
)
@on_option
def decide(ref: str, outcome: str, rationale: str, actions: tuple[str, ...], on: date | None) -> None:
    """Record the meeting's decision, its rationale and the immediate actions.

    \b
    Example:
      $ rr decide RR-2026-014 local_cspr --rationale "..." --action "la: safety plan for siblings"
    """
    echo_case_step(
        _commands().decide(open_app(), ref, outcome, rationale, list(actions), on),
        f"decision recorded: {outcome}",
    )


@click.command()
@click.argument("ref")
@click.option("--by", help="The chair's name, when a coordinator records the endorsement.")
@on_option
def endorse(ref: str, by: str | None, on: date | None) -> None:
    """Record the independent chair's endorsement of the outcome.

    \b
    Example:
      $ rr endorse RR-2026-014 --by "Prof. A Chair"
    """
    echo_case_step(_commands().endorse(open_app(), ref, by, on), "outcome endorsed")


@click.command()
@click.argument("ref")
@on_option
@click.option(
    "--send-draft",
    is_flag=True,
    help="Send the software's draft because no finished report is attached (recorded in the history).",
)
def submit(ref: str, on: date | None, send_draft: bool) -> None:
    """Send the finished Rapid Review report to the National Panel with its covering letter.

    The report is the latest one attached with `rr doc add REF rapid_review_report FILE`; without one
    the command is refused unless --send-draft is given.

    \b
    Example:
      $ rr doc add RR-2026-014 rapid_review_report report-final.docx
      $ rr submit RR-2026-014
    """
    case = _commands().submit(open_app(), ref, on, send_draft)
    echo_case_step(case, "report sent to the National Panel" + (" (the draft)" if send_draft else ""))


@click.group()
def outcome() -> None:
    """Telling the agencies and the referrer the outcome."""


@outcome.command("shared")
@click.argument("ref")
@on_option
def outcome_shared(ref: str, on: date | None) -> None:
    """Record the outcome shared with every agency and the referrer.

    \b
    Example:
      $ rr outcome shared RR-2026-014
    """
    echo_case_step(_commands().outcome_shared(open_app(), ref, on), "outcome shared with the agencies")


@click.command()
@click.argument("ref")
@on_option
@click.option(
    "--waive-open",
    metavar="REASON",
    help="Waive every deadline still open (e.g. records never confirmed) for this reason, and close.",
)
@click.option(
    "--without-response",
    metavar="REASON",
    help="Close a case whose Panel response was never recorded (e.g. taken over mid-way), for this reason.",
)
def close(ref: str, on: date | None, waive_open: str | None, without_response: str | None) -> None:
    """Close a case once the Panel's response is handled and the outcome was shared.

    A deadline still open refuses it: record it, waive it (rr waive), or give --waive-open.

    \b
    Examples:
      $ rr close RR-2026-014 --on 2027-01-26
      $ rr close RR-2026-014 --waive-open "the school holds no records about the family"
    """
    echo_case_step(_commands().close(open_app(), ref, on, waive_open, without_response), "case closed")


@click.command()
@click.argument("ref")
@click.option("--reason", required=True, help="Why the referral does not meet the criteria.")
@on_option
def decline(ref: str, reason: str, on: date | None) -> None:
    """Decline a referral that does not meet the criteria; closes the case.

    \b
    Example:
      $ rr decline RR-2026-014 --reason "no abuse or neglect known or suspected"
    """
    echo_case_step(_commands().decline(open_app(), ref, reason, on), "referral declined")


@click.command()
@click.argument("ref")
@click.argument("deadline")
@click.option("--to", "to", type=DATE, required=True, help="The new date agreed.")
@click.option("--reason", required=True, help="Why, and with whom it was agreed.")
@on_option
def extend(ref: str, deadline: str, to: date, reason: str, on: date | None) -> None:
    """Record an extension of DEADLINE (the original date still counts as missed in reports).

    \b
    Example:
      $ rr extend RR-2026-014 review_complete --to 2027-01-20 --reason "agreed with the Panel on 12 Jan"
    """
    d = _commands().extend(open_app(), ref, deadline, to, reason, on)
    click.echo(f"{ref}: {d.key} extended from {d.original_due} to {d.due}")


@click.command()
@click.argument("ref")
@click.argument("deadline")
@click.option("--reason", required=True, help="Why it no longer applies.")
@on_option
def waive(ref: str, deadline: str, reason: str, on: date | None) -> None:
    """Record that DEADLINE no longer applies.

    \b
    Example:
      $ rr waive RR-2026-014 scoping_returned:school --reason "school had no involvement"
    """
    d = _commands().waive(open_app(), ref, deadline, reason, on)
    click.echo(f"{ref}: {d.key} waived")


def _register_document_commands() -> None:
    from rr_workflow.cli.documents import doc_list, meeting_pack

    doc.add_command(doc_list)
    meeting.add_command(meeting_pack)


_register_document_commands()

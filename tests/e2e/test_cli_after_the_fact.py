"""Recording after the fact: every recording command takes `--on`, judged against that day, not today.

A coordinator takes over a case that has been running for weeks, or records on Wednesday what happened
on Monday. The referral is the worked example of docs/working-days.md: received Monday 21 December 2026,
aware since Friday 18 December; "today" (RR_NOW on the training database) is Wednesday 20 January 2027,
after the whole Rapid Review.

Dates below are counted by hand (England, no closure days): Christmas Day Fri 25 Dec, Boxing Day Sat 26
Dec with its substitute Mon 28 Dec, New Year's Day Fri 1 Jan 2027.
- SIN due (5 working days after Fri 18 Dec): 21, 22, 23, 24, 29 -> Tue 29 Dec.
- templates due (2 after Mon 21 Dec): Wed 23 Dec; meeting date set due (1 after Tue 22 Dec): Wed 23 Dec.
- returns and records due (5 after Tue 22 Dec): 23, 24, 29, 30, 31 -> Thu 31 Dec.
- meeting window (7th-13th after Mon 21 Dec): Mon 4 Jan to Tue 12 Jan.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_cli_workflow import QUORATE_ATTENDEES, set_up_partnership

REF = "RR-2026-050"
LATER = "2027-01-20T10:00"  # Wednesday: every step below is recorded "after the fact"


@pytest.fixture
def taken_over(rr):
    """A training database where today is 20 Jan 2027 and the case was opened (late) today."""
    set_up_partnership(rr)
    rr.now = LATER
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    return rr


def deadlines(rr) -> dict[str, dict[str, Any]]:
    return {d["key"]: d for d in rr.json("case", "show", REF)["deadlines"]}


def test_a_running_case_is_taken_over_step_by_step_with_on(taken_over) -> None:
    """Each step dated with --on: on time where it was on time, "met late" where it was not.
    Planted bug caught: judging the meeting date "in the past" against today instead of --on."""
    rr = taken_over
    # The letters went on Tue 22 Dec (the case is taken over): the agencies count from that day.
    out = rr.ok(
        "scoping", "send", REF, "la", "police", "health", "school", "--on", "2026-12-22", "--already-sent"
    )
    assert "met late" not in out  # due Wed 23 Dec, done Tue 22 Dec
    # The meeting date was set on Tue 29 Dec for Thu 7 Jan: in the past today, not on the day it was set.
    out = rr.ok("meeting", "schedule", REF, "2027-01-07", "--time", "10:00", "--on", "2026-12-29")
    assert f"{REF}: meeting set for Thursday 7 January 2027." in out
    # due Wed 23 Dec; set Tue 29 Dec: Thu 24 (1), Tue 29 (2)
    assert "  met late: Rapid Review meeting date set: due Wed 23 Dec, 2 working days late\n" in out

    # SIN due Tue 29 Dec, sent Mon 4 Jan: Wed 30 (1), Thu 31 (2), Mon 4 Jan (3)
    out = rr.ok("sin", "notified", REF, "--on", "04/01/2027")
    assert "  met late: Serious Incident Notification sent to the National Panel: due Tue 29 Dec, " in out
    assert "3 working days late" in out
    # return due Thu 31 Dec, returned Tue 5 Jan: Mon 4 (1), Tue 5 (2)
    out = rr.ok("scoping", "returned", REF, "police", "--on", "2027-01-05")
    assert "  met late: Scoping template returned (police): due Thu 31 Dec, 2 working days late\n" in out
    # returned Sat 2 Jan after a Thursday due date (Fri 1 Jan a bank holiday): one working day late
    out = rr.ok("scoping", "returned", REF, "la", "--on", "2027-01-02")
    assert "due Thu 31 Dec, 1 working day late\n" in out
    out = rr.ok("records", "secured", REF, "la", "--on", "2026-12-31")
    assert "met late" not in out

    shown = deadlines(rr)
    assert shown["meeting_date_set"]["status"] == "met_late"
    assert shown["meeting_date_set"]["met_on"] == "2026-12-29"
    assert shown["sin_notified"]["met_on"] == "2027-01-04"
    assert shown["scoping_returned:police"]["status"] == "met_late"
    assert shown["records_secured:la"]["status"] == "met"


def test_meeting_schedule_in_the_past_is_judged_against_on(taken_over) -> None:
    """Without --on a date before today is refused; with --on it is judged against that day."""
    rr = taken_over
    rr.ok("scoping", "send", REF, "la", "police", "health", "--on", "2026-12-22")
    assert rr.fails(2, "meeting", "schedule", REF, "2027-01-07") == (
        "the meeting date 2027-01-07 is in the past (today is 2027-01-20)"
    )
    assert rr.fails(2, "meeting", "schedule", REF, "2027-01-07", "--on", "2027-01-08") == (
        "the meeting date 2027-01-07 is in the past (the day it was set is 2027-01-08)"
    )
    assert "is in the future" in rr.fails(2, "meeting", "schedule", REF, "2027-01-25", "--on", "2027-01-21")
    # never before the referral, nor before the templates went out (Tue 22 Dec)
    assert "before the referral was received (2026-12-21)" in rr.fails(
        2, "meeting", "schedule", REF, "2027-01-07", "--on", "2026-12-20"
    )
    assert "before the scoping templates were sent (2026-12-22)" in rr.fails(
        2, "meeting", "schedule", REF, "2027-01-07", "--on", "2026-12-21"
    )
    rr.ok("meeting", "schedule", REF, "2027-01-07", "--on", "2026-12-23")
    # moving it: not before the date in force was set
    assert "before the previous meeting was set (2026-12-23)" in rr.fails(
        2, "meeting", "schedule", REF, "2027-01-08", "--on", "2026-12-22"
    )


def test_the_step_date_and_the_moment_recorded_are_both_kept(taken_over) -> None:
    rr = taken_over
    rr.ok("scoping", "send", REF, "la", "police", "health", "--on", "2026-12-22")
    rr.ok("meeting", "schedule", REF, "2027-01-07", "--on", "2026-12-23")
    trail = {row["action"]: row for row in rr.json("history", REF)}
    assert trail["schedule_meeting"]["effective_on"] == "2026-12-23"
    assert trail["schedule_meeting"]["recorded_at"].startswith("2027-01-20T10:00")  # GMT: London = UTC
    assert trail["send_scoping"]["effective_on"] == "2026-12-22"


def test_meeting_held_is_recorded_on_its_date_never_before(rr) -> None:
    """Planted bug caught: checking the held date against the day the date was set (the old rule),
    which accepted `rr meeting held` on 30 Dec for a meeting set for 7 Jan."""
    set_up_partnership(rr)
    rr.now = "2026-12-22T10:00"
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.ok("scoping", "send", REF, "la", "police", "health")
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    rr.now = "2026-12-30T10:00"
    before = rr.snapshot()
    message = rr.fails(3, "meeting", "held", REF, *QUORATE_ATTENDEES)
    assert message.startswith("the meeting is set for Thursday 2027-01-07: it cannot be recorded before")
    assert rr.snapshot() == before
    rr.now = "2027-01-11T10:00"  # the Monday after: recorded late, held on its date
    assert "is set for Thursday 2027-01-07" in rr.fails(
        3, "meeting", "held", REF, "--on", "2027-01-06", *QUORATE_ATTENDEES
    )
    out = rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES)
    assert f"{REF}: meeting held on Thursday 7 January 2027 (quorate)." in out
    shown = rr.json("case", "show", REF)
    assert shown["meeting"]["held_on"] == "2027-01-07"
    assert {d["key"]: d["status"] for d in shown["deadlines"]}["meeting_held"] == "met"


def test_close_takes_on_and_a_whole_case_is_recorded_after_the_fact(taken_over) -> None:
    rr = taken_over
    agencies = ("la", "police", "health")
    rr.ok("scoping", "send", REF, *agencies, "--on", "2026-12-22")
    rr.ok("meeting", "schedule", REF, "2027-01-07", "--on", "2026-12-22")
    rr.ok("sin", "notified", REF, "--on", "2026-12-23")
    for agency in agencies:
        rr.ok("scoping", "returned", REF, agency, "--on", "2026-12-30")
        rr.ok("records", "secured", REF, agency, "--on", "2026-12-30")
    rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES, "--on", "2027-01-07")
    rr.ok("decide", REF, "no_review", "--rationale", "single-agency learning", "--on", "2027-01-07")
    rr.ok("endorse", REF, "--by", "Prof A Chair", "--on", "2027-01-08")
    rr.ok("submit", REF, "--on", "2027-01-08", "--send-draft")
    rr.ok("outcome", "shared", REF, "--on", "2027-01-11")
    rr.ok("panel", "response", REF, "--agrees", "yes", "--on", "2027-01-08")
    assert "before the outcome was shared (2027-01-11)" in rr.fails(2, "close", REF, "--on", "2027-01-08")
    assert "in the future" in rr.fails(2, "close", REF, "--on", "2027-01-21")
    rr.ok("close", REF, "--on", "12/01/2027")
    shown = rr.json("case", "show", REF)
    assert shown["state"] == "closed"
    assert shown["closed_on"] == "2027-01-12"
    statuses = {d["key"]: d["status"] for d in shown["deadlines"]}
    assert statuses["panel_submission"] == "met"  # held Thu 7 Jan, due Mon 11 Jan
    assert statuses["review_complete"] == "met"  # aware Fri 18 Dec, due Wed 13 Jan


# -- dates as people type them -------------------------------------------------------------------------


def test_uk_dates_and_today_yesterday_are_accepted_never_month_first(taken_over) -> None:
    rr = taken_over
    rr.ok("scoping", "send", REF, "la", "police", "--on", "22/12/2026")
    rr.ok("sin", "notified", REF, "--on", "yesterday")  # today is Wed 20 Jan 2027
    rr.ok("scoping", "returned", REF, "la", "--on", "Today")
    shown = rr.json("case", "show", REF)
    assert {a["key"]: a["sent_on"] for a in shown["agencies"]} == {"la": "2026-12-22", "police": "2026-12-22"}
    assert shown["sin_notified_on"] == "2027-01-19"
    assert {a["key"]: a["returned_on"] for a in shown["agencies"]}["la"] == "2027-01-20"
    message = rr.fails(2, "scoping", "returned", REF, "police", "--on", "12/31/2026")  # month first
    assert "'12/31/2026' is not a date (read as day/month/year" in message
    assert rr.ok("calendar", "add", "21/12/2026", "2").split()[0] == "2026-12-23"


def test_extend_and_waive_take_on(taken_over) -> None:
    """The Panel agreed an extension on Mon 11 Jan; the school's return was waived on Tue 29 Dec."""
    rr = taken_over
    rr.ok("scoping", "send", REF, "la", "school", "--on", "2026-12-22")
    rr.ok("waive", REF, "scoping_returned:school", "--reason", "no involvement", "--on", "29/12/2026")
    rr.ok(
        "extend", REF, "review_complete", "--to", "2027-01-20", "--reason", "agreed with the Panel",
        "--on", "2027-01-11",
    )  # fmt: skip
    assert "in the future" in rr.fails(
        2, "waive", REF, "records_secured:school", "--reason", "x", "--on", "2027-01-21"
    )
    trail = {row["action"]: row for row in rr.json("history", REF)}
    assert trail["deadline_waived"]["effective_on"] == "2026-12-29"
    assert trail["deadline_extended"]["effective_on"] == "2027-01-11"
    shown = {d["key"]: d for d in rr.json("case", "show", REF)["deadlines"]}
    assert shown["review_complete"]["due"] == "2027-01-20"
    assert shown["review_complete"]["original_due"] == "2027-01-13"
    assert shown["scoping_returned:school"]["status"] == "waived"


def test_a_scoping_letter_written_late_is_dated_today_and_counts_from_today(rr) -> None:
    """`rr scoping send --on` a week back, recorded on Wed 6 Jan 2027 with nothing sent yet: the letter goes
    today, dated Wednesday 6 January 2027, names the day the step was recorded as of (Tue 29 Dec), and
    asks for the return by Wed 13 Jan (5 working days after Wed 6 Jan: 7, 8, 11, 12, 13). The case holds
    the agency to the same date (the letter is what the agency holds), while "templates sent" is judged
    by the recorded day (due Wed 23 Dec: 24 and 29 Dec, 2 working days late).
    Planted bugs caught: the letter dated the recorded day with a due date counted from it (Thu 7 Jan);
    the case counting the agency's return from the recorded day while the letter says 13 January."""
    import docx

    set_up_partnership(rr)
    rr.now = "2026-12-21T09:00"
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.now = "2027-01-06T10:00"
    out = rr.ok("scoping", "send", REF, "la", "--on", "2026-12-29")
    assert "  met late: Scoping templates sent to the agencies: due Wed 23 Dec, 2 working days late\n" in out
    shown = deadlines(rr)
    assert shown["scoping_returned:la"]["due"] == "2027-01-13"
    assert shown["records_secured:la"]["due"] == "2027-01-13"
    assert shown["scoping_sent"]["met_on"] == "2026-12-29"
    agency = next(a for a in rr.json("case", "show", REF)["agencies"] if a["key"] == "la")
    assert agency["sent_on"] == "2026-12-29"

    stored = [d for d in rr.json("doc", "list", REF) if d["kind"] == "scoping_request"]
    assert len(stored) == 1
    text = "\n".join(p.text for p in docx.Document(stored[0]["path"]).paragraphs)
    assert "Date: Wednesday 6 January 2027" in text
    assert "Recorded as of: Tuesday 29 December 2026" in text
    assert "Wednesday 13 January 2027" in text
    assert "Thursday 7 January 2027" not in text  # counted from the recorded day


def test_letters_that_went_at_the_time_are_not_sent_again(taken_over) -> None:
    rr = taken_over
    rr.ok("scoping", "send", REF, "la", "--on", "2026-12-22", "--already-sent")
    assert [d for d in rr.json("doc", "list", REF) if d["kind"] == "scoping_request"] == []
    assert deadlines(rr)["scoping_returned:la"]["due"] == "2026-12-31"
    assert rr.fails(2, "scoping", "send", REF, "police", "--already-sent") == (
        "--already-sent needs --on (the day the letters went)"
    )

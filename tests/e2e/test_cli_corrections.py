"""Correct, withdraw, undo through the `rr` command, on SQLite and PostgreSQL.

A training database walks the Christmas 2026 case (referral received Monday 21 December, the
partnership aware since Friday 18th, templates sent Tuesday 22nd). Dates below are counted by hand
(England: Friday 25 December, Monday 28 December for Boxing Day, Friday 1 January are not working days):
  template sent Tue 22 Dec -> return due Thu 31 Dec; sent Wed 23 Dec -> due Mon 4 Jan;
  aware Fri 18 Dec -> SIN due Tue 29 Dec, review complete by Wed 13 Jan;
  aware Mon 21 Dec -> SIN due Wed 30 Dec, review complete by Thu 14 Jan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

REF = "RR-2026-014"
QUORATE = ("--attendee", "la:A Smith", "--attendee", "police:DI Jones", "--attendee", "health:Dr Patel")


def query(rr, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(rr.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def deadlines(rr) -> dict[str, tuple[str, str]]:
    return {d["key"]: (d["due"], d["status"]) for d in rr.json("case", "show", REF)["deadlines"]}


@pytest.fixture
def scoping(rr):
    """A case whose templates went to four agencies on Tuesday 22 December."""
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    for key, partner in (("la", "la"), ("police", "police"), ("health", "health"), ("school", None)):
        extra = ("--partner", partner) if partner else ()
        rr.ok("agency", "add", key, "--name", key.title(), "--email", f"{key}@agency.example", *extra)
    rr.ok("person", "add", "boss", "--name", "Sam Boss", "--email", "boss@lscp.example", "--role", "manager")
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.now = "2026-12-22T10:00"
    rr.ok("scoping", "send", REF, "la", "police", "health", "school")
    return rr


def test_a_return_recorded_for_the_wrong_agency_is_withdrawn_and_shown_beside_the_original(scoping) -> None:
    rr = scoping
    rr.now = "2026-12-29T11:00"
    rr.ok("scoping", "returned", REF, "health")
    assert deadlines(rr)["scoping_returned:health"] == ("2026-12-31", "met")
    out = rr.ok(
        "correct", REF, "scoping-returned", "HEALTH", "--withdraw", "--reason", "it was the school's return"
    )
    assert out.splitlines()[0] == (
        f"{REF}: withdrew the date health returned its scoping template: 2026-12-29 -> (withdrawn). "
        "Now: scoping with agencies."
    )
    assert "  deadline Scoping template returned (health): pending" in out
    rr.ok("scoping", "returned", REF, "school")
    assert deadlines(rr)["scoping_returned:health"] == ("2026-12-31", "pending")
    assert deadlines(rr)["scoping_returned:school"] == ("2026-12-31", "met")

    trail = rr.json("history", REF)
    original = next(r for r in trail if r["action"] == "return_scoping")
    withdrawal = next(r for r in trail if r["action"] == "fact_withdrawn")
    assert original["later"] == [
        {
            "id": withdrawal["id"],
            "action": "fact_withdrawn",
            "actor": "coord",
            "recorded_at": withdrawal["recorded_at"],
            "fact": "scoping-returned",
            "agency": "health",
            "before": "2026-12-29",
            "after": None,
            "reason": "it was the school's return",
        }
    ]
    assert json.loads(withdrawal["details"])["corrects"] == original["id"]
    text_history = rr.ok("history", REF)
    row = next(
        line for line in text_history.splitlines() if "return_scoping" in line and "agency=health" in line
    )
    assert f"scoping-returned withdrawn by coord 2026-12-29 (#{withdrawal['id']})" in row
    assert (
        f"scoping-returned health: 2026-12-29 -> withdrawn (#{original['id']}); it was the school's return"
        in (text_history)
    )
    assert "chain intact" in rr.ok("audit", "verify")


def test_a_corrected_date_moves_its_deadlines_and_reminders_follow_without_resending(scoping) -> None:
    """Planted bug caught: re-materialising the deadlines skipped in the correction (old due dates stay)."""
    rr = scoping
    assert deadlines(rr)["scoping_returned:police"] == ("2026-12-31", "pending")
    rr.now = "2026-12-30T09:30"
    rr.ok("tick")  # the reminder one working day before Thu 31 Dec
    out = rr.ok(
        "correct", REF, "scoping-sent", "police", "--to", "2026-12-23", "--reason", "sent on the 23rd"
    )
    assert "  deadline Scoping template returned (police): due 2027-01-04, was 2026-12-31 (pending)" in out
    assert "  deadline Records secured (police): due 2027-01-04, was 2026-12-31 (pending)" in out
    assert (
        "follows: the scoping request and records-securing instruction sent to police is not sent again"
        in out
    )
    assert deadlines(rr)["scoping_returned:police"] == ("2027-01-04", "pending")
    stored = query(rr, "SELECT due, met_on FROM deadlines WHERE key = 'scoping_returned:police'")
    assert [(str(due), met_on) for due, met_on in stored] == [("2027-01-04", None)]
    rr.now = "2026-12-30T10:00"
    rr.ok("tick")
    rr.now = "2026-12-31T09:30"  # one working day before Mon 4 Jan: the new date's first reminder
    rr.ok("tick")
    sent = query(
        rr,
        "SELECT due, kind, slot FROM notices WHERE deadline_key = 'scoping_returned:police' "
        "ORDER BY fired_at",
    )
    assert [(str(due), kind, slot) for due, kind, slot in sent] == [
        ("2026-12-31", "reminder", 1),
        ("2027-01-04", "reminder", 1),
    ]


def test_a_corrected_awareness_date_recounts_the_sin_and_the_overall_limit(scoping) -> None:
    rr = scoping
    assert deadlines(rr)["sin_notified"] == ("2026-12-29", "pending")
    assert deadlines(rr)["review_complete"] == ("2027-01-13", "pending")
    rr.ok("correct", REF, "aware", "--to", "2026-12-21", "--reason", "the referral was the first we knew")
    assert deadlines(rr)["sin_notified"] == ("2026-12-30", "pending")
    assert deadlines(rr)["review_complete"] == ("2027-01-14", "pending")
    assert rr.json("case", "show", REF)["aware"] == "2026-12-21"


def ics_of(rr, subject_part: str) -> str:
    rows = query(
        rr,
        "SELECT d.path FROM mail_outbox m JOIN mail_attachments a ON a.mail_id = m.id "
        "JOIN documents d ON d.id = a.document_id WHERE m.subject LIKE :s AND d.filename LIKE '%.ics'",
        s=f"%{subject_part}%",
    )
    assert len(rows) == 1, rows
    return Path(rows[0][0]).read_text()


def line(ics: str, name: str) -> str:
    return next(x for x in ics.splitlines() if x.startswith(f"{name}:"))


def test_a_corrected_meeting_date_sends_an_updated_invitation_with_the_old_and_new_date(scoping) -> None:
    rr = scoping
    rr.now = "2026-12-23T10:00"
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    out = rr.ok("correct", REF, "meeting-date", "--to", "2027-01-08", "--reason", "the 7th was a slip")
    assert (
        "follows: an updated invitation goes to everyone invited: moved from 2027-01-07 to 2027-01-08" in out
    )
    assert rr.json("case", "show", REF)["meeting"]["date"] == "2027-01-08"
    first = ics_of(rr, f"Rapid Review {REF}: meeting on Thursday 7 January 2027")
    moved = ics_of(rr, "moved from Thursday 7 January 2027 to Friday 8 January 2027")
    assert line(moved, "UID") == line(first, "UID")
    assert (line(first, "SEQUENCE"), line(moved, "SEQUENCE")) == ("SEQUENCE:0", "SEQUENCE:1")
    assert "METHOD:REQUEST" in moved and "20270108T100000" in moved
    recipients = query(rr, "SELECT to_addrs FROM mail_outbox WHERE subject LIKE '%moved from%'")
    # the partners and every agency asked for information (the school too)
    assert recipients == [
        ("la@agency.example,police@agency.example,health@agency.example,school@agency.example",)
    ]


def test_an_undone_meeting_date_is_cancelled_and_an_earlier_one_comes_back(scoping) -> None:
    rr = scoping
    rr.now = "2026-12-23T10:00"
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    rr.ok("meeting", "schedule", REF, "2027-01-11")
    out = rr.ok("undo", REF, "--reason", "the move was meant for another case")
    assert out.splitlines()[0] == f"{REF}: undid rr meeting schedule of 2026-12-23. Now: meeting scheduled."
    assert "back on 2027-01-07 (not 2027-01-11)" in out
    assert rr.json("case", "show", REF)["meeting"]["date"] == "2027-01-07"
    back = ics_of(rr, "moved from Monday 11 January 2027 to Thursday 7 January 2027")
    assert line(back, "SEQUENCE") == "SEQUENCE:2" and "METHOD:REQUEST" in back
    out = rr.ok("undo", REF, "--reason", "no date agreed yet")
    assert (
        out.splitlines()[0] == f"{REF}: undid rr meeting schedule of 2026-12-23. Now: scoping with agencies."
    )
    assert "a cancellation of the meeting on 2027-01-07 goes to everyone invited" in out
    cancel = ics_of(rr, "meeting on Thursday 7 January 2027 cancelled")
    assert "METHOD:CANCEL" in cancel and "STATUS:CANCELLED" in cancel
    assert line(cancel, "SEQUENCE") == "SEQUENCE:3"
    assert line(cancel, "UID") == line(back, "UID")
    shown = rr.json("case", "show", REF)
    assert (shown["state"], shown["meeting"]) == ("scoping", None)


def test_undo_walks_back_step_by_step_and_never_past_the_opening(scoping) -> None:
    rr = scoping
    rr.ok("sin", "notified", REF)
    rr.ok("records", "secured", REF, "la")
    rr.ok("undo", REF, "--reason", "recorded on the wrong case")
    assert rr.json("case", "show", REF)["agencies"][0]["secured_on"] is None
    rr.ok("undo", REF, "--reason", "the SIN has not gone yet")
    assert rr.json("case", "show", REF)["sin_notified_on"] is None
    out = rr.ok("undo", REF, "--reason", "templates not sent yet")
    assert "not recalled: tell them it was sent in error" in out
    shown = rr.json("case", "show", REF)
    assert (shown["state"], shown["agencies"]) == ("referred", [])
    before = rr.snapshot()
    assert "opening a case cannot be undone" in rr.fails(3, "undo", REF, "--reason", "x")
    assert rr.snapshot() == before
    undone = [
        json.loads(r["details"])["step"] for r in rr.json("history", REF) if r["action"] == "step_undone"
    ]
    assert undone == ["secure_records", "record_sin", "send_scoping"]


def test_a_report_undone_says_the_panel_is_not_recalled(scoping) -> None:
    rr = scoping
    rr.ok("sin", "notified", REF)
    rr.now = "2026-12-23T10:00"
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    rr.now = "2027-01-07T16:00"
    rr.ok("meeting", "held", REF, *QUORATE)
    rr.ok("decide", REF, "no_review", "--rationale", "learning in hand")
    rr.ok("endorse", REF, "--by", "Prof A Chair")
    rr.ok("submit", REF, "--send-draft")
    mails = query(rr, "SELECT count(*) FROM mail_outbox")
    out = rr.ok("undo", REF, "--reason", "the draft went, not the final report")
    assert "follows: the report already sent to the National Panel is not recalled: tell the Panel" in out
    assert rr.json("case", "show", REF)["state"] == "endorsed"
    assert query(rr, "SELECT count(*) FROM mail_outbox") == mails  # nothing re-sent, nothing recalled


@pytest.mark.parametrize(
    ("code", "args", "says"),
    [
        (2, ("correct", REF, "birthday", "--to", "2026-12-22", "--reason", "x"), "'birthday' is not one of"),
        (2, ("correct", REF, "aware", "--to", "2026-12-19"), "Missing option '--reason'"),
        (2, ("correct", REF, "aware", "--to", "2026-12-19", "--reason", " "), "give the reason"),
        (2, ("correct", REF, "aware", "--reason", "x"), "give either --to VALUE or --withdraw"),
        (2, ("correct", REF, "aware", "--to", "18/13/2026", "--reason", "x"), "is not a date"),
        (
            2,
            ("correct", REF, "aware", "--to", "2026-12-22", "--reason", "x"),
            "would be before the partnership",
        ),
        (2, ("correct", REF, "received", "--to", "2027-01-04", "--reason", "x"), "would be in the future"),
        (2, ("correct", REF, "scoping-sent", "--to", "2026-12-23", "--reason", "x"), "name the agency"),
        (2, ("correct", REF, "scoping-sent", "nobody", "--to", "2026-12-23", "--reason", "x"), "never sent"),
        (2, ("correct", REF, "referrer", "--to", "army", "--reason", "x"), "no agency 'army'"),
        (2, ("correct", "RR-NOPE", "aware", "--to", "2026-12-19", "--reason", "x"), "no case 'RR-NOPE'"),
        (3, ("correct", REF, "sin", "--to", "2026-12-22", "--reason", "x"), "not recorded yet"),
        (3, ("correct", REF, "received", "--withdraw", "--reason", "x"), "cannot be withdrawn"),
        (3, ("correct", REF, "scoping-returned", "la", "--withdraw", "--reason", "x"), "nothing to withdraw"),
        (
            3,
            ("correct", REF, "meeting-date", "--to", "2027-01-07", "--reason", "x"),
            "no meeting date in force",
        ),
        (
            2,
            ("correct", REF, "meeting-date", "--to", "9/1/2027", "--reason", "x"),
            "Saturday 2027-01-09 is not a",
        ),
        (3, ("undo", REF, "--reason", "x", "--help-me"), "No such option"),
    ],
)
def test_bad_corrections_are_one_line_and_change_nothing(
    scoping, code: int, args: tuple[str, ...], says: str
) -> None:
    if "meeting-date" in args and code == 2:
        scoping.ok("meeting", "schedule", REF, "2027-01-07")
    before = scoping.snapshot()
    expected = 2 if "--help-me" in args else code
    assert says in scoping.fails(expected, *args)
    assert scoping.snapshot() == before


def test_only_a_coordinator_corrects(scoping) -> None:
    before = scoping.snapshot()
    assert "needs the coordinator role" in scoping.fails(3, "undo", REF, "--reason", "x", user="boss")
    assert "needs the coordinator role" in scoping.fails(
        3, "correct", REF, "aware", "--to", "2026-12-19", "--reason", "x", user="boss"
    )
    assert scoping.snapshot() == before


def test_a_corrected_referral_date_rechecks_the_meeting_arranged_against_the_new_window(scoping) -> None:
    """Planted bug caught: the correction not rechecking the window, which left a meeting outside the
    window with no reason recorded (the rule for setting one is that it needs a reason).

    Received Mon 21 Dec: window Mon 4 Jan to Tue 12 Jan (the procedure's worked example). Corrected to
    Fri 18 Dec: 7 working days on is Thu 31 Dec (25 and 28 Dec are bank holidays), 13 is Mon 11 Jan."""
    rr = scoping
    rr.now = "2026-12-23T10:00"
    rr.ok("meeting", "schedule", REF, "2027-01-12")
    before = rr.snapshot()
    message = rr.fails(2, "correct", REF, "received", "--to", "2026-12-18", "--reason", "typed the 21st")
    assert message == (
        "the meeting on Tuesday 2027-01-12 is outside the meeting window 2026-12-31 to 2027-01-11 counted "
        "from the changed date: give --outside-window-reason R to keep it on that day, or move it into "
        "the window first (rr correct REF meeting-date --to D)"
    )
    assert rr.snapshot() == before

    out = rr.ok(
        "correct",
        REF,
        "received",
        "--to",
        "18/12/2026",
        "--reason",
        "typed the 21st",
        "--outside-window-reason",
        "the only day the police can attend",
    )
    assert (
        "  follows: the meeting on Tuesday 2027-01-12 is outside the meeting window 2026-12-31 to "
        "2027-01-11: the reason is recorded with it; no invitation is sent (its date stays)"
    ) in out
    shown = rr.json("case", "show", REF)
    assert shown["received"] == "2026-12-18"
    assert shown["meeting_window"] == {"earliest": "2026-12-31", "latest": "2027-01-11"}
    assert shown["meeting"]["date"] == "2027-01-12"
    assert shown["meeting"]["outside_window_reason"] == "the only day the police can attend"
    invitations = query(rr, "SELECT count(*) FROM mail_outbox WHERE subject LIKE '%meeting%'")
    assert invitations == [(1,)]  # the first invitation only


def test_a_meeting_inside_both_windows_needs_no_reason_and_a_stray_reason_is_refused(scoping) -> None:
    rr = scoping
    rr.now = "2026-12-23T10:00"
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    before = rr.snapshot()
    assert rr.fails(
        2, "correct", REF, "aware", "--to", "2026-12-21", "--reason", "x", "--outside-window-reason", "y"
    ) == ("--outside-window-reason is for a meeting the change puts outside the window")
    assert rr.snapshot() == before
    out = rr.ok("correct", REF, "received", "--to", "2026-12-18", "--reason", "typed the 21st")
    assert "follows" not in out
    assert rr.json("case", "show", REF)["meeting"]["outside_window_reason"] is None


def test_a_correction_and_an_undo_take_the_day_they_were_made(scoping) -> None:
    """`--on` as on every recording command: the day recorded in the trail; never in the future, and the
    corrected date cannot be later than it. Planted bug caught: the correction dated today regardless."""
    rr = scoping
    rr.now = "2026-12-30T10:00"
    before = rr.snapshot()
    assert rr.fails(
        2, "correct", REF, "aware", "--to", "2026-12-21", "--reason", "x", "--on", "2026-12-31"
    ) == ("2026-12-31 is in the future (today is 2026-12-30)")
    assert rr.fails(
        2,
        "correct",
        REF,
        "scoping-sent",
        "police",
        "--to",
        "2026-12-24",
        "--reason",
        "x",
        "--on",
        "23/12/2026",
    ) == ("2026-12-24 is after the day of the correction (2026-12-23): it cannot be known yet")
    assert rr.snapshot() == before
    rr.ok("correct", REF, "aware", "--to", "2026-12-21", "--reason", "the referral", "--on", "2026-12-23")
    rr.ok("undo", REF, "--reason", "it was the 18th after all", "--on", "2026-12-24")
    trail = {r["action"]: r for r in rr.json("history", REF)}
    assert trail["fact_corrected"]["effective_on"] == "2026-12-23"
    assert trail["step_undone"]["effective_on"] == "2026-12-24"
    assert rr.json("case", "show", REF)["aware"] == "2026-12-18"

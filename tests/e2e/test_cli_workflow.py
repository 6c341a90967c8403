"""The whole Rapid Review procedure through the `rr` command, on SQLite and PostgreSQL (docs/procedure.md).

A training database (`rr init --training`) takes its time from RR_NOW, so a test walks a case over
Christmas 2026 in seconds: the worked example's referral (received Monday 2026-12-21, the partnership aware
since Friday 2026-12-18), scoping, records, the SIN, an inquorate meeting and a quorate one, the
decision, endorsement, the report to the Panel, the outcome, closure. Also the other ways a case goes:
declined, deadlines extended or waived, documents attached, the overdue board.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REF = "RR-2026-014"
RECEIVED = "2026-12-21"  # Monday
AWARE = "2026-12-18"  # Friday
DOCUMENTED_CASE_KEYS = {
    "ref",
    "state",
    "received",
    "aware",
    "referrer",
    "deadlines",
    "meeting_window",
    "meeting",
    "decision",
    "agencies",
    "allowed",
}
DOCUMENTED_DEADLINE_KEYS = {"key", "label", "due", "status", "met_on"}
DOCUMENTED_AGENCY_KEYS = {"key", "sent_on", "returned_on", "secured_on"}
PARTNER_ATTENDEES = ("--attendee", "la:A Smith", "--attendee", "police:DI Jones")
QUORATE_ATTENDEES = (*PARTNER_ATTENDEES, "--attendee", "health:Dr Patel")


# -- helpers ---------------------------------------------------------------------------------------------


def set_up_partnership(rr) -> None:
    """`rr init --training`, the three safeguarding partners and a school, a manager and a chair."""
    rr.now = "2026-12-21T09:00"
    out = rr.ok("init", "--training")
    assert "training database created" in out
    assert "coord is registered as coordinator and admin" in out
    rr.ok(
        "agency", "add", "la", "--name", "Northshire Council", "--email", "mash@la.example", "--partner", "la"
    )
    rr.ok(
        "agency", "add", "police", "--name", "Northshire Police", "--email", "mash@police.example",
        "--partner", "police",
    )  # fmt: skip
    rr.ok(
        "agency", "add", "health", "--name", "Northshire ICB", "--email", "sg@icb.example",
        "--partner", "health",
    )  # fmt: skip
    rr.ok("agency", "add", "school", "--name", "Hill Primary", "--email", "head@school.example")
    rr.ok("person", "add", "boss", "--name", "Sam Boss", "--email", "boss@lscp.example", "--role", "manager")
    rr.ok(
        "person", "add", "chair", "--name", "Prof A Chair", "--email", "chair@lscp.example", "--role", "chair"
    )


def open_case(rr, ref: str = REF, received: str = RECEIVED, aware: str = AWARE) -> str:
    return rr.ok("case", "open", ref, "--received", received, "--aware", aware, "--referrer", "police")


def show(rr, ref: str = REF) -> dict[str, Any]:
    return rr.json("case", "show", ref)


def deadlines(shown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["key"]: d for d in shown["deadlines"]}


def agencies(shown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["key"]: a for a in shown["agencies"]}


def step(rr, *args: str, now: str | None = None) -> dict[str, Any]:
    """Run one recording command (at `now`, if given) and return the case as `rr case show` sees it."""
    if now is not None:
        rr.now = now
    out = rr.ok(*args)
    shown = show(rr)
    assert out.startswith(f"{REF}: "), out
    assert f"Now: {shown['state_label']}." in out, out
    return shown


def to_scoping(rr, ref: str = REF) -> None:
    rr.now = "2026-12-21T10:00"
    open_case(rr, ref)
    rr.now = "2026-12-22T10:00"
    rr.ok("scoping", "send", ref, "la", "police", "health", "school")


@pytest.fixture
def partnership(rr):
    set_up_partnership(rr)
    return rr


# -- setting up --------------------------------------------------------------------------------------------


def test_init_is_idempotent_and_registers_agencies_and_people(partnership) -> None:
    rr = partnership
    assert "training database up to date" in rr.ok("init", "--training")
    listed = {a["key"]: a for a in rr.json("agency", "list")}
    assert {k: a["partner"] for k, a in listed.items()} == {
        "health": "health",
        "la": "la",
        "police": "police",
        "school": None,
    }
    assert listed["police"]["email"] == "mash@police.example"
    people = {p["login"]: p["roles"] for p in rr.json("person", "list")}
    assert people == {"boss": ["manager"], "chair": ["chair"], "coord": ["admin", "coordinator"]}
    # a person may hold several roles: adding one keeps the others
    assert rr.ok(
        "person", "add", "boss", "--name", "Sam Boss", "--email", "b@x.example", "--role", "chair"
    ) == ("boss: chair, manager\n")
    if rr.backend == "sqlite":
        assert stat.S_IMODE((rr.home / "rr.sqlite3").stat().st_mode) == 0o600
        assert stat.S_IMODE(rr.home.stat().st_mode) == 0o700


# -- the whole procedure -----------------------------------------------------------------------------------


def test_whole_procedure_from_referral_to_closure(partnership, tmp_path: Path) -> None:
    rr = partnership

    # 1. Referral: Monday 21 December; aware since Friday 18 December (docs/working-days.md).
    rr.now = "2026-12-21T10:00"
    out = rr.ok(
        "case", "open", REF, "--received", RECEIVED, "--aware", AWARE, "--referrer", "police",
        "--summary", "infant admitted with head injury", "--child-name", "Alex Example",
        "--child-dob", "2025-03-01", "--child-address", "1 High Street",
    )  # fmt: skip
    assert f"{REF}: case opened (referral received Monday 2026-12-21)" in out
    lines = out.splitlines()
    assert any("2026-12-23" in line and "Scoping templates sent" in line for line in lines), out
    assert any("2027-01-12" in line and "window opens 2027-01-04" in line for line in lines), out
    assert any("2027-01-13" in line and "Rapid Review complete" in line for line in lines), out
    assert any("2026-12-29" in line and "Serious Incident Notification" in line for line in lines), out

    shown = show(rr)
    assert shown.keys() >= DOCUMENTED_CASE_KEYS
    assert all(d.keys() >= DOCUMENTED_DEADLINE_KEYS for d in shown["deadlines"])
    assert (shown["ref"], shown["state"], shown["received"], shown["aware"], shown["referrer"]) == (
        REF,
        "referred",
        RECEIVED,
        AWARE,
        "police",
    )
    due = {k: d["due"] for k, d in deadlines(shown).items()}
    assert due == {
        "scoping_sent": "2026-12-23",
        "sin_notified": "2026-12-29",
        "meeting_held": "2027-01-12",
        "review_complete": "2027-01-13",
    }
    assert {d["status"] for d in shown["deadlines"]} == {"pending"}
    assert all(d["met_on"] is None for d in shown["deadlines"])
    assert shown["meeting_window"] == {"earliest": "2027-01-04", "latest": "2027-01-12"}
    assert shown["meeting"] is None
    assert shown["decision"] is None
    assert shown["agencies"] == []
    assert shown["allowed"] == ["sin notified", "scoping send", "decline"]
    # docs/security.md: the case keeps the child's initials and date of birth, not the name or address
    assert shown["child"] == {"initials": "AE", "date_of_birth": "2025-03-01"}
    shown_text = rr.ok("case", "show", REF)
    for personal in ("Alex", "Example", "High Street"):
        assert personal not in json.dumps(shown) and personal not in shown_text

    # 2. Scoping: templates out on Tuesday 22 December, returns due 31 December (5 working days).
    shown = step(rr, "scoping", "send", REF, "la", "police", "health", "school", now="2026-12-22T10:00")
    assert shown["state"] == "scoping"
    assert all(a.keys() >= DOCUMENTED_AGENCY_KEYS for a in shown["agencies"])
    assert [a["key"] for a in shown["agencies"]] == ["la", "police", "health", "school"]
    assert {a["sent_on"] for a in shown["agencies"]} == {"2026-12-22"}
    dl = deadlines(shown)
    assert dl["scoping_sent"]["status"] == "met" and dl["scoping_sent"]["met_on"] == "2026-12-22"
    for agency in ("la", "police", "health", "school"):
        assert dl[f"scoping_returned:{agency}"]["due"] == "2026-12-31"
        assert dl[f"records_secured:{agency}"]["due"] == "2026-12-31"
    assert dl["meeting_date_set"]["due"] == "2026-12-23"
    assert "meeting schedule" in shown["allowed"]

    shown = step(rr, "sin", "notified", REF, "--on", "2026-12-22")
    assert shown["state"] == "scoping"
    assert deadlines(shown)["sin_notified"]["met_on"] == "2026-12-22"
    assert "sin notified" not in shown["allowed"]

    for agency in ("la", "police", "health"):
        shown = step(rr, "records", "secured", REF, agency)
        assert agencies(shown)[agency]["secured_on"] == "2026-12-22"
        assert deadlines(shown)[f"records_secured:{agency}"]["status"] == "met"

    # 3. Meeting date set on Wednesday 23 December, inside the window.
    shown = step(rr, "meeting", "schedule", REF, "2027-01-05", "--time", "10:00", now="2026-12-23T11:00")
    assert shown["state"] == "meeting_scheduled"
    assert shown["meeting"]["date"] == "2027-01-05"
    assert shown["meeting"]["time"] == "10:00"
    assert shown["meeting"]["mode"] == "in_person"
    assert shown["meeting"]["status"] == "scheduled"
    assert deadlines(shown)["meeting_date_set"]["met_on"] == "2026-12-23"

    shown = step(rr, "scoping", "returned", REF, "la", "--on", "2026-12-29", now="2026-12-31T12:00")
    shown = step(rr, "scoping", "returned", REF, "police")
    shown = step(rr, "scoping", "returned", REF, "health")
    dl = deadlines(shown)
    assert dl["scoping_returned:la"]["met_on"] == "2026-12-29"
    assert dl["scoping_returned:police"]["met_on"] == "2026-12-31"
    assert dl["scoping_returned:police"]["status"] == "met"
    assert agencies(shown)["health"]["returned_on"] == "2026-12-31"
    # the school is late: its template and records were due on 31 December
    shown = step(rr, "scoping", "returned", REF, "school", now="2027-01-04T09:30")
    shown = step(rr, "records", "secured", REF, "school")
    dl = deadlines(shown)
    assert (dl["scoping_returned:school"]["status"], dl["scoping_returned:school"]["met_on"]) == (
        "met_late",
        "2027-01-04",
    )
    assert dl["records_secured:school"]["status"] == "met_late"

    # 4. Tuesday 5 January: health does not come, the meeting is inquorate, a new date is set.
    shown = step(rr, "meeting", "inquorate", REF, *PARTNER_ATTENDEES, now="2027-01-05T12:00")
    assert shown["state"] == "inquorate"
    assert shown["meeting"]["status"] == "inquorate"
    assert shown["meeting"]["held_on"] == "2027-01-05"
    assert "meeting schedule" in shown["allowed"]
    assert "meeting held" not in shown["allowed"]
    assert deadlines(shown)["meeting_held"]["status"] not in ("met", "met_late")

    shown = step(rr, "meeting", "schedule", REF, "2027-01-07", "--time", "14:00")
    assert shown["state"] == "meeting_scheduled"
    assert (shown["meeting"]["number"], shown["meeting"]["date"], shown["meeting"]["status"]) == (
        2,
        "2027-01-07",
        "scheduled",
    )

    # 5. Thursday 7 January: quorate; the report to the Panel is due Monday 11 January.
    shown = step(
        rr, "meeting", "held", REF, *QUORATE_ATTENDEES, "--attendee", "school:Head Teacher",
        now="2027-01-07T16:00",
    )  # fmt: skip
    assert shown["state"] == "meeting_held"
    assert shown["meeting"]["status"] == "held"
    assert shown["meeting"]["held_on"] == "2027-01-07"
    assert {a["agency"] for a in shown["meeting"]["attendees"]} == {"la", "police", "health", "school"}
    dl = deadlines(shown)
    assert (dl["meeting_held"]["status"], dl["meeting_held"]["met_on"]) == ("met", "2027-01-07")
    assert dl["panel_submission"]["due"] == "2027-01-11"
    assert dl["outcome_shared"]["due"] == "2027-01-11"
    assert "decide" in shown["allowed"]

    shown = step(
        rr, "decide", REF, "local_cspr", "--rationale", "learning for the local partnership",
        "--action", "la: safety plan for the siblings", "--action", "police: joint visit with health",
    )  # fmt: skip
    assert shown["state"] == "decided"
    decision = shown["decision"]
    assert (decision["outcome"], decision["decided_on"]) == ("local_cspr", "2027-01-07")
    assert decision["rationale"] == "learning for the local partnership"
    assert decision["actions"] == [
        {"owner": "la", "text": "safety plan for the siblings"},
        {"owner": "police", "text": "joint visit with health"},
    ]
    assert "endorse" in shown["allowed"] and "submit" not in shown["allowed"]

    # 6.-7. Friday 8 January: endorsement, report to the Panel, outcome to the agencies.
    shown = step(rr, "endorse", REF, "--by", "Prof A Chair", now="2027-01-08T10:00")
    assert shown["state"] == "endorsed"
    assert (shown["decision"]["endorsed_on"], shown["decision"]["endorsed_by"]) == (
        "2027-01-08",
        "Prof A Chair",
    )

    assert "no finished Rapid Review report" in rr.fails(3, "submit", REF)
    report = tmp_path / "RR-2026-014 report final.docx"
    report.write_bytes(b"PK the partnership's finished report")
    rr.ok("doc", "add", REF, "rapid_review_report", str(report))
    shown = step(rr, "submit", REF)
    assert shown["state"] == "submitted"
    dl = deadlines(shown)
    assert (dl["panel_submission"]["status"], dl["panel_submission"]["met_on"]) == ("met", "2027-01-08")
    assert (dl["review_complete"]["status"], dl["review_complete"]["met_on"]) == ("met", "2027-01-08")
    assert "panel response" in shown["allowed"] and "close" not in shown["allowed"]
    # 9. The Panel's response is expected within 10 working days of the report: Fri 22 January.
    assert (dl["panel_response"]["due"], dl["panel_response"]["status"]) == ("2027-01-22", "pending")

    shown = step(rr, "outcome", "shared", REF)
    assert shown["state"] == "submitted"
    assert deadlines(shown)["outcome_shared"]["met_on"] == "2027-01-08"
    assert "National Panel's response is not recorded" in rr.fails(3, "close", REF)

    # Wednesday 20 January: the Panel does not agree and asks why; the answer is due 10 working days
    # later, Wednesday 3 February.
    shown = step(
        rr, "panel", "response", REF, "--agrees", "no", "--questions", "Why not a national review?",
        now="2027-01-20T10:00",
    )  # fmt: skip
    assert (shown["state"], shown["allowed"]) == (
        "panel_questions",
        ["scoping returned", "records secured", "panel answered"],
    )
    dl = deadlines(shown)
    assert (dl["panel_response"]["status"], dl["panel_response"]["met_on"]) == ("met", "2027-01-20")
    assert (dl["panel_answer"]["due"], dl["panel_answer"]["status"]) == ("2027-02-03", "pending")
    assert shown["panel"] == {
        "response_on": "2027-01-20",
        "agrees": False,
        "questions": "Why not a national review?",
        "answered_on": None,
    }
    assert "before the Panel's response arrived" in rr.fails(
        2, "panel", "answered", REF, "--on", "2027-01-19"
    )
    shown = step(rr, "panel", "answered", REF, now="2027-01-27T10:00")
    assert shown["state"] == "response_handled"
    assert deadlines(shown)["panel_answer"]["met_on"] == "2027-01-27"

    shown = step(rr, "close", REF)
    assert shown["state"] == "closed"
    assert shown["allowed"] == []
    assert {d["status"] for d in shown["deadlines"]} <= {"met", "met_late"}
    assert "nothing (the case is finished)" in rr.ok("case", "show", REF)

    # The audit trail: every step, in order, with who did it and the state before and after.
    trail = rr.json("history", REF)
    steps = [r["action"] for r in trail if r["action"] != "case_viewed"]
    assert steps == [
        "case_opened",
        "send_scoping",
        "record_sin",
        "secure_records",
        "secure_records",
        "secure_records",
        "schedule_meeting",
        "return_scoping",
        "return_scoping",
        "return_scoping",
        "return_scoping",
        "secure_records",
        "record_inquorate",
        "schedule_meeting",
        "hold_meeting",
        "decide",
        "review_opened",  # the local review the decision starts, filed under the case
        "endorse",
        "document_added",  # the finished report
        "submit",
        "share_outcome",
        "record_panel_response",
        "answer_panel",
        "close",
    ]
    assert {r["actor"] for r in trail} == {"coord"}
    assert [(r["from_state"], r["to_state"]) for r in trail if r["action"] == "close"] == [
        ("response_handled", "closed")
    ]
    assert any(r["action"] == "case_viewed" for r in trail)  # docs/security.md: reads are recorded too
    history_text = rr.ok("history", REF)
    for action in ("case_opened", "record_inquorate", "hold_meeting", "endorse", "close"):
        assert action in history_text
    for personal in ("Alex", "High Street"):
        assert personal not in history_text and personal not in json.dumps(trail)

    assert "chain intact" in rr.ok("audit", "verify")
    verified = rr.json("audit", "verify")
    assert verified["ok"] is True and verified["fault"] is None and verified["checked"] > len(steps)

    # The Rapid Review is closed; the local review it decided on keeps the case on the board: decided
    # Thu 2027-01-07, its reviewer is due within 20 working days, Thu 2027-02-04.
    board = rr.json("case", "list")
    assert [(c["ref"], c["state"], c["next_deadline"]["key"], c["next_deadline"]["due"]) for c in board] == [
        (REF, "closed", "reviewer_appointed", "2027-02-04")
    ]
    assert [c["ref"] for c in rr.json("case", "list", "--open")] == [REF]


def test_the_chair_endorses_in_person_without_by(partnership) -> None:
    rr = partnership
    to_scoping(rr)
    rr.ok("sin", "notified", REF)
    rr.now = "2026-12-23T10:00"
    rr.ok("meeting", "schedule", REF, "2027-01-05")
    rr.now = "2027-01-05T15:00"
    rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES)
    rr.ok("decide", REF, "no_review", "--rationale", "learning is already in hand")
    rr.now = "2027-01-06T10:00"
    out = rr.ok("endorse", REF, user="chair")
    assert "Now: outcome endorsed." in out
    shown = show(rr)
    assert (shown["decision"]["endorsed_by"], shown["decision"]["endorsed_on"]) == (
        "Prof A Chair",
        "2027-01-06",
    )
    assert [r["actor"] for r in rr.json("history", REF) if r["action"] == "endorse"] == ["chair"]
    # the manager may read the board and the case, but not record
    assert rr.json("case", "list", user="boss")[0]["ref"] == REF
    assert rr.json("case", "show", REF, user="boss")["state"] == "endorsed"


# -- other ways a case goes --------------------------------------------------------------------------------


def test_declined_referral_closes_the_case(partnership) -> None:
    rr = partnership
    to_scoping(rr)
    shown = step(
        rr, "decline", REF, "--reason", "no abuse or neglect known or suspected", now="2026-12-23T10:00"
    )
    assert shown["state"] == "declined"
    assert shown["allowed"] == []
    assert shown["declined"] == {"on": "2026-12-23", "reason": "no abuse or neglect known or suspected"}
    dl = deadlines(shown)
    assert dl["scoping_sent"]["status"] == "met"  # what was done stays done
    open_before = {k for k, d in dl.items() if k != "scoping_sent"}
    assert {dl[k]["status"] for k in open_before} == {"waived"}
    assert [r["action"] for r in rr.json("history", REF)][-2:] == ["decline", "case_viewed"]
    assert rr.ok("case", "list", "--open") == "no cases\n"
    assert [c["state"] for c in rr.json("case", "list")] == ["declined"]
    assert "declined" in rr.fails(3, "scoping", "send", REF, "la")
    assert rr.ok("audit", "verify").startswith("ok: ")


def test_declined_straight_from_the_referral(partnership) -> None:
    rr = partnership
    rr.now = "2026-12-21T10:00"
    open_case(rr)
    out = rr.ok("decline", REF, "--reason", "child not resident in the area")
    assert out.startswith(f"{REF}: referral declined. Now: declined.")
    shown = show(rr)
    assert shown["state"] == "declined"
    assert {d["status"] for d in shown["deadlines"]} == {"waived"}


def test_extend_keeps_the_original_date_and_waive_records_the_reason(partnership) -> None:
    rr = partnership
    to_scoping(rr)
    rr.now = "2027-01-12T10:00"
    out = rr.ok("extend", REF, "review_complete", "--to", "2027-01-20", "--reason", "agreed with the Panel")
    assert out == f"{REF}: review_complete extended from 2027-01-13 to 2027-01-20\n"
    out = rr.ok("waive", REF, "scoping_returned:school", "--reason", "school had no involvement")
    assert out == f"{REF}: scoping_returned:school waived\n"
    dl = deadlines(show(rr))
    extended = dl["review_complete"]
    assert (extended["status"], extended["due"], extended["original_due"]) == (
        "extended",
        "2027-01-20",
        "2027-01-13",
    )
    assert extended["reason"] == "agreed with the Panel"
    waived = dl["scoping_returned:school"]
    assert (waived["status"], waived["reason"], waived["met_on"]) == (
        "waived",
        "school had no involvement",
        None,
    )
    # extended again: the original date is still the first one
    rr.ok("extend", REF, "review_complete", "--to", "2027-01-22", "--reason", "Panel agreed a second time")
    extended = deadlines(show(rr))["review_complete"]
    assert (extended["due"], extended["original_due"]) == ("2027-01-22", "2027-01-13")
    actions = [r["action"] for r in rr.json("history", REF)]
    assert actions.count("deadline_extended") == 2 and actions.count("deadline_waived") == 1
    assert rr.ok("audit", "verify").startswith("ok: ")


def test_doc_add_stores_the_file_with_its_sha256_readable_by_the_owner_only(
    partnership, tmp_path: Path
) -> None:
    rr = partnership
    rr.now = "2026-12-21T10:00"
    open_case(rr)
    content = b"%PDF-1.4\nserious incident referral form\n\x00\x01\x02binary tail\n"
    source = tmp_path / "referral form.pdf"
    source.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()

    out = rr.ok("doc", "add", REF, "referral_form", str(source))
    assert out == f"{REF}: referral_form stored, sha256 {digest}\n"
    stored = [p for p in (rr.home / "documents").rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert stored[0].read_bytes() == content
    assert stored[0].name.endswith("referral form.pdf")
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(stored[0].parent.stat().st_mode) == 0o700
    assert show(rr)["documents"] == [
        {"kind": "referral_form", "filename": "referral form.pdf", "sha256": digest}
    ]
    added = [r for r in rr.json("history", REF) if r["action"] == "document_added"]
    assert len(added) == 1 and json.loads(added[0]["details"]) == {"kind": "referral_form", "sha256": digest}


def test_case_list_overdue_shows_a_case_once_its_deadline_has_passed(partnership) -> None:
    rr = partnership
    rr.now = "2026-12-21T10:00"
    open_case(rr, "RR-LATE")
    assert rr.ok("case", "list", "--overdue") == "no cases\n"
    assert rr.json("case", "list", "--overdue") == []

    # Thursday 24 December: RR-LATE's templates (due Wednesday 23) have not gone; a new referral has time.
    rr.now = "2026-12-24T10:00"
    open_case(rr, "RR-NEW", received="2026-12-24", aware="2026-12-24")
    board = rr.json("case", "list", "--overdue")
    assert [c["ref"] for c in board] == ["RR-LATE"]
    late = board[0]["next_deadline"]
    assert (late["key"], late["due"], late["status"]) == ("scoping_sent", "2026-12-23", "overdue")
    assert late["working_days_left"] < 0
    assert board[0]["overdue"] >= 1
    text = rr.ok("case", "list", "--overdue")
    assert "RR-LATE" in text and "RR-NEW" not in text and "OVERDUE" in text

    everything = rr.json("case", "list")
    assert [c["ref"] for c in everything] == ["RR-LATE", "RR-NEW"]  # overdue first
    assert everything[1]["next_deadline"]["status"] in ("pending", "due_soon")
    assert everything[1]["overdue"] == 0

    # sending the templates late meets the deadline late, and the case leaves the overdue board
    rr.ok("scoping", "send", "RR-LATE", "la", "police", "health")
    assert deadlines(show(rr, "RR-LATE"))["scoping_sent"]["status"] == "met_late"
    assert "RR-LATE" not in [c["ref"] for c in rr.json("case", "list", "--overdue")]


# -- reading -----------------------------------------------------------------------------------------------


def test_reading_changes_nothing_but_viewing_a_case_is_audited(partnership, db_snapshot) -> None:
    rr = partnership
    to_scoping(rr)
    before = db_snapshot()
    for command in (
        ("case", "list"),
        ("case", "list", "--open", "--json"),
        ("case", "list", "--overdue"),
        ("history", REF),
        ("history", REF, "--json"),
        ("audit", "verify"),
        ("agency", "list"),
        ("person", "list", "--json"),
    ):
        rr.ok(*command)
    rr.ok("case", "list", user="boss")
    assert db_snapshot() == before

    # docs/security.md: every read of a case's details goes into the audit trail, with who read it
    rr.ok("case", "show", REF, user="boss")
    after = db_snapshot()
    changed = {table for table in after if after[table] != before[table]}
    assert changed == {"audit_events"}
    assert len(after["audit_events"]) == len(before["audit_events"]) + 1
    viewed = rr.json("history", REF)[-1]
    assert (viewed["action"], viewed["actor"], viewed["from_state"], viewed["to_state"]) == (
        "case_viewed",
        "boss",
        "scoping",
        "scoping",
    )


def test_the_installed_entry_point_exits_with_one_error_line(partnership) -> None:
    """The same contract through a real process (`python -m rr_workflow`), not only in-process."""
    rr = partnership
    env = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    env.update({k: v for k, v in rr.env().items() if v is not None})
    done = subprocess.run(
        [sys.executable, "-m", "rr_workflow", "case", "show", "RR-NOPE"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "rr: error: no case 'RR-NOPE'\n")
    done = subprocess.run(
        [sys.executable, "-m", "rr_workflow", "agency", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert [a["key"] for a in json.loads(done.stdout)] == ["health", "la", "police", "school"]

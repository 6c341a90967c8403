"""`rr import`: a partnership's register taken over, on SQLite and PostgreSQL (docs/import.md).

On a training database whose clock (RR_NOW) is Monday 2 March 2026, so that "the past" does not move.

Planted bugs, caught:
- the import writing letters for past steps (`record_only` ignored in `_save`): the documents and mail
  outbox of `test_a_register_becomes_the_audited_steps_a_coordinator_would_have_recorded` are not empty;
- open cases not settled (`notices.settle` returning 0 without claiming): the first tick after the import
  sends 4 notices about the past (`test_open_cases_get_their_reminders_and_escalations_from_now_on`);
- the real run committing the rows that passed (commit instead of returning when there are problems):
  `test_the_register_with_20_mistakes...` finds RR-OK-1 in the database.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MISTAKES = REPO / "examples" / "register-mistakes.csv"
SAMPLE = REPO / "examples" / "register-2025.csv"
NOW = "2026-03-02T10:00"  # Monday


@pytest.fixture
def ready(rr):  # -> RRRunner
    """A training database at NOW with the partnership's agencies (the safeguarding partners and a school)."""
    rr.now = NOW
    rr.ok("init", "--training", "--name", "Casey Coordinator", "--email", "casey@lscp.example")
    for key, name, partner in (
        ("la", "Northshire Council", "la"),
        ("police", "Northshire Police", "police"),
        ("health", "Northshire ICB", "health"),
        ("school", "Northshire Primary School", None),
    ):
        rr.ok("agency", "add", key, "--name", name, "--email", f"{key}@agency.example",
              *(("--partner", partner) if partner else ()))  # fmt: skip
    return rr


def write_register(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header, *rows])
    return path


# The 20 mistakes of examples/register-mistakes.csv, found by hand: (row, column) of each.
EXPECTED_MISTAKES = [
    (1, "AA (Remarks)"),  # not a column of the register
    (3, "A (Reference)"),  # no reference
    (4, "B (Received)"),  # 31/02/2026
    (5, "B (Received)"),  # 01/13/2026, month first
    (6, "D (Referrer)"),  # Fire Service is not registered
    (7, "A (Reference)"),  # aware after received (refused when the case is opened)
    (8, "A (Reference)"),  # received in the future
    (9, "A (Reference)"),  # the same reference as row 2
    (10, "E (SIN notified)"),  # "soon"
    (11, "E (SIN notified)"),  # before the partnership became aware
    (12, "J (police returned)"),  # returned before it was sent
    (13, "P (school returned)"),  # the school was never sent the template
    (14, "S (Meeting held)"),  # "maybe"
    (15, "S (Meeting held)"),  # held, with no meeting date
    (16, "S (Meeting held)"),  # no health representative: not quorate
    (17, "T (Attendees)"),  # an attendee from an agency not registered
    (18, "U (Decision)"),  # "partial review" is not an outcome
    (19, "U (Decision)"),  # a decision without a meeting held
    (20, "X (Submitted)"),  # sent to the Panel before the chair endorsed the outcome
    (21, "Z (Closed)"),  # closed before the outcome was shared
]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_the_register_with_20_mistakes_reports_each_one_and_changes_nothing(ready, dry_run: bool) -> None:
    before = ready.snapshot()
    flags = ["--dry-run"] if dry_run else []
    run = ready("import", str(MISTAKES), *flags)
    assert run.code == 2, run
    assert "Traceback" not in run.err
    what = "nothing was changed" if dry_run else "nothing was imported"
    assert run.err == f"rr: error: 20 problems in register-mistakes.csv (listed above): {what}\n"
    lines = [line.strip() for line in run.out.splitlines() if re.match(r"\s*row \d+, column ", line)]
    assert [tuple(re.match(r"row (\d+), column (.+?\)):", line).groups()) for line in lines] == [
        (str(row), column) for row, column in EXPECTED_MISTAKES
    ]
    assert "row 2  RR-OK-1: " + ("would record 16 steps; now closed" if dry_run else "recorded") in run.out
    assert ready.snapshot() == before

    report = json.loads(ready("import", str(MISTAKES), *flags, "--json").out)
    assert [(p["row"], p["column"]) for p in report["problems"]] == EXPECTED_MISTAKES
    assert report["imported"] is False
    assert ready.snapshot() == before


HEADER = ["Reference", "Received", "Aware", "Referrer", "SIN notified", "la sent", "la returned",
          "la secured", "police sent", "police returned", "police secured", "health sent",
          "health returned", "health secured", "Meeting set", "Meeting date", "Meeting time",
          "Meeting held", "Attendees", "Decision", "Rationale", "Endorsed", "Endorsed by", "Submitted",
          "Outcome shared", "Closed"]  # fmt: skip
CLOSED_CASE = ["RR-2026-001", "12/01/2026", "09/01/2026", "Northshire Police", "14/01/2026",
               "13/01/2026", "20/01/2026", "16/01/2026",
               "13/01/2026", "21/01/2026", "16/01/2026",
               "13/01/2026", "19/01/2026", "15/01/2026",
               "14/01/2026", "21/01/2026", "10:00", "yes",
               "la: A Smith; police: DS Jones; health: Dr Patel", "Local CSPR", "learning about sharing",
               "22/01/2026", "Independent Chair", "26/01/2026", "23/01/2026", "28/01/2026"]  # fmt: skip
OPEN_CASE = ["RR-2026-002", "2026-02-23", "", "police", "", "2026-02-24"] + [""] * 20


def test_a_register_becomes_the_audited_steps_a_coordinator_would_have_recorded(ready, tmp_path) -> None:
    register = write_register(tmp_path / "register.csv", HEADER, CLOSED_CASE, OPEN_CASE)
    out = ready.ok("import", str(register))
    assert out.splitlines() == [
        "row 2  RR-2026-001: recorded 16 steps; now closed",
        "row 3  RR-2026-002: recorded 2 steps; now scoping with agencies",
        "imported 2 cases (18 steps) from register.csv: no letters or reminders were sent for past steps; "
        "1 open case has its reminders and escalations from now on",
    ]
    shown = ready.json("case", "show", "RR-2026-001")
    assert shown["state"] == "closed"
    statuses = {d["key"]: (d["due"], d["status"], d["met_on"]) for d in shown["deadlines"]}
    assert statuses == {  # due dates worked out by hand from the working-day rule
        "sin_notified": ("2026-01-16", "met", "2026-01-14"),
        "scoping_sent": ("2026-01-14", "met", "2026-01-13"),
        "meeting_date_set": ("2026-01-14", "met", "2026-01-14"),
        "scoping_returned:la": ("2026-01-20", "met", "2026-01-20"),
        "scoping_returned:police": ("2026-01-20", "met_late", "2026-01-21"),
        "scoping_returned:health": ("2026-01-20", "met", "2026-01-19"),
        "records_secured:la": ("2026-01-20", "met", "2026-01-16"),
        "records_secured:police": ("2026-01-20", "met", "2026-01-16"),
        "records_secured:health": ("2026-01-20", "met", "2026-01-15"),
        "meeting_held": ("2026-01-29", "met", "2026-01-21"),
        "panel_submission": ("2026-01-23", "met_late", "2026-01-26"),
        "outcome_shared": ("2026-01-23", "met", "2026-01-23"),
        "review_complete": ("2026-01-30", "met", "2026-01-26"),
        # the register has no Panel response: the case closed with the reason, its chase waived
        "panel_response": ("2026-02-09", "waived", None),
    }
    trail = ready.json("history", "RR-2026-001")
    steps = [(r["action"], r["effective_on"]) for r in trail if r["action"] != "case_viewed"]
    assert steps == [
        ("case_opened", "2026-01-12"),
        ("send_scoping", "2026-01-13"),
        ("record_sin", "2026-01-14"),
        ("schedule_meeting", "2026-01-14"),
        ("secure_records", "2026-01-15"),
        ("secure_records", "2026-01-16"),
        ("secure_records", "2026-01-16"),
        ("return_scoping", "2026-01-19"),
        ("return_scoping", "2026-01-20"),
        ("return_scoping", "2026-01-21"),
        ("hold_meeting", "2026-01-21"),
        ("decide", "2026-01-21"),
        ("review_opened", "2026-01-21"),  # the local review the decision starts, tracked from now on
        ("endorse", "2026-01-22"),
        ("share_outcome", "2026-01-23"),
        ("submit", "2026-01-26"),
        ("close", "2026-01-28"),
    ]
    assert {r["actor"] for r in trail} == {"coord"}
    assert ready.ok("audit", "verify").endswith("audit rows, chain intact; 2 cases match their trails\n")
    # No letter was written and no mail queued for the past.
    tables = ready.snapshot()
    assert tables["documents"] == [] and tables["mail_outbox"] == []
    assert ready.ok("doc", "list", "RR-2026-001").splitlines()[2:] == []


def test_open_cases_get_their_reminders_and_escalations_from_now_on(ready, tmp_path) -> None:
    """Imported on Mon 2 March 10:00, a case received Mon 23 February, templates sent to la on Tue 24:
    already past (and not sent): the SIN's reminder on its due day (2 March 09:00), the meeting-date
    escalation 2 (due Wed 25 Feb; escalations Thu 26 Feb and Mon 2 March), la's two reminders the day
    before their due date (Tue 3 March). Next, on Tue 3 March 09:00: the SIN's first escalation and la's two
    reminders on the due date."""
    register = write_register(tmp_path / "register.csv", HEADER, OPEN_CASE)
    ready.ok("import", str(register))
    assert ready.ok("tick", "--no-send").startswith("0 notice(s) fired")
    ready.now = "2026-03-03T09:30"
    assert ready.ok("tick", "--no-send").startswith("3 notice(s) fired")
    subjects = sorted(m["subject"] for m in ready.json("outbox", "list"))
    assert subjects == [
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-2026-002: ESCALATION 1: Serious Incident "
        "Notification sent to the National Panel is 1 working day overdue",
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-2026-002: Reminder: Records secured "
        "(Northshire Council) due today",
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-2026-002: Reminder: Scoping template returned "
        "(Northshire Council) due today",
    ]


def test_an_excel_workbook_is_imported_like_the_csv_file(ready, tmp_path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in (CLOSED_CASE, OPEN_CASE):
        workbook.active.append([_cell(value) for value in row])
    workbook.save(tmp_path / "register.xlsx")
    out = ready.ok("import", str(tmp_path / "register.xlsx"))
    assert out.splitlines()[:2] == [
        "row 2  RR-2026-001: recorded 16 steps; now closed",
        "row 3  RR-2026-002: recorded 2 steps; now scoping with agencies",
    ]


def _cell(value: str) -> object:
    """Dates as Excel date cells, the rest as text."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            pass
    return value or None


def test_a_second_import_of_the_same_register_records_nothing(ready, tmp_path) -> None:
    register = write_register(tmp_path / "register.csv", HEADER, CLOSED_CASE, OPEN_CASE)
    ready.ok("import", str(register))
    before = ready.snapshot()
    run = ready("import", str(register))
    assert run.code == 2
    assert "row 2, column A (Reference): case 'RR-2026-001' already exists" in run.out
    assert ready.snapshot() == before


def test_only_a_coordinator_imports(ready, tmp_path) -> None:
    ready.ok(
        "person", "add", "mgr", "--name", "Mo Manager", "--email", "mo@lscp.example", "--role", "manager"
    )
    register = write_register(tmp_path / "register.csv", HEADER, OPEN_CASE)
    message = ready.fails(3, "import", str(register), user="mgr")
    assert message.startswith("this needs the coordinator role")


def test_the_sample_register_is_imported_whole(ready) -> None:
    """examples/register-2025.csv: 24 invented cases of 2025, every one recorded to its end."""
    report = json.loads(ready("import", str(SAMPLE), "--dry-run", "--json").out)
    assert report["problems"] == []
    assert len(report["rows"]) == 24
    assert {r["state"] for r in report["rows"]} == {"closed", "declined"}
    assert date.fromisoformat(min(s["on"] for r in report["rows"] for s in r["steps"])).year == 2025


def test_the_review_a_decision_opened_is_on_the_board_with_its_deadlines(ready, tmp_path) -> None:
    """RR-2026-001's decision (Local CSPR, Wed 21 January 2026) opens a local review: its deadlines, counted
    by hand, are stored with the import (a batch keeps them waiting until it writes the case), and the
    closed case stays on the board for them. Reviewer appointed: 20 working days after the decision, Wed 18
    February (no bank holiday between); the draft report 4 months after it, Thu 21 May; publication 6
    months after it, Tue 21 July, and the final report 7 working days before that, Fri 10 July.
    Planted bug caught: the batch not writing a review's waiting deadlines (no review deadline stored,
    the case off the board)."""
    register = write_register(tmp_path / "register.csv", HEADER, CLOSED_CASE)
    ready.ok("import", str(register))
    review = ready.json("review", "show", "RR-2026-001")
    assert review["state"] == "review_opened"
    assert {d["key"]: d["due"] for d in review["deadlines"]} == {
        "reviewer_appointed": "2026-02-18",
        "draft_report": "2026-05-21",
        "final_report_sent": "2026-07-10",
        "published": "2026-07-21",
    }
    board = {row["ref"]: row for row in ready.json("case", "list")}
    assert board["RR-2026-001"]["state"] == "closed"
    assert board["RR-2026-001"]["next_deadline"]["key"] == "reviewer_appointed"
    assert board["RR-2026-001"]["next_deadline"]["due"] == "2026-02-18"


def test_a_row_refused_after_its_case_was_opened_leaves_the_next_rows_checked(ready, tmp_path) -> None:
    """The first case of a fresh database stores the schedule it is opened under; refused at its last
    step (closed before the outcome was shared), its row is rolled back, schedule and all, and the next
    row's case must store it again. Planted bug caught: a batch remembering the schedule as stored after
    the rollback (the second row fails on the missing schedule instead of being checked)."""
    refused = [*CLOSED_CASE[:24], "", "28/01/2026"]  # never shared, yet closed
    register = write_register(tmp_path / "register.csv", HEADER, refused, OPEN_CASE)
    before = ready.snapshot()
    report = json.loads(ready("import", str(register), "--dry-run", "--json").out)
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(2, "Z (Closed)")]
    assert [r["state"] for r in report["rows"]] == [None, "scoping"]
    assert ready.snapshot() == before

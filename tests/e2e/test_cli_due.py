"""`rr due`: the week across every case, grouped by day, with who acts and the command that records it.

Today (RR_NOW) is Tuesday 29 December 2026. Dates counted by hand (England, no closure days; Christmas
Fri 25 Dec, Boxing Day's substitute Mon 28 Dec, New Year's Day Fri 1 Jan 2027):
- RR-2026-014: received Mon 21 Dec, aware Fri 18 Dec, templates sent Tue 22 Dec to la, police, school.
  SIN due Tue 29 Dec (21, 22, 23, 24, 29); meeting date due Wed 23 Dec (1 after Tue 22 Dec, missed);
  returns and records due Thu 31 Dec (23, 24, 29, 30, 31); meeting window to Tue 12 Jan; review
  complete Wed 13 Jan.
- RR-2026-015: received and aware Wed 23 Dec, nothing done. Templates due Tue 29 Dec (24, 29); SIN due
  Mon 4 Jan (24, 29, 30, 31, 4); meeting window Wed 6 Jan to Thu 14 Jan; review complete Mon 18 Jan.
- `--days 5` from Tue 29 Dec reaches Wed 6 Jan (30, 31, 4, 5, 6); `--days 10` reaches Wed 13 Jan.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_cli_workflow import set_up_partnership

A, B = "RR-2026-014", "RR-2026-015"


@pytest.fixture
def week(rr):
    set_up_partnership(rr)
    rr.now = "2026-12-21T10:00"
    rr.ok("case", "open", A, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.now = "2026-12-23T10:00"
    rr.ok("scoping", "send", A, "la", "police", "school", "--on", "2026-12-22", "--already-sent")
    rr.ok("case", "open", B, "--received", "2026-12-23", "--aware", "2026-12-23", "--referrer", "la")
    rr.now = "2026-12-29T10:00"
    rr.ok("waive", A, "scoping_returned:school", "--reason", "the school had no involvement")
    rr.ok("records", "secured", A, "police")  # met: no longer due
    return rr


def flat(days: list[dict]) -> list[tuple[str, str, str, str, str | None]]:
    return [
        (group["day"], d["ref"], d["key"], d["owner"], d["command"])
        for group in days
        for d in group["deadlines"]
    ]


def test_the_week_grouped_by_day_with_owner_and_command(week) -> None:
    """Planted bugs caught: counting --days in calendar days (4 Jan would fall outside), and showing
    waived or met deadlines."""
    days = week.json("due")
    assert [(g["day"], g["overdue"]) for g in days] == [
        ("2026-12-23", True),
        ("2026-12-29", False),
        ("2026-12-31", False),
        ("2027-01-04", False),
    ]
    assert flat(days) == [
        ("2026-12-23", A, "meeting_date_set", "coordinator", f"rr meeting schedule {A} DATE"),
        ("2026-12-29", A, "sin_notified", "la", f"rr sin notified {A}"),
        ("2026-12-29", B, "scoping_sent", "coordinator", f"rr scoping send {B} AGENCY..."),
        ("2026-12-31", A, "records_secured:la", "la", f"rr records secured {A} la"),
        ("2026-12-31", A, "records_secured:school", "school", f"rr records secured {A} school"),
        ("2026-12-31", A, "scoping_returned:la", "la", f"rr scoping returned {A} la"),
        ("2026-12-31", A, "scoping_returned:police", "police", f"rr scoping returned {A} police"),
        ("2027-01-04", B, "sin_notified", "la", f"rr sin notified {B}"),
    ]
    statuses = {(d["ref"], d["key"]): d["status"] for g in days for d in g["deadlines"]}
    assert statuses[(A, "meeting_date_set")] == "overdue"
    assert statuses[(A, "sin_notified")] == "due_soon"
    assert statuses[(B, "sin_notified")] == "pending"


def test_more_days_fewer_days_and_overdue_only(week) -> None:
    ten = flat(week.json("due", "--days", "10"))
    assert (
        "2027-01-12",
        A,
        "meeting_held",
        "coordinator",
        f"rr meeting held {A} --attendee AGENCY:NAME ...",
    ) in ten
    assert ("2027-01-13", A, "review_complete", "coordinator", f"rr submit {A}") in ten
    assert all(day <= "2027-01-13" for day, *_ in ten)  # B's window closes Thu 14 Jan: not yet
    assert [day for day, *_ in flat(week.json("due", "--days", "0"))] == [
        "2026-12-23",
        "2026-12-29",
        "2026-12-29",
    ]
    assert flat(week.json("due", "--overdue")) == [
        ("2026-12-23", A, "meeting_date_set", "coordinator", f"rr meeting schedule {A} DATE")
    ]


def test_the_text_agenda_names_each_day(week) -> None:
    out = week.ok("due")
    lines = out.splitlines()
    assert lines[0] == "Wednesday 23 December 2026 (OVERDUE)"
    assert "Tuesday 29 December 2026 (today)" in lines
    assert "Thursday 31 December 2026" in lines
    assert "Monday 4 January 2027" in lines
    row = next(line for line in lines if "scoping_returned:police" in line)
    assert row.split()[:1] == [A] and row.rstrip().endswith(f"rr scoping returned {A} police")


def test_nothing_due_and_a_finished_case_shows_nothing(rr) -> None:
    set_up_partnership(rr)
    assert rr.ok("due") == "nothing due\n"
    assert rr.json("due") == []
    rr.now = "2026-12-21T10:00"
    rr.ok("case", "open", A, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.ok("decline", A, "--reason", "no abuse or neglect suspected")
    rr.now = "2027-02-01T10:00"
    assert rr.json("due", "--days", "20") == []

"""Typing as people type: case references and agency keys in any case, a typo answered with the close
matches, and `rr case show` naming each deadline's key, every overdue item and a decline's reason.

Dates counted by hand (England, no closures): received Mon 21 Dec 2026, templates sent Tue 22 Dec;
meeting date due Wed 23 Dec; SIN due Tue 29 Dec (aware Fri 18 Dec: 21, 22, 23, 24, 29); returns due
Thu 31 Dec (23, 24, 29, 30, 31). Today is Tue 5 Jan 2027: meeting date 6 working days overdue (24, 29,
30, 31, 4, 5), SIN 4 (30, 31, 4, 5), returns 2 (4, 5).
"""

from __future__ import annotations

from tests.e2e.test_cli_workflow import set_up_partnership

REF = "RR-2026-014"


def open_case(rr, ref: str = REF) -> None:
    rr.now = "2026-12-21T10:00"
    rr.ok("case", "open", ref, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "POLICE")


def test_case_references_and_agency_keys_match_regardless_of_case(rr) -> None:
    """Planted bug caught: the scoping step taking the keys as typed ("LA" refused as unknown)."""
    set_up_partnership(rr)
    open_case(rr)
    rr.now = "2026-12-22T10:00"
    out = rr.ok("scoping", "send", "rr-2026-014", "LA", "Police", "school")
    assert out.startswith(f"{REF}: scoping template sent")
    rr.ok("scoping", "returned", "Rr-2026-014", "SCHOOL")
    rr.ok("waive", "rr-2026-014", "Records_Secured:School", "--reason", "the school keeps no records")
    shown = rr.json("case", "show", "rr-2026-014")
    assert shown["ref"] == REF
    assert shown["referrer"] == "police"
    assert [a["key"] for a in shown["agencies"]] == ["la", "police", "school"]
    assert {a["key"]: a["returned_on"] for a in shown["agencies"]}["school"] == "2026-12-22"
    statuses = {d["key"]: d["status"] for d in shown["deadlines"]}
    assert statuses["records_secured:school"] == "waived"
    assert [r["action"] for r in rr.json("history", "rr-2026-014")][:2] == ["case_opened", "send_scoping"]
    # the last step undone through a reference typed in lower case (the trail is found all the same)
    rr.ok("undo", "rr-2026-014", "--reason", "the waiver was meant for another case")
    statuses = {d["key"]: d["status"] for d in rr.json("case", "show", REF)["deadlines"]}
    assert statuses["records_secured:school"] != "waived"
    assert {r["case_ref"] for r in rr.json("history", REF)} == {REF}
    # the same reference in another case is the same case
    assert rr.fails(2, "case", "open", "rr-2026-014", "--received", "2026-12-21", "--aware", "2026-12-21",
                    "--referrer", "la") == "case 'rr-2026-014' already exists (as RR-2026-014)"  # fmt: skip
    # and an agency key in another case is the same agency
    assert "agency 'la' already exists" in rr.fails(
        2, "agency", "add", "LA", "--name", "Council", "--email", "x@la.example"
    )


def test_a_typo_in_a_case_reference_suggests_the_close_matches(rr) -> None:
    set_up_partnership(rr)
    open_case(rr)
    open_case(rr, "RR-2026-015")
    open_case(rr, "RR-2025-900")
    before = rr.snapshot()
    message = rr.fails(2, "case", "show", "RR-2026-14")
    assert message == "no case 'RR-2026-14' (did you mean RR-2026-014 or RR-2026-015?)"
    assert "did you mean RR-2026-014" in rr.fails(2, "scoping", "send", "RR-2026-O14", "la")
    assert rr.fails(2, "history", "XYZ") == "no case 'XYZ'"
    assert "did you mean police?" in rr.fails(2, "scoping", "send", REF, "polise")
    assert rr.snapshot() == before


def test_case_show_names_each_deadline_key_and_every_overdue_item(rr) -> None:
    """Planted bug caught: listing only the next overdue deadline (the board's one line)."""
    set_up_partnership(rr)
    open_case(rr)
    rr.now = "2026-12-22T10:00"
    rr.ok("scoping", "send", REF, "la", "police")
    rr.ok("records", "secured", REF, "la")
    rr.ok("records", "secured", REF, "police")
    rr.now = "2027-01-05T10:00"
    shown = rr.json("case", "show", REF)
    assert shown["overdue"] == [
        {"key": "meeting_date_set", "label": "Rapid Review meeting date set", "due": "2026-12-23",
         "working_days_overdue": 6},
        {"key": "sin_notified", "label": "Serious Incident Notification sent to the National Panel",
         "due": "2026-12-29", "working_days_overdue": 4},
        {"key": "scoping_returned:la", "label": "Scoping template returned (la)", "due": "2026-12-31",
         "working_days_overdue": 2},
        {"key": "scoping_returned:police", "label": "Scoping template returned (police)",
         "due": "2026-12-31", "working_days_overdue": 2},
    ]  # fmt: skip
    out = rr.ok("case", "show", REF)
    for line in (
        "OVERDUE: Rapid Review meeting date set (meeting_date_set), due Wed 23 Dec, 6 working days ago",
        "OVERDUE: Scoping template returned (police) (scoping_returned:police), due Thu 31 Dec, "
        "2 working days ago",
    ):
        assert line in out, out
    table = out[out.index("KEY") :].splitlines()
    assert any(row.startswith("records_secured:la ") for row in table), out


def test_case_show_gives_the_decline_reason(rr) -> None:
    set_up_partnership(rr)
    open_case(rr)
    rr.ok("decline", REF, "--reason", "no abuse or neglect known or suspected")
    out = rr.ok("case", "show", REF)
    assert "declined on Monday 21 December 2026: no abuse or neglect known or suspected" in out
    assert "OVERDUE" not in out

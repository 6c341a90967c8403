"""An action recorded done or dropped by mistake, reopened through `rr action reopen` (docs/actions.md), and
the closed case that stays on the open board while its action is overdue, on SQLite and PostgreSQL.

Hand-counted: referral received and the partnership aware Mon 19 Oct 2026; meeting and decision Tue 3
Nov; the immediate action is due 20 working days after the decision, Tue 1 Dec 2026 (no bank holiday
between); overdue from Wed 2 Dec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.test_cli_workflow import QUORATE_ATTENDEES, set_up_partnership

REF = "RR-2026-040"


def closed_case_with_an_action(rr: Any, tmp_path: Path) -> int:
    set_up_partnership(rr)
    rr.now = "2026-10-19T10:00"
    rr.ok("case", "open", REF, "--received", "2026-10-19", "--aware", "2026-10-19", "--referrer", "police")
    rr.now = "2026-10-20T10:00"
    rr.ok("scoping", "send", REF, "la", "police", "health")
    rr.ok("meeting", "schedule", REF, "2026-11-03", "--time", "10:00")
    rr.ok("sin", "notified", REF)
    for agency in ("la", "police", "health"):
        rr.ok("scoping", "returned", REF, agency)
        rr.ok("records", "secured", REF, agency)
    rr.now = "2026-11-03T16:00"
    rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES)
    rr.ok("decide", REF, "no_review", "--rationale", "learning is local", "--action", "la: safety plan")
    rr.now = "2026-11-04T10:00"
    rr.ok("endorse", REF, "--by", "Prof A Chair")
    report = tmp_path / "report.docx"
    report.write_bytes(b"PK the finished report")
    rr.ok("doc", "add", REF, "rapid_review_report", str(report))
    rr.ok("submit", REF)
    rr.ok("outcome", "shared", REF)
    rr.ok("panel", "response", REF, "--agrees", "yes")
    rr.ok("close", REF)
    [action] = rr.json("actions", "list", "--case", REF)
    assert (action["due"], action["status"]) == ("2026-12-01", "open")
    return int(action["id"])


def test_an_action_done_by_mistake_is_reopened_and_its_closed_case_is_back_on_the_board(
    rr: Any, tmp_path: Path
) -> None:
    """Planted bug caught: `rr case list --open` read only the running cases' board rows (the closed case
    with its overdue action missing on Wed 2 Dec)."""
    action = closed_case_with_an_action(rr, tmp_path)
    rr.now = "2026-12-01T17:00"  # due today: not overdue, the closed case is not on the open board
    assert rr.ok("case", "list", "--open").strip() == "no cases"
    rr.now = "2026-12-02T10:00"
    board = rr.ok("case", "list", "--open")
    assert REF in board and f"actions overdue: {REF} (1 action; rr actions list --overdue)" in board
    [row] = rr.json("case", "list", "--open")
    assert (row["ref"], row["state"], row["overdue_actions"]) == (REF, "closed", 1)
    assert REF in rr.ok("due", "--overdue")

    rr.ok("action", "done", str(action), "--evidence", "safety plan agreed")
    assert rr.ok("case", "list", "--open").strip() == "no cases"
    out = rr.ok("action", "reopen", str(action), "--reason", "recorded on the wrong action")
    assert out.strip() == f"action {action}: reopened (was done); open again, due 2026-12-01."
    [again] = rr.json("actions", "list", "--case", REF)
    assert (again["status"], again["done_on"], again["evidence"]) == ("overdue", None, None)
    assert [r["ref"] for r in rr.json("case", "list", "--open")] == [REF]
    history = rr.json("history", REF)
    done_row = next(r for r in history if r["action"] == "action_done")
    assert [(c["action"], c["actor"], c["reason"]) for c in done_row["later"]] == [
        ("action_reopened", "coord", "recorded on the wrong action")
    ]
    table = rr.ok("history", REF)
    assert f"reopened action {action} (was done, #{done_row['id']}); recorded on the wrong action" in table


def test_reopening_an_open_action_or_without_a_reason_is_one_line_and_changes_nothing(
    rr: Any, tmp_path: Path
) -> None:
    action = closed_case_with_an_action(rr, tmp_path)
    rr.now = "2026-11-20T10:00"
    before = len(rr.json("history", REF))
    refused = rr.fails(3, "action", "reopen", str(action), "--reason", "by mistake")
    assert refused.strip() == f"action {action} is open: there is nothing to reopen"
    rr.ok("action", "drop", str(action), "--reason", "the family moved away")
    assert "reason" in rr.fails(2, "action", "reopen", str(action), "--reason", " ")
    assert "in the future" in rr.fails(
        2, "action", "reopen", str(action), "--reason", "by mistake", "--on", "2026-11-21"
    )
    assert len(rr.json("history", REF)) == before + 1  # the drop alone
    [still] = rr.json("actions", "list", "--case", REF)
    assert (still["status"], still["drop_reason"]) == ("dropped", "the family moved away")

"""From referral to a published local review with every action done, through the `rr` command on SQLite and
PostgreSQL: the Rapid Review, the Panel's response (with questions, answered), the immediate action and the
review's recommendation to completion, and the review itself over Christmas to a publication date moved off
a bank holiday. Every due date is counted by hand below (England and Wales bank holidays, no closures).

Rapid Review: referral received and the partnership aware Mon 19 Oct 2026.
- SIN within 5 working days: Mon 26 Oct; templates within 2: Wed 21 Oct; meeting between the 7th and the
  13th working day: Wed 28 Oct to Thu 5 Nov; complete within 15: Mon 9 Nov.
- templates sent Tue 20 Oct: the meeting date within 1 working day, Wed 21 Oct; each return within 5:
  Tue 27 Oct.
- meeting and decision (local CSPR) Tue 3 Nov: the report to the Panel and the outcome within 2 working
  days, Thu 5 Nov; the immediate action within 20 working days of the decision: Tue 1 Dec.
- report to the Panel Thu 5 Nov: its response within 10 working days, Thu 19 Nov; it asks questions on
  Wed 18 Nov: the answer within 10 working days, Wed 2 Dec.
Review (decision Tue 3 Nov): reviewer within 20 working days, Tue 1 Dec; appointed Tue 24 Nov, terms of
reference within 10, Tue 8 Dec; agreed Fri 4 Dec, the first checkpoint 20 working days later over
Christmas (Fri 25 Dec, Boxing Day observed Mon 28 Dec, New Year's Day Fri 1 Jan): Wed 6 Jan 2027; draft
within 4 months: Wed 3 Mar 2027; publication within 6 months: Mon 3 May 2027 is the early May bank
holiday, so Fri 30 Apr 2027; the final report 7 working days before: Wed 21 Apr 2027.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli_workflow import QUORATE_ATTENDEES, set_up_partnership

# The Panel's response and the actions register land beside the reviews; until then there is nothing to run.
pytest.importorskip("rr_workflow.service.actions", reason="the actions register is not in this tree yet")

REF = "RR-2026-031"


def due(rr: Any, *args: str) -> dict[str, str]:
    return {d["key"]: d["due"] for d in rr.json(*args)["deadlines"]}


def test_a_case_goes_from_referral_to_a_published_review_with_every_action_done(
    rr: Any, tmp_path: Path
) -> None:
    set_up_partnership(rr)
    rr.now = "2026-10-19T10:00"
    rr.ok("case", "open", REF, "--received", "2026-10-19", "--aware", "2026-10-19", "--referrer", "police")
    found = due(rr, "case", "show", REF)
    assert (found["sin_notified"], found["scoping_sent"], found["review_complete"]) == (
        "2026-10-26", "2026-10-21", "2026-11-09",
    )  # fmt: skip
    assert rr.json("case", "show", REF)["meeting_window"] == {
        "earliest": "2026-10-28",
        "latest": "2026-11-05",
    }

    rr.now = "2026-10-20T10:00"
    rr.ok("scoping", "send", REF, "la", "police", "health")
    rr.ok("meeting", "schedule", REF, "2026-11-03", "--time", "10:00")
    found = due(rr, "case", "show", REF)
    assert (found["meeting_date_set"], found["scoping_returned:la"]) == ("2026-10-21", "2026-10-27")
    rr.now = "2026-10-22T10:00"
    rr.ok("sin", "notified", REF)
    rr.now = "2026-10-26T10:00"
    for agency in ("la", "police", "health"):
        rr.ok("scoping", "returned", REF, agency)
        rr.ok("records", "secured", REF, agency)
    rr.now = "2026-11-03T16:00"
    rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES)
    rr.ok(
        "decide", REF, "local_cspr", "--rationale", "learning about information sharing",
        "--action", "la: safety plan for the siblings",
    )  # fmt: skip
    found = due(rr, "case", "show", REF)
    assert (found["panel_submission"], found["outcome_shared"]) == ("2026-11-05", "2026-11-05")
    [immediate] = rr.json("actions", "list", "--case", REF)
    assert (immediate["agency"], immediate["due"], immediate["status"]) == ("la", "2026-12-01", "open")

    rr.now = "2026-11-04T10:00"
    rr.ok("endorse", REF, "--by", "Prof A Chair")
    report = tmp_path / "report.docx"
    report.write_bytes(b"PK the finished report")
    rr.ok("doc", "add", REF, "rapid_review_report", str(report))
    rr.now = "2026-11-05T10:00"
    rr.ok("submit", REF)
    rr.ok("outcome", "shared", REF)
    assert due(rr, "case", "show", REF)["panel_response"] == "2026-11-19"

    rr.now = "2026-11-18T10:00"
    rr.ok("panel", "response", REF, "--agrees", "no", "--questions", "why not a national review?")
    assert due(rr, "case", "show", REF)["panel_answer"] == "2026-12-02"
    rr.now = "2026-11-20T10:00"
    rr.ok("action", "done", str(immediate["id"]), "--evidence", "safety plan agreed with the family")
    rr.now = "2026-11-24T10:00"
    rr.ok("review", "appoint", REF, "--reviewer", "Dr A Reviewer")
    assert due(rr, "review", "show", REF)["tor_agreed"] == "2026-12-08"
    rr.now = "2026-11-30T10:00"
    rr.ok("panel", "answered", REF)
    rr.ok("close", REF)
    shown = rr.json("case", "show", REF)
    assert shown["state"] == "closed"
    assert {d["key"]: d["status"] for d in shown["deadlines"]}["panel_response"] == "met"

    rr.now = "2026-12-04T10:00"
    rr.ok("review", "tor-agreed", REF)
    found = due(rr, "review", "show", REF)
    assert (found["checkpoint:1"], found["draft_report"], found["published"], found["final_report_sent"]) == (
        "2027-01-06", "2027-03-03", "2027-04-30", "2027-04-21",
    )  # fmt: skip
    rr.now = "2027-01-05T10:00"
    rr.ok("review", "checkpoint", REF)
    rr.now = "2027-03-01T10:00"
    rr.ok("review", "checkpoint", REF)
    rr.ok("review", "draft", REF)
    rr.now = "2027-04-20T10:00"
    rr.ok("review", "final-sent", REF)
    rr.ok(
        "review", "recommend", REF, "--agency", "police", "--text", "joint training on information sharing",
        "--due", "2027-04-28",
    )  # fmt: skip
    rr.now = "2027-04-27T10:00"
    recommendation = next(a for a in rr.json("actions", "list", "--case", REF) if a["agency"] == "police")
    rr.ok("action", "done", str(recommendation["id"]), "--evidence", "training delivered to 40 officers")
    rr.now = "2027-04-29T10:00"
    rr.ok("review", "published", REF)

    shown = rr.json("review", "show", REF)
    assert shown["state"] == "review_published"
    assert {d["key"]: d["status"] for d in shown["deadlines"]}["published"] == "met"
    actions = rr.json("actions", "list", "--case", REF)
    assert [(a["kind"], a["status"], a["on_time"]) for a in actions] == [
        ("action", "done", True), ("recommendation", "done", True),
    ]  # fmt: skip
    assert rr.json("case", "list", "--open") == []
    assert rr.json("audit", "verify")["ok"] is True

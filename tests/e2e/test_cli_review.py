"""The review that follows a Rapid Review, through the `rr` command on SQLite and PostgreSQL.

Every due date below is counted by hand (England and Wales bank holidays, no closure days):
- decision Tue 2026-11-03 (a local CSPR);
- reviewer appointed within 20 working days: Tue 2026-12-01;
- appointed Tue 2026-11-24, terms of reference within 10 working days: Tue 2026-12-08;
- terms agreed Fri 2026-12-04, first checkpoint 20 working days later, over Christmas (Fri 25 Dec,
  Boxing Day observed Mon 28 Dec, New Year's Day Fri 1 Jan): Wed 2027-01-06;
- checkpoint Tue 2027-01-05, the next: Tue 2027-02-02; checkpoint Mon 2027-02-01, the next: Mon 2027-03-01;
  checkpoint Mon 2027-03-01, the next over Easter (Good Friday 26 Mar, Easter Monday 29 Mar): Wed 2027-03-31;
  checkpoint Tue 2027-03-30, the next: Tue 2027-04-27, gone once the final report went to the Panel;
- draft report within 4 months: Wed 2027-03-03;
- publication within 6 months: Mon 2027-05-03, the early May bank holiday, so the working day before it,
  Fri 2027-04-30 (the schedule moves a month date that is not a working day to the previous one);
- the final report to the Panel 7 working days before publication: Wed 2027-04-21;
- final report sent Tue 2027-04-20: publication no sooner than 7 working days later, Thu 2027-04-29.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.test_cli_workflow import QUORATE_ATTENDEES, set_up_partnership

REF = "RR-2026-030"


def decided_case(rr: Any, ref: str = REF, outcome: str = "local_cspr") -> None:
    """A case referred Mon 2026-10-19 whose meeting on Tue 2026-11-03 decides `outcome`."""
    set_up_partnership(rr)
    rr.now = "2026-11-03T17:00"
    rr.ok("case", "open", ref, "--received", "2026-10-19", "--aware", "2026-10-19", "--referrer", "police")
    rr.ok("scoping", "send", ref, "la", "police", "health", "--on", "2026-10-20")
    rr.ok("meeting", "schedule", ref, "2026-11-03", "--on", "2026-10-20")
    rr.ok("meeting", "held", ref, *QUORATE_ATTENDEES, "--on", "2026-11-03")
    rr.ok("decide", ref, outcome, "--rationale", "learning for the partnership", "--on", "2026-11-03")


def review_deadlines(rr: Any, ref: str = REF) -> dict[str, dict[str, Any]]:
    return {d["key"]: d for d in rr.json("review", "show", ref)["deadlines"]}


def test_a_local_review_runs_from_the_decision_to_publication(rr: Any) -> None:
    decided_case(rr)
    shown = rr.json("review", "show", REF)
    opened = (shown["kind"], shown["state"], shown["decided_on"])
    assert opened == ("local_cspr", "review_opened", "2026-11-03")
    due = {k: d["due"] for k, d in review_deadlines(rr).items()}
    assert due == {
        "reviewer_appointed": "2026-12-01",
        "draft_report": "2027-03-03",
        "published": "2027-04-30",
        "final_report_sent": "2027-04-21",
    }
    assert shown["allowed"] == ["review appoint", "review not-published"]

    rr.now = "2026-11-24T10:00"
    rr.ok("review", "appoint", REF, "--reviewer", "Dr A Reviewer")
    assert review_deadlines(rr)["tor_agreed"]["due"] == "2026-12-08"
    rr.now = "2026-12-04T10:00"
    rr.ok("review", "tor-agreed", REF)
    assert review_deadlines(rr)["checkpoint:1"]["due"] == "2027-01-06"  # over Christmas
    # The week ahead and the board show the review beside the Rapid Review.
    agenda = {d["key"]: d for day in rr.json("due", "--days", "25") for d in day["deadlines"]}
    assert agenda["checkpoint:1"]["due"] == "2027-01-06"
    assert agenda["checkpoint:1"]["command"] == f"rr review checkpoint {REF}"
    board = rr.json("case", "list")
    assert [(c["ref"], c["review"]["state"]) for c in board] == [(REF, "review_underway")]
    rr.now = "2027-01-05T10:00"
    rr.ok("review", "checkpoint", REF, "--note", "on time; family met")
    assert review_deadlines(rr)["checkpoint:2"]["due"] == "2027-02-02"
    rr.now = "2027-02-01T10:00"
    rr.ok("review", "checkpoint", REF)
    assert review_deadlines(rr)["checkpoint:3"]["due"] == "2027-03-01"
    rr.now = "2027-03-01T10:00"
    rr.ok("review", "checkpoint", REF)
    rr.ok("review", "draft", REF)
    found = review_deadlines(rr)
    assert found["checkpoint:4"]["due"] == "2027-03-31"  # over Easter
    assert (found["draft_report"]["status"], found["draft_report"]["met_on"]) == ("met", "2027-03-01")

    rr.now = "2027-03-30T10:00"
    rr.ok("review", "checkpoint", REF)
    assert review_deadlines(rr)["checkpoint:5"]["due"] == "2027-04-27"
    rr.now = "2027-04-20T10:00"
    rr.ok("review", "final-sent", REF)
    found = review_deadlines(rr)
    assert "checkpoint:5" not in found and found["checkpoint:4"]["status"] == "met"  # none after the report
    assert found["final_report_sent"]["status"] == "met"

    rr.now = "2027-04-28T10:00"
    refused = rr.fails(3, "review", "published", REF)
    assert "publish on 2027-04-29 or later" in refused
    rr.now = "2027-04-29T10:00"
    out = rr.ok("review", "published", REF)
    assert "Now: published" in out and "met late" not in out
    shown = rr.json("review", "show", REF)
    assert shown["state"] == "review_published" and shown["published_on"] == "2027-04-29"
    assert {d["key"]: d["status"] for d in shown["deadlines"]}["published"] == "met"
    assert shown["allowed"] == []

    # The review's letters: its terms of reference to each safeguarding partner, the notice to the Panel.
    documents = [d["kind"] for d in rr.json("case", "show", REF)["documents"]]
    assert documents.count("review_terms_of_reference") == 3
    assert documents.count("review_panel_notice") == 1
    trail = [r["action"] for r in rr.json("history", REF) if r["action"].startswith("review_")]
    assert trail == [
        "review_opened", "review_appoint", "review_agree_tor", "review_checkpoint", "review_checkpoint",
        "review_checkpoint", "review_receive_draft", "review_checkpoint", "review_send_final",
        "review_publish",
    ]  # fmt: skip
    verified = rr.json("audit", "verify")
    assert verified["ok"] is True


def test_a_corrected_decision_date_moves_the_review_and_the_decision_cannot_be_undone(rr: Any) -> None:
    """Decided Tue 3 Nov 2026 by mistake for Wed 4 Nov: the reviewer is then due within 20 working days of
    Wed 4 Nov (Wed 2 Dec 2026) and publication within 6 months (Tue 4 May 2027, a working day)."""
    decided_case(rr)
    rr.now = "2026-11-05T10:00"
    refused = rr.fails(3, "undo", REF, "--reason", "wrong outcome")
    assert "opened the review that follows" in refused
    rr.ok("correct", REF, "decided", "--to", "2026-11-04", "--reason", "typed the wrong day")
    shown = rr.json("review", "show", REF)
    due = {d["key"]: d["due"] for d in shown["deadlines"]}
    assert shown["decided_on"] == "2026-11-04"
    assert (due["reviewer_appointed"], due["published"]) == ("2026-12-02", "2027-05-04")
    assert rr.json("audit", "verify")["ok"] is True


def test_a_delayed_review_is_late_against_its_original_date(rr: Any) -> None:
    """Criminal proceedings: publication extended from Fri 30 Apr to Thu 30 Sep 2027, then published on
    Mon 20 Sep: met late against the original date; the final report's date follows the new one (7 working
    days before Thu 30 Sep: Tue 21 Sep)."""
    decided_case(rr)
    rr.now = "2027-03-01T10:00"
    rr.ok("review", "extend", REF, "--to", "2027-09-30", "--reason", "criminal proceedings")
    found = review_deadlines(rr)
    assert (found["published"]["due"], found["published"]["original_due"]) == ("2027-09-30", "2027-04-30")
    assert (found["published"]["status"], found["final_report_sent"]["due"]) == ("extended", "2027-09-21")
    for step, day in (("appoint", "2027-03-02"), ("tor-agreed", "2027-03-03"), ("draft", "2027-06-01"),
                      ("final-sent", "2027-09-08"), ("published", "2027-09-20")):  # fmt: skip
        rr.now = f"{day}T10:00"
        rr.ok("review", step, REF, *(("--reviewer", "Dr A Reviewer") if step == "appoint" else ()))
    listed = rr.json("review", "list")
    assert [
        (r["publication_due"], r["publication_original_due"], r["publication_status"]) for r in listed
    ] == [("2027-09-30", "2027-04-30", "met_late")]
    refused = rr.fails(3, "review", "checkpoint", REF)
    assert "allowed now: nothing (the review is finished)" in refused

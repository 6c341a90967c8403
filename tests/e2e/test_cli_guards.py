"""Guards people expect: a meeting on a weekend or bank holiday needs a reason, a case does not close
with deadlines still open unless they are waived with a reason, and the demonstration ends clean.

Dates counted by hand (England, no closures): referral received Mon 21 Dec 2026, so the meeting window
is Mon 4 Jan to Tue 12 Jan 2027 (22, 23, 24, 29, 30, 31 Dec, then Mon 4 Jan is the 7th working day;
New Year's Day Fri 1 Jan is a bank holiday); Sat 9 Jan is inside the window, Fri 1 Jan outside it.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_cli_workflow import QUORATE_ATTENDEES, set_up_partnership

REF = "RR-2026-060"


@pytest.fixture
def scoping(rr):
    set_up_partnership(rr)
    rr.now = "2026-12-22T10:00"
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.ok("scoping", "send", REF, "la", "police", "health", "school")
    return rr


def test_a_meeting_on_a_weekend_or_bank_holiday_needs_a_reason(scoping) -> None:
    """Planted bug caught: checking the window only (Sat 9 Jan is inside it)."""
    rr = scoping
    before = rr.snapshot()
    assert rr.fails(2, "meeting", "schedule", REF, "2027-01-09") == (
        "Saturday 2027-01-09 is not a working day (a weekend): give --non-working-day-reason to record why"
    )
    message = rr.fails(
        2, "meeting", "schedule", REF, "2027-01-01", "--outside-window-reason", "the chair is away after"
    )
    assert message == (
        "Friday 2027-01-01 is not a working day (New Year's Day): give --non-working-day-reason to record why"
    )
    assert rr.snapshot() == before
    out = rr.ok(
        "meeting",
        "schedule",
        REF,
        "09/01/2027",
        "--non-working-day-reason",
        "the only day all partners can meet",
    )
    assert out.startswith(f"{REF}: meeting set for Saturday 9 January 2027. Now: meeting scheduled.")
    meeting = rr.json("case", "show", REF)["meeting"]
    assert meeting["date"] == "2027-01-09"
    assert meeting["non_working_day_reason"] == "the only day all partners can meet"
    # a working day needs none, and the reason does not carry over to a new date
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    assert rr.json("case", "show", REF)["meeting"]["non_working_day_reason"] is None


def _to_outcome_shared(rr) -> None:
    """Everything done but the school's records (due Thu 31 Dec: 23, 24, 29, 30, 31)."""
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    rr.ok("sin", "notified", REF)
    rr.now = "2026-12-30T10:00"
    for agency in ("la", "police", "health", "school"):
        rr.ok("scoping", "returned", REF, agency)
    for agency in ("la", "police", "health"):
        rr.ok("records", "secured", REF, agency)
    rr.now = "2027-01-07T15:00"
    rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES)
    rr.ok("decide", REF, "no_review", "--rationale", "learning is single-agency")
    rr.ok("endorse", REF, "--by", "Prof A Chair")
    rr.ok("submit", REF, "--send-draft")
    rr.ok("outcome", "shared", REF)
    rr.ok("panel", "response", REF, "--agrees", "yes")


def test_a_case_does_not_close_with_a_deadline_open_unless_waived_with_a_reason(scoping) -> None:
    """Planted bug caught: closing anyway, which left a closed case showing "Records secured (school)"
    overdue for ever (a closed case's deadlines can no longer be waived)."""
    rr = scoping
    _to_outcome_shared(rr)
    rr.now = "2027-01-08T10:00"
    before = rr.snapshot()
    message = rr.fails(3, "close", REF)
    assert message == (
        "the case cannot close with deadlines open: records_secured:school (Records secured (school), "
        "due 2026-12-31); record them, or waive them: rr close RR-2026-060 --waive-open REASON"
    )
    assert rr.snapshot() == before
    assert "needs its reason" in rr.fails(2, "close", REF, "--waive-open", " ")
    out = rr.ok("close", REF, "--waive-open", "the school holds no records about the family")
    assert out.startswith(f"{REF}: case closed. Now: closed.")
    shown = rr.json("case", "show", REF)
    school = next(d for d in shown["deadlines"] if d["key"] == "records_secured:school")
    assert school["status"] == "waived"
    assert shown["overdue"] == []


def test_a_case_with_every_deadline_met_or_waived_closes(scoping) -> None:
    rr = scoping
    _to_outcome_shared(rr)
    rr.ok("waive", REF, "records_secured:school", "--reason", "the school holds no records")
    rr.ok("close", REF)
    assert rr.json("case", "show", REF)["state"] == "closed"


def test_the_demo_ends_with_a_closed_case_and_nothing_overdue(tmp_path, rr) -> None:
    out = rr.ok("demo", "--keep", str(tmp_path / "demo"))
    finished = out[out.index("RR-DEMO-1 finished: closed") :]
    school = next(line for line in finished.splitlines() if line.startswith("Records secured (school)"))
    assert school.split()[-1] == "waived", school
    assert "overdue" not in finished, finished


def test_submit_without_the_panels_address_says_nothing_was_sent_and_what_to_set(scoping, tmp_path) -> None:
    """A partnership that has not set the National Panel's e-mail address: its profile loads, `rr settings`
    says it is missing, `rr submit` is refused in one line naming the setting and the file, nothing is
    recorded or queued, and the case still shows the report as not sent. Planted bugs caught: the profile
    refusing to load without it (every command failed); submit recording the step with a mail to nobody."""
    rr = scoping
    profile = tmp_path / "partnership.toml"
    text = rr.profile.read_text(encoding="utf-8")
    profile.write_text(text.replace('email = "panel@panel.example"\n', ""), encoding="utf-8")
    rr.profile = profile
    _to_outcome_shared_ready(rr)
    assert "no e-mail address set" in rr.ok("settings", "show")
    assert "warning: panel.email is not set" in rr.ok("settings", "check")
    before = rr.snapshot()
    assert rr.fails(3, "submit", REF, "--send-draft") == (
        "nothing was sent: the National Panel's e-mail address is not set; set `email` under [panel] in "
        f"the partnership profile ({profile}; rr settings show), then run rr submit again"
    )
    assert rr.snapshot() == before
    shown = rr.json("case", "show", REF)
    assert shown["state"] == "endorsed"
    submission = next(d for d in shown["deadlines"] if d["key"] == "panel_submission")
    assert submission["met_on"] is None

    profile.write_text(text, encoding="utf-8")  # the address set: the same command goes through
    assert rr.ok("submit", REF, "--send-draft").startswith(f"{REF}: report sent to the National Panel")
    assert rr.json("case", "show", REF)["state"] == "submitted"


def _to_outcome_shared_ready(rr) -> None:
    """The case endorsed, its report ready to go (the steps of `_to_outcome_shared` before submit)."""
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    rr.ok("sin", "notified", REF)
    rr.now = "2027-01-07T15:00"
    rr.ok("meeting", "held", REF, *QUORATE_ATTENDEES)
    rr.ok("decide", REF, "no_review", "--rationale", "learning is single-agency")
    rr.ok("endorse", REF, "--by", "Prof A Chair")

"""The case aggregate read back (rr_workflow/domain/case.py): milestones, deviations, the latest date,
waiving what is open, and what is safe to log. Every expected value is written out."""

from __future__ import annotations

from datetime import date, time

import pytest

from rr_workflow.domain.case import (
    Case,
    ChildDetails,
    ChildIdentity,
    Involvement,
    Meeting,
    RecordedDeviation,
)
from rr_workflow.domain.deadlines import Deadline, Deviation

RECEIVED = date(2026, 12, 21)
AWARE = date(2026, 12, 18)


def new_case() -> Case:
    return Case("RR-1", RECEIVED, AWARE, "police", "2026.1", child=ChildDetails("Ann Lee", "1 Elm Row"))


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Ann Lee", "AL"),
        ("ann-marie o'neil smith", "AMOS"),
        ("  Zoë   Ávila ", "ZÁ"),
        ("", ""),
    ],
)
def test_initials_of_a_name(name: str, initials: str) -> None:
    """Planted bug caught: hyphenated names giving one initial, or initials left lower case."""
    assert ChildIdentity.initials_of(name) == initials


def test_child_details_keep_what_was_given() -> None:
    child = ChildDetails("Ann Lee", "1 Elm Row")
    assert (child.name, child.address) == ("Ann Lee", "1 Elm Row")


def test_a_recorded_deviation_is_an_extension_or_a_waiver() -> None:
    extended = RecordedDeviation("scoping_sent", "agreed", date(2027, 1, 4), date(2026, 12, 22))
    waived = RecordedDeviation("sin_notified", "not needed", None, date(2026, 12, 23))
    assert (extended.deadline_key, extended.reason, extended.extended_to, extended.recorded_on) == (
        "scoping_sent",
        "agreed",
        date(2027, 1, 4),
        date(2026, 12, 22),
    )
    assert (extended.kind, waived.kind) == ("extended", "waived")


def test_deviations_are_in_the_order_they_were_recorded_then_entered() -> None:
    """Planted bug caught: sorting by the order entered alone (a back-dated record would come last)."""
    case = new_case()
    case.deviations = [
        RecordedDeviation("a", "second", None, date(2026, 12, 23)),
        RecordedDeviation("b", "first", date(2027, 1, 4), date(2026, 12, 22)),
        RecordedDeviation("c", "third", None, date(2026, 12, 23)),
    ]
    assert case.deadline_deviations() == [
        Deviation("b", "first", date(2027, 1, 4)),
        Deviation("a", "second", None),
        Deviation("c", "third", None),
    ]


def test_milestones_of_a_new_case_are_its_referral_and_awareness() -> None:
    milestones = new_case().milestones()
    assert milestones.case == {"referral_received": RECEIVED, "aware": AWARE}
    assert milestones.agencies == {}


def test_milestones_carry_every_recorded_fact() -> None:
    case = new_case()
    case.sin_notified_on = date(2026, 12, 22)
    la, police = Involvement("la", date(2026, 12, 22)), Involvement("police", date(2026, 12, 23))
    la.returned_on, la.secured_on = date(2026, 12, 29), date(2026, 12, 24)
    case.involvements = [la, police]
    case.meeting_date_set_on = date(2026, 12, 23)
    meeting = Meeting(1, date(2027, 1, 5), time(10), "in_person", None, None, date(2026, 12, 23))
    meeting.status, meeting.held_on = Meeting.HELD, date(2027, 1, 5)
    case.meetings = [meeting]
    case.decided_on, case.endorsed_on = date(2027, 1, 5), date(2027, 1, 6)
    case.submitted_on, case.outcome_shared_on = date(2027, 1, 7), date(2027, 1, 8)
    case.declined_on = date(2027, 1, 11)  # stands in for the closing date when there is no closure
    milestones = case.milestones()
    assert milestones.case == {
        "referral_received": RECEIVED,
        "aware": AWARE,
        "sin_notified": date(2026, 12, 22),
        "scoping_sent": date(2026, 12, 22),  # the first agency's
        "meeting_date_set": date(2026, 12, 23),
        "meeting_held": date(2027, 1, 5),
        "decision_made": date(2027, 1, 5),
        "endorsed": date(2027, 1, 6),
        "panel_submission": date(2027, 1, 7),
        "outcome_shared": date(2027, 1, 8),
        "closed": date(2027, 1, 11),
    }
    assert milestones.agencies == {
        "la": {
            "scoping_sent": date(2026, 12, 22),
            "scoping_returned": date(2026, 12, 29),
            "records_secured": date(2026, 12, 24),
        },
        "police": {"scoping_sent": date(2026, 12, 23)},
    }
    case.closed_on = date(2027, 1, 12)
    assert case.milestones().case["closed"] == date(2027, 1, 12)


def test_the_latest_date_counts_agencies_and_meeting_dates_set() -> None:
    """Planted bug caught: `min` instead of `max`, or agency dates left out."""
    case = new_case()
    assert case.latest_date() == RECEIVED
    police = Involvement("police", date(2026, 12, 22))
    police.returned_on = date(2026, 12, 30)
    case.involvements = [police]
    assert case.latest_date() == date(2026, 12, 30)
    case.meetings = [Meeting(1, date(2027, 1, 5), None, "in_person", None, None, date(2027, 1, 4))]
    assert case.latest_date() == date(2027, 1, 4)  # the day the date was set, not the meeting's date


def deadline(key: str, status: str) -> Deadline:
    day = date(2026, 12, 23)
    return Deadline(key, key, key, None, "coordinator", RECEIVED, day, day, None, day, None, status)


def test_waiving_open_deadlines_leaves_closed_ones_alone() -> None:
    """Planted bug caught: a met deadline waived too (it would then no longer count as met)."""
    case = new_case()
    deadlines = [
        deadline("pending", "pending"),
        deadline("due_soon", "due_soon"),
        deadline("overdue", "overdue"),
        deadline("extended", "extended"),
        deadline("met", "met"),
        deadline("met_late", "met_late"),
        deadline("waived", "waived"),
    ]
    case.waive_open(deadlines, "referral declined", date(2026, 12, 24))
    assert [(d.deadline_key, d.reason, d.extended_to, d.recorded_on) for d in case.deviations] == [
        ("pending", "referral declined", None, date(2026, 12, 24)),
        ("due_soon", "referral declined", None, date(2026, 12, 24)),
        ("overdue", "referral declined", None, date(2026, 12, 24)),
        ("extended", "referral declined", None, date(2026, 12, 24)),
    ]


def test_what_a_case_says_about_itself_in_logs_holds_no_personal_data() -> None:
    case = new_case()
    case.state = "scoping"
    assert case.describe() == {"ref": "RR-1", "state": "scoping"}

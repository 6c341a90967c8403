"""What a case must still say after a correction (`corrections.problems`): every contradiction between its
dates, one rule at a time, each in the words a coordinator reads when a correction is refused.

Each test starts from one consistent case (recorded_case.py: referral on Monday 21 December 2026, the
meeting held on 7 January 2027, closed on 12 January) and breaks one rule by hand; the expected message
is written out.
Planted bugs these catch: a rule left out or comparing the wrong dates, a message naming the wrong step
or date, an equal date counted as a contradiction, a superseded meeting date still checked, the decision
compared with the first meeting held instead of the last, the report checked against the decision when
an endorsement exists (or not at all when there is none).
"""

from __future__ import annotations

from datetime import date

import pytest
from recorded_case import closed_case, just_opened, meeting

from rr_workflow.domain.case import Case, Involvement, Meeting
from rr_workflow.domain.corrections import problems

TODAY = date(2027, 1, 15)
FUTURE = date(2027, 2, 1)


def consistent() -> Case:
    return closed_case()


def test_a_consistent_case_has_no_problem() -> None:
    assert problems(consistent(), TODAY) == []
    assert problems(just_opened(), TODAY) == []


def test_a_fact_recorded_for_today_is_not_in_the_future() -> None:
    """Planted bug caught: `day >= today` (a step recorded on the day it happened refused)."""
    assert problems(consistent(), date(2027, 1, 12)) == []
    case = just_opened()
    case.sin_notified_on = TODAY
    assert problems(case, TODAY) == []


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("received", "the referral"),
        ("sin_notified_on", "the SIN"),
        ("decided_on", "the decision"),
        ("endorsed_on", "the endorsement"),
        ("submitted_on", "the report to the Panel"),
        ("outcome_shared_on", "sharing the outcome"),
        ("meeting_date_set_on", "setting the meeting date"),
        # Planted: either Panel label changed or in lower case (mutation run, 26 Nov 2026).
        ("panel_response_on", "the Panel's response"),
        ("panel_answered_on", "the answer to the Panel"),
    ],
)
def test_each_case_date_in_the_future_is_named(field: str, label: str) -> None:
    case = just_opened()
    setattr(case, field, FUTURE)
    assert problems(case, TODAY) == [f"{label} (2027-02-01) would be in the future (today is 2027-01-15)"]


def test_awareness_in_the_future_is_named_and_puts_it_after_the_referral() -> None:
    case = just_opened()
    case.aware = FUTURE
    assert problems(case, TODAY) == [
        "awareness (2027-02-01) would be in the future (today is 2027-01-15)",
        "the referral (2026-12-21) would be before the partnership became aware (2027-02-01)",
    ]


@pytest.mark.parametrize(
    ("field", "label"),
    [("sent_on", "a template"), ("returned_on", "a return"), ("secured_on", "records secured")],
)
def test_each_agency_date_in_the_future_is_named(field: str, label: str) -> None:
    case = just_opened()
    la = Involvement("la", date(2026, 12, 22))
    setattr(la, field, FUTURE)
    case.involvements = [la]
    assert problems(case, TODAY) == [f"{label} (2027-02-01) would be in the future (today is 2027-01-15)"]


def test_a_meeting_held_in_the_future_is_named() -> None:
    case = just_opened()
    case.meetings = [meeting(1, FUTURE, held_on=FUTURE)]
    assert problems(case, TODAY) == ["the meeting (2027-02-01) would be in the future (today is 2027-01-15)"]


def broken(**changes: object) -> Case:
    case = consistent()
    for name, value in changes.items():
        target = case.involvements[0] if name.startswith("la_") else case
        setattr(target, name.removeprefix("la_"), value)
    return case


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"received": date(2026, 12, 17)},
            "the referral (2026-12-17) would be before the partnership became aware (2026-12-18)",
        ),
        (
            {"sin_notified_on": date(2026, 12, 17)},
            "the SIN (2026-12-17) would be before the partnership became aware (2026-12-18)",
        ),
        (
            {"la_sent_on": date(2026, 12, 20), "la_secured_on": date(2026, 12, 21)},
            "the template to la (2026-12-20) would be before the referral was received (2026-12-21)",
        ),
        (
            {"la_returned_on": date(2026, 12, 21)},
            "la's return (2026-12-21) would be before its template was sent (2026-12-22)",
        ),
        (
            {"la_secured_on": date(2026, 12, 21)},
            "la's records secured (2026-12-21) would be before its template was sent (2026-12-22)",
        ),
        (
            {"meeting_date_set_on": date(2026, 12, 20)},
            "setting the meeting date (2026-12-20) would be before the referral (2026-12-21)",
        ),
        (
            {"decided_on": date(2027, 1, 6)},
            "the decision (2027-01-06) would be before the meeting (2027-01-07)",
        ),
        (
            {"endorsed_on": date(2027, 1, 6)},
            "the endorsement (2027-01-06) would be before the decision (2027-01-07)",
        ),
        (
            {"submitted_on": date(2027, 1, 7)},
            "the report to the Panel (2027-01-07) would be before the decision and endorsement (2027-01-08)",
        ),
        (
            {"endorsed_on": None, "submitted_on": date(2027, 1, 6), "closed_on": date(2027, 1, 11)},
            "the report to the Panel (2027-01-06) would be before the decision and endorsement (2027-01-07)",
        ),
        (
            {"outcome_shared_on": date(2027, 1, 6)},
            "sharing the outcome (2027-01-06) would be before the decision (2027-01-07)",
        ),
        (
            {"outcome_shared_on": date(2027, 1, 9), "closed_on": date(2027, 1, 10)},
            "closing the case (2027-01-10) would be before the report to the Panel (2027-01-11)",
        ),
        (
            {"submitted_on": date(2027, 1, 9), "closed_on": date(2027, 1, 10)},
            "closing the case (2027-01-10) would be before sharing the outcome (2027-01-11)",
        ),
        # Planted (mutation run, 26 Nov 2026): "the report to the panel" in lower case; the closing-after-
        # the-answer rule dropped (its list or dates None) or its words changed.
        (
            {"panel_response_on": date(2027, 1, 10)},
            "the Panel's response (2027-01-10) would be before the report to the Panel (2027-01-11)",
        ),
        (
            {"panel_response_on": date(2027, 1, 11), "panel_answered_on": date(2027, 1, 13)},
            "closing the case (2027-01-12) would be before the answer to the Panel (2027-01-13)",
        ),
    ],
)
def test_each_order_rule_is_named_with_both_dates(changes: dict[str, object], message: str) -> None:
    assert problems(broken(**changes), TODAY) == [message]


def test_a_template_sent_with_nothing_after_it_is_checked_against_the_referral() -> None:
    case = just_opened()
    case.involvements = [Involvement("police", date(2026, 12, 20))]
    assert problems(case, TODAY) == [
        "the template to police (2026-12-20) would be before the referral was received (2026-12-21)"
    ]


class TestMeetings:
    def test_a_meeting_date_in_force_before_the_referral_is_named(self) -> None:
        case = consistent()
        case.meetings.append(meeting(2, date(2026, 12, 20)))
        assert problems(case, TODAY) == [
            "the meeting (2026-12-20) would be before the referral was received (2026-12-21)"
        ]

    @pytest.mark.parametrize("status", [Meeting.SUPERSEDED, Meeting.WITHDRAWN])
    def test_a_replaced_meeting_date_is_not_checked(self, status: str) -> None:
        """Planted bug caught: the test of a replaced date inverted (superseded dates checked, the
        date in force not)."""
        case = consistent()
        case.meetings.insert(0, meeting(0, date(2026, 12, 20), status=status))
        assert problems(case, TODAY) == []

    def test_a_meeting_held_before_its_date_was_set_is_named(self) -> None:
        case = consistent()
        case.meetings = [meeting(1, date(2026, 12, 22), held_on=date(2026, 12, 22))]
        case.decided_on = date(2026, 12, 22)  # the chain after it stays in order
        assert problems(case, TODAY) == [
            "the meeting (2026-12-22) would be before its date was set (2026-12-23)"
        ]

    def test_a_meeting_held_before_the_date_it_was_arranged_for_is_named(self) -> None:
        case = consistent()
        case.meetings[0].held_on = date(2027, 1, 6)
        assert problems(case, TODAY) == [
            "the meeting held (2027-01-06) would be before the date it was arranged for (2027-01-07)"
        ]

    def test_a_meeting_not_yet_held_is_not_checked_against_its_date(self) -> None:
        """Planted bug caught: the held meetings chosen as those with no date held."""
        case = just_opened()
        case.meeting_date_set_on = date(2026, 12, 23)
        case.meetings = [meeting(1, date(2027, 1, 7))]
        assert problems(case, TODAY) == []

    def test_the_decision_is_checked_against_the_last_meeting_held(self) -> None:
        """Planted bugs caught: the first (inquorate) meeting taken, or no meeting at all."""
        case = consistent()
        case.meetings = [
            meeting(1, date(2027, 1, 4), held_on=date(2027, 1, 4), status=Meeting.INQUORATE),
            meeting(2, date(2027, 1, 7), held_on=date(2027, 1, 7)),
        ]
        case.decided_on = date(2027, 1, 5)
        assert problems(case, TODAY) == ["the decision (2027-01-05) would be before the meeting (2027-01-07)"]


def test_several_contradictions_are_all_named_in_order() -> None:
    case = broken(received=date(2026, 12, 17), closed_on=date(2027, 1, 10))
    case.aware = date(2026, 12, 19)
    assert problems(case, TODAY) == [
        "the referral (2026-12-17) would be before the partnership became aware (2026-12-19)",
        "closing the case (2027-01-10) would be before the report to the Panel (2027-01-11)",
        "closing the case (2027-01-10) would be before sharing the outcome (2027-01-11)",
    ]

"""What a new case, meeting and agency involvement hold before anything is recorded on them, and the
Panel's milestones. Every object is built inside its test."""

from __future__ import annotations

from datetime import date, time

from rr_workflow.domain.case import Case, ChildDetails, Involvement, Meeting


def test_a_new_case_keeps_what_it_was_given_and_nothing_else() -> None:
    """Planted (mutation run): the summary or the child's details dropped, or "" in place of None for a
    field not recorded yet."""
    child = ChildDetails("Ann Lee", "1 Elm Row")
    case = Case(
        "RR-7",
        date(2026, 12, 21),
        date(2026, 12, 18),
        "police",
        "2026.1",
        summary="Referral by phone",
        child_initials="AL",
        child_dob=date(2019, 5, 4),
        child=child,
    )
    assert case.summary == "Referral by phone"
    assert case.child_initials == "AL"
    assert case.child_dob == date(2019, 5, 4)
    assert case.child is child
    not_recorded = (
        case.sin_reference,
        case.outcome,
        case.rationale,
        case.endorsed_by,
        case.decline_reason,
        case.panel_agrees,
        case.panel_questions,
    )
    assert not_recorded == (None,) * 7


def test_a_new_meeting_has_no_invitation_place_or_link_yet() -> None:
    """Planted (mutation run): "" in place of None for the invitation's UID, the location, the link."""
    meeting = Meeting(1, date(2027, 1, 6), time(10, 0), "online", None, None, date(2026, 12, 22))
    assert (meeting.uid, meeting.location, meeting.join_url) == (None, None, None)


def test_an_agency_counts_from_its_letter_when_that_went_later() -> None:
    """Planted (mutation run): the letter's day dropped."""
    involvement = Involvement("health", date(2026, 12, 21), letter_on=date(2026, 12, 23))
    assert involvement.letter_on == date(2026, 12, 23)
    assert involvement.asked_on == date(2026, 12, 23)


def test_the_panel_asking_and_being_answered_are_milestones() -> None:
    """Planted (mutation run): the Panel's questions and their answer under other names, or the questions
    never a milestone."""
    case = Case("RR-7", date(2026, 12, 21), date(2026, 12, 18), "police", "2026.1")
    case.panel_response_on = date(2027, 2, 10)
    case.panel_agrees = 1
    case.panel_questions = "Why was school not asked?"
    case.panel_answered_on = date(2027, 2, 17)
    milestones = case.milestones().case
    assert milestones["panel_response"] == date(2027, 2, 10)
    assert milestones["panel_questions"] == date(2027, 2, 10)
    assert milestones["panel_answered"] == date(2027, 2, 17)

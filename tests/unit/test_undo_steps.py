"""Undoing one step (domain/undo.py): each reversal on a case built by hand, the stage the case goes back
to, the `Change` a coordinator reads (with the step's own command and date) and the event raised; a
correction or withdrawal undone by putting the value it replaced back, checked like a correction.

Every expected value is written out from the rules in the module's docstring and docs/coordinators-guide.md
(what went out by mail is not recalled: the coordinator is told what to do instead).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from recorded_case import closed_case, just_opened, meeting

from rr_workflow.domain.case import Attendance, Case, ImmediateAction, Involvement, Meeting, RecordedDeviation
from rr_workflow.domain.corrections import Change
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.events import DomainEvent
from rr_workflow.domain.undo import RecordedStep, undo

ON = date(2027, 1, 14)  # the day the undo is recorded
TODAY = date(2027, 1, 15)


def step(
    action: str, from_state: str | None, effective_on: date | None = None, **details: Any
) -> RecordedStep:
    return RecordedStep(7, action, from_state, None, effective_on, details)


class TestUndo:
    def test_no_step_is_refused(self) -> None:
        with pytest.raises(Refused) as refused:
            undo(just_opened(), None, ON)
        assert str(refused.value) == "there is no step to undo on this case"

    def test_a_read_is_not_undone_and_says_so(self) -> None:
        with pytest.raises(Refused) as refused:
            undo(just_opened(), step("case_viewed", "scoping"), ON)
        assert str(refused.value) == "case_viewed cannot be undone"

    def test_a_step_goes_back_to_its_stage_and_says_what_was_undone(self) -> None:
        """Planted bugs caught: the Change naming no step or date, the stage before or after wrong, the
        event missing its kind, case, date or the step undone."""
        case = closed_case()
        case.outcome_shared_on = case.closed_on = None
        case.state = "submitted"
        change = undo(case, step("submit", "endorsed", date(2027, 1, 11)), ON)
        assert change == Change(
            "rr submit of 2027-01-11",
            "submitted",
            "endorsed",
            (
                "the report already sent to the National Panel is not recalled: "
                "tell the Panel it was sent in error",
            ),
        )
        assert (case.state, case.submitted_on) == ("endorsed", None)
        assert case.events == [DomainEvent("step_undone", "RR-1", ON, {"step": "submit"})]

    def test_a_step_without_a_date_is_named_by_its_command(self) -> None:
        case = closed_case()
        change = undo(case, step("close", "submitted"), ON)
        assert (change.what, change.before, change.after) == ("rr close", "closed", "submitted")
        assert case.closed_on is None

    def test_an_extension_undone_leaves_the_stage_alone(self) -> None:
        """Planted bug caught: the stage put back for a step that is not a command of the procedure (the
        extension row's `from_state` is the stage it was recorded in, not one to return to)."""
        case = just_opened()
        case.state = "meeting_scheduled"
        key = "scoping_returned:la"
        case.deviations = [
            RecordedDeviation(key, "first", date(2027, 1, 8), date(2027, 1, 4)),
            RecordedDeviation("meeting_held", "other", date(2027, 1, 20), date(2027, 1, 5)),
            RecordedDeviation(key, "second", date(2027, 1, 11), date(2027, 1, 6)),
        ]
        change = undo(case, step("deadline_extended", "scoping", date(2027, 1, 6), deadline=key), ON)
        assert change == Change("rr extend of 2027-01-06", "meeting_scheduled", "meeting_scheduled")
        assert case.state == "meeting_scheduled"
        assert [d.reason for d in case.deviations] == ["first", "other"]
        change = undo(case, step("deadline_waived", "scoping", deadline="meeting_held"), ON)
        assert change.what == "rr waive"
        assert [d.reason for d in case.deviations] == ["first"]


class TestReversals:
    """What each step recorded is taken off the case again."""

    def test_the_sin(self) -> None:
        case = closed_case()
        undo(case, step("record_sin", "scoping"), ON)
        assert case.sin_notified_on is None

    def test_the_scoping_request_to_the_agencies_named(self) -> None:
        case = just_opened()
        case.involvements = [Involvement(a, date(2026, 12, 22)) for a in ("la", "police", "health")]
        change = undo(case, step("send_scoping", "referred", agencies=["la", "health"]), ON)
        assert [i.agency for i in case.involvements] == ["police"]
        assert change.follow_up == (
            "the scoping request already sent to la, health is not recalled: tell them it was sent in error",
        )
        assert case.state == "referred"

    def test_a_scoping_row_without_agencies_takes_none_off(self) -> None:
        case = just_opened()
        case.involvements = [Involvement("la", date(2026, 12, 22))]
        undo(case, step("send_scoping", "referred"), ON)
        assert [i.agency for i in case.involvements] == ["la"]

    @pytest.mark.parametrize(
        ("action", "field"), [("return_scoping", "returned_on"), ("secure_records", "secured_on")]
    )
    def test_an_agencys_return_or_records_secured(self, action: str, field: str) -> None:
        """Planted bug caught: the date cleared for another agency, or the agency read from the wrong
        detail."""
        case = just_opened()
        case.involvements = [Involvement("la", date(2026, 12, 22)), Involvement("police", date(2026, 12, 22))]
        for i in case.involvements:
            setattr(i, field, date(2026, 12, 29))
        undo(case, step(action, "scoping", agency="police"), ON)
        assert [getattr(i, field) for i in case.involvements] == [date(2026, 12, 29), None]
        undo(case, step(action, "scoping", agency="health"), ON)  # never asked: nothing to clear
        assert [getattr(i, field) for i in case.involvements] == [date(2026, 12, 29), None]

    def test_the_last_meeting_recorded_goes_back_to_scheduled(self) -> None:
        """Planted bug caught: the first (inquorate) meeting reset instead of the last one held."""
        case = just_opened()
        first = meeting(1, date(2027, 1, 4), held_on=date(2027, 1, 4), status=Meeting.INQUORATE)
        second = meeting(2, date(2027, 1, 7), held_on=date(2027, 1, 7))
        second.attendees = [Attendance("la", "A")]
        case.meetings = [first, second]
        undo(case, step("hold_meeting", "meeting_scheduled"), ON)
        assert [(m.status, m.held_on) for m in case.meetings] == [
            (Meeting.INQUORATE, date(2027, 1, 4)),
            (Meeting.SCHEDULED, None),
        ]
        assert second.attendees == []

    def test_the_decision(self) -> None:
        case = closed_case()
        case.outcome, case.rationale = "no_review", "learning already identified"
        case.actions = [ImmediateAction(1, "la", "review the plan")]
        undo(case, step("decide", "meeting_held"), ON)
        assert (case.outcome, case.rationale, case.decided_on, case.actions) == (None, None, None, [])

    def test_the_endorsement(self) -> None:
        case = closed_case()
        undo(case, step("endorse", "decided"), ON)
        assert (case.endorsed_on, case.endorsed_by) == (None, None)

    def test_the_outcome_shared(self) -> None:
        case = closed_case()
        change = undo(case, step("share_outcome", "submitted"), ON)
        assert case.outcome_shared_on is None
        assert change.follow_up == (
            "the outcome letters already sent are not recalled: tell the agencies yourself",
        )

    def test_the_answer_to_the_panel(self) -> None:
        """Planted (mutation run, 26 Nov 2026): the follow-up's words changed, in lower or upper case."""
        case = closed_case()
        case.panel_response_on, case.panel_answered_on = date(2027, 1, 11), date(2027, 1, 12)
        change = undo(case, step("answer_panel", "panel_questions"), ON)
        assert case.panel_answered_on is None
        assert change.follow_up == (
            "the answer already sent to the National Panel is not recalled: "
            "tell the Panel it was sent in error",
        )


def declined(with_meeting: bool) -> Case:
    case = just_opened()
    case.involvements = [Involvement("la", date(2026, 12, 22))]
    case.state, case.declined_on, case.decline_reason = "declined", date(2026, 12, 24), "not met"
    if with_meeting:
        case.meetings = [meeting(1, date(2027, 1, 7))]
    case.deviations = [
        RecordedDeviation("meeting_held", "referral declined", None, date(2026, 12, 24)),
        RecordedDeviation("decision_made", "referral declined", None, date(2026, 12, 23)),
        RecordedDeviation("scoping_returned:la", "asked", date(2027, 1, 8), date(2026, 12, 24)),
    ]
    return case


class TestDecline:
    def test_the_waivers_the_decline_made_are_taken_back_and_no_others(self) -> None:
        """Planted bugs caught: every waiver of that day dropped, or every 'referral declined' waiver
        whatever its day, or the waivers kept."""
        case = declined(with_meeting=False)
        change = undo(case, step("decline", "scoping"), ON)
        assert [(d.deadline_key, d.recorded_on) for d in case.deviations] == [
            ("decision_made", date(2026, 12, 23)),
            ("scoping_returned:la", date(2026, 12, 24)),
        ]
        assert (case.state, case.declined_on, case.decline_reason) == ("scoping", None, None)
        assert change.follow_up == ()

    def test_the_meeting_cancelled_by_the_decline_needs_a_new_date(self) -> None:
        case = declined(with_meeting=True)
        change = undo(case, step("decline", "meeting_scheduled"), ON)
        assert case.state == "scoping"
        assert case.meetings[0].status == Meeting.WITHDRAWN
        assert change.follow_up == (
            "the meeting on 2027-01-07 was cancelled when the referral was declined: set a date again "
            "(rr meeting schedule)",
        )


class TestScheduleUndone:
    def test_no_date_in_force_is_refused(self) -> None:
        case = just_opened()
        with pytest.raises(Refused) as refused:
            undo(case, step("schedule_meeting", "scoping"), ON)
        assert str(refused.value) == (
            "the meeting date set by that step is no longer the one arranged: nothing to undo"
        )

    def test_a_meeting_already_held_is_refused(self) -> None:
        case = closed_case()
        with pytest.raises(Refused, match="no longer the one arranged"):
            undo(case, step("schedule_meeting", "scoping"), ON)
        assert case.meetings[0].status == Meeting.HELD

    def test_a_moved_date_undone_brings_the_one_before_back(self) -> None:
        case = just_opened()
        first = meeting(1, date(2027, 1, 7), status=Meeting.SUPERSEDED)
        second = meeting(2, date(2027, 1, 8))
        second.set_on = date(2026, 12, 28)
        case.meetings = [first, second]
        case.meeting_date_set_on = date(2026, 12, 23)
        change = undo(case, step("schedule_meeting", "meeting_scheduled", meeting=2), ON)
        assert [m.status for m in case.meetings] == [Meeting.SCHEDULED, Meeting.WITHDRAWN]
        assert case.meeting_date_set_on == date(2026, 12, 23)
        assert change.follow_up == (
            "an updated invitation goes to everyone invited: the meeting is back on 2027-01-07 "
            "(not 2027-01-08)",
        )
        assert case.events[0] == DomainEvent(
            "meeting_withdrawn",
            "RR-1",
            date(2026, 12, 28),
            {"number": 2, "date": "2027-01-08", "restored": 1},
        )

    def test_a_date_set_from_scoping_does_not_bring_back_a_date_from_before_a_decline(self) -> None:
        """Planted bug caught: an earlier superseded date restored although the step set the first date in
        force (the case was in scoping: the date before was cancelled by a decline, since undone)."""
        case = just_opened()
        case.meetings = [
            meeting(1, date(2027, 1, 7), status=Meeting.SUPERSEDED),
            meeting(2, date(2027, 1, 8), status=Meeting.WITHDRAWN),
            meeting(3, date(2027, 1, 11)),
        ]
        case.meeting_date_set_on = date(2026, 12, 23)
        change = undo(case, step("schedule_meeting", "scoping", meeting=3), ON)
        assert [m.status for m in case.meetings] == [Meeting.SUPERSEDED, Meeting.WITHDRAWN, Meeting.WITHDRAWN]
        assert case.meeting_date_set_on is None
        assert change.follow_up == ("a cancellation of the meeting on 2027-01-11 goes to everyone invited",)
        assert case.events[0].data == {"number": 3, "date": "2027-01-11", "restored": None}


class TestCorrectionUndone:
    """A correction is undone by correcting back; a withdrawal by restoring the value."""

    def test_a_corrected_date_is_put_back(self) -> None:
        case = closed_case()
        case.involvements[0].returned_on = date(2026, 12, 30)
        recorded = step("fact_corrected", "closed", fact="scoping-returned", agency="la", before="2026-12-29")
        change = undo(case, recorded, ON, TODAY)
        assert change == Change(
            "rr correct scoping-returned la (the date la returned its scoping template)",
            date(2026, 12, 30),
            date(2026, 12, 29),
        )
        assert case.involvements[0].returned_on == date(2026, 12, 29)
        assert case.events == [
            DomainEvent(
                "fact_corrected",
                "RR-1",
                ON,
                {"fact": "scoping-returned", "agency": "la", "before": "2026-12-30", "after": "2026-12-29"},
            )
        ]

    def test_a_withdrawn_date_is_restored(self) -> None:
        case = closed_case()
        case.involvements[0].secured_on = None
        recorded = step("fact_withdrawn", "closed", fact="records-secured", agency="la", before="2026-12-23")
        change = undo(case, recorded, ON, TODAY)
        assert change == Change(
            "rr correct records-secured la (the date la confirmed its records are secured)",
            None,
            date(2026, 12, 23),
        )
        assert case.involvements[0].secured_on == date(2026, 12, 23)
        assert case.events[0].on == ON

    @pytest.mark.parametrize(
        ("name", "before", "what"),
        [
            ("endorsed-by", "the chair", "who endorsed the outcome"),
            ("referrer", "police", "the referring agency"),
        ],
    )
    def test_a_name_is_put_back_as_it_was(self, name: str, before: str, what: str) -> None:
        """Planted bug caught: every value read back as a date (a name is not one)."""
        case = closed_case()
        case.endorsed_by, case.referrer = "Dr A Chair", "la"
        change = undo(case, step("fact_corrected", "closed", fact=name, before=before), ON, TODAY)
        assert (change.what, change.after) == (f"rr correct {name} ({what})", before)
        assert (case.endorsed_by if name == "endorsed-by" else case.referrer) == before

    def test_the_check_uses_today_and_by_default_the_day_recorded(self) -> None:
        """Planted bugs caught: `today` ignored (a date between the day recorded and today refused), or
        no default for it."""
        case = closed_case()
        case.outcome_shared_on = case.closed_on = None
        case.state = "submitted"
        recorded = step("fact_withdrawn", "submitted", fact="outcome-shared", before="2027-01-15")
        with pytest.raises(BadInput, match=r"sharing the outcome \(2027-01-15\) would be in the future"):
            undo(case, recorded, ON)
        assert case.outcome_shared_on is None
        undo(case, recorded, ON, TODAY)
        assert case.outcome_shared_on == date(2027, 1, 15)

    def test_a_corrected_meeting_date_moves_back_like_the_row_it_replaced(self) -> None:
        """Planted bugs caught: the reasons of another row (or none) kept, the earliest of several rows on
        that date taken instead of the last."""
        case = just_opened()
        older = meeting(1, date(2027, 1, 16), status=Meeting.SUPERSEDED)
        older.non_working_day_reason = "older reason"
        replaced = meeting(2, date(2027, 1, 16), status=Meeting.SUPERSEDED)
        replaced.non_working_day_reason = "the only day the police can come"
        withdrawn = meeting(3, date(2027, 1, 16), status=Meeting.WITHDRAWN)
        withdrawn.non_working_day_reason = "withdrawn reason"
        in_force = meeting(4, date(2027, 1, 18))
        case.meetings = [older, replaced, withdrawn, in_force]
        recorded = step("fact_corrected", "meeting_scheduled", fact="meeting-date", before="2027-01-16")
        change = undo(case, recorded, ON, TODAY)
        assert change == Change(
            "rr correct meeting-date (the meeting date)",
            date(2027, 1, 18),
            date(2027, 1, 16),
            ("an updated invitation goes to everyone invited: moved from 2027-01-18 to 2027-01-16",),
        )
        moved = case.meetings[-1]
        assert (moved.number, moved.on, moved.non_working_day_reason) == (
            5,
            date(2027, 1, 16),
            "the only day the police can come",
        )
        assert case.events[-1].on == ON

    def test_a_corrected_meeting_date_with_no_row_left_on_it_moves_back_without_reasons(self) -> None:
        """A trail imported from paper records may name a date no meeting row holds any more.
        Planted bug caught: the row to copy looked for in an empty list (a ValueError, not a move)."""
        case = just_opened()
        in_force = meeting(1, date(2027, 1, 18))
        in_force.non_working_day_reason = "a reason for the 18th"
        case.meetings = [in_force]
        recorded = step("fact_corrected", "meeting_scheduled", fact="meeting-date", before="2027-01-15")
        undo(case, recorded, ON, TODAY)
        moved = case.meetings[-1]
        assert (moved.number, moved.on, moved.non_working_day_reason, moved.outside_window_reason) == (
            2,
            date(2027, 1, 15),
            None,
            None,
        )

"""Correcting, withdrawing and undoing, in the domain alone (no database).

The rules: which step the "last step" is, what undoing each step does to the case and its stage, which
facts may be corrected or withdrawn and when a correction is refused (the reason a coordinator reads).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from rr_workflow.domain import events as ev
from rr_workflow.domain.case import Case, Meeting, RecordedDeviation
from rr_workflow.domain.corrections import FACTS, correct, move_meeting, problems, withdraw
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.machine import RapidReview
from rr_workflow.domain.stages import COMMANDS
from rr_workflow.domain.undo import RecordedStep, last_step, undo

TODAY = date(2027, 1, 11)
QUORATE = {"la": "Local Authority", "police": "Police", "health": "ICB"}


def new_case() -> tuple[Case, RapidReview]:
    case = Case("RR-1", date(2026, 12, 21), date(2026, 12, 18), "police", "v1")
    return case, RapidReview(case)


def in_scoping() -> tuple[Case, RapidReview]:
    case, machine = new_case()
    machine.send("send_scoping", agencies=["la", "police"], on=date(2026, 12, 22))
    return case, machine


def schedule(machine: RapidReview, on: date) -> None:
    machine.send(
        "schedule_meeting",
        on=on,
        at=None,
        mode="in_person",
        mode_reason=None,
        window=None,
        outside_window_reason=None,
        recorded_on=date(2026, 12, 23),
    )


def held() -> tuple[Case, RapidReview]:
    case, machine = in_scoping()
    schedule(machine, date(2027, 1, 7))
    machine.send(
        "hold_meeting",
        on=date(2027, 1, 7),
        attendees=[("la", "A"), ("police", "B"), ("health", "C")],
        required_partners=QUORATE,
        partners_present={"la", "police", "health"},
    )
    return case, machine


def step(n: int, action: str, from_state: str | None, **details: object) -> RecordedStep:
    return RecordedStep(n, action, from_state, None, date(2026, 12, 22), details)


class TestTheLastStep:
    """Reads, documents and packs are not steps; an undone step is skipped, so undo walks backwards."""

    def test_reads_and_documents_are_not_steps(self) -> None:
        trail = [
            step(1, "case_opened", None),
            step(2, "send_scoping", "referred"),
            step(3, "case_viewed", "scoping"),
            step(4, "document_added", "scoping"),
            step(5, "meeting_pack", "scoping"),
        ]
        assert last_step(trail) == trail[1]

    def test_a_second_undo_reaches_the_step_before(self) -> None:
        trail = [
            step(1, "case_opened", None),
            step(2, "send_scoping", "referred"),
            step(3, "record_sin", "scoping"),
            step(4, "step_undone", "scoping", undoes=3),
        ]
        assert last_step(trail) == trail[1]
        assert last_step([*trail, step(5, "step_undone", "scoping", undoes=2)]) == trail[0]

    def test_corrections_extensions_and_waivers_are_steps(self) -> None:
        for action in ("fact_corrected", "fact_withdrawn", "deadline_extended", "deadline_waived"):
            trail = [step(1, "case_opened", None), step(2, action, "referred")]
            assert last_step(trail) == trail[1]

    def test_an_empty_trail_has_none(self) -> None:
        assert last_step([]) is None


class TestUndo:
    """Each step reversed on the case, the case back in its earlier stage, and what follows said."""

    def test_opening_a_case_is_not_undone(self) -> None:
        case, _ = new_case()
        with pytest.raises(Refused, match=r"opening a case cannot be undone: .*decline it"):
            undo(case, step(1, "case_opened", None), TODAY)
        with pytest.raises(Refused, match="there is no step to undo"):
            undo(case, None, TODAY)

    def test_every_step_of_the_procedure_can_be_undone(self) -> None:
        """Planted bug caught: a step missing from the reversals is refused instead."""
        for action in COMMANDS:
            case, machine = held()
            if action == "schedule_meeting":  # the last step: the meeting is not held yet
                case, machine = in_scoping()
                schedule(machine, date(2027, 1, 7))
            try:
                undo(case, step(9, action, "meeting_held", agency="la", agencies=[], deadline="x"), TODAY)
            except Refused as refused:  # pragma: no cover - the assertion says which
                pytest.fail(f"{action}: {refused}")

    def test_sending_scoping_is_undone_back_to_the_referral(self) -> None:
        case, _ = in_scoping()
        change = undo(case, step(2, "send_scoping", "referred", agencies=["la", "police"]), TODAY)
        assert (case.state, case.involvements) == ("referred", [])
        assert change.follow_up == (
            "the scoping request already sent to la, police is not recalled: tell them it was sent in error",
        )

    def test_a_held_meeting_is_undone_back_to_scheduled(self) -> None:
        case, _ = held()
        undo(case, step(5, "hold_meeting", "meeting_scheduled"), TODAY)
        meeting = case.current_meeting
        assert meeting is not None
        assert (case.state, meeting.status, meeting.held_on, meeting.attendees) == (
            "meeting_scheduled",
            Meeting.SCHEDULED,
            None,
            [],
        )
        assert case.milestones().case.get("meeting_held") is None

    def test_a_first_meeting_date_undone_is_cancelled(self) -> None:
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))
        case.events.clear()
        change = undo(case, step(3, "schedule_meeting", "scoping"), TODAY)
        assert (case.state, case.current_meeting, case.meeting_date_set_on) == ("scoping", None, None)
        assert case.meetings[0].status == Meeting.WITHDRAWN  # kept, as everything recorded
        withdrawn = [e for e in case.events if e.kind == ev.MEETING_WITHDRAWN]
        assert [e.data for e in withdrawn] == [{"number": 1, "date": "2027-01-07", "restored": None}]
        assert change.follow_up == ("a cancellation of the meeting on 2027-01-07 goes to everyone invited",)

    def test_a_moved_meeting_undone_brings_the_earlier_date_back(self) -> None:
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))
        schedule(machine, date(2027, 1, 8))
        undo(case, step(4, "schedule_meeting", "meeting_scheduled"), TODAY)
        meeting = case.current_meeting
        assert meeting is not None and meeting.on == date(2027, 1, 7)
        assert case.state == "meeting_scheduled"
        assert case.meeting_date_set_on == date(2026, 12, 23)

    def test_a_moved_meeting_corrected_since_still_brings_the_date_before_it_back(self) -> None:
        """Planted bug caught: restoring the row just before the one in force (the corrected date)."""
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))  # meeting 1
        schedule(machine, date(2027, 1, 8))  # meeting 2, the step undone below
        move_meeting(case, date(2027, 1, 11), None, TODAY)  # meeting 3: a correction of meeting 2
        undo(case, step(4, "schedule_meeting", "meeting_scheduled", meeting=2), TODAY)
        meeting = case.current_meeting
        assert meeting is not None and (meeting.number, meeting.on) == (1, date(2027, 1, 7))

    def test_an_extension_undone_puts_the_original_date_back_in_force(self) -> None:
        case, _ = in_scoping()
        case.deviations.append(RecordedDeviation("scoping_returned:la", "asked", date(2027, 1, 8), TODAY))
        undo(case, step(3, "deadline_extended", "scoping", deadline="scoping_returned:la"), TODAY)
        assert case.deviations == []

    def test_a_declined_referral_undone_needs_its_meeting_set_again(self) -> None:
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))
        machine.send("decline", on=date(2026, 12, 24), reason="not met")
        case.deviations.clear()
        change = undo(case, step(4, "decline", "meeting_scheduled"), TODAY)
        assert (case.state, case.declined_on, case.current_meeting) == ("scoping", None, None)
        assert "set a date again" in change.follow_up[0]

    def test_a_report_undone_says_the_panel_must_be_told(self) -> None:
        case, _ = held()
        case.submitted_on, case.state = date(2027, 1, 8), "submitted"
        change = undo(case, step(8, "submit", "endorsed"), TODAY)
        assert (case.state, case.submitted_on) == ("endorsed", None)
        assert "not recalled: tell the Panel" in change.follow_up[0]

    def test_a_correction_is_undone_by_putting_the_value_back(self) -> None:
        case, _ = in_scoping()
        correct(case, "scoping-sent", "police", date(2026, 12, 23), TODAY, TODAY)
        recorded = step(
            3, "fact_corrected", "scoping", fact="scoping-sent", agency="police", before="2026-12-22"
        )
        undo(case, recorded, TODAY, TODAY)
        involvement = case.involvement("police")
        assert involvement is not None and involvement.sent_on == date(2026, 12, 22)


class TestCorrect:
    """A correction changes one fact; one that would make the case contradict itself is refused and
    leaves the case as it was."""

    def test_a_return_date_is_corrected(self) -> None:
        case, machine = in_scoping()
        machine.send("return_scoping", agency="la", on=date(2026, 12, 29))
        change = correct(case, "scoping-returned", "la", date(2026, 12, 30), TODAY, TODAY)
        assert (change.before, change.after) == (date(2026, 12, 29), date(2026, 12, 30))
        assert case.milestones().agencies["la"]["scoping_returned"] == date(2026, 12, 30)
        assert case.events[-1].data == {
            "fact": "scoping-returned",
            "agency": "la",
            "before": "2026-12-29",
            "after": "2026-12-30",
        }

    @pytest.mark.parametrize(
        ("fact", "agency", "to", "message"),
        [
            (
                "aware",
                None,
                date(2026, 12, 22),
                "the referral (2026-12-21) would be before the partnership became aware (2026-12-22)",
            ),
            (
                "scoping-sent",
                "la",
                date(2026, 12, 20),
                "the template to la (2026-12-20) would be before the referral was received (2026-12-21)",
            ),
            (
                "received",
                None,
                date(2027, 1, 12),
                "the referral (2027-01-12) would be in the future (today is 2027-01-11)",
            ),
            (
                "received",
                None,
                date(2026, 12, 23),
                "the template to la (2026-12-22) would be before the referral was received (2026-12-23)",
            ),
        ],
    )
    def test_a_contradiction_is_refused_and_nothing_changes(
        self, fact: str, agency: str | None, to: date, message: str
    ) -> None:
        case, _ = in_scoping()
        before = (case.received, case.aware, case.involvement("la").sent_on)  # type: ignore[union-attr]
        with pytest.raises(BadInput, match=re.escape(f"cannot make that change: {message}")):
            correct(case, fact, agency, to, TODAY, TODAY)
        assert (case.received, case.aware, case.involvement("la").sent_on) == before  # type: ignore[union-attr]
        assert problems(case, TODAY) == []

    def test_a_fact_not_yet_recorded_is_recorded_by_its_own_command(self) -> None:
        case, _ = in_scoping()
        with pytest.raises(Refused, match="is not recorded yet: record it with its own command"):
            correct(case, "sin", None, date(2026, 12, 22), TODAY, TODAY)

    def test_agency_facts_need_the_agency_and_case_facts_refuse_one(self) -> None:
        case, _ = in_scoping()
        with pytest.raises(BadInput, match="name the agency"):
            correct(case, "scoping-sent", None, date(2026, 12, 23), TODAY, TODAY)
        with pytest.raises(BadInput, match="leave out 'la'"):
            correct(case, "aware", "la", date(2026, 12, 19), TODAY, TODAY)

    def test_only_some_facts_can_be_withdrawn(self) -> None:
        assert sorted(f for f, spec in FACTS.items() if spec.withdrawable) == [
            "outcome-shared",
            "records-secured",
            "scoping-returned",
            "sin",
        ]
        case, _ = in_scoping()
        with pytest.raises(Refused, match="cannot be withdrawn, only corrected"):
            withdraw(case, "received", None, TODAY)

    def test_the_sin_stays_once_the_report_went_to_the_panel(self) -> None:
        case, _ = held()
        case.sin_notified_on, case.submitted_on = date(2026, 12, 22), date(2027, 1, 8)
        with pytest.raises(Refused, match="the report went to the Panel on 2027-01-08, which needs the SIN"):
            withdraw(case, "sin", None, TODAY)

    def test_a_wrong_agency_return_is_withdrawn(self) -> None:
        case, machine = in_scoping()
        machine.send("return_scoping", agency="police", on=date(2026, 12, 29))
        change = withdraw(case, "scoping-returned", "police", TODAY)
        assert (change.before, change.after) == (date(2026, 12, 29), None)
        assert "scoping_returned" not in case.milestones().agencies["police"]


class TestMoveMeeting:
    def test_the_wrong_date_is_superseded_and_the_partners_told_old_and_new(self) -> None:
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))
        change = move_meeting(case, date(2027, 1, 8), (date(2027, 1, 4), date(2027, 1, 12)), TODAY)
        assert [(m.number, m.on, m.status) for m in case.meetings] == [
            (1, date(2027, 1, 7), Meeting.SUPERSEDED),
            (2, date(2027, 1, 8), Meeting.SCHEDULED),
        ]
        assert case.events[-1].data["moved_from"] == "2027-01-07"
        assert "moved from 2027-01-07 to 2027-01-08" in change.follow_up[0]

    def test_outside_the_window_needs_the_meeting_command_and_its_reason(self) -> None:
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))
        with pytest.raises(BadInput, match="outside the meeting window 2027-01-04 to 2027-01-12"):
            move_meeting(case, date(2027, 1, 13), (date(2027, 1, 4), date(2027, 1, 12)), TODAY)
        assert len(case.meetings) == 1

    def test_a_day_off_needs_the_reason_the_meeting_command_records(self) -> None:
        case, machine = in_scoping()
        schedule(machine, date(2027, 1, 7))
        with pytest.raises(BadInput, match=r"Saturday 2027-01-09 is not a working day \(a weekend\)"):
            move_meeting(case, date(2027, 1, 9), None, TODAY, day_off="a weekend")
        case.meetings[0].non_working_day_reason = "the only day the police can come"
        move_meeting(case, date(2027, 1, 9), None, TODAY, day_off="a weekend")
        move_meeting(case, date(2027, 1, 8), None, TODAY)  # a working day: the reason no longer applies
        assert [m.non_working_day_reason for m in case.meetings] == [
            "the only day the police can come",
            "the only day the police can come",
            None,
        ]

    def test_a_held_meeting_is_not_moved(self) -> None:
        case, _ = held()
        with pytest.raises(Refused, match="the date it was held is `meeting-held`"):
            move_meeting(case, date(2027, 1, 8), None, TODAY)


class TestThePanelsResponse:
    """The Panel's response and the answer to its questions are corrected like any recorded date, and
    undone by `rr undo`; a date that would come before the report, or an answer before the response, is
    refused."""

    def answered(self) -> Case:
        case, machine = held()
        machine.send("decide", outcome="no_review", rationale="r", actions=[], on=date(2027, 1, 7))
        machine.send("endorse", on=date(2027, 1, 7), by="Chair")
        machine.send("record_sin", on=date(2027, 1, 7))
        machine.send("submit", on=date(2027, 1, 8))
        machine.send("record_panel_response", on=date(2027, 1, 9), agrees=False, questions="why?")
        machine.send("answer_panel", on=date(2027, 1, 10))
        case.events.clear()
        return case

    def test_the_response_date_is_corrected(self) -> None:
        case = self.answered()
        change = correct(case, "panel-response", None, date(2027, 1, 8), TODAY, TODAY)
        assert (change.before, change.after, case.panel_response_on) == (
            date(2027, 1, 9),
            date(2027, 1, 8),
            date(2027, 1, 8),
        )

    def test_a_response_before_the_report_or_an_answer_before_the_response_is_refused(self) -> None:
        """Planted bug caught: the Panel's dates left out of the case's story (`problems`)."""
        case = self.answered()
        with pytest.raises(BadInput, match=r"the Panel's response \(2027-01-07\) would be before the report"):
            correct(case, "panel-response", None, date(2027, 1, 7), TODAY, TODAY)
        with pytest.raises(BadInput, match=r"the answer \(2027-01-08\) would be before the Panel's response"):
            correct(case, "panel-answered", None, date(2027, 1, 8), TODAY, TODAY)
        assert (case.panel_response_on, case.panel_answered_on) == (date(2027, 1, 9), date(2027, 1, 10))

    def test_undo_takes_back_the_answer_then_the_response(self) -> None:
        case = self.answered()
        undo(case, step(20, "answer_panel", "panel_questions"), TODAY)
        assert (case.state, case.panel_answered_on) == ("panel_questions", None)
        undo(case, step(19, "record_panel_response", "submitted"), TODAY)
        assert (case.state, case.panel_response_on, case.panel_agrees, case.panel_questions) == (
            "submitted",
            None,
            None,
            None,
        )

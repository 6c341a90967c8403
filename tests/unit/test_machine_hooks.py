"""What each hook of the Rapid Review machine records, and each guard's exact refusal, one step at a time.

Every test builds its own plain `Case` and machine (nothing is built at import), drives it with the
step under test and compares what was recorded with values written out here. Dates: a Monday
2026-12-21 referral, the meeting on Thursday 2027-01-07.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from statemachine.exceptions import TransitionNotAllowed

from rr_workflow.domain.case import Case
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.machine import RapidReview, machine_for

RECEIVED = date(2026, 12, 21)
SENT = date(2026, 12, 22)
SET = date(2026, 12, 23)
MEETING = date(2027, 1, 7)
SUBMITTED = date(2027, 1, 11)
PANEL = date(2027, 1, 25)

PARTNERS = {"la": "the local authority", "police": "the police", "health": "health"}
ATTENDEES = [("la", "A Smith"), ("police", "DI Jones"), ("health", "Dr Patel")]


def new_case() -> Case:
    return Case("RR-7", RECEIVED, date(2026, 12, 18), "police", "test-7")


def schedule(on: date = MEETING, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "on": on,
        "at": time(10, 0),
        "mode": "in_person",
        "mode_reason": None,
        "window": None,
        "outside_window_reason": None,
        "recorded_on": SET,
    }
    return {**args, **changes}


def held(present: set[str], on: date = MEETING) -> dict[str, Any]:
    return {"on": on, "attendees": ATTENDEES, "required_partners": PARTNERS, "partners_present": present}


def scheduled() -> tuple[Case, RapidReview]:
    case = new_case()
    machine = RapidReview(case)
    machine.send("send_scoping", agencies=["la", "police", "health"], on=SENT)
    machine.send("schedule_meeting", **schedule())
    return case, machine


def meeting_held() -> tuple[Case, RapidReview]:
    case, machine = scheduled()
    machine.send("hold_meeting", **held({"la", "police", "health"}))
    return case, machine


def decided() -> tuple[Case, RapidReview]:
    case, machine = meeting_held()
    machine.send("decide", outcome="no_review", rationale="learning in hand", actions=[], on=MEETING)
    machine.send("record_sin", on=MEETING)
    return case, machine


def submitted() -> tuple[Case, RapidReview]:
    case, machine = decided()
    machine.send("endorse", on=date(2027, 1, 8), by="Prof A Chair")
    machine.send("submit", on=SUBMITTED)
    return case, machine


def events(case: Case) -> list[tuple[str, str, date, dict[str, Any]]]:
    return [(e.kind, e.case_ref, e.on, e.data) for e in case.events]


def refusal(kind: type[Exception], machine: RapidReview, event: str, **args: Any) -> str:
    with pytest.raises(kind) as caught:
        machine.send(event, **args)
    return str(caught.value)


# -- scoping ------------------------------------------------------------------------------------------


def test_record_sin_keeps_its_reference() -> None:
    """Planted (mutation run): the reference dropped."""
    case = new_case()
    RapidReview(case).send("record_sin", on=SENT, reference="SIN-2026-041")
    assert (case.sin_notified_on, case.sin_reference) == (SENT, "SIN-2026-041")


def test_send_scoping_keeps_the_day_the_letters_are_dated() -> None:
    """Planted (mutation run): `letter_on` dropped from the involvement."""
    case = new_case()
    RapidReview(case).send("send_scoping", agencies=["la"], on=SENT, letter_on=SET)
    (la,) = case.involvements
    assert (la.agency, la.sent_on, la.letter_on) == ("la", SENT, SET)


def test_return_and_secure_raise_their_events_with_the_agency() -> None:
    """Planted (mutation run): the event's data emptied or its key renamed."""
    case = new_case()
    machine = RapidReview(case)
    machine.send("send_scoping", agencies=["la", "police"], on=SENT)
    case.events.clear()
    machine.send("return_scoping", agency="police", on=SET)
    machine.send("secure_records", agency="la", on=SET)
    assert events(case) == [
        ("scoping_returned", "RR-7", SET, {"agency": "police"}),
        ("records_secured", "RR-7", SET, {"agency": "la"}),
    ]


def test_an_agency_never_asked_is_named_in_the_refusal() -> None:
    """Planted (mutation run): the message dropped."""
    case = new_case()
    machine = RapidReview(case)
    machine.send("send_scoping", agencies=["la"], on=SENT)
    assert (
        refusal(BadInput, machine, "return_scoping", agency="school", on=SET)
        == "school was never sent the scoping template on this case"
    )


# -- the meeting date ---------------------------------------------------------------------------------


def test_the_first_meeting_records_every_field_and_gets_its_calendar_uid() -> None:
    """Planted (mutation run): a reason, the UID, location or link dropped, the event's keys renamed,
    the time written in another format."""
    case = new_case()
    machine = RapidReview(case)
    machine.send("send_scoping", agencies=["la"], on=SENT)
    case.events.clear()
    machine.send(
        "schedule_meeting",
        **schedule(
            on=date(2027, 1, 16),
            at=time(9, 30),
            mode="remote",
            mode_reason="the chair is abroad",
            window=(date(2027, 1, 4), date(2027, 1, 12)),
            outside_window_reason="the police lead is on leave",
            day_off="a weekend",
            non_working_day_reason="the only day all can meet",
        ),
        location="Room 4, County Hall",
        join_url="https://meet.example/rr-7",
    )
    (meeting,) = case.meetings
    assert (meeting.number, meeting.on, meeting.at, meeting.mode, meeting.set_on, meeting.status) == (
        1,
        date(2027, 1, 16),
        time(9, 30),
        "remote",
        SET,
        "scheduled",
    )
    assert (meeting.mode_reason, meeting.outside_window_reason, meeting.non_working_day_reason) == (
        "the chair is abroad",
        "the police lead is on leave",
        "the only day all can meet",
    )
    assert (meeting.uid, meeting.location, meeting.join_url) == (
        "rr-meeting-RR-7-1@rr-workflow",
        "Room 4, County Hall",
        "https://meet.example/rr-7",
    )
    assert case.meeting_date_set_on == SET
    assert events(case) == [
        (
            "meeting_scheduled",
            "RR-7",
            SET,
            {"number": 1, "date": "2027-01-16", "time": "09:30", "mode": "remote", "moved_from": None},
        )
    ]


def test_a_uid_given_for_a_new_meeting_is_kept() -> None:
    case = new_case()
    machine = RapidReview(case)
    machine.send("send_scoping", agencies=["la"], on=SENT)
    machine.send("schedule_meeting", **schedule(), uid="given@rr")
    assert case.meetings[0].uid == "given@rr"


def test_a_moved_meeting_keeps_its_uid_and_the_old_date_is_cancelled() -> None:
    """Planted (mutation run): the previous meeting not found or left scheduled, the UID taken from the
    new number, the cancellation's kind, case, day or number lost."""
    case, machine = scheduled()
    case.events.clear()
    moved_on = date(2026, 12, 29)
    machine.send("schedule_meeting", **schedule(on=date(2027, 1, 11), at=None, recorded_on=moved_on))
    assert [(m.number, m.status, m.uid) for m in case.meetings] == [
        (1, "superseded", "rr-meeting-RR-7-1@rr-workflow"),
        (2, "scheduled", "rr-meeting-RR-7-1@rr-workflow"),
    ]
    assert case.meeting_date_set_on == SET
    assert events(case) == [
        ("meeting_cancelled", "RR-7", moved_on, {"number": 1}),
        (
            "meeting_scheduled",
            "RR-7",
            moved_on,
            {
                "number": 2,
                "date": "2027-01-11",
                "time": None,
                "mode": "in_person",
                "moved_from": "2027-01-07",
            },
        ),
    ]


def test_a_new_date_after_an_inquorate_meeting_leaves_it_inquorate() -> None:
    """Planted (mutation run): the inquorate meeting superseded and cancelled as if it were still set."""
    case, machine = scheduled()
    machine.send("record_inquorate", **held({"la"}))
    case.events.clear()
    machine.send("schedule_meeting", **schedule(on=date(2027, 1, 12), recorded_on=MEETING))
    assert [(m.number, m.status, m.uid) for m in case.meetings] == [
        (1, "inquorate", "rr-meeting-RR-7-1@rr-workflow"),
        (2, "scheduled", "rr-meeting-RR-7-2@rr-workflow"),
    ]
    assert [e.kind for e in case.events] == ["meeting_scheduled"]
    assert case.events[0].data["moved_from"] is None


# -- the meeting --------------------------------------------------------------------------------------


def test_hold_meeting_records_the_day_and_raises_its_event() -> None:
    """Planted (mutation run): the day or the event's number lost."""
    case, machine = scheduled()
    case.events.clear()
    held_on = date(2027, 1, 8)
    machine.send("hold_meeting", **held({"la", "police", "health"}, on=held_on))
    meeting = case.meetings[0]
    assert (meeting.status, meeting.held_on) == ("held", held_on)
    assert [(a.agency, a.name) for a in meeting.attendees] == ATTENDEES
    assert events(case) == [("meeting_held", "RR-7", held_on, {"number": 1})]


def test_a_meeting_cannot_be_held_before_its_day() -> None:
    """Planted (mutation run): the meeting's day not checked, or the message dropped."""
    case, machine = scheduled()
    assert refusal(
        Refused, machine, "hold_meeting", **held({"la", "police", "health"}, on=date(2027, 1, 6))
    ) == (
        "the meeting is set for Thursday 2027-01-07: it cannot be recorded before that day (on 2027-01-06); "
        "to move it, rr meeting schedule"
    )
    assert case.state == "meeting_scheduled"


def test_an_inquorate_meeting_names_every_missing_partner() -> None:
    """Planted (mutation run): the missing partners not listed, joined otherwise, the message changed."""
    case, machine = scheduled()
    assert refusal(Refused, machine, "hold_meeting", **held({"la"})) == (
        "the meeting is not quorate: no representative of the police, health; "
        "record it with `rr meeting inquorate` and set a new date"
    )
    assert case.meetings[0].status == "scheduled"


# -- the decision -------------------------------------------------------------------------------------


def test_decide_records_the_outcome_and_numbers_the_actions_from_one() -> None:
    """Planted (mutation run): the outcome, rationale, day or actions lost, numbered from 2 or not at all,
    the event's case, day or outcome lost."""
    case, machine = meeting_held()
    case.events.clear()
    on = date(2027, 1, 8)
    machine.send(
        "decide",
        outcome="local_cspr",
        rationale="multi-agency learning",
        actions=[("la", "review the plan"), ("police", "share the log")],
        on=on,
    )
    assert (case.outcome, case.rationale, case.decided_on) == ("local_cspr", "multi-agency learning", on)
    assert [(a.number, a.owner, a.text) for a in case.actions] == [
        (1, "la", "review the plan"),
        (2, "police", "share the log"),
    ]
    assert events(case) == [("decision_made", "RR-7", on, {"outcome": "local_cspr"})]


def test_a_decision_cannot_precede_the_meeting() -> None:
    """Planted (mutation run): the held meeting's day not checked, or the message changed."""
    _, machine = meeting_held()
    assert (
        refusal(
            BadInput, machine, "decide", outcome="no_review", rationale="r", actions=[], on=date(2027, 1, 6)
        )
        == "2027-01-06 is before the meeting was held (2027-01-07)"
    )


def test_a_case_taken_over_without_a_held_meeting_can_be_decided() -> None:
    """A case taken over from a register in `meeting_held` has no meeting recorded. Planted (mutation
    run): the held meeting's day read when there is none."""
    case = new_case()
    case.state = "meeting_held"
    RapidReview(case).send("decide", outcome="no_review", rationale="r", actions=[], on=MEETING)
    assert (case.state, case.decided_on) == ("decided", MEETING)


def test_an_unknown_outcome_names_the_outcomes() -> None:
    """Planted (mutation run): the check inverted or the message changed."""
    _, machine = meeting_held()
    assert refusal(BadInput, machine, "decide", outcome="review", rationale="r", actions=[], on=MEETING) == (
        "unknown outcome 'review' (expected one of: national_cspr, local_cspr, alternative_review, no_review)"
    )


def test_a_decision_without_rationale_is_refused_with_its_message() -> None:
    """Planted (mutation run): the message changed."""
    _, machine = meeting_held()
    assert (
        refusal(BadInput, machine, "decide", outcome="no_review", rationale="  ", actions=[], on=MEETING)
        == "a decision needs its rationale (--rationale)"
    )


# -- the Panel ----------------------------------------------------------------------------------------


def test_a_machine_built_with_endorsement_required_waits_for_the_chair() -> None:
    """Planted (mutation run): `endorsement_required` not kept."""
    case, _ = decided()
    with pytest.raises(TransitionNotAllowed):
        RapidReview(case, endorsement_required=True).send("submit", on=SUBMITTED)
    assert case.state == "decided"


def test_a_machine_built_without_saying_waits_for_the_chair() -> None:
    """Endorsement is required unless the machine is told otherwise. Planted (mutation run): the default
    turned to False."""
    case, _ = decided()
    with pytest.raises(TransitionNotAllowed):
        RapidReview(case).send("submit", on=SUBMITTED)
    assert case.state == "decided"


def test_submit_records_the_draft() -> None:
    """Planted (mutation run): the event or its keys changed."""
    case, machine = decided()
    machine.send("endorse", on=date(2027, 1, 8), by="Prof A Chair")
    case.events.clear()
    machine.send("submit", on=SUBMITTED)
    assert case.submitted_on == SUBMITTED
    assert events(case) == [
        ("report_submitted", "RR-7", SUBMITTED, {"report_document": None, "draft": True}),
    ]


def test_submit_records_the_finished_report() -> None:
    """Planted (mutation run): `draft` inverted."""
    case, machine = decided()
    machine.send("endorse", on=date(2027, 1, 8), by="Prof A Chair")
    case.events.clear()
    machine.send("submit", on=SUBMITTED, report_document=12)
    assert events(case) == [
        ("report_submitted", "RR-7", SUBMITTED, {"report_document": 12, "draft": False}),
    ]


def test_the_panels_questions_are_kept_trimmed() -> None:
    """Planted (mutation run): the questions dropped, the event's data changed."""
    case, machine = submitted()
    case.events.clear()
    machine.send("record_panel_response", on=PANEL, agrees=False, questions="  why no local review?  ")
    assert (case.state, case.panel_response_on, case.panel_agrees, case.panel_questions) == (
        "panel_questions",
        PANEL,
        0,
        "why no local review?",
    )
    assert events(case) == [("panel_responded", "RR-7", PANEL, {"agrees": False, "questions": True})]


def test_a_panel_that_agrees_but_asks_still_needs_an_answer() -> None:
    """Planted (mutation run): `agrees or not questions`."""
    case, machine = submitted()
    machine.send("record_panel_response", on=PANEL, agrees=True, questions="one question")
    assert (case.state, case.panel_agrees, case.panel_questions) == ("panel_questions", 1, "one question")


@pytest.mark.parametrize("questions", [None, "   "])
def test_a_panel_that_agrees_and_asks_nothing_is_handled(questions: str | None) -> None:
    """Planted (mutation run): blank questions counted as questions, or no questions needing an answer."""
    case, machine = submitted()
    case.events.clear()
    machine.send("record_panel_response", on=PANEL, agrees=True, questions=questions)
    assert (case.state, case.panel_agrees, case.panel_questions) == ("response_handled", 1, None)
    assert events(case) == [("panel_responded", "RR-7", PANEL, {"agrees": True, "questions": False})]


def test_a_response_recorded_without_saying_agrees() -> None:
    """The hook's default agrees, as the guard's does. Planted (mutation run): the hook's default turned
    to False (the case handled as agreed, the response stored as disagreeing)."""
    case, machine = submitted()
    case.events.clear()
    machine.send("record_panel_response", on=PANEL)
    assert (case.state, case.panel_agrees) == ("response_handled", 1)
    assert events(case) == [("panel_responded", "RR-7", PANEL, {"agrees": True, "questions": False})]


def test_the_response_cannot_precede_the_report() -> None:
    """Planted (mutation run): the report's day not checked, or the message changed."""
    case, machine = submitted()
    assert (
        refusal(BadInput, machine, "record_panel_response", on=date(2027, 1, 10))
        == "2027-01-10 is before the report went to the Panel (2027-01-11)"
    )
    assert case.state == "submitted"


def test_close_records_the_day() -> None:
    """Planted (mutation run): the closing day lost."""
    case, machine = submitted()
    machine.send("record_panel_response", on=PANEL)
    machine.send("share_outcome", on=SUBMITTED)
    machine.send("close", on=date(2027, 2, 1))
    assert (case.state, case.closed_on) == ("closed", date(2027, 2, 1))


# -- the per-thread machine ---------------------------------------------------------------------------


def test_machine_for_builds_a_machine_that_waits_for_the_chair() -> None:
    """Planted (mutation run): the machine built without the case or without `endorsement_required`."""
    case, _ = decided()
    machine = machine_for(case, endorsement_required=True)
    assert machine.case is case
    with pytest.raises(TransitionNotAllowed):
        machine.send("submit", on=SUBMITTED)
    assert case.state == "decided"


def test_machine_for_without_saying_waits_for_the_chair() -> None:
    """Planted (mutation run): the default turned to False."""
    case, _ = decided()
    with pytest.raises(TransitionNotAllowed):
        machine_for(case).send("submit", on=SUBMITTED)
    assert case.state == "decided"


def test_machine_for_a_schedule_without_endorsement_goes_straight_to_the_panel() -> None:
    """Planted (mutation run): the machine built with the default instead of `endorsement_required`."""
    case, _ = decided()
    machine_for(case, endorsement_required=False).send("submit", on=SUBMITTED)
    assert (case.state, case.submitted_on) == ("submitted", SUBMITTED)


def test_machine_for_hands_on_the_same_machine() -> None:
    """Planted (mutation run): the per-thread table lost."""
    first, second = new_case(), new_case()
    machine = machine_for(first, endorsement_required=False)
    assert machine_for(second, endorsement_required=False) is machine
    assert (machine.case, second.state) == (second, "referred")


def test_the_machine_that_declined_a_case_acts_on_the_next_one() -> None:
    """A machine that took its case to a final state goes on with the next case (it is not built again,
    which costs milliseconds a case); the finished case still allows nothing. Planted: the restarted
    engine left stopped (the next case's step refused as if it were finished too)."""
    declined, fresh = new_case(), new_case()
    machine = machine_for(declined, endorsement_required=False)
    machine.send("decline", on=SENT, reason="does not meet the criteria")
    assert (declined.state, machine.is_terminated) == ("declined", True)

    assert machine_for(fresh, endorsement_required=False) is machine
    assert not machine.is_terminated
    machine.send("send_scoping", agencies=["la"], on=SENT)
    assert fresh.state == "scoping"

    assert machine_for(declined, endorsement_required=False) is machine
    assert [event.id for event in machine.enabled_events()] == []
    with pytest.raises(TransitionNotAllowed):
        machine.send("send_scoping", agencies=["la"], on=SENT)
    assert declined.state == "declined"

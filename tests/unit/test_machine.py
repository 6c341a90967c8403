"""The Rapid Review state machine driven directly, without a database (rr_workflow/domain/machine.py).

Every expected value is written out here: which steps each stage allows and where they lead, the
reason each guard and validator refuses with, and what each hook records on the case and which domain
events it raises. The case is a plain `Case`; its facts are set by driving the machine along the
procedure (Mon 2026-12-21 referral, Fri 2026-12-18 awareness).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from statemachine.exceptions import TransitionNotAllowed

from rr_workflow.domain.case import Case, Meeting
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.events import DomainEvent
from rr_workflow.domain.machine import MILESTONES, RapidReview, allowed_events, machine_for
from rr_workflow.domain.stages import COMMANDS, state_label

RECEIVED = date(2026, 12, 21)  # Monday
AWARE = date(2026, 12, 18)
SENT = date(2026, 12, 22)
SET = date(2026, 12, 23)  # the day the meeting date is set
MEETING = date(2027, 1, 7)
DECIDED = date(2027, 1, 7)
ENDORSED = date(2027, 1, 8)
SUBMITTED = date(2027, 1, 11)
PANEL = date(2027, 1, 25)  # the Panel's response arrives
ANSWERED = date(2027, 2, 1)  # the partnership answers its questions

PARTNERS = {"la": "the local authority", "police": "the police", "health": "health"}
ALL_PRESENT = {"la", "police", "health"}
ATTENDEES = [("la", "A Smith"), ("police", "DI Jones"), ("health", "Dr Patel")]
WINDOW = (date(2027, 1, 4), date(2027, 1, 12))

STATES = [
    "referred",
    "scoping",
    "meeting_scheduled",
    "inquorate",
    "meeting_held",
    "decided",
    "endorsed",
    "submitted",
    "panel_questions",
    "response_handled",
    "closed",
    "declined",
]
EVENTS = list(COMMANDS)


def new_case() -> Case:
    return Case("RR-1", RECEIVED, AWARE, "police", "test-1")


def machine_of(case: Case, endorsement_required: bool = True) -> RapidReview:
    return RapidReview(case, endorsement_required=endorsement_required)


# -- valid arguments for each event (what the service layer passes) ---------------------------------------


def schedule_args(on: date = MEETING, **changes: Any) -> dict[str, Any]:
    args = {
        "on": on,
        "at": time(10, 0),
        "mode": "in_person",
        "mode_reason": None,
        "window": WINDOW,
        "outside_window_reason": None,
        "recorded_on": SET,
    }
    return {**args, **changes}


def meeting_args(present: set[str], on: date = MEETING) -> dict[str, Any]:
    return {"on": on, "attendees": ATTENDEES, "required_partners": PARTNERS, "partners_present": present}


VALID: dict[str, Callable[[], dict[str, Any]]] = {
    "record_sin": lambda: {"on": SENT},
    "send_scoping": lambda: {"agencies": ["school"], "on": SET},
    "return_scoping": lambda: {"agency": "la", "on": SET},
    "secure_records": lambda: {"agency": "la", "on": SET},
    "schedule_meeting": lambda: schedule_args(),
    "hold_meeting": lambda: meeting_args(ALL_PRESENT),
    "record_inquorate": lambda: meeting_args({"la", "police"}),
    "decide": lambda: {"outcome": "no_review", "rationale": "learning in hand", "actions": [], "on": DECIDED},
    "endorse": lambda: {"on": ENDORSED, "by": "Prof A Chair"},
    "submit": lambda: {"on": SUBMITTED},
    "share_outcome": lambda: {"on": SUBMITTED},
    "record_panel_response": lambda: {"on": PANEL, "agrees": True, "questions": None},
    "answer_panel": lambda: {"on": ANSWERED},
    "close": lambda: {"on": ANSWERED},
    "decline": lambda: {"on": SENT, "reason": "not a serious incident"},
}

# The path to each stage: (event, arguments) from a new referral.
PATH: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "referred": [],
    "scoping": [("send_scoping", {"agencies": ["la", "police", "health"], "on": SENT})],
}
PATH["meeting_scheduled"] = [*PATH["scoping"], ("schedule_meeting", schedule_args())]
PATH["inquorate"] = [*PATH["meeting_scheduled"], ("record_inquorate", meeting_args({"la"}))]
PATH["meeting_held"] = [*PATH["meeting_scheduled"], ("hold_meeting", meeting_args(ALL_PRESENT))]
PATH["decided"] = [*PATH["meeting_held"], ("decide", VALID["decide"]())]
PATH["endorsed"] = [*PATH["decided"], ("endorse", VALID["endorse"]())]
PATH["submitted"] = [*PATH["endorsed"], ("record_sin", {"on": ENDORSED}), ("submit", {"on": SUBMITTED})]
PATH["panel_questions"] = [
    *PATH["submitted"],
    ("record_panel_response", {"on": PANEL, "agrees": False, "questions": "why no local review?"}),
]
PATH["response_handled"] = [*PATH["submitted"], ("record_panel_response", VALID["record_panel_response"]())]
PATH["closed"] = [
    *PATH["response_handled"],
    ("share_outcome", {"on": SUBMITTED}),
    ("close", {"on": ANSWERED}),
]
PATH["declined"] = [("decline", {"on": SENT, "reason": "not a serious incident"})]


def case_at(state: str) -> Case:
    """A case driven along the procedure to `state` (SIN recorded only where the Panel needs it)."""
    case = new_case()
    machine = machine_of(case)
    for event, args in PATH[state]:
        machine.send(event, **args)
    assert case.state == state
    case.events.clear()
    return case


def fire(case: Case, event: str, endorsement_required: bool = True, **args: Any) -> None:
    machine_of(case, endorsement_required).send(event, **args)


# -- which steps each stage allows, and where they lead ----------------------------------------------------

# Written out from the procedure: state -> {event: state after it}. Everything else is refused.
ALLOWED: dict[str, dict[str, str]] = {
    "referred": {"record_sin": "referred", "send_scoping": "scoping", "decline": "declined"},
    "scoping": {
        "record_sin": "scoping",
        "send_scoping": "scoping",
        "return_scoping": "scoping",
        "secure_records": "scoping",
        "schedule_meeting": "meeting_scheduled",
        "decline": "declined",
    },
    "meeting_scheduled": {
        "record_sin": "meeting_scheduled",
        "send_scoping": "meeting_scheduled",
        "return_scoping": "meeting_scheduled",
        "secure_records": "meeting_scheduled",
        "schedule_meeting": "meeting_scheduled",
        "hold_meeting": "meeting_held",
        "record_inquorate": "inquorate",
        "decline": "declined",
    },
    "inquorate": {
        "record_sin": "inquorate",
        "send_scoping": "inquorate",
        "return_scoping": "inquorate",
        "secure_records": "inquorate",
        "schedule_meeting": "meeting_scheduled",
        "decline": "declined",
    },
    "meeting_held": {
        "record_sin": "meeting_held",
        "return_scoping": "meeting_held",
        "secure_records": "meeting_held",
        "decide": "decided",
    },
    "decided": {
        "record_sin": "decided",
        "return_scoping": "decided",
        "secure_records": "decided",
        "endorse": "endorsed",
        "share_outcome": "decided",
    },
    "endorsed": {
        "record_sin": "endorsed",
        "return_scoping": "endorsed",
        "secure_records": "endorsed",
        "submit": "submitted",
        "share_outcome": "endorsed",
    },
    "submitted": {
        "return_scoping": "submitted",
        "secure_records": "submitted",
        "share_outcome": "submitted",
        "record_panel_response": "response_handled",
    },
    "panel_questions": {
        "return_scoping": "panel_questions",
        "secure_records": "panel_questions",
        "share_outcome": "panel_questions",
        "answer_panel": "response_handled",
    },
    "response_handled": {
        "return_scoping": "response_handled",
        "secure_records": "response_handled",
        "share_outcome": "response_handled",
        "close": "closed",
    },
    "closed": {},
    "declined": {},
}

ALL_PAIRS = [(state, event) for state in STATES for event in EVENTS]


def test_the_table_names_every_stage_and_event() -> None:
    assert sorted(s.value for s in RapidReview.states) == sorted(STATES)
    assert sorted(e.id for e in RapidReview.events) == sorted(EVENTS)


def _ready_for(case: Case, event: str) -> dict[str, Any]:
    """Facts a step's validators need that are not part of its stage (tested on their own below), and
    the step's valid arguments in that stage."""
    if event == "submit":
        case.sin_notified_on = ENDORSED
    if event == "close":
        case.outcome_shared_on = SUBMITTED
    args = VALID[event]()
    if event == "schedule_meeting" and case.state == "inquorate":  # a new date, set after the meeting
        args.update(on=date(2027, 1, 12), recorded_on=MEETING)
    return args


@pytest.mark.parametrize(("state", "event"), [p for p in ALL_PAIRS if p[1] in ALLOWED[p[0]]])
def test_an_allowed_step_leads_to_its_stage(state: str, event: str) -> None:
    """Planted bug caught: `schedule_meeting` from `inquorate` left out, or `decline` leading to `closed`."""
    case = case_at(state)
    fire(case, event, **_ready_for(case, event))
    assert case.state == ALLOWED[state][event]


@pytest.mark.parametrize(("state", "event"), [p for p in ALL_PAIRS if p[1] not in ALLOWED[p[0]]])
def test_a_step_not_in_the_table_is_refused_and_changes_nothing(state: str, event: str) -> None:
    """Planted bug caught: `decline` allowed from `meeting_held`, or `close` from `endorsed`."""
    case = case_at(state)
    args = _ready_for(case, event)
    # closing while the Panel's response is awaited is refused with what to record instead
    expected = Refused if (state, event) == ("submitted", "close") else TransitionNotAllowed
    with pytest.raises(expected):
        fire(case, event, **args)
    assert case.state == state
    assert case.events == []


ENABLED: dict[str, set[str]] = {
    "referred": {"record_sin", "send_scoping", "decline"},
    "scoping": {
        "record_sin",
        "send_scoping",
        "return_scoping",
        "secure_records",
        "schedule_meeting",
        "decline",
    },
    "meeting_scheduled": {
        "record_sin",
        "send_scoping",
        "return_scoping",
        "secure_records",
        "schedule_meeting",
        "hold_meeting",
        "record_inquorate",
        "decline",
    },
    "inquorate": {
        "record_sin",
        "send_scoping",
        "return_scoping",
        "secure_records",
        "schedule_meeting",
        "decline",
    },
    "meeting_held": {"record_sin", "return_scoping", "secure_records", "decide"},
    "decided": {"record_sin", "return_scoping", "secure_records", "endorse", "share_outcome"},
    "endorsed": {"record_sin", "return_scoping", "secure_records", "submit", "share_outcome"},
    # the SIN was recorded on the way to the Panel: `sin notified` is no longer offered; the case waits
    # for the Panel's response (`close` is not offered until it is handled)
    "submitted": {"return_scoping", "secure_records", "share_outcome", "record_panel_response"},
    "panel_questions": {"return_scoping", "secure_records", "share_outcome", "answer_panel"},
    # `close` is offered (its validator, not a guard, refuses it until the outcome is shared)
    "response_handled": {"return_scoping", "secure_records", "share_outcome", "close"},
    "closed": set(),
    "declined": set(),
}


@pytest.mark.parametrize("state", STATES)
def test_allowed_events_lists_what_the_guards_let_through(state: str) -> None:
    """Planted bug caught: `allowed_events` listing every event of the stage, guards ignored."""
    assert set(allowed_events(machine_of(case_at(state)))) == ENABLED[state]


def test_final_stages_are_closed_and_declined() -> None:
    assert {s.value for s in RapidReview.states if s.final} == {"closed", "declined"}
    assert RapidReview.referred.initial
    assert new_case().state is None
    case = new_case()
    machine_of(case)
    assert case.state == "referred"


# -- guards (conditions): refused as not allowed, and left out of `allowed_events` -------------------------


class TestGuards:
    """A guard hides a step: the step is then refused as not allowed, and not offered."""

    def test_the_sin_can_be_recorded_once(self) -> None:
        case = case_at("scoping")
        fire(case, "record_sin", on=SENT)
        with pytest.raises(TransitionNotAllowed):
            fire(case, "record_sin", on=SET)
        assert case.sin_notified_on == SENT
        assert "record_sin" not in allowed_events(machine_of(case))

    def test_the_outcome_can_be_shared_once(self) -> None:
        case = case_at("decided")
        fire(case, "share_outcome", on=ENDORSED)
        with pytest.raises(TransitionNotAllowed):
            fire(case, "share_outcome", on=SUBMITTED)
        assert case.outcome_shared_on == ENDORSED
        assert "share_outcome" not in allowed_events(machine_of(case))

    def test_without_endorsement_a_decided_case_goes_straight_to_the_panel(self) -> None:
        """Planted bug caught: `endorsement_optional` returning `endorsement_required`."""
        case = case_at("decided")
        case.sin_notified_on = SENT
        assert "submit" in allowed_events(machine_of(case, endorsement_required=False))
        fire(case, "submit", endorsement_required=False, on=SUBMITTED)
        assert (case.state, case.submitted_on) == ("submitted", SUBMITTED)

    def test_the_machine_built_for_a_schedule_without_endorsement_lets_it_go_to_the_panel(self) -> None:
        """The machine the service layer uses (`machine_for`, built once per thread). Planted (mutation run,
        26 Nov 2026): `machine_for` building its machine without `endorsement_required`, so every
        schedule requires the chair's endorsement."""
        case = case_at("decided")
        case.sin_notified_on = SENT
        machine = machine_for(case, endorsement_required=False)
        assert "submit" in allowed_events(machine)
        machine.send("submit", on=SUBMITTED)
        assert (case.state, case.submitted_on) == ("submitted", SUBMITTED)

    def test_the_machine_built_for_a_schedule_with_endorsement_waits_for_the_chair(self) -> None:
        """Planted (mutation run): `machine_for` building its machine with `endorsement_required=None`
        (read as not required)."""
        case = case_at("decided")
        case.sin_notified_on = SENT
        assert "submit" not in allowed_events(machine_for(case, endorsement_required=True))

    def test_with_endorsement_required_a_decided_case_waits_for_the_chair(self) -> None:
        case = case_at("decided")
        case.sin_notified_on = SENT
        assert "submit" not in allowed_events(machine_of(case, endorsement_required=True))
        with pytest.raises(TransitionNotAllowed):
            fire(case, "submit", endorsement_required=True, on=SUBMITTED)
        assert case.state == "decided"

    def test_an_endorsed_case_goes_to_the_panel_whether_or_not_endorsement_is_required(self) -> None:
        for required in (True, False):
            case = case_at("endorsed")
            case.sin_notified_on = SENT
            fire(case, "submit", endorsement_required=required, on=SUBMITTED)
            assert case.state == "submitted"


# -- validators: refused with a reason a coordinator understands ------------------------------------------


def refusal(kind: type[Exception], case: Case, event: str, **args: Any) -> str:
    """The message of the refusal; the case keeps its stage and raises no event."""
    state, events = case.state, list(case.events)
    with pytest.raises(kind) as raised:
        fire(case, event, **args)
    assert case.state == state
    assert case.events == events
    return str(raised.value)


class TestScopingValidators:
    def test_the_template_goes_to_an_agency_once(self) -> None:
        case = case_at("scoping")
        message = refusal(Refused, case, "send_scoping", agencies=["school", "la", "health"], on=SET)
        assert message == "the scoping template was already sent to: la, health"
        assert [i.agency for i in case.involvements] == ["la", "police", "health"]

    def test_new_agencies_may_be_added_while_scoping(self) -> None:
        case = case_at("scoping")
        fire(case, "send_scoping", agencies=["school"], on=SET)
        assert [i.agency for i in case.involvements] == ["la", "police", "health", "school"]

    @pytest.mark.parametrize("event", ["return_scoping", "secure_records"])
    def test_an_agency_never_asked_is_bad_input(self, event: str) -> None:
        message = refusal(BadInput, case_at("scoping"), event, agency="school", on=SET)
        assert message == "school was never sent the scoping template on this case"

    def test_a_template_cannot_come_back_before_it_went(self) -> None:
        message = refusal(BadInput, case_at("scoping"), "return_scoping", agency="la", on=RECEIVED)
        assert message == "2026-12-21 is before the template was sent to la (2026-12-22)"

    def test_a_template_may_come_back_the_day_it_went(self) -> None:
        """Planted bug caught: `on <= earliest` in `_not_before` (the same day refused)."""
        case = case_at("scoping")
        fire(case, "return_scoping", agency="la", on=SENT)
        assert case.involvement("la").returned_on == SENT

    def test_a_template_comes_back_once(self) -> None:
        case = case_at("scoping")
        fire(case, "return_scoping", agency="la", on=SET)
        message = refusal(Refused, case, "return_scoping", agency="la", on=MEETING)
        assert message == "la already returned its template (2026-12-23)"

    def test_records_cannot_be_secured_before_the_instruction_went(self) -> None:
        message = refusal(BadInput, case_at("scoping"), "secure_records", agency="police", on=RECEIVED)
        assert (
            message == "2026-12-21 is before the records-securing instruction was sent to police (2026-12-22)"
        )

    def test_records_are_secured_once(self) -> None:
        case = case_at("scoping")
        fire(case, "secure_records", agency="police", on=SENT)
        message = refusal(Refused, case, "secure_records", agency="police", on=SET)
        assert message == "police already confirmed its records are secured (2026-12-22)"


class TestMeetingDateValidators:
    def test_an_unknown_mode_is_bad_input(self) -> None:
        message = refusal(BadInput, case_at("scoping"), "schedule_meeting", **schedule_args(mode="phone"))
        assert message == "unknown meeting mode 'phone' (expected one of: in_person, remote)"

    @pytest.mark.parametrize("reason", [None, "", "   "])
    def test_a_remote_meeting_needs_a_reason(self, reason: str | None) -> None:
        args = schedule_args(mode="remote", mode_reason=reason)
        message = refusal(BadInput, case_at("scoping"), "schedule_meeting", **args)
        assert message == (
            "a remote meeting needs --reason: it is allowed only where essential to meet the timescales"
        )

    def test_a_remote_meeting_with_a_reason_is_recorded(self) -> None:
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args(mode="remote", mode_reason="snow"))
        assert (case.current_meeting.mode, case.current_meeting.mode_reason) == ("remote", "snow")

    def test_a_date_cannot_be_set_before_the_templates_went(self) -> None:
        args = schedule_args(recorded_on=RECEIVED)
        message = refusal(BadInput, case_at("scoping"), "schedule_meeting", **args)
        assert message == "2026-12-21 is before the scoping templates were sent (2026-12-22)"

    def test_a_new_date_cannot_be_set_before_the_previous_one_was(self) -> None:
        args = schedule_args(on=date(2027, 1, 8), recorded_on=date(2026, 12, 22))
        message = refusal(BadInput, case_at("meeting_scheduled"), "schedule_meeting", **args)
        assert message == "2026-12-22 is before the previous meeting was set (2026-12-23)"

    def test_a_new_date_cannot_be_set_before_an_inquorate_meeting_was_held(self) -> None:
        args = schedule_args(on=date(2027, 1, 12), recorded_on=date(2027, 1, 6))
        message = refusal(BadInput, case_at("inquorate"), "schedule_meeting", **args)
        assert message == "2027-01-06 is before the previous meeting was held (2027-01-07)"

    def test_the_meeting_cannot_be_before_the_referral(self) -> None:
        args = schedule_args(on=date(2026, 12, 20), window=None)
        message = refusal(BadInput, case_at("scoping"), "schedule_meeting", **args)
        assert message == "the meeting cannot be before the referral was received (2026-12-21)"

    def test_the_meeting_may_be_on_the_day_of_the_referral(self) -> None:
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args(on=RECEIVED, window=None))
        assert case.current_meeting.on == RECEIVED

    @pytest.mark.parametrize("on", [date(2027, 1, 1), date(2027, 1, 13)])
    @pytest.mark.parametrize("reason", [None, "  "])
    def test_outside_the_window_needs_a_reason(self, on: date, reason: str | None) -> None:
        args = schedule_args(on=on, outside_window_reason=reason)
        message = refusal(BadInput, case_at("scoping"), "schedule_meeting", **args)
        assert message == (
            f"{on} is outside the meeting window 2027-01-04 to 2027-01-12: "
            "give --outside-window-reason to record why"
        )

    @pytest.mark.parametrize("on", [date(2027, 1, 4), date(2027, 1, 12)])
    def test_the_first_and_last_days_of_the_window_are_inside_it(self, on: date) -> None:
        """Planted bug caught: `<` instead of `<=` at either end of the window check."""
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args(on=on))
        assert (case.state, case.current_meeting.on) == ("meeting_scheduled", on)

    def test_outside_the_window_with_a_reason_is_recorded(self) -> None:
        case = case_at("scoping")
        fire(
            case, "schedule_meeting", **schedule_args(on=date(2027, 1, 14), outside_window_reason="chair ill")
        )
        assert case.current_meeting.outside_window_reason == "chair ill"

    def test_without_a_window_any_date_from_the_referral_on_is_accepted(self) -> None:
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args(on=date(2027, 3, 1), window=None))
        assert case.current_meeting.on == date(2027, 3, 1)


class TestQuorum:
    """A meeting is quorate only with every safeguarding partner present (each one checked)."""

    @pytest.mark.parametrize(
        ("absent", "label"),
        [("la", "the local authority"), ("police", "the police"), ("health", "health")],
    )
    def test_a_meeting_without_one_partner_cannot_be_recorded_as_held(self, absent: str, label: str) -> None:
        """Planted bug caught: the quorum check ignoring the police (or any one partner)."""
        message = refusal(
            Refused, case_at("meeting_scheduled"), "hold_meeting", **meeting_args(ALL_PRESENT - {absent})
        )
        assert message == (
            f"the meeting is not quorate: no representative of {label}; "
            "record it with `rr meeting inquorate` and set a new date"
        )

    def test_every_missing_partner_is_named(self) -> None:
        message = refusal(Refused, case_at("meeting_scheduled"), "hold_meeting", **meeting_args({"police"}))
        assert "no representative of the local authority, health;" in message

    def test_other_agencies_do_not_make_a_quorum(self) -> None:
        args = meeting_args({"la", "health", "school"})
        assert "no representative of the police;" in refusal(
            Refused, case_at("meeting_scheduled"), "hold_meeting", **args
        )

    @pytest.mark.parametrize("event", ["hold_meeting", "record_inquorate"])
    def test_a_meeting_cannot_be_recorded_before_its_date(self, event: str) -> None:
        present = ALL_PRESENT if event == "hold_meeting" else {"la"}
        args = meeting_args(present, on=date(2027, 1, 6))
        message = refusal(Refused, case_at("meeting_scheduled"), event, **args)
        assert message == (
            "the meeting is set for Thursday 2027-01-07: it cannot be recorded before that day "
            "(on 2027-01-06); to move it, rr meeting schedule"
        )

    def test_a_meeting_may_be_recorded_after_its_date(self) -> None:
        case = case_at("meeting_scheduled")
        fire(case, "hold_meeting", **meeting_args(ALL_PRESENT, on=date(2027, 1, 8)))
        assert case.held_meeting.held_on == date(2027, 1, 8)

    def test_a_quorate_meeting_cannot_be_recorded_as_inquorate(self) -> None:
        message = refusal(
            Refused, case_at("meeting_scheduled"), "record_inquorate", **meeting_args(ALL_PRESENT)
        )
        assert message == "every safeguarding partner was present: record the meeting with `rr meeting held`"

    @pytest.mark.parametrize("absent", ["la", "police", "health"])
    def test_a_meeting_without_one_partner_is_inquorate(self, absent: str) -> None:
        case = case_at("meeting_scheduled")
        fire(case, "record_inquorate", **meeting_args(ALL_PRESENT - {absent}))
        assert case.state == "inquorate"


class TestDecisionAndAfter:
    def test_a_decision_cannot_precede_the_meeting(self) -> None:
        args = {**VALID["decide"](), "on": date(2027, 1, 6)}
        message = refusal(BadInput, case_at("meeting_held"), "decide", **args)
        assert message == "2027-01-06 is before the meeting was held (2027-01-07)"

    def test_an_unknown_outcome_is_bad_input(self) -> None:
        args = {**VALID["decide"](), "outcome": "maybe"}
        message = refusal(BadInput, case_at("meeting_held"), "decide", **args)
        assert message == (
            "unknown outcome 'maybe' "
            "(expected one of: national_cspr, local_cspr, alternative_review, no_review)"
        )

    @pytest.mark.parametrize("rationale", ["", "  \n"])
    def test_a_decision_needs_its_rationale(self, rationale: str) -> None:
        args = {**VALID["decide"](), "rationale": rationale}
        message = refusal(BadInput, case_at("meeting_held"), "decide", **args)
        assert message == "a decision needs its rationale (--rationale)"

    @pytest.mark.parametrize("outcome", ["national_cspr", "local_cspr", "alternative_review", "no_review"])
    def test_each_outcome_is_accepted(self, outcome: str) -> None:
        case = case_at("meeting_held")
        fire(case, "decide", **{**VALID["decide"](), "outcome": outcome})
        assert (case.state, case.outcome) == ("decided", outcome)

    def test_endorsement_cannot_precede_the_decision(self) -> None:
        message = refusal(BadInput, case_at("decided"), "endorse", on=date(2027, 1, 6), by="Prof A Chair")
        assert message == "2027-01-06 is before the decision was made (2027-01-07)"

    def test_the_outcome_cannot_be_shared_before_the_decision(self) -> None:
        message = refusal(BadInput, case_at("decided"), "share_outcome", on=date(2027, 1, 6))
        assert message == "2027-01-06 is before the decision was made (2027-01-07)"

    def test_the_report_needs_the_sin_first(self) -> None:
        """Planted bug caught: `validate_submit` checking `submitted_on` instead of `sin_notified_on`."""
        message = refusal(Refused, case_at("endorsed"), "submit", on=SUBMITTED)
        assert message == (
            "no Serious Incident Notification is recorded: the report cannot go to the Panel "
            "before it (rr sin notified)"
        )

    def test_the_report_cannot_precede_the_endorsement(self) -> None:
        case = case_at("endorsed")
        case.sin_notified_on = SENT
        message = refusal(BadInput, case, "submit", on=DECIDED)
        assert message == "2027-01-07 is before the outcome was decided and endorsed (2027-01-08)"

    def test_without_endorsement_the_report_cannot_precede_the_decision(self) -> None:
        case = case_at("decided")
        case.sin_notified_on = SENT
        with pytest.raises(BadInput) as raised:
            fire(case, "submit", endorsement_required=False, on=date(2027, 1, 6))
        assert str(raised.value) == "2027-01-06 is before the outcome was decided and endorsed (2027-01-07)"

    def test_a_case_closes_only_once_the_outcome_is_shared(self) -> None:
        message = refusal(Refused, case_at("response_handled"), "close", on=PANEL)
        assert message == "the outcome has not been shared with the agencies (rr outcome shared)"

    def test_a_case_cannot_close_before_the_outcome_was_shared(self) -> None:
        case = case_at("response_handled")
        case.outcome_shared_on = date(2027, 1, 12)
        message = refusal(BadInput, case, "close", on=SUBMITTED)
        assert message == "2027-01-11 is before the outcome was shared (2027-01-12)"

    def test_a_case_cannot_close_before_the_report_went_to_the_panel(self) -> None:
        case = case_at("response_handled")
        case.outcome_shared_on = ENDORSED
        message = refusal(BadInput, case, "close", on=ENDORSED)
        assert message == "2027-01-08 is before the report went to the Panel (2027-01-11)"


class TestThePanelsResponse:
    """After the report, the case waits for the Panel: a response that agrees and asks nothing is handled
    at once; one that asks questions or disagrees needs the partnership's answer; only then may it close."""

    @pytest.mark.parametrize(
        ("agrees", "questions", "stage"),
        [
            (True, None, "response_handled"),
            (True, "   ", "response_handled"),
            (True, "what did the school know?", "panel_questions"),
            (False, None, "panel_questions"),
            (False, "why no local review?", "panel_questions"),
        ],
    )
    def test_the_response_leads_to_its_stage(self, agrees: bool, questions: str | None, stage: str) -> None:
        """Planted bug caught: a disagreement without questions treated as handled."""
        case = case_at("submitted")
        fire(case, "record_panel_response", on=PANEL, agrees=agrees, questions=questions)
        assert case.state == stage
        assert (case.panel_response_on, case.panel_agrees) == (PANEL, int(agrees))

    def test_the_response_records_the_questions_and_raises_its_event(self) -> None:
        case = case_at("submitted")
        fire(case, "record_panel_response", on=PANEL, agrees=False, questions=" why no local review? ")
        assert case.panel_questions == "why no local review?"
        assert case.panel_asks
        assert kinds(case) == [("panel_responded", "RR-1", PANEL, {"agrees": False, "questions": True})]

    def test_the_response_cannot_precede_the_report(self) -> None:
        message = refusal(BadInput, case_at("submitted"), "record_panel_response", on=ENDORSED, agrees=True)
        assert message == "2027-01-08 is before the report went to the Panel (2027-01-11)"

    def test_the_answer_cannot_precede_the_response(self) -> None:
        message = refusal(BadInput, case_at("panel_questions"), "answer_panel", on=SUBMITTED)
        assert message == "2027-01-11 is before the Panel's response arrived (2027-01-25)"

    def test_the_answer_is_recorded(self) -> None:
        case = case_at("panel_questions")
        fire(case, "answer_panel", on=ANSWERED)
        assert (case.state, case.panel_answered_on) == ("response_handled", ANSWERED)
        assert kinds(case) == [("panel_answered", "RR-1", ANSWERED, {})]

    def test_a_case_awaiting_the_response_closes_only_with_the_reason(self) -> None:
        """A case taken over from a register whose response was never recorded closes with the reason."""
        case = case_at("submitted")
        case.outcome_shared_on = SUBMITTED
        for without in (None, "  "):
            message = refusal(Refused, case, "close", on=PANEL, without_response=without)
            assert message == (
                "the National Panel's response is not recorded: rr panel response RR-1 --agrees yes|no "
                "(a case whose response was never recorded closes with --without-response REASON)"
            )
        fire(case, "close", on=PANEL, without_response="not in the register")
        assert case.state == "closed"

    def test_a_case_cannot_close_before_the_answer_went(self) -> None:
        case = case_at("panel_questions")
        fire(case, "answer_panel", on=ANSWERED)
        case.outcome_shared_on = SUBMITTED
        message = refusal(BadInput, case, "close", on=PANEL)
        assert message == "2027-01-25 is before the Panel's questions were answered (2027-02-01)"


# -- hooks: the facts recorded and the domain events raised ------------------------------------------------


def kinds(case: Case) -> list[tuple[str, str, date, dict[str, Any]]]:
    return [(e.kind, e.case_ref, e.on, e.data) for e in case.events]


class TestHooks:
    def test_record_sin(self) -> None:
        case = case_at("referred")
        fire(case, "record_sin", on=SENT)
        assert case.sin_notified_on == SENT
        assert kinds(case) == [("sin_notified", "RR-1", SENT, {})]

    def test_send_scoping_records_each_agency_and_raises_one_event_each(self) -> None:
        case = case_at("referred")
        fire(case, "send_scoping", agencies=["la", "police"], on=SENT)
        assert [(i.agency, i.sent_on, i.returned_on, i.secured_on) for i in case.involvements] == [
            ("la", SENT, None, None),
            ("police", SENT, None, None),
        ]
        assert kinds(case) == [
            ("scoping_sent", "RR-1", SENT, {"agency": "la"}),
            ("scoping_sent", "RR-1", SENT, {"agency": "police"}),
        ]

    def test_return_scoping(self) -> None:
        case = case_at("scoping")
        fire(case, "return_scoping", agency="police", on=SET)
        police = case.involvement("police")
        assert (police.returned_on, police.secured_on) == (SET, None)
        assert case.involvement("la").returned_on is None
        assert kinds(case) == [("scoping_returned", "RR-1", SET, {"agency": "police"})]

    def test_secure_records(self) -> None:
        case = case_at("scoping")
        fire(case, "secure_records", agency="health", on=SET)
        health = case.involvement("health")
        assert (health.returned_on, health.secured_on) == (None, SET)
        assert kinds(case) == [("records_secured", "RR-1", SET, {"agency": "health"})]

    def test_schedule_meeting(self) -> None:
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args())
        (meeting,) = case.meetings
        assert (meeting.number, meeting.on, meeting.at, meeting.mode, meeting.set_on, meeting.status) == (
            1,
            MEETING,
            time(10, 0),
            "in_person",
            SET,
            "scheduled",
        )
        assert case.meeting_date_set_on == SET
        assert kinds(case) == [
            (
                "meeting_scheduled",
                "RR-1",
                SET,
                {"number": 1, "date": "2027-01-07", "time": "10:00", "mode": "in_person", "moved_from": None},
            )
        ]

    def test_a_meeting_keeps_the_calendar_uid_it_was_given_when_moved(self) -> None:
        """The invitation's UID is given once, when the meeting is set; a move keeps it, a new meeting
        after an inquorate one takes the new one. Planted bug caught: the moved meeting taking the UID
        offered for the move."""
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args(), uid="first@rr")
        fire(case, "schedule_meeting", **schedule_args(on=date(2027, 1, 8)), uid="second@rr")
        assert [m.uid for m in case.meetings] == ["first@rr", "first@rr"]
        assert case.events[-1].data["moved_from"] == "2027-01-07"
        fire(case, "record_inquorate", **meeting_args({"la", "police"}, on=date(2027, 1, 8)))
        fire(
            case,
            "schedule_meeting",
            **schedule_args(on=date(2027, 1, 12), recorded_on=date(2027, 1, 8)),
            uid="third@rr",
        )
        assert [m.uid for m in case.meetings] == ["first@rr", "first@rr", "third@rr"]
        assert case.events[-1].data["moved_from"] is None

    def test_a_meeting_without_a_time(self) -> None:
        case = case_at("scoping")
        fire(case, "schedule_meeting", **schedule_args(at=None))
        assert case.events[0].data["time"] is None

    def test_a_new_date_supersedes_the_old_and_cancels_it(self) -> None:
        """Planted bug caught: the first date-set day overwritten by a reschedule (`meeting_date_set`
        is met once, when the first date was set)."""
        case = case_at("meeting_scheduled")
        later = date(2026, 12, 29)
        fire(case, "schedule_meeting", **schedule_args(on=date(2027, 1, 11), at=None, recorded_on=later))
        assert [(m.number, m.on, m.status, m.set_on) for m in case.meetings] == [
            (1, MEETING, "superseded", SET),
            (2, date(2027, 1, 11), "scheduled", later),
        ]
        assert case.current_meeting.number == 2
        assert case.meeting_date_set_on == SET
        assert kinds(case) == [
            ("meeting_cancelled", "RR-1", later, {"number": 1}),
            (
                "meeting_scheduled",
                "RR-1",
                later,
                {
                    "number": 2,
                    "date": "2027-01-11",
                    "time": None,
                    "mode": "in_person",
                    "moved_from": "2027-01-07",
                },
            ),
        ]

    def test_a_new_date_after_an_inquorate_meeting_cancels_nothing(self) -> None:
        case = case_at("inquorate")
        fire(case, "schedule_meeting", **schedule_args(on=date(2027, 1, 12), recorded_on=MEETING))
        assert [(m.number, m.status) for m in case.meetings] == [(1, "inquorate"), (2, "scheduled")]
        assert [e.kind for e in case.events] == ["meeting_scheduled"]
        assert case.state == "meeting_scheduled"

    def test_hold_meeting(self) -> None:
        case = case_at("meeting_scheduled")
        fire(case, "hold_meeting", **meeting_args(ALL_PRESENT))
        meeting = case.held_meeting
        assert (meeting.number, meeting.status, meeting.held_on) == (1, "held", MEETING)
        assert [(a.agency, a.name) for a in meeting.attendees] == ATTENDEES
        assert kinds(case) == [("meeting_held", "RR-1", MEETING, {"number": 1})]

    def test_record_inquorate(self) -> None:
        case = case_at("meeting_scheduled")
        fire(case, "record_inquorate", **meeting_args({"la", "police"}))
        (meeting,) = case.meetings
        assert (meeting.status, meeting.held_on) == ("inquorate", MEETING)
        assert case.held_meeting is None
        assert [(a.agency, a.name) for a in meeting.attendees] == ATTENDEES
        assert kinds(case) == [("meeting_inquorate", "RR-1", MEETING, {"number": 1})]

    def test_decide_numbers_the_immediate_actions_from_one(self) -> None:
        case = case_at("meeting_held")
        actions = [("la", "visit the sibling"), ("police", "share the log")]
        fire(case, "decide", outcome="local_cspr", rationale="local learning", actions=actions, on=DECIDED)
        assert (case.outcome, case.rationale, case.decided_on) == ("local_cspr", "local learning", DECIDED)
        assert [(a.number, a.owner, a.text) for a in case.actions] == [
            (1, "la", "visit the sibling"),
            (2, "police", "share the log"),
        ]
        assert kinds(case) == [("decision_made", "RR-1", DECIDED, {"outcome": "local_cspr"})]

    def test_endorse(self) -> None:
        case = case_at("decided")
        fire(case, "endorse", on=ENDORSED, by="Prof A Chair")
        assert (case.endorsed_on, case.endorsed_by) == (ENDORSED, "Prof A Chair")
        assert kinds(case) == [("endorsed", "RR-1", ENDORSED, {})]

    def test_submit(self) -> None:
        case = case_at("endorsed")
        case.sin_notified_on = SENT
        fire(case, "submit", on=SUBMITTED)
        assert case.submitted_on == SUBMITTED
        assert kinds(case) == [
            ("report_submitted", "RR-1", SUBMITTED, {"report_document": None, "draft": True})
        ]

    def test_submit_with_the_finished_report(self) -> None:
        case = case_at("endorsed")
        case.sin_notified_on = SENT
        fire(case, "submit", on=SUBMITTED, report_document=7)
        assert kinds(case) == [
            ("report_submitted", "RR-1", SUBMITTED, {"report_document": 7, "draft": False})
        ]

    def test_share_outcome(self) -> None:
        case = case_at("endorsed")
        fire(case, "share_outcome", on=SUBMITTED)
        assert (case.outcome_shared_on, case.state) == (SUBMITTED, "endorsed")
        assert kinds(case) == [("outcome_shared", "RR-1", SUBMITTED, {})]

    def test_close(self) -> None:
        case = case_at("response_handled")
        case.outcome_shared_on = SUBMITTED
        fire(case, "close", on=date(2027, 1, 26))
        assert case.closed_on == date(2027, 1, 26)
        assert kinds(case) == [("case_closed", "RR-1", date(2027, 1, 26), {})]

    def test_decline(self) -> None:
        case = case_at("scoping")
        fire(case, "decline", on=SET, reason="not a serious incident")
        assert (case.declined_on, case.decline_reason, case.closed_on) == (
            SET,
            "not a serious incident",
            None,
        )
        assert kinds(case) == [("case_declined", "RR-1", SET, {})]

    def test_every_event_is_a_domain_event_for_this_case(self) -> None:
        case = new_case()
        machine = machine_of(case)
        for event, args in PATH["closed"]:
            machine.send(event, **args)
        assert all(isinstance(e, DomainEvent) and e.case_ref == "RR-1" for e in case.events)
        assert [e.kind for e in case.events] == [
            "scoping_sent",
            "scoping_sent",
            "scoping_sent",
            "meeting_scheduled",
            "meeting_held",
            "decision_made",
            "endorsed",
            "sin_notified",
            "report_submitted",
            "panel_responded",
            "outcome_shared",
            "case_closed",
        ]


# -- the names a coordinator sees -------------------------------------------------------------------------


def test_each_event_has_the_command_a_coordinator_types() -> None:
    assert dict(COMMANDS) == {
        "record_sin": "sin notified",
        "send_scoping": "scoping send",
        "return_scoping": "scoping returned",
        "secure_records": "records secured",
        "schedule_meeting": "meeting schedule",
        "hold_meeting": "meeting held",
        "record_inquorate": "meeting inquorate",
        "decide": "decide",
        "endorse": "endorse",
        "submit": "submit",
        "share_outcome": "outcome shared",
        "record_panel_response": "panel response",
        "answer_panel": "panel answered",
        "close": "close",
        "decline": "decline",
    }


def test_each_milestone_step_names_the_milestone_it_meets() -> None:
    assert dict(MILESTONES) == {
        "record_sin": "sin_notified",
        "send_scoping": "scoping_sent",
        "return_scoping": "scoping_returned",
        "secure_records": "records_secured",
        "schedule_meeting": "meeting_date_set",
        "hold_meeting": "meeting_held",
        "decide": "decision_made",
        "endorse": "endorsed",
        "submit": "panel_submission",
        "share_outcome": "outcome_shared",
        "record_panel_response": "panel_response",
        "answer_panel": "panel_answered",
        "close": "closed",
    }


STAGES = [
    ("referred", "referral received"),
    ("scoping", "scoping with agencies"),
    ("meeting_scheduled", "meeting scheduled"),
    ("inquorate", "meeting inquorate: new date needed"),
    ("meeting_held", "meeting held"),
    ("decided", "decision made"),
    ("endorsed", "outcome endorsed"),
    ("submitted", "report sent to the Panel"),
    ("panel_questions", "the Panel asks: answer due"),
    ("response_handled", "the Panel's response handled"),
    ("closed", "closed"),
    ("declined", "declined"),
]


@pytest.mark.parametrize(("value", "label"), [*STAGES, ("no_such_stage", "no_such_stage")])
def test_state_label(value: str, label: str) -> None:
    assert state_label(value) == label


def test_the_machines_stages_are_named_as_the_views_name_them() -> None:
    """The views name a stage without the state machine (domain/stages.py); the machine's own names are
    the same, for every one of its states and no other."""
    assert {state.value: state.name for state in RapidReview.states} == dict(STAGES)


def test_meeting_statuses_are_the_stored_strings() -> None:
    assert (Meeting.SCHEDULED, Meeting.HELD, Meeting.INQUORATE, Meeting.SUPERSEDED) == (
        "scheduled",
        "held",
        "inquorate",
        "superseded",
    )


# -- one machine per thread, handed each case ----------------------------------------------------------


def test_the_machine_built_once_acts_on_the_case_it_was_last_handed() -> None:
    """Planted bug caught: handing the pooled machine a case without rebinding its model (the second
    case's step lands on the first case)."""
    first, second = new_case(), Case("RR-2", RECEIVED, AWARE, "police", "test-1")
    machine_for(first).send("send_scoping", on=SENT, agencies=["la"])
    machine_for(second).send("send_scoping", on=SENT, agencies=["la"])
    pooled = machine_for(first)
    assert machine_for(second) is pooled  # built once
    with pytest.raises(Refused, match="already sent to: la"):
        pooled.send("send_scoping", on=SENT, agencies=["la"])
    machine_for(first).send("record_sin", on=SENT)
    assert (first.state, second.state) == ("scoping", "scoping")
    assert (first.sin_notified_on, second.sin_notified_on) == (SENT, None)
    assert allowed_events(machine_for(second)) == allowed_events(machine_of(second))
    assert "record_sin" not in allowed_events(machine_for(first))
    assert "record_sin" in allowed_events(machine_for(second))


def test_the_machine_handed_on_after_a_case_is_closed_still_acts() -> None:
    """A machine that reached a final state stops processing events. Planted bug caught: keeping the
    machine that closed a case (the next case's step is refused)."""
    first, second = new_case(), Case("RR-2", RECEIVED, AWARE, "police", "test-1")
    machine_for(first), machine_for(second)  # each new case enters the initial state
    machine_for(first).send("decline", on=SENT, reason="not a Rapid Review")
    machine_for(second).send("send_scoping", on=SENT, agencies=["la"])
    assert (first.state, second.state) == ("declined", "scoping")


def test_a_new_case_handed_to_the_machine_enters_the_initial_state() -> None:
    """A new case is handed to the machine already built (no new one: building costs milliseconds) and
    enters the initial state through it. Planted bug caught: handing it over without activating the
    initial state (the case has no state, and its first step is refused)."""
    first = new_case()
    pooled = machine_for(first)
    pooled.send("send_scoping", on=SENT, agencies=["la"])
    second = Case("RR-2", RECEIVED, AWARE, "police", "test-1")
    assert machine_for(second) is pooled
    assert (first.state, second.state) == ("scoping", "referred")
    pooled.send("send_scoping", on=SENT, agencies=["police"])
    assert [i.agency for i in second.involvements] == ["police"]

"""The Rapid Review procedure (docs/procedure.md) as a state machine: the only list of stages and legal steps.

Each event is a command a coordinator runs. Validators are named methods that refuse with a reason a
coordinator understands; `on_<event>` hooks record what happened on the case and raise the domain events
the letters and timers consume. State values are stored in the database: never rename one.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Mapping, Sequence
from datetime import date, time
from functools import reduce

from statemachine import State, StateMachine
from statemachine.transition_list import TransitionList

from rr_workflow.domain import events as ev
from rr_workflow.domain.case import (
    MEETING_MODES,
    OUTCOMES,
    Attendance,
    Case,
    ImmediateAction,
    Involvement,
    Meeting,
)
from rr_workflow.domain.deadlines import Deadline
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.stages import RAPID_REVIEW as STAGES


def _not_before(on: date, earliest: date | None, what: str) -> None:
    if earliest is not None and on < earliest:
        raise BadInput(f"{on} is before {what} ({earliest})")


def _recorded_in(*stages: State) -> TransitionList:
    return reduce(operator.or_, (stage.to.itself(internal=True) for stage in stages))


class _InHand:
    """The machine's model: the case in hand, whose `state` the machine reads and writes. A machine costs
    milliseconds to build, so one is built per thread and handed each case in turn (`machine_for`)."""

    __slots__ = ("case",)

    def __init__(self, case: Case) -> None:
        self.case = case

    @property
    def state(self) -> str | None:
        return self.case.state

    @state.setter
    def state(self, value: str | None) -> None:
        self.case.state = value


class RapidReview(StateMachine):
    """Referral → scoping → meeting → decision → endorsement → report to the Panel → the Panel's
    response (and the answer to its questions) → closed."""

    referred = State(STAGES["referred"], value="referred", initial=True)
    scoping = State(STAGES["scoping"], value="scoping")
    meeting_scheduled = State(STAGES["meeting_scheduled"], value="meeting_scheduled")
    inquorate = State(STAGES["inquorate"], value="inquorate")
    meeting_held = State(STAGES["meeting_held"], value="meeting_held")
    decided = State(STAGES["decided"], value="decided")
    endorsed = State(STAGES["endorsed"], value="endorsed")
    submitted = State(STAGES["submitted"], value="submitted")
    panel_questions = State(STAGES["panel_questions"], value="panel_questions")
    response_handled = State(STAGES["response_handled"], value="response_handled")
    closed = State(STAGES["closed"], value="closed", final=True)
    declined = State(STAGES["declined"], value="declined", final=True)

    # Steps that record a fact without changing the stage ("internal" self-transitions), by stage.
    record_sin = _recorded_in(
        referred, scoping, meeting_scheduled, inquorate, meeting_held, decided, endorsed
    )
    send_scoping = referred.to(scoping) | _recorded_in(scoping, meeting_scheduled, inquorate)
    # An agency's template and its records secured may be recorded from scoping until the case closes.
    _agencies_answer_in = (
        scoping,
        meeting_scheduled,
        inquorate,
        meeting_held,
        decided,
        endorsed,
        submitted,
        panel_questions,
        response_handled,
    )
    return_scoping = _recorded_in(*_agencies_answer_in)
    secure_records = _recorded_in(*_agencies_answer_in)
    schedule_meeting = (
        scoping.to(meeting_scheduled)
        | meeting_scheduled.to.itself(internal=True)
        | inquorate.to(meeting_scheduled)
    )
    hold_meeting = meeting_scheduled.to(meeting_held, validators="check_quorate")
    record_inquorate = meeting_scheduled.to(inquorate, validators="check_inquorate")
    decide = meeting_held.to(decided, validators="check_decision")
    endorse = decided.to(endorsed)
    submit = endorsed.to(submitted) | decided.to(submitted, cond="endorsement_optional")
    share_outcome = _recorded_in(decided, endorsed, submitted, panel_questions, response_handled)
    record_panel_response = submitted.to(
        response_handled, cond="panel_satisfied", validators="check_panel_response"
    ) | submitted.to(panel_questions, unless="panel_satisfied", validators="check_panel_response")
    answer_panel = panel_questions.to(response_handled)
    # A case closes once the Panel's response is handled; one whose response was never recorded (a case
    # taken over from a register) closes only with the reason recorded.
    close = response_handled.to(closed) | submitted.to(closed, cond="closing_without_response")
    decline = (
        referred.to(declined) | scoping.to(declined) | meeting_scheduled.to(declined) | inquorate.to(declined)
    )

    def __init__(self, case: Case, endorsement_required: bool = True) -> None:
        self.endorsement_required = endorsement_required
        super().__init__(model=_InHand(case), state_field="state")

    @property
    def case(self) -> Case:
        return self.model.case  # type: ignore[no-any-return]

    # -- guards and validators ----------------------------------------------------------------------

    def endorsement_optional(self) -> bool:
        return not self.endorsement_required

    @record_sin.cond
    def sin_outstanding(self) -> bool:
        return self.case.sin_notified_on is None

    @send_scoping.validators
    def validate_send_scoping(self, agencies: Sequence[str]) -> None:
        already = [a for a in agencies if self.case.involvement(a) is not None]
        if already:
            raise Refused(f"the scoping template was already sent to: {', '.join(already)}")

    @return_scoping.validators
    def validate_return_scoping(self, agency: str, on: date) -> None:
        involvement = self._involvement(agency)
        _not_before(on, involvement.sent_on, f"the template was sent to {agency}")
        if involvement.returned_on is not None:
            raise Refused(f"{agency} already returned its template ({involvement.returned_on})")

    @secure_records.validators
    def validate_secure_records(self, agency: str, on: date) -> None:
        involvement = self._involvement(agency)
        _not_before(on, involvement.sent_on, f"the records-securing instruction was sent to {agency}")
        if involvement.secured_on is not None:
            raise Refused(f"{agency} already confirmed its records are secured ({involvement.secured_on})")

    @schedule_meeting.validators
    def validate_schedule_meeting(
        self,
        on: date,
        mode: str,
        mode_reason: str | None,
        window: tuple[date, date] | None,
        outside_window_reason: str | None,
        recorded_on: date,
        day_off: str | None = None,
        non_working_day_reason: str | None = None,
    ) -> None:
        """`day_off`: why the meeting's date is not a working day ("a weekend", a bank holiday's
        name), or None when it is one."""
        _not_before(recorded_on, self.case.scoping_first_sent_on, "the scoping templates were sent")
        previous = self.case.current_meeting
        if previous is not None:
            what = "the previous meeting was " + ("held" if previous.held_on else "set")
            _not_before(recorded_on, previous.held_on or previous.set_on, what)
        if mode not in MEETING_MODES:
            raise BadInput(f"unknown meeting mode {mode!r} (expected one of: {', '.join(MEETING_MODES)})")
        if mode == "remote" and not (mode_reason and mode_reason.strip()):
            raise BadInput(
                "a remote meeting needs --reason: it is allowed only where essential to meet the timescales"
            )
        if on < self.case.received:
            raise BadInput(f"the meeting cannot be before the referral was received ({self.case.received})")
        if day_off and not (non_working_day_reason and non_working_day_reason.strip()):
            raise BadInput(
                f"{on:%A} {on} is not a working day ({day_off}): give --non-working-day-reason to record why"
            )
        if (
            window
            and not window[0] <= on <= window[1]
            and not (outside_window_reason and outside_window_reason.strip())
        ):
            raise BadInput(
                f"{on} is outside the meeting window {window[0]} to {window[1]}: "
                "give --outside-window-reason to record why"
            )

    def _involvement(self, agency: str) -> Involvement:
        involvement = self.case.involvement(agency)
        if involvement is None:
            raise BadInput(f"{agency} was never sent the scoping template on this case")
        return involvement

    def _check_meeting_day(self, on: date) -> None:
        """A meeting is recorded on its date (or later, when recorded after it), never before it."""
        meeting = self.case.current_meeting
        if meeting is not None and on < meeting.on:
            raise Refused(
                f"the meeting is set for {meeting.on:%A} {meeting.on}: it cannot be recorded before that "
                f"day (on {on}); to move it, rr meeting schedule"
            )

    def check_quorate(
        self, required_partners: Mapping[str, str], partners_present: set[str], on: date
    ) -> None:
        self._check_meeting_day(on)
        missing = [label for key, label in required_partners.items() if key not in partners_present]
        if missing:
            raise Refused(
                f"the meeting is not quorate: no representative of {', '.join(missing)}; "
                "record it with `rr meeting inquorate` and set a new date"
            )

    def check_inquorate(
        self, required_partners: Mapping[str, str], partners_present: set[str], on: date
    ) -> None:
        self._check_meeting_day(on)
        if all(key in partners_present for key in required_partners):
            raise Refused("every safeguarding partner was present: record the meeting with `rr meeting held`")

    def check_decision(self, outcome: str, rationale: str, on: date) -> None:
        held = self.case.held_meeting
        if held is not None and held.held_on is not None:
            _not_before(on, held.held_on, "the meeting was held")
        if outcome not in OUTCOMES:
            raise BadInput(f"unknown outcome {outcome!r} (expected one of: {', '.join(OUTCOMES)})")
        if not rationale.strip():
            raise BadInput("a decision needs its rationale (--rationale)")

    @endorse.validators
    def validate_endorse(self, on: date) -> None:
        _not_before(on, self.case.decided_on, "the decision was made")

    @share_outcome.validators
    def validate_share_outcome(self, on: date) -> None:
        _not_before(on, self.case.decided_on, "the decision was made")

    @submit.validators
    def validate_submit(self, on: date) -> None:
        _not_before(on, self.case.endorsed_on or self.case.decided_on, "the outcome was decided and endorsed")
        if self.case.sin_notified_on is None:
            raise Refused(
                "no Serious Incident Notification is recorded: the report cannot go to the Panel "
                "before it (rr sin notified)"
            )

    def panel_satisfied(self, agrees: bool = True, questions: str | None = None) -> bool:
        """The Panel agrees and asks nothing: its response needs no answer."""
        return agrees and not (questions and questions.strip())

    def closing_without_response(self, without_response: str | None = None) -> bool:
        return bool(without_response and without_response.strip())

    def check_panel_response(self, on: date) -> None:
        _not_before(on, self.case.submitted_on, "the report went to the Panel")

    @answer_panel.validators
    def validate_answer_panel(self, on: date) -> None:
        _not_before(on, self.case.panel_response_on, "the Panel's response arrived")

    @share_outcome.cond
    def outcome_not_shared(self) -> bool:
        return self.case.outcome_shared_on is None

    @close.validators
    def validate_close(
        self, on: date, open_deadlines: Sequence[Deadline] = (), without_response: str | None = None
    ) -> None:
        """`open_deadlines`: the case's deadlines neither met nor waived; a case closes without any."""
        if self.case.state == self.submitted.value and not self.closing_without_response(without_response):
            raise Refused(
                f"the National Panel's response is not recorded: rr panel response {self.case.ref} "
                "--agrees yes|no (a case whose response was never recorded closes with --without-response "
                "REASON)"
            )
        if self.case.outcome_shared_on is None:
            raise Refused("the outcome has not been shared with the agencies (rr outcome shared)")
        _not_before(on, self.case.outcome_shared_on, "the outcome was shared")
        _not_before(on, self.case.submitted_on, "the report went to the Panel")
        _not_before(on, self.case.panel_response_on, "the Panel's response arrived")
        _not_before(on, self.case.panel_answered_on, "the Panel's questions were answered")
        if open_deadlines:
            listed = ", ".join(f"{d.key} ({d.label}, due {d.due})" for d in open_deadlines)
            raise Refused(
                f"the case cannot close with deadlines open: {listed}; record them, or waive them: "
                f"rr close {self.case.ref} --waive-open REASON"
            )

    # -- hooks: record what happened ----------------------------------------------------------------

    def on_record_sin(self, on: date, reference: str | None = None) -> None:
        self.case.sin_notified_on = on
        self.case.sin_reference = reference
        self.case.raise_event(ev.DomainEvent(ev.SIN_NOTIFIED, self.case.ref, on))

    def on_send_scoping(self, agencies: Sequence[str], on: date, letter_on: date | None = None) -> None:
        """`letter_on`: the day the letters are dated, when later than `on` (recorded after the fact)."""
        for agency in agencies:
            self.case.involvements.append(Involvement(agency, on, letter_on))
            self.case.raise_event(ev.DomainEvent(ev.SCOPING_SENT, self.case.ref, on, {"agency": agency}))

    def on_return_scoping(self, agency: str, on: date) -> None:
        self._involvement(agency).returned_on = on
        self.case.raise_event(ev.DomainEvent(ev.SCOPING_RETURNED, self.case.ref, on, {"agency": agency}))

    def on_secure_records(self, agency: str, on: date) -> None:
        self._involvement(agency).secured_on = on
        self.case.raise_event(ev.DomainEvent(ev.RECORDS_SECURED, self.case.ref, on, {"agency": agency}))

    def on_schedule_meeting(
        self,
        on: date,
        at: time | None,
        mode: str,
        mode_reason: str | None,
        outside_window_reason: str | None,
        recorded_on: date,
        non_working_day_reason: str | None = None,
        uid: str | None = None,
        location: str | None = None,
        join_url: str | None = None,
    ) -> None:
        """`uid` names a new meeting in calendars; a moved meeting keeps the UID it was first given."""
        case = self.case
        previous = case.current_meeting
        moved_from: str | None = None
        number = len(case.meetings) + 1
        new_uid = uid or f"rr-meeting-{case.ref}-{number}@rr-workflow"
        if previous is not None and previous.status == Meeting.SCHEDULED:
            previous.status = Meeting.SUPERSEDED
            moved_from = previous.on.isoformat()
            new_uid = previous.uid or new_uid
            case.raise_event(
                ev.DomainEvent(ev.MEETING_CANCELLED, case.ref, recorded_on, {"number": previous.number})
            )
        meeting = Meeting(
            number, on, at, mode, mode_reason, outside_window_reason, recorded_on, non_working_day_reason
        )
        meeting.uid = new_uid
        meeting.location, meeting.join_url = location, join_url
        case.meetings.append(meeting)
        if case.meeting_date_set_on is None:
            case.meeting_date_set_on = recorded_on
        case.raise_event(
            ev.DomainEvent(
                ev.MEETING_SCHEDULED,
                case.ref,
                recorded_on,
                {
                    "number": number,
                    "date": on.isoformat(),
                    "time": at.strftime("%H:%M") if at else None,
                    "mode": mode,
                    "moved_from": moved_from,
                },
            )
        )

    def _record_meeting(self, status: str, on: date, attendees: Sequence[tuple[str, str]]) -> Meeting:
        meeting = self.case.current_meeting
        assert meeting is not None  # the machine only allows this from meeting_scheduled
        meeting.status = status
        meeting.held_on = on
        meeting.attendees = [Attendance(agency, name) for agency, name in attendees]
        return meeting

    def on_hold_meeting(self, on: date, attendees: Sequence[tuple[str, str]]) -> None:
        meeting = self._record_meeting(Meeting.HELD, on, attendees)
        self.case.raise_event(ev.DomainEvent(ev.MEETING_HELD, self.case.ref, on, {"number": meeting.number}))

    def on_record_inquorate(self, on: date, attendees: Sequence[tuple[str, str]]) -> None:
        meeting = self._record_meeting(Meeting.INQUORATE, on, attendees)
        self.case.raise_event(
            ev.DomainEvent(ev.MEETING_INQUORATE, self.case.ref, on, {"number": meeting.number})
        )

    def on_decide(self, outcome: str, rationale: str, actions: Sequence[tuple[str, str]], on: date) -> None:
        case = self.case
        case.outcome, case.rationale, case.decided_on = outcome, rationale, on
        case.actions = [ImmediateAction(n, owner, text) for n, (owner, text) in enumerate(actions, start=1)]
        case.raise_event(ev.DomainEvent(ev.DECISION_MADE, case.ref, on, {"outcome": outcome}))

    def on_endorse(self, on: date, by: str) -> None:
        self.case.endorsed_on, self.case.endorsed_by = on, by
        self.case.raise_event(ev.DomainEvent(ev.ENDORSED, self.case.ref, on))

    def on_submit(self, on: date, report_document: int | None = None) -> None:
        """`report_document`: the finished report sent (a stored document), or None: the draft went."""
        self.case.submitted_on = on
        data = {"report_document": report_document, "draft": report_document is None}
        self.case.raise_event(ev.DomainEvent(ev.REPORT_SUBMITTED, self.case.ref, on, data))

    def on_share_outcome(self, on: date) -> None:
        self.case.outcome_shared_on = on
        self.case.raise_event(ev.DomainEvent(ev.OUTCOME_SHARED, self.case.ref, on))

    def on_record_panel_response(self, on: date, agrees: bool = True, questions: str | None = None) -> None:
        case = self.case
        case.panel_response_on, case.panel_agrees = on, int(agrees)
        case.panel_questions = questions.strip() if questions and questions.strip() else None
        data = {"agrees": agrees, "questions": case.panel_questions is not None}
        case.raise_event(ev.DomainEvent(ev.PANEL_RESPONDED, case.ref, on, data))

    def on_answer_panel(self, on: date) -> None:
        self.case.panel_answered_on = on
        self.case.raise_event(ev.DomainEvent(ev.PANEL_ANSWERED, self.case.ref, on))

    def on_close(self, on: date) -> None:
        self.case.closed_on = on
        self.case.raise_event(ev.DomainEvent(ev.CASE_CLOSED, self.case.ref, on))

    def on_decline(self, on: date, reason: str) -> None:
        self.case.declined_on, self.case.decline_reason = on, reason
        self.case.raise_event(ev.DomainEvent(ev.CASE_DECLINED, self.case.ref, on))


# The milestone each event records: where a timescale of the schedule is met (`met_by`).
MILESTONES: Mapping[str, str] = {
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


_built = threading.local()


def machine_for(case: Case, endorsement_required: bool = True) -> RapidReview:
    """The machine acting on `case` until the next call in this thread: built once per thread (for each
    `endorsement_required`) and handed the case. A new case, in no state yet, enters the initial state
    through it (`activate_initial_state`, as a machine built for the case would on creation)."""
    machines: dict[bool, RapidReview] | None = getattr(_built, "machines", None)
    if machines is None:
        machines = _built.machines = {}
    machine = machines.get(endorsement_required)
    if machine is None or (machine.is_terminated and not _restarted(machine)):
        machine = machines[endorsement_required] = RapidReview(case, endorsement_required)
    else:
        machine.model.case = case
        if case.state is None:
            machine.activate_initial_state()
    return machine


def _restarted(machine: RapidReview) -> bool:
    """Start again the engine of a machine that took its case to a final state, for the next case.

    python-statemachine stops a machine's engine when it enters a top-level final state (`is_terminated`)
    and has no call to start it again; building a new machine costs milliseconds (every callback of every
    state and transition resolved again), once for each case closed or declined. The stopped engine holds
    nothing of the finished case (its queues are drained and its invocations cancelled as it stops), so
    setting it running again is what a new machine would be. False, and a new machine built, if the
    library no longer keeps the flag where this looks for it."""
    engine = getattr(machine, "_engine", None)
    if not isinstance(getattr(engine, "running", None), bool):
        return False
    engine.running = True
    return not machine.is_terminated


def allowed_events(machine: RapidReview) -> list[str]:
    """Events whose guards pass in the current state (validators may still refuse with a reason)."""
    return [event.id for event in machine.enabled_events()]

"""The case aggregate: everything recorded about one Rapid Review.

Plain Python objects. The database adapter maps them to tables from the outside (SQLAlchemy imperative
mapping), so nothing here knows about storage; SQLAlchemy does not call `__init__` on loaded objects,
so every attribute a loaded case needs is a mapped column or collection, and transient state (the
domain events of the current command) is created on first use.

The state machine (`machine.py`) decides what may happen; the methods here only record what did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from rr_workflow.domain.deadlines import Deadline, Deviation, Lateness, Milestones
from rr_workflow.domain.events import DomainEvent

OUTCOMES = ("national_cspr", "local_cspr", "alternative_review", "no_review")
MEETING_MODES = ("in_person", "remote")


class Involvement:
    """One agency asked for information on the case: when the template went, came back, records secured."""

    def __init__(self, agency: str, sent_on: date, letter_on: date | None = None) -> None:
        self.agency = agency
        self.sent_on = sent_on
        # The day the letter went, when later than `sent_on`: a step recorded after the fact gets its
        # letter the day it is recorded, and the agency counts its deadlines from the letter it holds.
        self.letter_on = letter_on
        self.returned_on: date | None = None
        self.secured_on: date | None = None

    @property
    def asked_on(self) -> date:
        """The day the agency's deadlines count from: the day its letter is dated."""
        return max(self.sent_on, self.letter_on) if self.letter_on else self.sent_on


class Attendance:
    def __init__(self, agency: str, name: str) -> None:
        self.agency = agency
        self.name = name


class Meeting:
    """A Rapid Review meeting date. A case may have several: an inquorate meeting needs a new date,
    and a date may be reset before it is held (the earlier one is then `superseded`); a date set by
    mistake and undone is `withdrawn` (kept, as everything recorded is)."""

    SCHEDULED, HELD, INQUORATE, SUPERSEDED = "scheduled", "held", "inquorate", "superseded"
    WITHDRAWN = "withdrawn"
    REPLACED = frozenset({SUPERSEDED, WITHDRAWN})  # no longer the date in force

    def __init__(
        self,
        number: int,
        on: date,
        at: time | None,
        mode: str,
        mode_reason: str | None,
        outside_window_reason: str | None,
        set_on: date,
        non_working_day_reason: str | None = None,
    ) -> None:
        self.number = number
        self.on = on
        self.at = at
        self.mode = mode
        self.mode_reason = mode_reason
        self.outside_window_reason = outside_window_reason
        self.non_working_day_reason = non_working_day_reason
        self.set_on = set_on
        self.status = Meeting.SCHEDULED
        self.held_on: date | None = None
        self.attendees: list[Attendance] = []
        self.uid: str | None = None  # the calendar invitation's UID: set once, kept while the date moves
        self.location: str | None = None
        self.join_url: str | None = None


class ImmediateAction:
    """An action agreed at the meeting, with an owner (an agency, or a name typed freely). Its follow-up
    (due date, done, dropped: the actions register) is kept in the same row by the service layer."""

    def __init__(self, number: int, owner: str, text: str) -> None:
        self.number = number
        self.owner = owner
        self.text = text


class RecordedDeviation:
    """An extension or waiver of one deadline, as recorded on the case (the latest one counts)."""

    def __init__(self, deadline_key: str, reason: str, extended_to: date | None, recorded_on: date) -> None:
        self.deadline_key = deadline_key
        self.reason = reason
        self.extended_to = extended_to
        self.recorded_on = recorded_on

    @property
    def kind(self) -> str:
        return "waived" if self.extended_to is None else "extended"


class ChildDetails:
    """The child's name and address, kept apart from the case and read only where a letter needs them."""

    def __init__(self, name: str | None, address: str | None) -> None:
        self.name = name
        self.address = address


@dataclass(frozen=True)
class ChildIdentity:
    """What a case keeps about the child by default (docs/security.md): initials and date of birth."""

    initials: str | None
    date_of_birth: date | None

    @staticmethod
    def initials_of(name: str) -> str:
        return "".join(part[0].upper() for part in name.replace("-", " ").split() if part)


class Case:
    def __init__(
        self,
        ref: str,
        received: date,
        aware: date,
        referrer: str,
        schedule_version: str,
        summary: str | None = None,
        child_initials: str | None = None,
        child_dob: date | None = None,
        child: ChildDetails | None = None,
    ) -> None:
        self.ref = ref
        self.state: str | None = None  # set by the state machine's initial state
        self.received = received
        self.aware = aware
        self.referrer = referrer
        self.schedule_version = schedule_version
        self.summary = summary
        self.child_initials = child_initials
        self.child_dob = child_dob
        self.child = child
        self.sin_notified_on: date | None = None
        self.sin_reference: str | None = None
        self.meeting_date_set_on: date | None = None
        self.outcome: str | None = None
        self.rationale: str | None = None
        self.decided_on: date | None = None
        self.endorsed_on: date | None = None
        self.endorsed_by: str | None = None
        self.submitted_on: date | None = None
        self.outcome_shared_on: date | None = None
        self.closed_on: date | None = None
        self.declined_on: date | None = None
        self.decline_reason: str | None = None
        self.panel_response_on: date | None = None
        self.panel_agrees: int | None = None  # 1 agrees with the decision, 0 does not, None: no response
        self.panel_questions: str | None = None
        self.panel_answered_on: date | None = None
        self.involvements: list[Involvement] = []
        self.meetings: list[Meeting] = []
        self.actions: list[ImmediateAction] = []
        self.deviations: list[RecordedDeviation] = []

    # -- domain events raised by the current command (not stored on the case) -----------------------

    @property
    def events(self) -> list[DomainEvent]:
        pending: list[DomainEvent] | None = self.__dict__.get("_events")
        if pending is None:
            pending = []
            self.__dict__["_events"] = pending
        return pending

    def raise_event(self, event: DomainEvent) -> None:
        self.events.append(event)

    @property
    def met_late(self) -> list[Lateness]:
        """Deadlines the current command met after their date (said when it is recorded; not stored)."""
        late: list[Lateness] | None = self.__dict__.get("_met_late")
        if late is None:
            late = []
            self.__dict__["_met_late"] = late
        return late

    # -- reading ------------------------------------------------------------------------------------

    def involvement(self, agency: str) -> Involvement | None:
        return next((i for i in self.involvements if i.agency == agency), None)

    @property
    def current_meeting(self) -> Meeting | None:
        """The meeting date in force: the last one set that has not been superseded."""
        live = [m for m in self.meetings if m.status not in Meeting.REPLACED]
        return max(live, key=lambda m: m.number) if live else None

    @property
    def held_meeting(self) -> Meeting | None:
        return next((m for m in self.meetings if m.status == Meeting.HELD), None)

    @property
    def scoping_first_sent_on(self) -> date | None:
        return min((i.sent_on for i in self.involvements), default=None)

    def milestones(self) -> Milestones:
        held = self.held_meeting
        case_events: dict[str, date | None] = {
            "referral_received": self.received,
            "aware": self.aware,
            "sin_notified": self.sin_notified_on,
            "scoping_sent": self.scoping_first_sent_on,
            "meeting_date_set": self.meeting_date_set_on,
            "meeting_held": held.held_on if held else None,
            "decision_made": self.decided_on,
            "endorsed": self.endorsed_on,
            "panel_submission": self.submitted_on,
            "outcome_shared": self.outcome_shared_on,
            "panel_response": self.panel_response_on,
            "panel_questions": self.panel_response_on if self.panel_asks else None,
            "panel_answered": self.panel_answered_on,
            "closed": self.closed_on or self.declined_on,
        }
        agencies: dict[str, dict[str, date]] = {}
        for inv in self.involvements:
            events = {
                "scoping_sent": inv.asked_on,  # the agency's clock starts with the letter it received
                "scoping_returned": inv.returned_on,
                "records_secured": inv.secured_on,
            }
            agencies[inv.agency] = {k: v for k, v in events.items() if v is not None}
        return Milestones(case={k: v for k, v in case_events.items() if v is not None}, agencies=agencies)

    @property
    def panel_asks(self) -> bool:
        """Whether the Panel's response needs an answer: it asks questions or does not agree."""
        return self.panel_response_on is not None and (self.panel_agrees == 0 or bool(self.panel_questions))

    def deadline_deviations(self) -> list[Deviation]:
        ordered = sorted(enumerate(self.deviations), key=lambda pair: (pair[1].recorded_on, pair[0]))
        return [Deviation(d.deadline_key, d.reason, d.extended_to) for _, d in ordered]

    def latest_date(self) -> date:
        """The latest date anything was recorded as happening on the case."""
        milestones = self.milestones()
        dates = list(milestones.case.values())
        dates += [d for events in milestones.agencies.values() for d in events.values()]
        dates += [m.set_on for m in self.meetings]
        return max(dates)

    def waive_open(self, deadlines: list[Deadline], reason: str, on: date) -> None:
        """The procedure stopped (a declined referral): its open deadlines no longer apply, and say why."""
        for deadline in deadlines:
            if deadline.is_open:
                self.deviations.append(RecordedDeviation(deadline.key, reason, None, on))

    def describe(self) -> dict[str, Any]:
        """Facts safe for logs and audit details: no personal data."""
        return {"ref": self.ref, "state": self.state}

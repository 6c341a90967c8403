"""The review that follows a Rapid Review (docs/procedure.md) as state machines: the only list of its stages.

`LocalReview` runs a local child safeguarding practice review or an alternative learning review from the
decision to publication (or a recorded reason for not publishing). `NationalReview` records the Panel's
decision on the national review the Rapid Review recommended. Validators refuse with a reason a
coordinator understands; `on_<event>` hooks record what happened and raise the domain events the letters
and timers consume. State values are stored in the database: never rename one.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from datetime import date
from functools import reduce

from statemachine import State, StateMachine
from statemachine.transition_list import TransitionList

from rr_workflow.domain import events as ev
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.review_record import Checkpoint, Review
from rr_workflow.domain.stages import REVIEW as STAGES


def _not_before(on: date, earliest: date | None, what: str) -> None:
    if earliest is not None and on < earliest:
        raise BadInput(f"{on} is before {what} ({earliest})")


def _recorded_in(*stages: State) -> TransitionList:
    return reduce(operator.or_, (stage.to.itself(internal=True) for stage in stages))


class LocalReview(StateMachine):
    """Decision → reviewer appointed → terms of reference → (checkpoints) → draft → final report to the
    Panel → published, or ended without publication (with its reason)."""

    opened = State(STAGES["review_opened"], value="review_opened", initial=True)
    reviewer_appointed = State(STAGES["reviewer_appointed"], value="reviewer_appointed")
    underway = State(STAGES["review_underway"], value="review_underway")
    draft = State(STAGES["review_draft"], value="review_draft")
    final_sent = State(STAGES["final_report_sent"], value="final_report_sent")
    published = State(STAGES["review_published"], value="review_published", final=True)
    not_published = State(STAGES["review_not_published"], value="review_not_published", final=True)

    appoint = opened.to(reviewer_appointed)
    agree_tor = reviewer_appointed.to(underway)
    checkpoint = _recorded_in(underway, draft)
    receive_draft = underway.to(draft)
    send_final = draft.to(final_sent)
    publish = final_sent.to(published)
    not_publish = (
        opened.to(not_published)
        | reviewer_appointed.to(not_published)
        | underway.to(not_published)
        | draft.to(not_published)
        | final_sent.to(not_published)
    )

    def __init__(self, review: Review) -> None:
        super().__init__(model=review, state_field="state")

    @property
    def review(self) -> Review:
        return self.model  # type: ignore[no-any-return]

    # -- validators ---------------------------------------------------------------------------------

    @appoint.validators
    def validate_appoint(self, on: date, reviewer: str) -> None:
        _not_before(on, self.review.decided_on, "the decision to review")
        if not reviewer.strip():
            raise BadInput("name the reviewer (--reviewer)")

    @agree_tor.validators
    def validate_agree_tor(self, on: date) -> None:
        _not_before(on, self.review.reviewer_appointed_on, "the reviewer was appointed")

    @checkpoint.validators
    def validate_checkpoint(self, on: date) -> None:
        _not_before(on, self.review.last_progress, "the last progress recorded")

    @receive_draft.validators
    def validate_receive_draft(self, on: date) -> None:
        _not_before(on, self.review.tor_agreed_on, "the terms of reference were agreed")

    @send_final.validators
    def validate_send_final(self, on: date) -> None:
        _not_before(on, self.review.draft_on, "the draft report was received")

    @publish.validators
    def validate_publish(self, on: date, earliest: date, short_notice_reason: str | None = None) -> None:
        """`earliest`: the first day the final report's notice to the Panel allows publication."""
        _not_before(on, self.review.final_sent_on, "the final report went to the Panel")
        if on < earliest and not (short_notice_reason and short_notice_reason.strip()):
            raise Refused(
                f"the final report went to the Panel on {self.review.final_sent_on}: the Panel and the "
                f"Secretary of State must have it before publication, so publish on {earliest} or later, "
                "or record why it was shorter (--short-notice-reason)"
            )

    @not_publish.validators
    def validate_not_publish(self, on: date, reason: str) -> None:
        _not_before(on, self.review.decided_on, "the decision to review")
        if not reason.strip():
            raise BadInput("give the reason the review is not published (--reason)")

    # -- hooks --------------------------------------------------------------------------------------

    def on_appoint(self, on: date, reviewer: str) -> None:
        self.review.reviewer, self.review.reviewer_appointed_on = reviewer, on
        self.review.raise_event(ev.REVIEWER_APPOINTED, on)

    def on_agree_tor(self, on: date) -> None:
        self.review.tor_agreed_on = on
        self.review.raise_event(ev.TOR_AGREED, on)

    def on_checkpoint(self, on: date, note: str | None = None) -> None:
        number = len(self.review.checkpoints) + 1
        self.review.checkpoints.append(Checkpoint(number, on, note))
        self.review.raise_event(ev.REVIEW_CHECKPOINT, on, number=number)

    def on_receive_draft(self, on: date) -> None:
        self.review.draft_on = on
        self.review.raise_event(ev.DRAFT_RECEIVED, on)

    def on_send_final(self, on: date) -> None:
        self.review.final_sent_on = on
        self.review.raise_event(ev.FINAL_REPORT_SENT, on)

    def on_publish(self, on: date, short_notice_reason: str | None = None) -> None:
        self.review.published_on = on
        self.review.short_notice_reason = (short_notice_reason or "").strip() or None
        self.review.raise_event(ev.REVIEW_PUBLISHED, on)

    def on_not_publish(self, on: date, reason: str) -> None:
        self.review.not_published_on, self.review.not_published_reason = on, reason.strip()
        self.review.raise_event(ev.REVIEW_NOT_PUBLISHED, on)


class NationalReview(StateMachine):
    """The Rapid Review recommended a national review: the Panel decides whether it undertakes one."""

    awaiting_panel = State(STAGES["national_awaiting_panel"], value="national_awaiting_panel", initial=True)
    undertaken = State(STAGES["national_undertaken"], value="national_undertaken", final=True)
    declined = State(STAGES["national_declined"], value="national_declined", final=True)

    panel_decides = awaiting_panel.to(undertaken, cond="undertakes") | awaiting_panel.to(
        declined, unless="undertakes"
    )

    def __init__(self, review: Review) -> None:
        super().__init__(model=review, state_field="state")

    @property
    def review(self) -> Review:
        return self.model  # type: ignore[no-any-return]

    def undertakes(self, undertakes: bool) -> bool:
        return undertakes

    @panel_decides.validators
    def validate_panel_decides(self, on: date) -> None:
        _not_before(on, self.review.decided_on, "the Rapid Review's decision")

    def on_panel_decides(self, on: date, undertakes: bool, note: str | None = None) -> None:
        review = self.review
        review.panel_decided_on, review.panel_undertakes, review.panel_note = on, undertakes, note
        review.raise_event(ev.PANEL_NATIONAL_DECISION, on, undertakes=undertakes)


ReviewMachine = LocalReview | NationalReview

# The milestone each event records: where a timescale of the review's schedule is met (`met_by`).
MILESTONES: Mapping[str, str] = {
    "appoint": "reviewer_appointed",
    "agree_tor": "tor_agreed",
    "checkpoint": "checkpoint",
    "receive_draft": "draft_report",
    "send_final": "final_report_sent",
    "publish": "published",
}

FINISHED = frozenset(
    {
        LocalReview.published.value,
        LocalReview.not_published.value,
        NationalReview.undertaken.value,
        NationalReview.declined.value,
    }
)


def machine_class(review: Review) -> type[ReviewMachine]:
    """The machine of the review's kind: a local or alternative review runs to publication; a national
    one waits for the Panel's decision."""
    return NationalReview if review.kind == "national_cspr" else LocalReview


def machine_for(review: Review) -> ReviewMachine:
    """The review's machine, by its kind (`machine_class`)."""
    return machine_class(review)(review)


def start(review: Review) -> None:
    """Put a new review in its machine's initial state, as building the machine for it would, without
    building one (milliseconds, for a state whose entry runs no hook: `test_review_machine`)."""
    initial = machine_class(review).initial_state
    assert initial is not None
    review.state = initial.value


def allowed_events(machine: ReviewMachine) -> list[str]:
    """Events whose guards pass in the current state (validators may still refuse with a reason)."""
    return list(dict.fromkeys(event.id for event in machine.allowed_events))


def allowed_in(review: Review) -> list[str]:
    """`allowed_events` of the review's machine, read from its class (no guard is involved): the events
    of the transitions leaving the review's state."""
    state = machine_class(review).states_map[review.state]
    return list(dict.fromkeys(event.id for event in state.transitions.unique_events))

"""The review aggregate: everything recorded about the review that follows a Rapid Review.

A `local_cspr` or `alternative_review` decision opens a review that runs to publication (or a recorded
reason for not publishing); a `national_cspr` decision opens one that records the Panel's decision on a
national review. Plain Python objects, mapped to tables from the outside like the case; the machine
(`review.py`) decides what may happen, the methods here only record what did.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rr_workflow.domain.deadlines import Deviation, Milestones
from rr_workflow.domain.events import DomainEvent

LOCAL_KINDS = ("local_cspr", "alternative_review")
KINDS = (*LOCAL_KINDS, "national_cspr")
KIND_NAMES = {
    "local_cspr": "local child safeguarding practice review",
    "alternative_review": "alternative learning review",
    "national_cspr": "national child safeguarding practice review",
}

RAPID_REVIEW = "Rapid Review"


def procedure_name(kind: str | None) -> str:
    """What a subject line calls the procedure a letter or a notice is about: the Rapid Review (`kind`
    None), or the review that follows it, by its kind ("Local child safeguarding practice review")."""
    if kind is None:
        return RAPID_REVIEW
    name = KIND_NAMES.get(kind, "review")
    return name[:1].upper() + name[1:]


class Checkpoint:
    """A progress checkpoint: the partners looked at the review's time and quality on `on`."""

    def __init__(self, number: int, on: date, note: str | None) -> None:
        self.number = number
        self.on = on
        self.note = note


class ReviewDeviation:
    """An extension (a delay, e.g. for criminal proceedings) or a waiver of one of the review's deadlines."""

    def __init__(self, deadline_key: str, reason: str, extended_to: date | None, recorded_on: date) -> None:
        self.deadline_key = deadline_key
        self.reason = reason
        self.extended_to = extended_to
        self.recorded_on = recorded_on


class Review:
    def __init__(self, case_ref: str, kind: str, decided_on: date, schedule_version: str) -> None:
        self.case_ref = case_ref  # the case the review follows: its events and audit rows are filed there
        self.kind = kind
        self.decided_on = decided_on
        self.schedule_version = schedule_version
        self.state: str | None = None  # set by the state machine's initial state
        self.reviewer: str | None = None
        self.reviewer_appointed_on: date | None = None
        self.tor_agreed_on: date | None = None
        self.draft_on: date | None = None
        self.final_sent_on: date | None = None
        self.published_on: date | None = None
        self.short_notice_reason: str | None = None
        self.not_published_on: date | None = None
        self.not_published_reason: str | None = None
        self.panel_decided_on: date | None = None
        self.panel_undertakes: bool | None = None
        self.panel_note: str | None = None
        self.checkpoints: list[Checkpoint] = []
        self.deviations: list[ReviewDeviation] = []

    # -- domain events raised by the current command (not stored) ------------------------------------

    @property
    def events(self) -> list[DomainEvent]:
        pending: list[DomainEvent] | None = self.__dict__.get("_events")
        if pending is None:
            pending = []
            self.__dict__["_events"] = pending
        return pending

    def raise_event(self, kind: str, on: date, **data: Any) -> None:
        self.events.append(DomainEvent(kind, self.case_ref, on, {"review": self.kind, **data}))

    # -- reading ------------------------------------------------------------------------------------

    @property
    def finished_on(self) -> date | None:
        return self.published_on or self.not_published_on or self.panel_decided_on

    @property
    def last_progress(self) -> date | None:
        """The latest day the review's progress was recorded (a checkpoint, or the terms of reference)."""
        days = [c.on for c in self.checkpoints] + ([self.tor_agreed_on] if self.tor_agreed_on else [])
        return max(days, default=None)

    def milestones(self) -> Milestones:
        events: dict[str, date | None] = {
            "decision_made": self.decided_on,
            "reviewer_appointed": self.reviewer_appointed_on,
            "tor_agreed": self.tor_agreed_on,
            "draft_report": self.draft_on,
            "final_report_sent": self.final_sent_on,
            "published": self.published_on,
            "finished": self.finished_on,
        }
        checkpoints = [c.on for c in sorted(self.checkpoints, key=lambda c: c.number)]
        return Milestones(
            case={k: v for k, v in events.items() if v is not None}, series={"checkpoint": checkpoints}
        )

    def deadline_deviations(self) -> list[Deviation]:
        ordered = sorted(enumerate(self.deviations), key=lambda pair: (pair[1].recorded_on, pair[0]))
        return [Deviation(d.deadline_key, d.reason, d.extended_to) for _, d in ordered]

    def latest_date(self) -> date:
        """The latest day anything was recorded as happening on the review."""
        dates = list(self.milestones().case.values()) + [c.on for c in self.checkpoints]
        dates += [d.recorded_on for d in self.deviations]
        return max(dates)

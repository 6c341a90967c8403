"""Domain events: what a transition tells the rest of the product (letters, timers, notices).

The service layer stores them in the outbox in the same transaction as the change; the letters and
timers consume them from there. Their data never holds personal details about the child: handlers
read what a letter needs from the case itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    kind: str
    case_ref: str
    on: date
    data: dict[str, Any] = field(default_factory=dict)


# The kinds, as stored in the outbox (stable strings).
CASE_OPENED = "case_opened"
SIN_NOTIFIED = "sin_notified"
SCOPING_SENT = "scoping_sent"  # one per agency: the scoping request and records-securing instruction
SCOPING_RETURNED = "scoping_returned"
RECORDS_SECURED = "records_secured"
MEETING_SCHEDULED = "meeting_scheduled"  # data: number, date, time, mode, moved_from (a corrected date)
MEETING_CANCELLED = "meeting_cancelled"  # a date replaced by a new one
MEETING_HELD = "meeting_held"
MEETING_INQUORATE = "meeting_inquorate"
DECISION_MADE = "decision_made"
ENDORSED = "endorsed"
REPORT_SUBMITTED = "report_submitted"  # the covering letter to the National Panel
OUTCOME_SHARED = "outcome_shared"  # outcome notifications to every agency and the referrer
PANEL_RESPONDED = "panel_responded"  # data: agrees, questions (whether it asked any)
PANEL_ANSWERED = "panel_answered"  # the partnership's answer to the Panel's questions went
CASE_CLOSED = "case_closed"
CASE_DECLINED = "case_declined"
DEADLINE_EXTENDED = "deadline_extended"
DEADLINE_WAIVED = "deadline_waived"
FACT_CORRECTED = "fact_corrected"  # data: fact, agency, before, after
FACT_WITHDRAWN = "fact_withdrawn"  # data: fact, agency, before
STEP_UNDONE = "step_undone"  # data: step (the event undone)
MEETING_WITHDRAWN = "meeting_withdrawn"  # data: number, date, restored (the earlier date back in force)
# The review that follows a Rapid Review (data: review = its kind)
REVIEW_OPENED = "review_opened"
REVIEWER_APPOINTED = "reviewer_appointed"
TOR_AGREED = "tor_agreed"  # the terms of reference letter
REVIEW_CHECKPOINT = "review_checkpoint"  # data: number
DRAFT_RECEIVED = "review_draft_received"
FINAL_REPORT_SENT = "review_final_report_sent"  # the notice to the Panel before publication
REVIEW_PUBLISHED = "review_published"
REVIEW_NOT_PUBLISHED = "review_not_published"
PANEL_NATIONAL_DECISION = "panel_national_decision"  # data: undertakes
REVIEW_DEADLINE_EXTENDED = "review_deadline_extended"  # data: deadline, to

"""What each stage of a case, and of the review that follows it, is called, and what a coordinator types
to move one on.

Plain data: the state machines (domain/machine.py, domain/review.py) name their states from it, and the
views say what stage a case is at from it without loading the state machine library (which brings
asyncio with it: 30 ms of every `rr case show` and `rr case list`).
"""

from __future__ import annotations

from collections.abc import Mapping

# The Rapid Review's stages: stored value -> what people read.
RAPID_REVIEW: Mapping[str, str] = {
    "referred": "referral received",
    "scoping": "scoping with agencies",
    "meeting_scheduled": "meeting scheduled",
    "inquorate": "meeting inquorate: new date needed",
    "meeting_held": "meeting held",
    "decided": "decision made",
    "endorsed": "outcome endorsed",
    "submitted": "report sent to the Panel",
    "panel_questions": "the Panel asks: answer due",
    "response_handled": "the Panel's response handled",
    "closed": "closed",
    "declined": "declined",
}

# What a coordinator types for each event of the Rapid Review: named in refusals and in `allowed`.
COMMANDS: Mapping[str, str] = {
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

# The stages of the review that follows (a local or alternative review, or the Panel's national one).
REVIEW: Mapping[str, str] = {
    "review_opened": "opened: reviewer to appoint",
    "reviewer_appointed": "reviewer appointed: terms of reference to agree",
    "review_underway": "under way",
    "review_draft": "draft report received",
    "final_report_sent": "final report with the Panel: to publish",
    "review_published": "published",
    "review_not_published": "ended without publication",
    "national_awaiting_panel": "awaiting the Panel's decision",
    "national_undertaken": "the Panel undertakes a national review",
    "national_declined": "the Panel does not undertake a national review",
}

# What a coordinator types for each event of the review.
REVIEW_COMMANDS: Mapping[str, str] = {
    "appoint": "review appoint",
    "agree_tor": "review tor-agreed",
    "checkpoint": "review checkpoint",
    "receive_draft": "review draft",
    "send_final": "review final-sent",
    "publish": "review published",
    "not_publish": "review not-published",
    "panel_decides": "review panel-decision",
}


def state_label(value: str) -> str:
    """The Rapid Review stage stored as `value`, as people read it (an unknown value as it is)."""
    return RAPID_REVIEW.get(value, value)


def review_state_label(value: str) -> str:
    """The review's stage stored as `value`, as people read it (an unknown value as it is)."""
    return REVIEW.get(value, value)

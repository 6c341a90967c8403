"""The kinds of document a case holds (`rr doc add REF KIND FILE`), with what a form calls each."""

from __future__ import annotations

DOCUMENT_KINDS: dict[str, str] = {
    "referral_form": "Referral form",
    "sin": "Serious Incident Notification",
    "scoping_return": "Scoping return",
    "rapid_review_report": "Rapid Review report (finished)",
    "panel_response": "The National Panel's response",
    "panel_answer": "The partnership's answer to the Panel",
    "action_evidence": "Evidence an action is done",
    "other": "Other",
}

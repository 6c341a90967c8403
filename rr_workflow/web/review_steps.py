"""The review that follows a Rapid Review, on the case page: each `rr review ...` step as a form, calling
the same service functions (`service.reviews`), saying what the command says."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.review_record import LOCAL_KINDS
from rr_workflow.service import reviews
from rr_workflow.service.app import App
from rr_workflow.web import forms, render

# the CLI command the review's machine allows -> the web's step
STEP_OF_COMMAND = {
    "review appoint": "review-appoint",
    "review tor-agreed": "review-tor-agreed",
    "review checkpoint": "review-checkpoint",
    "review draft": "review-draft",
    "review final-sent": "review-final-sent",
    "review published": "review-published",
    "review not-published": "review-not-published",
    "review panel-decision": "review-panel-decision",
}


def shown(app: App, ref: str) -> dict[str, Any] | None:
    """The case's review as `rr review show` has it, or None when the case has none."""
    from rr_workflow.adapters.db import tables as t
    from rr_workflow.service import review_views

    with app.reading() as connection:
        from sqlalchemy import func, select

        has = connection.execute(
            select(t.reviews.c.id).where(func.lower(t.reviews.c.case_ref) == ref.lower()).limit(1)
        ).first()
    return review_views.review_show(app, ref) if has else None


def offered(review: dict[str, Any] | None, can_record: bool) -> list[str]:
    """The review's steps as forms: what its machine allows now, extending an open deadline, and (a local
    or alternative review's) a recommendation for the actions register, whatever its stage, as
    `rr review recommend` takes one."""
    if review is None or not can_record:
        return []
    steps = [STEP_OF_COMMAND[c] for c in review["allowed"] if c in STEP_OF_COMMAND]
    open_keys = [d for d in review["deadlines"] if d["status"] not in ("met", "met_late", "waived")]
    steps += ["review-extend"] if review["allowed"] and open_keys else []
    return steps + (["review-recommend"] if review["kind"] in LOCAL_KINDS else [])


def _said(review: Any, what: str) -> list[str]:
    """What the CLI's `echo_review_step` says."""
    from rr_workflow.domain.stages import review_state_label as state_label

    said = [f"{review.case_ref}: review: {what}. Now: {state_label(str(review.state))}."]
    for late in getattr(review, "met_late", []):
        days = f"{late.working_days} working day{'s' if late.working_days != 1 else ''}"
        said.append(f"met late: {late.label}: due {render.short_day(late.due)}, {days} late")
    return said


def _on(app: App, form: FormData) -> Any:
    return forms.day(form, "on", app.today(), "the day it happened")


def appoint(app: App, ref: str, form: FormData) -> list[str]:
    reviewer = forms.required(form, "reviewer", "the reviewer's name")
    return _said(reviews.appoint(app, ref, reviewer, _on(app, form)), "reviewer appointed")


def tor_agreed(app: App, ref: str, form: FormData) -> list[str]:
    return _said(reviews.tor_agreed(app, ref, _on(app, form)), "terms of reference agreed")


def checkpoint(app: App, ref: str, form: FormData) -> list[str]:
    done = reviews.checkpoint(app, ref, _on(app, form), forms.text(form, "note"))
    return _said(done, "progress checkpoint recorded")


def draft(app: App, ref: str, form: FormData) -> list[str]:
    return _said(reviews.draft(app, ref, _on(app, form)), "draft report received")


def final_sent(app: App, ref: str, form: FormData) -> list[str]:
    return _said(reviews.final_sent(app, ref, _on(app, form)), "final report sent to the Panel")


def published(app: App, ref: str, form: FormData) -> list[str]:
    done = reviews.published(app, ref, _on(app, form), forms.text(form, "short_notice_reason"))
    return _said(done, "published")


def not_published(app: App, ref: str, form: FormData) -> list[str]:
    reason = forms.required(form, "reason", "the reason")
    return _said(reviews.not_published(app, ref, reason, _on(app, form)), "not published")


def panel_decision(app: App, ref: str, form: FormData) -> list[str]:
    undertakes = form.get("undertakes")
    if undertakes not in ("yes", "no"):
        raise BadInput("say whether the Panel undertakes a national review (yes or no)")
    done = reviews.panel_decision(app, ref, undertakes == "yes", _on(app, form), forms.text(form, "note"))
    return _said(done, "the Panel's decision on a national review recorded")


def extend(app: App, ref: str, form: FormData) -> list[str]:
    key = forms.text(form, "deadline") or "published"
    to = forms.required_day(form, "to", app.today(), "the new date")
    reason = forms.required(form, "reason", "the reason")
    deadline = reviews.extend(app, ref, to, reason, key, _on(app, form))
    was = render.long_day(deadline.original_due)
    return [f"{deadline.label}: due {render.long_day(deadline.due)} (originally {was}): {reason}"]


def recommend(app: App, ref: str, form: FormData) -> list[str]:
    """`rr review recommend REF --agency KEY --text TEXT --due DATE [--on DATE]`."""
    agency = forms.required(form, "agency", "the agency that owns the recommendation")
    text = forms.text(form, "text") or ""
    due = forms.required_day(form, "due", app.today(), "the date it is to be done")
    action_id = reviews.recommend(app, ref, agency, text, due, _on(app, form))
    due_on = render.long_day(due)
    return [f"{ref}: recommendation added to the actions register as action {action_id}, due {due_on}"]


STEPS = {
    "review-appoint": appoint,
    "review-tor-agreed": tor_agreed,
    "review-checkpoint": checkpoint,
    "review-draft": draft,
    "review-final-sent": final_sent,
    "review-published": published,
    "review-not-published": not_published,
    "review-panel-decision": panel_decision,
    "review-extend": extend,
    "review-recommend": recommend,
}

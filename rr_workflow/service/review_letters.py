"""The review's letters (docs/letters.md), written by the same machinery as the Rapid Review's, after the
step's commit: the terms of reference to the safeguarding partners, and the notice to the Panel that the
final report is with it before publication. Handlers read the review as it stands through `ctx.db` (its
row, and its deadlines as last stored), never write; `letters.HANDLERS` lists them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain import events as ev
from rr_workflow.domain import wording
from rr_workflow.domain.review_record import KIND_NAMES, procedure_name

if TYPE_CHECKING:
    from rr_workflow.service.letters import Context, Mail


def _review(ctx: Context) -> Mapping[str, Any]:
    r = t.reviews.c
    query = select(t.reviews).where(r.case_id == ctx.case.id).order_by(r.id.desc()).limit(1)  # type: ignore[attr-defined]
    row = ctx.db.execute(query).mappings().first()
    assert row is not None  # only the review's own events come here
    return dict(row)


def _values(ctx: Context, review: Mapping[str, Any], addressee: str, title: str, on: date) -> dict[str, Any]:
    return ctx.values(addressee, title, on, **_review_values(ctx, review))


def _review_values(ctx: Context, review: Mapping[str, Any]) -> dict[str, Any]:
    """What a review's letters say of it: the same in each of a step's letters (read and worked out once
    for all the partners' terms of reference)."""
    d = t.deadlines.c
    due = dict(ctx.db.execute(select(d.key, d.due).where(d.review_id == review["id"])).all())
    text = ctx.db.execute(
        select(t.review_schedules.c.source_text).where(
            t.review_schedules.c.version == review["schedule_version"]
        )
    ).scalar_one()
    schedule = config.parse_review_schedule_text(
        text, f"review schedule version {review['schedule_version']}"
    )
    checkpoint = next((r for r in schedule.rules if r.repeat_until is not None), None)
    notice = next((r for r in schedule.rules if r.before is not None), None)
    return dict(
        kind_text=KIND_NAMES.get(review["kind"], review["kind"]),
        decided_on=wording.long_date(review["decided_on"]),
        reviewer=review["reviewer"] or "to be appointed",
        tor_agreed_on=wording.date_or(review["tor_agreed_on"]),
        checkpoint_every=wording.working_days(checkpoint.working_days) if checkpoint else None,
        draft_due=wording.date_or(due.get("draft_report")),
        final_due=wording.date_or(due.get("final_report_sent")),
        publication_due=wording.date_or(due.get("published")),
        notice_days=wording.working_days(notice.working_days) if notice else None,
        final_sent_on=wording.date_or(review["final_sent_on"]),
        panel_address=list(ctx.profile.panel_address),
    )


def _letter(ctx: Context, review: Mapping[str, Any], kind: str, heading: str, values: dict[str, Any]) -> Any:
    """The review's letter `kind` (its template has the same name), under the review's procedure."""
    return ctx.letter(kind, kind, heading, values, procedure=procedure_name(review["kind"]))


def _mail(
    ctx: Context, review: Mapping[str, Any], to: list[str], what: str, paragraphs: list[str], letter: Any
) -> Mail:
    """A mail whose subject names the review by its kind ("Local child safeguarding practice review
    REF: ..."), not the Rapid Review it follows."""
    subject = f"{procedure_name(review['kind'])} {ctx.case.ref}: {what}"
    return ctx.mail_about(subject, to, paragraphs, [letter])


def _tor_agreed(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """The terms of reference to each safeguarding partner (the active agencies that are partners)."""
    review = _review(ctx)
    about = _review_values(ctx, review)
    mails = []
    for agency in [a for a in ctx.agencies.values() if a["partner"] and a["active"]]:
        title = f"{procedure_name(review['kind'])}: terms of reference"
        values = ctx.values(str(agency["name"]), title, event.on, **about)
        letter = _letter(ctx, review, "review_terms_of_reference", "Terms of reference", values)
        paragraphs = [
            f"The terms of reference of the {values['kind_text']} that follows Rapid Review {ctx.case.ref} "
            f"were agreed on {wording.long_date(event.on)}; the letter attached sets them out with the "
            "review's timescales.",
            f"The review's report is to be published by {values['publication_due']}.",
        ]
        mails.append(_mail(ctx, review, [str(agency["email"])], "terms of reference", paragraphs, letter))
    return mails


def _final_report_sent(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """The notice to the Panel: the final report is with it and the Secretary of State before publication."""
    review = _review(ctx)
    title = f"{procedure_name(review['kind'])} report: notice before publication"
    values = _values(ctx, review, ctx.profile.panel_name, title, event.on)
    values["salutation"] = "Dear Panel colleagues"
    letter = _letter(ctx, review, "review_panel_notice", "Notice before publication", values)
    paragraphs = [
        f"Please find attached our notice that the final report of the {values['kind_text']} following Rapid "
        f"Review {ctx.case.ref} was sent to the Panel and the Secretary of State on "
        f"{wording.long_date(event.on)}, before its publication.",
        f"We plan to publish it by {values['publication_due']}.",
    ]
    to = [ctx.profile.panel_email] if ctx.profile.panel_email else []  # (no address: the letter is kept)
    return [_mail(ctx, review, to, "final report: notice before publication", paragraphs, letter)]


HANDLERS: Mapping[str, Callable[[Context, ev.DomainEvent], list[Mail]]] = {
    ev.TOR_AGREED: _tor_agreed,
    ev.FINAL_REPORT_SENT: _final_report_sent,
}

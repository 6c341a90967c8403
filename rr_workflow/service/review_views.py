"""Read models of reviews: `rr review show` and `rr review list`, straight from the tables (no ORM), with
statuses derived for today by the domain's one rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from rr_workflow.adapters.db import lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.review import FINISHED
from rr_workflow.domain.review_record import KIND_NAMES
from rr_workflow.domain.stages import REVIEW_COMMANDS as COMMANDS
from rr_workflow.domain.stages import review_state_label as state_label
from rr_workflow.service import permissions, views
from rr_workflow.service.app import App


def review_show(app: App, ref: str) -> dict[str, Any]:
    """The review that follows case `ref`: its stage, what was recorded, its deadlines, the next steps."""
    with app.reading() as connection:
        permissions.require(connection, app.actor, "case_show")
        ref = lookup.case_ref(connection, ref)
        r = t.reviews.c
        row = (
            connection.execute(select(t.reviews).where(r.case_ref == ref).order_by(r.id.desc()).limit(1))
            .mappings()
            .first()
        )
        if row is None:
            raise BadInput(
                f"case {ref} has no review: a review follows a decision of local_cspr, alternative_review "
                "or national_cspr (rr decide)"
            )
        return _shown(connection, app, row)


def _shown(connection: Connection, app: App, row: Any) -> dict[str, Any]:
    c = t.review_checkpoints.c
    checkpoints = connection.execute(
        select(c.number, c.held_on, c.note).where(c.review_id == row["id"]).order_by(c.number)
    ).all()
    due = views.deadlines(connection, row["case_id"], app, review_id=row["id"])
    dv = t.review_deviations.c
    extensions = connection.execute(
        select(dv.deadline_key, dv.extended_to, dv.reason, dv.recorded_on)
        .where(dv.review_id == row["id"], dv.extended_to.is_not(None))
        .order_by(dv.id)
    ).all()
    return {
        "ref": row["case_ref"],
        "kind": row["kind"],
        "kind_label": KIND_NAMES.get(row["kind"], row["kind"]),
        "state": row["state"],
        "state_label": state_label(row["state"]),
        "decided_on": row["decided_on"],
        "schedule_version": row["schedule_version"],
        "reviewer": row["reviewer"],
        "reviewer_appointed_on": row["reviewer_appointed_on"],
        "tor_agreed_on": row["tor_agreed_on"],
        "checkpoints": [{"number": n, "on": on, "note": note} for n, on, note in checkpoints],
        "draft_on": row["draft_on"],
        "final_sent_on": row["final_sent_on"],
        "published_on": row["published_on"],
        "short_notice_reason": row["short_notice_reason"],
        "not_published": None
        if row["not_published_on"] is None
        else {"on": row["not_published_on"], "reason": row["not_published_reason"]},
        "panel_decision": None
        if row["panel_decided_on"] is None
        else {
            "on": row["panel_decided_on"],
            "undertakes": bool(row["panel_undertakes"]),
            "note": row["panel_note"],
        },
        "deadlines": [{k: v for k, v in d.items() if k != "earliest"} for d in due],
        "extensions": [
            {"deadline": key, "to": to, "reason": reason, "recorded_on": on}
            for key, to, reason, on in extensions
        ],
        "allowed": [COMMANDS[e] for e in (row["allowed"] or "").split(",") if e],
    }


def review_list(app: App, open_only: bool = False) -> list[dict[str, Any]]:
    """Every review (the latest of each case), by publication date in force: its stage and publication
    dates (the original one counts in reports)."""
    today = app.today()
    r, d = t.reviews.c, t.deadlines.c
    query = select(t.reviews).order_by(r.case_ref, r.id)
    if open_only:
        query = query.where(r.state.not_in(FINISHED))
    with app.reading() as connection:
        permissions.require(connection, app.actor, "case_list")
        rows = connection.execute(query).mappings().all()
        latest = {row["case_id"]: row for row in rows}
        publication = {
            row.review_id: row
            for row in connection.execute(
                select(d.review_id, d.due, d.original_due, d.due_soon_from, d.met_on, d.deviation).where(
                    d.review_id.in_([row["id"] for row in latest.values()]), d.key == "published"
                )
            )
        }
    from rr_workflow.domain.deadlines import deadline_status

    listed = []
    for row in latest.values():
        pub = publication.get(row["id"])
        listed.append(
            {
                "ref": row["case_ref"],
                "kind": row["kind"],
                "state": row["state"],
                "state_label": state_label(row["state"]),
                "decided_on": row["decided_on"],
                "reviewer": row["reviewer"],
                "publication_due": pub.due if pub else None,
                "publication_original_due": pub.original_due if pub else None,
                "publication_status": deadline_status(
                    pub.original_due, pub.due, pub.due_soon_from, pub.met_on, pub.deviation, today
                )
                if pub
                else None,
                "published_on": row["published_on"],
            }
        )
    return sorted(listed, key=lambda x: (x["publication_due"] or today.max, x["ref"]))

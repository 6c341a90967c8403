"""The daemon's daily checkpoint of the audit trail: signed, appended to the witness log, mailed to the
admins (so a copy sits in their mailboxes, out of reach of whoever can write to the database)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select

from rr_workflow.adapters import witness
from rr_workflow.adapters.db import tables as t
from rr_workflow.service.app import App

CASE_REF = "-"  # mail about the system, not a case


def write_checkpoint(app: App) -> dict[str, Any]:
    """Sign a checkpoint now, append it to the log and queue it to every admin; returns it."""
    from rr_workflow.adapters.mail import mail_domain

    key = witness.load_key(app.home, create=True)
    with app.uow() as uow:
        point = witness.checkpoint(uow.connection, key)
        log = witness.append_to_log(app.home, point)
        admins = sorted(
            set(
                uow.session.execute(
                    select(t.people.c.email)
                    .join(t.person_roles, t.person_roles.c.login == t.people.c.login)
                    .where(t.person_roles.c.role == "admin", t.people.c.active == 1)
                ).scalars()
            )
        )
        if admins:
            training = "[TRAINING] " if app.training else ""
            uow.session.execute(
                insert(t.mail_outbox).values(
                    case_ref=CASE_REF,
                    message_id=f"<rr.checkpoint.{point['head_id']}.{point['at'][:19]}@{mail_domain()}>",
                    to_addrs=",".join(admins),
                    cc_addrs="",
                    subject=f"{training}rr-workflow audit checkpoint: {point['rows']} rows",
                    body=(
                        "The audit trail's checkpoint for today. Keep this message: "
                        "`rr audit verify --witness FILE` checks the trail against such lines "
                        f"(this one is also in {log}).\n\n" + json.dumps(point, sort_keys=True) + "\n"
                    ),
                    status="pending",
                    attempts=0,
                    next_attempt_at=app.moment(),
                    created_at=app.moment(),
                )
            )
        uow.commit()
    return point

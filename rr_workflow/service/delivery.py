"""Draining the mail outbox: each message is claimed, sent, then marked sent (docs/operators-guide.md).

A crash between sending and marking leaves the row `sending`; after `STALE` it is sent again with the
same Message-ID, so at worst a recipient's mail client sees a duplicate it can fold, and nothing is
lost. Failures retry with exponential backoff; after `MAX_ATTEMPTS` the message is dead-lettered
(shown by `rr outbox list` and on the board).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.service.app import App
from rr_workflow.service.clock import iso_moment_of
from rr_workflow.service.failures import describe

if TYPE_CHECKING:  # the mail and letter modules are imported only when there is something to send
    from rr_workflow.adapters.mail import Transport

MAX_ATTEMPTS = 8
STALE = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_WAIT)


def _due(app: App, now: datetime, limit: int) -> list[int]:
    """The messages to send now: pending ones whose time has come, and sends that went stale."""
    m = t.mail_outbox
    with app.engine.connect() as connection:
        return list(
            connection.execute(
                select(m.c.id)
                .where(
                    or_(
                        and_(m.c.status == "pending", m.c.next_attempt_at <= iso_moment_of(now)),
                        and_(m.c.status == "sending", m.c.claimed_at <= iso_moment_of(now - STALE)),
                    )
                )
                .order_by(m.c.id)
                .limit(limit)
            ).scalars()
        )


def waiting(app: App) -> bool:
    """Whether any message is to be sent now (a cheap look before a sender is set up)."""
    return bool(_due(app, app.clock.now().astimezone(UTC), 1))


def deliver(app: App, transport: Transport, limit: int = 1000) -> dict[str, int]:
    now = app.clock.now().astimezone(UTC)
    counts = {"sent": 0, "failed": 0, "dead": 0}
    m = t.mail_outbox
    due = _due(app, now, limit)
    if due:
        from rr_workflow.adapters.mail import build_message
        from rr_workflow.service import letters
    for mail_id in due:
        row = _claim(app, mail_id, now)
        if row is None:
            continue  # another sender took it
        try:
            with app.engine.connect() as connection:
                attached = letters.attachments(connection, mail_id)
            refused = transport.send(build_message(row, attached))
        except Exception as error:  # any failure to hand over the message: retry later
            counts["dead" if _failed(app, row, now, error) else "failed"] += 1
            continue
        # Some recipients refused, the others accepted: resending would duplicate it for the others, so
        # it counts as sent and the refusals are kept where `rr outbox list --all` shows them.
        note = "; ".join(f"refused {address}: {reply}" for address, reply in refused.items()) or None
        with app.uow() as uow:
            uow.session.execute(
                update(m)
                .where(m.c.id == mail_id)
                .values(status="sent", sent_at=iso_moment_of(now), last_error=note[:500] if note else None)
            )
            uow.commit()
        counts["sent"] += 1
    return counts


def _claim(app: App, mail_id: int, now: datetime) -> dict[str, Any] | None:
    m = t.mail_outbox
    with app.uow() as uow:
        claimed = uow.session.execute(
            update(m)
            .where(
                m.c.id == mail_id,
                or_(
                    m.c.status == "pending",
                    and_(m.c.status == "sending", m.c.claimed_at <= iso_moment_of(now - STALE)),
                ),
            )
            .values(status="sending", claimed_at=iso_moment_of(now))
        )
        if claimed.rowcount != 1:
            return None
        row = dict(uow.session.execute(select(m).where(m.c.id == mail_id)).mappings().one())
        uow.commit()
        return row


def _failed(app: App, row: dict[str, Any], now: datetime, error: Exception) -> bool:
    attempts = row["attempts"] + 1
    dead = attempts >= MAX_ATTEMPTS
    m = t.mail_outbox
    with app.uow() as uow:
        uow.session.execute(
            update(m)
            .where(m.c.id == row["id"])
            .values(
                status="dead" if dead else "pending",
                attempts=attempts,
                next_attempt_at=iso_moment_of(now + backoff(attempts)),
                last_error=describe(error),
            )
        )
        uow.commit()
    return dead


def outbox(app: App, include_sent: bool = False) -> list[dict[str, Any]]:
    m = t.mail_outbox
    query = select(
        m.c.id,
        m.c.case_ref,
        m.c.subject,
        m.c.status,
        m.c.attempts,
        m.c.last_error,
        m.c.created_at,
        m.c.sent_at,
        m.c.message_id,
    ).order_by(m.c.id)
    if not include_sent:
        query = query.where(m.c.status != "sent")
    with app.uow() as uow:
        from rr_workflow.service import permissions

        permissions.require(uow, app.actor, "case_list")
        return [dict(r) for r in uow.session.execute(query).mappings()]

"""Draining the mail outbox: each message is claimed, sent, then marked sent (docs/operators-guide.md).

A crash between sending and marking leaves the row `sending`; after `STALE` it is sent again with the
same Message-ID, so at worst a recipient's mail client sees a duplicate it can fold, and nothing is
lost.

Mail is never given up on silently. A failure is retried with exponential backoff capped at an hour.
After `FAILING_AFTER` attempts (about an hour of failures) the message is *failing*: it shows on the
board, in `rr case show` and `rr outbox list`, and the admins are sent one message about it. It is still
retried, hourly, for about a week (`GIVE_UP_AFTER`); only then is it `dead`, kept until someone runs
`rr outbox retry`.

Backoff and staleness run on the wall clock, not the case clock: a training database held at a fixed
RR_NOW still retries its mail and recovers a crashed send.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, or_, select, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.service import permissions
from rr_workflow.service.app import App
from rr_workflow.service.clock import iso_moment_of
from rr_workflow.service.failures import describe
from rr_workflow.service.mail_status import FAILING_AFTER, label

GIVE_UP_AFTER = FAILING_AFTER + 24 * 7  # then hourly for about a week
STALE = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)

if TYPE_CHECKING:  # the mail and letter modules are imported only when there is something to send
    from rr_workflow.adapters.mail import Sender, Transport

Fence = Callable[[Any], None]  # raises if this process may no longer act (see daemon.Leadership)


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (min(attempts, 20) - 1)), LONGEST_WAIT)


def _due(now: datetime) -> Any:
    m = t.mail_outbox
    return or_(
        and_(m.c.status == "pending", or_(m.c.attempts == 0, m.c.next_attempt_at <= iso_moment_of(now))),
        and_(m.c.status == "sending", m.c.claimed_at <= iso_moment_of(now - STALE)),
    )


def waiting(app: App, now: datetime | None = None) -> bool:
    """Whether any message is to be sent now (a cheap look before a sender is set up)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with app.reading() as connection:
        return connection.execute(select(t.mail_outbox.c.id).where(_due(moment)).limit(1)).first() is not None


def deliver(
    app: App,
    transport: Transport,
    limit: int = 1000,
    now: datetime | None = None,
    fence: Fence | None = None,
) -> dict[str, int]:
    """Send what is due. `now`: the wall-clock moment (default: the system's); `fence`: the daemon's
    check that it still leads, run inside each claim's transaction.

    The transport's `connections` senders (RR_SMTP_CONNECTIONS, default 3) work through the messages at
    once, each over one SMTP connection it keeps open: a backlog drains in about the server's answer time
    per message divided by the senders, not a connection, its handshakes and the server's answer each,
    one after another. Each message is still claimed, sent and marked on its own, so a crash repeats at
    most the messages in flight (one per sender), under their own Message-IDs."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    counts = {"sent": 0, "failed": 0, "dead": 0}
    m = t.mail_outbox
    with app.reading() as connection:
        due = (
            connection.execute(select(m.c.id).where(_due(now)).order_by(m.c.id).limit(limit)).scalars().all()
        )
    if not due:
        return counts
    waiting_ids = deque(due)
    guard = threading.Lock()
    stopping = threading.Event()
    problems: list[BaseException] = []

    def work() -> None:
        try:
            with _session(transport) as sender:
                while not stopping.is_set():
                    with guard:
                        if not waiting_ids:
                            return
                        mail_id = waiting_ids.popleft()
                    outcome = _deliver_one(app, sender, mail_id, now, fence)
                    if outcome is not None:
                        with guard:
                            counts[outcome] += 1
        except BaseException as error:  # LostLeadership, a crash: every sender stops, and it is raised
            stopping.set()
            with guard:
                problems.append(error)

    senders = max(1, min(int(getattr(transport, "connections", 1)), len(due)))
    if senders == 1:
        work()
    else:
        threads = [threading.Thread(target=work, name=f"rr-mail-{n}", daemon=True) for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if problems:
        raise problems[0]
    return counts


@contextmanager
def _session(transport: Transport) -> Iterator[Sender]:
    """A sender that keeps its connection from one message to the next, if the transport has one."""
    opened = getattr(transport, "session", None)
    if opened is None:
        yield transport
        return
    with opened() as sender:
        yield sender


def _deliver_one(app: App, sender: Sender, mail_id: int, now: datetime, fence: Fence | None) -> str | None:
    """Claim, hand over and mark one message: "sent", "failed", "dead", or None if another sender has it."""
    from rr_workflow.adapters.mail import build_message
    from rr_workflow.service import letters

    m = t.mail_outbox
    row = _claim(app, mail_id, now, fence)
    if row is None:
        return None  # another sender took it
    try:
        with app.engine.connect() as connection:
            attached = letters.attachments(connection, mail_id)
        refused = sender.send(build_message(row, attached))
    except Exception as error:  # any failure to hand over the message: retry later
        return "dead" if _failed(app, row, now, error) else "failed"
    # Some recipients refused, the others accepted: resending would duplicate it for the others, so
    # it counts as sent and the refusals are kept where `rr outbox list --all` shows them.
    note = "; ".join(f"refused {address}: {reply}" for address, reply in refused.items()) or None
    with app.uow() as uow:
        uow.session.execute(
            update(m)
            .where(m.c.id == mail_id)
            .values(status="sent", sent_at=app.moment(), last_error=note[:500] if note else None)
        )
        uow.commit()
    return "sent"


def _claim(app: App, mail_id: int, now: datetime, fence: Fence | None) -> dict[str, Any] | None:
    m = t.mail_outbox
    with app.uow() as uow:
        if fence is not None:
            fence(uow)
        claimed = uow.session.execute(
            update(m)
            .where(m.c.id == mail_id, _due(now))
            .values(status="sending", claimed_at=iso_moment_of(now))
        )
        if claimed.rowcount != 1:
            return None
        row = dict(uow.session.execute(select(m).where(m.c.id == mail_id)).mappings().one())
        uow.commit()
        return row


def _failed(app: App, row: dict[str, Any], now: datetime, error: Exception) -> bool:
    attempts = row["attempts"] + 1
    dead = attempts >= GIVE_UP_AFTER
    m = t.mail_outbox
    values: dict[str, Any] = {
        "status": "dead" if dead else "pending",
        "attempts": attempts,
        "next_attempt_at": iso_moment_of(now + backoff(attempts)),
        "last_error": describe(error),
    }
    with app.uow() as uow:
        escalate = attempts >= FAILING_AFTER and row["escalated_at"] is None and row["about_mail_id"] is None
        if escalate:
            values["escalated_at"] = app.moment()
            _tell_the_admins(app, uow, {**row, **values})
        uow.session.execute(update(m).where(m.c.id == row["id"]).values(**values))
        uow.commit()
    return dead


def _tell_the_admins(app: App, uow: Any, row: dict[str, Any]) -> None:
    """Queue one message to every admin about a mail that keeps failing (not about such a message)."""
    from rr_workflow.adapters.mail import mail_domain

    admins = (
        uow.session.execute(
            select(t.people.c.email)
            .join(t.person_roles, t.person_roles.c.login == t.people.c.login)
            .where(t.person_roles.c.role == "admin")
            .order_by(t.people.c.email)
        )
        .scalars()
        .all()
    )
    if not admins:
        return
    training = "[TRAINING] " if app.training else ""
    body = (
        f"Mail {row['id']} about case {row['case_ref']} has failed {row['attempts']} times "
        f"and is still being retried every hour for about a week.\n\n"
        f"To: {row['to_addrs']}\nSubject: {row['subject']}\nLast error: {row['last_error']}\n\n"
        "Once the mail server or the address is put right, send it at once with:\n"
        f"  rr outbox retry {row['id']}\n"
    )
    uow.session.execute(
        insert(t.mail_outbox).values(
            case_ref=row["case_ref"],
            message_id=f"<rr.mail-failing.{row['id']}@{mail_domain()}>",
            to_addrs=",".join(dict.fromkeys(admins)),
            cc_addrs="",
            subject=f"{training}[{row['case_ref']}] Mail failing: message {row['id']} has not been delivered",
            body=body,
            status="pending",
            attempts=0,
            next_attempt_at=app.moment(),
            created_at=app.moment(),
            about_mail_id=row["id"],
        )
    )


def retry(app: App, ids: Sequence[int] = (), all_dead: bool = False, all_failing: bool = False) -> list[int]:
    """Send these messages (or every dead one) at the next delivery: they start their retries afresh.
    Recorded in the audit trail. Returns the ids requeued."""
    if not ids and not all_dead and not all_failing:
        raise BadInput("name the messages to retry (rr outbox retry ID ...) or give --all-dead")
    m = t.mail_outbox
    with app.uow() as uow:
        permissions.require(uow, app.actor, "outbox_retry")
        if ids:
            found = {
                r.id: r.status for r in uow.session.execute(select(m.c.id, m.c.status).where(m.c.id.in_(ids)))
            }
            missing = [i for i in ids if i not in found]
            if missing:
                raise BadInput(f"no message {missing[0]} in the outbox (rr outbox list --all)")
            sent = [i for i in ids if found[i] == "sent"]
            if sent:
                raise Refused(f"message {sent[0]} was sent already: nothing to retry")
            chosen = sorted(set(ids))
        else:
            query = select(m.c.id).where(m.c.status == "dead")
            if all_failing:
                query = select(m.c.id).where(
                    or_(m.c.status == "dead", and_(m.c.status == "pending", m.c.attempts >= FAILING_AFTER))
                )
            chosen = list(uow.session.execute(query.order_by(m.c.id)).scalars())
        if chosen:
            uow.session.execute(
                update(m)
                .where(m.c.id.in_(chosen), m.c.status != "sent")
                .values(status="pending", attempts=0, escalated_at=None, next_attempt_at=app.moment())
            )
            uow.audit(
                actor=app.actor, recorded_at=app.moment(), action="mail_retried", details={"mail": chosen}
            )
        uow.commit()
    return chosen


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
    with app.reading() as connection:
        permissions.require(connection, app.actor, "case_list")
        return [{**r, "status": label(r)} for r in connection.execute(query).mappings()]

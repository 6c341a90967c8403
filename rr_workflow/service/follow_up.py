"""After the commit: the letters a step's domain events call for, written exactly once per event.

A step stores its facts and its events in one transaction (`publish`); the events that have letters
(`letters.HANDLERS`) are stored `pending`, already claimed by the process that raised them. Right after
the commit, with no lock held, that process renders the letters (Word documents, PDF copies) and, in
a transaction of its own, marks the events `done` only while its claim on each still stands, stores the
documents and queues the mail. So a coordinator sees the letters as soon as the command returns, and
a step's transaction, and every lock it takes, lasts about as long as its own writes.

A crash between the commit and that last transaction leaves the events `pending`. `finish` (run by
`rr tick` and by the daemon at every poll) takes over each event whose claim is abandoned: made by a
process on this host that is no longer running, or older than `STALE`. It claims each case's events in
a transaction of its own (a compare-and-set on the claim it saw), renders them from the case as it
stands, and completes them the same way. Two processes never both complete an event: the completing
UPDATE names its own claim, so one that lost its claim stores nothing (its files are removed).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.prepared import Prepared
from rr_workflow.domain.errors import RRError
from rr_workflow.domain.events import DomainEvent
from rr_workflow.service.app import App
from rr_workflow.service.clock import iso_moment_of
from rr_workflow.service.failures import describe

if TYPE_CHECKING:  # the ORM is loaded only where there is something to follow up (`rr tick` stays light)
    from rr_workflow.adapters.db.unit_of_work import UnitOfWork
    from rr_workflow.adapters.profile import Profile
    from rr_workflow.domain.case import Case
    from rr_workflow.domain.deadlines import Deadline
    from rr_workflow.domain.schedule import Schedule
    from rr_workflow.service.letters import Directory

STALE = timedelta(minutes=10)  # a claim older than this is taken over (a LibreOffice run ends within 2)
PENDING, DONE = "pending", "done"

Fence = Callable[[Any], None]  # raises if this process may no longer act (see daemon.Leadership)


class LettersPending(RRError):
    """The step is saved, but its letters could not be written just now (they will be)."""


def followed_up() -> frozenset[str]:
    """The event kinds that have a follow-up after the commit: those with letters."""
    from rr_workflow.service import letters

    return frozenset(letters.HANDLERS)


def publish(app: App, uow: UnitOfWork, case: Case, schedule: Schedule, deadlines: list[Deadline]) -> None:
    """Store the case's new events in the step's transaction, and follow them up once it is committed.
    A step taken over from a register (`record_only`) had its letters at the time: its events are done."""
    events = list(case.events)
    case.events.clear()
    if not events:
        return
    kinds = frozenset() if app.record_only else followed_up()
    pending = [e for e in events if e.kind in kinds]
    if not pending:
        uow.publish(events, app.moment())
        return
    from rr_workflow.service import letters

    profile = letters.check_ready()  # refused before anything is saved
    if any(e.kind in letters.NAMING_THE_CHILD for e in pending):
        case.child  # noqa: B018  loaded now: the letters are written after the session has closed
    # read now, in the step's transaction (no connection of their own for the letters)
    directory = letters.read_directory(uow.connection)
    claim = claim_token()
    uow.publish(events, app.moment(), kinds, (claim, _wall()))
    uow.after_commit(
        lambda: _follow_up_now(app, claim, case, schedule, deadlines, pending, profile, directory)
    )


def claim_token() -> str:
    """host:pid:random — `finish` knows a claim of a process on its own host that has ended."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _wall(now: datetime | None = None) -> str:
    return iso_moment_of((now or datetime.now(UTC)).astimezone(UTC))


def _follow_up_now(
    app: App,
    claim: str,
    case: Case,
    schedule: Schedule,
    deadlines: list[Deadline],
    events: Sequence[DomainEvent],
    profile: Profile | None = None,
    directory: Directory | None = None,
) -> None:
    """`profile` and `directory`: the partnership profile and the agencies and people the step read (its
    letters follow them)."""
    from rr_workflow.service import letters

    try:
        with _ReadingWhenAsked(app) as reading:  # what else the letters read: what is committed
            mails = letters.render(app, reading, case, schedule, deadlines, events, profile, directory)
        _complete(app, claim, case, mails, len(events))
    except Exception as error:
        _release(app, claim)  # for the daemon or the next `rr tick` to take over at once
        raise LettersPending(
            f"the step is saved, but its letters are not written yet ({describe(error)}); "
            "`rr tick` or the daemon writes them"
        ) from error


class _ReadingWhenAsked(contextlib.ExitStack):
    """A connection for reading what is committed (`App.reading`), opened at its first `execute`: most
    steps' letters read nothing past what the step gave them."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self._app = app
        self._connection: Any = None

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            self._connection = self.enter_context(self._app.reading(each_statement=True))
        return self._connection.execute(*args, **kwargs)


def _complete(app: App, claim: str, case: Case, mails: Sequence[Any], expected: int) -> bool:
    """Mark the claimed events done, store the documents and queue the mail, in one transaction; no row at
    all if the claim was lost to another process meanwhile (the documents' files, written before it,
    hold what the letters hold)."""
    from rr_workflow.service import letters

    written = letters.write_files(app, case, mails)  # before the transaction takes its lock
    # Its commit need not wait for the disk: lost to a power cut, the events are still pending and are
    # followed up again (`finish`), and no mail it queues is sent before a later commit that waits (the
    # mail's claim) has brought this one to the disk too.
    with app.uow(sync_later=True) as uow:
        done = _completing().run(uow.connection, {"claim": claim, "done_at": app.moment()})
        if done.rowcount != expected:
            return False  # taken over (this claim went stale): the other process writes them
        letters.store_mails(app, uow, case, mails, written)
        uow.commit()
    return True


@functools.cache
def _completing() -> Prepared:
    """The UPDATE marking a claim's pending events done (built once per process)."""
    o = t.outbox
    return Prepared(
        update(o)
        .where(o.c.claimed_by == bindparam("claim"), o.c.status == PENDING)
        .values(status=DONE, done_at=bindparam("done_at"))
    )


def _release(app: App, claim: str) -> None:
    o = t.outbox
    try:
        with app.uow() as uow:
            uow.session.execute(
                update(o)
                .where(o.c.claimed_by == claim, o.c.status == PENDING)
                .values(claimed_by=None, claimed_at=None)
            )
            uow.commit()
    except Exception:  # the claim then goes stale and is taken over later
        return


# -- finishing what a crash left ----------------------------------------------------------------------


def waiting(app: App, now: datetime | None = None) -> list[dict[str, Any]]:
    """The pending events nobody is following up (one indexed look-up; usually none)."""
    o = t.outbox
    with app.reading() as connection:
        rows = connection.execute(
            select(o.c.id, o.c.case_ref, o.c.claimed_by, o.c.claimed_at)
            .where(o.c.status == PENDING)
            .order_by(o.c.id)
        ).mappings()
        return [dict(r) for r in rows if abandoned(r["claimed_by"], r["claimed_at"], now)]


def abandoned(claimed_by: str | None, claimed_at: str | None, now: datetime | None = None) -> bool:
    """Whether nobody follows the event up any more: never claimed, claimed longer ago than `STALE`, or
    claimed by a process of this host that has ended."""
    if claimed_by is None or claimed_at is None:
        return True
    if claimed_at <= _wall((now or datetime.now(UTC)) - STALE):
        return True
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not _running(int(pid))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def finish(app: App, now: datetime | None = None, fence: Fence | None = None) -> int:
    """Follow up every event a crash left (see the module's text); returns how many were completed.
    `now`: the wall-clock moment (default: the system's); `fence`: the daemon's check that it still
    leads, run in each claim's transaction."""
    rows = waiting(app, now)
    by_case: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault(row["case_ref"], []).append(row)
    completed = 0
    for ref, seen in by_case.items():
        claim = claim_token()
        ids = _claim(app, seen, claim, now, fence)
        if ids:
            completed += _finish_case(app, ref, ids, claim)
    return completed


def _claim(
    app: App, seen: Sequence[dict[str, Any]], claim: str, now: datetime | None, fence: Fence | None
) -> list[int]:
    """Take over the events `seen`, each only if its claim is still the one seen (a compare-and-set)."""
    o = t.outbox
    taken = []
    with app.uow() as uow:
        if fence is not None:
            fence(uow)
        for row in seen:
            same = (
                o.c.claimed_by.is_(None) if row["claimed_by"] is None else o.c.claimed_by == row["claimed_by"]
            )
            result = uow.session.execute(
                update(o)
                .where(o.c.id == row["id"], o.c.status == PENDING, same)
                .values(claimed_by=claim, claimed_at=_wall(now))
            )
            if result.rowcount == 1:
                taken.append(int(row["id"]))
        uow.commit()
    return taken


def _finish_case(app: App, ref: str, ids: list[int], claim: str) -> int:
    from sqlalchemy.orm import Session

    from rr_workflow.adapters.db.orm import start_mappers
    from rr_workflow.domain.case import Case
    from rr_workflow.service import case_rules, letters

    start_mappers()
    o = t.outbox
    with app.reading() as connection, Session(bind=connection) as session:
        events = [
            DomainEvent(r.kind, r.case_ref, _day(r.effective_on), json.loads(r.payload))
            for r in connection.execute(
                select(o.c.kind, o.c.case_ref, o.c.effective_on, o.c.payload)
                .where(o.c.id.in_(ids))
                .order_by(o.c.id)
            )
        ]
        case = session.scalars(select(Case).where(t.cases.c.ref == ref)).one()
        case.child  # noqa: B018  loaded while the session is open
        schedule = case_rules.stored_schedule(connection, case.schedule_version)
        deadlines = case_rules.deadlines_of(app, case, schedule)
        mails = letters.render(app, connection, case, schedule, deadlines, events)
    return len(ids) if _complete(app, claim, case, mails, len(ids)) else 0


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))

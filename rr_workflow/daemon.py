"""`rr daemon`: fire every working-day timer on time, deliver the mail outbox, one daemon per database.

- The case database is the source of truth. The scheduler's jobs (an in-memory APScheduler 3 job store)
  are derived from it: at start, and whenever it changes, the daemon computes the next moment each open
  deadline has a reminder or escalation and schedules a date job for each distinct moment. A job runs
  `tick`, which fires whatever is due, idempotently; nothing is lost if a job is missed, because the
  start-up tick catches up on everything that fell due while the daemon was down (once, coalesced).
- Change detection is by polling the audit trail's last id every few seconds: every command that can
  move a deadline appends an audit row in the same transaction, it works the same on SQLite and
  PostgreSQL (LISTEN/NOTIFY would be PostgreSQL only), and it costs one indexed query per poll.
- Only one daemon acts per database: PostgreSQL session advisory lock, or a lock file beside the
  SQLite database. Another daemon waits as a hot standby and takes over within seconds of the first
  dying (the lock goes with its process).
- Fencing: a lock can be lost without its holder dying (its PostgreSQL session terminated, the lock file
  deleted), and then a standby becomes leader too. Each leader bumps a fencing epoch in the database
  when it takes over, and checks, in the same transaction as every claim of a notice or a mail and at
  every poll, that its lock is still held and the epoch is still its own. A leader that finds otherwise
  stops at once (exit 1); whoever supervises it restarts it as a standby.
- Every night it signs a checkpoint of the audit trail, appends it to the witness log and mails it to
  the admins (`rr audit verify --witness`).
- Logs are JSON lines on stderr, one event each, with case references but never personal data.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select, text, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.service.app import App
from rr_workflow.service.failures import describe

HEARTBEAT_KEY = "daemon"
_LEADER_LOCK = 0x5252_4441  # "RRDA"
STANDBY_RETRY_SECONDS = 2.0
CHECKPOINT_HOUR = 2  # local time: the audit trail's daily witness


def log(event: str, stream: TextIO | None = None, **fields: Any) -> None:
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
    print(json.dumps(record, default=str), file=stream or sys.stderr, flush=True)


class _JsonLines(logging.Handler):
    """Routes APScheduler's own warnings (a missed run) into the same JSON lines. A poll skipped because
    the one before is still running (a long mail drain) is expected and not logged: the next poll runs."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "maximum number of running instances reached" in message:
            return
        log("scheduler", level=record.levelname.lower(), detail=message[:300])


def _route_scheduler_logs() -> None:
    logger = logging.getLogger("apscheduler")
    if not any(isinstance(h, _JsonLines) for h in logger.handlers):
        logger.addHandler(_JsonLines(logging.WARNING))
    logger.propagate = False


class LostLeadership(Exception):
    """This daemon's lock is gone, or another daemon has taken over since: it must stop acting."""


class Leadership:
    """Who may act on this database: a PostgreSQL advisory lock, or an flock on a file for SQLite, and
    the fencing epoch that proves the lock is still this process's."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._connection: Connection | None = None
        self._file: Any = None
        self.epoch: int | None = None
        self._guard = threading.Lock()  # the lock's session is shared by the scheduler's threads

    @property
    def lock_path(self) -> Path:
        return Path(self.app.home) / "daemon.lock"

    @property
    def on_postgres(self) -> bool:
        return self.app.engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        if self.on_postgres:
            if self._connection is None:
                self._connection = self.app.engine.connect()
            got = bool(
                self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": _LEADER_LOCK}
                ).scalar()
            )
            self._connection.commit()
            if not got:
                self._connection.close()
                self._connection = None
            return got
        import fcntl

        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(descriptor, "a+")
        try:
            os.fchmod(descriptor, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def take_over(self) -> int:
        """Bump the fencing epoch: from now on, the leader before this one can no longer claim anything;
        and put back the mail it had claimed but not marked sent."""
        holder = f"{socket.gethostname()}:{os.getpid()}"
        moment = datetime.now(UTC).isoformat(timespec="seconds")
        with self.app.uow() as uow:
            current = uow.session.execute(
                select(t.leadership.c.epoch).where(t.leadership.c.name == HEARTBEAT_KEY).with_for_update()
            ).scalar()
            epoch = (current or 0) + 1
            if current is None:
                uow.session.execute(
                    insert(t.leadership).values(
                        name=HEARTBEAT_KEY, epoch=epoch, holder=holder, acquired_at=moment
                    )
                )
            else:
                uow.session.execute(
                    update(t.leadership)
                    .where(t.leadership.c.name == HEARTBEAT_KEY)
                    .values(epoch=epoch, holder=holder, acquired_at=moment)
                )
            # Mail a leader before this one was handing over when it died: only a leader sends, so no
            # one is sending it now. Sent again at once (the same Message-ID), not after STALE.
            uow.session.execute(
                update(t.mail_outbox)
                .where(t.mail_outbox.c.status == "sending")
                .values(status="pending", claimed_at=None)
            )
            uow.commit()
        self.epoch = epoch
        return epoch

    def fence(self, uow: Any) -> None:
        """Raise `LostLeadership` unless this process still leads: its lock is still held, and the stored
        epoch, read in the caller's transaction (and share-locked on PostgreSQL, so a take-over waits for
        it), is still its own."""
        self.check_lock()
        query = select(t.leadership.c.epoch).where(t.leadership.c.name == HEARTBEAT_KEY)
        if self.on_postgres:
            query = query.with_for_update(read=True)
        stored = uow.session.execute(query).scalar()
        if stored != self.epoch:
            raise LostLeadership(f"another daemon took over (epoch {stored}, this one {self.epoch})")

    def check_lock(self) -> None:
        if self.on_postgres:
            try:
                assert self._connection is not None
                with self._guard:
                    held = self._lock_row(self._connection)
            except Exception as error:  # the lock's session is gone (terminated, network)
                raise LostLeadership(f"the lock's database session is gone: {type(error).__name__}") from None
            if held is None:
                raise LostLeadership("the advisory lock is no longer held")
            return
        try:
            same = os.stat(self.lock_path).st_ino == os.fstat(self._file.fileno()).st_ino
        except (OSError, AttributeError, ValueError):
            same = False
        if not same:
            raise LostLeadership(f"the lock file {self.lock_path} was removed or replaced")

    @staticmethod
    def _lock_row(connection: Connection) -> Any:
        row = connection.execute(
            text(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objid = :k"
            ),
            {"k": _LEADER_LOCK},
        ).first()
        connection.commit()
        return row

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LEADER_LOCK})
                self._connection.commit()
                self._connection.close()
            except Exception:  # the session is already gone, and its lock with it
                self._connection.invalidate()
            self._connection = None
        if self._file is not None:
            self._file.close()  # closing the file releases the flock
            self._file = None


def heartbeat(app: App) -> dict[str, Any] | None:
    with app.uow() as uow:
        stored = uow.setting(HEARTBEAT_KEY)
    return json.loads(stored) if stored else None


def _write_heartbeat(app: App, state: dict[str, Any]) -> None:
    with app.uow() as uow:
        uow.put_setting(HEARTBEAT_KEY, json.dumps(state, default=str))
        uow.commit()


def check(app: App) -> tuple[bool, dict[str, Any] | None]:
    """Whether a daemon holds the lock now, and its last heartbeat."""
    probe = Leadership(app)
    free = probe.try_acquire()
    if free:
        probe.release()
    return (not free), heartbeat(app)


def change_counter(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.coalesce(func.max(t.audit_events.c.id), 0))).scalar() or 0)


class Daemon:
    def __init__(
        self, app: App, stop: threading.Event, poll_seconds: float = 5.0, on_event: Callable[..., None] = log
    ) -> None:
        from rr_workflow.adapters.mail import transport_from_environment

        self.app = app
        self.stop = stop
        self.poll_seconds = poll_seconds
        self.log = on_event
        self.transport = transport_from_environment(app.home)
        self.leadership = Leadership(app)
        self._ticking = threading.Lock()
        self._delivering = threading.Lock()
        self._seen_changes = -1
        self.fenced: str | None = None
        self.state: dict[str, Any] = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(),
            "last_tick_at": None,
            "transport": self.transport.name,
        }

    def run(self) -> int:
        self.log("standby", pid=os.getpid())
        while not self.leadership.try_acquire():
            if self.stop.wait(STANDBY_RETRY_SECONDS):
                self.log("stopped", pid=os.getpid(), role="standby")
                return 0
        epoch = self.leadership.take_over()
        self.log("active", pid=os.getpid(), transport=self.transport.name, epoch=epoch)
        from apscheduler.schedulers.background import BackgroundScheduler

        _route_scheduler_logs()
        zone = ZoneInfo(self.app.calendar.settings.timezone)
        # A missed run is never dropped (no grace limit) and several missed runs run once (coalesce):
        # the tick itself decides what is due, so running late or once for many slots is always right.
        self.scheduler = BackgroundScheduler(
            timezone=zone, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        )
        self.scheduler.start()
        try:
            self.fire("start")  # catch up on everything that fell due while no daemon was active
            self.sync()
            self.scheduler.add_job(self.sync, "interval", seconds=self.poll_seconds, id="sync")
            # Delivery runs beside the timers, in batches, so a long mail backlog never delays a timer.
            self.scheduler.add_job(
                self.deliver,
                "interval",
                seconds=self.poll_seconds,
                id="deliver",
                next_run_time=datetime.now(UTC),
            )
            # A signed checkpoint of the audit trail, to the witness log and the admins, every night.
            self.scheduler.add_job(self.checkpoint, "cron", hour=CHECKPOINT_HOUR, id="witness")
            self.stop.wait()
        finally:
            self.scheduler.shutdown(wait=True)  # finish the work in hand
            self.leadership.release()
            self.log("stopped", pid=os.getpid(), role="active", fenced=self.fenced is not None)
        return 1 if self.fenced else 0

    def _fenced(self, error: LostLeadership) -> None:
        """Stop acting at once: another daemon leads now, or may at any moment."""
        if self.fenced is None:
            self.fenced = str(error)
            self.log("fenced", pid=os.getpid(), detail=str(error))
        self.stop.set()

    def fire(self, reason: str) -> None:
        """Fire what is due: the catch-up at start, a timer, every poll. A database error is logged and
        the next poll fires again; the tick decides what is due, so nothing is lost by failing once."""
        from rr_workflow.service import notices

        with self._ticking:
            if self.stop.is_set():
                return
            started = datetime.now(UTC)
            try:
                fired = notices.tick(self.app, fence=self.leadership.fence)
                self.state["last_tick_at"] = started.isoformat()
                _write_heartbeat(self.app, self.state)
            except LostLeadership as error:
                self._fenced(error)
                return
            except Exception as error:  # even at start: a dropped session must not kill the daemon
                self.log(
                    "error", where="tick", reason=reason, error=type(error).__name__, detail=describe(error)
                )
                return
            if fired["claimed"] or reason != "poll":
                self.log("tick", reason=reason, notices=fired["claimed"], mails=fired["mails"])
            self.follow_up()

    def follow_up(self) -> None:
        """The letters of steps whose process ended before writing them (service/follow_up.py)."""
        from rr_workflow.service import follow_up

        try:
            done = follow_up.finish(self.app, fence=self.leadership.fence)
        except LostLeadership as error:
            self._fenced(error)
            return
        except Exception as error:  # retried at the next poll once its claim is stale
            self.log("error", where="letters", error=type(error).__name__, detail=describe(error))
            return
        if done:
            self.log("letters", events=done)

    def checkpoint(self) -> None:
        from rr_workflow.service.checkpoint import write_checkpoint

        try:
            point = write_checkpoint(self.app)
            self.log("checkpoint", rows=point["rows"], head_id=point["head_id"])
        except Exception as error:  # logged, and tried again the next night
            self.log("error", where="checkpoint", error=type(error).__name__, detail=describe(error))

    def deliver(self) -> None:
        from rr_workflow.service import delivery

        if not self._delivering.acquire(blocking=False):
            return
        try:
            if self.stop.is_set():
                return
            sent = delivery.deliver(self.app, self.transport, limit=200, fence=self.leadership.fence)
            if any(sent.values()):
                self.log("delivery", **sent)
        except LostLeadership as error:
            self._fenced(error)
        except Exception as error:  # an SMTP or database outage: log it, retry at the next poll
            self.log("error", where="delivery", error=type(error).__name__, detail=describe(error))
        finally:
            self._delivering.release()

    def sync(self) -> None:
        """Every poll: rebuild the timer jobs if anything changed; deliver retries; write the heartbeat."""
        try:
            self.leadership.check_lock()  # every poll, so a lost lock stops the daemon within seconds
            changes = change_counter(self.app)
            if changes != self._seen_changes:
                self._seen_changes = changes
                self._rebuild()
            self.fire("poll")
        except LostLeadership as error:
            self._fenced(error)
        except Exception as error:  # a database outage must not kill the daemon: log, retry next poll
            self.log("error", where="sync", error=type(error).__name__, detail=describe(error))

    def _rebuild(self) -> None:
        from rr_workflow.service.notices import next_moments

        moments = next_moments(self.app)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("timer-"):
                job.remove()
        for moment in moments:
            self.scheduler.add_job(
                self.fire,
                "date",
                run_date=moment,
                args=["timer"],
                id=f"timer-{moment.isoformat()}",
                replace_existing=True,
            )
        self.log("plan", timers=len(moments), next=moments[0].isoformat() if moments else None)

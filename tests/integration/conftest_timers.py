"""Helpers and fixtures shared by the timer, notice, mail and daemon tests (test_tick, test_mail,
test_daemon). Not a conftest pytest loads by itself: import it explicitly,
`from conftest_timers import smtp_fixture  # noqa: F401` for the `smtp` fixture.

- `SmtpSink`: a real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, recording every message it
  accepts; it can be stopped and started again on the same port (an outage), and can be slow to answer
  (so a sender can be killed mid-send).
- `staff(rig)`: registers a manager, a chair and a second coordinator, so notices have every audience.
- `notice_rows(rig)`, `outbox_rows(rig)`: the tables as typed rows.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.service import setup

LONDON = ZoneInfo("Europe/London")

MANAGER = "boss@lscp.example"
CHAIR = "chair@lscp.example"
# `rr init` registers the login that ran it (coord) as coordinator, with the address login@localhost.
COORDINATORS = frozenset({"coord@localhost", "coord2@lscp.example"})


def london(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (aiosmtpd 1.4.6 cannot be given port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], Any], timeout: float, step: float = 0.05) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass; bounded in time and count."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / step) + 2):
        if condition():
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(step)
    return bool(condition())


# -- a real SMTP server --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    login: str | None

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        # A long Subject is folded right after "Subject:"; the email package keeps the folding space.
        return str(self.message["Subject"]).strip()


class SmtpSink:
    """aiosmtpd on 127.0.0.1: records each accepted message, then (optionally) waits before answering."""

    def __init__(
        self,
        delay: float = 0.0,
        credentials: tuple[str, str] | None = None,
        messages_per_connection: int | None = None,
    ) -> None:
        self.port = free_port()
        self.delay = delay
        self.credentials = credentials
        # aiosmtpd's own limit: the next MAIL FROM on that connection is answered 421 and it is closed
        self.messages_per_connection = messages_per_connection
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._controller: Any = None
        self.refuse: set[str] = set()  # recipients answered with 550 at RCPT TO
        self.connections: list[Any] = []  # the client's (address, port) of each message: its connection
        self._in_flight = 0
        self.most_at_once = 0  # the most messages the server was answering at one moment

    # aiosmtpd handler hook
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    # aiosmtpd handler hook
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.content)
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        auth = getattr(session, "auth_data", None)  # a LoginPassword after AUTH PLAIN/LOGIN
        login = getattr(auth, "login", None)
        with self._lock:
            self._received.append(
                Received(
                    str(envelope.mail_from),
                    tuple(envelope.rcpt_tos),
                    raw,
                    message,
                    login.decode() if isinstance(login, bytes) else login,
                )
            )
            self.connections.append(tuple(session.peer))
            self._in_flight += 1
            self.most_at_once = max(self.most_at_once, self._in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)  # accepted, but the sender still waits for the reply
        finally:
            with self._lock:
                self._in_flight -= 1
        return "250 OK"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            self.credentials is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self.credentials
        )
        return AuthResult(success=ok, handled=False, auth_data=data)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        options: dict[str, Any] = {}
        if self.credentials is not None:
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        if self.messages_per_connection is not None:
            options["command_call_limit"] = {"MAIL": self.messages_per_connection}
        controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=5, **options)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def message_ids(self) -> list[str]:
        return [r.message_id for r in self.received]

    def wait_for(self, count: int, timeout: float) -> bool:
        return wait_until(lambda: len(self.received) >= count, timeout)


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[SmtpSink]:
    """A running SMTP sink on 127.0.0.1; stopped after the test whatever happened."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


# -- the database ----------------------------------------------------------------------------------------


def staff(rig: Any) -> Any:
    """Register a manager, the independent chair and a second coordinator on the rig's database."""
    setup.person_add(rig.app, "boss", "A Manager", MANAGER, ["manager"])
    setup.person_add(rig.app, "chair", "Independent Chair", CHAIR, ["chair"])
    setup.person_add(rig.app, "coord2", "Second Coordinator", "coord2@lscp.example", ["coordinator"])
    return rig


def notice_rows(rig: Any) -> list[dict[str, Any]]:
    with rig.app.engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(t.notices).order_by(t.notices.c.id)).mappings()]


def outbox_rows(rig: Any) -> list[dict[str, Any]]:
    """The notices' e-mails (each step's letters use the same outbox and have tests of their own)."""
    m = t.mail_outbox
    with rig.app.engine.connect() as connection:
        query = select(m).where(m.c.notice_id.is_not(None)).order_by(m.c.id)
        return [dict(r) for r in connection.execute(query).mappings()]


def drop_letter_mail(rig: Any) -> None:
    """Take the steps' letters out of the outbox, so that what the SMTP server receives is notices only."""
    m, a = t.mail_outbox, t.mail_attachments
    letters = select(m.c.id).where(m.c.notice_id.is_(None))
    with rig.app.engine.begin() as connection:
        connection.execute(delete(a).where(a.c.mail_id.in_(letters)))
        connection.execute(delete(m).where(m.c.notice_id.is_(None)))


def addresses(text: str | None) -> set[str]:
    return {a.strip() for a in (text or "").split(",") if a.strip()}


@dataclass
class LiveRig:
    """A live database (`rr init`, no --training) with the rig's agencies and a clock the test moves."""

    home: Any
    app: Any
    clock: Any

    def at(self, moment: datetime) -> LiveRig:
        self.clock.advance_to(moment)
        return self


def make_live_rig(home: Any) -> LiveRig:
    from rr_workflow.service.app import open_app
    from rr_workflow.service.clock import FixedClock

    setup.init(home=home, training=False)
    clock = FixedClock(datetime.now(LONDON))
    # A live database takes no RR_USER: the account that ran init (its admin) registers `coord` as the
    # coordinator, and keeps only the admin role, so the notices go where the training rig sends them.
    admin = open_app(home=home, clock=clock)
    setup.person_add(admin, "coord", "coord", "coord@localhost", ["coordinator", "admin"])
    setup.person_revoke(admin, admin.actor, ["coordinator"])
    admin.engine.dispose()
    app = open_app(home=home, clock=clock, actor="coord")
    for key, partner in (("la", "la"), ("police", "police"), ("health", "health"), ("school", None)):
        setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)
    return LiveRig(home, app, clock)

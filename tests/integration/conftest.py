"""Fixtures for the integration tests: a real database (SQLite always; PostgreSQL too when
RR_TEST_DATABASE_URL is set, a fresh database per test), a training RR_HOME set up through the service
layer, and a fixed clock the test moves on by hand.

`rig` is the usual entry point: an initialised database with the three safeguarding partners and one
other agency registered, the application acting as `coord`, and helpers to walk a case through the
procedure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

if TYPE_CHECKING:
    from conftest_timers import SmtpSink
    from daemon_processes import Daemon

from rr_workflow.adapters.db import tables as t
from rr_workflow.service import commands, queries, setup
from rr_workflow.service.app import App, open_app
from rr_workflow.service.clock import FixedClock

PG_URL = os.environ.get("RR_TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(not PG_URL, reason="RR_TEST_DATABASE_URL is not set")

USER = "coord"
# Monday 2 November 2026: no bank holiday within the procedure's 15 working days.
RECEIVED = date(2026, 11, 2)
START = datetime(2026, 11, 2, 10, 0)
AGENCIES = (("la", "la"), ("police", "police"), ("health", "health"), ("school", None))
PARTNERS = ("la", "police", "health")
TEST_PROFILE = Path(__file__).resolve().parents[1] / "partnership.toml"  # PDF copies off
ATTENDEES = ("la:A Smith", "police:DS Jones", "health:Dr Patel")


# -- the environment -------------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """RR_HOME (not created yet: `rr init` makes it), acting as `coord`, no stray configuration."""
    folder = tmp_path / "rr_home"
    monkeypatch.setenv("RR_HOME", str(folder))
    monkeypatch.setenv("RR_USER", USER)
    monkeypatch.setenv("RR_PARTNERSHIP", str(TEST_PROFILE))
    for name in ("RR_NOW", "RR_SCHEDULE", "RR_CALENDAR", "RR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(
    backend: str, home: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The database the product will use: the SQLite file in RR_HOME, or a fresh PostgreSQL database
    named by RR_DATABASE_URL (dropped after the test)."""
    if backend == "sqlite":
        yield f"sqlite:///{home / 'rr.sqlite3'}"
        return
    yield from _fresh_postgres(request, monkeypatch)


@pytest.fixture
def pg_url(home: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[str]:
    """PostgreSQL only: a fresh database named by RR_DATABASE_URL; skips without RR_TEST_DATABASE_URL."""
    yield from _fresh_postgres(request, monkeypatch)


def _fresh_postgres(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = request.getfixturevalue("postgres_server")  # tests/conftest.py: skips when it is not set
    url = server.create()
    monkeypatch.setenv("RR_DATABASE_URL", url)
    try:
        yield url
    finally:
        server.drop(url)


# -- the application, driven through the service layer ------------------------------------------------


@dataclass
class Rig:
    """An initialised training database and the application on it, with a clock the test moves."""

    home: Path
    url: str
    app: App
    clock: FixedClock

    def at(self, moment: datetime) -> Rig:
        self.clock.advance_to(moment)
        return self

    def later(self, **delta: float) -> Rig:
        """Move the clock on (by a second if nothing is said), so every command has its own moment."""
        self.clock.advance_to(self.clock.now() + timedelta(**(delta or {"seconds": 1})))
        return self

    def open_case(self, ref: str = "RR-1", received: date = RECEIVED, referrer: str = "police") -> str:
        commands.case_open(self.app, ref, received, received, referrer, summary="test case")
        return ref

    def to_scoping(self, ref: str = "RR-1") -> str:
        """Open a case (received Mon 2 Nov) and send the scoping template to the three partners (Tue)."""
        self.at(START)
        self.open_case(ref)
        self.at(datetime(2026, 11, 3, 10, 0))
        commands.scoping_send(self.app, ref, list(PARTNERS))
        return ref

    def to_meeting_day(self, ref: str = "RR-1") -> str:
        """To scoping (`to_scoping`), then the SIN and every partner's return and records, one command a
        minute, and the meeting set for Thu 12 Nov 2026; the clock at 15:00 that day."""
        self.to_scoping(ref)
        commands.sin_notified(self.later(minutes=1).app, ref)
        for agency in PARTNERS:
            commands.scoping_returned(self.later(minutes=1).app, ref, agency)
            commands.records_secured(self.later(minutes=1).app, ref, agency)
        commands.meeting_schedule(self.later(minutes=1).app, ref, date(2026, 11, 12))
        self.at(datetime(2026, 11, 12, 15, 0))
        return ref

    def run_procedure(self, ref: str = "RR-1") -> str:
        """The whole procedure, referral to closure, one command a minute on working days."""
        self.to_meeting_day(ref)
        commands.meeting_held(self.app, ref, list(ATTENDEES))
        commands.decide(self.later(minutes=1).app, ref, "no_review", "learning is local", ["la: safety plan"])
        self.at(datetime(2026, 11, 13, 10, 0))
        commands.endorse(self.app, ref, by="Independent Chair")
        self.attach_report(ref)
        commands.submit(self.later(minutes=1).app, ref)
        commands.outcome_shared(self.later(minutes=1).app, ref)
        commands.panel_response(self.later(minutes=1).app, ref, agrees=True)
        commands.close(self.later(minutes=1).app, ref)
        return ref

    def attach_report(self, ref: str = "RR-1") -> Path:
        """The finished report, as the partnership would attach it (`rr doc add REF rapid_review_report`)."""
        report = self.home.parent / f"{ref} Rapid Review report final.docx"
        report.write_bytes(b"PK the finished report")
        commands.doc_add(self.later(minutes=1).app, ref, "rapid_review_report", report)
        return report

    # -- reading the database behind the application's back ---------------------------------------

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.app.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.app.engine.connect() as connection:
            return [dict(r) for r in connection.execute(text(sql), params).mappings()]

    def execute(self, sql: str, **params: Any) -> None:
        with self.app.engine.begin() as connection:
            connection.execute(text(sql), params)

    def tamper(self, sql: str, **params: Any) -> None:
        """Run `sql` as someone with the database owner's rights could: past the triggers that keep the
        audit trail append-only (dropped on SQLite; PostgreSQL's replica mode, a superuser's power)."""
        with self.app.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                for name in ("audit_events_no_update", "audit_events_no_delete"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            connection.execute(text(sql), params)

    def case_row(self, ref: str = "RR-1") -> dict[str, Any]:
        with self.app.engine.connect() as connection:
            row = connection.execute(t.cases.select().where(t.cases.c.ref == ref)).mappings().one()
            return dict(row)

    def verify(self) -> tuple[int, Any]:
        return queries.audit_verify(self.app)


def make_rig(home: Path, url: str, *, training: bool = True) -> Rig:
    setup.init(home=home, training=training)
    clock = FixedClock(START - timedelta(days=1))
    app = open_app(home=home, clock=clock, actor=USER)
    for key, partner in AGENCIES:
        setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)
        clock.advance_to(clock.now() + timedelta(seconds=1))
    return Rig(home=home, url=url, app=app, clock=clock)


@pytest.fixture
def rig(home: Path, database_url: str) -> Iterator[Rig]:
    """On each database: `rr init --training`, the agencies, the application at a fixed clock."""
    made = make_rig(home, database_url)
    try:
        yield made
    finally:
        made.app.engine.dispose()


@pytest.fixture
def pg_rig(home: Path, pg_url: str) -> Iterator[Rig]:
    """PostgreSQL only (skipped otherwise): the same as `rig`."""
    made = make_rig(home, pg_url)
    try:
        yield made
    finally:
        made.app.engine.dispose()


@pytest.fixture
def sqlite_rig(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """SQLite only: the same as `rig`."""
    made = make_rig(home, f"sqlite:///{home / 'rr.sqlite3'}")
    try:
        yield made
    finally:
        made.app.engine.dispose()


# The web tests' fixtures (a signed-in web front end over the rig), kept with the web test helpers.
from web_rig import issuer, people, wall, web  # noqa: E402, F401


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:  # the daemon tests' (daemon_processes.py)
    """Daemons a test starts go in this list; all are killed (SIGKILL) when the test ends."""
    started: list[Daemon] = []
    try:
        yield started
    finally:
        for daemon in started:
            daemon.finish()


@pytest.fixture
def sink(request: pytest.FixtureRequest) -> Iterator[SmtpSink]:
    """A real SMTP server for the daemons a test starts; a test module's `SINK_DELAY` (seconds per
    message) makes it slow to answer, so a daemon can be killed while a message is in flight."""
    from conftest_timers import SmtpSink

    server = SmtpSink(delay=getattr(request.module, "SINK_DELAY", 0.0))
    server.start()
    try:
        yield server
    finally:
        server.stop()

"""Only one daemon acts, whatever happens to its lock (docs/security.md): a leader whose PostgreSQL lock
session is terminated, or whose SQLite lock file is deleted, stops acting (log `fenced`, exit 1) once a
second daemon has taken over, and before either sends anything twice. Real processes, real aiosmtpd.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from conftest_timers import SmtpSink
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from test_daemon import Daemon, daemon_env, start


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    """Daemons a test starts; all are killed (SIGKILL) when the test ends."""
    started: list[Daemon] = []
    try:
        yield started
    finally:
        for daemon in started:
            daemon.finish()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_sqlite_a_deleted_lock_file_fences_the_old_leader(
    sqlite_rig: Any, sink: SmtpSink, daemons: list[Daemon]
) -> None:
    """Planted bug: no fencing (both daemons stay active and `rr daemon --check` sees one)."""
    env = daemon_env(sqlite_rig, sink)
    first = start(daemons, env)
    assert first.wait_for("active", 30)
    lock = sqlite_rig.home / "daemon.lock"
    assert os.stat(lock).st_mode & 0o777 == 0o600
    lock.unlink()
    second = start(daemons, env)
    assert second.wait_for("active", 30)
    assert first.wait_for("fenced", 15), first.lines
    assert first.process.wait(timeout=15) == 1
    assert second.process.poll() is None and not second.events("fenced")
    assert second.events("active")[0]["epoch"] == first.events("active")[0]["epoch"] + 1


def test_postgres_a_terminated_lock_session_fences_the_old_leader(
    pg_rig: Any, sink: SmtpSink, daemons: list[Daemon]
) -> None:
    env = daemon_env(pg_rig, sink)
    first = start(daemons, env)
    assert first.wait_for("active", 30)
    engine = create_engine(pg_rig.url, poolclass=NullPool)
    with engine.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND objid = :k AND granted"
            ),
            {"k": 0x5252_4441},
        ).all()
    engine.dispose()
    assert len(ended) == 1
    second = start(daemons, env)
    assert second.wait_for("active", 30)
    assert first.wait_for("fenced", 15), first.lines
    assert first.process.wait(timeout=15) == 1
    assert second.process.poll() is None


def test_postgres_sigterm_after_the_session_was_dropped_stops_cleanly(
    pg_rig: Any, sink: SmtpSink, daemons: list[Daemon]
) -> None:
    env = daemon_env(pg_rig, sink)
    first = start(daemons, env)
    assert first.wait_for("active", 30)
    engine = create_engine(pg_rig.url, poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    engine.dispose()
    code = first.terminate(timeout=20, how=signal.SIGTERM)
    assert code in (0, 1)
    assert not any("Traceback" in line for line in first.lines), first.lines
    assert all(e["event"] != "not-json" for e in first.events()), first.lines

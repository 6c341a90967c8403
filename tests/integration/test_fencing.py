"""Only one daemon acts, whatever happens to its lock (docs/security.md): a leader whose PostgreSQL lock
session is terminated, or whose SQLite lock file is deleted, stops acting (log `fenced`, exit 1) once a
second daemon has taken over, and before either sends anything twice. Real processes, real aiosmtpd.
"""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest_timers import SmtpSink, wait_until
from daemon_processes import Daemon, daemon_env, start
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


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


def test_a_new_leader_sends_at_once_what_a_killed_one_was_sending(
    rig: Any, sink: SmtpSink, daemons: list[Daemon]
) -> None:
    """A message left `sending` by a daemon killed mid-send goes out as soon as the next daemon leads,
    under the same Message-ID, not ten minutes (STALE) later."""
    rig.execute(
        "INSERT INTO mail_outbox (case_ref, message_id, to_addrs, cc_addrs, subject, body, status, attempts,"
        " next_attempt_at, created_at, claimed_at) VALUES ('RR-1', '<rr.crashed.1@lscp.example>',"
        " 'la@agency.example', '', '[RR-1] Reminder', 'body', 'sending', 0, '2000-01-01T00:00:00Z',"
        " '2000-01-01T00:00:00Z', :now)",
        now=datetime.now(UTC).isoformat(),
    )
    daemon = start(daemons, daemon_env(rig, sink))
    assert daemon.wait_for("active", 30)
    assert wait_until(lambda: "<rr.crashed.1@lscp.example>" in [r.message_id for r in sink.received], 30)
    # The sink holds the message as soon as the server has it; the daemon marks it sent once the server's
    # reply reaches it, a moment later (on a loaded machine, not at once).
    assert wait_until(
        lambda: (
            rig.scalar("SELECT status FROM mail_outbox WHERE message_id = '<rr.crashed.1@lscp.example>'")
            == "sent"
        ),
        10,
    )


def test_a_poll_skipped_during_a_long_drain_is_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    """APScheduler's "maximum number of running instances reached" (a poll while the last one still
    drains mail) was nine lines in ten of the daemon's log; it is expected and no longer logged."""
    import threading
    import time

    from apscheduler.schedulers.background import BackgroundScheduler

    from rr_workflow.daemon import _route_scheduler_logs

    _route_scheduler_logs()
    scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    done = threading.Event()
    scheduler.add_job(lambda: done.wait(1.5), "interval", seconds=0.1, next_run_time=datetime.now(UTC))
    scheduler.start()
    try:
        time.sleep(1.2)
    finally:
        done.set()
        scheduler.shutdown(wait=True)
    assert "maximum number of running instances" not in capsys.readouterr().err

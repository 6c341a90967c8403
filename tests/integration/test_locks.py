"""A lock held by someone else ends in exit 4 and one line within seconds, on SQLite and PostgreSQL, and
a read never waits for a write (docs/security.md). Real second sessions hold the locks; the commands run
as real processes with RR_LOCK_TIMEOUT=1.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def run(rig: Any, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if k not in ("RR_DATABASE_URL",)}
    env.update(
        RR_HOME=str(rig.home), RR_USER="coord", RR_NOW=rig.clock.now().isoformat(), RR_LOCK_TIMEOUT="1"
    )
    if rig.url.startswith("postgresql"):
        env["RR_DATABASE_URL"] = rig.url
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "rr_workflow", *args], env=env, capture_output=True, text=True, timeout=60
    )
    return done, time.monotonic() - started


def assert_busy(done: subprocess.CompletedProcess[str], took: float) -> None:
    assert done.returncode == 4, done
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert "busy" in done.stderr and "try again" in done.stderr and len(done.stderr.splitlines()) == 1
    assert took < 15, took  # seconds, with the interpreter's start-up on a loaded machine


def test_postgres_a_locked_case_row_is_exit_4_within_seconds(pg_rig: Any) -> None:
    """Planted bug: no lock_timeout (the command waits for as long as the other session holds the row)."""
    pg_rig.to_scoping()
    engine = create_engine(pg_rig.url, poolclass=NullPool)
    with engine.connect() as holder:
        holder.execute(text("SELECT * FROM cases WHERE ref = 'RR-1' FOR UPDATE"))
        before = pg_rig.scalar("SELECT count(*) FROM audit_events")
        assert_busy(*run(pg_rig, "sin", "notified", "RR-1"))
        holder.rollback()
    engine.dispose()
    assert pg_rig.scalar("SELECT count(*) FROM audit_events") == before


@pytest.mark.parametrize("command", [("case", "show", "RR-1"), ("audit", "verify")])
def test_postgres_a_table_lock_is_exit_4_within_seconds(pg_rig: Any, command: tuple[str, ...]) -> None:
    pg_rig.to_scoping()
    engine = create_engine(pg_rig.url, poolclass=NullPool)
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE"))
        assert_busy(*run(pg_rig, *command))
        holder.rollback()
    engine.dispose()


def test_sqlite_a_held_write_lock_is_exit_4_and_reads_go_on(sqlite_rig: Any) -> None:
    """Planted bugs: busy_timeout of 30 s mapped to exit 2; every read beginning with BEGIN IMMEDIATE."""
    sqlite_rig.to_scoping()
    holder = sqlite3.connect(sqlite_rig.home / "rr.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        assert_busy(*run(sqlite_rig, "sin", "notified", "RR-1"))
        for read in (("case", "list"), ("audit", "verify"), ("outbox", "list")):
            done, _ = run(sqlite_rig, *read)
            assert done.returncode == 0 and done.stderr == "", (read, done)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

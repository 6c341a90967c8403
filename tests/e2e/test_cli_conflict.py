"""A concurrent change seen through the `rr` command: exit 4, one line, nothing saved (the error contract).

A second coordinator is played by the test holding a real transaction on the same database while a real
`rr` process (`python -m rr_workflow`) records a step:

- PostgreSQL: the test changes the case (its version moves on) and keeps the row locked; `rr` loads the
  old copy, waits on the lock to write, and finds the case changed once the test commits.
- SQLite: the test holds the write lock (as a long command would); `rr` waits its full lock timeout
  (30 seconds) and gives up.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

REF = "RR-1"
BUSY = "the database was busy with a concurrent change: nothing was saved; try again"
WAIT = 60  # seconds: the longest any bounded wait here lasts


def set_up(rr: Any) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    for key in ("la", "police", "health"):
        email = f"{key}@agency.example"
        rr.ok("agency", "add", key, "--name", key.title(), "--email", email, "--partner", key)
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.now = "2026-12-22T10:00"
    rr.ok("scoping", "send", REF, "la", "police", "health")


def start_rr(rr: Any, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    env.update({k: v for k, v in rr.env().items() if v is not None})
    return subprocess.Popen(
        [sys.executable, "-m", "rr_workflow", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_conflict(process: subprocess.Popen[str], message: str) -> None:
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 4, (process.returncode, out, err)
    assert out == ""
    assert err == f"rr: error: {message}\n"


def actions(rr: Any) -> list[str]:
    return [row["action"] for row in rr.json("history", REF)]


def sin_recorded(rr: Any) -> list[Any]:
    shown = rr.json("case", "show", REF)
    return [d["met_on"] for d in shown["deadlines"] if d["key"] == "sin_notified"]


def test_a_step_on_a_case_changed_meanwhile_exits_4_on_postgresql(
    postgres_server: Any, rr_home: Path, new_rr: Any
) -> None:
    """Planted bug caught: `Conflict.exit_code` changed from 4 to 1 (or the conflict not caught at all)."""
    url = postgres_server.create()
    engine = create_engine(url, poolclass=NullPool)
    try:
        rr = new_rr(rr_home, url)
        set_up(rr)
        history = actions(rr)
        with engine.connect() as other:
            other.execute(text("UPDATE cases SET version = version + 1 WHERE ref = :ref"), {"ref": REF})
            process = start_rr(rr, "sin", "notified", REF)
            waiting = _wait_for_lock_wait(other)
            other.commit()
        assert waiting, "rr never waited on the other coordinator's lock"
        assert_conflict(
            process,
            "the case was changed by someone else at the same time: nothing was saved; "
            "look at it again (rr case show) and repeat the command",
        )
        assert sin_recorded(rr) == [None]
        assert actions(rr) == [*history, "case_viewed"]
    finally:
        engine.dispose()
        postgres_server.drop(url)


def _wait_for_lock_wait(connection: Any) -> bool:
    """Whether another session of this database came to wait on a lock (bounded poll)."""
    deadline = time.monotonic() + WAIT
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
    )
    with connection.engine.connect() as watcher:
        while time.monotonic() < deadline:
            if watcher.execute(query).scalar():
                return True
            watcher.rollback()  # the statistics views are a snapshot taken once per transaction
            time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_step_while_another_command_holds_the_database_exits_4_on_sqlite(
    rr_home: Path, new_rr: Any
) -> None:
    """Bug this caught as first written: a busy SQLite database reported as "cannot use the database"
    with exit 2 (and a lock lost after opening would have been a traceback); now exit 4."""
    rr = new_rr(rr_home, f"sqlite:///{rr_home / 'rr.sqlite3'}")
    set_up(rr)
    history = actions(rr)
    other = sqlite3.connect(rr_home / "rr.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        process = start_rr(rr, "sin", "notified", REF)
        assert_conflict(process, BUSY)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert sin_recorded(rr) == [None]
    assert actions(rr) == [*history, "case_viewed"]

"""The letters of a step are written after its commit, exactly once per event, even across crashes
(service/follow_up.py). The crashes are real: an `rr` process killed with SIGKILL at the fault point
(a function replaced by one that kills its own process), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest_timers import SmtpSink, smtp_fixture  # noqa: F401 (the `smtp` fixture)
from sqlalchemy import event

from rr_workflow.adapters.db import migrate
from rr_workflow.adapters.mail import SmtpTransport
from rr_workflow.service import commands, delivery, follow_up

# An `rr` command whose process kills itself at the fault point: `target` (module:function) is replaced
# by a function that sends SIGKILL to its own process.
CRASHING = """
import importlib, os, signal, sys
module, _, name = sys.argv[1].partition(":")
setattr(importlib.import_module(module), name, lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
sys.argv = ["rr", *sys.argv[2:]]
from rr_workflow.cli.app import main
main()
"""
AFTER_COMMIT = "rr_workflow.service.follow_up:_follow_up_now"  # the step is committed, nothing written
# The letters' files are written and their rows inserted, not committed.
FILES_WRITTEN = "rr_workflow.service.letters:_queue_many"
WHILE_WRITING = "rr_workflow.service.letters:render"  # the events are claimed, nothing written

# scoping send to the three partners: a scoping request, the scoping template and the records-securing
# instruction to each (PDF copies are off in the test profile), one e-mail each.
LETTERS = 9
MAILS = 3
EVENTS = 3


def _env(rig: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RR_DATABASE_URL"}
    env.update(RR_HOME=str(rig.home), RR_USER="coord", RR_NOW=rig.clock.now().isoformat())
    if rig.url.startswith("postgresql"):
        env["RR_DATABASE_URL"] = rig.url
    return env


def rr(rig: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rr_workflow", *args],
        env=_env(rig),
        capture_output=True,
        text=True,
        timeout=120,
    )


def crashing(rig: Any, fault: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CRASHING, fault, *args],
        env=_env(rig),
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(rig: Any) -> dict[str, int]:
    return {
        "letters": rig.scalar("SELECT count(*) FROM documents WHERE generated = 1"),
        "mails": rig.scalar(
            "SELECT count(*) FROM mail_outbox WHERE notice_id IS NULL"
        ),  # letters, not notices
        "attachments": rig.scalar("SELECT count(*) FROM mail_attachments"),
        "pending": rig.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"),
        "files": sum(1 for p in (rig.home / "documents").rglob("*") if p.is_file()),
    }


def opened(rig: Any) -> None:
    rig.at(datetime(2026, 11, 2, 10))
    rig.open_case()
    rig.at(datetime(2026, 11, 3, 10))


def test_a_step_killed_right_after_its_commit_has_its_letters_written_by_the_next_tick_once(rig: Any) -> None:
    """Planted bug caught: `finish` taking only events nobody ever claimed (a claim of a process that has
    ended is then never taken over: the letters never come)."""
    opened(rig)
    killed = crashing(rig, AFTER_COMMIT, "scoping", "send", "RR-1", "la", "police", "health")
    assert killed.returncode == -9, killed.stderr
    assert rig.scalar("SELECT state FROM cases WHERE ref = 'RR-1'") == "scoping"  # the step is saved
    nothing = {"letters": 0, "mails": 0, "attachments": 0, "pending": EVENTS, "files": 0}
    assert counts(rig) == nothing

    ticked = rr(rig, "tick", "--no-send")
    assert ticked.returncode == 0, ticked.stderr
    written = {"letters": LETTERS, "mails": MAILS, "attachments": LETTERS, "pending": 0, "files": LETTERS}
    assert counts(rig) == written

    again = rr(rig, "tick", "--no-send")
    assert again.returncode == 0, again.stderr
    assert follow_up.finish(rig.app) == 0
    assert counts(rig) == written


def test_a_step_killed_after_writing_its_letters_files_has_its_letters_written_once_by_the_next_tick(
    rig: Any,
) -> None:
    """Killed with the letters' files on disk and their rows not committed: the events are pending under
    the claim of a process that no longer runs, and the next tick writes the letters once."""
    opened(rig)
    killed = crashing(rig, FILES_WRITTEN, "scoping", "send", "RR-1", "la", "police", "health")
    assert killed.returncode == -9, killed.stderr
    assert rig.scalar("SELECT state FROM cases WHERE ref = 'RR-1'") == "scoping"
    assert counts(rig) == {"letters": 0, "mails": 0, "attachments": 0, "pending": EVENTS, "files": LETTERS}

    assert rr(rig, "tick", "--no-send").returncode == 0
    assert rr(rig, "tick", "--no-send").returncode == 0
    written = {"letters": LETTERS, "mails": MAILS, "attachments": LETTERS, "pending": 0}
    assert {k: v for k, v in counts(rig).items() if k != "files"} == written
    # Each stored letter is on disk as stored. The killed transaction's own files stay beside them,
    # unreferenced, unless a letter came out the same to the byte (its zip entries carry the second it was
    # written: a tick started within the same second writes some of them again the same, not others).
    stored = rig.rows("SELECT path, sha256 FROM documents")
    assert all(hashlib.sha256(Path(r["path"]).read_bytes()).hexdigest() == r["sha256"] for r in stored)
    assert LETTERS <= counts(rig)["files"] <= 2 * LETTERS


def _durability_at_each_commit(engine: Any) -> list[str]:
    """As each transaction commits on `engine`: SQLite's synchronous (2 FULL), PostgreSQL's
    synchronous_commit (on), and whether the transaction stored documents."""
    seen: list[str] = []
    query = "PRAGMA synchronous" if engine.dialect.name == "sqlite" else "SHOW synchronous_commit"

    @event.listens_for(engine, "before_cursor_execute")
    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if sql.startswith("INSERT INTO documents"):
            conn.info["stored documents"] = True

    @event.listens_for(engine, "commit")
    def commit(conn: Any) -> None:
        value = conn.exec_driver_sql(query).scalar()
        seen.append(f"{value}{' documents' if conn.info.pop('stored documents', False) else ''}")

    return seen


def test_only_the_letters_transaction_commits_without_waiting_for_the_disk(rig: Any, smtp: SmtpSink) -> None:
    """A step, and the next step, commit only once their log is on disk; the letters' transaction between
    them does not wait (lost to a power cut, its events are still pending: written again). Each mail is
    claimed, before it is sent, by a commit that waits, which brings the letters' transaction to the
    disk with it. Planted bugs caught: the letters' transaction waiting (['2', '2 documents', '2']); a
    SQLite connection left at NORMAL after it (['2', '1 documents', '1']); its PostgreSQL setting not
    local to it."""
    opened(rig)
    seen = _durability_at_each_commit(rig.app.engine)
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])
    commands.sin_notified(rig.later().app, "RR-1")
    if rig.url.startswith("sqlite"):
        assert seen == ["2", "1 documents", "2"]
    else:
        assert seen == ["on", "off documents", "on"]

    seen.clear()
    transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, user=None, password=None, timeout=5)
    assert delivery.deliver(rig.app, transport, now=rig.clock.now())["sent"] == 3
    assert seen == ["2" if rig.url.startswith("sqlite") else "on"] * 6  # each mail claimed, then marked sent


def test_a_tick_killed_while_writing_letters_leaves_them_to_the_next_one(rig: Any) -> None:
    opened(rig)
    assert crashing(rig, AFTER_COMMIT, "scoping", "send", "RR-1", "la", "police", "health").returncode == -9
    killed = crashing(rig, WHILE_WRITING, "tick", "--no-send")
    assert killed.returncode == -9, killed.stderr
    claims = rig.rows("SELECT claimed_by FROM outbox WHERE status = 'pending'")
    assert len(claims) == EVENTS and len({c["claimed_by"] for c in claims}) == 1  # the tick's claim
    assert counts(rig)["letters"] == 0

    assert rr(rig, "tick", "--no-send").returncode == 0
    assert rr(rig, "tick", "--no-send").returncode == 0
    assert counts(rig) == {
        "letters": LETTERS,
        "mails": MAILS,
        "attachments": LETTERS,
        "pending": 0,
        "files": LETTERS,
    }


def test_a_process_whose_claim_was_taken_over_stores_nothing(
    rig: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process slow past `STALE` finishes after another took its events over: only one of them stores
    the letters. Planted bug caught: completing without naming its own claim (`claimed_by == claim`):
    both store them, 18 letters and 6 e-mails."""
    opened(rig)
    held: list[Any] = []
    slow = follow_up._follow_up_now
    monkeypatch.setattr(follow_up, "_follow_up_now", lambda *args: held.append(args))
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])
    assert len(held) == 1 and counts(rig)["pending"] == EVENTS
    monkeypatch.setattr(follow_up, "_follow_up_now", slow)

    assert follow_up.finish(rig.app) == 0  # the claim is this (running) process's, and fresh
    later = datetime.now(UTC) + follow_up.STALE + timedelta(minutes=1)
    assert follow_up.finish(rig.app, now=later) == EVENTS
    slow(*held[0])  # the first holder, at last
    assert counts(rig) == {
        "letters": LETTERS,
        "mails": MAILS,
        "attachments": LETTERS,
        "pending": 0,
        "files": LETTERS,
    }


def test_letters_are_written_when_the_step_returns_and_steps_without_letters_leave_nothing_pending(
    rig: Any,
) -> None:
    opened(rig)
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])
    commands.sin_notified(rig.later().app, "RR-1")
    assert counts(rig)["letters"] == LETTERS and counts(rig)["mails"] == MAILS
    statuses = rig.rows("SELECT kind, status, claimed_by IS NULL AS unclaimed FROM outbox ORDER BY id")
    assert [(s["kind"], s["status"]) for s in statuses] == [
        ("case_opened", "done"),
        ("scoping_sent", "done"),
        ("scoping_sent", "done"),
        ("scoping_sent", "done"),
        ("sin_notified", "done"),
    ]


def test_an_upgrade_marks_the_events_stored_before_it_done(rig: Any) -> None:
    """Before the follow-up, a step wrote its letters in its own transaction and left its events
    `pending`: after the upgrade none of them is written again."""
    opened(rig)
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])
    before = counts(rig)
    migrate.downgrade(rig.app.engine, "0009")
    rig.execute("UPDATE outbox SET status = 'pending'")  # as revision 0009 stored them
    migrate.upgrade(rig.app.engine)
    rig.app.engine.dispose()
    assert rig.rows("SELECT DISTINCT status FROM outbox") == [{"status": "done"}]
    assert follow_up.finish(rig.app) == 0
    assert counts(rig) == before


def test_a_meeting_letter_written_after_a_later_date_was_set_is_for_the_date_its_step_set(
    rig: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invitation of a step whose letters a crash left, written once a later date is set, names
    the date that step set (the event's meeting number), and the later step's letter says it moved.
    Planted bug caught: the handler reading the case's meeting now (both letters on 13 November)."""
    from datetime import date, time

    rig.to_scoping()  # meeting window 11 to 19 November 2026
    held: list[Any] = []
    follow = follow_up._follow_up_now
    monkeypatch.setattr(follow_up, "_follow_up_now", lambda *args: held.append(args))  # as if killed
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10))
    monkeypatch.setattr(follow_up, "_follow_up_now", follow)
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 13), time(14))  # moved
    later = datetime.now(UTC) + follow_up.STALE + timedelta(minutes=1)
    assert len(held) == 1 and follow_up.finish(rig.app, now=later) == 1  # the first step's, taken over
    subjects = [
        r["subject"].split(": ", 1)[1]
        for r in rig.rows("SELECT subject FROM mail_outbox WHERE subject LIKE '%meeting%' ORDER BY id")
    ]
    assert subjects == [
        "Rapid Review RR-1: meeting moved from Thursday 12 November 2026 to Friday 13 November 2026 at 14:00",
        "Rapid Review RR-1: meeting on Thursday 12 November 2026 at 10:00",
    ]

"""Timers at scale: 10,000 open cases plus 10,000 open actions on SQLite and on PostgreSQL.

Prints, for each database:
  - seeding: 10,000 cases with three agencies each (~110,000 deadlines, ~220,000 timer slots), the
    deadlines computed by the real deadline module and written in bulk; and 10,000 open actions on the
    register (one a case), due Wed 6 January, so the busy day below (Tue 5) reminds about every action
    too (their first timer moment computed by the real timer module);
  - daemon start: from launching `rr daemon` to its timer plan being scheduled (goal <= 5 s), and the
    daemon's peak RSS (goal <= 150 MB);
  - `rr tick` when nothing is due (Monday 4 January 08:00, an hour before the first reminders; goal <=
    1.2x a cold `rr case show`, measured in the same run: both are new processes, imports included, best
    of three);
  - `rr tick` on the day 10,000 notices fall due (goal <= 10 s), against a baseline of bare SQLAlchemy
    Core inserting the same number of rows into a copy of the notices table in the same run;
  - timer lateness: a reminder due a minute from now, how late the running daemon fires it (goal <= 1 s).

Run: nice python benchmarks/timers_bench.py [--cases N] [--actions N] [--no-busy-day] [--postgres URL]
(PostgreSQL: a fresh database is created on that server and dropped afterwards.)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from _scratch import measured, scratch_postgres
from sqlalchemy import create_engine, insert, text

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import deadline_rows
from rr_workflow.domain.deadlines import Milestones, compute_deadlines
from rr_workflow.domain.timers import first_timer
from rr_workflow.service import setup
from rr_workflow.service.app import open_app
from rr_workflow.service.clock import LONDON, FixedClock, iso_moment_of
from rr_workflow.service.read_models import board_row, first_moments

AGENCIES = ("la", "police", "health")


def seed(home: Path, cases: int, received: date, actions: int = 0) -> float:
    """A training database with `cases` open cases, all referred on `received`, templates sent that day,
    and `actions` open actions (spread over the cases), due when the templates' returns are."""
    os.environ["RR_USER"] = "bench"
    setup.init(home=home, training=True)
    app = open_app(
        home=home, clock=FixedClock(datetime.combine(received, datetime.min.time(), LONDON)), actor="bench"
    )
    for key in AGENCIES:
        setup.agency_add(app, key, key.title(), f"{key}@agency.example", key)
    setup.person_add(app, "manager", "Manager", "manager@lscp.example", ["manager"])
    schedule, source = config.schedule_in_force()
    started = time.perf_counter()
    milestones = Milestones(
        case={"referral_received": received, "aware": received, "scoping_sent": received},
        agencies={a: {"scoping_sent": received} for a in AGENCIES},
    )
    deadlines = compute_deadlines(schedule, app.calendar, milestones, received)
    live = [d for d in deadlines if d.is_open]
    fires, board = first_moments(schedule, app.calendar, live), board_row(live)
    moment = iso_moment_of(app.clock.now())
    with app.engine.begin() as connection:
        connection.execute(
            insert(t.schedules).values(
                version=schedule.version,
                name=schedule.name,
                source_text=source,
                sha256="bench",
                loaded_at=moment,
            )
        )
        for first in range(0, cases, 1000):
            batch = range(first, min(first + 1000, cases))
            connection.execute(
                insert(t.cases),
                [
                    {
                        "id": n + 1,
                        "ref": f"RR-{n:05d}",
                        "state": "scoping",
                        "version": 1,
                        "received": received,
                        "aware": received,
                        "referrer": "police",
                        "schedule_version": schedule.version,
                        "allowed": "",
                        "opened_at": moment,
                        "changed_at": moment,
                    }
                    for n in batch
                ],
            )
            connection.execute(
                insert(t.involvements),
                [{"case_id": n + 1, "agency": a, "sent_on": received} for n in batch for a in AGENCIES],
            )
            connection.execute(
                insert(t.deadlines),
                [row for n in batch for row in deadline_rows(n + 1, deadlines, fires)],
            )
            connection.execute(insert(t.case_board), [{"case_id": n + 1, **board} for n in batch])
        due = app.calendar.add(received, 2)  # Wed 6 January: the busy day (Tue 5) reminds about each
        action_moment = iso_moment_of(
            first_timer("action", due, schedule.actions.policy, app.calendar, LONDON).fires_at
        )
        for first in range(0, actions, 1000):
            connection.execute(
                insert(t.actions),
                [
                    {
                        "case_id": n % cases + 1,
                        "number": n // cases + 1,
                        "owner": "la",
                        "text": "safety plan for the siblings",
                        "kind": "action",
                        "agency": "la",
                        "agreed_on": received,
                        "due": due,
                        "status": "open",
                        "next_fire_at": action_moment,
                    }
                    for n in range(first, min(first + 1000, actions))
                ],
            )
        if connection.dialect.name == "postgresql":  # ids were given explicitly: move the sequences on
            for table in ("cases", "involvements", "deadlines"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    app.engine.dispose()
    return time.perf_counter() - started


def run_env(home: Path, url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RR_NOW", "RR_DATABASE_URL")}
    env.update({"RR_HOME": str(home), "RR_USER": "bench", **extra})
    if url:
        env["RR_DATABASE_URL"] = url
    return env


def rr() -> str:
    return str(Path(sys.executable).with_name("rr"))


def daemon_start(
    home: Path, url: str | None, wait_for: str = "plan", extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], float]:
    env = run_env(home, url, **(extra or {}))
    started = time.perf_counter()
    process = subprocess.Popen([rr(), "daemon", "--poll", "1"], env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        if json.loads(line).get("event") == wait_for:
            return process, time.perf_counter() - started
    process.kill()
    raise RuntimeError("the daemon did not report its plan within 120 s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def tick_day(home: Path, url: str | None, day: date) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(
        [rr(), "tick", "--now", f"{day}T09:00", "--no-send", "--json"],
        env=run_env(home, url),
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, json.loads(result.stdout)["claimed"]


def baseline_inserts(url: str, rows: int) -> float:
    """Bare Core: the same number of rows into a scratch copy of the notices table, in one transaction."""
    engine = create_engine(url)
    scratch = t.Table("bench_notices", t.MetaData(), *(t.Column(c.name, c.type) for c in t.notices.columns))
    scratch.create(engine)
    token = str(uuid.uuid4())
    started = time.perf_counter()
    with engine.begin() as connection:
        for first in range(0, rows, 1000):
            connection.execute(
                insert(scratch),
                [
                    {
                        "case_ref": f"RR-{n:05d}",
                        "deadline_key": "k",
                        "kind": "reminder",
                        "slot": 1,
                        "fires_at": "x",
                        "fired_at": "x",
                        "claimed_by": token,
                        "due": date(2027, 1, 1),
                    }
                    for n in range(first, min(first + 1000, rows))
                ],
            )
    elapsed = time.perf_counter() - started
    scratch.drop(engine)
    engine.dispose()
    return elapsed


def lateness(home: Path, url: str | None) -> float | None:
    """Seconds between a reminder's slot and the running daemon firing it (one case, its own schedule)."""
    now = datetime.now(LONDON)
    if now.weekday() >= 5:
        return None
    target = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if target.date() != now.date():
        return None
    source = config.schedule_in_force()[1].replace(
        'reminder_time = "09:00"', f'reminder_time = "{target:%H:%M}"'
    )
    source = source.replace('version = "2026.2"', f'version = "bench-{uuid.uuid4().hex[:8]}"')
    custom = home / "late_schedule.toml"
    custom.write_text(source)
    os.environ["RR_SCHEDULE"] = str(custom)
    os.environ["RR_USER"] = "bench"
    try:
        app = open_app(home=home, actor="bench")
        from rr_workflow.service import commands

        # Templates due today: the reminder "on the due date" is at `target` today.
        received = app.calendar.subtract(now.date(), 2)
        commands.case_open(app, "RR-LATE", received, received, "police")
        app.engine.dispose()
    finally:
        os.environ.pop("RR_SCHEDULE")
    process, _ = daemon_start(home, url)
    try:
        assert process.stderr is not None
        end = time.monotonic() + 150
        while time.monotonic() < end:
            line = process.stderr.readline()
            record = json.loads(line) if line.startswith("{") else {}
            if record.get("event") == "tick" and record.get("notices"):
                fired = datetime.fromisoformat(record["ts"])
                return (fired - target).total_seconds()
        return None
    finally:
        stop(process)


def one_database(
    label: str, home: Path, url: str | None, cases: int, busy_day: bool = True, actions: int = 0
) -> None:
    received = date(2027, 1, 4)  # the meeting date due Tue 5 January, the actions Wed 6: reminders on the 5th
    seconds = seed(home, cases, received, actions)
    print(f"{label}: {cases:,} open cases and {actions:,} open actions seeded in {seconds:.1f} s")
    with open_app(home=home, actor="bench").engine.connect() as connection:
        deadlines = connection.execute(text("SELECT count(*) FROM deadlines")).scalar()
        open_actions = connection.execute(text("SELECT count(*) FROM actions WHERE status = 'open'")).scalar()
    print(f"  deadlines                  {deadlines:>9,}   (~{2 * deadlines:,} reminder/escalation slots)")
    print(f"  open actions               {open_actions:>9,}")
    process, start_seconds = daemon_start(home, url, extra={"RR_NOW": ""})
    rss = peak_rss_mb(process.pid)
    stop(process)
    print(f"  daemon start + plan        {start_seconds:9.2f} s   (goal <= 5 s)")
    print(f"  daemon peak RSS            {rss:9.1f} MB  (goal <= 150 MB)")
    show, _ = measured([rr(), "case", "show", "RR-00000", "--json"], run_env(home, url))
    idle, _ = measured([rr(), "tick", "--now", "2027-01-04T08:00", "--json"], run_env(home, url))
    print(f"  baseline: rr case show      {show:9.2f} s   a new process (best of 3)")
    print(f"  rr tick, nothing due       {idle:9.2f} s   {idle / show:.2f}x a cold case show (goal <= 1.2x)")
    if not busy_day:
        return
    tick_seconds, claimed = tick_day(home, url, date(2027, 1, 5))
    base = baseline_inserts(url or f"sqlite:///{home / 'rr.sqlite3'}", claimed)
    print(f"  rr tick, a day of notices  {tick_seconds:9.2f} s   for {claimed:,} notices (goal <= 10 s)")
    print(
        f"  baseline: bare Core insert {base:9.2f} s   of {claimed:,} rows; ratio {tick_seconds / base:.1f}x"
    )
    with open_app(
        home=home, actor="bench"
    ).engine.begin() as connection:  # that day's mail is not the subject
        connection.execute(text("UPDATE mail_outbox SET status = 'sent'"))
    late = lateness(home, url)
    if late is None:
        print("  timer lateness             skipped (needs a working day with a minute left before midnight)")
    else:
        print(f"  timer lateness             {late:9.2f} s   (goal <= 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--actions", type=int, default=10_000, help="open actions on the register")
    parser.add_argument(
        "--no-busy-day",
        action="store_true",
        help="stop after the idle tick (for 100,000 cases: their busy day would be 100,000 notices)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("RR_TEST_DATABASE_URL"),
        help="a PostgreSQL server URL (default: $RR_TEST_DATABASE_URL); omit to skip",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rr-timers-") as folder:
        one_database("SQLite", Path(folder) / "sqlite", None, args.cases, not args.no_busy_day, args.actions)
    if not args.postgres:
        print("PostgreSQL: skipped (no --postgres URL)")
        return
    with scratch_postgres(args.postgres) as url, tempfile.TemporaryDirectory(prefix="rr-timers-") as folder:
        one_database("PostgreSQL", Path(folder) / "pg", url, args.cases, not args.no_busy_day, args.actions)


if __name__ == "__main__":
    main()

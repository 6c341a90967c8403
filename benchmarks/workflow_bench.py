"""Throughput of the whole Rapid Review procedure through the service layer, and `rr case show` cold start.

Prints, from one run:
  - N cases (default 300) each driven from referral to closure through the service layer on the embedded
    SQLite default (a temporary RR_HOME, a training database, a FixedClock moved on for every command):
    open, scoping send to the 3 partners, 3 returns, 3 records secured, SIN, meeting schedule, meeting
    held, decide, endorse, submit, outcome shared, close = 16 transitions a case, one transaction each.
    Cases/s and transitions/s (goal: >= 200 cases/s). One untimed case first warms the process up.
  - a bare SQLAlchemy Core baseline on a separate SQLite file with the same engine settings (the product's
    `make_engine`: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE): for every transition the product made,
    one transaction with one UPDATE of a cases row, one INSERT into an audit table and one INSERT into an
    outbox table; and the ratio product/baseline;
  - the cold start of `rr case show REF --json` on the benchmark database vs
    `python -c "import sqlalchemy.orm"`, median of several runs (goal: <= 1.3x).

Run: python benchmarks/workflow_bench.py [--cases N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, update

from rr_workflow.adapters.db.engine import make_engine
from rr_workflow.service import commands, queries, setup
from rr_workflow.service.app import App, open_app
from rr_workflow.service.clock import FixedClock

USER = "coord"
RECEIVED = date(2026, 11, 2)  # a Monday; no bank holiday in the next 15 working days
PARTNERS = ("la", "police", "health")
AGENCIES = (("la", "la"), ("police", "police"), ("health", "health"), ("school", None))
ATTENDEES = ["la:A Smith", "police:DS Jones", "health:Dr Patel"]
MEETING = date(2026, 11, 12)

Step = Callable[[App, str], object]

# The procedure, by day: (first moment of that day's work, the commands run on every case that day).
PROCEDURE: list[tuple[datetime, list[Step]]] = [
    (
        datetime(2026, 11, 2, 9),
        [lambda app, ref: commands.case_open(app, ref, RECEIVED, RECEIVED, "police", summary="benchmark")],
    ),
    (
        datetime(2026, 11, 3, 9),
        [
            lambda app, ref: commands.scoping_send(app, ref, list(PARTNERS)),
            lambda app, ref: commands.sin_notified(app, ref),
        ],
    ),
    (
        datetime(2026, 11, 4, 9),
        [
            *(lambda app, ref, a=a: commands.scoping_returned(app, ref, a) for a in PARTNERS),
            *(lambda app, ref, a=a: commands.records_secured(app, ref, a) for a in PARTNERS),
        ],
    ),
    (datetime(2026, 11, 5, 9), [lambda app, ref: commands.meeting_schedule(app, ref, MEETING)]),
    (
        datetime(2026, 11, 12, 9),
        [
            lambda app, ref: commands.meeting_held(app, ref, ATTENDEES),
            lambda app, ref: commands.decide(app, ref, "no_review", "learning is local", ["la: safety plan"]),
        ],
    ),
    (
        datetime(2026, 11, 13, 9),
        [
            lambda app, ref: commands.endorse(app, ref, by="Independent Chair"),
            lambda app, ref: commands.submit(app, ref, send_draft=True),
            lambda app, ref: commands.outcome_shared(app, ref),
            lambda app, ref: commands.close(app, ref),
        ],
    ),
]
TRANSITIONS_PER_CASE = sum(len(steps) for _, steps in PROCEDURE)


def drive(app: App, clock: FixedClock, refs: list[str]) -> int:
    """Every case through every step, day by day; the clock moves on a millisecond per command."""
    transitions = 0
    for start, steps in PROCEDURE:
        moment = start
        for ref in refs:
            for step in steps:
                moment += timedelta(milliseconds=1)
                clock.advance_to(moment)
                step(app, ref)
                transitions += 1
    return transitions


def product(home: Path, cases: int) -> tuple[int, float, App]:
    setup.init(home=home, training=True)
    clock = FixedClock(datetime(2026, 11, 1, 9))
    app = open_app(home=home, clock=clock, actor=USER)
    for key, partner in AGENCIES:
        setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)
    drive(app, clock, ["WARM-UP"])  # untimed: imports, mappers, the calendar's holidays, the schedule

    refs = [f"RR-2026-{n:04d}" for n in range(1, cases + 1)]
    t0 = time.perf_counter()
    transitions = drive(app, clock, refs)
    elapsed = time.perf_counter() - t0

    closed = sum(1 for row in queries.case_list(app) if row["state"] == "closed")
    assert closed == cases + 1, f"only {closed} of {cases + 1} cases reached closed"
    return transitions, elapsed, app


def baseline(folder: Path, cases: int, transitions: int) -> float:
    """The same number of transactions, each one UPDATE + two INSERTs, with nothing else around them."""
    metadata = MetaData()
    cases_t = Table(
        "cases",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("ref", String(64), nullable=False, unique=True),
        Column("state", String(32), nullable=False),
        Column("version", Integer, nullable=False),
        Column("changed_at", String(32), nullable=False),
    )
    audit_t = Table(
        "audit_events",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("case_ref", String(64)),
        Column("actor", String(128), nullable=False),
        Column("recorded_at", String(32), nullable=False),
        Column("action", String(64), nullable=False),
        Column("details", Text, nullable=False),
        Column("hash", String(64), nullable=False),
    )
    outbox_t = Table(
        "outbox",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("case_ref", String(64), nullable=False),
        Column("kind", String(64), nullable=False),
        Column("payload", Text, nullable=False),
        Column("status", String(16), nullable=False),
    )
    engine = make_engine(f"sqlite:///{folder / 'baseline.sqlite3'}")
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(cases_t),
                [
                    {"id": n, "ref": f"RR-{n}", "state": "referred", "version": 1, "changed_at": "-"}
                    for n in range(1, cases + 1)
                ],
            )
        moment = "2026-11-02T09:00:00.000000Z"
        t0 = time.perf_counter()
        for n in range(transitions):
            case_id = n % cases + 1
            with engine.begin() as connection:
                connection.execute(
                    update(cases_t)
                    .where(cases_t.c.id == case_id)
                    .values(state="scoping", version=cases_t.c.version + 1, changed_at=moment)
                )
                connection.execute(
                    insert(audit_t).values(
                        case_ref=f"RR-{case_id}",
                        actor=USER,
                        recorded_at=moment,
                        action="send_scoping",
                        details='{"agency": "la"}',
                        hash=f"{n:064x}",
                    )
                )
                connection.execute(
                    insert(outbox_t).values(
                        case_ref=f"RR-{case_id}", kind="scoping_sent", payload="{}", status="pending"
                    )
                )
        return time.perf_counter() - t0
    finally:
        engine.dispose()


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cold_start(home: Path, ref: str, runs: int) -> None:
    rr = shutil.which("rr", path=str(Path(sys.executable).parent)) or shutil.which("rr")
    if rr is None:
        print("cold start: `rr` is not installed in this environment; skipped")
        return
    env = {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "HOME": str(home),
        "RR_HOME": str(home),
        "RR_USER": USER,
    }
    bare = median_seconds([sys.executable, "-c", "import sqlalchemy.orm"], runs, env)
    show = median_seconds([rr, "case", "show", ref, "--json"], runs, env)
    print(f"cold start, median of {runs} runs")
    print(f'  python -c "import sqlalchemy.orm"   {bare * 1000:8.1f} ms')
    print(f"  rr case show {ref} --json   {show * 1000:8.1f} ms  ({show / bare:.2f}x, goal <= 1.3x)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=300, help="cases to drive through (default 300)")
    parser.add_argument("--runs", type=int, default=9, help="runs of each cold start (default 9)")
    args = parser.parse_args()
    if args.cases < 1:
        parser.error("--cases must be at least 1")

    with tempfile.TemporaryDirectory(prefix="rr-bench-") as scratch:
        home = Path(scratch) / "rr_home"
        os.environ["RR_HOME"] = str(home)
        os.environ["RR_USER"] = USER
        for name in ("RR_DATABASE_URL", "RR_NOW", "RR_SCHEDULE", "RR_CALENDAR"):
            os.environ.pop(name, None)

        transitions, elapsed, app = product(home, args.cases)
        assert transitions == args.cases * TRANSITIONS_PER_CASE
        checked, fault = queries.audit_verify(app)
        assert fault is None, fault
        app.engine.dispose()
        per = elapsed / transitions * 1000
        print(f"workflow: {args.cases} cases x {TRANSITIONS_PER_CASE} transitions, service layer, SQLite")
        print(f"  transitions              {transitions:8d}   (one transaction each)")
        print(f"  elapsed                  {elapsed:8.3f} s")
        print(f"  cases/s                  {args.cases / elapsed:8.1f}   (goal >= 200)")
        print(f"  transitions/s            {transitions / elapsed:8.1f}   ({per:.2f} ms each)")
        print(f"  audit chain              {checked:8d} rows, intact")

        base = baseline(Path(scratch), args.cases, transitions)
        print("baseline: bare SQLAlchemy Core, same engine settings, a separate SQLite file")
        print(f"  transactions             {transitions:8d}   (UPDATE cases + INSERT audit + INSERT outbox)")
        print(f"  elapsed                  {base:8.3f} s   ({base / transitions * 1000:.2f} ms each)")
        print(f"  transactions/s           {transitions / base:8.1f}   (= {args.cases / base:.1f} cases/s)")
        print(f"  ratio workflow/baseline  {elapsed / base:8.1f}x")

        cold_start(home, "RR-2026-0001", args.runs)


if __name__ == "__main__":
    main()

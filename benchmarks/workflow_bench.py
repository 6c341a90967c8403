"""Throughput of the whole Rapid Review procedure through the service layer, and `rr case show` cold start.

Prints, from one run:
  - N cases (default 300) each driven from referral to closure through the service layer (a temporary
    RR_HOME, a training database, a FixedClock moved on for every command), on the embedded SQLite default
    or, with --postgres URL, on a scratch PostgreSQL database on that server: open, scoping send to the 3
    partners, 3 returns, 3 records secured, SIN, meeting schedule, meeting held, decide, endorse, submit,
    outcome shared, the Panel's response, close = 17 transitions a case, one transaction each, and all
    their work: the letters (about 20 Word documents a case) rendered, stored and their mail queued
    right after each commit.
    Letters are Word only (the profile says pdf = "never") unless --pdf: a LibreOffice run costs about a
    second and a half a step, whatever the product does. One untimed case first warms the process up.
    Also shown: the part of that time spent after the commits (rendering and storing the letters).
  - a bare SQLAlchemy Core baseline on the same backend (SQLite: a separate file with the product's
    `make_engine`: WAL, synchronous FULL, foreign keys, busy timeout, BEGIN IMMEDIATE; PostgreSQL: a second
    scratch database, synchronous_commit on): for every transition the product made, one transaction with
    one UPDATE of a cases row, one INSERT into an audit table and one INSERT into an outbox table; and the
    ratios product/baseline, with and without the work after the commit (goal: <= 4x all included).
    The baseline is measured in bursts between the product's days (after each day's steps of every case,
    as many bare transactions as the product just made), so both are timed in the same minutes: this
    machine's speed moves by a third from one minute to the next, and a baseline timed before or after
    the product alone moved the ratio by as much;
  - the cold start of `rr case show REF --json` on the benchmark database vs
    `python -c "import sqlalchemy.orm"`, median of several runs (goal: <= 1.3x).

Run: python benchmarks/workflow_bench.py [--cases N] [--runs R] [--postgres URL] [--pdf]
Its scratch folder (RR_HOME, the SQLite databases, the letters' files) is made in the system's temporary
folder; TMPDIR=DIR puts it in DIR instead (what a new file costs there: `file_creation_us`).
"""

from __future__ import annotations

import argparse
import contextlib
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

from _scratch import scratch_postgres
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import make_engine
from rr_workflow.service import commands, follow_up, queries, setup
from rr_workflow.service.app import App, open_app
from rr_workflow.service.clock import FixedClock

USER = "coord"
RECEIVED = date(2026, 11, 2)  # a Monday; no bank holiday in the next 15 working days
PARTNERS = ("la", "police", "health")
AGENCIES = (("la", "la"), ("police", "police"), ("health", "health"), ("school", None))
ATTENDEES = ["la:A Smith", "police:DS Jones", "health:Dr Patel"]
MEETING = date(2026, 11, 12)
SLOW_FILE_US = 200  # making a 15 kB file usually takes 20-100 us on the README's machine

Step = Callable[[App, str], object]
LABELS: dict[Step, str] = {}


def step(label: str, command: Step) -> Step:
    LABELS[command] = label
    return command


# The procedure, by day: (first moment of that day's work, the commands run on every case that day).
PROCEDURE: list[tuple[datetime, list[Step]]] = [
    (
        datetime(2026, 11, 2, 9),
        [
            step(
                "case open",
                lambda app, ref: commands.case_open(app, ref, RECEIVED, RECEIVED, "police", summary="x"),
            )
        ],
    ),
    (
        datetime(2026, 11, 3, 9),
        [
            step(
                "scoping send (3 agencies)", lambda app, ref: commands.scoping_send(app, ref, list(PARTNERS))
            ),
            step("sin", lambda app, ref: commands.sin_notified(app, ref)),
        ],
    ),
    (
        datetime(2026, 11, 4, 9),
        [
            *(
                step("scoping returned", lambda app, ref, a=a: commands.scoping_returned(app, ref, a))
                for a in PARTNERS
            ),
            *(
                step("records secured", lambda app, ref, a=a: commands.records_secured(app, ref, a))
                for a in PARTNERS
            ),
        ],
    ),
    (
        datetime(2026, 11, 5, 9),
        [step("meeting schedule", lambda app, ref: commands.meeting_schedule(app, ref, MEETING))],
    ),
    (
        datetime(2026, 11, 12, 9),
        [
            step("meeting held", lambda app, ref: commands.meeting_held(app, ref, ATTENDEES)),
            step(
                "decide",
                lambda app, ref: commands.decide(app, ref, "no_review", "local", ["la: safety plan"]),
            ),
        ],
    ),
    (
        datetime(2026, 11, 13, 9),
        [
            step("endorse", lambda app, ref: commands.endorse(app, ref, by="Independent Chair")),
            step("submit", lambda app, ref: commands.submit(app, ref, send_draft=True)),
            step("outcome shared", lambda app, ref: commands.outcome_shared(app, ref)),
            step("panel response", lambda app, ref: commands.panel_response(app, ref, agrees=True)),
            step("close", lambda app, ref: commands.close(app, ref)),
        ],
    ),
]
TRANSITIONS_PER_CASE = sum(len(steps) for _, steps in PROCEDURE)


def drive(
    app: App,
    clock: FixedClock,
    refs: list[str],
    after: AfterCommit | None = None,
    between: Baseline | None = None,
) -> tuple[int, float, float]:
    """Every case through every step, day by day; the clock moves on a millisecond per command. With
    `after`, each kind of step's time (and the part after its commit) is added to `after.by_step`; with
    `between`, after each day's steps as many bare transactions are timed as that day's steps made.
    (transitions, seconds, CPU seconds): the product's own, the baseline's bursts left out."""
    transitions, elapsed, cpu = 0, 0.0, 0.0
    for start, steps in PROCEDURE:
        moment = start
        day_started, day_cpu, day_transitions = time.perf_counter(), time.process_time(), transitions
        for ref in refs:
            for command in steps:
                moment += timedelta(milliseconds=1)
                clock.advance_to(moment)
                t0, followed = time.perf_counter(), after.seconds if after else 0.0
                command(app, ref)
                if after is not None:
                    row = after.by_step.setdefault(LABELS[command], [0, 0.0, 0.0])
                    row[0] += 1
                    row[1] += time.perf_counter() - t0
                    row[2] += after.seconds - followed
                transitions += 1
        elapsed += time.perf_counter() - day_started
        cpu += time.process_time() - day_cpu
        if between is not None:
            between.run(transitions - day_transitions)
    return transitions, elapsed, cpu


class AfterCommit:
    """Time spent following steps up after their commits (the letters), summed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.by_step: dict[str, list[float]] = {}  # label -> [steps, seconds, of which after the commit]
        self._follow = follow_up._follow_up_now

    def __enter__(self) -> AfterCommit:
        def timed(*args: object) -> None:
            started = time.perf_counter()
            try:
                self._follow(*args)  # type: ignore[arg-type]
            finally:
                self.seconds += time.perf_counter() - started

        follow_up._follow_up_now = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        follow_up._follow_up_now = self._follow  # type: ignore[assignment]


def word_only_profile(home: Path) -> Path:
    """The shipped partnership profile with PDF copies off."""
    shipped = Path(setup.__file__).resolve().parents[2] / "schedules" / "partnership.toml"
    text = shipped.read_text(encoding="utf-8")
    profile = home.parent / "partnership-word-only.toml"
    profile.write_text(text.replace('pdf = "auto"', 'pdf = "never"', 1), encoding="utf-8")
    return profile


def product(home: Path, cases: int, between: Baseline) -> tuple[int, float, float, float, App, AfterCommit]:
    setup.init(home=home, training=True)
    clock = FixedClock(datetime(2026, 11, 1, 9))
    app = open_app(home=home, clock=clock, actor=USER)
    for key, partner in AGENCIES:
        setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)
    drive(app, clock, ["WARM-UP"])  # untimed: imports, mappers, the calendar's holidays, the schedule

    refs = [f"RR-2026-{n:04d}" for n in range(1, cases + 1)]
    with AfterCommit() as after:
        transitions, elapsed, cpu = drive(app, clock, refs, after, between)

    closed = sum(1 for row in queries.case_list(app) if row["state"] == "closed")
    assert closed == cases + 1, f"only {closed} of {cases + 1} cases reached closed"
    return transitions, elapsed, after.seconds, cpu, app, after


class Baseline:
    """The bare transaction: one UPDATE of a cases row and two INSERTs (audit, outbox), nothing around
    them, on a database of its own with the product's engine settings. `run(n)` times n more of them;
    `elapsed` and `cpu` add up every burst."""

    def __init__(self, url: str, cases: int) -> None:
        metadata = MetaData()
        self.cases_t = Table(
            "cases",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("ref", String(64), nullable=False, unique=True),
            Column("state", String(32), nullable=False),
            Column("version", Integer, nullable=False),
            Column("changed_at", String(32), nullable=False),
        )
        self.audit_t = Table(
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
        self.outbox_t = Table(
            "outbox",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("case_ref", String(64), nullable=False),
            Column("kind", String(64), nullable=False),
            Column("payload", Text, nullable=False),
            Column("status", String(16), nullable=False),
        )
        self.engine = make_engine(url)
        metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            connection.execute(
                insert(self.cases_t),
                [
                    {"id": n, "ref": f"RR-{n}", "state": "referred", "version": 1, "changed_at": "-"}
                    for n in range(1, cases + 1)
                ],
            )
        self.cases = cases
        self.transactions = 0
        self.elapsed = self.cpu = 0.0
        self.run(min(cases, 10))  # untimed below: the first connection and compiled statements
        self.transactions = 0
        self.elapsed = self.cpu = 0.0

    def run(self, n: int) -> None:
        moment = "2026-11-02T09:00:00.000000Z"
        cases_t, audit_t, outbox_t = self.cases_t, self.audit_t, self.outbox_t
        t0, cpu = time.perf_counter(), time.process_time()
        for number in range(self.transactions, self.transactions + n):
            case_id = number % self.cases + 1
            with self.engine.begin() as connection:
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
                        hash=f"{number:064x}",
                    )
                )
                connection.execute(
                    insert(outbox_t).values(
                        case_ref=f"RR-{case_id}", kind="scoping_sent", payload="{}", status="pending"
                    )
                )
        self.elapsed += time.perf_counter() - t0
        self.cpu += time.process_time() - cpu
        self.transactions += n

    def close(self) -> None:
        self.engine.dispose()


def file_creation_us(folder: Path, files: int = 200) -> float:
    """What writing one new file costs in `folder`, in microseconds: a private `.part` file made, written
    and renamed, as the product writes each letter (15 kB each). The bare transaction writes no file, so
    this moves the ratio; on the machine of the README's figures it moved from minute to minute, from
    0.07 to 1.2 ms, in any folder of its one disk (higher for a while after many files were deleted)."""
    content = b"x" * 15_000
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        started = time.perf_counter()
        for number in range(files):
            name = os.path.join(scratch, f"{number}.docx")
            fd = os.open(name + ".part", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, content)
            os.close(fd)
            os.replace(name + ".part", name)
        return (time.perf_counter() - started) / files * 1e6


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
        **{k: os.environ[k] for k in ("RR_DATABASE_URL", "RR_PARTNERSHIP") if k in os.environ},
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
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to run on instead of SQLite")
    parser.add_argument("--pdf", action="store_true", help="PDF copies of letters too (LibreOffice)")
    args = parser.parse_args()
    if args.cases < 1:
        parser.error("--cases must be at least 1")

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="rr-bench-"))
        home = Path(scratch) / "rr_home"
        for name in ("RR_DATABASE_URL", "RR_NOW", "RR_SCHEDULE", "RR_CALENDAR", "RR_PARTNERSHIP"):
            os.environ.pop(name, None)
        os.environ["RR_HOME"] = str(home)
        os.environ["RR_USER"] = USER
        if not args.pdf:
            os.environ["RR_PARTNERSHIP"] = str(word_only_profile(home))
        if args.postgres:
            stack.enter_context(scratch_postgres(args.postgres))  # sets RR_DATABASE_URL
        backend = "PostgreSQL" if args.postgres else "SQLite"

        if args.postgres:
            base_url = stack.enter_context(scratch_postgres(args.postgres, export=False))
        else:
            base_url = f"sqlite:///{Path(scratch) / 'baseline.sqlite3'}"
        bare = Baseline(base_url, args.cases)
        stack.callback(bare.close)

        created_before = file_creation_us(Path(scratch))
        load_before = os.getloadavg()
        transitions, elapsed, after, cpu, app, split = product(home, args.cases, bare)
        assert transitions == args.cases * TRANSITIONS_PER_CASE
        assert bare.transactions == transitions
        checked, fault = queries.audit_verify(app)
        assert fault is None, fault
        with app.engine.connect() as connection:
            documents = connection.execute(select(func.count()).select_from(t.documents)).scalar_one()
        app.engine.dispose()
        per = elapsed / transitions * 1000
        letters = "Word and PDF" if args.pdf else "Word only"
        print(f"workflow: {args.cases} cases x {TRANSITIONS_PER_CASE} transitions, service layer, {backend}")
        print(f"  transitions              {transitions:8d}   (one transaction each, letters {letters})")
        print(f"  elapsed                  {elapsed:8.3f} s   (all work included)")
        print(f"  of which after commits   {after:8.3f} s   (rendering, storing, queueing the letters)")
        print(f"  cases/s                  {args.cases / elapsed:8.1f}   (goal >= 200)")
        print(f"  transitions/s            {transitions / elapsed:8.1f}   ({per:.2f} ms each)")
        cpu_each = cpu / transitions * 1000
        print(f"  CPU time                 {cpu:8.3f} s   ({cpu_each:.2f} ms each, this process's own)")
        print(f"  audit chain              {checked:8d} rows, intact")
        created = file_creation_us(Path(scratch))
        written = documents / (transitions + TRANSITIONS_PER_CASE)  # the warm-up case's too
        print(
            f"  a new file in {scratch}: {created_before:.0f} us before the run, {created:.0f} us after "
            f"(the letters write {written:.2f} a step)"
        )
        if max(created_before, created) > SLOW_FILE_US:
            print(
                f"    slow: over {SLOW_FILE_US} us, the file system is still busy with files deleted shortly "
                "before (the last run's, say), and the figures below are inflated by it; run again in a few "
                "minutes or with TMPDIR set to another folder"
            )

        base, base_cpu = bare.elapsed, bare.cpu
        days = len(PROCEDURE)
        print(f"baseline: bare SQLAlchemy Core, same engine settings, {backend}, a separate database,")
        print(f"  timed in {days} bursts, one after each of the product's {days} days of steps")
        print(f"  transactions             {transitions:8d}   (UPDATE cases + INSERT audit + INSERT outbox)")
        print(f"  elapsed                  {base:8.3f} s   ({base / transitions * 1000:.2f} ms each)")
        print(f"  transactions/s           {transitions / base:8.1f}   (= {args.cases / base:.1f} cases/s)")
        print(f"  CPU time                 {base_cpu:8.3f} s   ({base_cpu / transitions * 1000:.2f} ms each)")
        print(f"  ratio, all work included {elapsed / base:8.1f}x   (goal <= 4x)")
        own = (elapsed - after) / base
        print(f"  ratio, the steps' own    {own:8.1f}x   (the letters after the commit left out)")
        print(f"  ratio of CPU time        {cpu / base_cpu:8.1f}x   (this process's own, all work included)")
        each = base / transitions * 1000
        print(f"per step, all work included (ms each; ratio to the bare transaction's {each:.2f} ms)")
        print(f"  {'step':28s} {'n':>5s} {'ms':>8s} {'after':>8s} {'ratio':>7s}")
        for label, (n, seconds, followed) in split.by_step.items():
            ms, after_ms = seconds / n * 1000, followed / n * 1000
            print(f"  {label:28s} {int(n):5d} {ms:8.2f} {after_ms:8.2f} {ms / each:6.1f}x")
        load_after = os.getloadavg()
        print(
            f"load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} "
            f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
        )

        cold_start(home, "RR-2026-0001", args.runs)


if __name__ == "__main__":
    main()

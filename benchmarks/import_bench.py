"""`rr import` of a register of past cases, against the same cases recorded command by command.

Prints, from one run:
  - a register of N past cases (default 1,000; referrals received over 2024-2025, every case taken from
    referral to closure: scoping to the 3 partners and a school, their returns and records, the SIN, the
    meeting set and held, decision, endorsement, report, outcome, closure: about 18 steps a case) written as
    a CSV file, then imported with `importing.import_register` into a fresh live database: seconds and
    steps/s (goal: under 30 s for 1,000 cases);
  - the baseline: the same plans recorded into a second fresh database by calling the same service
    functions one command at a time (one transaction per command, as coordinators typing them would), on
    an App that also records facts only, so both sides do the same work except the transactions;
  - the ratio import / baseline.

Run: python benchmarks/import_bench.py [--cases N] [--postgres URL]
     (--postgres: a server URL such as postgresql+psycopg://postgres@127.0.0.1:5432/postgres; each side
     gets a scratch database of its own)
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scratch import scratch_postgres

from rr_workflow.service import commands, importing, register, setup
from rr_workflow.service.app import App, open_app
from rr_workflow.service.reference import working_calendar

AGENCIES = (("la", "la"), ("police", "police"), ("health", "health"), ("school", None))


def write_register(path: Path, cases: int) -> None:
    """N invented past cases, every date a working day, each case from referral to closure."""
    calendar = working_calendar()
    rng = random.Random(7)
    days = [
        d
        for d in (
            date.fromordinal(n) for n in range(date(2024, 1, 2).toordinal(), date(2025, 11, 1).toordinal())
        )
        if calendar.is_working_day(d)
    ]
    header = ["reference", "received", "aware", "referrer", "sin notified"]
    header += [f"{a} {e}" for a, _ in AGENCIES for e in ("sent", "returned", "secured")]
    header += [
        "meeting set",
        "meeting date",
        "meeting held",
        "decision",
        "rationale",
        "endorsed",
        "endorsed by",
    ]
    header += ["submitted", "outcome shared", "closed"]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for number in range(1, cases + 1):
            received = rng.choice(days)
            sent = calendar.add(received, rng.randint(1, 2))
            meeting = calendar.add(received, rng.randint(8, 12))
            row = [
                f"BENCH-{number:05d}",
                received,
                received,
                "police",
                calendar.add(received, rng.randint(1, 5)),
            ]
            for _ in AGENCIES:
                row += [sent, calendar.add(sent, rng.randint(2, 6)), calendar.add(sent, rng.randint(1, 4))]
            endorsed = calendar.add(meeting, 1)
            submitted = calendar.add(endorsed, rng.randint(0, 2))
            row += [calendar.add(sent, 1), meeting, "yes", "local_cspr", "benchmark", endorsed, "Chair"]
            row += [submitted, submitted, calendar.add(submitted, 2)]
            writer.writerow(["" if c is None else (c.isoformat() if isinstance(c, date) else c) for c in row])


@contextmanager
def fresh_app(postgres: str | None) -> Iterator[App]:
    with (
        tempfile.TemporaryDirectory(prefix="rr-import-bench-") as home,
        scratch_postgres(postgres) if postgres else nullcontext(),
    ):
        os.environ.pop("RR_NOW", None)
        setup.init(home=Path(home), name="Bench Coordinator", email="bench@lscp.example")
        app = open_app(home=Path(home))  # acting as the login that ran init
        for key, partner in AGENCIES:
            setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)
        yield app
        app.engine.dispose()


def one_by_one(app: App, path: Path) -> int:
    """The baseline: every step of every plan, one service call (one transaction) at a time."""
    from rr_workflow.adapters import spreadsheet
    from rr_workflow.adapters.db import tables as t

    with app.uow() as uow:
        agencies = register.Agencies(uow.rows(t.agencies))
    plans, problems = register.plan(spreadsheet.read(path), agencies)
    assert not problems, problems[:3]
    facts_only = dataclasses.replace(app, record_only=True)
    steps = 0
    for plan in plans:
        for step in plan.steps:
            getattr(commands, step.command)(facts_only, plan.ref, **step.args)
            steps += 1
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: the embedded SQLite)")
    options = parser.parse_args()
    backend = "PostgreSQL" if options.postgres else "SQLite"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        write_register(path, options.cases)
        with fresh_app(options.postgres) as app:
            started, cpu = time.perf_counter(), time.process_time()
            outcome = importing.import_register(app, path)
            imported, imported_cpu = time.perf_counter() - started, time.process_time() - cpu
            load_import = os.getloadavg()[0]
        assert outcome.imported and not outcome.problems, outcome.problems[:3]
        with fresh_app(options.postgres) as app:
            started, cpu = time.perf_counter(), time.process_time()
            steps = one_by_one(app, path)
            baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
            load_baseline = os.getloadavg()[0]
    assert steps == outcome.steps
    print(f"{backend}: {options.cases} past cases, {steps} steps")
    # CPU seconds (this process; the database's own work on PostgreSQL is not in them) beside the wall
    # clock: on a shared machine the wall clock mostly measures the other jobs.
    print(
        f"  rr import, one transaction:   {imported:7.2f} s  {steps / imported:6.0f} steps/s  "
        f"(CPU {imported_cpu:6.2f} s; load {load_import:.1f})  (goal < 30 s)"
    )
    print(
        f"  command by command:           {baseline:7.2f} s  {steps / baseline:6.0f} steps/s  "
        f"(CPU {baseline_cpu:6.2f} s; load {load_baseline:.1f})"
    )
    cpu_ratio = imported_cpu / baseline_cpu
    print(f"  ratio import / one by one:    {imported / baseline:7.2f}  (CPU {cpu_ratio:.2f})")


if __name__ == "__main__":
    main()

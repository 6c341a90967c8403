"""Recording steps from several processes at once on PostgreSQL: does throughput grow with processes?

Prints, from one run on a scratch database of the PostgreSQL server given:
  - for 1, 2 and 4 processes (--processes to change), each driving its own --cases cases (default 12)
    from referral to closure through the service layer (17 transitions a case, each one transaction, with
    all its work: the letters, Word only, rendered and stored and their mail queued right after the
    commit), started together after each process has warmed up on a case of its own: transitions/s over
    the wall-clock time from the start to the last process's end;
  - each figure's ratio to one process's (goal: 4 processes >= 1.7x on a 2-core machine);
  - that no update was lost: every case reached closed and the audit chain verifies.

Every step of every case takes the one global lock of the audit chain (a PostgreSQL advisory lock, held
from its append to the commit), so this shows how briefly it is held.

Run: python benchmarks/concurrency_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from _scratch import scratch_postgres
from workflow_bench import AGENCIES, TRANSITIONS_PER_CASE, USER, drive, word_only_profile


def worker(home: str, prefix: str, cases: int, barrier: Any, results: Any) -> None:
    from rr_workflow.service.app import open_app
    from rr_workflow.service.clock import FixedClock

    clock = FixedClock(datetime(2026, 11, 1, 9))
    app = open_app(home=Path(home), clock=clock, actor=USER)
    drive(app, clock, [f"{prefix}-WARM"])  # untimed: imports, mappers, holidays, templates
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    transitions, _, _ = drive(app, clock, [f"{prefix}-{n:03d}" for n in range(cases)])
    results.put((started, time.perf_counter(), transitions, time.process_time() - cpu))
    app.engine.dispose()


def run(home: Path, processes: int, cases: int, label: str) -> tuple[float, float]:
    """Transitions/s of `processes` processes, each driving `cases` cases at once, and the CPU time
    (this process's own, not the database server's) a transition took, in ms."""
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(processes), spawn.Queue()
    workers = [
        spawn.Process(target=worker, args=(str(home), f"{label}{n}", cases, barrier, results))
        for n in range(processes)
    ]
    for process in workers:
        process.start()
    done = [results.get() for _ in workers]
    for process in workers:
        process.join()
        if process.exitcode:
            raise RuntimeError(f"a worker exited {process.exitcode}")
    start, end = min(d[0] for d in done), max(d[1] for d in done)
    transitions = sum(d[2] for d in done)
    return transitions / (end - start), sum(d[3] for d in done) / transitions * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", required=True, help="the PostgreSQL server to use")
    parser.add_argument("--cases", type=int, default=12, help="cases each process drives (default 12)")
    parser.add_argument("--processes", default="1,2,4", help="process counts to run (default 1,2,4)")
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]

    from rr_workflow.service import queries, setup
    from rr_workflow.service.app import open_app

    with tempfile.TemporaryDirectory(prefix="rr-concurrency-") as scratch, scratch_postgres(args.postgres):
        home = Path(scratch) / "rr_home"
        for name in ("RR_NOW", "RR_SCHEDULE", "RR_CALENDAR"):
            os.environ.pop(name, None)
        os.environ.update(RR_HOME=str(home), RR_USER=USER, RR_PARTNERSHIP=str(word_only_profile(home)))
        setup.init(home=home, training=True)
        app = open_app(home=home, actor=USER)
        for key, partner in AGENCIES:
            setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)

        each = f"{args.cases} cases a process, {TRANSITIONS_PER_CASE} transitions a case"
        print(f"concurrency: PostgreSQL, {each}, letters Word only (written after each commit)")
        print(f"  {os.cpu_count()} CPUs, load average {_load()} at the start")
        rates = {}
        for processes in counts:
            rates[processes], cpu = run(home, processes, args.cases, f"P{processes}-")
            ratio = rates[processes] / rates[counts[0]]
            goal = "   (goal >= 1.7x)" if processes == 4 else ""
            print(
                f"  {processes} process(es) {rates[processes]:8.1f} transitions/s {ratio:5.2f}x one process's"
                f" ({cpu:.1f} ms CPU a transition in the workers){goal}"
            )
        cases = queries.case_list(app)
        expected = sum(counts) * (args.cases + 1)
        closed = sum(1 for row in cases if row["state"] == "closed")
        checked, fault = queries.audit_verify(app)
        assert closed == expected, f"{closed} of {expected} cases closed"
        assert fault is None, fault
        print(f"  every case closed ({closed}), audit chain intact ({checked} rows); load now {_load()}")
        app.engine.dispose()


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()

"""The simulator and the compliance report at scale.

Prints, from one run:
  - `rr simulate`'s service: 1,000 referrals over a year, end to end (goal <= 30 s), against a baseline of
    the same referrals driven through the state machine and deadline module in memory only (no storage,
    no report) in the same run;
  - the compliance report over 10,000 closed cases (goal <= 5 s), against a bare SQLAlchemy Core fetch of
    the same deadline rows in the same run.

Run: python benchmarks/simulate_bench.py [--cases 1000] [--report-cases 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.deadlines import compute_deadlines
from rr_workflow.service import compliance, simulate
from rr_workflow.service.app import open_app

START, END = date(2027, 1, 1), date(2027, 12, 31)


def in_memory(cases: int, seed: int) -> float:
    schedule, _ = config.schedule_in_force()
    calendar = WorkingCalendar(CalendarSettings())
    days = [d for d in simulate._days(START, END) if calendar.is_working_day(d)]
    rng = random.Random(seed)
    started = time.perf_counter()
    for number in range(cases):
        case, _, _ = simulate._one_case(number, rng, days, schedule, calendar, simulate.Assumptions())
        finished = case.closed_on or case.declined_on or END
        compute_deadlines(schedule, calendar, case.milestones(), finished, case.deadline_deviations())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--report-cases", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.pop("RR_DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="rr-sim-bench-") as folder:
        os.environ["RR_HOME"] = str(Path(folder) / "unused")
        started = time.perf_counter()
        outcome = simulate.simulate(args.cases, START, END, seed=1)
        elapsed = time.perf_counter() - started
        baseline = in_memory(args.cases, seed=1)
        print(f"simulate {args.cases:,} referrals over {START.year}")
        print(f"  end to end (temp database + report)  {elapsed:8.2f} s   (goal <= 30 s)")
        print(f"  baseline: machine + deadlines only   {baseline:8.2f} s   ratio {elapsed / baseline:.1f}x")
        print(
            f"  steps {outcome.transitions:,}, escalations {outcome.escalations:,}, "
            f"declined {outcome.declined}, inquorate meetings {outcome.inquorate_meetings}"
        )

        kept = Path(folder) / "report"
        simulate.simulate(args.report_cases, START, END, seed=2, keep=kept)
        app = open_app(home=kept, actor="simulator")
        with app.engine.connect() as connection:
            closed = connection.exec_driver_sql("SELECT count(*) FROM cases WHERE state = 'closed'").scalar()
            started = time.perf_counter()
            rows = connection.execute(
                select(t.deadlines, t.cases.c.ref).join(t.cases, t.cases.c.id == t.deadlines.c.case_id)
            ).all()
            fetch = time.perf_counter() - started
        started = time.perf_counter()
        report = compliance.compliance(app, None, None)
        report_seconds = time.perf_counter() - started
        print(
            f"compliance report over {args.report_cases:,} cases ({closed:,} closed, {len(rows):,} deadlines)"
        )
        print(f"  compliance()                         {report_seconds:8.2f} s   (goal <= 5 s)")
        print(f"  baseline: bare Core fetch of rows    {fetch:8.2f} s   ratio {report_seconds / fetch:.1f}x")
        print(f"  rows in the report {len(report['rows']):,}")
        app.engine.dispose()


if __name__ == "__main__":
    main()

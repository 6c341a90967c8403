"""Working-day calendar speed, and the CLI's cold start.

Prints, from one run:
  - 100,000 scalar `WorkingCalendar.add` calls (n in 1..60) vs the same 100,000 scalar
    `numpy.busday_offset` calls with the same holidays (goal: ratio <= 1.0); both must agree on every answer;
  - the cold start of `rr --help` and `rr calendar add` vs `python -c pass`, median of several runs
    (goal: `rr --help` <= 8x bare Python).

Run: python benchmarks/calendar_bench.py [--calls N] [--runs R]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar


def scalar_calls(calls: int) -> None:
    rng = random.Random(20261126)
    base = date(2000, 1, 1)
    cases = [(base + timedelta(days=rng.randrange(36500)), 1 + rng.randrange(60)) for _ in range(calls)]
    calendar = WorkingCalendar(CalendarSettings())
    calendar.add(date(2000, 1, 1), 1)  # fill the span once, as a running service would have
    calendar.add(date(2099, 12, 1), 61)
    holidays = numpy.array(
        sorted(d for y in range(1999, 2101) for d, _ in calendar.non_working_days(y) if d.weekday() < 5),
        dtype="datetime64[D]",
    )
    calendar_np = numpy.busdaycalendar(weekmask="1111100", holidays=holidays)
    starts = [numpy.datetime64(d, "D") for d, _ in cases]

    t0 = time.perf_counter()
    ours = [calendar.add(d, n) for d, n in cases]
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    theirs = [
        numpy.busday_offset(s, n, roll="preceding", busdaycal=calendar_np)
        for s, (_, n) in zip(starts, cases, strict=True)
    ]
    t_numpy = time.perf_counter() - t0

    mismatches = sum(1 for a, b in zip(ours, theirs, strict=True) if a != b.astype(date))
    print(f"calendar add, {calls:,} scalar calls")
    print(f"  WorkingCalendar.add      {t_ours:8.3f} s  ({t_ours / calls * 1e6:.2f} us/call)")
    print(f"  numpy.busday_offset      {t_numpy:8.3f} s  ({t_numpy / calls * 1e6:.2f} us/call)")
    print(f"  ratio ours/numpy         {t_ours / t_numpy:8.2f}   (goal <= 1.0)")
    print(f"  answers that differ      {mismatches:8d}")


def median_seconds(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cold_start(runs: int) -> None:
    rr = shutil.which("rr", path=str(Path(sys.executable).parent)) or shutil.which("rr")
    if rr is None:
        print("cold start: `rr` is not installed in this environment; skipped")
        return
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": str(Path(sys.executable).parent), "RR_HOME": home, "HOME": home}
        bare = median_seconds([sys.executable, "-c", "pass"], runs, env)
        helps = median_seconds([rr, "--help"], runs, env)
        adds = median_seconds([rr, "calendar", "add", "2026-12-21", "2"], runs, env)
    print(f"cold start, median of {runs} runs")
    print(f"  python -c pass           {bare * 1000:8.1f} ms")
    print(f"  rr --help                {helps * 1000:8.1f} ms  ({helps / bare:.1f}x bare Python, goal <= 8x)")
    print(f"  rr calendar add          {adds * 1000:8.1f} ms  ({adds / bare:.1f}x bare Python)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    scalar_calls(args.calls)
    cold_start(args.runs)


if __name__ == "__main__":
    main()

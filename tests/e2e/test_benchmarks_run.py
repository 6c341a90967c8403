"""Every script under benchmarks/ still runs: each, at a tiny size, prints its figures and the ratio to
its baseline. Nothing here is timed (the scripts print their figures, on a quiet machine); this only
fails when a script no longer runs, as one did for a while after the function it shares with another
changed what it returns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# (script, its arguments at a tiny size, a line of what it prints with each figure's ratio)
SCRIPTS = [
    ("calendar_bench.py", ["--calls", "200", "--runs", "1"], "ratio ours/numpy"),
    ("import_bench.py", ["--cases", "3"], "ratio import / one by one:"),
    ("report_bench.py", ["--cases", "30"], "ratios: time"),
    ("simulate_bench.py", ["--cases", "5", "--report-cases", "10"], "baseline: bare Core fetch of rows"),
    ("timers_bench.py", ["--cases", "10", "--actions", "2", "--no-busy-day"], "x a cold case show"),
    ("web_bench.py", ["--cases", "10", "--requests", "3"], "p95 ratio"),
    ("workflow_bench.py", ["--cases", "1", "--runs", "1"], "ratio, all work included"),
]


def _environment(tmp_path: Path) -> dict[str, str]:
    """This process's environment without the application's and the tests' settings (each script makes
    its own RR_HOME; without RR_TEST_DATABASE_URL the scripts that can run on PostgreSQL skip it)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    return {**kept, "TMPDIR": str(tmp_path)}


def _run(script: str, arguments: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.parametrize(("script", "arguments", "printed"), SCRIPTS, ids=[s for s, _, _ in SCRIPTS])
def test_a_benchmark_runs_and_prints_its_ratio(
    script: str, arguments: list[str], printed: str, tmp_path: Path
) -> None:
    out = _run(script, arguments, _environment(tmp_path))
    assert printed in out, out[-2000:]


def test_the_concurrency_benchmark_runs_on_postgresql(tmp_path: Path) -> None:
    url = os.environ.get("RR_TEST_DATABASE_URL")
    if not url:
        pytest.skip("RR_TEST_DATABASE_URL is not set")
    arguments = ["--cases", "1", "--processes", "1,2", "--postgres", url]
    out = _run("concurrency_bench.py", arguments, _environment(tmp_path))
    assert "2 process(es)" in out and "x one process's" in out, out
    assert "every case closed (6), audit chain intact" in out, out

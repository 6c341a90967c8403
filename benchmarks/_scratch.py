"""What the benchmarks share: a throw-away PostgreSQL database, named by RR_DATABASE_URL while it lives,
and a command timed (with its peak memory) in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_postgres(server_url: str, export: bool = True) -> Iterator[str]:
    """Create a fresh database on the server of `server_url`, yield its URL, drop it afterwards. With
    `export`, RR_DATABASE_URL names it while it lives."""
    server = make_url(server_url)
    name = f"rr_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        if export:
            os.environ["RR_DATABASE_URL"] = url
        yield url
    finally:
        if export:
            os.environ.pop("RR_DATABASE_URL", None)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Run by a small intermediate process: on Linux a child's peak memory (ru_maxrss) starts from the memory
# of the process it was forked from, and the benchmark's own process is large after seeding.
_MEASURE = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def measured(command: list[str], env: dict[str, str], runs: int = 3) -> tuple[float, float]:
    """`command` in a new process, best of `runs` after one run not counted (what a first run does once,
    such as keeping the bank holiday tables under RR_HOME, is not what a command costs):
    (seconds, peak resident memory in MB)."""
    subprocess.run(command, env=env, capture_output=True, check=False)
    best, peak = float("inf"), 0.0
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command], env=env, capture_output=True, text=True, check=True
        )
        seconds, kilobytes, code = result.stdout.split()
        if int(code):
            raise RuntimeError(f"{' '.join(command)} exited {code}")
        best, peak = min(best, float(seconds)), max(peak, int(kilobytes) / 1024)
    return best, peak

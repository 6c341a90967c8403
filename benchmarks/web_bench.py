"""The web front end under load, against the same reads through the service layer in the same run.

Prints, for SQLite and (with --postgres) PostgreSQL:
  - the board page with 1,000 open cases, and one case's page: p50/p95 latency from a local client on
    127.0.0.1 (`rr serve` in its own process, header sign-in from 127.0.0.1), with 1 and with 4 requests
    in flight (bounded: each client thread sends its next request when the last one is answered);
  - the baseline: the same read through the service layer in this process (`board.board_data`;
    `views.case_show` + the document list), p50/p95 of the same number of calls with as many in flight
    (threads); the ratio of the p95s (goal: the page's p95 <= 2x the in-process read's); and the CPU
    time a request costs the server process (its /proc counters over the run, warm-up requests
    included) against the CPU time of one in-process read (this process's, over the same run), which a
    busy machine disturbs less than latency;
and on PostgreSQL:
  - 50 users at once, each signed in as a coordinator of their own, recording steps on 10 cases through
    the forms (5 users a case, 6 steps a case: each agency's return and records secured), a conflict
    (HTTP 409, the CLI's exit 4) answered the way a person would (read the case again, send again):
    afterwards every step is recorded exactly once, each case's version moved on exactly once a step,
    and the trail holds one row a step (no lost update).

Run: nice python benchmarks/web_bench.py [--cases 1000] [--requests 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import httpx
from _scratch import scratch_postgres
from sqlalchemy import text
from timers_bench import rr, run_env, seed

from rr_workflow.service import board, setup, views
from rr_workflow.service.app import open_app
from rr_workflow.service.clock import LONDON, FixedClock

RECEIVED = date(2027, 1, 4)
NOW = "2027-01-08T10:00"  # Friday: the scoping returns are due next week, some deadlines are due soon
STEPS = [
    (step, agency)
    for agency in ("la", "police", "health")
    for step in ("scoping-returned", "records-secured")
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path, url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = run_env(
        home,
        url,
        RR_NOW=NOW,
        RR_WEB_AUTH="header",
        RR_WEB_TRUSTED_PROXY="127.0.0.1",
        RR_WEB_HEADER_MATCH="login",
        RR_WEB_INSECURE_COOKIES="1",  # the client keeps its cookie over plain http
    )
    process = subprocess.Popen(
        [rr(), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/signed-out", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("rr serve did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def under_load(base: str, path: str, requests: int, in_flight: int) -> list[float]:
    """`requests` GETs of `path`, `in_flight` at a time; each one's latency."""
    times: list[float] = []
    lock = threading.Lock()
    left = [requests]

    def worker() -> None:
        with httpx.Client(base_url=base, headers={"X-Remote-User": "bench"}, timeout=120) as client:
            client.get(path)  # sign in (the session) and warm up: not counted
            while True:
                with lock:
                    if left[0] == 0:
                        return
                    left[0] -= 1
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")
                with lock:
                    times.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def in_process(call: Callable[[], object], requests: int, in_flight: int) -> list[float]:
    """The service-layer read `requests` times, `in_flight` threads at a time (the same bounded load)."""
    call()
    times: list[float] = []
    lock = threading.Lock()
    left = [requests]

    def worker() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            started = time.perf_counter()
            call()
            elapsed = time.perf_counter() - started
            with lock:
                times.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def reads(name: str, home: Path, url: str | None, requests: int, cases: int) -> None:
    from rr_workflow.service import letters

    clock = FixedClock(datetime.fromisoformat(NOW).replace(tzinfo=LONDON))
    app = open_app(home=home, clock=clock, actor="bench")
    ref = f"RR-{cases // 2:05d}"  # one in the middle of those seeded
    baselines = {
        f"board ({cases:,} open cases)": ("/board", lambda: board.board_data(app, False)),
        f"case page ({ref})": (
            f"/case/{ref}",
            lambda: (views.case_show(app, ref), letters.document_list(app, ref)),
        ),
    }
    process, base = serve(home, url)
    try:
        for what, (path, call) in baselines.items():
            for in_flight in (1, 4):
                cpu = time.process_time()
                b50, b95 = percentiles(in_process(call, requests, in_flight))
                b_cpu = (time.process_time() - cpu) / (requests + 1) * 1000
                cpu = cpu_seconds(process.pid)
                w50, w95 = percentiles(under_load(base, path, requests, in_flight))
                w_cpu = (cpu_seconds(process.pid) - cpu) / (requests + in_flight) * 1000
                print(
                    f"{name}: {what}, {in_flight} in flight: web p50 {w50:.1f} ms, p95 {w95:.1f} ms; "
                    f"in-process p50 {b50:.1f} ms, p95 {b95:.1f} ms; p95 ratio {w95 / b95:.2f}x "
                    f"(goal <= 2x); CPU a request: server {w_cpu:.1f} ms, in-process {b_cpu:.1f} ms "
                    f"({w_cpu / b_cpu:.2f}x); load {os.getloadavg()[0]:.1f}"
                )
    finally:
        process.terminate()
        process.wait(10)
        app.engine.dispose()


def fifty_users(home: Path, url: str) -> None:
    """50 coordinators at once recording the 60 steps of 10 cases through the forms."""
    clock = FixedClock(datetime.fromisoformat(NOW).replace(tzinfo=LONDON))
    app = open_app(home=home, clock=clock, actor="bench")
    users = [f"user{n:02d}" for n in range(50)]
    for login in users:
        setup.person_add(app, login, f"User {login}", f"{login}@lscp.example", ["coordinator"])
    cases = [f"RR-{n:05d}" for n in range(10)]
    with app.engine.connect() as connection:
        before = {
            ref: connection.execute(text("SELECT version FROM cases WHERE ref = :r"), {"r": ref}).scalar()
            for ref in cases
        }
        last_row = connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_events")).scalar()
    tasks: dict[str, list[tuple[str, str, str]]] = {login: [] for login in users}
    for i, (ref, (step, agency)) in enumerate((ref, s) for ref in cases for s in STEPS):
        tasks[users[i % 50]].append((ref, step, agency))
    conflicts, failures = [0], []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def user(login: str) -> None:
        with httpx.Client(base_url=base, headers={"X-Remote-User": login}, timeout=120) as client:
            start.wait()
            for ref, step, agency in tasks[login]:
                for _ in range(50):
                    page = client.get(f"/case/{ref}").text
                    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
                    version = re.search(r'name="version" value="(\d+)"', page)
                    if not (csrf and version):
                        failures.append(f"{login}: no form on {ref}")
                        return
                    sent = client.post(
                        f"/step/{step}/{ref}",
                        data={"csrf": csrf.group(1), "version": version.group(1), "agency": agency},
                    )
                    if sent.status_code == 303:
                        break
                    if sent.status_code == 409 and ("someone else" in sent.text or "busy" in sent.text):
                        with lock:
                            conflicts[0] += 1
                        continue
                    failures.append(f"{login}: {step} {ref} {agency}: HTTP {sent.status_code}")
                    return

    process, base = serve(home, url)
    try:
        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(login,)) for login in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(10)
    with app.engine.connect() as connection:
        after = {
            ref: connection.execute(text("SELECT version FROM cases WHERE ref = :r"), {"r": ref}).scalar()
            for ref in cases
        }
        missing = connection.execute(
            text(
                "SELECT count(*) FROM involvements i JOIN cases c ON c.id = i.case_id "
                "WHERE c.ref IN ('" + "','".join(cases) + "') "
                "AND (i.returned_on IS NULL OR i.secured_on IS NULL)"
            )
        ).scalar()
        steps_in_trail = connection.execute(
            text(
                "SELECT count(*) FROM audit_events WHERE id > :n "
                "AND action NOT IN ('case_viewed', 'document_viewed') AND case_ref IS NOT NULL"
            ),
            {"n": last_row},
        ).scalar()
    app.engine.dispose()
    moved = {ref: after[ref] - before[ref] for ref in cases}
    lost = sum(1 for ref in cases if moved[ref] != len(STEPS)) + missing
    print(
        f"PostgreSQL: 50 users, {len(cases) * len(STEPS)} steps on {len(cases)} cases through the forms in "
        f"{took:.1f} s; conflicts answered by reading again: {conflicts[0]}; failures: {len(failures)}; "
        f"facts missing: {missing}; versions moved by {sorted(set(moved.values()))} a case "
        f"(expected [{len(STEPS)}]); step rows in the trail: {steps_in_trail} (expected "
        f"{len(cases) * len(STEPS)}); lost updates: {lost}; load {os.getloadavg()[0]:.1f}"
    )
    for failure in failures[:5]:
        print("  " + failure)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("RR_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if args.cases < 10 or args.requests < 1:
        parser.error(
            "--cases must be at least 10 (50 users record steps on the first 10), --requests at least 1"
        )
    with tempfile.TemporaryDirectory(prefix="rr-web-") as folder:
        home = Path(folder) / "sqlite"
        seed(home, args.cases, RECEIVED)
        reads("SQLite", home, None, args.requests, args.cases)
    if not args.postgres:
        print("PostgreSQL: skipped (no --postgres URL)")
        return
    with scratch_postgres(args.postgres) as url, tempfile.TemporaryDirectory(prefix="rr-web-") as folder:
        home = Path(folder) / "pg"
        seed(home, args.cases, RECEIVED)
        reads("PostgreSQL", home, url, args.requests, args.cases)
        fifty_users(home, url)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

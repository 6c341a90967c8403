"""Reads over a long history: the compliance report and the case board, on SQLite and on PostgreSQL.

Prints, for each database:
  - seeding: N closed cases (default 10,000) referred over two years (2026-2027, bank holidays
    included), three agencies each (13 deadlines a case), every deadline met on a seeded-random day
    (some early, some late, 5% of the overall limits extended), plus M open cases (default 10% of N)
    waiting for their scoping returns; deadlines, board rows and timer moments computed by the real
    modules and written in bulk; one immediate action a closed case, done, or (2%) still open past its
    date, which keeps the closed case on the board;
  - the baseline of every command: a cold `rr case show --json` (a new process: imports included), its
    time and peak memory (best of three);
  - the report read in-process over all of them (goal <= 5 s at 10,000): the first call on a new App and
    the best of three, against a bare SQLAlchemy Core `SELECT * FROM deadlines` (best of three);
  - `rr report compliance --format csv --out FILE` as a user runs it: time and peak memory against the
    cold `rr case show` (goals: memory <= 1.5x at any size; time <= 2.5x at 3,000 cases, and within 3x
    the bare fetch at 100,000);
  - the board: `rr case list --open --json` cold against the cold `rr case show` (goal <= 2x at 3,000
    cases), and `queries.case_list(open_only=True)` warm in-process (goal < 1 s with 100,000 cases of
    history and 10,000 open).

Run: nice python benchmarks/report_bench.py [--cases N] [--open M] [--postgres URL]
(PostgreSQL: a fresh database is created on that server and dropped afterwards.)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _scratch import measured, scratch_postgres
from sqlalchemy import insert, select, text

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import deadline_rows as rows_for
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.deadlines import Deviation, Milestones, compute_deadlines
from rr_workflow.service import setup
from rr_workflow.service.app import App, open_app
from rr_workflow.service.clock import LONDON, FixedClock, iso_moment_of
from rr_workflow.service.compliance import Report
from rr_workflow.service.queries import case_list
from rr_workflow.service.read_models import board_row, first_moments

AGENCIES = ("la", "police", "health")
FIRST = date(2026, 1, 5)
SPAN_DAYS = 700  # referrals from January 2026 to late 2027
AS_OF = date(2028, 3, 1)  # every case long closed


def _case(n: int, rng: random.Random, cal: WorkingCalendar) -> tuple[dict, Milestones, list[Deviation]]:
    received = FIRST + timedelta(days=rng.randrange(SPAN_DAYS))
    aware = received - timedelta(days=rng.choice((0, 0, 0, 1, 2, 3)))
    sent = cal.add(received, rng.choice((1, 1, 2, 2, 3)))
    held = cal.add(received, rng.randint(7, 15))
    endorsed = cal.add(held, rng.randint(0, 2))
    submitted = cal.add(endorsed, rng.randint(0, 2))
    shared = cal.add(held, rng.randint(1, 3))
    closed = max(submitted, shared)
    case = {
        "referral_received": received,
        "aware": aware,
        "sin_notified": cal.add(aware, rng.randint(1, 7)),
        "scoping_sent": sent,
        "meeting_date_set": cal.add(sent, rng.choice((0, 1, 1, 2))),
        "meeting_held": held,
        "decision_made": held,
        "endorsed": endorsed,
        "panel_submission": submitted,
        "outcome_shared": shared,
        "closed": closed,
    }
    agencies = {
        a: {
            "scoping_sent": sent,
            "scoping_returned": cal.add(sent, rng.randint(2, 8)),
            "records_secured": cal.add(sent, rng.randint(1, 6)),
        }
        for a in AGENCIES
    }
    deviations = []
    if rng.random() < 0.05:
        deviations.append(Deviation("review_complete", "agreed with the Panel", cal.add(aware, 20)))
    row = {
        "id": n + 1,
        "ref": f"RR-{n:05d}",
        "state": "closed",
        "version": 1,
        "received": received,
        "aware": aware,
        "referrer": "police",
        "sin_notified_on": case["sin_notified"],
        "meeting_date_set_on": case["meeting_date_set"],
        "outcome": "no_review",
        "rationale": "benchmark",
        "decided_on": held,
        "endorsed_on": endorsed,
        "endorsed_by": "Independent Chair",
        "submitted_on": submitted,
        "outcome_shared_on": shared,
        "closed_on": closed,
    }
    return row, Milestones(case=case, agencies=agencies), deviations


def _open_case(n: int, rng: random.Random, cal: WorkingCalendar) -> tuple[dict, Milestones]:
    """A case referred in the weeks before AS_OF, waiting for its scoping returns."""
    received = AS_OF - timedelta(days=rng.randrange(1, 30))
    sent = cal.add(received, rng.choice((1, 2)))
    row = {
        "id": n + 1,
        "ref": f"RR-O{n:05d}",
        "state": "scoping",
        "version": 1,
        "received": received,
        "aware": received,
        "referrer": "police",
    }
    case = {"referral_received": received, "aware": received, "scoping_sent": sent}
    return row, Milestones(case=case, agencies={a: {"scoping_sent": sent} for a in AGENCIES})


def seed(home: Path, cases: int, open_cases: int = 0) -> tuple[float, int]:
    """A training database with `cases` closed cases and `open_cases` open ones; returns the seconds it
    took and the deadlines."""
    os.environ["RR_USER"] = "bench"
    setup.init(home=home, training=True)
    app = open_app(home=home, clock=FixedClock(datetime(2026, 1, 2, 9, tzinfo=LONDON)), actor="bench")
    for key in AGENCIES:
        setup.agency_add(app, key, key.title(), f"{key}@agency.example", key)
    schedule, source = config.schedule_in_force()
    moment = iso_moment_of(app.clock.now())
    rng = random.Random(20261126)
    started = time.perf_counter()
    written = 0
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
            case_rows, involvement_rows, deadline_rows, action_rows = [], [], [], []
            for n in range(first, min(first + 1000, cases)):
                row, milestones, deviations = _case(n, rng, app.calendar)
                row.update(schedule_version=schedule.version, allowed="", opened_at=moment, changed_at=moment)
                case_rows.append(row)
                # its own draw: the cases seeded are the same as before actions were added
                action_rows.append(_action(n, random.Random(n), app.calendar, row.get("decided_on")))
                involvement_rows += [
                    {
                        "case_id": n + 1,
                        "agency": a,
                        "sent_on": events["scoping_sent"],
                        "returned_on": events["scoping_returned"],
                        "secured_on": events["records_secured"],
                    }
                    for a, events in milestones.agencies.items()
                ]
                deadline_rows.extend(
                    rows_for(n + 1, compute_deadlines(schedule, app.calendar, milestones, AS_OF, deviations))
                )
            connection.execute(insert(t.cases), case_rows)
            connection.execute(insert(t.involvements), involvement_rows)
            connection.execute(insert(t.deadlines), deadline_rows)
            connection.execute(insert(t.actions), action_rows)
            written += len(deadline_rows)
        for first in range(cases, cases + open_cases, 1000):
            case_rows, involvement_rows, deadline_rows, board_rows = [], [], [], []
            for n in range(first, min(first + 1000, cases + open_cases)):
                row, milestones = _open_case(n, rng, app.calendar)
                row.update(schedule_version=schedule.version, allowed="", opened_at=moment, changed_at=moment)
                case_rows.append(row)
                involvement_rows += [
                    {"case_id": n + 1, "agency": a, "sent_on": events["scoping_sent"]}
                    for a, events in milestones.agencies.items()
                ]
                deadlines = compute_deadlines(schedule, app.calendar, milestones, AS_OF)
                live = [d for d in deadlines if d.is_open]
                deadline_rows += rows_for(n + 1, deadlines, first_moments(schedule, app.calendar, live))
                board_rows.append({"case_id": n + 1, **board_row(live)})
            connection.execute(insert(t.cases), case_rows)
            connection.execute(insert(t.involvements), involvement_rows)
            connection.execute(insert(t.deadlines), deadline_rows)
            connection.execute(insert(t.case_board), board_rows)
            written += len(deadline_rows)
        if connection.dialect.name == "postgresql":  # ids were given explicitly: move the sequence on
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            )
    app.engine.dispose()
    return time.perf_counter() - started, written


OVERDUE_ACTIONS = 0.02  # of the closed cases, those whose one immediate action is still open past its date


def _action(n: int, rng: random.Random, cal: WorkingCalendar, decided: date | None) -> dict:
    """A closed case's immediate action: done (most), or still open past its due date, which keeps the
    closed case on the board."""
    agreed = decided or FIRST
    due = cal.add(agreed, 20)
    row = {"case_id": n + 1, "number": 1, "owner": "la", "text": "safety plan", "agreed_on": agreed}
    row["due"] = due
    if rng.random() < OVERDUE_ACTIONS:  # every row has every key (one INSERT for them all)
        return row | {"status": "open", "done_on": None, "evidence": None}
    return row | {"status": "done", "done_on": due, "evidence": "plan agreed"}


def _app(home: Path) -> App:
    return open_app(
        home=home, clock=FixedClock(datetime.combine(AS_OF, datetime.min.time(), LONDON)), actor="bench"
    )


def _read(app: App) -> Report:
    """The report read through as the command does (rows streamed, not kept), its summary made."""
    report = Report(app, None, None)
    for _ in report.rows():
        pass
    report.summary()
    return report


def time_report(home: Path) -> tuple[float, float, Report]:
    """(first call on a new App, best of three more, the report)."""
    app = _app(home)
    started = time.perf_counter()
    report = _read(app)
    first = time.perf_counter() - started
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        report = _read(app)
        runs.append(time.perf_counter() - started)
    app.engine.dispose()
    return first, min(runs), report


def time_baseline(home: Path) -> tuple[float, int]:
    """Bare Core: every row of the deadlines table fetched, best of three."""
    engine = _app(home).engine
    runs, count = [], 0
    for _ in range(3):
        with engine.connect() as connection:
            started = time.perf_counter()
            count = len(connection.execute(select(t.deadlines)).all())
            runs.append(time.perf_counter() - started)
    engine.dispose()
    return min(runs), count


def _env(home: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RR_NOW", "RR_DATABASE_URL")}
    env.update({"RR_HOME": str(home), "RR_USER": "bench", "RR_NOW": f"{AS_OF}T09:00"})
    if url:
        env["RR_DATABASE_URL"] = url
    return env


def rr_measured(home: Path, url: str | None, *args: str, runs: int = 3) -> tuple[float, float]:
    """`rr ARGS` in a new process, best of `runs`: (seconds, peak resident memory in MB)."""
    return measured([str(Path(sys.executable).with_name("rr")), *args], _env(home, url), runs)


def time_board(home: Path) -> tuple[float, int]:
    """`queries.case_list(open_only=True)` warm in one process: best of three after a first call."""
    app = _app(home)
    board = case_list(app, open_only=True)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        board = case_list(app, open_only=True)
        runs.append(time.perf_counter() - started)
    app.engine.dispose()
    return min(runs), len(board)


def one_database(label: str, home: Path, url: str | None, cases: int, open_cases: int) -> None:
    seconds, deadlines = seed(home, cases, open_cases)
    print(
        f"{label}: {cases:,} closed and {open_cases:,} open cases, {deadlines:,} deadlines "
        f"seeded in {seconds:.1f} s"
    )
    show, show_mb = rr_measured(home, url, "case", "show", "RR-00000", "--json")
    print(f"  baseline: rr case show (cold) {show:7.2f} s  {show_mb:6.1f} MB peak (best of 3)")
    first, best, report = time_report(home)
    base, fetched = time_baseline(home)
    rows = report.count
    review = next(s for s in report.summary() if s["rule_key"] == "review_complete")
    print(f"  the report, first call        {first:7.2f} s  {rows:,} rows, a new App (goal <= 5 s at 10,000)")
    print(f"  the report, best of 3         {best:7.2f} s  {rows:,} rows")
    print(f"  baseline: SELECT * deadlines {base:7.2f} s  {fetched:,} rows fetched by bare Core (best of 3)")
    print(f"  ratio                        {best / base:7.1f} x  the report's best / bare fetch")
    out = str(home / "compliance.csv")
    cli, cli_mb = rr_measured(home, url, "report", "compliance", "--format", "csv", "--out", out, runs=2)
    size = Path(out).stat().st_size / 1e6
    print(f"  rr report compliance (CSV)   {cli:7.2f} s  {cli_mb:6.1f} MB peak, {size:.1f} MB written")
    print(
        f"    ratios: time {cli / show:.1f}x a cold case show (goal <= 2.5x at 3,000 cases), "
        f"{cli / base:.1f}x the bare fetch (goal <= 3x at 100,000); memory {cli_mb / show_mb:.2f}x "
        "a cold case show (goal <= 1.5x)"
    )
    board, board_mb = rr_measured(home, url, "case", "list", "--open", "--json")
    print(
        f"  rr case list --open (cold)   {board:7.2f} s  {board_mb:6.1f} MB peak; "
        f"{board / show:.1f}x a cold case show (goal <= 2x at 3,000 cases)"
    )
    warm, shown = time_board(home)
    print(f"  case board warm in-process   {warm:7.3f} s  {shown:,} open cases (goal < 1 s)")
    print(
        f"  (check: review_complete {review['pct_on_time']}% on time of {review['decided']:,}, median "
        f"{review['median_working_days']:g} and p90 {review['p90_working_days']} working days)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000, help="closed cases")
    parser.add_argument("--open", type=int, default=None, help="open cases (default: 10%% of --cases)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("RR_TEST_DATABASE_URL"),
        help="a PostgreSQL server URL (default: $RR_TEST_DATABASE_URL); omit to skip",
    )
    args = parser.parse_args()
    open_cases = args.cases // 10 if args.open is None else args.open
    for name in ("RR_NOW", "RR_DATABASE_URL", "RR_SCHEDULE", "RR_CALENDAR"):
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="rr-report-") as folder:
        one_database("SQLite", Path(folder) / "sqlite", None, args.cases, open_cases)
    if not args.postgres:
        print("PostgreSQL: skipped (no --postgres URL)")
        return
    with scratch_postgres(args.postgres) as url, tempfile.TemporaryDirectory(prefix="rr-report-") as folder:
        one_database("PostgreSQL", Path(folder) / "pg", url, args.cases, open_cases)


if __name__ == "__main__":
    main()

"""Promises the README and the guides make, run as they are written.

- `rr demo` (the README's first command) walks its case to closure on a database of its own;
  `rr demo --keep DIR` leaves that database for `rr history`.
- `RR_CALENDAR` and `RR_HOME/calendar.toml` change which days are working days; the variable wins.
- A schedule file in `RR_HOME` is the one new cases are opened under.
- `rr tick --now DATE`: a date alone means 09:00 that day, London time.

Expected dates are worked out by hand: Mon 21 Dec 2026 + 2 working days is Wed 23 Dec; with Tue 22 Dec
closed, Thu 24 Dec; with Tue 22 and Wed 23 closed, Tue 29 Dec (Fri 25 and Mon 28, the Boxing Day
substitute, are bank holidays).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from rr_workflow.adapters.config import shipped_dir
from rr_workflow.cli.app import cli

RECEIVED = "2026-12-21"  # Monday


def real_rr(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`rr ARGS` as its own process, with the developer's RR_* settings left out."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    return subprocess.run(
        [sys.executable, "-m", "rr_workflow", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


# -- rr demo ---------------------------------------------------------------------------------------------


def test_rr_demo_walks_its_case_to_closure_and_touches_no_database_of_yours(tmp_path: Path) -> None:
    """Planted bug caught: the demo's closing step left out (the case ends "report sent to the Panel")."""
    own_home = tmp_path / "own-home"
    done = real_rr({"RR_HOME": str(own_home)}, "demo")
    assert (done.returncode, done.stderr) == (0, ""), done
    lines = done.stdout.splitlines()
    assert lines[0].startswith("== Monday 2026-12-21 ")
    assert "RR-DEMO-1 finished: closed" in lines
    # 27 rows of the demonstration (the database, its first admin's registration, its 4 agencies and
    # chair, the case's 20 steps), the case's final read, then the 392 steps of the 24 cases imported from
    # examples/register-2025.csv (13 cases of 16 steps, 10 of 18 with a school, one declined in 4) and
    # the import's own row; and the opening of the review each decision to review starts: the demo's
    # local CSPR, and the register's 7 local, 2 alternative and 5 national ones (15 rows).
    # (436 before the Panel's response was a step: the demo now records the Panel's response and the
    # partnership's answer among its rows)
    assert lines[-1] == "audit trail: 439 rows, intact"
    half = next(n for n, line in enumerate(lines) if line.startswith("== Second half"))
    first = lines[:half]
    rows = {columns(line)[0]: columns(line)[1:] for line in first if line.startswith(("Scoping", "Rapid"))}
    assert rows["Scoping templates sent to the agencies"] == ["2026-12-23", "met", "2026-12-22"]
    assert rows["Rapid Review meeting held"] == ["2027-01-12", "met", "2027-01-07"]
    assert rows["Rapid Review complete (report with the Panel)"] == ["2027-01-13", "met", "2027-01-11"]
    assert not own_home.exists()


def test_rr_demo_keep_leaves_a_database_its_help_example_reads(tmp_path: Path) -> None:
    """The example in `rr demo --help`, as written there."""
    help_text = real_rr({}, "demo", "--help").stdout
    example = (
        "rr demo --keep /tmp/rr-demo && RR_HOME=/tmp/rr-demo RR_USER=demo-coordinator rr history RR-DEMO-1"
    )
    assert example in " ".join(help_text.split())
    kept = tmp_path / "rr-demo"
    assert real_rr({}, "demo", "--keep", str(kept)).returncode == 0
    history = real_rr({"RR_HOME": str(kept), "RR_USER": "demo-coordinator"}, "history", "RR-DEMO-1", "--json")
    assert (history.returncode, history.stderr) == (0, ""), history
    actions = [row["action"] for row in json.loads(history.stdout)]
    assert actions[0] == "case_opened" and "close" in actions


# -- which calendar and schedule apply -------------------------------------------------------------------


def calendar_file(path: Path, *closed: str) -> Path:
    days = ", ".join(f'{{ date = {day}, name = "Office closed" }}' for day in closed)
    path.write_text(
        "[calendar]\n"
        'country = "GB"\nregion = "ENG"\ntimezone = "Europe/London"\n'
        f"closures = []\nextra_days = [{days}]\n"
    )
    return path


def calendar_add(env: dict[str, str | None]) -> str:
    result = CliRunner().invoke(cli, ["calendar", "add", RECEIVED, "2", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["date"])


def test_rr_calendar_and_a_calendar_in_rr_home_decide_the_working_days(tmp_path: Path) -> None:
    """Planted bug caught: RR_CALENDAR ignored (the file in RR_HOME, or the shipped one, used instead)."""
    home = tmp_path / "home"
    home.mkdir()
    env: dict[str, str | None] = {"RR_HOME": str(home), "RR_CALENDAR": None, "RR_SCHEDULE": None}
    assert calendar_add(env) == "2026-12-23"  # the shipped calendar

    calendar_file(home / "calendar.toml", "2026-12-22")
    assert calendar_add(env) == "2026-12-24"  # RR_HOME/calendar.toml

    chosen = calendar_file(tmp_path / "partnership-calendar.toml", "2026-12-22", "2026-12-23")
    assert calendar_add({**env, "RR_CALENDAR": str(chosen)}) == "2026-12-29"  # RR_CALENDAR wins


def schedule_with(path: Path, version: str, scoping_days: int) -> Path:
    """The shipped schedule under another version, with templates due `scoping_days` after the referral."""
    text = (shipped_dir("schedules") / "rapid_review.toml").read_text()
    text = re.sub(r'(?m)^version = "[^"]*"$', f'version = "{version}"', text, count=1)
    start = text.index('key = "scoping_sent"')
    end = text.index("[[deadlines]]", start)
    block = re.sub(r"(?m)^working_days = 2$", f"working_days = {scoping_days}", text[start:end])
    path.write_text(text[:start] + block + text[end:])
    return path


def set_up(rr: Any) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    for key in ("la", "police", "health"):
        rr.ok("agency", "add", key, "--name", key, "--email", f"{key}@agency.example", "--partner", key)


def test_a_schedule_in_rr_home_is_the_one_new_cases_use(rr: Any) -> None:
    """Planted bug caught: `RR_HOME/rapid_review.toml` not looked for (the shipped schedule used)."""
    set_up(rr)
    schedule_with(rr.home / "rapid_review.toml", "2026.1-home", 4)
    shown = rr.json("schedule", "show")
    assert (shown["version"], shown["source"]) == ("2026.1-home", str(rr.home / "rapid_review.toml"))

    rr.ok("case", "open", "RR-1", "--received", RECEIVED, "--aware", "2026-12-18", "--referrer", "police")
    case = rr.json("case", "show", "RR-1")
    due = {d["key"]: d["due"] for d in case["deadlines"]}
    # 4 working days from Mon 21 Dec: Tue 22, Wed 23, Thu 24, (Christmas, weekend, Boxing Day substitute)
    # Tue 29 Dec. The shipped 2 would give Wed 23.
    assert due["scoping_sent"] == "2026-12-29"


# -- rr tick --now DATE ----------------------------------------------------------------------------------


def test_a_date_alone_in_tick_now_means_nine_in_the_morning(rr: Any) -> None:
    """The reminder for templates due Wed 23 Dec fires at 09:00 on Tue 22 Dec.

    Planted bug caught: a date alone read as midnight (nothing would be due yet)."""
    set_up(rr)
    rr.now = "2026-12-21T10:00"
    rr.ok("case", "open", "RR-1", "--received", RECEIVED, "--aware", "2026-12-18", "--referrer", "police")
    rr.now = "2026-12-22T12:00"
    assert rr.json("tick", "--now", "2026-12-22T08:59", "--no-send")["claimed"] == 0
    assert rr.json("tick", "--now", "2026-12-22", "--no-send")["claimed"] == 1
    assert rr.json("tick", "--now", "2026-12-22T12:00", "--no-send")["claimed"] == 0  # not twice

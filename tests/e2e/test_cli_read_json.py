"""Every read command has --json (stable keys, ISO dates): `rr daemon --check`, `rr schedule check` and
`rr templates check` included."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import is_sqlite
from tests.e2e.loaded_modules import run_cold
from tests.e2e.test_cli_help import TREE
from tests.e2e.test_cli_workflow import set_up_partnership

READS = {
    "agency list", "audit verify", "calendar add", "calendar between", "calendar holidays",
    "calendar window", "case list", "case show", "daemon", "doc list", "due", "history", "outbox list",
    "person list", "schedule check", "schedule show", "templates check", "templates list",
}  # fmt: skip
SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"


def test_every_read_command_has_json() -> None:
    """Planted bug caught: `rr daemon` without --json (the check could only be read by eye)."""
    commands = {" ".join(path): command for path, command in TREE}
    missing = sorted(
        name
        for name in READS
        if name in commands and not any("--json" in p.opts for p in commands[name].params)
    )
    assert missing == []
    assert set(commands) >= READS, sorted(READS - set(commands))


def test_daemon_check_json_when_none_is_running(rr) -> None:
    set_up_partnership(rr)
    run = rr("daemon", "--check", "--json")
    assert run.code == 1, run
    assert json.loads(run.out) == {"active": False, "pid": None, "host": None, "last_tick_at": None}


def test_schedule_and_templates_check_json(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rr_workflow.cli.app import cli

    env = {"RR_HOME": str(tmp_path / "home"), "RR_NOW": None, "RR_DATABASE_URL": None}
    run = CliRunner().invoke(
        cli, ["schedule", "check", str(SCHEDULES / "rapid_review.toml"), "--json"], env=env
    )
    assert run.exit_code == 0, run.output
    checked = json.loads(run.stdout)
    assert checked["ok"] is True and checked["kind"] == "schedule"
    assert checked["version"] == "2026.2"
    assert checked["deadlines"] == 11  # nine of the Rapid Review, the Panel's response and the answer
    run = CliRunner().invoke(cli, ["schedule", "check", str(SCHEDULES / "calendar.toml"), "--json"], env=env)
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout) == {
        "ok": True,
        "file": str(SCHEDULES / "calendar.toml"),
        "kind": "calendar",
        "country": "GB",
        "region": "ENG",
        "annual_closures": 0,
        "extra_days": 0,
    }
    run = CliRunner().invoke(cli, ["templates", "check", "--json"], env=env)
    assert run.exit_code == 0, run.output
    results = json.loads(run.stdout)
    assert results and all(set(r) == {"name", "file", "result"} for r in results)
    assert all(r["result"] == "ok" for r in results)


def test_reading_a_case_loads_no_state_machine(rr) -> None:
    """`rr case show` and `rr case list` name each stage without the state machine library (whose import
    costs every cold read a few milliseconds): the stage names are plain data (domain/stages.py). Planted
    bug this catches: the views taking `state_label` from the machine's module again."""
    set_up_partnership(rr)
    rr.ok("case", "open", "RR-1", "--received", "2026-12-21", "--aware", "2026-12-21", "--referrer", "police")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    env.update({k: v for k, v in rr.env().items() if v is not None})
    for args in (["case", "show", "RR-1", "--json"], ["case", "list", "--json"]):
        code, loaded, printed = run_cold(args, env, ("statemachine", "rr_workflow.domain.machine"))
        assert code == 0 and "referral received" in printed, printed
        assert loaded == [], (args, loaded)


def test_a_cold_command_on_sqlite_loads_no_postgresql_dialect(rr) -> None:
    """On the SQLite default, reading a case, the board, recording a step and a tick never load
    SQLAlchemy's PostgreSQL dialect (about 25 ms of every cold command). Planted bugs this catches: the
    partial indexes declared with their PostgreSQL predicate when the tables are (every command), and the
    unit of work importing the PostgreSQL dialect at its top (every recording step)."""
    if not is_sqlite(rr.url):
        pytest.skip("PostgreSQL's own driver loads its dialect")
    set_up_partnership(rr)
    rr.ok("case", "open", "RR-1", "--received", "2026-12-21", "--aware", "2026-12-21", "--referrer", "police")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    env.update({k: v for k, v in rr.env().items() if v is not None})
    for args, shown in (
        (["case", "show", "RR-1", "--json"], "referral received"),
        (["case", "list", "--json"], "RR-1"),
        (["sin", "notified", "RR-1"], "RR-1"),
        (["tick", "--no-send"], ""),
    ):
        code, loaded, printed = run_cold(args, env, ("sqlalchemy.dialects.postgresql",))
        assert code == 0 and shown in printed, (args, printed)
        assert loaded == [], (args, loaded)

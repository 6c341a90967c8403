"""The `rr calendar` and `rr schedule` commands, run in-process as a coordinator would type them
(docs/working-days.md): plain text and --json output, one-line errors with exit 2, help with examples, and a
`rr --help` that loads no database or scheduler code."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from rr_workflow.cli.app import cli
from tests.e2e.loaded_modules import run_cold

SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"
SHIPPED_SCHEDULE = SCHEDULES / "rapid_review.toml"
SHIPPED_CALENDAR = SCHEDULES / "calendar.toml"
DEFAULT_KEYS = [
    "sin_notified",
    "scoping_sent",
    "meeting_date_set",
    "scoping_returned",
    "records_secured",
    "meeting_held",
    "panel_submission",
    "outcome_shared",
    "review_complete",
    "panel_response",
    "panel_answer",
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty RR_HOME: no user configuration leaks into the test."""
    folder = tmp_path / "rr_home"
    folder.mkdir()
    return folder


@pytest.fixture
def rr(home: Path):
    """Runs `rr ARGS...` in-process with RR_HOME set to an empty folder."""
    runner = CliRunner(env={"RR_HOME": str(home), "RR_SCHEDULE": None, "RR_CALENDAR": None, "RR_NOW": None})

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), prog_name="rr")

    return run


def ok(result: Result) -> str:
    """The standard output of a command that must have succeeded quietly."""
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    assert result.stderr == ""
    return result.stdout


def one_line_error(result: Result, code: int = 2) -> str:
    """The error line of a command that must have failed cleanly (docs/coordinators-guide.md)."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rr: error: "), lines[0]
    return lines[0]


# -- rr calendar add / window / between / holidays ------------------------------------------------


def test_add_text(rr) -> None:
    """`rr calendar add 2026-12-21 2`: the templates are due Wednesday 2026-12-23 (docs/working-days.md)."""
    assert ok(rr("calendar", "add", "2026-12-21", "2")).split() == ["2026-12-23", "Wednesday"]


def test_add_json(rr) -> None:
    """--json has stable keys and ISO dates."""
    data = json.loads(ok(rr("calendar", "add", "2026-12-18", "15", "--json")))
    assert data == {
        "start": "2026-12-18",
        "working_days": 15,
        "date": "2027-01-13",
        "weekday": "Wednesday",
        "region": "ENG",
    }


def test_add_zero_and_from_a_saturday(rr) -> None:
    """0 working days is the day itself; Saturday + 2 working days is Tuesday."""
    assert ok(rr("calendar", "add", "2026-12-26", "0")).split()[0] == "2026-12-26"
    assert ok(rr("calendar", "add", "2026-03-07", "2")).split() == ["2026-03-10", "Tuesday"]


def test_window_text_and_json(rr) -> None:
    """`rr calendar window 2026-12-21 7 13`: the meeting window is 2027-01-04 to 2027-01-12."""
    text = ok(rr("calendar", "window", "2026-12-21", "7", "13"))
    assert "2027-01-04" in text and "2027-01-12" in text
    assert text.index("2027-01-04") < text.index("2027-01-12")
    data = json.loads(ok(rr("calendar", "window", "2026-12-21", "7", "13", "--json")))
    assert (data["earliest"], data["latest"]) == ("2027-01-04", "2027-01-12")
    assert (data["start"], data["region"]) == ("2026-12-21", "ENG")


def test_between_text_and_json(rr) -> None:
    """From the referral to the end of the meeting window is 13 working days; backwards, -13."""
    assert ok(rr("calendar", "between", "2026-12-21", "2027-01-12")).strip() == "13"
    assert ok(rr("calendar", "between", "2027-01-12", "2026-12-21")).strip() == "-13"
    data = json.loads(ok(rr("calendar", "between", "2026-12-18", "2027-01-13", "--json")))
    assert data["working_days"] == 15
    assert (data["start"], data["end"]) == ("2026-12-18", "2027-01-13")


def test_holidays_text(rr) -> None:
    """`rr calendar holidays 2026` lists the substitute Boxing Day and says which day is a weekend."""
    text = ok(rr("calendar", "holidays", "2026"))
    rows = {line.split()[0]: line for line in text.splitlines() if line[:4] == "2026"}
    assert "2026-12-28" in rows and "Boxing Day" in rows["2026-12-28"]
    assert "2026-12-26" in rows and "weekend" in rows["2026-12-26"]
    assert "weekend" not in rows["2026-12-25"]
    assert "2026-11-30" not in rows  # St Andrew's day is Scottish


def test_holidays_json(rr) -> None:
    """--json: a list of {date, weekday, name, weekend} in date order."""
    data = json.loads(ok(rr("calendar", "holidays", "2027", "--json")))
    assert [d["date"] for d in data] == sorted(d["date"] for d in data)
    by_date = {d["date"]: d for d in data}
    assert set(by_date) >= {"2027-01-01", "2027-03-26", "2027-03-29", "2027-12-27", "2027-12-28"}
    assert by_date["2027-12-25"]["weekend"] is True
    assert by_date["2027-12-27"] == {
        "date": "2027-12-27",
        "weekday": "Monday",
        "name": by_date["2027-12-27"]["name"],
        "weekend": False,
    }
    assert "Christmas" in by_date["2027-12-27"]["name"]


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        pytest.param("ENG", "2026-01-02", id="england"),
        pytest.param("WLS", "2026-01-02", id="wales"),
        pytest.param("SCT", "2026-01-05", id="scotland-2-january"),
        pytest.param("sct", "2026-01-05", id="lower-case"),
        pytest.param("NIR", "2026-01-02", id="northern-ireland"),
    ],
)
def test_region_option(rr, region: str, expected: str) -> None:
    """--region counts with another UK region's bank holidays: Scotland keeps 2 January."""
    data = json.loads(ok(rr("calendar", "add", "2025-12-31", "1", "--region", region, "--json")))
    assert (data["date"], data["region"]) == (expected, region.upper())


def test_holidays_region(rr) -> None:
    """Northern Ireland has St Patrick's day and 12 July; England has neither."""
    nir = {d["date"] for d in json.loads(ok(rr("calendar", "holidays", "2027", "--region", "NIR", "--json")))}
    eng = {d["date"] for d in json.loads(ok(rr("calendar", "holidays", "2027", "--json")))}
    assert {"2027-03-17", "2027-07-12"} <= nir
    assert not {"2027-03-17", "2027-07-12"} & eng


def test_the_calendar_in_rr_home_is_used(rr, home: Path) -> None:
    """Closure days configured in $RR_HOME/calendar.toml move deadlines and are listed."""
    text = SHIPPED_CALENDAR.read_text(encoding="utf-8")
    assert text.count("closures = []") == 1
    closures = (
        'closures = [{ month = 12, day = 24, name = "Christmas Eve closure" },'
        ' { month = 12, day = 29, name = "Christmas closure" },'
        ' { month = 12, day = 30, name = "Christmas closure" },'
        ' { month = 12, day = 31, name = "New Year\'s Eve closure" }]'
    )
    (home / "calendar.toml").write_text(text.replace("closures = []", closures), encoding="utf-8")
    # Mon 21 + 3: Tue 22, Wed 23, then closed or bank holidays until Mon 4 January.
    assert ok(rr("calendar", "add", "2026-12-21", "3")).split()[0] == "2027-01-04"
    listed = {d["date"]: d["name"] for d in json.loads(ok(rr("calendar", "holidays", "2026", "--json")))}
    assert listed["2026-12-24"] == "Christmas Eve closure"


# -- errors: one line on stderr, exit 2, nothing on stdout ------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["calendar", "add", "2026-13-01", "2"], "2026-13-01", id="bad-date"),
        pytest.param(["calendar", "add", "12/21/2026", "2"], "12/21/2026", id="american-date-order"),
        pytest.param(["calendar", "add", "2026-12-21T09:00", "2"], "2026-12-21T09:00", id="date-with-time"),
        pytest.param(["calendar", "add", "2026-12-21", "two"], "two", id="bad-number"),
        pytest.param(["calendar", "add", "2026-12-21", "2.5"], "2.5", id="fractional-number"),
        pytest.param(["calendar", "add", "2026-12-21", "-1"], "-1", id="negative-number"),
        pytest.param(["calendar", "add", "2026-12-21", "99999"], "99999", id="huge-number"),
        pytest.param(["calendar", "add", "2026-12-21"], "N", id="missing-number"),
        pytest.param(
            ["calendar", "window", "2026-12-21", "13", "7"], "EARLIEST", id="window-earliest-after-latest"
        ),
        pytest.param(["calendar", "add", "2026-12-21", "2", "--region", "XX"], "XX", id="unknown-region"),
        pytest.param(
            ["calendar", "holidays", "2026", "--region", "England"], "England", id="region-long-name"
        ),
        pytest.param(["calendar", "between", "2026-12-21", "tomorrow"], "tomorrow", id="between-bad-date"),
        pytest.param(["calendar", "holidays", "1850"], "1850", id="holidays-year-out-of-range"),
        pytest.param(["calendar", "holidays", "twenty"], "twenty", id="holidays-bad-year"),
        pytest.param(["calendar", "add", "2200-01-01", "1"], "2199", id="date-after-2199"),
        pytest.param(["calendar", "add", "1899-12-31", "1"], "1900", id="date-before-1900"),
        pytest.param(["calendar", "add", "2026-12-21", "2", "--jsn"], "--jsn", id="unknown-option"),
        pytest.param(["calendar", "frobnicate"], "frobnicate", id="unknown-command"),
        pytest.param(["frobnicate"], "frobnicate", id="unknown-group"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(rr, args: list[str], words: str) -> None:
    """Bad input prints one line 'rr: error: ...' naming what is wrong, exits 2, and no traceback."""
    assert words.lower() in one_line_error(rr(*args)).lower()


def test_a_group_without_a_command_shows_its_help(rr) -> None:
    """`rr calendar` on its own shows what the group can do, not an 'rr: error:' wrapped around the
    whole help text."""
    result = rr("calendar")
    assert result.exit_code == 0, result.output  # planted bug caught: the help shown with exit 2
    assert "Usage:" in result.output and "add" in result.output
    assert "rr: error:" not in result.output
    assert "Traceback" not in result.output


# -- rr schedule show / check ----------------------------------------------------------------------


def test_schedule_show_text(rr) -> None:
    """`rr schedule show` names the schedule, its file, its partners and every deadline."""
    text = ok(rr("schedule", "show"))
    assert "Rapid Review" in text
    assert str(SHIPPED_SCHEDULE) in text or "rapid_review.toml" in text
    for key in DEFAULT_KEYS:
        assert key in text
    for partner in ("Local Authority", "Police", "Health"):
        assert partner in text


def test_schedule_show_json(rr) -> None:
    """--json: the schedule's name, version, source, partners and deadlines with stable keys."""
    data = json.loads(ok(rr("schedule", "show", "--json")))
    assert {"name", "version", "source", "partners", "deadlines"} <= set(data)
    assert set(data["partners"]) == {"la", "police", "health"}
    assert [d["key"] for d in data["deadlines"]] == DEFAULT_KEYS
    by_key = {d["key"]: d for d in data["deadlines"]}
    for deadline in data["deadlines"]:
        assert {
            "key",
            "label",
            "from",
            "met_by",
            "working_days",
            "window",
            "owner",
            "per_agency",
            "policy",
        } <= set(deadline)
    assert by_key["meeting_held"]["window"] == [7, 13]
    assert by_key["sin_notified"]["window"] is None
    assert (by_key["review_complete"]["from"], by_key["review_complete"]["working_days"]) == ("aware", 15)
    assert by_key["scoping_returned"]["per_agency"] is True
    policy = by_key["scoping_sent"]["policy"]
    assert policy["reminder_time"] == "09:00"
    assert [s["role"] for s in policy["escalation"]] == ["manager", "chair"]


def test_schedule_show_another_file(rr, tmp_path: Path) -> None:
    """--file shows a partnership's own schedule."""
    text = SHIPPED_SCHEDULE.read_text(encoding="utf-8")
    assert text.count('version = "2026.2"') == 1
    own = tmp_path / "own.toml"
    own.write_text(text.replace('version = "2026.2"', 'version = "local-7"'), encoding="utf-8")
    data = json.loads(ok(rr("schedule", "show", "--file", str(own), "--json")))
    assert (data["version"], data["source"]) == ("local-7", str(own))


def test_schedule_show_a_missing_file(rr, tmp_path: Path) -> None:
    """A --file that does not exist is one line naming it."""
    missing = tmp_path / "missing.toml"
    assert str(missing) in one_line_error(rr("schedule", "show", "--file", str(missing)))


@pytest.mark.parametrize("path", [SHIPPED_SCHEDULE, SHIPPED_CALENDAR], ids=["schedule", "calendar"])
def test_schedule_check_accepts_the_shipped_files(rr, path: Path) -> None:
    """`rr schedule check FILE` says ok for the shipped schedule and calendar."""
    assert ok(rr("schedule", "check", str(path))).startswith(f"ok: {path}")


def test_schedule_check_refuses_a_bad_file(rr, tmp_path: Path) -> None:
    """A bad schedule: exit 2 and one line naming the file, the key and the fault."""
    text = SHIPPED_SCHEDULE.read_text(encoding="utf-8")
    assert text.count("window = [7, 13]") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("window = [7, 13]", "window = [13, 7]"), encoding="utf-8")
    line = one_line_error(rr("schedule", "check", str(bad)))
    assert line.startswith(f"rr: error: {bad}: deadlines.meeting_held.window: "), line


def test_schedule_check_refuses_invalid_toml(rr, tmp_path: Path) -> None:
    """A file that is not TOML at all: exit 2, one line."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[schedule\nname = \n", encoding="utf-8")
    assert str(bad) in one_line_error(rr("schedule", "check", str(bad)))


# -- help and start-up -----------------------------------------------------------------------------


def command_paths() -> Iterator[tuple[tuple[str, ...], bool]]:
    """Every command under `rr`, as (path, is_group)."""

    def walk(group: click.Group, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool]]:
        ctx = click.Context(group, info_name=path[-1] if path else "rr")
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"{' '.join((*path, name))} is listed but cannot be loaded"
            is_group = isinstance(command, click.Group)
            yield (*path, name), is_group
            if is_group:
                yield from walk(command, (*path, name))

    yield from walk(cli, ())


COMMANDS = list(command_paths())


def test_the_command_tree_has_the_calendar_and_schedule_commands() -> None:
    """The commands docs/coordinators-guide.md asks of this part of the product exist."""
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"calendar add", "calendar window", "calendar between", "calendar holidays"} <= paths
    assert {"schedule show", "schedule check"} <= paths


@pytest.mark.parametrize(
    ("path", "is_group"),
    [pytest.param(path, is_group, id=" ".join(path) or "rr") for path, is_group in [((), True), *COMMANDS]],
)
def test_every_command_has_help_with_an_example(rr, path: tuple[str, ...], is_group: bool) -> None:
    """`rr ... --help` works for every command and group; every command's help shows an example."""
    text = ok(rr(*path, "--help"))
    assert "Usage:" in text
    if not is_group:
        assert "Example" in text, f"rr {' '.join(path)} --help has no example"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["calendar", "--help"], ["schedule", "--help"], ["calendar", "add", "--help"]],
    ids=lambda args: " ".join(args),
)
def test_help_loads_no_database_or_scheduler(tmp_path: Path, args: list[str]) -> None:
    """`rr --help` stays fast: it imports neither SQLAlchemy nor APScheduler (nor Alembic, nor the
    holiday tables, nor the state machine library, which brings asyncio: 30 ms, nor the case's domain
    model: 13 ms). Planted bugs this catches: a command module that imports the state machine, or the
    correctable facts' module, at its top (`rr --help` lists every command, so it imports every
    command's module)."""
    heavy = ("sqlalchemy", "apscheduler", "alembic", "holidays", "statemachine", "rr_workflow.domain.case")
    code, loaded, printed = run_cold(args, {**os.environ, "RR_HOME": str(tmp_path)}, heavy)
    assert code == 0, printed
    assert loaded == [], f"rr {' '.join(args)} loaded {loaded}"
    assert "Usage:" in printed

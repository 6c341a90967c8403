"""The simulator: real machine and deadline rules on synthetic referrals; deterministic for a seed; its
figures are the compliance report's over the database it builds."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rr_workflow.adapters.config import shipped_dir
from rr_workflow.cli.app import cli
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import simulate
from rr_workflow.service.app import open_app

START, END = date(2027, 1, 1), date(2027, 6, 30)


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The simulator must not touch the user's own database: point RR_HOME somewhere it can see."""
    own = tmp_path / "own-home"
    monkeypatch.setenv("RR_HOME", str(own))
    monkeypatch.delenv("RR_DATABASE_URL", raising=False)
    monkeypatch.delenv("RR_SCHEDULE", raising=False)
    monkeypatch.delenv("RR_REVIEW_SCHEDULE", raising=False)
    return own


def seven_day_returns(tmp_path: Path) -> Path:
    text = (shipped_dir("schedules") / "rapid_review.toml").read_text()
    text = text.replace('version = "2026.2"', 'version = "seven-day-returns"')
    start = text.index('key = "scoping_returned"')
    days = text.index("working_days = 5", start)
    path = tmp_path / "seven.toml"
    path.write_text(text[:days] + "working_days = 7" + text[days + len("working_days = 5") :])
    return path


def comparable(outcome: simulate.Outcome) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(outcome).items() if k != "home"}


def test_the_same_seed_gives_the_same_figures_and_another_seed_others(quiet: Path) -> None:
    first = simulate.simulate(60, START, END, seed=7)
    assert comparable(simulate.simulate(60, START, END, seed=7)) == comparable(first)
    assert comparable(simulate.simulate(60, START, END, seed=8)) != comparable(first)
    assert not quiet.exists()  # the user's own RR_HOME was never touched


# Every step on the day it becomes possible, except template returns 6 working days after they were sent
# (one past the 5 allowed); the three partners only; nobody inquorate or declined.
EXACT = simulate.Assumptions(
    agency_delay=simulate.Delay(6, 0),
    records_delay=simulate.Delay(0, 0),
    sin_delay=simulate.Delay(0, 0),
    scoping_delay=simulate.Delay(0, 0),
    meeting_offset=simulate.Delay(0, 0),
    endorse_delay=simulate.Delay(0, 0),
    submit_delay=simulate.Delay(0, 0),
    panel_delay=simulate.Delay(0, 0),
    panel_questions=0.0,
    inquorate=0.0,
    decline=0.0,
    extra_agencies=0,
)


def test_its_figures_are_worked_out_by_hand_for_fixed_delays(quiet: Path, tmp_path: Path) -> None:
    """With no spread in any delay the figures follow from the timescales alone.

    Planted bug caught: the simulator drawing template returns from the records delay (returns on time).
    The comparison this replaced (summary == compliance report) could not fail: the summary *is* that
    report."""
    kept = tmp_path / "kept"
    outcome = simulate.simulate(10, START, END, seed=3, assumptions=EXACT, keep=kept)
    # 10 cases x 16 steps: scoping sent, SIN, 3 returns, 3 records secured, meeting set and held,
    # decision, endorsement, submission, outcome shared, the Panel's response, closure.
    counts = (outcome.cases, outcome.declined, outcome.inquorate_meetings, outcome.transitions)
    assert counts == (10, 0, 0, 160)
    # Each of the 30 returns is 1 working day late: one escalation each (the 1st working day after).
    assert outcome.escalations == 30
    rows = {r["rule_key"]: r for r in outcome.summary}
    figures = {
        k: (r["deadlines"], r["met_on_time"], r["met_late"], r["pct_on_time"]) for k, r in rows.items()
    }
    assert figures == {
        "sin_notified": (10, 10, 0, 100.0),
        "scoping_sent": (10, 10, 0, 100.0),
        "meeting_date_set": (10, 10, 0, 100.0),
        "scoping_returned": (30, 0, 30, 0.0),
        "records_secured": (30, 30, 0, 100.0),
        "meeting_held": (10, 10, 0, 100.0),
        "panel_submission": (10, 10, 0, 100.0),
        "outcome_shared": (10, 10, 0, 100.0),
        "review_complete": (10, 10, 0, 100.0),
        "panel_response": (10, 10, 0, 100.0),  # recorded the day the report goes
    }
    # Returns take 6 working days; the meeting is on the first day of its window (7 after the referral).
    assert (rows["scoping_returned"]["median_working_days"], rows["meeting_held"]["median_working_days"]) == (
        6.0,
        7.0,
    )
    assert (outcome.panel["within_limit"], outcome.panel["decided"]) == (10, 10)

    app = open_app(home=kept, actor="simulator")
    with app.engine.connect() as connection:
        states = connection.exec_driver_sql("SELECT state, count(*) FROM cases GROUP BY state").all()
    app.engine.dispose()
    assert [tuple(r) for r in states] == [("closed", 10)]


def returns_on_time(outcome: simulate.Outcome) -> float:
    return next(r["pct_on_time"] for r in outcome.summary if r["rule_key"] == "scoping_returned")


def test_longer_returns_make_returns_more_timely_on_the_same_referrals(quiet: Path, tmp_path: Path) -> None:
    base = simulate.simulate(100, START, END, seed=11)
    longer = simulate.simulate(100, START, END, schedule_path=seven_day_returns(tmp_path), seed=11)
    assert returns_on_time(longer) > returns_on_time(base)
    assert longer.escalations < base.escalations
    assert (longer.declined, longer.inquorate_meetings) == (base.declined, base.inquorate_meetings)


def test_the_assumptions_change_the_figures(quiet: Path) -> None:
    slow = simulate.Assumptions(agency_delay=simulate.Delay(9, 1), inquorate=0.0, decline=0.0)
    outcome = simulate.simulate(40, START, END, seed=5, assumptions=slow)
    returns = next(r for r in outcome.summary if r["rule_key"] == "scoping_returned")
    assert returns["pct_on_time"] < 20 and outcome.inquorate_meetings == 0 and outcome.declined == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--cases", "0"], "--cases"),
        (["--from", "2027-06-30", "--to", "2027-01-01"], "before"),
        (["--agency-delay", "soon"], "MEAN[:SD]"),
        (["--from", "2027-13-01"], "not a date"),
    ],
    ids=["no-cases", "to-before-from", "bad-delay", "bad-date"],
)
def test_bad_input_is_one_line_and_exit_2(quiet: Path, args: list[str], fragment: str) -> None:
    base = {"--cases": "5", "--from": "2027-01-01", "--to": "2027-01-31"}
    for name, value in zip(args[::2], args[1::2], strict=True):
        base[name] = value
    argv = ["simulate", *[item for pair in base.items() for item in pair]]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in result.output


def test_the_cli_compares_two_schedules_side_by_side(quiet: Path, tmp_path: Path) -> None:
    """Every template comes back 6 working days after it went: all late under the shipped 5 days, all on
    time under 7. Planted bug caught: the B columns showing schedule A's figures again."""
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--cases",
            "30",
            "--from",
            "2027-01-01",
            "--to",
            "2027-03-31",
            "--agency-delay",
            "6:0",
            "--compare",
            str(seven_day_returns(tmp_path)),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("DEADLINE"))
    assert header.split("  ")[0:1] == ["DEADLINE"]
    assert [c.strip() for c in header.split("  ") if c.strip()] == [
        "DEADLINE", "ON TIME % A", "ON TIME % B", "MEDIAN WD A", "MEDIAN WD B", "P90 WD A", "P90 WD B",
    ]  # fmt: skip
    returns = next(line for line in lines if line.startswith("scoping_returned"))
    assert returns.split() == ["scoping_returned", "0.0", "100.0", "6.0", "6.0", "6", "6"]
    # The same referrals under both: what does not depend on the returns is the same in both columns.
    sent = next(line for line in lines if line.startswith("scoping_sent")).split()
    assert sent[1] == sent[2] and sent[3] == sent[4]
    assert "escalation notice(s)" in result.output


def test_an_empty_period_is_refused(quiet: Path) -> None:
    with pytest.raises(BadInput, match="no working day"):
        simulate.simulate(5, date(2027, 12, 25), date(2027, 12, 26))


def test_the_reviews_that_follow_are_simulated_and_a_publication_target_compared(quiet: Path) -> None:
    """The same referrals and the same reviews under the shipped 6 months, a 24-month target (every review
    published by its date: the slowest simulated review takes well under two years) and a 1-month one
    (none can be: the draft alone takes months). Planted bug caught: the publication target ignored (the
    three runs alike)."""
    runs = {
        months: simulate.simulate(40, START, END, seed=3, publication_months=months).reviews
        for months in (None, 24, 1)
    }
    assert runs[None]["reviews"] == runs[24]["reviews"] == runs[1]["reviews"] > 0
    assert runs[24]["published_on_time"] == runs[24]["published"] > 0
    assert runs[1]["published_on_time"] == 0
    assert runs[1]["median_working_days_late"] > 0


def test_the_cli_shows_what_a_four_month_publication_target_would_change(quiet: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--cases",
            "30",
            "--from",
            "2027-01-01",
            "--to",
            "2027-03-31",
            "--publication-months",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "reviews" in line]
    assert lines[0].startswith("A: reviews: ") and lines[1].startswith(
        "B: reviews (publication within 4 months): "
    )


# As EXACT, but the National Panel answers each report 12 working days after it went.
PANEL_LATE = dataclasses.replace(EXACT, panel_delay=simulate.Delay(12, 0))


def panel_figures(outcome: simulate.Outcome) -> dict[str, Any]:
    rows = {r["rule_key"]: r for r in outcome.summary}
    return {
        "escalations": outcome.escalations,
        "chased": outcome.panel_response["chased"],
        "escalated": outcome.panel_response["escalated"],
        "median": outcome.panel_response["median_working_days"],
        "panel_response": (rows["panel_response"]["met_on_time"], rows["panel_response"]["met_late"]),
    }


def test_the_panels_response_is_chased_after_the_schedules_days_and_a_what_if_changes_it(quiet: Path) -> None:
    """Worked by hand: each response comes on the 12th working day after the report. Chased after 10
    (the schedule): the coordinator's reminder on the 10th, the managers' 1st escalation on the 11th, the
    2nd (the 13th) never comes: 10 chased, 10 escalated, 30 + 10 = 40 escalation notices, every response
    late. Chased after 15: no reminder, no escalation (the 30 late returns' alone), every response on
    time. After 12: the reminder on the response's own day still goes (it fires at 09:00), no escalation.

    Planted bugs caught: the Panel's response recorded the day the report goes (nothing chased); the
    what-if chase days ignored (both runs alike)."""
    shipped = simulate.simulate(10, START, END, seed=3, assumptions=PANEL_LATE)
    assert panel_figures(shipped) == {
        "escalations": 40,
        "chased": 10,
        "escalated": 10,
        "median": 12,
        "panel_response": (0, 10),
    }
    later = simulate.simulate(10, START, END, seed=3, assumptions=PANEL_LATE, panel_chase_days=15)
    assert panel_figures(later) == {
        "escalations": 30,
        "chased": 0,
        "escalated": 0,
        "median": 12,
        "panel_response": (10, 0),
    }
    same_day = simulate.simulate(10, START, END, seed=3, assumptions=PANEL_LATE, panel_chase_days=12)
    assert (same_day.panel_response["chased"], same_day.panel_response["escalated"]) == (10, 0)
    assert shipped.transitions == later.transitions == 160  # the same referrals, the same steps


def test_the_panels_questions_are_answered_before_the_case_closes(quiet: Path) -> None:
    """Every report questioned, answered 3 working days later (within the 10 allowed): one more step a
    case (170), every answer on time, every case closed."""
    asked = dataclasses.replace(PANEL_LATE, panel_questions=1.0, answer_delay=simulate.Delay(3, 0))
    outcome = simulate.simulate(10, START, END, seed=3, assumptions=asked)
    rows = {r["rule_key"]: r for r in outcome.summary}
    assert outcome.transitions == 170
    assert (outcome.panel_response["questions"], outcome.panel_response["answered_late"]) == (10, 0)
    assert (rows["panel_answer"]["met_on_time"], rows["panel_answer"]["median_working_days"]) == (10, 3.0)


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(
        cli, ["simulate", "--cases", "30", "--from", "2027-01-01", "--to", "2027-03-31", *args]
    )


def test_the_cli_shows_what_a_ten_day_chase_or_a_four_month_target_would_change(quiet: Path) -> None:
    result = run_cli("--panel-chase-days", "5")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith("B: 30 referral(s) under the schedule in force with the Panel's response chased "
                        "after 5 working days: ")
        for line in lines
    ), result.output  # fmt: skip
    assert any(line.startswith("A: the Panel's response (chased after 10 working days): ") for line in lines)
    assert any(line.startswith("B: the Panel's response (chased after 5 working days): ") for line in lines)
    changes = next(line for line in lines if line.startswith("what changes, B against A: "))
    assert "chase reminders" in changes  # a shorter wait chases more responses
    both = run_cli("--panel-chase-days", "10", "--publication-months", "4")
    assert both.exit_code == 0, both.output
    assert "with the Panel's response chased after 10 working days and publication within 4 months" in (
        both.output
    )
    assert "B: reviews (publication within 4 months): " in both.output


@pytest.mark.parametrize(
    "args",
    [
        ["--panel-chase-days", "0"],
        ["--panel-chase-days", "5", "--compare", "MISSING"],
        ["--panel-delay", "x"],
    ],
)
def test_a_bad_panel_what_if_is_one_line_and_exit_2(quiet: Path, tmp_path: Path, args: list[str]) -> None:
    if "MISSING" in args:
        other = tmp_path / "other.toml"
        other.write_text((shipped_dir("schedules") / "rapid_review.toml").read_text())
        args = [str(other) if a == "MISSING" else a for a in args]
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert not quiet.exists()

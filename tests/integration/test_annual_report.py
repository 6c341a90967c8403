"""`rr report annual`: the year's figures match eight cases counted by hand (SQLite; PostgreSQL too with
RR_TEST_DATABASE_URL).

Every case of 2026 below is received on Mon 2 Nov 2026 (F: Mon 14 Dec), aware the same day, and, unless
its line says otherwise, follows the base path: SIN and scoping (to the local authority only) and the
meeting date set on Tue 3 Nov, the template returned and records secured on Thu 5 Nov, the meeting held
and the decision on Thu 12 Nov, endorsement, report to the Panel and outcome shared on Fri 13 Nov. No bank
holiday falls between 2 Nov and 18 Dec 2026; the figures are taken on Fri 18 Dec 2026.

  A  no_review;          Panel responds Wed 25 Nov, agrees (due Fri 27 Nov: on time);
                         action "la: safety plan" (due Thu 10 Dec) done Mon 7 Dec (on time)
  B  local_cspr;         Panel responds Tue 1 Dec (due Fri 27 Nov: 2 working days late), disagrees with a
                         question; answered Mon 7 Dec (due Tue 15 Dec: on time);
                         action "police: joint visit" (due Thu 10 Dec) done Mon 14 Dec (late)
  C  declined Tue 3 Nov: its deadlines are waived (counted nowhere but the funnel)
  D  national_cspr;      report to the Panel Wed 18 Nov (due Mon 16 Nov: 2 late; within the 15-day limit,
                         due Mon 23 Nov); no Panel response (due Wed 2 Dec: 12 working days late on 18 Dec)
  E  alternative_review; Panel responds Thu 26 Nov, agrees; action "school: training" (due Thu 10 Dec)
                         still open: overdue
  F  received Mon 14 Dec, scoping sent Tue 15 Dec (on time); no meeting date (due Wed 16 Dec: 2 late);
                         nothing else due yet
  G  no_review;          SIN Tue 10 Nov (due Mon 9 Nov: 1 late); Panel responds Fri 27 Nov (on the day),
                         agrees; action "la: letter to the family" dropped
  H  local_cspr;         meeting set for and held Mon 23 Nov (due Thu 19 Nov: 2 late), report and outcome
                         Tue 24 Nov (due Wed 25 Nov: on time; 15-day limit Mon 23 Nov: 1 late); Panel
                         responds Wed 9 Dec (due Tue 8 Dec: 1 late), disagrees (answer due Wed 23 Dec: not
                         yet); action "health: GP alert" (due Mon 21 Dec) open
  X  received Mon 1 Dec 2025: another year, counted nowhere
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from rr_workflow.service import actions, annual, commands

NOV = 11
ALL = ("la:A Smith", "police:DS Jones", "health:Dr Patel")


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def walk(app: Any, ref: str, outcome: str, action: str | None = None, **changes: Any) -> None:
    """The base path of the docstring, with `changes` to its dates (a step given None is not recorded)."""
    days = {
        "received": d(NOV, 2),
        "sin": d(NOV, 3),
        "meeting": d(NOV, 12),
        "submit": d(NOV, 13),
        **changes,
    }
    received = days["received"]
    commands.case_open(app, ref, received, received, "police")
    if days["sin"]:
        commands.sin_notified(app, ref, days["sin"])
    commands.scoping_send(app, ref, ["la"], d(NOV, 3))
    commands.meeting_schedule(
        app, ref, days["meeting"], on=d(NOV, 3),
        outside_window_reason="the chair's only day" if days["meeting"] > d(NOV, 19) else None,
    )  # fmt: skip
    commands.scoping_returned(app, ref, "la", d(NOV, 5))
    commands.records_secured(app, ref, "la", d(NOV, 5))
    commands.meeting_held(app, ref, list(ALL), days["meeting"])
    commands.decide(app, ref, outcome, "as the meeting found", [action] if action else [], days["meeting"])
    endorsed = max(days["meeting"], d(NOV, 13)) if days["meeting"] < days["submit"] else days["submit"]
    commands.endorse(app, ref, by="Independent Chair", on=endorsed)
    commands.submit(app, ref, days["submit"], send_draft=True)
    commands.outcome_shared(app, ref, min(days["submit"], max(days["meeting"], d(NOV, 13))))


@pytest.fixture
def year(rig: Any) -> Any:
    rig.at(datetime(2026, 12, 18, 10, 0))
    app = dataclasses.replace(rig.app, record_only=True)  # the facts only: no letters to render
    commands.case_open(app, "RR-X", d(12, 1, 2025), d(12, 1, 2025), "police")
    commands.sin_notified(app, "RR-X", d(12, 2, 2025))

    walk(app, "RR-A", "no_review", "la: safety plan")
    commands.panel_response(app, "RR-A", agrees=True, on=d(NOV, 25))
    walk(app, "RR-B", "local_cspr", "police: joint visit")
    commands.panel_response(app, "RR-B", agrees=False, questions="why not national?", on=d(12, 1))
    commands.panel_answered(app, "RR-B", d(12, 7))
    commands.case_open(app, "RR-C", d(NOV, 2), d(NOV, 2), "police")
    commands.decline(app, "RR-C", "no abuse or neglect suspected", d(NOV, 3))
    walk(app, "RR-D", "national_cspr", submit=d(NOV, 18))
    walk(app, "RR-E", "alternative_review", "school: training")
    commands.panel_response(app, "RR-E", agrees=True, on=d(NOV, 26))
    commands.case_open(app, "RR-F", d(12, 14), d(12, 14), "police")
    commands.scoping_send(app, "RR-F", ["la"], d(12, 15))
    walk(app, "RR-G", "no_review", "la: letter to the family", sin=d(NOV, 10))
    commands.panel_response(app, "RR-G", agrees=True, on=d(NOV, 27))
    walk(app, "RR-H", "local_cspr", "health: GP alert", meeting=d(NOV, 23), submit=d(NOV, 24))
    commands.panel_response(app, "RR-H", agrees=False, on=d(12, 9))

    ids = {a["ref"]: a["id"] for a in actions.register(app)}
    actions.done(app, ids["RR-A"], "plan agreed", on=d(12, 7))
    actions.done(app, ids["RR-B"], "visit made", on=d(12, 14))
    actions.drop(app, ids["RR-G"], "the family moved away", on=d(12, 1))
    return rig


def stage(key: str, label: str, judged: int, on_time: int, late: list[int]) -> dict[str, Any]:
    """A stage as counted by hand: `late` lists each late one's working days."""
    ordered = sorted(late)
    median = None
    if ordered:
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return {
        "rule_key": key,
        "label": label,
        "judged": judged,
        "on_time": on_time,
        "late": len(late),
        "pct_on_time": round(100 * on_time / judged, 1) if judged else None,
        "median_days_late": median,
        "worst_days_late": max(late) if late else None,
    }


EXPECTED_STAGES = [
    stage("sin_notified", "Serious Incident Notification sent to the National Panel", 6, 5, [1]),  # G
    stage("scoping_sent", "Scoping templates sent to the agencies", 7, 7, []),
    stage("meeting_date_set", "Rapid Review meeting date set", 7, 6, [2]),  # F
    stage("scoping_returned", "Scoping template returned", 6, 6, []),
    stage("records_secured", "Records secured", 6, 6, []),
    stage("meeting_held", "Rapid Review meeting held", 6, 5, [2]),  # H
    stage("panel_submission", "Rapid Review report sent to the National Panel", 6, 5, [2]),  # D
    stage("outcome_shared", "Outcome shared with the agencies", 6, 6, []),
    stage("review_complete", "Rapid Review complete (report with the Panel)", 6, 5, [1]),  # H
    # B 2 late, D none yet (12 on 18 Dec), H 1 late
    stage("panel_response", "The National Panel's response received (chase it if not)", 6, 3, [2, 12, 1]),
    stage("panel_answer", "The partnership's answer to the National Panel's questions sent", 1, 1, []),
]


def test_the_figures_match_the_hand_count(year: Any) -> None:
    """Planted bug caught: lateness in calendar days (H's meeting would be 4 days late, not 2)."""
    figures = annual.annual(year.app, 2026)
    assert figures["as_of"] == d(12, 18)
    assert figures["funnel"] == {
        "notifications": 8,
        "rapid_reviews": 7,
        "declined": 1,
        "reports_to_panel": 6,
        "decisions": {"national_cspr": 1, "local_cspr": 2, "alternative_review": 1, "no_review": 2},
        "reviews_opened": 3,  # B, E, H
        "reviews_published": 0,
    }
    assert figures["stages"] == EXPECTED_STAGES
    # The reviews that follow (D's national one too): a reviewer is due 20 working days after the decision
    # (Thu 12 Nov: Thu 10 Dec for B, D and E, none appointed: 6 working days late on Fri 18 Dec; H's,
    # Mon 21 Dec, not yet due).
    # Nothing else of theirs is due yet (a draft in 4 months, publication in 6).
    assert figures["review_stages"] == [
        stage("reviewer_appointed", "Reviewer appointed", 3, 0, [6, 6, 6]),
        stage("draft_report", "Draft report received", 0, 0, []),
        stage("final_report_sent", "Final report sent to the Panel and the Secretary of State", 0, 0, []),
        stage("published", "Review report published", 0, 0, []),
    ]
    assert figures["panel"] == {"responses": 5, "agreed": 3, "asked_questions": 2, "pct_agreed": 60.0}
    assert figures["actions"] == {
        "total": 5,
        "actions": 5,
        "recommendations": 0,
        "open": 1,  # H
        "overdue": 1,  # E
        "done": 2,  # A on time, B late
        "dropped": 1,  # G
        "judged": 3,
        "done_on_time": 1,
        "pct_done_on_time": 33.3,
    }
    other = annual.annual(year.app, 2025)
    assert (other["funnel"]["notifications"], other["funnel"]["rapid_reviews"]) == (1, 1)


def test_every_format(year: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from rr_workflow.cli.app import cli

    monkeypatch.setenv("RR_NOW", "2026-12-18T10:00:00+00:00")
    runner = CliRunner()
    shown = runner.invoke(cli, ["report", "annual", "--year", "2026", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["stages"][-2]["worst_days_late"] == 12
    table = runner.invoke(cli, ["report", "annual", "--year", "2026"]).output
    assert "incident notifications          8" in table
    assert "agreed with 3 (60.0%)" in table
    rows = runner.invoke(cli, ["report", "annual", "--year", "2026", "--format", "csv"]).output.splitlines()
    assert rows[0] == "year,section,measure,value"
    assert "2026,decisions,local_cspr,2" in rows
    page = tmp_path / "annual.html"
    written = runner.invoke(
        cli, ["report", "annual", "--year", "2026", "--format", "html", "--out", str(page)]
    )
    assert written.exit_code == 0, written.output
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 1 and "<title>2026: from incident notification to published review" in html
    assert "RR-A" not in html  # counts only
    bad = runner.invoke(cli, ["report", "annual", "--year", "1066"])
    assert bad.exit_code == 2 and "not a year" in bad.output
    missing = tmp_path / "no-such-folder" / "annual.csv"
    refused = runner.invoke(cli, ["report", "annual", "--year", "2026", "--out", str(missing)])
    assert refused.exit_code == 2 and refused.exception is not None and not refused.stderr.count("Traceback")
    assert f"Invalid value for '--out': no such folder: {missing.parent}" in refused.output
    assert not missing.parent.exists()
    page.write_text("the report from before", encoding="utf-8")
    kept = runner.invoke(cli, ["report", "annual", "--year", "2026", "--format", "csv", "--out", str(page)])
    assert kept.exit_code == 0, kept.output
    assert page.read_bytes().startswith(b"year,section,measure,value\r\n2026,funnel,incident notifications,8")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["annual.html", "rr_home"]  # nothing left over

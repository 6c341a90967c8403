"""The compliance report (docs/procedure.md) against figures counted by hand.

Five small cases are walked through the service layer, one command at a time with the clock on the
day each step happened, over real bank holidays of England (Christmas 2026, Easter and the May bank
holidays of 2027):

- RR-A    on time, over Christmas: received Mon 2026-12-21, aware Fri 2026-12-18, templates to two
          agencies (the police return two working days late);
- RR-LATE late, over Easter: received = aware Mon 2027-03-22, most steps late;
- RR-EXT  extended: review_complete due Tue 2027-05-11 (May Day on Mon 3 May), extended on 12 May to
          14 May, met on Thu 13 May: late by 2 working days against the ORIGINAL date, shown extended;
- RR-DECL declined on Wed 2027-06-02, after the templates went out: its open deadlines are waived;
- RR-OPEN still open: its SIN is overdue, its templates were extended to 10 June but are already past
          their original date (missed), the rest is not due yet.

The report is taken on Wed 2027-06-09. Working days (England, no closure days) used below:

    Dec 2026 / Jan 2027: 18 F | 21 M 22 T 23 W 24 T | 25 F, 28 M bank holidays | 29 T 30 W 31 T |
                         1 Jan F bank holiday | 4 M 5 T 6 W 7 T 8 F | 11 M 12 T 13 W
    Mar / Apr 2027:      22 M 23 T 24 W 25 T | 26 F, 29 M Easter | 30 T 31 W 1 T 2 F | 5 M 6 T 7 W 8 T 9 F |
                         12 M 13 T 14 W 15 T 16 F | 19 M
    Apr / May 2027:      19 M 20 T 21 W 22 T 23 F | 26 M 27 T 28 W 29 T 30 F | 3 May M bank holiday |
                         4 T 5 W 6 T 7 F | 10 M 11 T 12 W 13 T 14 F
    May / Jun 2027:      26 W 27 T 28 F | 31 M bank holiday | 1 T 2 W 3 T 4 F | 7 M 8 T 9 W 10 T
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rr_workflow.cli.app import cli
from rr_workflow.service import commands, setup
from rr_workflow.service.compliance import ROW_KEYS, SUMMARY_KEYS, compliance, nearest_rank

D = date
TODAY = D(2027, 6, 9)  # Wednesday
ATTENDEES = ["la:A Smith", "police:DS Jones", "health:Dr Patel"]

Step = tuple[date, Callable[[Any], Any]]


def _steps() -> list[Step]:
    c = commands
    a, late, ext, decl, open_ = "RR-A", "RR-LATE", "RR-EXT", "RR-DECL", "RR-OPEN"
    return [
        # RR-A: on time over Christmas
        (D(2026, 12, 21), lambda app: c.case_open(app, a, D(2026, 12, 21), D(2026, 12, 18), "police")),
        (D(2026, 12, 22), lambda app: c.scoping_send(app, a, ["la", "police"])),
        (D(2026, 12, 22), lambda app: c.meeting_schedule(app, a, D(2027, 1, 7))),
        (D(2026, 12, 23), lambda app: c.sin_notified(app, a)),
        (D(2026, 12, 31), lambda app: c.scoping_returned(app, a, "la")),
        (D(2026, 12, 31), lambda app: c.records_secured(app, a, "la")),
        (D(2026, 12, 31), lambda app: c.records_secured(app, a, "police")),
        (D(2027, 1, 5), lambda app: c.scoping_returned(app, a, "police")),
        (D(2027, 1, 7), lambda app: c.meeting_held(app, a, ATTENDEES)),
        (D(2027, 1, 7), lambda app: c.decide(app, a, "no_review", "learning is local")),
        (D(2027, 1, 8), lambda app: c.endorse(app, a, by="Independent Chair")),
        (D(2027, 1, 8), lambda app: c.submit(app, a, send_draft=True)),
        (D(2027, 1, 8), lambda app: c.outcome_shared(app, a)),
        (D(2027, 1, 8), lambda app: c.panel_response(app, a, True)),
        (D(2027, 1, 8), lambda app: c.close(app, a)),
        # RR-LATE: late over Easter
        (D(2027, 3, 22), lambda app: c.case_open(app, late, D(2027, 3, 22), D(2027, 3, 22), "police")),
        (D(2027, 3, 25), lambda app: c.scoping_send(app, late, ["la"])),
        (
            D(2027, 3, 25),
            lambda app: c.meeting_schedule(
                app, late, D(2027, 4, 14), outside_window_reason="the chair is away"
            ),
        ),
        (D(2027, 4, 1), lambda app: c.sin_notified(app, late)),
        (D(2027, 4, 5), lambda app: c.records_secured(app, late, "la")),
        (D(2027, 4, 7), lambda app: c.scoping_returned(app, late, "la")),
        (D(2027, 4, 14), lambda app: c.meeting_held(app, late, ATTENDEES)),
        (D(2027, 4, 14), lambda app: c.decide(app, late, "local_cspr", "multi-agency learning")),
        (D(2027, 4, 16), lambda app: c.endorse(app, late, by="Independent Chair")),
        (D(2027, 4, 16), lambda app: c.outcome_shared(app, late)),
        (D(2027, 4, 19), lambda app: c.submit(app, late, send_draft=True)),
        (D(2027, 4, 19), lambda app: c.panel_response(app, late, True)),
        (D(2027, 4, 19), lambda app: c.close(app, late)),
        # RR-EXT: the overall limit extended, met after its original date
        (D(2027, 4, 20), lambda app: c.case_open(app, ext, D(2027, 4, 20), D(2027, 4, 19), "police")),
        (D(2027, 4, 21), lambda app: c.scoping_send(app, ext, ["la"])),
        (D(2027, 4, 21), lambda app: c.meeting_schedule(app, ext, D(2027, 5, 10))),
        (D(2027, 4, 22), lambda app: c.sin_notified(app, ext)),
        (D(2027, 4, 27), lambda app: c.records_secured(app, ext, "la")),
        (D(2027, 4, 28), lambda app: c.scoping_returned(app, ext, "la")),
        (D(2027, 5, 10), lambda app: c.meeting_held(app, ext, ATTENDEES)),
        (D(2027, 5, 10), lambda app: c.decide(app, ext, "no_review", "learning is local")),
        (
            D(2027, 5, 12),
            lambda app: c.extend(app, ext, "review_complete", D(2027, 5, 14), "agreed with the Panel"),
        ),
        (D(2027, 5, 12), lambda app: c.endorse(app, ext, by="Independent Chair")),
        (D(2027, 5, 12), lambda app: c.outcome_shared(app, ext)),
        (D(2027, 5, 13), lambda app: c.submit(app, ext, send_draft=True)),
        (D(2027, 5, 13), lambda app: c.panel_response(app, ext, True)),
        (D(2027, 5, 13), lambda app: c.close(app, ext)),
        # RR-DECL: declined after the templates went out
        (D(2027, 5, 27), lambda app: c.case_open(app, decl, D(2027, 5, 27), D(2027, 5, 26), "police")),
        (D(2027, 5, 28), lambda app: c.scoping_send(app, decl, ["la"])),
        (D(2027, 6, 2), lambda app: c.decline(app, decl, "does not meet the criteria")),
        # RR-OPEN: still running
        (D(2027, 6, 3), lambda app: c.case_open(app, open_, D(2027, 6, 3), D(2027, 5, 28), "police")),
        (
            D(2027, 6, 8),
            lambda app: c.extend(app, open_, "scoping_sent", D(2027, 6, 10), "agency contacts unconfirmed"),
        ),
    ]


@pytest.fixture
def cases(rig: Any) -> Any:
    """The five cases, each step on its own day (10:00 and a second later per step), the clock left on
    Wed 2027-06-09 10:00."""
    steps = sorted(_steps(), key=lambda step: step[0])  # stable: same-day steps keep their order
    for n, (day, step) in enumerate(steps):
        rig.at(datetime.combine(day, datetime.min.time()) + timedelta(hours=10, seconds=n))
        step(rig.app)
    rig.at(datetime(2027, 6, 9, 10, 0))
    return rig


# -- hand-counted expectations ------------------------------------------------------------------------

# (ref, key) -> (original due, extended_to, met_on, status, on_time, working days late, taken)
EXPECTED_ROWS: dict[tuple[str, str], tuple[Any, ...]] = {
    # RR-A: aware Fri 18 Dec, received Mon 21 Dec 2026
    ("RR-A", "sin_notified"): (D(2026, 12, 29), None, D(2026, 12, 23), "met", True, -2, 3),
    ("RR-A", "scoping_sent"): (D(2026, 12, 23), None, D(2026, 12, 22), "met", True, -1, 1),
    ("RR-A", "meeting_date_set"): (D(2026, 12, 23), None, D(2026, 12, 22), "met", True, -1, 0),
    ("RR-A", "scoping_returned:la"): (D(2026, 12, 31), None, D(2026, 12, 31), "met", True, 0, 5),
    ("RR-A", "scoping_returned:police"): (D(2026, 12, 31), None, D(2027, 1, 5), "met_late", False, 2, 7),
    ("RR-A", "records_secured:la"): (D(2026, 12, 31), None, D(2026, 12, 31), "met", True, 0, 5),
    ("RR-A", "records_secured:police"): (D(2026, 12, 31), None, D(2026, 12, 31), "met", True, 0, 5),
    ("RR-A", "meeting_held"): (D(2027, 1, 12), None, D(2027, 1, 7), "met", True, -3, 10),
    ("RR-A", "panel_submission"): (D(2027, 1, 11), None, D(2027, 1, 8), "met", True, -1, 1),
    ("RR-A", "outcome_shared"): (D(2027, 1, 11), None, D(2027, 1, 8), "met", True, -1, 1),
    ("RR-A", "review_complete"): (D(2027, 1, 13), None, D(2027, 1, 8), "met", True, -3, 12),
    # the Panel's response (10 working days after the report) recorded the day the report went
    ("RR-A", "panel_response"): (D(2027, 1, 22), None, D(2027, 1, 8), "met", True, -10, 0),
    # sent Mon 19 Apr 2027: the 10th working day is Tue 4 May (Mon 3 May is the Early May bank holiday)
    ("RR-LATE", "panel_response"): (D(2027, 5, 4), None, D(2027, 4, 19), "met", True, -10, 0),
    # sent Thu 13 May 2027: the 10th working day is Thu 27 May (the Spring bank holiday is 31 May)
    ("RR-EXT", "panel_response"): (D(2027, 5, 27), None, D(2027, 5, 13), "met", True, -10, 0),
    # RR-LATE: aware = received Mon 22 Mar 2027 (Good Friday 26th, Easter Monday 29th)
    ("RR-LATE", "sin_notified"): (D(2027, 3, 31), None, D(2027, 4, 1), "met_late", False, 1, 6),
    ("RR-LATE", "scoping_sent"): (D(2027, 3, 24), None, D(2027, 3, 25), "met_late", False, 1, 3),
    ("RR-LATE", "meeting_date_set"): (D(2027, 3, 30), None, D(2027, 3, 25), "met", True, -1, 0),
    ("RR-LATE", "scoping_returned:la"): (D(2027, 4, 5), None, D(2027, 4, 7), "met_late", False, 2, 7),
    ("RR-LATE", "records_secured:la"): (D(2027, 4, 5), None, D(2027, 4, 5), "met", True, 0, 5),
    ("RR-LATE", "meeting_held"): (D(2027, 4, 12), None, D(2027, 4, 14), "met_late", False, 2, 15),
    ("RR-LATE", "panel_submission"): (D(2027, 4, 16), None, D(2027, 4, 19), "met_late", False, 1, 3),
    ("RR-LATE", "outcome_shared"): (D(2027, 4, 16), None, D(2027, 4, 16), "met", True, 0, 2),
    ("RR-LATE", "review_complete"): (D(2027, 4, 14), None, D(2027, 4, 19), "met_late", False, 3, 18),
    # RR-EXT: aware Mon 19 Apr, received Tue 20 Apr 2027 (May Day Mon 3 May)
    ("RR-EXT", "sin_notified"): (D(2027, 4, 26), None, D(2027, 4, 22), "met", True, -2, 3),
    ("RR-EXT", "scoping_sent"): (D(2027, 4, 22), None, D(2027, 4, 21), "met", True, -1, 1),
    ("RR-EXT", "meeting_date_set"): (D(2027, 4, 22), None, D(2027, 4, 21), "met", True, -1, 0),
    ("RR-EXT", "scoping_returned:la"): (D(2027, 4, 28), None, D(2027, 4, 28), "met", True, 0, 5),
    ("RR-EXT", "records_secured:la"): (D(2027, 4, 28), None, D(2027, 4, 27), "met", True, -1, 4),
    ("RR-EXT", "meeting_held"): (D(2027, 5, 10), None, D(2027, 5, 10), "met", True, 0, 13),
    ("RR-EXT", "panel_submission"): (D(2027, 5, 12), None, D(2027, 5, 13), "met_late", False, 1, 3),
    ("RR-EXT", "outcome_shared"): (D(2027, 5, 12), None, D(2027, 5, 12), "met", True, 0, 2),
    # due 11 May, extended to 14 May, met 13 May: late by 12, 13 May = 2 working days, and extended
    ("RR-EXT", "review_complete"): (D(2027, 5, 11), D(2027, 5, 14), D(2027, 5, 13), "met_late", False, 2, 17),
    # RR-DECL: aware Wed 26 May, received Thu 27 May 2027 (Spring bank holiday Mon 31 May), declined 2 Jun
    ("RR-DECL", "scoping_sent"): (D(2027, 6, 1), None, D(2027, 5, 28), "met", True, -1, 1),
    ("RR-DECL", "sin_notified"): (D(2027, 6, 3), None, None, "waived", None, None, None),
    ("RR-DECL", "meeting_date_set"): (D(2027, 6, 1), None, None, "waived", None, None, None),
    ("RR-DECL", "scoping_returned:la"): (D(2027, 6, 7), None, None, "waived", None, None, None),
    ("RR-DECL", "records_secured:la"): (D(2027, 6, 7), None, None, "waived", None, None, None),
    ("RR-DECL", "meeting_held"): (D(2027, 6, 16), None, None, "waived", None, None, None),
    ("RR-DECL", "review_complete"): (D(2027, 6, 17), None, None, "waived", None, None, None),
    # RR-OPEN: aware Fri 28 May, received Thu 3 June 2027; today Wed 9 June
    ("RR-OPEN", "sin_notified"): (D(2027, 6, 7), None, None, "overdue", False, None, None),
    ("RR-OPEN", "scoping_sent"): (D(2027, 6, 7), D(2027, 6, 10), None, "extended", False, None, None),
    ("RR-OPEN", "meeting_held"): (D(2027, 6, 22), None, None, "pending", None, None, None),
    ("RR-OPEN", "review_complete"): (D(2027, 6, 21), None, None, "pending", None, None, None),
}

# rule -> (cases, deadlines, on time, late, overdue, waived, not yet due, extended, decided, %, median, p90)
EXPECTED_SUMMARY: dict[str, tuple[Any, ...]] = {
    # taken 3 (A), 6 (LATE), 3 (EXT): median 3, p90 = the ceil(0.9 * 3) = 3rd smallest = 6
    "sin_notified": (5, 5, 2, 1, 1, 1, 0, 0, 4, 50.0, 3.0, 6),
    # taken 1, 3, 1, 1 -> 1 1 1 3: median 1, p90 the 4th = 3; RR-OPEN's extension is a miss
    "scoping_sent": (5, 5, 3, 1, 1, 0, 0, 1, 5, 60.0, 1.0, 3),
    "meeting_date_set": (4, 4, 3, 0, 0, 1, 0, 0, 3, 100.0, 0.0, 0),
    # taken 5, 7 (A), 7 (LATE), 5 (EXT) -> 5 5 7 7: median 6, p90 the 4th = 7
    "scoping_returned": (4, 5, 2, 2, 0, 1, 0, 0, 4, 50.0, 6.0, 7),
    "records_secured": (4, 5, 4, 0, 0, 1, 0, 0, 4, 100.0, 5.0, 5),
    # taken 10, 15, 13 -> median 13, p90 15
    "meeting_held": (5, 5, 2, 1, 0, 1, 1, 0, 3, 66.7, 13.0, 15),
    "panel_submission": (3, 3, 1, 2, 0, 0, 0, 0, 3, 33.3, 3.0, 3),
    "outcome_shared": (3, 3, 3, 0, 0, 0, 0, 0, 3, 100.0, 2.0, 2),
    # taken 12, 18, 17 -> median 17, p90 18; RR-EXT (extended) counts as late
    "review_complete": (5, 5, 1, 2, 0, 1, 1, 1, 3, 33.3, 17.0, 18),
    # each recorded the day its report went: taken 0, 0, 0
    "panel_response": (3, 3, 3, 0, 0, 0, 0, 0, 3, 100.0, 0.0, 0),
}
SUMMARY_FIGURES = SUMMARY_KEYS[2:]  # after rule_key and label, in the order of the tuples above
SUMMARY_ORDER = list(EXPECTED_SUMMARY)  # the order of schedules/rapid_review.toml


def _as_tuple(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["due"],
        row["extended_to"],
        row["met_on"],
        row["status"],
        row["on_time"],
        row["working_days_late"],
        row["working_days_taken"],
    )


# -- the service ---------------------------------------------------------------------------------------


def test_every_figure_matches_the_hand_count(cases: Any) -> None:
    report = compliance(cases.app, None, None)
    assert report["as_of"] == TODAY and report["from"] is None and report["to"] is None
    assert list(report) == ["from", "to", "as_of", "summary", "panel", "rows"]

    rows = report["rows"]
    assert all(list(row) == list(ROW_KEYS) for row in rows)
    assert {(r["ref"], r["key"]): _as_tuple(r) for r in rows} == EXPECTED_ROWS
    assert len(rows) == len(EXPECTED_ROWS)  # no deadline twice
    # Ordered by referral date, then due date: the cases in the order they came in.
    refs = list(dict.fromkeys(r["ref"] for r in rows))
    assert refs == ["RR-A", "RR-LATE", "RR-EXT", "RR-DECL", "RR-OPEN"]
    assert all(a["due"] <= b["due"] for a, b in itertools.pairwise(rows) if a["ref"] == b["ref"])

    by_key = {(r["ref"], r["key"]): r for r in rows}
    extended = by_key[("RR-EXT", "review_complete")]
    assert (extended["deviation"], extended["reason"]) == ("extended", "agreed with the Panel")
    for key in ("sin_notified", "meeting_date_set", "scoping_returned:la", "review_complete"):
        declined = by_key[("RR-DECL", key)]
        assert (declined["deviation"], declined["reason"]) == ("waived", "referral declined")
        assert declined["case_state"] == "declined"
    assert by_key[("RR-A", "scoping_returned:police")]["agency"] == "police"
    assert by_key[("RR-A", "scoping_returned:police")]["rule_key"] == "scoping_returned"
    assert by_key[("RR-A", "review_complete")]["counts_from"] == D(2026, 12, 18)  # aware, not received

    summary = report["summary"]
    assert [s["rule_key"] for s in summary] == SUMMARY_ORDER
    assert all(list(s) == list(SUMMARY_KEYS) for s in summary)
    got = {s["rule_key"]: tuple(s[k] for k in SUMMARY_FIGURES) for s in summary}
    assert got == EXPECTED_SUMMARY
    labels = {s["rule_key"]: s["label"] for s in summary}
    assert labels["scoping_returned"] == "Scoping template returned"  # the rule's, not "(la)"

    # Reports with the Panel within 15 working days: RR-A only, of A, LATE and EXT (DECL waived, OPEN
    # not due).
    assert report["panel"] == {
        "rule_key": "review_complete",
        "working_days": 15,
        "within_limit": 1,
        "decided": 3,
        "pct_within_limit": 33.3,
    }


def test_the_period_is_the_referral_date_both_ends_included(cases: Any) -> None:
    spring = compliance(cases.app, D(2027, 3, 22), D(2027, 4, 20))
    assert list(dict.fromkeys(r["ref"] for r in spring["rows"])) == ["RR-LATE", "RR-EXT"]
    assert (spring["from"], spring["to"]) == (D(2027, 3, 22), D(2027, 4, 20))
    review = next(s for s in spring["summary"] if s["rule_key"] == "review_complete")
    assert (review["cases"], review["met_on_time"], review["decided"], review["pct_on_time"]) == (
        2,
        0,
        2,
        0.0,
    )
    assert spring["panel"]["within_limit"] == 0 and spring["panel"]["decided"] == 2

    since = compliance(cases.app, D(2027, 5, 27), None)
    assert list(dict.fromkeys(r["ref"] for r in since["rows"])) == ["RR-DECL", "RR-OPEN"]
    assert since["panel"]["decided"] == 0 and since["panel"]["pct_within_limit"] is None
    until = compliance(cases.app, None, D(2026, 12, 31))
    assert {r["ref"] for r in until["rows"]} == {"RR-A"}

    empty = compliance(cases.app, D(2030, 1, 1), None)
    assert empty["rows"] == [] and empty["summary"] == []
    assert empty["panel"]["working_days"] is None


def test_nearest_rank_percentile() -> None:
    assert nearest_rank([], 90) is None
    assert nearest_rank([4], 90) == 4
    assert nearest_rank(list(range(1, 11)), 90) == 9  # ceil(9.0): the 9th of 10
    assert nearest_rank(list(range(1, 12)), 90) == 10  # ceil(9.9): the 10th of 11
    assert nearest_rank([7, 1, 3], 50) == 3


# -- the command line ----------------------------------------------------------------------------------


def _rr(rig: Any, *args: str, user: str = "coord") -> Any:
    env = {
        "RR_HOME": str(rig.home),
        "RR_USER": user,
        "RR_DATABASE_URL": None if rig.url.startswith("sqlite") else rig.url,
        "RR_NOW": "2027-06-09T10:00",
        "RR_SCHEDULE": None,
        "RR_CALENDAR": None,
    }
    return CliRunner().invoke(cli, ["report", "compliance", *args], env=env, prog_name="rr")


def test_csv_json_and_table_from_the_command_line(cases: Any, tmp_path: Path) -> None:
    # CSV: UTF-8 with a BOM, a header, CRLF line ends, ISO dates; parsed back with the csv module.
    out = tmp_path / "compliance.csv"
    run = _rr(cases, "--format", "csv", "--out", str(out))
    assert run.exit_code == 0 and run.stderr == "", run.output
    assert str(out) in run.stdout and f"{len(EXPECTED_ROWS)} deadlines of 5 cases" in run.stdout
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == len(EXPECTED_ROWS) + 1 and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header, body = parsed[0], parsed[1:]
    assert header == list(ROW_KEYS)
    assert len(body) == len(EXPECTED_ROWS)
    records = [dict(zip(header, values, strict=True)) for values in body]
    for record in records:
        for column in ("received", "counts_from", "due", "extended_to", "met_on"):
            if record[column]:
                assert D.fromisoformat(record[column]).isoformat() == record[column]
    ext = next(r for r in records if (r["ref"], r["key"]) == ("RR-EXT", "review_complete"))
    assert ext["due"] == "2027-05-11" and ext["extended_to"] == "2027-05-14" and ext["met_on"] == "2027-05-13"
    assert (ext["status"], ext["on_time"], ext["working_days_late"], ext["deviation"]) == (
        "met_late",
        "no",
        "2",
        "extended",
    )
    early = next(r for r in records if (r["ref"], r["key"]) == ("RR-A", "review_complete"))
    assert (early["on_time"], early["working_days_late"], early["working_days_taken"]) == ("yes", "-3", "12")
    pending = next(r for r in records if (r["ref"], r["key"]) == ("RR-OPEN", "review_complete"))
    assert (pending["met_on"], pending["on_time"], pending["working_days_late"]) == ("", "", "")
    # The same bytes on standard output.
    assert _rr(cases, "--format", "csv").stdout_bytes == raw

    # JSON: stable keys, ISO dates, the same figures as the service.
    run = _rr(cases, "--format", "json", "--from", "2026-12-21", "--to", "2027-06-03")
    assert run.exit_code == 0 and run.stderr == "", run.output
    data = json.loads(run.stdout)
    assert list(data) == ["from", "to", "as_of", "summary", "panel", "rows"]
    assert (data["from"], data["to"], data["as_of"]) == ("2026-12-21", "2027-06-03", "2027-06-09")
    assert [list(s) for s in data["summary"]] == [list(SUMMARY_KEYS)] * len(EXPECTED_SUMMARY)
    assert [list(r) for r in data["rows"]] == [list(ROW_KEYS)] * len(EXPECTED_ROWS)
    review = next(s for s in data["summary"] if s["rule_key"] == "review_complete")
    assert (review["pct_on_time"], review["median_working_days"], review["p90_working_days"]) == (
        33.3,
        17.0,
        18,
    )
    assert data["panel"]["within_limit"] == 1 and data["panel"]["decided"] == 3
    row = next(r for r in data["rows"] if (r["ref"], r["key"]) == ("RR-EXT", "review_complete"))
    assert (row["due"], row["extended_to"], row["working_days_late"]) == ("2027-05-11", "2027-05-14", 2)

    # The table: the summary per deadline, the Panel figure, then every case.
    run = _rr(cases)
    assert run.exit_code == 0 and run.stderr == "", run.output
    text = run.stdout
    assert "statuses as of 2027-06-09" in text
    summary_line = next(line for line in text.splitlines() if line.startswith("Rapid Review complete"))
    assert summary_line.split()[-9:] == ["5", "1/3", "33.3%", "17", "18", "2", "0", "1", "1"]
    assert "Reports with the Panel within 15 working days: 1 of 3 decided (33.3%)." in text
    assert text.index("Reports with the Panel") < text.index("RR-A ")
    ext_line = next(line for line in text.splitlines() if "extended to 2027-05-14" in line)
    assert "review_complete" in ext_line and "2 late" in ext_line and "met_late" in ext_line
    assert "agreed with the Panel" in ext_line
    assert any(line.split()[-3:] == ["waived", "referral", "declined"] for line in text.splitlines())
    assert "3 early" in text and "on the day" in text


def test_a_formula_in_a_reason_does_not_run_in_excel(rig: Any, tmp_path: Path) -> None:
    rig.at(datetime(2026, 11, 2, 10, 0)).open_case("RR-F")
    commands.waive(rig.later().app, "RR-F", "sin_notified", '=HYPERLINK("http://x")')
    run = _rr(rig, "--format", "csv")
    assert run.exit_code == 0, run.output
    records = list(csv.DictReader(io.StringIO(run.stdout_bytes.decode("utf-8-sig"), newline="")))
    waived = next(r for r in records if r["key"] == "sin_notified")
    assert waived["reason"] == '\'=HYPERLINK("http://x")'


def test_bad_dates_and_a_reversed_period_are_one_line_and_exit_2(rig: Any) -> None:
    for args, message in (
        (("--from", "2027-02-30"), "'2027-02-30' is not a date"),
        (("--to", "01/31/2027"), "'01/31/2027' is not a date"),
        (("--from", "2027-02-01", "--to", "2027-01-31"), "--from 2027-02-01 is after --to 2027-01-31"),
        (("--format", "xlsx"), "'xlsx' is not one of"),
    ):
        run = _rr(rig, *args)
        assert run.exit_code == 2, (args, run.output)
        assert run.stdout == ""
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("rr: error: ") and message in lines[0], run.stderr


def test_only_people_with_a_reading_role_see_the_report(rig: Any) -> None:
    setup.person_add(rig.later().app, "clerk", "A Clerk", "clerk@lscp.example", ["admin"])
    assert _rr(rig, user="clerk").exit_code == 0  # admin is a reading role
    run = _rr(rig, user="stranger")
    assert run.exit_code == 3 and "not registered" in run.stderr

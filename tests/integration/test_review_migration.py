"""Upgrading a database from the schema before reviews (0010) with cases in it: every row stays, every
existing deadline is the Rapid Review's own, and a case decided after the upgrade opens its review
(SQLite; PostgreSQL too with RR_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from conftest import ATTENDEES
from sqlalchemy import inspect

from rr_workflow.adapters.db import migrate
from rr_workflow.service import commands, queries, review_views

TABLES = ("cases", "deadlines", "case_board", "meetings", "involvements", "audit_events", "outbox")


def counts(rig: Any) -> dict[str, int]:
    return {name: rig.scalar(f"SELECT count(*) FROM {name}") for name in TABLES}


def test_an_upgrade_from_the_schema_before_reviews_keeps_every_row(rig: Any) -> None:
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.open_case("RR-1")
    rig.to_scoping("RR-2")
    rig.run_procedure("RR-3")
    rig.at(datetime(2026, 11, 5, 10, 0))
    board = queries.case_list(rig.app)
    migrate.downgrade(rig.app.engine, "0010")
    with rig.app.engine.connect() as connection:
        assert "reviews" not in inspect(connection).get_table_names()
    before = counts(rig)
    migrate.upgrade(rig.app.engine)
    rig.app.engine.dispose()
    assert counts(rig) == before and before["deadlines"] > 0
    assert queries.case_list(rig.app) == board
    assert rig.scalar("SELECT count(*) FROM deadlines WHERE review_id IS NOT NULL") == 0
    assert rig.verify()[1] is None

    # A case decided after the upgrade opens its review: decision Thu 12 Nov 2026, reviewer within 20
    # working days (Thu 10 Dec 2026), publication within 6 months (Wed 12 May 2027).
    commands.meeting_schedule(rig.later(minutes=1).app, "RR-2", date(2026, 11, 12))
    rig.at(datetime(2026, 11, 12, 15, 0))
    commands.meeting_held(rig.app, "RR-2", list(ATTENDEES))
    commands.decide(rig.later(minutes=1).app, "RR-2", "alternative_review", "a learning event")
    shown = review_views.review_show(rig.app, "RR-2")
    due = {d["key"]: d["due"] for d in shown["deadlines"]}
    assert (shown["kind"], due["reviewer_appointed"], due["published"]) == (
        "alternative_review", date(2026, 12, 10), date(2027, 5, 12),
    )  # fmt: skip
    assert rig.verify()[1] is None


def test_a_review_whose_stage_was_changed_behind_its_trail_fails_the_audit_check(rig: Any) -> None:
    """The review's steps replay against its stored stage like a case's. Planted bug caught: the replay
    reading the review's rows as the case's (a case decided, then 'review_opened', looked tampered)."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.to_scoping("RR-1")
    commands.meeting_schedule(rig.later(minutes=1).app, "RR-1", date(2026, 11, 12))
    rig.at(datetime(2026, 11, 12, 15, 0))
    commands.meeting_held(rig.app, "RR-1", list(ATTENDEES))
    commands.decide(rig.later(minutes=1).app, "RR-1", "local_cspr", "learning across agencies")
    assert queries.audit_check(rig.app)["case_fault"] is None
    rig.execute("UPDATE reviews SET state = 'review_published'")
    fault = queries.audit_check(rig.app)["case_fault"]
    assert fault.case_ref == "RR-1 (its review)"
    assert "'review_published' but its trail ends in 'review_opened'" in fault.problem

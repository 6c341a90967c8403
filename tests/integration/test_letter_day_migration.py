"""Upgrading from the schema before the scoping letter's own day (0011) with cases in it: every row
stays, every existing agency's deadlines still count from the day its template was recorded as sent, and
the trail still verifies (SQLite; PostgreSQL too with RR_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect

from rr_workflow.adapters.db import migrate
from rr_workflow.service import queries

TABLES = ("cases", "deadlines", "involvements", "meetings", "audit_events", "outbox")


def counts(rig: Any) -> dict[str, int]:
    return {name: rig.scalar(f"SELECT count(*) FROM {name}") for name in TABLES}


def test_an_upgrade_from_0011_keeps_every_row_and_every_due_date(rig: Any) -> None:
    rig.to_scoping("RR-2")
    rig.run_procedure("RR-3")
    rig.at(datetime(2026, 11, 5, 10, 0))
    shown = queries.case_show(rig.app, "RR-2")
    migrate.downgrade(rig.app.engine, "0011")
    with rig.app.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("involvements")}
    assert "letter_on" not in columns
    before = counts(rig)
    migrate.upgrade(rig.app.engine)
    rig.app.engine.dispose()
    assert counts(rig) == before and before["involvements"] == 6
    assert rig.scalar("SELECT count(*) FROM involvements WHERE letter_on IS NOT NULL") == 0
    after = queries.case_show(rig.app, "RR-2")
    assert [(d["key"], d["due"]) for d in after["deadlines"]] == [
        (d["key"], d["due"]) for d in shown["deadlines"]
    ]
    assert rig.verify()[1] is None

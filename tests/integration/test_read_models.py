"""What each change writes beside a case for readers that must not grow with history: the board row and
each deadline's next timer moment (SQLite; PostgreSQL too with RR_TEST_DATABASE_URL).

The case of these tests is received Monday 2 November 2026; its deadlines (default schedule): scoping
templates sent by Wed 4 Nov, the SIN by Mon 9 Nov, the meeting by Thu 19 Nov, the report with the Panel
by Mon 23 Nov. Reminders are at 09:00 one working day before and on the due date; escalations at 09:00
the first working day after it, then every 2 working days. November is GMT: local time is UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from test_review_timers import decided_and_closed

from rr_workflow.adapters.db import migrate
from rr_workflow.service import commands, corrections, notices, queries, reviews

RECEIVED = date(2026, 11, 2)


def moments(rig: Any) -> dict[str, str | None]:
    return {
        r["key"]: r["next_fire_at"] for r in rig.rows("SELECT key, next_fire_at FROM deadlines ORDER BY key")
    }


def board(rig: Any, **options: bool) -> list[tuple[str, str | None, str | None, int]]:
    return [
        (
            c["ref"],
            c["next_deadline"] and c["next_deadline"]["key"],
            c["next_deadline"] and c["next_deadline"]["status"],
            c["overdue"],
        )
        for c in queries.case_list(rig.app, **options)
    ]


def test_the_board_counts_what_is_overdue_on_the_day_it_is_read(rig: Any) -> None:
    """No change to the case between the readings: the overdue count comes from the stored due dates and
    the day of the reading (planted bug caught: counting dues on or before today)."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.open_case("RR-1", received=RECEIVED)
    assert board(rig) == [("RR-1", "scoping_sent", "pending", 0)]
    rig.at(datetime(2026, 11, 4, 10, 0))  # the templates are due today: not yet overdue
    assert board(rig) == [("RR-1", "scoping_sent", "due_soon", 0)]
    assert board(rig, overdue_only=True) == []
    rig.at(datetime(2026, 11, 10, 10, 0))  # templates (4th) and SIN (9th) missed
    assert board(rig, overdue_only=True) == [("RR-1", "scoping_sent", "overdue", 2)]
    rig.at(datetime(2026, 11, 24, 10, 0))
    assert board(rig, open_only=True) == [("RR-1", "scoping_sent", "overdue", 4)]


def test_a_finished_case_leaves_the_board_and_its_deadlines_never_fire(rig: Any) -> None:
    rig.run_procedure("RR-1")
    assert rig.scalar("SELECT count(*) FROM case_board") == 0
    assert set(moments(rig).values()) == {None}
    assert board(rig) == [("RR-1", None, None, 0)]
    assert board(rig, open_only=True) == []


def test_a_step_replaces_its_cases_board_row_and_no_other(rig: Any) -> None:
    """Planted bug caught: a step keeping the row its case already had (an upsert doing nothing)."""
    rig.to_scoping("RR-2")  # templates sent Tue 3 Nov
    rig.later(minutes=1).open_case("RR-1", received=RECEIVED)
    rig.at(datetime(2026, 11, 10, 10, 0))  # RR-1: templates and SIN missed; RR-2: meeting date and SIN
    assert board(rig, overdue_only=True) == [
        ("RR-1", "scoping_sent", "overdue", 2),
        ("RR-2", "meeting_date_set", "overdue", 2),
    ]
    commands.sin_notified(rig.app, "RR-2")
    assert board(rig, overdue_only=True) == [
        ("RR-1", "scoping_sent", "overdue", 2),
        ("RR-2", "meeting_date_set", "overdue", 1),
    ]


def test_a_closed_case_stays_on_the_board_while_its_review_runs(rig: Any) -> None:
    """The case's last step writes its board row from its review's deadlines (reviewer due Thu 10 Dec).
    Planted bug caught: reading the review's rows that no timer will fire instead of those it will."""
    decided_and_closed(rig, "RR-1")
    assert board(rig, open_only=True) == [("RR-1", "reviewer_appointed", "pending", 0)]
    assert rig.scalar("SELECT count(*) FROM deadlines WHERE review_id IS NOT NULL") == 4


def test_a_tick_moves_each_deadline_it_looked_at_to_its_next_slot(rig: Any) -> None:
    """Planted bug caught: leaving the moment where it was (the next tick looks at the deadline again)."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.open_case("RR-1", received=RECEIVED)
    assert moments(rig) == {
        "meeting_held": "2026-11-18T09:00:00.000000Z",
        "review_complete": "2026-11-20T09:00:00.000000Z",
        "scoping_sent": "2026-11-03T09:00:00.000000Z",
        "sin_notified": "2026-11-06T09:00:00.000000Z",
    }
    assert notices.next_moments(rig.app) == [
        datetime(2026, 11, 3, 9, tzinfo=UTC),
        datetime(2026, 11, 6, 9, tzinfo=UTC),
        datetime(2026, 11, 18, 9, tzinfo=UTC),
        datetime(2026, 11, 20, 9, tzinfo=UTC),
    ]
    assert notices.tick(rig.at(datetime(2026, 11, 2, 12, 0)).app)["candidates"] == 0
    fired = notices.tick(rig.at(datetime(2026, 11, 3, 9, 0)).app)
    assert (fired["candidates"], fired["claimed"]) == (1, 1)
    assert moments(rig)["scoping_sent"] == "2026-11-04T09:00:00.000000Z"  # the reminder on the day
    assert notices.tick(rig.at(datetime(2026, 11, 3, 12, 0)).app)["candidates"] == 0
    fired = notices.tick(rig.at(datetime(2026, 11, 5, 9, 30)).app)  # Thursday: the 1st escalation
    assert (fired["candidates"], fired["claimed"]) == (1, 1)
    assert moments(rig)["scoping_sent"] == "2026-11-09T09:00:00.000000Z"  # the 2nd: Monday
    assert moments(rig)["sin_notified"] == "2026-11-06T09:00:00.000000Z"  # not looked at yet


def table_rows(rig: Any, table: str) -> int:
    with rig.app.engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def test_an_upgrade_builds_the_board_and_lets_the_next_tick_look_at_every_open_deadline(rig: Any) -> None:
    """A database made before the board and the stored moments: the upgrade fills both in."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.open_case("RR-1", received=RECEIVED)
    rig.open_case("RR-2", received=RECEIVED)
    rig.run_procedure("RR-3")
    rig.at(datetime(2026, 11, 10, 10, 0))
    before = board(rig)
    deadlines_before = table_rows(rig, "deadlines")
    migrate.downgrade(rig.app.engine, "0006")
    migrate.upgrade(rig.app.engine)
    rig.app.engine.dispose()
    # Planted bug caught: migrating SQLite with foreign keys on (altering `cases` copies and drops it, and
    # the drop cascades to every case's deadlines and board row).
    assert deadlines_before > 0
    assert table_rows(rig, "deadlines") == deadlines_before
    assert (
        board(rig)
        == before
        == [
            ("RR-1", "scoping_sent", "overdue", 2),
            ("RR-2", "scoping_sent", "overdue", 2),
            ("RR-3", None, None, 0),
        ]
    )
    long_ago = "1970-01-01T00:00:00.000000Z"
    stored = rig.rows("SELECT c.ref, d.next_fire_at FROM deadlines d JOIN cases c ON c.id = d.case_id")
    assert {(r["ref"], r["next_fire_at"]) for r in stored} == {
        ("RR-1", long_ago),
        ("RR-2", long_ago),
        ("RR-3", None),
    }
    fired = notices.tick(rig.at(datetime(2026, 11, 10, 10, 0)).app)
    assert fired["candidates"] == 4  # each case: the templates' and the SIN's escalations
    assert long_ago not in moments(rig).values()


@contextmanager
def deadline_writes(rig: Any) -> Iterator[list[tuple[str, int]]]:
    """The statements that write the `deadlines` table while the block runs, on the real engine: (verb,
    rows written); an executemany counts its parameter sets, one statement what the database reports."""
    seen: list[tuple[str, int]] = []

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        verb, *rest = statement.split(maxsplit=3)
        target = rest[0] if verb == "UPDATE" else rest[1:2]
        if verb in ("INSERT", "UPDATE", "DELETE") and target in ("deadlines", ["deadlines"]):
            seen.append((verb, len(parameters) if many else cursor.rowcount))

    event.listen(rig.app.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(rig.app.engine, "after_cursor_execute", after)


def stored_deadlines(rig: Any) -> dict[str, dict[str, Any]]:
    """Every column of the case's deadline rows by key, dates as ISO text (as SQLite hands them back)."""
    rows = rig.rows("SELECT * FROM deadlines ORDER BY key")
    return {r["key"]: {k: v.isoformat() if isinstance(v, date) else v for k, v in r.items()} for r in rows}


def test_a_step_writes_only_the_deadline_rows_it_changes_in_place(rig: Any) -> None:
    """Rows whose key is gone are deleted, changed rows updated (their ids kept), new keys inserted, the
    others untouched. Planted bugs caught: every row rewritten (delete and insert again), a changed row
    not updated (rows compared on their due dates only)."""
    rig.to_scoping("RR-1")
    before = stored_deadlines(rig)
    assert len(before) == 11
    # The templates' sending undone: the partners' and the meeting date's deadlines go, the templates'
    # is open again.
    with deadline_writes(rig) as writes:
        corrections.undo(rig.later(minutes=1).app, "RR-1", "sent too early")
    assert writes == [("DELETE", 7), ("UPDATE", 1)]
    after = stored_deadlines(rig)
    assert sorted(after) == ["meeting_held", "review_complete", "scoping_sent", "sin_notified"]
    assert after.pop("scoping_sent") == {
        **before["scoping_sent"],
        "met_on": None,
        "status": "due_soon",
        "next_fire_at": "2026-11-03T09:00:00.000000Z",
    }
    assert after == {k: before[k] for k in ("meeting_held", "review_complete", "sin_notified")}
    # Sent again: the seven keys come back as new rows, the templates' is met again.
    with deadline_writes(rig) as writes:
        commands.scoping_send(rig.later(minutes=1).app, "RR-1", ["la", "police", "health"])
    assert writes == [("UPDATE", 1), ("INSERT", 7)]
    before = stored_deadlines(rig)
    assert sorted(before) == [
        "meeting_date_set",
        "meeting_held",
        "records_secured:health",
        "records_secured:la",
        "records_secured:police",
        "review_complete",
        "scoping_returned:health",
        "scoping_returned:la",
        "scoping_returned:police",
        "scoping_sent",
        "sin_notified",
    ]
    assert before["scoping_sent"]["met_on"] == "2026-11-03"
    # An extension moves one due date: that row alone is updated.
    with deadline_writes(rig) as writes:
        commands.extend(rig.later(minutes=1).app, "RR-1", "sin_notified", date(2026, 11, 13), "police asked")
    assert writes == [("UPDATE", 1)]
    after = stored_deadlines(rig)
    assert after.pop("sin_notified") == {
        **before.pop("sin_notified"),
        "due": "2026-11-13",
        "due_soon_from": "2026-11-12",
        "deviation": "extended",
        "reason": "police asked",
        "status": "extended",
        "next_fire_at": "2026-11-12T09:00:00.000000Z",
    }
    assert after == before


def test_a_tick_leaves_alone_a_deadline_a_step_changed_after_the_tick_read_it(rig: Any) -> None:
    """The tick's read, a concurrent extension, then the tick storing the next moments it worked out (as
    on PostgreSQL, where the tick's UPDATE waits for the extension to commit): the extended row keeps the
    moment the extension wrote. Planted bug caught: the tick updating the row by its id alone."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.open_case("RR-1", received=RECEIVED)
    rig.at(datetime(2026, 11, 6, 9, 30))  # the SIN's reminder (Fri 6 Nov 09:00) has come
    moved: list[dict[str, Any]] = []
    zone = ZoneInfo(rig.app.calendar.settings.timezone)
    with rig.app.uow() as uow:
        assert list(notices._candidates(rig.app, uow, rig.clock.now(), zone, moved))
    commands.extend(rig.later(minutes=1).app, "RR-1", "sin_notified", date(2026, 11, 13), "police asked")
    with rig.app.uow() as uow:
        notices._move_on(uow, moved)
        uow.commit()
    assert moments(rig)["sin_notified"] == "2026-11-12T09:00:00.000000Z"  # a day before the new date
    # The templates (due Wed 4 Nov, overdue): the extension left their due date and moment as the tick
    # read them, so they move on to their next escalation, Mon 9 Nov (every 2 working days from Thu 5).
    assert moments(rig)["scoping_sent"] == "2026-11-09T09:00:00.000000Z"


def test_a_reviews_step_writes_only_its_deadline_rows_that_change(rig: Any) -> None:
    """The reviewer appointed the day after the decision (Fri 13 Nov): the review's row for it is met in
    place and the terms of reference's is added (10 working days on: Fri 27 Nov); no other row is written.
    Planted bug caught: the review's rows all rewritten (delete and insert again)."""
    decided_and_closed(rig, "RR-1")
    before = stored_deadlines(rig)
    with deadline_writes(rig) as writes:
        reviews.appoint(rig.later(minutes=1).app, "RR-1", "Dr A Reviewer")
    assert writes == [("UPDATE", 1), ("INSERT", 1)]
    after = stored_deadlines(rig)
    added = after.pop("tor_agreed")
    assert {k: v for k, v in added.items() if k != "id"} == {
        "case_id": before["reviewer_appointed"]["case_id"],
        "key": "tor_agreed",
        "rule_key": "tor_agreed",
        "label": "Terms of reference agreed",
        "agency": None,
        "owner": "coordinator",
        "counts_from": "2026-11-13",
        "original_due": "2026-11-27",
        "due": "2026-11-27",
        "earliest": None,
        "due_soon_from": "2026-11-20",
        "met_on": None,
        "deviation": None,
        "reason": None,
        "status": "pending",
        "next_fire_at": "2026-11-20T09:00:00.000000Z",
        "review_id": before["reviewer_appointed"]["review_id"],
    }
    assert after.pop("reviewer_appointed") == {
        **before.pop("reviewer_appointed"),
        "met_on": "2026-11-13",
        "status": "met",
        "next_fire_at": None,
    }
    assert after == before

"""The hash-chained audit trail (docs/security.md, `rr audit verify`), on SQLite and PostgreSQL.

Real commands write the trail; the tests then tamper with `audit_events` directly in SQL, as someone with
database access could, and check that `queries.audit_verify` and `rr audit verify` both name the first
row at which the chain breaks.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import ATTENDEES, needs_postgres
from sqlalchemy import event, insert, select

from rr_workflow.adapters.db import audit
from rr_workflow.adapters.db import tables as t
from rr_workflow.cli.app import cli
from rr_workflow.service import commands, corrections, queries, reviews

CHANGED = "changed"
DELETED_OR_INSERTED = "deleted or inserted"


def rr_audit_verify(*args: str) -> Result:
    env = {name: os.environ.get(name) for name in ("RR_HOME", "RR_USER", "RR_DATABASE_URL")}
    return CliRunner().invoke(cli, ["audit", "verify", *args], env=env)


def chain(rig: Any) -> list[dict[str, Any]]:
    """The trail as typed rows (dates as dates), in id order."""
    with rig.app.engine.connect() as connection:
        query = select(t.audit_events).order_by(t.audit_events.c.id)
        return [dict(r) for r in connection.execute(query).mappings()]


def row_by_action(rig: Any, action: str) -> dict[str, Any]:
    return next(r for r in chain(rig) if r["action"] == action)


def position(rig: Any, row_id: int) -> int:
    """How many rows come before `row_id` (what `verify` reports as checked when it fails there)."""
    return sum(1 for r in chain(rig) if r["id"] < row_id)


def next_id(rig: Any, row_id: int) -> int:
    return min(r["id"] for r in chain(rig) if r["id"] > row_id)


@pytest.fixture
def trail(rig: Any) -> Any:
    """A case taken from referral to closure, plus a read of it: some 20 audit rows."""
    rig.run_procedure("RR-1")
    queries.case_show(rig.later().app, "RR-1")
    return rig


def assert_fault(rig: Any, row_id: int, problem: str, checked: int) -> None:
    n, fault = queries.audit_verify(rig.app)
    assert fault is not None, "the tampering went unnoticed"
    assert (fault.row_id, n) == (row_id, checked)
    assert problem in fault.problem

    result = rr_audit_verify()
    assert result.exit_code == 1, result.output
    assert f"audit row {row_id}:" in result.stderr
    assert problem in result.stderr
    assert result.stdout == ""

    result = rr_audit_verify("--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["checked"] == checked
    assert report["fault"]["row"] == row_id
    assert problem in report["fault"]["problem"]


# -- an untouched trail -------------------------------------------------------------------------------


def test_an_untouched_trail_verifies(trail: Any) -> None:
    rows = chain(trail)
    assert trail.verify() == (len(rows), None)
    actions = [r["action"] for r in rows]
    assert actions[0] == "database_created"
    assert actions.count("agency_added") == 4
    for expected in ("case_opened", "send_scoping", "record_sin", "hold_meeting", "close", "case_viewed"):
        assert expected in actions
    assert {r["actor"] for r in rows} == {"coord"}

    result = rr_audit_verify()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"ok: {len(rows)} audit rows, chain intact; 1 cases match their trails"

    result = rr_audit_verify("--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "checked": len(rows),
        "ok": True,
        "fault": None,
        "cases": 1,
        "case_fault": None,
        "checkpoints": 0,
        "witness_fault": None,
    }


def test_each_row_links_to_the_one_before(trail: Any) -> None:
    previous = audit.GENESIS
    for row in chain(trail):
        assert row["prev_hash"] == previous
        assert row["hash"] == audit.row_hash(previous, row)
        previous = row["hash"]


def test_a_failed_command_leaves_no_audit_row(trail: Any) -> None:
    """A refused command changes nothing, the trail included: the chain still verifies."""
    from rr_workflow.domain.errors import Refused
    from rr_workflow.service import commands

    before = chain(trail)
    with pytest.raises(Refused):
        commands.submit(trail.later().app, "RR-1")  # the case is closed
    assert chain(trail) == before
    assert trail.verify() == (len(before), None)


# -- changing a row ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"agency": "school"}'),
        ("actor", "mallory"),
        ("recorded_at", "2026-11-03T09:00:00.000000Z"),
        ("effective_on", date(2026, 11, 2)),
        ("action", "case_viewed"),
        ("from_state", "referred"),
        ("to_state", "closed"),
        ("case_ref", "RR-2"),
    ],
)
def test_changing_any_column_of_a_row_is_detected_at_that_row(trail: Any, column: str, value: Any) -> None:
    target = row_by_action(trail, "record_sin")
    assert target[column] != value
    trail.tamper(f"UPDATE audit_events SET {column} = :value WHERE id = :id", value=value, id=target["id"])

    assert_fault(trail, target["id"], CHANGED, position(trail, target["id"]))


def test_changing_a_row_and_rehashing_it_is_detected_at_the_next_row(trail: Any) -> None:
    """A forger who recomputes the changed row's own hash breaks the link to the row after it."""
    target = row_by_action(trail, "decide")
    forged = {**target, "details": json.dumps({"actions": 0, "outcome": "national_cspr"}, sort_keys=True)}
    trail.tamper(
        "UPDATE audit_events SET details = :details, hash = :hash WHERE id = :id",
        details=forged["details"],
        hash=audit.row_hash(target["prev_hash"], forged),
        id=target["id"],
    )

    following = next_id(trail, target["id"])
    assert_fault(trail, following, DELETED_OR_INSERTED, position(trail, following))


# -- deleting rows ---------------------------------------------------------------------------------------


def test_deleting_a_middle_row_is_detected_at_the_next_row(trail: Any) -> None:
    target = row_by_action(trail, "schedule_meeting")
    following = next_id(trail, target["id"])
    trail.tamper("DELETE FROM audit_events WHERE id = :id", id=target["id"])

    assert_fault(trail, following, DELETED_OR_INSERTED, position(trail, following))


def test_deleting_the_first_row_is_detected_at_the_new_first_row(trail: Any) -> None:
    first, second = (r["id"] for r in chain(trail)[:2])
    trail.tamper("DELETE FROM audit_events WHERE id = :id", id=first)

    assert_fault(trail, second, DELETED_OR_INSERTED, 0)


def test_deleting_several_rows_names_the_first_break(trail: Any) -> None:
    rows = chain(trail)
    doomed = [rows[5]["id"], rows[6]["id"], rows[12]["id"]]
    trail.tamper(f"DELETE FROM audit_events WHERE id IN ({', '.join(map(str, doomed))})")

    assert_fault(trail, rows[7]["id"], DELETED_OR_INSERTED, 5)


# -- inserting rows -------------------------------------------------------------------------------------


def _shift_ids_after(rig: Any, row_id: int) -> None:
    """Make room for a row after `row_id`: move every later row's id on by one (in two steps, so the
    primary key never collides part-way through an UPDATE)."""
    rig.tamper("UPDATE audit_events SET id = id + 1000000 WHERE id > :id", id=row_id)
    rig.tamper("UPDATE audit_events SET id = id - 999999 WHERE id > 1000000")


def _insert(rig: Any, row: dict[str, Any]) -> None:
    with rig.app.engine.begin() as connection:
        connection.execute(insert(t.audit_events).values(**row))


def _forgery(after: dict[str, Any], row_id: int) -> dict[str, Any]:
    """A plausible extra row chained properly onto `after`: only the next row can give it away."""
    content = {
        "case_ref": "RR-1",
        "actor": "coord",
        "recorded_at": after["recorded_at"],
        "effective_on": after["effective_on"],
        "action": "waive",
        "from_state": after["to_state"],
        "to_state": after["to_state"],
        "details": json.dumps({"deadline": "sin_notified"}),
    }
    return {
        **content,
        "id": row_id,
        "prev_hash": after["hash"],
        "hash": audit.row_hash(after["hash"], content),
    }


def test_a_forged_row_inserted_in_the_middle_is_detected_at_the_row_after_it(trail: Any) -> None:
    before = row_by_action(trail, "record_sin")
    displaced = next_id(trail, before["id"])
    _shift_ids_after(trail, before["id"])
    _insert(trail, _forgery(before, before["id"] + 1))

    # The forged row itself chains properly; the original next row (now one id on) no longer does.
    assert_fault(trail, displaced + 1, DELETED_OR_INSERTED, position(trail, before["id"]) + 2)


def test_a_forged_row_with_a_made_up_hash_is_detected_at_itself(trail: Any) -> None:
    before = row_by_action(trail, "record_sin")
    _shift_ids_after(trail, before["id"])
    forged = {**_forgery(before, before["id"] + 1), "hash": "f" * 64}
    _insert(trail, forged)

    assert_fault(trail, before["id"] + 1, CHANGED, position(trail, before["id"]) + 1)


def test_a_row_replaced_under_its_own_id_and_hash_is_detected_at_that_row(trail: Any) -> None:
    """Delete a row and put another in its place, keeping the original id, prev_hash and hash."""
    target = row_by_action(trail, "submit")
    trail.tamper("DELETE FROM audit_events WHERE id = :id", id=target["id"])
    _insert(trail, {**target, "actor": "mallory", "details": json.dumps({"note": "nothing to see"})})

    assert_fault(trail, target["id"], CHANGED, position(trail, target["id"]))


def test_a_row_replaced_with_a_fresh_hash_is_detected_at_the_next_row(trail: Any) -> None:
    target = row_by_action(trail, "submit")
    previous = max((r for r in chain(trail) if r["id"] < target["id"]), key=lambda r: r["id"])
    trail.tamper("DELETE FROM audit_events WHERE id = :id", id=target["id"])
    _insert(trail, _forgery(previous, target["id"]))

    following = next_id(trail, target["id"])
    assert_fault(trail, following, DELETED_OR_INSERTED, position(trail, following))


def test_swapping_two_rows_is_detected(trail: Any) -> None:
    rows = chain(trail)
    a, b = rows[8]["id"], rows[9]["id"]
    trail.tamper("UPDATE audit_events SET id = -1 WHERE id = :a", a=a)
    trail.tamper("UPDATE audit_events SET id = :a WHERE id = :b", a=a, b=b)
    trail.tamper("UPDATE audit_events SET id = :b WHERE id = -1", b=b)

    assert_fault(trail, a, DELETED_OR_INSERTED, 8)


# -- the chain keeps going after the application writes again ---------------------------------------------


def test_new_rows_after_a_break_do_not_hide_it(trail: Any) -> None:
    target = row_by_action(trail, "record_sin")
    trail.tamper("UPDATE audit_events SET actor = 'mallory' WHERE id = :id", id=target["id"])
    queries.case_show(trail.later().app, "RR-1")  # appends a row chained onto the (intact) last one

    assert_fault(trail, target["id"], CHANGED, position(trail, target["id"]))


# -- the newest row --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "value"), [("actor", "mallory"), ("details", '{"forged": true}')])
def test_changing_the_newest_row_is_detected_at_that_row(trail: Any, column: str, value: Any) -> None:
    """Planted bug caught: `verify` stopping before the last row but still counting it."""
    rows = chain(trail)
    newest = rows[-1]
    assert newest["action"] == "case_viewed"
    trail.tamper(f"UPDATE audit_events SET {column} = :value WHERE id = :id", value=value, id=newest["id"])

    assert_fault(trail, newest["id"], CHANGED, len(rows) - 1)


def test_a_forged_row_appended_with_a_made_up_hash_is_detected_at_itself(trail: Any) -> None:
    rows = chain(trail)
    forged = {**_forgery(rows[-1], rows[-1]["id"] + 1), "hash": "e" * 64}
    _insert(trail, forged)

    assert_fault(trail, forged["id"], CHANGED, len(rows))


def test_a_forged_row_appended_onto_the_wrong_row_is_detected_at_itself(trail: Any) -> None:
    rows = chain(trail)
    forged = _forgery(rows[-2], rows[-1]["id"] + 1)  # chained onto the row before the newest
    _insert(trail, forged)

    assert_fault(trail, forged["id"], DELETED_OR_INSERTED, len(rows))


def test_a_cases_history_is_its_own_rows_in_order(trail: Any) -> None:
    """Planted bug caught: the history ordered newest first, or holding rows of no case (set-up rows)."""
    with trail.app.engine.connect() as connection:
        history = audit.case_history(connection, "RR-1")
        assert audit.case_history(connection, "RR-2") == []
    assert history == [r for r in chain(trail) if r["case_ref"] == "RR-1"]
    actions = [r["action"] for r in history]
    assert actions[:3] == ["case_opened", "send_scoping", "record_sin"]
    assert actions[-2:] == ["close", "case_viewed"]
    assert len(actions) == 19  # the finished report attached before the submission, the Panel's response


def test_a_cases_history_stays_in_id_order_when_the_rows_are_stored_out_of_order(trail: Any) -> None:
    """On PostgreSQL an updated row moves to the end of the table: without ORDER BY it would be read last.

    Planted bug caught (on PostgreSQL): `case_history` without its ORDER BY. On SQLite the rows are always
    stored in id order, so there the query without ORDER BY is equivalent."""
    first = chain(trail)[0]["id"]
    opened = row_by_action(trail, "case_opened")["id"]
    trail.tamper("UPDATE audit_events SET actor = actor WHERE id IN (:a, :b)", a=first, b=opened)
    with trail.app.engine.connect() as connection:
        history = audit.case_history(connection, "RR-1")
    assert [r["action"] for r in history][:2] == ["case_opened", "send_scoping"]
    assert [r["id"] for r in history] == sorted(r["id"] for r in history)


def test_a_step_takes_the_audit_lock_last_just_before_its_commit(pg_rig: Any) -> None:
    """Every change of every case queues for the one audit chain (PostgreSQL: an advisory lock held until
    the commit), so a step takes it after all its other work: the deadlines and the events, then commits.
    Its letters are written after that commit, in a transaction of their own that takes no audit lock.
    Planted bugs caught: appending the audit row where the step records it (work came after the lock);
    writing the letters inside the step's transaction (they came between the lock and the commit); the
    head read in a statement of its own again."""
    from rr_workflow.service import commands

    rig = pg_rig
    rig.at(datetime(2026, 11, 2, 10, 0)).open_case("RR-1")
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def committed(_conn: Any) -> None:
        statements.append("COMMIT")

    event.listen(rig.app.engine, "before_cursor_execute", record)
    event.listen(rig.app.engine, "commit", committed)
    try:
        commands.scoping_send(rig.later(minutes=1).app, "RR-1", ["la", "police", "health"])
    finally:
        event.remove(rig.app.engine, "before_cursor_execute", record)
        event.remove(rig.app.engine, "commit", committed)
    locks = [i for i, s in enumerate(statements) if "pg_advisory_xact_lock" in s]
    assert len(locks) == 1
    # the lock and, after it in the same round trip, the read of the trail's head
    lock, head = statements[locks[0]].split(";")
    assert lock.strip().startswith("SELECT pg_advisory_xact_lock(")
    assert "FROM audit_events" in head and "ORDER BY audit_events.id DESC" in head
    step_commit = statements.index("COMMIT", locks[0])
    between = statements[locks[0] + 1 : step_commit]
    assert len(between) == 1, between
    assert between[0].startswith("INSERT INTO audit_events")
    # the letters' documents go in with one INSERT (a batch of rows) after the step's commit
    assert any(s.startswith("INSERT INTO documents") for s in statements[step_commit:])
    assert not any(s.startswith("INSERT INTO documents") for s in statements[:step_commit])


def test_an_append_waiting_for_the_lock_chains_from_the_row_it_waited_for(pg_rig: Any) -> None:
    """PostgreSQL: the lock and the read of the head go in one round trip (two statements in one query
    string). An append that waits for the lock must read the head after it is granted: the row the
    other transaction committed meanwhile, not the head as it was when its query string arrived.
    Planted bugs caught: the head read before the lock in the same string; the two in one statement
    (`SELECT hash, pg_advisory_xact_lock(...)`: its snapshot is taken before the wait)."""
    rig = pg_rig
    rig.at(datetime(2026, 11, 2, 10, 0)).open_case("RR-1")
    engine = rig.app.engine
    row = {"actor": "coord", "recorded_at": "2026-11-02T10:01:00.000000Z", "case_ref": "RR-1"}
    holder = engine.connect()
    holder.begin()
    audit.append(holder, action="first", **row)  # holds the lock until its commit
    waited: list[BaseException] = []

    def second() -> None:
        try:
            with engine.begin() as connection:
                audit.append(connection, action="second", **row)
        except BaseException as error:  # reported below
            waited.append(error)

    import threading
    import time

    thread = threading.Thread(target=second)
    thread.start()
    try:
        for _ in range(500):  # bounded: until the second append waits for the lock (at most 5 s)
            if rig.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the second append never waited for the lock")
        holder.commit()
    finally:
        holder.close()
        thread.join(timeout=10)
    assert not thread.is_alive() and waited == []
    rows = chain(rig)
    assert [r["action"] for r in rows[-2:]] == ["first", "second"]
    assert rows[-1]["prev_hash"] == rows[-2]["hash"]
    assert queries.audit_verify(rig.app) == (len(rows), None)


# -- replaying each case's trail against its stored state --------------------------------------------


@pytest.fixture
def two_cases(rig: Any) -> Any:
    """RR-2 opened before RR-1 (so the case table holds them out of the order of their references), each
    with its one step so far: case_opened, from nothing to `referred`."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    rig.open_case("RR-2")
    rig.later().open_case("RR-1")
    return rig


def step(rig: Any, ref: str | None, action: str, from_state: str | None, to_state: str | None) -> int:
    """Append a row to the trail as the application would (the chain stays intact); returns its id."""
    with rig.app.engine.begin() as connection:
        audit.append(
            connection,
            actor="coord",
            recorded_at="2026-11-03T10:00:00.000000Z",
            action=action,
            case_ref=ref,
            from_state=from_state,
            to_state=to_state,
        )
        return int(
            connection.execute(select(t.audit_events.c.id).order_by(t.audit_events.c.id.desc())).scalar()
        )


def replay(rig: Any) -> tuple[int, Any]:
    with rig.app.engine.connect() as connection:
        return audit.replay(connection)


def fault(ref: str, problem: str) -> audit.CaseFault:
    return audit.CaseFault(ref, problem)


def test_cases_whose_trails_end_in_their_states_replay(two_cases: Any) -> None:
    step(two_cases, "RR-2", "send_scoping", "referred", "scoping")
    step(two_cases, "RR-2", "case_viewed", "scoping", None)  # a read: not a step, ignored
    two_cases.execute("UPDATE cases SET state = 'scoping' WHERE ref = 'RR-2'")
    assert replay(two_cases) == (2, None)


def test_a_state_changed_behind_the_trail_is_named_with_the_last_row(two_cases: Any) -> None:
    """Planted bugs caught: reads (rows without a stage) taken as steps, the last stage not compared, or
    the message naming the second step's stage or row instead of the last one's."""
    step(two_cases, "RR-2", "send_scoping", "referred", "scoping")
    last = step(two_cases, "RR-2", "schedule_meeting", "scoping", "meeting_scheduled")
    step(two_cases, "RR-2", "case_viewed", "meeting_scheduled", None)
    two_cases.execute("UPDATE cases SET state = 'closed' WHERE ref = 'RR-2'")
    assert replay(two_cases) == (
        1,
        fault("RR-2", f"the case is 'closed' but its trail ends in 'meeting_scheduled' (row {last})"),
    )


def test_a_row_of_no_case_is_not_replayed_as_a_case(two_cases: Any) -> None:
    """Set-up rows belong to no case. Planted bug caught: the rows without a case gathered as the trail of
    a case named None (then reported as a case the database no longer holds)."""
    step(two_cases, None, "settings_changed", "before", "after")
    assert replay(two_cases) == (2, None)


def test_a_trail_is_replayed_in_the_order_it_was_recorded(two_cases: Any) -> None:
    """On PostgreSQL an updated row moves to the end of the table, so without ORDER BY the opening would
    be read after the step that followed it. Planted bug caught (on PostgreSQL): the trail's query without
    its ORDER BY; on SQLite rows are always read in id order, so there it is equivalent."""
    step(two_cases, "RR-2", "send_scoping", "referred", "scoping")
    two_cases.execute("UPDATE cases SET state = 'scoping' WHERE ref = 'RR-2'")
    two_cases.tamper(
        "UPDATE audit_events SET actor = actor WHERE case_ref = 'RR-2' AND action = 'case_opened'"
    )
    assert replay(two_cases) == (2, None)


def test_a_case_without_a_step_is_named_after_the_cases_checked_in_order_of_reference(two_cases: Any) -> None:
    """Planted bugs caught: the cases read in the table's order (RR-2 first, 0 checked), the fault naming
    no case or no problem."""
    two_cases.tamper("DELETE FROM audit_events WHERE case_ref = 'RR-2'")
    assert replay(two_cases) == (1, fault("RR-2", "the case has no recorded step in the trail"))


def test_a_trail_not_starting_with_the_opening_names_its_first_row(two_cases: Any) -> None:
    """Planted bug caught: the row named being the second step, or the first step's stage."""
    first = step(two_cases, "RR-2", "send_scoping", "referred", "scoping")
    step(two_cases, "RR-2", "record_sin", "scoping", "scoping")
    two_cases.tamper("DELETE FROM audit_events WHERE case_ref = 'RR-2' AND action = 'case_opened'")
    two_cases.execute("UPDATE cases SET state = 'scoping' WHERE ref = 'RR-2'")
    assert replay(two_cases) == (
        1,
        fault("RR-2", f"its trail starts at row {first}, not with the case's opening"),
    )


def test_a_step_not_starting_where_the_one_before_ended_is_named(two_cases: Any) -> None:
    step(two_cases, "RR-2", "send_scoping", "referred", "scoping")
    jump = step(two_cases, "RR-2", "hold_meeting", "meeting_scheduled", "meeting_held")
    two_cases.execute("UPDATE cases SET state = 'meeting_held' WHERE ref = 'RR-2'")
    assert replay(two_cases) == (
        1,
        fault("RR-2", f"row {jump} starts from 'meeting_scheduled' but the step before ended in 'scoping'"),
    )


def test_a_trail_of_a_case_no_longer_held_is_named_first_in_order(two_cases: Any) -> None:
    step(two_cases, "RR-4", "case_opened", None, "referred")
    step(two_cases, "RR-3", "case_opened", None, "referred")
    assert replay(two_cases) == (2, fault("RR-3", "the trail records a case the database no longer holds"))


def test_a_simulation_database_is_not_replayed(two_cases: Any) -> None:
    """The simulator's throw-away cases have no trail of steps: a database holding a simulation row
    replays nothing (0 cases checked), even where a case disagrees with its trail.
    Planted bug caught: the simulation row looked for under another action, or not at all."""
    two_cases.execute("UPDATE cases SET state = 'closed' WHERE ref = 'RR-2'")
    step(two_cases, None, "simulation", None, None)
    assert replay(two_cases) == (0, None)


def test_a_cases_history_is_found_by_its_reference_in_any_case(two_cases: Any) -> None:
    """Planted bugs caught: the reference matched with its case (rr-1 finds nothing), or the stored
    reference not used for the look-up."""
    with two_cases.app.engine.connect() as connection:
        exact = audit.case_history(connection, "RR-1")
        assert [(r["case_ref"], r["action"]) for r in exact] == [("RR-1", "case_opened")]
        assert audit.case_history(connection, "rr-1") == exact
        assert audit.case_history(connection, "Rr-1") == exact
        assert audit.case_history(connection, "RR-9") == []


def test_a_date_changed_behind_the_trail_is_named_with_both_dates(two_cases: Any) -> None:
    """The stages agree with the trail, but the date the partnership became aware of RR-2 (Mon 2 Nov 2026,
    as opened) was edited in the cases table. Planted bugs caught: the dates not replayed, or the fault
    naming no case or no problem."""
    two_cases.execute("UPDATE cases SET aware = '2026-10-30' WHERE ref = 'RR-2'")
    assert replay(two_cases) == (
        2,
        fault("RR-2", "its trail dates aware 2026-11-02 but the case holds 2026-10-30"),
    )


def test_a_date_stored_as_text_is_read_as_its_day() -> None:
    """A driver that hands back a Date column as text ('2026-03-02' or with a time after it) is read as
    the day. Planted (mutation run, 26 Nov 2026): the text parsed as None or str(None), or cut at 11
    characters ('2026-03-02 ' is no date)."""
    assert audit._as_date("2026-03-02 00:00:00") == date(2026, 3, 2)
    assert audit._as_date("2026-03-02") == date(2026, 3, 2)
    assert audit._as_date(date(2026, 3, 2)) == date(2026, 3, 2)
    assert audit._as_date(None) is None


def test_a_row_of_a_case_not_held_that_records_no_step_has_no_dates_to_compare(two_cases: Any) -> None:
    """A read recorded under a reference the database does not hold (no step, so not a case's trail):
    its dates are compared with none. Planted (mutation run): the stored dates looked up with no default
    for such a reference (a TypeError instead of a verdict)."""
    step(two_cases, "RR-9", "case_viewed", None, None)
    assert replay(two_cases) == (2, None)


# -- the review that follows, an undone step, and rows stored out of order ------------------------------


def walk_to_decision(rig: Any, ref: str, outcome: str, inquorate_first: bool = False) -> None:
    """Referral to the decision `outcome` (Thu 12 Nov 2026; with `inquorate_first`, a first meeting that
    day found inquorate and the decision at a second on Fri 13 Nov)."""
    rig.to_meeting_day(ref)
    if inquorate_first:
        commands.meeting_inquorate(rig.app, ref, ["la:A Smith"])
        commands.meeting_schedule(rig.later(minutes=1).app, ref, date(2026, 11, 13))
        rig.at(datetime(2026, 11, 13, 15, 0))
    commands.meeting_held(rig.app, ref, list(ATTENDEES))
    commands.decide(rig.later(minutes=1).app, ref, outcome, "learning for the area", ["la: safety plan"])


def test_a_review_is_replayed_on_its_own_trail_and_not_counted_as_a_case(rig: Any) -> None:
    """The review's rows (`review_...`) are kept out of the case's trail and replayed against the review's
    state. Planted (mutation run): the review's rows left in the case's trail (its opening then breaks the
    case's chain of stages), the reviews read without their case or state, or the review counted as a
    case checked (2, not 1)."""
    walk_to_decision(rig, "RR-1", "local_cspr")
    reviews.appoint(rig.later(minutes=1).app, "RR-1", "A Reviewer")
    reviews.tor_agreed(rig.later(minutes=1).app, "RR-1")
    actions = [r["action"] for r in chain(rig) if r["action"].startswith("review_")]
    assert actions == ["review_opened", "review_appoint", "review_agree_tor"]
    assert replay(rig) == (1, None)


def test_a_reviews_state_changed_behind_its_trail_is_named_as_the_cases_review(rig: Any) -> None:
    """Planted (mutation run): the reviews' states not compared with their trail (the review's rows
    filed under the case, or under no review)."""
    walk_to_decision(rig, "RR-1", "local_cspr")
    reviews.appoint(rig.later(minutes=1).app, "RR-1", "A Reviewer")
    last = row_by_action(rig, "review_appoint")
    rig.execute("UPDATE reviews SET state = 'review_draft'")
    assert replay(rig) == (
        1,
        fault(
            "RR-1 (its review)",
            f"the case is 'review_draft' but its trail ends in {last['to_state']!r} (row {last['id']})",
        ),
    )


def test_an_undone_step_is_replayed_as_undone(rig: Any) -> None:
    """The SIN recorded then undone: the case holds no SIN date, and neither does its replayed trail.
    Planted (mutation run): the trail's rows replayed without their ids (the undo then finds no step to
    reverse, and the SIN's date stays in the replay)."""
    rig.to_scoping("RR-1")
    commands.sin_notified(rig.later(minutes=1).app, "RR-1")
    corrections.undo(rig.later(minutes=1).app, "RR-1", "recorded against the wrong case")
    assert rig.case_row("RR-1")["sin_notified_on"] is None
    assert replay(rig) == (1, None)


@needs_postgres
def test_a_correction_is_replayed_after_its_step_when_the_steps_row_is_stored_after_it(pg_rig: Any) -> None:
    """On PostgreSQL an updated row moves to the end of the table. The scoping sent to the police on Tue 3
    Nov is corrected to Mon 2 Nov, then the sending's row is rewritten in place: read in the table's order
    it would come after its correction, and the replay would date the sending 3 Nov.
    Planted (on PostgreSQL): the dates' replay ordered by case alone (not by row within a case). On
    SQLite rows are read in id order, so there that mutant is equivalent."""
    pg_rig.to_scoping("RR-1")
    corrections.correct(pg_rig.later().app, "RR-1", "scoping-sent", "police", date(2026, 11, 2), "typed")
    pg_rig.tamper("UPDATE audit_events SET actor = actor WHERE action = 'send_scoping'")
    assert replay(pg_rig) == (1, None)


@needs_postgres
def test_the_meeting_held_is_the_latest_when_an_earlier_ones_row_is_stored_after_it(pg_rig: Any) -> None:
    """An inquorate meeting on Thu 12 Nov, the decision at a second meeting on Fri 13 Nov; the first
    meeting's row is then rewritten in place (it moves to the end of the table on PostgreSQL).
    Planted (on PostgreSQL): the stored meetings read by case alone, not in order of number (the first
    meeting's day would stand for the meeting held). On SQLite rows are read in the order stored."""
    walk_to_decision(pg_rig, "RR-1", "no_review", inquorate_first=True)
    pg_rig.execute("UPDATE meetings SET held_on = held_on WHERE number = 1")
    assert replay(pg_rig) == (1, None)

"""Two coordinators changing the same case at the same moment: exit 4, nothing changed.

On PostgreSQL two commands really do run side by side: each thread has its own application (its own
engine, as two `rr` processes would) whose unit of work waits at a barrier just before its first write,
so both have loaded the case before either writes. Exactly one must win; the other gets `Conflict`, and
the database holds the winner's change alone, the case's version moved on once, and the audit chain is
intact. SQLite takes the write lock when a transaction begins, so there the two commands queue instead:
both succeed, one after the other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import make_engine
from rr_workflow.adapters.db.unit_of_work import CaseRepository, UnitOfWork
from rr_workflow.domain.errors import Conflict
from rr_workflow.service import commands
from rr_workflow.service.app import App
from rr_workflow.service.clock import FixedClock

BARRIER_TIMEOUT = 20


class BarrierUnitOfWork(UnitOfWork):
    """A unit of work that waits for the other command at one point (`pause`), once per command.

    By default the point is `before_writing`: just before the first write of every step (its case row,
    written by `touch`, or an explicit flush), when the case has been loaded and changed in memory but
    nothing has reached the database yet.
    """

    barrier: threading.Barrier | None = None

    def pause(self) -> None:
        if self.barrier is not None:
            barrier, self.barrier = self.barrier, None
            barrier.wait(timeout=BARRIER_TIMEOUT)

    def before_writing(self) -> None:
        self.pause()

    def touch(self, case: Any, moment: str) -> None:
        self.before_writing()
        super().touch(case, moment)

    def flush(self) -> None:
        self.before_writing()
        super().flush()


@dataclass
class BarrierApp(App):
    barrier: threading.Barrier | None = None
    uow_class: type[BarrierUnitOfWork] = BarrierUnitOfWork

    def uow(self, sync_later: bool = False) -> UnitOfWork:
        uow = self.uow_class(self.engine, sync_later=sync_later)
        uow.barrier = self.barrier
        return uow


Command = Callable[[App], Any]


@dataclass
class Outcome:
    name: str
    result: Any = None
    error: BaseException | None = None


def race(
    rig: Any,
    contenders: dict[str, Command],
    moments: list[datetime],
    uow_class: type[BarrierUnitOfWork] = BarrierUnitOfWork,
) -> dict[str, Outcome]:
    """Run the commands in threads, each on its own engine and clock, released together at the barrier."""
    barrier = threading.Barrier(len(contenders))
    outcomes = {name: Outcome(name) for name in contenders}
    apps = []
    for moment in moments:
        apps.append(
            BarrierApp(
                home=rig.home,
                engine=make_engine(rig.url),
                actor=rig.app.actor,
                clock=FixedClock(moment),
                mode=rig.app.mode,
                barrier=barrier,
                uow_class=uow_class,
            )
        )

    def run(name: str, command: Command, app: App) -> None:
        try:
            outcomes[name].result = command(app)
        except BaseException as error:
            outcomes[name].error = error
            barrier.abort()  # the other thread must not wait for one that has failed

    threads = [
        threading.Thread(target=run, args=(name, command, app), daemon=True)
        for (name, command), app in zip(contenders.items(), apps, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT * 3)
    assert not any(thread.is_alive() for thread in threads), "a command hung"
    for app in apps:
        app.engine.dispose()
    return outcomes


def winner_and_loser(outcomes: dict[str, Outcome]) -> tuple[Outcome, Outcome]:
    errors = {o.name: repr(o.error) for o in outcomes.values() if o.error is not None}
    winners = [o for o in outcomes.values() if o.error is None]
    losers = [o for o in outcomes.values() if o.error is not None]
    assert len(winners) == 1 and len(losers) == 1, f"expected one success and one Conflict, got {errors}"
    assert isinstance(losers[0].error, Conflict), f"the loser got {losers[0].error!r}, not Conflict"
    return winners[0], losers[0]


def snapshot(rig: Any, ref: str = "RR-1") -> dict[str, Any]:
    return {
        "version": rig.case_row(ref)["version"],
        "audit": rig.scalar("SELECT count(*) FROM audit_events"),
        "outbox": rig.scalar("SELECT count(*) FROM outbox"),
    }


def involvement(rig: Any, agency: str, ref: str = "RR-1") -> dict[str, Any]:
    case_id = rig.case_row(ref)["id"]
    query = select(t.involvements).where(
        t.involvements.c.case_id == case_id, t.involvements.c.agency == agency
    )
    with rig.app.engine.connect() as connection:
        return dict(connection.execute(query).mappings().one())


WED = datetime(2026, 11, 4, 10, 0)
TWO_MOMENTS = [WED, WED + timedelta(seconds=1)]


# -- PostgreSQL: real races -------------------------------------------------------------------------------


def test_sin_and_a_scoping_return_at_once_one_wins_the_other_conflicts(pg_rig: Any) -> None:
    pg_rig.to_scoping("RR-1")
    before = snapshot(pg_rig)

    outcomes = race(
        pg_rig,
        {
            "sin": lambda app: commands.sin_notified(app, "RR-1"),
            "return": lambda app: commands.scoping_returned(app, "RR-1", "la"),
        },
        TWO_MOMENTS,
    )
    winner, _ = winner_and_loser(outcomes)

    case = pg_rig.case_row()
    sin_recorded = case["sin_notified_on"] is not None
    returned = involvement(pg_rig, "la")["returned_on"] is not None
    assert (sin_recorded, returned) == ((True, False) if winner.name == "sin" else (False, True))
    after = snapshot(pg_rig)
    assert after == {
        "version": before["version"] + 1,
        "audit": before["audit"] + 1,
        "outbox": before["outbox"] + 1,
    }
    last = pg_rig.rows("SELECT action FROM audit_events ORDER BY id DESC LIMIT 1")[0]["action"]
    assert last == {"sin": "record_sin", "return": "return_scoping"}[winner.name]
    assert pg_rig.verify() == (after["audit"], None)


def test_two_returns_from_different_agencies_at_once_one_wins(pg_rig: Any) -> None:
    pg_rig.to_scoping("RR-1")
    before = snapshot(pg_rig)

    outcomes = race(
        pg_rig,
        {
            "la": lambda app: commands.scoping_returned(app, "RR-1", "la"),
            "police": lambda app: commands.scoping_returned(app, "RR-1", "police"),
        },
        TWO_MOMENTS,
    )
    winner, loser = winner_and_loser(outcomes)

    assert involvement(pg_rig, winner.name)["returned_on"] == date(2026, 11, 4)
    assert involvement(pg_rig, loser.name)["returned_on"] is None
    after = snapshot(pg_rig)
    assert after == {
        "version": before["version"] + 1,
        "audit": before["audit"] + 1,
        "outbox": before["outbox"] + 1,
    }
    assert pg_rig.verify() == (after["audit"], None)


def test_the_same_step_recorded_twice_at_once_is_saved_once(pg_rig: Any) -> None:
    pg_rig.to_scoping("RR-1")
    before = snapshot(pg_rig)

    outcomes = race(
        pg_rig,
        {
            "first": lambda app: commands.records_secured(app, "RR-1", "police", on=date(2026, 11, 3)),
            "second": lambda app: commands.records_secured(app, "RR-1", "police", on=date(2026, 11, 4)),
        },
        TWO_MOMENTS,
    )
    winner, _ = winner_and_loser(outcomes)

    expected_day = {"first": date(2026, 11, 3), "second": date(2026, 11, 4)}[winner.name]
    assert involvement(pg_rig, "police")["secured_on"] == expected_day
    after = snapshot(pg_rig)
    assert after["version"] == before["version"] + 1
    assert after["audit"] == before["audit"] + 1
    assert pg_rig.verify() == (after["audit"], None)


def test_a_state_change_racing_a_deviation_one_wins(pg_rig: Any) -> None:
    """Scheduling the meeting (a new state) against waiving a deadline on the same case."""
    pg_rig.to_scoping("RR-1")
    before = snapshot(pg_rig)

    outcomes = race(
        pg_rig,
        {
            "schedule": lambda app: commands.meeting_schedule(app, "RR-1", date(2026, 11, 12)),
            "waive": lambda app: commands.waive(app, "RR-1", "sin_notified", "LA sent it on paper"),
        },
        TWO_MOMENTS,
    )
    winner, _ = winner_and_loser(outcomes)

    case = pg_rig.case_row()
    meetings = pg_rig.scalar("SELECT count(*) FROM meetings")
    waived = pg_rig.scalar("SELECT count(*) FROM deviations")
    if winner.name == "schedule":
        assert (case["state"], meetings, waived) == ("meeting_scheduled", 1, 0)
    else:
        assert (case["state"], meetings, waived) == ("scoping", 0, 1)
    after = snapshot(pg_rig)
    assert after["version"] == before["version"] + 1
    assert pg_rig.verify() == (after["audit"], None)


def test_commands_on_different_cases_at_once_both_succeed_and_the_chain_does_not_fork(pg_rig: Any) -> None:
    pg_rig.to_scoping("RR-1")
    pg_rig.to_scoping("RR-2")
    audit_before = pg_rig.scalar("SELECT count(*) FROM audit_events")
    versions = {ref: pg_rig.case_row(ref)["version"] for ref in ("RR-1", "RR-2")}

    outcomes = race(
        pg_rig,
        {
            "RR-1": lambda app: commands.sin_notified(app, "RR-1"),
            "RR-2": lambda app: commands.sin_notified(app, "RR-2"),
        },
        TWO_MOMENTS,
    )

    assert all(o.error is None for o in outcomes.values()), {o.name: o.error for o in outcomes.values()}
    for ref in ("RR-1", "RR-2"):
        row = pg_rig.case_row(ref)
        assert row["sin_notified_on"] == date(2026, 11, 4)
        assert row["version"] == versions[ref] + 1
    assert pg_rig.verify() == (audit_before + 2, None)


# -- SQLite: the write lock makes commands queue ------------------------------------------------------------


def test_two_changes_one_after_the_other_both_succeed(sqlite_rig: Any) -> None:
    sqlite_rig.to_scoping("RR-1")
    version = sqlite_rig.case_row()["version"]
    audit_rows = sqlite_rig.scalar("SELECT count(*) FROM audit_events")

    case = commands.sin_notified(sqlite_rig.later().app, "RR-1")
    assert case.version == version + 1
    case = commands.scoping_returned(sqlite_rig.later().app, "RR-1", "la")
    assert case.version == version + 2

    row = sqlite_rig.case_row()
    assert row["version"] == version + 2
    assert row["sin_notified_on"] == date(2026, 11, 3)
    assert involvement(sqlite_rig, "la")["returned_on"] == date(2026, 11, 3)
    assert sqlite_rig.verify() == (audit_rows + 2, None)


def test_a_stale_copy_of_the_case_is_refused_with_conflict(sqlite_rig: Any) -> None:
    """The version check itself, without threads: a unit of work holding an old copy cannot save it."""
    sqlite_rig.to_scoping("RR-1")
    app = sqlite_rig.app
    stale = UnitOfWork(app.engine).__enter__()
    try:
        case = stale.cases.get("RR-1")
        # Keep the copy as loaded, and end the read transaction (and with it SQLite's write lock).
        stale.session.expunge(case)
        stale.session.rollback()
        commands.sin_notified(sqlite_rig.later().app, "RR-1")
        stale.session.add(case)
        case.summary = "changed from a stale copy"
        with pytest.raises(Conflict):
            stale.commit()
    finally:
        stale.__exit__(None, None, None)
    assert sqlite_rig.case_row()["summary"] == "test case"


def test_two_threads_on_sqlite_queue_and_both_succeed(sqlite_rig: Any) -> None:
    sqlite_rig.to_scoping("RR-1")
    version = sqlite_rig.case_row()["version"]
    audit_rows = sqlite_rig.scalar("SELECT count(*) FROM audit_events")
    start = threading.Barrier(2)

    def run(command: Command, moment: datetime, errors: list[BaseException]) -> None:
        app = App(
            sqlite_rig.home, make_engine(sqlite_rig.url), "coord", FixedClock(moment), sqlite_rig.app.mode
        )
        try:
            start.wait(timeout=BARRIER_TIMEOUT)
            command(app)
        except Exception as error:
            errors.append(error)
        finally:
            app.engine.dispose()

    errors: list[BaseException] = []
    threads = [
        threading.Thread(
            target=run, args=(lambda a: commands.sin_notified(a, "RR-1"), TWO_MOMENTS[0], errors)
        ),
        threading.Thread(
            target=run, args=(lambda a: commands.scoping_returned(a, "RR-1", "la"), TWO_MOMENTS[1], errors)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT * 3)
    assert errors == []
    assert sqlite_rig.case_row()["version"] == version + 2
    assert sqlite_rig.verify() == (audit_rows + 2, None)


# -- races that once slipped past the version check (regression tests) -----------------------------------


def test_changes_at_the_same_moment_still_move_the_version_on(rig: Any) -> None:
    rig.to_scoping("RR-1")  # the clock stays at the moment of this last change
    version = rig.case_row()["version"]

    commands.scoping_returned(rig.app, "RR-1", "la")
    commands.records_secured(rig.app, "RR-1", "la")

    assert rig.case_row()["version"] == version + 2


def test_two_returns_at_the_same_moment_one_gets_conflict(pg_rig: Any) -> None:
    pg_rig.to_scoping("RR-1")
    same = datetime(2026, 11, 3, 10, 0)  # the moment of the case's last change
    before = snapshot(pg_rig)

    outcomes = race(
        pg_rig,
        {
            "la": lambda app: commands.scoping_returned(app, "RR-1", "la"),
            "police": lambda app: commands.scoping_returned(app, "RR-1", "police"),
        },
        [same, same],
    )
    winner_and_loser(outcomes)
    assert snapshot(pg_rig)["version"] == before["version"] + 1


def test_the_same_reference_opened_twice_at_once_one_gets_conflict(pg_rig: Any) -> None:
    pg_rig.to_scoping("RR-1")  # the schedule version is already stored

    def open_rr9(referrer: str) -> Command:
        return lambda app: commands.case_open(app, "RR-9", date(2026, 11, 2), date(2026, 11, 2), referrer)

    outcomes = race(pg_rig, {"police": open_rr9("police"), "la": open_rr9("la")}, TWO_MOMENTS)
    winner_and_loser(outcomes)
    assert pg_rig.scalar("SELECT count(*) FROM cases WHERE ref = 'RR-9'") == 1


class _PausingRepository(CaseRepository):
    def __init__(self, session: Any, pause: Callable[[], None]) -> None:
        super().__init__(session)
        self._pause = pause

    def exists(self, ref: str) -> bool:
        found = super().exists(ref)
        self._pause()
        return found


class AfterExistsCheck(BarrierUnitOfWork):
    """Waits for the other command once `case_open` has checked that the reference is free."""

    def __enter__(self) -> AfterExistsCheck:
        super().__enter__()
        self.cases = _PausingRepository(self.session, self.pause)
        return self

    def before_writing(self) -> None:
        pass


def test_two_cases_opened_at_once_under_a_new_schedule_version(pg_rig: Any) -> None:
    def open_case(ref: str) -> Command:
        return lambda app: commands.case_open(app, ref, date(2026, 11, 2), date(2026, 11, 2), "police")

    outcomes = race(
        pg_rig, {"RR-8": open_case("RR-8"), "RR-9": open_case("RR-9")}, TWO_MOMENTS, AfterExistsCheck
    )

    errors = [o.error for o in outcomes.values() if o.error is not None]
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert len(errors) <= 1
    assert pg_rig.verify()[1] is None


def test_a_document_added_while_a_step_runs_on_the_same_case(pg_rig: Any, tmp_path: Path) -> None:
    pg_rig.to_scoping("RR-1")
    letter = tmp_path / "scoping-return.txt"
    letter.write_text("the police's completed scoping template")
    step_holds_case_row, doc_holds_audit_lock = threading.Event(), threading.Event()

    class Interleaved(BarrierUnitOfWork):
        """The step: flushed (so it holds the case row), then waits for the document to take the audit
        lock before appending its own row. The document: takes the audit lock once the step holds the row.
        Neither waits long for the other, so a product with one lock order runs straight through."""

        def before_writing(self) -> None:
            pass

        def audit(self, **row: Any) -> None:
            if row["action"] == "document_added":
                step_holds_case_row.wait(timeout=5)
                super().audit(**row)
                doc_holds_audit_lock.set()
                time.sleep(0.5)  # the step queues for the audit lock first, so PostgreSQL aborts the step
            else:
                step_holds_case_row.set()
                doc_holds_audit_lock.wait(timeout=5)
                super().audit(**row)

    before = snapshot(pg_rig)
    outcomes = race(
        pg_rig,
        {
            "doc": lambda app: commands.doc_add(app, "RR-1", "scoping_return", letter),
            "step": lambda app: commands.scoping_returned(app, "RR-1", "police"),
        },
        TWO_MOMENTS,
        Interleaved,
    )
    winner_and_loser(outcomes)
    assert snapshot(pg_rig)["version"] == before["version"] + 1
    assert pg_rig.verify()[1] is None


def test_every_change_to_a_case_moves_its_version_on_by_one(rig: Any) -> None:
    """The rig's procedure: the opening and 17 changes after it, each with its audit row. Planted bug
    caught: deciding with an action writing the case twice (its owner agency read halfway through)."""
    rig.run_procedure("RR-1")
    assert rig.case_row("RR-1")["version"] == 18
    assert rig.scalar("SELECT count(*) FROM audit_events WHERE case_ref = 'RR-1'") == 18

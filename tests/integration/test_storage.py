"""Storage and running: the schema and its migration, `rr init`, file permissions, the
training clock, and a case keeping the schedule version it was opened under. SQLite always, PostgreSQL
too when RR_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import gc
import re
import stat
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from rr_workflow.adapters.config import shipped_dir
from rr_workflow.adapters.db import migrate
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import make_engine
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import app as app_module
from rr_workflow.service import commands, queries, setup
from rr_workflow.service.app import open_app
from rr_workflow.service.clock import FixedClock

SHIPPED_SCHEDULE = shipped_dir("schedules") / "rapid_review.toml"


def test_the_code_runs_on_the_migrations_head() -> None:
    assert migrate.head_revision() == app_module.SCHEMA_REVISION


# -- the schema ------------------------------------------------------------------------------------------


# Neither dialect reflects an index on an expression: Alembic's comparison skips it (and says so); the
# test checks it by name and by what the database plans with it.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_the_migration_creates_every_table_of_the_model(database_url: str, home: Path) -> None:
    home.mkdir()
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            inspector = inspect(connection)
            tables = set(inspector.get_table_names())
            assert set(t.metadata.tables) <= tables
            assert tables - set(t.metadata.tables) == {"alembic_version"}
            for name, table in t.metadata.tables.items():
                columns = {c["name"] for c in inspector.get_columns(name)}
                assert columns == {c.name for c in table.columns}, name
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert revision == migrate.head_revision()
            # Alembic's own comparison: nothing in the model that the migration does not create.
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, t.whole_metadata()) == []
            if connection.dialect.name == "sqlite":
                plan = connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT ref FROM cases WHERE lower(ref) = 'rr-1'"
                ).all()
                assert [row[-1] for row in plan] == [
                    "SEARCH cases USING INDEX ix_cases_ref_folded (<expr>=?)"
                ]
            else:
                definition = connection.exec_driver_sql(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cases_ref_folded'"
                ).scalar()
                assert definition is not None and "lower((ref)::text)" in definition
        migrate.upgrade(engine)  # at head already: nothing to do, no error
    finally:
        engine.dispose()


def test_a_database_at_another_revision_is_refused(database_url: str, home: Path) -> None:
    setup.init(home=home, training=True)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    finally:
        engine.dispose()
    with pytest.raises(BadInput, match="rr init"):
        open_app(home=home)


# -- rr init ---------------------------------------------------------------------------------------------


def _people(url: str) -> tuple[list[Any], list[Any], int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            people = connection.execute(select(t.people).order_by(t.people.c.login)).all()
            roles = connection.execute(
                select(t.person_roles).order_by(t.person_roles.c.login, t.person_roles.c.role)
            ).all()
            created = connection.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'database_created'")
            ).scalar()
            return people, roles, created
    finally:
        engine.dispose()


def test_init_is_idempotent(database_url: str, home: Path) -> None:
    first = setup.init(home=home, training=True)
    after_first = _people(database_url)
    second = setup.init(home=home, training=True)

    assert (first["created"], second["created"]) == (True, False)
    assert first["mode"] == second["mode"] == "training"
    assert first["login"] == second["login"] == "coord"
    assert _people(database_url) == after_first
    people, roles, created = after_first
    assert [p.login for p in people] == ["coord"]
    assert [(r.login, r.role) for r in roles] == [("coord", "admin"), ("coord", "coordinator")]
    assert created == 1

    app = open_app(home=home, clock=FixedClock(datetime(2026, 11, 2, 10)), actor="coord")
    try:
        assert queries.audit_verify(app) == (2, None)  # database_created, person_added
    finally:
        app.engine.dispose()


def test_a_later_init_registers_nobody(database_url: str, home: Path, monkeypatch: Any) -> None:
    """Only the first init on an empty database registers its caller; `second` running init again on
    the training database (where RR_USER is who acts) gets no record and no role. Planted bug: the old
    init that registered every caller as coordinator and admin."""
    setup.init(home=home, training=True)
    monkeypatch.setenv("RR_USER", "second")
    result = setup.init(home=home, training=True)
    setup.init(home=home, training=True)
    people, roles, created = _people(database_url)
    assert [p.login for p in people] == ["coord"]
    assert sorted((r.login, r.role) for r in roles) == [("coord", "admin"), ("coord", "coordinator")]
    assert created == 1
    assert (result["login"], result["registered_now"], result["roles"]) == ("second", False, [])


def test_a_live_database_cannot_become_a_training_one(database_url: str, home: Path) -> None:
    setup.init(home=home)
    before = _people(database_url)
    with pytest.raises(BadInput, match="live"):
        setup.init(home=home, training=True)
    assert _people(database_url) == before
    assert setup.init(home=home)["mode"] == "live"


def test_init_reports_the_database_without_its_password(database_url: str, home: Path) -> None:
    result = setup.init(home=home)
    assert result["home"] == str(home)
    assert make_url(str(result["database"])).database == make_url(database_url).database


def test_init_refused_for_rr_now_on_a_live_database_changes_nothing(
    database_url: str, home: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("RR_NOW", "2026-11-02T10:00")
    with pytest.raises(BadInput, match="RR_NOW"):
        setup.init(home=home)
    monkeypatch.delenv("RR_NOW")

    result = setup.init(home=home)
    _, _, created = _people(database_url)
    assert (result["created"], created) == (True, 1)


# -- files readable by the service user only ------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_file_and_home_are_private(home: Path, tmp_path: Path) -> None:
    setup.init(home=home, training=True)
    # `rr init` is a process of its own: once it has ended, its connections (and SQLite's -wal and -shm
    # files, made while the new database file was still 0644) are gone. Let the garbage collector end them.
    gc.collect()
    app = open_app(home=home, clock=FixedClock(datetime(2026, 11, 3, 10)), actor="coord")
    try:
        setup.agency_add(app, "police", "Police", "police@agency.example", "police")
        commands.case_open(app, "RR-1", date(2026, 11, 2), date(2026, 11, 2), "police", child_name="A B")
        letter = tmp_path / "referral.txt"
        letter.write_text("referral form")
        stored = Path(commands.doc_add(app, "RR-1", "referral_form", letter)["path"])

        assert _mode(home) == 0o700  # nobody else can reach anything below it
        assert _mode(home / "rr.sqlite3") == 0o600
        assert _mode(stored.parent) == 0o700
        assert _mode(stored) == 0o600
        assert {p.name for p in home.iterdir()} >= {"rr.sqlite3", "rr.sqlite3-wal", "documents"}
        for path in home.rglob("*"):
            if path.is_file():
                assert _mode(path) & 0o077 == 0, f"{path.relative_to(home)}: {oct(_mode(path))}"
    finally:
        app.engine.dispose()


def test_every_folder_under_home_is_private_by_its_own_mode(sqlite_rig: Any, tmp_path: Path) -> None:
    sqlite_rig.to_scoping("RR-1")
    letter = tmp_path / "referral.txt"
    letter.write_text("referral form")
    commands.doc_add(sqlite_rig.later().app, "RR-1", "referral_form", letter)
    for path in sqlite_rig.home.rglob("*"):
        if path.is_dir():
            assert _mode(path) == 0o700, f"{path.relative_to(sqlite_rig.home)}: {oct(_mode(path))}"


def test_init_tightens_an_existing_home(home: Path) -> None:
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    setup.init(home=home)
    assert _mode(home) == 0o700
    assert _mode(home / "rr.sqlite3") == 0o600


# -- the clock: RR_NOW -------------------------------------------------------------------------------------


def test_a_live_database_refuses_rr_now(database_url: str, home: Path, monkeypatch: Any) -> None:
    setup.init(home=home)
    monkeypatch.setenv("RR_NOW", "2026-11-03T10:00")
    with pytest.raises(BadInput, match="RR_NOW"):
        open_app(home=home)


def test_a_training_database_honours_rr_now(database_url: str, home: Path, monkeypatch: Any) -> None:
    setup.init(home=home, training=True)
    monkeypatch.setenv("RR_NOW", "2026-11-03T10:00")
    app = open_app(home=home)
    try:
        assert app.training
        assert app.today() == date(2026, 11, 3)
        assert app.moment() == "2026-11-03T10:00:00.000000Z"  # London is on GMT in November
        setup.agency_add(app, "police", "Police", "police@agency.example", "police")
        commands.case_open(app, "RR-1", date(2026, 11, 2), date(2026, 11, 2), "police")
        with pytest.raises(BadInput, match="future"):
            commands.scoping_send(app, "RR-1", ["police"], on=date(2026, 11, 4))
        commands.scoping_send(app, "RR-1", ["police"])  # --on defaults to RR_NOW's date
        assert queries.case_show(app, "RR-1")["agencies"][0]["sent_on"] == date(2026, 11, 3)
        last = app.engine.connect()
        try:
            recorded = last.execute(
                text("SELECT recorded_at FROM audit_events WHERE action = 'send_scoping'")
            ).scalar()
        finally:
            last.close()
        assert recorded == "2026-11-03T10:00:00.000000Z"
    finally:
        app.engine.dispose()


def test_a_training_database_refuses_a_malformed_rr_now(
    database_url: str, home: Path, monkeypatch: Any
) -> None:
    setup.init(home=home, training=True)
    monkeypatch.setenv("RR_NOW", "next tuesday")
    with pytest.raises(BadInput, match="RR_NOW"):
        open_app(home=home)


# -- no database yet -------------------------------------------------------------------------------------


def test_open_app_without_a_database_says_run_rr_init(database_url: str, home: Path) -> None:
    """SQLite: no file in RR_HOME. PostgreSQL: an empty database (no schema)."""
    home.mkdir()
    with pytest.raises(BadInput, match=re.escape("`rr init`")):
        open_app(home=home)
    assert not (home / "rr.sqlite3").exists()


def test_open_app_on_a_postgresql_database_that_does_not_exist(
    pg_url: str, home: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv(
        "RR_DATABASE_URL", make_url(pg_url).set(database="rr_i_no_such_database").render_as_string()
    )
    home.mkdir()
    with pytest.raises(BadInput):
        open_app(home=home)


# -- a connection the server ended while it waited in the pool ------------------------------------------


def _outside(url: str, sql: str, **params: Any) -> list[Any]:
    """Run `sql` on a connection of its own, not the application's pool."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


def _sessions_ended(url: str) -> int:
    """End every other session on the database (as an administrator or a server restart would) and wait
    until they are gone; how many there were."""
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ended = _outside(url, f"SELECT pg_terminate_backend(pid) {others}")
    query = f"SELECT count(*) {others}"
    deadline = time.monotonic() + 10
    while _outside(url, query)[0][0] and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(ended)


def test_postgres_a_step_after_the_server_ended_the_pooled_connection_runs(pg_rig: Any) -> None:
    """The server ends the application's sessions between two commands of one process (a restart, an
    administrator): the next command runs on a new connection (the engine's pre_ping)."""
    rig = pg_rig
    rig.to_scoping("RR-1")
    assert _sessions_ended(rig.url) >= 1  # the application's pooled connection among them
    commands.sin_notified(rig.later(minutes=1).app, "RR-1")
    assert rig.case_row("RR-1")["sin_notified_on"] is not None
    assert rig.scalar("SELECT count(*) FROM audit_events WHERE action = 'record_sin'") == 1


# -- a case keeps the schedule it was opened under ------------------------------------------------------


def _changed_schedule(version: str, working_days: dict[str, int]) -> str:
    """The shipped schedule with another version and other numbers for some deadlines."""
    source = SHIPPED_SCHEDULE.read_text(encoding="utf-8")
    source, n = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', source)
    assert n == 1
    blocks = source.split("[[deadlines]]")
    for i, block in enumerate(blocks[1:], start=1):
        key = re.search(r'(?m)^key = "(.*)"$', block)
        assert key is not None
        if key.group(1) in working_days:
            blocks[i], n = re.subn(
                r"(?m)^working_days = \d+$", f"working_days = {working_days[key.group(1)]}", block
            )
            assert n == 1
    return "[[deadlines]]".join(blocks)


def _deadlines(rig: Any, ref: str) -> dict[str, date]:
    return {d["key"]: d["due"] for d in queries.case_show(rig.later().app, ref)["deadlines"]}


def test_a_case_keeps_its_schedule_version(rig: Any, tmp_path: Path, monkeypatch: Any) -> None:
    rig.at(datetime(2026, 11, 3, 10))
    commands.case_open(rig.app, "RR-OLD", date(2026, 11, 2), date(2026, 11, 2), "police")
    old = _deadlines(rig, "RR-OLD")
    # Received Mon 2 Nov 2026 (no bank holiday near): 2 working days -> Wed 4th, 5 -> Mon 9th.
    assert old["scoping_sent"] == date(2026, 11, 4)
    assert old["sin_notified"] == date(2026, 11, 9)

    changed = tmp_path / "partnership_schedule.toml"
    changed.write_text(
        _changed_schedule("2026.2-test", {"scoping_sent": 4, "sin_notified": 3, "meeting_date_set": 3})
    )
    monkeypatch.setenv("RR_SCHEDULE", str(changed))
    commands.case_open(rig.later().app, "RR-NEW", date(2026, 11, 3), date(2026, 11, 3), "police")

    new = _deadlines(rig, "RR-NEW")
    # Received Tue 3 Nov under the changed schedule: 4 working days -> Mon 9th, 3 -> Fri 6th.
    assert new["scoping_sent"] == date(2026, 11, 9)
    assert new["sin_notified"] == date(2026, 11, 6)
    assert _deadlines(rig, "RR-OLD") == old

    # Later steps on the old case still count with the old numbers, on the new one with the new.
    for ref in ("RR-OLD", "RR-NEW"):
        commands.scoping_send(rig.later().app, ref, ["la"])
    # Templates sent Tue 3 Nov: the date is set within 1 working day (old) -> Wed 4th, 3 (new) -> Fri 6th.
    assert _deadlines(rig, "RR-OLD")["meeting_date_set"] == date(2026, 11, 4)
    assert _deadlines(rig, "RR-NEW")["meeting_date_set"] == date(2026, 11, 6)

    shown = {ref: queries.case_show(rig.later().app, ref)["schedule_version"] for ref in ("RR-OLD", "RR-NEW")}
    assert shown == {"RR-OLD": "2026.2", "RR-NEW": "2026.2-test"}
    stored = rig.rows("SELECT version FROM schedules ORDER BY version")
    assert [r["version"] for r in stored] == ["2026.2", "2026.2-test"]

    # The materialised deadlines (what reports and timers read) agree.
    materialised = rig.rows(
        "SELECT d.due FROM deadlines d JOIN cases c ON c.id = d.case_id "
        "WHERE c.ref = 'RR-NEW' AND d.key = 'scoping_sent'"
    )
    assert str(materialised[0]["due"]) == "2026-11-09"


def test_a_schedule_text_is_remembered_once_committed_and_for_its_own_database(
    rig: Any, tmp_path: Path
) -> None:
    """A version's stored text is read once per process and database (every step asks for it). Planted
    bugs caught: remembering a text its transaction stored and then rolled back; one memory for every
    database."""
    version = "remembered-test"

    def store(uow: UnitOfWork, text: str) -> None:
        row = {"version": version, "name": "test", "source_text": text, "sha256": "0" * 64}
        uow.session.execute(insert(t.schedules).values(**row, loaded_at="2026-11-02T09:00:00.000000Z"))

    with UnitOfWork(rig.app.engine) as uow:
        store(uow, "stored, then rolled back")
        assert uow.schedule_text(version) == "stored, then rolled back"
    with UnitOfWork(rig.app.engine) as uow:
        assert uow.schedule_text(version) is None
        store(uow, "committed")
        uow.commit()
    with UnitOfWork(rig.app.engine) as uow:
        assert uow.schedule_text(version) == "committed"
        uow.commit()
    asked: list[str] = []
    event.listen(rig.app.engine, "before_cursor_execute", lambda *a: asked.append(a[2]))
    with UnitOfWork(rig.app.engine) as uow:
        assert uow.schedule_text(version) == "committed"
    assert [sql for sql in asked if "source_text" in sql] == []

    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    t.schedules.create(other)
    with UnitOfWork(other) as uow:
        store(uow, "another database's")
        uow.commit()
    with UnitOfWork(other) as uow:
        assert uow.schedule_text(version) == "another database's"
    other.dispose()


def test_a_changed_review_schedule_that_keeps_its_version_is_refused(
    rig: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """The reviews' schedules are held to the same rule as the Rapid Reviews': a version's timescales
    never change once a review was opened under it. Planted: the review schedule's digest not compared."""
    for ref in ("RR-1", "RR-2"):
        rig.to_meeting_day(ref)
        commands.meeting_held(rig.later().app, ref, ["la:A Smith", "police:DS Jones", "health:Dr Patel"])
    commands.decide(rig.later().app, "RR-1", "local_cspr", "learning for the area", [])
    shipped = (shipped_dir("schedules") / "local_review.toml").read_text(encoding="utf-8")
    changed, n = re.subn(r"(?m)^working_days = 20$", "working_days = 25", shipped, count=1)
    assert n == 1 and 'version = "review-2026.1"' in changed
    same_version = tmp_path / "sneaky-review.toml"
    same_version.write_text(changed, encoding="utf-8")
    monkeypatch.setenv("RR_REVIEW_SCHEDULE", str(same_version))
    audit_rows = rig.scalar("SELECT count(*) FROM audit_events")

    with pytest.raises(BadInput, match=r"review-2026\.1.*different timescales.*new version"):
        commands.decide(rig.later().app, "RR-2", "local_cspr", "learning for the area", [])

    assert rig.scalar("SELECT count(*) FROM review_schedules") == 1
    assert rig.scalar("SELECT count(*) FROM reviews") == 1
    assert rig.scalar("SELECT state FROM cases WHERE ref = 'RR-2'") == "meeting_held"
    assert rig.scalar("SELECT count(*) FROM audit_events") == audit_rows


def test_a_changed_schedule_that_keeps_its_version_is_refused(
    rig: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    rig.at(datetime(2026, 11, 3, 10))
    commands.case_open(rig.app, "RR-OLD", date(2026, 11, 2), date(2026, 11, 2), "police")
    audit_rows = rig.scalar("SELECT count(*) FROM audit_events")

    same_version = tmp_path / "sneaky.toml"
    same_version.write_text(_changed_schedule("2026.2", {"scoping_sent": 4}))
    monkeypatch.setenv("RR_SCHEDULE", str(same_version))
    with pytest.raises(BadInput, match=r"2026\.2.*new version"):
        commands.case_open(rig.later().app, "RR-NEW", date(2026, 11, 3), date(2026, 11, 3), "police")

    assert rig.scalar("SELECT count(*) FROM cases WHERE ref = 'RR-NEW'") == 0
    assert rig.scalar("SELECT count(*) FROM audit_events") == audit_rows
    assert rig.scalar("SELECT count(*) FROM schedules") == 1
    # The cases already open are unaffected: they read their schedule from the database, not the file.
    commands.scoping_send(rig.later().app, "RR-OLD", ["la"])
    assert _deadlines(rig, "RR-OLD")["scoping_sent"] == date(2026, 11, 4)


def test_a_case_folder_someone_opened_up_is_private_again_once_written_to(
    sqlite_rig: Any, tmp_path: Path
) -> None:
    """A case's folders whose mode someone widened are set back to 0700 by the next document stored in
    them (a letter of a step included); a step that stores nothing leaves them as they are. Planted bug
    that fails this: the mode set only when the folder is made."""
    sqlite_rig.to_scoping("RR-1")
    generated = next(p for p in sqlite_rig.home.rglob("generated") if p.is_dir())
    case_folder = generated.parent
    for folder in (generated, case_folder, case_folder.parent):
        folder.chmod(0o755)
    letter = tmp_path / "referral.txt"
    letter.write_text("referral form")
    commands.doc_add(sqlite_rig.later().app, "RR-1", "referral_form", letter)
    assert _mode(case_folder) == 0o700
    assert _mode(case_folder.parent) == 0o700
    commands.sin_notified(sqlite_rig.later().app, "RR-1")  # no letters: nothing stored under generated
    assert _mode(generated) == 0o755
    commands.meeting_schedule(sqlite_rig.later().app, "RR-1", date(2026, 11, 12))  # letters stored
    assert _mode(generated) == 0o700

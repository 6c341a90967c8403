"""Prepared statements (compiled once, run on the driver's cursor) store and read what `Connection.execute`
would, raise what it would, and are still seen by the engine's cursor events; on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Time,
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from rr_workflow.adapters.db.engine import make_engine
from rr_workflow.adapters.db.prepared import Prepared

metadata = MetaData()
things = Table(
    "prepared_things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("due", Date),
    Column("met", Boolean, nullable=False),
    Column("status", String(16)),
    Column("at", Time),
)


@pytest.fixture
def engine(database_url: str, rr_home: Path) -> Iterator[Engine]:
    rr_home.mkdir(exist_ok=True)
    made = make_engine(database_url)
    metadata.create_all(made)
    yield made
    made.dispose()


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(things).order_by(things.c.id))]


def test_rows_written_are_those_connection_execute_writes(engine: Engine) -> None:
    """Planted bugs caught: values handed to the driver without their type's converter (SQLite's driver
    cannot store a time of day itself); parameters in the wrong order."""
    add = Prepared(insert(things))
    with engine.begin() as connection:
        ran = add.run(
            connection, {"name": "first", "due": date(2026, 12, 24), "met": False, "at": time(10, 30)}
        )
        assert ran.rowcount == 1
        add.run_many(
            connection,
            [
                {"name": "second", "due": date(2027, 1, 4), "met": True, "at": None},
                {"name": "third", "due": None, "met": False, "at": time(9, 0)},
            ],
        )
    assert stored(engine) == [
        (1, "first", date(2026, 12, 24), False, None, time(10, 30)),
        (2, "second", date(2027, 1, 4), True, None, None),
        (3, "third", None, False, None, time(9, 0)),
    ]
    if engine.dialect.name == "sqlite":  # stored as Connection.execute stores a date: ISO text
        with engine.connect() as connection:
            raw = connection.exec_driver_sql("SELECT due, at FROM prepared_things WHERE id = 1").one()
        assert tuple(raw) == ("2026-12-24", "10:30:00.000000")


def test_an_update_sets_the_columns_named_and_the_values_bound_in_it(engine: Engine) -> None:
    """The columns given as parameters are set, a value bound in the statement too, the rest kept.
    Planted bug caught: the statement's own bound value (status) left out."""
    with engine.begin() as connection:
        connection.execute(
            insert(things),
            [{"name": "a", "due": date(2026, 11, 2), "met": False}, {"name": "b", "due": None, "met": False}],
        )
    meet = Prepared(update(things).where(things.c.id == bindparam("row_id")).values(status="done"))
    with engine.begin() as connection:
        assert meet.run(connection, {"row_id": 1, "met": True}).rowcount == 1
        assert meet.run(connection, {"row_id": 99, "met": True}).rowcount == 0
        assert meet.run_many(connection, [{"row_id": 2, "due": date(2026, 11, 30)}]).rowcount == 1
    assert stored(engine) == [
        (1, "a", date(2026, 11, 2), True, "done", None),
        (2, "b", date(2026, 11, 30), False, "done", None),
    ]


def test_rows_read_are_named_tuples_of_python_values(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(things).values(name="x", due=date(2026, 12, 28), met=True))
    query = Prepared(select(things.c.name, things.c.due, things.c.met).where(things.c.name == bindparam("n")))
    with engine.connect() as connection:
        ran = query.run(connection, {"n": "x"})
        (row,) = ran.rows
        assert (row.name, row.due, row.met) == ("x", date(2026, 12, 28), True)
        assert query.run(connection, {"n": "y"}).rows == []
        assert query.run(connection, {"n": "x"}).scalar() == "x"


def test_a_value_the_statement_fixes_in_its_sql_is_written_in(engine: Engine) -> None:
    """SQLAlchemy writes `aggregate_strings`' separator into the SQL when it runs a statement; prepared,
    it is written in once. Planted bug caught: such statements refused like an expanding IN list."""
    with engine.begin() as connection:
        connection.execute(insert(things), [{"name": n, "met": False} for n in ("a", "b", "c")])
    names = Prepared(
        select(func.aggregate_strings(things.c.name, "+").label("all")).where(
            things.c.met == bindparam("met")
        )
    )
    with engine.connect() as connection:
        assert sorted(names.run(connection, {"met": False}).scalar().split("+")) == ["a", "b", "c"]
        assert names.run(connection, {"met": True}).scalar() is None


def test_errors_are_sqlalchemys_and_the_transaction_can_roll_back(engine: Engine) -> None:
    add = Prepared(insert(things))
    with engine.connect() as connection:
        connection.begin()
        add.run(connection, {"name": "same", "met": False})
        with pytest.raises(IntegrityError):
            add.run(connection, {"name": "same", "met": False})
        connection.rollback()
    assert stored(engine) == []


def test_the_engines_cursor_events_see_each_statement(engine: Engine) -> None:
    """Planted bug caught: the events left out (tests and tools that watch statements see nothing)."""
    seen: list[tuple[str, bool, int]] = []

    def after(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        if not sql.startswith("BEGIN"):  # SQLite's, as the engine begins a transaction
            seen.append((sql.split(" (")[0], many, cursor.rowcount))

    event.listen(engine, "after_cursor_execute", after)
    try:
        with engine.begin() as connection:
            Prepared(insert(things)).run_many(
                connection, [{"name": "p", "met": False}, {"name": "q", "met": False}]
            )
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert seen == [("INSERT INTO prepared_things", True, 2)]


def test_statements_that_cannot_be_prepared_are_refused_when_first_run(engine: Engine) -> None:
    some = Prepared(select(things.c.id).where(things.c.id.in_(bindparam("ids", expanding=True))))
    needs = Prepared(select(things.c.id).where(things.c.name == bindparam("name")))
    with engine.connect() as connection:
        with pytest.raises(ValueError, match="depends on its values"):
            some.run(connection, {"ids": [1, 2]})
        with pytest.raises(ValueError, match="a value is required for the parameter 'name'"):
            needs.run(connection, {})

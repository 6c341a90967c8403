"""Statements a step runs every time, compiled once and run on the database driver's own cursor.

`Connection.execute` costs about 40 us a statement on the README's slow machine for the work around the
driver's call (its cache of compiled statements looked up, an execution context and a result built),
and the driver's call about 3 us; a step runs a dozen. A `Prepared` statement is a Core statement
compiled once per database kind and set of parameter names, its parameters put in the driver's form by
the same converters the column types give `Connection.execute` (dates as text on SQLite, say). What it
keeps from `Connection.execute`:

- the engine's `before_cursor_execute` and `after_cursor_execute` events still see every statement;
- a driver's error is raised as SQLAlchemy's (an `IntegrityError`, an `OperationalError`), a lost
  connection invalidated, as `Connection.execute` does (both through the connection's own handling);
- it runs in the connection's transaction, like any statement.

What it does not do: statements whose SQL depends on the values given (`expanding` IN lists) or that
need defaults worked out in Python are refused when compiled; they go through `Connection.execute`. A
value the statement itself fixes and SQLAlchemy writes into the SQL (`aggregate_strings`' separator) is
written in once. PostgreSQL's driver (psycopg) prepares a statement on the server once it has run a
few times, so there the SQL text is parsed once too.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import Dialect

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement compiled for one dialect and one set of parameter names."""

    sql: str
    positional: bool
    # each driver parameter in order: its name for the driver, the key of the value in the caller's
    # parameters (None: the value bound in the statement, `fixed`), that value, the type's converter
    binds: tuple[tuple[str, str | None, Any, _Processor], ...]
    row: Any  # the namedtuple a returned row is made into (None: the statement returns no rows)
    # the returned columns the driver's value is converted for (SQLite's dates, say): position, converter
    converting: tuple[tuple[int, Callable[[Any], Any]], ...]

    def driver_parameters(self, values: Mapping[str, Any]) -> Any:
        if self.positional:
            return tuple(
                (convert(values[key] if key else fixed) if convert else values[key] if key else fixed)
                for _, key, fixed, convert in self.binds
            )
        return {
            name: (convert(values[key] if key else fixed) if convert else values[key] if key else fixed)
            for name, key, fixed, convert in self.binds
        }

    def rows(self, cursor: Any) -> list[Any]:
        make, converting = self.row._make, self.converting
        if not converting:
            return [make(raw) for raw in cursor.fetchall()]
        rows = []
        for raw in cursor.fetchall():
            values = list(raw)
            for position, convert in converting:
                values[position] = convert(values[position])
            rows.append(make(values))
        return rows


@dataclass(frozen=True, slots=True)
class Ran:
    """What running a prepared statement gave: rows it returned (as named tuples), rows it changed, and
    on SQLite the id of the row it last inserted."""

    rows: list[Any]
    rowcount: int
    lastrowid: int | None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


class Prepared:
    """A Core statement run on the driver's cursor (see the module's docstring). Parameters are given
    by name, as to `Connection.execute`; like there, an INSERT or UPDATE sets the columns named."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._plans: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Plan]] = (
            weakref.WeakKeyDictionary()
        )

    def run(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Ran:
        values = values or {}
        plan = self._plan(connection.dialect, tuple(sorted(values)))
        return _execute(connection, plan, plan.driver_parameters(values), many=False)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> Ran:
        """One statement for many rows of parameters (the driver's executemany); all with the same keys."""
        if not rows:
            return Ran([], 0, None)
        plan = self._plan(connection.dialect, tuple(sorted(rows[0])))
        if plan.row is not None:
            raise ValueError("a statement returning rows is run once per row of parameters, not many")
        return _execute(connection, plan, [plan.driver_parameters(r) for r in rows], many=True)

    def _plan(self, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        plans = self._plans.get(dialect)
        if plans is None:
            plans = self._plans[dialect] = {}
        plan = plans.get(keys)
        if plan is None:
            plan = plans[keys] = _compiled(self.statement, dialect, keys)
        return plan


def _compiled(statement: Any, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("a statement needing column defaults worked out in Python cannot be prepared")
    given = set(keys)
    by_name: dict[str, tuple[str | None, Any, _Processor]] = {}
    for bind, name in compiled.bind_names.items():
        key = bind.key if bind.key in given else name if name in given else None
        if key is None and bind.required:
            raise ValueError(f"a value is required for the parameter {bind.key!r}")
        if key is None and bind.callable:
            raise ValueError(f"the parameter {bind.key!r} is worked out when run: it cannot be prepared")
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        by_name[name] = (key, bind.value, convert)
    sql, order = compiled.string, compiled.positiontup if compiled.positional else list(by_name)
    late = compiled.literal_execute_params | compiled.post_compile_params
    if late:  # values written into the SQL when run: only those fixed in the statement (a separator)
        if any(bind.expanding or bind.key in given or bind.value is None for bind in late):
            raise ValueError("a statement whose SQL depends on its values cannot be prepared")
        stand_ins = {bind.key: None for bind in compiled.bind_names if bind.required}
        expanded = compiled.construct_expanded_state(stand_ins, escape_names=False)
        sql, order = expanded.statement, expanded.positiontup or list(expanded.parameters)
    escaped = compiled.escaped_bind_names or {}
    binds = tuple((escaped.get(name, name), *by_name[name]) for name in order)
    row, converting = None, ()
    columns = list(getattr(statement, "exported_columns", ()))  # a SELECT's, or what an INSERT returns
    if columns:
        # a column without a usable name (an unlabelled function) is reached by position
        row = namedtuple("Row", [str(c.key) for c in columns], rename=True)  # type: ignore[misc]
        converters = (c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        converting = tuple((i, convert) for i, convert in enumerate(converters) if convert is not None)
    return _Plan(sql, bool(compiled.positional), binds, row, converting)


def _execute(connection: Connection, plan: _Plan, parameters: Any, many: bool) -> Ran:
    cursor = connection.connection.cursor()
    sql = plan.sql
    try:
        try:
            events = connection._has_events or connection.engine._has_events
            if events:
                for before in connection.dispatch.before_cursor_execute:
                    sql, parameters = before(connection, cursor, sql, parameters, None, many)
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            if events:
                connection.dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, many)
            rows = plan.rows(cursor) if plan.row is not None else []
        except BaseException as error:
            # raised as Connection.execute raises it: SQLAlchemy's exception, a lost connection invalidated
            connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
        return Ran(rows, cursor.rowcount, getattr(cursor, "lastrowid", None))
    finally:
        cursor.close()

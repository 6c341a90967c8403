"""Wiring, in one place: where the database is, who is acting, what time it is.

`open_app()` reads the environment (RR_HOME, RR_DATABASE_URL, RR_NOW; RR_USER on training databases) and
checks that the database exists and is at the schema this code expects; `rr init` is the only command
that creates it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.exc import OperationalError

from rr_workflow.adapters import config, durable_files
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import (
    BUSY,
    READ_ONLY,
    database_url,
    is_concurrent_change,
    is_postgres,
    make_engine,
)
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.errors import BadInput, Conflict, Unavailable
from rr_workflow.service import identity
from rr_workflow.service.clock import Clock, FixedClock, SystemClock, iso_moment, local_today, parse_moment

if TYPE_CHECKING:
    from rr_workflow.adapters.db.unit_of_work import BatchUnitOfWork, UnitOfWork

SCHEMA_REVISION = "0017"  # the Alembic head this code runs on (a test checks it against migrations/)
MODE_KEY = "mode"
TRAINING, LIVE = "training", "live"


@dataclass
class App:
    home: Path
    engine: Engine
    actor: str
    clock: Clock
    mode: str = LIVE
    # Record the facts only, without the letters a step writes: steps taken over from a register (rr import),
    # whose letters went out at the time.
    record_only: bool = False
    # Every use case joins this batch instead of opening a transaction of its own: many steps saved or
    # rolled back together (rr import).
    within: BatchUnitOfWork | None = None
    # The version of the case the person saw before asking for this step (the web's forms carry it): a
    # case changed since is a Conflict, as a concurrent change is for the CLI.
    expected_version: int | None = None

    def uow(self, sync_later: bool = False) -> UnitOfWork:
        """A unit of work. `sync_later`: its commit need not wait for the disk, for a change whose loss to a
        power cut loses nothing (adapters/db/engine.SYNC_LATER)."""
        if self.within is not None:
            return self.within.joined()
        # the ORM: only commands that change need it
        from rr_workflow.adapters.db.unit_of_work import UnitOfWork

        return UnitOfWork(self.engine, self.expected_version, sync_later)

    @contextmanager
    def reading(self, each_statement: bool = False) -> Iterator[Connection]:
        """A connection for reading only: on SQLite it never takes the write lock (no BEGIN IMMEDIATE), so
        a read goes on while a change is being written. `each_statement`: on PostgreSQL, no transaction
        around the reads (no BEGIN and ROLLBACK round trips), each statement reading what is committed as it
        starts, as in a transaction at PostgreSQL's default READ COMMITTED level; on SQLite, one snapshot."""
        with self.engine.connect() as connection:
            if each_statement and is_postgres(self.engine):
                connection.execution_options(**{READ_ONLY: True, "isolation_level": "AUTOCOMMIT"})
            else:
                connection.execution_options(**{READ_ONLY: True})
            yield connection

    def today(self) -> date:
        return local_today(self.clock)

    def moment(self) -> str:
        return iso_moment(self.clock)

    def documents_folder(self, ref: str, *below: str) -> Path:
        """RR_HOME/documents/<case>/..., each folder readable by the service user only (docs/security.md):
        made where missing (its entry forced to the disk in the folder above it), and set back to that
        where someone widened it. One system call a folder that exists (its mode set)."""
        folders = [os.path.join(self.home, "documents")]
        for part in (re.sub(r"[^A-Za-z0-9_.-]", "_", ref), *below):
            folders.append(os.path.join(folders[-1], part))
        for folder in folders:
            try:
                os.chmod(folder, 0o700)
            except FileNotFoundError:
                with contextlib.suppress(FileExistsError):  # made meanwhile by another process
                    os.mkdir(folder, 0o700)
                os.chmod(folder, 0o700)  # exactly, whatever the umask took away
                durable_files.sync_folders([os.path.dirname(folder)])  # its entry, before rows name it
        return Path(folders[-1])

    @cached_property
    def calendar(self) -> WorkingCalendar:
        from rr_workflow.service import reference

        return reference.working_calendar(cache=self.home / "cache")

    @property
    def training(self) -> bool:
        return self.mode == TRAINING


def engine_for(home: Path) -> Engine:
    return make_engine(database_url(home))


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Set (a value) or unset (None) RR_* variables for a block, and put them all back after it: the demo
    and the simulator run the real use cases against a database of their own."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def clock_from_environment(mode: str) -> Clock:
    rr_now = os.environ.get("RR_NOW")
    if not rr_now:
        return SystemClock()
    if mode != TRAINING:
        raise BadInput(
            "RR_NOW is set, but this is a live database: unset RR_NOW "
            "(only a training database, made with `rr init --training`, accepts it)"
        )
    try:
        return FixedClock(parse_moment(rr_now))
    except ValueError:
        raise BadInput(f"RR_NOW is not an ISO date-time: {rr_now!r}") from None


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """A database that cannot be reached is one line naming it (without its password), not a traceback."""
    try:
        yield
    except OperationalError as error:
        if is_concurrent_change(error):  # another command holds the database (SQLite's write lock)
            raise Conflict(BUSY) from None
        where = engine.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "connection failed"
        raise Unavailable(f"cannot use the database {where}: {reason}") from None


def open_app(home: Path | None = None, clock: Clock | None = None, actor: str | None = None) -> App:
    """The application on an existing database; `BadInput` if there is none yet. The acting person is the
    authenticated login (see `identity`) unless a caller inside the program names one (`actor`)."""
    home = home or config.rr_home()
    url = database_url(home)
    if url.startswith("sqlite") and not (home / "rr.sqlite3").exists():
        raise BadInput(f"no database in {home}: run `rr init` first (or set RR_HOME)")
    engine = make_engine(url)
    with reachable(engine), engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        if not inspect(connection).has_table("alembic_version"):
            raise BadInput("the database has no rr-workflow schema: run `rr init` first")
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != SCHEMA_REVISION:
            raise BadInput(
                f"the database schema is at {revision}, this version needs {SCHEMA_REVISION}: "
                "run `rr init` to upgrade it"
            )
        mode = (
            connection.execute(select(t.settings.c.value).where(t.settings.c.key == MODE_KEY)).scalar()
            or LIVE
        )
        if actor is None:
            actor = identity.acting_login(connection, training=mode == TRAINING)
    return App(
        home=home,
        engine=engine,
        actor=actor,
        clock=clock or clock_from_environment(mode),
        mode=mode,
    )

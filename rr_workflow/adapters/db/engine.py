"""Engines: the embedded SQLite file under RR_HOME by default, PostgreSQL through RR_DATABASE_URL.

Waiting for a lock another command holds is bounded (RR_LOCK_TIMEOUT seconds, default 5): then the
command ends with exit 4 and one line, instead of hanging. On SQLite a change takes the write lock as its
transaction begins (two commands on one case queue rather than both reading and one failing to write),
but a read does not: `App.reading()` gives a connection that never takes it.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from rr_workflow.adapters.db.prepared import Prepared
from rr_workflow.domain.errors import BadInput

SQLITE_FILE = "rr.sqlite3"
LOCK_TIMEOUT_ENV = "RR_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 5.0  # seconds
STATEMENT_TIMEOUT = 600  # seconds: a backstop against a statement that never ends
READ_ONLY = "rr_read_only"  # execution option: this connection only reads
# Execution option: this transaction's commit need not wait for the log to reach the disk, because losing
# it to a power cut loses nothing (the letters' transaction, service/follow_up.py: its events stay
# pending and are followed up again). Any later commit that waits (every step's, every mail's claim)
# brings it to the disk with its own, so nothing it wrote can be sent or acted on before it is there.
SYNC_LATER = "rr_sync_later"


def database_url(home: Path) -> str:
    return os.environ.get("RR_DATABASE_URL") or f"sqlite:///{home / SQLITE_FILE}"


def lock_timeout() -> float:
    value = os.environ.get(LOCK_TIMEOUT_ENV)
    if not value:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0.1 <= seconds <= 300:
        raise BadInput(f"{LOCK_TIMEOUT_ENV} is seconds between 0.1 and 300, not {value!r}")
    return seconds


def make_engine(url: str) -> Engine:
    wait = lock_timeout()
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": wait})
            event.listen(engine, "connect", lambda conn, _record: _sqlite_connect(conn, wait))
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        options = f"-c lock_timeout={int(wait * 1000)} -c statement_timeout={STATEMENT_TIMEOUT * 1000}"
        # pre_ping: a pooled connection the server has ended (a restart, an administrator) is replaced as
        # it is checked out. Its round trip waits for the server, so it also finds a session the server was
        # told to end a moment before; looking for the server's last message on the socket instead (no
        # round trip) misses those until the server gets to it, and a command then fails.
        engine = create_engine(url, pool_pre_ping=True, connect_args={"options": options})
        event.listen(engine, "begin", _postgres_begin)
        return engine
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise BadInput(
            f"RR_DATABASE_URL is not a database URL rr-workflow can use ({reason}); "
            "e.g. postgresql+psycopg://rr@db.example/rr"
        ) from None


def _sqlite_begin(conn: Any) -> None:
    # A change takes the write lock at once; a read (App.reading) reads a snapshot and never waits.
    options = conn.get_execution_options()
    read_only = bool(options.get(READ_ONLY))
    if not read_only:
        # In WAL mode NORMAL commits without waiting for the log; the next FULL commit syncs it, this
        # transaction's pages included. Set between transactions only (SQLite refuses it inside one).
        level = "NORMAL" if options.get(SYNC_LATER) else "FULL"
        info = conn.connection.info
        if info.get("synchronous", "FULL") != level:
            _synchronous(level).run(conn)
            info["synchronous"] = level
    _beginning(read_only).run(conn)


@functools.cache
def _beginning(read_only: bool) -> Prepared:
    return Prepared(text("BEGIN" if read_only else "BEGIN IMMEDIATE"))


@functools.cache
def _synchronous(level: str) -> Prepared:
    return Prepared(text(f"PRAGMA synchronous = {level}"))


def _postgres_begin(conn: Any) -> None:
    if conn.get_execution_options().get(SYNC_LATER):
        # This transaction only: its commit returns before the server's log is flushed; a later commit
        # that waits flushes the log up to its own record, this transaction's included.
        _commit_without_waiting().run(conn)


@functools.cache
def _commit_without_waiting() -> Prepared:
    return Prepared(text("SET LOCAL synchronous_commit = off"))


def _sqlite_connect(dbapi_connection: Any, wait: float) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    # FULL: in WAL mode, each commit waits for the log to reach the disk (a power cut loses no step)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# serialization failure, deadlock, lock not available (lock_timeout), a statement that waited too long
_CONCURRENCY_SQLSTATES = {"40001", "40P01", "55P03", "57014"}
BUSY = "the database was busy with a concurrent change: nothing was saved; try again"


def is_concurrent_change(error: BaseException) -> bool:
    """Lost to, or waited too long for, another command's lock (SQLite: "database is locked")."""
    orig = getattr(error, "orig", error)
    return getattr(orig, "sqlstate", None) in _CONCURRENCY_SQLSTATES or "database is locked" in str(orig)

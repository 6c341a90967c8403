"""Engines: the embedded SQLite file under RR_HOME by default, PostgreSQL through RR_DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

SQLITE_FILE = "rr.sqlite3"
LOCK_WAIT_SECONDS = 30  # how long a command waits for another to finish with the database (SQLite)

_CONCURRENCY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
BUSY = "the database was busy with a concurrent change: nothing was saved; try again"


def database_url(home: Path) -> str:
    return os.environ.get("RR_DATABASE_URL") or f"sqlite:///{home / SQLITE_FILE}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": LOCK_WAIT_SECONDS})
        event.listen(engine, "connect", _sqlite_connect)
        # Every transaction takes the write lock at once: two commands on one case queue instead of
        # both reading, then one failing to write (and the audit chain never forks).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_SECONDS * 1000}")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def is_concurrent_change(error: OperationalError) -> bool:
    """Lost to, or waited too long for, another command's lock (SQLite: "database is locked")."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate in _CONCURRENCY_SQLSTATES or "database is locked" in str(error.orig)

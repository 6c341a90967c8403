"""Creating and upgrading the schema with Alembic (imported only by `rr init` and the tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    _run(engine, command.upgrade, "head")


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run the migrations in one transaction. On SQLite, altering a table copies it, drops the old one and
    renames the copy; with foreign keys enforced, that DROP deletes every row that cascades from it (each
    case's deadlines, meetings, board row...). So foreign keys are off while the schema changes (the
    pragma only takes effect outside a transaction) and checked before the commit."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _pragma(connection, "PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the schema change left rows whose references are broken")
        finally:
            if sqlite:
                _pragma(connection, "PRAGMA foreign_keys = ON")


def _pragma(connection: Connection, statement: str) -> None:
    cursor = connection.connection.cursor()  # the driver's own: no BEGIN is issued before it
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head

"""PostgreSQL: one login role per person, so the database itself says who is acting (`session_user`).

The first `rr person add LOGIN ... --db-role` gives the database a group role, `rr_people_<database>`,
holding what a person needs: read and write the case tables, only read and append the audit trail (no
UPDATE, DELETE or TRUNCATE on it); each makes LOGIN a login role in that group (the caller needs
CREATEROLE). `rr init` re-grants the group the tables after an upgrade. How the server authenticates
a role (peer, GSSAPI, password) is the site's pg_hba.conf.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from rr_workflow.domain.errors import BadInput, Refused

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")
APPEND_ONLY = ("audit_events",)


def group_role(connection: Connection) -> str:
    database = str(connection.execute(text("SELECT current_database()")).scalar())
    return ("rr_people_" + re.sub(r"[^a-z0-9_]", "_", database.lower()))[:63]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_group(connection: Connection, create: bool = True) -> str | None:
    """(Re)grant the group role the tables as they are now, creating it if missing and `create`.
    Returns its name, or None if it does not exist and was not created."""
    group = group_role(connection)
    quoted = _quoted(group)
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": group}).first()
    if not exists and not create:
        return None
    try:
        if not exists:
            connection.execute(text(f"CREATE ROLE {quoted} NOLOGIN"))
        database = _quoted(str(connection.execute(text("SELECT current_database()")).scalar()))
        connection.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {quoted}"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
        connection.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        )
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
        for table in (*APPEND_ONLY, "alembic_version"):
            connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted}"))
        connection.execute(text(f"REVOKE INSERT ON alembic_version FROM {quoted}"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == "42501":  # insufficient_privilege
            raise Refused(
                "your PostgreSQL role may not create roles or grant on these tables: "
                "run rr init as the database owner (with CREATEROLE)"
            ) from None
        raise
    return group


def create_login(connection: Connection, login: str) -> bool:
    """Make `login` a login role in the group (created if missing). Returns True if it was created."""
    if not ROLE_NAME.match(login):
        raise BadInput(
            f"{login[:80]!r} cannot be a PostgreSQL login role here: lower-case letters, digits and _ . -"
        )
    group = grant_group(connection)
    assert group is not None
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first()
    try:
        if not exists:
            connection.execute(text(f"CREATE ROLE {_quoted(login)} LOGIN"))
        connection.execute(text(f"GRANT {_quoted(group)} TO {_quoted(login)}"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == "42501":
            raise Refused(
                "your PostgreSQL role may not create roles: ask the database administrator "
                f"(CREATE ROLE {login} LOGIN IN ROLE {group}), or give your role CREATEROLE"
            ) from None
        raise
    return not exists

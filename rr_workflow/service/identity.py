"""Who is acting: the person the system authenticated, never a name the caller asserts.

- PostgreSQL: the login role of the session (`session_user`). Each person connects with their own role;
  the server authenticates it (peer, GSSAPI or password, as the site chooses).
- SQLite: the operating-system account running the command (its user id, looked up in the password
  database; environment variables such as USER or LOGNAME are not consulted, they are the caller's word).
- A training database honours RR_USER, so a trainer can play every part from one account.
"""

from __future__ import annotations

import os
import pwd

from sqlalchemy import Connection, text

RR_USER = "RR_USER"


def os_login() -> str:
    """The name of the account this process runs as (its effective user id)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # an account without a password-database entry (some containers)
        return f"uid{uid}"


def database_login(connection: Connection) -> str:
    """The login the database authenticated: `session_user` on PostgreSQL, the OS account on SQLite."""
    if connection.dialect.name != "postgresql":
        return os_login()
    return str(connection.execute(text("SELECT session_user")).scalar())


def acting_login(connection: Connection, training: bool) -> str:
    """The acting person: RR_USER on a training database when it is set, else the authenticated login."""
    asserted = os.environ.get(RR_USER)
    if training and asserted:
        return asserted
    return database_login(connection)


def acting_login_without_database(training: bool) -> str:
    """`acting_login` for a SQLite database not created yet (connecting would create the file)."""
    asserted = os.environ.get(RR_USER)
    return asserted if training and asserted else os_login()


def how_established(connection: Connection, training: bool) -> str:
    """In words, where `acting_login` took the name from (for `rr whoami`)."""
    if training and os.environ.get(RR_USER):
        return "RR_USER (a training database)"
    ignored = "; RR_USER is ignored: not a training database" if os.environ.get(RR_USER) else ""
    if connection.dialect.name == "postgresql":
        return "the PostgreSQL login role (session_user)" + ignored
    return "the operating-system account" + ignored


def registered_login(connection: Connection, *, email: str | None = None, login: str | None = None) -> str:
    """The registered person a web sign-in names: by `login` (the identity provider's subject or user
    name, equal to a person's login) or by `email` (matched without regard to case, one person only).
    `Refused` when nobody, or more than one person, matches: an admin must register them first. Whether
    the person is active and may do a thing is checked by `permissions.require`, as for the CLI."""
    from sqlalchemy import func, select

    from rr_workflow.adapters.db import tables as t
    from rr_workflow.domain.errors import Refused

    people = t.people.c
    if login:
        found = list(connection.execute(select(people.login).where(people.login == login)).scalars())
        what = f"the login {login!r}"
    elif email:
        query = select(people.login).where(func.lower(people.email) == email.strip().lower())
        found = list(connection.execute(query).scalars())
        what = f"the e-mail address {email!r}"
    else:
        raise Refused("the sign-in named nobody (no e-mail address or login was given)")
    if not found:
        raise Refused(f"nobody is registered with {what}: an admin must add them (rr person add)")
    if len(found) > 1:
        raise Refused(f"more than one person is registered with {what}: an admin must tell them apart")
    return str(found[0])

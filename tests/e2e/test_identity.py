"""Who acts: the authenticated login, never a name the caller asserts (RR_USER counts on training
databases only); the first init registers its caller as admin, later ones register nobody; only admins
grant roles, and every grant, change and removal is an audit row. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

AGENCY = (
    "agency",
    "add",
    "police",
    "--name",
    "Police",
    "--email",
    "mash@police.example",
    "--partner",
    "police",
)


def trail(rr: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(actor, action, details) of every audit row, in order, read behind the application's back."""
    engine = create_engine(rr.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT actor, action, details FROM audit_events ORDER BY id"))
            return [(actor, action, json.loads(details)) for actor, action, details in rows]
    finally:
        engine.dispose()


def people(rr: Any) -> list[tuple[str, str]]:
    engine = create_engine(rr.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [
                tuple(r)
                for r in connection.execute(text("SELECT login, role FROM person_roles ORDER BY 1, 2"))
            ]
    finally:
        engine.dispose()


def test_a_live_database_ignores_rr_user(rr: Any) -> None:
    """`RR_USER=intruder rr init` on a live database registers the authenticated login (the OS account,
    or PostgreSQL's session_user), and a later command's audit row names that login, not RR_USER.
    Planted bug: identity taken from RR_USER whatever the mode (the trail said `intruder`)."""
    me = rr.login
    assert me != "intruder"
    assert f"{me} is registered as coordinator and admin" in rr.ok("init", user="intruder")
    rr.ok(*AGENCY, user="chair1")
    assert people(rr) == [(me, "admin"), (me, "coordinator")]
    assert {actor for actor, _, _ in trail(rr)} == {me}
    assert rr.json("whoami", user="chair1") == {
        "login": me,
        "established_by": (
            "the operating-system account"
            if rr.backend == "sqlite"
            else "the PostgreSQL login role (session_user)"
        )
        + "; RR_USER is ignored: not a training database",
        "roles": ["admin", "coordinator"],
    }


def test_only_the_first_init_registers_its_caller(rr: Any) -> None:
    """On a training database (where RR_USER is who acts) a second caller's `rr init` registers nobody
    and grants nothing. Planted bug: init registering every caller as coordinator and admin."""
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    out = rr.ok("init", "--training", user="intruder")
    assert (
        out.splitlines()[1]
        == "you are intruder, not registered: an admin adds you (rr person add intruder ...)"
    )
    assert people(rr) == [("coord", "admin"), ("coord", "coordinator")]
    assert "'intruder' is not registered" in rr.fails(3, *AGENCY, user="intruder")
    assert [action for _, action, _ in trail(rr)] == ["database_created", "person_added"]


def test_init_updates_the_callers_own_record_and_audits_it(rr: Any) -> None:
    """`rr init --name/--email` on an existing database changes the caller's own record, with the old and
    new values in the trail; an unregistered caller is told how to get a record, nothing is written."""
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    out = rr.ok("init", "--training", "--name", "Sam Okoro", "--email", "sam@lscp.example")
    assert out.splitlines()[1:] == [
        "you are coord: admin, coordinator",
        "your email and name changed (recorded in the audit trail)",
    ]
    assert rr.json("person", "list")[0] == {
        "active": True,
        "login": "coord",
        "name": "Sam Okoro",
        "email": "sam@lscp.example",
        "roles": ["admin", "coordinator"],
    }
    actor, action, details = trail(rr)[-1]
    assert (actor, action) == ("coord", "person_edited")
    assert details == {
        "login": "coord",
        "before": {"name": "coord", "email": "coord@localhost"},
        "after": {"name": "Sam Okoro", "email": "sam@lscp.example"},
    }
    before = rr.snapshot()
    message = rr.fails(3, "init", "--training", "--name", "Mallory", user="mallory")
    assert message == (
        "'mallory' is not registered, so there is no record of yours to update: "
        "an admin adds you (rr person add mallory --name ... --email ... --role ...)"
    )
    assert rr.snapshot() == before


def test_every_grant_change_and_removal_is_audited(rr: Any) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    rr.ok("person", "add", "boss", "--name", "B Oss", "--email", "boss@lscp.example", "--role", "manager")
    rr.ok("person", "add", "boss", "--name", "B Oss", "--email", "b.oss@lscp.example", "--role", "chair")
    assert rr.ok("person", "revoke", "boss", "--role", "manager") == "boss: chair\n"
    added = {"login": "boss", "name": "B Oss", "email": "boss@lscp.example", "granted": ["manager"]}
    moved = {
        "login": "boss",
        "before": {"email": "boss@lscp.example"},
        "after": {"email": "b.oss@lscp.example"},
    }
    assert trail(rr)[2:] == [
        ("coord", "person_added", added),
        ("coord", "person_edited", moved),
        ("coord", "roles_granted", {"login": "boss", "granted": ["chair"]}),
        ("coord", "roles_revoked", {"login": "boss", "revoked": ["manager"]}),
    ]


def test_only_an_admin_grants_and_the_last_admin_stays(rr: Any) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    rr.ok("person", "add", "boss", "--name", "B Oss", "--email", "boss@lscp.example", "--role", "manager")
    before = rr.snapshot()
    add_admin = ("person", "add", "boss", "--name", "B", "--email", "boss@lscp.example", "--role", "admin")
    assert rr.fails(3, *add_admin, user="boss") == "this needs the admin role; 'boss' has: manager"
    assert rr.fails(3, "person", "revoke", "coord", "--role", "admin", user="boss").startswith("this needs")
    assert rr.fails(3, "person", "revoke", "coord", "--role", "admin") == (
        "'coord' is the only active admin: make someone else admin first"
    )
    assert rr.snapshot() == before


def test_postgres_each_person_connects_as_their_own_role(rr: Any, postgres_server: Any) -> None:
    """On a live PostgreSQL database the acting person is the login role: `rr person add --db-role`
    makes one in the people's group, whose grants allow no UPDATE or DELETE on the audit trail. Whoever
    connects as that role acts as that person, whatever RR_USER says."""
    if rr.backend != "postgresql":
        pytest.skip("PostgreSQL login roles")
    boss = f"boss_{secrets.token_hex(4)}"
    try:
        rr.ok("init")
        rr.ok(*AGENCY)
        out = rr.ok(
            "person",
            "add",
            boss,
            "--name",
            "B Oss",
            "--email",
            "b@x.example",
            "--role",
            "manager",
            "--db-role",
        )
        assert out.splitlines()[0] == f"{boss}: manager"
        assert rr.json("whoami", role=boss, user="postgres")["login"] == boss
        rr.ok("case", "list", role=boss)
        assert rr.fails(
            3, "agency", "add", "school", "--name", "S", "--email", "s@school.example", role=boss
        ) == (f"this needs the admin role; {boss!r} has: manager")
        engine = create_engine(rr.url_as(boss), poolclass=NullPool)
        try:
            with engine.connect() as connection, pytest.raises(DBAPIError, match="permission denied"):
                connection.execute(text("DELETE FROM audit_events"))
        finally:
            engine.dispose()
    finally:
        with postgres_server.engine.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{boss}"'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{boss}"'))

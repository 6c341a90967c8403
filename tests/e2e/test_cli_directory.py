"""Agencies and people are edited and deactivated, never deleted, on SQLite and PostgreSQL.

An edit is audited with the values before and after; a deactivated agency gets no new letters (no scoping
template, no outcome letter, not a new case's referrer); a deactivated person can no longer act; roles are
never changed by `rr person edit`; the last active admin cannot be deactivated. Bad input is one line,
exit 2 or 3, and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

REF = "RR-2026-014"


def set_up(rr) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    for key, partner in (("la", "la"), ("police", "police"), ("health", "health"), ("school", None)):
        extra = ("--partner", partner) if partner else ()
        rr.ok("agency", "add", key, "--name", key.title(), "--email", f"{key}@agency.example", *extra)
    rr.ok("person", "add", "boss", "--name", "Sam Boss", "--email", "boss@lscp.example", "--role", "manager")
    rr.ok(
        "person", "add", "helper", "--name", "Al Help", "--email", "al@lscp.example", "--role", "coordinator"
    )


def query(rr, sql: str) -> list[Any]:
    engine = create_engine(rr.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


def audit_details(rr, action: str) -> list[dict[str, Any]]:
    rows = query(rr, f"SELECT actor, details FROM audit_events WHERE action = '{action}' ORDER BY id")
    return [{"actor": actor, **json.loads(details)} for actor, details in rows]


@pytest.fixture
def partnership(rr):
    set_up(rr)
    return rr


def test_an_agency_edit_is_audited_with_before_and_after_and_the_next_letter_uses_it(partnership) -> None:
    rr = partnership
    out = rr.ok("agency", "edit", "POLICE", "--email", "mash@police.example", "--name", "Northshire Police")
    assert out == (
        "agency police: name Police -> Northshire Police\n"
        "agency police: email police@agency.example -> mash@police.example\n"
    )
    assert audit_details(rr, "agency_edited") == [
        {
            "actor": "coord",
            "agency": "police",
            "before": {"email": "police@agency.example", "name": "Police"},
            "after": {"email": "mash@police.example", "name": "Northshire Police"},
        }
    ]
    listed = {a["key"]: a for a in rr.json("agency", "list")}
    assert listed["police"]["email"] == "mash@police.example"
    assert listed["police"]["active"] is True
    rr.ok("agency", "edit", "school", "--partner", "la")
    rr.ok("agency", "edit", "school", "--partner", "none")
    assert rr.json("agency", "list")[-1]["partner"] is None
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.ok("scoping", "send", REF, "police")
    assert query(rr, "SELECT to_addrs FROM mail_outbox") == [("mash@police.example",)]
    assert "ok:" in rr.ok("audit", "verify")


def test_a_deactivated_agency_gets_no_new_letters_and_is_kept(partnership) -> None:
    rr = partnership
    rr.ok("case", "open", REF, "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")
    rr.ok("scoping", "send", REF, "la", "police", "health", "school")
    out = rr.ok("agency", "deactivate", "school", "--reason", "closed in the summer")
    assert out.startswith("agency school deactivated: no new letters")
    assert audit_details(rr, "agency_deactivated") == [
        {"actor": "coord", "agency": "school", "reason": "closed in the summer"}
    ]
    listed = {a["key"]: a for a in rr.json("agency", "list")}
    assert listed["school"]["active"] is False  # still listed: the case names it
    assert "no (deactivated)" in rr.ok("agency", "list")
    before = rr.snapshot()
    assert "agency school is deactivated" in rr.fails(
        3, "case", "open", "RR-2", "--received", "2026-12-21", "--aware", "2026-12-21", "--referrer", "school"
    )
    rr.ok("case", "open", "RR-2", "--received", "2026-12-21", "--aware", "2026-12-21", "--referrer", "la")
    before = rr.snapshot()
    assert "agency school is deactivated" in rr.fails(3, "scoping", "send", "RR-2", "la", "school")
    assert rr.snapshot() == before
    # a return recorded from it is still a fact about the case
    rr.ok("scoping", "returned", REF, "school")
    # the meeting's outcome letters go to the active agencies only
    rr.ok("meeting", "schedule", REF, "2027-01-07")
    rr.now = "2027-01-07T16:00"
    rr.ok("meeting", "held", REF, "--attendee", "la:A", "--attendee", "police:B", "--attendee", "health:C")
    rr.ok("decide", REF, "no_review", "--rationale", "learning in hand")
    rr.ok("outcome", "shared", REF)
    outcome_mail = query(
        rr, "SELECT to_addrs FROM mail_outbox WHERE subject LIKE '%outcome%' ORDER BY to_addrs"
    )
    assert outcome_mail == [("health@agency.example",), ("la@agency.example",), ("police@agency.example",)]
    rr.ok("agency", "activate", "school")
    rr.ok("scoping", "send", "RR-2", "school")


def test_a_deactivated_person_cannot_act_and_gets_no_notices(partnership) -> None:
    rr = partnership
    rr.ok(
        "case",
        "open",
        REF,
        "--received",
        "2026-12-21",
        "--aware",
        "2026-12-18",
        "--referrer",
        "police",
        user="helper",
    )
    assert rr.ok("person", "deactivate", "helper", "--reason", "left the unit") == (
        "helper deactivated: they can no longer act (rr person activate helper)\n"
    )
    before = rr.snapshot()
    assert "'helper' was deactivated" in rr.fails(3, "scoping", "send", REF, "la", user="helper")
    assert "'helper' was deactivated" in rr.fails(3, "case", "list", user="helper")
    assert rr.snapshot() == before
    people = {p["login"]: p for p in rr.json("person", "list")}
    assert people["helper"]["active"] is False
    assert people["helper"]["roles"] == ["coordinator"]  # kept, for when they come back
    rr.ok("person", "activate", "helper")
    rr.ok("scoping", "send", REF, "la", user="helper")
    assert [r["actor"] for r in rr.json("history", REF)] == ["helper", "helper"]


def test_people_edit_their_own_details_and_only_an_admin_edits_others(partnership) -> None:
    rr = partnership
    assert rr.ok("person", "edit", "boss", "--email", "sam@lscp.example", user="boss") == (
        "boss: email boss@lscp.example -> sam@lscp.example\n"
    )
    before = rr.snapshot()
    assert "needs the admin role" in rr.fails(3, "person", "edit", "helper", "--name", "X", user="boss")
    assert "needs the admin role" in rr.fails(
        3, "person", "deactivate", "coord", "--reason", "x", user="boss"
    )
    assert "No such option" in rr.fails(2, "person", "edit", "boss", "--role", "admin", user="boss")
    assert rr.snapshot() == before
    rr.ok("person", "edit", "helper", "--name", "Alex Help")
    assert audit_details(rr, "person_edited") == [
        {
            "actor": "boss",
            "login": "boss",
            "before": {"email": "boss@lscp.example"},
            "after": {"email": "sam@lscp.example"},
        },
        {"actor": "coord", "login": "helper", "before": {"name": "Al Help"}, "after": {"name": "Alex Help"}},
    ]


@pytest.mark.parametrize(
    ("code", "args", "says"),
    [
        (2, ("agency", "edit", "nobody", "--name", "X"), "no agency 'nobody'"),
        (2, ("agency", "edit", "la"), "nothing to change for agency la"),
        (2, ("agency", "edit", "la", "--name", "La"), "nothing to change"),
        (2, ("agency", "edit", "la", "--email", "not-an-address"), "not an e-mail address"),
        (2, ("agency", "edit", "la", "--partner", "army"), "unknown partner 'army'"),
        (2, ("agency", "edit", "la", "--name", "  "), "name cannot be empty"),
        (2, ("agency", "deactivate", "la", "--reason", " "), "give the reason"),
        (2, ("agency", "activate", "la"), "already active"),
        (2, ("person", "edit", "nobody", "--name", "X"), "no person 'nobody'"),
        (2, ("person", "edit", "boss", "--email", "x"), "not an e-mail address"),
        (2, ("person", "activate", "boss"), "already active"),
        (3, ("person", "deactivate", "coord", "--reason", "leaving"), "coord is the only active admin"),
    ],
)
def test_bad_edits_are_one_line_and_change_nothing(
    partnership, code: int, args: tuple[str, ...], says: str
) -> None:
    before = partnership.snapshot()
    assert says in partnership.fails(code, *args)
    assert partnership.snapshot() == before

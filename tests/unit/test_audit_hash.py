"""The audit trail's row hash (docs/security.md), the content `entry` stores, and `verify`'s two faults
(`adapters/db/audit.py`), on a fresh SQLite file holding the audit table alone.

A row's hash is a stored format: every database's trail, and every witness checkpoint, holds hashes made
by it, so a change to it would make every trail written before fail `rr audit verify`. Each hash is
SHA-256 of the compact JSON array (no spaces) of the previous row's hash and the row's case, actor,
recorded_at, effective_on (ISO date), action, from_state, to_state and details (the stored JSON text).
The tests write that text and its digest out. The audit-chain tests check only that appending and
verifying agree, so the mutation run found the formula itself untested: the effective date left out,
the JSON's separators changed, the details stored unsorted or as null passed every selected test."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, select, text

from rr_workflow.adapters.db import audit
from rr_workflow.adapters.db import tables as t

GENESIS = "0" * 64
SENT = {
    "actor": "coord",
    "recorded_at": "2026-11-03T10:00:00.000000Z",
    "action": "send_scoping",
    "case_ref": "RR-1",
    "effective_on": date(2026, 11, 2),
    "from_state": "referred",
    "to_state": "scoping",
    "details": {"agency": "police"},
}
SENT_HASHED = (
    r'["0000000000000000000000000000000000000000000000000000000000000000","RR-1","coord",'
    r'"2026-11-03T10:00:00.000000Z","2026-11-02","send_scoping","referred","scoping",'
    r'"{\"agency\": \"police\"}"]'
)
SENT_HASH = "a8bcbc7623aa31bdf53e7de8ffb0b6b88a06ab70b0e9ec3ae14ba774ad9ed132"
# A row of no case, with no date, no states and no details (an agency added to the directory).
ADDED = {"actor": "coord", "recorded_at": "2026-11-03T10:05:00.000000Z", "action": "agency_added"}
ADDED_HASHED = (
    r'["a8bcbc7623aa31bdf53e7de8ffb0b6b88a06ab70b0e9ec3ae14ba774ad9ed132",null,"coord",'
    r'"2026-11-03T10:05:00.000000Z",null,"agency_added",null,null,"{}"]'
)
ADDED_HASH = "4e77510f12f115b5d4e2b3359e687b13fd853d0351dfebf16ff6748da8e20a69"
# A name beyond ASCII is hashed with its characters escaped.
NAMED = {"actor": "Zo\u00eb", "recorded_at": "2026-11-03T10:05:00.000000Z", "action": "person_added"}
NAMED_HASHED = (
    r'["0000000000000000000000000000000000000000000000000000000000000000",null,"Zo\u00eb",'
    r'"2026-11-03T10:05:00.000000Z",null,"person_added",null,null,"{}"]'
)
NAMED_HASH = "e81254fbc1b4009fcbe05256361257032c4af153acc272f7043284781473cd3b"


def test_the_digests_written_here_are_those_of_the_texts_written_here() -> None:
    assert hashlib.sha256(SENT_HASHED.encode()).hexdigest() == SENT_HASH
    assert hashlib.sha256(ADDED_HASHED.encode()).hexdigest() == ADDED_HASH
    assert hashlib.sha256(NAMED_HASHED.encode()).hexdigest() == NAMED_HASH


def test_a_rows_content_is_stored_with_its_details_as_sorted_json() -> None:
    """Planted (mutation run): the details stored as null, or with their keys in the order given."""
    row = audit.entry(**{**SENT, "details": {"sent_on": date(2026, 11, 2), "agency": "police"}})
    assert row == {
        "case_ref": "RR-1",
        "actor": "coord",
        "recorded_at": "2026-11-03T10:00:00.000000Z",
        "effective_on": date(2026, 11, 2),
        "action": "send_scoping",
        "from_state": "referred",
        "to_state": "scoping",
        "details": '{"agency": "police", "sent_on": "2026-11-02"}',
    }
    assert audit.entry(**ADDED) == {
        "case_ref": None,
        "actor": "coord",
        "recorded_at": "2026-11-03T10:05:00.000000Z",
        "effective_on": None,
        "action": "agency_added",
        "from_state": None,
        "to_state": None,
        "details": "{}",
    }


def test_a_rows_hash_is_sha256_of_its_content_and_the_hash_before_it_as_compact_json() -> None:
    """Planted (mutation run): the effective date hashed as null; the JSON's separators left at their
    default (", " and ": ") or changed. Planted by hand: a name beyond ASCII hashed unescaped."""
    assert audit.row_hash(GENESIS, audit.entry(**SENT)) == SENT_HASH
    assert audit.row_hash(SENT_HASH, audit.entry(**ADDED)) == ADDED_HASH
    assert audit.row_hash(GENESIS, audit.entry(**NAMED)) == NAMED_HASH
    # as read back from a database that hands dates back as text
    assert audit.row_hash(GENESIS, {**audit.entry(**SENT), "effective_on": "2026-11-02"}) == SENT_HASH


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[Connection]:
    """A SQLite file holding the audit table alone (no triggers: the tests rewrite rows freely)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    t.audit_events.create(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def stored(connection: Connection) -> list[tuple[Any, ...]]:
    a = t.audit_events.c
    return [tuple(r) for r in connection.execute(select(a.id, a.action, a.prev_hash, a.hash).order_by(a.id))]


def test_rows_appended_are_chained_from_the_trails_head(connection: Connection) -> None:
    audit.append_many(connection, [SENT, ADDED])
    audit.append(connection, **{**SENT, "recorded_at": "2026-11-03T10:10:00.000000Z"})
    assert stored(connection)[:2] == [
        (1, "send_scoping", GENESIS, SENT_HASH),
        (2, "agency_added", SENT_HASH, ADDED_HASH),
    ]
    assert stored(connection)[2][2] == ADDED_HASH
    assert audit.verify(connection) == (3, None)


def test_verify_names_a_changed_row_and_a_removed_one_in_full(connection: Connection) -> None:
    """Planted (mutation run): either fault's words changed (the audit-chain tests look for a word of
    each only). `rr audit verify` prints them after `audit row N:`."""
    audit.append_many(connection, [SENT, ADDED])
    connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = 2"))
    assert audit.verify(connection) == (
        1,
        audit.ChainFault(2, "this row's content was changed after it was recorded"),
    )
    connection.execute(text("DELETE FROM audit_events WHERE id = 1"))
    assert audit.verify(connection) == (
        0,
        audit.ChainFault(2, "the chain is broken before this row: a row was deleted or inserted here"),
    )

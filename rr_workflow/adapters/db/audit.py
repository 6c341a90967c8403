"""The append-only audit trail: each row's hash covers its content and the previous row's hash.

Changing, deleting or inserting a row breaks the chain at that row, and `verify` names the first one.
Appends are serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: BEGIN IMMEDIATE), so
two commands committing at once cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select, text

from rr_workflow.adapters.db import tables as t

GENESIS = "0" * 64
_AUDIT_LOCK = 0x5252_4155  # "RRAU": the advisory lock key that serialises appends on PostgreSQL


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    effective = row["effective_on"]
    content = [
        prev_hash,
        row["case_ref"],
        row["actor"],
        row["recorded_at"],
        effective.isoformat() if isinstance(effective, date) else effective,
        row["action"],
        row["from_state"],
        row["to_state"],
        row["details"],
    ]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def append(connection: Connection, **row: Any) -> None:
    """Append one row: keyword arguments as `entry` takes them."""
    append_many(connection, [row])


def entry(
    *,
    actor: str,
    recorded_at: str,
    action: str,
    case_ref: str | None = None,
    effective_on: date | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit row's content, as it is hashed and stored."""
    return {
        "case_ref": case_ref,
        "actor": actor,
        "recorded_at": recorded_at,
        "effective_on": effective_on,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "details": json.dumps(dict(details or {}), sort_keys=True, default=str),
    }


def append_many(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append rows in their order (keyword arguments of `entry` each), chained from the trail's head: one
    look-up of the head and one INSERT however many rows (an import writes a case's steps at once)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
    last = connection.execute(select(t.audit_events.c.hash).order_by(t.audit_events.c.id.desc()).limit(1))
    prev_hash = last.scalar() or GENESIS
    values = []
    for given in rows:
        row = entry(**given)
        digest = row_hash(prev_hash, row)
        values.append({**row, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    connection.execute(t.audit_events.insert(), values)


@dataclass(frozen=True)
class ChainFault:
    row_id: int
    problem: str


def verify(connection: Connection) -> tuple[int, ChainFault | None]:
    """Walk the whole trail; return how many rows were checked and the first fault, if any."""
    expected_prev = GENESIS
    checked = 0
    for row in _rows(connection):
        if row["prev_hash"] != expected_prev:
            return checked, ChainFault(
                row["id"], "the chain is broken before this row: a row was deleted or inserted here"
            )
        if row_hash(row["prev_hash"], row) != row["hash"]:
            return checked, ChainFault(row["id"], "this row's content was changed after it was recorded")
        expected_prev = row["hash"]
        checked += 1
    return checked, None


def _rows(connection: Connection) -> Iterator[Mapping[str, Any]]:
    result = connection.execute(select(t.audit_events).order_by(t.audit_events.c.id))
    yield from result.mappings()


def case_history(connection: Connection, ref: str) -> list[Mapping[str, Any]]:
    """The audit rows of the case `ref` names (matched without regard to case), oldest first; none for
    a reference no case has."""
    c = t.cases.c
    stored = connection.execute(select(c.ref).where(func.lower(c.ref) == ref.lower())).scalars().all()
    if ref not in stored and len(stored) == 1:
        ref = stored[0]
    query = select(t.audit_events).where(t.audit_events.c.case_ref == ref).order_by(t.audit_events.c.id)
    return [dict(row) for row in connection.execute(query).mappings()]

"""The append-only audit trail: each row's hash covers its content and the previous row's hash.

Changing, deleting or inserting a row breaks the chain at that row, and `verify` names the first one.
The database refuses UPDATE and DELETE on the table (triggers), so that takes someone with the owner's
powers; `replay` checks each case's trail against the state stored for it, and a witness outside the
database (`rr_workflow.adapters.witness`) shows a chain rewritten whole or cut from its end.
Appends are serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: BEGIN IMMEDIATE), so
two commands committing at once cannot fork the chain.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.prepared import Prepared

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
    prev_hash = _locked_head(connection) or GENESIS
    values = []
    for given in rows:
        row = entry(**given)
        digest = row_hash(prev_hash, row)
        values.append({**row, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    _insert().run_many(connection, values)


def _locked_head(connection: Connection) -> str | None:
    """The trail head's hash, read once this transaction alone may append (SQLite: BEGIN IMMEDIATE took
    the write lock already; PostgreSQL: the advisory lock, held until the commit).

    On PostgreSQL the lock and the read go in one round trip: two statements sent as one query string
    without parameters (psycopg then sends a simple query). Each statement of such a string reads what
    is committed when it starts, so the head is read after the lock is granted, including the row of
    the transaction the lock waited for."""
    if connection.dialect.name != "postgresql":
        return _prepared_head().run(connection).scalar()  # type: ignore[no-any-return]
    result = connection.exec_driver_sql(_locked_head_sql())
    try:
        cursor = result.cursor  # the DBAPI cursor, holding both statements' results
        if not cursor.nextset():
            raise RuntimeError("the audit head was not read after its lock")
        row = cursor.fetchone()
    finally:
        result.close()
    return None if row is None else str(row[0])


@functools.cache  # built once: every change appends
def _head() -> Any:
    a = t.audit_events.c
    return select(a.hash).order_by(a.id.desc()).limit(1)


@functools.cache
def _prepared_head() -> Prepared:
    return Prepared(_head())


@functools.cache
def _locked_head_sql() -> str:
    """PostgreSQL's advisory lock, then `_head`, as one string (no parameters: the lock's key and the
    limit are written into it)."""
    from sqlalchemy.dialects import postgresql

    head = _head().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return f"SELECT pg_advisory_xact_lock({_AUDIT_LOCK}); {head}"


@functools.cache
def _insert() -> Prepared:
    return Prepared(t.audit_events.insert())


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


@dataclass(frozen=True)
class CaseFault:
    case_ref: str
    problem: str


def replay(connection: Connection) -> tuple[int, CaseFault | None]:
    """Replay each case's trail: every change of state starts where the one before ended, the first
    opens the case, and the last ends in the state the case table holds; then the date of each recorded
    step, replayed from the trail, against the dates stored on the case (`domain.trail`). Returns the
    number of cases checked and the first that disagrees (a state or a date changed behind the
    application's back, or rows taken from a case's trail)."""
    a, c = t.audit_events, t.cases
    simulated = connection.execute(select(a.c.id).where(a.c.action == "simulation").limit(1)).first()
    if simulated is not None:  # the simulator's throw-away cases are stored without a trail of steps
        return 0, None
    stored = dict(connection.execute(select(c.c.ref, c.c.state).order_by(c.c.ref)).all())
    # A case's review keeps its own trail among the case's rows (actions `review_...`): replayed the same way
    # against the state of the case's latest review.
    r = t.reviews
    latest = select(r.c.case_ref, r.c.state).order_by(r.c.id)
    reviews = {f"{ref} (its review)": state for ref, state in connection.execute(latest).all()}
    trail: dict[str, list[tuple[int, str | None, str]]] = {}
    query = (
        select(a.c.id, a.c.case_ref, a.c.action, a.c.from_state, a.c.to_state)
        .where(a.c.case_ref.is_not(None), a.c.to_state.is_not(None))
        .order_by(a.c.id)
    )
    for row in connection.execute(query):
        key = f"{row.case_ref} (its review)" if row.action.startswith("review_") else row.case_ref
        trail.setdefault(key, []).append((row.id, row.from_state, row.to_state))
    stored.update(reviews)
    checked = 0
    for ref, state in stored.items():
        steps = trail.get(ref)
        if not steps:
            return checked, CaseFault(ref, "the case has no recorded step in the trail")
        if steps[0][1] is not None:
            return checked, CaseFault(
                ref, f"its trail starts at row {steps[0][0]}, not with the case's opening"
            )
        for (_, _, before), (row_id, after_from, _) in itertools.pairwise(steps):
            if after_from != before:
                return checked, CaseFault(
                    ref, f"row {row_id} starts from {after_from!r} but the step before ended in {before!r}"
                )
        if steps[-1][2] != state:
            return checked, CaseFault(
                ref, f"the case is {state!r} but its trail ends in {steps[-1][2]!r} (row {steps[-1][0]})"
            )
        checked += 0 if ref in reviews else 1
    orphans = sorted(set(trail) - set(stored))
    if orphans:
        return checked, CaseFault(orphans[0], "the trail records a case the database no longer holds")
    return _replay_dates(connection, checked)


def _replay_dates(connection: Connection, checked: int) -> tuple[int, CaseFault | None]:
    """Each case's dated facts (when each step happened) replayed from its trail, against those stored."""
    from rr_workflow.domain import trail

    stored = _stored_dates(connection)
    a = t.audit_events.c
    query = (
        select(a.id, a.case_ref, a.action, a.effective_on, a.details)
        .where(a.case_ref.is_not(None))
        .order_by(a.case_ref, a.id)
    )
    rows = connection.execute(query)
    for ref, group in itertools.groupby(rows, key=lambda r: r.case_ref):
        replayed = trail.replay(
            trail.Row(r.id, r.action, _as_date(r.effective_on), json.loads(r.details)) for r in group
        )
        problem = trail.first_difference(replayed, stored.get(ref, {}))
        if problem is not None:
            return checked, CaseFault(ref, problem)
    return checked, None


# Where each dated fact of a case is stored (the facts' names are those of `domain.trail`).
_CASE_DATES = {
    "received": "received",
    "aware": "aware",
    "sin": "sin_notified_on",
    "meeting-set": "meeting_date_set_on",
    "decided": "decided_on",
    "endorsed": "endorsed_on",
    "submitted": "submitted_on",
    "outcome-shared": "outcome_shared_on",
    "panel-response": "panel_response_on",
    "panel-answered": "panel_answered_on",
    "closed": "closed_on",
    "declined": "declined_on",
}
_AGENCY_DATES = {
    "scoping-sent": "sent_on",
    "scoping-returned": "returned_on",
    "records-secured": "secured_on",
}


def _stored_dates(connection: Connection) -> dict[str, dict[tuple[str, str | None], date]]:
    c, i, m = t.cases.c, t.involvements.c, t.meetings.c
    stored: dict[str, dict[tuple[str, str | None], date]] = {}
    ref_of: dict[int, str] = {}
    for row in connection.execute(select(c.id, c.ref, *(c[col] for col in _CASE_DATES.values()))).mappings():
        ref_of[row["id"]] = row["ref"]
        stored[row["ref"]] = {
            (name, None): _as_date(row[col]) for name, col in _CASE_DATES.items() if row[col] is not None
        }
    for row in connection.execute(select(i.case_id, i.agency, *(i[col] for col in _AGENCY_DATES.values()))):
        facts = stored[ref_of[row.case_id]]
        for name, col in _AGENCY_DATES.items():
            if getattr(row, col) is not None:
                facts[(name, row.agency)] = _as_date(getattr(row, col))
    held = select(m.case_id, m.number, m.held_on).where(m.held_on.is_not(None)).order_by(m.case_id, m.number)
    for row in connection.execute(held):  # the latest meeting recorded as held (or inquorate) counts
        stored[ref_of[row.case_id]][("meeting-held", None)] = _as_date(row.held_on)
    return stored


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])

"""Which outgoing mail keeps failing: shown on the board, in `rr case show` and `rr outbox list`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select

from rr_workflow.adapters.db import tables as t

FAILING_AFTER = 8  # attempts: 30 s doubling to an hour, so about an hour of failures


def failing_condition() -> Any:
    """Mail that keeps failing: dead, or retried `FAILING_AFTER` times without success."""
    m = t.mail_outbox
    return or_(m.c.status == "dead", and_(m.c.status == "pending", m.c.attempts >= FAILING_AFTER))


def failing_by_case(connection: Any, ref: str | None = None) -> dict[str, int]:
    """How many messages keep failing, per case reference."""
    m = t.mail_outbox
    query = select(m.c.case_ref, func.count()).where(failing_condition()).group_by(m.c.case_ref)
    if ref is not None:
        query = query.where(m.c.case_ref == ref)
    return {case_ref: int(n) for case_ref, n in connection.execute(query)}


def label(row: Any) -> str:
    """The status a person reads: pending, sending, sent, failing or dead."""
    if row["status"] == "pending" and row["attempts"] >= FAILING_AFTER:
        return "failing"
    return str(row["status"])

"""Finding a case by what a person typed: case-insensitive, with close matches on a miss."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.names import did_you_mean, find


def case_ref(db: Any, ref: str) -> str:
    """The stored reference of the case `ref` names (`db`: a connection or a session); BadInput naming
    the close matches when there is none."""
    c = t.cases.c
    exact = db.execute(select(c.ref).where(c.ref == ref)).scalar()
    if exact is not None:
        return str(exact)
    folded = list(db.execute(select(c.ref).where(func.lower(c.ref) == ref.lower())).scalars())
    found = find(ref, folded)
    if found is not None:
        return found
    if folded:
        raise BadInput(f"{ref!r} matches several cases: {', '.join(sorted(folded))}; type it exactly")
    refs = db.execute(select(c.ref)).scalars()
    raise BadInput(f"no case {ref!r}{did_you_mean(ref, refs)}")

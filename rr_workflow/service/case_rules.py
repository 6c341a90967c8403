"""The rules a case is held to: the schedule version it was opened under, and its deadlines today.

A schedule's text is stored with its version; it is parsed once per process for each text.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Deadline, compute_deadlines
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import Schedule
from rr_workflow.service.app import App


def stored_schedule(db: Any, version: str) -> Schedule:
    """The schedule `version` as stored in the database; `db`: a session or connection."""
    text = db.execute(select(t.schedules.c.source_text).where(t.schedules.c.version == version)).scalar()
    return parsed(version, text)


def parsed(version: str, text: str | None) -> Schedule:
    if text is None:
        raise BadInput(f"schedule version {version!r} is missing from the database")
    return _parse(version, text)


@functools.lru_cache(maxsize=16)
def _parse(version: str, text: str) -> Schedule:
    return config.parse_schedule_text(text, source=f"schedule version {version}")


def deadlines_of(app: App, case: Case, schedule: Schedule) -> list[Deadline]:
    """The case's deadlines as they stand today (the one deadline rule, domain/deadlines.py)."""
    return compute_deadlines(
        schedule, app.calendar, case.milestones(), app.today(), case.deadline_deviations()
    )

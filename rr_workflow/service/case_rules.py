"""The rules a case is held to: the schedule version it was opened under, and its deadlines today.

A schedule's text is stored with its version; it is parsed once per process for each text.
"""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, select

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Deadline, compute_deadlines
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import Schedule
from rr_workflow.service.app import App

if TYPE_CHECKING:
    from rr_workflow.adapters.db.unit_of_work import UnitOfWork


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


def store_schedule(app: App, uow: UnitOfWork, table: Table, schedule: Any, text: str) -> None:
    """Store a schedule's `text` under its version in `table` (the Rapid Reviews' schedules or the reviews'),
    the first time it is used; a version already stored with other text is refused (timescales never
    change under a version cases were opened with)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    checked = (table.name, schedule.version, digest)
    if checked in uow.checked:
        return  # an import's every case: stored by the first (or already there), in this transaction
    row = {
        "version": schedule.version,
        "name": schedule.name,
        "source_text": text,
        "sha256": digest,
        "loaded_at": app.moment(),
    }
    query = select(table.c.sha256).where(table.c.version == schedule.version)
    stored = uow.session.execute(query).scalar()
    if stored is None:  # the first case under this version (or a concurrent command stores it first)
        stored = digest if uow.insert_once(table, row) else uow.session.execute(query).scalar()
    if stored != digest:
        raise BadInput(
            f"{schedule.source}: schedule.version: version {schedule.version!r} is already in use with "
            "different timescales; give the changed schedule a new version"
        )
    uow.checked.add(checked)

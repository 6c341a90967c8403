"""Maps the domain's case aggregate onto the tables, from the outside (imperative mapping).

`start_mappers()` runs once, when the first unit of work is made; importing this module does nothing.
"""

from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.orm import registry, relationship

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.case import (
    Attendance,
    Case,
    ChildDetails,
    ImmediateAction,
    Involvement,
    Meeting,
    RecordedDeviation,
)
from rr_workflow.domain.review_record import Checkpoint, Review, ReviewDeviation

mapper_registry = registry(metadata=t.metadata)
_started = False


def start_mappers() -> None:
    global _started
    if _started:
        return
    mapper_registry.map_imperatively(Involvement, t.involvements)
    mapper_registry.map_imperatively(Attendance, t.attendances)
    mapper_registry.map_imperatively(
        Meeting,
        t.meetings,
        properties={
            "on": t.meetings.c.meeting_date,
            "at": t.meetings.c.meeting_time,
            "attendees": relationship(Attendance, cascade="all, delete-orphan", lazy="selectin"),
        },
    )
    mapper_registry.map_imperatively(ImmediateAction, t.actions)
    mapper_registry.map_imperatively(RecordedDeviation, t.deviations)
    mapper_registry.map_imperatively(ChildDetails, t.child_details)
    mapper_registry.map_imperatively(
        Case,
        t.cases,
        properties={
            "involvements": relationship(
                Involvement, cascade="all, delete-orphan", lazy="selectin", order_by=t.involvements.c.id
            ),
            "meetings": relationship(
                Meeting, cascade="all, delete-orphan", lazy="selectin", order_by=t.meetings.c.number
            ),
            # The meeting's immediate actions (the register also holds a review's recommendations).
            "actions": relationship(
                ImmediateAction,
                primaryjoin=and_(t.cases.c.id == t.actions.c.case_id, t.actions.c.kind == "action"),
                cascade="all, delete-orphan",
                lazy="selectin",
                order_by=t.actions.c.number,
            ),
            "deviations": relationship(
                RecordedDeviation, cascade="all, delete-orphan", lazy="selectin", order_by=t.deviations.c.id
            ),
            # Personal details are loaded only when a letter asks for them.
            "child": relationship(ChildDetails, uselist=False, cascade="all, delete-orphan", lazy="select"),
        },
        version_id_col=t.cases.c.version,
    )
    mapper_registry.map_imperatively(
        Checkpoint, t.review_checkpoints, properties={"on": t.review_checkpoints.c.held_on}
    )
    mapper_registry.map_imperatively(ReviewDeviation, t.review_deviations)
    mapper_registry.map_imperatively(
        Review,
        t.reviews,
        properties={
            "checkpoints": relationship(
                Checkpoint,
                cascade="all, delete-orphan",
                lazy="selectin",
                order_by=t.review_checkpoints.c.number,
            ),
            "deviations": relationship(
                ReviewDeviation,
                cascade="all, delete-orphan",
                lazy="selectin",
                order_by=t.review_deviations.c.id,
            ),
        },
        version_id_col=t.reviews.c.version,
    )
    _started = True

"""What every change to a case writes beside it for the readers that must not grow with history.

Written in the change's own transaction (so it is never stale), from the deadlines the domain computed:
- each deadline's row, with the moment its first reminder or escalation falls due (`next_fire_at`:
  `rr tick` and the daemon read only the rows whose moment has come, through an index);
- the case's board row while it or its review is not finished: its next open deadline and the due
  dates and labels of all its open deadlines (the Rapid Review's and its review's), so the board is one
  row a case and says what is overdue on any day it is read.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Deadline
from rr_workflow.domain.review import FINISHED as REVIEW_FINISHED
from rr_workflow.domain.review_record import Review
from rr_workflow.domain.schedule import NoticePolicy, Schedule
from rr_workflow.domain.timers import first_timer
from rr_workflow.service.app import App
from rr_workflow.service.clock import iso_moment_of

FINISHED = ("closed", "declined")


def materialise(
    app: App,
    uow: UnitOfWork,
    case: Case,
    schedule: Schedule,
    deadlines: Sequence[Deadline],
    reviews: Sequence[Any],
) -> None:
    """Store the case's deadlines, their first timer moments and its board row; `reviews`: the live
    deadline rows of the case's reviews (`uow.live_deadline_rows`), for the board."""
    finished = str(case.state) in FINISHED
    live = [] if finished else [d for d in deadlines if d.is_open]
    fires = first_moments(schedule, app.calendar, live)
    board = None if finished and not reviews else board_row([*live, *reviews])
    uow.materialise_deadlines(case.id, deadlines, fires, board)  # type: ignore[attr-defined]


def materialise_review(
    app: App,
    uow: UnitOfWork,
    review: Review,
    case_finished: bool,
    schedule: Schedule,
    deadlines: Sequence[Deadline],
) -> None:
    """Store the review's deadlines and their first timer moments, and the case's board row with them."""
    finished = str(review.state) in REVIEW_FINISHED
    live = [] if finished else [d for d in deadlines if d.is_open]
    fires = first_moments(schedule, app.calendar, live)
    case_id = review.case_id  # type: ignore[attr-defined]
    own = uow.live_deadline_rows(case_id, reviews=False)
    board = None if finished and case_finished and not own else board_row([*own, *live])
    uow.materialise_review_deadlines(case_id, review, deadlines, fires, board)


def first_moments(schedule: Schedule, calendar: WorkingCalendar, live: Sequence[Deadline]) -> dict[str, str]:
    """The stored moment (UTC) of each open deadline's first reminder or escalation, by key."""
    return {d.key: _first_moment(d.due, schedule.rule(d.rule_key).policy, calendar) for d in live}


@functools.lru_cache(maxsize=4096)
def _first_moment(due: date, policy: NoticePolicy, calendar: WorkingCalendar) -> str:
    """The first timer's moment depends only on the due date, the policy and the calendar (not on the
    deadline's key), and every step of a case asks again for each of its open deadlines."""
    zone = ZoneInfo(calendar.settings.timezone)
    return iso_moment_of(first_timer("", due, policy, calendar, zone).fires_at)


def board_row(live: Sequence[Any]) -> dict[str, Any]:
    """The board's columns for a case whose open deadlines are `live` (the next is the earliest due,
    the first by key among those due the same day): deadlines, or stored rows with their columns."""
    following = min(live, key=lambda d: (d.due, d.key), default=None)
    return {
        "next_key": following and following.key,
        "next_label": following and following.label,
        "next_due": following and following.due,
        "next_original_due": following and following.original_due,
        "next_due_soon_from": following and following.due_soon_from,
        "next_deviation": following and following.deviation,
        "open_deadlines": json.dumps(sorted([d.due.isoformat(), d.label] for d in live)),
    }

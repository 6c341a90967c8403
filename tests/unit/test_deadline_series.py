"""Deadlines worked out by their caller (`deadlines._make`): a review's repeating progress checkpoints and
the final report counted back from publication, under schedules/local_review.toml; and `done_on_time`,
which says whether an action was done by its due date.

The mutation run found their labels, the day each counts from, the day each was met and an extension
of one checkpoint unchecked by any unit test. Dates by hand (England and Wales: Christmas Fri 25 Dec 2026,
Boxing Day observed Mon 28 Dec, New Year's Day Fri 1 Jan 2027)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rr_workflow.adapters.config import check_file
from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.deadlines import (
    Deadline,
    Deviation,
    Milestones,
    Status,
    compute_deadlines,
    deadline_status,
    done_on_time,
)
from rr_workflow.domain.schedule import Schedule

D = date
SHIPPED = Path(__file__).resolve().parents[2] / "schedules" / "local_review.toml"
ENG = WorkingCalendar(CalendarSettings(region="ENG"))
JANUARY = D(2027, 1, 20)
UNDER_WAY = {
    "decision_made": D(2026, 11, 3),
    "reviewer_appointed": D(2026, 11, 24),
    "tor_agreed": D(2026, 12, 4),
}


def found(milestones: Milestones, as_of: date = JANUARY, *deviations: Deviation) -> dict[str, Deadline]:
    schedule = check_file(SHIPPED)
    assert isinstance(schedule, Schedule)
    return {d.key: d for d in compute_deadlines(schedule, ENG, milestones, as_of, deviations)}


def test_each_checkpoint_is_numbered_and_counts_from_the_one_before() -> None:
    """Checkpoint 1: 20 working days after the terms of reference (Fri 4 Dec 2026) is Wed 6 Jan 2027, met
    Tue 5 Jan; checkpoint 2 counts from 5 Jan: Tue 2 Feb. Planted: the label without its number (`and
    False`, `number is None`, None), the start or the day met dropped."""
    deadlines = found(Milestones(case=UNDER_WAY, series={"checkpoint": [D(2027, 1, 5)]}))
    first, second = deadlines["checkpoint:1"], deadlines["checkpoint:2"]
    assert (first.label, first.counts_from, first.due, first.met_on, first.status) == (
        "Progress checkpoint (time and quality) 1", D(2026, 12, 4), D(2027, 1, 6), D(2027, 1, 5), Status.MET,
    )  # fmt: skip
    assert (second.label, second.counts_from, second.due, second.met_on) == (
        "Progress checkpoint (time and quality) 2", D(2027, 1, 5), D(2027, 2, 2), None,
    )  # fmt: skip


def test_a_plain_deadline_keeps_its_label_without_a_number() -> None:
    """Planted: every label numbered (`or True`): the final report's would end in 'None'."""
    deadlines = found(Milestones(case=UNDER_WAY))
    assert deadlines["final_report_sent"].label == "Final report sent to the Panel and the Secretary of State"
    assert deadlines["reviewer_appointed"].label == "Reviewer appointed"


def test_no_checkpoint_held_yet_needs_no_series() -> None:
    """Milestones with no series at all (a review just under way). Planted: `series.get(..., None)` or
    the default dropped fails with a TypeError."""
    deadlines = found(Milestones(case=UNDER_WAY))
    assert [k for k in deadlines if k.startswith("checkpoint")] == ["checkpoint:1"]


def test_one_checkpoint_extended_moves_only_that_one() -> None:
    """The reviewer is ill: checkpoint 2 extended to Tue 16 Feb 2027. Planted: the deviation not passed
    (None) or looked up under None: checkpoint 2 stays due 2 Feb."""
    ill = Deviation("checkpoint:2", "reviewer ill", D(2027, 2, 16))
    second = found(Milestones(case=UNDER_WAY, series={"checkpoint": [D(2027, 1, 5)]}), D(2027, 2, 3), ill)[
        "checkpoint:2"
    ]
    assert (second.original_due, second.due, second.status) == (
        D(2027, 2, 2),
        D(2027, 2, 16),
        Status.EXTENDED,
    )


def test_the_final_report_counted_back_counts_from_the_decision_and_is_met_when_sent() -> None:
    """Publication: 6 months after Tue 3 Nov 2026, Mon 3 May 2027 is a bank holiday, so Fri 30 Apr; the
    final report 7 working days before: Wed 21 Apr. Sent Tue 20 Apr: met. Planted: its start None, its
    day met None or read under None (then 'overdue' on 22 Apr)."""
    events = {**UNDER_WAY, "draft_report": D(2027, 3, 1), "final_report_sent": D(2027, 4, 20)}
    final = found(Milestones(case=events), D(2027, 4, 22))["final_report_sent"]
    assert (final.counts_from, final.due, final.met_on, final.status) == (
        D(2026, 11, 3), D(2027, 4, 21), D(2027, 4, 20), Status.MET,
    )  # fmt: skip


def test_done_on_time() -> None:
    """On or before the due date is on time, after it is not, and without either date it is unknown.
    Planted: `and` for `or` (a missing date reaches the comparison), `is not None` (always unknown), the
    original date or the day done dropped, `!=` for `==`."""
    assert done_on_time(D(2026, 3, 10), D(2026, 3, 10)) is True
    assert done_on_time(D(2026, 3, 10), D(2026, 3, 9)) is True
    assert done_on_time(D(2026, 3, 10), D(2026, 3, 11)) is False
    assert done_on_time(None, D(2026, 3, 11)) is None
    assert done_on_time(D(2026, 3, 10), None) is None
    assert done_on_time(None, None) is None


def test_a_deadline_is_due_soon_from_its_due_soon_day() -> None:
    """Due Tue 10 Mar 2026, due soon from Mon 9 Mar: pending on Sun 8 Mar, due soon on the 9th itself.
    Planted (mutation run, 26 Nov 2026): `as_of > due_soon_from` leaves it pending on the 9th."""
    due, soon = D(2026, 3, 10), D(2026, 3, 9)
    assert deadline_status(due, due, soon, None, None, D(2026, 3, 8)) == Status.PENDING
    assert deadline_status(due, due, soon, None, None, D(2026, 3, 9)) == Status.DUE_SOON

"""Deadlines worked out by their caller (`deadlines._make`): a review's repeating progress checkpoints and
the final report counted back from publication, under schedules/local_review.toml; and an action's
status and `done_on_time`, which says whether it was done by its due date.

The mutation run found their labels, the day each counts from, the day each was met and an extension
of one checkpoint unchecked by any unit test. Dates by hand (England and Wales: Christmas Fri 25 Dec 2026,
Boxing Day observed Mon 28 Dec, New Year's Day Fri 1 Jan 2027)."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from rr_workflow.adapters.config import check_file
from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.deadlines import (
    Deadline,
    Deviation,
    Milestones,
    Status,
    action_status,
    compute_deadlines,
    deadline_status,
    done_on_time,
)
from rr_workflow.domain.schedule import Schedule, parse_review_schedule

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


def test_a_deadline_is_due_soon_on_its_due_date_and_overdue_the_day_after() -> None:
    """Due Tue 10 Mar 2026: due soon on the 10th itself, overdue on Wed 11; extended to the 10th, still
    extended on that day. Planted (mutation run): `as_of >= due`, overdue on its own due date."""
    due, soon = D(2026, 3, 10), D(2026, 3, 9)
    assert deadline_status(due, due, soon, None, None, D(2026, 3, 10)) == Status.DUE_SOON
    assert deadline_status(due, due, soon, None, None, D(2026, 3, 11)) == Status.OVERDUE
    assert deadline_status(D(2026, 3, 2), due, soon, None, Status.EXTENDED, due) == Status.EXTENDED


def test_an_open_action_is_overdue_once_its_due_date_has_passed() -> None:
    """Due Tue 10 Mar 2026: open on Mon 9 and on the 10th itself, overdue from Wed 11. Planted (mutation
    run): the stored status returned whatever it is (`stored != "XXopenXX"`, `== "open"`), the status
    not worked out (None), the test turned round (`!=`, `and False`, `or True`), "open" or "overdue"
    misspelt, `due is not None`."""
    due = D(2026, 3, 10)
    assert action_status("open", due, None, D(2026, 3, 9)) == "open"
    assert action_status("open", due, None, D(2026, 3, 10)) == "open"
    assert action_status("open", due, None, D(2026, 3, 11)) == "overdue"
    assert action_status("open", due, None, D(2027, 3, 11)) == "overdue"


def test_a_done_or_dropped_action_keeps_its_status_and_one_without_a_date_stays_open() -> None:
    """Done late or dropped, long after its due date: as recorded, never overdue; open with no due date:
    open for ever. Planted (mutation run): `stored == "open"`, `due is not None` (a TypeError), "open"
    misspelt."""
    due = D(2026, 3, 10)
    assert action_status("done", due, D(2026, 3, 20), D(2026, 4, 1)) == "done"
    assert action_status("dropped", due, None, D(2026, 4, 1)) == "dropped"
    assert action_status("open", None, None, D(2030, 1, 1)) == "open"


def test_a_deadline_counted_back_waits_for_its_target_wherever_the_schedule_lists_it() -> None:
    """A partnership's own schedule lists the final report (7 working days before publication) first and
    counts publication from the draft report instead of the decision. Before the draft, no final report
    deadline and the others still there; with the draft on Mon 1 Mar 2027, publication 6 months on is Wed
    1 Sep 2027 and the final report 7 working days before it, skipping the summer bank holiday Mon 30
    Aug: Tue 31, Fri 27, Thu 26, Wed 25, Tue 24, Mon 23, Fri 20 Aug. Planted (mutation run): `break` for
    `continue` (every rule after the counted-back one lost), `or` for `and` (a KeyError before
    publication has started)."""
    text = SHIPPED.read_text(encoding="utf-8")
    head, *rules = text.split("\n[[deadlines]]\n")
    assert rules[-1].startswith('key = "final_report_sent"')
    rules = [rules[-1], *rules[:-1]]
    published = 'key = "published"\nlabel = "Review report published"\nfrom = "decision_made"'
    assert text.count(published) == 1
    own = "\n[[deadlines]]\n".join([head, *rules]).replace(
        published, published.replace('"decision_made"', '"draft_report"')
    )
    schedule = parse_review_schedule(tomllib.loads(own))
    assert schedule.rules[0].before == "published"

    def due_dates(events: dict[str, date]) -> dict[str, date]:
        return {d.key: d.due for d in compute_deadlines(schedule, ENG, Milestones(case=events), JANUARY)}

    assert set(due_dates(UNDER_WAY)) == {"reviewer_appointed", "tor_agreed", "checkpoint:1", "draft_report"}
    drafted = due_dates({**UNDER_WAY, "draft_report": D(2027, 3, 1)})
    assert (drafted["published"], drafted["final_report_sent"]) == (D(2027, 9, 1), D(2027, 8, 20))

"""Due dates and statuses of a case's deadlines (docs/procedure.md), with the shipped schedule and England's
bank holidays. Expected dates are worked out by hand in the comments, from a real 2026-27 calendar:
Christmas Fri 25 Dec 2026, Boxing Day Sat 26 (substitute Mon 28), New Year's Day Fri 1 Jan 2027."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rr_workflow.adapters.config import load_schedule
from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.deadlines import (
    Deadline,
    Deviation,
    Milestones,
    Status,
    compute_deadlines,
    find,
    meeting_window,
)
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import parse_schedule

SHIPPED_SCHEDULE = Path(__file__).resolve().parents[2] / "schedules" / "rapid_review.toml"
SCHEDULE = load_schedule(SHIPPED_SCHEDULE)
ENG = WorkingCalendar(CalendarSettings(region="ENG"))

AWARE = date(2026, 12, 18)  # Friday
RECEIVED = date(2026, 12, 21)  # Monday
SENT = date(2026, 12, 22)  # Tuesday: templates sent to the police and the local authority
NEW_CASE = {"aware": AWARE, "referral_received": RECEIVED}


def deadlines(
    case: dict[str, date] | None = None,
    agencies: dict[str, dict[str, date]] | None = None,
    as_of: date = RECEIVED,
    deviations: tuple[Deviation, ...] = (),
) -> dict[str, Deadline]:
    found = compute_deadlines(
        SCHEDULE, ENG, Milestones(case=case or dict(NEW_CASE), agencies=agencies or {}), as_of, deviations
    )
    keyed = {d.key: d for d in found}
    assert len(keyed) == len(found), "two deadlines with the same key"
    return keyed


def status(key: str, as_of: date, case=None, agencies=None, deviations=()) -> str:
    return deadlines(case, agencies, as_of, deviations)[key].status


# -- due dates -------------------------------------------------------------------------------------


def test_a_new_case_has_the_deadlines_of_its_first_events() -> None:
    """Referral Mon 2026-12-21, aware Fri 2026-12-18: only the deadlines counted from those two events
    exist yet, with their docs/working-days.md due dates."""
    found = deadlines()
    assert {k: d.due for k, d in found.items()} == {
        # Fri 18 + 5: Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25, Mon 28 holidays) Tue 29.
        "sin_notified": date(2026, 12, 29),
        "scoping_sent": date(2026, 12, 23),
        "meeting_held": date(2027, 1, 12),
        "review_complete": date(2027, 1, 13),
    }
    assert found["meeting_held"].earliest == date(2027, 1, 4)
    assert all(d.earliest is None for k, d in found.items() if k != "meeting_held")
    assert found["sin_notified"].counts_from == AWARE
    assert found["scoping_sent"].counts_from == RECEIVED


def test_deadlines_come_in_due_date_order() -> None:
    """compute_deadlines lists the deadlines by due date."""
    found = compute_deadlines(SCHEDULE, ENG, Milestones(case=dict(NEW_CASE)), RECEIVED)
    assert [d.key for d in found] == ["scoping_sent", "sin_notified", "meeting_held", "review_complete"]


def test_no_deadline_before_its_starting_event() -> None:
    """With no events recorded there are no deadlines; each appears once its starting event happens."""
    assert compute_deadlines(SCHEDULE, ENG, Milestones(), RECEIVED) == []
    assert set(deadlines(case={"aware": AWARE})) == {"sin_notified", "review_complete"}
    assert set(deadlines(case={"referral_received": RECEIVED})) == {"scoping_sent", "meeting_held"}


def test_per_agency_deadlines_only_for_agencies_sent_the_template() -> None:
    """scoping_returned and records_secured exist for each agency that was sent the template, keyed
    'rule:agency', counted from that agency's own date; an agency not yet sent it has none."""
    found = deadlines(
        case={**NEW_CASE, "scoping_sent": SENT},
        agencies={
            "police": {"scoping_sent": SENT},
            "la": {"scoping_sent": date(2026, 12, 23)},
            "health": {},
        },
    )
    per_agency = {k: (d.agency, d.due) for k, d in found.items() if d.agency}
    assert per_agency == {
        # Tue 22 + 5: Wed 23, Thu 24, Tue 29, Wed 30, Thu 31 (docs/working-days.md worked example).
        "scoping_returned:police": ("police", date(2026, 12, 31)),
        "records_secured:police": ("police", date(2026, 12, 31)),
        # Wed 23 + 5: Thu 24, Tue 29, Wed 30, Thu 31, (Fri 1 Jan) Mon 4 Jan.
        "scoping_returned:la": ("la", date(2027, 1, 4)),
        "records_secured:la": ("la", date(2027, 1, 4)),
    }
    police = found["scoping_returned:police"]
    assert police.rule_key == "scoping_returned"
    assert police.owner == "agency"
    assert police.counts_from == SENT
    assert "police" in police.label
    # Once the templates have gone out the meeting date is due (1 working day after Tue 22: Wed 23).
    assert found["meeting_date_set"].due == date(2026, 12, 23)


def test_deadlines_counted_from_the_meeting() -> None:
    """Meeting held Thu 2027-01-07: report to the Panel and outcome to the agencies due Mon 2027-01-11."""
    found = deadlines(case={**NEW_CASE, "scoping_sent": SENT, "meeting_held": date(2027, 1, 7)})
    assert found["panel_submission"].due == date(2027, 1, 11)
    assert found["outcome_shared"].due == date(2027, 1, 11)
    assert found["meeting_held"].status == Status.MET


def test_review_complete_counted_from_the_sin_when_configured() -> None:
    """A partnership that counts the overall limit from the SIN (docs/procedure.md) gets review_complete only
    once the SIN is recorded, 15 working days after it."""
    import tomllib

    text = SHIPPED_SCHEDULE.read_text(encoding="utf-8")
    old = 'key = "review_complete"\nlabel = "Rapid Review complete (report with the Panel)"\nfrom = "aware"'
    assert text.count(old) == 1
    schedule = parse_schedule(tomllib.loads(text.replace(old, old.replace('"aware"', '"sin_notified"'))))
    before = compute_deadlines(schedule, ENG, Milestones(case=dict(NEW_CASE)), RECEIVED)
    assert "review_complete" not in {d.key for d in before}
    after = compute_deadlines(
        schedule, ENG, Milestones(case={**NEW_CASE, "sin_notified": date(2026, 12, 22)}), RECEIVED
    )
    # Tue 22 + 15: 23, 24, 29, 30, 31 (5), 4-8 Jan (10), 11-15 Jan (15).
    assert find(after, "review_complete").due == date(2027, 1, 15)


def test_deadlines_follow_the_calendar_in_force() -> None:
    """With 24 and 29-31 December closed, the referral's templates are still due Wed 23 but the SIN
    (Fri 18 + 5) moves from Tue 29 Dec to Tue 5 Jan: Mon 21, Tue 22, Wed 23, Mon 4, Tue 5."""
    closed = WorkingCalendar(
        CalendarSettings(annual_closures=((12, 24, "x"), (12, 29, "x"), (12, 30, "x"), (12, 31, "x")))
    )
    found = {d.key: d for d in compute_deadlines(SCHEDULE, closed, Milestones(case=dict(NEW_CASE)), RECEIVED)}
    assert found["scoping_sent"].due == date(2026, 12, 23)
    assert found["sin_notified"].due == date(2027, 1, 5)


# -- statuses --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(date(2026, 12, 21), Status.PENDING, id="two-working-days-before"),
        pytest.param(date(2026, 12, 22), Status.DUE_SOON, id="one-working-day-before"),
        pytest.param(date(2026, 12, 23), Status.DUE_SOON, id="on-the-due-date"),
        pytest.param(date(2026, 12, 24), Status.OVERDUE, id="the-day-after"),
        pytest.param(date(2027, 2, 1), Status.OVERDUE, id="weeks-after"),
    ],
)
def test_status_of_an_open_deadline(as_of: date, expected: str) -> None:
    """Templates due Wed 2026-12-23: pending, due soon from one working day before, overdue after."""
    assert status("scoping_sent", as_of) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(date(2026, 12, 23), Status.PENDING, id="wed-23-two-working-days-before"),
        pytest.param(date(2026, 12, 24), Status.DUE_SOON, id="thu-24-one-working-day-before"),
        pytest.param(date(2026, 12, 25), Status.DUE_SOON, id="christmas-day"),
        pytest.param(date(2026, 12, 28), Status.DUE_SOON, id="substitute-day"),
        pytest.param(date(2026, 12, 29), Status.DUE_SOON, id="due-date"),
        pytest.param(date(2026, 12, 30), Status.OVERDUE, id="day-after"),
    ],
)
def test_due_soon_counts_working_days_back(as_of: date, expected: str) -> None:
    """SIN due Tue 2026-12-29: one working day before it is Thu 24 December, not Mon 28."""
    assert deadlines(as_of=as_of)["sin_notified"].due_soon_from == date(2026, 12, 24)
    assert status("sin_notified", as_of) == expected


@pytest.mark.parametrize(
    ("met_on", "as_of", "expected"),
    [
        pytest.param(date(2026, 12, 21), date(2026, 12, 21), Status.MET, id="same-day-as-referral"),
        pytest.param(date(2026, 12, 23), date(2026, 12, 23), Status.MET, id="on-the-due-date"),
        pytest.param(date(2026, 12, 23), date(2027, 3, 1), Status.MET, id="met-stays-met"),
        pytest.param(date(2026, 12, 24), date(2026, 12, 24), Status.MET_LATE, id="a-day-late"),
        pytest.param(date(2027, 1, 4), date(2027, 2, 1), Status.MET_LATE, id="after-christmas"),
    ],
)
def test_met_and_met_late(met_on: date, as_of: date, expected: str) -> None:
    """A step done on or before the due date meets it; after it, it is met late."""
    found = deadlines(case={**NEW_CASE, "scoping_sent": met_on}, as_of=as_of)["scoping_sent"]
    assert (found.status, found.met_on) == (expected, met_on)
    assert not found.is_open


def test_per_agency_status_uses_that_agencys_events() -> None:
    """The police returned on time and the local authority did not: their deadlines differ."""
    found = deadlines(
        case={**NEW_CASE, "scoping_sent": SENT},
        agencies={
            "police": {"scoping_sent": SENT, "scoping_returned": date(2026, 12, 31)},
            "la": {"scoping_sent": SENT},
        },
        as_of=date(2027, 1, 4),
    )
    assert found["scoping_returned:police"].status == Status.MET
    assert found["scoping_returned:la"].status == Status.OVERDUE
    assert found["records_secured:police"].status == Status.OVERDUE


def test_waived() -> None:
    """A waived deadline is waived (with its reason), not overdue, however late it is."""
    waiver = Deviation("sin_notified", reason="the local authority notified the Panel itself")
    found = deadlines(as_of=date(2027, 2, 1), deviations=(waiver,))["sin_notified"]
    assert found.status == Status.WAIVED
    assert found.reason == "the local authority notified the Panel itself"
    assert not found.is_open


EXTENSION = Deviation("scoping_sent", reason="key worker on leave", extended_to=date(2027, 1, 5))


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(date(2026, 12, 21), Status.EXTENDED, id="before-the-original-date"),
        pytest.param(date(2026, 12, 24), Status.EXTENDED, id="after-the-original-date"),
        pytest.param(date(2027, 1, 5), Status.EXTENDED, id="on-the-new-date"),
        pytest.param(date(2027, 1, 6), Status.OVERDUE, id="after-the-new-date"),
    ],
)
def test_extended(as_of: date, expected: str) -> None:
    """An extended deadline is 'extended' until its new date and overdue after it; the original due
    date is kept."""
    found = deadlines(as_of=as_of, deviations=(EXTENSION,))["scoping_sent"]
    assert found.status == expected
    assert (found.due, found.original_due) == (date(2027, 1, 5), date(2026, 12, 23))
    assert found.reason == "key worker on leave"
    assert found.is_open


@pytest.mark.parametrize(
    ("met_on", "expected"),
    [
        pytest.param(date(2026, 12, 23), Status.MET, id="by-the-original-date"),
        pytest.param(date(2026, 12, 30), Status.MET_LATE, id="within-the-extension"),
        pytest.param(date(2027, 1, 7), Status.MET_LATE, id="after-the-extension"),
    ],
)
def test_an_extension_does_not_make_a_late_step_timely(met_on: date, expected: str) -> None:
    """Met after the original date but within the extension is still met late (docs/procedure.md: the original
    deadline still shows as missed)."""
    case = {**NEW_CASE, "scoping_sent": met_on}
    assert status("scoping_sent", date(2027, 1, 8), case=case, deviations=(EXTENSION,)) == expected


def test_the_latest_deviation_wins() -> None:
    """Deviations are applied in the order recorded: the last one for a deadline is in force."""
    waiver = Deviation("scoping_sent", reason="not needed")
    as_of = date(2027, 1, 4)
    assert status("scoping_sent", as_of, deviations=(EXTENSION, waiver)) == Status.WAIVED
    assert status("scoping_sent", as_of, deviations=(waiver, EXTENSION)) == Status.EXTENDED


def test_a_deviation_applies_to_its_own_deadline_only() -> None:
    """Extending the police's return leaves the local authority's and the other deadlines alone."""
    extension = Deviation("scoping_returned:police", reason="x", extended_to=date(2027, 1, 8))
    found = deadlines(
        case={**NEW_CASE, "scoping_sent": SENT},
        agencies={"police": {"scoping_sent": SENT}, "la": {"scoping_sent": SENT}},
        as_of=date(2027, 1, 4),
        deviations=(extension,),
    )
    assert found["scoping_returned:police"].status == Status.EXTENDED
    assert found["scoping_returned:la"].status == Status.OVERDUE
    assert found["records_secured:police"].status == Status.OVERDUE


def test_a_longer_reminder_window_makes_due_soon_earlier() -> None:
    """due_soon starts as many working days before the due date as the earliest reminder."""
    import tomllib

    text = SHIPPED_SCHEDULE.read_text(encoding="utf-8")
    old = "reminder_days_before = [1, 0]"
    assert text.count(old) == 1
    schedule = parse_schedule(tomllib.loads(text.replace(old, "reminder_days_before = [3, 0]")))
    case = Milestones(case=dict(NEW_CASE))
    on_monday = find(compute_deadlines(schedule, ENG, case, RECEIVED), "sin_notified")
    on_tuesday = find(compute_deadlines(schedule, ENG, case, SENT), "sin_notified")
    # SIN due Tue 29 Dec 2026; three working days before: Thu 24, Wed 23, Tue 22.
    assert on_monday.due_soon_from == date(2026, 12, 22)
    assert (on_monday.status, on_tuesday.status) == (Status.PENDING, Status.DUE_SOON)


# -- helpers ---------------------------------------------------------------------------------------


def test_meeting_window() -> None:
    """meeting_window gives the referral's 7th to 13th working days: Mon 2027-01-04 to Tue 2027-01-12."""
    assert meeting_window(compute_deadlines(SCHEDULE, ENG, Milestones(case=dict(NEW_CASE)), RECEIVED)) == (
        date(2027, 1, 4),
        date(2027, 1, 12),
    )


def test_meeting_window_keeps_the_original_dates_when_extended() -> None:
    """An extension of the meeting deadline does not move the window the guidance sets."""
    extension = Deviation("meeting_held", reason="x", extended_to=date(2027, 1, 20))
    found = compute_deadlines(SCHEDULE, ENG, Milestones(case=dict(NEW_CASE)), RECEIVED, (extension,))
    assert meeting_window(found) == (date(2027, 1, 4), date(2027, 1, 12))
    assert find(found, "meeting_held").due == date(2027, 1, 20)


def test_no_meeting_window_before_the_referral() -> None:
    """Without a referral there is no meeting window."""
    assert meeting_window(compute_deadlines(SCHEDULE, ENG, Milestones(case={"aware": AWARE}), AWARE)) is None
    assert meeting_window([]) is None


def test_find() -> None:
    """find returns the deadline with that key, and refuses an unknown key as bad input."""
    found = compute_deadlines(SCHEDULE, ENG, Milestones(case=dict(NEW_CASE)), RECEIVED)
    assert find(found, "scoping_sent").due == date(2026, 12, 23)
    with pytest.raises(BadInput, match="panel_submission"):
        find(found, "panel_submission")


def test_open_and_closed_statuses() -> None:
    """Every status is either open or closed, never both."""
    every = {
        Status.PENDING,
        Status.DUE_SOON,
        Status.OVERDUE,
        Status.MET,
        Status.MET_LATE,
        Status.WAIVED,
        Status.EXTENDED,
    }
    assert every == Status.OPEN | Status.CLOSED
    assert not Status.OPEN & Status.CLOSED

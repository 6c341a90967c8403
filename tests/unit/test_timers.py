"""The timer plan (docs/procedure.md): when reminders and escalations about a deadline fall due.

Default policy: a reminder to the owner at 09:00 one working day before the due date and at 09:00 on
it; an escalation to the managers at 09:00 on the 1st working day after a missed deadline, repeated
every 2 working days while it stays missed, the independent chair too from the 3rd. Every slot is a
working day (England and Wales: weekends, bank holidays and substitute days never fire) at 09:00
Europe/London, across the clock changes. After downtime only the latest slot is due (coalesced).

The worked examples were counted by hand from the published bank holidays:
  2026: Christmas Fri 25 Dec, Boxing Day Sat 26 Dec -> substitute Mon 28 Dec; New Year Fri 1 Jan 2027.
  2027: Good Friday 26 Mar, Easter Monday 29 Mar (clocks go forward Sun 28 Mar);
        clocks go back Sun 31 Oct; Christmas Sat 25 Dec and Boxing Day Sun 26 Dec -> Mon 27 and Tue 28
        Dec; New Year Sat 1 Jan 2028 -> Mon 3 Jan 2028.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.schedule import NoticePolicy
from rr_workflow.domain.timers import (
    ESCALATION,
    REMINDER,
    Timer,
    due_timers,
    escalation,
    escalation_roles,
    next_timer,
    reminders,
)

LONDON = ZoneInfo("Europe/London")
POLICY = NoticePolicy()
CAL = WorkingCalendar(CalendarSettings())
MANAGERS = ("manager",)
MANAGERS_AND_CHAIR = ("manager", "chair")

# An independent reference for "working day": straight from the holidays package, no WorkingCalendar.
BANK_HOLIDAYS = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2033)))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS


def at9(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), LONDON)


def london(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def plan(due: date, escalations: int = 4) -> list[tuple[str, int, date, tuple[str, ...]]]:
    """(kind, slot, day, roles) of the first reminders and escalations of a deadline due on `due`."""
    timers = reminders("k", due, POLICY, CAL, LONDON) + [
        escalation("k", due, n, POLICY, CAL, LONDON) for n in range(1, escalations + 1)
    ]
    for timer in timers:
        assert timer.fires_at == at9(timer.fires_at.date()), timer
        assert timer.due == due
    return [(t.kind, t.slot, t.fires_at.date(), t.roles) for t in timers]


def due_now(due: date, now: datetime) -> list[tuple[str, int, date]]:
    return [(t.kind, t.slot, t.fires_at.date()) for t in due_timers("k", due, POLICY, CAL, now, LONDON)]


# -- worked examples: Christmas, Easter, weekends ---------------------------------------------------------


def test_templates_due_wed_23_dec_2026_remind_tue_and_wed_then_escalate_over_christmas() -> None:
    # docs/working-days.md: referral received Mon 21 Dec 2026 -> templates due Wed 23 Dec.
    assert plan(date(2026, 12, 23), 5) == [
        (REMINDER, 1, date(2026, 12, 22), ()),
        (REMINDER, 0, date(2026, 12, 23), ()),
        (ESCALATION, 1, date(2026, 12, 24), MANAGERS),  # Christmas Eve is a working day (no closures)
        (ESCALATION, 2, date(2026, 12, 30), MANAGERS),  # 24 -> (25, 26, 27, 28 closed) 29 -> 30
        (ESCALATION, 3, date(2027, 1, 4), MANAGERS_AND_CHAIR),  # 30 -> 31 -> (1 Jan) -> Mon 4
        (ESCALATION, 4, date(2027, 1, 6), MANAGERS_AND_CHAIR),
        (ESCALATION, 5, date(2027, 1, 8), MANAGERS_AND_CHAIR),
    ]


def test_due_on_the_first_working_day_after_christmas_2026_is_reminded_on_christmas_eve() -> None:
    # Tue 29 Dec 2026 (SIN due 5 working days after aware Fri 18 Dec)
    assert plan(date(2026, 12, 29), 3) == [
        (REMINDER, 1, date(2026, 12, 24), ()),
        (REMINDER, 0, date(2026, 12, 29), ()),
        (ESCALATION, 1, date(2026, 12, 30), MANAGERS),
        (ESCALATION, 2, date(2027, 1, 4), MANAGERS),
        (ESCALATION, 3, date(2027, 1, 6), MANAGERS_AND_CHAIR),
    ]


def test_scoping_return_due_new_years_eve_2026_escalates_after_new_year() -> None:
    # docs/working-days.md: template sent Tue 22 Dec 2026 -> return due Thu 31 Dec.
    assert plan(date(2026, 12, 31), 3) == [
        (REMINDER, 1, date(2026, 12, 30), ()),
        (REMINDER, 0, date(2026, 12, 31), ()),
        (ESCALATION, 1, date(2027, 1, 4), MANAGERS),
        (ESCALATION, 2, date(2027, 1, 6), MANAGERS),
        (ESCALATION, 3, date(2027, 1, 8), MANAGERS_AND_CHAIR),
    ]


def test_christmas_2027_substitute_days_and_new_year_2028_substitute_never_fire() -> None:
    # Due Wed 29 Dec 2027: the day before that is a substitute bank holiday (Tue 28), and so is Mon 27.
    assert plan(date(2027, 12, 29), 3) == [
        (REMINDER, 1, date(2027, 12, 24), ()),
        (REMINDER, 0, date(2027, 12, 29), ()),
        (ESCALATION, 1, date(2027, 12, 30), MANAGERS),
        (ESCALATION, 2, date(2028, 1, 4), MANAGERS),  # 30 -> 31 -> (Sat 1, Sun 2, Mon 3 observed) -> Tue 4
        (ESCALATION, 3, date(2028, 1, 6), MANAGERS_AND_CHAIR),
    ]
    # Due Fri 24 Dec 2027: escalations skip the whole Christmas block.
    assert plan(date(2027, 12, 24), 2)[2:] == [
        (ESCALATION, 1, date(2027, 12, 29), MANAGERS),
        (ESCALATION, 2, date(2027, 12, 31), MANAGERS),
    ]


def test_easter_2027_good_friday_and_easter_monday_never_fire() -> None:
    # docs/working-days.md: referral received Thu 25 Mar 2027 -> templates due Wed 31 Mar.
    assert plan(date(2027, 3, 31), 2) == [
        (REMINDER, 1, date(2027, 3, 30), ()),
        (REMINDER, 0, date(2027, 3, 31), ()),
        (ESCALATION, 1, date(2027, 4, 1), MANAGERS),
        (ESCALATION, 2, date(2027, 4, 5), MANAGERS),
    ]
    # Due Tue 30 Mar 2027: reminded on the Thursday before Good Friday.
    assert plan(date(2027, 3, 30), 1)[:2] == [
        (REMINDER, 1, date(2027, 3, 25), ()),
        (REMINDER, 0, date(2027, 3, 30), ()),
    ]
    # Due Thu 25 Mar 2027: first escalation after the Easter weekend.
    assert plan(date(2027, 3, 25), 2)[2:] == [
        (ESCALATION, 1, date(2027, 3, 30), MANAGERS),
        (ESCALATION, 2, date(2027, 4, 1), MANAGERS),
    ]


def test_weekends_never_fire_monday_due_is_reminded_friday_and_friday_due_escalates_monday() -> None:
    assert plan(date(2027, 1, 11), 1)[:2] == [
        (REMINDER, 1, date(2027, 1, 8), ()),
        (REMINDER, 0, date(2027, 1, 11), ()),
    ]
    assert plan(date(2027, 1, 15), 2)[2:] == [
        (ESCALATION, 1, date(2027, 1, 18), MANAGERS),
        (ESCALATION, 2, date(2027, 1, 20), MANAGERS),
    ]
    # Nothing is due on the weekend before a Monday deadline beyond Friday's reminder.
    assert due_now(date(2027, 1, 11), london(2027, 1, 9, 12)) == [(REMINDER, 1, date(2027, 1, 8))]
    assert due_now(date(2027, 1, 11), london(2027, 1, 10, 23, 59)) == [(REMINDER, 1, date(2027, 1, 8))]


def test_chair_is_told_from_the_third_escalation_on() -> None:
    assert [escalation_roles(POLICY, n) for n in (1, 2, 3, 4, 10)] == [
        MANAGERS,
        MANAGERS,
        MANAGERS_AND_CHAIR,
        MANAGERS_AND_CHAIR,
        MANAGERS_AND_CHAIR,
    ]
    assert [t.roles for t in reminders("k", date(2027, 1, 11), POLICY, CAL, LONDON)] == [(), ()]


# -- what is due at a moment: the edges of each slot, and catch-up after downtime -----------------------


def test_each_slot_is_due_from_nine_oclock_not_before() -> None:
    due = date(2026, 12, 23)
    assert due_now(due, london(2026, 12, 22, 8, 59)) == []
    assert due_now(due, london(2026, 12, 22, 9, 0)) == [(REMINDER, 1, date(2026, 12, 22))]
    assert due_now(due, london(2026, 12, 23, 8, 59)) == [(REMINDER, 1, date(2026, 12, 22))]
    assert due_now(due, london(2026, 12, 23, 9, 0)) == [(REMINDER, 0, date(2026, 12, 23))]
    assert due_now(due, london(2026, 12, 23, 23, 59)) == [(REMINDER, 0, date(2026, 12, 23))]
    # The deadline has passed: no reminder any more, and the escalation waits for 09:00.
    assert due_now(due, london(2026, 12, 24, 0, 0)) == []
    assert due_now(due, london(2026, 12, 24, 8, 59)) == []
    assert due_now(due, london(2026, 12, 24, 9, 0)) == [(ESCALATION, 1, date(2026, 12, 24))]
    # Christmas Day, the weekend and the substitute day: still the escalation of Christmas Eve.
    for day in (25, 26, 27, 28):
        assert due_now(due, london(2026, 12, day, 12)) == [(ESCALATION, 1, date(2026, 12, 24))]
    assert due_now(due, london(2026, 12, 30, 8, 59)) == [(ESCALATION, 1, date(2026, 12, 24))]
    assert due_now(due, london(2026, 12, 30, 9, 0)) == [(ESCALATION, 2, date(2026, 12, 30))]


def test_after_downtime_only_the_latest_escalation_is_due() -> None:
    due = date(2026, 12, 23)
    # Down from 22 Dec to 20 Jan: 9 escalation slots passed (24 and 30 Dec, 4, 6, 8, 12, 14, 18 and
    # 20 Jan); one notice, the latest, with the chair.
    timers = due_timers("scoping_sent", due, POLICY, CAL, london(2027, 1, 20, 10), LONDON)
    assert len(timers) == 1
    (latest,) = timers
    assert (latest.kind, latest.slot) == (ESCALATION, 9)
    assert latest.fires_at == at9(date(2027, 1, 20))
    assert latest.roles == MANAGERS_AND_CHAIR
    assert latest == escalation("scoping_sent", due, 9, POLICY, CAL, LONDON)
    # Back at 08:00 that day: the slot of 20 Jan is not reached yet, the one of 18 Jan is.
    (earlier,) = due_timers("scoping_sent", due, POLICY, CAL, london(2027, 1, 20, 8), LONDON)
    assert (earlier.slot, earlier.fires_at) == (8, at9(date(2027, 1, 18)))
    # A year later, still exactly one.
    assert len(due_timers("scoping_sent", due, POLICY, CAL, london(2027, 12, 31, 17), LONDON)) == 1


def test_down_over_the_due_date_the_missed_reminder_is_never_sent_late() -> None:
    # Down from before the reminder of Tue 22 Dec until Thu 24 Dec 10:00: only the escalation.
    assert due_now(date(2026, 12, 23), london(2026, 12, 24, 10)) == [(ESCALATION, 1, date(2026, 12, 24))]
    # Down over both reminders but back on the due date: only the due-date reminder.
    assert due_now(date(2026, 12, 23), london(2026, 12, 23, 17)) == [(REMINDER, 0, date(2026, 12, 23))]


def test_a_policy_with_different_numbers_is_followed() -> None:
    policy = NoticePolicy(
        reminder_days_before=(3, 1, 0),
        reminder_time=time(8, 30),
        escalation_time=time(16, 0),
        escalation_first=2,
        escalation_every=3,
    )
    due = date(2026, 12, 23)
    assert [t.fires_at for t in reminders("k", due, policy, CAL, LONDON)] == [
        datetime(2026, 12, 18, 8, 30, tzinfo=LONDON),
        datetime(2026, 12, 22, 8, 30, tzinfo=LONDON),
        datetime(2026, 12, 23, 8, 30, tzinfo=LONDON),
    ]
    assert [escalation("k", due, n, policy, CAL, LONDON).fires_at for n in (1, 2)] == [
        datetime(2026, 12, 29, 16, 0, tzinfo=LONDON),  # 2nd working day after: 24, (Christmas) 29
        datetime(2027, 1, 4, 16, 0, tzinfo=LONDON),  # 3 more: 30, 31, (1 Jan) 4
    ]


# -- clock changes: 09:00 local is 09:00Z in winter and 08:00Z in summer ---------------------------------


@pytest.mark.parametrize(
    ("due", "expected_utc"),
    [
        # March 2027: clocks go forward on Sun 28 Mar (Easter Sunday).
        (
            date(2027, 3, 30),
            [
                datetime(2027, 3, 25, 9, 0, tzinfo=UTC),  # reminder Thu 25 Mar, GMT
                datetime(2027, 3, 30, 8, 0, tzinfo=UTC),  # reminder Tue 30 Mar, BST
                datetime(2027, 3, 31, 8, 0, tzinfo=UTC),  # escalation 1
            ],
        ),
        # October 2027: clocks go back on Sun 31 Oct.
        (
            date(2027, 11, 1),
            [
                datetime(2027, 10, 29, 8, 0, tzinfo=UTC),  # reminder Fri 29 Oct, BST
                datetime(2027, 11, 1, 9, 0, tzinfo=UTC),  # reminder Mon 1 Nov, GMT
                datetime(2027, 11, 2, 9, 0, tzinfo=UTC),  # escalation 1
            ],
        ),
        # Escalations straddling the change: due Fri 29 Oct 2027, escalated Mon 1 Nov (GMT).
        (
            date(2027, 10, 29),
            [
                datetime(2027, 10, 28, 8, 0, tzinfo=UTC),
                datetime(2027, 10, 29, 8, 0, tzinfo=UTC),
                datetime(2027, 11, 1, 9, 0, tzinfo=UTC),
            ],
        ),
    ],
)
def test_timers_stay_at_nine_local_across_the_clock_changes(due: date, expected_utc: list[datetime]) -> None:
    timers = [*reminders("k", due, POLICY, CAL, LONDON), escalation("k", due, 1, POLICY, CAL, LONDON)]
    for timer in timers:
        local = timer.fires_at.astimezone(LONDON)
        assert (local.hour, local.minute) == (9, 0)
        summer = local.dst() != timedelta(0)
        assert local.utcoffset() == timedelta(hours=1 if summer else 0)
    assert [t.fires_at.astimezone(UTC) for t in timers] == expected_utc


def test_due_timers_compare_instants_not_wall_clocks_across_the_clock_change() -> None:
    # Tue 30 Mar 2027 (BST): the due-date reminder fires at 08:00Z.
    due = date(2027, 3, 30)
    assert due_now(due, datetime(2027, 3, 30, 7, 59, tzinfo=UTC)) == [(REMINDER, 1, date(2027, 3, 25))]
    assert due_now(due, datetime(2027, 3, 30, 8, 0, tzinfo=UTC)) == [(REMINDER, 0, date(2027, 3, 30))]
    # Mon 1 Nov 2027 (GMT again): the escalation of a Friday deadline fires at 09:00Z, not 08:00Z.
    due = date(2027, 10, 29)
    assert due_now(due, datetime(2027, 11, 1, 8, 30, tzinfo=UTC)) == []
    assert due_now(due, datetime(2027, 11, 1, 9, 0, tzinfo=UTC)) == [(ESCALATION, 1, date(2027, 11, 1))]
    # Just after local midnight in summer is still the previous day in UTC: the local date counts.
    due = date(2027, 6, 15)
    assert due_now(due, datetime(2027, 6, 15, 23, 30, tzinfo=UTC)) == []  # 00:30 BST on Wed 16 June
    assert due_now(due, datetime(2027, 6, 15, 22, 30, tzinfo=UTC)) == [(REMINDER, 0, date(2027, 6, 15))]


def test_next_timer_across_easter_and_the_march_clock_change() -> None:
    due = date(2027, 3, 31)
    after = london(2027, 3, 29, 12)  # Easter Monday, BST since Sunday
    timer = next_timer("k", due, POLICY, CAL, after, LONDON)
    assert (timer.kind, timer.slot) == (REMINDER, 1)
    assert timer.fires_at.astimezone(UTC) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
    # From Thu 1 Apr 09:00 (escalation 1 just fired) the next is escalation 2 on Mon 5 Apr (Easter
    # Monday is 29 Mar, so nothing is skipped here but the weekend).
    timer = next_timer("k", due, POLICY, CAL, london(2027, 4, 1, 9), LONDON)
    assert (timer.kind, timer.slot, timer.fires_at) == (ESCALATION, 2, at9(date(2027, 4, 5)))


# -- properties -------------------------------------------------------------------------------------------

working_dues = st.dates(min_value=date(2026, 1, 1), max_value=date(2031, 12, 31)).map(
    lambda d: CAL.add(d, 1)  # the next working day: every computed deadline is one
)
offsets = st.integers(min_value=-20 * 24 * 60, max_value=60 * 24 * 60)  # minutes around the due date
PROPERTY = settings(max_examples=300, deadline=None)


def enumerate_slots(due: date, until: datetime) -> list[Timer]:
    """Every reminder and escalation of a deadline up to a little after `until`, in order."""
    slots = list(reminders("k", due, POLICY, CAL, LONDON))
    n = 1
    while True:
        slot = escalation("k", due, n, POLICY, CAL, LONDON)
        slots.append(slot)
        if slot.fires_at > until:
            return slots
        n += 1


def assert_fires_nine_local_on_a_working_day(timer: Timer) -> None:
    local = timer.fires_at.astimezone(LONDON)
    assert (local.hour, local.minute, local.second) == (9, 0, 0), timer
    assert is_working_day(local.date()), timer
    assert timer.fires_at.astimezone(UTC).hour == (8 if local.dst() else 9), timer


@PROPERTY
@given(due=working_dues, minutes=offsets)
def test_property_every_due_timer_fires_at_nine_on_a_working_day_and_is_the_latest_slot(
    due: date, minutes: int
) -> None:
    now = (at9(due) + timedelta(minutes=minutes)).astimezone(UTC)
    timers = due_timers("k", due, POLICY, CAL, now, LONDON)
    assert len(timers) <= 1
    for timer in timers:
        assert_fires_nine_local_on_a_working_day(timer)
        assert timer.fires_at <= now
        if timer.kind == ESCALATION:
            assert timer.roles == (MANAGERS_AND_CHAIR if timer.slot >= 3 else MANAGERS)
        else:
            assert timer.roles == ()
    # Consistency with the full plan: the latest slot reached, except a reminder once the due date
    # has passed (an escalation, or nothing before its 09:00, takes its place).
    reached = [s for s in enumerate_slots(due, now) if s.fires_at <= now]
    if now.astimezone(LONDON).date() > due:
        reached = [s for s in reached if s.kind == ESCALATION]
    assert timers == reached[-1:]


@PROPERTY
@given(due=working_dues, minutes=offsets)
def test_property_next_timer_is_the_first_slot_after_the_moment(due: date, minutes: int) -> None:
    after = (at9(due) + timedelta(minutes=minutes)).astimezone(UTC)
    timer = next_timer("k", due, POLICY, CAL, after, LONDON)
    assert_fires_nine_local_on_a_working_day(timer)
    assert timer.fires_at > after
    assert timer == next(s for s in enumerate_slots(due, after) if s.fires_at > after)


@PROPERTY
@given(due=working_dues, count=st.integers(min_value=1, max_value=12))
def test_property_the_whole_plan_is_on_working_days_in_order(due: date, count: int) -> None:
    timers = [*reminders("k", due, POLICY, CAL, LONDON)] + [
        escalation("k", due, n, POLICY, CAL, LONDON) for n in range(1, count + 1)
    ]
    for timer in timers:
        assert_fires_nine_local_on_a_working_day(timer)
    moments = [t.fires_at for t in timers]
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
    assert all(t.fires_at.date() <= due for t in timers if t.kind == REMINDER)
    assert all(t.fires_at.date() > due for t in timers if t.kind == ESCALATION)


# -- a due date that is not a working day -----------------------------------------------------------------


@pytest.mark.parametrize("due", [date(2027, 1, 9), date(2026, 12, 25), date(2027, 3, 29)])
def test_a_due_date_on_a_non_working_day_still_fires_only_on_working_days(due: date) -> None:
    assert not is_working_day(due)
    for timer in reminders("k", due, POLICY, CAL, LONDON):
        assert_fires_nine_local_on_a_working_day(timer)
    for minutes in range(0, 3 * 24 * 60, 60):
        for timer in due_timers(
            "k", due, POLICY, CAL, at9(due) - timedelta(days=1, minutes=-minutes), LONDON
        ):
            assert_fires_nine_local_on_a_working_day(timer)


@given(due=st.dates(min_value=date(2026, 1, 1), max_value=date(2031, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_property_escalations_fire_on_working_days_whatever_the_due_date(due: date) -> None:
    for n in (1, 2, 3):
        assert_fires_nine_local_on_a_working_day(escalation("k", due, n, POLICY, CAL, LONDON))


# -- a partnership's own escalation policy -------------------------------------------------------------

LATE_POLICY = NoticePolicy(escalation_first=3, escalation_every=2)


def test_a_policy_escalating_from_the_third_working_day_fires_on_its_own_slots() -> None:
    """Due Wed 13 Jan 2027, escalations from the 3rd working day after, every 2: Mon 18, Wed 20, Fri 22,
    Tue 26 Jan (no bank holiday in between). The next slot after Wed 20 Jan 10:00 is the 3rd (Fri 22),
    and what is due then is the 2nd (Wed 20). Planted bug caught: the starting slot estimated from the
    working days late plus the first slot's offset (instead of minus), skipping to Tue 26 Jan."""
    due = date(2027, 1, 13)
    slots = [escalation("k", due, n, LATE_POLICY, CAL, LONDON).fires_at for n in range(1, 5)]
    assert slots == [at9(date(2027, 1, d)) for d in (18, 20, 22, 26)]
    after = london(2027, 1, 20, 10, 0)
    upcoming = next_timer("k", due, LATE_POLICY, CAL, after, LONDON)
    assert (upcoming.kind, upcoming.slot, upcoming.fires_at) == (ESCALATION, 3, at9(date(2027, 1, 22)))
    fired = due_timers("k", due, LATE_POLICY, CAL, after, LONDON)
    assert [(t.kind, t.slot, t.fires_at) for t in fired] == [(ESCALATION, 2, at9(date(2027, 1, 20)))]
    before_first = next_timer("k", due, LATE_POLICY, CAL, london(2027, 1, 15, 12, 0), LONDON)
    assert (before_first.slot, before_first.fires_at) == (1, at9(date(2027, 1, 18)))


def test_an_escalation_names_its_deadline() -> None:
    """Due Mon 2 Mar 2026, missed: the 1st escalation is at 09:00 on Tue 3 Mar, to the managers, and it
    names its deadline. Planted (mutation run, 26 Nov 2026): the escalation's deadline key None."""
    now = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)
    assert due_timers("sin_notified", date(2026, 3, 2), POLICY, CAL, now, LONDON) == [
        Timer(
            "sin_notified",
            "escalation",
            1,
            datetime(2026, 3, 3, 9, 0, tzinfo=LONDON),
            date(2026, 3, 2),
            MANAGERS,
        )
    ]

"""Working-day arithmetic (docs/working-days.md): worked examples and the awkward days of 2025-2030.

Every expected date below comes from the worked examples of docs/working-days.md or was worked out
by hand from the published UK bank holidays, never from the code under test. Dates are written
"Mon 2026-12-21" and the weekday is checked when the table is built, so a slip in a table fails loudly
instead of testing nonsense.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.errors import BadInput


def day(text: str) -> date:
    """'Mon 2026-12-21' -> date(2026, 12, 21), refusing a weekday that does not match the date."""
    weekday, iso = text.split()
    value = date.fromisoformat(iso)
    if value.strftime("%a") != weekday:
        raise ValueError(f"{iso} is a {value:%a}, not a {weekday}")
    return value


ENG = WorkingCalendar(CalendarSettings(region="ENG"))
CALENDARS = {
    region: WorkingCalendar(CalendarSettings(region=region)) for region in ("ENG", "WLS", "SCT", "NIR")
}

CHRISTMAS_CLOSURES = CalendarSettings(
    annual_closures=(
        (12, 24, "Christmas Eve closure"),
        (12, 29, "Christmas closure"),
        (12, 30, "Christmas closure"),
        (12, 31, "New Year's Eve closure"),
    )
)
CLOSED_AT_CHRISTMAS = WorkingCalendar(CHRISTMAS_CLOSURES)

# The weekday bank holidays of England and Wales (gov.uk), substitute days included.
ENGLAND_WEEKDAY_BANK_HOLIDAYS = {
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2028: ["01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"],
    2029: ["01-01", "03-30", "04-02", "05-07", "05-28", "08-27", "12-25", "12-26"],
    2030: ["01-01", "04-19", "04-22", "05-06", "05-27", "08-26", "12-25", "12-26"],
}


# -- the worked examples of docs/working-days.md -------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("Mon 2026-12-21", 2, "Wed 2026-12-23", id="referral-templates-due"),
        pytest.param("Fri 2026-12-18", 15, "Wed 2027-01-13", id="aware-review-complete"),
        pytest.param("Tue 2026-12-22", 5, "Thu 2026-12-31", id="template-sent-return-due"),
        pytest.param("Thu 2027-01-07", 2, "Mon 2027-01-11", id="meeting-held-report-due"),
        pytest.param("Thu 2027-03-25", 2, "Wed 2027-03-31", id="easter-referral-templates-due"),
    ],
)
def test_spec_worked_examples(start: str, n: int, expected: str) -> None:
    """Each 'within N working days of X' example of docs/working-days.md gives the date stated there."""
    assert ENG.add(day(start), n) == day(expected)


def test_spec_worked_example_meeting_window() -> None:
    """Referral received Mon 2026-12-21: the meeting window runs from 2027-01-04 to 2027-01-12."""
    assert ENG.window(day("Mon 2026-12-21"), 7, 13) == (day("Mon 2027-01-04"), day("Tue 2027-01-12"))


# -- England: Christmas, New Year, Easter, May, weekends, bank holidays ------------------------------

ENGLAND_CASES = [
    # Christmas and New Year, every year.
    pytest.param("Wed 2025-12-24", 1, "Mon 2025-12-29", id="2025-christmas-thu-fri"),
    pytest.param("Wed 2025-12-24", 4, "Fri 2026-01-02", id="2025-christmas-into-new-year"),
    pytest.param("Wed 2025-12-31", 1, "Fri 2026-01-02", id="2026-new-year-thursday"),
    pytest.param("Thu 2026-12-24", 1, "Tue 2026-12-29", id="2026-boxing-day-substitute-mon-28"),
    pytest.param("Thu 2026-12-31", 1, "Mon 2027-01-04", id="2027-new-year-friday"),
    pytest.param("Fri 2027-12-24", 1, "Wed 2027-12-29", id="2027-christmas-substitutes-mon-27-tue-28"),
    pytest.param("Fri 2027-12-24", 3, "Fri 2027-12-31", id="2027-last-day-before-christmas-plus-3"),
    pytest.param("Fri 2027-12-24", 4, "Tue 2028-01-04", id="2027-christmas-into-2028"),
    pytest.param("Fri 2027-12-31", 1, "Tue 2028-01-04", id="2028-new-year-substitute-mon-3"),
    pytest.param("Fri 2028-12-22", 1, "Wed 2028-12-27", id="2028-christmas-mon-tue"),
    pytest.param("Fri 2028-12-29", 1, "Tue 2029-01-02", id="2029-new-year-monday"),
    pytest.param("Mon 2029-12-24", 1, "Thu 2029-12-27", id="2029-christmas-tue-wed"),
    pytest.param("Mon 2029-12-31", 1, "Wed 2030-01-02", id="2030-new-year-tuesday"),
    pytest.param("Tue 2030-12-24", 1, "Fri 2030-12-27", id="2030-christmas-wed-thu"),
    pytest.param("Tue 2030-12-31", 1, "Thu 2031-01-02", id="2031-new-year-wednesday"),
    # Easter: Maundy Thursday + 1 skips Good Friday, the weekend and Easter Monday.
    pytest.param("Thu 2025-04-17", 1, "Tue 2025-04-22", id="2025-easter"),
    pytest.param("Thu 2026-04-02", 1, "Tue 2026-04-07", id="2026-easter"),
    pytest.param("Thu 2027-03-25", 1, "Tue 2027-03-30", id="2027-easter"),
    pytest.param("Thu 2028-04-13", 1, "Tue 2028-04-18", id="2028-easter"),
    pytest.param("Thu 2029-03-29", 1, "Tue 2029-04-03", id="2029-easter-across-march-april"),
    pytest.param("Thu 2030-04-18", 1, "Tue 2030-04-23", id="2030-easter"),
    # The early May and spring bank holidays (first and last Monday of May).
    pytest.param("Fri 2025-05-02", 1, "Tue 2025-05-06", id="2025-early-may"),
    pytest.param("Fri 2025-05-23", 1, "Tue 2025-05-27", id="2025-spring"),
    pytest.param("Fri 2026-05-01", 1, "Tue 2026-05-05", id="2026-early-may"),
    pytest.param("Fri 2026-05-22", 1, "Tue 2026-05-26", id="2026-spring"),
    pytest.param("Fri 2027-04-30", 1, "Tue 2027-05-04", id="2027-early-may"),
    pytest.param("Fri 2027-05-28", 1, "Tue 2027-06-01", id="2027-spring-may-31"),
    pytest.param("Fri 2028-04-28", 1, "Tue 2028-05-02", id="2028-early-may-1"),
    pytest.param("Fri 2028-05-26", 1, "Tue 2028-05-30", id="2028-spring"),
    pytest.param("Fri 2029-05-04", 1, "Tue 2029-05-08", id="2029-early-may"),
    pytest.param("Fri 2029-05-25", 1, "Tue 2029-05-29", id="2029-spring"),
    pytest.param("Fri 2030-05-03", 1, "Tue 2030-05-07", id="2030-early-may"),
    pytest.param("Fri 2030-05-24", 1, "Tue 2030-05-28", id="2030-spring"),
    pytest.param("Fri 2026-08-28", 1, "Tue 2026-09-01", id="2026-late-summer-aug-31"),
    # A start on a weekend counts from the next working day; nothing else changes.
    pytest.param("Sat 2026-03-07", 2, "Tue 2026-03-10", id="saturday-plus-2-is-tuesday"),
    pytest.param("Sun 2026-03-08", 1, "Mon 2026-03-09", id="sunday-plus-1-is-monday"),
    pytest.param("Fri 2026-03-06", 1, "Mon 2026-03-09", id="friday-plus-1-is-monday"),
    pytest.param("Sat 2026-05-02", 1, "Tue 2026-05-05", id="saturday-before-bank-holiday-monday"),
    pytest.param("Sat 2026-12-26", 1, "Tue 2026-12-29", id="boxing-day-on-a-saturday"),
    # A start on a bank holiday.
    pytest.param("Fri 2026-04-03", 1, "Tue 2026-04-07", id="start-good-friday"),
    pytest.param("Mon 2026-04-06", 1, "Tue 2026-04-07", id="start-easter-monday"),
    pytest.param("Fri 2026-12-25", 1, "Tue 2026-12-29", id="start-christmas-day"),
    pytest.param("Mon 2026-12-28", 1, "Tue 2026-12-29", id="start-substitute-day"),
    pytest.param("Fri 2027-01-01", 1, "Mon 2027-01-04", id="start-new-years-day"),
    pytest.param("Mon 2027-05-31", 5, "Mon 2027-06-07", id="start-spring-bank-holiday-plus-5"),
    # The last working day before Christmas, and longer counts across the holiday.
    pytest.param("Thu 2026-12-24", 5, "Tue 2027-01-05", id="2026-christmas-eve-plus-5"),
    pytest.param("Wed 2025-12-24", 10, "Mon 2026-01-12", id="2025-christmas-eve-plus-10"),
]


@pytest.mark.parametrize("region", ["ENG", "WLS"])
@pytest.mark.parametrize(("start", "n", "expected"), ENGLAND_CASES)
def test_add_in_england_and_wales(region: str, start: str, n: int, expected: str) -> None:
    """The deadline is the N-th working day strictly after the start, skipping weekends and the bank
    holidays of England and Wales (substitute days included)."""
    assert CALENDARS[region].add(day(start), n) == day(expected)


@pytest.mark.parametrize("year", sorted(ENGLAND_WEEKDAY_BANK_HOLIDAYS))
def test_every_day_of_the_year_in_england(year: int) -> None:
    """In England a day is a working day exactly when it is Monday-Friday and not a bank holiday."""
    holidays = {date.fromisoformat(f"{year}-{md}") for md in ENGLAND_WEEKDAY_BANK_HOLIDAYS[year]}
    day_ = date(year, 1, 1)
    wrong = []
    while day_.year == year:
        expected = day_.weekday() < 5 and day_ not in holidays
        if ENG.is_working_day(day_) != expected:
            wrong.append(day_)
        day_ += timedelta(days=1)
    assert wrong == []


@pytest.mark.parametrize(
    ("region", "year", "expected"),
    [
        # 261 weekdays, minus the weekday bank holidays of the year.
        pytest.param("ENG", 2025, 261 - 8, id="ENG-2025"),
        pytest.param("ENG", 2026, 261 - 8, id="ENG-2026"),
        pytest.param("ENG", 2027, 261 - 8, id="ENG-2027"),
        pytest.param("ENG", 2028, 260 - 8, id="ENG-2028-leap-year-starting-saturday"),
        pytest.param("ENG", 2029, 261 - 8, id="ENG-2029"),
        pytest.param("ENG", 2030, 261 - 8, id="ENG-2030"),
        pytest.param("WLS", 2027, 261 - 8, id="WLS-2027"),
        # Scotland: 2 January (substitute Mon 4), no Easter Monday, early August, St Andrew's day.
        pytest.param("SCT", 2027, 261 - 9, id="SCT-2027"),
        # Northern Ireland: England's plus St Patrick's day (Wed) and 12 July (Mon).
        pytest.param("NIR", 2027, 261 - 10, id="NIR-2027"),
    ],
)
def test_working_days_in_a_year(region: str, year: int, expected: int) -> None:
    """between(31 December, next 31 December) counts the working days of the year."""
    assert CALENDARS[region].between(date(year - 1, 12, 31), date(year, 12, 31)) == expected


# -- closure days and extra days -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "without", "with_closures"),
    [
        pytest.param("Mon 2026-12-21", 2, "Wed 2026-12-23", "Wed 2026-12-23", id="templates-before-closure"),
        pytest.param("Mon 2026-12-21", 3, "Thu 2026-12-24", "Mon 2027-01-04", id="christmas-eve-closed"),
        pytest.param("Tue 2026-12-22", 5, "Thu 2026-12-31", "Thu 2027-01-07", id="template-return"),
        pytest.param("Fri 2026-12-18", 15, "Wed 2027-01-13", "Tue 2027-01-19", id="review-complete"),
        pytest.param("Thu 2027-12-23", 1, "Fri 2027-12-24", "Tue 2028-01-04", id="2027-closed-until-4-jan"),
        pytest.param("Fri 2028-12-22", 2, "Thu 2028-12-28", "Thu 2028-12-28", id="2028-closure-on-sunday"),
        pytest.param("Fri 2028-12-22", 3, "Fri 2028-12-29", "Tue 2029-01-02", id="2028-friday-29-closed"),
    ],
)
def test_annual_closures_shift_deadlines(start: str, n: int, without: str, with_closures: str) -> None:
    """The partnership's annual closure days (24, 29-31 December) are not working days."""
    assert ENG.add(day(start), n) == day(without)
    assert CLOSED_AT_CHRISTMAS.add(day(start), n) == day(with_closures)


def test_meeting_window_with_christmas_closures() -> None:
    """With 24 and 29-31 December closed, the 7th-13th working days after Mon 2026-12-21 are
    Fri 2027-01-08 to Mon 2027-01-18."""
    assert CLOSED_AT_CHRISTMAS.window(day("Mon 2026-12-21"), 7, 13) == (
        day("Fri 2027-01-08"),
        day("Mon 2027-01-18"),
    )


def test_closure_days_are_not_working_days() -> None:
    """A closure day on a weekday is closed; the same day is a working day without the closure."""
    assert ENG.is_working_day(day("Thu 2026-12-24"))
    assert not CLOSED_AT_CHRISTMAS.is_working_day(day("Thu 2026-12-24"))
    assert not CLOSED_AT_CHRISTMAS.is_working_day(day("Thu 2026-12-31"))
    assert CLOSED_AT_CHRISTMAS.is_working_day(day("Wed 2026-12-23"))


def test_leap_day_closure() -> None:
    """A 29 February closure applies in leap years and is silently absent in common years."""
    cal = WorkingCalendar(CalendarSettings(annual_closures=((2, 29, "Leap day closure"),)))
    assert cal.add(day("Mon 2028-02-28"), 1) == day("Wed 2028-03-01")
    assert cal.add(day("Fri 2027-02-26"), 1) == day("Mon 2027-03-01")
    assert (day("Tue 2028-02-29"), "Leap day closure") in cal.non_working_days(2028)
    assert all(d.month != 2 for d, _ in cal.non_working_days(2027))


@pytest.mark.parametrize(
    ("extra", "start", "n", "expected"),
    [
        pytest.param("Fri 2027-01-08", "Thu 2027-01-07", 2, "Tue 2027-01-12", id="extra-day-shifts-report"),
        pytest.param("Sat 2027-01-09", "Thu 2027-01-07", 2, "Mon 2027-01-11", id="extra-saturday-no-effect"),
        pytest.param("Tue 2027-01-05", "Mon 2027-01-04", 1, "Wed 2027-01-06", id="extra-day-next-day"),
        pytest.param("Tue 2060-06-08", "Mon 2060-06-07", 1, "Wed 2060-06-09", id="extra-day-decades-ahead"),
    ],
)
def test_extra_days_shift_deadlines(extra: str, start: str, n: int, expected: str) -> None:
    """A one-off extra non-working day is skipped like a bank holiday (a weekend one changes nothing),
    whichever year it is in."""
    cal = WorkingCalendar(CalendarSettings(extra_days={day(extra): "Extra closure"}))
    cal.add(day("Mon 2026-12-21"), 2)  # the calendar first works near today, then far ahead
    assert cal.add(day(start), n) == day(expected)


# -- the four regions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "eng", "sct", "nir"),
    [
        pytest.param(
            "Wed 2025-12-31", 1, "Fri 2026-01-02", "Mon 2026-01-05", "Fri 2026-01-02", id="2-january"
        ),
        pytest.param(
            "Thu 2026-12-31",
            1,
            "Mon 2027-01-04",
            "Tue 2027-01-05",
            "Mon 2027-01-04",
            id="2-january-on-saturday",
        ),
        pytest.param(
            "Fri 2027-12-31",
            1,
            "Tue 2028-01-04",
            "Wed 2028-01-05",
            "Tue 2028-01-04",
            id="1-and-2-january-weekend",
        ),
        pytest.param(
            "Thu 2027-03-25",
            2,
            "Wed 2027-03-31",
            "Tue 2027-03-30",
            "Wed 2027-03-31",
            id="no-easter-monday-in-sct",
        ),
        pytest.param(
            "Fri 2027-07-30",
            1,
            "Mon 2027-08-02",
            "Tue 2027-08-03",
            "Mon 2027-08-02",
            id="sct-summer-early-august",
        ),
        pytest.param(
            "Fri 2027-08-27",
            1,
            "Tue 2027-08-31",
            "Mon 2027-08-30",
            "Tue 2027-08-31",
            id="eng-late-summer-only",
        ),
        pytest.param(
            "Mon 2027-11-29", 1, "Tue 2027-11-30", "Wed 2027-12-01", "Tue 2027-11-30", id="st-andrews-day"
        ),
        pytest.param(
            "Fri 2025-11-28",
            1,
            "Mon 2025-12-01",
            "Tue 2025-12-02",
            "Mon 2025-12-01",
            id="st-andrews-on-sunday",
        ),
        pytest.param(
            "Fri 2030-11-29",
            1,
            "Mon 2030-12-02",
            "Tue 2030-12-03",
            "Mon 2030-12-02",
            id="st-andrews-on-saturday",
        ),
        pytest.param(
            "Tue 2027-03-16", 1, "Wed 2027-03-17", "Wed 2027-03-17", "Thu 2027-03-18", id="st-patricks-day"
        ),
        pytest.param(
            "Fri 2029-03-16",
            1,
            "Mon 2029-03-19",
            "Mon 2029-03-19",
            "Tue 2029-03-20",
            id="st-patricks-on-saturday",
        ),
        pytest.param("Fri 2027-07-09", 1, "Mon 2027-07-12", "Mon 2027-07-12", "Tue 2027-07-13", id="12-july"),
        pytest.param(
            "Fri 2026-07-10", 1, "Mon 2026-07-13", "Mon 2026-07-13", "Tue 2026-07-14", id="12-july-on-sunday"
        ),
        pytest.param(
            "Fri 2025-07-11",
            1,
            "Mon 2025-07-14",
            "Mon 2025-07-14",
            "Tue 2025-07-15",
            id="12-july-on-saturday",
        ),
    ],
)
def test_regions_differ(start: str, n: int, eng: str, sct: str, nir: str) -> None:
    """Scotland and Northern Ireland have their own bank holidays; Wales has England's."""
    results = {region: cal.add(day(start), n) for region, cal in CALENDARS.items()}
    assert results == {"ENG": day(eng), "WLS": day(eng), "SCT": day(sct), "NIR": day(nir)}


@pytest.mark.parametrize("year", range(2025, 2031))
def test_wales_has_the_bank_holidays_of_england(year: int) -> None:
    """Wales and England share their bank holidays (docs/working-days.md: 'England and Wales')."""
    assert [d for d, _ in CALENDARS["WLS"].non_working_days(year)] == [
        d for d, _ in ENG.non_working_days(year)
    ]


# -- n == 0, subtract, between ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    ["Mon 2026-12-21", "Sat 2026-12-26", "Fri 2026-12-25", "Mon 2026-12-28", "Sun 2027-03-28"],
)
def test_zero_working_days_is_the_start_itself(start: str) -> None:
    """add(d, 0) and subtract(d, 0) return d, even when d is not a working day."""
    assert ENG.add(day(start), 0) == day(start)
    assert ENG.subtract(day(start), 0) == day(start)
    assert ENG.window(day(start), 0, 0) == (day(start), day(start))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("Tue 2027-01-12", 13, "Mon 2026-12-21", id="meeting-window-back-to-referral"),
        pytest.param("Tue 2026-12-29", 1, "Thu 2026-12-24", id="over-christmas-and-substitute"),
        pytest.param("Mon 2027-01-04", 1, "Thu 2026-12-31", id="over-new-year"),
        pytest.param("Sat 2026-03-07", 1, "Fri 2026-03-06", id="from-saturday"),
        pytest.param("Sun 2026-03-08", 2, "Thu 2026-03-05", id="from-sunday-2"),
        pytest.param("Tue 2027-03-30", 1, "Thu 2027-03-25", id="over-easter"),
        pytest.param("Wed 2027-12-29", 1, "Fri 2027-12-24", id="over-2027-substitutes"),
        pytest.param("Tue 2028-01-04", 1, "Fri 2027-12-31", id="over-2028-new-year-substitute"),
        pytest.param("Mon 2026-12-28", 1, "Thu 2026-12-24", id="from-a-substitute-day"),
    ],
)
def test_subtract(start: str, n: int, expected: str) -> None:
    """subtract(d, n) is the n-th working day strictly before d; add(d, -n) is the same."""
    assert ENG.subtract(day(start), n) == day(expected)
    assert ENG.add(day(start), -n) == day(expected)


def test_negative_subtract_adds() -> None:
    """subtract(d, -n) counts forwards, like add(d, n)."""
    assert ENG.subtract(day("Mon 2026-12-21"), -2) == day("Wed 2026-12-23")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param("Mon 2026-12-21", "Wed 2026-12-23", 2, id="templates"),
        pytest.param("Mon 2026-12-21", "Tue 2027-01-12", 13, id="meeting-window-end"),
        pytest.param("Fri 2026-12-18", "Wed 2027-01-13", 15, id="review-complete"),
        pytest.param("Mon 2026-12-21", "Mon 2026-12-21", 0, id="same-day"),
        pytest.param("Sat 2026-03-07", "Sun 2026-03-08", 0, id="weekend-only"),
        pytest.param("Fri 2026-03-06", "Sat 2026-03-07", 0, id="to-a-saturday"),
        pytest.param("Fri 2026-03-06", "Mon 2026-03-09", 1, id="over-a-weekend"),
        pytest.param("Fri 2026-12-25", "Mon 2026-12-28", 0, id="christmas-to-substitute"),
        pytest.param("Thu 2026-12-24", "Tue 2026-12-29", 1, id="christmas-break"),
        pytest.param("Thu 2027-03-25", "Wed 2027-03-31", 2, id="easter"),
    ],
)
def test_between(start: str, end: str, expected: int) -> None:
    """between counts the working days after start up to and including end, and is negative (the
    same magnitude) with the dates the other way round."""
    assert ENG.between(day(start), day(end)) == expected
    assert ENG.between(day(end), day(start)) == -expected


def test_between_negative_worked_example() -> None:
    """From the end of the meeting window back to the referral is -13 working days."""
    assert ENG.between(day("Tue 2027-01-12"), day("Mon 2026-12-21")) == -13


# -- naming the non-working days -------------------------------------------------------------------


@pytest.mark.parametrize("year", sorted(ENGLAND_WEEKDAY_BANK_HOLIDAYS))
def test_non_working_days_lists_the_weekday_bank_holidays(year: int) -> None:
    """The weekday dates non_working_days lists are exactly the year's weekday bank holidays."""
    listed = [d for d, _ in ENG.non_working_days(year) if d.weekday() < 5]
    assert listed == [date.fromisoformat(f"{year}-{md}") for md in ENGLAND_WEEKDAY_BANK_HOLIDAYS[year]]


def test_non_working_days_2026_in_date_order_with_the_weekend_boxing_day() -> None:
    """2026: Boxing Day falls on Saturday 26 December and is listed, as is its substitute, Mon 28."""
    days = ENG.non_working_days(2026)
    assert [d for d, _ in days] == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 28),
    ]
    assert all(name for _, name in days)


@pytest.mark.parametrize(
    ("region", "when", "holiday"),
    [
        pytest.param("ENG", "Mon 2026-12-28", "Boxing Day", id="2026-boxing-day"),
        pytest.param("ENG", "Mon 2027-12-27", "Christmas Day", id="2027-christmas-day"),
        pytest.param("ENG", "Tue 2027-12-28", "Boxing Day", id="2027-boxing-day"),
        pytest.param("ENG", "Mon 2028-01-03", "New Year", id="2028-new-years-day"),
        pytest.param("SCT", "Mon 2025-12-01", "Andrew", id="2025-st-andrews-day"),
        pytest.param("SCT", "Mon 2027-01-04", "New Year", id="2027-2-january"),
        pytest.param("NIR", "Mon 2029-03-19", "Patrick", id="2029-st-patricks-day"),
    ],
)
def test_substitute_days_are_named_after_their_holiday(region: str, when: str, holiday: str) -> None:
    """A substitute day is listed with a name that says which holiday it stands in for and that it is
    not the day itself."""
    named = dict(CALENDARS[region].non_working_days(day(when).year))
    assert day(when) in named
    assert holiday in named[day(when)]
    originals = {name for d, name in named.items() if d.weekday() >= 5 and holiday in name}
    assert named[day(when)] not in originals


def test_non_working_days_name_closures_and_extra_days_of_that_year_only() -> None:
    """Closures and extra days are listed with their names, in their own year, in date order."""
    settings = CalendarSettings(
        annual_closures=((12, 24, "Christmas Eve closure"),),
        extra_days={date(2027, 6, 7): "Extra bank holiday", date(2028, 6, 6): "Other year"},
    )
    days = WorkingCalendar(settings).non_working_days(2027)
    assert (date(2027, 6, 7), "Extra bank holiday") in days
    assert (date(2027, 12, 24), "Christmas Eve closure") in days
    assert all(d.year == 2027 for d, _ in days)
    assert days == sorted(days)


def test_a_closure_on_a_bank_holiday_keeps_the_bank_holiday() -> None:
    """A closure that coincides with a bank holiday does not make the day count twice."""
    cal = WorkingCalendar(CalendarSettings(annual_closures=((12, 25, "Office closed"),)))
    assert cal.add(day("Thu 2026-12-24"), 1) == day("Tue 2026-12-29")
    assert [d for d, _ in cal.non_working_days(2026)].count(date(2026, 12, 25)) == 1


# -- outside the supported span --------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(lambda cal: cal.add(date(1899, 12, 29), 1), id="add-from-1899"),
        pytest.param(lambda cal: cal.add(date(2200, 1, 1), 1), id="add-from-2200"),
        pytest.param(lambda cal: cal.add(date(1, 1, 1), 5), id="add-from-year-1"),
        pytest.param(lambda cal: cal.add(date(9999, 12, 31), 1), id="add-from-9999"),
        pytest.param(lambda cal: cal.add(date(2199, 12, 20), 30), id="add-beyond-2199"),
        pytest.param(lambda cal: cal.add(date(2026, 1, 1), 1_000_000), id="add-a-million-days"),
        pytest.param(lambda cal: cal.subtract(date(2200, 3, 1), 1), id="subtract-from-2200"),
        pytest.param(lambda cal: cal.subtract(date(1850, 3, 1), 1), id="subtract-from-1850"),
        pytest.param(lambda cal: cal.subtract(date(1900, 1, 3), 5), id="subtract-before-1900"),
        pytest.param(lambda cal: cal.subtract(date(2026, 1, 1), 1_000_000), id="subtract-a-million-days"),
        pytest.param(lambda cal: cal.is_working_day(date(1899, 12, 31)), id="is-working-1899"),
        pytest.param(lambda cal: cal.is_working_day(date(2200, 1, 1)), id="is-working-2200"),
        pytest.param(lambda cal: cal.between(date(2026, 1, 1), date(2200, 6, 1)), id="between-to-2200"),
        pytest.param(lambda cal: cal.between(date(1899, 6, 1), date(2026, 1, 1)), id="between-from-1899"),
    ],
)
@pytest.mark.usefixtures("fails_fast")
def test_dates_outside_1900_to_2199_are_refused(question) -> None:
    """A date (or an answer) outside 1900..2199 is almost surely a typing mistake: BadInput, at once,
    on a fresh calendar and on one that has already been used."""
    for cal in (WorkingCalendar(CalendarSettings()), ENG):
        with pytest.raises(BadInput):
            question(cal)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param(lambda cal: cal.add(day("Tue 2199-06-04"), 1), day("Wed 2199-06-05"), id="add-in-2199"),
        pytest.param(
            lambda cal: cal.add(day("Tue 2199-09-17"), 0), day("Tue 2199-09-17"), id="add-0-in-2199"
        ),
        pytest.param(lambda cal: cal.is_working_day(day("Tue 2199-12-31")), True, id="last-day-2199"),
        pytest.param(
            lambda cal: cal.subtract(day("Wed 1900-07-11"), 1), day("Tue 1900-07-10"), id="subtract-in-1900"
        ),
        pytest.param(lambda cal: cal.is_working_day(day("Tue 1900-01-02")), True, id="first-week-1900"),
    ],
)
def test_dates_near_the_ends_of_the_span_are_answered(question, expected) -> None:
    """A question about a date inside 1900..2199 whose answer is inside it too is answered."""
    assert question(WorkingCalendar(CalendarSettings())) == expected


def test_a_fresh_calendar_asked_about_the_last_day_of_a_year_that_is_not_a_working_day() -> None:
    """Sunday 31 Dec 2028, the first question a fresh calendar is asked: the day lies past the last working
    day it has counted. Planted bug caught (by mutation): `index <= len(...)` in `is_working_day`, an
    IndexError instead of False."""
    assert WorkingCalendar(CalendarSettings(region="ENG")).is_working_day(date(2028, 12, 31)) is False
    assert WorkingCalendar(CalendarSettings(region="ENG")).is_working_day(date(2027, 12, 31)) is True

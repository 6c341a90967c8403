"""How documents word dates, counts and roles (domain/wording.py), in English whatever the locale.

Expected values are written from the module's promise ("Monday 4 January 2027", "Mon 4 Jan", "4 January
2017", "10:00") and the calendar: 4 January 2027 is a Monday, 31 December 2026 a Thursday.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from rr_workflow.domain.wording import (
    birth_date,
    clock_time,
    counted,
    date_or,
    joined,
    long_date,
    role_name,
    short_date,
    working_days,
)


class TestDates:
    @pytest.mark.parametrize(
        ("day", "long", "short"),
        [
            (date(2027, 1, 4), "Monday 4 January 2027", "Mon 4 Jan"),
            (date(2026, 12, 31), "Thursday 31 December 2026", "Thu 31 Dec"),
            (date(2027, 5, 9), "Sunday 9 May 2027", "Sun 9 May"),
            (date(2027, 9, 18), "Saturday 18 September 2027", "Sat 18 Sep"),
        ],
    )
    def test_long_and_short_dates(self, day: date, long: str, short: str) -> None:
        """Planted bugs caught: the month or weekday off by one, a leading zero, the year in the short
        form, or the short form cut to other than three letters."""
        assert long_date(day) == long
        assert short_date(day) == short

    def test_a_date_of_birth_has_no_weekday(self) -> None:
        assert birth_date(date(2017, 1, 4)) == "4 January 2017"
        assert birth_date(date(2016, 12, 25)) == "25 December 2016"

    def test_an_unknown_date_is_said_in_words(self) -> None:
        assert date_or(date(2027, 1, 4)) == "Monday 4 January 2027"
        assert date_or(None) == "not yet known"
        assert date_or(None, "not set") == "not set"

    def test_a_clock_time_has_24_hours_and_two_digit_minutes(self) -> None:
        assert clock_time(time(9, 5)) == "09:05"
        assert clock_time(time(14, 30)) == "14:30"


class TestCounts:
    def test_one_is_singular_other_counts_plural(self) -> None:
        assert working_days(1) == "1 working day"
        assert working_days(2) == "2 working days"
        assert working_days(0) == "0 working days"
        assert counted(3, "agency", "agencies") == "3 agencies"
        assert counted(1, "agency", "agencies") == "1 agency"

    def test_lists_are_joined_with_commas_and_the_last_word(self) -> None:
        assert joined([]) == ""
        assert joined(["la"]) == "la"
        assert joined(["la", "police"]) == "la and police"
        assert joined(["la", "police", "health"]) == "la, police and health"
        assert joined(["la", "police", "health"], "or") == "la, police or health"


class TestRoles:
    """A letter names a role as the partnership does, never by its key in the permissions table."""

    @pytest.mark.parametrize(
        ("role", "one", "many"),
        [
            ("coordinator", "the business unit coordinator", "the business unit coordinators"),
            ("manager", "a manager of the partnership", "the partnership's managers"),
            ("chair", "the independent chair", "the independent chair"),
            ("admin", "an administrator", "the administrators"),
        ],
    )
    def test_each_role_has_its_name_for_one_and_for_many(self, role: str, one: str, many: str) -> None:
        """Planted bug caught: `many` ignored (always the plural) or defaulting to one person."""
        assert role_name(role, many=False) == one
        assert role_name(role, many=True) == many
        assert role_name(role) == many

    def test_a_role_without_a_name_is_said_plainly(self) -> None:
        assert role_name("auditor", many=False) == "the auditor"
        assert role_name("auditor") == "the auditors"

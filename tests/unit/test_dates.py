"""Dates as people type them (rr_workflow/domain/dates.py): ISO, UK day-first, `today` and `yesterday`.

Planted bugs caught: the UK form read month first (5/1/2027 as 1 May), `yesterday` as tomorrow, a
date with leading or trailing spaces refused."""

from __future__ import annotations

from datetime import date

import pytest

from rr_workflow.domain.dates import parse_day

TODAY = date(2027, 1, 1)  # a Friday, New Year's Day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-05", date(2027, 1, 5)),
        ("  2027-01-05 ", date(2027, 1, 5)),
        ("5/1/2027", date(2027, 1, 5)),  # day first: 5 January, never 1 May
        ("05/01/2027", date(2027, 1, 5)),
        ("31/12/2026", date(2026, 12, 31)),
        ("29/02/2028", date(2028, 2, 29)),
        ("today", TODAY),
        ("Today", TODAY),
        (" YESTERDAY ", date(2026, 12, 31)),
    ],
)
def test_what_a_person_types_names_this_day(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


def test_iso_and_uk_forms_need_no_today() -> None:
    assert parse_day("2027-01-05") == date(2027, 1, 5)
    assert parse_day("5/1/2027") == date(2027, 1, 5)


@pytest.mark.parametrize("word", ["today", "yesterday"])
def test_words_need_the_callers_today(word: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_day(word)
    assert str(raised.value) == (
        f"'{word}' needs to know today's date here (expected YYYY-MM-DD or DD/MM/YYYY)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", "'tomorrow' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)"),
        ("2027-1-5", "'2027-1-5' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)"),
        ("1/5/27", "'1/5/27' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)"),
        (
            "2027-01-05x",
            "'2027-01-05x' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)",
        ),
        ("x5/1/2027", "'x5/1/2027' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)"),
        (
            "2027/01/05",
            "'2027/01/05' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)",
        ),
        ("", "'' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)"),
        (
            "2027-02-30",
            "'2027-02-30' is not a date (read as year-month-day; "
            "expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)",
        ),
        (
            "12/31/2026",  # month first: refused, never read as 31 December
            "'12/31/2026' is not a date (read as day/month/year; "
            "expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)",
        ),
    ],
)
def test_anything_else_is_refused_with_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_day(text, TODAY)
    assert str(raised.value) == message

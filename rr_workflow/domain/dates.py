"""Dates as people type them: ISO `2027-01-05`, UK `05/01/2027` (day first, never month first), and the
words `today` and `yesterday` (relative to the clock the caller passes in)."""

from __future__ import annotations

import re
from datetime import date, timedelta

ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
EXPECTED = "expected YYYY-MM-DD or DD/MM/YYYY, or today / yesterday"


def parse_day(text: str, today: date | None = None) -> date:
    """The date `text` names; ValueError (with a message for the person who typed it) if none.

    >>> parse_day("2027-01-05"), parse_day("5/1/2027"), parse_day("yesterday", date(2027, 1, 1))
    (datetime.date(2027, 1, 5), datetime.date(2027, 1, 5), datetime.date(2026, 12, 31))
    """
    value = text.strip()
    word = value.lower()
    if word in ("today", "yesterday"):
        if today is None:
            raise ValueError(f"{text!r} needs to know today's date here ({EXPECTED[:-22]})")
        return today if word == "today" else today - timedelta(days=1)
    iso, uk = ISO.fullmatch(value), UK.fullmatch(value)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        raise ValueError(f"{text!r} is not a date ({EXPECTED})")
    try:
        return date(year, month, day)
    except ValueError:
        order = "day/month/year" if uk else "year-month-day"
        raise ValueError(f"{text!r} is not a date (read as {order}; {EXPECTED})") from None

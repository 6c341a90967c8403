"""How documents say things to the people who read them: one date style, counted nouns, names for roles.

Pure functions, English whatever the machine's locale. Every letter, notice and form takes its dates from
here so that an agency reads one style everywhere: "Monday 4 January 2027" (weekday, no leading zero,
no ISO dates); a date of birth has no weekday ("4 January 2017").
"""

from __future__ import annotations

from datetime import date, time

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# How a document names the partnership's roles (never the role keys of the permissions table).
ROLE_NAMES = {
    "coordinator": ("the business unit coordinator", "the business unit coordinators"),
    "manager": ("a manager of the partnership", "the partnership's managers"),
    "chair": ("the independent chair", "the independent chair"),
    "admin": ("an administrator", "the administrators"),
}


def long_date(day: date) -> str:
    """'Monday 4 January 2027'."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """'Mon 4 Jan' (for subjects, where space is short)."""
    return f"{WEEKDAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"


def birth_date(day: date) -> str:
    """A date of birth: '4 January 2017' (no weekday)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_or(day: date | None, otherwise: str = "not yet known") -> str:
    return long_date(day) if day else otherwise


def clock_time(at: time) -> str:
    """'10:00' (24-hour, as British public bodies write meeting times)."""
    return f"{at.hour:02d}:{at.minute:02d}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 working day', '2 working days', '0 working days'."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def working_days(n: int) -> str:
    return counted(n, "working day")


def role_name(role: str, *, many: bool = True) -> str:
    """How a letter names a role: 'the partnership's managers', never 'managers' or 'manager'."""
    one, several = ROLE_NAMES.get(role, (f"the {role}", f"the {role}s"))
    return several if many else one


def joined(items: list[str], last: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"

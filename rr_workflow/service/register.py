"""The register a partnership keeps today, read as the steps a coordinator would have recorded.

Each row of the register (docs/import.md lists its columns) becomes a `CasePlan`: the recording steps of
that case in the order they happened, each naming the service function that records it, its arguments
(dated with `on=`) and the column it comes from. This module only reads the register: a cell that is not a
date, an agency nobody registered, a reference given twice. Whether each step is allowed (the order of the
procedure, quorum, dates before the referral...) is decided when the plan is recorded, by the same service
functions the CLI calls (service/importing.py), so no rule of the procedure has a second copy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from rr_workflow.adapters.spreadsheet import Cell, Sheet
from rr_workflow.domain.dates import parse_day

NOT_RECORDED = "not recorded in the register"

# Canonical column names (lower case, words separated by one space), with the few other spellings found
# in registers. The per-agency columns are "<agency> sent", "<agency> returned", "<agency> secured".
FIELDS = (
    "reference",
    "received",
    "aware",
    "referrer",
    "summary",
    "sin notified",
    "meeting set",
    "meeting date",
    "meeting time",
    "meeting held",
    "outside window reason",
    "attendees",
    "decision",
    "rationale",
    "actions",
    "endorsed",
    "endorsed by",
    "submitted",
    "outcome shared",
    "panel response",
    "panel agrees",
    "panel questions",
    "panel answered",
    "closed",
    "declined",
    "decline reason",
    "notes",
)
ALIASES = {
    "ref": "reference",
    "case reference": "reference",
    "referral received": "received",
    "date received": "received",
    "date aware": "aware",
    "referring agency": "referrer",
    "sin": "sin notified",
    "sin date": "sin notified",
    "held": "meeting held",
    "outcome": "decision",
    "endorsement": "endorsed",
    "submission": "submitted",
    "report submitted": "submitted",
}
REQUIRED = ("reference", "received", "referrer")
AGENCY_EVENTS = ("sent", "returned", "secured")

# The order of the steps on one day: the order of the procedure.
RANK = {
    "case_open": 0,
    "sin_notified": 1,
    "scoping_send": 2,
    "meeting_schedule": 3,
    "scoping_returned": 4,
    "records_secured": 5,
    "meeting_held": 6,
    "decide": 7,
    "endorse": 8,
    "submit": 9,
    "outcome_shared": 10,
    "panel_response": 11,
    "panel_answered": 12,
    "close": 13,
    "decline": 13,
}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # as written in the register's header, with its letter: `F (police returned)`
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class Step:
    """One recording command: `commands.<command>(app, ref, **args)`, on the day `on`."""

    command: str
    on: date
    args: Mapping[str, Any]
    column: str
    what: str


@dataclass
class CasePlan:
    row: int
    ref: str
    steps: list[Step] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    index: int
    heading: str  # as written
    field: str  # canonical name, or "<agency key> sent|returned|secured"
    agency: str | None = None
    event: str | None = None

    @property
    def label(self) -> str:
        return f"{letter(self.index)} ({self.heading})"


def letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def words(text: str) -> str:
    """`Police_Returned ` -> `police returned`: how headings and agency names are compared."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Agencies:
    """The registered agencies, found by key or by name, regardless of case and punctuation."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.partners: list[str] = []
        self._by_words: dict[str, str] = {}
        for row in rows:
            key = str(row["key"])
            self._by_words.setdefault(words(key), key)
            self._by_words.setdefault(words(str(row["name"])), key)
            if row.get("partner"):
                self.partners.append(key)

    def find(self, text: str) -> str | None:
        return self._by_words.get(words(text))


def columns(sheet: Sheet, agencies: Agencies) -> tuple[list[Column], list[Problem]]:
    """The register's columns, understood; a problem (row 1) for each heading that is not one."""
    found: list[Column] = []
    problems: list[Problem] = []
    seen: dict[str, Column] = {}
    for index, heading in enumerate(sheet.header):
        name = words(heading)
        if not name:
            if any(_filled(row[index]) for _, row in sheet.rows):
                problems.append(Problem(1, letter(index), "this column has values but no heading"))
            continue
        column = _column(index, heading, name, agencies)
        label = f"{letter(index)} ({heading})"
        if column is None:
            problems.append(Problem(1, label, _unknown_heading(name)))
            continue
        if column.field in seen:
            first = seen[column.field]
            problems.append(Problem(1, label, f"the same column as {first.label}"))
            continue
        seen[column.field] = column
        found.append(column)
    for required in REQUIRED:
        if required not in seen:
            problems.append(Problem(1, f"({required})", "the register has no such column: it is required"))
    return found, problems


def _column(index: int, heading: str, name: str, agencies: Agencies) -> Column | None:
    name = ALIASES.get(name, name)
    if name in FIELDS:
        return Column(index, heading, name)
    agency_words, _, event = name.rpartition(" ")
    if event in AGENCY_EVENTS and agency_words:
        key = agencies.find(agency_words)
        if key is not None:
            return Column(index, heading, f"{key} {event}", key, event)
    return None


def _unknown_heading(name: str) -> str:
    agency_words, _, event = name.rpartition(" ")
    if event in AGENCY_EVENTS and agency_words:
        return (
            f"no agency {agency_words!r} is registered (rr agency list shows them; "
            "rr agency add registers one)"
        )
    return "not a column of the register (docs/import.md lists them; rename it `notes` to keep it)"


# -- reading one row ----------------------------------------------------------------------------------


class Row:
    """The cells of one register row, read by column name; every unreadable cell is a `Problem`."""

    def __init__(self, number: int, cells: Sequence[Cell], cols: Sequence[Column]) -> None:
        self.number = number
        self.problems: list[Problem] = []
        self._cells = {c.field: cells[c.index] for c in cols}
        self._cols = {c.field: c for c in cols}
        self._days: dict[str, date | None] = {}  # each cell read once, so each problem is reported once

    def label(self, name: str) -> str:
        column = self._cols.get(name)
        return column.label if column else f"({name})"

    def problem(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.number, self.label(name), message))

    def text(self, name: str) -> str | None:
        value = self._cells.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime | date | time):
            value = value.isoformat()
        stripped = str(value).strip()
        return stripped or None

    def day(self, name: str) -> date | None:
        if name not in self._days:
            self._days[name] = self._day(name)
        return self._days[name]

    def _day(self, name: str) -> date | None:
        value = self._cells.get(name)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = self.text(name)
        if text is None:
            return None
        try:
            return parse_day(text)
        except ValueError as error:
            self.problem(name, str(error))
            return None

    def clock(self, name: str) -> time | None:
        value = self._cells.get(name)
        if isinstance(value, time):
            return value
        if isinstance(value, datetime):
            return value.time()
        text = self.text(name)
        if text is None:
            return None
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
        self.problem(name, f"{text!r} is not a time of day (expected HH:MM, e.g. 10:00)")
        return None

    def yes(self, name: str) -> bool:
        text = self.text(name)
        if text is None:
            return False
        answer = words(text)
        if answer in ("yes", "y", "true", "1", "held", "x"):
            return True
        if answer in ("no", "n", "false", "0", "not held"):
            return False
        self.problem(name, f"{text!r} is not yes or no")
        return False

    def agency(self, name: str, agencies: Agencies) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        key = agencies.find(text)
        if key is None:
            self.problem(name, f"no agency {text!r} is registered (rr agency list shows them)")
        return key


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


# -- the plan --------------------------------------------------------------------------------------------


def plan(sheet: Sheet, agencies: Agencies) -> tuple[list[CasePlan], list[Problem]]:
    """Every row's plan, and the problems with the register as a whole (its header)."""
    cols, header_problems = columns(sheet, agencies)
    if not set(REQUIRED) <= {c.field for c in cols}:
        return [], header_problems
    plans: list[CasePlan] = []
    first_row: dict[str, int] = {}
    for number, cells in sheet.rows:
        case = plan_row(Row(number, cells, cols), cols, agencies)
        key = case.ref.lower()
        if case.ref and key in first_row:
            case.problems.insert(
                0, Problem(number, Row(number, cells, cols).label("reference"), _twice(first_row[key]))
            )
        elif case.ref:
            first_row[key] = number
        plans.append(case)
    return plans, header_problems


def _twice(row: int) -> str:
    return f"the same reference as row {row}: one row per case"


def plan_row(row: Row, cols: Sequence[Column], agencies: Agencies) -> CasePlan:
    ref = row.text("reference") or ""
    case = CasePlan(row.number, ref)
    for name in REQUIRED:
        if row.text(name) is None:
            row.problem(name, f"{name} is required")
    received = row.day("received")
    aware = row.day("aware") or received
    referrer = row.agency("referrer", agencies)
    steps: list[Step] = []

    def add(command: str, on: date | None, column: str, what: str, **args: Any) -> None:
        if on is not None:
            steps.append(
                Step(
                    command,
                    on,
                    {**args, "on": on} if command != "case_open" else args,
                    row.label(column),
                    what,
                )
            )

    if received is not None and aware is not None and referrer is not None and ref:
        summary = row.text("summary")
        add(
            "case_open",
            received,
            "reference",
            f"case opened (referral from {referrer}, aware {aware.isoformat()})",
            received=received,
            aware=aware,
            referrer=referrer,
            summary=summary,
        )
    add("sin_notified", row.day("sin notified"), "sin notified", "Serious Incident Notification sent")
    sent = _agency_steps(row, cols, add)
    _meeting_steps(row, agencies, sent, add)
    outcome = row.text("decision")
    if outcome is not None:
        held = row.day("meeting date") if row.yes("meeting held") else None
        if held is None:
            row.problem(
                "decision", "a decision is made at a meeting held: fill in meeting date and meeting held"
            )
        add(
            "decide",
            held,
            "decision",
            f"decision: {words(outcome).replace(' ', '_')}",
            outcome=words(outcome).replace(" ", "_"),
            rationale=row.text("rationale") or NOT_RECORDED,
            actions=_actions(row.text("actions")),
        )
    add(
        "endorse",
        row.day("endorsed"),
        "endorsed",
        "outcome endorsed",
        by=row.text("endorsed by") or NOT_RECORDED,
    )
    add("submit", row.day("submitted"), "submitted", "report sent to the National Panel")
    add("outcome_shared", row.day("outcome shared"), "outcome shared", "outcome shared with the agencies")
    responded = row.day("panel response")
    if responded is not None:
        agrees = row.yes("panel agrees") if row.text("panel agrees") is not None else True
        questions = row.text("panel questions")
        add(
            "panel_response",
            responded,
            "panel response",
            "the National Panel's response" + ("" if agrees else " (does not agree)"),
            agrees=agrees,
            questions=questions,
        )
        add("panel_answered", row.day("panel answered"), "panel answered", "the Panel's questions answered")
    without = None if responded is not None else "the Panel's response is " + NOT_RECORDED
    add("close", row.day("closed"), "closed", "case closed", without_response=without)
    add(
        "decline",
        row.day("declined"),
        "declined",
        "referral declined",
        reason=row.text("decline reason") or NOT_RECORDED,
    )
    case.problems = row.problems
    opening = [s for s in steps if s.command == "case_open"]
    rest = sorted((s for s in steps if s.command != "case_open"), key=lambda s: (s.on, RANK[s.command]))
    case.steps = [*opening, *rest] if opening else []
    return case


def _agency_steps(row: Row, cols: Sequence[Column], add: Any) -> list[date]:
    """Scoping sent (one step per day, naming every agency sent to that day), returned, secured; returns
    the days templates were sent."""
    sent: dict[date, list[str]] = {}
    for column in cols:
        if column.agency is None:
            continue
        day = row.day(column.field)
        if day is None:
            continue
        if column.event == "sent":
            sent.setdefault(day, []).append(column.agency)
        elif column.event == "returned":
            add(
                "scoping_returned",
                day,
                column.field,
                f"{column.agency} returned its template",
                agency=column.agency,
            )
        else:
            add(
                "records_secured",
                day,
                column.field,
                f"{column.agency} secured its records",
                agency=column.agency,
            )
    for day, keys in sent.items():
        column = f"{keys[0]} sent"
        add("scoping_send", day, column, f"scoping template sent to {', '.join(keys)}", agencies=keys)
    return list(sent)


def _meeting_steps(row: Row, agencies: Agencies, sent: Sequence[date], add: Any) -> None:
    """The meeting date, set on `meeting set` (or, not recorded, the day the last templates went out, as
    the procedure expects), and the meeting held on that date."""
    meeting = row.day("meeting date")
    held = row.yes("meeting held")
    at = row.clock("meeting time")
    set_on = row.day("meeting set")
    if meeting is None:
        for name in ("meeting time", "meeting set", "attendees"):
            if row.text(name) is not None:
                row.problem(name, "there is no meeting date on this row")
        if held:
            row.problem("meeting held", "there is no meeting date on this row")
        return
    if set_on is None:
        set_on = min(max(sent), meeting) if sent else row.day("received")
    add(
        "meeting_schedule",
        set_on,
        "meeting set" if row.text("meeting set") else "meeting date",
        f"meeting date set for {meeting.isoformat()}" + (f" {at:%H:%M}" if at else ""),
        meeting_date=meeting,
        at=at,
        outside_window_reason=row.text("outside window reason"),
    )
    if held:
        add(
            "meeting_held",
            meeting,
            "meeting held",
            "meeting held",
            attendees=_attendees(row, agencies),
        )


def _attendees(row: Row, agencies: Agencies) -> list[str]:
    """`AGENCY:NAME` for each person present; a bare agency (or an empty cell: each safeguarding partner)
    is recorded with its name not recorded."""
    text = row.text("attendees")
    if text is None:
        return [f"{key}:{NOT_RECORDED}" for key in agencies.partners]
    result = []
    for item in re.split(r"[;\n]", text):
        if not item.strip():
            continue
        who, _, name = item.partition(":")
        key = agencies.find(who)
        if key is None:
            row.problem("attendees", f"no agency {who.strip()!r} is registered (write AGENCY: NAME; ...)")
            continue
        result.append(f"{key}:{name.strip() or NOT_RECORDED}")
    return result


def _actions(text: str | None) -> list[str]:
    return [item.strip() for item in re.split(r"[;\n]", text or "") if item.strip()]

"""Reading a partnership's register (`rr import`): columns, cells and the steps each row becomes, without
a database. Whether a step is allowed is the service layer's business (tests/integration/test_import.py).

Planted bugs, caught: steps sorted by date only (the decision before the meeting held on the same day:
`test_a_whole_row_becomes_the_steps_in_the_order_they_happened`); `DD/MM` read month first
(`test_dates_are_read_day_first_and_never_month_first`); a duplicate reference matched case-sensitively
(`test_a_reference_given_twice_is_a_problem_on_the_second_row`)."""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from pathlib import Path

import pytest

from rr_workflow.adapters import spreadsheet
from rr_workflow.adapters.spreadsheet import Sheet
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import register

AGENCIES = register.Agencies(
    [
        {"key": "la", "name": "Northshire Council", "partner": "la"},
        {"key": "police", "name": "Northshire Police", "partner": "police"},
        {"key": "health", "name": "Northshire ICB", "partner": "health"},
        {"key": "school", "name": "Northshire Primary School", "partner": None},
    ]
)


def sheet(header: list[str], *rows: list[object]) -> Sheet:
    return Sheet("test.csv", header, [(n, list(r)) for n, r in enumerate(rows, start=2)])


def plan(header: list[str], *rows: list[object]) -> tuple[list[register.CasePlan], list[str]]:
    """The plans, and every problem: the header's, then each row's."""
    plans, problems = register.plan(sheet(header, *rows), AGENCIES)
    return plans, [str(p) for p in [*problems, *(p for case in plans for p in case.problems)]]


def test_spreadsheet_letters() -> None:
    assert [register.letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


def test_headings_are_matched_whatever_their_case_spaces_and_punctuation() -> None:
    header = ["Case Reference", "RECEIVED", "date_aware", "Referring agency", "SIN date", "Police-Sent",
              "Northshire ICB returned", "Held", "Notes"]  # fmt: skip
    columns, problems = register.columns(sheet(header), AGENCIES)
    assert problems == []
    assert [c.field for c in columns] == [
        "reference", "received", "aware", "referrer", "sin notified", "police sent", "health returned",
        "meeting held", "notes",
    ]  # fmt: skip


def test_unknown_and_repeated_headings_and_missing_required_columns_are_problems_on_row_1() -> None:
    header = ["Reference", "Recieved", "Fire sent", "reference", "Referrer"]
    _, problems = register.columns(sheet(header), AGENCIES)
    assert [str(p) for p in problems] == [
        "row 1, column B (Recieved): not a column of the register (docs/import.md lists them; rename it "
        "`notes` to keep it)",
        "row 1, column C (Fire sent): no agency 'fire' is registered (rr agency list shows them; "
        "rr agency add registers one)",
        "row 1, column D (reference): the same column as A (Reference)",
        "row 1, column (received): the register has no such column: it is required",
    ]
    plans, _ = register.plan(sheet(header, ["RR-1", "2027-01-05", "", "", "police"]), AGENCIES)
    assert plans == []  # without a required column no row is read


def test_a_whole_row_becomes_the_steps_in_the_order_they_happened() -> None:
    header = ["reference", "received", "aware", "referrer", "sin notified", "la sent", "la returned",
              "la secured", "police sent", "police returned", "police secured", "health sent",
              "health returned", "health secured", "meeting date", "meeting time", "meeting held",
              "decision", "endorsed", "endorsed by", "submitted", "outcome shared", "closed"]  # fmt: skip
    row = ["RR-1", "21/12/2026", "18/12/2026", "Northshire Police", "23/12/2026",
           "22/12/2026", "31/12/2026", "23/12/2026",
           "22/12/2026", "29/12/2026", "24/12/2026",
           "23/12/2026", "04/01/2027", "29/12/2026",
           "07/01/2027", "10:00", "yes", "Local CSPR", "08/01/2027", "", "11/01/2027", "11/01/2027",
           "12/01/2027"]  # fmt: skip
    (case,), problems = plan(header, row)
    assert problems == [] and case.problems == []
    steps = [(s.on.isoformat(), s.command, s.column) for s in case.steps]
    assert steps == [
        ("2026-12-21", "case_open", "A (reference)"),
        ("2026-12-22", "scoping_send", "F (la sent)"),  # la and police, sent the same day: one step
        ("2026-12-23", "sin_notified", "E (sin notified)"),
        ("2026-12-23", "scoping_send", "L (health sent)"),
        ("2026-12-23", "meeting_schedule", "O (meeting date)"),  # set when the last templates went out
        ("2026-12-23", "records_secured", "H (la secured)"),
        ("2026-12-24", "records_secured", "K (police secured)"),
        ("2026-12-29", "scoping_returned", "J (police returned)"),
        ("2026-12-29", "records_secured", "N (health secured)"),
        ("2026-12-31", "scoping_returned", "G (la returned)"),
        ("2027-01-04", "scoping_returned", "M (health returned)"),
        ("2027-01-07", "meeting_held", "Q (meeting held)"),
        ("2027-01-07", "decide", "R (decision)"),
        ("2027-01-08", "endorse", "S (endorsed)"),
        ("2027-01-11", "submit", "U (submitted)"),
        ("2027-01-11", "outcome_shared", "V (outcome shared)"),
        ("2027-01-12", "close", "W (closed)"),
    ]
    args = {s.command: s.args for s in case.steps}
    assert args["case_open"] == {
        "received": date(2026, 12, 21),
        "aware": date(2026, 12, 18),
        "referrer": "police",
        "summary": None,
    }
    assert case.steps[1].args == {"agencies": ["la", "police"], "on": date(2026, 12, 22)}
    assert args["meeting_schedule"] == {
        "meeting_date": date(2027, 1, 7),
        "at": time(10, 0),
        "outside_window_reason": None,
        "on": date(2026, 12, 23),
    }
    assert args["meeting_held"] == {
        "attendees": [
            "la:not recorded in the register",
            "police:not recorded in the register",
            "health:not recorded in the register",
        ],
        "on": date(2027, 1, 7),
    }
    assert args["decide"] == {
        "outcome": "local_cspr",
        "rationale": "not recorded in the register",
        "actions": [],
        "on": date(2027, 1, 7),
    }
    assert args["endorse"] == {"by": "not recorded in the register", "on": date(2027, 1, 8)}


def test_dates_are_read_day_first_and_never_month_first() -> None:
    header = ["reference", "received", "aware", "referrer", "sin notified"]
    plans, problems = plan(
        header,
        ["RR-1", "05/01/2027", "2027-01-04", "police", ""],
        ["RR-2", "01/13/2027", "", "police", ""],
        ["RR-3", datetime(2027, 1, 5, 0, 0), date(2027, 1, 4), "police", "tomorrow"],
    )
    assert plans[0].steps[0].args["received"] == date(2027, 1, 5)
    assert plans[0].steps[0].args["aware"] == date(2027, 1, 4)
    assert plans[2].steps[0].args["received"] == date(2027, 1, 5)  # an Excel date cell
    assert problems == [
        "row 3, column B (received): '01/13/2027' is not a date (read as day/month/year; expected "
        "YYYY-MM-DD or DD/MM/YYYY, or today / yesterday)",
        "row 4, column E (sin notified): 'tomorrow' is not a date (expected YYYY-MM-DD or DD/MM/YYYY, "
        "or today / yesterday)",
    ]
    assert plans[1].steps == [] and plans[2].steps[1:] == []


def test_a_reference_given_twice_is_a_problem_on_the_second_row() -> None:
    header = ["reference", "received", "referrer"]
    _, problems = plan(header, ["RR-1", "2027-01-05", "police"], ["rr-1", "2027-01-06", "la"])
    assert problems == ["row 3, column A (reference): the same reference as row 2: one row per case"]


def test_cells_that_cannot_be_read_are_each_a_problem_with_row_and_column() -> None:
    header = ["reference", "received", "referrer", "meeting date", "meeting time", "meeting held",
              "attendees", "la sent"]  # fmt: skip
    _, problems = plan(
        header,
        ["", "", "Fire Service", "", "", "yes", "", ""],
        ["RR-2", "2027-01-05", "police", "2027-01-14", "25:00", "yes", "fire: Chief", "2027-01-06"],
        ["RR-3", "2027-01-05", "police", "2027-01-14", "", "perhaps", "", "2027-01-06"],
    )
    assert problems == [
        "row 2, column A (reference): reference is required",
        "row 2, column B (received): received is required",
        "row 2, column C (referrer): no agency 'Fire Service' is registered (rr agency list shows them)",
        "row 2, column F (meeting held): there is no meeting date on this row",
        "row 3, column E (meeting time): '25:00' is not a time of day (expected HH:MM, e.g. 10:00)",
        "row 3, column G (attendees): no agency 'fire' is registered (write AGENCY: NAME; ...)",
        "row 4, column F (meeting held): 'perhaps' is not yes or no",
    ]


def test_csv_and_xlsx_files_read_the_same(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = [
        ["Reference", "Received", "Referrer", "Meeting time", "Notes"],
        ["RR-1", "05/01/2027", "police", "10:00", ""],
        ["", "", "", "", ""],  # an empty row is skipped
        ["RR-2", "06/01/2027", "la", "", "late"],
    ]
    with (tmp_path / "register.csv").open("w", newline="", encoding="utf-8-sig") as out:
        csv.writer(out).writerows(rows)
    workbook = Workbook()
    workbook.active.append(rows[0])
    workbook.active.append(["RR-1", datetime(2027, 1, 5), "police", time(10, 0), None])
    workbook.active.append([None] * 5)
    workbook.active.append(["RR-2", datetime(2027, 1, 6), "la", None, "late"])
    workbook.save(tmp_path / "register.xlsx")

    for name in ("register.csv", "register.xlsx"):
        read = spreadsheet.read(tmp_path / name)
        assert read.header == rows[0]
        assert [n for n, _ in read.rows] == [2, 4]
        plans, problems = register.plan(read, AGENCIES)
        assert problems == []
        assert [(p.ref, p.steps[0].args["received"]) for p in plans] == [
            ("RR-1", date(2027, 1, 5)),
            ("RR-2", date(2027, 1, 6)),
        ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("register.txt", b"x", "register.txt: a register is a .csv or .xlsx file (save it as one of those)"),
        ("register.xlsx", b"not a zip", "register.xlsx is not a readable .xlsx workbook (BadZipFile)"),
        (
            "register.csv",
            b"\n\n",
            "register.csv is empty: the first row names the columns, then one row per case",
        ),
    ],
)
def test_unreadable_files_are_one_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(BadInput) as raised:
        spreadsheet.read(tmp_path / name)
    assert str(raised.value) == message

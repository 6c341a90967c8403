"""The compliance report's CSV writer, byte for byte: dates as ISO text however often they come back,
text from outside the product never starting a formula (in every text column, a value repeated or not),
numbers and the product's own words as they are, yes/no, empty cells for what does not apply."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from rr_workflow.cli.report_compliance import write_csv

HEADER = (
    "ref,received,case_state,key,rule_key,label,agency,counts_from,due,extended_to,met_on,status,"
    "on_time,working_days_late,working_days_taken,deviation,reason"
)


class _Rows:
    """What write_csv reads of a report: its rows."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    def rows(self) -> Iterator[dict[str, Any]]:
        yield from (dict(row) for row in self._rows)


def _row(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ref": "RR-1",
        "received": date(2026, 11, 2),
        "case_state": "closed",
        "key": "sin_notified",
        "rule_key": "sin_notified",
        "label": "SIN notified",
        "agency": None,
        "counts_from": date(2026, 11, 2),
        "due": date(2026, 11, 9),
        "extended_to": None,
        "met_on": date(2026, 11, 6),
        "status": "met",
        "on_time": True,
        "working_days_late": -1,
        "working_days_taken": 4,
        "deviation": None,
        "reason": None,
    }
    row.update(values)
    return row


def _written(rows: list[dict[str, Any]]) -> str:
    out = io.BytesIO()
    write_csv(_Rows(rows), out)  # type: ignore[arg-type]
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    return raw[3:].decode("utf-8")


def test_rows_as_written() -> None:
    rows = [
        _row(),
        _row(
            ref="RR-2",
            met_on=None,
            status="overdue",
            on_time=False,
            working_days_late=None,
            working_days_taken=None,
        ),
        _row(
            ref="RR-3",
            key="scoping_returned:la",
            rule_key="scoping_returned",
            label="Scoping returned",
            agency="la",
            due=date(2026, 11, 9),
            extended_to=date(2026, 11, 12),
            met_on=date(2026, 11, 9),
            on_time=None,
            status="met",
            deviation="extended",
            reason="agreed, by phone",
        ),
    ]
    assert _written(rows) == (
        f"{HEADER}\r\n"
        "RR-1,2026-11-02,closed,sin_notified,sin_notified,SIN notified,,2026-11-02,2026-11-09,,2026-11-06,"
        "met,yes,-1,4,,\r\n"
        "RR-2,2026-11-02,closed,sin_notified,sin_notified,SIN notified,,2026-11-02,2026-11-09,,,"
        "overdue,no,,,,\r\n"
        "RR-3,2026-11-02,closed,scoping_returned:la,scoping_returned,Scoping returned,la,2026-11-02,"
        '2026-11-09,2026-11-12,2026-11-09,met,,-1,4,extended,"agreed, by phone"\r\n'
    )


def test_no_text_from_outside_starts_a_formula_however_often_it_comes() -> None:
    """Each text column whose words come from people or a partnership's files, with a value that would
    start a formula, twice (the writer remembers what it made of repeated values): an apostrophe first,
    both times. The product's own words and the numbers are left as they are."""
    risky = _row(ref="=RR", key="+k", label="-label", agency="@la", reason="\tnote", working_days_late=-2)
    plain = _row(ref="RR-9", key="k", label="label", agency="la", reason="ok")
    line = (
        "'=RR,2026-11-02,closed,'+k,sin_notified,'-label,'@la,2026-11-02,2026-11-09,,2026-11-06,"
        "met,yes,-2,4,,'\tnote"
    )
    assert _written([risky, plain, risky]).split("\r\n")[1:] == [
        line,
        "RR-9,2026-11-02,closed,k,sin_notified,label,la,2026-11-02,2026-11-09,,2026-11-06,met,yes,-1,4,,ok",
        line,
        "",
    ]


def test_cells_are_quoted_as_the_csv_module_quotes_them_however_often_they_come() -> None:
    """A comma, a double quote or a line end in a cell: the cell in double quotes, a double quote
    doubled; in a column whose values the writer remembers (the label) and in those it does not (the
    reference, the reason), each twice."""
    odd = _row(ref="RR,1", label='Said "no"', reason="first line\nsecond, line")
    line = (
        '"RR,1",2026-11-02,closed,sin_notified,sin_notified,"Said ""no""",,2026-11-02,2026-11-09,,2026-11-06,'
        'met,yes,-1,4,,"first line\nsecond, line"'
    )
    assert _written([odd, odd]).split("\r\n")[1:] == [line, line, ""]


def test_what_the_writer_remembers_of_values_that_do_not_come_back_stays_bounded() -> None:
    """A column with a limit forgets what it made once that many values are held, and still gives each
    value's cell right after."""
    from rr_workflow.cli.report_compliance import _Remembered

    made: list[str] = []
    cells = _Remembered(lambda value: made.append(value) or value.upper(), limit=3)
    assert [cells[v] for v in ("a", "b", "a", "c", "d", "d", "e")] == ["A", "B", "A", "C", "D", "D", "E"]
    assert made == ["a", "b", "c", "d", "e"]  # "a" and "d" made once each
    assert len(cells) <= 3

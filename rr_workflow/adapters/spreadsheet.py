"""Reading a spreadsheet a partnership keeps: a CSV file or an Excel workbook (.xlsx), as a header and rows.

Cells come back as they are stored: text from a CSV file; text, numbers, dates and times from a workbook
(openpyxl gives Excel's date cells as `datetime`). Rows keep their spreadsheet number (the header is row 1),
so a problem can be reported where the person will look for it. Wholly empty rows are skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from rr_workflow.domain.errors import BadInput

Cell = str | int | float | date | datetime | time | None
MAX_ROWS = 100_000
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Sheet:
    source: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]]  # (spreadsheet row number, cells in header order)


def read(path: Path) -> Sheet:
    """The first worksheet of `path` (.csv or .xlsx); `BadInput` with one line if it cannot be read."""
    if not path.is_file():
        raise BadInput(f"no such file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise BadInput(f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB: is it the register?")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(path)
    elif suffix == ".xlsx":
        table = _xlsx_rows(path)
    else:
        raise BadInput(f"{path.name}: a register is a .csv or .xlsx file (save it as one of those)")
    return _sheet(path.name, table)


def _sheet(source: str, table: list[list[Cell]]) -> Sheet:
    numbered = [(n, row) for n, row in enumerate(table, start=1) if any(_filled(c) for c in row)]
    if not numbered:
        raise BadInput(f"{source} is empty: the first row names the columns, then one row per case")
    (_, header_cells), data = numbered[0], numbered[1:]
    header = [str(c).strip() if c is not None else "" for c in header_cells]
    if len(data) > MAX_ROWS:
        raise BadInput(f"{source} has more than {MAX_ROWS:,} rows")
    width = len(header)
    rows = [(n, [*row[:width], *[None] * (width - len(row))]) for n, row in data]
    return Sheet(source, header, rows)


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _csv_rows(path: Path) -> list[list[Cell]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's plain "CSV" on Windows
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as error:
        raise BadInput(f"{path.name} is not a readable CSV file: {error}") from None


def _xlsx_rows(path: Path) -> list[list[Cell]]:
    import zipfile

    from openpyxl import load_workbook  # imported only when a workbook is read

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise BadInput(f"{path.name} is not a readable .xlsx workbook ({type(error).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()

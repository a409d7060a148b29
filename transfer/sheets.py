"""Reading an uploaded CSV or XLSX file into rows of text, or refusing it in words.

Nothing here knows goals or check-ins: it gives each row's cells by column (`formats.column_key`), with
the line the row has in the file, so that a preview can say "row 7". What the cells mean is
`plans.py`'s business.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from transfer.cells import typed
from transfer.formats import Format, column_key

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_CELL = 10_000  # characters: longer than any field takes, shorter than a file's worth


class Unreadable(ValueError):
    """The file as a whole cannot be imported; the message says why, for the person who uploaded it."""


@dataclass
class Row:
    number: int  # the row's line in the file: the header is row 1
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)  # what the file itself got wrong (a formula, a long cell)

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


def read(upload, data_format: Format) -> list[Row]:
    """The rows of `upload` (a Django `UploadedFile`), CSV or, where the format allows, XLSX."""
    if upload.size > MAX_BYTES:
        raise Unreadable(f"The file is {upload.size / 1024 / 1024:.1f} MB: import at most "
                         f"{MAX_BYTES // 1024 // 1024} MB at a time, or split it.")
    content = upload.read()
    if content[:2] == b"PK":  # a zip: an .xlsx workbook
        if not data_format.spreadsheets:
            raise Unreadable(f"{data_format.kind.label} is imported from CSV: save the sheet as CSV (UTF-8).")
        grid = read_xlsx(content)
    else:
        grid = read_csv(content)
    return _rows(grid, data_format)


def read_csv(content: bytes) -> list[tuple[int, list[str], list[str]]]:
    """(row, cells, problems) per row of a CSV file: UTF-8 (with or without a byte-order mark), else
    Windows-1252 as Excel saves it; commas, semicolons or tabs between cells."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise Unreadable("This is not a CSV file. Save the sheet as CSV (UTF-8) or XLSX.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:  # a row is a record, as a spreadsheet numbers it, whatever line breaks its cells hold
        return [(number, cells, []) for number, cells in enumerate(reader, start=1) if _limit(number)]
    except csv.Error as error:
        raise Unreadable(f"The CSV file could not be read at line {reader.line_num}: {error}.") from None


def read_xlsx(content: bytes) -> list[tuple[int, list[str], list[str]]]:
    """(row, cells, problems) per row of the workbook's first sheet. A formula is not run, nor its last value
    read: the cell is refused, and the person pastes the value instead."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Unreadable("This file could not be read as an XLSX workbook. Save it as XLSX or CSV (UTF-8).") from None
    try:
        sheet = workbook.worksheets[0]
        grid = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if not _limit(number):
                break
            values, problems = [], []
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    letter = getattr(cell, "column_letter", "")
                    problems.append(f"Cell {letter}{number} holds a formula ({str(cell.value)[:40]}): formulas are "
                                    "not imported. Paste its value instead.")
                    values.append("")
                else:
                    values.append(_text(cell.value))
            grid.append((number, values, problems))
        return grid
    finally:
        workbook.close()


def _limit(number: int) -> bool:
    if number > MAX_ROWS + 1:  # the header and MAX_ROWS rows
        raise Unreadable(f"The file has more than {MAX_ROWS:,} rows: import at most {MAX_ROWS:,} at a time.")
    return True


def _text(value) -> str:
    """A workbook cell's value as the text it shows: whole numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        as_decimal = Decimal(repr(value))
        return str(as_decimal.quantize(Decimal(1))) if as_decimal == as_decimal.to_integral() else str(as_decimal)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rows(grid: list[tuple[int, list[str], list[str]]], data_format: Format) -> list[Row]:
    grid = [(number, cells, problems) for number, cells, problems in grid if problems or any(c.strip() for c in cells)]
    if not grid:
        raise Unreadable("The file is empty: its first row names the columns, each row after it is one item.")
    header = grid[0][1]
    keys = [column_key(cell) for cell in header]
    missing = [name for name in data_format.required if name not in keys]
    if missing:
        raise Unreadable(f"The first row must name the columns; {_listed(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} missing. The columns are: "
                         f"{', '.join(data_format.names)}.")
    known = {key: index for index, key in reversed(list(enumerate(keys))) if key in data_format.names}
    rows = []
    for number, cells, problems in grid[1:]:
        row = Row(number=number, cells={}, errors=list(problems))
        for key, index in known.items():
            value = typed(cells[index]) if index < len(cells) else ""
            if len(value) > MAX_CELL:
                row.errors.append(f"{key}: {len(value):,} characters is more than any field takes.")
                value = value[:MAX_CELL]
            row.cells[key] = value
        rows.append(row)
    if not rows:
        raise Unreadable("The file has a header row but no rows under it.")
    return rows


def _listed(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]

"""An Excel workbook's sheets as grids of text cells, with Excel dates written as ISO 8601.

Survey tools that export XLSX (KoboToolbox, Google Forms) write dates and times as Excel date
cells: a number with a date format. Read as text they would come out in whatever spelling a
library picks ("2024-01-17 18:07:45.597000"); :func:`workbook_text` writes them as ISO 8601
instead: a date-only format gives ``2002-05-08``, a date and time ``2024-01-17T18:07:45.597``,
a time-only format ``18:07:45``. Numbers keep their shortest spelling (``30``, ``2.5``); empty
cells are None. The readers of :mod:`research_kit.survey.kobo` and
:mod:`research_kit.survey.google_forms` build their tables from these grids.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from research_kit.errors import SurveyError
from research_kit.rawfiles import read_raw_bytes, require_regular_file

__all__ = ["cell_text", "chosen_sheet", "first_rows", "sheet_table", "workbook_text"]

# Letters of an Excel number format that show a time of day (m is a month unless near h or s).
_TIME_TOKENS = ("h", "s", "am/pm")


def workbook_text(path: Path | str) -> dict[str, list[list[str | None]]]:
    """Every sheet of an XLSX workbook, by name in workbook order, as rows of text cells.

    Trailing empty rows and columns (Excel's used range often runs past the data) are dropped.

    Parameters
    ----------
    path : Path or str
        The workbook.

    Returns
    -------
    dict of str to list of list of (str or None)
        Each sheet's rows, row 1 first; a cell is its text, or None when empty.

    Raises
    ------
    SurveyError
        If the file is missing or is not a readable workbook; the message names the file.

    Examples
    --------
    >>> import tempfile, pathlib, datetime
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "form.xlsx"
    >>> book = openpyxl.Workbook()
    >>> book.active.title = "Form responses 1"
    >>> book.active.append(["Timestamp", "Age"])
    >>> book.active.append([datetime.datetime(2024, 1, 17, 18, 7, 45), 34])
    >>> book.save(path)
    >>> workbook_text(path)
    {'Form responses 1': [['Timestamp', 'Age'], ['2024-01-17T18:07:45', '34']]}
    """
    path = Path(path)
    data = read_raw_bytes(path, error_class=SurveyError)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise SurveyError(
            "is not a readable Excel workbook",
            path=path,
            hint="open it in Excel and save as .xlsx again, or export CSV instead",
        ) from exc
    try:
        return {sheet.title: _sheet_rows(sheet) for sheet in book.worksheets}
    finally:
        book.close()


def first_rows(path: Path | str, sheet: str | int = 0, *, count: int = 3) -> list[list[str]]:
    """The first ``count`` rows of one sheet as text ("" for an empty cell), read cheaply.

    Enough to tell which tool wrote a workbook before reading all of it. Returns ``[]`` when
    the file is not a readable workbook or has no such sheet: the full read reports why.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "form.xlsx"
    >>> book = openpyxl.Workbook()
    >>> book.active.append(["Timestamp", None, "Q"])
    >>> book.save(path)
    >>> first_rows(path), first_rows(path, "no such sheet")
    ([['Timestamp', '', 'Q']], [])
    """
    try:
        require_regular_file(path, error_class=SurveyError)  # never wait on a pipe
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # damaged or not a workbook: the full read says so, with its reason
        return []
    try:
        names = book.sheetnames
        if isinstance(sheet, int):
            name = names[sheet] if 0 <= sheet < len(names) else None
        else:
            name = sheet if sheet in names else None
        if name is None:
            return []
        return [
            [cell_text(cell.value, getattr(cell, "number_format", "General")) or "" for cell in row]
            for row in book[name].iter_rows(max_row=count)
        ]
    finally:
        book.close()


def chosen_sheet(path: Path, names: list[str], sheet: str | int) -> str:
    """The name of the sheet ``sheet`` designates (its position or its name), or an error.

    Examples
    --------
    >>> chosen_sheet(Path("form.xlsx"), ["Form", "items"], 1)
    'items'
    """
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    raise SurveyError(
        f"the workbook has no sheet {sheet!r} (its sheets: {', '.join(names)})",
        path=path,
        hint="name an existing sheet, or leave sheet unset to read the first",
    )


def sheet_table(path: Path, sheet: str, grid: list[list[str | None]]) -> pd.DataFrame:
    """One sheet's grid as a table: row 1 names the columns, each later row is a record.

    A blank header is named ``Unnamed: <position>`` as pandas does; a header that repeats is
    refused, naming both columns.

    Examples
    --------
    >>> sheet_table(Path("f.xlsx"), "Form", [["id", "q"], ["1", None]]).to_dict("records")
    [{'id': '1', 'q': None}]
    """
    if not grid:
        raise SurveyError(f"sheet {sheet!r} is empty", path=path, line=1, hint="export it again")
    names = [cell or f"Unnamed: {position}" for position, cell in enumerate(grid[0])]
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in seen:
            raise SurveyError(
                f"sheet {sheet!r}: the column {name!r} appears twice (columns "
                f"{get_column_letter(seen[name] + 1)} and {get_column_letter(position + 1)})",
                path=path,
                line=1,
                hint="rename one of them in the header row, or export the file again",
            )
        seen[name] = position
    return pd.DataFrame(grid[1:], columns=names, dtype=object)


def cell_text(value: Any, number_format: str = "General") -> str | None:
    """The text of one cell value as openpyxl gives it (ISO 8601 for dates and times).

    Examples
    --------
    >>> import datetime
    >>> cell_text(datetime.datetime(2002, 5, 8), "m/d/yyyy")
    '2002-05-08'
    >>> cell_text(datetime.datetime(2024, 1, 17, 18, 7, 45, 597000), "m/d/yyyy h:mm:ss")
    '2024-01-17T18:07:45.597'
    >>> cell_text(30.0), cell_text(2.5), cell_text(True), cell_text(""), cell_text(None)
    ('30', '2.5', 'True', None, None)
    """
    if value is None or (isinstance(value, str) and not value):
        return None
    if isinstance(value, datetime):
        return _datetime_text(value, number_format)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):  # a duration format such as [h]:mm
        return _duration_text(value)
    if isinstance(value, float) and not isinstance(value, bool):
        return _number_text(value)
    return str(value)


def _sheet_rows(sheet: Any) -> list[list[str | None]]:
    rows = [
        [cell_text(cell.value, getattr(cell, "number_format", "General")) for cell in row]
        for row in sheet.iter_rows()
    ]
    while rows and all(cell is None for cell in rows[-1]):
        rows.pop()
    width = max((_last_filled(row) for row in rows), default=0)
    return [row[:width] + [None] * (width - len(row)) for row in rows]


def _last_filled(row: list[str | None]) -> int:
    for position in range(len(row), 0, -1):
        if row[position - 1] is not None:
            return position
    return 0


def _datetime_text(value: datetime, number_format: str) -> str:
    shows_time = any(token in number_format.lower() for token in _TIME_TOKENS)
    if not shows_time and value.time() == time(0):
        return value.date().isoformat()
    # milliseconds are what Excel stores; isoformat would pad them to microseconds
    timespec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(timespec=timespec)


def _duration_text(value: timedelta) -> str:
    seconds = value.total_seconds()
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if seconds < 0 else ""
    return f"{sign}{int(hours)}:{int(minutes):02d}:{secs:02.0f}"


def _number_text(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    # Excel stores every number as a double: 30.0 was typed 30
    if value == math.floor(value) and abs(value) < 2.0**53:
        return str(int(value))
    return repr(value)

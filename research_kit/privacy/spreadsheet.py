"""Tables made safe to open in a spreadsheet: no cell runs as a formula.

A CSV cell has no type: one that starts like a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return) would be run by the spreadsheet when a colleague opens the file (OWASP "CSV
injection"), so anything written to CSV goes through :func:`safe_for_spreadsheet` first and
such a cell gets a leading apostrophe. An .xlsx cell has a type, so :func:`write_xlsx` keeps
every text exactly as it is, in a text cell (never a formula); a text that starts like a
formula is also marked "quote prefix", the flag Excel itself sets when someone types ``'=``,
so editing the cell in Excel keeps it text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from pandas.api import types as ptypes

#: First characters a spreadsheet may read as the start of a formula (OWASP CSV injection),
#: with line feed and the full-width forms some spreadsheets also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_BLANKS = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u200b\ufeff]+")
#: Text that is just a number ("-5", "+1.5", "-3%") is read as a number, never run.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?%?$")
#: Control characters XML 1.0 (and so .xlsx) cannot hold; tab, CR and LF are allowed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet could read ``value`` as the start of a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed
    (or the full-width ``＝ ＋ － ＠``), also after leading spaces or control characters, unless
    it is just a number (``"-5"``). Anything that is not text never is.

    Examples
    --------
    >>> looks_like_formula("=SUM(A1:A9)"), looks_like_formula("- a bullet")
    (True, True)
    >>> looks_like_formula("-5"), looks_like_formula("Ward 3"), looks_like_formula(-5)
    (False, False, False)
    """
    if not isinstance(value, str):
        return False
    # Also look past leading spaces and control characters, which some programs drop on import.
    visible = _LEADING_BLANKS.sub("", value)
    risky = value.startswith(FORMULA_TRIGGERS) or visible.startswith(FORMULA_TRIGGERS)
    return risky and not _PLAIN_NUMBER.match(visible)


def neutralise_formula(value: Any) -> Any:
    """Make one cell safe to open in a spreadsheet: text that could run as a formula is quoted.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed
    (and the full-width ``＝ ＋ － ＠``), also after leading spaces or control characters, gets
    a leading apostrophe, as OWASP advises for CSV injection; the text is otherwise kept as
    it is. Numbers, dates, missing values and text
    that is just a number (``"-5"``) are returned unchanged.

    Examples
    --------
    >>> print(neutralise_formula('=HYPERLINK("http://evil.example","Click")'))
    '=HYPERLINK("http://evil.example","Click")
    >>> neutralise_formula(-5), neutralise_formula("-5"), neutralise_formula("Ward 3")
    (-5, '-5', 'Ward 3')
    >>> print(neutralise_formula("  +cmd|' /C calc'!A0"))
    '  +cmd|' /C calc'!A0
    >>> neutralise_formula("<script>alert(1)</script>")
    '<script>alert(1)</script>'
    """
    return "'" + value if looks_like_formula(value) else value


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names cannot run as formulas.

    Apply it to every table written to CSV (write it with ``index=False``: the index is not
    changed); :func:`write_xlsx` needs no apostrophe, since an .xlsx cell can be typed as text.
    Numeric, boolean and date columns are left as they are, so numbers stay
    numbers in the spreadsheet.

    Examples
    --------
    >>> table = pd.DataFrame({"quote": ["@SUM(A1:A9)", "fine"], "n": [-1, 2]})
    >>> safe = safe_for_spreadsheet(table)
    >>> safe["quote"].tolist(), safe["n"].tolist()
    (["'@SUM(A1:A9)", 'fine'], [-1, 2])
    """
    result = frame.copy()
    for position in range(result.shape[1]):
        series = result.iloc[:, position]
        if (
            ptypes.is_numeric_dtype(series)
            or ptypes.is_bool_dtype(series)
            or ptypes.is_datetime64_any_dtype(series)
            or isinstance(series.dtype, pd.PeriodDtype)
        ):
            continue
        result.isetitem(position, series.astype(object).map(neutralise_formula, na_action="ignore"))
    result.columns = [neutralise_formula(column) for column in result.columns]
    return result


def write_xlsx(frame: pd.DataFrame, path: Path | str, *, sheet: str = "Sheet1") -> Path:
    """Write ``frame`` to an .xlsx file whose text cells hold the text exactly, never a formula.

    Every text cell (and column name) is written as a text cell (an inline string) with its
    text unchanged, whatever it starts with, so a quote such as ``- a bullet`` or
    ``=HYPERLINK(…)`` reads back as it was written and Excel does not run it; a text that
    starts like a formula (:func:`looks_like_formula`) is also marked "quote prefix", so that
    editing it in Excel keeps it text. Only the control characters an .xlsx file cannot hold
    (XML 1.0: below U+0020 except tab, line feed and carriage return) are dropped. Numbers stay
    numbers, booleans booleans, dates dates (a time zone is dropped, keeping the wall time, as
    Excel has none), missing values are empty cells. The header row is bold and frozen.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; its index is not written.
    path : Path or str
        The .xlsx file to write.
    sheet : str
        The worksheet's name.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> table = pd.DataFrame({"quote": ["- it took weeks", "=1+1"], "n": [3, -1]})
    >>> path = write_xlsx(table, pathlib.Path(tempfile.mkdtemp()) / "t.xlsx", sheet="quotes")
    >>> cells = list(load_workbook(path)["quotes"].iter_rows(min_row=2, values_only=True))
    >>> cells
    [('- it took weeks', 3), ('=1+1', -1)]
    >>> [cell.data_type for cell in next(load_workbook(path)["quotes"].iter_cols(max_row=3))]
    ['s', 's', 's']
    """
    path = Path(path)
    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet
    bold = Font(bold=True)
    for column, name in enumerate(frame.columns, start=1):
        _put(worksheet.cell(row=1, column=column), str(name)).font = bold
    for row, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for column, value in enumerate(values, start=1):
            _put(worksheet.cell(row=row, column=column), value)
    worksheet.freeze_panes = "A2"
    book.save(path)
    return path


def _put(cell: Any, value: Any) -> Any:
    """Set one cell: text typed as text (openpyxl would type ``=…`` as a formula)."""
    value = _excel_value(value)
    if isinstance(value, str):
        text = _XML_ILLEGAL.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if looks_like_formula(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _excel_value(value: Any) -> Any:
    """A pandas or numpy value as a plain Python value openpyxl writes as itself."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, (np.datetime64, np.timedelta64)):
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
        if value is pd.NaT:
            return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, (int, float, dt.date, dt.time, dt.timedelta)):
        return value
    return str(value)

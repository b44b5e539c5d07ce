"""Tables made safe to open in a spreadsheet: no cell runs as a formula.

Anything written to CSV or Excel goes through :func:`safe_for_spreadsheet` first: a cell that
starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) would be run by the
spreadsheet when a colleague opens the file (OWASP "CSV injection"), so it gets a leading
apostrophe and stays plain, readable text.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pandas.api import types as ptypes

#: First characters a spreadsheet may read as the start of a formula (OWASP CSV injection),
#: with line feed and the full-width forms some spreadsheets also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_BLANKS = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u200b\ufeff]+")
#: Text that is just a number ("-5", "+1.5", "-3%") is read as a number, never run.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?%?$")


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
    if not isinstance(value, str):
        return value
    # Also look past leading spaces and control characters, which some programs drop on import.
    visible = _LEADING_BLANKS.sub("", value)
    risky = value.startswith(FORMULA_TRIGGERS) or visible.startswith(FORMULA_TRIGGERS)
    if risky and not _PLAIN_NUMBER.match(visible):
        return "'" + value
    return value


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names cannot run as formulas.

    Apply it to every table written to CSV or Excel (write it with ``index=False``: the index
    is not changed). Numeric, boolean and date columns are left as they are, so numbers stay
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

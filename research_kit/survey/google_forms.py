"""Google Forms responses (the CSV download or the linked sheet saved as XLSX).

Google Forms writes one row per response under one header row: ``Timestamp`` first (in the
form owner's language), then ``Email Address`` and ``Score`` when the form collects e-mails or
is a quiz, then one column per question, headed by the question text. A checkbox question
("select all that apply") puts every ticked option in one cell, joined with ``", "`` in the
form's order; a trailing comma is seen in real exports and tolerated.

:func:`read_google_forms` reads both files into a
:class:`~research_kit.survey.ingest.SurveyExport`: cells as text, the XLSX's Excel dates as ISO
8601 (a CSV's timestamps stay as Google wrote them: their day/month order depends on the
owner's locale). The ``questions`` table adds ``categories`` and ``delimiter`` for the columns
that hold a checkbox question's options. Which columns those are is inferred from the cells:
at least one cell lists several options and most listed options recur in other cells, since a
checkbox's options repeat across respondents while the commas of free text leave fragments
that rarely do. An option label that itself holds ``", "`` cannot be told apart.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.survey.export_formats import (
    ExportReader,
    refuse_header_rows,
    register_export_reader,
)
from research_kit.survey.ingest import QUESTION_COLUMNS, SurveyExport
from research_kit.survey.workbook_cells import chosen_sheet, sheet_table, workbook_text
from research_kit.tables import read_delimited_file

__all__ = [
    "GOOGLE_FORMS_QUESTION_COLUMNS",
    "TIMESTAMP_HEADERS",
    "checkbox_options",
    "is_google_forms_header",
    "read_google_forms",
]

#: The columns of ``questions`` for a Google Forms export.
GOOGLE_FORMS_QUESTION_COLUMNS = (*QUESTION_COLUMNS, "categories", "delimiter")

#: The first header of a Google Forms export in the languages seen in the wild (casefolded).
TIMESTAMP_HEADERS = frozenset(
    {
        "timestamp",
        "marca temporal",
        "horodateur",
        "zeitstempel",
        "carimbo de data/hora",
        "informazioni cronologiche",
        "tijdstempel",
    }
)
#: Columns Google adds beside the questions (not checkbox questions, whatever their cells).
_TOOL_COLUMNS = frozenset({"email address", "score", "email", "username"})
_CHECKBOX_DELIMITER = ", "
# A cell under Timestamp: digits with a date separator, and a time (a CSV or an XLSX cell).
_TIMESTAMP_CELL = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*\d{1,2}:\d{2}")
# Most options of a checkbox question recur: at least this share of the listed options must
# occur in more than one cell. Free text split at its commas rarely reaches it.
_RECURRING_SHARE = 0.5


def is_google_forms_header(rows: list[list[str]]) -> bool:
    """Whether the first rows look like a Google Forms export: Timestamp over a timestamp.

    Examples
    --------
    >>> is_google_forms_header([["Timestamp", "Name"], ["1/17/2024 18:07:45", "Maryam"]])
    True
    >>> is_google_forms_header([["Timestamp", "Name"], ["yesterday", "Maryam"]])
    False
    """
    if len(rows) < 2 or not rows[0] or not rows[1]:
        return False
    first = rows[0][0].strip().casefold()
    return first in TIMESTAMP_HEADERS and bool(_TIMESTAMP_CELL.search(rows[1][0]))


def read_google_forms(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    header_rows: str | int = "auto",
) -> SurveyExport:
    """Read a Google Forms export (CSV or XLSX): responses as text, checkbox options aside.

    Parameters
    ----------
    path : Path or str
        The CSV download or the responses sheet saved as XLSX.
    encoding, sep : str, optional
        Force the CSV encoding or separator (detected by default).
    sheet : str or int
        The worksheet of an XLSX file (the first by default).
    header_rows : {"auto", 1}
        Google Forms writes one header row; any other number is refused.

    Returns
    -------
    SurveyExport
        ``responses`` (cells as text; XLSX dates as ISO 8601), ``questions``
        (:data:`GOOGLE_FORMS_QUESTION_COLUMNS`: the header is the question text;
        ``categories`` lists a checkbox question's options, ``delimiter`` is ``", "``),
        ``export_format`` ``"google_forms"``.

    Raises
    ------
    SurveyError
        If the file cannot be read or an option does not fit; the message names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "responses.csv"
    >>> _ = path.write_text(
    ...     'Timestamp,Which services did you use?\\n'
    ...     '2026/05/01 10:00:00 AM GMT+1,"Library, Parks"\\n'
    ...     '2026/05/01 11:00:00 AM GMT+1,Parks\\n'
    ...     '2026/05/02 09:30:00 AM GMT+1,"Library, Pools, Parks,"\\n'
    ... )
    >>> export = read_google_forms(path)
    >>> export.export_format, export.questions.loc[1, "categories"]
    ('google_forms', ('Library', 'Pools', 'Parks'))
    """
    path = Path(path)
    refuse_header_rows(path, header_rows, "Google Forms")
    if path.suffix.lower() == ".xlsx":
        responses, reading = _read_workbook(path, sheet), {"encoding": "xlsx", "separator": None}
    else:
        if sheet != 0:
            raise SurveyError(
                f"sheet={sheet!r} does not apply to a CSV file", path=path, hint="leave sheet unset"
            )
        table = read_delimited_file(path, encoding=encoding, sep=sep, error_class=SurveyError)
        responses = table.frame.set_axis([str(name) for name in table.frame.columns], axis=1)
        reading = {"encoding": table.encoding, "separator": table.separator}
    if responses.empty:
        raise SurveyError(
            "has a header but no responses",
            path=path,
            line=2,
            hint="download the responses again once some are in",
        )
    return SurveyExport(
        responses=responses.astype(object),
        questions=_questions(responses),
        source=str(path),
        export_format="google_forms",
        **reading,
    )


def checkbox_options(cells: pd.Series) -> tuple[str, ...] | None:
    """The options of a checkbox question from its cells, in the form's order; None if the
    cells do not look like one (see the module docstring for the rule).

    Examples
    --------
    >>> checkbox_options(pd.Series(["Option 2, Option 3", "Option 3,", "Option 1, Option 2"]))
    ('Option 1', 'Option 2', 'Option 3')
    >>> checkbox_options(pd.Series(["I like parks, and the library", "More buses"])) is None
    True
    """
    listed = [_options_in(cell) for cell in cells.dropna() if str(cell).strip()]
    if not any(len(options) > 1 for options in listed):
        return None
    cells_with = Counter(option for options in listed for option in set(options))
    occurrences = sum(len(options) for options in listed)
    recurring = sum(1 for options in listed for option in options if cells_with[option] > 1)
    if recurring < _RECURRING_SHARE * occurrences:
        return None
    return _form_order(listed)


def _options_in(cell: Any) -> list[str]:
    text = str(cell).strip().removesuffix(",")  # "Option 3," as real exports have it
    return [part.strip() for part in text.split(_CHECKBOX_DELIMITER.strip()) if part.strip()]


def _form_order(listed: list[list[str]]) -> tuple[str, ...]:
    """Options in the form's order: Google writes a cell's ticks in that order, so the order
    of options that share a cell is known; the longest cell is the backbone."""
    order: list[str] = []
    for options in sorted(listed, key=len, reverse=True):
        for position, option in enumerate(options):
            if option in order:
                continue
            earlier = [other for other in options[:position] if other in order]
            later = [other for other in options[position + 1 :] if other in order]
            if earlier:
                at = order.index(earlier[-1]) + 1
            else:  # before the first known option that follows it, else at the end
                at = order.index(later[0]) if later else len(order)
            order.insert(at, option)
    return tuple(order)


def _questions(responses: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for position, column in enumerate(responses.columns):
        options = None
        if position > 0 and column.strip().casefold() not in _TOOL_COLUMNS:
            options = checkbox_options(responses[column])
        rows.append(
            {
                "column": column,
                "question": column,
                "option": None,
                "import_id": None,
                "categories": options,
                "delimiter": _CHECKBOX_DELIMITER if options else None,
            }
        )
    return pd.DataFrame(rows, columns=list(GOOGLE_FORMS_QUESTION_COLUMNS), dtype=object)


def _read_workbook(path: Path, sheet: str | int) -> pd.DataFrame:
    grids = workbook_text(path)
    name = chosen_sheet(path, list(grids), sheet)
    return sheet_table(path, name, grids[name])


register_export_reader(
    ExportReader("google_forms", read=read_google_forms, recognises=is_google_forms_header)
)

"""Which survey tool wrote an export, and how many header rows it has.

Qualtrics writes short ids in row 1, the question text in row 2 and (in current exports) JSON
import ids in row 3; legacy Qualtrics exports stop after row 2. SurveyMonkey writes the question
text in row 1 (blank over the later columns of a grouped question) and a sub-header in row 2.
:func:`choose_layout` recognises them by the strongest signal first (import ids cannot be
answers), and checks a layout forced by the caller. :mod:`research_kit.survey.ingest` reads the
file and flattens the header rows by the layout chosen here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.survey.qualtrics import parse_import_id
from research_kit.survey.workbook_cells import first_rows

__all__ = [
    "EXPORT_FORMATS",
    "SURVEYMONKEY_SINGLE",
    "ExportReader",
    "HeaderRows",
    "Layout",
    "check_column_names",
    "choose_layout",
    "column_letter",
    "join_surveymonkey_header",
    "refuse_header_rows",
    "register_export_reader",
    "registered_reader",
    "used_width",
]

#: What :func:`read_survey_export` records in :attr:`SurveyExport.export_format`.
EXPORT_FORMATS = (
    "plain",
    "qualtrics",
    "surveymonkey",
    "two_row",
    # read by modules that register an ExportReader here
    "kobo",
    "google_forms",
    "spss",
    "stata",
    "sas",
)

HeaderRows = Literal["auto", 1, 2, 3]

#: Column ids Qualtrics writes for its own metadata (squashed: lower case, letters and digits).
_QUALTRICS_IDS = frozenset(
    {
        "startdate",
        "enddate",
        "status",
        "ipaddress",
        "progress",
        "durationinseconds",
        "finished",
        "recordeddate",
        "responseid",
        "recipientlastname",
        "recipientfirstname",
        "recipientemail",
        "externalreference",
        "locationlatitude",
        "locationlongitude",
        "distributionchannel",
        "userlanguage",
        "responseset",  # legacy exports
        "externaldatareference",
    }
)
#: Row-2 labels Qualtrics writes above its metadata columns, where they differ from the id.
_QUALTRICS_LABELS = _QUALTRICS_IDS | {"responsetype", "name", "emailaddress", "externaldata"}
_LEGACY_QUALTRICS_ID = re.compile(r"^V\d+$")

#: SurveyMonkey's own columns, which have nothing under them in row 2.
_SURVEYMONKEY_METADATA = frozenset(
    {
        "respondentid",
        "collectorid",
        "startdate",
        "enddate",
        "ipaddress",
        "emailaddress",
        "firstname",
        "lastname",
        "customdata",
    }
)
#: SurveyMonkey's row-2 words for "the whole answer is in this one column".
SURVEYMONKEY_SINGLE = frozenset({"response", "open-ended response", "open ended response"})


@dataclass(frozen=True)
class Layout:
    """How many header rows an export has, and which tool wrote it (one of EXPORT_FORMATS)."""

    rows: int
    export_format: str


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position.

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(27)
    ('A', 'Z', 'AB')
    """
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _looks_like_import_id(text: str) -> bool:
    return text.lstrip().startswith("{") and "importid" in _squash(text)


def _looks_qualtrics(names: list[str]) -> bool:
    squashed = {_squash(name) for name in names}
    legacy = sum(bool(_LEGACY_QUALTRICS_ID.match(name)) for name in names)
    return len(squashed & _QUALTRICS_IDS) >= 2 or legacy >= 3


def _row2_is_qualtrics_labels(names: list[str], row2: list[str]) -> bool:
    """Row 2 holds Qualtrics' labels ("Start Date", "Response ID") above its metadata columns."""
    metadata = [
        (name, label)
        for name, label in zip(names, row2, strict=True)
        if _squash(name) in _QUALTRICS_IDS or _LEGACY_QUALTRICS_ID.match(name)
    ]
    if not metadata or sum(bool(label.strip()) for label in row2) < 0.9 * len(row2):
        return False
    labels = sum(
        _squash(label) in _QUALTRICS_LABELS or _squash(label) == _squash(name)
        for name, label in metadata
    )
    return labels > len(metadata) / 2


def _surveymonkey_signals(names: list[str], row2: list[str]) -> bool:
    """SurveyMonkey's shape: its own columns (blank in row 2) or grouped questions (blank in
    row 1), and a sub-header row that says "Response" or labels every grouped column."""
    squashed = [_squash(name) for name in names]
    metadata = [
        label
        for key, label in zip(squashed, row2, strict=True)
        if key in _SURVEYMONKEY_METADATA or key.startswith("customdata")
    ]
    if any(label.strip() for label in metadata):
        return False
    blanks = [i for i, name in enumerate(names) if not name.strip()]
    generic = sum(cell.strip().casefold() in SURVEYMONKEY_SINGLE for cell in row2)
    grouped = bool(blanks) and blanks[0] > 0 and all(row2[i].strip() for i in blanks)
    # An export trimmed by hand to a few single-answer questions keeps no metadata and no
    # grouped columns; "Response" over two columns is still no respondent's answer.
    return (
        (generic >= 1 and bool(metadata or blanks)) or generic >= 2 or (grouped and bool(metadata))
    )


def choose_layout(rows: list[list[str]], header_rows: HeaderRows, path: Path) -> Layout:
    """The export's layout from its first three rows (``header_rows`` forces the count).

    A forced count that would read a header row as a response (1 on a Qualtrics or
    SurveyMonkey export, 2 on an export whose row 3 holds Qualtrics import ids) or drop a
    response as a header (3 on an export whose row 3 is a response) is refused, naming the
    row and the count the file has.

    Examples
    --------
    >>> choose_layout([["id", "q"], ["1", "a"]], "auto", Path("x.csv"))
    Layout(rows=1, export_format='plain')
    """
    names = rows[0]
    row2 = rows[1] if len(rows) > 1 else None
    row3 = rows[2] if len(rows) > 2 else None
    if header_rows == 1:
        detected = _detect(rows, path)
        if detected.rows > 1:  # its header rows would be read as responses
            _refuse_headers_as_responses(path, detected)
        return Layout(1, "plain")
    if header_rows == 3:
        if row3 is None:
            _too_short(path, 3, len(rows))
        _check_import_ids(names, row3, path, detected=_detect(rows, path))
        return Layout(3, "qualtrics")
    if header_rows == 2:
        if row2 is None:
            _too_short(path, 2, len(rows))
        if row3 is not None and _has_import_ids(row3):
            _refuse_import_ids_as_response(path)
        if _surveymonkey_signals(names, row2) or any(not name.strip() for name in names):
            return Layout(2, "surveymonkey")
        return Layout(2, "qualtrics" if _looks_qualtrics(names) else "two_row")
    return _detect(rows, path)


def _detect(rows: list[list[str]], path: Path) -> Layout:
    """The layout read from the rows alone, the strongest signal first (Qualtrics' import ids
    cannot be answers)."""
    names = rows[0]
    row2 = rows[1] if len(rows) > 1 else None
    row3 = rows[2] if len(rows) > 2 else None
    if row3 is not None and _has_import_ids(row3):
        _check_import_ids(names, row3, path, detected=Layout(3, "qualtrics"))
        return Layout(3, "qualtrics")
    if row2 is not None and _surveymonkey_signals(names, row2):
        return Layout(2, "surveymonkey")
    if row2 is not None and _looks_qualtrics(names) and _row2_is_qualtrics_labels(names, row2):
        return Layout(2, "qualtrics")
    return Layout(1, "plain")


def _has_import_ids(row3: list[str]) -> bool:
    return any(_looks_like_import_id(cell) for cell in row3)


def _refuse_headers_as_responses(path: Path, detected: Layout) -> None:
    tool = "Qualtrics" if detected.export_format == "qualtrics" else "SurveyMonkey"
    raise SurveyError(
        f"rows 2 to {detected.rows} are {tool} header rows (question texts"
        + (" and import ids" if detected.rows == 3 else " and sub-headers")
        + "), so with header_rows=1 they would be read as responses",
        path=path,
        line=2,
        hint=f"pass header_rows={detected.rows}, or leave header_rows='auto'",
    )


def _refuse_import_ids_as_response(path: Path) -> None:
    raise SurveyError(
        'row 3 holds Qualtrics import ids (like {"ImportId":"QID1"}), so the export has '
        "3 header rows; with header_rows=2 they would be read as a response",
        path=path,
        line=3,
        hint="pass header_rows=3, or leave header_rows='auto'",
    )


def _too_short(path: Path, header_rows: int, n_rows: int) -> None:
    raise SurveyError(
        f"has {n_rows} row(s), fewer than the {header_rows} header rows asked for",
        path=path,
        line=n_rows,
        hint="check header_rows, or export the survey again once responses are in",
    )


def _check_import_ids(names: list[str], row3: list[str], path: Path, *, detected: Layout) -> None:
    """Every row-3 cell of a Qualtrics export is an import id (JSON or single-quoted).

    A trailing column with no name and nothing in row 3 is the empty column a trailing comma
    makes, not a cell to check.
    """
    if not _has_import_ids(row3):
        right = f"header_rows={detected.rows}" if detected.rows != 3 else "header_rows='auto'"
        raise SurveyError(
            "row 3 holds a response, not Qualtrics import ids: with header_rows=3 it would "
            "be dropped as a header row",
            path=path,
            line=3,
            hint=f"the rows above it look like a {detected.rows}-row header: pass {right}",
        )
    for position, (name, cell) in enumerate(zip(names, row3, strict=True)):
        if not name.strip() and not cell.strip():
            continue
        if parse_import_id(cell) is None:
            label = repr(name) if name.strip() else column_letter(position)
            raise SurveyError(
                f"row 3, column {label}: {cell[:60]!r} is not a Qualtrics import id "
                '(expected something like {"ImportId":"QID1"})',
                path=path,
                line=3,
                hint="the other cells of row 3 are import ids, so the header rows were edited: "
                "restore this cell from the original Qualtrics export, or export again",
            )


def used_width(rows: list[list[str]], data: pd.DataFrame, header_rows: int) -> int:
    """How many columns an export has, without the empty last column a trailing comma makes.

    Legacy Qualtrics exports end every line with a comma; the column after it has no name in
    any header row and no answer, so it is not a column of the survey. ``data`` is every
    record under row 1, columns numbered.

    Examples
    --------
    >>> rows = [["V1", "Q1", ""], ["ResponseID", "Ward?", ""]]
    >>> data = pd.DataFrame([["ResponseID", "Ward?", None], ["R_1", "W1", None]])
    >>> used_width(rows, data, 2)
    2
    """
    width = len(rows[0])
    while width > 1 and _is_empty_column(rows, data, width - 1, header_rows):
        width -= 1
    return width


def _is_empty_column(rows: list[list[str]], data: pd.DataFrame, position: int, n: int) -> bool:
    if any(row[position].strip() for row in rows[:n] if position < len(row)):
        return False
    return bool(data.iloc[n - 1 :, position].isna().all())


def check_column_names(names: list[str], data: pd.DataFrame, path: Path, header_rows: int) -> None:
    """Every column has a name in row 1; a nameless one is refused, saying what it holds.

    A column added by hand, or one whose header was deleted, is what leaves a blank name in
    an export whose names are in row 1 (Qualtrics, two-row exports). ``data`` is the
    responses (the rows under the header).

    Raises
    ------
    SurveyError
        Naming the file, row 1, the column letter, and the first row holding an answer.

    Examples
    --------
    >>> check_column_names(["Q1", "Q2"], pd.DataFrame([["a", "b"]]), Path("x.csv"), 2)
    """
    for position, name in enumerate(names):
        if name.strip():
            continue
        letter = column_letter(position)
        filled = data.iloc[:, position].notna().to_numpy().nonzero()[0]
        if len(filled):
            row = int(filled[0]) + header_rows + 1
            what = f"has no name in row 1 but holds answers (the first in row {row})"
            hint = (
                f"write the column's name in row 1 of column {letter} (its question text in "
                "row 2), or delete the column if it was added by hand"
            )
        else:
            what = "has no name in row 1 and no answers"
            hint = f"delete the empty column {letter}; it is not part of the export"
        raise SurveyError(f"row 1, column {letter} {what}", path=path, line=1, hint=hint)


def join_surveymonkey_header(
    names: list[str], subheaders: list[str], path: Path
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """One name per column: "Question" or "Question - Option" (SurveyMonkey's two rows).

    The question text of row 1 is carried right over the blank cells of a grouped question
    and joined with a specific sub-header of row 2; "Response" and "Open-Ended Response" say
    the whole answer is in the one column.

    Returns
    -------
    tuple
        The column names, the question text of each and the option label of each sub-column.

    Examples
    --------
    >>> join_surveymonkey_header(["Ward?", "Apply?", ""], ["Response", "Online", "Mail"],
    ...                          Path("x.csv"))[0]
    ['Ward?', 'Apply? - Online', 'Apply? - Mail']
    """
    columns: list[str] = []
    questions: dict[str, str] = {}
    options: dict[str, str] = {}
    question, start = "", 0
    for position, (name, sub) in enumerate(zip(names, subheaders, strict=True)):
        name, sub = name.strip(), sub.strip()
        if name:
            question, start = name, position
        elif question and sub:
            _check_continuation(subheaders[start].strip(), position - start, start, path)
        else:
            letter = column_letter(position)
            raise SurveyError(
                f"column {letter} has no name in row 1 or row 2",
                path=path,
                line=2 if question else 1,
                hint=f"write the question in row 1 of column {letter} (a column added by "
                "hand?), or delete the column",
            )
        if sub and sub.casefold() not in SURVEYMONKEY_SINGLE:
            column = f"{question} - {sub}"
            options[column] = sub
        else:
            column = question
        columns.append(column)
        questions.setdefault(column, question)
    return columns, questions, options


def _check_continuation(first_sub: str, run: int, start: int, path: Path) -> None:
    """A column blank in row 1 continues the question before it only where SurveyMonkey
    writes one: after an option sub-header, or as the one comment column ("Other (please
    specify)") after a "Response" column. Anything else means the first column of its own
    question was deleted by hand, and its answers would be filed under the wrong question."""
    if first_sub and (first_sub.casefold() not in SURVEYMONKEY_SINGLE or run == 1):
        return
    # name the first column that was filed under the wrong question, not where it showed
    letter, owner = column_letter(start + 1), column_letter(start)
    holds = "is one of the tool's own columns" if not first_sub else "is a one-column question"
    raise SurveyError(
        f"row 1, column {letter} has no question and cannot continue column {owner}, which "
        f"{holds}: the first column of its question was probably deleted",
        path=path,
        line=1,
        hint=f"write the question text in row 1 of column {letter}, or restore the deleted "
        "column from the original export",
    )


# -- formats read by other modules, which register here ------------------------------------------
@dataclass(frozen=True)
class ExportReader:
    """A reader of one more export format, which its own module registers here.

    :func:`~research_kit.survey.ingest.read_survey_export` hands a file to it by suffix
    (``suffixes``, for binary formats such as ``.sav``) or by content (``recognises`` gets the
    first three rows of a CSV/XLSX file, cells as text, and says whether they are this format's).
    ``read`` takes the path and the keywords of ``read_survey_export`` and returns a
    ``SurveyExport``; it refuses a ``header_rows`` that does not fit its format.

    Examples
    --------
    >>> reader = ExportReader("spss", read=print, suffixes=(".sav",))
    >>> reader.suffixes
    ('.sav',)
    """

    export_format: str
    read: Callable[..., Any]
    suffixes: tuple[str, ...] = ()
    recognises: Callable[[list[list[str]]], bool] | None = None


_EXPORT_READERS: dict[str, ExportReader] = {}


def register_export_reader(reader: ExportReader) -> None:
    """Let ``read_survey_export`` hand files of ``reader``'s format to ``reader.read``.

    The survey room's readers of other formats call this when imported (the room's
    ``__init__`` imports them): they import the reading machinery, never the other way round.

    Examples
    --------
    >>> register_export_reader(ExportReader("dbase", read=print, suffixes=(".dbf",)))
    Traceback (most recent call last):
    ValueError: 'dbase' is not one of EXPORT_FORMATS: add it there first
    """
    if reader.export_format not in EXPORT_FORMATS:
        raise ValueError(
            f"{reader.export_format!r} is not one of EXPORT_FORMATS: add it there first"
        )
    # registering a format again replaces its reader (a module reloaded in a notebook)
    _EXPORT_READERS[reader.export_format] = reader


def registered_reader(
    *, path: Path | None = None, rows: list[list[str]] | None = None, sheet: str | int = 0
) -> ExportReader | None:
    """The registered reader for a file's suffix, or for its first rows; None when none fits.

    Given a workbook's ``path``, its first rows are peeked at (``sheet``), so that a reader
    chosen by content reads the workbook once, not after a full read that would be thrown away.

    Examples
    --------
    >>> registered_reader(path=Path("survey.sav")).export_format
    'spss'
    >>> registered_reader(rows=[["id", "q"], ["1", "a"]]) is None
    True
    """
    readers = list(_EXPORT_READERS.values())
    if path is not None:
        for reader in readers:
            if path.suffix.lower() in reader.suffixes:
                return reader
        if path.suffix.lower() == ".xlsx" and rows is None:
            rows = first_rows(path, sheet) or None
    if rows is not None:
        for reader in readers:
            if reader.recognises is not None and reader.recognises(rows):
                return reader
    return None


def refuse_header_rows(path: Path, header_rows: object, tool: str) -> None:
    """Refuse a forced ``header_rows`` other than 1 for a tool that writes one header row.

    Examples
    --------
    >>> refuse_header_rows(Path("form.csv"), 2, "Google Forms")
    Traceback (most recent call last):
    research_kit.errors.SurveyError: form.csv:1: header_rows=2 does not fit a Google Forms \
export: it has one header row and row 2 is the first response — leave header_rows unset
    """
    if header_rows not in ("auto", 1):
        raise SurveyError(
            f"header_rows={header_rows!r} does not fit a {tool} export: it has one header row "
            "and row 2 is the first response",
            path=path,
            line=1,
            hint="leave header_rows unset",
        )

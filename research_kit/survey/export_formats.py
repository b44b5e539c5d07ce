"""Which survey tool wrote an export, and how many header rows it has.

Qualtrics writes short ids in row 1, the question text in row 2 and (in current exports) JSON
import ids in row 3; legacy Qualtrics exports stop after row 2. SurveyMonkey writes the question
text in row 1 (blank over the later columns of a grouped question) and a sub-header in row 2.
:func:`choose_layout` recognises them by the strongest signal first (import ids cannot be
answers), and checks a layout forced by the caller. :mod:`research_kit.survey.ingest` reads the
file and flattens the header rows by the layout chosen here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from research_kit.errors import SurveyError
from research_kit.survey.workbook_cells import first_rows

__all__ = [
    "EXPORT_FORMATS",
    "SURVEYMONKEY_SINGLE",
    "ExportReader",
    "HeaderRows",
    "Layout",
    "choose_layout",
    "column_letter",
    "refuse_header_rows",
    "register_export_reader",
    "registered_reader",
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
    says_response = any(cell.strip().casefold() in SURVEYMONKEY_SINGLE for cell in row2)
    grouped = bool(blanks) and blanks[0] > 0 and all(row2[i].strip() for i in blanks)
    return (says_response and bool(metadata or blanks)) or (grouped and bool(metadata))


def choose_layout(rows: list[list[str]], header_rows: HeaderRows, path: Path) -> Layout:
    """The export's layout from its first three rows (``header_rows`` forces the count).

    Examples
    --------
    >>> choose_layout([["id", "q"], ["1", "a"]], "auto", Path("x.csv"))
    Layout(rows=1, export_format='plain')
    """
    names = rows[0]
    row2 = rows[1] if len(rows) > 1 else None
    row3 = rows[2] if len(rows) > 2 else None
    if header_rows == 1:
        return Layout(1, "plain")
    if header_rows == 3:
        if row3 is None:
            _too_short(path, 3, len(rows))
        _check_import_ids(names, row3, path)
        return Layout(3, "qualtrics")
    if header_rows == 2:
        if row2 is None:
            _too_short(path, 2, len(rows))
        if _surveymonkey_signals(names, row2) or any(not name.strip() for name in names):
            return Layout(2, "surveymonkey")
        return Layout(2, "qualtrics" if _looks_qualtrics(names) else "two_row")
    # auto: the strongest signal first (Qualtrics' JSON import ids cannot be answers)
    if row3 is not None and any(_looks_like_import_id(cell) for cell in row3):
        _check_import_ids(names, row3, path)
        return Layout(3, "qualtrics")
    if row2 is not None and _surveymonkey_signals(names, row2):
        return Layout(2, "surveymonkey")
    if row2 is not None and _looks_qualtrics(names) and _row2_is_qualtrics_labels(names, row2):
        return Layout(2, "qualtrics")
    return Layout(1, "plain")


def _too_short(path: Path, header_rows: int, n_rows: int) -> None:
    raise SurveyError(
        f"has {n_rows} row(s), fewer than the {header_rows} header rows asked for",
        path=path,
        line=n_rows,
        hint="check header_rows, or export the survey again once responses are in",
    )


def _check_import_ids(names: list[str], row3: list[str], path: Path) -> None:
    """Every row-3 cell of a Qualtrics export is a JSON object with an ``ImportId``."""
    for position, (name, cell) in enumerate(zip(names, row3, strict=True)):
        try:
            parsed = json.loads(cell)
        except json.JSONDecodeError:
            parsed = None
        if not (isinstance(parsed, dict) and isinstance(parsed.get("ImportId"), str)):
            label = repr(name) if name.strip() else column_letter(position)
            raise SurveyError(
                f"row 3, column {label}: {cell[:60]!r} is not a Qualtrics import id "
                '(expected something like {"ImportId":"QID1"})',
                path=path,
                line=3,
                hint="export the survey from Qualtrics again without editing the header rows, "
                "or pass header_rows=2 if the third row holds answers",
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

"""Survey exports → DataFrames: read CSV/XLSX as survey tools write them, whatever the encoding.

Survey tools and spreadsheets write UTF-8 with or without a byte-order mark, Windows-1252,
comma- or semicolon-separated files, or Excel workbooks, and the big survey tools put more than
one header row on top:

* **Qualtrics** writes short ids in row 1 (``StartDate``, ``ResponseId``, ``Q1``, ``Q2_1`` …),
  the question text in row 2 and, in current exports, JSON import ids such as
  ``{"ImportId":"QID1"}`` in row 3 (legacy exports stop after row 2);
* **SurveyMonkey** writes the question text in row 1, leaving the cells after a multi-column
  question blank, and a sub-header in row 2 ("Response", "Open-Ended Response" or the label of
  each option or statement).

:func:`read_survey` reads all of them into one row per response, keeps every cell as text (a
ward "01" stays "01"; ratings are labels, not numbers), treats blank cells as missing and keeps
the question text in ``frame.attrs["questions"]``. Files glued together from UTF-8 and
Windows-1252/Latin-1 exports are repaired cell by cell (no "CafÃ©"). Errors name the file, the
row (as a spreadsheet numbers it) and the column. Recognising question kinds
(:mod:`research_kit.survey.columns`) and tidying open answers
(:mod:`research_kit.survey.responses`) build on this.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.rawfiles import read_raw_bytes
from research_kit.tables import detect_separator, read_delimited_file

SURVEY_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")

#: What :func:`read_survey` records in ``frame.attrs["export_format"]``.
EXPORT_FORMATS = ("plain", "qualtrics", "surveymonkey", "two_row")

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
_SURVEYMONKEY_SINGLE = frozenset({"response", "open-ended response", "open ended response"})


@dataclass
class _Header:
    """The header rows as read (blank cells are ``""``) and the body under row 1."""

    rows: list[list[str]]  # row 1 and the next two rows (fewer when the file is short)
    body: pd.DataFrame  # every record after row 1, columns numbered 0..n-1
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Layout:
    rows: int
    export_format: str


def read_survey(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    header_rows: HeaderRows = "auto",
) -> pd.DataFrame:
    """Read a survey export (CSV or XLSX) into a DataFrame of text cells.

    Parameters
    ----------
    path : Path or str
        The export.
    encoding : str, optional
        Force an encoding (detected by default: BOM, UTF-8, then Windows-1252, then Latin-1).
    sep : str, optional
        Force a separator (detected by default among ``,`` ``;`` tab and ``|``).
    sheet : str or int
        The worksheet of an XLSX file.
    header_rows : {"auto", 1, 2, 3}
        How many header rows the export has. ``"auto"`` recognises Qualtrics (3 rows with
        JSON import ids, or legacy 2 rows with question text under Qualtrics' metadata ids),
        SurveyMonkey (question row + "Response"/option sub-header row) and otherwise reads
        one header row. A number forces it: 2 joins a SurveyMonkey-style sub-header when row 1
        has blank cells or row 2 says "Response", else keeps row 1 as names and row 2 as
        question text; 3 expects Qualtrics import ids in row 3.

    Returns
    -------
    pandas.DataFrame
        One row per response, one column per answer cell, cells as ``str`` (missing: NA).
        ``df.attrs`` holds ``source``, ``encoding``, ``separator``, ``export_format`` (one of
        :data:`EXPORT_FORMATS`), ``header_rows``, ``first_data_row`` (the file row of the first
        response, so the response with index label ``i`` is on file row
        ``i + first_data_row``; see :func:`file_rows`), ``questions`` ({column: question
        text}), ``repaired_cells`` (cells of a cp1252/Latin-1 file that held UTF-8 and were
        decoded as such), and for Qualtrics ``import_ids`` ({column: ImportId}), for
        SurveyMonkey ``options`` ({column: option or statement label} for sub-columns).

    Raises
    ------
    SurveyError
        If the file is empty, binary, undecodable in a forced encoding, has no responses,
        a malformed row, malformed Qualtrics import ids or a column name twice; the message
        names the file, row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = path.write_bytes("id;ward;comment\\n1;Ward 2;Más rápido\\n".encode("cp1252"))
    >>> frame = read_survey(path)
    >>> frame.loc[0, "comment"], frame.attrs["encoding"], frame.attrs["separator"]
    ('Más rápido', 'cp1252', ';')

    A Qualtrics export keeps its short ids as column names and the question text aside:

    >>> _ = path.write_text(
    ...     'ResponseId,Q1\\nResponse ID,What one thing should change?\\n'
    ...     '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\\n'
    ...     'R_1,Faster reviews\\n'
    ... )
    >>> frame = read_survey(path)
    >>> frame.attrs["export_format"], frame.attrs["questions"]["Q1"], frame.loc[0, "Q1"]
    ('qualtrics', 'What one thing should change?', 'Faster reviews')
    >>> int(file_rows(frame)[0])
    4
    """
    path = Path(path)
    if header_rows not in ("auto", 1, 2, 3):
        raise SurveyError(
            f"header_rows={header_rows!r} is not one of 'auto', 1, 2, 3",
            path=path,
            hint="leave header_rows='auto' or give the number of header rows the export has",
        )
    if path.suffix.lower() == ".xlsx":
        header = _read_xlsx(path, sheet)
    else:
        header = _read_csv(path, encoding=encoding, sep=sep)
    layout = _choose_layout(header.rows, header_rows, path)
    frame = _flatten(header, layout, path)
    _check_has_responses(frame, path, layout.rows)
    return frame


def file_rows(frame: pd.DataFrame) -> pd.Series:
    """The file row (1-based, as a spreadsheet shows it) of each response, aligned on the index.

    Uses ``frame.attrs["first_data_row"]`` from :func:`read_survey` (2 when absent) and the
    index labels :func:`read_survey` gave (0, 1, …), so it stays right after filtering rows or
    renaming columns, as long as the index is not reset.

    Examples
    --------
    >>> frame = pd.DataFrame({"q": ["a", "b", "c"]})
    >>> frame.attrs["first_data_row"] = 4
    >>> file_rows(frame[frame["q"] != "a"]).tolist()
    [5, 6]
    """
    first = int(frame.attrs.get("first_data_row", 2))
    index = frame.index
    if pd.api.types.is_integer_dtype(index.dtype):
        return pd.Series(index.to_numpy() + first, index=index, name="row")
    return pd.Series(range(first, first + len(index)), index=index, name="row")


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


# -- reading the grid ----------------------------------------------------------------------------
def _read_csv(path: Path, *, encoding: str | None, sep: str | None) -> _Header:
    if encoding is not None:
        _check_forced_encoding(path, encoding, sep)
    table = read_delimited_file(path, encoding=encoding, sep=sep, error_class=SurveyError)
    frame = table.frame
    # pandas names a blank header cell "Unnamed: <position>"; that is the only way it gets one.
    first_row = [
        "" if str(name) == f"Unnamed: {position}" else str(name)
        for position, name in enumerate(frame.columns)
    ]
    body = frame.set_axis(range(frame.shape[1]), axis=1)
    attrs = {"source": str(table.source), "encoding": table.encoding, "separator": table.separator}
    if encoding is None and attrs.get("encoding") in _SINGLE_BYTE:
        first_row = [_repair_utf8(name, attrs["encoding"]) for name in first_row]
        body, attrs["repaired_cells"] = _repair_mixed_utf8(body, attrs["encoding"])
    return _header_from(first_row, body, attrs)


_SINGLE_BYTE = ("cp1252", "latin-1")


def _repair_utf8(text: str, encoding: str) -> str:
    """Undo UTF-8 read as a single-byte encoding ("CafÃ©" → "Café") in one cell.

    A file that is not valid UTF-8 as a whole is decoded as cp1252/Latin-1, but files glued
    together from several exports mix the two, cell by cell. Text whose single-byte encoding is
    valid UTF-8 with multi-byte characters was UTF-8; text that was really cp1252 ("é" alone,
    byte 0xE9) is not valid UTF-8 and stays as it is.
    """
    if text.isascii():
        return text
    try:
        return text.encode(encoding).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _repair_mixed_utf8(body: pd.DataFrame, encoding: str) -> tuple[pd.DataFrame, int]:
    repaired = 0
    columns = {}
    for position in body.columns:
        column = body[position]
        texts = column.dropna().unique()
        fixes = {text: _repair_utf8(text, encoding) for text in texts if not text.isascii()}
        fixes = {text: fixed for text, fixed in fixes.items() if fixed != text}
        if fixes:
            repaired += int(column.isin(list(fixes)).sum())
            column = column.replace(fixes)
        columns[position] = column
    return (pd.DataFrame(columns, index=body.index) if repaired else body), repaired


def _read_xlsx(path: Path, sheet: str | int) -> _Header:
    data = read_raw_bytes(path, error_class=SurveyError)
    try:
        grid = pd.read_excel(
            io.BytesIO(data),  # the bytes already checked: the file is not opened twice
            sheet_name=sheet,
            header=None,
            dtype=str,
            engine="openpyxl",
            keep_default_na=False,  # "n/a", "None", "NA" are answers to count, not blanks
            na_values=[""],
        )
    except ValueError as exc:
        raise SurveyError(
            f"cannot read worksheet {sheet!r} ({exc})",
            path=path,
            hint="name an existing sheet, or save the file again from Excel",
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise SurveyError(
            "is not a readable Excel workbook",
            path=path,
            hint="open it in Excel and save as .xlsx again, or export CSV instead",
        ) from exc
    if grid.empty:
        raise SurveyError(
            f"worksheet {sheet!r} is empty", path=path, line=1, hint="export the survey again"
        )
    first_row = [_cell(value) for value in grid.iloc[0]]
    _check_unique_names(first_row, path, line=1, what="row 1")
    body = grid.iloc[1:].reset_index(drop=True).set_axis(range(grid.shape[1]), axis=1)
    return _header_from(first_row, body, {"source": str(path), "encoding": "xlsx"})


def _header_from(first_row: list[str], body: pd.DataFrame, attrs: dict) -> _Header:
    below = [[_cell(value) for value in body.iloc[i]] for i in range(min(2, len(body)))]
    rows = [first_row, *below]
    attrs.setdefault("separator", None)
    return _Header(rows=rows, body=body, attrs=attrs)


def _cell(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _check_forced_encoding(path: Path, encoding: str, sep: str | None) -> None:
    """Name the row and column of the first byte that the forced encoding cannot decode."""
    data = read_raw_bytes(path, error_class=SurveyError)
    try:
        data.decode(encoding)
    except LookupError:
        return  # decode_text reports an unknown encoding name
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(encoding, errors="replace")
        row, position, name = _locate(prefix, sep)
        where = f"column {name!r}" if name else f"column {column_letter(position)}"
        raise SurveyError(
            f"row {row}, {where}: byte 0x{data[exc.start]:02x} cannot be decoded as {encoding}",
            path=path,
            line=row,
            hint="leave encoding unset to detect it, or give the encoding the file was saved in",
        ) from exc


def _locate(prefix: str, sep: str | None) -> tuple[int, int, str]:
    """Row (1-based record), column position and header name at the end of ``prefix``."""
    if not prefix:
        return 1, 0, ""
    delimiter = sep or detect_separator(prefix)
    records = list(csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter))
    if prefix.endswith(("\n", "\r")):
        row, position = len(records) + 1, 0
    else:
        row, position = len(records), max(len(records[-1]) - 1, 0) if records else 0
    names = records[0] if records and row > 1 else []
    name = names[position] if position < len(names) else ""
    return row, position, name


# -- recognising the export ----------------------------------------------------------------------
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
    says_response = any(cell.strip().casefold() in _SURVEYMONKEY_SINGLE for cell in row2)
    grouped = bool(blanks) and blanks[0] > 0 and all(row2[i].strip() for i in blanks)
    return (says_response and bool(metadata or blanks)) or (grouped and bool(metadata))


def _choose_layout(rows: list[list[str]], header_rows: HeaderRows, path: Path) -> _Layout:
    names = rows[0]
    row2 = rows[1] if len(rows) > 1 else None
    row3 = rows[2] if len(rows) > 2 else None
    if header_rows == 1:
        return _Layout(1, "plain")
    if header_rows == 3:
        if row3 is None:
            _too_short(path, 3, len(rows))
        _check_import_ids(names, row3, path)
        return _Layout(3, "qualtrics")
    if header_rows == 2:
        if row2 is None:
            _too_short(path, 2, len(rows))
        if _surveymonkey_signals(names, row2) or any(not name.strip() for name in names):
            return _Layout(2, "surveymonkey")
        return _Layout(2, "qualtrics" if _looks_qualtrics(names) else "two_row")
    # auto: the strongest signal first (Qualtrics' JSON import ids cannot be answers)
    if row3 is not None and any(_looks_like_import_id(cell) for cell in row3):
        _check_import_ids(names, row3, path)
        return _Layout(3, "qualtrics")
    if row2 is not None and _surveymonkey_signals(names, row2):
        return _Layout(2, "surveymonkey")
    if row2 is not None and _looks_qualtrics(names) and _row2_is_qualtrics_labels(names, row2):
        return _Layout(2, "qualtrics")
    return _Layout(1, "plain")


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


# -- flattening ----------------------------------------------------------------------------------
def _flatten(header: _Header, layout: _Layout, path: Path) -> pd.DataFrame:
    names = header.rows[0]
    attrs = dict(header.attrs)
    if layout.rows == 1:
        columns = [name or f"Unnamed: {i}" for i, name in enumerate(names)]
        questions = dict(zip(columns, columns, strict=True))
    elif layout.export_format == "surveymonkey":
        columns, questions, options = _join_surveymonkey(names, header.rows[1], path)
        attrs["options"] = options
    else:
        columns = _named(names, path)
        questions = {
            column: text.strip() or column
            for column, text in zip(columns, header.rows[1], strict=True)
        }
        if layout.rows == 3:
            attrs["import_ids"] = {
                column: json.loads(cell)["ImportId"]
                for column, cell in zip(columns, header.rows[2], strict=True)
            }
    _check_unique_names(columns, path, line=layout.rows, what="the header rows")
    frame = header.body.iloc[layout.rows - 1 :].reset_index(drop=True)
    frame = frame.set_axis(columns, axis=1)
    attrs.setdefault("repaired_cells", 0)
    attrs.update(
        source=str(path),
        export_format=layout.export_format,
        header_rows=layout.rows,
        first_data_row=layout.rows + 1,
        questions=questions,
    )
    frame.attrs = attrs
    return frame


def _named(names: list[str], path: Path) -> list[str]:
    for position, name in enumerate(names):
        if not name.strip():
            raise SurveyError(
                f"row 1, column {column_letter(position)}: the column has no name",
                path=path,
                line=1,
                hint="export the survey again without editing the header rows",
            )
    return list(names)


def _join_surveymonkey(
    names: list[str], subheaders: list[str], path: Path
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """One name per column: "Question" or "Question - Option" (SurveyMonkey's two rows)."""
    columns: list[str] = []
    questions: dict[str, str] = {}
    options: dict[str, str] = {}
    question = ""
    for position, (name, sub) in enumerate(zip(names, subheaders, strict=True)):
        name, sub = name.strip(), sub.strip()
        if name:
            question = name
        elif not question or not sub:
            raise SurveyError(
                f"column {column_letter(position)} has no name in row 1 or row 2",
                path=path,
                line=2 if question else 1,
                hint="export the survey again without editing the header rows",
            )
        if sub and sub.casefold() not in _SURVEYMONKEY_SINGLE:
            column = f"{question} - {sub}"
            options[column] = sub
        else:
            column = question
        columns.append(column)
        questions.setdefault(column, question)
    return columns, questions, options


def _check_unique_names(names: list[str], path: Path, *, line: int, what: str) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name.strip():
            continue
        if name in seen:
            raise SurveyError(
                f"the column {name!r} appears more than once in {what} (columns "
                f"{column_letter(seen[name])} and {column_letter(position)})",
                path=path,
                line=line,
                hint="rename the repeated columns so each has its own name",
            )
        seen[name] = position


def _check_has_responses(frame: pd.DataFrame, path: Path, header_rows: int) -> None:
    if frame.shape[1] == 0:
        raise SurveyError("has no columns", path=path, hint="export the survey again")
    if frame.empty:
        raise SurveyError(
            "has a header but no responses",
            path=path,
            line=header_rows + 1,
            hint="export the survey again once responses are in",
        )
    if all(str(column).startswith("Unnamed: ") for column in frame.columns):
        raise SurveyError(
            "has no column names in its first row",
            path=path,
            line=1,
            hint="export with a header row of question names",
        )

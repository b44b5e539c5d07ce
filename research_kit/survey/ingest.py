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
the question text aside: :func:`read_survey_export` returns the responses with a tidy
``questions`` table and how the file was read (a :class:`SurveyExport`); :func:`read_survey`
returns the responses alone. Files glued together from UTF-8 and
Windows-1252/Latin-1 exports are repaired cell by cell (no "CafÃ©"). Errors name the file, the
row (as a spreadsheet numbers it) and the column. Which tool wrote an export, and how many
header rows it has, is decided in :mod:`research_kit.survey.export_formats`. Recognising
question kinds (:mod:`research_kit.survey.columns`) and tidying open answers
(:mod:`research_kit.survey.responses`) build on this.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.rawfiles import read_raw_bytes
from research_kit.survey.export_formats import (
    EXPORT_FORMATS,
    HeaderRows,
    Layout,
    check_column_names,
    choose_layout,
    column_letter,
    join_surveymonkey_header,
    registered_reader,
    used_width,
)
from research_kit.survey.qualtrics import (
    parse_import_id,
    sub_question_labels,
    unique_export_tags,
)
from research_kit.tables import detect_separator, read_delimited_file

SURVEY_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")

__all__ = [
    "EXPORT_FORMATS",  # re-exported from research_kit.survey.export_formats
    "MISSING_CODE_COLUMNS",
    "QUESTION_COLUMNS",
    "REPEAT_LINK_COLUMNS",
    "SURVEY_SUFFIXES",
    "SurveyExport",
    "as_survey_export",
    "column_letter",  # re-exported from research_kit.survey.export_formats
    "file_rows",
    "questions_table",
    "read_survey",
    "read_survey_export",
]

#: The columns of :attr:`SurveyExport.questions`.
QUESTION_COLUMNS = ("column", "question", "option", "import_id", "export_tag")
#: The columns of :attr:`SurveyExport.repeat_links` and :attr:`SurveyExport.missing_codes`.
REPEAT_LINK_COLUMNS = ("group", "row", "parent_group", "parent_row", "respondent")
MISSING_CODE_COLUMNS = ("row", "column", "code", "label")


@dataclass
class _Header:
    """The header rows as read (blank cells are ``""``) and the body under row 1."""

    rows: list[list[str]]  # row 1 and the next two rows (fewer when the file is short)
    body: pd.DataFrame  # every record after row 1, columns numbered 0..n-1
    # how the file was read: source, encoding, separator, repaired_cells
    reading: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyExport:
    """A survey export as read: the responses, the question behind each column, and the file.

    Attributes
    ----------
    responses : pandas.DataFrame
        One row per response, one column per answer cell, cells as ``str`` (missing: NA);
        what :func:`read_survey` returns.
    questions : pandas.DataFrame
        One row per column of ``responses``, in their order: ``column``, ``question`` (the
        question text; the column name when the export has none), ``option`` (the option or
        statement label of a SurveyMonkey sub-column, or the sub-question part of a Qualtrics
        column's row-2 text, else None), ``import_id`` (Qualtrics'
        ImportId, else None) and ``export_tag`` (the row-1 header as the file writes it:
        Qualtrics' export tag, kept when a repeated tag was made unique in ``column``; None
        for SurveyMonkey, whose names join two rows).
    source : str or None
        The file (None for responses that did not come from a file).
    encoding : str or None
        The encoding the file was read with (``"xlsx"`` for a workbook).
    separator : str or None
        The CSV separator (None for a workbook).
    export_format : str
        One of :data:`EXPORT_FORMATS`.
    header_rows : int
        How many header rows the export has.
    first_data_row : int
        The file row of the first response: the response with index label ``i`` is on file
        row ``i + first_data_row`` (see :func:`file_rows`).
    repaired_cells : int
        Cells of a cp1252/Latin-1 file that held UTF-8 and were decoded as such.
    repeat_groups, repeat_links, missing_codes
        KoboToolbox repeat groups (sheet name → table as exported), each of their rows linked
        to its parent row and its respondent's index label; cells that held a declared
        missing-value code (SPSS user-missing, Stata ``.a``): row, column, code, label. Empty
        for most formats, as are the extra ``questions`` columns some readers add.

    Examples
    --------
    >>> export = as_survey_export(pd.DataFrame({"Q1": ["yes"]}))
    >>> export.questions.to_dict("records")
    [{'column': 'Q1', 'question': 'Q1', 'option': None, 'import_id': None, 'export_tag': 'Q1'}]
    """

    responses: pd.DataFrame
    questions: pd.DataFrame
    source: str | None = None
    encoding: str | None = None
    separator: str | None = None
    export_format: str = "plain"
    header_rows: int = 1
    first_data_row: int = 2
    repaired_cells: int = 0
    repeat_groups: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    repeat_links: pd.DataFrame = field(default_factory=lambda: _empty(REPEAT_LINK_COLUMNS))
    missing_codes: pd.DataFrame = field(default_factory=lambda: _empty(MISSING_CODE_COLUMNS))

    def question_text(self, column: str) -> str:
        """The question text of a column (the column name when the export has none)."""
        texts = self.questions.set_index("column")["question"]
        text = texts.get(column) if column in texts.index else None
        return str(text) if isinstance(text, str) and text else column

    def option(self, column: str) -> str | None:
        """The option (SurveyMonkey) or sub-question (Qualtrics) label of a column, else None."""
        options = self.questions.set_index("column")["option"]
        value = options.get(column) if column in options.index else None
        return value if isinstance(value, str) else None

    def with_responses(self, responses: pd.DataFrame) -> SurveyExport:
        """The same export with other responses (filtered rows or renamed columns).

        Keep the index labels :func:`read_survey` gave, so :func:`file_rows` stays right.
        """
        return replace(self, responses=responses)


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns)).astype(object)


def as_survey_export(data: pd.DataFrame | SurveyExport) -> SurveyExport:
    """A :class:`SurveyExport` as it is, or bare responses wrapped in one (defaults: plain,
    one header row, each column its own question text).

    Examples
    --------
    >>> as_survey_export(pd.DataFrame({"q": ["a"]})).first_data_row
    2
    """
    if isinstance(data, SurveyExport):
        return data
    columns = [str(column) for column in data.columns]
    questions = questions_table(columns, export_tags={column: column for column in columns})
    return SurveyExport(responses=data, questions=questions)


def read_survey(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    header_rows: HeaderRows = "auto",
) -> pd.DataFrame:
    """Read a survey export (CSV or XLSX) into a DataFrame of text cells.

    The responses of :func:`read_survey_export`, which also gives the question text of each
    column and how the file was read. Since the house redesign the frame's ``attrs`` are
    empty (pandas drops them on the first assignment): read those facts from
    :func:`read_survey_export`.

    Parameters
    ----------
    path, encoding, sep, sheet, header_rows
        As for :func:`read_survey_export`.

    Returns
    -------
    pandas.DataFrame
        One row per response, one column per answer cell, cells as ``str`` (missing: NA).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = path.write_bytes("id;ward\\n1;Ward 2\\n".encode("cp1252"))
    >>> read_survey(path).loc[0, "ward"]
    'Ward 2'
    """
    return read_survey_export(
        path, encoding=encoding, sep=sep, sheet=sheet, header_rows=header_rows
    ).responses


def read_survey_export(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    header_rows: HeaderRows = "auto",
) -> SurveyExport:
    """Read a survey export (CSV or XLSX): its responses as text cells, its questions aside.

    Parameters
    ----------
    path : Path or str
        The export. SPSS/Stata/SAS files (by suffix) and KoboToolbox and Google Forms exports
        (by their columns) go to the readers registered in ``export_formats``.
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
    SurveyExport
        ``responses`` (one row per response, cells as ``str``), ``questions`` (column,
        question text, SurveyMonkey option, Qualtrics ImportId), ``source``, ``encoding``,
        ``separator``, ``export_format`` (one of :data:`EXPORT_FORMATS`), ``header_rows``,
        ``first_data_row`` and ``repaired_cells``; see :class:`SurveyExport`. (Before the
        house redesign :func:`read_survey` kept these in ``DataFrame.attrs``.)

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
    >>> export = read_survey_export(path)
    >>> export.responses.loc[0, "comment"], export.encoding, export.separator
    ('Más rápido', 'cp1252', ';')

    A Qualtrics export keeps its short ids as column names and the question text aside:

    >>> _ = path.write_text(
    ...     'ResponseId,Q1\\nResponse ID,What one thing should change?\\n'
    ...     '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\\n'
    ...     'R_1,Faster reviews\\n'
    ... )
    >>> export = read_survey_export(path)
    >>> export.export_format, export.question_text("Q1"), export.responses.loc[0, "Q1"]
    ('qualtrics', 'What one thing should change?', 'Faster reviews')
    >>> int(file_rows(export)[0])
    4
    """
    path = Path(path)
    if header_rows not in ("auto", 1, 2, 3):
        raise SurveyError(
            f"header_rows={header_rows!r} is not one of 'auto', 1, 2, 3",
            path=path,
            hint="leave header_rows='auto' or give the number of header rows the export has",
        )
    options = {"encoding": encoding, "sep": sep, "sheet": sheet, "header_rows": header_rows}
    if (reader := registered_reader(path=path, sheet=sheet)) is not None:  # .sav; Kobo XLSX
        return reader.read(path, **options)
    if path.suffix.lower() == ".xlsx":
        header = _read_xlsx(path, sheet)
    else:
        header = _read_csv(path, encoding=encoding, sep=sep)
    if (reader := registered_reader(rows=header.rows)) is not None:  # Kobo …: by content
        return reader.read(path, **options)
    layout = choose_layout(header.rows, header_rows, path)
    export = _flatten(header, layout, path)
    _check_has_responses(export.responses, path, layout.rows)
    return export


def file_rows(frame: pd.DataFrame | SurveyExport) -> pd.Series:
    """The file row (1-based, as a spreadsheet shows it) of each response, aligned on the index.

    Uses :attr:`SurveyExport.first_data_row` (2 for bare responses: one header row) and the
    index labels :func:`read_survey_export` gave (0, 1, …), so it stays right after filtering
    rows or renaming columns (:meth:`SurveyExport.with_responses`), as long as the index is
    not reset.

    Examples
    --------
    >>> frame = pd.DataFrame({"q": ["a", "b", "c"]})
    >>> file_rows(frame[frame["q"] != "a"]).tolist()
    [3, 4]
    """
    export = as_survey_export(frame)
    first = export.first_data_row
    index = export.responses.index
    if pd.api.types.is_integer_dtype(index.dtype):
        return pd.Series(index.to_numpy() + first, index=index, name="row")
    return pd.Series(range(first, first + len(index)), index=index, name="row")


# -- reading the grid ----------------------------------------------------------------------------
def _read_csv(path: Path, *, encoding: str | None, sep: str | None) -> _Header:
    if encoding is not None:
        _check_forced_encoding(path, encoding, sep)
    # Row 1 is read as cells: Insights-era Qualtrics exports repeat export tags there, which
    # only the layout can make unique (other layouts refuse them in _flatten).
    table = read_delimited_file(
        path, encoding=encoding, sep=sep, error_class=SurveyError, header=False
    )
    grid = table.frame
    first_row = [_cell(value) for value in grid.iloc[0]]
    body = grid.iloc[1:].reset_index(drop=True)
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
    body = grid.iloc[1:].reset_index(drop=True).set_axis(range(grid.shape[1]), axis=1)
    return _header_from(first_row, body, {"source": str(path), "encoding": "xlsx"})


def _header_from(first_row: list[str], body: pd.DataFrame, reading: dict) -> _Header:
    below = [[_cell(value) for value in body.iloc[i]] for i in range(min(2, len(body)))]
    rows = [first_row, *below]
    reading.setdefault("separator", None)
    return _Header(rows=rows, body=body, reading=reading)


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


# -- flattening ----------------------------------------------------------------------------------
def _flatten(header: _Header, layout: Layout, path: Path) -> SurveyExport:
    if layout.rows > 1:
        width = used_width(header.rows, header.body, layout.rows)
        rows = [row[:width] for row in header.rows]
        header = replace(header, rows=rows, body=header.body.iloc[:, :width])
    names = header.rows[0]
    options: dict[str, str] = {}
    import_ids: dict[str, str] = {}
    tags: dict[str, str] = {}
    if layout.rows == 1:
        columns = [name or f"Unnamed: {i}" for i, name in enumerate(names)]
        questions = dict(zip(columns, columns, strict=True))
    elif layout.export_format == "surveymonkey":
        columns, questions, options = join_surveymonkey_header(names, header.rows[1], path)
    else:
        check_column_names(names, header.body.iloc[layout.rows - 1 :], path, layout.rows)
        columns = names
        if layout.export_format == "qualtrics":
            columns = unique_export_tags(names, header.rows[1])
        questions = {
            column: text.strip() or column
            for column, text in zip(columns, header.rows[1], strict=True)
        }
        if layout.rows == 3:
            import_ids = {
                column: parse_import_id(cell)
                for column, cell in zip(columns, header.rows[2], strict=True)
            }
        if layout.export_format == "qualtrics":
            keys = [import_ids.get(c) or tag for c, tag in zip(columns, names, strict=True)]
            labels = sub_question_labels(keys, header.rows[1])
            options = {c: label for c, label in zip(columns, labels, strict=True) if label}
    if layout.export_format != "surveymonkey":
        tags = dict(zip(columns, names, strict=True))
    _check_unique_names(columns, path, line=layout.rows, what="the header rows")
    frame = header.body.iloc[layout.rows - 1 :].reset_index(drop=True)
    frame = frame.set_axis(columns, axis=1)
    read = header.reading
    return SurveyExport(
        responses=frame,
        questions=questions_table(
            columns,
            questions=questions,
            options=options,
            import_ids=import_ids,
            export_tags=tags,
        ),
        source=str(path),
        encoding=read.get("encoding"),
        separator=read.get("separator"),
        export_format=layout.export_format,
        header_rows=layout.rows,
        first_data_row=layout.rows + 1,
        repaired_cells=int(read.get("repaired_cells", 0)),
    )


def questions_table(
    columns: list[str],
    *,
    questions: Mapping[str, str] | None = None,
    options: Mapping[str, str | None] | None = None,
    import_ids: Mapping[str, str | None] | None = None,
    export_tags: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The tidy ``column, question, option, import_id, export_tag`` table of a SurveyExport.

    For readers of other formats that build a :class:`SurveyExport` themselves. A column
    missing from ``questions`` is its own question text; from the other mappings, None.

    Examples
    --------
    >>> questions_table(["Q1"], questions={"Q1": "Ward?"}).to_dict("records")
    [{'column': 'Q1', 'question': 'Ward?', 'option': None, 'import_id': None, 'export_tag': None}]
    """
    questions, options = questions or {}, options or {}
    import_ids, export_tags = import_ids or {}, export_tags or {}
    rows = [
        (
            column,
            questions.get(column, column),
            options.get(column),
            import_ids.get(column),
            export_tags.get(column),
        )
        for column in columns
    ]
    return pd.DataFrame(rows, columns=list(QUESTION_COLUMNS)).astype(object)


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

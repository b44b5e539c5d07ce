"""KoboToolbox exports (XLSX and CSV): respondents, question paths and repeat groups.

KoboToolbox (and ODK tools that export like it, through formpack) writes one row per
submission. Its headers are XLSForm paths: ``group_x/question`` for a question inside a group,
``group_x/question/option`` for the 0/1 column of one option of a select-multiple question
(after the column holding all the ticked option names, space-separated), and
``_question_latitude`` / ``_longitude`` / ``_altitude`` / ``_precision`` for the parts of a GPS
question. Its own columns start with an underscore: ``_id`` (the submission id), ``_uuid``,
``_submission_time``, ``_index``, ``_validation_status``, ``_status``, ``_submitted_by``,
``__version__``, ``_tags``, ``_notes``, ``_geolocation``. CSV exports often use ``;``.

An XLSX export puts each **repeat group** on a sheet of its own: every row of a repeat sheet has
an ``_index``, the ``_parent_table_name`` of the sheet it belongs to and the ``_parent_index`` of
its parent row there, so a repeat inside a repeat points at a row of its parent repeat.
:func:`read_kobo_export` reads the main sheet as the respondents and every repeat sheet as a
table in :attr:`~research_kit.survey.ingest.SurveyExport.repeat_groups` (its columns as
exported), and links each repeat row to its parent row and, through the chain of parents, to its
respondent (:attr:`~research_kit.survey.ingest.SurveyExport.repeat_links`). CSV exports hold the
main table only.

The ``questions`` table (see :func:`kobo_questions`) gives the last path segment as the question
text and adds ``group`` (the group path), ``categories`` (a select-multiple's option names, from
its 0/1 columns) and ``delimiter`` (``" "`` for such a question's summary cell). Headers
exported as labels rather than XML names are kept whole: a label may hold a ``/`` of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.survey.export_formats import (
    ExportReader,
    refuse_header_rows,
    register_export_reader,
)
from research_kit.survey.ingest import QUESTION_COLUMNS, REPEAT_LINK_COLUMNS, SurveyExport
from research_kit.survey.workbook_cells import chosen_sheet, sheet_table, workbook_text
from research_kit.tables import read_delimited_file

__all__ = [
    "KOBO_QUESTION_COLUMNS",
    "KOBO_SYSTEM_COLUMNS",
    "is_kobo_header",
    "kobo_questions",
    "read_kobo_export",
]

#: The columns of ``questions`` for a KoboToolbox export.
KOBO_QUESTION_COLUMNS = (*QUESTION_COLUMNS, "group", "categories", "delimiter")

#: Columns KoboToolbox adds to every submission (repeat sheets add ``_submission_*`` copies).
KOBO_SYSTEM_COLUMNS = frozenset(
    {
        "_id",
        "_uuid",
        "_submission_time",
        "_index",
        "_validation_status",
        "_status",
        "_submitted_by",
        "__version__",
        "_version_",
        "_tags",
        "_notes",
        "_geolocation",
        "_attachments",
        "_xform_id_string",
        "_parent_index",
        "_parent_table_name",
    }
)

_GPS_PART = re.compile(
    r"^(?:(?P<group>.+)/)?_(?P<name>[^/]+)_(?P<part>latitude|longitude|altitude|precision)$"
)
# An XLSForm name: what a path segment looks like when headers are names, not labels.
_XML_NAME = re.compile(r"^[^\W\d][\w.\-]*$")


def is_kobo_header(rows: list[list[str]]) -> bool:
    """Whether row 1 holds KoboToolbox's own columns (of a main sheet or a repeat sheet).

    Examples
    --------
    >>> is_kobo_header([["start", "q1", "_id", "_uuid", "_submission_time", "_index"]])
    True
    >>> is_kobo_header([["id", "_uuid"]])
    False
    """
    names = {name.strip() for name in rows[0]} if rows else set()
    main = {"_uuid", "_submission_time"} <= names and bool(names & {"_id", "_index"})
    repeat = {"_index", "_parent_index", "_parent_table_name"} <= names
    return main or repeat


def read_kobo_export(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    header_rows: str | int = "auto",
) -> SurveyExport:
    """Read a KoboToolbox export: the submissions, their question paths and repeat groups.

    Parameters
    ----------
    path : Path or str
        An XLSX or CSV export.
    encoding, sep : str, optional
        Force the CSV encoding or separator (detected by default; Kobo often writes ``;``).
    sheet : str or int
        The main sheet of a workbook (the first by default); the other sheets that have
        ``_parent_index`` are its repeat groups.
    header_rows : {"auto", 1}
        Kobo exports have one header row; any other number is refused.

    Returns
    -------
    SurveyExport
        ``responses`` (one row per submission, cells as text, dates as ISO 8601),
        ``questions`` (:data:`KOBO_QUESTION_COLUMNS`), ``repeat_groups`` (sheet name → table,
        its columns as exported, index 0, 1, … for file rows 2, 3, …), ``repeat_links``,
        ``export_format`` ``"kobo"``.

    Raises
    ------
    SurveyError
        If the main sheet is a repeat sheet, a repeat row names a parent row or sheet that does
        not exist, a header repeats, or the file cannot be read; the message names the file,
        sheet, row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "kobo.csv"
    >>> _ = path.write_text(
    ...     "household/size;household/ward;_id;_uuid;_submission_time;_index\\n"
    ...     "4;north;101;u-1;2026-05-01T10:00:00;1\\n"
    ... )
    >>> export = read_kobo_export(path)
    >>> export.responses.loc[0, "household/size"], export.separator
    ('4', ';')
    >>> export.questions.loc[0, ["question", "group"]].tolist()
    ['size', 'household']
    """
    path = Path(path)
    refuse_header_rows(path, header_rows, "KoboToolbox")
    if path.suffix.lower() == ".xlsx":
        return _read_workbook(path, sheet)
    if sheet != 0:
        raise SurveyError(
            f"sheet={sheet!r} does not apply to a CSV file", path=path, hint="leave sheet unset"
        )
    table = read_delimited_file(path, encoding=encoding, sep=sep, error_class=SurveyError)
    responses = table.frame.set_axis([str(name) for name in table.frame.columns], axis=1)
    return SurveyExport(
        responses=responses.astype(object),
        questions=kobo_questions(list(responses.columns)),
        source=str(path),
        encoding=table.encoding,
        separator=table.separator,
        export_format="kobo",
    )


def kobo_questions(columns: Sequence[str]) -> pd.DataFrame:
    """The ``questions`` table of KoboToolbox columns (of the main sheet or a repeat sheet).

    Examples
    --------
    >>> table = kobo_questions(
    ...     ["g/pets", "g/pets/dog", "g/pets/cat", "g/home", "g/_home_latitude", "_id"]
    ... )
    >>> table[["question", "option", "group"]].values.tolist()
    [['pets', None, 'g'], ['pets', 'dog', 'g'], ['pets', 'cat', 'g'], ['home', None, 'g'], \
['home', 'latitude', 'g'], ['_id', None, None]]
    >>> table.loc[0, "categories"], table.loc[0, "delimiter"]
    (('dog', 'cat'), ' ')
    """
    names = [str(column) for column in columns]
    present = set(names)
    rows = [_question_row(name, present) for name in names]
    options: dict[str, list[str]] = {}
    for name, row in zip(names, rows, strict=True):
        if row["option"] is not None and not _GPS_PART.match(name):
            options.setdefault(name.rsplit("/", 1)[0], []).append(row["option"])
    for name, row in zip(names, rows, strict=True):
        if name in options:  # the summary cell of a select-multiple: names joined by spaces
            row["categories"] = tuple(options[name])
            row["delimiter"] = " "
    return pd.DataFrame(rows, columns=list(KOBO_QUESTION_COLUMNS), dtype=object)


def _question_row(name: str, present: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(KOBO_QUESTION_COLUMNS)
    row["column"], row["question"] = name, name
    gps = _GPS_PART.match(name)
    if gps and _joined(gps["group"], gps["name"]) in present:
        row.update(question=gps["name"], option=gps["part"], group=gps["group"])
        return row
    if name.startswith("_") or name in KOBO_SYSTEM_COLUMNS:
        return row  # Kobo's own column (and the _submission_* copies on repeat sheets)
    segments = name.split("/")
    if len(segments) < 2 or not all(_XML_NAME.match(segment) for segment in segments):
        return row  # a bare name, or a label that may hold a "/" of its own
    parent = "/".join(segments[:-1])
    if parent in present:  # a select-multiple's 0/1 column for one option
        row.update(question=segments[-2], option=segments[-1], group=_group(segments[:-2]))
    else:
        row.update(question=segments[-1], group=parent)
    return row


def _joined(group: str | None, name: str) -> str:
    return f"{group}/{name}" if group else name


def _group(segments: list[str]) -> str | None:
    return "/".join(segments) or None


# -- the workbook ----------------------------------------------------------------------------------
def _read_workbook(path: Path, sheet: str | int) -> SurveyExport:
    grids = workbook_text(path)
    main_name = chosen_sheet(path, list(grids), sheet)
    responses = sheet_table(path, main_name, grids.pop(main_name))
    tables = {name: sheet_table(path, name, grid) for name, grid in grids.items() if grid}
    if "_parent_index" in responses.columns:
        raise SurveyError(
            f"sheet {main_name!r} is a repeat group of a KoboToolbox export, not its main sheet",
            path=path,
            hint="read the main (first) sheet: the repeat groups come with it in repeat_groups",
        )
    repeats = {name: table for name, table in tables.items() if "_parent_index" in table}
    links = _repeat_links(path, main_name, responses, repeats)
    return SurveyExport(
        responses=responses,
        questions=kobo_questions(list(responses.columns)),
        source=str(path),
        encoding="xlsx",
        separator=None,
        export_format="kobo",
        repeat_groups=repeats,
        repeat_links=links,
    )


def _repeat_links(
    path: Path, main_name: str, responses: pd.DataFrame, repeats: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Each repeat row's parent row and, through the chain of parents, its respondent."""
    if not repeats:
        return pd.DataFrame(columns=list(REPEAT_LINK_COLUMNS)).astype(object)
    by_index = {main_name: _rows_by_index(path, main_name, responses)}
    by_index |= {name: _rows_by_index(path, name, table) for name, table in repeats.items()}
    parents: dict[tuple[str, Any], tuple[str | None, Any]] = {}
    for name, table in repeats.items():
        for row, parent_sheet, parent_index in zip(
            table.index, table["_parent_table_name"], table["_parent_index"], strict=True
        ):
            parents[(name, row)] = _parent_of(
                path, (name, row), parent_sheet, parent_index, main_name, by_index
            )
    records = []
    for (name, row), (parent_group, parent_row) in parents.items():
        records.append(
            (name, row, parent_group, parent_row, _respondent(parents, name, row, len(repeats)))
        )
    return pd.DataFrame(records, columns=list(REPEAT_LINK_COLUMNS), dtype=object)


def _rows_by_index(path: Path, sheet: str, table: pd.DataFrame) -> dict[str, Any]:
    if "_index" not in table.columns:
        raise SurveyError(
            f"sheet {sheet!r} has no _index column, so its repeat groups cannot be joined to it",
            path=path,
            line=1,
            hint="export the form again from KoboToolbox without removing its own columns",
        )
    return {str(value): row for row, value in table["_index"].items() if value is not None}


def _parent_of(
    path: Path,
    child: tuple[str, Any],
    parent_sheet: Any,
    parent_index: Any,
    main_name: str,
    by_index: dict[str, dict[str, Any]],
) -> tuple[str | None, Any]:
    sheet, row = child
    place = f"sheet {sheet!r}, row {row + 2}"
    # an export without _parent_table_name can only hang off the main sheet
    parent = str(parent_sheet) if parent_sheet is not None else main_name
    if parent not in by_index or parent == sheet:
        raise SurveyError(
            f"{place}, column _parent_table_name: {parent!r} is not another sheet of the workbook",
            path=path,
            line=row + 2,
            hint="export the form again from KoboToolbox; do not rename its sheets",
        )
    found = by_index[parent].get(str(parent_index))
    if found is None:
        raise SurveyError(
            f"{place}, column _parent_index: no row of sheet {parent!r} has _index "
            f"{parent_index!r}",
            path=path,
            line=row + 2,
            hint="export the form again from KoboToolbox; rows removed from one sheet leave "
            "their repeat rows without a parent",
        )
    return (None if parent == main_name else parent), found


def _respondent(
    parents: dict[tuple[str, Any], tuple[str | None, Any]], group: str, row: Any, depth: int
) -> Any:
    """Walk up the chain of parents to the main sheet (a chain is at most one step a sheet)."""
    for _ in range(depth + 1):
        parent_group, parent_row = parents[(group, row)]
        if parent_group is None:
            return parent_row
        group, row = parent_group, parent_row
    raise ValueError(f"the repeat sheets' parents form a loop at {group!r}")


register_export_reader(ExportReader("kobo", read=read_kobo_export, recognises=is_kobo_header))

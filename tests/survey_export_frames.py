"""The respondent table of each shared survey export, as the column-kind detector should see it.

:func:`export_for_kinds` uses ``read_survey_export`` (and, for a KoboToolbox repeat sheet, its
``repeat_groups``) where it gives the truth table's columns. Where it does not (a reader that
refuses a file or gives other columns: the state before the readers learnt the Qualtrics
legacy and Insights-era exports, Kobo repeat sheets and SPSS/Stata files), it reads the file
here, with csv/pandas/pyreadstat, into the shape the truth table
describes: header names by position, question text (row 2) and Qualtrics import ids (row 3) in
the ``questions`` table, cells as text, blanks as NA. It says which path it used.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pandas as pd
from survey_truth import EXPORTS_DIR, files_table, load_truth

from research_kit.errors import SurveyError
from research_kit.survey import read_survey_export
from research_kit.survey.ingest import QUESTION_COLUMNS, SurveyExport, as_survey_export

READER = "read_survey_export"
REPEAT_GROUP = "read_survey_export, its repeat_groups sheet"
OWN_CSV = "test reads the CSV (csv module: names row 1, question row 2, import ids row 3)"
OWN_SHEET = "test reads the sheet (pandas.read_excel, text cells)"
OWN_PYREADSTAT = "test reads the file (pyreadstat, value labels applied, cells as text)"


def export_for_kinds(file_name: str, sheet: str | None = None) -> tuple[SurveyExport, str]:
    """The export of ``file_name`` (or one repeat sheet) and which reading path gave it."""
    path = EXPORTS_DIR / file_name
    truth = load_truth(file_name, sheet)
    try:
        export = read_survey_export(path)
    except SurveyError:
        export = None
    if export is not None and sheet is None and len(export.responses.columns) == len(truth):
        return export, READER
    repeat = export.repeat_groups.get(sheet) if export is not None and sheet else None
    if repeat is not None and len(repeat.columns) == len(truth):
        return as_survey_export(repeat.astype(object).where(repeat.notna(), pd.NA)), REPEAT_GROUP
    suffix = path.suffix.casefold()
    if suffix in (".sav", ".dta"):
        return _read_pyreadstat(path), OWN_PYREADSTAT
    if suffix == ".xlsx":
        return _read_sheet(path, sheet or _respondent_sheet(file_name)), OWN_SHEET
    header_rows = int(files_table().set_index("file").loc[file_name, "header_rows"])
    return _read_qualtrics_csv(path, header_rows, len(truth)), OWN_CSV


def _respondent_sheet(file_name: str) -> str | int:
    sheet = files_table().set_index("file").loc[file_name, "respondent_sheet"]
    return sheet or 0


def _read_qualtrics_csv(path: Path, header_rows: int, n_columns: int) -> SurveyExport:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    # a legacy export ends every line with a comma: that nameless column is not a column
    names, questions = rows[0][:n_columns], rows[1][:n_columns]
    import_ids = [_import_id(cell) for cell in rows[2][:n_columns]] if header_rows == 3 else None
    body = [row[:n_columns] for row in rows[header_rows:]]
    unique = _unique(names)
    responses = pd.DataFrame(body, columns=unique, dtype=object).replace("", pd.NA)
    table = pd.DataFrame(
        {
            "column": unique,
            "question": questions,
            "option": None,
            "import_id": import_ids if import_ids else None,
        },
        columns=list(QUESTION_COLUMNS),
    ).astype(object)
    return SurveyExport(
        responses=responses,
        questions=table,
        source=str(path),
        export_format="qualtrics",
        header_rows=header_rows,
        first_data_row=header_rows + 1,
    )


def _import_id(cell: str) -> str | None:
    """``{"ImportId":"QID1"}`` (JSON) or ``{'ImportId': 'QID1'}`` (Insights era)."""
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(cell)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            return value.get("ImportId")
    return None


def _unique(names: list[str]) -> list[str]:
    """Repeated export tags get " (2)", " (3)" …: a DataFrame needs one name per column."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _read_sheet(path: Path, sheet: str | int) -> SurveyExport:
    frame = pd.read_excel(path, sheet_name=sheet, dtype=str)
    frame = frame.astype(object).where(frame.notna(), pd.NA)
    frame.columns = [str(column) for column in frame.columns]
    return _plain(frame, path)


def _read_pyreadstat(path: Path) -> SurveyExport:
    import pyreadstat

    reader = pyreadstat.read_sav if path.suffix.casefold() == ".sav" else pyreadstat.read_dta
    frame, meta = reader(str(path), apply_value_formats=True)
    text = frame.apply(_as_text)
    export = _plain(text, path)
    labels = [meta.column_names_to_labels.get(name) or name for name in text.columns]
    questions = export.questions.assign(question=labels)
    return SurveyExport(responses=text, questions=questions, source=str(path), header_rows=0)


def _as_text(column: pd.Series) -> pd.Series:
    def cell(value: object) -> object:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return pd.NA
        if hasattr(value, "isoformat"):
            return (
                value.isoformat(sep=" ")
                if hasattr(value, "hour") and hasattr(value, "year")
                else value.isoformat()
            )
        return str(value)

    return column.astype(object).map(cell).astype(object)


def _plain(frame: pd.DataFrame, path: Path) -> SurveyExport:
    columns = [str(column) for column in frame.columns]
    questions = pd.DataFrame(
        {"column": columns, "question": columns, "option": None, "import_id": None},
        columns=list(QUESTION_COLUMNS),
    ).astype(object)
    return SurveyExport(responses=frame, questions=questions, source=str(path))

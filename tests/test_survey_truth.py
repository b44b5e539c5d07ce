"""The survey-export truth tables are well-formed and match the files they describe.

These check the tables, not a reader: every column of every export in
``../shared/data/survey-exports/`` is covered exactly once, under its own header name, with a
kind from the vocabulary; Likert rows carry their order; the respondent counts in ``files.csv``
are the files' own.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from survey_truth import (
    KINDS,
    TRUTH_COLUMNS,
    files_table,
    kind_accuracy,
    load_truth,
    order_categories,
    repeat_sheets,
)

FILES = files_table()
FILE_NAMES = list(FILES["file"])
GROUPED_KINDS = {"matrix_item", "multi_select", "ranking"}
GENERIC_SUBHEADERS = {"", "Response", "Open-Ended Response"}


def file_info(name: str) -> dict:
    """The files.csv row of an export."""
    return FILES.set_index("file").loc[name].to_dict()


def read_csv_rows(path: Path) -> list[list[str]]:
    """All records of a CSV export (UTF-8, optional BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def surveymonkey_names(rows: list[list[str]]) -> list[str]:
    """The truth's naming rule: question text carried right, joined with a specific sub-header."""
    names, question = [], ""
    for top, sub in zip(rows[0], rows[1], strict=True):
        question = top or question
        names.append(question if sub in GENERIC_SUBHEADERS else f"{question} - {sub}")
    return names


def sheet_frame(path: Path, sheet: str) -> pd.DataFrame:
    """One sheet of an XLSX export, header in row 1, all cells as read by openpyxl."""
    return pd.read_excel(path, sheet_name=sheet, dtype=object)


def export_table(path: Path, info: dict, sheet: str | None = None) -> tuple[list[str], list[list]]:
    """Header names and data rows of an export, read plainly (no kind detection)."""
    fmt = info["format"]
    if fmt in ("google_forms", "kobo"):
        frame = sheet_frame(path, sheet or info["respondent_sheet"])
        return [str(name) for name in frame.columns], frame.values.tolist()
    if fmt == "stata":
        frame = pd.read_stata(path, convert_categoricals=False)
        return list(frame.columns), frame.values.tolist()
    if fmt == "spss":
        pyreadstat = pytest.importorskip("pyreadstat")
        frame, _ = pyreadstat.read_sav(str(path))
        return list(frame.columns), frame.values.tolist()
    rows = read_csv_rows(path)
    header, data = rows[0], rows[info["header_rows"] :]
    if fmt == "surveymonkey":
        header = surveymonkey_names(rows)
    if fmt == "qualtrics_legacy" and header[-1] == "":
        header, data = header[:-1], [row[:-1] for row in data]
    return header, data


def tables_of(name: str) -> list[tuple[str | None, pd.DataFrame]]:
    """The respondent table and any repeat-group tables of an export."""
    sheets = [None, *repeat_sheets(name)]
    return [(sheet, load_truth(name, sheet)) for sheet in sheets]


@pytest.mark.shared
def test_files_table_lists_every_export(shared_data: Path) -> None:
    on_disk = {path.name for path in (shared_data / "survey-exports").iterdir()}
    assert set(FILE_NAMES) == on_disk


@pytest.mark.shared
@pytest.mark.parametrize("name", FILE_NAMES)
def test_truth_covers_every_column_once(shared_data: Path, name: str) -> None:
    info = file_info(name)
    path = shared_data / "survey-exports" / name
    for sheet, truth in tables_of(name):
        header, _ = export_table(path, info, sheet)
        assert list(truth["position"]) == list(range(len(header))), sheet
        assert list(truth["column"]) == header, sheet
    assert len(load_truth(name)) == info["columns"]


@pytest.mark.shared
@pytest.mark.parametrize("name", FILE_NAMES)
def test_respondent_count_is_the_files_own(shared_data: Path, name: str) -> None:
    info = file_info(name)
    _, data = export_table(shared_data / "survey-exports" / name, info)
    assert len(data) == info["data_rows"]


@pytest.mark.shared
@pytest.mark.parametrize("name", FILE_NAMES)
def test_respondent_id_is_unique_and_filled(shared_data: Path, name: str) -> None:
    truth = load_truth(name)
    ids = truth.loc[truth["kind"] == "respondent_id", "position"].tolist()
    _, data = export_table(shared_data / "survey-exports" / name, file_info(name))
    for position in ids:
        values = [row[position] for row in data]
        assert all(value not in ("", None) for value in values)
        assert len(set(values)) == len(values)


@pytest.mark.shared
@pytest.mark.parametrize("name", FILE_NAMES)
def test_likert_labels_in_the_file_are_in_the_order(shared_data: Path, name: str) -> None:
    truth = load_truth(name)
    _, data = export_table(shared_data / "survey-exports" / name, file_info(name))
    for _, row in truth[truth["kind"] == "likert"].iterrows():
        values = {str(r[row["position"]]) for r in data} - {"", "nan", "None"}
        if all(value.replace(".", "").isdigit() for value in values):
            continue  # numeric codes: the labels live in the file's metadata
        assert values <= set(order_categories(row["order"])), row["column"]


@pytest.mark.parametrize("name", FILE_NAMES)
def test_truth_tables_are_well_formed(name: str) -> None:
    for sheet, truth in tables_of(name):
        assert tuple(truth.columns) == TRUTH_COLUMNS, sheet
        assert set(truth["kind"]) <= set(KINDS), sheet
        assert (truth["reason"] != "").all(), sheet
        likert = truth[truth["kind"] == "likert"]
        assert all(len(order_categories(order)) >= 2 for order in likert["order"]), sheet
        grouped = truth[truth["kind"].isin(GROUPED_KINDS)]
        assert (grouped["question"] != "").all(), sheet


def test_every_format_is_named_once_per_file() -> None:
    formats = {
        "qualtrics_current",
        "qualtrics_legacy",
        "qualtrics_insights",
        "surveymonkey",
        "google_forms",
        "kobo",
        "spss",
        "stata",
    }
    assert set(FILES["format"]) <= formats
    assert FILES["file"].is_unique


def test_kind_accuracy_by_position_and_by_order() -> None:
    truth = load_truth("googleforms_demo_responses.xlsx")
    right = dict(zip(truth["position"], truth["kind"], strict=True))
    assert kind_accuracy(truth, right) == 1.0
    one_wrong = {**right, 2: "date"}
    assert kind_accuracy(truth, one_wrong) == 0.75
    by_name = dict(zip(truth["column"], truth["kind"], strict=True))
    assert kind_accuracy(truth, by_name) == 1.0


def test_kind_accuracy_refuses_a_prediction_missing_columns() -> None:
    truth = load_truth("googleforms_demo_responses.xlsx")
    with pytest.raises(ValueError, match="3 predicted kinds for 4 columns"):
        kind_accuracy(truth, {0: "metadata", 1: "personal_data", 2: "date"})
    with pytest.raises(ValueError, match="no predicted kind"):
        kind_accuracy(truth, {0: "metadata", 1: "personal_data", 2: "date", 7: "x"})

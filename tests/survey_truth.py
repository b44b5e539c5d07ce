"""The hand-written truth tables for the survey exports in ``../shared/data/survey-exports/``.

Each export has a table ``tests/data/survey-exports-truth/<file name>.csv`` with one row per
column of the respondent table it yields (``column``, ``position``, ``kind``, ``question``,
``order``, ``reason``); a KoboToolbox export also has one per repeat-group sheet,
``<file name>.<sheet>.csv``. ``files.csv`` lists the files with their format, header rows and
number of respondents. See the README next to the tables for the judgement calls.

Readers are measured with :func:`kind_accuracy`::

    truth = load_truth("surveymonkey_dc_anc_2022_full.csv")
    assert kind_accuracy(truth, {0: "respondent_id", ...}) >= 0.95
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

TRUTH_DIR = Path(__file__).parent / "data" / "survey-exports-truth"
EXPORTS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "survey-exports"

KINDS = (
    "respondent_id",
    "metadata",
    "personal_data",
    "open_text",
    "likert",
    "single_choice",
    "multi_select",
    "ranking",
    "matrix_item",
    "numeric",
    "date",
    "weight",
    "geolocation",
)
TRUTH_COLUMNS = ("column", "position", "kind", "question", "order", "reason")
ORDER_SEPARATOR = " | "


def truth_path(file_name: str, sheet: str | None = None) -> Path:
    """Where the truth table of an export (or of one of its repeat-group sheets) is kept."""
    suffix = f".{sheet}" if sheet else ""
    return TRUTH_DIR / f"{file_name}{suffix}.csv"


def load_truth(file_name: str, sheet: str | None = None) -> pd.DataFrame:
    """The truth table of ``file_name`` (a name in ``files.csv``), sorted by position.

    ``sheet`` names a KoboToolbox repeat-group sheet instead of the respondent sheet. Text
    columns hold "" where the table leaves a cell empty; ``position`` is an int.
    """
    path = truth_path(file_name, sheet)
    if not path.is_file():
        raise FileNotFoundError(f"no truth table for {file_name!r} (looked for {path})")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table["position"] = table["position"].astype(int)
    return table.sort_values("position", ignore_index=True)


def files_table() -> pd.DataFrame:
    """One row per export: file, format, header_rows, data_rows, columns, sheets and notes."""
    table = pd.read_csv(TRUTH_DIR / "files.csv", dtype=str, keep_default_na=False)
    for number in ("header_rows", "data_rows", "columns"):
        table[number] = table[number].astype(int)
    return table


def repeat_sheets(file_name: str) -> list[str]:
    """The repeat-group sheets ``files.csv`` lists for an export (empty for most formats)."""
    files = files_table().set_index("file")
    cell = files.loc[file_name, "repeat_sheets"]
    return [sheet for sheet in cell.split(";") if sheet]


def order_categories(order: str) -> list[str]:
    """The categories of a Likert ``order`` cell, low to high."""
    return [part.strip() for part in order.split(ORDER_SEPARATOR.strip())] if order else []


def kind_accuracy(truth: pd.DataFrame, predicted: Mapping[int | str, str]) -> float:
    """Share of the truth's columns whose predicted kind equals the true kind, by position.

    ``predicted`` maps a position (int) to a kind, or, with column names as keys, lists the
    kinds in the file's column order: its n-th entry is compared with position n (names are
    not compared, since readers may rename repeated or empty headers). It must cover every
    column; a reader that drops or adds columns gets a ValueError, not a score.
    """
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted kinds for {len(truth)} columns")
    if all(isinstance(key, numbers.Integral) for key in predicted):
        by_position = dict(predicted)
    else:
        by_position = dict(enumerate(predicted.values()))
    missing = set(truth["position"]) - set(by_position)
    if missing:
        raise ValueError(f"no predicted kind for positions {sorted(missing)}")
    right = sum(
        by_position[pos] == kind for pos, kind in zip(truth["position"], truth["kind"], strict=True)
    )
    return right / len(truth)

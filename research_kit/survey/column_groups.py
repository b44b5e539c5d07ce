"""Sub-columns of one question: multi-select options, matrix rows and rankings, found as a group.

Survey tools spread one question over several columns: Qualtrics writes ``Q2_1``, ``Q2_2`` …
(import ids ``QID2-1``, ``QID2-2``; a multiple-answer grid's cells ``QID44-1-1`` …), and
SurveyMonkey repeats the question over sub-columns whose row-2 sub-header names the option or
statement. What such a column is shows only in its group:

* **multi_select** — every cell is one mark (``1``, or the option's label) or blank: one column
  per option of a "select all that apply" question (or one cell of a multiple-answer grid);
* **ranking** — integer ranks 1..k with no rank used twice by a respondent across the group
  (a permutation of the ranks each respondent gave);
* **matrix_item** — one row of a single-answer grid: codes or labels repeated across
  respondents;
* **numeric** — numbers that hardly repeat (sliders 0-100 per row).

:func:`question_groups` finds the groups; :func:`group_kind` decides the kind of a group's
answer columns. :func:`~research_kit.survey.columns.detect_column_kinds` uses both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit.survey.ingest import SurveyExport

__all__ = ["GroupKind", "group_kind", "question_groups"]

_IMPORT_ID = re.compile(r"QID(\d+(?:#\d+)?)[-_](\d+)(?:[-_](\d+))?(?:[-_](TEXT))?$", re.I)
_TAG_STEM = re.compile(r"^(.+?)_\d+$")
_GRID_CELL_TAG = re.compile(r"^(.+?)_(\d+)_(\d+)$")
_TEXT_ENTRY = re.compile(r"_TEXT$|[-_]TEXT\b", re.I)
_MARK = frozenset({"1", "1.0", "true", "yes", "x", "checked", "selected"})
_LETTER = re.compile(r"[^\W\d_]")
_INTEGER = re.compile(r"^\s*\d+(\.0+)?\s*$")
# Answers that repeat this little across a group's cells are measurements or free text, not
# the codes or labels of a grid.
_MEASUREMENT_DISTINCT_SHARE = 0.6


@dataclass(frozen=True)
class GroupKind:
    """The kind of one column of a question group, the question it belongs to, and why."""

    kind: str
    question: str
    reason: str


def question_groups(survey: SurveyExport) -> dict[str, str]:
    """``{column: question}`` for the columns that share a question with their neighbours.

    Neighbouring columns belong to one question when their Qualtrics import ids name the same
    question (``QID2-1``, ``QID2-2``; each row of a multiple-answer grid is its own question),
    when SurveyMonkey gives them the same question text over option sub-headers, when a
    Qualtrics row 2 joins the same question to row labels with "-", or, with none of these,
    when their names share a stem (``Q5_1``, ``Q5_2``; ``Question - Option``). A column alone
    is in no group.

    Examples
    --------
    >>> from research_kit.survey.ingest import as_survey_export
    >>> frame = pd.DataFrame(columns=["Q1", "Q2_1", "Q2_2", "Q3"])
    >>> question_groups(as_survey_export(frame))
    {'Q2_1': 'Q2', 'Q2_2': 'Q2'}
    """
    questions = survey.questions.set_index("column")
    keys: list[tuple[str, str] | None] = []
    for column in survey.responses.columns:
        name = str(column)
        row = questions.loc[name] if name in questions.index else None
        keys.append(_group_key(name, row))
    groups: dict[str, str] = {}
    shown: dict[str, str] = {}  # one name per group: its first column's
    for position, key in enumerate(keys):
        if key is None:
            continue
        before = keys[position - 1] if position else None
        after = keys[position + 1] if position + 1 < len(keys) else None
        if key[0] in {k[0] for k in (before, after) if k is not None}:
            question = shown.setdefault(key[0], key[1])
            groups[str(survey.responses.columns[position])] = question
    return groups


def group_kind(frame: pd.DataFrame, columns: list[str], question: str) -> dict[str, GroupKind]:
    """The kind of each answer column of one question group (text-entry parts are left out).

    Parameters
    ----------
    frame : pandas.DataFrame
        Responses, text cells, blanks as NA; only answered cells (no non-answers) should
        remain.
    columns : list of str
        The group's columns, in survey order.
    question : str
        The question they belong to, named in the result.

    Examples
    --------
    >>> frame = pd.DataFrame({"R_1": ["1", "2", "2"], "R_2": ["2", "1", None],
    ...                       "R_3": ["3", None, "1"]})
    >>> group_kind(frame, ["R_1", "R_2", "R_3"], "R")["R_1"].kind
    'ranking'
    """
    cells = frame[columns].astype(object).apply(_stripped)
    flat = cells.to_numpy().ravel()
    present = flat[pd.notna(flat)]
    if not len(present):
        return {}
    # decided on the distinct values: a group of 100,000 respondents has a few dozen
    distinct = pd.unique(present)
    if {str(value).casefold() for value in distinct} <= _MARK:
        why = "one column per option: a cell is marked (1) when chosen, else blank"
        return _every(columns, "multi_select", question, why)
    labelled = _option_columns(cells)
    if labelled:
        # the other columns ("Other (please specify)") are text entries, decided alone
        why = "one column per option: a cell holds the option's label when chosen, else blank"
        return _every(labelled, "multi_select", question, why)
    distinct_share = len(distinct) / len(present)
    many = len(present) >= 3
    if not all(_INTEGER.match(str(value)) for value in distinct):
        if distinct_share > _MEASUREMENT_DISTINCT_SHARE and many:
            return {}  # free text or dates that hardly repeat: each column decides alone
        why = "a row of a grid question: labels repeated across respondents"
        return _every(columns, "matrix_item", question, why)
    numbers = cells.apply(pd.to_numeric, errors="coerce")
    if _is_ranking(numbers):
        top = int(numbers.max().max())
        why = f"ranks 1..{top}, each used at most once per respondent across {len(columns)} items"
        return _every(columns, "ranking", question, why)
    if distinct_share > _MEASUREMENT_DISTINCT_SHARE and many:
        why = f"numbers that hardly repeat ({distinct_share:.0%} distinct), e.g. a slider"
        return _every(columns, "numeric", question, why)
    why = f"a row of a grid question: {len(distinct)} codes repeated across respondents"
    return _every(columns, "matrix_item", question, why)


def _group_key(name: str, row: pd.Series | None) -> tuple[str, str] | None:
    """(what ties the group, the question shown) for one column, or None."""
    import_id = row.get("import_id") if row is not None else None
    if isinstance(import_id, str):
        match = _IMPORT_ID.search(import_id)
        if match is None or match.group(4):
            return None  # a question of its own, or a text-entry part
        # the export tag is the name up to its first "_" ("Q4#1_1", "Q44_Q44_1_1")
        shown = name.split("_")[0] if "_" in name else f"QID{match.group(1)}"
        if match.group(3):  # a cell of a multiple-answer grid: each row is a question
            return f"QID{match.group(1)}-{match.group(2)}", f"{shown} - row {match.group(2)}"
        return f"QID{match.group(1)}", shown
    if _TEXT_ENTRY.search(name):
        return None
    cell = _GRID_CELL_TAG.match(name)
    if cell:  # Qualtrics "Q44_1_2": row 1, option 2 of a grid; each row is a question
        return f"tag:{cell.group(1)}_{cell.group(2)}", f"{cell.group(1)} - row {cell.group(2)}"
    tag = _TAG_STEM.match(name)
    if tag:
        return f"tag:{tag.group(1)}", tag.group(1)
    option = row.get("option") if row is not None else None
    question = row.get("question") if row is not None else None
    if isinstance(question, str) and question != name and "-" in question:
        # Qualtrics row 2 joins the question and the row label with "-": the stem is the
        # question (legacy exports, whose tags may be renamed beyond recognition)
        stem = question.rsplit("-", 1)[0].strip()
        return f"stem:{stem}", stem
    if isinstance(option, str) and isinstance(question, str) and question:
        return f"text:{question}", question
    if " - " in name:  # flattened "Question - Option" headers (a SurveyMonkey export re-saved)
        stem = name.rsplit(" - ", 1)[0].strip()
        return f"stem:{stem}", stem
    return None


def _stripped(cells: pd.Series) -> pd.Series:
    """Cells without surrounding spaces; blank cells become NA."""
    text = cells.astype(object).where(cells.notna())
    text = text.map(lambda value: value.strip() if isinstance(value, str) else value)
    return text.where(text.notna() & (text != ""))


def _option_columns(cells: pd.DataFrame) -> list[str]:
    """SurveyMonkey option columns: each holds one value of its own (its option) or blank.

    Two or more such columns with different labels make the group a multi-select; a grid
    whose rows all drew the same answer would repeat one label, and is not one.
    """
    labels = {}
    for column in cells.columns:
        values = cells[column].dropna().astype(str).unique()
        if len(values) == 1 and _LETTER.search(values[0]):  # a label, not a code
            labels[column] = values[0]
    if len(labels) < 2 or len(set(labels.values())) < len(labels):
        return []
    return [str(column) for column in labels]


def _is_ranking(numbers: pd.DataFrame) -> bool:
    """Each respondent's ranks are 1..m (none repeated or skipped), and most rank two or more.

    A grid of 1-3 codes can look like ranks for a respondent or two; a ranking holds for all.
    """
    if numbers.shape[1] < 3:
        return False
    ranks = numbers.to_numpy(dtype=float)
    given = (~np.isnan(ranks)).sum(axis=1)
    ranks, given = ranks[given > 0], given[given > 0]
    if not len(given) or (given >= 2).sum() < len(given) / 2:
        return False
    ordered = np.sort(ranks, axis=1)  # NaN last
    repeated = (np.diff(ordered, axis=1) == 0).any(axis=1)
    # whole ranks from 1 with none repeated and the highest equal to their count: 1..m
    return bool(
        np.nanmin(ranks) >= 1 and not repeated.any() and (np.nanmax(ranks, axis=1) == given).all()
    )


def _every(columns: list[str], kind: str, question: str, why: str) -> dict[str, GroupKind]:
    reason = f"{why} (question {question!r})"
    return {column: GroupKind(kind, question, reason) for column in columns}

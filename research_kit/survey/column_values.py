"""One column's answers counted for its kind, and the row a kind table holds for it.

:func:`split_answers` sets blanks and non-answers aside and counts the distinct answers;
:func:`kind_row` turns a decided kind into the row of the table that
:func:`~research_kit.survey.columns.detect_column_kinds` returns (its columns are
:data:`KIND_COLUMNS`, its kinds :data:`KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research_kit.survey.responses import answer_status
from research_kit.survey.scales import most_common_first

__all__ = ["KINDS", "KIND_COLUMNS", "ColumnValues", "kind_row", "split_answers"]

#: The kinds a column can have (the vocabulary of the truth tables in ``tests/data``).
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

#: The columns of a kind table.
KIND_COLUMNS = (
    "column",
    "kind",
    "question",
    "order",
    "direction",
    "levels",
    "n_levels",
    "n_distinct",
    "n_answered",
    "n_non_answer",
    "n_blank",
    "pii",
    "reason",
)


@dataclass(frozen=True)
class ColumnValues:
    """One column's answers with non-answers and blanks set aside."""

    answered: pd.Series  # the answered cells (original text), index = frame index
    counts: pd.Series  # distinct answered value -> count, most common first
    n_non_answer: int
    n_blank: int


def split_answers(
    values: pd.Series, non_answers: frozenset[str], *, min_chars: int = 1
) -> ColumnValues:
    """Answered cells, their counts, and how many cells were non-answers or blank.

    Examples
    --------
    >>> split = split_answers(pd.Series(["a", "n/a", None, "a"]), frozenset({"n/a"}))
    >>> split.counts.to_dict(), split.n_non_answer, split.n_blank
    ({'a': 2}, 1, 1)
    """
    status = answer_status(values, non_answers=non_answers, min_chars=min_chars)
    answered = values[status == "answered"].astype(str)
    return ColumnValues(
        answered=answered,
        counts=most_common_first(answered),
        n_non_answer=int((status == "non_answer").sum()),
        n_blank=int((status == "blank").sum()),
    )


def kind_row(
    name: str,
    kind: str,
    values: ColumnValues,
    *,
    reason: str,
    question: str | None = None,
    order: tuple[str, ...] | None = None,
    direction: str | None = None,
    levels: tuple[str, ...] | None = None,
) -> dict:
    """The row of a kind table for one column (``pii`` follows from the kind).

    Examples
    --------
    >>> values = split_answers(pd.Series(["x"]), frozenset())
    >>> kind_row("Q", "open_text", values, reason="free text")["n_distinct"]
    1
    """
    levels = order if order is not None else levels
    return {
        "column": name,
        "kind": kind,
        "question": question,
        "order": order,
        "direction": direction if kind in ("likert", "matrix_item") and order else None,
        "levels": levels,
        "n_levels": len(levels) if levels is not None else 0,
        "n_distinct": len(values.counts),
        "n_answered": int(values.counts.sum()),
        "n_non_answer": values.n_non_answer,
        "n_blank": values.n_blank,
        "pii": kind in ("personal_data", "geolocation"),
        "reason": reason,
    }

"""The inputs of a breakdown, checked and aligned: answers, categories, weights, groups.

Every breakdown (:mod:`research_kit.survey.breakdown`) starts here: the answer column, its
categories in display order (a Likert scale low to high, or the answers seen in a natural
order, "Ward 2" before "Ward 10"), the weights (all 1 when unweighted), the groups, and the
raking variables when the standard errors are to account for the raking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit.errors import SurveyError
from research_kit.survey.fixed_weights import aligned_values

__all__ = [
    "BreakdownInputs",
    "answer_categories",
    "natural_key",
    "ordered_values",
    "prepare_inputs",
    "raking_columns",
]


@dataclass(frozen=True)
class BreakdownInputs:
    """The inputs of a breakdown, checked and aligned to the respondents."""

    answers: pd.Series  # object dtype, NA = no answer
    categories: list
    weights: pd.Series
    weighted: bool
    groups: pd.Series | None  # object dtype, NA = no group
    group_order: list
    outcome_name: str
    by: str | None
    calibration: pd.DataFrame | None = None  # the raking variables, for calibrated SEs


def prepare_inputs(
    frame: pd.DataFrame,
    outcome: str | pd.Series,
    *,
    weights: str | pd.Series | Sequence[float] | None,
    by: str | None,
    levels: Sequence | None,
    calibrated_on: Sequence[str] = (),
) -> BreakdownInputs:
    """Check a breakdown's inputs and align them to the respondents.

    Parameters are those of :func:`~research_kit.survey.breakdown.weighted_distribution`.

    Raises
    ------
    SurveyError
        A named column is missing, an answer is not among ``levels``, a weight is missing or
        not positive, or raking variables are named without weights.

    Examples
    --------
    >>> people = pd.DataFrame({"answer": ["no", "yes", None], "ward": ["W2", "W10", "W2"]})
    >>> inputs = prepare_inputs(people, "answer", weights=None, by="ward", levels=None)
    >>> inputs.categories, inputs.group_order, inputs.weighted
    (['no', 'yes'], ['W2', 'W10'], False)
    """
    answers = aligned_values(frame, outcome, "answer")
    outcome_name = outcome if isinstance(outcome, str) else str(answers.name or "answer")
    categories = answer_categories(answers, levels, outcome_name)
    if weights is None:
        w = pd.Series(1.0, index=frame.index, name="weight")
    else:
        w = pd.to_numeric(aligned_values(frame, weights, "weights"), errors="coerce").astype(float)
        if w.isna().any() or (w <= 0).any():
            raise SurveyError(
                "weights have missing or non-positive values",
                hint="give every respondent a positive weight (e.g. from rake())",
            )
    groups = None
    order: list = ["all"]
    if by is not None:
        if by not in frame.columns:
            raise SurveyError(f"no column {by!r} to break {outcome_name!r} down by")
        column = frame[by]
        order = ordered_values(column)
        groups = column.astype(object).where(column.notna(), None)
    values = answers.astype(object).where(answers.notna(), None)
    return BreakdownInputs(
        answers=values,
        categories=categories,
        weights=w,
        weighted=weights is not None,
        groups=groups,
        group_order=order,
        outcome_name=outcome_name,
        by=by,
        calibration=raking_columns(frame, calibrated_on, weighted=weights is not None),
    )


def raking_columns(
    frame: pd.DataFrame, calibrated_on: Sequence[str], *, weighted: bool
) -> pd.DataFrame | None:
    """The raking variables' columns, when the weights were raked on them (else None).

    Examples
    --------
    >>> people = pd.DataFrame({"ward": ["a", "b"], "answer": ["x", "y"]})
    >>> raking_columns(people, ["ward"], weighted=True).columns.tolist()
    ['ward']
    >>> raking_columns(people, (), weighted=False) is None
    True
    """
    if isinstance(calibrated_on, str):
        calibrated_on = [calibrated_on]
    if not calibrated_on:
        return None
    if not weighted:
        raise SurveyError(
            "calibrated_on names raking variables but no weights are given",
            hint="pass the raked weights as weights=, or leave calibrated_on empty",
        )
    missing = [column for column in calibrated_on if column not in frame.columns]
    if missing:
        raise SurveyError(
            f"no column {missing[0]!r} for the raking variables (calibrated_on)",
            hint=f"the columns are {list(frame.columns)[:12]}",
        )
    return frame[list(calibrated_on)]


def answer_categories(answers: pd.Series, levels: Sequence | None, name: str) -> list:
    """The categories in display order, checking that every answer is one of them.

    Examples
    --------
    >>> answer_categories(pd.Series(["b", "a", "b"]), None, "q")
    ['a', 'b']
    >>> answer_categories(pd.Series(["b"]), ["c", "b", "a"], "q")
    ['c', 'b', 'a']
    """
    if levels is None:
        if isinstance(answers.dtype, pd.CategoricalDtype):
            return list(answers.cat.categories)
        return ordered_values(answers)
    categories = list(levels)
    if not categories:
        raise SurveyError(f"no levels given for {name!r}")
    if len(set(categories)) != len(categories):
        raise SurveyError(f"the levels of {name!r} repeat a category: {categories}")
    seen = answers.dropna()
    unknown = seen[~seen.isin(categories)]
    if len(unknown):
        counts = unknown.astype(str).value_counts()
        listed = ", ".join(f"{value!r} ({count})" for value, count in counts.head(5).items())
        raise SurveyError(
            f"{name!r} has answers that are not among its levels: {listed}; "
            f"first at respondent {unknown.index[0]!r}",
            hint="add them to levels in scale order, or blank them as non-answers",
        )
    return categories


def ordered_values(column: pd.Series) -> list:
    """Distinct values in a natural order: a categorical's own, else sorted ("Ward 2" < "10").

    Examples
    --------
    >>> ordered_values(pd.Series(["Ward 10", "Ward 2", None]))
    ['Ward 2', 'Ward 10']
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [value for value in column.cat.categories if (column == value).any()]
    return sorted(column.dropna().unique(), key=natural_key)


def natural_key(value: object) -> tuple:
    """A sort key that puts numbers first, then text with its digits compared as numbers.

    Examples
    --------
    >>> sorted(["Ward 10", "Ward 2", 3], key=natural_key)
    [3, 'Ward 2', 'Ward 10']
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (0, float(value), ())
    parts = re.split(r"(\d+)", str(value))
    return (1, 0.0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts))

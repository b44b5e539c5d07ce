"""Weighted survey estimates with their standard errors, intervals and design effects.

:func:`weighted_mean` (a mean, or a share for a yes/no outcome), :func:`weighted_total` and
:func:`likert_mean` (the mean score of a Likert item) estimate from the respondents of a
:class:`~research_kit.survey.design.SurveyDesign`, overall or by group, and every row says which
variance method gave its standard error:

- ``"calibrated"`` (the default): Taylor linearisation that accounts for the raking, as R
  ``survey::rake`` followed by ``svymean``/``svytotal``
  (:mod:`research_kit.survey.linearisation`).
- ``"fixed weights"``: the same linearisation without the calibration residuals, as if the
  final weights had been fixed in advance (too large for outcomes tied to a raking variable).
- ``"jackknife"`` and ``"bootstrap"``: replicate weights, raked again when the design names
  raking variables (:mod:`research_kit.survey.replicates`).

Respondents without an answer (or outside a group) stay in the sample as zeros: groups are
domains, never rows filtered first.

Confidence intervals are Wald intervals with Student's t on the design's degrees of freedom
(PSUs minus strata); ``deff`` is the variance over that of a simple random sample with
replacement of the same number of respondents (R's ``deff = "replace"``).

The design (:class:`~research_kit.survey.design.SurveyDesign`) and
:func:`~research_kit.survey.replicates.replicate_weights` live in their own modules and are
importable from here as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from research_kit.errors import SurveyError
from research_kit.survey.design import (
    DesignArrays,
    SurveyDesign,
    columns_hint,
    design_arrays,
    design_column,
)
from research_kit.survey.linearisation import (
    calibration_residuals,
    design_effects,
    influence_values,
    linearised_variance,
)
from research_kit.survey.replicates import (
    DEFAULT_REPLICATES,
    replicate_variance,
    replicate_weight_matrix,
)
from research_kit.survey.replicates import MAX_REPLICATE_CELLS as MAX_REPLICATE_CELLS
from research_kit.survey.replicates import PROGRESS_REPLICATES as PROGRESS_REPLICATES
from research_kit.survey.replicates import replicate_weights as replicate_weights
from research_kit.survey.responses import NON_ANSWERS, is_non_answer

__all__ = [
    "RESULT_COLUMNS",
    "VARIANCE_METHODS",
    "SurveyDesign",
    "likert_mean",
    "replicate_weights",
    "weighted_mean",
    "weighted_total",
]

VarianceMethod = Literal["calibrated", "fixed weights", "jackknife", "bootstrap"]
#: The variance methods, as every result's ``variance_method`` column names them.
VARIANCE_METHODS: tuple[str, ...] = ("calibrated", "fixed weights", "jackknife", "bootstrap")
#: The columns of every estimate table, in order.
RESULT_COLUMNS = [
    "outcome",
    "group",
    "statistic",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "margin_of_error",
    "confidence",
    "deff",
    "n",
    "df",
    "variance_method",
]


def weighted_mean(
    frame: pd.DataFrame,
    outcome: str | pd.Series,
    *,
    design: SurveyDesign,
    by: str | None = None,
    variance: VarianceMethod = "calibrated",
    confidence: float = 0.95,
    replicates: int = DEFAULT_REPLICATES,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Weighted mean of a numeric answer, or share of a yes/no one, with its standard error.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent: the whole sample, also when estimating by group.
    outcome : str or Series
        A numeric or boolean column (name, or a Series aligned to ``frame``). Missing values
        leave the respondent out of the estimate but in the sample.
    design : SurveyDesign
        The columns of weights, raking variables, clusters, strata and fpc.
    by : str, optional
        Column whose groups (domains) each get their own estimate.
    variance : {"calibrated", "fixed weights", "jackknife", "bootstrap"}
        How the standard error is computed (see the module notes).
    confidence : float
        Confidence level of the intervals (0.95: 95% intervals).
    replicates : int
        Bootstrap replicates (the jackknife has one per PSU).
    random_state : int or Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        One row per group ("all" without ``by``) with the columns :data:`RESULT_COLUMNS`:
        ``statistic`` is "share" for a yes/no outcome and "mean" otherwise; ``n`` counts the
        respondents in the estimate; ``variance_method`` names the method used.

    Raises
    ------
    SurveyError
        A column is missing, the outcome is not numeric or yes/no, a weight is not positive,
        ``variance="calibrated"`` without raking variables, a stratum has one PSU, or the fpc
        is not constant within a stratum.

    Examples
    --------
    Weights raked on ``ward``: the calibrated SE (the default) counts what the margins fix.

    >>> people = pd.DataFrame(
    ...     {"y": [1.0, 3, 10, 14], "ward": ["a", "a", "b", "b"], "w": [3.0, 3, 2, 2]}
    ... )
    >>> design = SurveyDesign("w", calibrated_on=["ward"])
    >>> table = pd.concat(
    ...     [weighted_mean(people, "y", design=design, variance=method)
    ...      for method in ("calibrated", "fixed weights")]
    ... )
    >>> table[["statistic", "estimate", "se", "deff", "n", "variance_method"]].round(4)
      statistic  estimate      se    deff  n variance_method
    0      mean       6.0  0.8165  0.0763  4      calibrated
    0      mean       6.0  2.8891  0.9557  4   fixed weights

    A yes/no outcome gives a share:

    >>> people["yes"] = [True, False, True, False]
    >>> weighted_mean(people, "yes", design=design)[["statistic", "estimate", "se"]].round(4)
      statistic  estimate      se
    0     share       0.5  0.2944
    """
    values, statistic = _numeric_outcome(frame, outcome)
    return _estimate(
        frame,
        values,
        name=_outcome_name(outcome),
        statistic=statistic,
        design=design,
        by=by,
        variance=variance,
        confidence=confidence,
        replicates=replicates,
        random_state=random_state,
    )


def weighted_total(
    frame: pd.DataFrame,
    outcome: str | pd.Series,
    *,
    design: SurveyDesign,
    by: str | None = None,
    variance: VarianceMethod = "calibrated",
    confidence: float = 0.95,
    replicates: int = DEFAULT_REPLICATES,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Weighted population total of a numeric (or yes/no: a count) answer, with its SE.

    Parameters are those of :func:`weighted_mean`; ``statistic`` is "total".

    Examples
    --------
    >>> people = pd.DataFrame({"pupils": [10.0, 20, 30, 40], "w": [2.0, 2, 2, 2]})
    >>> weighted_total(people, "pupils", design=SurveyDesign("w"), variance="fixed weights")[
    ...     ["statistic", "estimate", "se", "df"]].round(2)
      statistic  estimate     se  df
    0     total     200.0  51.64   3
    """
    values, _ = _numeric_outcome(frame, outcome)
    return _estimate(
        frame,
        values,
        name=_outcome_name(outcome),
        statistic="total",
        design=design,
        by=by,
        variance=variance,
        confidence=confidence,
        replicates=replicates,
        random_state=random_state,
    )


def likert_mean(
    frame: pd.DataFrame,
    item: str,
    *,
    order: Sequence[object],
    design: SurveyDesign,
    by: str | None = None,
    variance: VarianceMethod = "calibrated",
    non_answers: Iterable[str] = NON_ANSWERS,
    confidence: float = 0.95,
    replicates: int = DEFAULT_REPLICATES,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Weighted mean score of a Likert item (its levels scored 1, 2, … in order), with its SE.

    Parameters
    ----------
    item : str
        The Likert column.
    order : sequence
        The scale from its lowest to its highest level; answers match a level exactly or
        ignoring case and surrounding spaces. The first level scores 1.
    non_answers : iterable of str
        Answers that are not a point of the scale ("Don't know", blanks…): left out of the
        estimate, as missing answers.
    frame, design, by, variance, confidence, replicates, random_state
        As for :func:`weighted_mean`.

    Returns
    -------
    DataFrame
        As :func:`weighted_mean`, with ``statistic`` "mean score (1-k)" for a k-level scale.

    Raises
    ------
    SurveyError
        As :func:`weighted_mean`; also for an answer that is neither a level nor a non-answer.

    Examples
    --------
    >>> people = pd.DataFrame({"q": ["Agree", "Disagree", "agree ", "Don't know"], "w": [1.0] * 4})
    >>> likert_mean(people, "q", order=["Disagree", "Neutral", "Agree"],
    ...             design=SurveyDesign("w"), variance="fixed weights")[
    ...     ["statistic", "estimate", "n"]].round(4)
              statistic  estimate  n
    0  mean score (1-3)    2.3333  3
    """
    if item not in frame.columns:
        raise SurveyError(f"no Likert column {item!r}", hint=columns_hint(frame))
    scores = _likert_scores(frame[item], order, non_answers=non_answers, item=item)
    return _estimate(
        frame,
        scores,
        name=item,
        statistic=f"mean score (1-{len(order)})",
        design=design,
        by=by,
        variance=variance,
        confidence=confidence,
        replicates=replicates,
        random_state=random_state,
    )


def _estimate(
    frame: pd.DataFrame,
    values: np.ndarray,
    *,
    name: str,
    statistic: str,
    design: SurveyDesign,
    by: str | None,
    variance: str,
    confidence: float,
    replicates: int,
    random_state: int | np.random.Generator | None,
) -> pd.DataFrame:
    """Estimates of every domain, with the standard error ``variance`` asks for."""
    if variance not in VARIANCE_METHODS:
        raise SurveyError(
            f"variance={variance!r} is not one of {list(VARIANCE_METHODS)}",
            hint="'calibrated' accounts for the raking; 'fixed weights' ignores it",
        )
    if not 0 < confidence < 1:
        raise SurveyError(f"confidence={confidence!r} is not between 0 and 1 (e.g. 0.95)")
    arrays = design_arrays(frame, design, variance=variance)
    labels, members = _domains(frame, by, answered=~np.isnan(values))
    y = np.nan_to_num(values)
    total = statistic == "total"
    estimates = _point_estimates(arrays.weights[:, None], y, members, total=total)[0]
    if variance in ("jackknife", "bootstrap"):
        variances = _replicate_variance(
            frame,
            design,
            arrays,
            y,
            members,
            total=total,
            method=variance,
            replicates=replicates,
            random_state=random_state,
        )
    else:
        influence = influence_values(arrays.weights, y, members, estimates, total=total)
        if variance == "calibrated":
            influence = calibration_residuals(influence, arrays)
        variances = linearised_variance(arrays.weights[:, None] * influence, arrays)
    se = np.sqrt(variances)
    half_width = stats.t.ppf(0.5 + confidence / 2, df=arrays.df) * se
    return pd.DataFrame(
        {
            "outcome": name,
            "group": labels,
            "statistic": statistic,
            "estimate": estimates,
            "se": se,
            "ci_low": estimates - half_width,
            "ci_high": estimates + half_width,
            "margin_of_error": half_width,
            "confidence": confidence,
            "deff": design_effects(variances, arrays.weights, y, members, total=total),
            "n": members.sum(axis=0).astype(int),
            "df": arrays.df,
            "variance_method": variance,
        },
        columns=RESULT_COLUMNS,
    )


def _outcome_name(outcome: str | pd.Series) -> str:
    return outcome if isinstance(outcome, str) else str(outcome.name or "outcome")


def _numeric_outcome(frame: pd.DataFrame, outcome: str | pd.Series) -> tuple[np.ndarray, str]:
    """The outcome as floats (NaN = no answer) and "share" (yes/no) or "mean" (numeric)."""
    if isinstance(outcome, str):
        series = design_column(frame, outcome, "outcome")
    else:
        if not outcome.index.equals(frame.index):
            raise SurveyError(
                "the outcome Series is not aligned to the respondents",
                hint="index it like the respondents' frame",
            )
        series = outcome
    answered = series.dropna()
    if (
        pd.api.types.is_bool_dtype(answered)
        or answered.map(lambda v: isinstance(v, (bool, np.bool_))).all()
    ):
        return series.astype("float64").to_numpy(dtype=float, na_value=np.nan), "share"
    numbers = pd.to_numeric(series, errors="coerce")
    strays = series.notna() & numbers.isna()
    if strays.any():
        first = series.index[strays.to_numpy()][0]
        raise SurveyError(
            f"outcome {_outcome_name(outcome)!r} is not numeric: row {first!r} holds "
            f"{series[first]!r}",
            hint="use likert_mean for a scale, or pass a boolean Series for a share",
        )
    return numbers.to_numpy(dtype=float, na_value=np.nan), "mean"


def _likert_scores(
    answers: pd.Series, order: Sequence[object], *, non_answers: Iterable[str], item: str
) -> np.ndarray:
    """Score 1..k of each answer in ``order``; NaN for blanks and non-answers."""
    if len(order) < 2:
        raise SurveyError(f"the scale of {item!r} needs at least two levels, got {list(order)}")
    folded = [_level_key(level) for level in order]
    if len(set(folded)) < len(folded):
        raise SurveyError(f"the scale of {item!r} repeats a level: {list(order)}")
    score_of = {level: i + 1.0 for i, level in enumerate(folded)}
    scores = answers.map(lambda v: score_of.get(_level_key(v), np.nan))
    unscored = answers.notna() & scores.isna()
    skipped = pd.Series(
        is_non_answer(answers[unscored], non_answers=non_answers), index=answers.index[unscored]
    )
    strays = skipped[~skipped.astype(bool)]
    if len(strays):
        first = strays.index[0]
        raise SurveyError(
            f"{item!r} row {first!r} answers {answers[first]!r}, which is neither a level of "
            f"the scale {list(order)} nor a non-answer",
            hint="add it to order=, or to non_answers= if it means no answer",
        )
    return scores.to_numpy(dtype=float)


def _level_key(value: object) -> str:
    """How an answer is matched to a level: case-folded text, 4.0 read as 4 (a column with
    blanks is read as floats)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().casefold()


def _domains(
    frame: pd.DataFrame, by: str | None, *, answered: np.ndarray
) -> tuple[list, np.ndarray]:
    """Group labels and a respondents x groups membership matrix (answered and in group)."""
    if by is None:
        if not answered.any():
            raise SurveyError("nobody answered: there is nothing to estimate")
        return ["all"], answered[:, None]
    groups = design_column(frame, by, "groups (by)")
    labels = [label for label in pd.unique(groups.dropna()) if (answered & (groups == label)).any()]
    labels = sorted(labels, key=str)
    if not labels:
        raise SurveyError(f"nobody in any group of {by!r} answered: there is nothing to estimate")
    members = np.column_stack([answered & (groups == label).to_numpy() for label in labels])
    return labels, members


def _point_estimates(
    weights: np.ndarray, y: np.ndarray, members: np.ndarray, *, total: bool
) -> np.ndarray:
    """Estimates per weight column (rows) and domain (columns)."""
    totals = weights.T @ (members * y[:, None])
    if total:
        return totals
    return totals / (weights.T @ members)


def _replicate_variance(
    frame: pd.DataFrame,
    design: SurveyDesign,
    arrays: DesignArrays,
    y: np.ndarray,
    members: np.ndarray,
    *,
    total: bool,
    method: str,
    replicates: int,
    random_state: int | np.random.Generator | None,
) -> np.ndarray:
    """Scaled spread of each domain's replicate estimates around their mean."""
    weights, scales = replicate_weight_matrix(
        frame, design, arrays, method=method, replicates=replicates, random_state=random_state
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        thetas = _point_estimates(weights, y, members, total=total)
    if np.isnan(thetas).any():
        raise SurveyError(
            "a replicate leaves a group with nobody in it, so its estimate has no replicate",
            hint="use variance='calibrated' (linearisation) for such small groups",
        )
    return replicate_variance(thetas, scales)

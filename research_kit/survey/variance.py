"""The variance of weighted survey estimates: standard errors, intervals and design effects.

A :class:`SurveyDesign` names the columns that describe how respondents were sampled and
weighted (final weights, the raking variables, clusters, strata, finite population correction).
:func:`weighted_mean` (a mean, or a share for a yes/no outcome), :func:`weighted_total` and
:func:`likert_mean` (the mean score of a Likert item) estimate from it, overall or by group, and
every row says which variance method gave its standard error:

- ``"calibrated"`` (the default): Taylor linearisation that accounts for the raking, as R
  ``survey::rake`` followed by ``svymean``/``svytotal``. The linearised values of the estimate
  (``(y - mean) / sum(w)`` for a mean, ``y`` for a total; zero outside the estimate's domain)
  are replaced by their residuals from a least-squares regression on every raking variable's
  category dummies, weighted by the start weights, and multiplied by the final weights. With
  equal start weights this is R's result exactly; with unequal ones it is the textbook GREG
  residual (R's ``rake`` backfits unweighted category means instead).
- ``"fixed weights"``: the same linearisation without the regression, as if the final weights
  had been fixed in advance (too large for outcomes tied to a raking variable).
- ``"jackknife"`` and ``"bootstrap"``: replicate weights. The jackknife drops one primary
  sampling unit (PSU) at a time and scales up the rest of its stratum by ``n_h / (n_h - 1)``
  (JK1 without strata, JKn with them); the bootstrap is the Rao–Wu rescaling bootstrap
  (``n_h - 1`` PSUs drawn with replacement in each stratum). When the design names raking
  variables every replicate is raked again to the margins the final weights meet, so the
  replicates account for the raking; otherwise the final weights are scaled. Both centre on
  the mean of the replicates (R's default, ``mse = FALSE``); the jackknife's variance is
  scaled by ``(1 - f_h) (n_h - 1) / n_h``, the bootstrap's by ``1 / replicates`` and it
  ignores the fpc (PSUs drawn with replacement). Replicates are raked again without trimming.

The linearised variance sums the weighted residuals within PSUs (each respondent is its own PSU
without ``cluster``) and takes ``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (t_hi - mean_h t)**2``
over strata ``h`` with ``n_h`` PSUs of totals ``t_hi`` and sampling fraction ``f_h`` (0 without
``fpc``). Respondents without an answer (or outside a group) stay in the sample as zeros: groups
are domains, never rows filtered first.

Confidence intervals are Wald intervals with Student's t on the design's degrees of freedom
(PSUs minus strata); ``deff`` is the variance over that of a simple random sample with
replacement of the same number of respondents (R's ``deff = "replace"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from research_kit.errors import SurveyError
from research_kit.survey.responses import NON_ANSWERS, is_non_answer
from research_kit.survey.weighting import rake

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
#: Bootstrap replicates drawn unless told otherwise.
DEFAULT_REPLICATES = 500
#: Most respondents x replicates held as replicate weights (8 bytes each: 200 MB).
MAX_REPLICATE_CELLS = 25_000_000
#: Replicates above which re-raking them shows a progress bar.
PROGRESS_REPLICATES = 50


@dataclass(frozen=True)
class SurveyDesign:
    """How the respondents were sampled and weighted: the names of the columns that say so.

    Parameters
    ----------
    weights : str
        Final weights (e.g. from :func:`~research_kit.survey.weighting.rake`).
    calibrated_on : sequence of str
        The respondent columns the weights were raked on (needed by the ``"calibrated"``
        variance and to re-rake replicates).
    start_weights : str, optional
        Weights before raking (design weights); 1 for everyone by default.
    cluster : str, optional
        Primary sampling unit of a cluster sample (a district, a block); every respondent is
        their own by default.
    strata : str, optional
        Stratum of the PSU; one stratum by default.
    fpc : str, optional
        Finite population correction, constant within a stratum: the number of PSUs in the
        stratum's population (a value above 1) or the sampling fraction (at most 1), as in R
        ``svydesign(fpc=)``.

    Examples
    --------
    >>> SurveyDesign("weight", calibrated_on=["ward", "age_band"]).calibrated_on
    ('ward', 'age_band')
    """

    weights: str
    calibrated_on: Sequence[str] = field(default=())
    start_weights: str | None = None
    cluster: str | None = None
    strata: str | None = None
    fpc: str | None = None

    def __post_init__(self) -> None:
        names = (self.calibrated_on,) if isinstance(self.calibrated_on, str) else self.calibrated_on
        object.__setattr__(self, "calibrated_on", tuple(names))


@dataclass(frozen=True)
class _Arrays:
    """A design checked against a frame: one array entry per respondent."""

    weights: np.ndarray
    start: np.ndarray
    calibration: np.ndarray | None  # intercept and category dummies, or None
    psu: np.ndarray  # PSU codes, 0..n_psu-1
    stratum_of_psu: np.ndarray  # stratum code of each PSU
    fraction: np.ndarray  # sampling fraction of each stratum
    df: int


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
        raise SurveyError(f"no Likert column {item!r}", hint=_columns_hint(frame))
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


def replicate_weights(
    frame: pd.DataFrame,
    *,
    design: SurveyDesign,
    method: Literal["jackknife", "bootstrap"] = "jackknife",
    replicates: int = DEFAULT_REPLICATES,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Replicate weights of a design, raked again when the design names raking variables.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    design : SurveyDesign
        The design; with ``calibrated_on`` every replicate is raked to the margins that the
        final weights meet.
    method : {"jackknife", "bootstrap"}
        Delete-one-PSU jackknife (one replicate per PSU) or Rao–Wu rescaling bootstrap.
    replicates : int
        Bootstrap replicates.
    random_state : int or Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Indexed like ``frame``, one column per replicate (``replicate_1``, …): the weights.
        A respondent left out of a replicate weighs 0 in it.

    Examples
    --------
    >>> people = pd.DataFrame({"w": [1.0, 1.0, 1.0]})
    >>> replicate_weights(people, design=SurveyDesign("w")).round(2)
       replicate_1  replicate_2  replicate_3
    0          0.0          1.5          1.5
    1          1.5          0.0          1.5
    2          1.5          1.5          0.0
    """
    arrays = _checked_design(frame, design, variance="fixed weights")
    weights, _ = _replicate_weights(
        frame, design, arrays, method=method, replicates=replicates, random_state=random_state
    )
    columns = [f"replicate_{i}" for i in range(1, weights.shape[1] + 1)]
    return pd.DataFrame(weights, index=frame.index, columns=columns)


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
    arrays = _checked_design(frame, design, variance=variance)
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
        influence = _influence(arrays.weights, y, members, estimates, total=total)
        if variance == "calibrated":
            influence = _calibration_residuals(influence, arrays)
        variances = _linearised_variance(arrays.weights[:, None] * influence, arrays)
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
            "deff": _design_effects(variances, arrays.weights, y, members, total=total),
            "n": members.sum(axis=0).astype(int),
            "df": arrays.df,
            "variance_method": variance,
        },
        columns=RESULT_COLUMNS,
    )


def _outcome_name(outcome: str | pd.Series) -> str:
    return outcome if isinstance(outcome, str) else str(outcome.name or "outcome")


def _columns_hint(frame: pd.DataFrame) -> str:
    shown = [str(column) for column in frame.columns[:12]]
    return f"the frame has the columns {shown}" + (" …" if len(frame.columns) > 12 else "")


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        raise SurveyError(f"no column {name!r} for the {role}", hint=_columns_hint(frame))
    return frame[name]


def _numeric_outcome(frame: pd.DataFrame, outcome: str | pd.Series) -> tuple[np.ndarray, str]:
    """The outcome as floats (NaN = no answer) and "share" (yes/no) or "mean" (numeric)."""
    if isinstance(outcome, str):
        series = _column(frame, outcome, "outcome")
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


def _checked_design(frame: pd.DataFrame, design: SurveyDesign, *, variance: str) -> _Arrays:
    """The design's columns as arrays, checked; errors name the column and what to do."""
    if len(frame) < 2:
        raise SurveyError("a standard error needs at least two respondents")
    weights = _positive(frame, design.weights, "weights")
    start = np.ones(len(frame)) if design.start_weights is None else None
    if start is None:
        start = _positive(frame, design.start_weights, "start weights")
    if variance == "calibrated" and not design.calibrated_on:
        raise SurveyError(
            "the calibrated variance needs the raking variables",
            hint="name them in SurveyDesign(calibrated_on=[...]), or pass "
            "variance='fixed weights' if the weights were not raked",
        )
    calibration = _calibration_matrix(frame, design.calibrated_on)
    psu, stratum_of_psu, strata_names = _sampling_units(frame, design)
    fraction = _sampling_fractions(frame, design, psu, stratum_of_psu, strata_names)
    return _Arrays(
        weights=weights,
        start=start,
        calibration=calibration,
        psu=psu,
        stratum_of_psu=stratum_of_psu,
        fraction=fraction,
        df=int(len(stratum_of_psu) - len(strata_names)),
    )


def _positive(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    values = pd.to_numeric(_column(frame, name, role), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) | (values <= 0)
    if bad.any():
        first = frame.index[bad][0]
        raise SurveyError(
            f"the {role} column {name!r} has {int(bad.sum())} missing or non-positive "
            f"value(s) (first: row {first!r})",
            hint="give every respondent a positive weight, or drop those respondents",
        )
    return values


def _calibration_matrix(frame: pd.DataFrame, variables: Sequence[str]) -> np.ndarray | None:
    """An intercept and the category dummies of every raking variable (None without any).

    The intercept keeps the population total in the regression also when a raking variable
    is missing for some respondents (raked with ``missing="skip"``).
    """
    if not variables:
        return None
    blocks = [np.ones((len(frame), 1))]
    for variable in variables:
        column = _column(frame, variable, "raking variable").astype("string")
        blocks.append(pd.get_dummies(column, dtype=float).to_numpy())
    return np.hstack(blocks)


def _sampling_units(
    frame: pd.DataFrame, design: SurveyDesign
) -> tuple[np.ndarray, np.ndarray, list]:
    """PSU code of each respondent, stratum code of each PSU, and the strata's names."""
    if design.strata is None:
        strata = pd.Series(0, index=frame.index)
    else:
        strata = _column(frame, design.strata, "strata")
    if design.cluster is None:
        cluster = pd.Series(np.arange(len(frame)), index=frame.index)
    else:
        cluster = _column(frame, design.cluster, "clusters")
    for name, column in ((design.strata, strata), (design.cluster, cluster)):
        if column.isna().any():
            first = frame.index[column.isna().to_numpy()][0]
            raise SurveyError(
                f"the design column {name!r} is missing for row {first!r}",
                hint="every respondent needs a stratum and a cluster",
            )
    # A cluster label is only unique within its stratum (R's nest=TRUE).
    units = pd.MultiIndex.from_arrays([strata.to_numpy(), cluster.to_numpy()])
    psu, unique_units = pd.factorize(units)
    stratum_codes, strata_names = pd.factorize(unique_units.get_level_values(0))
    counts = np.bincount(stratum_codes)
    if (counts < 2).any():
        lonely = strata_names[int(np.argmax(counts < 2))]
        raise SurveyError(
            f"stratum {lonely!r} has a single primary sampling unit: its variance cannot be "
            "estimated",
            hint="collapse it with a similar stratum",
        )
    return psu, stratum_codes, list(strata_names)


def _sampling_fractions(
    frame: pd.DataFrame,
    design: SurveyDesign,
    psu: np.ndarray,
    stratum_of_psu: np.ndarray,
    strata_names: list,
) -> np.ndarray:
    """Sampling fraction of each stratum: n_h / N_h from a population count, or as given."""
    sampled = np.bincount(stratum_of_psu).astype(float)
    if design.fpc is None:
        return np.zeros(len(sampled))
    fpc = _positive(frame, design.fpc, "finite population correction")
    stratum = stratum_of_psu[psu]
    fraction = np.empty(len(sampled))
    for code, name in enumerate(strata_names):
        values = np.unique(fpc[stratum == code])
        if len(values) > 1:
            raise SurveyError(
                f"the fpc column {design.fpc!r} takes several values in stratum {name!r}: "
                f"{values[:3].tolist()}",
                hint="give one population size (or sampling fraction) per stratum",
            )
        value = values[0]
        fraction[code] = value if value <= 1 else sampled[code] / value
        if fraction[code] > 1:
            raise SurveyError(
                f"stratum {name!r} samples {int(sampled[code])} PSUs of a population of {value:g}",
                hint="fpc is the number of PSUs in the stratum's population",
            )
    return fraction


def _domains(
    frame: pd.DataFrame, by: str | None, *, answered: np.ndarray
) -> tuple[list, np.ndarray]:
    """Group labels and a respondents x groups membership matrix (answered and in group)."""
    if by is None:
        if not answered.any():
            raise SurveyError("nobody answered: there is nothing to estimate")
        return ["all"], answered[:, None]
    groups = _column(frame, by, "groups (by)")
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


def _influence(
    weights: np.ndarray, y: np.ndarray, members: np.ndarray, estimates: np.ndarray, *, total: bool
) -> np.ndarray:
    """Linearised values of each domain's estimate, before multiplying by the weights."""
    if total:
        return members * y[:, None]
    return members * (y[:, None] - estimates) / (weights @ members)


def _calibration_residuals(influence: np.ndarray, arrays: _Arrays) -> np.ndarray:
    """Residuals of the linearised values on the raking dummies, weighted by the start weights.

    The dummies of one variable add up to the intercept, so the design is rank-deficient;
    least squares by SVD gives the same residuals as any full-rank coding would.
    """
    scale = np.sqrt(arrays.start)[:, None]
    coefficients, *_ = np.linalg.lstsq(arrays.calibration * scale, influence * scale, rcond=None)
    return influence - arrays.calibration @ coefficients


def _linearised_variance(scores: np.ndarray, arrays: _Arrays) -> np.ndarray:
    """Between-PSU variance of the weighted linearised values, stratum by stratum."""
    psu_totals = np.zeros((len(arrays.stratum_of_psu), scores.shape[1]))
    np.add.at(psu_totals, arrays.psu, scores)
    variance = np.zeros(scores.shape[1])
    for code, fraction in enumerate(arrays.fraction):
        totals = psu_totals[arrays.stratum_of_psu == code]
        k = len(totals)
        centred = totals - totals.mean(axis=0)
        variance += (1 - fraction) * k / (k - 1) * (centred**2).sum(axis=0)
    return variance


def _design_effects(
    variances: np.ndarray, weights: np.ndarray, y: np.ndarray, members: np.ndarray, *, total: bool
) -> np.ndarray:
    """Variance over that of simple random sampling; NaN where that is 0 or undefined."""
    simple = _srs_variances(weights, y, members, total=total)
    usable = np.isfinite(simple) & (simple > 0)
    return np.divide(variances, simple, out=np.full(len(variances), np.nan), where=usable)


def _srs_variances(
    weights: np.ndarray, y: np.ndarray, members: np.ndarray, *, total: bool
) -> np.ndarray:
    """Variance of each estimate under simple random sampling with replacement of its n."""
    n = members.sum(axis=0)
    population = weights @ members
    mean = (weights @ (members * y[:, None])) / population
    spread = (weights[:, None] * members * (y[:, None] - mean) ** 2).sum(axis=0) / population
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_variance = spread * n / (n - 1)
        variance = unit_variance / n
    return variance * population**2 if total else variance


def _replicate_variance(
    frame: pd.DataFrame,
    design: SurveyDesign,
    arrays: _Arrays,
    y: np.ndarray,
    members: np.ndarray,
    *,
    total: bool,
    method: str,
    replicates: int,
    random_state: int | np.random.Generator | None,
) -> np.ndarray:
    """Scaled spread of each domain's replicate estimates around their mean."""
    weights, scales = _replicate_weights(
        frame, design, arrays, method=method, replicates=replicates, random_state=random_state
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        thetas = _point_estimates(weights, y, members, total=total)
    if np.isnan(thetas).any():
        raise SurveyError(
            "a replicate leaves a group with nobody in it, so its estimate has no replicate",
            hint="use variance='calibrated' (linearisation) for such small groups",
        )
    return (scales[:, None] * (thetas - thetas.mean(axis=0)) ** 2).sum(axis=0)


def _replicate_weights(
    frame: pd.DataFrame,
    design: SurveyDesign,
    arrays: _Arrays,
    *,
    method: str,
    replicates: int,
    random_state: int | np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicate weights (respondents x replicates) and each replicate's variance scale."""
    if method not in ("jackknife", "bootstrap"):
        raise SurveyError(f"method={method!r} is not 'jackknife' or 'bootstrap'")
    if method == "bootstrap" and replicates < 2:
        raise SurveyError(f"replicates={replicates!r}: the bootstrap needs at least two")
    count = len(arrays.stratum_of_psu) if method == "jackknife" else replicates
    if count * len(arrays.psu) > MAX_REPLICATE_CELLS:
        raise SurveyError(
            f"{count} {method} replicates of {len(arrays.psu)} respondents are too many to "
            "hold in memory",
            hint="use variance='calibrated' (linearisation), fewer bootstrap replicates, or "
            "name the clusters (the jackknife has one replicate per PSU)",
        )
    if method == "jackknife":
        factors, scales = _jackknife_factors(arrays)
    else:
        rng = np.random.default_rng(random_state)
        factors, scales = _bootstrap_factors(arrays, replicates, rng)
    if not design.calibrated_on:
        return arrays.weights[:, None] * factors, scales
    margins = _met_margins(frame, design)
    raked = np.zeros_like(factors)
    show = factors.shape[1] > PROGRESS_REPLICATES
    for b in tqdm(range(factors.shape[1]), disable=not show, desc="raking replicates"):
        raked[:, b] = _rake_replicate(frame, design, margins, arrays.start * factors[:, b])
    return raked, scales


def _jackknife_factors(arrays: _Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one-PSU factors: 0 in the PSU, n_h/(n_h-1) in the rest of its stratum."""
    n_psu = len(arrays.stratum_of_psu)
    sizes = np.bincount(arrays.stratum_of_psu).astype(float)
    stratum = arrays.stratum_of_psu[arrays.psu]
    factors = np.ones((len(arrays.psu), n_psu))
    for j in range(n_psu):
        h = arrays.stratum_of_psu[j]
        factors[stratum == h, j] = sizes[h] / (sizes[h] - 1)
        factors[arrays.psu == j, j] = 0.0
    own = arrays.stratum_of_psu
    scales = (1 - arrays.fraction[own]) * (sizes[own] - 1) / sizes[own]
    return factors, scales


def _bootstrap_factors(
    arrays: _Arrays, replicates: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Rao–Wu factors: n_h - 1 PSUs drawn with replacement, counts scaled by n_h/(n_h-1)."""
    n_psu = len(arrays.stratum_of_psu)
    sizes = np.bincount(arrays.stratum_of_psu)
    psu_factors = np.zeros((n_psu, replicates))
    for h, size in enumerate(sizes):
        units = np.flatnonzero(arrays.stratum_of_psu == h)
        for b in range(replicates):
            drawn = rng.choice(units, size=size - 1, replace=True)
            np.add.at(psu_factors[:, b], drawn, size / (size - 1))
    return psu_factors[arrays.psu], np.full(replicates, 1 / replicates)


def _met_margins(frame: pd.DataFrame, design: SurveyDesign) -> pd.DataFrame:
    """The margins the final weights meet: what every replicate is raked to again."""
    weights = frame[design.weights].astype(float)
    rows = []
    for variable in design.calibrated_on:
        sums = weights.groupby(frame[variable].astype("string"), dropna=True).sum()
        rows += [(variable, category, total) for category, total in sums.items()]
    return pd.DataFrame(rows, columns=["variable", "category", "population"])


def _rake_replicate(
    frame: pd.DataFrame, design: SurveyDesign, margins: pd.DataFrame, start: np.ndarray
) -> np.ndarray:
    """One replicate raked again; respondents left out of it weigh 0."""
    kept = start > 0
    subset = frame.loc[kept, list(design.calibrated_on)].assign(_start=start[kept])
    try:
        weights = rake(
            subset,
            margins,
            variables=list(design.calibrated_on),
            weight="_start",
            tol=1e-10,
            max_iter=1000,
            missing="skip",
        )
    except SurveyError as error:
        raise SurveyError(
            f"a replicate cannot be raked again: {error.message}",
            hint="the replicate lacks respondents some raking category needs (few PSUs, "
            "sparse categories); use variance='calibrated' (linearisation), the jackknife, "
            "or collapse sparse categories",
        ) from error
    result = np.zeros(len(frame))
    result[kept] = weights.to_numpy()
    return result

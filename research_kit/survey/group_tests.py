"""Tests of each group's share against the rest of respondents, and Holm's adjustment.

For one cell of a breakdown (a group and an answer category): weighted, the design-based
t-test ``t = (p_g - p_rest) / sqrt(se_g**2 + se_rest**2)`` with both shares and SEs from
:func:`~research_kit.survey.weighting.weighted_share` on the two disjoint domains and ``n - 1``
degrees of freedom (on a design where each respondent is their own sampling unit the
linearised covariance of two disjoint domain means is exactly zero). With the raking variables
given, the difference is linearised as one estimate whose SE accounts for the raking (the
residuals of a regression on the raking variables: the covariance the margins create between
group and rest is kept). Unweighted, the pooled
two-proportion z-test. :func:`holm_adjust` adjusts the p-values of a table's many cells
(step-down Bonferroni, valid under any dependence). :mod:`research_kit.survey.breakdown` uses
both in :func:`~research_kit.survey.breakdown.crosstab`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from research_kit.survey.design import DesignArrays, SurveyDesign, design_arrays
from research_kit.survey.fixed_weights import weighted_share
from research_kit.survey.linearisation import (
    calibration_residuals,
    influence_values,
    linearised_variance,
)

__all__ = ["PROGRESS_WORK", "group_vs_rest", "holm_adjust"]

#: Work (groups x categories x respondents) above which the tests show a progress bar.
PROGRESS_WORK = 5_000_000
_WEIGHT = "__weight__"  # the working frame's weight column (no raking variable's name)


def holm_adjust(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (missing values stay missing, not counted).

    The ``i``-th smallest of ``m`` p-values becomes ``min(1, max_{j<=i} (m - j + 1) p_(j))``.
    It controls the family-wise error rate under any dependence between the tests.

    Examples
    --------
    >>> holm_adjust([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.09, 0.09, 0.5]
    """
    p = np.asarray(p_values, dtype=float)
    result = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    m = int(present.sum())
    if m == 0:
        return result
    order = np.argsort(p[present], kind="stable")
    ranked = p[present][order]
    steps = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked))
    adjusted = np.empty(m)
    adjusted[order] = steps
    result[present] = adjusted
    return result


def group_vs_rest(
    table: pd.DataFrame,
    groups: pd.Series,
    answers: pd.Series,
    *,
    weights: pd.Series,
    categories: list,
    design: bool,
    progress: bool | None = None,
    calibration: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add each cell's difference from the rest of respondents and its two-sided p-value.

    Parameters
    ----------
    table : DataFrame
        One row per ``group`` and ``category`` (the cells to test).
    groups, answers : Series
        Each respondent's group and answer (None when missing), aligned.
    weights : Series
        Each respondent's weight (all 1 when unweighted).
    categories : list
        The answer categories.
    design : bool
        The design-based t-test (weighted) rather than the pooled two-proportion z-test.
    progress : bool, optional
        Show a progress bar; by default for more than :data:`PROGRESS_WORK` cells x people.
    calibration : DataFrame, optional
        The raking variables of each respondent (aligned): the design-based test's SE then
        accounts for the raking.

    Returns
    -------
    DataFrame
        ``table`` with ``difference`` (group share minus the rest's) and ``p_value``.

    Examples
    --------
    >>> groups = pd.Series(["a"] * 4 + ["b"] * 4, dtype=object)
    >>> answers = pd.Series(["y"] * 4 + ["n"] * 4, dtype=object)
    >>> cells = pd.DataFrame({"group": ["a", "b"], "category": ["y", "y"]})
    >>> tested = group_vs_rest(cells, groups, answers, weights=pd.Series([1.0] * 8),
    ...                        categories=["y", "n"], design=False)
    >>> tested["difference"].tolist()
    [1.0, -1.0]
    """
    answered = answers.notna()
    hits = {_hashable(c): (answers == c).astype(float).where(answered) for c in categories}
    n_total = len(answers)
    work = len(table) * n_total
    show = work > PROGRESS_WORK if progress is None else progress
    differences, p_values = [], []
    sides: dict[object, pd.DataFrame] = {}
    arrays = None
    if design and calibration is not None:  # checked once for every cell's test
        raked = calibration.assign(**{_WEIGHT: weights.to_numpy(float)})
        arrays = design_arrays(
            raked,
            SurveyDesign(_WEIGHT, calibrated_on=tuple(calibration.columns)),
            variance="calibrated",
        )
    for row in tqdm(
        table.itertuples(index=False), total=len(table), disable=not show, desc="group vs rest"
    ):
        if row.group not in sides:
            has_group = groups.notna()
            side = np.where(groups == row.group, "group", "rest")
            sides[row.group] = pd.DataFrame(
                {"side": pd.Series(side, index=answered.index).where(has_group)}
            )
        hit = hits[_hashable(row.category)]
        if arrays is not None:
            difference, p = _calibrated_test(sides[row.group], hit, arrays, n_total)
        elif design:
            difference, p = _design_test(sides[row.group], hit, weights, n_total)
        else:
            difference, p = _z_test(sides[row.group], hit)
        differences.append(difference)
        p_values.append(p)
    return table.assign(difference=differences, p_value=p_values)


def _design_test(
    side: pd.DataFrame, hit: pd.Series, weights: pd.Series, n_total: int
) -> tuple[float, float]:
    """Design-based t-test of the group's share against the rest's (disjoint domains)."""
    shares = weighted_share(side, hit, weights=weights, by="side").set_index("group")
    if {"group", "rest"} - set(shares.index):
        return np.nan, np.nan
    difference = shares.loc["group", "share"] - shares.loc["rest", "share"]
    se = float(np.hypot(shares.loc["group", "se"], shares.loc["rest", "se"]))
    return float(difference), _two_sided(difference, se, stats.t(df=n_total - 1))


def _calibrated_test(
    side: pd.DataFrame, hit: pd.Series, arrays: DesignArrays, n_total: int
) -> tuple[float, float]:
    """Design-based t-test of group vs rest whose SE accounts for the raking: the difference
    of the two ratio means is linearised as one estimate, so their covariance counts."""
    answered = hit.notna().to_numpy()
    y = hit.fillna(0.0).to_numpy(float)
    members = np.column_stack(
        [(side["side"] == part).to_numpy() & answered for part in ("group", "rest")]
    ).astype(float)
    totals = arrays.weights @ members
    if (totals == 0).any():
        return np.nan, np.nan
    estimates = (arrays.weights * y) @ members / totals
    influence = influence_values(arrays.weights, y, members, estimates, total=False)
    residuals = calibration_residuals(influence, arrays)
    scores = arrays.weights[:, None] * (residuals[:, :1] - residuals[:, 1:])
    se = float(np.sqrt(linearised_variance(scores, arrays)[0]))
    difference = float(estimates[0] - estimates[1])
    return difference, _two_sided(difference, se, stats.t(df=n_total - 1))


def _z_test(side: pd.DataFrame, hit: pd.Series) -> tuple[float, float]:
    """Pooled two-proportion z-test of the group's share against the rest's (unweighted)."""
    answered = hit.notna()
    inside = (side["side"] == "group") & answered
    outside = (side["side"] == "rest") & answered
    n_group, n_rest = int(inside.sum()), int(outside.sum())
    if n_group == 0 or n_rest == 0:
        return np.nan, np.nan
    x_group, x_rest = float(hit[inside].sum()), float(hit[outside].sum())
    difference = x_group / n_group - x_rest / n_rest
    pooled = (x_group + x_rest) / (n_group + n_rest)
    se = float(np.sqrt(pooled * (1 - pooled) * (1 / n_group + 1 / n_rest)))
    return difference, _two_sided(difference, se, stats.norm)


def _two_sided(difference: float, se: float, distribution) -> float:
    if se == 0:
        return 1.0 if difference == 0 else 0.0
    return float(2 * distribution.sf(abs(difference) / se))


def _hashable(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value

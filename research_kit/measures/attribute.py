"""P and U charts: shares and rates whose denominators change from period to period.

A **P chart** plots a share (``numerator / denominator``, e.g. permits decided within the
deadline out of those decided); a **U chart** a rate per unit of exposure (complaints per 1,000
residents, defects per inspection). The centre line of a phase is the pooled share or rate of
its (baseline) points, ``sum(numerators) / sum(denominators)``, not the mean of the shares,
and each point gets its own limits from its own denominator:

* P: p̄ ± 3 √(p̄ (1 − p̄) / nᵢ), kept within [0, 1];
* U: ū ± 3 √(ū / nᵢ), kept at or above 0.

With large denominators these limits get so narrow that every point looks special (the
"overdispersion" of real city data, where months differ for reasons beyond chance). Laney's
P′ and U′ charts (``laney=True``) widen them by σ_z, the spread of the points' z-scores
``(yᵢ − centre) / σᵢ`` estimated from their mean moving range / 1.128. The same rules as
for XmR charts (:mod:`research_kit.measures.rules`) run against these limits, with the
two-sigma lines at centre ± 2σᵢ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from research_kit.measures.points import judged_points, prepare
from research_kit.measures.rules import NHS_RULES, Improvement, RuleLengths

#: d2 for moving ranges of two points: the mean moving range / d2 estimates sigma.
D2 = 1.128


def _pooled(numerator: np.ndarray, denominator: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Each segment's pooled share or rate over the points it uses."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(np.where(used, numerator, np.nan), axis=1) / np.nansum(
            np.where(used, denominator, np.nan), axis=1
        )


def _laney_factor(values: np.ndarray, centre: np.ndarray, sigma: np.ndarray, used) -> np.ndarray:
    """σ_z: the spread of the z-scores between periods, from their mean moving range."""
    z = np.where(used, (values - centre) / sigma, np.nan)
    moving = np.abs(np.diff(z, axis=1))
    count = np.sum(~np.isnan(moving), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(moving, axis=1) / count / D2


def rate_chart_by(
    data: pd.DataFrame,
    *,
    kind: Literal["p", "u"],
    by: str | Sequence[str] | None = None,
    numerator: str = "numerator",
    denominator: str = "denominator",
    period: str = "period",
    improvement: Improvement | str = None,
    target: float | str | None = None,
    rebase: Sequence | None = None,
    baseline: int | None = None,
    laney: bool = False,
    rules: RuleLengths = NHS_RULES,
) -> pd.DataFrame:
    """P or U charts of many series at once, from a long table of numerators and denominators.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per series and period.
    kind : {"p", "u"}
        ``"p"`` for shares (numerator ≤ denominator), ``"u"`` for rates per unit.
    by, period, improvement, target, rebase, baseline, rules
        As for :func:`~research_kit.measures.xmr_by`.
    numerator, denominator : str
        The columns of the counts and of their denominators (cases, residents, exposure).
    laney : bool
        Widen the limits for overdispersion (Laney's P′ / U′ chart).

    Returns
    -------
    pandas.DataFrame
        The rows sorted by series and period, with ``value`` (the share or rate),
        ``phase``, ``sigma`` (of each point), and the columns of
        :func:`~research_kit.measures.xmr_by` from ``mean`` on.

    Examples
    --------
    >>> data = pd.DataFrame({"period": [1, 2, 3], "numerator": [10, 20, 30],
    ...                      "denominator": [100, 200, 100]})
    >>> rate_chart_by(data, kind="p")[["value", "mean", "lower_limit", "upper_limit"]].round(4)
       value  mean  lower_limit  upper_limit
    0    0.1  0.15       0.0429       0.2571
    1    0.1  0.15       0.0743       0.2257
    2    0.3  0.15       0.0429       0.2571
    """
    if kind not in ("p", "u"):
        raise ValueError(f"kind={kind!r}: use 'p' for shares or 'u' for rates")
    counts = pd.to_numeric(data[numerator], errors="coerce")
    sizes = pd.to_numeric(data[denominator], errors="coerce")
    if (sizes <= 0).any():
        raise ValueError(f"{denominator} must be positive in every period — drop empty periods")
    if kind == "p" and (counts > sizes).any():
        raise ValueError(
            f"{numerator} exceeds {denominator} — a P chart needs shares; use kind='u'"
        )
    prepared = prepare(
        data.assign(value=counts / sizes),
        by=by,
        value="value",
        period=period,
        improvement=improvement,
        target=target,
        rebase=rebase,
    )
    segments = prepared.segments
    frame = prepared.frame
    top = segments.to_matrix(frame[numerator].to_numpy(dtype=float))
    bottom = segments.to_matrix(frame[denominator].to_numpy(dtype=float))
    values = top / bottom
    used = ~np.isnan(values)
    if baseline is not None:
        used &= np.arange(values.shape[1]) < baseline
    centre = _pooled(top, bottom, used)[:, None]
    spread = centre * (1 - centre) if kind == "p" else centre
    sigma = np.sqrt(spread / bottom)
    if laney:
        sigma = sigma * _laney_factor(values, centre, sigma, used)[:, None]
    low, high = (0.0, 1.0) if kind == "p" else (0.0, np.inf)
    shape = values.shape
    return judged_points(
        prepared,
        np.broadcast_to(centre, shape),
        (np.clip(centre - 3 * sigma, low, high), np.clip(centre + 3 * sigma, low, high)),
        (np.clip(centre - 2 * sigma, low, high), np.clip(centre + 2 * sigma, low, high)),
        value="value",
        extra={"sigma": segments.to_long(sigma)},
        rules=rules,
    )


def _single(kind, numerators, denominators, periods, options) -> pd.DataFrame:
    numerators = np.asarray(numerators)
    if periods is None:
        periods = np.arange(1, len(numerators) + 1)
    frame = pd.DataFrame(
        {"period": periods, "numerator": numerators, "denominator": np.asarray(denominators)}
    )
    return rate_chart_by(frame, kind=kind, **options)


def p_chart(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    *,
    periods: Sequence | None = None,
    improvement: Improvement = None,
    target: float | None = None,
    rebase: Sequence | None = None,
    baseline: int | None = None,
    laney: bool = False,
    rules: RuleLengths = NHS_RULES,
) -> pd.DataFrame:
    """A P chart of one share over time: p̄ ± 3 √(p̄ (1 − p̄) / nᵢ) for each period.

    Parameters
    ----------
    numerators, denominators : sequence of float
        Per period, the count of the share (e.g. permits decided in time) and its base.
    periods, improvement, target, rebase, baseline, rules
        As for :func:`~research_kit.measures.xmr`.
    laney : bool
        Laney's P′ chart: limits widened by the between-period spread σ_z.

    Returns
    -------
    pandas.DataFrame
        One row per period; see :func:`rate_chart_by`.

    Examples
    --------
    >>> chart = p_chart([45, 40, 48, 20], [50, 50, 60, 50], improvement="increase")
    >>> chart[["value", "mean", "lower_limit", "rule", "variation"]].round(3)
       value   mean  lower_limit            rule              variation
    0    0.9  0.729        0.540                           common_cause
    1    0.8  0.729        0.540                           common_cause
    2    0.8  0.729        0.556                           common_cause
    3    0.4  0.729        0.540  outside_limits  special_cause_concern
    """
    options = {
        "improvement": improvement,
        "target": target,
        "rebase": rebase,
        "baseline": baseline,
        "laney": laney,
        "rules": rules,
    }
    return _single("p", numerators, denominators, periods, options)


def u_chart(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    *,
    periods: Sequence | None = None,
    improvement: Improvement = None,
    target: float | None = None,
    rebase: Sequence | None = None,
    baseline: int | None = None,
    laney: bool = False,
    rules: RuleLengths = NHS_RULES,
) -> pd.DataFrame:
    """A U chart of one rate over time: ū ± 3 √(ū / nᵢ) for each period (not below 0).

    Parameters
    ----------
    numerators, denominators : sequence of float
        Per period, the count (complaints, defects) and the exposure it is per.
    periods, improvement, target, rebase, baseline, rules
        As for :func:`~research_kit.measures.xmr`.
    laney : bool
        Laney's U′ chart: limits widened by the between-period spread σ_z.

    Returns
    -------
    pandas.DataFrame
        One row per period; see :func:`rate_chart_by`.

    Examples
    --------
    >>> chart = u_chart([4, 9, 2], [2, 3, 1])
    >>> chart[["value", "mean", "lower_limit", "upper_limit"]].round(4)
       value  mean  lower_limit  upper_limit
    0    2.0   2.5          0.0       5.8541
    1    3.0   2.5          0.0       5.2386
    2    2.0   2.5          0.0       7.2434
    """
    options = {
        "improvement": improvement,
        "target": target,
        "rebase": rebase,
        "baseline": baseline,
        "laney": laney,
        "rules": rules,
    }
    return _single("u", numerators, denominators, periods, options)

"""The arithmetic of disparity measures: intervals, ratios, differences, the indices (private).

Array functions only, no DataFrames and no suppression: :mod:`research_kit.places.disparity`
decides which groups enter and calls these. Every function works element-wise on numpy arrays
(one entry per compared group) so a table of many groups is computed in one pass.

- :func:`wilson_interval`: the Wilson score interval of a proportion ``a/n``.
- :func:`katz_ratio_interval`: the rate ratio of two proportions with Katz's log interval,
  ``se(log RR) = sqrt(1/a - 1/n1 + 1/c - 1/n2)`` (Katz, Baptista, Azen & Pike 1978).
- :func:`newcombe_difference_interval`: the difference of two proportions with Newcombe's hybrid
  score interval (his method 10, 1998), built from the two Wilson intervals.
- :func:`delta_ratio_interval` and :func:`wald_difference_interval`: the same for estimates that
  come with standard errors (weighted survey shares): the delta method on the log scale,
  ``var(log RR) = (se1/v1)**2 + (se2/v2)**2``, and ``se(RD) = sqrt(se1**2 + se2**2)``
  (independent groups; disjoint domains of a survey whose respondents are their own sampling
  units have zero linearised covariance).
- :func:`index_of_disparity`: Pearcy & Keppel (2002).
- :func:`theil_parts`: Theil's T, between and within groups.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = [
    "critical_value",
    "delta_ratio_interval",
    "index_of_disparity",
    "katz_ratio_interval",
    "newcombe_difference_interval",
    "theil_parts",
    "wald_difference_interval",
    "wilson_interval",
]


def critical_value(confidence: float | np.ndarray) -> float | np.ndarray:
    """The two-sided standard normal quantile for ``confidence`` (1.96 for 0.95), element-wise."""
    quantile = norm.ppf(1 - (1 - np.asarray(confidence, dtype=float)) / 2)
    return float(quantile) if np.ndim(quantile) == 0 else quantile


def wilson_interval(a: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``a/n``; missing where ``n`` is 0."""
    a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def katz_ratio_interval(
    a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio ``(a/n1) / (c/n2)`` and Katz's log interval; the interval is missing at a zero count.

    A zero count has no logarithm; rather than add an arbitrary 0.5 to every cell we leave the
    interval missing, so a reader sees that the data cannot bound the ratio.
    """
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (a / n1) / (c / n2)
        se_log = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, *_log_interval(ratio, se_log, (a > 0) & (c > 0), z)


def _log_interval(
    ratio: np.ndarray, se_log: np.ndarray, defined: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """``exp(log ratio ± z se_log)`` where ``defined``, missing elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(defined, np.exp(np.log(ratio) - z * se_log), np.nan)
        high = np.where(defined, np.exp(np.log(ratio) + z * se_log), np.nan)
    return low, high


def newcombe_difference_interval(
    a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference ``a/n1 - c/n2`` with Newcombe's hybrid score interval (method 10)."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a / n1, c / n2
    low1, high1 = wilson_interval(a, n1, z)
    low2, high2 = wilson_interval(c, n2, z)
    difference = p1 - p2
    low = difference - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return difference, low, high


def delta_ratio_interval(
    v1: np.ndarray, se1: np.ndarray, v2: np.ndarray, se2: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio ``v1/v2`` with a delta-method interval on the log scale; missing at a value <= 0."""
    v1, se1, v2, se2 = (np.asarray(x, dtype=float) for x in (v1, se1, v2, se2))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = v1 / v2
        se_log = np.hypot(se1 / v1, se2 / v2)
    return ratio, *_log_interval(ratio, se_log, (v1 > 0) & (v2 > 0), z)


def wald_difference_interval(
    v1: np.ndarray, se1: np.ndarray, v2: np.ndarray, se2: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference ``v1 - v2`` with the Wald interval ``± z * sqrt(se1**2 + se2**2)``."""
    v1, se1, v2, se2 = (np.asarray(x, dtype=float) for x in (v1, se1, v2, se2))
    difference = v1 - v2
    half = z * np.hypot(se1, se2)
    return difference, difference - half, difference + half


def index_of_disparity(values: np.ndarray, reference: float) -> float:
    """Pearcy & Keppel's index: mean ``|r_j - R|`` as a percentage of ``R``.

    ``values`` are the compared groups' rates (the reference group itself left out when it is a
    group; every group when the reference is the overall rate). Missing without groups or with
    a reference of 0.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0 or not reference:
        return float("nan")
    return float(np.mean(np.abs(values - reference)) / reference * 100)


def theil_parts(
    values: np.ndarray, weights: np.ndarray, *, binary: bool
) -> tuple[float, float, float]:
    """Theil's T of ``values`` with population ``weights``: ``(total, between, within)``.

    Between groups: ``sum s_j (r_j/mu) ln(r_j/mu)`` with ``s_j`` the population shares and
    ``mu = sum s_j r_j``. With ``binary`` the values are shares of people with a yes/no outcome,
    each person's own value 0 or 1, so the inequality inside group ``j`` is Theil's T of that
    0/1 distribution, ``-ln r_j``, and within groups is ``sum s_j (r_j/mu) (-ln r_j)``; the parts
    then sum to ``-ln mu``, the Theil index over all people. Without ``binary`` each group is one
    unit: within is 0 and the total is the between part. Missing with a negative value, a
    zero mean or no groups.
    """
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    if values.size == 0 or (values < 0).any() or weights.sum() <= 0:
        return (float("nan"),) * 3
    shares = weights / weights.sum()
    mean = float(np.sum(shares * values))
    if mean <= 0:
        return (float("nan"),) * 3
    relative = values / mean
    # 0 * ln 0 is 0 (the limit): a group with a rate of 0 adds nothing to either part
    with np.errstate(divide="ignore", invalid="ignore"):
        between_terms = np.where(values > 0, shares * relative * np.log(relative), 0.0)
        within_terms = np.where(values > 0, shares * relative * -np.log(values), 0.0)
    between = float(np.sum(between_terms))
    within = float(np.sum(within_terms)) if binary else 0.0
    return between + within, between, within

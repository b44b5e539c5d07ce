"""Taylor-linearised variance of weighted estimates, with calibration residuals and deff.

The estimates are domain means or totals: ``members`` is a respondents x domains matrix of 0/1
(answered and in the domain). Respondents outside a domain stay in the sample as zeros.

1. :func:`influence_values`: the linearised values of each estimate, ``(y - mean) / sum(w)``
   for a mean and ``y`` for a total (zero outside the domain), before multiplying by the
   weights.
2. :func:`calibration_residuals` (the ``"calibrated"`` variance only): their residuals from a
   least-squares regression on every raking variable's category dummies, weighted by the start
   weights, which accounts for the raking as R ``survey::rake`` followed by ``svymean``. With
   equal start weights this is R's result exactly; with unequal ones it is the textbook GREG
   residual (R's ``rake`` backfits unweighted category means instead).
3. :func:`linearised_variance`: the weighted values are summed within PSUs and the variance is
   ``sum_h (1 - f_h) n_h / (n_h - 1) sum_i (t_hi - mean_h t)**2`` over strata ``h`` with
   ``n_h`` PSUs of totals ``t_hi`` and sampling fraction ``f_h``.

:func:`design_effects` divides a variance by that of a simple random sample with replacement of
the same number of respondents (R's ``deff = "replace"``).
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from research_kit.survey.design import DesignArrays

#: BLAS threads for the calibration least squares (see :func:`calibration_residuals`).
BLAS_THREADS = 1

__all__ = [
    "calibration_residuals",
    "design_effects",
    "influence_values",
    "linearised_variance",
]


def influence_values(
    weights: np.ndarray, y: np.ndarray, members: np.ndarray, estimates: np.ndarray, *, total: bool
) -> np.ndarray:
    """Linearised values of each domain's estimate, before multiplying by the weights.

    Parameters
    ----------
    weights : ndarray
        Final weight of each respondent.
    y : ndarray
        The outcome (any value where ``members`` is 0).
    members : ndarray
        Respondents x domains, 1 where the respondent counts in the domain's estimate.
    estimates : ndarray
        Each domain's estimate (its mean; unused for totals).
    total : bool
        Whether the estimates are totals (else means).

    Returns
    -------
    ndarray
        Respondents x domains.

    Examples
    --------
    >>> influence_values(
    ...     np.array([1.0, 1.0]), np.array([2.0, 4.0]), np.ones((2, 1)), np.array([3.0]),
    ...     total=False,
    ... ).tolist()
    [[-0.5], [0.5]]
    """
    if total:
        return members * y[:, None]
    return members * (y[:, None] - estimates) / (weights @ members)


def calibration_residuals(influence: np.ndarray, arrays: DesignArrays) -> np.ndarray:
    """Residuals of the linearised values on the raking dummies, weighted by the start weights.

    The dummies of one variable add up to the intercept, so the design is rank-deficient;
    least squares by SVD gives the same residuals as any full-rank coding would.

    Parameters
    ----------
    influence : ndarray
        Respondents x domains, from :func:`influence_values`.
    arrays : DesignArrays
        The design checked against the frame; its ``calibration`` matrix must not be None.

    Returns
    -------
    ndarray
        Respondents x domains.

    Examples
    --------
    Raked on one variable: what is constant within its categories is fixed by the margins.

    >>> from research_kit.survey.design import SurveyDesign, design_arrays
    >>> import pandas as pd
    >>> people = pd.DataFrame({"w": [1.0, 1, 1, 1], "ward": ["a", "a", "b", "b"]})
    >>> arrays = design_arrays(people, SurveyDesign("w", calibrated_on=["ward"]),
    ...                        variance="calibrated")
    >>> calibration_residuals(np.array([[1.0], [3], [10], [14]]), arrays).round(6).tolist()
    [[-1.0], [1.0], [-2.0], [2.0]]
    """
    scale = np.sqrt(arrays.start)[:, None]
    # One BLAS thread: the system is tall and thin (respondents x a few margins), and threaded
    # OpenBLAS spins on a busy machine (one call measured 330 ms with threads, 8 ms without).
    with threadpool_limits(BLAS_THREADS, user_api="blas"):
        coefficients, *_ = np.linalg.lstsq(
            arrays.calibration * scale, influence * scale, rcond=None
        )
    return influence - arrays.calibration @ coefficients


def linearised_variance(scores: np.ndarray, arrays: DesignArrays) -> np.ndarray:
    """Between-PSU variance of the weighted linearised values, stratum by stratum.

    Parameters
    ----------
    scores : ndarray
        Respondents x domains: the linearised values (or their calibration residuals)
        multiplied by the final weights.
    arrays : DesignArrays
        The design checked against the frame: PSUs, strata and sampling fractions.

    Returns
    -------
    ndarray
        The variance of each domain's estimate.

    Examples
    --------
    Four respondents, each their own PSU, no fpc: ``n / (n - 1)`` times the sum of squares.

    >>> from research_kit.survey.design import SurveyDesign, design_arrays
    >>> import pandas as pd
    >>> arrays = design_arrays(pd.DataFrame({"w": [1.0] * 4}), SurveyDesign("w"),
    ...                        variance="fixed weights")
    >>> linearised_variance(np.array([[-3.0], [-1], [1], [3]]), arrays).round(4).tolist()
    [26.6667]
    """
    psu_totals = np.zeros((len(arrays.stratum_of_psu), scores.shape[1]))
    np.add.at(psu_totals, arrays.psu, scores)
    variance = np.zeros(scores.shape[1])
    for code, fraction in enumerate(arrays.fraction):
        totals = psu_totals[arrays.stratum_of_psu == code]
        k = len(totals)
        centred = totals - totals.mean(axis=0)
        variance += (1 - fraction) * k / (k - 1) * (centred**2).sum(axis=0)
    return variance


def design_effects(
    variances: np.ndarray, weights: np.ndarray, y: np.ndarray, members: np.ndarray, *, total: bool
) -> np.ndarray:
    """Variance over that of simple random sampling; NaN where that is 0 or undefined.

    Parameters
    ----------
    variances : ndarray
        The design variance of each domain's estimate.
    weights, y, members, total
        As for :func:`influence_values`.

    Returns
    -------
    ndarray
        The design effect of each domain's estimate.

    Examples
    --------
    >>> design_effects(
    ...     np.array([1.0, 1.0]), np.ones(4), np.array([1.0, 3, 1, 1]),
    ...     np.array([[1, 0], [1, 0], [0, 1], [0, 1]]), total=False,
    ... ).tolist()
    [1.0, nan]
    """
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

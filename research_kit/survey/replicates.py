"""Replicate weights of a survey design (jackknife, bootstrap) and the variance they give.

Each replicate reweights the sample as if another sample had been drawn from the same design:

- the **jackknife** drops one primary sampling unit (PSU) at a time and scales up the rest of
  its stratum by ``n_h / (n_h - 1)`` (JK1 without strata, JKn with them); its variance is
  scaled by ``(1 - f_h) (n_h - 1) / n_h``;
- the **bootstrap** is the Rao–Wu rescaling bootstrap: ``n_h - 1`` PSUs drawn with replacement
  in each stratum, their counts scaled by ``n_h / (n_h - 1)``; its variance is scaled by
  ``1 / replicates`` and ignores the fpc (PSUs drawn with replacement).

When the design names raking variables every replicate is raked again (without trimming) to
the margins the final weights meet, so the replicates account for the raking; otherwise the
final weights are scaled. The variance of an estimate is the scaled spread of its replicate
estimates around their mean (R's default, ``mse = FALSE``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from research_kit.errors import SurveyError
from research_kit.survey.design import DesignArrays, SurveyDesign, design_arrays
from research_kit.survey.weighting import rake

__all__ = [
    "DEFAULT_REPLICATES",
    "replicate_variance",
    "replicate_weight_matrix",
    "replicate_weights",
]

#: Bootstrap replicates drawn unless told otherwise.
DEFAULT_REPLICATES = 500
#: Most respondents x replicates held as replicate weights (8 bytes each: 200 MB).
MAX_REPLICATE_CELLS = 25_000_000
#: Replicates above which re-raking them shows a progress bar.
PROGRESS_REPLICATES = 50


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
    arrays = design_arrays(frame, design, variance="fixed weights")
    weights, _ = replicate_weight_matrix(
        frame, design, arrays, method=method, replicates=replicates, random_state=random_state
    )
    columns = [f"replicate_{i}" for i in range(1, weights.shape[1] + 1)]
    return pd.DataFrame(weights, index=frame.index, columns=columns)


def replicate_weight_matrix(
    frame: pd.DataFrame,
    design: SurveyDesign,
    arrays: DesignArrays,
    *,
    method: str,
    replicates: int,
    random_state: int | np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicate weights (respondents x replicates) and each replicate's variance scale.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent (its raking variables are read to rake replicates again).
    design : SurveyDesign
        The design.
    arrays : DesignArrays
        The design checked against ``frame`` (:func:`~research_kit.survey.design.design_arrays`).
    method : {"jackknife", "bootstrap"}
        Delete-one-PSU jackknife or Rao–Wu rescaling bootstrap.
    replicates : int
        Bootstrap replicates (the jackknife has one per PSU).
    random_state : int or Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    weights : ndarray
        Respondents x replicates.
    scales : ndarray
        Each replicate's factor in :func:`replicate_variance`.

    Raises
    ------
    SurveyError
        An unknown method, fewer than two bootstrap replicates, more replicate weights than
        :data:`MAX_REPLICATE_CELLS`, or a replicate that cannot be raked again.

    Examples
    --------
    >>> people = pd.DataFrame({"w": [2.0, 2.0]})
    >>> design = SurveyDesign("w")
    >>> arrays = design_arrays(people, design, variance="fixed weights")
    >>> weights, scales = replicate_weight_matrix(
    ...     people, design, arrays, method="jackknife", replicates=0, random_state=None
    ... )
    >>> weights.tolist(), scales.tolist()
    ([[0.0, 4.0], [4.0, 0.0]], [0.5, 0.5])
    """
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


def replicate_variance(estimates: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Scaled spread of each estimate's replicates around their mean.

    Parameters
    ----------
    estimates : ndarray
        Replicates x estimates: each estimate computed with each replicate's weights.
    scales : ndarray
        Each replicate's factor, from :func:`replicate_weight_matrix`.

    Returns
    -------
    ndarray
        The variance of each estimate.

    Examples
    --------
    >>> replicate_variance(np.array([[1.0], [3.0]]), np.array([0.5, 0.5])).tolist()
    [1.0]
    """
    return (scales[:, None] * (estimates - estimates.mean(axis=0)) ** 2).sum(axis=0)


def _jackknife_factors(arrays: DesignArrays) -> tuple[np.ndarray, np.ndarray]:
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
    arrays: DesignArrays, replicates: int, rng: np.random.Generator
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

"""Reliability statistics on coders × units tables: Krippendorff's alpha, Cohen's kappa, percent.

:func:`krippendorff_alpha` takes a coders × units table with missing values and works for
nominal, ordinal, interval and ratio data, computed from the coincidence matrix as in
Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability". :func:`cohen_kappa` and
:func:`percent_agreement` compare two coders over the units both coded. These know nothing of
studies: :mod:`.agreement` cuts a study's codings into units and applies them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["LEVELS", "alpha_from_counts", "cohen_kappa", "krippendorff_alpha", "percent_agreement"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def krippendorff_alpha(reliability_data, level: str = "nominal") -> float:
    """Krippendorff's alpha for a coders × units table with missing values.

    Parameters
    ----------
    reliability_data : array-like of shape (n_coders, n_units)
        The value each coder gave each unit; None or NaN where a coder did not code a unit.
    level : {"nominal", "ordinal", "interval", "ratio"}
        The level of measurement, which sets how far apart two different values are.

    Returns
    -------
    float
        1 is perfect agreement, 0 is what chance alone would give; NaN when there is no
        variation to agree on (every pairable value is the same).

    Examples
    --------
    Krippendorff's (2011) worked example, 4 coders × 12 units:

    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> [round(krippendorff_alpha(data, level), 3) for level in LEVELS]
    [0.743, 0.815, 0.849, 0.797]
    """
    _check_level(level)
    values, counts = _value_counts(_cells(reliability_data))
    return alpha_from_counts(counts, np.ones(len(counts)), values, level)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def _cells(reliability_data) -> np.ndarray:
    """The coders × units table as a 2-D array (object unless it came as a numeric array)."""
    if isinstance(reliability_data, np.ndarray) and reliability_data.ndim == 2:
        return reliability_data
    if isinstance(reliability_data, list | tuple):
        cells = np.array(reliability_data, dtype=object)
        if cells.ndim == 2:
            return cells
    # Rows of different lengths and other iterables: pandas pads the short rows with NaN.
    return pd.DataFrame(list(reliability_data), dtype=object).to_numpy(dtype=object)


def _value_counts(cells: np.ndarray) -> tuple[list, np.ndarray]:
    """Values seen in the table, and how many coders gave each to each unit (units × values)."""
    n_units = cells.shape[1]
    if cells.dtype.kind in "biuf":
        present = ~np.isnan(cells) if cells.dtype.kind == "f" else np.ones(cells.shape, bool)
        unique, value_of = np.unique(cells[present], return_inverse=True)
        values = unique.tolist()
    else:
        cells = cells.astype(object, copy=False)
        present = ~pd.isna(cells)
        given = cells[present].tolist()
        values = sorted(set(given))
        index = {value: position for position, value in enumerate(values)}
        value_of = np.fromiter((index[value] for value in given), dtype=np.int64, count=len(given))
    unit_of = np.broadcast_to(np.arange(n_units), cells.shape)[present]
    flat = np.bincount(
        unit_of * len(values) + value_of.reshape(-1), minlength=n_units * len(values)
    )
    return values, flat.reshape(n_units, len(values)).astype(float)


def alpha_from_counts(
    counts: np.ndarray, weights: np.ndarray, values: Sequence, level: str
) -> float:
    """Krippendorff's alpha from a units × values table of counts, each unit weighted.

    The form :func:`krippendorff_alpha` computes from, for callers that already hold the
    counts. A weight of 3 on a unit gives the same alpha as three copies of it: the
    character-weighted agreement of :func:`~research_kit.interviews.agreement.coder_agreement`
    is alpha over characters without building them.

    Parameters
    ----------
    counts : numpy.ndarray of shape (n_units, n_values)
        How many coders gave each value to each unit.
    weights : numpy.ndarray of shape (n_units,)
        How many times each unit counts.
    values : sequence
        The values the columns of ``counts`` stand for, in order.
    level : {"nominal", "ordinal", "interval", "ratio"}
        The level of measurement.

    Returns
    -------
    float
        As :func:`krippendorff_alpha`.

    Examples
    --------
    Two units on which two coders gave 0 and 1, and one on which both gave 1:

    >>> counts = np.array([[1, 1], [1, 1], [0, 2]])
    >>> alpha_from_counts(counts, np.ones(3), [0, 1], "nominal")
    -0.25
    >>> alpha_from_counts(counts[[0, 2]], np.array([2.0, 1.0]), [0, 1], "nominal")
    -0.25
    """
    per_unit = counts.sum(axis=1)
    pairable = per_unit >= 2
    counts, weights, per_unit = counts[pairable], weights[pairable], per_unit[pairable]
    # Krippendorff's o_ck: each unit adds n_uc * n_uk (less n_uc on the diagonal) / (m_u - 1).
    scaled = counts * (weights / (per_unit - 1))[:, None]
    coincidences = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    marginals = coincidences.sum(axis=1)
    seen = marginals > 0
    if not seen.any():
        return float("nan")
    coincidences, marginals = coincidences[np.ix_(seen, seen)], marginals[seen]
    values = [value for value, kept in zip(values, seen, strict=True) if kept]
    total = marginals.sum()
    distances = _distances(values, marginals, level)
    observed = (coincidences * distances).sum() / total
    expected = (np.outer(marginals, marginals) * distances).sum() / (total * (total - 1))
    return float("nan") if expected == 0 else float(1 - observed / expected)


def _distances(values: list, marginals: np.ndarray, level: str) -> np.ndarray:
    """Squared distance between every two values (Krippendorff's delta squared)."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    numbers = np.asarray(values, dtype=float)
    if level == "interval":
        return np.subtract.outer(numbers, numbers) ** 2
    if level == "ratio":
        sums = np.add.outer(numbers, numbers)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(sums == 0, 0.0, np.subtract.outer(numbers, numbers) / sums)
        return ratio**2
    # Ordinal: the marginals from one value up to the other, less half of the two ends.
    cumulative = np.cumsum(marginals)
    positions = np.arange(len(values))
    lower = np.minimum.outer(positions, positions)
    spans = np.abs(np.subtract.outer(cumulative, cumulative)) + marginals[lower]
    return (spans - np.add.outer(marginals, marginals) / 2) ** 2


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa between two coders over the units both coded.

    Parameters
    ----------
    a, b : sequence
        Each coder's value per unit, in the same unit order; None or NaN where missing.

    Returns
    -------
    float
        1 is perfect agreement, 0 is chance; NaN when chance agreement is already perfect.

    Examples
    --------
    >>> cohen_kappa(["yes", "yes", "no", "no"], ["yes", "no", "no", "no"])
    0.5
    """
    pairs = _paired(a, b)
    if pairs.empty:
        return float("nan")
    observed = float((pairs["a"] == pairs["b"]).mean())
    share_a = pairs["a"].value_counts(normalize=True)
    share_b = pairs["b"].value_counts(normalize=True)
    expected = float((share_a * share_b.reindex(share_a.index, fill_value=0)).sum())
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)


def percent_agreement(a: Sequence, b: Sequence) -> float:
    """Share of the units both coders coded on which they gave the same value.

    Parameters
    ----------
    a, b : sequence
        Each coder's value per unit, in the same unit order; None or NaN where missing.

    Returns
    -------
    float
        A proportion from 0 to 1 (multiply by 100 for a percentage); NaN when no unit was
        coded by both. It does not correct for chance: prefer kappa or alpha when one value
        (such as "code absent") is much more common than the others.

    Examples
    --------
    >>> percent_agreement(["yes", "yes", "no", "no"], ["yes", "no", "no", None])
    0.6666666666666666
    """
    pairs = _paired(a, b)
    if pairs.empty:
        return float("nan")
    return float((pairs["a"] == pairs["b"]).mean())


def _paired(a: Sequence, b: Sequence) -> pd.DataFrame:
    """The units both coders coded, as columns ``a`` and ``b``."""
    if len(a) != len(b):
        raise ValueError("both coders need one value per unit (the sequences differ in length)")
    return pd.DataFrame({"a": list(a), "b": list(b)}, dtype=object).dropna()

"""Inter-coder agreement: Cohen's kappa for two coders, Krippendorff's alpha for any number.

Agreement says whether a codebook is applied the same way by different people (or by a model
and a person). :func:`krippendorff_alpha` takes a coders × units table with missing values and
works for nominal, ordinal, interval and ratio data, computed from the coincidence matrix as in
Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability". :func:`cohen_kappa` compares
two coders over the units both coded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

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
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    table = pd.DataFrame(list(reliability_data), dtype=object)
    values, coincidences = _coincidence_matrix(table)
    if len(values) == 0:
        return float("nan")
    marginals = coincidences.sum(axis=1)
    total = marginals.sum()
    distances = _distances(values, marginals, level)
    observed = (coincidences * distances).sum() / total
    expected = (np.outer(marginals, marginals) * distances).sum() / (total * (total - 1))
    return float("nan") if expected == 0 else float(1 - observed / expected)


def _coincidence_matrix(table: pd.DataFrame) -> tuple[list, np.ndarray]:
    """Values seen in pairable units, and their coincidence matrix (Krippendorff's o_ck)."""
    units = [column.dropna().tolist() for _, column in table.items()]
    units = [unit for unit in units if len(unit) >= 2]
    values = sorted({value for unit in units for value in unit})
    index = {value: position for position, value in enumerate(values)}
    matrix = np.zeros((len(values), len(values)))
    for unit in units:
        counts = np.zeros(len(values))
        for value in unit:
            counts[index[value]] += 1
        pairs = np.outer(counts, counts) - np.diag(counts)
        matrix += pairs / (len(unit) - 1)
    return values, matrix


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
    if len(a) != len(b):
        raise ValueError("both coders need one value per unit (the sequences differ in length)")
    pairs = pd.DataFrame({"a": list(a), "b": list(b)}, dtype=object).dropna()
    if pairs.empty:
        return float("nan")
    observed = float((pairs["a"] == pairs["b"]).mean())
    share_a = pairs["a"].value_counts(normalize=True)
    share_b = pairs["b"].value_counts(normalize=True)
    expected = float((share_a * share_b.reindex(share_a.index, fill_value=0)).sum())
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)

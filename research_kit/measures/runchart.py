"""Run charts with the Anhøj rules, for short series and for data no limits fit.

A run chart plots the values around their median and asks two questions of the sequence
alone, with no assumption about the distribution (Anhøj 2014, PLoS ONE
10.1371/journal.pone.0113825; Anhøj & Olesen 2015, 10.1371/journal.pone.0121349):

* **unusually long run** — the longest run of points on one side of the centre line is
  longer than ``round(log2(n)) + 3`` (Schilling's expected longest run, plus 3);
* **unusually few crossings** — the line is crossed fewer times than the 5th percentile of a
  Binomial(n − 1, ½), the smallest c with P(X ≤ c) ≥ 0.05 (Chen 2010).

Here n is the number of *useful* points: **points exactly on the centre line neither break
nor add to a run, and are not counted** (a run continues across them, and no crossing is
counted at them). This differs from the XmR rules of :mod:`research_kit.measures.rules`,
where a point on the mean breaks a run, because it follows each method's own reference.
The critical values are computed by formula (:func:`anhoej_critical_values`), exactly, with
integer arithmetic for the binomial.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from research_kit.measures.rules import run_lengths, sides


def longest_run_max(n_useful: int) -> int:
    """The longest run expected by chance in ``n_useful`` points: ``round(log2(n)) + 3``.

    Examples
    --------
    >>> longest_run_max(24)
    8
    """
    return int(np.round(math.log2(n_useful))) + 3 if n_useful > 0 else 0


def crossings_min(n_useful: int) -> int:
    """The fewest crossings expected by chance: the 5th percentile of Binomial(n − 1, ½).

    The smallest c with P(X ≤ c) ≥ 0.05, found exactly: 20 · Σ_{i≤c} C(n−1, i) ≥ 2^(n−1).

    Examples
    --------
    >>> crossings_min(24)
    8
    """
    trials = max(n_useful - 1, 0)
    total, cumulative = 2**trials, 0
    for crossings in range(trials + 1):
        cumulative += math.comb(trials, crossings)
        if 20 * cumulative >= total:
            return crossings
    return trials


def anhoej_critical_values(n_useful: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """The Anhøj critical values for each number of useful points.

    Examples
    --------
    >>> anhoej_critical_values([10, 100])
       n_useful  longest_run_max  n_crossings_min
    0        10                6                2
    1       100               10               41
    """
    counts = [int(n) for n in n_useful]
    return pd.DataFrame(
        {
            "n_useful": counts,
            "longest_run_max": [longest_run_max(n) for n in counts],
            "n_crossings_min": [crossings_min(n) for n in counts],
        }
    )


def run_chart(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    periods: Sequence | None = None,
    centre: float | None = None,
    baseline: int | None = None,
) -> pd.DataFrame:
    """A run chart of one series, judged by the Anhøj rules.

    Parameters
    ----------
    values : sequence of float
        The values in period order.
    periods : sequence, optional
        The period of each value. Default ``1, 2, …``.
    centre : float, optional
        The centre line. Default: the median of the (baseline) values.
    baseline : int, optional
        Take the median of the first ``baseline`` values only.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``period``, ``value``, ``centre``, ``relative_to_centre``
        (+1, 0, −1), ``useful`` (not on the centre line), ``run_length`` (of the useful run
        the point is in; 0 on the line), ``crossing`` (the line was crossed to reach it),
        and for the whole chart ``n_useful``, ``longest_run``, ``longest_run_max``,
        ``n_crossings``, ``n_crossings_min``, ``long_run_signal``, ``few_crossings_signal``
        and ``runs_signal`` (either).

    Examples
    --------
    The median is 7: the two points on it are not useful.

    >>> chart = run_chart([3, 4, 5, 5, 6, 7, 7, 8, 8, 9, 9, 10])
    >>> chart[["n_useful", "longest_run", "longest_run_max", "n_crossings", "runs_signal"]].iloc[0]
    n_useful             10
    longest_run           5
    longest_run_max       6
    n_crossings           1
    runs_signal        True
    Name: 0, dtype: object
    """
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any():
        raise ValueError("a value is missing — fill or drop the period: runs read points in order")
    if periods is None:
        periods = np.arange(1, len(values) + 1)
    if centre is None:
        centre = float(np.median(values[:baseline] if baseline else values))
    side = sides(values[None, :], np.full((1, len(values)), centre))[0]
    useful = side != 0
    # Points on the line are skipped: runs and crossings are counted on the useful points.
    kept = side[useful]
    lengths = np.zeros(len(values), dtype=int)
    lengths[useful] = run_lengths(kept[None, :])[0] if len(kept) else []
    crossing = np.zeros(len(values), dtype=bool)
    crossing[np.flatnonzero(useful)[1:]] = kept[1:] != kept[:-1]
    n_useful = int(useful.sum())
    longest = int(lengths.max()) if len(lengths) else 0
    longest_max = longest_run_max(n_useful)
    crossings = int(crossing.sum())
    fewest = crossings_min(n_useful)
    frame = pd.DataFrame(
        {
            "period": periods,
            "value": values,
            "centre": centre,
            "relative_to_centre": side,
            "useful": useful,
            "run_length": lengths,
            "crossing": crossing,
        }
    )
    return frame.assign(
        n_useful=n_useful,
        longest_run=longest,
        longest_run_max=longest_max,
        n_crossings=crossings,
        n_crossings_min=fewest,
        long_run_signal=longest > longest_max,
        few_crossings_signal=crossings < fewest,
        runs_signal=(longest > longest_max) or (crossings < fewest),
    )

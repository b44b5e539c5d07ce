"""XmR (individuals and moving range) charts, the "Making Data Count" way.

The centre line is the mean of a phase's points (or of its first ``baseline`` points); the
moving range is the absolute difference between consecutive points of the phase; the process
limits are mean ± 2.66 × the mean moving range, and the two-sigma lines two thirds of the way
out. With ``screen=True`` (the default, as in NHSRplotthedots and the NHS guidance) moving
ranges at or above 3.267 × their mean — the upper limit of the moving-range chart — are left
out and the mean moving range computed again, so that one wild jump does not widen the limits
that should catch it. The rules and their edge cases are in :mod:`research_kit.measures.rules`.

:func:`xmr` charts one series; :func:`xmr_by` charts many at once (a long table with one row
per measure and period), in a few numpy operations over all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from research_kit.measures.points import judged_points, prepare
from research_kit.measures.rules import NHS_RULES, Improvement, RuleLengths

#: 2.66 = 3 / d2 with d2 = 1.128 for moving ranges of two points (rounded, as the NHS does).
LIMIT_FACTOR = 2.66
#: The upper limit of the moving-range chart: D4 = 3.267 × the mean moving range.
RANGE_FACTOR = 3.267


def _mean_of(values: np.ndarray) -> np.ndarray:
    """Row means ignoring NaN, NaN for a row with nothing to average (no warning)."""
    count = np.sum(~np.isnan(values), axis=1)
    total = np.nansum(values, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def xmr_limits(
    values: np.ndarray, *, baseline: int | None = None, screen: bool = True
) -> dict[str, np.ndarray]:
    """Centre line and limits of every segment of a segments × positions matrix.

    Parameters
    ----------
    values : numpy.ndarray
        One row per phase of a series, NaN padded at the right.
    baseline : int, optional
        Compute from the first ``baseline`` points of each phase only (the later points are
        judged against those limits). Default: every point.
    screen : bool
        Leave moving ranges at or above 3.267 × their mean out of the mean moving range.

    Returns
    -------
    dict of numpy.ndarray
        ``mean``, ``mean_moving_range`` (one per segment), ``moving_range`` and
        ``moving_range_excluded`` (one per point; the first point of a phase has none).

    Examples
    --------
    >>> limits = xmr_limits(np.array([[1.0, 3, 2, 4]]))
    >>> float(limits["mean"][0]), float(limits["mean_moving_range"][0])
    (2.5, 1.6666666666666667)
    """
    positions = np.arange(values.shape[1])
    used = values if baseline is None else np.where(positions < baseline, values, np.nan)
    mean = _mean_of(used)
    moving = np.abs(np.diff(values, axis=1))
    moving_used = np.abs(np.diff(used, axis=1))
    mean_range = _mean_of(moving_used)
    excluded = np.zeros(moving.shape, dtype=bool)
    if screen:
        with np.errstate(invalid="ignore"):
            # NHSRplotthedots keeps a range only when it is below the cut (>= is dropped)
            excluded = moving_used >= RANGE_FACTOR * mean_range[:, None]
        mean_range = _mean_of(np.where(excluded, np.nan, moving_used))
    first = np.full((values.shape[0], 1), np.nan)
    return {
        "mean": mean,
        "mean_moving_range": mean_range,
        "moving_range": np.hstack([first, moving]),
        "moving_range_excluded": np.hstack([np.zeros(first.shape, dtype=bool), excluded]),
    }


def xmr_by(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    value: str = "value",
    period: str = "period",
    improvement: Improvement | str = None,
    target: float | str | None = None,
    rebase: Sequence | None = None,
    baseline: int | None = None,
    screen: bool = True,
    rules: RuleLengths = NHS_RULES,
) -> pd.DataFrame:
    """XmR charts of many series at once, from a long table.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per series and period.
    by : str or list of str, optional
        The column(s) naming each series (e.g. ``"measure"``, or ``["measure", "ward"]``).
    value, period : str
        The columns of the values and of the periods (anything that sorts: dates, numbers).
    improvement : {"increase", "decrease", None} or str
        The polarity, or the name of a column giving it per series. None (neither) gives
        special causes as only high or low, and no assurance verdict.
    target : float or str, optional
        The target, or the name of a column giving it per row (a trajectory).
    rebase : sequence, optional
        Periods where a new phase starts (each phase gets its own limits; runs and trends do
        not cross into the next phase).
    baseline : int, optional
        Compute each phase's limits from its first ``baseline`` points only.
    screen : bool
        Leave large moving ranges out of the mean moving range (see the module docstring).
    rules : RuleLengths
        How many points the shift, trend and two-of-three rules need (7, 7, 2 of 3).

    Returns
    -------
    pandas.DataFrame
        The rows of ``data`` sorted by series and period, with ``phase``,
        ``moving_range``, ``moving_range_excluded``, ``mean_moving_range``,
        ``upper_range_limit``, ``mean``, ``lower_limit``, ``upper_limit``,
        ``lower_two_sigma``, ``upper_two_sigma``, ``relative_to_mean``, the rule flags
        ``outside_limits``, ``trend``, ``two_of_three``, ``shift``, the highest ``rule``
        fired ("" if none), its ``direction``, the point's ``variation`` verdict, and the
        series' ``target`` and ``assurance`` verdict.

    Examples
    --------
    >>> data = pd.DataFrame({
    ...     "measure": ["a"] * 4 + ["b"] * 4,
    ...     "period": [1, 2, 3, 4] * 2,
    ...     "value": [1.0, 3, 2, 4, 10, 10, 11, 9],
    ... })
    >>> xmr_by(data, by="measure")[["measure", "mean", "upper_limit"]].drop_duplicates()
      measure  mean  upper_limit
    0       a   2.5     6.933333
    4       b  10.0    12.660000
    """
    prepared = prepare(
        data,
        by=by,
        value=value,
        period=period,
        improvement=improvement,
        target=target,
        rebase=rebase,
    )
    segments = prepared.segments
    values = segments.to_matrix(prepared.frame[value].to_numpy(dtype=float))
    limits = xmr_limits(values, baseline=baseline, screen=screen)
    mean = limits["mean"][:, None]
    spread = LIMIT_FACTOR * limits["mean_moving_range"][:, None]
    near = 2 * (LIMIT_FACTOR / 3) * limits["mean_moving_range"][:, None]
    shape = values.shape
    mean_range = segments.per_segment(limits["mean_moving_range"])
    extra = {
        "moving_range": segments.to_long(limits["moving_range"]),
        "moving_range_excluded": segments.to_long(limits["moving_range_excluded"]).astype(bool),
        "mean_moving_range": mean_range,
        "upper_range_limit": 3.267 * mean_range,
    }
    return judged_points(
        prepared,
        np.broadcast_to(mean, shape),
        (np.broadcast_to(mean - spread, shape), np.broadcast_to(mean + spread, shape)),
        (np.broadcast_to(mean - near, shape), np.broadcast_to(mean + near, shape)),
        value=value,
        extra=extra,
        rules=rules,
    )


def xmr(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    periods: Sequence | None = None,
    improvement: Improvement = None,
    target: float | Sequence[float] | None = None,
    rebase: Sequence | None = None,
    baseline: int | None = None,
    screen: bool = True,
    rules: RuleLengths = NHS_RULES,
) -> pd.DataFrame:
    """An XmR chart of one series: limits, the rules that fired, and the verdicts.

    Parameters
    ----------
    values : sequence of float
        The measure's values in period order (no gaps).
    periods : sequence, optional
        The period of each value (dates, months, numbers). Default ``1, 2, …``.
    improvement : {"increase", "decrease", None}
        Whether higher or lower is better; None (neither) gives no improving/concerning
        verdict, only ``special_cause_neutral_high`` / ``_low``, and no assurance.
    target : float or sequence of float, optional
        The target, or one per period (a trajectory); the assurance verdict reads the last.
    rebase : sequence, optional
        Periods where a new phase starts, with its own limits (e.g. the date of a reform).
    baseline : int, optional
        Compute each phase's limits from its first ``baseline`` points only.
    screen : bool
        Leave moving ranges ≥ 3.267 × their mean out of the mean moving range (default).
    rules : RuleLengths
        How many points the shift, trend and two-of-three rules need (7, 7, 2 of 3).

    Returns
    -------
    pandas.DataFrame
        One row per point: ``period``, ``value`` and the columns of :func:`xmr_by`.

    Examples
    --------
    >>> chart = xmr([10, 12, 11, 13, 12, 11, 12, 25], improvement="increase", target=11)
    >>> chart[["period", "value", "mean", "upper_limit", "rule", "variation"]].tail(2)
       period  value   mean  upper_limit            rule                  variation
    6       7     12  13.25    16.796667           shift      special_cause_concern
    7       8     25  13.25    16.796667  outside_limits  special_cause_improvement
    >>> chart["assurance"].iloc[-1]
    'inconsistent'
    """
    values = np.asarray(values)
    if periods is None:
        periods = np.arange(1, len(values) + 1)
    frame = pd.DataFrame({"period": periods, "value": values})
    if target is not None and np.ndim(target) > 0:
        frame["target_"] = np.asarray(target, dtype=float)
        target = "target_"
    points = xmr_by(
        frame,
        improvement=improvement,
        target=target,
        rebase=rebase,
        baseline=baseline,
        screen=screen,
        rules=rules,
    )
    return points.drop(columns=["target_"], errors="ignore")

"""What every control chart shares: tidy points in, judged points out, and the chart summary.

A chart function (:func:`~research_kit.measures.xmr`, :func:`~research_kit.measures.p_chart`,
…) sorts its rows and works out phases with :func:`prepare`, computes its own centre line and
limits on the segment matrix (:mod:`research_kit.measures.layout`), and hands them to
:func:`judged_points`, which applies the rules of :mod:`research_kit.measures.rules` and
returns one tidy row per point. :func:`chart_summary` folds those rows into one row per chart
and phase, as NHSRplotthedots' ``summary()`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit.measures.layout import Segments, phase_numbers
from research_kit.measures.rules import (
    NHS_RULES,
    RuleLengths,
    assurance,
    first_rule,
    improvement_sign,
    special_causes,
    variation,
)

POINT_COLUMNS = [
    "mean",
    "lower_limit",
    "upper_limit",
    "lower_two_sigma",
    "upper_two_sigma",
    "relative_to_mean",
    "outside_limits",
    "trend",
    "two_of_three",
    "shift",
    "rule",
    "direction",
    "variation",
    "target",
    "assurance",
]


@dataclass(frozen=True)
class Prepared:
    """Rows sorted by series and period, with their phases laid out as segments."""

    frame: pd.DataFrame
    by: list[str]
    series: np.ndarray
    segments: Segments
    sign: np.ndarray
    target: np.ndarray


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _per_row(frame: pd.DataFrame, setting, name: str) -> np.ndarray | None:
    """A setting given once for all rows, or the name of the column that holds it."""
    if isinstance(setting, str) and setting in frame.columns:
        return frame[setting].to_numpy()
    if setting is None or np.ndim(setting) == 0:
        return None
    values = np.asarray(setting)
    if len(values) != len(frame):
        raise ValueError(f"{name} has {len(values)} values for {len(frame)} points — give one each")
    return values


def prepare(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None,
    value: str,
    period: str,
    improvement,
    target,
    rebase: Sequence | None,
) -> Prepared:
    """Sort ``data`` by series and period and find each point's phase and segment.

    ``improvement`` and ``target`` are one setting for every series, or the name of a column
    of ``data`` that gives them per row (per point or per measure: a target column may hold a
    trajectory). Missing values and repeated periods are refused: the rules read the points
    as consecutive.
    """
    keys = _as_list(by)
    missing = [name for name in [*keys, value, period] if name not in data.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r} in the data — name the right column")
    signs = _per_row(data, improvement, "improvement")
    targets = _per_row(data, target, "target")
    frame = data.assign(_sign=0 if signs is None else signs, _target=np.nan)
    if targets is not None:
        frame["_target"] = targets
    frame = frame.sort_values([*keys, period], kind="mergesort").reset_index(drop=True)
    series = (
        frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        if keys
        else np.zeros(len(frame), dtype=int)
    )
    _refuse_gaps(frame, keys, value, period, series)
    phase = phase_numbers(frame[period].to_numpy(), rebase)
    if signs is None:
        sign = np.full(len(frame), improvement_sign(improvement))
    else:
        # one look-up per distinct polarity, not per row
        polarity = frame["_sign"].astype(object).where(frame["_sign"].notna(), None)
        known = {name: improvement_sign(name) for name in pd.unique(polarity)}
        sign = polarity.map(known).to_numpy(dtype=int)
    target_values = frame["_target"].to_numpy(dtype=float)
    if targets is None and target is not None:
        target_values = np.full(len(frame), float(target))
    frame = frame.drop(columns=["_sign", "_target"]).assign(phase=phase)
    return Prepared(frame, keys, series, Segments.from_keys(series, phase), sign, target_values)


def _refuse_gaps(frame, keys, value, period, series) -> None:
    values = pd.to_numeric(frame[value], errors="coerce")
    if values.isna().any():
        row = frame[values.isna()].iloc[0]
        where = ", ".join(f"{key}={row[key]!r}" for key in [*keys, period])
        raise ValueError(
            f"no numeric {value} at {where} — fill or drop the period: the rules read "
            "the points of a series as consecutive"
        )
    repeated = (series[1:] == series[:-1]) & (
        frame[period].to_numpy()[1:] == frame[period].to_numpy()[:-1]
    )
    if repeated.any():
        row = frame.iloc[int(np.flatnonzero(repeated)[0]) + 1]
        raise ValueError(
            f"period {row[period]!r} appears twice in one series — give one value per period"
        )


def last_of_series(series: np.ndarray) -> np.ndarray:
    """Index of each series' last row (rows sorted by series, then period)."""
    ends = np.ones(len(series), dtype=bool)
    ends[:-1] = series[1:] != series[:-1]
    return np.flatnonzero(ends)


def judged_points(
    prepared: Prepared,
    centre: np.ndarray,
    limits: tuple[np.ndarray, np.ndarray],
    two_sigma: tuple[np.ndarray, np.ndarray],
    *,
    value: str,
    extra: dict[str, np.ndarray] | None = None,
    rules: RuleLengths = NHS_RULES,
) -> pd.DataFrame:
    """Apply the rules to the segment matrices and return one tidy row per point."""
    segments = prepared.segments
    values = segments.to_matrix(prepared.frame[value].to_numpy(dtype=float))
    found = special_causes(
        values,
        centre,
        limits,
        two_sigma,
        rules=rules,
    )
    long = {name: segments.to_long(matrix) for name, matrix in found.items()}
    lower, upper = (segments.to_long(limit) for limit in limits)
    last = last_of_series(prepared.series)
    verdict = assurance(lower[last], upper[last], prepared.target[last], prepared.sign[last])
    columns = {
        **(extra or {}),
        "mean": segments.to_long(centre),
        "lower_limit": lower,
        "upper_limit": upper,
        "lower_two_sigma": segments.to_long(two_sigma[0]),
        "upper_two_sigma": segments.to_long(two_sigma[1]),
        "relative_to_mean": long["relative_to_mean"],
        "outside_limits": long["outside_limits"],
        "trend": long["trend"],
        "two_of_three": long["two_of_three"],
        "shift": long["shift"],
        "rule": first_rule(long),
        "direction": long["direction"],
        "variation": variation(long["direction"], prepared.sign),
        "target": prepared.target,
        # series are numbered in sorted order, so series i ends at row last[i]
        "assurance": verdict[prepared.series],
    }
    frame = prepared.frame.copy()
    for name, column in columns.items():
        frame[name] = column
    # object, so that "no verdict" stays None whether or not other series have one
    frame["assurance"] = pd.Series(columns["assurance"], index=frame.index, dtype=object)
    return frame


def chart_summary(points: pd.DataFrame, *, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """One row per chart and phase: limits, counts of special causes and the verdicts.

    ``variation`` is the verdict of the phase's last point (what the chart says now) and
    ``assurance`` is given on the last phase only, as NHSRplotthedots' ``summary()`` does.

    Parameters
    ----------
    points : pandas.DataFrame
        The rows of :func:`~research_kit.measures.xmr` (or of a P or U chart).
    by : str or list of str, optional
        The columns naming each chart, as given to the chart function.

    Returns
    -------
    pandas.DataFrame
        ``by…, phase, mean, lower_limit, upper_limit, n, common_cause,
        special_cause_improvement, special_cause_concern, variation, assurance``.

    Examples
    --------
    >>> from research_kit.measures import xmr
    >>> points = xmr([5.0, 6, 5, 7, 6, 5, 6, 30], improvement="decrease", target=4)
    >>> chart_summary(points)[["n", "special_cause_concern", "variation", "assurance"]]
       n  special_cause_concern              variation        assurance
    0  8                      1  special_cause_concern  consistent_fail
    """
    keys = [*_as_list(by), "phase"]
    counted = points[keys].assign(
        common_cause=(points["rule"] == "").to_numpy(),
        special_cause_improvement=(points["variation"] == "special_cause_improvement").to_numpy(),
        special_cause_concern=(points["variation"] == "special_cause_concern").to_numpy(),
    )
    grouped = counted.groupby(keys, sort=False, dropna=False)
    summary = points.groupby(keys, sort=False, dropna=False).agg(
        mean=("mean", "first"),
        lower_limit=("lower_limit", "first"),
        upper_limit=("upper_limit", "first"),
        n=("rule", "size"),
    )
    counts = grouped[["common_cause", "special_cause_improvement", "special_cause_concern"]].sum()
    verdicts = points.groupby(keys, sort=False, dropna=False)[["variation", "assurance"]].nth(-1)
    summary = summary.join(counts.astype(int)).reset_index()
    summary[["variation", "assurance"]] = verdicts.to_numpy()
    last_phase = (
        summary.groupby(_as_list(by), sort=False)["phase"].transform("max")
        if by
        else summary["phase"].max()
    )
    earlier = (summary["phase"] != last_phase).to_numpy()
    summary["assurance"] = pd.Series(
        np.where(earlier, None, summary["assurance"].to_numpy(dtype=object)), dtype=object
    )
    return summary

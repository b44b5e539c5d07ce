"""Status a meeting can act on: every measure's latest value against its target, in one table.

:func:`status_band` places a value against a target: **on track** (the target is met),
**caution** (missed by no more than ``caution`` of the target, 10% by default) or **off
track**. A value target is judged by the measure's polarity (higher or lower is better; with
no polarity, the distance from the target either way counts); a range target is met inside
its ends, and also beyond the end its polarity favours (above a range when higher is better);
a trajectory's target is the step in force at the latest period. :func:`measure_status`
gives one row per measure from its chart (:func:`~research_kit.measures.chart_measure`): the
latest value, the band, the SPC variation and assurance verdicts in words and as a symbol for
charts and tables, the change since the last period and since the same period a year earlier,
the owner and the department. :func:`status_by_group` breaks one measure's latest period down
by group (ward, department) with small groups suppressed through
:func:`research_kit.privacy.suppress_table`, and the gap between the best and the worst group
shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit.measures.definitions import Measure, Target
from research_kit.measures.values import target_per_period
from research_kit.privacy import DEFAULT_MIN_CELL_SIZE, suppress_table

#: The bands, best first.
BANDS = ("on_track", "caution", "off_track")
#: Default caution zone: a target missed by at most this share of the target.
DEFAULT_CAUTION = 0.10
#: A symbol per variation verdict (and direction), after "Making Data Count"'s icons:
#: H/L for a special cause high or low, ~ for common cause.
VARIATION_SYMBOLS = {
    "common_cause": "~",
    "special_cause_improvement": "+",
    "special_cause_concern": "!",
    "special_cause_neutral_high": "H",
    "special_cause_neutral_low": "L",
}
#: A symbol per assurance verdict: P(ass), F(ail), ? (hit and miss).
ASSURANCE_SYMBOLS = {"consistent_pass": "P", "consistent_fail": "F", "inconsistent": "?"}
#: Readable words for the verdicts and bands (tables for stakeholders).
STATUS_WORDS = {
    "on_track": "on track",
    "caution": "caution",
    "off_track": "off track",
    "common_cause": "common cause",
    "special_cause_improvement": "special cause, improving",
    "special_cause_concern": "special cause, concerning",
    "special_cause_neutral_high": "special cause, high",
    "special_cause_neutral_low": "special cause, low",
    "consistent_pass": "consistently passing",
    "consistent_fail": "consistently failing",
    "inconsistent": "hit and miss",
}
#: Periods back to the same period a year earlier, by frequency.
PERIODS_PER_YEAR = {"daily": 365, "weekly": 52, "monthly": 12, "quarterly": 4, "yearly": 1}
#: The columns of :func:`measure_status`.
STATUS_COLUMNS = [
    "measure",
    "name",
    "unit",
    "period",
    "value",
    "target",
    "target_low",
    "target_high",
    "status",
    "variation",
    "variation_symbol",
    "assurance",
    "assurance_symbol",
    "change_last_period",
    "change_last_year",
    "owner",
    "department",
]
#: Columns of a measure's values that count the people or cases behind a value.
COUNT_COLUMNS = ("denominator", "cases", "n")


def _sign(polarity: str) -> int:
    return {"higher_is_better": 1, "lower_is_better": -1}.get(polarity, 0)


def status_band(
    value: float,
    *,
    target: float | None = None,
    low: float | None = None,
    high: float | None = None,
    polarity: str = "neither",
    caution: float = DEFAULT_CAUTION,
) -> str | None:
    """The band of one value against its target: ``on_track``, ``caution`` or ``off_track``.

    Parameters
    ----------
    value : float
        The latest value.
    target : float, optional
        A target value (for a range, give ``low`` and ``high`` instead).
    low, high : float, optional
        The ends of a range target.
    polarity : {"higher_is_better", "lower_is_better", "neither"}
        Which way is better. With ``neither`` a value target is met only when hit exactly
        (within rounding) and a range target on both sides.
    caution : float
        How far a target may be missed, as a share of it (of the nearer end of a range), and
        still be ``caution`` rather than ``off_track``. 0 makes every miss off track.

    Returns
    -------
    str or None
        The band; None when there is no target or no value.

    Examples
    --------
    >>> status_band(19, target=20, polarity="lower_is_better")
    'on_track'
    >>> status_band(21.5, target=20, polarity="lower_is_better")
    'caution'
    >>> status_band(0.70, low=0.8, high=0.9, polarity="higher_is_better")
    'off_track'
    >>> status_band(0.95, low=0.8, high=0.9, polarity="higher_is_better")
    'on_track'
    """
    if value is None or np.isnan(value):
        return None
    if target is not None and not np.isnan(target):
        low = high = target
    if low is None or high is None or np.isnan(low) or np.isnan(high):
        return None
    sign = _sign(polarity)
    # a miss below the low end counts unless lower is better (and above the high end unless
    # higher is better)
    short = max(low - value, 0.0) if sign >= 0 else 0.0
    over = max(value - high, 0.0) if sign <= 0 else 0.0
    miss, end = (short, low) if short > 0 else (over, high)
    if miss <= 1e-12 * max(1.0, abs(end)):
        return "on_track"
    return "caution" if miss <= caution * abs(end) + 1e-12 else "off_track"


def _target_ends(target: Target | None, latest: float) -> tuple[float, float, float]:
    """(target, low, high) at the latest period; NaN where the target has no such part."""
    if target is None:
        return np.nan, np.nan, np.nan
    if target.kind == "range":
        return np.nan, target.low, target.high
    return latest, np.nan, np.nan


def _change(values: np.ndarray, back: int) -> float:
    """The last value minus the value ``back`` points earlier (NaN when the series is short)."""
    if back < 1 or len(values) <= back:
        return np.nan
    return float(values[-1] - values[-1 - back])


def _year_change(series: pd.DataFrame, frequency: str) -> float:
    """The change since the same period a year earlier: by date when periods are dates."""
    periods = series["period"]
    values = series["value"].to_numpy(dtype=float)
    if pd.api.types.is_datetime64_any_dtype(periods):
        earlier = periods.iloc[-1] - pd.DateOffset(years=1)
        match = values[(periods == earlier).to_numpy()]
        return float(values[-1] - match[0]) if len(match) else np.nan
    return _change(values, PERIODS_PER_YEAR.get(frequency, 0))


def _latest_row(measure: Measure, points: pd.DataFrame, caution: float) -> dict:
    """One measure's status row from its chart points (one series, sorted by period)."""
    series = points.sort_values("period", kind="mergesort")
    last = series.iloc[-1]
    value = float(last["value"])
    in_force = float(last["target"]) if "target" in series and pd.notna(last["target"]) else np.nan
    target, low, high = _target_ends(measure.target, in_force)
    band = status_band(
        value, target=target, low=low, high=high, polarity=measure.polarity, caution=caution
    )
    variation = last.get("variation")
    assurance = last.get("assurance")
    return {
        "measure": measure.id,
        "name": measure.name,
        "unit": measure.unit,
        "period": last["period"],
        "value": value,
        "target": target,
        "target_low": low,
        "target_high": high,
        "status": band,
        "variation": variation,
        "variation_symbol": VARIATION_SYMBOLS.get(variation, ""),
        "assurance": assurance,
        "assurance_symbol": ASSURANCE_SYMBOLS.get(assurance, ""),
        "change_last_period": _change(series["value"].to_numpy(dtype=float), 1),
        "change_last_year": _year_change(series, measure.frequency),
        "owner": measure.owner,
        "department": measure.department,
    }


def measure_status(
    measures: Sequence[Measure],
    charts: Mapping[str, pd.DataFrame],
    *,
    caution: float = DEFAULT_CAUTION,
) -> pd.DataFrame:
    """One row per measure: latest value, target, status band, SPC verdicts, trend, owner.

    Parameters
    ----------
    measures : sequence of Measure
        The measures, in the order the table lists them.
    charts : mapping of str to pandas.DataFrame
        Each measure's chart points by measure id (:func:`~research_kit.measures.chart_measure`);
        chart a measure broken down by group on its values pooled over the groups
        (:func:`pooled_values`); :func:`status_by_group` gives the groups.
        A measure with no chart is left out.
    caution : float
        The caution zone, as a share of the target (see :func:`status_band`).

    Returns
    -------
    pandas.DataFrame
        ``measure, name, unit, period, value, target, target_low, target_high, status,
        variation, variation_symbol, assurance, assurance_symbol, change_last_period,
        change_last_year, owner, department``. ``variation`` is the verdict of the latest
        point, ``assurance`` the chart's verdict against its target (None without a target or
        a polarity); the symbols are those of :data:`VARIATION_SYMBOLS` and
        :data:`ASSURANCE_SYMBOLS`.

    Examples
    --------
    >>> from research_kit.measures import chart_measure
    >>> from research_kit.measures.definitions import MeasureSource
    >>> days = Measure("days", "Days to permit", "lower_is_better", MeasureSource("csv", "d.csv"),
    ...                target=Target(value=20), owner="Permits lead")
    >>> values = pd.DataFrame({"period": range(1, 9), "value": [30, 26, 29, 25, 27, 24, 23, 22]})
    >>> row = measure_status([days], {"days": chart_measure(days, values)}).iloc[0]
    >>> row["status"], float(row["change_last_period"]), row["owner"]
    ('caution', -1.0, 'Permits lead')
    """
    rows = []
    for measure in measures:
        points = charts.get(measure.id)
        if points is None or points.empty:
            continue
        if "group" in points:
            overall = points[points["group"].isna() | (points["group"] == "all")]
            if overall.empty:
                continue
            points = overall
        rows.append(_latest_row(measure, points, caution))
    table = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    for name in ("status", "variation", "assurance"):
        # object, so that "no band" and "no verdict" stay None (pandas would make them NaN)
        table[name] = table[name].astype(object).where(table[name].notna(), None)
    return table


def pooled_values(values: pd.DataFrame) -> pd.DataFrame:
    """A measure broken down by group, pooled over its groups: one value per period.

    A rate pools its numerators and denominators (the city's share, not the mean of the
    wards' shares); other values are averaged, weighted by their count column (``cases``,
    ``n``) when there is one. Values without a ``group`` column come back as they are.

    Examples
    --------
    >>> values = pd.DataFrame({"period": [1, 1, 2, 2], "group": ["a", "b", "a", "b"],
    ...                        "value": [0.5, 1.0, 0.25, 0.75], "numerator": [1, 3, 1, 3],
    ...                        "denominator": [2, 3, 4, 4]})
    >>> pooled_values(values)[["period", "value", "numerator", "denominator"]]
       period  value  numerator  denominator
    0       1    0.8          4            5
    1       2    0.5          4            8
    """
    if "group" not in values:
        return values
    grouped = values.groupby("period", sort=True)
    if "numerator" in values and "denominator" in values:
        sums = grouped[["numerator", "denominator"]].sum()
        pooled = sums.assign(value=sums["numerator"] / sums["denominator"])
    else:
        count = next((name for name in ("cases", "n") if name in values), None)
        weights = values[count].astype(float) if count else pd.Series(1.0, index=values.index)
        weighted = (values["value"] * weights).groupby(values["period"]).sum()
        pooled = pd.DataFrame({"value": weighted / weights.groupby(values["period"]).sum()})
        if count:
            pooled[count] = grouped[count].sum()
    pooled = pooled.reset_index()
    if "measure" in values:
        pooled.insert(0, "measure", values["measure"].iloc[0])
    return pooled[
        [c for c in ("measure", "period", "value") if c in pooled]
        + [c for c in pooled if c not in ("measure", "period", "value")]
    ]


@dataclass(frozen=True)
class GroupStatus:
    """One measure's latest period by group, and the gap between the best and worst group.

    ``groups``: ``measure, group, period, value, n, status, suppressed`` (``n`` the people or
    cases behind the value; a suppressed group's value and ``n`` are missing).
    ``disparity``: one row, ``measure, period, best_group, best_value, worst_group,
    worst_value, gap, ratio, n_groups_shown`` (best and worst by polarity; with no polarity
    the highest and the lowest).
    """

    groups: pd.DataFrame
    disparity: pd.DataFrame


def _count_column(values: pd.DataFrame) -> str | None:
    return next((name for name in COUNT_COLUMNS if name in values), None)


def status_by_group(
    measure: Measure,
    values: pd.DataFrame,
    *,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    caution: float = DEFAULT_CAUTION,
) -> GroupStatus:
    """One measure's latest period by group, small groups suppressed, with its disparity.

    A group's count (``denominator`` of a rate, ``cases`` of a log measure, ``n`` of a
    survey share) goes through :func:`research_kit.privacy.suppress_table` with the total of
    the period taken as published, so a hidden group cannot be worked out from the others.
    Values with no count column are shown as they are (they count no one).

    Parameters
    ----------
    measure : Measure
    values : pandas.DataFrame
        The measure's values with a ``group`` column
        (:func:`~research_kit.measures.measure_values`).
    min_cell_size : int
        The smallest group shown (the study's ``min_cell_size``).
    caution : float
        The caution zone of :func:`status_band`.

    Returns
    -------
    GroupStatus

    Examples
    --------
    >>> from research_kit.measures.definitions import MeasureSource
    >>> share = Measure("on_time", "On time", "higher_is_better", MeasureSource("csv", "s.csv"),
    ...                 target=Target(value=0.8))
    >>> values = pd.DataFrame({"period": [1] * 4, "group": ["W1", "W2", "W3", "W4"],
    ...                        "value": [0.9, 0.5, 0.75, 1.0], "denominator": [20, 10, 40, 3]})
    >>> result = status_by_group(share, values)
    >>> result.groups[["group", "status", "suppressed"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['W1', 'on_track', False], ['W2', None, True], ['W3', 'caution', False],
     ['W4', None, True]]
    >>> result.disparity[["best_group", "worst_group", "gap"]].round(2).values.tolist()
    [['W1', 'W3', 0.15]]
    """
    if "group" not in values:
        raise ValueError(f"measure {measure.id!r} has no group column: it is not broken down")
    latest = values["period"].max()
    rows = values[values["period"] == latest].reset_index(drop=True)
    count = _count_column(rows)
    frame = pd.DataFrame(
        {
            "measure": measure.id,
            "group": rows["group"].to_numpy(),
            "period": latest,
            "value": rows["value"].to_numpy(dtype=float),
            "n": rows[count].to_numpy() if count else np.nan,
        }
    )
    if count:
        frame = _suppressed(frame, min_cell_size)
    else:
        frame["suppressed"] = False
    target, low, high = _target_ends(measure.target, _latest_target(measure, latest))
    bands = [
        status_band(
            v, target=target, low=low, high=high, polarity=measure.polarity, caution=caution
        )
        for v in frame["value"]
    ]
    frame.insert(5, "status", pd.Series(bands, index=frame.index, dtype=object))
    return GroupStatus(frame, _disparity(measure, frame, latest))


def _latest_target(measure: Measure, period) -> float:
    if measure.target is None or measure.target.kind == "range":
        return np.nan
    if measure.target.kind == "value":
        return float(measure.target.value)
    return float(target_per_period(measure.target, pd.Series([period]))[0])


def _suppressed(frame: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
    """Small groups hidden, and enough others that none follows from the period's total."""
    counts = pd.to_numeric(frame["n"]).round().astype("int64")
    shown = suppress_table(
        frame.assign(n=counts, _all="all"),
        row="_all",
        column="group",
        count="n",
        min_cell_size=min_cell_size,
        margins="rows",
        also=("value",),
    )
    return shown.drop(columns=["_all", "reason"])


def _disparity(measure: Measure, frame: pd.DataFrame, period) -> pd.DataFrame:
    shown = frame[~frame["suppressed"] & frame["value"].notna()]
    columns = [
        "measure",
        "period",
        "best_group",
        "best_value",
        "worst_group",
        "worst_value",
        "gap",
        "ratio",
        "n_groups_shown",
    ]
    if len(shown) < 2:
        return pd.DataFrame(
            [[measure.id, period, None, np.nan, None, np.nan, np.nan, np.nan, len(shown)]],
            columns=columns,
        )
    ordered = shown.sort_values("value", ascending=_sign(measure.polarity) < 0, kind="mergesort")
    best, worst = ordered.iloc[0], ordered.iloc[-1]
    gap = abs(float(best["value"]) - float(worst["value"]))
    ratio = float(best["value"]) / float(worst["value"]) if worst["value"] else np.nan
    row = [
        measure.id,
        period,
        best["group"],
        float(best["value"]),
        worst["group"],
        float(worst["value"]),
        gap,
        ratio,
        len(shown),
    ]
    return pd.DataFrame([row], columns=columns)

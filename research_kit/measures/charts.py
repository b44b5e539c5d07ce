"""Drawing a measure's chart: XmR, run, P and U charts from their tidy points, in the house style.

:func:`measure_figure` draws one chart from the points a chart function returns
(:func:`~research_kit.measures.xmr`, :func:`~research_kit.measures.p_chart`,
:func:`~research_kit.measures.run_chart`, ``study.measure_chart(id)``):
the values, the mean (or median) and process limits of each phase, the target (one value, a
range drawn as a band, or a trajectory drawn as steps), the phases split where the chart was
rebased, with a label, and dates on the x axis. Special-cause points are marked by colour
*and* shape, with a legend in words, so the chart reads in grey and for colour-blind readers.
:func:`measure_small_multiples` draws one small chart per group (a ward, a team) on shared
axes. The words that describe a chart for a screen reader are in
:mod:`research_kit.measures.describe`.

Text is at least 7 pt when a figure is drawn at its default width (the printed width of a
brief's text block), so nothing shrinks below 7 pt on paper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from research_kit.viz import PALETTE, percent_axis, style

__all__ = ["MARKERS", "measure_figure", "measure_small_multiples"]

#: Width in inches a chart is drawn at by default: the text block of a printed brief (A4
#: portrait inside the margins), so it prints at scale 1 and its smallest text stays ≥ 7 pt.
DEFAULT_WIDTH = 6.8
#: Smallest text drawn, in points (tick labels, phase labels, legend).
SMALL_TEXT = 8.0

#: How each kind of point is marked: (legend words, colour, marker shape). Improvement and
#: concern differ in shape as well as colour (Tol's blue and red tell apart for every common
#: kind of colour blindness, and the shapes tell apart in grey).
MARKERS: dict[str, tuple[str, str, str]] = {
    "common_cause": ("common cause (no signal)", "#777777", "o"),
    "special_cause_improvement": ("special cause: improvement", PALETTE[0], "^"),
    "special_cause_concern": ("special cause: concern", PALETTE[1], "X"),
    "special_cause_neutral_high": ("special cause: high (neither good nor bad)", PALETTE[5], "D"),
    "special_cause_neutral_low": ("special cause: low (neither good nor bad)", PALETTE[5], "d"),
    "long_run": ("in an unusually long run", PALETTE[1], "s"),
}
#: The unit of a measure whose values are shares (0 to 1): drawn and labelled as percentages.
SHARE = "share"
LINE_COLOUR = "#333333"
LIMIT_COLOUR = "#555555"
TARGET_COLOUR = PALETTE[2]


def _as_dates(periods: pd.Series) -> pd.Series:
    """Periods as timestamps where they are dates or pandas periods; numbers stay numbers."""
    if isinstance(periods.dtype, pd.PeriodDtype):
        return periods.dt.start_time
    if pd.api.types.is_datetime64_any_dtype(periods):
        return periods.dt.tz_localize(None) if periods.dt.tz is not None else periods
    return periods


def _one_series(points: pd.DataFrame, period: str) -> pd.DataFrame:
    if points[period].duplicated().any():
        raise ValueError(
            "the points hold several series (a period appears twice) — draw one with "
            "measure_figure(points[points[by] == name]) or all with measure_small_multiples"
        )
    return points.sort_values(period, kind="mergesort")


def is_run_chart(points: pd.DataFrame) -> bool:
    """Whether ``points`` come from :func:`~research_kit.measures.run_chart` (no limits).

    Examples
    --------
    >>> from research_kit.measures import run_chart
    >>> is_run_chart(run_chart([1.0, 2, 3, 4]))
    True
    """
    return "centre" in points.columns and "upper_limit" not in points.columns


def point_kinds(points: pd.DataFrame) -> np.ndarray:
    """The marker kind of each point: its variation verdict, or ``long_run`` on a run chart.

    Examples
    --------
    >>> from research_kit.measures import xmr
    >>> point_kinds(xmr([5.0, 6, 5, 7, 6, 5, 6, 30], improvement="decrease"))[-1]
    'special_cause_concern'
    """
    if is_run_chart(points):
        long = points["run_length"].to_numpy() > points["longest_run_max"].to_numpy()
        return np.where(long, "long_run", "common_cause").astype(object)
    return points["variation"].to_numpy(dtype=object)


def _draw_phase_lines(ax: plt.Axes, phase: pd.DataFrame, x: pd.Series, run: bool) -> None:
    """The centre line and limits of one phase, ending at its first and last point."""
    centre = phase["centre"] if run else phase["mean"]
    ax.plot(x, centre, color=LINE_COLOUR, linewidth=1.4, drawstyle="steps-mid", zorder=2)
    if run:
        return
    for column in ("lower_limit", "upper_limit"):
        limit = phase[column].replace([np.inf, -np.inf], np.nan)
        ax.plot(x, limit, color=LIMIT_COLOUR, linewidth=1.1, linestyle="--", drawstyle="steps-mid")


def _value_text(value: float, unit: str) -> str:
    return f"{value:.0%}" if unit == SHARE else f"{value:g}"


def _draw_target(
    ax: plt.Axes,
    points: pd.DataFrame,
    x: pd.Series,
    target_range: tuple[float, float] | None,
    unit: str,
) -> list:
    """The target as a line, a trajectory (steps) or a band; its legend entries."""
    handles: list = []
    if target_range is not None:
        low, high = target_range
        ax.axhspan(low, high, color=TARGET_COLOUR, alpha=0.15, linewidth=0, zorder=0)
        handles.append(
            Patch(
                color=TARGET_COLOUR,
                alpha=0.3,
                label=f"target range {_value_text(low, unit)}–{_value_text(high, unit)}",
            )
        )
    if "target" not in points.columns or points["target"].isna().all():
        return handles
    target = points["target"].astype(float)
    trajectory = target.dropna().nunique() > 1
    dashes = (0, (6, 2)) if trajectory else ":"
    ax.plot(x, target, color=TARGET_COLOUR, linewidth=1.6, linestyle=dashes, drawstyle="steps-post")
    last = target.dropna().iloc[-1]
    label = "target trajectory" if trajectory else f"target {_value_text(last, unit)}"
    handles.append(
        Line2D([], [], color=TARGET_COLOUR, linewidth=1.6, linestyle=dashes, label=label)
    )
    return handles


def _phase_label(start: object) -> str:
    if isinstance(start, pd.Timestamp):
        return f"rebased from {start:%b %Y}"
    return f"rebased from {start}"


def _draw_phases(
    ax: plt.Axes, points: pd.DataFrame, x: pd.Series, labels: Mapping[int, str] | None
) -> None:
    """A dotted line between phases and a label at the top of each new phase."""
    phases = points["phase"].to_numpy() if "phase" in points.columns else np.zeros(len(points))
    starts = np.flatnonzero(np.r_[False, phases[1:] != phases[:-1]])
    for start in starts:
        before, after = x.iloc[start - 1], x.iloc[start]
        split = before + (after - before) / 2
        ax.axvline(split, color=LIMIT_COLOUR, linestyle=":", linewidth=1.0, zorder=1)
        number = int(phases[start])
        text = (labels or {}).get(number) or _phase_label(after)
        # beside the line on the side with more room, so the label stays inside the axes
        left = start > len(x) / 2
        ax.annotate(
            text,
            xy=(split, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if left else 3, -3),
            textcoords="offset points",
            ha="right" if left else "left",
            va="top",
            fontsize=SMALL_TEXT,
            color=LINE_COLOUR,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
        )


def _headroom(ax: plt.Axes) -> None:
    """Room above the highest line for the phase labels (once all panels are drawn: a fixed
    range set on one panel of shared axes would clip the others)."""
    if not ax.texts:
        return
    ax.autoscale_view()
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.12 * (high - low))


def _draw_points(ax: plt.Axes, points: pd.DataFrame, x: pd.Series, value: str) -> set[str]:
    """The values as a line, each point marked by its kind; the kinds drawn."""
    ax.plot(x, points[value], color=PALETTE[0], linewidth=1.2, alpha=0.6, zorder=3)
    kinds = point_kinds(points)
    for kind in dict.fromkeys(kinds):
        _, colour, marker = MARKERS[kind]
        chosen = kinds == kind
        common = kind == "common_cause"
        ax.scatter(
            x[chosen],
            points[value][chosen],
            color=colour,
            marker=marker,
            s=18 if common else 64,
            edgecolor="white" if not common else colour,
            linewidth=0.6,
            zorder=4 if common else 5,
            label=MARKERS[kind][0],
        )
    return set(kinds)


def _format_axes(ax: plt.Axes, x: pd.Series, unit: str) -> None:
    if pd.api.types.is_datetime64_any_dtype(x):
        # about one tick per inch, so dates never crowd in a narrow panel
        width = ax.get_position().width * ax.figure.get_figwidth()
        # three ticks at least, so two years of months get month ticks, not two year ticks
        locator = mdates.AutoDateLocator(minticks=3, maxticks=max(6, int(width)))
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if unit == SHARE:
        percent_axis(ax.yaxis)
    ax.tick_params(labelsize=SMALL_TEXT + 1)
    ax.set_xlabel("")
    ax.set_ylabel(unit, fontsize=SMALL_TEXT + 1)


def draw_measure(
    ax: plt.Axes,
    points: pd.DataFrame,
    *,
    value: str = "value",
    period: str = "period",
    unit: str = "",
    target_range: tuple[float, float] | None = None,
    phase_labels: Mapping[int, str] | None = None,
) -> list:
    """Draw one chart's points on ``ax``; return the legend entries it needs.

    Examples
    --------
    >>> from research_kit.measures import xmr
    >>> with style():
    ...     fig, ax = plt.subplots()
    ...     handles = draw_measure(ax, xmr([5.0, 6, 5, 7, 6, 5, 6, 30], improvement="decrease"))
    >>> [handle.get_label() for handle in handles][-1]
    'special cause: concern'
    >>> plt.close(fig)
    """
    points = _one_series(points, period).reset_index(drop=True)
    x = _as_dates(points[period]).reset_index(drop=True)
    run = is_run_chart(points)
    phases = points["phase"] if "phase" in points.columns else pd.Series(0, index=points.index)
    for _, rows in points.groupby(phases, sort=True):
        _draw_phase_lines(ax, rows, x[rows.index], run)
    target_handles = _draw_target(ax, points, x, target_range, unit)
    kinds = _draw_points(ax, points, x, value)
    _draw_phases(ax, points, x, phase_labels)
    _format_axes(ax, x, unit)
    handles = [Line2D([], [], color=LINE_COLOUR, linewidth=1.4, label="median" if run else "mean")]
    if not run:
        handles.append(
            Line2D(
                [], [], color=LIMIT_COLOUR, linestyle="--", linewidth=1.1, label="process limits"
            )
        )
    handles += target_handles
    for kind in MARKERS:
        if kind in kinds:
            words, colour, marker = MARKERS[kind]
            handles.append(
                Line2D([], [], color=colour, marker=marker, linestyle="", markersize=7, label=words)
            )
    return handles


def _legend(fig: Figure, handles: list, columns: int) -> None:
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=columns,
        frameon=False,
        fontsize=SMALL_TEXT,
        handletextpad=0.4,
        columnspacing=1.2,
    )


@style()
def measure_figure(
    points: pd.DataFrame,
    *,
    title: str,
    width: float = DEFAULT_WIDTH,
    height: float | None = None,
    value: str = "value",
    period: str = "period",
    unit: str = "",
    target_range: tuple[float, float] | None = None,
    phase_labels: Mapping[int, str] | None = None,
) -> Figure:
    """Draw one XmR, run, P or U chart from its tidy points.

    Parameters
    ----------
    points : pandas.DataFrame
        One series' points, as :func:`~research_kit.measures.xmr`,
        :func:`~research_kit.measures.p_chart`, :func:`~research_kit.measures.u_chart`,
        :func:`~research_kit.measures.run_chart` or ``study.measure_chart(id)`` return them.
    title : str
        The chart's title (the measure's name).
    width, height : float
        The size in inches; the default width is a brief's printed text block, at which no
        text is under 7 pt. The height defaults to 0.55 × the width.
    value, period : str
        The columns of the values and of the periods (dates give a date axis).
    unit : str
        The y-axis label (``"days"``, ``"share"``).
    target_range : (float, float), optional
        A target range, drawn as a band (a target value or trajectory is read from the
        points' ``target`` column).
    phase_labels : mapping of int to str, optional
        The label of each phase after the first (``{1: "after the July 2025 reform"}``);
        default "rebased from" and the phase's first period.

    Returns
    -------
    matplotlib.figure.Figure
        The chart, with a legend in words below it.

    Examples
    --------
    >>> from research_kit.measures import xmr
    >>> points = xmr([30.0, 32, 29, 31, 33, 30, 31, 24, 23, 22, 24, 23],
    ...              periods=pd.date_range("2025-01-01", periods=12, freq="MS"),
    ...              improvement="decrease", target=25, rebase=["2025-08-01"])
    >>> fig = measure_figure(points, title="Median days to a permit", unit="days")
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['rebased from Aug 2025']
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(width, height or 0.55 * width), layout="constrained")
    handles = draw_measure(
        ax,
        points,
        value=value,
        period=period,
        unit=unit,
        target_range=target_range,
        phase_labels=phase_labels,
    )
    _headroom(ax)
    ax.set_title(title, loc="left", fontweight="bold", fontsize=SMALL_TEXT + 4)
    _legend(fig, handles, columns=min(3, len(handles)))
    return fig


@style()
def measure_small_multiples(
    points: pd.DataFrame,
    *,
    by: str,
    title: str,
    columns: int = 2,
    width: float = DEFAULT_WIDTH,
    panel_height: float = 2.0,
    value: str = "value",
    period: str = "period",
    unit: str = "",
    target_range: tuple[float, float] | None = None,
) -> Figure:
    """Draw one small chart per group of ``by`` (a ward, a team), sharing their axes.

    Each panel has its own limits and marks (each group is its own process); the axes are
    shared so the groups compare at a glance, and one legend in words serves them all.

    Parameters
    ----------
    points : pandas.DataFrame
        The points of several series, e.g. from :func:`~research_kit.measures.xmr_by` or
        ``study.measure_chart(id)`` of a measure with a breakdown.
    by : str
        The column naming each series; a panel per value, in sorted order.
    title : str
        The figure's title.
    columns : int
        Panels per row.
    width, panel_height : float
        The figure's width and each row's height, in inches.
    value, period, unit, target_range
        As for :func:`measure_figure`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from research_kit.measures import xmr_by
    >>> data = pd.DataFrame({"ward": ["1"] * 8 + ["2"] * 8, "period": list(range(8)) * 2,
    ...                      "value": [5.0, 6, 5, 7, 6, 5, 6, 5, 9, 8, 9, 10, 9, 8, 9, 30]})
    >>> fig = measure_small_multiples(xmr_by(data, by="ward"), by="ward", title="Days by ward")
    >>> [ax.get_title(loc="left") for ax in fig.axes]
    ['1', '2']
    >>> plt.close(fig)
    """
    if by not in points.columns:
        raise ValueError(f"no column {by!r} in the points — name the column of the groups")
    groups = sorted(points[by].dropna().unique(), key=str)
    rows = max(1, math.ceil(len(groups) / columns))
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(width, panel_height * rows + 1.2),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    handles: dict[str, object] = {}
    for ax, group in zip(axes.flat, groups, strict=False):
        drawn = draw_measure(
            ax,
            points[points[by] == group],
            value=value,
            period=period,
            unit=unit,
            target_range=target_range,
        )
        handles.update({handle.get_label(): handle for handle in drawn})
        ax.set_title(str(group), loc="left", fontsize=SMALL_TEXT + 2)
    # shared y axes: the headroom of the panel with the most is given to all
    for ax in sorted(axes.flat[: len(groups)], key=lambda ax: -len(ax.texts))[:1]:
        _headroom(ax)
    for ax in axes.flat[len(groups) :]:
        ax.remove()
    for ax in axes.flat[max(0, len(groups) - columns) : len(groups)]:
        # the lowest panel of each column shows the dates, even above an empty cell
        ax.xaxis.set_tick_params(labelbottom=True)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=SMALL_TEXT + 4)
    _legend(fig, list(handles.values()), columns=min(3, len(handles)))
    return fig

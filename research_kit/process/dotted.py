"""The dotted chart: cases as rows over time, one dot per event, coloured by activity.

A dotted chart (Song and van der Aalst, "Supporting process mining by showing events at a
glance", 2007) shows when each case's work happened: batches (dots lined up vertically),
seasonal load, cases that stall, and — with ``x="relative"`` — how long each step comes after
a case began. Events are those every miner here counts (:mod:`research_kit.process._arrays`):
lifecycle events are paired into activity instances first, and each instance is one dot at its
completion.

A log with many cases is thinned to at most ``max_cases`` rows, taking every k-th case in the
chart's own order (so the spread of start dates or durations is kept), and dots grow fainter
as they get denser; the figure says how many cases it shows of how many.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from research_kit.process._arrays import MS, check_choice, event_arrays
from research_kit.viz import PALETTE
from research_kit.viz import style as viz_style

#: Colours of the most frequent activities (Tol's bright scheme without its grey);
#: the rest are grouped as "other" in grey.
_COLOURS = PALETTE[:-1]
_OTHER_COLOUR = PALETTE[-1]
_DAY_MS = 86_400_000
_WIDTH = 9.0  # inches: a landscape page's text width


def dotted_chart(
    log: pd.DataFrame,
    *,
    x: str = "time",
    sort_by: str = "start",
    colour_by: str | None = "activity",
    max_cases: int = 300,
    title: str | None = None,
) -> Figure:
    """Cases as rows over time, one dot per event (a figure not registered with pyplot).

    Parameters
    ----------
    log : pandas.DataFrame
        An event table (see :func:`~research_kit.process.read_event_log`); lifecycle events
        are paired into activity instances, one dot each.
    x : {"time", "relative"}
        Calendar time, or days since the case began (its earliest start or completion).
    sort_by : {"start", "duration"}
        Rows from top to bottom: cases by when they began (earliest first), or by how long
        they took (longest first).
    colour_by : {"activity", "resource"} or None
        Colour the dots of the six most frequent activities (or resources) apart, the rest
        grey as "other"; None draws every dot in one colour.
    max_cases : int
        Draw at most this many cases: every k-th in the chart's order when there are more.
    title : str, optional
        The figure's title (default "Cases over time").

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-05")],
    ...                    "B": [("Apply", "2025-01-02"), ("Reject", "2025-01-03")]})
    >>> fig = dotted_chart(log, x="relative")
    >>> sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    4
    >>> fig.texts[-1].get_text()
    'All 2 cases; one dot per activity instance, at its completion.'
    """
    check_choice("x", x, ("time", "relative"))
    check_choice("sort_by", sort_by, ("start", "duration"))
    if colour_by is not None:
        check_choice("colour_by", colour_by, ("activity", "resource"))
    if max_cases < 1:
        raise ValueError(f"max_cases must be at least 1, not {max_cases!r}")
    events = event_arrays(log, with_resources=colour_by == "resource")
    begin, end = events.case_bounds()
    order = _case_order(begin, end, sort_by)
    shown = order[:: int(np.ceil(len(order) / max_cases))] if len(order) > max_cases else order
    row = np.full(events.n_cases, -1, np.int64)
    row[shown] = np.arange(len(shown))
    keep = row[events.case] >= 0
    y = row[events.case[keep]]
    when = events.time[keep]
    if x == "relative":
        position = (when - begin[events.case[keep]]) / MS / _DAY_MS
    else:
        position = pd.to_datetime(when, utc=True).tz_localize(None).to_numpy()
    codes, labels = _colour_codes(events, colour_by, keep)
    with viz_style():
        fig = Figure(figsize=(_WIDTH, float(np.clip(2.6 + 0.016 * len(shown), 4.5, 9.0))))
        ax = fig.add_axes(_axes_box(fig, legend=bool(labels), rotated_dates=x == "time"))
        _draw_dots(ax, position, y, codes, labels, n_rows=len(shown))
        _axes_text(ax, x=x, sort_by=sort_by, n_rows=len(shown))
        if labels:
            _legend(fig, ax, labels, colour_by or "")
        fig.suptitle(title or "Cases over time", x=0.03, ha="left", fontsize=14)
        note = _footnote(events.n_cases, len(shown), sort_by)
        fig.text(0.03, 0.12 / fig.get_figheight(), note, fontsize=9, color="#555555")
    return fig


def _axes_box(fig: Figure, *, legend: bool, rotated_dates: bool) -> tuple[float, ...]:
    """The plot's place in figure fractions, from margins in inches (any figure height)."""
    height = fig.get_figheight()
    left, right = 0.75, 2.5 if legend else 0.3
    top, bottom = 0.65, 1.35 if rotated_dates else 1.0  # bottom: ticks, label and footnote
    return (
        left / _WIDTH,
        bottom / height,
        (_WIDTH - left - right) / _WIDTH,
        (height - top - bottom) / height,
    )


def _case_order(begin: np.ndarray, end: np.ndarray, sort_by: str) -> np.ndarray:
    """Case codes from the top row down: earliest start first, or longest first (stable)."""
    if sort_by == "start":
        return np.lexsort((end, begin))
    return np.lexsort((begin, -(end - begin)))


def _colour_codes(events, colour_by: str | None, keep: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each kept dot's colour number (len(labels) − 1 = "other") and the legend's labels."""
    if colour_by is None:
        return np.zeros(int(keep.sum()), np.int64), []
    if colour_by == "activity":
        values, names = events.activity[keep], events.activities
    else:
        values, names = events.resource[keep], events.resources
        if not len(names):
            return np.zeros(int(keep.sum()), np.int64), []
        values = np.where(values < 0, len(names), values)  # no resource: "other"
    counts = np.bincount(values, minlength=len(names) + 1)[: len(names)]
    top = np.argsort(-counts, kind="stable")[: len(_COLOURS)]
    top = top[counts[top] > 0]
    colour = np.full(len(names) + 1, len(top), np.int64)
    colour[top] = np.arange(len(top))
    labels = [str(names[code]) for code in top]
    if (colour[values] == len(top)).any():
        labels.append("other")
    return colour[values], labels


def _draw_dots(ax, position, y: np.ndarray, codes: np.ndarray, labels: list[str], n_rows: int):
    # dots shrink and fade as rows and dots get denser, so batches still show as darker
    size = float(np.clip(3000 / max(n_rows, 1), 7, 40))
    alpha = float(np.clip(40 / np.sqrt(max(len(y), 1)), 0.5, 0.9))
    for code in range(max(len(labels), 1)):
        mine = codes == code
        other = labels[code] == "other" if labels else False
        colour = _OTHER_COLOUR if other else _COLOURS[code % len(_COLOURS)]
        ax.scatter(
            np.asarray(position)[mine],
            y[mine],
            s=size,
            color=colour,
            alpha=alpha,
            linewidths=0,
            rasterized=len(y) > 20_000,  # an SVG of a huge log stays small
            label=labels[code] if labels else None,
        )
    ax.set_ylim(n_rows - 0.5, -0.5)


def _axes_text(ax, *, x: str, sort_by: str, n_rows: int) -> None:
    ax.set_xlabel("days since the case began" if x == "relative" else "date")
    ax.set_ylabel("cases, " + ("earliest first" if sort_by == "start" else "longest first"))
    ax.set_yticks([])  # case ids may be personal; the rows are read as a whole
    ax.grid(axis="y", visible=False)
    if x == "time":
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
        ax.tick_params(axis="x", labelrotation=30)


def _legend(fig: Figure, ax, labels: list[str], colour_by: str) -> None:
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=8,
            color=_OTHER_COLOUR if label == "other" else _COLOURS[at],
            label=_short(label),
        )
        for at, label in enumerate(labels)
    ]
    box = ax.get_position()
    fig.legend(
        handles=handles,
        title=colour_by,
        loc="upper left",
        bbox_to_anchor=(box.x1 + 0.01, box.y1),
        frameon=False,
        fontsize=9,
        title_fontsize=10,
    )


def _short(label: str) -> str:
    """A legend label on at most two lines of 24 characters."""
    lines = textwrap.wrap(label, 24, break_on_hyphens=False) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:23] + "…"]
    return "\n".join(lines)


def _footnote(total: int, shown: int, sort_by: str) -> str:
    if shown == total:
        return f"All {total:,} cases; one dot per activity instance, at its completion."
    step = int(np.ceil(total / shown))
    return (
        f"{shown:,} of {total:,} cases shown (one in every {step}, in order of {sort_by}); "
        "one dot per activity instance, at its completion."
    )


__all__ = [
    "dotted_chart",
]

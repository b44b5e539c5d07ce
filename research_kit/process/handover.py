"""The hand-over network: who passes work to whom in a case, how often, and how long it waits.

:func:`handovers` counts the classic *handover of work* relation of social-network mining
(van der Aalst, Reijers and Song, "Discovering social networks from event logs", 2005; pm4py's
``discover_handover_of_work_network`` with ``beta=0``): resource *r* hands work over to
resource *s* each time an activity instance done by *s* directly follows one done by *r* in a
case. Events are taken in the order every miner here uses (:mod:`research_kit.process._arrays`):
lifecycle events are paired into activity instances first, one instance is one step, and the
wait of a hand-over is the directly-follows wait — from the giver's completion to the taker's
start where the log records starts (pm4py's performance DFG), else to the taker's completion.

:func:`handover_figure` draws the network of the busiest resources in the house chart style.

Privacy: resources are shown as the log records them. Staff ids and role labels (the bundled
log's ``APPLICANT``) are fine in a researcher's view; a log whose resource column names
residents must have it replaced before a brief shows the network (text a stakeholder sees
passes through :class:`research_kit.privacy.StakeholderGate`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from research_kit.errors import EventLogError
from research_kit.process._arrays import event_arrays, group_stats, sort_rows
from research_kit.process.events import RESOURCE
from research_kit.viz import NEUTRAL, PALETTE
from research_kit.viz import style as viz_style

#: The columns :func:`handovers` returns.
HANDOVER_COLUMNS = [
    "from_resource",
    "to_resource",
    "count",
    "cases",
    "share",
    "median_wait",
    "mean_wait",
]


def handovers(
    log: pd.DataFrame, *, include_self: bool = False, use_start: bool = True
) -> pd.DataFrame:
    """Who hands work over to whom: counts, cases and waits of each hand-over between resources.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table with a ``resource`` column (see
        :func:`~research_kit.process.read_event_log`). Lifecycle events are paired into
        activity instances first; steps without a resource neither give nor take work (a
        hand-over is never bridged across them).
    include_self : bool
        Count a resource following itself (pm4py's handover network does); by default only
        hand-overs between two different resources are counted.
    use_start : bool
        Measure waits to the taker's start where the log records one (see
        :func:`~research_kit.process.directly_follows`); False measures completion →
        completion.

    Returns
    -------
    pandas.DataFrame
        One row per pair of resources: ``from_resource``, ``to_resource``, ``count``
        (hand-overs), ``cases`` (cases with at least one), ``share`` (of all hand-overs
        counted), ``median_wait`` and ``mean_wait`` (Timedeltas). Sorted by count (most
        first), then the two resources.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-01 13:00"),
    ...                          ("Approve", "2025-01-02 09:00")],
    ...                    "B": [("Apply", "2025-01-01 10:00"), ("Review", "2025-01-01 12:00")]})
    >>> log["resource"] = ["APPLICANT", "PC-01", "PC-01", "APPLICANT", "PC-01"]
    >>> table = handovers(log)
    >>> table[["from_resource", "to_resource", "count", "cases"]].values.tolist()
    [['APPLICANT', 'PC-01', 2, 2]]
    >>> str(table["median_wait"].iloc[0])
    '0 days 03:00:00'
    """
    if RESOURCE not in log.columns:
        raise EventLogError(
            "the event table has no column 'resource'",
            hint="read the log with read_event_log, naming the resource column in columns=",
        )
    events = event_arrays(log, use_start=use_start, with_resources=True)
    resource = events.resource if events.resource is not None else np.empty(0, np.int64)
    resources = events.resources if events.resources is not None else pd.Index([])
    pairs = events.pairs()
    giver, taker = resource[pairs], resource[pairs + 1]
    keep = (giver >= 0) & (taker >= 0)
    if not include_self:
        keep &= giver != taker
    pairs, giver, taker = pairs[keep], giver[keep], taker[keep]
    n = max(len(resources), 1)
    keys, counts, stats = group_stats(giver * n + taker, events.waits(pairs))
    frame = pd.DataFrame(
        {
            "from_resource": resources.take(keys // n),
            "to_resource": resources.take(keys % n),
            "count": counts.astype(np.int64),
            "cases": _cases_per_key(giver * n + taker, events.case[pairs], keys),
            "share": counts / max(int(counts.sum()), 1),
            "median_wait": stats["median"],
            "mean_wait": stats["mean"],
        }
    )
    return sort_rows(frame, ["count", "from_resource", "to_resource"], [False, True, True])


def _cases_per_key(keys: np.ndarray, cases: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """How many different cases each of the ``distinct`` keys (ascending) occurs in."""
    if not len(keys):
        return np.zeros(0, np.int64)
    span = int(cases.max()) + 1
    once = np.unique(keys * span + cases) // span  # each (key, case) once, by key
    return np.searchsorted(once, distinct, side="right") - np.searchsorted(once, distinct)


def handover_figure(
    table: pd.DataFrame,
    *,
    top: int = 10,
    top_edges: int = 25,
    labelled: int = 12,
    min_count: int = 1,
    title: str | None = None,
) -> Figure:
    """Draw the hand-over network of the busiest resources (a figure not registered with pyplot).

    The busiest resource (most hand-overs given and taken) sits in the middle, the next
    busiest on a circle around it, clockwise from the top; an arrow from giver to taker is as
    wide as its count (the widest labelled with it), and the two directions between a pair
    curve apart. A footnote says how many resources and hand-overs the drawing keeps.

    Parameters
    ----------
    table : pandas.DataFrame
        What :func:`handovers` returns.
    top : int
        Draw the ``top`` busiest resources.
    top_edges : int
        Draw at most this many hand-overs among them, the most frequent.
    labelled : int
        Write the count on this many of the widest arrows (the rest are read by width).
    min_count : int
        Leave out hand-overs seen fewer times than this.
    title : str, optional
        The figure's title (default "Hand-overs of work").

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"from_resource": ["APPLICANT", "PC-01"],
    ...                       "to_resource": ["PC-01", "APPLICANT"], "count": [12, 3]})
    >>> fig = handover_figure(table)
    >>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "resource")
    ['APPLICANT', 'PC-01']
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top!r}")
    shown, names, volume = _busiest(table, top=top, min_count=min_count)
    shown = shown.tail(top_edges)  # sorted thinnest first
    label_from = int(shown["count"].iloc[-labelled]) if 0 < labelled <= len(shown) else 0
    with viz_style():
        fig = Figure(figsize=(7.5, 7.5), facecolor="white")
        ax = fig.add_axes((0.02, 0.07, 0.96, 0.86))
        ax.set_xlim(-1.45, 1.45)
        ax.set_ylim(-1.45, 1.45)
        ax.set_aspect("equal")
        ax.set_axis_off()
        where = _hub_and_circle(names)
        widest = max(int(shown["count"].max()), 1) if len(shown) else 1
        biggest = max(volume.max(), 1) if len(volume) else 1
        area = {name: 300 + 500 * volume[name] / biggest for name in names}  # points²
        for row in shown.itertuples(index=False):
            ends = (where[row.from_resource], where[row.to_resource])
            # arrows stop at the node's rim: its radius in points, plus a gap
            shrink = (
                math.sqrt(area[row.from_resource]) / 2 + 3,
                math.sqrt(area[row.to_resource]) / 2 + 3,
            )
            _draw_handover(ax, ends, shrink, row.count, widest, label=row.count >= label_from)
        for name in names:
            _draw_resource(ax, name, where[name], area[name])
        fig.suptitle(title or "Hand-overs of work", x=0.03, ha="left", fontsize=14)
        fig.text(0.03, 0.02, _footnote(table, shown, names), fontsize=9, color="#555555")
    return fig


def _busiest(
    table: pd.DataFrame, *, top: int, min_count: int
) -> tuple[pd.DataFrame, list[str], pd.Series]:
    """The hand-overs among the ``top`` busiest resources, those resources and their volume."""
    kept = table[table["count"] >= min_count]
    volume = (
        pd.concat(
            [
                kept.groupby("from_resource")["count"].sum(),
                kept.groupby("to_resource")["count"].sum(),
            ]
        )
        .groupby(level=0)
        .sum()
    )
    volume = volume.sort_values(ascending=False, kind="stable")
    names = [str(name) for name in volume.index[:top]]
    volume.index = volume.index.map(str)
    shown = kept[kept["from_resource"].astype(str).isin(names)]
    shown = shown[shown["to_resource"].astype(str).isin(names)].copy()
    shown["from_resource"] = shown["from_resource"].astype(str)
    shown["to_resource"] = shown["to_resource"].astype(str)
    # thin arrows first, so the busiest hand-overs are drawn on top
    return shown.sort_values("count", kind="stable"), names, volume


def _hub_and_circle(names: list[str]) -> dict[str, tuple[float, float]]:
    """The busiest resource in the middle, the others on the unit circle clockwise from the top.

    Hand-over networks are usually hubs (an intake desk, the applicant): in the middle, its
    arrows are short spokes instead of chords crossing every other arrow.
    """
    if len(names) <= 2:
        return {name: (-0.8 + 1.6 * at, 0.0) for at, name in enumerate(names)}
    rim = names[1:]
    step = 2 * math.pi / len(rim)
    where = {name: (math.sin(at * step), math.cos(at * step)) for at, name in enumerate(rim)}
    return {names[0]: (0.0, 0.0), **where}


def _draw_handover(
    ax,
    ends: tuple[tuple[float, float], tuple[float, float]],
    shrink: tuple[float, float],
    count: int,
    widest: int,
    *,
    label: bool,
) -> None:
    giver, taker = ends
    width = 0.6 + 6.4 * count / widest
    if giver == taker:  # a resource following itself: a small loop outside the circle
        x, y = giver
        arrow = FancyArrowPatch(
            (x * 1.08 - 0.04 * y, y * 1.08 + 0.04 * x),
            (x * 1.08 + 0.04 * y, y * 1.08 - 0.04 * x),
            connectionstyle="arc3,rad=-2.2",
            arrowstyle="-|>",
            mutation_scale=12 + width,
            linewidth=width,
            color=PALETTE[0],
            alpha=0.7,
        )
        ax.add_patch(arrow)
        return
    arrow = FancyArrowPatch(
        giver,
        taker,
        connectionstyle="arc3,rad=0.18",  # the two directions of a pair curve apart
        arrowstyle="-|>",
        mutation_scale=12 + width,
        linewidth=width,
        shrinkA=shrink[0],
        shrinkB=shrink[1],
        color=PALETTE[0],
        alpha=0.7,
    )
    ax.add_patch(arrow)
    if not label:
        return
    mid_x, mid_y = (giver[0] + taker[0]) / 2, (giver[1] + taker[1]) / 2
    # the label sits on the arc's bulge (to the right of the giver → taker direction)
    dx, dy = taker[0] - giver[0], taker[1] - giver[1]
    label_x, label_y = mid_x + 0.09 * dy, mid_y - 0.09 * dx
    ax.text(
        label_x,
        label_y,
        f"{count:,}",
        ha="center",
        va="center",
        fontsize=8,
        color="#222222",
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        gid="count",
    )


def _draw_resource(ax, name: str, at: tuple[float, float], area: float) -> None:
    x, y = at
    ax.scatter(
        [x],
        [y],
        s=area,
        color=NEUTRAL,
        edgecolor=PALETTE[0],
        linewidth=1.5,
        zorder=3,
    )
    # names sit outside the circle, away from the arrows (the hub's above its node)
    hub = math.hypot(x, y) < 0.5
    ax.text(
        x * 1.16,
        y * 1.16 + (0.1 + math.sqrt(area) / 600 if hub else 0.0),
        name,
        ha="center" if abs(x) < 0.3 else ("left" if x > 0 else "right"),
        va="bottom" if hub else "center",
        fontsize=10,
        fontweight="bold",
        zorder=4,
        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        gid="resource",
    )


def _footnote(table: pd.DataFrame, shown: pd.DataFrame, names: list[str]) -> str:
    resources = pd.concat([table["from_resource"], table["to_resource"]]).nunique()
    total = int(table["count"].sum())
    kept = int(shown["count"].sum())
    share = f" ({kept / total:.0%})" if total else ""
    return (
        f"The {len(names)} busiest of {resources} resources and the {len(shown)} most frequent "
        f"of their hand-overs: {kept:,} of {total:,} hand-overs{share}.\n"
        "Arrow width: number of hand-overs (written on the widest); node size: hand-overs "
        "given and taken."
    )


__all__ = [
    "HANDOVER_COLUMNS",
    "handover_figure",
    "handovers",
]

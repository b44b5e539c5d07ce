"""Diverging stacked bars of rating-scale (Likert) answers, centred on the neutral midpoint.

Suppressed levels are never drawn as values: neighbouring hidden levels on one side form one
hatched block, otherwise the whole bar is hatched and labelled "suppressed".
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from research_kit.deprecation import renamed_keywords
from research_kit.viz._panels import panel_grid, row_labels, split_panels, wrap_label
from research_kit.viz.theme import (
    DIVERGING_NEGATIVE,
    DIVERGING_POSITIVE,
    NEUTRAL,
    PALETTE,
    SUPPRESSED_HATCH,
    percent_axis,
    style,
)


@renamed_keywords(level="category_column", group="by")
@style()
def likert_bars(
    summary: pd.DataFrame,
    *,
    order: Sequence[object],
    item: str | None = "item",
    category_column: str = "category",
    share: str = "share",
    by: str | None = None,
    suppressed: str = "suppressed",
    title: str | None = None,
    label_min: float = 0.08,
    wrap: int = 32,
    width: float = 9,
) -> Figure:
    """Diverging stacked bars of rating-scale answers, centred on the neutral midpoint.

    Each bar is one item (or, with ``by``, one group in a panel per item). Levels below the
    midpoint of ``order`` extend left of zero, levels above it right; a neutral middle level
    (odd-length scales) is split evenly across zero. Segments of at least ``label_min`` carry
    their percentage. Suppressed (or missing) levels are never drawn as values: when they are
    next to each other on one side of the midpoint they form one hatched block (its width, one
    minus the shown shares, is known from the table anyway) and the other levels keep their
    places; otherwise the shown levels cannot be placed and the whole bar is hatched and
    labelled "suppressed".

    Parameters
    ----------
    summary : DataFrame
        Tidy shares, e.g. :func:`research_kit.survey.likert.likert_summary`.
    order : sequence
        The scale from its lowest to its highest level; also the legend's order.
    item, category_column, share : str
        Columns of the item (None: one unnamed item), the point of the scale and the share
        (0–1).
    by : str, optional
        Column of groups: one bar per group, one panel per item.
    suppressed : str
        Boolean column of suppressed cells (optional).
    title : str, optional
        The figure's title.
    label_min : float
        Smallest share whose segment gets a percentage label.
    wrap : int
        Width at which long item and group labels wrap.
    width : float
        The figure's width in inches (the brief draws at its printed width, so the text
        prints at its own size).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> summary = pd.DataFrame({
    ...     "item": ["Staff were helpful"] * 3,
    ...     "category": ["Disagree", "Neutral", "Agree"],
    ...     "share": [0.2, 0.3, 0.5],
    ... })
    >>> fig = likert_bars(summary, order=["Disagree", "Neutral", "Agree"])
    >>> sorted(round(float(p.get_x()), 2) for p in fig.axes[0].patches)
    [-0.35, -0.15, 0.15]
    >>> plt.close(fig)
    """
    scale = list(order)
    if len(scale) < 2:
        raise ValueError("a rating scale needs at least two levels")
    data = summary[summary[category_column].isin(scale)]
    panels = split_panels(data, item if by is not None else None)
    row_column = by if by is not None else item
    colours = _diverging_colours(len(scale))
    fig, axes = panel_grid(panels, row_column, width=width, row_height=0.5, margin=1.2)
    layouts = []  # (axes, bar position, segments or None when the whole bar is hidden)
    for ax, (panel_title, frame) in zip(axes[:, 0], panels, strict=True):
        rows = row_labels(frame, row_column)
        for y, row in enumerate(rows):
            cells = frame if row_column is None else frame[frame[row_column] == row]
            values = _shares(
                cells, column=category_column, share=share, suppressed=suppressed, scale=scale
            )
            layouts.append((ax, y, _diverging_segments(values, colours)))
        ax.set_yticks(range(len(rows)), [wrap_label(row, wrap) for row in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        # Behind the bars: it marks the midpoint between bars without crossing the neutral
        # segment's percentage, which sits on it.
        ax.axvline(0, color="#444444", linewidth=0.8, zorder=0.5)
        ax.grid(axis="y", visible=False)
        ax.set_ylabel("")
        if panel_title is not None:
            ax.set_title(wrap_label(panel_title, 70), loc="left", fontsize=11)
    ends = [abs(edge) for *_, segments in layouts if segments for edge in _edges(segments)]
    limit = min(1.0, max(ends) + 0.05) if ends else 1.0
    for ax, y, segments in layouts:
        ax.set_xlim(-limit, limit)
        if segments is None:
            _suppressed_band(ax, y, limit)
            continue
        for left, width, colour in segments:
            if colour is None:
                ax.barh(
                    y,
                    width,
                    left=left,
                    height=0.7,
                    fill=False,
                    hatch=SUPPRESSED_HATCH,
                    edgecolor=PALETTE[6],
                    linewidth=0,
                )
                continue
            ax.barh(y, width, left=left, height=0.7, color=colour, edgecolor="white")
            if width >= label_min:
                ax.text(
                    left + width / 2,
                    y,
                    f"{width:.0%}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=_text_colour(colour),
                )
    hidden_any = any(
        segments is None or any(colour is None for *_, colour in segments)
        for *_, segments in layouts
    )
    percent_axis(axes[-1, 0].xaxis, unsigned=True)
    axes[-1, 0].set_xlabel("share of respondents who answered")
    handles = [
        Patch(facecolor=colour, edgecolor="white", label=wrap_label(value, 16))
        for value, colour in zip(scale, colours, strict=True)
    ]
    if hidden_any:
        handles.append(_suppressed_key(wrap=16))
    # One row in scale order (matplotlib fills legends column by column).
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
        fontsize=9,
    )
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


def _shares(
    cells: pd.DataFrame, *, column: str, share: str, suppressed: str, scale: list
) -> np.ndarray:
    """The bar's shares in scale order: 0 for absent levels, NaN for hidden ones."""
    if cells[column].duplicated().any():
        raise ValueError("several rows share one bar and level: pass by= (or filter the summary)")
    indexed = cells.set_index(column)
    values = pd.to_numeric(indexed[share], errors="coerce").astype(float)
    if suppressed in indexed:
        values = values.mask(indexed[suppressed].fillna(True).astype(bool).to_numpy())
    present = values.reindex(scale)
    listed = pd.Series(scale).isin(indexed.index).to_numpy()
    return np.where(listed, present.to_numpy(dtype=float), 0.0)


def _diverging_segments(
    shares: np.ndarray, colours: list[str]
) -> list[tuple[float, float, str | None]] | None:
    """``(left, width, colour)`` of each segment, hidden levels as one block (colour None).

    None when the hidden levels cannot be placed: they are not one run of neighbouring levels
    on one side of the midpoint (or the neutral midpoint itself is hidden).
    """
    size = len(shares)
    half = size // 2
    hidden = np.flatnonzero(np.isnan(shares))
    if len(hidden):
        contiguous = hidden[-1] - hidden[0] + 1 == len(hidden)
        one_side = hidden[-1] < half or hidden[0] >= size - half
        if not (contiguous and one_side):
            return None
    remainder = max(0.0, 1.0 - float(np.nansum(shares)))
    widths = np.where(np.isnan(shares), 0.0, shares)
    if len(hidden):
        widths[hidden[0]] = remainder
    neutral = widths[half] if size % 2 else 0.0
    left = -(widths[:half].sum() + neutral / 2)
    segments: list[tuple[float, float, str | None]] = []
    for index, (width, colour) in enumerate(zip(widths, colours, strict=True)):
        if len(hidden) and index in hidden[1:]:
            continue
        segments.append((left, float(width), None if index in hidden else colour))
        left += width
    return segments


def _edges(segments: list[tuple[float, float, str | None]]) -> tuple[float, float]:
    return segments[0][0], segments[-1][0] + segments[-1][1]


def _diverging_colours(size: int) -> list[str]:
    """Colours of a ``size``-level scale: reds, the neutral grey (odd sizes), blues."""
    # Short scales skip the palest tints so that neighbouring levels stay distinct.
    strongest_first = {1: (1,), 2: (1, 2), 3: (0, 1, 2), 4: (0, 1, 2, 3)}
    half = size // 2
    if half not in strongest_first:
        raise ValueError(f"scales of 2 to {2 * len(DIVERGING_NEGATIVE) + 1} levels are supported")
    negative = [DIVERGING_NEGATIVE[i] for i in strongest_first[half]]
    positive = [DIVERGING_POSITIVE[3 - i] for i in reversed(strongest_first[half])]
    return negative + ([NEUTRAL] if size % 2 else []) + positive


def _text_colour(colour: str) -> str:
    red, green, blue = to_rgb(colour)
    return "white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5 else "black"


def _suppressed_band(ax: plt.Axes, y: float, limit: float) -> None:
    ax.add_patch(
        Rectangle(
            (-limit * 0.98, y - 0.35),
            limit * 1.96,
            0.7,
            fill=False,
            hatch=SUPPRESSED_HATCH,
            edgecolor=PALETTE[6],
            linewidth=0,
        )
    )
    ax.text(
        0,
        y,
        "suppressed (too few people to show)",
        ha="center",
        va="center",
        fontsize=9,
        color="#444444",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
    )


def _suppressed_key(wrap: int = 80) -> Patch:
    return Patch(
        facecolor="white",
        edgecolor=PALETTE[6],
        hatch=SUPPRESSED_HATCH,
        label=wrap_label("suppressed (too few people to show)", wrap),
    )

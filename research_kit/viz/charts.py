"""General charts in the house style: bars, a heatmap with suppressed cells, lines.

Drawn from tidy DataFrames by column name, as seaborn does. Suppressed cells (too few people to
show) are hatched and labelled, never drawn as a value.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from research_kit.viz.theme import PALETTE, SUPPRESSED_HATCH, style


@style()
def bar_chart(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw horizontal bars of ``x`` (a number) for each ``y`` (a category), largest first.

    Examples
    --------
    >>> frame = pd.DataFrame({"ward": ["Ward 1", "Ward 2"], "n": [12, 30]})
    >>> ax = bar_chart(frame, x="n", y="ward", title="Respondents by ward")
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['Ward 2', 'Ward 1']
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.2))
    ordered = data.sort_values(x, ascending=False)
    sns.barplot(data=ordered, x=x, y=y, ax=ax, color=PALETTE[0], orient="h")
    ax.set_title(title, loc="left", fontweight="bold")
    ax.set_xlabel(x)
    ax.set_ylabel("")
    return ax


@style()
def heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    title: str,
    suppressed: str = "suppressed",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw a grid of ``value`` for each ``y`` (rows) × ``x`` (columns) from a long table.

    Used for code × attribute tables and code co-occurrence. Rows and columns keep the order in
    which they first appear in ``frame``. Cells flagged in the ``suppressed`` column (if the
    frame has one) are hatched and never show a number, whatever ``value`` holds; cells with
    no value are left blank.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "code": ["Waiting", "Waiting", "Cost", "Cost"],
    ...     "ward": ["Ward 1", "Ward 2", "Ward 1", "Ward 2"],
    ...     "n": [12, 3, 7, 9],
    ...     "suppressed": [False, True, False, False],
    ... })
    >>> ax = heatmap(frame, x="ward", y="code", value="n", title="Codes by ward")
    >>> sorted(text.get_text() for text in ax.texts)
    ['12', '7', '9']
    >>> plt.close("all")
    """
    columns = list(dict.fromkeys(frame[x]))
    rows = list(dict.fromkeys(frame[y]))
    numbers = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    hidden = (
        frame[suppressed].fillna(True).astype(bool)
        if suppressed in frame
        else pd.Series(False, index=frame.index)
    )
    grid = pd.DataFrame(np.nan, index=rows, columns=columns)
    flagged = pd.DataFrame(False, index=rows, columns=columns)
    for row, column, number, secret in zip(frame[y], frame[x], numbers, hidden, strict=True):
        if secret:
            flagged.loc[row, column] = True
        else:
            grid.loc[row, column] = number
    grid = grid.mask(flagged)
    if ax is None:
        width = min(3 + 0.9 * len(columns), 16)
        _, ax = plt.subplots(figsize=(width, 0.45 * len(rows) + 1.8))
    shown = grid.to_numpy()[~np.isnan(grid.to_numpy())]
    whole = shown.size > 0 and np.allclose(shown, np.round(shown))
    sns.heatmap(
        grid,
        ax=ax,
        mask=grid.isna(),
        annot=True,
        fmt=".0f" if whole or shown.size == 0 else ".2f",
        cmap=LinearSegmentedColormap.from_list("research_kit", ["#F4F7FB", PALETTE[0]]),
        vmin=0 if shown.size == 0 else min(0.0, float(shown.min())),
        vmax=1 if shown.size == 0 else float(shown.max()),
        linewidths=0.5,
        linecolor="white",
        cbar=shown.size > 0,
        cbar_kws={"label": value} if shown.size > 0 else None,
    )
    ax.grid(False)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            if flagged.loc[row, column]:
                ax.add_patch(
                    Rectangle(
                        (j, i),
                        1,
                        1,
                        fill=False,
                        hatch=SUPPRESSED_HATCH,
                        edgecolor=PALETTE[6],
                        linewidth=0,
                        label="suppressed",
                    )
                )
    if flagged.to_numpy().any():
        key = Patch(
            facecolor="white",
            edgecolor=PALETTE[6],
            hatch=SUPPRESSED_HATCH,
            label="suppressed (too few people to show)",
        )
        # On its own line between the title and the grid, so it never covers either.
        ax.legend(
            handles=[key],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            frameon=False,
            fontsize=9,
            borderaxespad=0.2,
            handletextpad=0.5,
            borderpad=0.0,
        )
    ax.set_title(title, loc="left", fontweight="bold", pad=24 if flagged.to_numpy().any() else 6)
    ax.set_xlabel(x)
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


@style()
def line_chart(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    hue: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw ``y`` against ``x`` as a line with a marker at each point (one line per ``hue``).

    Used for the saturation curve (cumulative codes per successive interview). The y axis
    starts at zero; whole-number axes get whole-number ticks.

    Examples
    --------
    >>> curve = pd.DataFrame({"interview": [1, 2, 3, 4], "cumulative_codes": [6, 9, 10, 10]})
    >>> ax = line_chart(curve, x="interview", y="cumulative_codes", title="Saturation")
    >>> ax.lines[0].get_ydata().tolist()
    [6.0, 9.0, 10.0, 10.0]
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    options = {"color": PALETTE[0]} if hue is None else {"hue": hue, "palette": list(PALETTE)}
    sns.lineplot(data=data, x=x, y=y, ax=ax, marker="o", **options)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_ylim(bottom=0)
    for axis, column in ((ax.xaxis, x), (ax.yaxis, y)):
        if pd.api.types.is_integer_dtype(data[column]):
            axis.set_major_locator(MaxNLocator(integer=True))
    return ax

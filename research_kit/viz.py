"""One chart style for every plot research_kit draws (notebooks, dashboards, PDF findings).

Colours come from Paul Tol's colour-blind-safe "bright" scheme (and his "BuRd" diverging scheme
for rating scales); text is large enough to read on a projector; charts are drawn from tidy
DataFrames by column name, as seaborn does. Suppressed cells (too few people to show) are
hatched and labelled, never drawn as a value.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from research_kit.deprecation import renamed_keywords

#: Paul Tol's "bright" qualitative scheme (colour-blind safe).
PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
#: Hatching that marks a suppressed cell (too few people to show).
SUPPRESSED_HATCH = "///"
#: Paul Tol's diverging "BuRd" scheme, negative (red) end first, without its white midpoint.
DIVERGING_NEGATIVE = ("#B2182B", "#D6604D", "#F4A582", "#FDDBC7")
DIVERGING_POSITIVE = ("#D1E5F0", "#92C5DE", "#4393C3", "#2166AC")
#: The neutral midpoint of a rating scale (Tol's light grey).
NEUTRAL = "#DDDDDD"


def _style_rc() -> dict[str, object]:
    """The matplotlib settings of research_kit's chart style, as a new dictionary.

    seaborn's "whitegrid" style and "notebook" context (text 10% larger), Tol's bright
    palette as the colour cycle, and text kept as text in SVG output.
    """
    rc: dict[str, object] = {}
    rc.update(sns.plotting_context("notebook", font_scale=1.1))
    rc.update(sns.axes_style("whitegrid"))
    rc["font.family"] = ["sans-serif"]
    rc["axes.prop_cycle"] = mpl.cycler(color=list(PALETTE))
    rc["patch.facecolor"] = PALETTE[0]
    # Keep text as text in SVG output: screen readers, search and copy-paste can reach it.
    rc["svg.fonttype"] = "none"
    return rc


@contextmanager
def style() -> Iterator[None]:
    """Apply research_kit's chart style inside a ``with`` block only.

    The user's own matplotlib and seaborn settings are untouched before and after: the style
    is a :func:`matplotlib.rc_context`. Every plotting function here draws inside it.

    Examples
    --------
    >>> import matplotlib
    >>> before = matplotlib.rcParams["axes.grid"]
    >>> with style():
    ...     matplotlib.rcParams["axes.grid"]
    True
    >>> matplotlib.rcParams["axes.grid"] == before
    True
    """
    with mpl.rc_context(_style_rc()):
        yield


def set_theme() -> None:
    """Deprecated: changes matplotlib's global settings; use ``with style():`` instead.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     with style():  # keep this example from changing the session's settings
    ...         set_theme()
    """
    warnings.warn(
        "research_kit.viz.set_theme() is deprecated and changes matplotlib's global settings; "
        "use `with research_kit.viz.style():` (every research_kit chart already draws in it)",
        DeprecationWarning,
        stacklevel=2,
    )
    mpl.rcParams.update(_style_rc())


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
    panels = _panels(data, item if by is not None else None)
    row_column = by if by is not None else item
    colours = _diverging_colours(len(scale))
    heights = [max(1, _distinct(frame, row_column)) for _, frame in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, 0.5 * sum(heights) + 0.9 * len(panels) + 1.2),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
    )
    layouts = []  # (axes, bar position, segments or None when the whole bar is hidden)
    for ax, (panel_title, frame) in zip(axes[:, 0], panels, strict=True):
        rows = _row_values(frame, row_column)
        for y, row in enumerate(rows):
            cells = frame if row_column is None else frame[frame[row_column] == row]
            values = _shares(
                cells, column=category_column, share=share, suppressed=suppressed, scale=scale
            )
            layouts.append((ax, y, _diverging_segments(values, colours)))
        ax.set_yticks(range(len(rows)), [_wrapped(row, wrap) for row in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.axvline(0, color="#444444", linewidth=0.8, zorder=3)
        ax.grid(axis="y", visible=False)
        ax.set_ylabel("")
        if panel_title is not None:
            ax.set_title(_wrapped(panel_title, 70), loc="left", fontsize=11)
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
    axes[-1, 0].xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{abs(value):.0%}"))
    axes[-1, 0].set_xlabel("share of respondents who answered")
    handles = [
        Patch(facecolor=colour, edgecolor="white", label=_wrapped(value, 16))
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


@renamed_keywords(group="by")
@style()
def share_by_group(
    breakdown: pd.DataFrame,
    *,
    category: object = None,
    by: str = "group",
    share: str = "share",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    significant: str = "significant",
    suppressed: str = "suppressed",
    category_column: str = "category",
    test: str | None = None,
    confidence: float | None = None,
    alpha: float | None = None,
    min_cell_size: int | None = None,
    title: str | None = None,
    wrap: int = 28,
) -> Figure:
    """A category's share by group with confidence intervals, groups that differ marked.

    One panel per category (only ``category`` when given): a point per group at its share, a
    line for its confidence interval (clipped to 0–100%), filled where the group differs
    significantly from the rest of respondents and hollow where it does not. Suppressed groups
    get no point, only the word "suppressed", whether they are small or hidden to protect a
    small one (a label that told the two apart would tell a reader which groups are small). A
    footnote names the test.

    Parameters
    ----------
    breakdown : DataFrame
        Tidy shares by group, e.g. :func:`research_kit.survey.breakdown.crosstab`.
    category : object, optional
        The category (cluster, level) to chart; all of them, a panel each, when None.
    by, share, ci_low, ci_high, significant, suppressed, category_column : str
        Column names. ``significant`` and ``suppressed`` are optional columns.
    test : str, optional
        The test to name in the footnote; by default the breakdown's ``test`` column.
    confidence, alpha, min_cell_size : optional
        The intervals' confidence, the significance level and the privacy threshold, for the
        footnote; by default the breakdown's column of that name, else 0.95, 0.05 and 5.
    title : str, optional
        The figure's title.
    wrap : int
        Width at which long group labels wrap.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> breakdown = pd.DataFrame({
    ...     "group": ["Ward 1", "Ward 2", "Ward 3"], "category": ["Parking"] * 3,
    ...     "share": [0.42, 0.18, None], "ci_low": [0.35, 0.12, None],
    ...     "ci_high": [0.49, 0.24, None], "significant": [True, False, None],
    ...     "suppressed": [False, False, True],
    ... })
    >>> fig = share_by_group(breakdown, category="Parking", test="two-proportion z-test")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['suppressed']
    >>> plt.close(fig)
    """
    data = breakdown
    if category is not None:
        data = data[data[category_column] == category]
        if data.empty:
            raise ValueError(f"no rows of category {category!r} in {category_column!r}")
    by_category = category is None and category_column in data.columns
    panels = _panels(data, category_column if by_category else None)
    heights = [max(1, _distinct(frame, by)) for _, frame in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(8, 0.45 * sum(heights) + 0.9 * len(panels) + 1.4),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
    )
    highest = 0.0
    any_hidden = False
    for ax, (panel_title, frame) in zip(axes[:, 0], panels, strict=True):
        rows = _row_values(frame, by)
        points = frame.drop_duplicates(by).set_index(by).reindex(rows)
        values = pd.to_numeric(points[share], errors="coerce").astype(float)
        hidden = values.isna().to_numpy().copy()
        if suppressed in points:
            hidden |= points[suppressed].fillna(True).astype(bool).to_numpy()
        flagged = (
            points[significant].fillna(False).astype(bool).to_numpy()
            if significant in points
            else np.zeros(len(rows), dtype=bool)
        )
        y = np.arange(len(rows))
        shown = ~hidden
        any_hidden |= bool(hidden.any())
        low = np.clip(pd.to_numeric(points[ci_low], errors="coerce").to_numpy(float), 0, 1)
        high = np.clip(pd.to_numeric(points[ci_high], errors="coerce").to_numpy(float), 0, 1)
        centre = values.to_numpy()
        if shown.any():
            ax.errorbar(
                centre[shown],
                y[shown],
                xerr=[centre[shown] - low[shown], high[shown] - centre[shown]],
                fmt="none",
                ecolor=PALETTE[0],
                elinewidth=1.6,
                capsize=3,
            )
            highest = max(highest, float(np.nanmax(high[shown])))
        for marks, face in ((shown & flagged, PALETTE[0]), (shown & ~flagged, "white")):
            if marks.any():
                ax.scatter(
                    centre[marks],
                    y[marks],
                    s=60,
                    facecolors=face,
                    edgecolors=PALETTE[0],
                    linewidths=1.6,
                    zorder=3,
                )
        # One label for every hidden group: telling small cells from their complements
        # ("n<5") would tell a reader which ones hold 1 to 4 people.
        for position in y[hidden]:
            ax.text(
                0.005,
                position,
                "suppressed",
                va="center",
                ha="left",
                fontsize=9,
                color="#555555",
                fontstyle="italic",
            )
        ax.set_yticks(y, [_wrapped(row, wrap) for row in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        if panel_title is not None:
            ax.set_title(_wrapped(panel_title, 70), loc="left", fontsize=11)
    axes[-1, 0].set_xlim(0, min(1.0, highest * 1.1 + 0.02) if highest else 1.0)
    axes[-1, 0].xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes[-1, 0].set_xlabel("share of respondents who answered")
    note = _share_footnote(
        data,
        test=test,
        confidence=_setting(data, "confidence", confidence, 0.95),
        alpha=_setting(data, "alpha", alpha, 0.05),
        min_cell_size=_setting(data, "min_cell_size", min_cell_size, 5),
        significant=significant in data.columns,
        any_hidden=any_hidden,
    )
    fig.supxlabel(
        textwrap.fill(note, 110, break_on_hyphens=False),
        x=0.01,
        ha="left",
        fontsize=8.5,
        color="#444444",
    )
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


def _setting(data: pd.DataFrame, column: str, given: object, default: object) -> object:
    """A chart setting: as given, else the table's column of that name, else the default."""
    if given is not None:
        return given
    if column in data.columns and data[column].notna().any():
        return data[column].dropna().iloc[0]
    return default


def _share_footnote(
    data: pd.DataFrame,
    *,
    test: str | None,
    confidence: float,
    alpha: float,
    min_cell_size: int,
    significant: bool,
    any_hidden: bool,
) -> str:
    """The footnote of :func:`share_by_group`: the intervals, the test and the suppression."""
    stated = _setting(data, "test", None, None)
    named = test or (str(stated) if stated is not None else None)
    note = f"Lines: {confidence:.0%} confidence intervals."
    if significant:
        note += (
            f" Filled: differs from the rest of respondents "
            f"({named or 'test not stated'}, p < {alpha:g}); hollow: no "
            f"significant difference."
        )
    if any_hidden:
        note += (
            f" Suppressed: fewer than {min_cell_size} people in a cell, or hidden so that such a"
            " cell cannot be worked out from the totals."
        )
    return note


def figure_svg(fig: Figure, alt: str = "") -> str:
    """A figure as inline SVG for HTML (Voila, PDF findings, widgets); the figure is closed.

    Text stays text (searchable, readable by screen readers), the drawing scales to its box,
    ids are unique to the drawing, and ``alt`` becomes its accessible name.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Waits")
    >>> svg = figure_svg(fig, "Median wait by step")
    >>> svg.startswith("<svg"), 'aria-label="Median wait by step"' in svg, ">Waits<" in svg
    (True, True, True)
    """
    buffer = io.StringIO()
    # The house style again while writing: SVG text names its font families at save time.
    with style(), plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "research_kit"}):
        fig.savefig(
            buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", facecolor="white"
        )
    plt.close(fig)
    return inline_svg(buffer.getvalue(), alt)


def inline_svg(svg: str, alt: str = "") -> str:
    """Make SVG text fit for inlining in HTML: no XML prologue, scalable, labelled for readers.

    Ids get a prefix unique to the drawing (matplotlib numbers them the same in every figure,
    and one HTML page holds several figures), and repeats inside one drawing are numbered.
    """
    svg = re.sub(r"^.*?(?=<svg\b)", "", svg, flags=re.S)
    svg = re.sub(r'(<svg\b[^>]*?)\s+width="[^"]*"\s+height="[^"]*"', r"\1", svg, count=1)
    prefix = "rk" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    seen: dict[str, int] = {}

    def rename(match: re.Match) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        suffix = "" if seen[name] == 1 else f"-{seen[name]}"
        return f'id="{prefix}{name}{suffix}"'

    svg = re.sub(r'\bid="([^"]+)"', rename, svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(
        r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg
    )
    label = html.escape(alt, quote=True)
    return re.sub(
        r"<svg\b([^>]*)>",
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}"><title>{label}</title>',
        svg,
        count=1,
    )


def _panels(data: pd.DataFrame, column: str | None) -> list[tuple[object, pd.DataFrame]]:
    """Split ``data`` by ``column`` in order of first appearance (one panel if None)."""
    if column is None or column not in data.columns:
        return [(None, data)]
    return [(value, data[data[column] == value]) for value in dict.fromkeys(data[column])]


def _row_values(frame: pd.DataFrame, column: str | None) -> list:
    if column is None or column not in frame.columns:
        return [""]
    return list(dict.fromkeys(frame[column]))


def _distinct(frame: pd.DataFrame, column: str | None) -> int:
    return len(_row_values(frame, column))


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


def _wrapped(label: object, width: int) -> str:
    return textwrap.fill(str(label), width=width) if label is not None else ""


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
        label=_wrapped("suppressed (too few people to show)", wrap),
    )

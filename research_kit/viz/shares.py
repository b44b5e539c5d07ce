"""A category's share by group with confidence intervals, the groups that differ marked.

Suppressed groups get no point, only the word "suppressed"; a footnote names the test, the
intervals' confidence and the privacy threshold, given as arguments or read from the
breakdown's columns (never from ``DataFrame.attrs``, which pandas drops).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from research_kit.deprecation import renamed_keywords
from research_kit.viz._panels import panel_grid, row_labels, split_panels, wrap_label
from research_kit.viz.theme import PALETTE, percent_axis, style


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
    width: float = 8,
    plain_footnote: bool = False,
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
    width : float
        The figure's width in inches (the brief draws at its printed width, so the text
        prints at its own size).
    plain_footnote : bool
        Say in plain words what the lines and dots mean instead of naming the test (for
        readers who are not statisticians; name the test elsewhere, e.g. a method appendix).

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
    >>> import matplotlib.pyplot as plt
    >>> plt.close(fig)
    """
    data = breakdown
    if category is not None:
        data = data[data[category_column] == category]
        if data.empty:
            raise ValueError(f"no rows of category {category!r} in {category_column!r}")
    by_category = category is None and category_column in data.columns
    panels = split_panels(data, category_column if by_category else None)
    fig, axes = panel_grid(panels, by, width=width, row_height=0.45, margin=1.4)
    columns = _Columns(share, ci_low, ci_high, significant, suppressed)
    highest = 0.0
    any_hidden = False
    for ax, (panel_title, frame) in zip(axes[:, 0], panels, strict=True):
        panel_highest, panel_hidden = _draw_panel(ax, frame, by=by, columns=columns, wrap=wrap)
        highest = max(highest, panel_highest)
        any_hidden |= panel_hidden
        if panel_title is not None:
            ax.set_title(wrap_label(panel_title, 70), loc="left", fontsize=11)
    axes[-1, 0].set_xlim(0, min(1.0, highest * 1.1 + 0.02) if highest else 1.0)
    percent_axis(axes[-1, 0].xaxis)
    axes[-1, 0].set_xlabel("share of respondents who answered")
    note = _share_footnote(
        data,
        test=test,
        confidence=_setting(data, "confidence", confidence, 0.95),
        alpha=_setting(data, "alpha", alpha, 0.05),
        min_cell_size=_setting(data, "min_cell_size", min_cell_size, 5),
        significant=significant in data.columns,
        any_hidden=any_hidden,
        plain=plain_footnote,
    )
    fig.supxlabel(
        # about as many characters a line as the 8.5 pt note fits across the figure
        textwrap.fill(note, round(110 * width / 8), break_on_hyphens=False),
        x=0.01,
        ha="left",
        fontsize=8.5,
        color="#444444",
    )
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


@dataclass(frozen=True)
class _Columns:
    """The breakdown's columns a panel is drawn from."""

    share: str
    ci_low: str
    ci_high: str
    significant: str
    suppressed: str


def _draw_panel(
    ax: Axes, frame: pd.DataFrame, *, by: str, columns: _Columns, wrap: int
) -> tuple[float, bool]:
    """One panel's points and intervals; returns its highest interval end and whether any
    group is hidden."""
    rows = row_labels(frame, by)
    points = frame.drop_duplicates(by).set_index(by).reindex(rows)
    values = pd.to_numeric(points[columns.share], errors="coerce").astype(float)
    hidden = values.isna().to_numpy().copy()
    if columns.suppressed in points:
        hidden |= points[columns.suppressed].fillna(True).astype(bool).to_numpy()
    flagged = (
        points[columns.significant].fillna(False).astype(bool).to_numpy()
        if columns.significant in points
        else np.zeros(len(rows), dtype=bool)
    )
    y = np.arange(len(rows))
    shown = ~hidden
    highest = 0.0
    low = np.clip(pd.to_numeric(points[columns.ci_low], errors="coerce").to_numpy(float), 0, 1)
    high = np.clip(pd.to_numeric(points[columns.ci_high], errors="coerce").to_numpy(float), 0, 1)
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
        highest = float(np.nanmax(high[shown]))
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
    ax.set_yticks(y, [wrap_label(row, wrap) for row in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    return highest, bool(hidden.any())


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
    plain: bool = False,
) -> str:
    """The footnote of :func:`share_by_group`: the intervals, the test and the suppression."""
    if plain:
        return _plain_footnote(confidence, min_cell_size, significant, any_hidden)
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


def _plain_footnote(
    confidence: float, min_cell_size: int, significant: bool, any_hidden: bool
) -> str:
    """The footnote of :func:`share_by_group` in plain words, naming no test."""
    note = f"Lines show the range the true share is likely in ({confidence:.0%} of the time)."
    if significant:
        note += (
            " A filled dot marks a group that differs from everyone else by more than chance"
            " would explain; a hollow dot, one that does not."
        )
    if any_hidden:
        note += (
            f" Suppressed: fewer than {min_cell_size} people, or hidden so that such a small"
            " group cannot be worked out from the totals."
        )
    return note

"""One chart style for every plot research_kit draws (notebooks, dashboards, PDF findings).

Colours come from Paul Tol's colour-blind-safe "bright" scheme; text is large enough to read on
a projector; charts are drawn from tidy DataFrames by column name, as seaborn does.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

#: Paul Tol's "bright" qualitative scheme (colour-blind safe).
PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")


def set_theme() -> None:
    """Apply research_kit's chart style to matplotlib and seaborn."""
    sns.set_theme(context="notebook", style="whitegrid", palette=list(PALETTE), font_scale=1.1)
    # Keep text as text in SVG output: screen readers, search and copy-paste can reach it.
    plt.rcParams["svg.fonttype"] = "none"


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
    set_theme()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.2))
    ordered = data.sort_values(x, ascending=False)
    sns.barplot(data=ordered, x=x, y=y, ax=ax, color=PALETTE[0], orient="h")
    ax.set_title(title, loc="left", fontweight="bold")
    ax.set_xlabel(x)
    ax.set_ylabel("")
    return ax

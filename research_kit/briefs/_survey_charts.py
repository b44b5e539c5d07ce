"""Charts of the survey parts of a brief: a rated item's agreement and a theme's share, by group.

Each figure is drawn in the house style (:mod:`research_kit.viz`) from a table already
protected for the brief, and comes with alt text that says what it shows and a caption.
Private to :mod:`research_kit.briefs`; :mod:`research_kit.briefs._survey_findings` calls them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from research_kit import viz
from research_kit.briefs._survey_cells import box_words, versus, with_hidden
from research_kit.briefs.content import GROUP_LABELS, PRINT_WIDTH, FigureSpec, wrap
from research_kit.errors import ResearchKitError
from research_kit.survey.breakdown import crosstab

__all__ = ["agreement_by_group_figure", "theme_by_group_figure"]


def agreement_by_group_figure(
    chart: pd.DataFrame, item: str, label: str, min_cell_size: int
) -> FigureSpec:
    """The dot chart of an item's agreement by group, with its alt text and caption."""
    with plt.rc_context({"text.parse_math": False}):
        fig = viz.share_by_group(
            chart,
            category=item,
            category_column="item",
            min_cell_size=min_cell_size,
            title=wrap(f"\u201c{item}\u201d: {box_words(chart)}, by {label.lower()}", 60),
            width=PRINT_WIDTH,
            plain_footnote=True,  # the test is named in the method section
        )
    parts = []
    for row in chart.itertuples():
        if row.suppressed:
            parts.append(f"{row.group} suppressed")
            continue
        text = f"{row.group} {row.share:.0%} (\u00b1{row.margin_of_error * 100:.0f})"
        if versus(row.significant, row.difference) != "no clear difference":
            text += f", {versus(row.significant, row.difference)} than the rest"
        parts.append(text)
    alt = (
        f"Dot chart of the share answering {box_words(chart)} to \u201c{item}\u201d by "
        f"{label.lower()}, with 95% confidence intervals: " + "; ".join(parts) + "."
    )
    caption = (
        f"The statement with the least agreement, by {label.lower()}: each dot is a group's "
        "share with its 95% confidence interval; filled dots differ significantly from the "
        "rest of respondents. Groups too small to show are labelled suppressed."
    )
    return FigureSpec(viz.figure_svg(fig, alt), alt, caption)


def theme_by_group_figure(
    assigned: pd.DataFrame,
    clusters: list,
    cluster: int,
    name: str,
    *,
    group: str,
    plan,
    where: dict,
    min_cell_size: int,
    calibrated_on: tuple[str, ...] = (),
) -> FigureSpec | None:
    """The share of answers in one theme by group, as :meth:`QuestionThemes.shares` breaks it
    down (``name``: the theme as readers see it), with the plan's hidden groups hidden."""
    label = GROUP_LABELS[group].lower()
    if group not in assigned.columns:
        return None
    weights = assigned["weight"] if "weight" in assigned.columns else None
    try:
        breakdown = crosstab(
            assigned,
            "cluster",
            group,
            weights=weights,
            levels=clusters,
            min_cell_size=min_cell_size,
            calibrated_on=calibrated_on,
        )
    except ResearchKitError:
        return None
    breakdown = breakdown[breakdown["category"] == cluster]
    hidden = [_group_share_hidden(plan, cluster, group, str(g), where) for g in breakdown["group"]]
    breakdown = with_hidden(breakdown, hidden, n=True)
    chart = breakdown[breakdown["category"] == cluster]
    if chart.empty or chart["suppressed"].all():
        return None
    with plt.rc_context({"text.parse_math": False}):
        fig = viz.share_by_group(
            breakdown,
            category=cluster,
            min_cell_size=min_cell_size,
            title=wrap(f"Answers in the theme \u201c{name}\u201d, by {label}", 60),
            width=PRINT_WIDTH,
            plain_footnote=True,  # the test is named in the method section
        )
    parts = [
        f"{row.group} suppressed"
        if row.suppressed
        else f"{row.group} {row.share:.0%} (\u00b1{row.margin_of_error * 100:.0f})"
        for row in chart.itertuples()
    ]
    alt = (
        f"Dot chart of the share of answers in the theme \u201c{name}\u201d by {label}, with "
        "95% confidence intervals: " + "; ".join(parts) + "."
    )
    caption = (
        f"The most common theme across all wards, by {label}: each dot is a group's share "
        "of answers in it, with its 95% confidence interval; filled dots differ significantly "
        "from the rest of respondents. Groups too small to show are labelled suppressed."
    )
    return FigureSpec(viz.figure_svg(fig, alt), alt, caption)


def _group_share_hidden(plan, chosen, group: str, value: str, where: dict) -> bool:
    """Whether one group's share of answers in the plan's theme must be hidden."""
    if group == "ward":
        cell = {"ward": value}
        return plan.share_hidden({**cell, "outcome": str(chosen)}, {**cell, "status": "answered"})
    cell = {**where, "group": value}
    return plan.share_hidden({**cell, "theme": "top"}, cell)

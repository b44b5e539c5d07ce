"""One chart style for every plot research_kit draws (notebooks, dashboards, PDF findings).

Colours come from Paul Tol's colour-blind-safe "bright" scheme (and his "BuRd" diverging scheme
for rating scales); text is large enough to read on a projector; charts are drawn from tidy
DataFrames by column name, as seaborn does. Suppressed cells (too few people to show) are
hatched and labelled, never drawn as a value. Its parts, one concept each:

- :mod:`~research_kit.viz.theme`: the palette, :func:`style`, the house style applied in a
  ``with`` block, never to the user's global settings, and :func:`percent_axis`.
- :mod:`~research_kit.viz.charts`: :func:`bar_chart`, :func:`heatmap`, :func:`line_chart`.
- :mod:`~research_kit.viz.likert`: :func:`likert_bars`, diverging bars of rating scales.
- :mod:`~research_kit.viz.shares`: :func:`share_by_group`, a share by group with intervals.
- :mod:`~research_kit.viz.svg`: :func:`figure_svg` and :func:`inline_svg`, figures for HTML;
  :func:`renamed_ids`, the same drawing twice in one page.

Import from here: ``from research_kit.viz import bar_chart, style``.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> with style():
...     fig, ax = plt.subplots()
>>> figure_svg(fig, "An empty chart").startswith("<svg")
True
"""

from __future__ import annotations

from research_kit.viz.charts import bar_chart, heatmap, line_chart
from research_kit.viz.likert import likert_bars
from research_kit.viz.shares import share_by_group
from research_kit.viz.svg import figure_svg, inline_svg, renamed_ids
from research_kit.viz.theme import (
    DIVERGING_NEGATIVE,
    DIVERGING_POSITIVE,
    NEUTRAL,
    PALETTE,
    SUPPRESSED_HATCH,
    percent_axis,
    set_theme,
    style,
)

__all__ = [
    "DIVERGING_NEGATIVE",
    "DIVERGING_POSITIVE",
    "NEUTRAL",
    "PALETTE",
    "SUPPRESSED_HATCH",
    "bar_chart",
    "figure_svg",
    "heatmap",
    "inline_svg",
    "likert_bars",
    "line_chart",
    "percent_axis",
    "renamed_ids",
    "set_theme",
    "share_by_group",
    "style",
]

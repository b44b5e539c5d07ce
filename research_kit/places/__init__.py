"""Places and equity: disparity measures by place or by any group of people.

- :mod:`~research_kit.places.disparity`: :func:`disparity` (rate ratio and rate difference
  against a reference, with intervals), :func:`disparity_summary` (index of disparity, Theil's
  index between and within groups), :func:`disparity_sentence` (one comparison in plain
  language, margin of error included). Suppressed groups never enter any of them.

Import from here: ``from research_kit.places import disparity``.
"""

from research_kit.places.disparity import (
    DISPARITY_COLUMNS,
    SUMMARY_COLUMNS,
    disparity,
    disparity_sentence,
    disparity_summary,
)

__all__ = [
    "DISPARITY_COLUMNS",
    "SUMMARY_COLUMNS",
    "disparity",
    "disparity_sentence",
    "disparity_summary",
]

"""Places and equity: boundary files, choropleth maps and disparity measures by place or group.

- :mod:`~research_kit.places.boundaries`: :func:`read_boundaries` (GeoJSON in WGS84
  longitude/latitude, one shape per place), :func:`boundary_problems` and :func:`check`
  (``research-kit check``: every ward has a shape, valid geometry, longitude/latitude).
- :mod:`~research_kit.places.classes`: :func:`class_breaks` (quantiles, natural breaks, fixed).
- :mod:`~research_kit.places.choropleth`: :func:`choropleth`, any tidy breakdown keyed by place
  as a map (:class:`PlaceMap`: static SVG/PNG/PDF and an offline interactive SVG).
- :mod:`~research_kit.places.disparity`: :func:`disparity` (rate ratio and rate difference
  against a reference, with intervals), :func:`disparity_summary` (index of disparity, Theil's
  index between and within groups), :func:`disparity_sentence` (one comparison in plain
  language, margin of error included). Suppressed groups never enter any of them.

Examples
--------
>>> from research_kit import places
>>> places.class_breaks([1, 2, 3, 4], k=2).tolist()
[1.0, 2.5, 4.0]
"""

from __future__ import annotations

# Maps: boundaries, class breaks, choropleths.
from research_kit.places.boundaries import boundary_problems, check, place_key, read_boundaries
from research_kit.places.choropleth import PlaceMap, choropleth
from research_kit.places.classes import SCHEMES, class_breaks

# Disparity: ratios, differences and indices by place or group.
from research_kit.places.disparity import (
    DISPARITY_COLUMNS,
    SUMMARY_COLUMNS,
    disparity,
    disparity_sentence,
    disparity_summary,
)

__all__ = [
    "DISPARITY_COLUMNS",
    "SCHEMES",
    "SUMMARY_COLUMNS",
    "PlaceMap",
    "boundary_problems",
    "check",
    "choropleth",
    "class_breaks",
    "disparity",
    "disparity_sentence",
    "disparity_summary",
    "place_key",
    "read_boundaries",
]

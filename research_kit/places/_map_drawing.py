"""Drawing shapes with matplotlib (private to :mod:`research_kit.places`).

A shapely Polygon or MultiPolygon becomes one compound :class:`~matplotlib.path.Path`: each
exterior ring counter-clockwise and each hole clockwise, so holes stay empty under either fill
rule. Longitude/latitude is drawn with a local equirectangular aspect (a degree of longitude is
``cos(latitude)`` of a degree of latitude), which is right to within a hair at city scale.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.path import Path as MplPath
from shapely.geometry.polygon import orient

__all__ = ["geometry_path", "local_aspect", "text_colour"]


def geometry_path(geometry) -> MplPath:
    """One matplotlib path for a Polygon or MultiPolygon, holes kept as holes."""
    polygons = getattr(geometry, "geoms", [geometry])
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        polygon = orient(polygon, sign=1.0)
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return MplPath(np.zeros((0, 2)))
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def local_aspect(latitude: float) -> float:
    """The y/x aspect that draws longitude/latitude near ``latitude`` without stretching."""
    return 1 / max(math.cos(math.radians(latitude)), 0.05)


def text_colour(background: str | tuple) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG relative luminance)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in to_rgb(background))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05): equal at L ≈ 0.179.
    return "black" if luminance > 0.179 else "white"

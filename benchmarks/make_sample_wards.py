"""Make the bundled sample city's ward shapes (``interview_data/places/wards.geojson``), once.

Port Alder is fictional, so its wards are too: a Voronoi diagram of six seed points clipped
to an irregular city outline (a noisy ellipse with a bay bitten out of its west shore), with a
seeded random generator so the file is the same every time. The committed file is the output;
run this again only to change the shapes:

    python benchmarks/make_sample_wards.py

:func:`voronoi_places` also makes the 1,000 synthetic census tracts of ``bench_maps.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, mapping

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "interview_data" / "places" / "wards.geojson"
#: A made-up place on the Pacific coast (the sample's time zone is America/Los_Angeles).
CENTRE = (-123.05, 46.95)


def city_outline(rng: np.random.Generator, *, radius: float = 0.06) -> Polygon:
    """An irregular city outline in longitude/latitude: a wobbly ellipse minus a bay."""
    angles = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    wobble = 1 + 0.08 * np.sin(3 * angles + rng.uniform(0, 6)) + rng.normal(0, 0.02, 90)
    # A degree of longitude is shorter than one of latitude this far north.
    x = CENTRE[0] + radius * 1.4 * wobble * np.cos(angles) / np.cos(np.radians(CENTRE[1]))
    y = CENTRE[1] + radius * wobble * np.sin(angles)
    outline = Polygon(np.column_stack([x, y])).buffer(0)
    bay = Point(CENTRE[0] - radius * 1.9, CENTRE[1] - radius * 0.15).buffer(radius * 0.55)
    return outline.difference(bay)


def voronoi_places(outline: Polygon, n: int, rng: np.random.Generator) -> list:
    """``n`` places tiling ``outline``: Voronoi cells of random seed points inside it."""
    xmin, ymin, xmax, ymax = outline.bounds
    seeds: list[Point] = []
    while len(seeds) < n:
        candidates = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * n, 2))
        inside = shapely.contains_xy(outline, candidates[:, 0], candidates[:, 1])
        seeds += [Point(xy) for xy in candidates[inside]]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds[:n]), extend_to=outline)
    ordered = sorted(cells.geoms, key=lambda cell: (-cell.centroid.y, cell.centroid.x))
    return [shapely.set_precision(cell.intersection(outline), 1e-6) for cell in ordered]


def main() -> None:
    rng = np.random.default_rng(20260406)
    wards = voronoi_places(city_outline(rng), 6, rng)
    features = [
        {
            "type": "Feature",
            "properties": {"ward": f"Ward {number}"},
            "geometry": mapping(shapely.make_valid(ward)),
        }
        for number, ward in enumerate(wards, start=1)
    ]
    collection = {
        "type": "FeatureCollection",
        "name": "Port Alder wards (fictional, made by benchmarks/make_sample_wards.py)",
        "features": features,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(features)} wards")


if __name__ == "__main__":
    main()

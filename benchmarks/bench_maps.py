"""Choropleth drawing time: the largest real boundary file and 1,000 synthetic census tracts.

The real file is New York City's 51 council districts at full detail (3.6 MB of GeoJSON,
about 92,000 exterior vertices; ``../shared/data/geo/``, skipped when absent). The synthetic
one is 1,000 Voronoi "tracts" of seeded random points clipped to a city outline
(``make_sample_wards.voronoi_places``), written as GeoJSON first so reading is timed too. For
each we time (best of 2, wall clock) reading the file, drawing the map (classes, patches,
labels, legend) and writing it as the interactive SVG and as a 200 dpi PNG.

Run it alone as ``python benchmarks/bench_maps.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import mapping

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for folder in (ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from make_sample_wards import city_outline, voronoi_places  # noqa: E402

from research_kit.places import choropleth, read_boundaries  # noqa: E402

SECTION = "maps"
NYC = ROOT.parent / "shared" / "data" / "geo" / "nyc_council_districts_2013_2023.geojson"
TRACTS = 1000


def best_of(func: Callable[[], object], repeat: int = 2) -> tuple[float, object]:
    """The shortest wall-clock time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return min(times), result


def synthetic_tracts(folder: Path, count: int = TRACTS) -> Path:
    """``count`` tract shapes tiling a made-up city, as a GeoJSON file (seeded)."""
    rng = np.random.default_rng(1000)
    outline = city_outline(rng, radius=0.25)
    features = [
        {"type": "Feature", "properties": {"tract": f"T{i:04d}"}, "geometry": mapping(cell)}
        for i, cell in enumerate(voronoi_places(outline, count, rng), start=1)
    ]
    path = folder / "tracts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _time_map(label: str, path: Path, key: str, folder: Path) -> list[tuple[str, str, float, str]]:
    read_s, shapes = best_of(lambda: read_boundaries(path, key=key))
    rng = np.random.default_rng(7)
    table = pd.DataFrame({key: shapes["place"], "rate": rng.gamma(2.0, 10.0, len(shapes)), "n": 50})
    draw_s, drawn = best_of(
        lambda: choropleth(
            table, "rate", boundaries=shapes, place=key, scheme="natural_breaks", title=label
        )
    )
    svg_s, svg = best_of(drawn.svg)
    png_s, _ = best_of(lambda: drawn.save(folder / f"{key}.png"))
    return [
        (SECTION, f"{label}: shapes", len(shapes), "shapes"),
        (SECTION, f"{label}: read GeoJSON", read_s, "s"),
        (SECTION, f"{label}: draw the map", draw_s, "s"),
        (SECTION, f"{label}: interactive SVG", svg_s, "s"),
        (SECTION, f"{label}: interactive SVG size", len(svg.encode()) / 1e6, "MB"),
        (SECTION, f"{label}: PNG, 200 dpi", png_s, "s"),
        (SECTION, f"{label}: total, read to SVG", read_s + draw_s + svg_s, "s"),
    ]


def figures() -> list[tuple[str, str, float, str]]:
    """Time the NYC districts and 1,000 synthetic tracts; return (section, name, value, unit)."""
    rows: list[tuple[str, str, float, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if NYC.exists():
            rows += _time_map("NYC 51 districts, full detail", NYC, "district", folder)
        else:
            rows.append((SECTION, f"{NYC.name} not found: skipped", float("nan"), ""))
        rows += _time_map(f"{TRACTS:,} synthetic tracts", synthetic_tracts(folder), "tract", folder)
    return rows


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:6} {name:55} {value:10.3f} {unit}")

"""Process drawings: drawing time, print size and shape of mined maps and the swimlane.

Draws (best of 3, wall clock) the dense real map — ``receipt.csv`` of the shared reference
data, 27 activities and 114 arrows with its start and end — the bundled mined map
(``interview_data/process/permit_events.csv``) and the bundled swimlane
(``permit_process.yml``): as one long drawing (no page) and fitted to a letter page in both
orientations, and the swimlane cut into pages at full size (``swimlane_pages``). For each
it reports the seconds to draw (figure and SVG text), the figure's aspect ratio (width /
height), and on a page the smallest text at print size (the smallest
font of the figure times the scale it prints at, never enlarged) and, for mined maps, how much
of the map is shown. Without the reference data only the bundled figures are reported.

Run it alone as ``python benchmarks/bench_process_maps.py``.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit.process import (
    directly_follows,
    end_activities,
    process_map_figure,
    process_map_fit,
    read_event_log,
    read_process_map,
    start_activities,
    swimlane_figure,
    swimlane_fit,
    swimlane_pages,
)
from research_kit.process.render import process_map_svg

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "interview_data" / "process"
DENSE_LOG = ROOT.parent / "shared" / "data" / "process" / "receipt.csv"
SECTION = "process maps (drawing, print size)"
PAGES = {"letter portrait": (6.5, 9.0), "letter landscape": (9.0, 6.5)}
REPEATS = 3


def best_of(func: Callable[[], object]) -> tuple[float, object]:
    """The shortest of ``REPEATS`` wall-clock runs, and the last result."""
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return min(times), result


def smallest_at_print(fig, page: tuple[float, float]) -> float:
    """The smallest text of a figure, in points, printed on a text block of ``page`` inches."""
    width, height = fig.get_size_inches()
    scale = min(page[0] / width, page[1] / height, 1.0)
    return min(t.get_fontsize() for t in fig.axes[0].texts if t.get_text().strip()) * scale


def mined(path: Path) -> dict:
    log = read_event_log(path)
    return {
        "dfg": directly_follows(log),
        "starts": start_activities(log),
        "ends": end_activities(log),
        "metric": "both",
    }


def map_rows(name: str, options: dict) -> list[tuple[str, str, float, str]]:
    arrows = len(options["dfg"]) + len(options["starts"]) + len(options["ends"])
    rows = [(SECTION, f"{name}: arrows", arrows, "edges")]
    seconds, fig = best_of(lambda: process_map_figure(**options))
    width, height = fig.get_size_inches()
    rows.append((SECTION, f"{name}: draw, one long map (figure)", seconds, "s"))
    rows.append(
        (
            SECTION,
            f"{name}: draw, one long map (SVG)",
            best_of(lambda: process_map_svg(**options))[0],
            "s",
        )
    )
    rows.append((SECTION, f"{name}: aspect, one long map", width / height, "w/h"))
    for page_name, page in PAGES.items():
        key = page_name.replace(" ", "-")
        seconds, fig = best_of(lambda key=key: process_map_figure(**options, page=key))
        width, height = fig.get_size_inches()
        fit = process_map_fit(**options, page=key).iloc[0]
        rows += [
            (SECTION, f"{name}: draw fitted to {page_name}", seconds, "s"),
            (
                SECTION,
                f"{name}: smallest text at print, {page_name}",
                smallest_at_print(fig, page),
                "pt",
            ),
            (SECTION, f"{name}: aspect, {page_name}", width / height, "w/h"),
            (
                SECTION,
                f"{name}: direction and rows, {page_name}",
                fit["rows"],
                f"rows {fit['direction']}",
            ),
            (
                SECTION,
                f"{name}: activities shown, {page_name}",
                fit["activities_shown"],
                f"of {fit['activities_total']}",
            ),
            (
                SECTION,
                f"{name}: paths shown, {page_name}",
                fit["paths_shown"],
                f"of {fit['paths_total']}",
            ),
            (SECTION, f"{name}: events covered, {page_name}", 100 * fit["events_covered"], "%"),
        ]
    return rows


def swimlane_rows() -> list[tuple[str, str, float, str]]:
    spec = read_process_map(SAMPLE / "permit_process.yml")
    seconds, fig = best_of(lambda: swimlane_figure(spec))
    width, height = fig.get_size_inches()
    rows = [
        (SECTION, "bundled swimlane: draw, one long drawing", seconds, "s"),
        (SECTION, "bundled swimlane: aspect, one long drawing", width / height, "w/h"),
        (
            SECTION,
            "bundled swimlane: smallest text at print, letter portrait, unfitted",
            smallest_at_print(fig, PAGES["letter portrait"]),
            "pt",
        ),
    ]
    for page_name, page in PAGES.items():
        key = page_name.replace(" ", "-")
        with warnings.catch_warnings():  # it says when the map cannot print at 7 pt
            warnings.simplefilter("ignore", UserWarning)
            seconds, fig = best_of(lambda key=key: swimlane_figure(spec, page=key))
        width, height = fig.get_size_inches()
        fit = swimlane_fit(spec, page=key).iloc[0]
        rows += [
            (SECTION, f"bundled swimlane: draw fitted to {page_name}", seconds, "s"),
            (
                SECTION,
                f"bundled swimlane: smallest text at print, {page_name}",
                smallest_at_print(fig, page),
                "pt",
            ),
            (SECTION, f"bundled swimlane: aspect, {page_name}", width / height, "w/h"),
            (
                SECTION,
                f"bundled swimlane: direction and rows, {page_name}",
                fit["rows"],
                f"rows {fit['direction']}",
            ),
        ]
    return rows + swimlane_page_rows(spec)


def swimlane_page_rows(spec) -> list[tuple[str, str, float, str]]:
    """The swimlane over several pages at full size: pages, smallest text, drawing time."""
    rows = []
    for page_name, page in PAGES.items():
        key = page_name.replace(" ", "-")
        seconds, figs = best_of(lambda key=key: swimlane_pages(spec, page=key))
        name = f"bundled swimlane on {page_name} pages"
        rows += [
            (SECTION, f"{name}: draw all pages", seconds, "s"),
            (SECTION, f"{name}: pages", len(figs), "pages"),
            (
                SECTION,
                f"{name}: smallest text at print, smallest page",
                min(smallest_at_print(fig, page) for fig in figs),
                "pt",
            ),
        ]
    return rows


def figures() -> list[tuple[str, str, float, str]]:
    """Drawing times, print sizes and aspect ratios; return (section, name, value, unit)."""
    rows = []
    if DENSE_LOG.is_file():
        rows += map_rows("dense real map (receipt.csv)", mined(DENSE_LOG))
    else:
        rows.append((SECTION, f"{DENSE_LOG} not found: bundled maps only", float("nan"), ""))
    rows += map_rows("bundled mined map", mined(SAMPLE / "permit_events.csv"))
    rows += swimlane_rows()
    return rows


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:38} {name:70} {value:10.3f} {unit}")

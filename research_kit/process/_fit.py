"""Fitting a process drawing to a page: direction, rows, and for dense maps fewer paths.

A drawing printed on a page is scaled to the page's text block, and its type shrinks with it.
:func:`fit_swimlane` and :func:`fit_mined` lay a drawing out left to right and top to bottom,
wrapped into 1, 2, 3 … rows (:mod:`._arrange`), and keep the layout that prints largest; a
layout that fits the page prints at full size, so no text falls under its drawn size (at least
7 pt). Among layouts that fit, the one with fewest rows wins, and on a tie top to bottom on a
portrait page and left to right on a landscape one. When nothing fits, a mined map is
simplified, Disco-style, step by step — fewer paths (:func:`~research_kit.process.filter_paths`,
which keeps the map connected), then only the most frequent activities — until it fits, and
the figure states what it shows ("showing 22 of 27 activities and 60 of 114 paths, covering
96% of events"). Internal to the process package.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import pandas as pd

from research_kit.process._draw import figure_height
from research_kit.process._layout import activity_counts, mined_scene, swimlane_scene
from research_kit.process._scene import Scene
from research_kit.process._style import SMALLEST_PT
from research_kit.process.filters import filter_paths
from research_kit.process.spec import ProcessMap

#: Paper sizes in inches (portrait), printed with a one-inch margin all round.
PAPER = {"letter": (8.5, 11.0), "a4": (8.27, 11.69), "legal": (8.5, 14.0)}
PAGE_MARGIN = 1.0
#: Shares of arcs the paths kept cover, tried for each number of activities kept.
_PATH_SHARES = (1.0, 0.95, 0.9, 0.8)
#: A simplified map keeps at most this many arrows per box (Disco's default map is sparser).
_ARROWS_PER_BOX = 3


def page_area(page: str | tuple[float, float]) -> tuple[float, float]:
    """The text block of a page in inches, (width, height).

    ``page`` is ``"<paper>-portrait"`` or ``"<paper>-landscape"`` for letter, a4 or legal
    paper with one-inch margins, or the text block itself as (width, height) in inches.

    Examples
    --------
    >>> page_area("letter-portrait"), page_area("a4-landscape"), page_area((6, 4))
    ((6.5, 9.0), (9.69, 6.27), (6.0, 4.0))
    """
    if isinstance(page, str):
        paper, _, orientation = page.lower().partition("-")
        if paper not in PAPER or orientation not in ("portrait", "landscape"):
            shown = ", ".join(f"'{p}-portrait', '{p}-landscape'" for p in PAPER)
            raise ValueError(f"unknown page {page!r}: use one of {shown} or (width, height)")
        width, height = (round(side - 2 * PAGE_MARGIN, 2) for side in PAPER[paper])
        return (width, height) if orientation == "portrait" else (height, width)
    width, height = (float(side) for side in page)
    if not (width > 0 and height > 0):
        raise ValueError(f"a page's width and height must be positive inches, not {page!r}")
    return width, height


def fit_swimlane(
    spec: ProcessMap,
    *,
    kind: str,
    annotations: dict | None,
    page: str | tuple[float, float],
    direction: str | None,
    min_font_pt: float = 7.0,
) -> tuple[Scene, dict]:
    """The swimlane (or blueprint) layout that prints largest on ``page``, and how it fits."""
    area = page_area(page)
    directions = [direction] if direction else (["LR"] if kind == "blueprint" else ["LR", "TB"])

    def build(way: str, row_columns: int | None) -> Scene:
        return swimlane_scene(
            spec,
            kind=kind,
            annotations=annotations,
            direction=way,
            row_columns=row_columns,
            compact=True,
        )

    scene, scale = _best_layout(build, area, directions)
    shown = {
        "activities_shown": len(spec.steps),
        "activities_total": len(spec.steps),
        "paths_shown": len(spec.flows),
        "paths_total": len(spec.flows),
        "events_covered": 1.0,
    }
    return scene, _facts(scene, area, scale, shown, min_font_pt)


def fit_mined(
    dfg: pd.DataFrame,
    *,
    starts: pd.DataFrame | None,
    ends: pd.DataFrame | None,
    page: str | tuple[float, float],
    direction: str | None,
    min_font_pt: float,
    simplify: bool,
    **options,
) -> tuple[Scene, dict]:
    """The mined-map layout (simplified if it must be) that prints largest on ``page``.

    ``options`` are :func:`._layout.mined_scene`'s (metric, min_count, statistic, title).
    """
    area = page_area(page)
    directions = [direction] if direction else ["LR", "TB"]
    frequency = activity_counts(dfg, starts)

    def attempt(n_activities: int) -> tuple[Scene, float, dict]:
        """The best layout keeping the ``n_activities`` most frequent activities.

        Fewer paths do not always make a smaller drawing (a dropped path can lengthen the
        longest one), so each share of paths is tried and the largest print kept; on a tie,
        the one that shows more paths.
        """
        trials = []
        for path_share in _PATH_SHARES if simplify else _PATH_SHARES[:1]:
            kept = _simplified(dfg, starts, ends, frequency, n_activities, path_share)
            shown = _coverage(dfg, starts, ends, *kept, frequency)
            build = partial(
                _mined_layout,
                kept[0],
                starts=kept[1],
                ends=kept[2],
                footnote=_coverage_note(shown),
                frequency=frequency,
                **options,
            )
            scene, scale = _best_layout(build, area, directions)
            trials.append((scene, scale, shown))
            if fits(trials[-1]) and (readable(shown) or not simplify):
                break
        return max(
            trials,
            key=lambda t: (
                min(t[1] * SMALLEST_PT, min_font_pt),
                readable(t[2]) or not simplify,
                t[2]["paths_shown"],
            ),
        )

    def readable(shown: dict) -> bool:
        # Past a few arrows per box a map is spaghetti even in large type: rarer paths go
        # first (boxes for start and end count).
        boxes = shown["activities_shown"] + 2
        return shown["paths_shown"] <= _ARROWS_PER_BOX * boxes

    def fits(trial: tuple) -> bool:
        return trial[1] * SMALLEST_PT >= min_font_pt - 1e-9

    # Fewer activities make a smaller drawing, so the most that fit are found by bisection;
    # when nothing fits (a tiny page), the simplest map is the closest.
    best = attempt(len(frequency))
    low, high, found = 1, len(frequency) - 1, None
    while simplify and not fits(best) and low <= high:
        middle = (low + high + 1) // 2
        trial = attempt(middle)
        if fits(trial):
            found, low = trial, middle + 1
        else:
            high = middle - 1
    if not fits(best) and simplify:
        best = found or attempt(1)
    scene, scale, shown = best
    return scene, _facts(scene, area, scale, shown, min_font_pt)


def _mined_layout(dfg, direction, row_columns, **options) -> Scene:
    return mined_scene(dfg, direction=direction, row_columns=row_columns, compact=True, **options)


def _best_layout(
    build: Callable[[str, int | None], Scene], area: tuple[float, float], directions: list[str]
) -> tuple[Scene, float]:
    """Try every direction wrapped into 1, 2, 3 … rows; keep the layout that prints largest.

    A direction's rows stop growing once a layout fits (more rows only wrap more flows) or
    once its print scale has fallen well below the best seen (rows only get worse from there).
    """
    tried = []
    for way in directions:
        whole = build(way, None)
        columns = max([node.column for node in whole.nodes.values()] + [0]) + 1
        best_here = 0.0
        seen = set()
        for rows in range(1, columns + 1):
            per_row = math.ceil(columns / rows)
            if per_row in seen:
                continue
            seen.add(per_row)
            scene = whole if rows == 1 else build(way, per_row)
            scale = _print_scale(scene, area)
            preferred = (way == "TB") == (area[1] > area[0])
            tried.append(((min(scale, 1.0), -scene.rows, preferred), scene, scale))
            best_here = max(best_here, scale)
            if scale >= 1.0 or scale < 0.7 * best_here:
                break
    _, scene, scale = max(tried, key=lambda item: item[0])
    if scale >= 1.0:
        scene.width = max(scene.width, area[0])  # printed at the text block's width
    return scene, scale


def _print_scale(scene: Scene, area: tuple[float, float]) -> float:
    return min(area[0] / scene.width, area[1] / figure_height(scene))


def _facts(
    scene: Scene, area: tuple[float, float], scale: float, shown: dict, min_font_pt: float
) -> dict:
    """How a drawing fits its page, as one row of a table."""
    height = figure_height(scene)
    printed = min(area[0] / scene.width, area[1] / height, 1.0)
    return {
        "direction": scene.direction,
        "rows": scene.rows,
        "width_in": round(scene.width, 3),
        "height_in": round(height, 3),
        "page_width_in": area[0],
        "page_height_in": area[1],
        "print_scale": round(printed, 4),
        "smallest_pt": round(SMALLEST_PT * printed, 2),
        "fits": bool(SMALLEST_PT * printed >= min_font_pt - 1e-9),
        **shown,
    }


def _simplified(dfg, starts, ends, frequency, n_activities, path_share):
    """The graph with only the ``n_activities`` most frequent activities and paths."""
    kept = set(sorted(frequency, key=lambda a: (-frequency[a], a))[:n_activities])
    source, target = dfg["source"].astype(str), dfg["target"].astype(str)
    graph = dfg[source.isin(kept) & target.isin(kept)].reset_index(drop=True)
    starts = _among(starts, kept)
    ends = _among(ends, kept)
    if path_share < 1 and len(graph):
        graph = filter_paths(
            graph,
            path_share,
            start_activities=starts if starts is not None and len(starts) else None,
            end_activities=ends if ends is not None and len(ends) else None,
        ).drop(columns="kept_by")
    return graph, starts, ends


def _among(frame: pd.DataFrame | None, kept: set[str]) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame[frame["activity"].astype(str).isin(kept)].reset_index(drop=True)


def _coverage(dfg, starts, ends, kept_dfg, kept_starts, kept_ends, frequency) -> dict:
    """How much of the graph a simplified map shows: activities, paths, and events."""

    def activities(graph, first, last):
        names = set(graph["source"].astype(str)) | set(graph["target"].astype(str))
        for frame in (first, last):
            if frame is not None:
                names |= set(frame["activity"].astype(str))
        return names

    def paths(graph, first, last):
        return len(graph) + sum(len(f) for f in (first, last) if f is not None)

    shown = activities(kept_dfg, kept_starts, kept_ends)
    total = sum(frequency.values()) or 1
    return {
        "activities_shown": len(shown),
        "activities_total": len(activities(dfg, starts, ends)),
        "paths_shown": paths(kept_dfg, kept_starts, kept_ends),
        "paths_total": paths(dfg, starts, ends),
        "events_covered": round(sum(frequency.get(a, 0) for a in shown) / total, 4),
    }


def _coverage_note(shown: dict) -> str:
    if (shown["activities_shown"], shown["paths_shown"]) == (
        shown["activities_total"],
        shown["paths_total"],
    ):
        return ""
    return (
        f"Simplified to fit the page: showing {shown['activities_shown']} of "
        f"{shown['activities_total']} activities and {shown['paths_shown']} of "
        f"{shown['paths_total']} paths, covering {shown['events_covered']:.0%} of events "
        "(the most frequent are kept)."
    )

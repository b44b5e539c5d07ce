"""Placing flow labels: each on its own flow, clear of boxes and of each other.

:func:`place_labels` chooses, for every labelled flow of a laid-out :class:`._scene.Scene`, the
centre of its label: candidate places along the flow (and beside it) are scored with numpy
against every box, every label already placed and every line segment of the drawing, so a
dense map with a hundred flows is labelled in a fraction of a second. Used by :mod:`._draw`.
Internal to the process package.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from research_kit.process._scene import TITLE_H, Edge, Node, Scene, label_size

_BLOCKED = 20.0  # the cost of a label place that covers a box or label, or sits off its flow
_OWN_MARGIN = 0.03  # a label is this much nearer its own flow than any other, in inches


def place_labels(scene: Scene) -> list[tuple[Edge, tuple[float, float]]]:
    """Put each flow label on its own flow, clear of boxes and other labels, crossing few lines.

    A label must sit nearer its own flow than any other (so where two flows share a trunk it
    goes on a part that is only its own), must not cover a box or a label already placed, and
    should cross as few other flows as it can; when no place along the flow does all that,
    more places are tried, further along and further from the line. Measured with numpy: a
    dense map has thousands of candidate places against thousands of line segments.

    Returns (edge, (x, y)) for every flow with a label, in the order they were placed.

    Examples
    --------
    >>> import pandas as pd
    >>> from research_kit.process._layout import mined_scene
    >>> dfg = pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "count": [5, 2]})
    >>> scene = mined_scene(dfg, starts=None, ends=None, metric="frequency", min_count=None,
    ...                     statistic="median", title="")
    >>> [(edge.label, y < scene.nodes["a"].y) for edge, (x, y) in place_labels(scene)]
    [('5', False), ('2', True)]
    """
    ends = [(i, a, b) for i, edge in enumerate(scene.edges) for a, b in pairwise(edge.points)]
    segments = np.array([(*a, *b) for _, a, b in ends], dtype=float).reshape(-1, 4)
    owner = np.array([i for i, _, _ in ends], dtype=int)
    boxes = [_box_of(node) for node in scene.nodes.values()]
    obstacles = np.array(boxes, dtype=float).reshape(-1, 4)
    index = {id(edge): i for i, edge in enumerate(scene.edges)}
    result = []
    ordered = sorted(
        (e for e in scene.edges if e.label_lines and len(e.points) > 1),
        key=lambda e: not e.label_first,
    )
    for edge in ordered:
        w, h = label_size(edge)
        mine = owner == index[id(edge)]
        best, cost = _best_place(
            scene, _label_candidates(edge, w, h), w, h, obstacles, segments, mine
        )
        if cost >= _BLOCKED:
            wider = _more_candidates(edge, w, h)
            other, other_cost = _best_place(scene, wider, w, h, obstacles, segments, mine)
            if other_cost < cost:
                best = other
        obstacles = np.vstack(
            [obstacles, [[best[0] - w / 2, best[1] - h / 2, best[0] + w / 2, best[1] + h / 2]]]
        )
        result.append((edge, best))
    return result


def _best_place(scene, candidates, w, h, obstacles, segments, mine):
    """The cheapest of the candidate centres, and its cost (at least ``_BLOCKED`` if flawed)."""
    centres = np.asarray(candidates, dtype=float).reshape(-1, 2)
    half = np.array([-w / 2, -h / 2, w / 2, h / 2])
    rects = np.hstack([centres, centres]) + half
    cost = 0.01 * np.arange(len(centres), dtype=float)
    covered = _overlaps(rects, obstacles).sum(axis=1)
    cost += _BLOCKED * (covered > 1e-9) + 100 * covered
    others = segments[~mine]
    cost += 0.3 * _crossings(rects, others).sum(axis=1)
    if len(others):
        own = _distances(centres, segments[mine]).min(axis=1)
        nearest_other = _distances(centres, others).min(axis=1)
        cost += _BLOCKED * (nearest_other < own + _OWN_MARGIN)
    outside = (rects[:, 0] < 0) | (rects[:, 2] > scene.width) | (rects[:, 1] < TITLE_H - 0.1)
    cost += 5 * outside
    best = int(np.argmin(cost))
    return (float(centres[best, 0]), float(centres[best, 1])), float(cost[best])


def _overlaps(rects: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Area each rectangle (x0, y0, x1, y1) shares with each other one."""
    dx = np.minimum(rects[:, None, 2], others[None, :, 2]) - np.maximum(
        rects[:, None, 0], others[None, :, 0]
    )
    dy = np.minimum(rects[:, None, 3], others[None, :, 3]) - np.maximum(
        rects[:, None, 1], others[None, :, 1]
    )
    return np.where((dx > 0) & (dy > 0), dx * dy, 0.0)


def _crossings(rects: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Whether each (straight, orthogonal) segment's bounding box touches each rectangle."""
    x0 = np.minimum(segments[:, 0], segments[:, 2])
    x1 = np.maximum(segments[:, 0], segments[:, 2])
    y0 = np.minimum(segments[:, 1], segments[:, 3])
    y1 = np.maximum(segments[:, 1], segments[:, 3])
    return (
        (x0[None, :] <= rects[:, None, 2])
        & (x1[None, :] >= rects[:, None, 0])
        & (y0[None, :] <= rects[:, None, 3])
        & (y1[None, :] >= rects[:, None, 1])
    )


def _distances(points: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Distance from each point to each segment (x0, y0, x1, y1)."""
    start, direction = segments[:, :2], segments[:, 2:] - segments[:, :2]
    length2 = np.maximum((direction**2).sum(axis=1), 1e-12)
    offset = points[:, None, :] - start[None, :, :]
    t = np.clip((offset * direction[None]).sum(axis=2) / length2, 0.0, 1.0)
    nearest = start[None] + t[..., None] * direction[None]
    return np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2))


def _more_candidates(edge: Edge, w: float, h: float) -> list[tuple[float, float]]:
    """Places along every part of a flow at finer steps, on the line and further beside it."""
    candidates = []
    for (x0, y0), (x1, y1) in pairwise(edge.points):
        for t in np.linspace(0.05, 0.95, 19):
            cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            candidates.append((cx, cy))
            for gap in (0.03, 0.06):
                if abs(y0 - y1) < 1e-9:
                    candidates += [(cx, cy - h / 2 - gap), (cx, cy + h / 2 + gap)]
                else:
                    candidates += [(cx + w / 2 + gap, cy), (cx - w / 2 - gap, cy)]
    return candidates


def _label_candidates(edge: Edge, w: float, h: float) -> list[tuple[float, float]]:
    points = edge.points
    pairs = list(pairwise(points))
    candidates = []
    if edge.label_first:
        (x0, y0), (x1, y1) = pairs[0]
        length = math.dist((x0, y0), (x1, y1)) or 1.0
        dx, dy = (x1 - x0) / length, (y1 - y0) / length
        for distance in (0.06, 0.2, 0.4):
            if dy == 0:  # horizontal: just after the tip, above or below the line
                cx = x0 + dx * (distance + w / 2)
                candidates += [(cx, y0 - h / 2 - 0.02), (cx, y0 + h / 2 + 0.02)]
            else:  # vertical: beside the line, just past the tip
                cy = y0 + dy * (distance + h / 2)
                candidates += [(x0 + w / 2 + 0.04, cy), (x0 - w / 2 - 0.04, cy)]
    if edge.back:  # a loop's label sits on its long arc, not by the box it leaves
        pairs.sort(key=lambda pair: -math.dist(*pair))
    for (x0, y0), (x1, y1) in pairs:
        for t in (0.5, 0.3, 0.7, 0.15, 0.85):
            cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            candidates.append((cx, cy))
            if y0 == y1:
                candidates += [(cx, cy - h / 2 - 0.03), (cx, cy + h / 2 + 0.03)]
            else:
                candidates += [(cx + w / 2 + 0.04, cy), (cx - w / 2 - 0.04, cy)]
    return candidates


def _box_of(node: Node) -> tuple[float, float, float, float]:
    pad = 0.03
    return (
        node.x - node.width / 2 - pad,
        node.y - node.height / 2 - pad,
        node.x + node.width / 2 + pad,
        node.y + node.height / 2 + pad,
    )

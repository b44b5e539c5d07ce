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
# label_size() leaves this margin around the text on each side (half of its +0.1 and +0.08).
_LABEL_PAD_X, _LABEL_PAD_Y = 0.05, 0.04
_HA = {0: "center", 1: "left", -1: "right"}
_VA = {0: "center", 1: "top", -1: "bottom"}  # the y axis points down the page


def place_labels(scene: Scene) -> list[tuple[Edge, float, float, str, str]]:
    """Put each flow label on its own flow, clear of boxes and other labels, crossing few lines.

    A label is anchored on its flow (centred on the line) or just beside it (its edge against
    the line); the anchor must be nearer its own flow than any other — so where flows run
    close together it goes on a part that is only its own — and the label must not cover a box
    or a label already placed, and should cross as few other flows as it can. When no place
    along the flow does all that, more places are tried, at finer steps. Measured with numpy:
    a dense map has thousands of candidate places against thousands of line segments.

    Returns
    -------
    list of (edge, x, y, ha, va)
        Every flow with a label, in the order placed: its anchor and matplotlib's alignment
        of the text to it.

    Examples
    --------
    >>> import pandas as pd
    >>> from research_kit.process._layout import mined_scene
    >>> dfg = pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "count": [5, 2]})
    >>> scene = mined_scene(dfg, starts=None, ends=None, metric="frequency", min_count=None,
    ...                     statistic="median", title="")
    >>> [(edge.label, y < scene.nodes["a"].y) for edge, x, y, *_ in place_labels(scene)]
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
        size = label_size(edge)
        mine = owner == index[id(edge)]
        best, cost, rect = _best_place(
            scene, _label_candidates(edge, *size), size, obstacles, segments, mine
        )
        if cost >= _BLOCKED:
            more = _best_place(scene, _more_candidates(edge), size, obstacles, segments, mine)
            if more[1] < cost:
                best, cost, rect = more
        obstacles = np.vstack([obstacles, rect])
        x, y, sx, sy = best
        result.append((edge, x, y, _HA[sx], _VA[sy]))
    return result


def _best_place(scene, candidates, size, obstacles, segments, mine):
    """The cheapest candidate (x, y, sx, sy), its cost (``_BLOCKED`` or more if flawed), its box.

    ``sx`` and ``sy`` say where the label lies from its anchor: 0 centred on it, 1 to the right
    (below), -1 to the left (above).
    """
    w, h = size
    places = np.asarray(candidates, dtype=float).reshape(-1, 4)
    anchors = places[:, :2]
    x0 = places[:, 0] - w * (1 - places[:, 2]) / 2 - _LABEL_PAD_X * places[:, 2]
    y0 = places[:, 1] - h * (1 - places[:, 3]) / 2 - _LABEL_PAD_Y * places[:, 3]
    rects = np.column_stack([x0, y0, x0 + w, y0 + h])
    cost = 0.01 * np.arange(len(places), dtype=float)
    covered = _overlaps(rects, obstacles).sum(axis=1)
    cost += _BLOCKED * (covered > 1e-9) + 100 * covered
    others = segments[~mine]
    cost += 0.3 * _crossings(rects, others).sum(axis=1)
    if len(others):
        own = _distances(anchors, segments[mine]).min(axis=1)
        nearest_other = _distances(anchors, others).min(axis=1)
        cost += _BLOCKED * (nearest_other < own + _OWN_MARGIN)
    outside = (rects[:, 0] < 0) | (rects[:, 2] > scene.width) | (rects[:, 1] < TITLE_H - 0.1)
    cost += 5 * outside
    best = int(np.argmin(cost))
    x, y, sx, sy = places[best]
    return (float(x), float(y), int(sx), int(sy)), float(cost[best]), rects[best : best + 1]


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


def _beside(x0, y0, x1, y1, cx, cy, gap) -> list[tuple[float, float, int, int]]:
    """Anchors just beside a segment at (cx, cy): above and below it, or left and right."""
    if abs(y0 - y1) < 1e-9:
        return [(cx, cy - gap, 0, -1), (cx, cy + gap, 0, 1)]
    return [(cx + gap, cy, 1, 0), (cx - gap, cy, -1, 0)]


def _more_candidates(edge: Edge) -> list[tuple[float, float, int, int]]:
    """Places along every part of a flow at finer steps, on the line and beside it."""
    candidates = []
    for (x0, y0), (x1, y1) in pairwise(edge.points):
        for t in np.linspace(0.02, 0.98, 49):
            cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            candidates.append((cx, cy, 0, 0))
            for gap in (0.02, 0.04, 0.07):
                candidates += _beside(x0, y0, x1, y1, cx, cy, gap)
    return candidates


def _label_candidates(edge: Edge, w: float, h: float) -> list[tuple[float, float, int, int]]:
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
                candidates += _beside(x0, y0, x1, y1, cx, y0, 0.02)
            else:  # vertical: beside the line, just past the tip
                cy = y0 + dy * (distance + h / 2)
                candidates += _beside(x0, y0, x1, y1, x0, cy, 0.04)
    if edge.back:  # a loop's label sits on its long arc, not by the box it leaves
        pairs.sort(key=lambda pair: -math.dist(*pair))
    for (x0, y0), (x1, y1) in pairs:
        for t in (0.5, 0.3, 0.7, 0.15, 0.85):
            cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            candidates.append((cx, cy, 0, 0))
            candidates += _beside(x0, y0, x1, y1, cx, cy, 0.03 if y0 == y1 else 0.04)
    return candidates


def _box_of(node: Node) -> tuple[float, float, float, float]:
    pad = 0.03
    return (
        node.x - node.width / 2 - pad,
        node.y - node.height / 2 - pad,
        node.x + node.width / 2 + pad,
        node.y + node.height / 2 + pad,
    )

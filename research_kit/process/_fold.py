"""Folding a layout to fit a page: columns wrapped into rows, and left to right turned down.

:func:`wrap_rows` runs between :mod:`._arrange`'s column and track steps and folds a long
process like text: columns beyond ``scene.row_columns`` start another row of lanes under the
first. :func:`transpose` runs after the layout of a ``direction="TB"`` scene, which is laid out
left to right with every box's width and height exchanged, and mirrors it on its diagonal so
that flows run down the page and lanes become columns. Internal to the process package.
"""

from __future__ import annotations

import math

from research_kit.process._scene import MARGIN, TITLE_H, Band, Scene


def wrap_rows(scene: Scene) -> None:
    """Fold the columns into rows of at most ``scene.row_columns``, each with the lanes it uses.

    The columns are shared out evenly (13 columns in rows of 10 make rows of 7 and 6), and a
    forward flow whose target lands in a later row at the same or an earlier column is marked
    ``wrapped`` so that it is routed down to its row instead of across.

    Examples
    --------
    >>> from research_kit.process._scene import Edge, Node
    >>> nodes = {n: Node(n, n, "activity", 0, [n], column=i) for i, n in enumerate("abcde")}
    >>> scene = Scene(kind="mined", title="", subtitle="", nodes=nodes, starts=["a"],
    ...               edges=[Edge("b", "c"), Edge("c", "d")], bands=[Band("map", "", "map")],
    ...               row_columns=3)
    >>> wrap_rows(scene)
    >>> scene.rows, [(n.band, n.column) for n in nodes.values()], scene.edges[0].wrapped
    (2, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)], False)
    """
    columns = max([node.column for node in scene.nodes.values()] + [0]) + 1
    wanted = scene.row_columns
    scene.rows = 1 if not wanted or columns <= wanted else math.ceil(columns / wanted)
    if scene.rows == 1:
        return
    per_row = math.ceil(columns / scene.rows)
    lanes = scene.bands
    used = {(node.column // per_row, node.band) for node in scene.nodes.values()}
    # A row shows only the lanes that have steps in it, in their order: rows stay short.
    kept = [(row, i) for row in range(scene.rows) for i in range(len(lanes)) if (row, i) in used]
    band_of = {key: index for index, key in enumerate(kept)}
    scene.bands = [
        Band(
            lanes[i].id,
            lanes[i].label,
            lanes[i].gid + (f"-row{row + 1}" if row else ""),
            lanes[i].row,
            wrap_row=row,
        )
        for row, i in kept
    ]
    for node in scene.nodes.values():
        row = node.column // per_row
        node.band = band_of[(row, node.band)]
        node.column -= row * per_row
    for edge in scene.edges:
        u, v = scene.nodes[edge.source], scene.nodes[edge.target]
        edge.wrapped = not edge.back and u is not v and v.column <= u.column


def transpose(scene: Scene) -> None:
    """Mirror a laid-out scene on its diagonal: left to right becomes top to bottom.

    The drawing's top-left corner stays where the title and lane headers need it: the first
    corridor starts at the left margin, the first channel under the title and lane headers.

    Examples
    --------
    >>> import pandas as pd
    >>> from research_kit.process._layout import mined_scene
    >>> dfg = pd.DataFrame({"source": ["a"], "target": ["b"], "count": [5]})
    >>> scene = mined_scene(dfg, starts=None, ends=None, metric="frequency", min_count=None,
    ...                     statistic="median", title="", direction="TB")
    >>> scene.nodes["a"].x == scene.nodes["b"].x, scene.nodes["a"].y < scene.nodes["b"].y
    (True, True)
    """
    to_x, to_y = MARGIN - TITLE_H, TITLE_H - MARGIN
    for node in scene.nodes.values():
        node.x, node.y = node.y + to_x, node.x + to_y
        node.width, node.height = node.height, node.width
    for edge in scene.edges:
        edge.points = [(y + to_x, x + to_y) for x, y in edge.points]
    for band in scene.bands:  # top and bottom now mean left and right
        band.top, band.bottom = band.top + to_x, band.bottom + to_x
    bottom = scene.diagram_bottom
    scene.diagram_bottom = scene.extent + to_y
    scene.extent = bottom + to_x
    scene.width = max(scene.extent + MARGIN, 4.0)

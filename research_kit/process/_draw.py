"""Drawing a laid-out scene with matplotlib: lanes, boxes, flows, labels, legend and callouts.

:func:`draw_scene` turns a :class:`._scene.Scene` that :mod:`._arrange` has placed into a
matplotlib figure (not registered with pyplot), in the house style (:func:`research_kit.viz.style`)
and the type and colours of :mod:`._style`. Flow labels are placed where they overlap boxes and
other labels least; quotes from interviews are set in columns under the diagram. Labels are
drawn literally, with math parsing off. Internal to the process package.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath

from research_kit.process._labels import place_labels
from research_kit.process._scene import (
    MARGIN,
    TITLE_H,
    Edge,
    Node,
    Scene,
    block_height,
    note_weight,
)
from research_kit.process._style import (
    EDGE_PT,
    FILLS,
    FLOW,
    GROUP_FILL,
    HANDOFF,
    HEADER_FILL,
    INK,
    LABEL_PT,
    LANE_FILLS,
    LANE_PT,
    LINE,
    MUTED,
    NOTE_PT,
    PAIN,
    REWORK,
    text_width,
    wrap,
)
from research_kit.viz import style as viz_style

_CALLOUT_W, _CALLOUT_GAP = 7.5, 0.4  # columns of the quote list under a diagram
_FOOTNOTE_PT = 7.5
_HOURGLASS = ((-0.045, -0.07), (0.045, -0.07), (-0.045, 0.07), (0.045, 0.07))


def draw_scene(scene: Scene) -> Figure:
    """Draw a laid-out scene as a matplotlib figure, in the house style (not via pyplot).

    Sets ``scene.height`` to the drawing's full height (diagram, legend and callouts).

    Examples
    --------
    >>> import pandas as pd
    >>> from research_kit.process._layout import mined_scene
    >>> dfg = pd.DataFrame({"source": ["a"], "target": ["b"], "count": [5]})
    >>> scene = mined_scene(dfg, starts=None, ends=None, metric="frequency", min_count=None,
    ...                     statistic="median", title="Permits")
    >>> [t.get_text() for t in draw_scene(scene).axes[0].texts if t.get_gid() == "title"]
    ['Permits']
    """
    # Artists take line caps, joins and fonts from the style in force when they are made.
    with viz_style():
        return _draw_in_style(scene)


def figure_height(scene: Scene) -> float:
    """The full height in inches of a laid-out scene once drawn: diagram, note, legend, quotes.

    Examples
    --------
    >>> import pandas as pd
    >>> from research_kit.process._layout import mined_scene
    >>> dfg = pd.DataFrame({"source": ["a"], "target": ["b"], "count": [5]})
    >>> scene = mined_scene(dfg, starts=None, ends=None, metric="frequency", min_count=None,
    ...                     statistic="median", title="Permits")
    >>> figure_height(scene) > scene.diagram_bottom
    True
    """
    return _parts(scene)[-1]


def _parts(scene: Scene) -> tuple[list, list, list, float]:
    """What goes under the diagram (note lines, legend rows, quote columns) and the full height."""
    inner = scene.width - 2 * MARGIN
    footnote = wrap(scene.footnote, _FOOTNOTE_PT, inner) if scene.footnote else []
    legend_rows = _legend_rows(scene, inner)
    callout_columns = _callout_columns(scene, inner)
    height = scene.diagram_bottom + 0.15 + len(footnote) * _FOOTNOTE_PT * LINE / 72
    height += 0.3 * len(legend_rows) + (0.15 if legend_rows else 0.0)
    callout_h = max([sum(line[-1] for line in column) for column in callout_columns] + [0.0])
    height += callout_h + (0.45 if callout_columns else 0.0) + MARGIN
    return footnote, legend_rows, callout_columns, height


def _draw_in_style(scene: Scene) -> Figure:
    width = scene.width
    footnote, legend_rows, callout_columns, scene.height = _parts(scene)
    fig = Figure(figsize=(width, scene.height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(scene.height, 0)
    ax.set_axis_off()
    _text(ax, MARGIN, 0.3, scene.title, size=13, weight="bold", va="center", gid="title")
    _text(ax, MARGIN, 0.56, scene.subtitle, size=9, colour=MUTED, va="center", gid="subtitle")
    if scene.kind != "mined":
        _draw_bands(ax, scene)
    for edge in scene.edges:
        _draw_edge(ax, edge)
    for node in scene.nodes.values():
        _draw_node(ax, node)
    labels = place_labels(scene)
    for edge, x, y, ha, va in labels:
        _text(
            ax,
            x,
            y,
            "\n".join(edge.label_lines),
            size=EDGE_PT,
            colour=INK if edge.colour in (FLOW, HANDOFF) else edge.colour,
            style="italic",
            ha=ha,
            va=va,
            multialignment="center",
            gid=f"{edge.gid}-label",
            linespacing=1.1,
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.92},
            zorder=6,
        )
    y = scene.diagram_bottom + 0.15
    for line in footnote:
        step = _FOOTNOTE_PT * LINE / 72
        _text(
            ax,
            MARGIN,
            y + step / 2,
            line,
            size=_FOOTNOTE_PT,
            colour=MUTED,
            va="center",
            gid="footnote",
        )
        y += step
    for row in legend_rows:
        _draw_legend_row(ax, row, y + 0.15)
        y += 0.3
    if callout_columns:
        y += 0.15
        _text(ax, MARGIN, y, "Pain points from interviews", size=9.5, weight="bold", va="top")
        y += 0.3
        for i, column in enumerate(callout_columns):
            line_y = y
            for text, size, weight, style, indent, step in column:
                _text(
                    ax,
                    MARGIN + i * (_CALLOUT_W + _CALLOUT_GAP) + indent,
                    line_y,
                    text,
                    size=size,
                    weight=weight,
                    style=style,
                    va="top",
                    gid="callouts",
                )
                line_y += step
    return fig


def _draw_bands(ax, scene: Scene) -> None:
    if scene.direction == "TB":
        _draw_columns(ax, scene)
        return
    left = MARGIN + scene.group_width
    right = scene.width - MARGIN
    for i, band in enumerate(scene.bands):
        height = band.bottom - band.top
        ax.add_patch(
            Rectangle(
                (left, band.top),
                right - left,
                height,
                facecolor=LANE_FILLS[i % 2],
                edgecolor="#C9D1DB",
                linewidth=0.8,
                gid=band.gid,
                zorder=0,
            )
        )
        ax.add_patch(
            Rectangle(
                (left, band.top),
                scene.header_width,
                height,
                facecolor=HEADER_FILL,
                edgecolor="#C9D1DB",
                linewidth=0.8,
                zorder=0.5,
            )
        )
        lines = wrap(band.label, LANE_PT, scene.header_width - 0.2, weight="bold")
        _text(
            ax,
            left + 0.1,
            (band.top + band.bottom) / 2,
            "\n".join(lines),
            size=LANE_PT,
            weight="bold",
            colour="#2F3B4C",
            va="center",
            gid=f"{band.gid}-label",
        )
    for above, band in zip(scene.bands, scene.bands[1:], strict=False):
        if band.wrap_row != above.wrap_row:  # where the drawing continues on its next row
            ax.plot([MARGIN, right], [band.top, band.top], color="#2F3B4C", lw=2.2, zorder=1)
    for title, top, bottom in scene.groups:
        ax.add_patch(
            Rectangle(
                (MARGIN, top),
                scene.group_width,
                bottom - top,
                facecolor=GROUP_FILL,
                edgecolor="white",
                linewidth=1.5,
                zorder=0.5,
            )
        )
        _text(
            ax,
            MARGIN + scene.group_width / 2,
            (top + bottom) / 2,
            title,
            size=8,
            weight="bold",
            colour="#2F3B4C",
            ha="center",
            va="center",
            rotation=90,
        )
    labels_at: dict[float, list[str]] = defaultdict(list)
    for y, label in scene.lines:
        labels_at[y].append(label)
        gid = "blueprint-" + re.sub(r"\W+", "-", label).strip("-")
        ax.plot([MARGIN, right], [y, y], color="#2F3B4C", lw=1.6, ls=(0, (6, 3)), zorder=3, gid=gid)
    for y, labels in labels_at.items():
        # Lines that coincide (a blueprint without frontstage lanes) share one label.
        text = "\n".join(wrap(" · ".join(labels), 7.5, scene.right_margin - 0.15, "bold", "italic"))
        _text(
            ax,
            right - 0.05,
            y - 0.04,
            text,
            size=7.5,
            style="italic",
            weight="bold",
            colour="#2F3B4C",
            ha="right",
            va="bottom",
            multialignment="right",
            zorder=7,
            gid="blueprint-" + re.sub(r"\W+", "-", labels[0]).strip("-") + "-label",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
        )


def _draw_columns(ax, scene: Scene) -> None:
    """Lanes of a top-to-bottom drawing: columns with their titles on top."""
    top = TITLE_H + scene.group_width
    for i, band in enumerate(scene.bands):
        width = band.bottom - band.top
        for y, height, fill, z in (
            (top, scene.diagram_bottom - top, LANE_FILLS[i % 2], 0),
            (top, scene.header_width, HEADER_FILL, 0.5),
        ):
            patch = Rectangle(
                (band.top, y), width, height, facecolor=fill, edgecolor="#C9D1DB", linewidth=0.8
            )
            patch.set(zorder=z, gid=band.gid if z == 0 else None)
            ax.add_patch(patch)
        _text(
            ax,
            band.top + width / 2,
            top + scene.header_width / 2,
            "\n".join(wrap(band.label, LANE_PT, width - 0.1, weight="bold")),
            size=LANE_PT,
            weight="bold",
            colour="#2F3B4C",
            ha="center",
            va="center",
            multialignment="center",
            gid=f"{band.gid}-label",
        )


def _draw_node(ax, node: Node) -> None:
    x, y, w, h = node.x, node.y, node.width, node.height
    edge_width = 2.4 if node.shape == "end" else 1.1
    style = dict(facecolor=node.fill, edgecolor=INK, linewidth=edge_width, zorder=4)
    if node.shape == "decision":
        patch = Polygon([(x - w / 2, y), (x, y - h / 2), (x + w / 2, y), (x, y + h / 2)], **style)
    elif node.shape in ("start", "end"):
        box = f"round,pad=0,rounding_size={h / 2:.4f}"
        patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=box, **style)
    else:
        box = f"round,pad=0,rounding_size={min(0.08, h / 4):.4f}"
        dashes = (0, (4, 2)) if node.shape == "wait" else "-"
        patch = FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h, boxstyle=box, linestyle=dashes, **style
        )
    patch.set_gid(node.gid)
    ax.add_patch(patch)
    shift = 0.0
    if node.shape == "wait":
        shift = 0.09
        hx, hy = x - w / 2 + 0.13, y
        ax.add_patch(
            Polygon(
                [(hx + dx, hy + dy) for dx, dy in _HOURGLASS],
                facecolor="#9A9A9A",
                edgecolor="#555555",
                linewidth=0.6,
                zorder=5,
            )
        )
    top = y - block_height(node) / 2
    label_h = len(node.label_lines) * LABEL_PT * LINE / 72
    _text(
        ax,
        x + shift,
        top + label_h / 2,
        "\n".join(node.label_lines),
        size=LABEL_PT,
        weight=node.label_weight,
        colour=node.text_colour,
        ha="center",
        va="center",
        gid=f"{node.gid}-label",
        zorder=5,
    )
    line_y = top + label_h
    for i, (text, colour) in enumerate(node.notes):
        step = NOTE_PT * LINE / 72
        _text(
            ax,
            x + shift,
            line_y + step / 2,
            text,
            size=NOTE_PT,
            colour=colour,
            weight=note_weight(colour),
            style="italic" if colour == MUTED else "normal",
            ha="center",
            va="center",
            gid=f"{node.gid}-note-{i}",
            zorder=5,
        )
        line_y += step
    if node.badge:
        bx, by = (x + w / 4, y - h / 4) if node.shape == "decision" else (x + w / 2, y - h / 2)
        ax.add_patch(
            Circle(
                (bx - 0.02, by),
                0.095,
                facecolor=PAIN,
                edgecolor="white",
                linewidth=1.0,
                zorder=7,
                gid=f"{node.gid}-badge",
            )
        )
        _text(
            ax,
            bx - 0.02,
            by,
            node.badge,
            size=7,
            weight="bold",
            colour="white",
            ha="center",
            va="center_baseline",
            zorder=8,
            gid=f"{node.gid}-badge-number",
        )


def _draw_edge(ax, edge: Edge) -> None:
    points = edge.points
    if len(points) < 2:
        return
    head = 0.075 + 0.012 * edge.width
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = math.dist((x0, y0), (x1, y1)) or 1.0
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    trimmed = [*points[:-1], (x1 - dx * head * 0.8, y1 - dy * head * 0.8)]
    style = (0, (4, 2.5)) if edge.back else "-"
    ax.add_patch(
        PathPatch(
            _rounded_path(trimmed),
            facecolor="none",
            edgecolor=edge.colour,
            linewidth=edge.width,
            linestyle=style,
            capstyle="butt",
            joinstyle="round",
            zorder=2,
            gid=edge.gid,
        )
    )
    half = head * 0.45
    ax.add_patch(
        Polygon(
            [
                (x1, y1),
                (x1 - dx * head - dy * half, y1 - dy * head + dx * half),
                (x1 - dx * head + dy * half, y1 - dy * head - dx * half),
            ],
            facecolor=edge.colour,
            edgecolor=edge.colour,
            linewidth=0.5,
            zorder=2.5,
            gid=f"{edge.gid}-head",
        )
    )
    if edge.handoff:
        ax.add_patch(
            Circle(
                points[0],
                0.04,
                facecolor="white",
                edgecolor=edge.colour,
                linewidth=1.1,
                zorder=4.5,
                gid=f"{edge.gid}-handoff",
            )
        )


def _rounded_path(points: list[tuple[float, float]], radius: float = 0.07) -> MplPath:
    vertices = [points[0]]
    codes = [MplPath.MOVETO]
    for i in range(1, len(points) - 1):
        p0, p1, p2 = points[i - 1], points[i], points[i + 1]
        d1, d2 = math.dist(p0, p1), math.dist(p1, p2)
        r = min(radius, d1 / 2, d2 / 2)
        a = (p1[0] + (p0[0] - p1[0]) * r / d1, p1[1] + (p0[1] - p1[1]) * r / d1)
        b = (p1[0] + (p2[0] - p1[0]) * r / d2, p1[1] + (p2[1] - p1[1]) * r / d2)
        vertices += [a, p1, b]
        codes += [MplPath.LINETO, MplPath.CURVE3, MplPath.CURVE3]
    vertices.append(points[-1])
    codes.append(MplPath.LINETO)
    return MplPath(vertices, codes)


def _legend_rows(scene: Scene, width: float) -> list[list[tuple[str, str, float]]]:
    rows: list[list[tuple[str, str, float]]] = [[]]
    used = 0.0
    for glyph, text in scene.legend:
        item = 0.42 + text_width(text, 7.5) + 0.3
        if rows[-1] and used + item > width:
            rows.append([])
            used = 0.0
        rows[-1].append((glyph, text, item))
        used += item
    return [row for row in rows if row]


def _draw_legend_row(ax, row: list[tuple[str, str, float]], y: float) -> None:
    x = MARGIN
    for glyph, text, item in row:
        gx = x + 0.18
        if glyph in ("task", "wait", "start"):
            box = f"round,pad=0,rounding_size={0.09 if glyph == 'start' else 0.06}"
            ax.add_patch(
                FancyBboxPatch(
                    (gx - 0.16, y - 0.09),
                    0.32,
                    0.18,
                    boxstyle=box,
                    facecolor=FILLS[glyph],
                    edgecolor=INK,
                    linewidth=0.9,
                    linestyle=(0, (3, 1.5)) if glyph == "wait" else "-",
                )
            )
        elif glyph == "decision":
            ax.add_patch(
                Polygon(
                    [(gx - 0.17, y), (gx, y - 0.09), (gx + 0.17, y), (gx, y + 0.09)],
                    facecolor=FILLS["decision"],
                    edgecolor=INK,
                    linewidth=0.9,
                )
            )
        elif glyph == "badge":
            ax.add_patch(Circle((gx, y), 0.08, facecolor=PAIN, edgecolor="white"))
        else:
            colour = {"flow": FLOW, "handoff": HANDOFF, "rework": REWORK}[glyph]
            style = (0, (4, 2.5)) if glyph == "rework" else "-"
            ax.plot([gx - 0.17, gx + 0.1], [y, y], color=colour, lw=1.2, ls=style)
            ax.add_patch(
                Polygon(
                    [(gx + 0.17, y), (gx + 0.09, y - 0.04), (gx + 0.09, y + 0.04)],
                    facecolor=colour,
                    edgecolor=colour,
                )
            )
            if glyph == "handoff":
                ax.add_patch(
                    Circle((gx - 0.17, y), 0.035, facecolor="white", edgecolor=colour, lw=1.0)
                )
        _text(ax, x + 0.42, y, text, size=7.5, colour=INK, va="center", gid="legend")
        x += item


def _callout_columns(scene: Scene, width: float) -> list[list[tuple]]:
    """The numbered quote list, in as many columns as the drawing is wide.

    Each line is (text, size, weight, style, indent, height); a step's quotes stay together.
    """
    if not scene.callouts:
        return []
    column_w = min(_CALLOUT_W, width)
    blocks = []
    for head, quotes in scene.callouts:
        lines = [
            (text, 8.5, "bold", "normal", 0.0, 8.5 * LINE / 72)
            for text in wrap(head, 8.5, column_w, weight="bold")
        ]
        for quote in quotes:
            lines += [
                (text, 8.0, "normal", "italic", 0.25, 8.0 * LINE / 72)
                for text in wrap(quote, 8.0, column_w - 0.25, style="italic")
            ]
        lines[-1] = (*lines[-1][:5], lines[-1][5] + 0.1)
        blocks.append(lines)
    count = max(1, min(len(blocks), int((width + _CALLOUT_GAP) // (_CALLOUT_W + _CALLOUT_GAP))))
    total = sum(line[-1] for block in blocks for line in block)
    columns: list[list[tuple]] = [[]]
    for block in blocks:
        filled = sum(line[-1] for line in columns[-1])
        if columns[-1] and len(columns) < count and filled + 1e-9 >= total / count:
            columns.append([])
        columns[-1] += block
    return columns


def _text(ax, x, y, text, *, size, colour=INK, gid=None, **options):
    """Every text goes through here: literal (no mathtext, no TeX), escaped by the writers."""
    return ax.text(
        x,
        y,
        str(text),
        fontsize=size,
        color=colour,
        gid=gid,
        parse_math=False,
        usetex=False,
        **options,
    )

"""The scene of a process drawing: what is drawn where, in inches, and how its text measures.

A :class:`Scene` holds :class:`Node` boxes, :class:`Edge` flows and :class:`Band` lanes, with
everything a drawing needs (title, legend, callouts, blueprint lines). :mod:`._layout` builds a
scene from a process map or a directly-follows graph, :mod:`._arrange` gives it sizes and
coordinates, and :mod:`._draw` draws it. The measures here (:func:`block_height`,
:func:`label_size`, :func:`note_weight`) are shared by the layout and the drawing, so that what
is measured is what is drawn. Internal to the process package.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from research_kit.process._style import (
    EDGE_PT,
    FLOW,
    INK,
    LABEL_PT,
    LINE,
    NOTE_PT,
    PAIN,
    text_width,
)

#: Blank space around a drawing, in inches.
MARGIN = 0.2
#: Room for the title and subtitle above the diagram, in inches.
TITLE_H = 0.75


@dataclass(eq=False)
class Node:
    """A box of the drawing: a step or activity, its wrapped label, notes, size and place."""

    id: str
    gid: str
    shape: str  # task, decision, wait, start, end, activity
    band: int
    label_lines: list[str]
    notes: list[tuple[str, str]] = field(default_factory=list)  # small lines: (text, colour)
    fill: str = "#FFFFFF"
    text_colour: str = INK
    label_weight: str = "normal"
    badge: str | None = None
    width: float = 0.0
    height: float = 0.0
    column: int = 0
    track: int = 0
    x: float = 0.0
    y: float = 0.0


@dataclass(eq=False)
class Edge:
    """A flow between two nodes: its label, its style, and the route chosen for it."""

    source: str
    target: str
    label: str = ""
    gid: str = ""
    colour: str = FLOW
    width: float = 1.1
    handoff: bool = False
    back: bool = False
    order: float = 0.0  # DFS explores heavier edges first
    side: str = "right"  # where the flow leaves its source
    route: list = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    label_lines: list[str] = field(default_factory=list)
    label_first: bool = False  # put the label near the source (decision branches)
    wrapped: bool = False  # a forward flow continued on a later row of a wrapped drawing


@dataclass(eq=False)
class Band:
    """A lane: a horizontal band of one or more tracks of boxes, and where it lies once placed."""

    id: str
    label: str
    gid: str
    row: str | None = None
    tracks: int = 1
    first_track: int = 0
    wrap_row: int = 0  # the row of lanes it belongs to when a drawing is wrapped
    top: float = 0.0
    bottom: float = 0.0


@dataclass(eq=False)
class Scene:
    """Everything to draw, laid out: nodes, edges, lanes, legend and callouts, in inches."""

    kind: str  # swimlane, blueprint, mined
    title: str
    subtitle: str
    nodes: dict[str, Node]
    edges: list[Edge]
    bands: list[Band]
    starts: list[str]
    header_width: float = 0.0
    group_width: float = 0.0
    right_margin: float = MARGIN
    callouts: list[tuple[str, list[str]]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    lines: list[tuple[float, str]] = field(default_factory=list)  # blueprint lines (y, label)
    groups: list[tuple[str, float, float]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    extent: float = 0.0  # where the diagram ends on the right, before the margin
    diagram_bottom: float = 0.0
    channel_x: list[tuple[float, float]] = field(default_factory=list)  # (left, width)
    corridor_y: list[tuple[float, float]] = field(default_factory=list)  # (top, height)
    slot_counts: dict[tuple[str, int], int] = field(default_factory=dict)
    boundaries: set[int] = field(default_factory=set)  # corridors on a line between lanes
    direction: str = "LR"  # flows run left to right ("LR") or top to bottom ("TB")
    row_columns: int | None = None  # wrap after this many columns into another row of lanes
    rows: int = 1  # rows of lanes once wrapped
    footnote: str = ""  # printed under the diagram (what a simplified map leaves out)
    compact: bool = False  # narrower text, gaps and labels: fitted to a page


def note_weight(colour: str) -> str:
    """The font weight of a note line in ``colour``: bold for pain points and plain ink.

    Examples
    --------
    >>> from research_kit.process._style import INK, TIME
    >>> note_weight(INK), note_weight(TIME)
    ('bold', 'normal')
    """
    return "bold" if colour in (PAIN, INK) else "normal"


def block_height(node: Node) -> float:
    """The height in inches of a node's text: its label lines and its note lines."""
    return (len(node.label_lines) * LABEL_PT + len(node.notes) * NOTE_PT) * LINE / 72


def label_size(edge: Edge) -> tuple[float, float]:
    """The width and height in inches of the box an edge's (italic) label needs."""
    width = max(text_width(line, EDGE_PT, style="italic") for line in edge.label_lines)
    return width + 0.1, len(edge.label_lines) * EDGE_PT * 1.15 / 72 + 0.08


def format_duration(value) -> str:
    """Write a duration briefly, for labels: ``45 s``, ``12 min``, ``3.5 h``, ``3.2 d``, ``4.1 wk``.

    Examples
    --------
    >>> [format_duration(pd.Timedelta(x)) for x in ("40s", "90min", "3 days 4h", "30 days")]
    ['40 s', '1.5 h', '3.2 d', '4.3 wk']
    >>> format_duration(None)
    ''
    """
    if value is None or pd.isna(value):
        return ""
    seconds = pd.Timedelta(value).total_seconds()
    for unit, size, limit in (
        ("s", 1, 60),
        ("min", 60, 3600),
        ("h", 3600, 86400),
        ("d", 86400, 14 * 86400),
        ("wk", 7 * 86400, 365 * 86400),
    ):
        if abs(seconds) < limit:
            number = seconds / size
            return f"{number:.0f} {unit}" if unit in ("s", "min") else f"{number:.1f} {unit}"
    return f"{seconds / (365.25 * 86400):.1f} y"

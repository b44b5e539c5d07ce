"""Layout of process drawings: which box goes where, and how each flow is routed.

A process map (lanes, steps, flows) or a mined directly-follows graph becomes a *scene*: nodes
with sizes measured from their wrapped labels, placed in columns by a layered layout (longest
path from the start with rework loops set aside, found by depth-first search) and in tracks
within each lane; flows routed orthogonally through the gaps, with rework arcs kept off the boxes
and off the lines between lanes. :mod:`research_kit.process.render` draws the scene with
matplotlib, in the type and colours of :mod:`._style`. Internal to the process package.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from itertools import combinations

import matplotlib as mpl
import pandas as pd

from research_kit.process._style import (
    EDGE_PT,
    FILLS,
    FLOW,
    HANDOFF,
    INK,
    LABEL_PT,
    LINE,
    MUTED,
    NOTE_PT,
    PAIN,
    REWORK,
    TIME,
    text_width,
    wrap,
)
from research_kit.process.spec import BLUEPRINT_ROWS, ProcessMap
from research_kit.tables import require_columns

# Sizes are in inches (the drawing's data unit) and font sizes in points.
_BOX_TEXT_WIDTH, _DIAMOND_TEXT_WIDTH, _EDGE_TEXT_WIDTH = 1.2, 0.75, 1.05
_PAD_X, _PAD_Y, _MIN_W, _MIN_H = 0.12, 0.09, 0.85, 0.42
_SLOT = 0.085  # distance between parallel flows in a channel or corridor
_CHANNEL_MIN, _CORRIDOR_MIN, _EMPTY_GAP = 0.42, 0.3, 0.22
_HEADER_W, _GROUP_W, _LINE_LABEL_W = 1.55, 0.32, 1.45
#: Blank space around a drawing, in inches.
MARGIN = 0.2

_ROW_TITLES = {  # long and short forms; the short one is used when the long does not fit
    "customer": ("Customer actions", "Customer"),
    "frontstage": ("Frontstage", "Front"),
    "backstage": ("Backstage", "Back"),
    "support": ("Support processes", "Support"),
    None: ("Other lanes", "Other"),
}
_BLUEPRINT_LINES = (
    ("customer", "frontstage", "line of interaction"),
    ("frontstage", "backstage", "line of visibility"),
    ("backstage", "support", "line of internal interaction"),
)


# -- the scene: what is drawn where ------------------------------------------------------------
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


@dataclass(eq=False)
class _Band:
    id: str
    label: str
    gid: str
    row: str | None = None
    tracks: int = 1
    first_track: int = 0
    top: float = 0.0
    bottom: float = 0.0


@dataclass(eq=False)
class _Slot:
    """A request for a line position in a channel (between columns) or corridor (between tracks)."""

    kind: str  # "chan" or "corr"
    index: int
    lo: float
    hi: float
    category: int = 1  # channels: 0 leaves a box on the left, 2 enters one on the right
    anchors: frozenset = frozenset()
    slot: int = 0


@dataclass(eq=False)
class Scene:
    """Everything to draw, laid out: nodes, edges, lanes, legend and callouts, in inches."""

    kind: str  # swimlane, blueprint, mined
    title: str
    subtitle: str
    nodes: dict[str, Node]
    edges: list[Edge]
    bands: list[_Band]
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
    diagram_bottom: float = 0.0
    channel_x: list[tuple[float, float]] = field(default_factory=list)  # (left, width)
    corridor_y: list[tuple[float, float]] = field(default_factory=list)  # (top, height)
    slot_counts: dict[tuple[str, int], int] = field(default_factory=dict)
    boundaries: set[int] = field(default_factory=set)  # corridors on a line between lanes


def swimlane_scene(spec: ProcessMap, *, kind: str, annotations: dict | None) -> Scene:
    """Lay out a process map as a swimlane diagram or service blueprint, ready to draw.

    ``kind`` and ``annotations`` mean what they mean for
    :func:`research_kit.process.render.swimlane_figure`, which draws the result.

    Examples
    --------
    >>> from research_kit.process import read_process_map
    >>> spec = read_process_map("interview_data/process/permit_process.yml")
    >>> scene = swimlane_scene(spec, kind="swimlane", annotations=None)
    >>> set(scene.nodes) == {step.id for step in spec.steps}, scene.width > 0
    (True, True)
    """
    if kind not in ("swimlane", "blueprint"):
        raise ValueError(f"kind must be 'swimlane' or 'blueprint', not {kind!r}")
    annotations = annotations or {}
    lanes = list(spec.lanes)
    if kind == "blueprint":
        rank = {row: i for i, row in enumerate(BLUEPRINT_ROWS)}
        lanes.sort(key=lambda lane: rank.get(lane.blueprint_row, len(rank)))
    bands = [
        _Band(lane.id, lane.label, _gid("lane", lane.id), lane.blueprint_row) for lane in lanes
    ]
    band_of = {lane.id: i for i, lane in enumerate(lanes)}
    nodes: dict[str, Node] = {}
    callouts = []
    for step in spec.steps:
        evidence = annotations.get(step.id) or {}
        node = Node(
            step.id,
            _gid("step", step.id),
            step.kind,
            band_of[step.lane],
            wrap(
                step.label,
                LABEL_PT,
                _DIAMOND_TEXT_WIDTH if step.kind == "decision" else _BOX_TEXT_WIDTH,
            ),
            fill=FILLS.get(step.kind, "#FFFFFF"),
        )
        if kind == "blueprint" and step.system:
            system = spec.systems.get(step.system, step.system)
            node.notes += [(line, MUTED) for line in wrap(system, NOTE_PT, 1.4)]
        node.notes += _evidence_notes(evidence)
        if evidence.get("quotes"):
            callouts.append(_callout(len(callouts) + 1, step.label, evidence))
            node.badge = str(len(callouts))
        nodes[step.id] = node
    lane_of = {step.id: step.lane for step in spec.steps}
    edges = []
    for index, flow in enumerate(spec.flows):
        handoff = lane_of[flow.source] != lane_of[flow.target]
        edges.append(
            Edge(
                flow.source,
                flow.target,
                flow.label,
                gid=f"flow-{index}",
                colour=HANDOFF if handoff else FLOW,
                handoff=handoff,
                order=-index,
                label_first=spec.step(flow.source).kind == "decision",
            )
        )
    legend = [
        ("task", "task"),
        ("decision", "decision"),
        ("wait", "wait"),
        ("start", "start / end"),
        ("flow", "flow"),
        ("handoff", "handoff between lanes"),
        ("rework", "rework loop"),
    ]
    if callouts:
        legend.append(("badge", "pain point (quotes below)"))
    scene = Scene(
        kind=kind,
        title=spec.name,
        subtitle="Service blueprint" if kind == "blueprint" else "Swimlane diagram",
        nodes=nodes,
        edges=edges,
        bands=bands,
        starts=[step.id for step in spec.steps if step.kind == "start"],
        header_width=_HEADER_W,
        group_width=_GROUP_W if kind == "blueprint" else 0.0,
        right_margin=_LINE_LABEL_W if kind == "blueprint" else MARGIN,
        callouts=callouts,
        legend=legend,
    )
    _arrange(scene)
    if kind == "blueprint":
        _blueprint_marks(scene)
    return scene


def _evidence_notes(evidence: dict) -> list[tuple[str, str]]:
    notes = []
    n_codings = int(evidence.get("n_codings") or 0)
    if n_codings:
        n_documents = int(evidence.get("n_documents") or 0)
        text = f"{n_codings} coding{'s' if n_codings != 1 else ''}"
        if n_documents:
            text += f" · {n_documents} interview{'s' if n_documents != 1 else ''}"
        notes.append((text, PAIN))
    times = []
    if format_duration(evidence.get("median_wait")):
        times.append(f"wait {format_duration(evidence.get('median_wait'))}")
    if format_duration(evidence.get("median_processing")):
        times.append(f"work {format_duration(evidence.get('median_processing'))}")
    if times:
        notes.append((" · ".join(times), TIME))
    return notes


def _callout(number: int, label: str, evidence: dict) -> tuple[str, list[str]]:
    n_codings = int(evidence.get("n_codings") or 0)
    head = f"{number}  {label}"
    if n_codings:
        head += f" — {n_codings} coding{'s' if n_codings != 1 else ''}"
        if evidence.get("n_documents"):
            head += f" in {int(evidence['n_documents'])} interviews"
    codes = evidence.get("code_names") or evidence.get("codes") or []
    if len(codes):
        head += f" ({', '.join(str(code) for code in codes)})"
    sources = list(evidence.get("quote_documents") or [])
    quotes = []
    for i, quote in enumerate(evidence.get("quotes") or []):
        source = f" — {sources[i]}" if i < len(sources) and sources[i] else ""
        quote = str(quote).strip()
        if len(quote) > 1 and quote[0] == quote[-1] == '"':
            quote = quote[1:-1]
        quotes.append(f"“{quote}”{source}")
    return head, quotes


def mined_scene(
    dfg: pd.DataFrame,
    *,
    starts: pd.DataFrame | None,
    ends: pd.DataFrame | None,
    metric: str,
    min_count: int | None,
    statistic: str,
    title: str,
) -> Scene:
    """Lay out a directly-follows graph as a process map, ready to draw.

    The options mean what they mean for :func:`research_kit.process.render.process_map_figure`.

    Examples
    --------
    >>> dfg = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "count": [5, 3]})
    >>> scene = mined_scene(dfg, starts=None, ends=None, metric="frequency", min_count=None,
    ...                     statistic="median", title="Permits")
    >>> sorted(scene.nodes), [edge.label_lines for edge in scene.edges]
    (['a', 'b', 'c'], [['5'], ['3']])
    """
    if metric not in ("frequency", "performance", "both"):
        raise ValueError(f"metric must be 'frequency', 'performance' or 'both', not {metric!r}")
    needed = {"source": "source", "target": "target", "count": "count"}
    if metric != "frequency":
        needed["waiting time"] = statistic
    require_columns(dfg, needed, "<directly-follows table>")
    frame = dfg.reset_index(drop=True)
    frequency = _activity_counts(frame, starts)
    if min_count is not None:
        frame = frame[frame["count"] >= min_count]
    starts_frame = _boundary(starts, min_count)
    ends_frame = _boundary(ends, min_count)
    used = pd.concat(
        [frame["source"], frame["target"], starts_frame["activity"], ends_frame["activity"]]
    ).astype(str)
    activities = sorted(dict.fromkeys(used), key=lambda a: (-frequency.get(a, 0), a))
    band = _Band("map", "", "map")
    top = max([frequency.get(a, 0) for a in activities] + [1])
    nodes: dict[str, Node] = {}
    if len(starts_frame):
        nodes["__start__"] = Node("__start__", "map-start", "start", 0, ["start"])
        nodes["__start__"].fill = FILLS["start"]
    for i, activity in enumerate(activities):
        count = frequency.get(activity, 0)
        share = count / top
        node = Node(
            activity,
            f"activity-{i}",
            "activity",
            0,
            wrap(activity, LABEL_PT, _BOX_TEXT_WIDTH),
            notes=[(f"{count:,}", INK)] if count else [],
            fill=_blend("#FFFFFF", "#9FC3E7", share),
        )
        nodes[activity] = node
    if len(ends_frame):
        nodes["__end__"] = Node("__end__", "map-end", "end", 0, ["end"])
        nodes["__end__"].fill = FILLS["end"]
    rows = [("__start__", str(r.activity), int(r.count), None) for r in starts_frame.itertuples()]
    waits = frame[statistic] if metric != "frequency" else pd.Series(None, index=frame.index)
    rows += [
        (str(s), str(t), int(c), w)
        for s, t, c, w in zip(frame["source"], frame["target"], frame["count"], waits, strict=True)
    ]
    rows += [(str(r.activity), "__end__", int(r.count), None) for r in ends_frame.itertuples()]
    most = max([row[2] for row in rows] + [1])
    longest = max([pd.Timedelta(w).total_seconds() for *_, w in rows if not _missing(w)] + [1])
    edges = []
    for index, (source, target, count, wait) in enumerate(rows):
        parts = []
        if metric in ("frequency", "both") or _missing(wait):
            parts.append(f"{count:,}")
        if metric != "frequency" and not _missing(wait):
            parts.append(format_duration(wait))
        colour = _blend("#B8B8B8", "#2B4A6F", math.sqrt(count / most))
        if metric == "performance" and not _missing(wait):
            colour = _blend("#E8B28A", "#B2182B", pd.Timedelta(wait).total_seconds() / longest)
        edges.append(
            Edge(
                source,
                target,
                " · ".join(parts),
                gid=f"edge-{index}",
                colour=colour,
                width=0.7 + 3.3 * math.sqrt(count / most),
                order=count,
            )
        )
    subtitle = {
        "frequency": "Directly-follows map · edges: how often one activity follows another",
        "performance": f"Directly-follows map · edges: {statistic} waiting time",
        "both": f"Directly-follows map · edges: count · {statistic} waiting time",
    }[metric]
    scene = Scene(
        kind="mined",
        title=title,
        subtitle=subtitle,
        nodes=nodes,
        edges=edges,
        bands=[band],
        starts=["__start__"] if "__start__" in nodes else activities[:1],
    )
    _arrange(scene)
    return scene


def _activity_counts(dfg: pd.DataFrame, starts: pd.DataFrame | None) -> dict[str, int]:
    """Events per activity: flows into it plus cases starting with it (or the larger flow)."""
    into = dfg.groupby(dfg["target"].astype(str))["count"].sum()
    out = dfg.groupby(dfg["source"].astype(str))["count"].sum()
    if starts is not None and len(starts):
        begun = starts.groupby(starts["activity"].astype(str))["count"].sum()
        total = into.add(begun, fill_value=0)
    else:
        total = into.combine(out, max, fill_value=0)
    return {str(k): int(v) for k, v in total.items()}


def _boundary(frame: pd.DataFrame | None, min_count: int | None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({"activity": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    require_columns(frame, {"activity": "activity", "count": "count"}, "<start/end activities>")
    if min_count is not None:
        frame = frame[frame["count"] >= min_count]
    return frame.reset_index(drop=True)


# -- layout: columns, tracks, routes and coordinates --------------------------------------------
def _arrange(scene: Scene) -> None:
    for node in scene.nodes.values():
        _size(node)
    for edge in scene.edges:
        if edge.label:
            edge.label_lines = wrap(edge.label, EDGE_PT, _EDGE_TEXT_WIDTH)
    _mark_back_edges(scene)
    _assign_columns(scene)
    _assign_tracks(scene)
    requests = _route(scene)
    counts = _allocate(requests)
    _place(scene, counts)
    for edge in scene.edges:
        edge.points = _clean([_resolve(scene, point) for point in edge.route])


def _size(node: Node) -> None:
    label_w = max(text_width(line, LABEL_PT, node.label_weight) for line in node.label_lines)
    note_w = max(
        [text_width(text, NOTE_PT, note_weight(colour)) for text, colour in node.notes] + [0.0]
    )
    text_w = max(label_w, note_w)
    text_h = block_height(node)
    if node.shape == "decision":
        # A 2:1 diamond holds a text block of w × h when its width is at least w + 2h.
        node.width = max(_MIN_W, text_w + 2 * text_h + 0.28)
        node.height = node.width / 2
    elif node.shape in ("start", "end"):
        node.height = max(_MIN_H, text_h + 2 * _PAD_Y)
        node.width = max(0.8, text_w + 0.8 * node.height + 0.1)
    else:
        icon = 0.2 if node.shape == "wait" else 0.0
        node.width = max(_MIN_W, text_w + 2 * _PAD_X + icon)
        node.height = max(_MIN_H, text_h + 2 * _PAD_Y)


def note_weight(colour: str) -> str:
    """The font weight of a note line in ``colour``: bold for pain points and plain ink.

    Examples
    --------
    >>> note_weight(INK), note_weight(TIME)
    ('bold', 'normal')
    """
    return "bold" if colour in (PAIN, INK) else "normal"


def block_height(node: Node) -> float:
    """The height in inches of a node's text: its label lines and its note lines."""
    return (len(node.label_lines) * LABEL_PT + len(node.notes) * NOTE_PT) * LINE / 72


def _mark_back_edges(scene: Scene) -> None:
    """Depth-first search from the starts: an edge into a step still on the stack closes a loop."""
    order = list(scene.nodes)
    outgoing: dict[str, list[Edge]] = {node: [] for node in order}
    for edge in scene.edges:
        outgoing[edge.source].append(edge)
    for edges in outgoing.values():
        edges.sort(key=lambda e: -e.order)
    state = dict.fromkeys(order, 0)  # 0 unseen, 1 on the stack, 2 done
    for root in [*scene.starts, *order]:
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(outgoing[root]))]
        while stack:
            node, pending = stack[-1]
            edge = next(pending, None)
            if edge is None:
                state[node] = 2
                stack.pop()
            elif state[edge.target] == 1:
                edge.back = True
            elif state[edge.target] == 0:
                state[edge.target] = 1
                stack.append((edge.target, iter(outgoing[edge.target])))
    for edge in scene.edges:
        if edge.back and scene.kind != "mined":
            edge.colour = REWORK
            if not edge.label:
                edge.label, edge.label_lines = "rework", ["rework"]


def _assign_columns(scene: Scene) -> None:
    """Longest path from the sources over the forward edges (Kahn's order)."""
    forward = [edge for edge in scene.edges if not edge.back]
    indegree = dict.fromkeys(scene.nodes, 0)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for edge in forward:
        indegree[edge.target] += 1
        outgoing[edge.source].append(edge.target)
    queue = deque(node for node, degree in indegree.items() if degree == 0)
    while queue:
        node = queue.popleft()
        for target in outgoing[node]:
            scene.nodes[target].column = max(
                scene.nodes[target].column, scene.nodes[node].column + 1
            )
            indegree[target] -= 1
            if indegree[target] == 0:
                queue.append(target)


def _assign_tracks(scene: Scene) -> None:
    """Give every node a track in its band; barycentre sweeps choose which one."""
    cells: dict[tuple[int, int], list[Node]] = defaultdict(list)
    for node in scene.nodes.values():
        cells[(node.band, node.column)].append(node)
    first = 0
    for index, band in enumerate(scene.bands):
        band.tracks = max([len(c) for (b, _), c in cells.items() if b == index] + [1])
        band.first_track = first
        first += band.tracks
    for (band_index, _), cell in cells.items():
        for local, node in enumerate(cell):
            node.track = scene.bands[band_index].first_track + local
    before: dict[str, list[str]] = defaultdict(list)
    after: dict[str, list[str]] = defaultdict(list)
    for edge in scene.edges:
        if not edge.back and edge.source != edge.target:
            after[edge.source].append(edge.target)
            before[edge.target].append(edge.source)
    columns = max([node.column for node in scene.nodes.values()] + [0]) + 1
    for sweep in range(4):
        forward = sweep % 2 == 0
        for column in range(columns) if forward else reversed(range(columns)):
            for (band_index, cell_column), cell in cells.items():
                band = scene.bands[band_index]
                if cell_column != column or band.tracks == 1:
                    continue
                wanted = {}
                for node in cell:
                    neighbours = (before if forward else after)[node.id] or (
                        before[node.id] + after[node.id]
                    )
                    tracks = [scene.nodes[n].track for n in neighbours]
                    wanted[node.id] = sum(tracks) / len(tracks) if tracks else node.track
                _choose_tracks(cell, wanted, band)


def _choose_tracks(cell: list[Node], wanted: dict[str, float], band: _Band) -> None:
    ordered = sorted(cell, key=lambda node: (wanted[node.id], node.track))
    options = range(band.first_track, band.first_track + band.tracks)
    best, best_cost = None, math.inf
    choices = combinations(options, len(ordered))
    if math.comb(band.tracks, len(ordered)) > 5000:
        choices = [tuple(options)[: len(ordered)]]
    for choice in choices:
        # The small second term keeps boxes on their lane's upper tracks when nothing pulls.
        cost = sum(abs(t - wanted[n.id]) for t, n in zip(choice, ordered, strict=True))
        cost += 0.01 * sum(t - band.first_track for t in choice)
        if cost < best_cost - 1e-9:
            best, best_cost = choice, cost
    for node, track in zip(ordered, best, strict=True):
        node.track = track


def _route(scene: Scene) -> dict[tuple[str, int], list[_Slot]]:
    """Give every edge an abstract orthogonal route through channels and corridors."""
    nodes = scene.nodes
    taken = {(n.track, n.column) for n in nodes.values()}
    requests: dict[tuple[str, int], list[_Slot]] = defaultdict(list)
    load: dict[int, int] = defaultdict(int)

    def clear_row(track, c0, c1):
        return all((track, c) not in taken for c in range(c0, c1 + 1))

    def clear_column(column, t0, t1):
        return all((t, column) not in taken for t in range(t0, t1 + 1))

    def slot(kind, index, a, b, category=1, anchors=()):
        request = _Slot(kind, index, min(a, b), max(a, b), category, frozenset(anchors))
        requests[(kind, index)].append(request)
        if kind == "corr":
            load[index] += 1
        return ("s", request)

    def n(node_id, f):
        return ("n", node_id, f)

    _choose_sides(scene)
    for edge in scene.edges:
        u, v = nodes[edge.source], nodes[edge.target]
        tu, tv, cu, cv = u.track, v.track, u.column, v.column
        yu, yv = n(u.id, 0), n(v.id, 0)
        up = _sign(tv - tu)
        if edge.source == edge.target:
            # A small curl over the top-right corner, clear of the ports other flows use.
            top, right = ("n", u.id, -1, -0.13), ("n", u.id, 1, 0.13)
            edge.route = [(n(u.id, 0.65), n(u.id, -1)), (n(u.id, 0.65), top), (right, top)]
            edge.route += [(right, n(u.id, -0.5)), (n(u.id, 1), n(u.id, -0.5))]
        elif edge.back:
            edge.route = _back_route(u, v, slot, n)
        elif edge.side in ("top", "bottom"):
            f = -1 if edge.side == "top" else 1
            start = (n(u.id, 0), n(u.id, f))
            rows = range(tu + 1, tv + 1) if tv > tu else range(tv, tu)
            if all(clear_column(cu, t, t) for t in rows) and clear_row(tv, cu + 1, cv - 1):
                edge.route = [start, (n(u.id, 0), yv), (n(v.id, -1), yv)]
            else:
                k = tu + 1 if f > 0 else tu
                g = slot("corr", k, cu, cv - 0.5, anchors={("out", u.id, 1)})
                s = slot("chan", cv, k - 0.5, tv, 2, {("in", v.id, _sign(k - 0.5 - tv))})
                edge.route = [start, (n(u.id, 0), g), (s, g), (s, yv), (n(v.id, -1), yv)]
        elif tu == tv and clear_row(tu, cu + 1, cv - 1):
            edge.route = [(n(u.id, 1), yu), (n(v.id, -1), yv)]
        elif cv == cu + 1 or clear_row(tu, cu + 1, cv - 1) or clear_row(tv, cu + 1, cv - 1):
            channel = cv if (cv == cu + 1 or clear_row(tu, cu + 1, cv - 1)) else cu + 1
            anchors = {("out", u.id, up), ("in", v.id, -up)}
            s = slot("chan", channel, tu, tv, 1, anchors)
            edge.route = [(n(u.id, 1), yu), (s, yu), (s, yv), (n(v.id, -1), yv)]
        else:
            low, high = sorted((tu, tv))
            candidates = [tu + 1, tu] if tu == tv else list(range(low + 1, high + 1))
            k = min(candidates, key=lambda c: (load[c], abs(c - 0.5 - tu)))
            s1 = slot("chan", cu + 1, tu, k - 0.5, 0, {("out", u.id, _sign(k - 0.5 - tu))})
            g = slot("corr", k, cu + 0.5, cv - 0.5)
            s2 = slot("chan", cv, k - 0.5, tv, 2, {("in", v.id, _sign(k - 0.5 - tv))})
            edge.route = [(n(u.id, 1), yu), (s1, yu), (s1, g), (s2, g), (s2, yv)]
            edge.route.append((n(v.id, -1), yv))
    return requests


def _choose_sides(scene: Scene) -> None:
    """Decisions send branches out of different tips: right, top or bottom."""
    outgoing: dict[str, list[Edge]] = defaultdict(list)
    for edge in scene.edges:
        outgoing[edge.source].append(edge)
    for node_id, edges in outgoing.items():
        if scene.nodes[node_id].shape != "decision":
            continue
        used = set()
        track = scene.nodes[node_id].track
        for edge in sorted(edges, key=lambda e: not e.back):
            target = scene.nodes[edge.target].track
            if edge.back:
                edge.side = "top" if target <= track else "bottom"
                used.add(edge.side)
                continue
            wanted = "right" if target == track else ("top" if target < track else "bottom")
            if wanted in used:
                wanted = "right"
            edge.side = wanted
            if wanted != "right":
                used.add(wanted)


def _back_route(u: Node, v: Node, slot, n) -> list:
    """A loop back to an earlier step, arcing through the corridors above or below the boxes."""
    tu, tv, cu, cv = u.track, v.track, u.column, v.column
    fu_x = 0.0 if u.shape == "decision" else 0.3
    fv_x = 0.0 if v.shape == "decision" else -0.3
    up = tv <= tu
    fu, ku = (-1, tu) if up else (1, tu + 1)
    fv, kv = (1, tv + 1) if tv < tu else (-1, tv)
    start = [(n(u.id, fu_x), n(u.id, fu))]
    end = [(n(v.id, fv_x), n(v.id, fv))]
    if ku == kv:
        g = slot("corr", ku, cv, cu, anchors={("out", u.id, -1), ("in", v.id, 1)})
        return [*start, (n(u.id, fu_x), g), (n(v.id, fv_x), g), *end]
    x = slot("chan", cv + 1, ku - 0.5, kv - 0.5, 1)
    g1 = slot("corr", ku, cv + 0.5, cu, anchors={("out", u.id, -1)})
    g2 = slot("corr", kv, cv, cv + 0.5, anchors={("in", v.id, 1)})
    return [*start, (n(u.id, fu_x), g1), (x, g1), (x, g2), (n(v.id, fv_x), g2), *end]


def _allocate(requests: dict[tuple[str, int], list[_Slot]]) -> dict[tuple[str, int], int]:
    """Greedy interval colouring: parallel lines in one channel get their own positions.

    Lines that leave a box on the left take the leftmost positions and lines that enter a box
    on the right the rightmost, so a line leaving one box never runs into the next box's entry.
    Lines that share their box end and direction may share a position (a trunk that splits).
    """
    counts = {}
    for key, slots in requests.items():
        pools: dict[int, list[list[_Slot]]] = {0: [], 1: [], 2: []}
        positions = {}
        for request in sorted(slots, key=lambda s: (s.category, s.lo, s.hi)):
            pool = pools[request.category]
            for i, members in enumerate(pool):
                if all(_compatible(request, other) for other in members):
                    members.append(request)
                    positions[id(request)] = (request.category, i)
                    break
            else:
                pool.append([request])
                positions[id(request)] = (request.category, len(pool) - 1)
        base = {0: 0, 1: len(pools[0]), 2: len(pools[0]) + len(pools[1])}
        for request in slots:
            category, i = positions[id(request)]
            request.slot = base[category] + i
        counts[key] = sum(len(pool) for pool in pools.values())
    return counts


def _compatible(a: _Slot, b: _Slot) -> bool:
    return a.hi < b.lo - 1e-9 or b.hi < a.lo - 1e-9 or bool(a.anchors & b.anchors)


def _place(scene: Scene, counts: dict[tuple[str, int], int]) -> None:
    """Turn columns, tracks and slot counts into inches."""
    nodes = list(scene.nodes.values())
    columns = max([node.column for node in nodes] + [0]) + 1
    tracks = sum(band.tracks for band in scene.bands)
    column_w = [max([n.width for n in nodes if n.column == c] + [_MIN_W]) for c in range(columns)]
    track_h = [max([n.height for n in nodes if n.track == t] + [_MIN_H]) for t in range(tracks)]

    def gap(kind, index, minimum, pad):
        used = counts.get((kind, index), 0)
        return max(minimum if used else _EMPTY_GAP, used * _SLOT + pad)

    channel_w = [gap("chan", c, _CHANNEL_MIN, 0.32) for c in range(columns + 1)]
    for edge in scene.edges:
        # A straight flow between neighbouring columns carries its label in the gap.
        if len(edge.route) == 2 and edge.label_lines and not edge.back:
            column = scene.nodes[edge.target].column
            needed = label_size(edge)[0] + 0.3
            channel_w[column] = max(channel_w[column], needed)
    scene.boundaries = {band.first_track for band in scene.bands[1:]}
    corridor_h = [
        gap("corr", k, _CORRIDOR_MIN, 0.22 + (2 * _SLOT if k in scene.boundaries else 0.0))
        for k in range(tracks + 1)
    ]
    corridor_h = [max(h, 0.3) for h in corridor_h]  # room for badges and labels at the edges
    x = MARGIN + scene.group_width + scene.header_width
    scene.channel_x = []
    column_x = []
    for c in range(columns + 1):
        scene.channel_x.append((x, channel_w[c]))
        x += channel_w[c]
        if c < columns:
            column_x.append(x)
            x += column_w[c]
    scene.width = max(x + scene.right_margin, 4.0)
    y = 0.75  # title
    scene.corridor_y = []
    track_y = []
    for k in range(tracks + 1):
        scene.corridor_y.append((y, corridor_h[k]))
        y += corridor_h[k]
        if k < tracks:
            track_y.append(y)
            y += track_h[k]
    scene.diagram_bottom = y
    for node in nodes:
        node.x = column_x[node.column] + column_w[node.column] / 2
        node.y = track_y[node.track] + track_h[node.track] / 2
    scene.slot_counts = counts
    for band in scene.bands:
        first, last = band.first_track, band.first_track + band.tracks
        top, top_h = scene.corridor_y[first]
        bottom, bottom_h = scene.corridor_y[last]
        band.top = top + (top_h / 2 if first > 0 else 0.0)
        band.bottom = bottom + (bottom_h / 2 if last < tracks else bottom_h)


def _resolve(scene: Scene, point) -> tuple[float, float]:
    x_ref, y_ref = point
    return _coordinate(scene, x_ref, "x"), _coordinate(scene, y_ref, "y")


def _coordinate(scene: Scene, ref, axis: str) -> float:
    if ref[0] == "n":
        node = scene.nodes[ref[1]]
        extra = ref[3] if len(ref) > 3 else 0.0  # inches beyond the box edge
        if axis == "x":
            return node.x + ref[2] * node.width / 2 + extra
        return node.y + ref[2] * node.height / 2 + extra
    request: _Slot = ref[1]
    start, size = (scene.channel_x if request.kind == "chan" else scene.corridor_y)[request.index]
    used = scene.slot_counts[(request.kind, request.index)]
    if request.kind == "corr" and request.index in scene.boundaries:
        # Keep off the line between two lanes: alternate above and below it.
        side = -1 if request.slot % 2 == 0 else 1
        return start + size / 2 + side * (1 + request.slot // 2) * _SLOT
    return start + (size - used * _SLOT) / 2 + (request.slot + 0.5) * _SLOT


def _clean(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle of straight runs."""
    out: list[tuple[float, float]] = []
    for point in points:
        if out and math.dist(out[-1], point) < 1e-6:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if abs((x1 - x0) * (point[1] - y0) - (y1 - y0) * (point[0] - x0)) < 1e-9:
                out[-1] = point
                continue
        out.append(point)
    return out


def _blueprint_marks(scene: Scene) -> None:
    rank = {row: i for i, row in enumerate(BLUEPRINT_ROWS)}
    ranks = [rank.get(band.row, len(rank)) for band in scene.bands]
    for above, below, label in _BLUEPRINT_LINES:
        upper = [i for i, r in enumerate(ranks) if r <= rank[above]]
        lower = [i for i, r in enumerate(ranks) if rank[below] <= r < len(rank)]
        if upper and lower and max(upper) + 1 == min(lower):
            scene.lines.append((scene.bands[max(upper)].bottom, label))
    start = 0
    while start < len(scene.bands):
        end = start
        while end + 1 < len(scene.bands) and ranks[end + 1] == ranks[start]:
            end += 1
        row = scene.bands[start].row if ranks[start] < len(rank) else None
        top, bottom = scene.bands[start].top, scene.bands[end].bottom
        long, short = _ROW_TITLES[row]
        title = long if text_width(long, 8, "bold") < bottom - top - 0.15 else short
        scene.groups.append((title, top, bottom))
        start = end + 1


# -- small helpers ----------------------------------------------------------------------------
def _gid(prefix: str, identifier: str) -> str:
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9_.:-]', '_', str(identifier))}"


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


def _blend(low: str, high: str, share: float) -> str:
    share = min(max(float(share), 0.0), 1.0)
    a = mpl.colors.to_rgb(low)
    b = mpl.colors.to_rgb(high)
    return mpl.colors.to_hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))


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


def label_size(edge: Edge) -> tuple[float, float]:
    """The width and height in inches of the box an edge's (italic) label needs."""
    width = max(text_width(line, EDGE_PT, style="italic") for line in edge.label_lines)
    return width + 0.1, len(edge.label_lines) * EDGE_PT * 1.15 / 72 + 0.08

"""Arranging a scene: which column and track each box takes, and how each flow is routed.

A small layered (Sugiyama-style) layout, run by :func:`arrange` on a :class:`._scene.Scene`:

1. rework loops are found with a depth-first search from the start and set aside as back edges;
2. every step gets a column: the longest path to it from the start over the remaining flows;
3. every lane is a horizontal band of one or more tracks (two steps of one lane that fall in the
   same column take two tracks); steps are moved between their lane's tracks by a few
   barycentre sweeps, so flows cross less;
4. flows are routed orthogonally through the free channels between columns and corridors
   between tracks, so they never run through a box; back edges arc over (or under) the boxes.

Two options fit a drawing to a page (:mod:`._fold`). ``scene.row_columns`` wraps a long
process like text: columns beyond that many start another row of lanes under the first, and a
flow into a later row leaves its box downwards and runs, like a loop, through the corridors and
a channel. ``scene.direction == "TB"`` lays the drawing out left to right with every box's
width and height exchanged and then mirrors it on the diagonal, so columns become rows of
boxes, lanes become columns, and flows run down the page. Every flow leaves and enters its
boxes at a port of its own, so no two flows share a line (except a decision's branches).

Boxes are sized to their wrapped labels and columns to their widest box, so text never
overlaps. Internal to the process package.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass
from itertools import combinations

from research_kit.process._fold import transpose, wrap_rows
from research_kit.process._scene import (
    MARGIN,
    TITLE_H,
    Band,
    Edge,
    Node,
    Scene,
    block_height,
    label_size,
    note_weight,
)
from research_kit.process._style import EDGE_PT, LABEL_PT, NOTE_PT, REWORK, text_width, wrap

# Sizes are in inches (the drawing's data unit) and font sizes in points.
_EDGE_TEXT_WIDTH, _COMPACT_EDGE_TEXT_WIDTH = 1.05, 0.6
_PAD_X, _PAD_Y, _MIN_W, _MIN_H = 0.12, 0.09, 0.85, 0.42
_SLOT, _COMPACT_SLOT = 0.085, 0.065  # distance between parallel flows in a channel or corridor
_PORT_GAP = 0.08  # distance between flows leaving or entering one side of a box
_CHANNEL_MIN, _CORRIDOR_MIN, _EMPTY_GAP = 0.42, 0.3, 0.22
_COMPACT_CHANNEL_MIN, _COMPACT_CORRIDOR_MIN = 0.34, 0.26


def arrange(scene: Scene) -> None:
    """Size every box to its text, then give boxes columns and tracks and flows routes, in place.

    Examples
    --------
    >>> from research_kit.process._scene import Band, Edge, Node
    >>> scene = Scene(kind="mined", title="", subtitle="", bands=[Band("map", "", "map")],
    ...               nodes={n: Node(n, n, "activity", 0, [n]) for n in ("a", "b")},
    ...               edges=[Edge("a", "b")], starts=["a"])
    >>> arrange(scene)
    >>> [node.column for node in scene.nodes.values()], scene.width > 0
    ([0, 1], True)
    """
    for node in scene.nodes.values():
        _size(node)
    for edge in scene.edges:
        if edge.label:
            edge.label_lines = _label_lines(edge.label, scene.compact)
    _mark_back_edges(scene)
    _assign_columns(scene)
    wrap_rows(scene)
    _assign_tracks(scene)
    if scene.direction == "TB":
        for node in scene.nodes.values():  # laid out across, then mirrored
            node.width, node.height = node.height, node.width
    requests = _route(scene)
    counts = _allocate(requests)
    _place(scene, counts)
    for edge in scene.edges:
        edge.points = _clean([_resolve(scene, point) for point in edge.route])
    if scene.direction == "TB":
        transpose(scene)


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


def _label_lines(label: str, compact: bool) -> list[str]:
    """A flow label's lines; a compact one too wide for one line breaks at its " · " first."""
    width = _COMPACT_EDGE_TEXT_WIDTH if compact else _EDGE_TEXT_WIDTH
    if compact and " · " in label and text_width(label, EDGE_PT, style="italic") > width:
        return [line for part in label.split(" · ") for line in wrap(part, EDGE_PT, width)]
    return wrap(label, EDGE_PT, width)


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


def _choose_tracks(cell: list[Node], wanted: dict[str, float], band: Band) -> None:
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
        # Flows share a line only out of (or into) a decision's tip: elsewhere each leaves its
        # box at its own port, so a shared trunk would put two flows on one line.
        anchors = frozenset(a for a in anchors if nodes[a[1]].shape == "decision")
        request = _Slot(kind, index, min(a, b), max(a, b), category, anchors)
        requests[(kind, index)].append(request)
        if kind == "corr":
            load[index] += 1
        return ("s", request)

    def n(node_id, f):
        return ("n", node_id, f)

    _choose_sides(scene)
    straight = {
        id(edge)
        for edge in scene.edges
        if _runs_across(edge)
        and nodes[edge.source].track == nodes[edge.target].track
        and clear_row(
            nodes[edge.source].track, nodes[edge.source].column + 1, nodes[edge.target].column - 1
        )
    }
    ports = _ports(scene, straight)
    for edge in scene.edges:
        u, v = nodes[edge.source], nodes[edge.target]
        tu, tv, cu, cv = u.track, v.track, u.column, v.column
        yu, yv = n(u.id, ports.get((id(edge), 1), 0.0)), n(v.id, ports.get((id(edge), -1), 0.0))
        up = _sign(tv - tu)
        if edge.source == edge.target:
            # A small curl over the top-right corner, clear of the ports other flows use.
            top, right = ("n", u.id, -1, -0.13), ("n", u.id, 1, 0.13)
            edge.route = [(n(u.id, 0.65), n(u.id, -1)), (n(u.id, 0.65), top), (right, top)]
            edge.route += [(right, n(u.id, -0.5)), (n(u.id, 1), n(u.id, -0.5))]
        elif edge.back or edge.wrapped:
            edge.route = _back_route(u, v, slot, n, ports.get((id(edge), 2), (0.3, -0.3)))
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


def _runs_across(edge: Edge) -> bool:
    """Whether a flow leaves its box on the right and enters the next on the left."""
    return not (edge.back or edge.wrapped) and edge.source != edge.target


def _ports(scene: Scene, straight: set[int]) -> dict[tuple[int, int], object]:
    """Where each flow leaves and enters its boxes, spread so that no two share a line.

    Keys are (id of the edge, 1) for the right side it leaves, (id, -1) for the left side it
    enters — shares of the box's half-height, a straight flow in the middle and the others
    above and below it in the order of the boxes they lead to — and (id, 2) for a loop or a
    wrapped flow: the shares of the half-widths where it leaves the top or bottom of its
    source (right half) and enters its target (left half). Decisions keep their tips.
    """
    nodes = scene.nodes
    sides: dict[tuple[str, int], list[tuple[tuple, Edge]]] = defaultdict(list)
    over: dict[tuple[str, int], list[tuple[tuple, Edge]]] = defaultdict(list)
    for edge in scene.edges:
        u, v = nodes[edge.source], nodes[edge.target]
        if _runs_across(edge):
            if edge.side == "right":
                sides[(u.id, 1)].append(((v.track, v.column), edge))
            sides[(v.id, -1)].append(((u.track, u.column), edge))
        elif edge.source != edge.target:
            over[(u.id, 1)].append(((v.column, v.track), edge))
            over[(v.id, -1)].append(((u.column, u.track), edge))
    ports: dict[tuple[int, int], object] = {}
    for (node_id, side), members in sides.items():
        node = nodes[node_id]
        if node.shape == "decision" or len(members) < 2:
            continue
        members.sort(key=lambda item: item[0])
        middle = next(
            (i for i, (_, e) in enumerate(members) if id(e) in straight), (len(members) - 1) / 2
        )
        reach = max(node.height / 2 - 0.07, 0.0)
        step = min(_PORT_GAP, reach / max(middle, len(members) - 1 - middle, 1))
        for i, (_, edge) in enumerate(members):
            ports[(id(edge), side)] = (i - middle) * step / (node.height / 2)
    spread: dict[int, list[float]] = defaultdict(lambda: [0.3, -0.3])
    for (node_id, end), members in over.items():
        node = nodes[node_id]
        members.sort(key=lambda item: item[0], reverse=end == 1)
        # Leaving on the right half of the top or bottom, entering on the left half — or
        # across the whole side when nothing leaves it (the end of a mined map).
        whole = end == -1 and not over.get((node_id, 1))
        room = 1.7 if whole else 0.6
        step = min(_PORT_GAP / (node.width / 2), room / max(len(members) - 1, 1))
        first = -step * (len(members) - 1) / 2 if whole else end * 0.25
        for i, (_, edge) in enumerate(members):
            spread[id(edge)][0 if end == 1 else 1] = first + i * step * (1 if whole else end)
    for key, xs in spread.items():
        ports[(key, 2)] = tuple(xs)
    return ports


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
        for edge in sorted(edges, key=lambda e: not (e.back or e.wrapped)):
            target = scene.nodes[edge.target].track
            if edge.back or edge.wrapped:
                edge.side = "top" if target <= track else "bottom"
                used.add(edge.side)
                continue
            wanted = "right" if target == track else ("top" if target < track else "bottom")
            if wanted in used:
                wanted = "right"
            edge.side = wanted
            if wanted != "right":
                used.add(wanted)


def _back_route(u: Node, v: Node, slot, n, xs: tuple[float, float]) -> list:
    """A loop back to an earlier step, arcing through the corridors above or below the boxes.

    ``xs`` are where the flow leaves ``u`` and enters ``v``, as shares of their half-widths.
    """
    tu, tv, cu, cv = u.track, v.track, u.column, v.column
    fu_x = 0.0 if u.shape == "decision" else xs[0]
    fv_x = 0.0 if v.shape == "decision" else xs[1]
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

    slot = _COMPACT_SLOT if scene.compact else _SLOT

    def gap(kind, index, minimum, pad):
        used = counts.get((kind, index), 0)
        return max(minimum if used else _EMPTY_GAP, used * slot + pad)

    channel_min = _COMPACT_CHANNEL_MIN if scene.compact else _CHANNEL_MIN
    corridor_min = _COMPACT_CORRIDOR_MIN if scene.compact else _CORRIDOR_MIN
    # Room beside the lines of a channel or corridor: less when fitting a page.
    channel_pad, corridor_pad = (0.2, 0.14) if scene.compact else (0.32, 0.22)
    channel_w = [gap("chan", c, channel_min, channel_pad) for c in range(columns + 1)]
    for edge in scene.edges:
        # A straight flow between neighbouring columns carries its label in the gap.
        if len(edge.route) == 2 and edge.label_lines and not edge.back:
            column = scene.nodes[edge.target].column
            needed = label_size(edge)[0 if scene.direction == "LR" else 1] + 0.3
            channel_w[column] = max(channel_w[column], needed)
    scene.boundaries = {band.first_track for band in scene.bands[1:]}
    corridor_h = [
        gap("corr", k, corridor_min, corridor_pad + (2 * slot if k in scene.boundaries else 0.0))
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
    scene.extent = x
    scene.width = max(x + scene.right_margin, 4.0)
    y = TITLE_H
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
    slot = _COMPACT_SLOT if scene.compact else _SLOT
    start, size = (scene.channel_x if request.kind == "chan" else scene.corridor_y)[request.index]
    used = scene.slot_counts[(request.kind, request.index)]
    if request.kind == "corr" and request.index in scene.boundaries:
        # Keep off the line between two lanes: alternate above and below it.
        side = -1 if request.slot % 2 == 0 else 1
        return start + size / 2 + side * (1 + request.slot // 2) * slot
    return start + (size - used * slot) / 2 + (request.slot + 0.5) * slot


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


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)

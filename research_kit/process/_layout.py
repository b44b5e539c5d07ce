"""Layout of process drawings: a process map or a mined directly-follows graph as a scene.

:func:`swimlane_scene` turns a process map (lanes, steps, flows, and evidence per step) into a
swimlane diagram or service blueprint; :func:`mined_scene` turns a directly-follows graph into a
process map without lanes. Both build a :class:`._scene.Scene` — boxes with wrapped labels and
notes, flows with labels and colours, legend and callouts — and lay it out with
:func:`._arrange.arrange`; :mod:`research_kit.process.render` draws the result with matplotlib,
in the type and colours of :mod:`._style`. Internal to the process package.
"""

from __future__ import annotations

import math
import re

import matplotlib as mpl
import pandas as pd

from research_kit.process._arrange import arrange
from research_kit.process._scene import MARGIN, Band, Edge, Node, Scene, format_duration
from research_kit.process._style import (
    FILLS,
    FLOW,
    HANDOFF,
    INK,
    LABEL_PT,
    LANE_PT,
    LINE,
    MUTED,
    NOTE_PT,
    PAIN,
    TIME,
    text_width,
    wrap,
)
from research_kit.process.spec import BLUEPRINT_ROWS, ProcessMap
from research_kit.tables import require_columns

# Sizes are in inches (the drawing's data unit).
# Text widths of boxes and diamonds, and the lane header's width, drawn roomy (on screen) or
# compact (fitted to a page, where every inch counts).
_ROOMY = {"box": 1.2, "diamond": 0.75, "header": 1.55, "line": 3.3}
_COMPACT = {"box": 1.0, "diamond": 0.7, "header": 1.15, "line": 2.3}
_GROUP_W, _LINE_LABEL_W = 0.32, 1.45

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


def swimlane_scene(
    spec: ProcessMap,
    *,
    kind: str,
    annotations: dict | None,
    direction: str = "LR",
    row_columns: int | None = None,
    compact: bool = False,
) -> Scene:
    """Lay out a process map as a swimlane diagram or service blueprint, ready to draw.

    ``kind`` and ``annotations`` mean what they mean for
    :func:`research_kit.process.render.swimlane_figure`, which draws the result;
    ``direction``, ``row_columns`` and ``compact`` are :class:`._scene.Scene`'s (a
    blueprint's rows of lanes are always drawn left to right).

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
    check_direction(direction)
    if kind == "blueprint" and direction == "TB":
        raise ValueError("a service blueprint is drawn left to right: use direction='LR'")
    annotations = annotations or {}
    sizes = _COMPACT if compact else _ROOMY
    lanes = list(spec.lanes)
    if kind == "blueprint":
        rank = {row: i for i, row in enumerate(BLUEPRINT_ROWS)}
        lanes.sort(key=lambda lane: rank.get(lane.blueprint_row, len(rank)))
    bands = [Band(lane.id, lane.label, _gid("lane", lane.id), lane.blueprint_row) for lane in lanes]
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
                sizes["diamond"] if step.kind == "decision" else sizes["box"],
            ),
            # An overlay (e.g. conformance_annotations) may recolour a step.
            fill=evidence.get("fill") or FILLS.get(step.kind, "#FFFFFF"),
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
        header_width=sizes["header"] if direction == "LR" else _column_header(lanes, sizes),
        group_width=_GROUP_W if kind == "blueprint" else 0.0,
        right_margin=_LINE_LABEL_W if kind == "blueprint" else MARGIN,
        callouts=callouts,
        legend=legend,
        direction=direction,
        row_columns=row_columns,
        compact=compact,
    )
    arrange(scene)
    if kind == "blueprint":
        for row in range(scene.rows):
            _blueprint_marks(scene, scene.bands[row * len(lanes) : (row + 1) * len(lanes)])
    return scene


def check_direction(direction: str) -> None:
    """Refuse a drawing direction other than ``"LR"`` (left to right) or ``"TB"`` (top down)."""
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' or 'TB', not {direction!r}")


def _column_header(lanes: list, sizes: dict) -> float:
    """Height of the lane titles over the columns of a top-to-bottom swimlane."""
    lines = max([len(wrap(lane.label, LANE_PT, sizes["box"], "bold")) for lane in lanes] + [1])
    return lines * LANE_PT * LINE / 72 + 0.16


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
    # Overlay lines (e.g. conformance_annotations): short texts shown under the step's label.
    notes += [(str(line), PAIN) for line in evidence.get("flags") or []]
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
    direction: str = "LR",
    row_columns: int | None = None,
    footnote: str = "",
    compact: bool = False,
    frequency: dict[str, int] | None = None,
) -> Scene:
    """Lay out a directly-follows graph as a process map, ready to draw.

    The options mean what they mean for :func:`research_kit.process.render.process_map_figure`;
    ``direction``, ``row_columns``, ``footnote`` and ``compact`` are :class:`._scene.Scene`'s;
    ``frequency`` (events per activity) is counted from ``dfg`` unless given — a simplified
    map passes the whole map's, so that a box shows all its activity's events.

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
    check_direction(direction)
    sizes = _COMPACT if compact else _ROOMY
    needed = {"source": "source", "target": "target", "count": "count"}
    if metric != "frequency":
        needed["waiting time"] = statistic
    require_columns(dfg, needed, "<directly-follows table>")
    frame = dfg.reset_index(drop=True)
    if frequency is None:
        frequency = activity_counts(frame, starts)
    if min_count is not None:
        frame = frame[frame["count"] >= min_count]
    starts_frame = _boundary(starts, min_count)
    ends_frame = _boundary(ends, min_count)
    used = pd.concat(
        [frame["source"], frame["target"], starts_frame["activity"], ends_frame["activity"]]
    ).astype(str)
    activities = sorted(dict.fromkeys(used), key=lambda a: (-frequency.get(a, 0), a))
    band = Band("map", "", "map")
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
            wrap(activity, LABEL_PT, sizes["box"]),
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
                width=0.7 + sizes["line"] * math.sqrt(count / most),
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
        direction=direction,
        row_columns=row_columns,
        footnote=footnote,
        compact=compact,
    )
    arrange(scene)
    return scene


def activity_counts(dfg: pd.DataFrame, starts: pd.DataFrame | None) -> dict[str, int]:
    """Events per activity: flows into it plus cases starting with it (or the larger flow).

    Examples
    --------
    >>> dfg = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "count": [5, 3]})
    >>> activity_counts(dfg, pd.DataFrame({"activity": ["a"], "count": [5]}))
    {'a': 5, 'b': 5, 'c': 3}
    """
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


def _blueprint_marks(scene: Scene, bands: list[Band]) -> None:
    """The blueprint's lines and row titles over one row of lanes."""
    rank = {row: i for i, row in enumerate(BLUEPRINT_ROWS)}
    ranks = [rank.get(band.row, len(rank)) for band in bands]
    for above, below, label in _BLUEPRINT_LINES:
        upper = [i for i, r in enumerate(ranks) if r <= rank[above]]
        lower = [i for i, r in enumerate(ranks) if rank[below] <= r < len(rank)]
        if upper and lower and max(upper) + 1 == min(lower):
            scene.lines.append((bands[max(upper)].bottom, label))
    start = 0
    while start < len(bands):
        end = start
        while end + 1 < len(bands) and ranks[end + 1] == ranks[start]:
            end += 1
        row = bands[start].row if ranks[start] < len(rank) else None
        top, bottom = bands[start].top, bands[end].bottom
        long, short = _ROW_TITLES[row]
        title = long if text_width(long, 8, "bold") < bottom - top - 0.15 else short
        scene.groups.append((title, top, bottom))
        start = end + 1


def _gid(prefix: str, identifier: str) -> str:
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9_.:-]', '_', str(identifier))}"


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


def _blend(low: str, high: str, share: float) -> str:
    share = min(max(float(share), 0.0), 1.0)
    a = mpl.colors.to_rgb(low)
    b = mpl.colors.to_rgb(high)
    return mpl.colors.to_hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))

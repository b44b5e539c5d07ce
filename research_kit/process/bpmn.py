"""A process map as BPMN 2.0 XML: lanes, tasks, gateways, events, flows, and where they sit.

Other tools (bpmn.io, Camunda Modeler, Signavio, ProM) read BPMN 2.0, not our YAML. This module
writes a :class:`~research_kit.process.spec.ProcessMap` as one BPMN ``definitions`` document
that validates against the OMG BPMN 2.0 XSD:

- a collaboration with one pool (participant) for the map, whose process has a ``laneSet``
  with one lane per map lane, listing the flow nodes drawn in it;
- steps become flow nodes by kind: ``start`` → ``startEvent``, ``end`` → ``endEvent``,
  ``task`` → ``task``, ``decision`` → ``exclusiveGateway``, ``wait`` →
  ``intermediateThrowEvent`` (BPMN's "none" intermediate event: a state the case sits in);
- every flow becomes a ``sequenceFlow`` named by its label. In BPMN, several unconditional
  flows out of a task or event run *in parallel*, while in a map they are alternatives; so a
  task or wait with more than one outgoing flow gets an unnamed ``exclusiveGateway`` right
  after it (id ``Split_<step>``) that the flows leave from;
- BPMNDI diagram interchange places every shape and flow where :func:`swimlane_layout` draws
  it (inches × :data:`PIXELS_PER_INCH`), so bpmn.io opens the file laid out, lanes and all.

Ids are the step ids made XML-safe (NCName) with a kind prefix (``Task_``, ``Event_``,
``Gateway_``, ``Lane_``, ``Flow_``); names are written as text and escaped by the XML writer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from lxml import etree

from research_kit.process.render import swimlane_layout
from research_kit.process.spec import ProcessMap
from research_kit.version import __version__

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}
#: Drawing units (bpmn.io pixels) per inch of :func:`swimlane_layout`.
PIXELS_PER_INCH = 120
#: BPMN element of each step kind, and the prefix of its id.
ELEMENTS = {
    "start": ("startEvent", "Event_"),
    "end": ("endEvent", "Event_"),
    "wait": ("intermediateThrowEvent", "Event_"),
    "task": ("task", "Task_"),
    "decision": ("exclusiveGateway", "Gateway_"),
}
_EVENT_SIZE = 36
_GATEWAY_SIZE = 50
_SPLIT_SIZE = 40
_POOL_HEADER = 30
_LANE_HEADER = 30
_MARGIN = 40


@dataclass(frozen=True)
class _Box:
    """A flow node's bounds in drawing units (left, top, width, height)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height


def process_map_bpmn(spec: ProcessMap) -> str:
    """The process map as BPMN 2.0 XML text (UTF-8, with diagram interchange).

    Parameters
    ----------
    spec : ProcessMap
        The map (see :func:`~research_kit.process.read_process_map`).

    Returns
    -------
    str
        A BPMN 2.0 ``definitions`` document, valid against the OMG BPMN 2.0 XSD; see the
        module docstring for how steps, lanes and flows are written.

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: Tiny\\nlanes: [{id: a, label: A & B}]\\n"
    ...     "steps: [{id: s, label: Start, lane: a, kind: start}, {id: t, label: Check, lane: a},"
    ...     "        {id: e, label: End, lane: a, kind: end}]\\n"
    ...     "flows: [{from: s, to: t}, {from: t, to: e}]\\n")
    >>> xml = process_map_bpmn(spec)
    >>> '<bpmn:task id="Task_t" name="Check">' in xml, 'name="A &amp; B"' in xml
    (True, True)
    """
    root = _definitions(spec)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode(
        "utf-8"
    )


def save_bpmn(spec: ProcessMap, path: Path | str) -> Path:
    """Write the process map to ``path`` as BPMN 2.0 XML (see :func:`process_map_bpmn`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: Tiny\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: S, lane: a, kind: start}, {id: e, label: E, lane: a,"
    ...     " kind: end}]\\nflows: [{from: s, to: e}]\\n")
    >>> path = save_bpmn(spec, pathlib.Path(tempfile.mkdtemp()) / "tiny.bpmn")
    >>> path.read_text(encoding="utf-8").startswith("<?xml")
    True
    """
    path = Path(path)
    path.write_text(process_map_bpmn(spec), encoding="utf-8")
    return path


def xml_id(text: str, prefix: str = "") -> str:
    """``text`` as an XML id (NCName): other characters become ``_``; never starts with a digit.

    Examples
    --------
    >>> xml_id("plan review #2", "Task_"), xml_id("3rd step")
    ('Task_plan_review__2', '_3rd_step')
    """
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "_", f"{prefix}{text}")
    return safe if re.match(r"[A-Za-z_]", safe) else f"_{safe}"


def _node_ids(spec: ProcessMap) -> dict[str, str]:
    """Step id → its element id, unique even where two step ids clean up to the same text."""
    ids: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for step in spec.steps:
        base = xml_id(step.id, ELEMENTS[step.kind][1])
        seen[base] += 1
        ids[step.id] = base if seen[base] == 1 else f"{base}_{seen[base]}"
    return ids


def _splits(spec: ProcessMap) -> dict[str, str]:
    """Steps other than decisions with several outgoing flows → the gateway added after them."""
    outgoing = Counter(flow.source for flow in spec.flows)
    return {
        step.id: xml_id(step.id, "Split_")
        for step in spec.steps
        if step.kind != "decision" and outgoing[step.id] > 1
    }


def _definitions(spec: ProcessMap) -> etree._Element:
    ids = _node_ids(spec)
    splits = _splits(spec)
    root = etree.Element(
        _q(BPMN, "definitions"),
        nsmap=_NSMAP,
        id="Definitions_1",
        targetNamespace="https://research-kit.example/bpmn",
        exporter="research_kit",
        exporterVersion=str(__version__),
    )
    collaboration = etree.SubElement(root, _q(BPMN, "collaboration"), id="Collaboration_1")
    etree.SubElement(
        collaboration,
        _q(BPMN, "participant"),
        id="Participant_1",
        name=spec.name,
        processRef="Process_1",
    )
    process = etree.SubElement(root, _q(BPMN, "process"), id="Process_1", isExecutable="false")
    _lane_set(process, spec, ids, splits)
    flows = _flow_list(spec, ids, splits)
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow_id, source, target, _ in flows:
        outgoing.setdefault(source, []).append(flow_id)
        incoming.setdefault(target, []).append(flow_id)
    for step in spec.steps:
        tag = ELEMENTS[step.kind][0]
        node = etree.SubElement(process, _q(BPMN, tag), id=ids[step.id], name=step.label)
        _refs(node, incoming.get(ids[step.id], []), outgoing.get(ids[step.id], []))
        if step.id in splits:
            gateway = etree.SubElement(process, _q(BPMN, "exclusiveGateway"), id=splits[step.id])
            _refs(gateway, incoming.get(splits[step.id], []), outgoing.get(splits[step.id], []))
    for flow_id, source, target, label in flows:
        attributes = {"id": flow_id, "sourceRef": source, "targetRef": target}
        if label:
            attributes["name"] = label
        etree.SubElement(process, _q(BPMN, "sequenceFlow"), **attributes)
    root.append(_diagram(spec, ids, splits, flows))
    return root


def _lane_set(
    process: etree._Element, spec: ProcessMap, ids: dict[str, str], splits: dict[str, str]
) -> None:
    lane_set = etree.SubElement(process, _q(BPMN, "laneSet"), id="LaneSet_1")
    for lane in spec.lanes:
        element = etree.SubElement(
            lane_set, _q(BPMN, "lane"), id=xml_id(lane.id, "Lane_"), name=lane.label
        )
        for step in spec.steps:
            if step.lane == lane.id:
                etree.SubElement(element, _q(BPMN, "flowNodeRef")).text = ids[step.id]
                if step.id in splits:
                    etree.SubElement(element, _q(BPMN, "flowNodeRef")).text = splits[step.id]


def _flow_list(
    spec: ProcessMap, ids: dict[str, str], splits: dict[str, str]
) -> list[tuple[str, str, str, str]]:
    """(id, source, target, name) of every sequence flow, split gateways included."""
    flows = [
        (f"Flow_to_{gateway}", ids[step_id], gateway, "") for step_id, gateway in splits.items()
    ]
    for number, flow in enumerate(spec.flows, start=1):
        source = splits.get(flow.source, ids[flow.source])
        flows.append((f"Flow_{number}", source, ids[flow.target], flow.label))
    return flows


def _refs(node: etree._Element, incoming: list[str], outgoing: list[str]) -> None:
    for flow_id in incoming:
        etree.SubElement(node, _q(BPMN, "incoming")).text = flow_id
    for flow_id in outgoing:
        etree.SubElement(node, _q(BPMN, "outgoing")).text = flow_id


def _boxes(
    spec: ProcessMap, layout: pd.DataFrame, ids: dict[str, str], splits: dict[str, str]
) -> dict[str, _Box]:
    """Bounds of every flow node, centred where the swimlane drawing puts each step."""
    scale = PIXELS_PER_INCH
    boxes: dict[str, _Box] = {}
    for row in layout.itertuples():
        kind = spec.step(row.step_id).kind
        if kind in ("start", "end", "wait"):
            width = height = _EVENT_SIZE
        elif kind == "decision":
            width = height = _GATEWAY_SIZE
        else:
            width, height = row.width * scale, max(row.height * scale, 60)
        x, y = row.x * scale + _MARGIN, row.y * scale
        box = _Box(x - width / 2, y - height / 2, width, height)
        boxes[ids[row.step_id]] = box
        if row.step_id in splits:
            boxes[splits[row.step_id]] = _Box(
                box.right + 12, y - _SPLIT_SIZE / 2, _SPLIT_SIZE, _SPLIT_SIZE
            )
    return boxes


def _lane_bounds(spec: ProcessMap, layout: pd.DataFrame, right: float) -> dict[str, _Box]:
    """Each lane's band across the pool; lanes without steps get a thin band below the rest."""
    scale = PIXELS_PER_INCH
    bands = layout.groupby("lane")[["lane_top", "lane_bottom"]].first()
    bottom = float(bands["lane_bottom"].max()) * scale if len(bands) else 0.0
    left = _POOL_HEADER
    bounds: dict[str, _Box] = {}
    for lane in spec.lanes:
        if lane.id in bands.index:
            top, end = (float(v) * scale for v in bands.loc[lane.id])
        else:
            top, end = bottom, bottom + 60
            bottom = end
        bounds[lane.id] = _Box(left, top, right - left, end - top)
    return bounds


def _diagram(
    spec: ProcessMap,
    ids: dict[str, str],
    splits: dict[str, str],
    flows: list[tuple[str, str, str, str]],
) -> etree._Element:
    layout = swimlane_layout(spec)
    boxes = _boxes(spec, layout, ids, splits)
    right = max((box.right for box in boxes.values()), default=200.0) + _MARGIN
    lanes = _lane_bounds(spec, layout, right)
    diagram = etree.Element(_q(BPMNDI, "BPMNDiagram"), id="BPMNDiagram_1")
    plane = etree.SubElement(
        diagram, _q(BPMNDI, "BPMNPlane"), id="BPMNPlane_1", bpmnElement="Collaboration_1"
    )
    top = min((box.y for box in lanes.values()), default=0.0)
    bottom = max((box.bottom for box in lanes.values()), default=100.0)
    _shape(plane, "Participant_1", _Box(0, top, right, bottom - top), horizontal=True)
    for lane in spec.lanes:
        _shape(plane, xml_id(lane.id, "Lane_"), lanes[lane.id], horizontal=True)
    for element_id, box in boxes.items():
        _shape(plane, element_id, box)
    for flow_id, source, target, _ in flows:
        edge = etree.SubElement(
            plane, _q(BPMNDI, "BPMNEdge"), id=f"{flow_id}_di", bpmnElement=flow_id
        )
        for x, y in _waypoints(boxes[source], boxes[target]):
            etree.SubElement(edge, _q(DI, "waypoint"), x=_n(x), y=_n(y))
    return diagram


def _shape(plane: etree._Element, element_id: str, box: _Box, *, horizontal: bool = False):
    attributes = {"id": f"{element_id}_di", "bpmnElement": element_id}
    if horizontal:
        attributes["isHorizontal"] = "true"
    shape = etree.SubElement(plane, _q(BPMNDI, "BPMNShape"), **attributes)
    etree.SubElement(
        shape,
        _q(DC, "Bounds"),
        x=_n(box.x),
        y=_n(box.y),
        width=_n(box.width),
        height=_n(box.height),
    )


def _waypoints(source: _Box, target: _Box) -> list[tuple[float, float]]:
    """Right side to left side with one elbow when the target lies ahead; else around below."""
    if target.x > source.right:
        middle = (source.right + target.x) / 2
        if abs(source.middle - target.middle) < 1:
            return [(source.right, source.middle), (target.x, target.middle)]
        return [
            (source.right, source.middle),
            (middle, source.middle),
            (middle, target.middle),
            (target.x, target.middle),
        ]
    below = max(source.bottom, target.bottom) + 20
    source_x, target_x = source.x + source.width / 2, target.x + target.width / 2
    return [
        (source_x, source.bottom),
        (source_x, below),
        (target_x, below),
        (target_x, target.bottom),
    ]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


__all__ = ["PIXELS_PER_INCH", "process_map_bpmn", "save_bpmn", "xml_id"]

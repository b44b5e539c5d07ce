"""Process maps written as YAML: lanes (actors), steps, decisions, waits, flows and systems.

A process map describes how a service works as staff and residents walked it through: who does
each step (its lane, which is also a service-blueprint row: customer, frontstage, backstage or
support), which steps are decisions or waits, how work flows between them, and which event-log
activity each step corresponds to. This module reads and validates that file; rendering
swimlanes and blueprints builds on it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from research_kit.errors import Problem, ProcessMapError, raise_first_error
from research_kit.rawfiles import read_text
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

STEP_KINDS = ("start", "task", "decision", "wait", "end")
BLUEPRINT_ROWS = ("customer", "frontstage", "backstage", "support")


@dataclass(frozen=True)
class Lane:
    """An actor's row: ``id``, ``label`` and its service-blueprint row."""

    id: str
    label: str
    blueprint_row: str | None = None


@dataclass(frozen=True)
class Step:
    """One step of a process map (see the module docstring)."""

    id: str
    label: str
    lane: str
    kind: str = "task"
    activity: str | None = None
    system: str | None = None
    note: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Flow:
    """A move from one step to another, optionally labelled (e.g. "yes"/"no" after a decision)."""

    source: str
    target: str
    label: str = ""
    line: int | None = None


@dataclass
class ProcessMap:
    """A validated process map."""

    name: str
    description: str = ""
    lanes: list[Lane] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    systems: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def step(self, step_id: str) -> Step:
        """The step with id ``step_id``."""
        return next(step for step in self.steps if step.id == step_id)

    def steps_frame(self) -> pd.DataFrame:
        """One row per step: id, label, lane, kind, activity, system.

        Examples
        --------
        >>> spec = parse_process_map(
        ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
        ...     "steps: [{id: s, label: S, lane: a, kind: start},"
        ...     "        {id: e, label: E, lane: a, kind: end}]\\n"
        ...     "flows: [{from: s, to: e}]\\n")
        >>> spec.steps_frame()["step_id"].tolist()
        ['s', 'e']
        """
        return pd.DataFrame(
            [
                {
                    "step_id": step.id,
                    "label": step.label,
                    "lane": step.lane,
                    "kind": step.kind,
                    "activity": step.activity,
                    "system": step.system,
                }
                for step in self.steps
            ],
            columns=["step_id", "label", "lane", "kind", "activity", "system"],
        )

    def flows_frame(self) -> pd.DataFrame:
        """One row per flow: source, target, label, and whether it crosses lanes (a handoff)."""
        lane_of = {step.id: step.lane for step in self.steps}
        return pd.DataFrame(
            [
                {
                    "source": flow.source,
                    "target": flow.target,
                    "label": flow.label,
                    "handoff": lane_of.get(flow.source) != lane_of.get(flow.target),
                }
                for flow in self.flows
            ],
            columns=["source", "target", "label", "handoff"],
        )


def read_process_map(path: Path | str) -> ProcessMap:
    """Read and validate a process-map YAML file.

    Raises
    ------
    ProcessMapError
        For the first error found (``research-kit check`` lists them all).
    """
    spec, problems = validate_process_map(path)
    raise_first_error(problems, ProcessMapError)
    return spec


def parse_process_map(text: str, path: Path | str = "<process map>") -> ProcessMap:
    """Parse and validate process-map YAML text (see :func:`read_process_map`)."""
    spec, problems = _validate_text(text, Path(path))
    raise_first_error(problems, ProcessMapError)
    return spec


def validate_process_map(path: Path | str) -> tuple[ProcessMap, list[Problem]]:
    """Read a process map and return it with every problem found."""
    path = Path(path)
    try:
        raw = read_text(path, error_class=ProcessMapError)
    except ProcessMapError as exc:
        return ProcessMap(name=path.stem, path=path), [exc.as_problem()]
    return _validate_text(raw.text, path)


def _validate_text(text: str, path: Path) -> tuple[ProcessMap, list[Problem]]:
    try:
        data = parse_yaml(text, path, error_class=ProcessMapError)
    except ProcessMapError as exc:
        return ProcessMap(name=path.stem, path=path), [exc.as_problem()]
    if not isinstance(data, YamlMap):
        problem = Problem(path, "is not a process map", "start with 'name:', 'lanes:', 'steps:'")
        return ProcessMap(name=path.stem, path=path), [problem]
    problems: list[Problem] = []
    lanes = _read_entries(data, "lanes", path, problems, _read_lane)
    systems = {
        entry["id"]: str(entry.get("label", entry["id"]))
        for entry in _entries(data, "systems", path, problems, required=False)
        if isinstance(entry, dict) and "id" in entry
    }
    steps = _read_entries(data, "steps", path, problems, _read_step)
    flows = _read_entries(data, "flows", path, problems, _read_flow)
    spec = ProcessMap(
        name=str(data.get("name") or path.stem),
        description=str(data.get("description") or "").strip(),
        lanes=lanes,
        steps=steps,
        flows=flows,
        systems=systems,
        path=path,
    )
    problems += _reference_problems(spec, path)
    problems += _shape_problems(spec, path)
    return spec, problems


def _entries(data: YamlMap, key: str, path: Path, problems: list[Problem], *, required=True):
    value = data.get(key)
    if value is None:
        if required:
            problems.append(
                Problem(path, f"has no '{key}:' list", f"add '{key}:' with its entries", line=1)
            )
        return []
    if not isinstance(value, list):
        problems.append(
            Problem(
                path, f"'{key}:' is not a list", "write entries as '- id: …'", data.line_of(key)
            )
        )
        return []
    return value


def _read_entries(data: YamlMap, key: str, path: Path, problems: list[Problem], reader) -> list:
    result = []
    entries = _entries(data, key, path, problems)
    for index, entry in enumerate(entries):
        line = entries.item_lines[index] if isinstance(entries, YamlList) else None
        item = reader(entry, line, path, problems)
        if item is not None:
            result.append(item)
    return result


def _need(entry: object, fields: tuple[str, ...], what: str, line, path, problems) -> bool:
    if not isinstance(entry, dict):
        problems.append(Problem(path, f"a {what} is not a mapping", "write '- id: …'", line=line))
        return False
    missing = [name for name in fields if not entry.get(name)]
    if missing:
        problems.append(
            Problem(
                path,
                f"a {what} has no {', '.join(missing)}",
                f"give every {what} {' and '.join(fields)}",
                line=line,
            )
        )
        return False
    return True


def _read_lane(entry, line, path, problems) -> Lane | None:
    if not _need(entry, ("id",), "lane", line, path, problems):
        return None
    row = entry.get("blueprint_row")
    if row is not None and row not in BLUEPRINT_ROWS:
        problems.append(
            Problem(
                path,
                f"lane {entry['id']!r} has blueprint_row {row!r}",
                f"use one of {', '.join(BLUEPRINT_ROWS)}",
                line=line,
            )
        )
    return Lane(str(entry["id"]), str(entry.get("label", entry["id"])), row)


def _read_step(entry, line, path, problems) -> Step | None:
    if not _need(entry, ("id", "lane"), "step", line, path, problems):
        return None
    kind = str(entry.get("kind", "task"))
    if kind not in STEP_KINDS:
        problems.append(
            Problem(
                path,
                f"step {entry['id']!r} has kind {kind!r}",
                f"use one of {', '.join(STEP_KINDS)}",
                line=line,
            )
        )
    return Step(
        id=str(entry["id"]),
        label=str(entry.get("label", entry["id"])),
        lane=str(entry["lane"]),
        kind=kind,
        activity=str(entry["activity"]) if entry.get("activity") else None,
        system=str(entry["system"]) if entry.get("system") else None,
        note=str(entry.get("note") or "").strip(),
        line=line,
    )


def _read_flow(entry, line, path, problems) -> Flow | None:
    if not _need(entry, ("from", "to"), "flow", line, path, problems):
        return None
    return Flow(str(entry["from"]), str(entry["to"]), str(entry.get("label") or ""), line)


def _reference_problems(spec: ProcessMap, path: Path) -> list[Problem]:
    problems = []
    lane_ids = [lane.id for lane in spec.lanes]
    step_ids = [step.id for step in spec.steps]
    for ids, what in ((lane_ids, "lane"), (step_ids, "step")):
        for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(
                Problem(
                    path, f"{what} id {duplicate!r} is used twice", f"give each {what} its own id"
                )
            )
    for step in spec.steps:
        if step.lane not in lane_ids:
            problems.append(
                Problem(
                    path,
                    f"step {step.id!r} is in lane {step.lane!r}, which is not defined",
                    f"use one of the lanes: {', '.join(lane_ids)}",
                    line=step.line,
                )
            )
        if step.system and step.system not in spec.systems:
            problems.append(
                Problem(
                    path,
                    f"step {step.id!r} names system {step.system!r}, which is not defined",
                    "add it under 'systems:' or fix the id",
                    line=step.line,
                )
            )
    for flow in spec.flows:
        for end in (flow.source, flow.target):
            if end not in step_ids:
                problems.append(
                    Problem(
                        path,
                        f"a flow names step {end!r}, which is not defined",
                        "use a step id from 'steps:'",
                        line=flow.line,
                    )
                )
    return problems


def _shape_problems(spec: ProcessMap, path: Path) -> list[Problem]:
    """Warnings about a map's shape: unreachable steps, dead ends, unlabelled decisions."""
    problems = []
    outgoing: dict[str, list[Flow]] = {step.id: [] for step in spec.steps}
    for flow in spec.flows:
        outgoing.setdefault(flow.source, []).append(flow)
    starts = [step.id for step in spec.steps if step.kind == "start"]
    if spec.steps and not starts:
        problems.append(
            Problem(path, "has no start step", "mark the first step with 'kind: start'")
        )
    reachable = _reachable(starts, outgoing)
    for step in spec.steps:
        if starts and step.id not in reachable:
            problems.append(
                Problem(
                    path,
                    f"step {step.id!r} cannot be reached from the start",
                    "add a flow into it",
                    line=step.line,
                    severity="warning",
                )
            )
        if step.kind != "end" and not outgoing.get(step.id):
            problems.append(
                Problem(
                    path,
                    f"step {step.id!r} leads nowhere",
                    "add a flow out of it, or mark it 'kind: end'",
                    line=step.line,
                    severity="warning",
                )
            )
        if step.kind == "decision" and any(not f.label for f in outgoing.get(step.id, [])):
            problems.append(
                Problem(
                    path,
                    f"decision {step.id!r} has an unlabelled way out",
                    "label each flow out of a decision (e.g. 'yes' / 'no')",
                    line=step.line,
                    severity="warning",
                )
            )
    return problems


def _reachable(starts: list[str], outgoing: dict[str, list[Flow]]) -> set[str]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for flow in outgoing.get(queue.popleft(), []):
            if flow.target not in seen:
                seen.add(flow.target)
                queue.append(flow.target)
    return seen

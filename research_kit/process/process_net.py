"""A process map read as a Petri net: the model that conformance checking replays a log on.

A YAML process map (:mod:`research_kit.process.spec`) draws steps and the flows between them;
read as a model, it becomes a Petri net that is a state machine (every transition takes one
token and gives at most one), because the maps have no parallel gateways: every split of a
flow is a choice (exclusive or), every merge a join of alternatives. The rules, which
:mod:`benchmarks.make_conformance_oracle` follows independently to build the same net in pm4py:

- Each step ``s`` has a place ``in:s`` (work waiting for ``s``).
- A step with an ``activity`` is **visible**: one transition named ``s``, labelled with the
  activity, takes from ``in:s``. With one way on it gives to that way's place; with several
  (a choice after a task) it gives to ``out:s``, and a silent transition ``s->t`` per way
  moves the token on to ``in:t``; with no way on it gives nothing.
- A step without an activity (decisions, waits, steps the log does not record) is **silent**
  (a tau transition): one silent transition ``s->t`` per way on, from ``in:s`` to ``in:t``.
- The ways on from a step are its flows' targets, plus the end of the process (the place
  ``sink``) when the step has ``kind: end``; a way to the end is named ``s->end``.
- One start step holds the initial token in its ``in:`` place; several start steps share a
  place ``source`` with a silent transition ``start->s`` to each. The final marking is one
  token in ``sink``.

Loops are allowed exactly where they are drawn (a flow back to an earlier step), and nowhere
else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from research_kit.process.spec import ProcessMap, Step

#: The place that holds the token of a finished case.
SINK = "sink"
#: The place of the initial token when a map has several start steps.
SOURCE = "source"


@dataclass(frozen=True)
class NetTransition:
    """A transition: its name, its activity label (None when silent) and what it moves.

    ``step_id`` is the step it belongs to; a silent transition on a way from one step to the
    next also names that way's ``target`` (a step id, or ``"end"``).
    """

    name: str
    label: str | None
    step_id: str | None
    target: str | None
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass
class ProcessNet:
    """A process map as a Petri net: places, transitions, initial and final marking.

    Places and transitions are numbered by their position in :attr:`places` and
    :attr:`transitions`; markings map place numbers to token counts.
    """

    places: list[str]
    transitions: list[NetTransition]
    initial: dict[int, int]
    final: dict[int, int]
    place_step: dict[int, str] = field(default_factory=dict)  # in:/out: place → its step id

    def transitions_frame(self) -> pd.DataFrame:
        """One row per transition: ``name``, ``label``, ``step_id``, ``inputs``, ``outputs``.

        Inputs and outputs are lists of place names.

        Examples
        --------
        >>> from research_kit.process.spec import parse_process_map
        >>> spec = parse_process_map(
        ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
        ...     "steps: [{id: s, label: S, lane: a, kind: start, activity: Apply},"
        ...     "        {id: e, label: E, lane: a, kind: end}]\\n"
        ...     "flows: [{from: s, to: e}]\\n")
        >>> process_net(spec).transitions_frame()[["name", "outputs"]].values.tolist()
        [['s', ['in:e']], ['e->end', ['sink']]]
        """
        return pd.DataFrame(
            [
                {
                    "name": t.name,
                    "label": t.label,
                    "step_id": t.step_id,
                    "inputs": [self.places[p] for p in t.inputs],
                    "outputs": [self.places[p] for p in t.outputs],
                }
                for t in self.transitions
            ],
            columns=["name", "label", "step_id", "inputs", "outputs"],
        )


def process_net(spec: ProcessMap) -> ProcessNet:
    """Read a process map as a Petri net, by the rules in the module docstring.

    Parameters
    ----------
    spec : ProcessMap
        A validated process map.

    Returns
    -------
    ProcessNet
        Places ``in:<step>``, ``out:<step>``, ``sink`` (and ``source`` with several starts);
        one visible transition per step with an activity, silent ones for the rest.

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: S, lane: a, kind: start, activity: Apply},"
    ...     "        {id: d, label: Complete, lane: a, kind: decision},"
    ...     "        {id: e, label: E, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: d}, {from: d, to: e, label: 'yes'},"
    ...     "        {from: d, to: s, label: 'no'}]\\n")
    >>> net = process_net(spec)
    >>> net.places
    ['in:s', 'in:d', 'in:e', 'sink']
    >>> [t.name for t in net.transitions]
    ['s', 'd->e', 'd->s', 'e']
    """
    ways = _ways_on(spec)
    names: list[str] = []
    index: dict[str, int] = {}

    def place(name: str) -> int:
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]

    def way_place(target: str) -> int:
        return place(SINK) if target == "end" else place(f"in:{target}")

    transitions: list[NetTransition] = []
    place_step: dict[int, str] = {}
    for step in spec.steps:
        entry = place(f"in:{step.id}")
        place_step[entry] = step.id
        targets = ways[step.id]
        if step.activity:
            if len(targets) > 1:
                exit_place = place(f"out:{step.id}")
                place_step[exit_place] = step.id
                outputs: tuple[int, ...] = (exit_place,)
            else:
                outputs = tuple(way_place(target) for target in targets)
            transitions.append(
                NetTransition(step.id, step.activity, step.id, None, (entry,), outputs)
            )
            if len(targets) > 1:
                transitions += [
                    NetTransition(
                        f"{step.id}->{target}",
                        None,
                        step.id,
                        target,
                        (exit_place,),
                        (way_place(target),),
                    )
                    for target in targets
                ]
        else:
            transitions += [
                NetTransition(
                    f"{step.id}->{target}", None, step.id, target, (entry,), (way_place(target),)
                )
                for target in targets
            ]
    starts = [step.id for step in spec.steps if step.kind == "start"]
    if len(starts) == 1:
        initial = {index[f"in:{starts[0]}"]: 1}
    else:
        source = place(SOURCE)
        initial = {source: 1}
        transitions += [
            NetTransition(f"start->{s}", None, s, s, (source,), (index[f"in:{s}"],)) for s in starts
        ]
    final = {place(SINK): 1}
    return ProcessNet(names, transitions, initial, final, place_step)


def _ways_on(spec: ProcessMap) -> dict[str, list[str]]:
    """Each step's ways on: its flows' targets in map order (once each), then the end."""
    ways: dict[str, list[str]] = {step.id: [] for step in spec.steps}
    for flow in spec.flows:
        if flow.target not in ways[flow.source]:
            ways[flow.source].append(flow.target)
    for step in spec.steps:
        if step.kind == "end":
            ways[step.id].append("end")
    return ways


def designed_predecessors(spec: ProcessMap) -> dict[str, set[str]]:
    """For each step, the visible steps the design lets come directly before it.

    A visible step ``u`` comes directly before ``s`` when a flow leads from ``u`` to ``s``,
    possibly through silent steps (decisions, waits, steps without an activity).

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: S, lane: a, kind: start, activity: Apply},"
    ...     "        {id: w, label: Wait, lane: a, kind: wait},"
    ...     "        {id: e, label: E, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: w}, {from: w, to: e}]\\n")
    >>> designed_predecessors(spec)["e"]
    {'s'}
    """
    ways = _ways_on(spec)
    silent = {step.id for step in spec.steps if not step.activity}
    result: dict[str, set[str]] = {step.id: set() for step in spec.steps}
    for step in spec.steps:
        if not step.activity:
            continue
        for reached in _reached_through_silent(step, ways, silent):
            result[reached].add(step.id)
    return result


def _reached_through_silent(step: Step, ways: dict[str, list[str]], silent: set[str]) -> set[str]:
    reached: set[str] = set()
    stack = [t for t in ways[step.id] if t != "end"]
    while stack:
        current = stack.pop()
        if current in reached:
            continue
        reached.add(current)
        if current in silent:
            stack += [t for t in ways[current] if t != "end"]
    return reached


__all__ = [
    "SINK",
    "SOURCE",
    "NetTransition",
    "ProcessNet",
    "designed_predecessors",
    "process_net",
]

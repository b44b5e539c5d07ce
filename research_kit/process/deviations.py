"""Where one replayed trace departs from the designed map, named in a process analyst's words.

Token replay (:mod:`research_kit.process.replay`) says which events fired without the tokens
the design required and which tokens were left over; this module turns that into deviations
per step, of five kinds (:data:`DEVIATION_KINDS`):

- ``not on the map`` — done but not designed: an event whose activity no step carries;
- ``undesigned flow`` — a flow taken that is not in the design: the step was done straight
  after a step (or at the start of the case) from which no drawn flow leads to it, even
  through decisions and waits;
- ``out of order`` — the step was done before a step the design puts directly before it,
  which the case did later, after which the design asked for the step again (or it was done
  without its tokens straight after a designed predecessor);
- ``skipped`` — designed but skipped: the design expected the step next (a token waited
  before it) and the case went on to other steps without it;
- ``unfinished`` — the case stopped where the design expected more (a token waited after its
  last event): cases still open, or closed without the designed end.

A remaining token after a step with several ways on, or before a decision or wait, is reported
on that step: the case left the map there (none of the design's ways on was taken); a case
that jumps from a check straight to a later step shows as ``skipped`` on the decision after
the check and as an ``undesigned flow`` into the later step. Internal to the process
package.
"""

from __future__ import annotations

from dataclasses import dataclass

from research_kit.process.replay import Replayer, TraceReplay

#: The kinds of deviation, in the order tables list them.
DEVIATION_KINDS = ("not on the map", "undesigned flow", "out of order", "skipped", "unfinished")


@dataclass(frozen=True)
class Deviation:
    """One deviation of a trace: the step (None for an activity not on the map), its kind,
    and for an undesigned flow the step it came from (None: the start of the case)."""

    step_id: str | None
    activity: str | None
    kind: str
    source_step: str | None = None


def trace_deviations(
    activities: tuple[str, ...],
    replay: TraceReplay,
    replayer: Replayer,
    predecessors: dict[str, set[str]],
) -> list[Deviation]:
    """The deviations of one replayed trace, each named once (in order of first appearance).

    ``predecessors`` gives each step the visible steps the design lets come directly before
    it (:func:`research_kit.process.process_net.designed_predecessors`).

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> from research_kit.process.process_net import designed_predecessors, process_net
    >>> from research_kit.process.replay import Replayer
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: S, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: R, lane: a, activity: Review},"
    ...     "        {id: e, label: E, lane: a, kind: end, activity: Approve}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> net = process_net(spec)
    >>> trace = ("Apply", "Approve", "Call")
    >>> replayer = Replayer(net)
    >>> found = trace_deviations(trace, replayer.replay(trace), replayer,
    ...                          designed_predecessors(spec))
    >>> [(d.step_id, d.kind, d.source_step) for d in found]
    [('e', 'undesigned flow', 's'), (None, 'not on the map', None), ('r', 'skipped', None)]
    """
    net = replayer.net
    found: dict[Deviation, None] = {}
    step_at = {position: net.transitions[t].step_id for position, t in replay.events}
    positions = sorted(step_at)
    underfed = dict(replay.underfed)
    entry = {
        step: place for place, step in net.place_step.items() if net.places[place][:3] == "in:"
    }
    explained: set[int] = set()
    for position in sorted([*positions, *replay.not_in_model]):
        if position not in step_at:
            found[Deviation(None, activities[position], "not on the map")] = None
            continue
        if position not in underfed:
            continue
        step = step_at[position]
        before = predecessors.get(step, set())
        earlier = [step_at[p] for p in positions if p < position]
        source = earlier[-1] if earlier else None
        # Done too early: a designed predecessor came later and, through it, the design asked
        # for the step again (a token was left before it, or before silent steps leading to
        # it) — that token is explained here, not reported as skipped or unfinished.
        target = entry.get(step, -1)
        waiting = [
            place
            for place, placed_at in replay.left.items()
            if placed_at > position and (place == target or target in replayer.paths.get(place, {}))
        ]
        if waiting and any(step_at[p] in before for p in positions if p > position):
            found[Deviation(step, activities[position], "out of order")] = None
            explained.update(waiting)
        elif source in before:
            found[Deviation(step, activities[position], "out of order")] = None
        else:
            found[Deviation(step, activities[position], "undesigned flow", source)] = None
    last = positions[-1] if positions else -1
    for place, placed_at in replay.left.items():
        step = net.place_step.get(place)
        if step is None or place in explained:
            continue  # the sink's second token, a several-start map's source, or out of order
        kind = "skipped" if placed_at < last else "unfinished"
        found[Deviation(step, None, kind)] = None
    return list(found)


__all__ = [
    "DEVIATION_KINDS",
    "Deviation",
    "trace_deviations",
]

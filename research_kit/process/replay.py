"""Token-based replay of one trace on a Petri net, with pm4py's handling of silent steps.

The classic replay of Rozinat & van der Aalst (2008): put a token in the initial place, fire
the transition of each event in turn, and count the tokens **produced** (p), **consumed** (c),
**missing** (m: added because the event's transition was not enabled) and **remaining** (r:
left over once the case ends). A trace's fitness is
``0.5 * (1 - m / c) + 0.5 * (1 - r / p)``; it fits when nothing was missing or remaining.

Silent (invisible) transitions are handled as pm4py's token replay handles them (Berti & van
der Aalst, "Reviving token-based replay", 2019), so that the counts equal pm4py's:

- before an event whose transition is not enabled, silent transitions are fired along the
  shortest paths of silent transitions from marked places to the places the transition lacks
  (tried shortest first, places in name order), recursing at most two levels;
- after the last event, silent transitions are fired along the shortest silent paths towards
  the final marking (five rounds), then along the paths into the final place;
- the final marking is then taken away: tokens beyond it remain, tokens it lacks are missing
  (and it counts as consumed). A trace fits when nothing was missing or remaining before that
  last step, as in pm4py.

Events whose activity no transition carries are passed over (they count in no token), as in
pm4py; :mod:`research_kit.process.conformance` reports them separately. Where several shortest
silent paths tie, the first in transition order is taken (pm4py's choice then depends on set
order); the maps drawn as YAML rarely have such ties. Internal to the process package.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from research_kit.process.process_net import ProcessNet

#: How deep the search for silent transitions that enable a transition recurses (pm4py's).
_HIDDEN_DEPTH = 2
#: Rounds of silent moves towards the final marking, in each of the two tries (pm4py's).
_FINAL_ROUNDS = 5


@dataclass
class TraceReplay:
    """The replay of one trace: token counts, fitness, and where it departed from the model.

    ``underfed`` lists ``(event position, transition)`` for events fired with missing tokens;
    ``left`` maps each place with remaining tokens to the position of the event whose
    processing last put a token there (the trace's length for the moves after its last event);
    ``not_in_model`` lists the positions of events no transition carries; ``events`` lists
    ``(event position, transition)`` for every event that fired a transition.
    """

    missing: int
    consumed: int
    remaining: int
    produced: int
    fits: bool
    underfed: list[tuple[int, int]] = field(default_factory=list)
    left: dict[int, int] = field(default_factory=dict)
    not_in_model: list[int] = field(default_factory=list)
    events: list[tuple[int, int]] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)

    @property
    def fitness(self) -> float:
        """``0.5 * (1 - m / c) + 0.5 * (1 - r / p)``; 1.0 when nothing was consumed or produced."""
        if self.consumed > 0 and self.produced > 0:
            return 0.5 * (1.0 - self.missing / self.consumed) + 0.5 * (
                1.0 - self.remaining / self.produced
            )
        return 1.0


class Replayer:
    """Replays traces (sequences of activities) on one net; build once, replay many.

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> from research_kit.process.process_net import process_net
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: S, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: R, lane: a, activity: Review},"
    ...     "        {id: e, label: E, lane: a, kind: end}]\\n"
    ...     "flows: [{from: s, to: r}, {from: r, to: e}]\\n")
    >>> replayer = Replayer(process_net(spec))
    >>> replayer.replay(("Apply", "Review")).fitness
    1.0
    >>> skipped = replayer.replay(("Review",))
    >>> skipped.missing, skipped.remaining, skipped.fitness
    (1, 1, 0.6666666666666667)
    """

    def __init__(self, net: ProcessNet):
        self.net = net
        self.rank = {
            p: r for r, p in enumerate(sorted(range(len(net.places)), key=net.places.__getitem__))
        }
        self.by_label: dict[str, list[int]] = {}
        for number, transition in enumerate(net.transitions):
            if transition.label is not None:
                self.by_label.setdefault(transition.label, []).append(number)
        # Among transitions with the same label, pm4py tries to enable the last by name.
        self.preferred = {
            label: max(numbers, key=lambda n: net.transitions[n].name)
            for label, numbers in self.by_label.items()
        }
        self.paths = self._silent_paths()

    # -- the net's semantics -------------------------------------------------------------
    def enabled(self, t: int, marking: dict[int, int]) -> bool:
        return all(marking.get(p, 0) >= 1 for p in self.net.transitions[t].inputs)

    def fire(self, t: int, marking: dict[int, int]) -> dict[int, int]:
        after = dict(marking)
        for p in self.net.transitions[t].inputs:
            after[p] = after.get(p, 0) - 1
            if after[p] == 0:
                del after[p]
        for p in self.net.transitions[t].outputs:
            after[p] = after.get(p, 0) + 1
        return after

    def _silent_paths(self) -> dict[int, dict[int, list[int]]]:
        """Shortest sequences of silent transitions from each place to each place they reach."""
        leaving: dict[int, list[int]] = {}
        for number, transition in enumerate(self.net.transitions):
            if transition.label is None:
                for p in transition.inputs:
                    leaving.setdefault(p, []).append(number)
        paths: dict[int, dict[int, list[int]]] = {}
        for origin in range(len(self.net.places)):
            found: dict[int, list[int]] = {}
            queue = deque([(origin, [])])
            while queue:
                place, path = queue.popleft()
                for t in leaving.get(place, []):
                    for target in self.net.transitions[t].outputs:
                        if target != origin and target not in found:
                            found[target] = [*path, t]
                            queue.append((target, found[target]))
            if found:
                paths[origin] = found
        return paths

    def _paths_between(self, marking: dict[int, int], targets) -> list[list[int]]:
        """Silent paths from marked places to ``targets`` (in place-name order), shortest first."""
        groups = [
            self.paths[p1][p2]
            for p1 in sorted(marking, key=self.rank.__getitem__)
            for p2 in sorted(targets, key=self.rank.__getitem__)
            if p2 in self.paths.get(p1, {})
        ]
        return sorted(groups, key=len)

    # -- replay ----------------------------------------------------------------------------
    def replay(self, activities) -> TraceReplay:
        """Replay one trace (a sequence of activity names)."""
        net = self.net
        marking = dict(net.initial)
        result = TraceReplay(0, 0, 0, sum(net.initial.values()), False)
        placed = {p: -1 for p in marking}  # the initial tokens: before any event
        for position, activity in enumerate(activities):
            numbers = self.by_label.get(activity)
            if not numbers:
                result.not_in_model.append(position)
                continue
            ready = [n for n in numbers if self.enabled(n, marking)]
            t = ready[0] if ready else self.preferred[activity]
            if not self.enabled(t, marking):
                moves: list[int] = []
                marking = self._enable_through_silent(t, marking, moves, 0, set())
                self._count(result, moves, placed, position)
            if not self.enabled(t, marking):
                lacking = [p for p in net.transitions[t].inputs if marking.get(p, 0) < 1]
                result.missing += len(lacking)
                for p in lacking:
                    marking[p] = marking.get(p, 0) + 1
                result.underfed.append((position, t))
            marking = self.fire(t, marking)
            self._count(result, [t], placed, position)
            result.events.append((position, t))
        marking = self._towards_final(marking, result, placed, len(activities))
        self._settle(marking, result, placed)
        return result

    def _count(self, result: TraceReplay, moves: list[int], placed: dict, position: int) -> None:
        for t in moves:
            transition = self.net.transitions[t]
            result.consumed += len(transition.inputs)
            result.produced += len(transition.outputs)
            for p in transition.outputs:
                placed[p] = position
        result.fired += moves

    def _enable_through_silent(self, t, marking, moves, depth, visited) -> dict[int, int]:
        """Fire silent transitions that bring ``t`` the tokens it lacks (pm4py's recursion)."""
        if depth >= _HIDDEN_DEPTH or t in visited:
            return marking
        visited.add(t)
        lacking = [p for p in self.net.transitions[t].inputs if marking.get(p, 0) < 1]
        groups = self._paths_between(marking, lacking)
        if not groups:
            return marking
        marking = self._walk_groups(t, marking, moves, visited, groups)
        if not self.enabled(t, marking):
            for group in self._paths_between(marking, lacking):
                for t4 in group:
                    if t4 == t or t4 in visited:
                        continue
                    if not self.enabled(t4, marking):
                        marking = self._enable_through_silent(
                            t4, marking, moves, depth + 1, visited
                        )
                    if self.enabled(t4, marking):
                        marking = self.fire(t4, marking)
                        moves.append(t4)
                        visited.add(t4)
        return marking

    def _walk_groups(self, t, marking, moves, visited, groups) -> dict[int, int]:
        """Walk the silent paths in turn, firing what is enabled, until ``t`` is enabled.

        A path is walked from where the last walk of it stopped; the walk ends when ``t`` is
        enabled or a path fired nothing (pm4py's rule).
        """
        done = [0] * len(groups)
        turn = 0
        while True:
            g = turn % len(groups)
            changed = False
            while done[g] < len(groups[g]):
                t3 = groups[g][done[g]]
                if t3 != t and t3 not in visited and self.enabled(t3, marking):
                    marking = self.fire(t3, marking)
                    moves.append(t3)
                    visited.add(t3)
                    changed = True
                done[g] += 1
                if self.enabled(t, marking):
                    break
            if self.enabled(t, marking) or not changed:
                return marking
            turn += 1

    def _towards_final(self, marking, result: TraceReplay, placed: dict, position: int):
        """After the last event: silent moves towards the final marking (pm4py's two tries)."""
        final = self.net.final
        for _ in range(_FINAL_ROUNDS):
            if all(p in marking for p in final):
                break
            for group in self._paths_between(marking, final):
                for t in group:
                    if self.enabled(t, marking):
                        marking = self.fire(t, marking)
                        self._count(result, [t], placed, position)
                if all(p in marking for p in final):
                    break
        if all(p in marking for p in final) or len(final) != 1:
            return marking
        sink = next(iter(final))
        routes = sorted(
            (self.paths[p][sink] for p in marking if sink in self.paths.get(p, {})), key=len
        )
        for _ in range(_FINAL_ROUNDS):
            for route in routes:
                for t in route:
                    if not self.enabled(t, marking):
                        break
                    marking = self.fire(t, marking)
                    self._count(result, [t], placed, position)
        return marking

    def _settle(self, marking: dict[int, int], result: TraceReplay, placed: dict) -> None:
        """Take the final marking away: what is left remains, what it lacks is missing."""
        final = self.net.final
        lacking = sum(max(0, need - marking.get(p, 0)) for p, need in final.items())
        for p, count in marking.items():
            left = max(0, count - final.get(p, 0))
            result.remaining += left
            if left:
                result.left[p] = placed.get(p, 0)
        result.fits = result.missing == 0 and result.remaining == 0
        result.consumed += sum(final.values())
        result.missing += lacking


__all__ = [
    "Replayer",
    "TraceReplay",
]

"""Lifecycle pairing on integer arrays: the core that activity instances and every miner share.

:func:`pair_events` pairs schedule, start and complete events (as integer codes) into activity
instances by the rules set out in :mod:`research_kit.process.instances`;
:func:`transition_kinds` reads an event table's ``lifecycle`` column into those codes. It sits
below :mod:`research_kit.process._arrays`, so that the one reading every miner shares
(:func:`~research_kit.process._arrays.event_arrays`) can mine instances instead of lifecycle
events. Internal to the process package.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import pandas as pd

from research_kit.process.events import LIFECYCLE

#: The int64 value of a missing time (NaT).
NAT = np.iinfo(np.int64).min
#: The lifecycle transitions that are paired into instances (case-insensitive).
PAIRED_TRANSITIONS = ("schedule", "start", "complete")
#: Transition codes of :func:`transition_kinds`.
SCHEDULE, START_KIND, COMPLETE, OTHER = 0, 1, 2, 3
#: What :func:`pair_events` gives for each instance.
FIELDS = ("case", "activity", "resource", "sched", "start", "complete", "overlapping", "seen")
_DONE, _OVERLAP = FIELDS.index("complete"), FIELDS.index("overlapping")


def _pair_without_overlap(
    case: np.ndarray,
    activity: np.ndarray,
    resource: np.ndarray,
    kind: np.ndarray,
    complete: np.ndarray,
    start: np.ndarray,
) -> dict[str, Any] | None:
    """The pairing with numpy when no case and activity has two starts open at once.

    Then a complete closes the start just before it among its case and activity's events
    (whatever its resource: there is no other open start to prefer), and every other event
    opens an instance of its own. None when the log has schedules or overlapping starts.
    """
    if (kind == SCHEDULE).any():
        return None
    events = np.flatnonzero(kind != OTHER)
    order = events[np.lexsort((events, activity[events], case[events]))]
    kinds = kind[order]
    same = (case[order][1:] == case[order][:-1]) & (activity[order][1:] == activity[order][:-1])
    after_start = np.r_[False, same & (kinds[:-1] == START_KIND)]
    if (after_start & (kinds == START_KIND)).any():
        return None  # a start while another is open: the general loop marks the overlap
    closes = after_start & (kinds == COMPLETE)
    opens = np.flatnonzero(~closes)
    closed = np.r_[closes[1:], False][opens]  # a start whose next event completes it
    first = order[opens]
    last = order[np.where(closed, opens + 1, opens)]
    is_start = kinds[opens] == START_KIND
    own = resource[first]
    found = {
        "case": case[first],
        "activity": activity[first],
        "resource": np.where(own >= 0, own, resource[last]),
        "sched": np.full(len(first), NAT, np.int64),
        "start": np.where(is_start, complete[first], start[first]),
        "complete": np.where(is_start & ~closed, NAT, complete[last]),
        "overlapping": np.zeros(len(first), np.int64),
        "seen": first,
    }
    sequence = np.argsort(first, kind="stable")
    return {name: values[sequence] for name, values in found.items()}


def transition_kinds(log: pd.DataFrame) -> np.ndarray:
    """Each event's lifecycle transition as a code: 0 schedule, 1 start, 2 complete, 3 other.

    Missing transitions (and a table without a ``lifecycle`` column) count as complete, the
    XES lifecycle extension's default.

    Examples
    --------
    >>> transition_kinds(pd.DataFrame({"lifecycle": ["START", "complete", None, "suspend"]}))
    array([1, 2, 2, 3], dtype=int8)
    """
    if LIFECYCLE not in log.columns:
        return np.full(len(log), COMPLETE, np.int8)
    codes, values = pd.factorize(log[LIFECYCLE])
    names = [str(value).strip().casefold() for value in values]
    lookup = np.array(
        [PAIRED_TRANSITIONS.index(n) if n in PAIRED_TRANSITIONS else OTHER for n in names]
        + [COMPLETE],  # code -1: missing
        dtype=np.int8,
    )
    return lookup[codes]


def has_transitions(log: pd.DataFrame) -> bool:
    """True when the table records lifecycle transitions other than complete.

    Such a table holds several events per piece of work (start, suspend …), which pairing
    merges into instances.

    Examples
    --------
    >>> has_transitions(pd.DataFrame({"lifecycle": ["complete", "Start"]}))
    True
    >>> has_transitions(pd.DataFrame({"lifecycle": ["complete", None]}))
    False
    """
    return bool((transition_kinds(log) != COMPLETE).any())


def pair_events(
    case: np.ndarray,
    activity: np.ndarray,
    resource: np.ndarray,
    kind: np.ndarray,
    complete: np.ndarray,
    start: np.ndarray,
    *,
    vectorised: bool = True,
) -> dict[str, Any]:
    """FIFO pairing per (case, activity, resource); one pass over the events in table order.

    Takes integer codes (resource ``-1`` where unknown) and int64 ns times (:data:`NAT`
    where missing); gives one array per field of :data:`FIELDS`, one entry per instance in
    the order they were opened (``seen``: position of the instance's first event). Logs
    without schedules whose instances of a case and activity never overlap — most logs — are
    paired with numpy (``vectorised``), the others one event at a time; both by the same rules.
    """
    if vectorised:
        found = _pair_without_overlap(case, activity, resource, kind, complete, start)
        if found is not None:
            return found
    if not np.isin(kind, (SCHEDULE, START_KIND)).any():  # one instance per complete, no loop
        keep = np.flatnonzero(kind == COMPLETE)
        return {
            "case": case[keep],
            "activity": activity[keep],
            "resource": resource[keep],
            "sched": np.full(len(keep), NAT, np.int64),
            "start": start[keep],
            "complete": complete[keep],
            "overlapping": np.zeros(len(keep), bool),
            "seen": keep,
        }
    # one list per instance: case, activity, resource, schedule, start, complete, overlapping,
    # position of its first event (ties keep event order)
    found: list[list[int]] = []
    schedules: dict[tuple[int, int, int], deque[int]] = {}
    opened: dict[tuple[int, int, int], deque[int]] = {}  # open instances per key, oldest first
    opened_any: dict[tuple[int, int], deque[int]] = {}  # the same per case and activity

    def new(key: tuple[int, int, int], seen: int, sched: int, begun: int, done: int) -> int:
        found.append([key[0], key[1], key[2], sched, begun, done, 0, seen])
        return len(found) - 1

    def oldest_open(queue: deque[int] | None) -> int | None:
        # instances closed through the other queue are skipped here (lazy removal)
        while queue and found[queue[0]][_DONE] != NAT:
            queue.popleft()
        return queue.popleft() if queue else None

    # plain Python lists: the loop reads one event at a time, which numpy scalars slow down
    events = zip(case.tolist(), activity.tolist(), resource.tolist(), kind.tolist(), strict=True)
    times, starts = complete.tolist(), start.tolist()
    for at, (case_code, activity_code, resource_code, what) in enumerate(events):
        key, time = (case_code, activity_code, resource_code), times[at]
        if what == SCHEDULE:
            schedules.setdefault(key, deque()).append(time)
        elif what == START_KIND:
            waiting = schedules.get(key)
            open_now = opened.setdefault(key, deque())
            number = new(key, at, waiting.popleft() if waiting else NAT, time, NAT)
            still_open = [n for n in open_now if found[n][_DONE] == NAT]
            if still_open:  # a second start before the first completed
                for other in (*still_open, number):
                    found[other][_OVERLAP] = 1
            open_now.append(number)
            opened_any.setdefault(key[:2], deque()).append(number)
        elif what == COMPLETE:
            # the same resource's oldest open start; else any resource's (work handed over,
            # or the resource written on one of the two events only)
            number = oldest_open(opened.get(key))
            if number is None:
                number = oldest_open(opened_any.get(key[:2]))
            if number is not None:
                found[number][_DONE] = time
                if found[number][2] < 0:
                    found[number][2] = key[2]
            else:
                waiting = schedules.get(key)
                new(key, at, waiting.popleft() if waiting else NAT, starts[at], time)
    for key, left in schedules.items():  # schedules never started nor completed
        for sched in left:
            new(key, len(kind), sched, NAT, NAT)
    table = np.array(found, dtype=np.int64).reshape(-1, len(FIELDS))
    return {name: table[:, at] for at, name in enumerate(FIELDS)}


__all__ = [
    "COMPLETE",
    "FIELDS",
    "NAT",
    "OTHER",
    "PAIRED_TRANSITIONS",
    "SCHEDULE",
    "START_KIND",
    "has_transitions",
    "pair_events",
    "transition_kinds",
]

"""Activity instances: lifecycle events paired into one row per piece of work done.

An event log may record each piece of work as several events: ``schedule``, ``start`` and
``complete`` (the XES ``lifecycle:transition`` values, read case-insensitively), or as one row
with a ``start_timestamp`` beside the completion time. :func:`activity_instances` pairs them
into *activity instances*, per case, activity and resource, so that service time (start →
complete), waiting time (previous instance's end → start) and sojourn time (waiting + service)
can be measured, and so that a repeated activity is counted once per instance, not once per
lifecycle event (:func:`~research_kit.process.rework` relies on it).

Pairing rules, the same for CSV and XES:

- Events are taken in the event table's order (case, then time, file order for ties). For each
  case, activity and resource (resource left out when the log has none), a ``start`` pairs with
  the oldest open ``schedule`` and a ``complete`` with the oldest open ``start`` (first in,
  first out). A complete with no open start of its resource closes the oldest open start of
  the same case and activity by any resource (work handed over, or a resource written on one
  of the two events only). Two starts before a complete are *overlapping* instances: both
  are kept, marked ``overlapping``, and closed by the next completes in turn.
- Nothing is dropped silently: a start never completed is kept with ``complete`` NaT (status
  ``start_only``), a complete with no start with ``start`` NaT (``complete_only``, also a row
  whose ``start_timestamp`` is empty), a schedule never started or completed with both NaT
  (``schedule_only``). Events with another transition (``suspend``, ``assign`` …) are not
  paired; :func:`activity_instances_with_details` counts them with the unmatched ones.
- **Event order** (``order``): instances of a case are ordered by completion (the default,
  as every miner here orders events) or by start; an instance missing that time is placed by
  its other time. The *previous instance* is the one before in that order.
- Waiting time is from the previous instance's completion to this instance's start, and never
  negative (starting before the previous one ended counts as no wait, as pm4py measures it);
  sojourn time is waiting + service. The first instance of a case has no waiting time (NaT),
  and any time whose ends are unknown is NaT. Durations are Timedeltas at millisecond
  resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from research_kit.process._arrays import (
    MS,
    as_timedeltas,
    as_timestamps,
    check_choice,
    encode_column,
    to_nanoseconds,
)
from research_kit.process._pairing import (
    NAT,
    OTHER,
    PAIRED_TRANSITIONS,
    has_transitions,
    pair_events,
    transition_kinds,
)
from research_kit.process.events import ACTIVITY, CASE, RESOURCE, START, TIMESTAMP

#: Status of an instance: how much of its lifecycle the log recorded.
STATUSES = ("paired", "start_only", "complete_only", "schedule_only")
_COLUMNS = [
    CASE,
    ACTIVITY,
    RESOURCE,
    "instance",
    "scheduled",
    "start",
    "complete",
    "service_time",
    "waiting_time",
    "sojourn_time",
    "status",
    "overlapping",
]


@dataclass(frozen=True)
class InstancePairing:
    """Activity instances and what pairing them left unmatched.

    Attributes
    ----------
    instances : pandas.DataFrame
        The instances, as :func:`activity_instances` returns them.
    order : str
        ``"complete"`` or ``"start"``: how instances of a case are ordered.
    unmatched_starts, unmatched_completes, unmatched_schedules : int
        Instances with status ``start_only``, ``complete_only`` and ``schedule_only``.
    overlapping : int
        Instances that were open while another of the same case, activity and resource was.
    other_events : int
        Events with a transition other than schedule, start and complete (not paired).

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Review", "2025-01-01"), ("Review", "2025-01-02")]})
    >>> log["lifecycle"] = ["start", "complete"]
    >>> activity_instances_with_details(log).unmatched_starts
    0
    """

    instances: pd.DataFrame = field(repr=False)
    order: str
    unmatched_starts: int
    unmatched_completes: int
    unmatched_schedules: int
    overlapping: int
    other_events: int


def activity_instances(log: pd.DataFrame, *, order: str = "complete") -> pd.DataFrame:
    """Pair lifecycle events (or start and completion times) into activity instances.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table read with every transition kept (``read_event_log(path,
        transition=None)``), or one with a ``start_timestamp`` column (one instance per row).
        A table with neither gives one instance per event, ``complete_only``.
    order : {"complete", "start"}
        Order instances of a case by completion time (default) or by start time; this sets
        which instance is the *previous* one for waiting times and the ``instance`` numbers.

    Returns
    -------
    pandas.DataFrame
        One row per instance, in case (first appearance) then ``order`` order: ``case_id``,
        ``activity``, ``resource`` (missing when the log has none), ``instance`` (1 for the
        first of this activity in the case, 2 for its first repeat …), ``scheduled``,
        ``start``, ``complete`` (UTC, NaT where not recorded), ``service_time``,
        ``waiting_time``, ``sojourn_time``, ``status`` (one of :data:`STATUSES`) and
        ``overlapping``. See the module docstring for the rules.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-02 10:00"),
    ...                          ("Review", "2025-01-02 12:00"), ("Fix", "2025-01-03 09:00")]})
    >>> log["lifecycle"] = ["complete", "start", "complete", "start"]
    >>> found = activity_instances(log)
    >>> found[["activity", "instance", "status"]].values.tolist()
    [['Apply', 1, 'complete_only'], ['Review', 1, 'paired'], ['Fix', 1, 'start_only']]
    >>> found[["service_time", "waiting_time", "sojourn_time"]].iloc[1].astype(str).tolist()
    ['0 days 02:00:00', '1 days 01:00:00', '1 days 03:00:00']
    """
    return activity_instances_with_details(log, order=order).instances


def activity_instances_with_details(
    log: pd.DataFrame, *, order: str = "complete"
) -> InstancePairing:
    """Pair events into instances as :func:`activity_instances` does, and count what is unmatched.

    Returns
    -------
    InstancePairing
        ``instances`` and the counts of unmatched starts, completes and schedules, overlapping
        instances and events with other transitions.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Review", "2025-01-01"), ("Review", "2025-01-02"),
    ...                          ("Review", "2025-01-03")]})
    >>> log["lifecycle"] = ["start", "start", "complete"]
    >>> pairing = activity_instances_with_details(log)
    >>> pairing.unmatched_starts, pairing.overlapping, pairing.instances["status"].tolist()
    (1, 2, ['start_only', 'paired'])
    """
    check_choice("order", order, ("complete", "start"))
    case, case_ids = encode_column(log[CASE], CASE, sort=False)
    activity, activities = encode_column(log[ACTIVITY], ACTIVITY)
    complete = to_nanoseconds(log[TIMESTAMP], TIMESTAMP)
    start = (
        to_nanoseconds(log[START], START, allow_missing=True)
        if START in log.columns
        else np.full(len(log), NAT, np.int64)
    )
    if RESOURCE in log.columns:
        resource, resources = pd.factorize(log[RESOURCE])
    else:
        resource, resources = np.full(len(log), -1, np.int64), pd.Index([])
    kind = transition_kinds(log)
    rows = pair_events(case, activity, resource, kind, complete, start)
    frame = _instance_frame(rows, case_ids, activities, resources, order)
    status = frame["status"].value_counts()
    return InstancePairing(
        instances=frame,
        order=order,
        unmatched_starts=int(status.get("start_only", 0)),
        unmatched_completes=int(status.get("complete_only", 0)),
        unmatched_schedules=int(status.get("schedule_only", 0)),
        overlapping=int(frame["overlapping"].sum()),
        other_events=int((kind == OTHER).sum()),
    )


def _instance_frame(
    rows: dict[str, Any],
    case_ids: pd.Index,
    activities: pd.Index,
    resources: pd.Index,
    order: str,
) -> pd.DataFrame:
    """Order the paired instances, number them and measure their times."""
    case = np.asarray(rows["case"], np.int64)
    sched = np.asarray(rows["sched"], np.int64)
    start = np.asarray(rows["start"], np.int64)
    complete = np.asarray(rows["complete"], np.int64)
    first, second = (complete, start) if order == "complete" else (start, complete)
    when = np.where(first != NAT, first, np.where(second != NAT, second, sched))
    sequence = np.lexsort((np.asarray(rows["seen"]), when, case))
    case, sched = case[sequence], sched[sequence]
    start, complete = start[sequence], complete[sequence]
    activity = np.asarray(rows["activity"], np.int64)[sequence]
    resource = np.asarray(rows["resource"], np.int64)[sequence]
    same_case = np.r_[False, case[1:] == case[:-1]]
    previous_end = np.where(same_case, np.r_[NAT, complete[:-1]], NAT)
    service = _gap(start, complete)
    waiting = _gap(previous_end, start, floor=True)
    sojourn = np.where((service == NAT) | (waiting == NAT), NAT, service + waiting)
    frame = pd.DataFrame(
        {
            CASE: case_ids.take(case),
            ACTIVITY: activities.take(activity),
            RESOURCE: _resource_names(resources, resource),
            "instance": np.zeros(len(case), np.int64),
            "scheduled": as_timestamps(sched),
            "start": as_timestamps(start),
            "complete": as_timestamps(complete),
            "service_time": _durations(service),
            "waiting_time": _durations(waiting),
            "sojourn_time": _durations(sojourn),
            "status": _statuses(sched, start, complete),
            "overlapping": np.asarray(rows["overlapping"]).astype(bool)[sequence],
        }
    )
    frame["instance"] = frame.groupby([CASE, ACTIVITY], sort=False).cumcount().to_numpy() + 1
    return frame[_COLUMNS]


def _gap(begin: np.ndarray, end: np.ndarray, *, floor: bool = False) -> np.ndarray:
    """``end − begin`` in ms (NAT where either is missing), clipped at zero with ``floor``."""
    missing = (begin == NAT) | (end == NAT)
    gap = np.where(missing, 0, end - begin)
    if floor:
        gap = np.maximum(gap, 0)
    return np.where(missing, NAT, (gap + MS // 2) // MS)


def _durations(ms: np.ndarray) -> pd.Series:
    missing = ms == NAT
    out = as_timedeltas(np.where(missing, 0, ms))
    out[missing] = pd.NaT
    return out


def _statuses(sched: np.ndarray, start: np.ndarray, complete: np.ndarray) -> pd.Series:
    has_start, has_complete = start != NAT, complete != NAT
    status = np.where(
        has_start & has_complete,
        "paired",
        np.where(has_start, "start_only", np.where(has_complete, "complete_only", "schedule_only")),
    )
    return pd.Series(status, dtype="str")


def _resource_names(resources: pd.Index, codes: np.ndarray) -> pd.Series:
    if not len(resources):
        return pd.Series(pd.NA, index=range(len(codes)), dtype="object")
    names = resources.take(np.maximum(codes, 0)).to_numpy(dtype=object, copy=True)
    names[codes < 0] = pd.NA
    return pd.Series(names, dtype="object")


__all__ = [
    "PAIRED_TRANSITIONS",
    "STATUSES",
    "InstancePairing",
    "activity_instances",
    "activity_instances_with_details",
    "has_transitions",
    "transition_kinds",
]

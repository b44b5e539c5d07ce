"""Performance: how long cases take, which activities are repeated, and where cases wait.

:func:`case_durations` gives each case's start, end, duration and variant; :func:`rework`
counts activities done more than once in a case and self-loops; :func:`bottlenecks` ranks
directly-follows edges, or the activities they lead to, by the waiting time before them.
Waits and case bounds follow the conventions of :mod:`research_kit.process._arrays`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit.process._arrays import (
    MS,
    as_timedeltas,
    as_timestamps,
    check_choice,
    event_arrays,
    group_stats,
    sort_rows,
    variant_table,
)
from research_kit.process.discovery import directly_follows


def case_durations(log: pd.DataFrame, *, use_start: bool = True) -> pd.DataFrame:
    """When each case started and ended, how long it took, and which path it took.

    Returns
    -------
    pandas.DataFrame
        ``case_id``, ``start`` (earliest start or completion time), ``end`` (last completion),
        ``duration``, ``n_events`` (activity instances when lifecycle events are paired) and
        ``variant``; cases in order of first appearance.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Approve", "2025-01-03 12:00")]})
    >>> str(case_durations(log)["duration"].iloc[0])
    '2 days 03:00:00'
    """
    events = event_arrays(log, use_start=use_start)
    start, end = events.case_bounds()
    ids, table = variant_table(events)
    names = np.empty(len(table), dtype=object)
    names[table["_id"].to_numpy()] = table["variant"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "case_id": events.case_ids,
            "start": as_timestamps(start),
            "end": as_timestamps(end),
            "duration": as_timedeltas((end - start) / MS),
            "n_events": events.length,
            "variant": pd.array(names[ids], "str"),
        }
    )


def rework(log: pd.DataFrame) -> pd.DataFrame:
    """Activities done more than once in a case (pm4py's rework cases per activity), and loops.

    When the table records lifecycle transitions (read with ``transition=None``), start,
    schedule and complete events are first paired into activity instances
    (:func:`~research_kit.process.activity_instances`), as every miner here does, so that a
    start followed by its complete counts once, not as a repeat.

    Returns
    -------
    pandas.DataFrame
        Per activity: ``events`` (events, or instances when paired), ``cases`` (cases with the
        activity), ``cases_with_rework`` (cases in which it occurs more than once),
        ``rework_share`` (of the cases with the activity), ``repeats`` (occurrences beyond the
        first in each case) and ``self_loops`` (times it directly follows itself). Sorted by
        cases with rework (most first).

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Review", "2025-01-01"), ("Fix", "2025-01-02"),
    ...                          ("Review", "2025-01-03"), ("Review", "2025-01-04")],
    ...                    "B": [("Review", "2025-01-01")]})
    >>> rework(log).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'activity': 'Review', 'events': 4, 'cases': 2, 'cases_with_rework': 1,
     'rework_share': 0.5, 'repeats': 2, 'self_loops': 1}

    Lifecycle events are paired first, so a start and its complete are one piece of work:

    >>> log = event_table({"A": [("Review", "2025-01-01"), ("Review", "2025-01-02")]})
    >>> log["lifecycle"] = ["start", "complete"]
    >>> rework(log)[["events", "cases_with_rework", "self_loops"]].values.tolist()
    [[1, 0, 0]]
    """
    events = event_arrays(log)
    n = events.n_activities
    pairs, counts = np.unique(events.case * n + events.activity, return_counts=True)
    activity = pairs % n
    cases = np.bincount(activity, minlength=n)
    reworked = np.bincount(activity[counts > 1], minlength=n)
    loops = events.pairs()
    loops = loops[events.activity[loops] == events.activity[loops + 1]]
    frame = pd.DataFrame(
        {
            "activity": events.activities,
            "events": np.bincount(events.activity, minlength=n),
            "cases": cases,
            "cases_with_rework": reworked,
            "rework_share": reworked / np.maximum(cases, 1),
        }
    )
    frame["repeats"] = frame["events"] - frame["cases"]
    frame["self_loops"] = np.bincount(events.activity[loops], minlength=n)
    frame = frame[frame["events"] > 0]
    return sort_rows(frame, ["cases_with_rework", "activity"], [False, True])


def bottlenecks(
    log: pd.DataFrame,
    *,
    by: str = "edge",
    rank: str = "total",
    min_count: int = 1,
    use_start: bool = True,
) -> pd.DataFrame:
    """Where cases wait longest: edges, or the activities they wait for, ranked.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table.
    by : {"edge", "activity"}
        Rank directly-follows edges, or activities by the wait before them (from the
        previous activity's completion to their start — or completion, without start times).
    rank : {"total", "median"}
        Sort by total waiting time (where most case-time goes) or by the median wait (where a
        typical case waits longest).
    min_count : int
        Leave out edges or activities seen fewer times than this (rare paths have noisy
        medians).
    use_start : bool
        As in :func:`~research_kit.process.directly_follows`.

    Returns
    -------
    pandas.DataFrame
        ``source`` and ``target`` (or ``activity``), ``count``, the wait statistics (``total``,
        ``median``, ``mean``, ``p90``, ``min``, ``max``), ``share_of_wait`` (of the total
        over the rows kept), ``rank_total`` and ``rank_median`` (1 = longest).

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Review", "2025-01-11"),
    ...                          ("Approve", "2025-01-12")]})
    >>> bottlenecks(log, by="activity")[["activity", "median", "rank_total"]].values.tolist()
    [['Review', Timedelta('10 days 00:00:00'), 1], ['Approve', Timedelta('1 days 00:00:00'), 2]]
    """
    check_choice("by", by, ("edge", "activity"))
    check_choice("rank", rank, ("total", "median"))
    if by == "edge":
        frame = directly_follows(log, use_start=use_start)
        names = ["source", "target"]
    else:
        events = event_arrays(log, use_start=use_start)
        pairs = events.pairs()
        keys, counts, stats = group_stats(events.activity[pairs + 1], events.waits(pairs))
        frame = pd.DataFrame({"activity": events.activities.take(keys), "count": counts, **stats})
        names = ["activity"]
    frame = frame[frame["count"] >= min_count].copy()
    totals = frame["total"].astype("int64")
    frame["share_of_wait"] = totals / totals.sum() if totals.sum() else 0.0
    frame["rank_total"] = totals.rank(method="min", ascending=False).astype("int64")
    frame["rank_median"] = (
        frame["median"].astype("int64").rank(method="min", ascending=False).astype("int64")
    )
    order = ["total", "median", "mean", "p90", "min", "max"]
    frame = frame[[*names, "count", *order, "share_of_wait", "rank_total", "rank_median"]]
    return sort_rows(frame, [f"rank_{rank}", "count", *names], [True, False, *[True] * len(names)])


__all__ = [
    "bottlenecks",
    "case_durations",
    "rework",
]

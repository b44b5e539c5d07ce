"""Discovery: the directly-follows graph of an event table, and where its cases begin and end.

:func:`directly_follows` counts how often each activity directly follows another in a case,
with the waiting times between them (see :mod:`research_kit.process._arrays` for how waits are
measured); :func:`start_activities` and :func:`end_activities` say which activities cases begin
and end with. Together they are what a mined process map draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit.process._arrays import (
    EventArrays,
    count_keys,
    event_arrays,
    group_stats,
    sort_rows,
)


def directly_follows(
    log: pd.DataFrame, *, performance: bool = True, use_start: bool = True
) -> pd.DataFrame:
    """The directly-follows graph: how often each activity follows another, and the wait between.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table (see :func:`~research_kit.process.read_event_log`). Read with every
        transition (``transition=None``), its start and complete events are paired into
        activity instances first: one instance is one step, at its completion, and a start
        followed by its complete is never an edge.
    performance : bool
        Add the waiting-time statistics (leave out for a faster frequency-only graph).
    use_start : bool
        Measure waits from the previous instance's completion to the next one's start where
        the log records it (a ``start_timestamp`` column or paired start events), as pm4py's
        performance DFG does with ``start_timestamp``: ``max(start of b, end of a) − end of
        a``. pm4py then orders a case's events by start; research_kit keeps completion order
        (see :mod:`research_kit.process._arrays`), the same unless instances overlap. False
        measures completion → completion.

    Returns
    -------
    pandas.DataFrame
        One row per edge: ``source``, ``target``, ``count`` (times ``target`` directly followed
        ``source`` in a case), and with ``performance`` the waits ``mean``, ``median``, ``min``,
        ``max``, ``p90`` and ``total`` (Timedeltas; quantiles interpolate linearly, as pandas
        does). Sorted by count (most first), then source and target. Where cases begin and
        end is in :func:`start_activities` and :func:`end_activities`.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-03 09:00")],
    ...                    "B": [("Apply", "2025-01-02 09:00"), ("Review", "2025-01-02 21:00")]})
    >>> dfg = directly_follows(log)
    >>> dfg[["source", "target", "count"]].values.tolist()
    [['Apply', 'Review', 2]]
    >>> str(dfg["median"].iloc[0]), str(dfg["max"].iloc[0])
    ('1 days 06:00:00', '2 days 00:00:00')
    """
    events = event_arrays(log, use_start=use_start)
    pairs = events.pairs()
    n = events.n_activities
    edges = events.activity[pairs] * n + events.activity[pairs + 1]
    if performance:
        keys, counts, stats = group_stats(edges, events.waits(pairs))
    else:
        keys, counts = count_keys(edges, n * n)
        stats = {}
    frame = pd.DataFrame(
        {
            "source": events.activities.take(keys // n),
            "target": events.activities.take(keys % n),
            "count": counts,
            **stats,
        }
    )
    return sort_rows(frame, ["count", "source", "target"], [False, True, True])


def start_activities(log: pd.DataFrame) -> pd.DataFrame:
    """The activities cases begin with: ``activity``, ``count`` (cases), ``share`` of cases.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01")], "B": [("Call", "2025-01-02")],
    ...                    "C": [("Apply", "2025-01-03")]})
    >>> start_activities(log).values.tolist()
    [['Apply', 2, 0.6666666666666666], ['Call', 1, 0.3333333333333333]]
    """
    events = event_arrays(log)
    return _endpoint_frame(events, events.first)


def end_activities(log: pd.DataFrame) -> pd.DataFrame:
    """The activities cases end with: ``activity``, ``count`` (cases), ``share`` of cases.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> end_activities(log).values.tolist()
    [['Approve', 1, 1.0]]
    """
    events = event_arrays(log)
    return _endpoint_frame(events, events.first + events.length - 1)


def _endpoint_frame(events: EventArrays, positions: np.ndarray) -> pd.DataFrame:
    codes, counts = count_keys(events.activity[positions], events.n_activities)
    frame = pd.DataFrame({"activity": events.activities.take(codes), "count": counts})
    frame["share"] = counts / max(events.n_cases, 1)
    return sort_rows(frame, ["count", "activity"], [False, True])


__all__ = [
    "directly_follows",
    "end_activities",
    "start_activities",
]

"""Filters: a smaller event table (top variants, a time window, frequent activities, cases with
given attributes) or a smaller directly-follows graph (the most frequent paths).

Each event-table filter keeps whole cases (or, where it says so, events) and returns rows of the
table as given, so its result goes straight into any other process-mining function; the path
filter works like Disco's path slider and keeps the map connected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from research_kit.errors import EventLogError
from research_kit.process._arrays import (
    check_choice,
    check_share,
    covering,
    encode_column,
    event_arrays,
    instant_ns,
    keep_cases,
    to_nanoseconds,
    variant_table,
)
from research_kit.process.events import ACTIVITY, CASE, TIMESTAMP

_MODES = ("contained", "intersecting", "started", "events")


def filter_top_variants(
    log: pd.DataFrame, n: int | None = None, *, share: float | None = None
) -> pd.DataFrame:
    """Keep the cases of the ``n`` most common variants, or of those covering ``share`` of cases.

    With ``share``, the fewest top variants (in :func:`~research_kit.process.variants` order)
    whose cases add up to at least that share are kept.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Reject", "2025-01-03")],
    ...                    "C": [("Apply", "2025-01-02"), ("Approve", "2025-01-05")]})
    >>> filter_top_variants(log, 1)["case_id"].unique().tolist()
    ['A', 'C']
    >>> filter_top_variants(log, share=0.9)["case_id"].nunique()
    3
    """
    if (n is None) == (share is None):
        raise ValueError("give either n (a number of variants) or share (of cases), not both")
    events = event_arrays(log)
    ids, table = variant_table(events)
    if share is not None:
        check_share("share", share)
        n = covering(table["count"].to_numpy(), share)
    rank = np.empty(len(table), dtype=np.int64)
    rank[table["_id"].to_numpy()] = np.arange(len(table))
    return keep_cases(log, events.row_case, rank[ids] < n)


def filter_time_range(
    log: pd.DataFrame,
    start: Any = None,
    end: Any = None,
    *,
    mode: str = "contained",
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Keep cases (or events) in a time window ``[start, end)``.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table.
    start, end : str, datetime or Timestamp, optional
        The window; ``start`` is included and ``end`` is not, so consecutive windows split
        cases cleanly. Either may be left open (None). Times without an offset are taken in
        ``timezone``.
    mode : {"contained", "intersecting", "started", "events"}
        Keep whole cases that lie inside the window, that overlap it at all, or that started in
        it; or, with "events", only the events completed in it (cases are cut).
    timezone : str
        Time zone of ``start`` and ``end`` when they have no offset.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-09")],
    ...                    "B": [("Apply", "2025-01-05"), ("Approve", "2025-01-06")]})
    >>> filter_time_range(log, "2025-01-03", "2025-02-01")["case_id"].unique().tolist()
    ['B']
    >>> len(filter_time_range(log, "2025-01-03", "2025-02-01", mode="intersecting"))
    4
    """
    check_choice("mode", mode, _MODES)
    events = event_arrays(log)
    low = instant_ns(start, timezone, np.iinfo(np.int64).min)
    high = instant_ns(end, timezone, np.iinfo(np.int64).max)
    if mode == "events":
        time = to_nanoseconds(log[TIMESTAMP], TIMESTAMP)
        return log[(time >= low) & (time < high)].reset_index(drop=True)
    first, last = events.case_bounds()
    if mode == "contained":
        keep = (first >= low) & (last < high)
    elif mode == "intersecting":
        keep = (first < high) & (last >= low)
    else:
        keep = (first >= low) & (first < high)
    return keep_cases(log, events.row_case, keep)


def filter_activities(log: pd.DataFrame, coverage: float = 0.8) -> pd.DataFrame:
    """Keep the events of the most frequent activities covering ``coverage`` of all events.

    Like Disco's activity slider: activities are taken from the most frequent down (ties by
    name) until they account for at least that share of events; the others' events are left
    out (cases that had only those disappear). At least one activity is always kept.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Call", "2025-01-02"),
    ...                          ("Approve", "2025-01-03")],
    ...                    "B": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> filter_activities(log, 0.8)["activity"].tolist()
    ['Apply', 'Approve', 'Apply', 'Approve']
    """
    check_share("coverage", coverage)
    codes, names = encode_column(log[ACTIVITY], ACTIVITY)
    counts = np.bincount(codes, minlength=len(names))
    order = np.lexsort((np.arange(len(names)), -counts))
    keep = np.zeros(len(names), dtype=bool)
    keep[order[: covering(counts[order], coverage)]] = True
    return log[keep[codes]].reset_index(drop=True)


def filter_paths(
    dfg: pd.DataFrame,
    coverage: float = 0.8,
    *,
    start_activities: Iterable[str] | pd.DataFrame | None = None,
    end_activities: Iterable[str] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Keep the most frequent edges of a directly-follows graph, and those needed to connect.

    Like Disco's path slider: edges are taken from the most frequent down (ties by source and
    target) until they cover at least ``coverage`` of all arcs. Then, so that the map stays
    readable, every activity of the graph must stay reachable from a start activity and able
    to reach an end activity: while one is not, the most frequent dropped edge that connects
    it (from a reached activity, or towards one that reaches an end) is added back.

    Parameters
    ----------
    dfg : pandas.DataFrame
        A graph from :func:`~research_kit.process.directly_follows` (columns ``source``,
        ``target``, ``count``).
    coverage : float
        Share of arcs (summed counts) the most frequent edges must cover, in (0, 1].
    start_activities, end_activities : iterable of str or pandas.DataFrame, optional
        Where cases begin and end: activity names, or the tables
        :func:`~research_kit.process.start_activities` and
        :func:`~research_kit.process.end_activities` return for the log. By default, the
        activities that are never a target (never a source) of an edge — pass the log's own
        when a loop leads back to the first activity.

    Returns
    -------
    pandas.DataFrame
        The kept rows of ``dfg`` in their order, with ``kept_by``: "coverage" or
        "connectivity".

    Examples
    --------
    >>> from research_kit.process import (directly_follows, end_activities, event_table,
    ...                                   start_activities)
    >>> log = event_table({
    ...     "A": [("Apply", "2025-01-01"), ("Review", "2025-01-02"), ("Approve", "2025-01-03")],
    ...     "B": [("Apply", "2025-01-01"), ("Review", "2025-01-02"), ("Approve", "2025-01-03")],
    ...     "C": [("Apply", "2025-01-01"), ("Appeal", "2025-01-02"), ("Approve", "2025-01-03")]})
    >>> kept = filter_paths(directly_follows(log), 0.6, start_activities=start_activities(log),
    ...                     end_activities=end_activities(log))
    >>> kept[["source", "target", "kept_by"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Apply', 'Review', 'coverage'], ['Review', 'Approve', 'coverage'],
     ['Appeal', 'Approve', 'connectivity'], ['Apply', 'Appeal', 'connectivity']]
    """
    check_share("coverage", coverage)
    missing = [c for c in ("source", "target", "count") if c not in dfg.columns]
    if missing:
        raise ValueError(f"filter_paths needs a directly_follows() table; no column {missing[0]!r}")
    ranked = dfg.reset_index(drop=True).sort_values(
        ["count", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    order = ranked.index.to_numpy()
    edges = list(zip(ranked["source"], ranked["target"], strict=True))
    kept = [False] * len(edges)
    for i in range(covering(ranked["count"].to_numpy(), coverage) if edges else 0):
        kept[i] = True
    by_coverage = np.array(kept, dtype=bool)
    sources = {s for s, _ in edges}
    targets = {t for _, t in edges}
    starts = _endpoints(start_activities, sources - targets)
    ends = _endpoints(end_activities, targets - sources)
    _connect(edges, kept, starts, forward=True)
    _connect(edges, kept, ends, forward=False)
    chosen = np.flatnonzero(kept)
    labels = np.where(by_coverage[chosen], "coverage", "connectivity")
    rows = order[chosen]
    back = np.argsort(rows, kind="stable")
    return dfg.iloc[rows[back]].assign(kept_by=labels[back]).reset_index(drop=True)


def filter_cases(log: pd.DataFrame, **attribute_values: Any) -> pd.DataFrame:
    """Keep the cases with the given attribute values (whole cases, all their events).

    A case matches ``column=value`` when any of its events has that value — for case
    attributes such as ``ward`` every event has the same one. A list, tuple or set matches any
    of its values; a callable gets the column and returns a boolean mask. Several keywords must
    all match.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Reject", "2025-01-03")]})
    >>> filter_cases(log, activity="Reject")["case_id"].unique().tolist()
    ['B']
    >>> starts_ap = lambda column: column.str.startswith("Ap")
    >>> filter_cases(log, case_id=["A", "B"], activity=starts_ap)["case_id"].nunique()
    2
    """
    row_case, case_ids = encode_column(log[CASE], CASE, sort=False)
    keep = np.ones(len(case_ids), dtype=bool)
    for column, wanted in attribute_values.items():
        if column not in log.columns:
            raise EventLogError(
                f"the event table has no column {column!r}",
                hint="filter on one of its columns: " + ", ".join(map(str, log.columns)),
            )
        values = log[column]
        if callable(wanted):
            match = np.asarray(wanted(values), dtype=bool)
        elif isinstance(wanted, list | tuple | set | frozenset | pd.Index | pd.Series | np.ndarray):
            match = values.isin(list(wanted)).to_numpy(dtype=bool)
        else:
            match = (values == wanted).fillna(False).to_numpy(dtype=bool)
        has = np.zeros(len(case_ids), dtype=bool)
        has[row_case[match]] = True
        keep &= has
    return keep_cases(log, row_case, keep)


def _endpoints(given: Iterable[str] | pd.DataFrame | None, fallback: set[Any]) -> set[Any]:
    if given is None:
        return fallback
    if isinstance(given, pd.DataFrame):
        return set(given["activity"])
    return set(given)


def _connect(
    edges: list[tuple[Any, Any]], kept: list[bool], roots: set[Any], *, forward: bool
) -> None:
    """Add back, most frequent first, dropped edges until every activity connects to ``roots``.

    Forward: every activity reachable from a root; backward: every activity reaches one.
    """
    ends = [(s, t) if forward else (t, s) for s, t in edges]  # (from, to) in search direction
    nodes = {node for edge in edges for node in edge}
    reached = _reach(ends, kept, roots & nodes)
    while len(reached) < len(nodes):
        for i, (tail, head) in enumerate(ends):
            if not kept[i] and tail in reached and head not in reached:
                kept[i] = True
                reached = _reach(ends, kept, reached | {head})
                break
        else:
            return  # the rest cannot be connected at all


def _reach(ends: list[tuple[Any, Any]], kept: list[bool], roots: set[Any]) -> set[Any]:
    following: dict[Any, list[Any]] = {}
    for (tail, head), keep in zip(ends, kept, strict=True):
        if keep:
            following.setdefault(tail, []).append(head)
    reached, stack = set(roots), list(roots)
    while stack:
        for head in following.get(stack.pop(), ()):
            if head not in reached:
                reached.add(head)
                stack.append(head)
    return reached


__all__ = [
    "filter_activities",
    "filter_cases",
    "filter_paths",
    "filter_time_range",
    "filter_top_variants",
]

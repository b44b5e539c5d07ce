"""Process mining on tidy event tables: what paths cases really take, and where they wait.

Every function takes an event table as :func:`~research_kit.process.read_event_log` returns it
(columns ``case_id``, ``activity``, ``timestamp`` in UTC, optionally ``start_timestamp``) and
returns a tidy DataFrame: the directly-follows graph with frequencies and waiting times, start
and end activities, variants, case durations, rework, bottlenecks; filters that return a
smaller event table (top variants, time range, activity coverage, case attributes) or a smaller
graph (path coverage, like Disco's sliders); and comparisons of two periods or two groups.

Conventions, the same in every function:

- **Event order.** Within a case, events are taken in time order of ``timestamp`` (completion),
  with the table's row order kept for equal times — the order ``read_event_log`` gives. A table
  in another order is sorted that way first (a stable sort), so ties are never reordered.
- **Waiting time on an edge** a → b: from a's completion to b's start when b has a
  ``start_timestamp``, otherwise to b's completion — pm4py's performance DFG, which measures
  completion → completion without start times and ``max(start of b, end of a) − end of a``
  with them. A wait is never negative: b starting before a ended counts as no wait.
  Pass ``use_start=False`` to measure completion → completion throughout.
- **A case** starts at the earliest time it records (a start or a completion time) and ends at
  its last completion.
- **Durations** are pandas Timedeltas at millisecond resolution, so that totals over millions
  of events cannot overflow.

Everything runs on integer codes with numpy (one pass over the events per result; variants are
found by refining each case's prefix position by position with hashing, never by joining
strings per event), so a million events take well under a second and memory stays a few
arrays the length of the log.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from research_kit.errors import EventLogError
from research_kit.process.events import ACTIVITY, CASE, START, TIMESTAMP

#: What joins the activities of a variant into its name.
ARROW = " → "
_MS = 1_000_000  # nanoseconds per millisecond
_NAT = np.iinfo(np.int64).min
_STATS = ("mean", "median", "min", "max", "p90", "total")
_MODES = ("contained", "intersecting", "started", "events")


@dataclass(frozen=True)
class _Events:
    """An event table as integer arrays, in case-then-time order."""

    case: np.ndarray  # case code of each event, non-decreasing
    activity: np.ndarray  # activity code of each event
    time: np.ndarray  # completion time, ns since the epoch (UTC)
    start: np.ndarray  # start time where given, else the completion time (ns)
    case_ids: pd.Index  # the case id of each case code (order of first appearance)
    activities: pd.Index  # the activity of each activity code (sorted)
    row_case: np.ndarray  # case code of each row of the table as given
    row_activity: np.ndarray  # activity code of each row of the table as given
    first: np.ndarray  # position of each case's first event
    length: np.ndarray  # number of events of each case

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    @property
    def n_activities(self) -> int:
        return len(self.activities)

    def pairs(self) -> np.ndarray:
        """Positions ``i`` whose event is directly followed by event ``i + 1`` of its case."""
        return np.flatnonzero(self.case[1:] == self.case[:-1])

    def waits(self, pairs: np.ndarray) -> np.ndarray:
        """Waiting time (ms, never negative) from event ``i`` to event ``i + 1``."""
        wait = np.maximum(self.start[pairs + 1] - self.time[pairs], 0)
        return (wait + _MS // 2) // _MS

    def case_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each case's start (earliest start or completion) and end (last completion), ns."""
        if not self.n_cases:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        earliest = np.minimum(self.start, self.time)
        return np.minimum.reduceat(earliest, self.first), np.maximum.reduceat(self.time, self.first)


# -- the frequency and performance view -------------------------------------------------------


def directly_follows(
    log: pd.DataFrame, *, performance: bool = True, use_start: bool = True
) -> pd.DataFrame:
    """The directly-follows graph: how often each activity follows another, and the wait between.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table (see :func:`~research_kit.process.read_event_log`).
    performance : bool
        Add the waiting-time statistics (leave out for a faster frequency-only graph).
    use_start : bool
        Measure waits to the next activity's ``start_timestamp`` where the log has one (see the
        module docstring); False measures completion → completion.

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
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-03 09:00")],
    ...                    "B": [("Apply", "2025-01-02 09:00"), ("Review", "2025-01-02 21:00")]})
    >>> dfg = directly_follows(log)
    >>> dfg[["source", "target", "count"]].values.tolist()
    [['Apply', 'Review', 2]]
    >>> str(dfg["median"].iloc[0]), str(dfg["max"].iloc[0])
    ('1 days 06:00:00', '2 days 00:00:00')
    """
    events = _events(log, use_start=use_start)
    pairs = events.pairs()
    n = events.n_activities
    edges = events.activity[pairs] * n + events.activity[pairs + 1]
    if performance:
        keys, counts, stats = _group_stats(edges, events.waits(pairs))
    else:
        keys, counts = _count(edges, n * n)
        stats = {}
    frame = pd.DataFrame(
        {
            "source": events.activities.take(keys // n),
            "target": events.activities.take(keys % n),
            "count": counts,
            **stats,
        }
    )
    return _sort(frame, ["count", "source", "target"], [False, True, True])


def start_activities(log: pd.DataFrame) -> pd.DataFrame:
    """The activities cases begin with: ``activity``, ``count`` (cases), ``share`` of cases.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01")], "B": [("Call", "2025-01-02")],
    ...                    "C": [("Apply", "2025-01-03")]})
    >>> start_activities(log).values.tolist()
    [['Apply', 2, 0.6666666666666666], ['Call', 1, 0.3333333333333333]]
    """
    events = _events(log)
    return _endpoint_frame(events, events.first)


def end_activities(log: pd.DataFrame) -> pd.DataFrame:
    """The activities cases end with: ``activity``, ``count`` (cases), ``share`` of cases.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> end_activities(log).values.tolist()
    [['Approve', 1, 1.0]]
    """
    events = _events(log)
    return _endpoint_frame(events, events.first + events.length - 1)


def variants(log: pd.DataFrame) -> pd.DataFrame:
    """The distinct paths (sequences of activities) cases take, most common first.

    Returns
    -------
    pandas.DataFrame
        ``variant`` (the activities joined by " → "), ``activities`` (a tuple), ``length``,
        ``count`` (cases) and ``share`` (of cases); sorted by count (most first), then variant.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Reject", "2025-01-03")],
    ...                    "C": [("Apply", "2025-01-02"), ("Approve", "2025-01-05")]})
    >>> variants(log)[["variant", "count", "share"]].values.tolist()
    [['Apply → Approve', 2, 0.6666666666666666], ['Apply → Reject', 1, 0.3333333333333333]]
    """
    return _variants(_events(log))[1].drop(columns="_id")


def case_variants(log: pd.DataFrame) -> pd.DataFrame:
    """The variant of each case: ``case_id``, ``variant`` (activities joined by " → ").

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> case_variants(log).values.tolist()
    [['A', 'Apply → Approve']]
    """
    events = _events(log)
    ids, table = _variants(events)
    names = np.empty(len(table), dtype=object)
    names[table["_id"].to_numpy()] = table["variant"].to_numpy(dtype=object)
    return pd.DataFrame({"case_id": events.case_ids, "variant": pd.array(names[ids], "str")})


def case_durations(log: pd.DataFrame, *, use_start: bool = True) -> pd.DataFrame:
    """When each case started and ended, how long it took, and which path it took.

    Returns
    -------
    pandas.DataFrame
        ``case_id``, ``start`` (earliest start or completion time), ``end`` (last completion),
        ``duration``, ``n_events`` and ``variant``; cases in order of first appearance.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Approve", "2025-01-03 12:00")]})
    >>> str(case_durations(log)["duration"].iloc[0])
    '2 days 03:00:00'
    """
    events = _events(log, use_start=use_start)
    start, end = events.case_bounds()
    ids, table = _variants(events)
    names = np.empty(len(table), dtype=object)
    names[table["_id"].to_numpy()] = table["variant"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "case_id": events.case_ids,
            "start": _timestamps(start),
            "end": _timestamps(end),
            "duration": _timedeltas((end - start) / _MS),
            "n_events": events.length,
            "variant": pd.array(names[ids], "str"),
        }
    )


def rework(log: pd.DataFrame) -> pd.DataFrame:
    """Activities done more than once in a case (pm4py's rework cases per activity), and loops.

    Returns
    -------
    pandas.DataFrame
        Per activity: ``events``, ``cases`` (cases with the activity), ``cases_with_rework``
        (cases in which it occurs more than once), ``rework_share`` (of the cases with the
        activity), ``repeats`` (occurrences beyond the first in each case) and ``self_loops``
        (times it directly follows itself). Sorted by cases with rework (most first).

    Examples
    --------
    >>> log = event_table({"A": [("Review", "2025-01-01"), ("Fix", "2025-01-02"),
    ...                          ("Review", "2025-01-03"), ("Review", "2025-01-04")],
    ...                    "B": [("Review", "2025-01-01")]})
    >>> rework(log).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'activity': 'Review', 'events': 4, 'cases': 2, 'cases_with_rework': 1,
     'rework_share': 0.5, 'repeats': 2, 'self_loops': 1}
    """
    events = _events(log)
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
    return _sort(frame, ["cases_with_rework", "activity"], [False, True])


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
        As in :func:`directly_follows`.

    Returns
    -------
    pandas.DataFrame
        ``source`` and ``target`` (or ``activity``), ``count``, the wait statistics (``total``,
        ``median``, ``mean``, ``p90``, ``min``, ``max``), ``share_of_wait`` (of the total
        over the rows kept), ``rank_total`` and ``rank_median`` (1 = longest).

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Review", "2025-01-11"),
    ...                          ("Approve", "2025-01-12")]})
    >>> bottlenecks(log, by="activity")[["activity", "median", "rank_total"]].values.tolist()
    [['Review', Timedelta('10 days 00:00:00'), 1], ['Approve', Timedelta('1 days 00:00:00'), 2]]
    """
    _check_choice("by", by, ("edge", "activity"))
    _check_choice("rank", rank, ("total", "median"))
    if by == "edge":
        frame = directly_follows(log, use_start=use_start)
        names = ["source", "target"]
    else:
        events = _events(log, use_start=use_start)
        pairs = events.pairs()
        keys, counts, stats = _group_stats(events.activity[pairs + 1], events.waits(pairs))
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
    return _sort(frame, [f"rank_{rank}", "count", *names], [True, False, *[True] * len(names)])


# -- filters ------------------------------------------------------------------------------------


def filter_top_variants(
    log: pd.DataFrame, n: int | None = None, *, share: float | None = None
) -> pd.DataFrame:
    """Keep the cases of the ``n`` most common variants, or of those covering ``share`` of cases.

    With ``share``, the fewest top variants (in :func:`variants` order) whose cases add up to at
    least that share are kept.

    Examples
    --------
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
    events = _events(log)
    ids, table = _variants(events)
    if share is not None:
        _check_share("share", share)
        n = _covering(table["count"].to_numpy(), share)
    rank = np.empty(len(table), dtype=np.int64)
    rank[table["_id"].to_numpy()] = np.arange(len(table))
    return _keep_cases(log, events.row_case, rank[ids] < n)


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
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-09")],
    ...                    "B": [("Apply", "2025-01-05"), ("Approve", "2025-01-06")]})
    >>> filter_time_range(log, "2025-01-03", "2025-02-01")["case_id"].unique().tolist()
    ['B']
    >>> len(filter_time_range(log, "2025-01-03", "2025-02-01", mode="intersecting"))
    4
    """
    _check_choice("mode", mode, _MODES)
    events = _events(log)
    low = _instant(start, timezone, np.iinfo(np.int64).min)
    high = _instant(end, timezone, np.iinfo(np.int64).max)
    if mode == "events":
        time = _nanoseconds(log[TIMESTAMP], TIMESTAMP)
        return log[(time >= low) & (time < high)].reset_index(drop=True)
    first, last = events.case_bounds()
    if mode == "contained":
        keep = (first >= low) & (last < high)
    elif mode == "intersecting":
        keep = (first < high) & (last >= low)
    else:
        keep = (first >= low) & (first < high)
    return _keep_cases(log, events.row_case, keep)


def filter_activities(log: pd.DataFrame, coverage: float = 0.8) -> pd.DataFrame:
    """Keep the events of the most frequent activities covering ``coverage`` of all events.

    Like Disco's activity slider: activities are taken from the most frequent down (ties by
    name) until they account for at least that share of events; the others' events are left
    out (cases that had only those disappear). At least one activity is always kept.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Call", "2025-01-02"),
    ...                          ("Approve", "2025-01-03")],
    ...                    "B": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> filter_activities(log, 0.8)["activity"].tolist()
    ['Apply', 'Approve', 'Apply', 'Approve']
    """
    _check_share("coverage", coverage)
    codes, names = _codes(log[ACTIVITY], ACTIVITY)
    counts = np.bincount(codes, minlength=len(names))
    order = np.lexsort((np.arange(len(names)), -counts))
    keep = np.zeros(len(names), dtype=bool)
    keep[order[: _covering(counts[order], coverage)]] = True
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
        A graph from :func:`directly_follows` (columns ``source``, ``target``, ``count``).
    coverage : float
        Share of arcs (summed counts) the most frequent edges must cover, in (0, 1].
    start_activities, end_activities : iterable of str or pandas.DataFrame, optional
        Where cases begin and end: activity names, or the tables :func:`start_activities`
        and :func:`end_activities` return for the log. By default, the activities that are
        never a target (never a source) of an edge — pass the log's own when a loop leads
        back to the first activity.

    Returns
    -------
    pandas.DataFrame
        The kept rows of ``dfg`` in their order, with ``kept_by``: "coverage" or
        "connectivity".

    Examples
    --------
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
    _check_share("coverage", coverage)
    missing = [c for c in ("source", "target", "count") if c not in dfg.columns]
    if missing:
        raise ValueError(f"filter_paths needs a directly_follows() table; no column {missing[0]!r}")
    ranked = dfg.reset_index(drop=True).sort_values(
        ["count", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    order = ranked.index.to_numpy()
    edges = list(zip(ranked["source"], ranked["target"], strict=True))
    kept = [False] * len(edges)
    for i in range(_covering(ranked["count"].to_numpy(), coverage) if edges else 0):
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
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Reject", "2025-01-03")]})
    >>> filter_cases(log, activity="Reject")["case_id"].unique().tolist()
    ['B']
    >>> starts_ap = lambda column: column.str.startswith("Ap")
    >>> filter_cases(log, case_id=["A", "B"], activity=starts_ap)["case_id"].nunique()
    2
    """
    row_case, case_ids = _codes(log[CASE], CASE, sort=False)
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
    return _keep_cases(log, row_case, keep)


# -- comparisons -------------------------------------------------------------------------------

_TABLES = ("summary", "edges", "variants", "activities")


@dataclass(frozen=True)
class Comparison:
    """Two event tables side by side: what :func:`compare`, :func:`compare_periods` and
    :func:`compare_groups` return.

    Shares are of each table's own cases, so tables of different sizes compare fairly; each
    ``*_diff`` column is the second table's value minus the first's, and the other measure
    columns end in the two labels (``count_before``, ``count_after``).

    Attributes
    ----------
    labels : tuple of two str
        The names of the two tables, in order.
    summary : pandas.DataFrame
        One row per label and a "difference" row: ``label``, ``cases``, ``events``,
        ``events_per_case``, ``variants``, ``median_duration``, ``p90_duration``,
        ``mean_duration``.
    edges : pandas.DataFrame
        ``source``, ``target``, ``count_*``, ``count_diff``, ``share_*`` (cases passing along
        the edge at least once), ``share_diff``, ``median_wait_*``, ``median_wait_diff``.
    variants : pandas.DataFrame
        ``variant``, ``count_*``, ``count_diff``, ``share_*``, ``share_diff``.
    activities : pandas.DataFrame
        ``activity``, ``share_*`` (cases with it), ``share_diff``, ``rework_share_*`` (cases
        doing it more than once), ``rework_share_diff``.

    Examples
    --------
    >>> before = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> after = event_table({"B": [("Apply", "2025-03-01")]})
    >>> result = compare(before, after)
    >>> result.labels, result.summary["cases"].tolist()
    (('before', 'after'), [1, 1, 0])
    """

    labels: tuple[str, str]
    summary: pd.DataFrame = field(repr=False)
    edges: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    activities: pd.DataFrame = field(repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        """``comparison["summary"]``, the spelling of the dict compare used to return: deprecated.

        Kept one release; write ``comparison.summary`` (and so on) instead.
        """
        if name not in _TABLES:
            raise KeyError(name)
        warnings.warn(
            f"comparison[{name!r}] is deprecated: write comparison.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(self, name)


def compare(
    log_a: pd.DataFrame,
    log_b: pd.DataFrame,
    *,
    labels: tuple[str, str] = ("before", "after"),
    use_start: bool = True,
) -> Comparison:
    """Compare two event tables side by side: paths, variants, activities and case durations.

    Shares are of each table's own cases, so tables of different sizes compare fairly; each
    ``*_diff`` column is the second table's value minus the first's.

    Parameters
    ----------
    log_a, log_b : pandas.DataFrame
        The two event tables (e.g. before and after a reform).
    labels : tuple of two str
        Names of the two; they suffix the columns (``count_before``, ``count_after``).
    use_start : bool
        As in :func:`directly_follows`.

    Returns
    -------
    Comparison
        The tables ``summary`` (one row per label and a "difference" row), ``edges``,
        ``variants`` and ``activities`` side by side, and the two ``labels``; see
        :class:`Comparison` for their columns.

    Examples
    --------
    >>> before = event_table({"A": [("Apply", "2025-01-01"), ("Fix", "2025-01-02"),
    ...                             ("Apply", "2025-01-05")]})
    >>> after = event_table({"B": [("Apply", "2025-03-01")], "C": [("Apply", "2025-03-02")]})
    >>> result = compare(before, after)
    >>> result.summary[["label", "cases", "events_per_case"]].values.tolist()
    [['before', 1, 3.0], ['after', 2, 1.0], ['difference', 1, -2.0]]
    >>> activities = result.activities[["activity", "rework_share_before", "rework_share_after"]]
    >>> activities.values.tolist()
    [['Apply', 1.0, 0.0], ['Fix', 0.0, 0.0]]
    """
    a, b = _check_labels(labels)
    parts = {a: _profile(log_a, use_start), b: _profile(log_b, use_start)}
    summary = pd.DataFrame([{"label": label, **p["summary"]} for label, p in parts.items()])
    difference = {"label": "difference"}
    for column in summary.columns[1:]:
        difference[column] = summary[column].iloc[1] - summary[column].iloc[0]
    summary = pd.concat([summary, pd.DataFrame([difference])], ignore_index=True)
    return Comparison(
        labels=(a, b),
        summary=summary,
        edges=_side_by_side(
            parts, "edges", ["source", "target"], ["count", "share", "median_wait"]
        ),
        variants=_side_by_side(parts, "variants", ["variant"], ["count", "share"]),
        activities=_side_by_side(parts, "activities", ["activity"], ["share", "rework_share"]),
    )


def compare_periods(
    log: pd.DataFrame,
    at: Any,
    *,
    labels: tuple[str, str] = ("before", "after"),
    timezone: str = "UTC",
    use_start: bool = True,
) -> Comparison:
    """Compare cases that started before ``at`` with those that started at or after it.

    A case's start is its earliest recorded time (see :func:`case_durations`); ``at`` without
    an offset is taken in ``timezone``.

    Returns
    -------
    Comparison
        As :func:`compare` returns it: ``summary``, ``edges``, ``variants``, ``activities``.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-06-01"), ("Fix", "2025-06-02"),
    ...                          ("Approve", "2025-07-03")],
    ...                    "B": [("Apply", "2025-07-05"), ("Approve", "2025-07-06")]})
    >>> result = compare_periods(log, "2025-07-01")
    >>> result.summary["cases"].tolist()
    [1, 1, 0]
    """
    events = _events(log, use_start=use_start)
    first, _ = events.case_bounds()
    before = first < _instant(at, timezone, 0)
    return compare(
        _keep_cases(log, events.row_case, before),
        _keep_cases(log, events.row_case, ~before),
        labels=labels,
        use_start=use_start,
    )


def compare_groups(
    log: pd.DataFrame,
    by: str,
    a: Any,
    b: Any,
    *,
    labels: tuple[str, str] | None = None,
    use_start: bool = True,
) -> Comparison:
    """Compare the cases of two groups, e.g. ``compare_groups(log, "ward", "Ward 2", "Ward 4")``.

    The groups are ``filter_cases(log, by=a)`` and ``filter_cases(log, by=b)`` (a value or a
    list of values each); labels default to the values. Counts of small groups of people
    must go through :func:`research_kit.privacy.suppress_small_counts` before a brief shows
    them.

    Returns
    -------
    Comparison
        As :func:`compare` returns it: ``summary``, ``edges``, ``variants``, ``activities``.

    Examples
    --------
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Reject", "2025-01-09")]})
    >>> log["ward"] = log["case_id"].map({"A": "Ward 1", "B": "Ward 2"})
    >>> result = compare_groups(log, "ward", "Ward 1", "Ward 2")
    >>> result.variants[["variant", "count_Ward 1", "count_Ward 2"]].values.tolist()
    [['Apply → Approve', 1, 0], ['Apply → Reject', 0, 1]]
    """
    if labels is None:
        labels = (_label(a), _label(b))
    return compare(
        filter_cases(log, **{by: a}),
        filter_cases(log, **{by: b}),
        labels=labels,
        use_start=use_start,
    )


def event_table(traces: Mapping[Any, Sequence[tuple[Any, ...]]]) -> pd.DataFrame:
    """A small event table made by hand: ``{case: [(activity, time[, start time]), ...]}``.

    Times without an offset are UTC. Useful for examples, tests and what-if sketches.

    Examples
    --------
    >>> event_table({"A": [("Apply", "2025-01-01 09:00"), ("Inspect", "2025-01-03", "2025-01-02")]})
      case_id activity                 timestamp           start_timestamp
    0       A    Apply 2025-01-01 09:00:00+00:00                       NaT
    1       A  Inspect 2025-01-03 00:00:00+00:00 2025-01-02 00:00:00+00:00
    """
    rows = [(case, *event) for case, events in traces.items() for event in events]
    has_start = any(len(row) > 3 for row in rows)
    frame = pd.DataFrame(
        {
            CASE: [row[0] for row in rows],
            ACTIVITY: [row[1] for row in rows],
            TIMESTAMP: pd.to_datetime([row[2] for row in rows], utc=True, format="mixed").as_unit(
                "ns"
            ),
        }
    )
    if has_start:
        starts = [row[3] if len(row) > 3 else None for row in rows]
        frame[START] = pd.to_datetime(starts, utc=True, format="mixed").as_unit("ns")
    frame[CASE] = frame[CASE].astype("str")
    frame[ACTIVITY] = frame[ACTIVITY].astype("str")
    return frame


# -- internals: reading the table -------------------------------------------------------------


def _events(log: pd.DataFrame, *, use_start: bool = True) -> _Events:
    missing = [column for column in (CASE, ACTIVITY, TIMESTAMP) if column not in log.columns]
    if missing:
        raise EventLogError(
            f"the event table has no column {missing[0]!r}",
            hint="read the log with research_kit.process.read_event_log, or name its columns "
            "case_id, activity and timestamp",
        )
    row_case, case_ids = _codes(log[CASE], CASE, sort=False)
    row_activity, activities = _codes(log[ACTIVITY], ACTIVITY)
    time = _nanoseconds(log[TIMESTAMP], TIMESTAMP)
    start = time
    if use_start and START in log.columns:
        start = _nanoseconds(log[START], START, allow_missing=True)
        start = np.where(start == _NAT, time, start)
    case, activity = row_case, row_activity
    same = case[1:] == case[:-1]
    in_order = bool(np.all(case[1:] >= case[:-1])) and not bool(np.any(np.diff(time)[same] < 0))
    if not in_order:
        order = np.lexsort((time, case))  # stable: equal times keep the table's order
        case, activity, time, start = case[order], activity[order], time[order], start[order]
    first = np.flatnonzero(np.r_[True, case[1:] != case[:-1]]) if len(case) else case[:0]
    length = np.diff(np.r_[first, len(case)]).astype(np.int64)
    return _Events(
        case, activity, time, start, case_ids, activities, row_case, row_activity, first, length
    )


def _codes(values: pd.Series, column: str, *, sort: bool = True) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and their labels: sorted labels, or (``sort=False``) first appearance.

    Categorical columns use their codes as they are (with ``sort=False`` renumbered densely).
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        plain, categories = values.cat.codes.to_numpy().astype(np.int64), values.cat.categories
        if sort or (plain < 0).any():
            codes, labels = plain, categories
        else:
            codes, present = _first_appearance(plain)
            labels = categories.take(present)
    else:
        numeric = isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf"
        plain = values.to_numpy() if numeric else values.to_numpy(dtype=object)
        if sort:
            codes, labels = pd.factorize(plain, sort=True)
        else:
            codes, labels = _first_appearance(plain)
        labels = pd.Index(labels, dtype=values.dtype)
    codes = codes.astype(np.int64, copy=False)
    if len(codes) and codes.min() < 0:
        where = values.index[int(np.flatnonzero(codes < 0)[0])]
        raise EventLogError(
            f"{int((codes < 0).sum())} event(s) have no {column} (the first at row {where})",
            hint=f"fill in the {column} or drop those rows",
        )
    return codes, pd.Index(labels)


def _first_appearance(plain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes in order of first appearance; a column in runs (each case's events together) is
    coded from its runs, hashing one value per run instead of every row."""
    try:
        starts = np.flatnonzero(np.r_[True, plain[1:] != plain[:-1]]) if len(plain) else None
    except (TypeError, ValueError):  # pd.NA cannot be compared
        starts = None
    if starts is not None:
        run_codes, labels = pd.factorize(plain[starts])
        if len(labels) == len(starts) and run_codes.min() >= 0:
            return np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(plain)])), labels
    return pd.factorize(plain)


def _nanoseconds(values: pd.Series, column: str, *, allow_missing: bool = False) -> np.ndarray:
    """Times as int64 nanoseconds since the epoch, UTC (naive times are taken as UTC)."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        raise EventLogError(
            f"column {column!r} holds {values.dtype}, not times",
            hint="read the log with read_event_log, or convert with pandas.to_datetime(utc=True)",
        )
    if values.dt.tz is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        ns = values.dt.as_unit("ns").to_numpy().view(np.int64)
    except pd.errors.OutOfBoundsDatetime as exc:  # e.g. year 1400 held at a coarser unit
        raise EventLogError(
            f"column {column!r} holds a time outside 1677-09-21 to 2262-04-11 ({exc})",
            hint="correct that year, or read the log with read_event_log, which names the row",
        ) from exc
    if not allow_missing and len(ns) and (ns == _NAT).any():
        raise EventLogError(
            f"{int((ns == _NAT).sum())} event(s) have no {column}",
            hint="read the log with read_event_log(errors='drop') to leave them out",
        )
    return ns


def _instant(value: Any, timezone: str, default: int) -> int:
    """A time bound as int64 ns UTC; None gives ``default``."""
    if value is None:
        return default
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


# -- internals: grouping and statistics -------------------------------------------------------


def _count(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (ascending) and how often each occurs."""
    if size <= max(4 * len(keys), 1 << 20):
        counts = np.bincount(keys, minlength=size)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(keys, return_counts=True)


def _group_stats(
    keys: np.ndarray, waits: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, pd.Series]]:
    """Per distinct key: count, and mean/median/min/max/p90/total of ``waits`` (ms)."""
    keys, waits = _sort_pairs(keys, waits)
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys[:0]
    counts = np.diff(np.r_[bounds, len(keys)])
    total = np.add.reduceat(waits, bounds) if len(keys) else waits[:0]
    stats = {
        "mean": total / np.maximum(counts, 1),
        "median": _quantile(waits, bounds, counts, 0.5),
        "min": waits[bounds],
        "max": waits[bounds + counts - 1],
        "p90": _quantile(waits, bounds, counts, 0.9),
        "total": total,
    }
    return keys[bounds], counts, {name: _timedeltas(stats[name]) for name in _STATS}


def _sort_pairs(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by key, then value — one integer sort when both fit in one int64."""
    if not len(keys):
        return keys, values
    span = int(values.max()) + 1
    if int(keys.max()) < (2**62) // span:
        combined = np.sort(keys * span + values)
        return combined // span, combined % span
    order = np.lexsort((values, keys))
    return keys[order], values[order]


def _quantile(values: np.ndarray, bounds: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation quantile of each group of sorted ``values`` (pandas' default)."""
    position = (counts - 1) * q
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, counts - 1)
    low = values[bounds + below].astype(np.float64)
    high = values[bounds + above].astype(np.float64)
    return low + (high - low) * (position - below)


def _timedeltas(ms: np.ndarray) -> pd.Series:
    return pd.Series(np.rint(np.asarray(ms, dtype=np.float64)).astype(np.int64).astype("m8[ms]"))


def _timestamps(ns: np.ndarray) -> pd.Series:
    return pd.Series(ns.astype("M8[ns]")).dt.tz_localize("UTC")


def _sort(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    return frame.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)


def _endpoint_frame(events: _Events, positions: np.ndarray) -> pd.DataFrame:
    codes, counts = _count(events.activity[positions], events.n_activities)
    frame = pd.DataFrame({"activity": events.activities.take(codes), "count": counts})
    frame["share"] = counts / max(events.n_cases, 1)
    return _sort(frame, ["count", "activity"], [False, True])


def _variant_ids(events: _Events) -> np.ndarray:
    """A variant number for each case: equal numbers, equal activity sequences.

    Cases are lined up longest first; position by position, each case still running gets a
    number for its prefix so far, from (number of the shorter prefix, activity) hashed —
    so the work is one vectorised step per position, over the events at that position.
    """
    if not events.n_cases:
        return np.empty(0, dtype=np.int64)
    by_length = np.argsort(-events.length, kind="stable")
    lengths = events.length[by_length]
    firsts = events.first[by_length]
    running = np.searchsorted(-lengths, -np.arange(int(lengths[0])), side="left")
    prefix = np.zeros(len(lengths), dtype=np.int64)
    n = events.n_activities
    for position, m in enumerate(running):
        keys = prefix[:m] * n + events.activity[firsts[:m] + position]
        prefix[:m] = pd.factorize(keys)[0]
    ids = np.empty(len(lengths), dtype=np.int64)
    ids[by_length] = pd.factorize(lengths * (len(lengths) + 1) + prefix)[0]
    return ids


def _variants(events: _Events) -> tuple[np.ndarray, pd.DataFrame]:
    """Variant number of each case, and the variants table (with ``_id``, the number)."""
    ids = _variant_ids(events)
    counts = np.bincount(ids)
    _, example = np.unique(ids, return_index=True)  # a case of each variant
    names = events.activities.to_numpy(dtype=object)
    sequences = [
        tuple(names[events.activity[s : s + k]])
        for s, k in zip(events.first[example], events.length[example], strict=True)
    ]
    table = pd.DataFrame(
        {
            "variant": pd.array([ARROW.join(map(str, seq)) for seq in sequences], dtype="str"),
            "activities": pd.Series(sequences, dtype=object),
            "length": events.length[example],
            "count": counts,
            "share": counts / max(events.n_cases, 1),
            "_id": np.arange(len(counts)),
        }
    )
    table = _sort(table, ["count", "variant"], [False, True])
    return ids, table


def _covering(counts: np.ndarray, share: float) -> int:
    """How many of ``counts`` (in order) it takes to reach ``share`` of their sum (at least 1)."""
    total = counts.sum()
    if not total:
        return len(counts)
    reached = np.cumsum(counts) / total
    return int(min(np.searchsorted(reached, share - 1e-12, side="left") + 1, len(counts)))


def _keep_cases(log: pd.DataFrame, row_case: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    return log[keep[row_case]].reset_index(drop=True)


# -- internals: path filter ---------------------------------------------------------------------


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


# -- internals: comparison ---------------------------------------------------------------------


def _profile(log: pd.DataFrame, use_start: bool) -> dict[str, Any]:
    """What :func:`compare` puts side by side, for one table."""
    events = _events(log, use_start=use_start)
    n_cases = max(events.n_cases, 1)
    n = events.n_activities
    pairs = events.pairs()
    edges = events.activity[pairs] * n + events.activity[pairs + 1]
    keys, counts, stats = _group_stats(edges, events.waits(pairs))
    case_edge = np.unique(events.case[pairs] * (n * n) + edges)
    _, cases = _count(case_edge % (n * n), n * n)  # same keys, in the same ascending order
    edge_table = pd.DataFrame(
        {
            "source": events.activities.take(keys // n),
            "target": events.activities.take(keys % n),
            "count": counts,
            "share": cases / n_cases,
            "median_wait": stats["median"],
        }
    )
    case_activity, per_case = np.unique(events.case * n + events.activity, return_counts=True)
    activity_table = pd.DataFrame(
        {
            "activity": events.activities,
            "share": np.bincount(case_activity % n, minlength=n) / n_cases,
            "rework_share": np.bincount(case_activity[per_case > 1] % n, minlength=n) / n_cases,
        }
    )
    variant_table = _variants(events)[1][["variant", "count", "share"]]
    start, end = events.case_bounds()
    ms = (end - start) / _MS
    spread = [np.median(ms), np.quantile(ms, 0.9), ms.mean()] if len(ms) else [np.nan] * 3
    median, p90, mean = (None if np.isnan(v) else _timedeltas([v]).iloc[0] for v in spread)
    summary = {
        "cases": events.n_cases,
        "events": len(events.case),
        "events_per_case": len(events.case) / n_cases,
        "variants": len(variant_table),
        "median_duration": median if median is not None else pd.NaT,
        "p90_duration": p90 if p90 is not None else pd.NaT,
        "mean_duration": mean if mean is not None else pd.NaT,
    }
    return {
        "summary": summary,
        "edges": edge_table,
        "variants": variant_table,
        "activities": activity_table,
    }


def _side_by_side(
    parts: dict[str, dict[str, Any]], table: str, keys: list[str], measures: list[str]
) -> pd.DataFrame:
    (a, part_a), (b, part_b) = parts.items()
    merged = part_a[table].merge(part_b[table], on=keys, how="outer", suffixes=(f"_{a}", f"_{b}"))
    columns = list(keys)
    for measure in measures:
        first, second = f"{measure}_{a}", f"{measure}_{b}"
        if measure != "median_wait":
            merged[[first, second]] = merged[[first, second]].fillna(0)
        if measure == "count":
            merged[[first, second]] = merged[[first, second]].astype("int64")
        merged[f"{measure}_diff"] = merged[second] - merged[first]
        columns += [first, second, f"{measure}_diff"]
    lead = measures[0]
    merged["_order"] = merged[f"{lead}_{a}"] + merged[f"{lead}_{b}"]
    merged = _sort(merged, ["_order", *keys], [False, *[True] * len(keys)])
    return merged[columns]


def _check_labels(labels: Sequence[str]) -> tuple[str, str]:
    if len(labels) != 2 or str(labels[0]) == str(labels[1]):
        raise ValueError(f"labels must be two different names, not {labels!r}")
    return str(labels[0]), str(labels[1])


def _label(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(map(str, value))
    return str(value)


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")


def _check_share(name: str, value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be a share in (0, 1], not {value!r}")


__all__ = [
    "ARROW",
    "Comparison",
    "bottlenecks",
    "case_durations",
    "case_variants",
    "compare",
    "compare_groups",
    "compare_periods",
    "directly_follows",
    "end_activities",
    "event_table",
    "filter_activities",
    "filter_cases",
    "filter_paths",
    "filter_time_range",
    "filter_top_variants",
    "rework",
    "start_activities",
    "variants",
]

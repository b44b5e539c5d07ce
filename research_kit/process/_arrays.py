"""The event table as integer arrays: the one reading every process-mining module shares.

:func:`event_arrays` reads an event table (columns ``case_id``, ``activity``, ``timestamp`` in
UTC, optionally ``start_timestamp``) once into :class:`EventArrays`; the discovery, variant,
performance, filter and comparison modules compute on those arrays with the grouping, waiting
time and variant numbering kept here. Internal to the process package.

Conventions, the same in every process-mining function:

- **Activity instances, not lifecycle events.** A table that records lifecycle transitions
  beyond complete (read with ``read_event_log(path, transition=None)``) is first paired into
  activity instances by the rules of :mod:`research_kit.process.instances`, and each instance
  counts as one event: a start and its complete are one step of the directly-follows graph, of
  a variant, of a case's length — never a self-loop. The instance is timed at its completion
  (a start never completed at its start), with its start as its ``start_timestamp``; events
  with other transitions (suspend, assign …) are not steps. The same log with one row per
  instance and a ``start_timestamp`` column (an interval log) mines to the same results.
- **Event order.** Within a case, events are taken in time order of ``timestamp`` (completion),
  with the table's row order kept for equal times — the order ``read_event_log`` gives. A table
  in another order is sorted that way first (a stable sort), so ties are never reordered.
  This is the ``order="complete"`` convention of
  :func:`~research_kit.process.activity_instances`. pm4py sorts by ``start_timestamp`` when a
  log has one; the two agree unless instances of a case overlap in time.
- **Waiting time on an edge** a → b: from a's completion (the previous instance's end) to
  b's start when b has a ``start_timestamp`` or a paired start event, otherwise to b's
  completion — pm4py's performance DFG, which measures completion → completion without
  start times and ``max(start of b, end of a) − end of a``
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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from research_kit.errors import EventLogError
from research_kit.process._pairing import COMPLETE, NAT, pair_events, transition_kinds
from research_kit.process.events import ACTIVITY, CASE, RESOURCE, START, TIMESTAMP

#: What joins the activities of a variant into its name.
ARROW = " → "
#: Nanoseconds per millisecond (durations are kept in milliseconds).
MS = 1_000_000
_STATS = ("mean", "median", "min", "max", "p90", "total")


@dataclass(frozen=True)
class EventArrays:
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
    resource: np.ndarray | None = None  # resource code of each event, -1 unknown (if asked)
    resources: pd.Index | None = None  # the resource of each resource code

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
        return (wait + MS // 2) // MS

    def case_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each case's start (earliest start or completion) and end (last completion), ns."""
        if not self.n_cases:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        earliest = np.minimum(self.start, self.time)
        return np.minimum.reduceat(earliest, self.first), np.maximum.reduceat(self.time, self.first)


def event_arrays(
    log: pd.DataFrame, *, use_start: bool = True, with_resources: bool = False
) -> EventArrays:
    """Read an event table once into integer arrays, in case-then-time order.

    Lifecycle events are paired into activity instances first (see the module docstring).
    ``with_resources`` also codes the ``resource`` column (all ``-1`` without one).
    Refuses a table without ``case_id``, ``activity`` or ``timestamp``, naming what to do.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> events = event_arrays(event_table({"A": [("Apply", "2025-01-02"), ("Call", "2025-01-01")]}))
    >>> events.n_cases, list(events.activities.take(events.activity))
    (1, ['Call', 'Apply'])
    """
    missing = [column for column in (CASE, ACTIVITY, TIMESTAMP) if column not in log.columns]
    if missing:
        raise EventLogError(
            f"the event table has no column {missing[0]!r}",
            hint="read the log with research_kit.process.read_event_log, or name its columns "
            "case_id, activity and timestamp",
        )
    row_case, case_ids = encode_column(log[CASE], CASE, sort=False)
    row_activity, activities = encode_column(log[ACTIVITY], ACTIVITY)
    time = to_nanoseconds(log[TIMESTAMP], TIMESTAMP)
    start = (
        to_nanoseconds(log[START], START, allow_missing=True)
        if START in log.columns
        else np.full(len(time), NAT, np.int64)
    )
    kind = transition_kinds(log)
    paired = bool((kind != COMPLETE).any())
    resource, resources = np.full(len(time), -1, np.int64), pd.Index([])
    if RESOURCE in log.columns and (paired or with_resources):
        codes, resources = pd.factorize(log[RESOURCE])
        resource = codes.astype(np.int64)
    case, activity = row_case, row_activity
    if paired:
        case, activity, resource, time, start = _instances(
            case, activity, resource, kind, time, start
        )
    start = np.where(start == NAT, time, start) if use_start else time
    same = case[1:] == case[:-1]
    in_order = bool(np.all(case[1:] >= case[:-1])) and not bool(np.any(np.diff(time)[same] < 0))
    if not in_order:
        order = np.lexsort((time, case))  # stable: equal times keep the table's order
        case, activity, time, start = case[order], activity[order], time[order], start[order]
        resource = resource[order]
    first = np.flatnonzero(np.r_[True, case[1:] != case[:-1]]) if len(case) else case[:0]
    length = np.diff(np.r_[first, len(case)]).astype(np.int64)
    return EventArrays(
        case,
        activity,
        time,
        start,
        case_ids,
        activities,
        row_case,
        row_activity,
        first,
        length,
        resource if with_resources else None,
        pd.Index(resources) if with_resources else None,
    )


def _instances(
    case: np.ndarray,
    activity: np.ndarray,
    resource: np.ndarray,
    kind: np.ndarray,
    complete: np.ndarray,
    start: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """One event per activity instance: case, activity, resource, end and start (NAT unknown).

    An instance ends at its completion; one never completed ends at its start, one only
    scheduled at its schedule. Instances come in the order they were opened, so that the
    stable sort by case and end orders them as ``activity_instances`` does.
    """
    found = pair_events(case, activity, resource, kind, complete, start)
    order = np.argsort(found["seen"], kind="stable")
    begun, done = found["start"][order], found["complete"][order]
    end = np.where(done != NAT, done, np.where(begun != NAT, begun, found["sched"][order]))
    return found["case"][order], found["activity"][order], found["resource"][order], end, begun


def encode_column(
    values: pd.Series, column: str, *, sort: bool = True
) -> tuple[np.ndarray, pd.Index]:
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


def to_nanoseconds(values: pd.Series, column: str, *, allow_missing: bool = False) -> np.ndarray:
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
    if not allow_missing and len(ns) and (ns == NAT).any():
        raise EventLogError(
            f"{int((ns == NAT).sum())} event(s) have no {column}",
            hint="read the log with read_event_log(errors='drop') to leave them out",
        )
    return ns


def instant_ns(value: Any, timezone: str, default: int) -> int:
    """A time bound as int64 ns UTC; None gives ``default``."""
    if value is None:
        return default
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


def count_keys(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (ascending) and how often each occurs."""
    if size <= max(4 * len(keys), 1 << 20):
        counts = np.bincount(keys, minlength=size)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(keys, return_counts=True)


def group_stats(
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
    return keys[bounds], counts, {name: as_timedeltas(stats[name]) for name in _STATS}


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


def as_timedeltas(ms: np.ndarray) -> pd.Series:
    """Milliseconds (rounded to whole ones) as a Series of Timedeltas."""
    return pd.Series(np.rint(np.asarray(ms, dtype=np.float64)).astype(np.int64).astype("m8[ms]"))


def as_timestamps(ns: np.ndarray) -> pd.Series:
    """Nanoseconds since the epoch as a Series of UTC Timestamps."""
    return pd.Series(ns.astype("M8[ns]")).dt.tz_localize("UTC")


def sort_rows(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """Sort stably (ties keep their order) and number the rows from 0."""
    return frame.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)


def _variant_ids(events: EventArrays) -> np.ndarray:
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


def variant_table(events: EventArrays) -> tuple[np.ndarray, pd.DataFrame]:
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
    table = sort_rows(table, ["count", "variant"], [False, True])
    return ids, table


def covering(counts: np.ndarray, share: float) -> int:
    """How many of ``counts`` (in order) it takes to reach ``share`` of their sum (at least 1)."""
    total = counts.sum()
    if not total:
        return len(counts)
    reached = np.cumsum(counts) / total
    return int(min(np.searchsorted(reached, share - 1e-12, side="left") + 1, len(counts)))


def keep_cases(log: pd.DataFrame, row_case: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``log`` whose case (code ``row_case``) is marked in ``keep``."""
    return log[keep[row_case]].reset_index(drop=True)


def check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    """Refuse an option value that is not one of ``choices``, naming them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")


def check_share(name: str, value: float) -> None:
    """Refuse a share outside (0, 1]."""
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be a share in (0, 1], not {value!r}")

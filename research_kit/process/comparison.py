"""Comparison: two event tables side by side — two periods, two groups, or any two tables.

:func:`compare` puts paths, variants, activities and case durations of two tables next to each
other, with shares of each table's own cases and the difference; :func:`compare_periods` splits
one table by when cases started and :func:`compare_groups` by a case attribute. All three
return a :class:`Comparison`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from research_kit.process._arrays import (
    MS,
    as_timedeltas,
    count_keys,
    event_arrays,
    group_stats,
    instant_ns,
    keep_cases,
    sort_rows,
    variant_table,
)
from research_kit.process.filters import filter_cases

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
    >>> from research_kit.process import event_table
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
        As in :func:`~research_kit.process.directly_follows`.

    Returns
    -------
    Comparison
        The tables ``summary`` (one row per label and a "difference" row), ``edges``,
        ``variants`` and ``activities`` side by side, and the two ``labels``; see
        :class:`Comparison` for their columns.

    Examples
    --------
    >>> from research_kit.process import event_table
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

    A case's start is its earliest recorded time (see
    :func:`~research_kit.process.case_durations`); ``at`` without an offset is taken in
    ``timezone``.

    Returns
    -------
    Comparison
        As :func:`compare` returns it: ``summary``, ``edges``, ``variants``, ``activities``.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-06-01"), ("Fix", "2025-06-02"),
    ...                          ("Approve", "2025-07-03")],
    ...                    "B": [("Apply", "2025-07-05"), ("Approve", "2025-07-06")]})
    >>> result = compare_periods(log, "2025-07-01")
    >>> result.summary["cases"].tolist()
    [1, 1, 0]
    """
    events = event_arrays(log, use_start=use_start)
    first, _ = events.case_bounds()
    before = first < instant_ns(at, timezone, 0)
    return compare(
        keep_cases(log, events.row_case, before),
        keep_cases(log, events.row_case, ~before),
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
    >>> from research_kit.process import event_table
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


def _profile(log: pd.DataFrame, use_start: bool) -> dict[str, Any]:
    """What :func:`compare` puts side by side, for one table."""
    events = event_arrays(log, use_start=use_start)
    n_cases = max(events.n_cases, 1)
    n = events.n_activities
    pairs = events.pairs()
    edges = events.activity[pairs] * n + events.activity[pairs + 1]
    keys, counts, stats = group_stats(edges, events.waits(pairs))
    case_edge = np.unique(events.case[pairs] * (n * n) + edges)
    _, cases = count_keys(case_edge % (n * n), n * n)  # same keys, in the same ascending order
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
    variant_rows = variant_table(events)[1][["variant", "count", "share"]]
    start, end = events.case_bounds()
    ms = (end - start) / MS
    spread = [np.median(ms), np.quantile(ms, 0.9), ms.mean()] if len(ms) else [np.nan] * 3
    median, p90, mean = (None if np.isnan(v) else as_timedeltas([v]).iloc[0] for v in spread)
    summary = {
        "cases": events.n_cases,
        "events": len(events.case),
        "events_per_case": len(events.case) / n_cases,
        "variants": len(variant_rows),
        "median_duration": median if median is not None else pd.NaT,
        "p90_duration": p90 if p90 is not None else pd.NaT,
        "mean_duration": mean if mean is not None else pd.NaT,
    }
    return {
        "summary": summary,
        "edges": edge_table,
        "variants": variant_rows,
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
    merged = sort_rows(merged, ["_order", *keys], [False, *[True] * len(keys)])
    return merged[columns]


def _check_labels(labels: Sequence[str]) -> tuple[str, str]:
    if len(labels) != 2 or str(labels[0]) == str(labels[1]):
        raise ValueError(f"labels must be two different names, not {labels!r}")
    return str(labels[0]), str(labels[1])


def _label(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(map(str, value))
    return str(value)


__all__ = [
    "Comparison",
    "compare",
    "compare_groups",
    "compare_periods",
]

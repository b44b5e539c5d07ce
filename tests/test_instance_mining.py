"""Every miner counts activity instances, not lifecycle events, when a log records transitions.

The oracle for a log read with every transition (``transition=None``) is the same log read
with complete events only, given the start time of each complete's start event as its
``start_timestamp`` — paired here independently: a complete's start is the event just before
it of its case, activity and resource, when that event is a start (``reviewing.xes`` has no
overlapping instances, every start is completed, and some completes have no start). pm4py's
``to_interval`` and performance DFG, computed once by ``benchmarks/make_handover_oracles.py``,
check the waits; the interval log in CSV and XES checks that one row per instance and
start/complete events mine alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research_kit.process import (
    case_durations,
    case_variants,
    compare_periods,
    directly_follows,
    end_activities,
    event_table,
    filter_top_variants,
    read_event_log,
    rework,
    start_activities,
    variants,
)
from research_kit.process._pairing import NAT, pair_events

ORACLES = Path(__file__).parent / "data" / "process_analyst_oracles.json"
TIMES = ["mean", "median", "min", "max", "p90", "total"]


def _reviewing(shared_data: Path, transition: str | None) -> pd.DataFrame:
    return read_event_log(shared_data / "process" / "reviewing.xes", transition=transition)


def _complete_events_with_their_starts(lifecycle: pd.DataFrame) -> pd.DataFrame:
    """Complete events, each given the time of the start just before it of its case, activity
    and resource (no start: no start time) — pairing for logs whose instances never overlap."""
    keys = ["case_id", "activity", "resource"]
    kind = lifecycle["lifecycle"].str.casefold()
    before = lifecycle.groupby(keys, sort=False, dropna=False)
    previous_kind = kind.groupby([lifecycle[k] for k in keys], sort=False, dropna=False).shift()
    previous_time = before["timestamp"].shift()
    events = lifecycle.assign(start_timestamp=previous_time.where(previous_kind == "start"))
    return events[kind == "complete"].drop(columns="lifecycle").reset_index(drop=True)


@pytest.mark.shared
def test_a_start_and_its_complete_are_never_a_self_loop(shared_data):
    lifecycle = _reviewing(shared_data, None)
    assert (lifecycle["lifecycle"].str.casefold() == "start").any()
    completes = _reviewing(shared_data, "complete")
    loops = directly_follows(lifecycle).query("source == target")
    expected = directly_follows(completes).query("source == target")
    assert (
        loops[["source", "count"]].values.tolist() == expected[["source", "count"]].values.tolist()
    )
    found = rework(lifecycle)
    assert found["self_loops"].sum() == expected["count"].sum()
    assert found["events"].sum() == len(completes)


@pytest.mark.shared
def test_the_lifecycle_log_mines_as_complete_events_with_their_paired_starts(shared_data):
    lifecycle = _reviewing(shared_data, None)
    oracle = _complete_events_with_their_starts(lifecycle)
    pd.testing.assert_frame_equal(directly_follows(lifecycle), directly_follows(oracle))
    pd.testing.assert_frame_equal(variants(lifecycle), variants(oracle))
    pd.testing.assert_frame_equal(case_variants(lifecycle), case_variants(oracle))
    pd.testing.assert_frame_equal(start_activities(lifecycle), start_activities(oracle))
    pd.testing.assert_frame_equal(end_activities(lifecycle), end_activities(oracle))
    pd.testing.assert_frame_equal(case_durations(lifecycle), case_durations(oracle))
    # without start times the waits are completion → completion, as on the complete events
    completes = _reviewing(shared_data, "complete")
    pd.testing.assert_frame_equal(
        directly_follows(lifecycle, use_start=False), directly_follows(completes)
    )


@pytest.mark.shared
def test_instance_waits_equal_pm4py_interval_dfg_ordered_by_completion(shared_data):
    oracle = json.loads(ORACLES.read_text(encoding="utf-8"))["instance_dfg"]["reviewing.xes"]
    dfg = directly_follows(_reviewing(shared_data, None))
    found = {f"{row.source} -> {row.target}": row for row in dfg.itertuples()}
    assert set(found) == set(oracle)
    for edge, expected in oracle.items():
        row = found[edge]
        assert row.count == expected["count"]
        # research_kit keeps milliseconds; pm4py's mean is exact seconds
        assert row.mean.total_seconds() == pytest.approx(expected["mean_s"], abs=1e-3)
        assert row.median.total_seconds() == pytest.approx(expected["median_s"], abs=1e-3)


@pytest.mark.shared
def test_the_interval_log_gives_the_same_graph_from_csv_and_xes(shared_data):
    folder = shared_data / "process"
    csv = read_event_log(folder / "interval_event_log.csv")
    xes = read_event_log(folder / "interval_event_log.xes", transition=None)
    assert csv["start_timestamp"].notna().any()
    csv_dfg, xes_dfg = directly_follows(csv), directly_follows(xes)
    assert len(csv_dfg) > 0
    pd.testing.assert_frame_equal(csv_dfg, xes_dfg)
    pd.testing.assert_frame_equal(variants(csv), variants(xes))


@pytest.mark.shared
def test_filters_and_comparisons_work_on_instances_and_keep_every_lifecycle_event(shared_data):
    lifecycle = _reviewing(shared_data, None)
    kept = filter_top_variants(lifecycle, 1)
    assert set(kept["lifecycle"].str.casefold()) == {"start", "complete"}
    assert variants(kept)["count"].tolist() == [variants(lifecycle)["count"].iloc[0]]
    oracle = _complete_events_with_their_starts(lifecycle)
    middle = lifecycle["timestamp"].sort_values().iloc[len(lifecycle) // 2]
    found, expected = compare_periods(lifecycle, middle), compare_periods(oracle, middle)
    for table in ("summary", "edges", "variants", "activities"):
        pd.testing.assert_frame_equal(getattr(found, table), getattr(expected, table))


def test_an_unfinished_start_is_a_step_timed_at_its_start():
    log = event_table(
        {
            "A": [
                ("Apply", "2025-01-01 09:00"),
                ("Review", "2025-01-02 10:00"),
                ("Review", "2025-01-02 12:00"),
                ("Fix", "2025-01-03 09:00"),
            ]
        }
    )
    log["lifecycle"] = ["complete", "start", "complete", "start"]
    dfg = directly_follows(log)
    assert dfg[["source", "target", "count"]].values.tolist() == [
        ["Apply", "Review", 1],
        ["Review", "Fix", 1],
    ]
    # Apply ended 09:00 on the 1st, Review started 10:00 on the 2nd
    assert dfg.set_index("target").loc["Review", "median"] == pd.Timedelta(hours=25)
    assert case_durations(log)["n_events"].tolist() == [3]


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_pairing_equals_the_event_by_event_loop(seed):
    rng = np.random.default_rng(seed)
    n = 400
    case = np.sort(rng.integers(0, 12, n))
    activity = rng.integers(0, 3, n)
    resource = rng.integers(-1, 3, n)
    # random transitions (start, complete, other), then a start that would open while another
    # of its case and activity is open becomes a complete: no overlap, the vectorised path
    kind = rng.choice([1, 2, 2, 3], n).astype(np.int8)
    open_now: set[tuple[int, int]] = set()
    for at, key in enumerate(zip(case.tolist(), activity.tolist(), strict=True)):
        if kind[at] == 1 and key in open_now:
            kind[at] = 2
        if kind[at] == 1:
            open_now.add(key)
        elif kind[at] == 2:
            open_now.discard(key)
    complete = np.sort(rng.integers(0, 10**12, n))
    start = np.where(rng.random(n) < 0.3, complete - 10**9, NAT)
    fast = pair_events(case, activity, resource, kind, complete, start)
    slow = pair_events(case, activity, resource, kind, complete, start, vectorised=False)
    assert fast.keys() == slow.keys()
    for field in fast:
        np.testing.assert_array_equal(np.asarray(fast[field], np.int64), slow[field], field)

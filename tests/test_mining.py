"""Process mining: the shared logs' oracles, hand-computed small logs, and the sample study."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import research_kit
from research_kit.errors import EventLogError
from research_kit.process import (
    Comparison,
    bottlenecks,
    case_durations,
    case_variants,
    compare,
    compare_groups,
    compare_periods,
    directly_follows,
    end_activities,
    event_table,
    filter_activities,
    filter_cases,
    filter_paths,
    filter_time_range,
    filter_top_variants,
    read_event_log,
    rework,
    start_activities,
    variants,
)

XES_COLUMNS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
}
CSV_LOGS = ["running-example.csv", "receipt.csv", "roadtraffic100traces.csv"]
XES_LOGS = ["running-example.xes", "roadtraffic100traces.xes", "helpdesk.xes.gz", "reviewing.xes"]
H = pd.Timedelta(hours=1)
D = pd.Timedelta(days=1)


def _oracles(shared_data: Path) -> dict:
    return json.loads((shared_data / "process" / "oracles.json").read_text(encoding="utf-8"))


def _read_xes(path: Path, **options) -> pd.DataFrame:
    if not path.exists():
        pytest.skip(f"{path.name} is not in the shared reference data")
    try:
        return read_event_log(path, **options)
    except EventLogError as error:
        pytest.skip(f"read_event_log cannot read XES yet ({path.name}): {error}")


def _check_oracle(log: pd.DataFrame, oracle: dict) -> None:
    """Every fact the oracle lists, reproduced exactly."""
    assert log["case_id"].nunique() == oracle["cases"]
    assert len(log) == oracle["events"]
    assert log["activity"].nunique() == oracle["activities"]
    dfg = directly_follows(log)
    assert len(dfg) == oracle["dfg_edges"]
    assert dfg["count"].sum() == oracle["dfg_total_arcs"]
    if "dfg" in oracle:
        found = {
            f"{s} -> {t}": c for s, t, c in zip(dfg.source, dfg.target, dfg["count"], strict=True)
        }
        assert found == oracle["dfg"]
    starts, ends = start_activities(log), end_activities(log)
    assert dict(zip(starts["activity"], starts["count"], strict=True)) == oracle["start_activities"]
    assert dict(zip(ends["activity"], ends["count"], strict=True)) == oracle["end_activities"]
    found_variants = variants(log)
    assert len(found_variants) == oracle["variants"]
    top = oracle["top_variant"]
    assert found_variants["count"].iloc[0] == top["count"]
    tied = found_variants[found_variants["count"] == top["count"]]
    assert tuple(top["trace"]) in set(tied["activities"])  # pm4py breaks ties by first case
    if len(tied) == 1:
        assert list(found_variants["activities"].iloc[0]) == top["trace"]
    if "variants_list" in oracle:
        found = {
            " , ".join(a): c
            for a, c in zip(found_variants.activities, found_variants["count"], strict=True)
        }
        assert found == oracle["variants_list"]
    reworked = rework(log).query("cases_with_rework > 0")
    assert (
        dict(zip(reworked["activity"], reworked["cases_with_rework"], strict=True))
        == (oracle["rework_cases_per_activity"])
    )
    if "case_durations_s_sorted" in oracle:
        seconds = sorted(case_durations(log)["duration"].dt.total_seconds())
        assert seconds == oracle["case_durations_s_sorted"]


# -- oracles -----------------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize("name", CSV_LOGS)
def test_csv_logs_reproduce_the_oracles(shared_data, name):
    log = read_event_log(shared_data / "process" / name, **XES_COLUMNS)
    _check_oracle(log, _oracles(shared_data)[name])


@pytest.mark.shared
def test_running_example_csv_matches_the_xes_edge_variant_and_duration_oracles(shared_data):
    """The CSV is the same log as the XES, whose oracle also lists every edge and duration."""
    oracles = _oracles(shared_data)
    xes, csv = oracles["running-example.xes"], oracles["running-example.csv"]
    for fact in ("cases", "events", "variants", "dfg_edges", "dfg_total_arcs"):
        assert xes[fact] == csv[fact]
    log = read_event_log(shared_data / "process" / "running-example.csv", **XES_COLUMNS)
    _check_oracle(log, xes)


@pytest.mark.shared
@pytest.mark.parametrize("name", XES_LOGS)
def test_xes_logs_reproduce_the_oracles(shared_data, name):
    # pm4py's oracle counts every lifecycle event as an event; reviewing.xes has start and
    # complete pairs, which the miners pair into instances (tests/test_instance_mining.py).
    # The oracle's event-level figures are those of the events without their transitions.
    options = {"transition": None} if name == "reviewing.xes" else {}
    log = _read_xes(shared_data / "process" / name, **options)
    log = log.drop(columns="lifecycle", errors="ignore")
    _check_oracle(log, _oracles(shared_data)[name])


# -- the directly-follows graph and waits -------------------------------------------------------


def _waits_log() -> pd.DataFrame:
    """A → B four times with waits 1 h, 2 h, 3 h and 10 h; B → A once (24 h)."""
    return event_table(
        {
            "c1": [("A", "2025-01-01 00:00"), ("B", "2025-01-01 01:00")],
            "c2": [("A", "2025-01-01 00:00"), ("B", "2025-01-01 02:00")],
            "c3": [("A", "2025-01-01 00:00"), ("B", "2025-01-01 03:00")],
            "c4": [("A", "2025-01-01 00:00"), ("B", "2025-01-01 10:00"), ("A", "2025-01-02 10:00")],
        }
    )


def test_directly_follows_counts_and_wait_statistics_by_hand():
    dfg = directly_follows(_waits_log())
    assert dfg.columns.tolist() == [
        "source",
        "target",
        "count",
        "mean",
        "median",
        "min",
        "max",
        "p90",
        "total",
    ]
    first = dfg.iloc[0]
    assert (first["source"], first["target"], first["count"]) == ("A", "B", 4)
    assert first["mean"] == 4 * H
    assert first["median"] == 2.5 * H
    assert (first["min"], first["max"], first["total"]) == (H, 10 * H, 16 * H)
    assert first["p90"] == pd.Series([1, 2, 3, 10]).quantile(0.9) * H  # 7.9 h, as pandas
    assert dfg.iloc[1][["source", "target", "count", "median"]].tolist() == ["B", "A", 1, 24 * H]
    assert dfg.attrs == {}  # nothing the user needs hides where pandas would drop it


def test_frequency_only_graph_has_no_wait_columns():
    dfg = directly_follows(_waits_log(), performance=False)
    assert dfg.columns.tolist() == ["source", "target", "count"]
    assert dfg["count"].tolist() == [4, 1]


def test_waits_run_to_the_next_start_time_and_are_never_negative():
    log = event_table(
        {
            "c1": [("A", "2025-01-01 00:00"), ("B", "2025-01-01 10:00", "2025-01-01 04:00")],
            "c2": [("A", "2025-01-01 06:00"), ("B", "2025-01-01 08:00", "2025-01-01 05:00")],
            "c3": [("A", "2025-01-01 00:00"), ("B", "2025-01-01 02:00")],  # no start time
        }
    )
    waits = directly_follows(log)
    assert sorted([waits["min"].iloc[0], waits["median"].iloc[0], waits["max"].iloc[0]]) == [
        0 * H,
        2 * H,
        4 * H,
    ]
    completion = directly_follows(log, use_start=False)
    assert completion["total"].iloc[0] == (10 + 2 + 2) * H


def test_rows_out_of_order_are_sorted_by_case_then_time_keeping_ties_in_table_order():
    ordered = event_table(
        {
            "x": [
                ("A", "2025-01-01"),
                ("B", "2025-01-02"),
                ("C", "2025-01-02"),
                ("D", "2025-01-03"),
            ],
            "y": [("A", "2025-01-01"), ("C", "2025-01-05")],
        }
    )
    shuffled = ordered.iloc[[5, 3, 1, 4, 0, 2]].reset_index(drop=True)  # B still before C
    assert (
        shuffled.index[shuffled["activity"].eq("B")][0]
        < shuffled.index[shuffled["activity"].eq("C") & shuffled["case_id"].eq("x")][0]
    )
    pd.testing.assert_frame_equal(
        directly_follows(shuffled).sort_values(["source", "target"]).reset_index(drop=True),
        directly_follows(ordered).sort_values(["source", "target"]).reset_index(drop=True),
    )
    assert case_variants(shuffled).set_index("case_id")["variant"].to_dict() == {
        "y": "A → C",
        "x": "A → B → C → D",
    }


def test_results_agree_with_a_plain_pandas_implementation_on_a_random_log():
    rng = np.random.default_rng(7)
    n = 5_000
    log = pd.DataFrame(
        {
            "case_id": pd.array([f"c{c}" for c in rng.integers(0, 600, n)], dtype="str"),
            "activity": pd.array([f"a{a}" for a in rng.integers(0, 9, n)], dtype="str"),
            "timestamp": pd.to_datetime(rng.integers(0, 50, n) * 3_600, unit="s", utc=True),
        }
    )  # cases interleaved, many equal times
    expected = log.assign(
        _case=log["case_id"].map({c: i for i, c in enumerate(log.case_id.unique())})
    )
    expected = expected.sort_values(["_case", "timestamp"], kind="stable")
    following = expected.groupby("_case")["activity"].shift(-1)
    wait = expected.groupby("_case")["timestamp"].shift(-1) - expected["timestamp"]
    pairs = pd.DataFrame({"source": expected["activity"], "target": following, "wait": wait})
    pairs = pairs.dropna(subset=["target"])
    grouped = pairs.groupby(["source", "target"])["wait"]
    dfg = directly_follows(log).set_index(["source", "target"]).sort_index()
    assert dfg["count"].to_dict() == grouped.size().to_dict()
    assert (dfg["median"] == grouped.median().sort_index()).all()
    assert (dfg["total"] == grouped.sum().sort_index()).all()
    traces = expected.groupby("case_id")["activity"].agg(tuple).value_counts()
    found = variants(log)
    assert dict(zip(found["activities"], found["count"], strict=True)) == traces.to_dict()
    assert len(case_variants(log)) == log["case_id"].nunique()


def test_empty_log_gives_empty_tables():
    empty = event_table({})
    assert directly_follows(empty).empty
    assert variants(empty).empty
    assert case_durations(empty).empty
    assert rework(empty).empty
    assert start_activities(empty).empty


def test_bad_tables_raise_event_log_errors():
    log = _waits_log()
    with pytest.raises(EventLogError, match="no column 'timestamp'"):
        directly_follows(log.drop(columns="timestamp"))
    with pytest.raises(EventLogError, match="not times"):
        variants(log.assign(timestamp=log["timestamp"].astype(str)))
    missing = log.copy()
    missing.loc[2, "timestamp"] = pd.NaT
    with pytest.raises(EventLogError, match="have no timestamp"):
        directly_follows(missing)
    unnamed = log.copy()
    unnamed.loc[1, "activity"] = None
    with pytest.raises(EventLogError, match="have no activity"):
        variants(unnamed)


# -- variants, durations, rework, bottlenecks ---------------------------------------------------


def _permits() -> pd.DataFrame:
    return event_table(
        {
            "p1": [("Apply", "2025-01-01"), ("Review", "2025-01-05"), ("Approve", "2025-01-06")],
            "p2": [("Apply", "2025-01-02"), ("Review", "2025-01-09"), ("Approve", "2025-01-10")],
            "p3": [
                ("Apply", "2025-01-03"),
                ("Review", "2025-01-04"),
                ("Fix", "2025-01-08"),
                ("Review", "2025-01-09"),
                ("Review", "2025-01-10"),
                ("Approve", "2025-01-20"),
            ],
            "p4": [("Apply", "2025-02-01"), ("Withdraw", "2025-02-03")],
        }
    )


def test_variants_counts_shares_and_order():
    found = variants(_permits())
    assert found.columns.tolist() == ["variant", "activities", "length", "count", "share"]
    assert found["variant"].tolist() == [
        "Apply → Review → Approve",
        "Apply → Review → Fix → Review → Review → Approve",
        "Apply → Withdraw",
    ]
    assert found["count"].tolist() == [2, 1, 1]
    assert found["share"].tolist() == [0.5, 0.25, 0.25]
    assert found["length"].tolist() == [3, 6, 2]
    assert found["activities"].iloc[2] == ("Apply", "Withdraw")


def test_case_durations_use_the_earliest_start_time():
    log = _permits()
    durations = case_durations(log).set_index("case_id")
    assert durations.loc["p1", "duration"] == 5 * D
    assert durations.loc["p3", "n_events"] == 6
    assert durations.loc["p4", "variant"] == "Apply → Withdraw"
    started = log.assign(
        start_timestamp=pd.Series(pd.NaT, index=log.index, dtype=log.timestamp.dtype)
    )
    started.loc[0, "start_timestamp"] = pd.Timestamp("2024-12-31", tz="UTC")
    with_start = case_durations(started).set_index("case_id")
    assert with_start.loc["p1", "start"] == pd.Timestamp("2024-12-31", tz="UTC")
    assert with_start.loc["p1", "duration"] == 6 * D


def test_rework_counts_cases_repeats_and_self_loops():
    table = rework(_permits()).set_index("activity")
    review = table.loc["Review"]
    assert review[["events", "cases", "cases_with_rework", "repeats", "self_loops"]].tolist() == [
        5,
        3,
        1,
        2,
        1,
    ]
    assert review["rework_share"] == pytest.approx(1 / 3)
    assert table.loc["Apply", "cases_with_rework"] == 0
    assert rework(_permits())["activity"].iloc[0] == "Review"


def test_bottlenecks_by_activity_and_edge():
    log = _permits()
    by_activity = bottlenecks(log, by="activity")
    # waits before Review: 4, 7, 1, 1, 1 days (total 14); before Approve 1, 1, 10 (total 12)
    assert by_activity["activity"].tolist()[:2] == ["Review", "Approve"]
    review = by_activity.iloc[0]
    assert (review["total"], review["median"], review["count"]) == (14 * D, D, 5)
    assert review["share_of_wait"] == pytest.approx(14 / (14 + 12 + 4 + 2))
    by_median = bottlenecks(log, by="activity", rank="median")
    assert by_median["activity"].iloc[0] == "Fix"  # 4 days, once
    assert bottlenecks(log, by="activity", rank="median", min_count=2)["activity"].iloc[0] == (
        "Review"
    )
    edges = bottlenecks(log)
    assert edges.iloc[0][["source", "target", "total"]].tolist() == ["Apply", "Review", 12 * D]
    assert edges["rank_total"].tolist() == sorted(edges["rank_total"])
    with pytest.raises(ValueError, match="by must be one of"):
        bottlenecks(log, by="resource")


# -- filters -----------------------------------------------------------------------------------


def test_filter_top_variants_by_number_and_share():
    log = _permits()
    assert filter_top_variants(log, 1)["case_id"].unique().tolist() == ["p1", "p2"]
    # shares 0.5, 0.25, 0.25: 0.5 needs one variant, 0.6 two, 1.0 all
    assert filter_top_variants(log, share=0.5)["case_id"].nunique() == 2
    assert filter_top_variants(log, share=0.6)["case_id"].unique().tolist() == ["p1", "p2", "p3"]
    assert len(filter_top_variants(log, share=1.0)) == len(log)
    kept = filter_top_variants(log, 2)
    assert kept.columns.tolist() == log.columns.tolist()
    assert kept.index.tolist() == list(range(len(kept)))
    with pytest.raises(ValueError, match="either n"):
        filter_top_variants(log)
    with pytest.raises(ValueError, match="share"):
        filter_top_variants(log, share=1.5)


@pytest.mark.parametrize(
    ("mode", "cases", "events"),
    [
        ("contained", ["p2", "p3"], 9),  # in [2 Jan, 21 Jan): p1 began on the 1st
        ("intersecting", ["p1", "p2", "p3"], 12),  # the rest in [2 Jan, 10 Jan)
        ("started", ["p2", "p3"], 9),
        ("events", ["p1", "p2", "p3"], 8),  # 5, 6 Jan; 2, 9 Jan; 3, 4, 8, 9 Jan
    ],
)
def test_filter_time_range_modes(mode, cases, events):
    log = _permits()
    if mode == "contained":  # p3 runs to the 20th: contained only in a longer window
        kept = filter_time_range(log, "2025-01-02", "2025-01-21", mode=mode)
    else:
        kept = filter_time_range(log, "2025-01-02", "2025-01-10", mode=mode)
    assert kept["case_id"].unique().tolist() == cases
    assert len(kept) == events


def test_filter_time_range_bounds_are_half_open_and_time_zone_aware():
    log = _permits()
    # p2 starts 2025-01-02 00:00 UTC = 2025-01-01 16:00 in Los Angeles
    la = filter_time_range(
        log, "2025-01-01 16:00", None, mode="started", timezone="America/Los_Angeles"
    )
    assert la["case_id"].unique().tolist() == ["p2", "p3", "p4"]
    assert "p2" not in set(filter_time_range(log, None, "2025-01-02", mode="started")["case_id"])
    with pytest.raises(ValueError, match="mode"):
        filter_time_range(log, mode="overlapping")


def test_filter_activities_coverage_like_the_disco_slider():
    log = event_table(
        {
            "a": [("A", "2025-01-01"), ("B", "2025-01-02"), ("C", "2025-01-03")],
            "b": [("A", "2025-01-01"), ("B", "2025-01-02"), ("C", "2025-01-03")],
            "c": [("A", "2025-01-01"), ("B", "2025-01-02"), ("A", "2025-01-03")],
            "d": [("A", "2025-01-01")],
        }
    )  # A 5, B 3, C 2 of 10 events
    assert set(filter_activities(log, 0.5)["activity"]) == {"A"}
    assert set(filter_activities(log, 0.8)["activity"]) == {"A", "B"}
    assert set(filter_activities(log, 0.81)["activity"]) == {"A", "B", "C"}
    assert len(filter_activities(log, 1.0)) == len(log)
    assert set(filter_activities(log, 0.01)["activity"]) == {"A"}
    with pytest.raises(ValueError, match="coverage"):
        filter_activities(log, 0)


def test_filter_paths_keeps_frequent_edges_and_reconnects_the_rest():
    traces = {
        f"m{i}": [("S", "2025-01-01"), ("M", "2025-01-02"), ("E", "2025-01-03")] for i in range(8)
    }
    traces["r"] = [("S", "2025-01-01"), ("R", "2025-01-02"), ("E", "2025-01-03")]
    traces["x"] = [
        ("S", "2025-01-01"),
        ("M", "2025-01-02"),
        ("X", "2025-01-03"),
        ("E", "2025-01-04"),
    ]
    dfg = directly_follows(event_table(traces))  # S→M 9, M→E 8, then four edges once
    kept = filter_paths(dfg, 0.8)
    as_tuples = {
        (s, t): why for s, t, why in zip(kept.source, kept.target, kept.kept_by, strict=True)
    }
    assert as_tuples[("S", "M")] == as_tuples[("M", "E")] == "coverage"
    assert as_tuples[("S", "R")] == "connectivity"  # R reachable from the start
    assert as_tuples[("R", "E")] == "connectivity"  # and R reaches an end
    assert as_tuples[("M", "X")] == as_tuples[("X", "E")] == "connectivity"
    assert len(filter_paths(dfg, 1.0)) == len(dfg)
    assert set(filter_paths(dfg, 1.0)["kept_by"]) == {"coverage"}
    bare = dfg[["source", "target", "count"]].copy()
    # without given ends, an activity that is never a source (E) is the end
    assert len(filter_paths(bare, 0.8)) == len(kept)
    given = filter_paths(bare, 0.8, start_activities=["S"], end_activities=["E"])
    assert given[["source", "target", "kept_by"]].equals(kept[["source", "target", "kept_by"]])


def test_filter_cases_by_attribute_values():
    log = _permits()
    log["ward"] = log["case_id"].map(
        {"p1": "Ward 1", "p2": "Ward 2", "p3": "Ward 2", "p4": "Ward 3"}
    )
    assert filter_cases(log, ward="Ward 2")["case_id"].unique().tolist() == ["p2", "p3"]
    assert filter_cases(log, ward=["Ward 1", "Ward 3"])["case_id"].unique().tolist() == ["p1", "p4"]
    assert filter_cases(log, ward="Ward 2", activity="Fix")["case_id"].unique().tolist() == ["p3"]
    assert len(filter_cases(log, activity="Fix")) == 6  # the whole case, not just the event
    late = filter_cases(log, timestamp=lambda t: t >= pd.Timestamp("2025-01-15", tz="UTC"))
    assert late["case_id"].unique().tolist() == ["p3", "p4"]
    assert filter_cases(log, ward="Ward 9").empty
    with pytest.raises(EventLogError, match="no column 'district'"):
        filter_cases(log, district="North")


# -- comparisons -------------------------------------------------------------------------------


def test_compare_puts_paths_variants_and_durations_side_by_side():
    before = event_table(
        {
            "b1": [("Apply", "2025-01-01"), ("Fix", "2025-01-03"), ("Apply", "2025-01-04")],
            "b2": [("Apply", "2025-01-01"), ("Approve", "2025-01-05")],
        }
    )
    after = event_table(
        {
            "a1": [("Apply", "2025-03-01"), ("Approve", "2025-03-02")],
            "a2": [("Apply", "2025-03-01"), ("Approve", "2025-03-03")],
            "a3": [("Apply", "2025-03-01"), ("Approve", "2025-03-04")],
            "a4": [("Apply", "2025-03-01"), ("Reject", "2025-03-02")],
        }
    )
    result = compare(before, after)
    assert isinstance(result, Comparison) and result.labels == ("before", "after")
    with pytest.warns(DeprecationWarning, match=r"write comparison\.summary"):
        assert result["summary"] is result.summary  # the old dict spelling, one release
    summary = result.summary.set_index("label")
    assert summary.loc["before", ["cases", "events", "variants"]].tolist() == [2, 5, 2]
    assert summary.loc["after", ["cases", "events", "variants"]].tolist() == [4, 8, 2]
    assert summary.loc["before", "median_duration"] == 3.5 * D
    assert summary.loc["after", "median_duration"] == 1.5 * D
    assert summary.loc["difference", "median_duration"] == -2 * D
    assert summary.loc["difference", "cases"] == 2
    edges = result.edges.set_index(["source", "target"])
    approve = edges.loc[("Apply", "Approve")]
    assert approve[["count_before", "count_after", "count_diff"]].tolist() == [1, 3, 2]
    assert approve[["share_before", "share_after", "share_diff"]].tolist() == [0.5, 0.75, 0.25]
    assert approve["median_wait_before"] == 4 * D
    assert approve["median_wait_after"] == 2 * D
    assert approve["median_wait_diff"] == -2 * D
    fix = edges.loc[("Apply", "Fix")]
    assert fix["count_after"] == 0
    assert pd.isna(fix["median_wait_after"])
    activities = result.activities.set_index("activity")
    assert activities.loc["Apply", ["rework_share_before", "rework_share_after"]].tolist() == [
        0.5,
        0.0,
    ]
    assert activities.loc["Reject", "share_after"] == 0.25
    variants_table = result.variants.set_index("variant")
    assert variants_table.loc["Apply → Approve", ["count_before", "count_after"]].tolist() == [1, 3]
    with pytest.raises(ValueError, match="labels"):
        compare(before, after, labels=("same", "same"))


def test_compare_periods_splits_cases_by_their_first_event():
    log = event_table(
        {
            "early": [("Apply", "2025-06-30 23:59"), ("Approve", "2025-07-10")],
            "edge": [("Apply", "2025-07-01 00:00"), ("Approve", "2025-07-02")],
            "late": [("Apply", "2025-07-05"), ("Approve", "2025-07-06")],
        }
    )
    summary = compare_periods(log, "2025-07-01").summary.set_index("label")
    assert summary.loc["before", "cases"] == 1
    assert summary.loc["after", "cases"] == 2
    # midnight in Los Angeles is 07:00 UTC: "edge" (00:00 UTC) is then before
    pacific = compare_periods(
        log, "2025-07-01", timezone="America/Los_Angeles", labels=("old", "new")
    )
    assert pacific.summary.set_index("label").loc["old", "cases"] == 2


def test_compare_groups_by_a_case_attribute():
    log = _permits()
    log["ward"] = log["case_id"].map(
        {"p1": "Ward 2", "p2": "Ward 4", "p3": "Ward 4", "p4": "Ward 2"}
    )
    result = compare_groups(log, "ward", "Ward 2", "Ward 4")
    summary = result.summary.set_index("label")
    assert summary.loc["Ward 2", "cases"] == 2
    assert summary.loc["Ward 4", "cases"] == 2
    assert "count_Ward 2" in result.edges.columns
    both = compare_groups(log, "ward", ["Ward 2"], ["Ward 4"], labels=("west", "east"))
    assert both.summary["label"].tolist() == ["west", "east", "difference"]


# -- the sample study's permit log --------------------------------------------------------------


@pytest.fixture
def permit_log(sample_study_path):
    with research_kit.open_study(sample_study_path) as study:
        return study.event_log()


def test_sample_log_matches_the_generator_facts(permit_log):
    facts_file = (
        Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "sample_event_log_facts.json"
    )
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    found = variants(permit_log)
    assert len(found) == facts["distinct_variants"]
    assert found["count"].iloc[0] == facts["most_common_variant_count"]
    durations = case_durations(permit_log)
    days = durations["duration"].dt.total_seconds() / 86_400
    assert round(days.mean(), 2) == facts["mean_case_duration_days"]
    assert round(days.median(), 2) == facts["median_case_duration_days"]
    distinct = durations["variant"].str.split(" → ").map(lambda steps: len(set(steps)))
    assert (durations["n_events"] > distinct).sum() == facts["cases_with_repeated_activity"]


def test_plan_review_is_the_top_bottleneck(permit_log):
    by_median = bottlenecks(permit_log, by="activity", rank="median")
    assert by_median["activity"].iloc[0] == "Plan review"
    assert bottlenecks(permit_log, by="activity")["activity"].iloc[0] == "Plan review"
    edges = bottlenecks(permit_log, rank="median", min_count=100)
    assert set(edges["target"].head(4)) == {"Plan review"}


def test_tenant_improvements_loop_less_after_july_2025(permit_log):
    tenant = filter_cases(permit_log, permit_type="Tenant improvement")
    assert set(tenant["permit_type"]) == {"Tenant improvement"}
    result = compare_periods(tenant, "2025-07-01")
    edges = result.edges.set_index(["source", "target"])
    for loop in [
        ("Request plan corrections", "Submit revised plans"),
        ("Submit revised plans", "Plan review"),
        ("Request missing documents", "Resubmit documents"),
    ]:
        assert edges.loc[loop, "share_after"] < edges.loc[loop, "share_before"]
    activities = result.activities.set_index("activity")
    assert activities.loc["Plan review", "rework_share_diff"] < -0.1
    summary = result.summary.set_index("label")
    assert summary.loc["after", "events_per_case"] < summary.loc["before", "events_per_case"]


# -- results keep their meaning: nothing in attrs, one documented type per comparison ----------


@pytest.mark.parametrize(
    "analysis",
    [
        directly_follows,
        start_activities,
        end_activities,
        variants,
        case_variants,
        case_durations,
        rework,
        bottlenecks,
        lambda log: filter_top_variants(log, 1),
        lambda log: filter_time_range(log, "2025-01-01", "2025-02-01"),
        lambda log: filter_activities(log, 0.8),
        lambda log: filter_paths(directly_follows(log), 0.8),
        lambda log: filter_cases(log, activity="Fix"),
    ],
)
def test_results_keep_nothing_in_attrs(analysis):
    assert analysis(_permits()).attrs == {}


def test_every_comparison_is_one_frozen_documented_type():
    log = _permits()
    log["ward"] = log["case_id"].map({"p1": "W1", "p2": "W2", "p3": "W1", "p4": "W2"})
    results = [
        compare(log, log),
        compare_periods(log, "2025-01-03"),
        compare_groups(log, "ward", "W1", "W2"),
    ]
    for result in results:
        assert type(result) is Comparison
        for table in ("summary", "edges", "variants", "activities"):
            assert isinstance(getattr(result, table), pd.DataFrame)
            assert getattr(result, table).attrs == {}
        with pytest.raises(AttributeError):
            result.summary = pd.DataFrame()  # frozen: a result is not edited in place
    assert results[2].labels == ("W1", "W2")


def test_the_old_mining_module_names_the_same_objects():
    from research_kit import process
    from research_kit.process import mining, variant

    for name in mining.__all__:
        assert getattr(mining, name) is getattr(process, name, getattr(variant, name, None)), name

"""Activity instances: lifecycle pairing by hand, on the shared logs, and the bundled log read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from research_kit.process import (
    activity_instances,
    activity_instances_with_details,
    bottlenecks,
    case_durations,
    directly_follows,
    event_table,
    read_event_log,
    rework,
    variants,
)

BUNDLED_LOG = (
    Path(__file__).resolve().parents[1] / "interview_data" / "process" / "permit_events.csv"
)


def lifecycle_log(events: list[tuple[str, str, str, str]], resources=None) -> pd.DataFrame:
    """(case, activity, time, transition) rows as an event table with a lifecycle column."""
    traces: dict[str, list] = {}
    for case, activity, time, _ in events:
        traces.setdefault(case, []).append((activity, time))
    log = event_table(traces)
    log["lifecycle"] = [transition for *_, transition in events]
    if resources is not None:
        log["resource"] = resources
    return log


def test_fifo_pairing_keeps_overlaps_and_unmatched_events():
    log = lifecycle_log(
        [
            ("A", "Review", "2025-01-01 09:00", "START"),
            ("A", "Review", "2025-01-01 10:00", "start"),
            ("A", "Review", "2025-01-01 11:00", "Complete"),
            ("A", "Review", "2025-01-01 13:00", "complete"),
            ("A", "Review", "2025-01-01 14:00", "complete"),
            ("A", "Sign", "2025-01-01 15:00", "start"),
            ("A", "Sign", "2025-01-01 15:30", "suspend"),
        ]
    )
    pairing = activity_instances_with_details(log)
    found = pairing.instances
    # first in, first out: the 9:00 start ends at 11:00, the 10:00 start at 13:00
    reviews = found[found["activity"] == "Review"]
    assert reviews["start"].dt.hour.tolist()[:2] == [9, 10]
    assert reviews["complete"].dt.hour.tolist() == [11, 13, 14]
    assert reviews["status"].tolist() == ["paired", "paired", "complete_only"]
    assert reviews["overlapping"].tolist() == [True, True, False]
    assert reviews["instance"].tolist() == [1, 2, 3]
    assert found.loc[found["activity"] == "Sign", "status"].tolist() == ["start_only"]
    assert (pairing.unmatched_starts, pairing.unmatched_completes) == (1, 1)
    assert (pairing.overlapping, pairing.other_events, pairing.unmatched_schedules) == (2, 1, 0)
    assert found["complete"].isna().sum() == 1  # the unmatched start is kept, not dropped


def test_times_of_an_instance_by_hand():
    log = lifecycle_log(
        [
            ("A", "Apply", "2025-01-01 09:00", "complete"),
            ("A", "Review", "2025-01-01 10:00", "schedule"),
            ("A", "Review", "2025-01-01 12:00", "start"),
            ("A", "Review", "2025-01-01 12:30", "complete"),
            ("A", "Note", "2025-01-01 16:00", "schedule"),
        ]
    )
    found = activity_instances(log).set_index("activity")
    review = found.loc["Review"]
    assert review["scheduled"] == pd.Timestamp("2025-01-01 10:00", tz="UTC")
    assert review["service_time"] == pd.Timedelta(minutes=30)
    assert review["waiting_time"] == pd.Timedelta(hours=3)
    assert review["sojourn_time"] == pd.Timedelta(hours=3, minutes=30)
    assert pd.isna(found.loc["Apply", "waiting_time"])  # the first instance waits for nothing
    assert found.loc["Note", "status"] == "schedule_only"


def test_resources_are_paired_apart():
    log = lifecycle_log(
        [
            ("A", "Review", "2025-01-01 09:00", "start"),
            ("A", "Review", "2025-01-01 10:00", "start"),
            ("A", "Review", "2025-01-01 11:00", "complete"),
        ],
        resources=["Ann", "Bo", "Bo"],
    )
    found = activity_instances(log)
    assert found[["resource", "status"]].values.tolist() == [
        ["Ann", "start_only"],
        ["Bo", "paired"],
    ]
    assert not found["overlapping"].any()


def test_a_complete_by_another_resource_closes_a_start_handed_over():
    log = lifecycle_log(
        [
            ("A", "Review", "2025-01-01 09:00", "start"),
            ("A", "Review", "2025-01-01 11:00", "complete"),
            ("A", "Sign", "2025-01-01 12:00", "start"),
            ("A", "Sign", "2025-01-01 13:00", "complete"),
        ],
        resources=["Ann", "Bo", None, "Cy"],
    )
    found = activity_instances(log)
    assert found[["resource", "status"]].values.tolist() == [["Ann", "paired"], ["Cy", "paired"]]
    assert found["service_time"].tolist() == [pd.Timedelta(hours=2), pd.Timedelta(hours=1)]


def test_order_by_start_or_by_completion():
    log = event_table(
        {
            "A": [
                ("Long", "2025-01-01 18:00", "2025-01-01 08:00"),
                ("Short", "2025-01-01 12:00", "2025-01-01 10:00"),
            ]
        }
    )
    by_complete = activity_instances(log)
    by_start = activity_instances(log, order="start")
    assert by_complete["activity"].tolist() == ["Short", "Long"]
    assert by_start["activity"].tolist() == ["Long", "Short"]
    # Short started before Long's completion: no wait, so sojourn = service
    assert by_start["waiting_time"].iloc[1] == pd.Timedelta(0)
    assert by_complete["waiting_time"].iloc[1] == pd.Timedelta(0)
    with pytest.raises(ValueError, match="order"):
        activity_instances(log, order="middle")


def test_start_timestamp_column_gives_one_instance_per_row():
    log = event_table(
        {"A": [("Apply", "2025-01-01 09:00"), ("Check", "2025-01-02 11:00", "2025-01-02 10:00")]}
    )
    found = activity_instances(log)
    assert found["status"].tolist() == ["complete_only", "paired"]
    assert found["service_time"].iloc[1] == pd.Timedelta(hours=1)
    assert found["waiting_time"].iloc[1] == pd.Timedelta(hours=25)


def check_times_add_up(found: pd.DataFrame) -> None:
    known = found.dropna(subset=["service_time", "waiting_time"])
    assert len(known) > 0
    assert (known["service_time"] + known["waiting_time"] == known["sojourn_time"]).all()
    assert (known["service_time"] >= pd.Timedelta(0)).all()
    assert (known["waiting_time"] >= pd.Timedelta(0)).all()


def test_reviewing_log_pairs_starts_with_completes(shared_data):
    log = read_event_log(shared_data / "process" / "reviewing.xes", transition=None)
    transitions = log["lifecycle"].str.casefold().value_counts()
    pairing = activity_instances_with_details(log)
    found = pairing.instances
    # every start finds its complete; completes without a start stay as instances
    assert len(found) == transitions["complete"]
    assert (found["status"] == "paired").sum() == transitions["start"]
    assert pairing.unmatched_starts == 0
    assert pairing.unmatched_completes == transitions["complete"] - transitions["start"]
    check_times_add_up(found)


def test_rework_counts_instances_not_lifecycle_events(shared_data):
    path = shared_data / "process" / "reviewing.xes"
    every_event = rework(read_event_log(path, transition=None))
    completes = rework(read_event_log(path))
    assert not (every_event["rework_share"] == 1.0).all()
    pd.testing.assert_frame_equal(every_event, completes)


def test_interval_log_csv_and_xes_give_the_same_instances(shared_data):
    folder = shared_data / "process"
    from_csv = activity_instances(read_event_log(folder / "interval_event_log.csv"))
    from_xes = activity_instances(read_event_log(folder / "interval_event_log.xes"))
    pd.testing.assert_frame_equal(from_csv, from_xes)
    assert len(from_csv) == len(read_event_log(folder / "interval_event_log.csv"))
    assert (from_csv["status"] == "paired").all()
    check_times_add_up(from_csv)


def test_unnamed_start_timestamp_column_is_read_as_times(shared_data):
    log = read_event_log(shared_data / "process" / "interval_event_log.csv")
    assert pd.api.types.is_datetime64_any_dtype(log["start_timestamp"])
    assert len(directly_follows(log)) > 0


def test_bundled_log_read_directly_mines():
    log = read_event_log(BUNDLED_LOG)
    assert pd.api.types.is_datetime64_any_dtype(log["start_timestamp"])
    assert len(directly_follows(log)) > 0
    assert len(variants(log)) > 0
    assert len(bottlenecks(log, by="activity")) > 0
    assert len(rework(log)) > 0
    assert case_durations(log)["duration"].notna().all()
    found = activity_instances(log)
    assert len(found) == len(log)
    assert found["start"].isna().sum() == log["start_timestamp"].isna().sum()
    check_times_add_up(found)


def test_rework_leaves_out_other_transitions():
    log = lifecycle_log(
        [
            ("A", "Review", "2025-01-01 09:00", "start"),
            ("A", "Review", "2025-01-01 10:00", "suspend"),
            ("A", "Review", "2025-01-01 11:00", "resume"),
            ("A", "Review", "2025-01-01 12:00", "complete"),
        ]
    )
    assert rework(log)[["events", "cases_with_rework"]].values.tolist() == [[1, 0]]


def test_rows_with_start_times_pair_alike_with_or_without_lifecycle_events():
    """A row with a start time is one instance, whether or not other cases record starts."""
    rows = event_table(
        {
            "A": [("Apply", "2025-01-01 09:00"), ("Check", "2025-01-02 11:00", "2025-01-02 10:00")],
            "B": [("Apply", "2025-01-03 09:00")],
        }
    )
    rows["lifecycle"] = "complete"
    with_starts = rows.copy()
    with_starts.loc[2, "lifecycle"] = "start"  # B's Apply only started
    plain = activity_instances(rows)
    mixed = activity_instances(with_starts)
    pd.testing.assert_frame_equal(plain.iloc[:2], mixed.iloc[:2])
    assert mixed["status"].iloc[2] == "start_only"

"""Mining a CSV in chunks (Arrow) gives the tables the in-memory path gives, row for row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research_kit.errors import EventLogError
from research_kit.process import (
    directly_follows,
    end_activities,
    read_event_log,
    start_activities,
    variants,
)
from research_kit.process.chunked import mine_csv_in_chunks

SAMPLE_LOG = Path(__file__).resolve().parent.parent / "interview_data/process/permit_events.csv"
REAL_LOGS = ["receipt.csv", "roadtraffic100traces.csv", "interval_event_log.csv"]


def _assert_same(path: Path, *, chunk_rows: int, grouped: bool = True, **options) -> None:
    log = read_event_log(path, **options)
    mined = mine_csv_in_chunks(
        path, chunk_rows=chunk_rows, grouped=grouped, progress=False, **options
    )
    pd.testing.assert_frame_equal(mined.dfg, directly_follows(log))
    pd.testing.assert_frame_equal(mined.variants, variants(log), check_dtype=False)
    pd.testing.assert_frame_equal(mined.start_activities, start_activities(log))
    pd.testing.assert_frame_equal(mined.end_activities, end_activities(log))
    assert (mined.events, mined.cases) == (len(log), log["case_id"].nunique())


@pytest.mark.parametrize("chunk_rows", [97, 5000])
def test_bundled_log_in_chunks_equals_the_whole(chunk_rows: int) -> None:
    _assert_same(SAMPLE_LOG, chunk_rows=chunk_rows, timezone="America/Los_Angeles")


@pytest.mark.parametrize("name", REAL_LOGS[:2])
def test_real_grouped_logs_in_tiny_chunks(shared_data: Path, name: str) -> None:
    _assert_same(shared_data / "process" / name, chunk_rows=23)


@pytest.mark.parametrize("name", REAL_LOGS)
def test_real_logs_in_any_order_through_buckets(shared_data: Path, name: str) -> None:
    _assert_same(shared_data / "process" / name, chunk_rows=11, grouped=False)


def test_frequency_only_matches(shared_data: Path) -> None:
    path = shared_data / "process" / "receipt.csv"
    mined = mine_csv_in_chunks(path, chunk_rows=29, performance=False, progress=False)
    expected = directly_follows(read_event_log(path), performance=False)
    pd.testing.assert_frame_equal(mined.dfg, expected)


def test_ungrouped_file_is_refused_with_its_line(shared_data: Path) -> None:
    path = shared_data / "process" / "interval_event_log.csv"
    with pytest.raises(EventLogError, match="not on consecutive rows") as caught:
        mine_csv_in_chunks(path, chunk_rows=50, progress=False)
    assert caught.value.line is not None and caught.value.line > 1
    assert "grouped=False" in str(caught.value)


def test_case_straddling_many_chunks_and_ties_in_time(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = []
    for case in range(40):
        steps = rng.integers(1, 30)
        times = np.sort(rng.integers(0, 5, steps))  # many equal times: file order decides
        rows += [(f"c{case}", f"a{rng.integers(0, 4)}", f"2025-01-0{t + 1}") for t in times]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "timestamp"])
    path = tmp_path / "log.csv"
    frame.sample(frac=1, random_state=1).sort_values("case_id", kind="stable").to_csv(
        path, index=False
    )
    for chunk_rows in (1, 3, 64):
        _assert_same(path, chunk_rows=chunk_rows)


def test_bad_times_raise_with_their_file_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case_id,activity,timestamp\nA,x,2025-01-01\nA,y,2025-01-02\nB,x,2025-01-03\nB,y,someday\n"
    )
    with pytest.raises(EventLogError, match=r"lines? 5"):
        mine_csv_in_chunks(path, chunk_rows=2, progress=False)
    mined = mine_csv_in_chunks(path, chunk_rows=2, errors="drop", progress=False)
    assert mined.unparsed_lines == (5,) and mined.events == 3


def test_lifecycle_filter_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case_id,activity,timestamp,lifecycle:transition\n"
        "A,x,2025-01-01 09:00,start\nA,x,2025-01-01 10:00,complete\n"
        "A,y,2025-01-02 09:00,start\nA,y,2025-01-02 10:00,COMPLETE\n"
    )
    _assert_same(path, chunk_rows=1)
    mined = mine_csv_in_chunks(path, chunk_rows=1, progress=False)
    assert mined.lifecycle_dropped == 2
    with pytest.raises(EventLogError, match="no event has the lifecycle transition"):
        mine_csv_in_chunks(path, chunk_rows=1, transition="schedule", progress=False)


def test_cases_of_one_event_give_an_empty_graph(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("case_id,activity,timestamp\nA,x,2025-01-01\nB,y,2025-01-02\n")
    _assert_same(path, chunk_rows=1)
    assert mine_csv_in_chunks(path, progress=False).dfg.empty

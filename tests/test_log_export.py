"""Event tables out as CSV and XES read back to the same table; the DFG out as CSV and JSON."""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from research_kit.process import directly_follows, filter_top_variants, read_event_log
from research_kit.process.export import (
    dfg_table,
    save_dfg,
    save_event_log_csv,
    save_event_log_xes,
)

SAMPLE_LOG = Path(__file__).resolve().parent.parent / "interview_data/process/permit_events.csv"
CASE_COLUMNS = ["permit_type", "business_type", "ward", "channel"]


def _same(back: pd.DataFrame, log: pd.DataFrame, renamed: dict[str, str] | None = None) -> None:
    expected = log.drop(columns="line").rename(columns=renamed or {})
    got = back.drop(columns="line")[list(expected.columns)]
    assert set(back.columns) - {"line"} == set(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.fixture
def sample_log() -> pd.DataFrame:
    return read_event_log(SAMPLE_LOG, timezone="America/Los_Angeles")


def test_csv_round_trip_of_a_filtered_log(sample_log: pd.DataFrame, tmp_path: Path) -> None:
    log = filter_top_variants(sample_log, share=0.8)
    back = read_event_log(save_event_log_csv(log, tmp_path / "out.csv"))
    _same(back, log.reset_index(drop=True))


def test_csv_neutralises_formulas_unless_asked(tmp_path: Path) -> None:
    log = read_event_log(SAMPLE_LOG).head(3).assign(note=["=1+1", "ok", None])
    text = save_event_log_csv(log, tmp_path / "safe.csv").read_text()
    assert "'=1+1" in text
    back = read_event_log(save_event_log_csv(log, tmp_path / "raw.csv", formula_safe=False))
    assert back["note"].tolist()[:2] == ["=1+1", "ok"]


def test_xes_round_trip_with_case_attributes(sample_log: pd.DataFrame, tmp_path: Path) -> None:
    for name in ("out.xes", "out.xes.gz"):
        path = save_event_log_xes(sample_log, tmp_path / name, case_attributes=CASE_COLUMNS)
        back = read_event_log(path)
        _same(back, sample_log, {c: f"case:{c}" for c in CASE_COLUMNS})


@pytest.mark.parametrize("name", ["receipt.csv", "interval_event_log.csv"])
def test_real_logs_round_trip_through_both_formats(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    log = read_event_log(shared_data / "process" / name, transition=None)
    _same(read_event_log(save_event_log_xes(log, tmp_path / "out.xes"), transition=None), log)
    back = read_event_log(save_event_log_csv(log, tmp_path / "out.csv"), transition=None)
    _same(back, log)


def test_xes_escapes_and_skips_missing(tmp_path: Path) -> None:
    log = read_event_log(SAMPLE_LOG).head(4)
    log["note"] = ['a <b> & "c"', None, "plain", "x"]
    back = read_event_log(save_event_log_xes(log, tmp_path / "odd.xes"))
    assert back["note"].tolist()[0] == 'a <b> & "c"'
    assert back["note"].isna().tolist() == log["note"].isna().tolist()


def test_pm4py_reads_our_xes_back(sample_log: pd.DataFrame, tmp_path: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm4py = pytest.importorskip("pm4py")
        path = save_event_log_xes(sample_log, tmp_path / "out.xes", case_attributes=["ward"])
        theirs = pm4py.read_xes(str(path))
    assert len(theirs) == len(sample_log)
    assert theirs["case:concept:name"].tolist() == sample_log["case_id"].tolist()
    assert theirs["concept:name"].tolist() == sample_log["activity"].tolist()
    times = pd.to_datetime(theirs["time:timestamp"], utc=True).dt.as_unit("ns")
    assert times.tolist() == sample_log["timestamp"].tolist()
    assert theirs["org:resource"].tolist() == sample_log["resource"].tolist()
    assert theirs["case:ward"].tolist() == sample_log["ward"].tolist()


def test_dfg_as_csv_and_json(sample_log: pd.DataFrame, tmp_path: Path) -> None:
    dfg = directly_follows(sample_log)
    table = dfg_table(dfg)
    assert table["mean_seconds"].tolist() == dfg["mean"].dt.total_seconds().tolist()
    from_csv = pd.read_csv(save_dfg(dfg, tmp_path / "dfg.csv"))
    assert from_csv[["source", "target", "count"]].values.tolist() == (
        dfg[["source", "target", "count"]].values.tolist()
    )
    records = json.loads(save_dfg(dfg, tmp_path / "dfg.json").read_text(encoding="utf-8"))
    assert [r["count"] for r in records] == dfg["count"].tolist()
    assert records[0]["median_seconds"] == pytest.approx(dfg["median"].iloc[0].total_seconds())


def test_pm4py_reads_our_csv_back(sample_log: pd.DataFrame, tmp_path: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm4py = pytest.importorskip("pm4py")
        path = save_event_log_csv(sample_log, tmp_path / "out.csv")
        theirs = pm4py.format_dataframe(pd.read_csv(path, dtype={"case:concept:name": str}))
    theirs = theirs.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    ours = sample_log.sort_values(["case_id", "timestamp"], kind="stable")
    assert theirs["concept:name"].tolist() == ours["activity"].tolist()
    times = pd.to_datetime(theirs["time:timestamp"], utc=True).dt.as_unit("ns")
    assert times.tolist() == ours["timestamp"].tolist()

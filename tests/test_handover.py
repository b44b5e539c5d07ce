"""The hand-over network: counts by hand, pm4py's handover-of-work metric, and its drawing."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from research_kit.errors import EventLogError
from research_kit.process import event_table, handover_figure, handovers, read_event_log

ROOT = Path(__file__).resolve().parents[1]
ORACLES = Path(__file__).parent / "data" / "process_analyst_oracles.json"
BUNDLED = ROOT / "interview_data" / "process" / "permit_events.csv"


def _log() -> pd.DataFrame:
    log = event_table(
        {
            "A": [
                ("Apply", "2025-01-01 09:00"),
                ("Check", "2025-01-01 12:00"),
                ("Check again", "2025-01-01 13:00"),
                ("Decide", "2025-01-02 09:00"),
            ],
            "B": [
                ("Apply", "2025-01-01 10:00"),
                ("Check", "2025-01-01 11:00"),
                ("Note", "2025-01-01 11:30"),
                ("Decide", "2025-01-01 12:00"),
            ],
        }
    )
    log["resource"] = ["APPLICANT", "PC-01", "PC-01", "PR-01", "APPLICANT", "PC-01", None, "PR-01"]
    return log


def test_handovers_by_hand():
    table = handovers(_log())
    assert table.columns.tolist() == [
        "from_resource",
        "to_resource",
        "count",
        "cases",
        "share",
        "median_wait",
        "mean_wait",
    ]
    # B's Note has no resource: PC-01 → (none) → PR-01 is not bridged into a hand-over
    assert table[["from_resource", "to_resource", "count", "cases"]].values.tolist() == [
        ["APPLICANT", "PC-01", 2, 2],
        ["PC-01", "PR-01", 1, 1],
    ]
    assert table["share"].tolist() == [2 / 3, 1 / 3]
    assert table["median_wait"].tolist() == [pd.Timedelta(hours=2), pd.Timedelta(hours=20)]
    with_self = handovers(_log(), include_self=True)
    assert with_self.query("from_resource == to_resource")["count"].tolist() == [1]


def test_handover_waits_run_to_the_takers_start():
    log = _log()
    log["start_timestamp"] = log["timestamp"] - pd.Timedelta(minutes=30)
    table = handovers(log).set_index(["from_resource", "to_resource"])
    # A: 09:00 → 11:30, B: 10:00 → 10:30
    assert table.loc[("APPLICANT", "PC-01"), "mean_wait"] == pd.Timedelta(minutes=90)
    plain = handovers(log, use_start=False).set_index(["from_resource", "to_resource"])
    assert plain.loc[("APPLICANT", "PC-01"), "mean_wait"] == pd.Timedelta(hours=2)


def test_lifecycle_events_hand_over_once_per_instance():
    log = _log().iloc[[0, 1, 1, 2, 3]].reset_index(drop=True)
    log["lifecycle"] = ["complete", "start", "complete", "complete", "complete"]
    table = handovers(log)
    assert table[["from_resource", "to_resource", "count"]].values.tolist() == [
        ["APPLICANT", "PC-01", 1],
        ["PC-01", "PR-01", 1],
    ]


def test_a_log_without_resources_is_refused_with_what_to_do():
    with pytest.raises(EventLogError, match="resource"):
        handovers(_log().drop(columns="resource"))


def _oracle_logs() -> list[tuple[str, Path, dict]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from make_handover_oracles import HANDOVER_LOGS
    finally:
        sys.path.pop(0)
    return HANDOVER_LOGS


def _shares(table: pd.DataFrame) -> dict[str, float]:
    return {
        f"{a} -> {b}": s
        for a, b, s in zip(table.from_resource, table.to_resource, table.share, strict=True)
    }


@pytest.mark.parametrize("name", ["permit_events.csv"])
def test_bundled_handovers_equal_pm4py_handover_of_work(name):
    oracle = json.loads(ORACLES.read_text(encoding="utf-8"))["handover"][name]
    found = _shares(handovers(read_event_log(BUNDLED), include_self=True))
    assert found.keys() == oracle.keys()
    assert found == pytest.approx(oracle, rel=1e-12)


@pytest.mark.shared
def test_shared_logs_handovers_equal_pm4py_handover_of_work(shared_data):
    oracles = json.loads(ORACLES.read_text(encoding="utf-8"))["handover"]
    compared = 0
    for name, path, options in _oracle_logs():
        if name not in oracles or not path.exists():
            continue
        found = _shares(handovers(read_event_log(path, **options), include_self=True))
        assert found.keys() == oracles[name].keys(), name
        assert found == pytest.approx(oracles[name], rel=1e-12), name
        compared += 1
    assert compared >= 4


def test_handovers_equal_pm4py_run_now_when_installed():
    pm4py = pytest.importorskip("pm4py")
    log = read_event_log(BUNDLED)
    frame = pd.DataFrame(
        {
            "case:concept:name": log["case_id"].astype(str),
            "org:resource": log["resource"].astype(str),
            "time:timestamp": log["timestamp"],
        }
    ).sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    network = pm4py.discover_handover_of_work_network(frame.reset_index(drop=True), beta=0)
    expected = {f"{a} -> {b}": value for (a, b), value in network.connections.items()}
    assert _shares(handovers(log, include_self=True)) == pytest.approx(expected, rel=1e-12)


def test_the_figure_keeps_the_busiest_and_says_how_much_it_shows():
    before = plt.get_fignums(), dict(matplotlib.rcParams)
    table = handovers(read_event_log(BUNDLED))
    fig = handover_figure(table, top=5, top_edges=8)
    assert (plt.get_fignums(), dict(matplotlib.rcParams)) == before
    names = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "resource"]
    volume: Counter[str] = Counter()
    for giver, taker, count in table[["from_resource", "to_resource", "count"]].values:
        volume[giver] += count
        volume[taker] += count
    assert sorted(names) == sorted(name for name, _ in volume.most_common(5))
    assert len(fig.axes[0].patches) == 8
    footnote = fig.texts[-1].get_text()
    assert f"{int(table['count'].sum()):,} hand-overs" in footnote
    assert "5 busiest" in footnote

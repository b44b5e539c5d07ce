"""Make the pm4py oracles of the hand-over network and of mining paired activity instances.

Writes ``tests/data/process_analyst_oracles.json`` (run once, by hand, with pm4py installed:
``python benchmarks/make_handover_oracles.py``; pm4py is AGPL and benchmark-only, so the tests
read this file instead of importing it):

- ``handover``: for each log, pm4py's ``discover_handover_of_work_network(beta=0)`` — the share
  of all direct successions of resources in cases that goes from one resource to another (a
  resource following itself included). The events are read with research_kit's
  ``read_event_log`` (so both sides see the same events) and sorted stably by case and time,
  the order every research_kit miner uses; only logs with a resource on every event are used
  (pm4py and research_kit treat a missing resource differently).
- ``instance_dfg``: for ``reviewing.xes`` (start and complete events) pm4py's own reading,
  ``interval_lifecycle.to_interval`` (one event per instance with its ``start_timestamp``) and
  its performance directly-follows graph, with instances of a case ordered by completion
  (research_kit's order; pm4py's default sorts by start): per edge, count, mean and median
  wait in seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from research_kit.process import read_event_log  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "process"
OUT = ROOT / "tests" / "data" / "process_analyst_oracles.json"
XES_COLUMNS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
}
#: (name, path, read_event_log options) of the logs whose hand-overs are compared.
HANDOVER_LOGS = [
    ("permit_events.csv", ROOT / "interview_data" / "process" / "permit_events.csv", {}),
    ("running-example.xes", SHARED / "running-example.xes", {}),
    ("receipt.csv", SHARED / "receipt.csv", XES_COLUMNS),
    ("roadtraffic100traces.xes", SHARED / "roadtraffic100traces.xes", {}),
    ("helpdesk.xes.gz", SHARED / "helpdesk.xes.gz", {}),
    ("reviewing.xes", SHARED / "reviewing.xes", {}),
]


def quiet_pm4py():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import pm4py
    return pm4py


def handover_oracle(pm4py, path: Path, options: dict) -> dict | None:
    log = read_event_log(path, **options)
    if "resource" not in log.columns or log["resource"].isna().any():
        return None
    frame = pd.DataFrame(
        {
            "case:concept:name": log["case_id"].astype(str),
            "org:resource": log["resource"].astype(str),
            "time:timestamp": log["timestamp"],
        }
    ).sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    frame = frame.reset_index(drop=True)
    network = pm4py.discover_handover_of_work_network(frame, beta=0)
    return {f"{a} -> {b}": float(value) for (a, b), value in network.connections.items()}


def instance_dfg_oracle(pm4py, path: Path) -> dict:
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics
    from pm4py.objects.log.util import interval_lifecycle

    log = pm4py.convert_to_event_log(pm4py.read_xes(str(path)))
    frame = pm4py.convert_to_dataframe(interval_lifecycle.to_interval(log))
    frame = frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    frequency, performance = df_statistics.get_dfg_graph(
        frame.reset_index(drop=True),
        measure="both",
        start_timestamp_key="start_timestamp",
        perf_aggregation_key="all",
        sort_caseid_required=False,
        sort_timestamp_along_case_id=False,
    )
    return {
        f"{a} -> {b}": {
            "count": int(count),
            "mean_s": float(performance[(a, b)]["mean"]),
            "median_s": float(performance[(a, b)]["median"]),
        }
        for (a, b), count in frequency.items()
    }


def main() -> None:
    pm4py = quiet_pm4py()
    handover = {}
    for name, path, options in HANDOVER_LOGS:
        found = handover_oracle(pm4py, path, options)
        if found is None:
            print(f"{name}: some events have no resource, left out")
            continue
        handover[name] = found
        print(f"{name}: {len(found)} resource pairs")
    oracle = {
        "pm4py": pm4py.__version__,
        "handover": handover,
        "instance_dfg": {"reviewing.xes": instance_dfg_oracle(pm4py, SHARED / "reviewing.xes")},
    }
    OUT.write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

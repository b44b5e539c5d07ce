"""Mining start/complete logs as activity instances, hand-overs and the dotted chart, timed.

A synthetic log of 1,000,000 lifecycle events (500,000 activity instances, each a start and a
complete, 50,000 cases, 12 activities, 40 resources; seeded) is mined with
``directly_follows``, ``handovers`` and ``activity_instances``, and drawn with
``dotted_chart`` (best of 3, wall clock). The agreement of ``handovers`` with pm4py's
handover-of-work network is counted on the logs of ``tests/data/process_analyst_oracles.json``
(made by ``benchmarks/make_handover_oracles.py``). Run alone as
``python benchmarks/bench_instances_and_handovers.py``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_handover_oracles import HANDOVER_LOGS  # noqa: E402

from research_kit.process import (  # noqa: E402
    activity_instances,
    directly_follows,
    dotted_chart,
    handovers,
    read_event_log,
)

SECTION = "activity instances and hand-overs (1,000,000 start/complete events)"
N_INSTANCES = 500_000
SEED = 20261206
ORACLES = ROOT / "tests" / "data" / "process_analyst_oracles.json"


def lifecycle_log() -> pd.DataFrame:
    """Cases of ten instances each, every instance a start and a complete 30 s apart."""
    rng = np.random.default_rng(SEED)
    case = np.repeat(np.arange(N_INSTANCES // 10), 10)
    end = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(N_INSTANCES) * 60 + rng.integers(0, 30, N_INSTANCES), "s"
    )
    start = end - pd.Timedelta(seconds=30)
    return pd.DataFrame(
        {
            "case_id": np.repeat(case, 2).astype(str),
            "activity": np.repeat(rng.integers(0, 12, N_INSTANCES), 2).astype(str),
            "timestamp": pd.to_datetime(np.ravel(np.column_stack([start, end])), utc=True),
            "resource": np.repeat(rng.integers(0, 40, N_INSTANCES), 2).astype(str),
            "lifecycle": np.tile(["start", "complete"], N_INSTANCES),
        }
    )


def best_of(func: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def pm4py_agreement() -> tuple[int, int]:
    """Logs whose hand-over shares equal pm4py's (to 1e-12), of the logs compared."""
    oracles = json.loads(ORACLES.read_text(encoding="utf-8"))["handover"]
    equal = compared = 0
    for name, path, options in HANDOVER_LOGS:
        if name not in oracles or not path.exists():
            continue
        table = handovers(read_event_log(path, **options), include_self=True)
        found = {
            f"{a} -> {b}": s
            for a, b, s in zip(table.from_resource, table.to_resource, table.share, strict=True)
        }
        expected = oracles[name]
        compared += 1
        equal += found.keys() == expected.keys() and all(
            abs(found[key] - value) <= 1e-12 * max(abs(value), 1e-300)
            for key, value in expected.items()
        )
    return equal, compared


def figures() -> list[tuple[str, str, float, str]]:
    log = lifecycle_log()
    rows = [(SECTION, "events", float(len(log)), "events")]
    for name, func in {
        "directly_follows": lambda: directly_follows(log),
        "handovers": lambda: handovers(log),
        "activity_instances": lambda: activity_instances(log),
        "dotted_chart (300 of 50,000 cases)": lambda: dotted_chart(log),
    }.items():
        rows.append((SECTION, f"ours: {name}", best_of(func), "s"))
    equal, compared = pm4py_agreement()
    rows.append((SECTION, "logs whose hand-overs equal pm4py's", float(equal), f"of {compared}"))
    return rows


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section} | {name}: {value:,.3f} {unit}")

"""Process-mining speed against pm4py: 1,000,000 events, 100,000 cases, 15 activities.

A synthetic permit-like log is made with numpy (seeded): cases walk a 15-activity process with
rework loops (incomplete packets, plan corrections, failed inspections, a self-loop), waits
drawn per activity, and start times spread over two years; surplus events are trimmed from the
ends of random cases so that the log has exactly 1,000,000 events. On the same DataFrame we time
(best of 3, wall clock) our frequency DFG, performance DFG and variants beside pm4py's
``discover_dfg``, ``discover_performance_dfg`` and ``get_variants``, and check that the edge
counts, variant counts and mean/median waits agree. Peak memory is measured with tracemalloc
in separate, untimed runs. pm4py (AGPL-3.0) is a benchmark-only dependency, never imported by
research_kit; without it only our figures are reported.

Run it alone as ``python benchmarks/bench_mining.py``.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit.process import directly_follows, variants
from research_kit.process.eventlog import read_event_log

N_EVENTS = 1_000_000
N_CASES = 100_000
SEED = 20260512
REPEATS = 3
SECTION = "process mining (1,000,000 events, 100,000 cases, 15 activities)"
MIB = 1024 * 1024
ACTIVITIES = [
    "Submit application",  # 0
    "Completeness check",  # 1
    "Request missing documents",  # 2
    "Resubmit documents",  # 3
    "Zoning review",  # 4
    "Fire review",  # 5
    "Health review",  # 6
    "Plan review",  # 7
    "Request plan corrections",  # 8
    "Submit revised plans",  # 9
    "Pay fees",  # 10
    "Issue permit",  # 11
    "Schedule inspection",  # 12
    "Inspection",  # 13
    "Issue certificate of occupancy",  # 14
]
#: Transition probabilities from each activity (the rest of each row ends the case).
TRANSITIONS: dict[int, dict[int, float]] = {
    0: {1: 1.0},
    1: {2: 0.22, 4: 0.25, 5: 0.15, 7: 0.34, 1: 0.02},
    2: {3: 0.93},
    3: {1: 1.0},
    4: {5: 0.3, 7: 0.7},
    5: {6: 0.4, 7: 0.6},
    6: {7: 1.0},
    7: {8: 0.27, 10: 0.69, 7: 0.02},
    8: {9: 0.95},
    9: {7: 1.0},
    10: {11: 1.0},
    11: {12: 0.9},
    12: {13: 1.0},
    13: {12: 0.15, 14: 0.85},
    14: {},
}
#: Median wait before each activity, in hours (lognormal around it).
WAIT_HOURS = np.array([0, 20, 1, 150, 60, 120, 150, 900, 1, 350, 90, 40, 800, 90, 90], float)
PM4PY_KEYS = {
    "case_id_key": "case:concept:name",
    "activity_key": "concept:name",
    "timestamp_key": "time:timestamp",
}


def synthetic_log(
    n_events: int = N_EVENTS, n_cases: int = N_CASES, seed: int = SEED
) -> pd.DataFrame:
    """The synthetic event table: exactly ``n_events`` events in ``n_cases`` cases."""
    rng = np.random.default_rng(seed)
    k = len(ACTIVITIES)
    cumulative = np.ones((k + 1, k + 1))  # last column: end of case; last row: ended
    for source, targets in TRANSITIONS.items():
        row = np.zeros(k + 1)
        for target, p in targets.items():
            row[target] = p
        row[k] = 1.0 - row[:k].sum()
        cumulative[source] = np.cumsum(row)
    steps = [np.zeros(n_cases, dtype=np.int8)]  # every case starts by submitting
    state = steps[0]
    alive = np.ones(n_cases, dtype=bool)
    while alive.any():
        draw = rng.random(n_cases)
        nxt = (draw[:, None] > cumulative[state]).sum(axis=1)
        alive &= nxt < k
        state = np.where(alive, nxt, k).astype(np.int8)
        steps.append(state)
        if len(steps) > 200:  # a few cases loop for long; cap them
            break
    matrix = np.stack(steps, axis=1)  # n_cases × steps, k = finished
    lengths = (matrix < k).sum(axis=1)
    lengths = _trim(lengths, n_events, rng)
    case = np.repeat(np.arange(n_cases), lengths)
    position = np.arange(len(case)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    activity = matrix[case, position]
    hours = WAIT_HOURS[activity] * rng.lognormal(0.0, 0.6, len(case)) + 1 / 60
    seconds = np.round(hours * 3600).astype(np.int64) + 1
    start = rng.integers(0, 2 * 365 * 86400, n_cases)
    elapsed = np.cumsum(seconds)
    firsts = np.cumsum(lengths) - lengths
    offset = elapsed - (elapsed - seconds)[firsts][case]
    stamps = np.datetime64("2024-01-01", "s") + start[case] + offset
    names = np.array(ACTIVITIES, dtype=object)
    return pd.DataFrame(
        {
            "case_id": pd.array([f"P-{c:06d}" for c in range(n_cases)], dtype="str")[case],
            "activity": pd.array(names[activity], dtype="str"),
            "timestamp": pd.Series(stamps.astype("M8[ns]")).dt.tz_localize("UTC"),
        }
    )


def _trim(lengths: np.ndarray, n_events: int, rng: np.random.Generator) -> np.ndarray:
    """Cut events off the ends of random long-enough cases until there are ``n_events``."""
    lengths = lengths.copy()
    while lengths.sum() > n_events:
        surplus = int(lengths.sum() - n_events)
        candidates = np.flatnonzero(lengths > 3)
        chosen = rng.choice(candidates, size=min(surplus, len(candidates)), replace=False)
        lengths[chosen] -= 1
    if lengths.sum() < n_events:
        raise RuntimeError(f"the simulation made only {lengths.sum():,} events; lengthen it")
    return lengths


def best_of(func: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    """Fastest of ``repeats`` wall-clock runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def traced_peak(func: Callable[[], Any]) -> float:
    """Peak memory (MiB) that ``func`` allocates, by tracemalloc (numpy included)."""
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / MIB


def ours(log: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    """Our three computations."""
    return {
        "DFG": lambda: directly_follows(log, performance=False),
        "performance DFG": lambda: directly_follows(log),
        "variants": lambda: variants(log),
    }


def load_pm4py() -> Any | None:
    """pm4py if installed (its import banner silenced), else None."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pm4py
    except ImportError:
        return None
    return pm4py


def theirs(pm4py: Any, frame: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    """pm4py's three computations on the same data (columns renamed to its XES names)."""

    def quiet(func: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return func()

        return run

    return {
        "DFG": quiet(lambda: pm4py.discover_dfg(frame, **PM4PY_KEYS)),
        "performance DFG": quiet(lambda: pm4py.discover_performance_dfg(frame, **PM4PY_KEYS)),
        "variants": quiet(lambda: pm4py.get_variants(frame, **PM4PY_KEYS)),
    }


def agreement(ours_results: dict[str, Any], their_results: dict[str, Any]) -> dict[str, float]:
    """Check counts and waits agree; return the largest wait difference (s) and problems."""
    dfg = ours_results["DFG"]
    their_dfg = their_results["DFG"][0]
    same_dfg = dict(
        zip(zip(dfg["source"], dfg["target"], strict=True), dfg["count"].tolist(), strict=True)
    ) == dict(their_dfg)
    found = ours_results["variants"]
    their_variants = {tuple(v): int(c) for v, c in their_results["variants"].items()}
    same_variants = dict(zip(found["activities"], found["count"].tolist(), strict=True)) == (
        their_variants
    )
    perf = ours_results["performance DFG"]
    their_perf = their_results["performance DFG"][0]
    worst = 0.0
    for row in perf.itertuples():
        theirs_row = their_perf[(row.source, row.target)]
        for mine, their in ((row.mean, theirs_row["mean"]), (row.median, theirs_row["median"])):
            worst = max(worst, abs(mine.total_seconds() - their))
    return {"dfg": float(same_dfg), "variants": float(same_variants), "wait": worst}


def _csv_read_seconds(log: pd.DataFrame) -> float:
    """Seconds to read the log back from CSV (a figure here, never a test's limit)."""
    with tempfile.TemporaryDirectory(prefix="rk-bench-") as folder:
        path = Path(folder) / "events.csv"
        log[["case_id", "activity", "timestamp"]].to_csv(path, index=False)
        started = time.perf_counter()
        read = read_event_log(path)
        seconds = time.perf_counter() - started
    if len(read) != len(log):
        raise AssertionError(f"read {len(read):,} of {len(log):,} events back")
    return seconds


def figures() -> list[tuple[str, str, float, str]]:
    """Time ours beside pm4py's on the synthetic log; return (section, name, value, unit)."""
    started = time.perf_counter()
    log = synthetic_log()
    made_s = time.perf_counter() - started
    rows: list[tuple[str, str, float, str]] = [
        (SECTION, "events", len(log), "events"),
        (SECTION, "cases", log["case_id"].nunique(), "cases"),
        (SECTION, "making the synthetic log", made_s, "s"),
    ]
    our_times, our_results = {}, {}
    for name, func in ours(log).items():
        our_times[name], our_results[name] = best_of(func)
        rows.append((SECTION, f"ours: {name}", our_times[name] * 1e3, "ms"))
    rows.append((SECTION, "ours: distinct variants", len(our_results["variants"]), "variants"))
    rows.append((SECTION, "ours: DFG edges", len(our_results["DFG"]), "edges"))
    rows.append((SECTION, "ours: read_event_log, the log as CSV", _csv_read_seconds(log), "s"))
    rows.append(
        (
            SECTION,
            "ours: peak memory, all three (tracemalloc)",
            traced_peak(lambda: [f() for f in ours(log).values()]),
            "MiB",
        )
    )
    pm4py = load_pm4py()
    if pm4py is None:
        rows.append((SECTION, "pm4py not installed: ours only", float("nan"), ""))
        return rows
    frame = log.rename(
        columns={
            "case_id": "case:concept:name",
            "activity": "concept:name",
            "timestamp": "time:timestamp",
        }
    )
    their_times, their_results = {}, {}
    for name, func in theirs(pm4py, frame).items():
        their_times[name], their_results[name] = best_of(func)
        rows.append((SECTION, f"pm4py {pm4py.__version__}: {name}", their_times[name] * 1e3, "ms"))
    for name in our_times:
        rows.append(
            (SECTION, f"speed-up over pm4py: {name}", their_times[name] / our_times[name], "×")
        )
    total = sum(their_times.values()) / sum(our_times.values())
    rows.append((SECTION, "speed-up over pm4py: all three", total, "×"))
    their_peak = traced_peak(lambda: [f() for f in theirs(pm4py, frame).values()])
    rows.append((SECTION, "pm4py: peak memory, all three (tracemalloc)", their_peak, "MiB"))
    agree = agreement(our_results, their_results)
    rows.append((SECTION, "DFG counts identical to pm4py", agree["dfg"], "1 = yes"))
    rows.append((SECTION, "variant counts identical to pm4py", agree["variants"], "1 = yes"))
    rows.append((SECTION, "largest mean/median wait difference", agree["wait"], "s"))
    if not (agree["dfg"] and agree["variants"]) or agree["wait"] > 0.001:
        raise RuntimeError("our DFG or variants disagree with pm4py's on the synthetic log")
    return rows


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:<20.20}  {name:<48}  {value:>14,.3f}  {unit}")

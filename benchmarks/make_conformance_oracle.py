"""Make ``tests/data/conformance_oracle.json``: pm4py's token-based replay of process maps.

For each pair of (process map, event log) below, this script builds the Petri net of the map
with pm4py's own objects — by the rules written in the docstring of
``research_kit/process/process_net.py``, implemented here again from the map's steps and flows
(it does not call ``process_net``) — reads the log with pandas and
``pm4py.format_dataframe`` (pm4py's event order: by case, then time, file order for ties),
and runs pm4py's token-based replay (``pm4py.algo.conformance.tokenreplay``, default
parameters, as ``pm4py.fitness_token_based_replay`` runs it). It writes per variant the
missing, consumed, remaining and produced tokens, fitness and whether it fits (pm4py replays
each variant once), each case's variant, and the log's figures from
``pm4py.fitness_token_based_replay``.

The pairs: (a) the bundled study's map and log (``interview_data/process/``); (b) the receipt
phase of a Dutch municipality's building-permit process (``../shared/data/process/receipt.csv``,
CoSeLoG) against a map written for it (``tests/data/receipt_process.yml``).

pm4py (AGPL-3.0) is a benchmark-only dependency. Run ``python
benchmarks/make_conformance_oracle.py`` from the repository root; the tests compare
research_kit's replay with the file it writes, to 1e-9.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "tests" / "data" / "conformance_oracle.json"
try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(ROOT))

from research_kit.process.spec import ProcessMap, read_process_map  # noqa: E402

#: name: (map, log, column names in the log: case, activity, timestamp)
PAIRS = {
    "permit": (
        "interview_data/process/permit_process.yml",
        "interview_data/process/permit_events.csv",
        ("case_id", "activity", "timestamp"),
    ),
    "receipt": (
        "tests/data/receipt_process.yml",
        "../shared/data/process/receipt.csv",
        ("case:concept:name", "concept:name", "time:timestamp"),
    ),
}


def load_pm4py() -> Any:
    """pm4py, its import banner silenced."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py
    return pm4py


def pm4py_net(spec: ProcessMap) -> tuple[Any, Any, Any]:
    """The map as a pm4py Petri net, initial and final marking (rules: process_net.py)."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    net = PetriNet(spec.name)
    places: dict[str, PetriNet.Place] = {}

    def place(name: str) -> PetriNet.Place:
        if name not in places:
            places[name] = PetriNet.Place(name)
            net.places.add(places[name])
        return places[name]

    def transition(name: str, label: str | None, source: str, target: str | None) -> None:
        t = PetriNet.Transition(name, label)
        net.transitions.add(t)
        add_arc_from_to(place(source), t, net)
        if target is not None:
            add_arc_from_to(t, place(target), net)

    ways: dict[str, list[str]] = {step.id: [] for step in spec.steps}
    for flow in spec.flows:
        if flow.target not in ways[flow.source]:
            ways[flow.source].append(flow.target)
    for step in spec.steps:
        targets = ways[step.id] + (["end"] if step.kind == "end" else [])
        into = {t: ("sink" if t == "end" else f"in:{t}") for t in targets}
        if step.activity and len(targets) > 1:
            transition(step.id, step.activity, f"in:{step.id}", f"out:{step.id}")
            for t in targets:
                transition(f"{step.id}->{t}", None, f"out:{step.id}", into[t])
        elif step.activity:
            transition(
                step.id, step.activity, f"in:{step.id}", into[targets[0]] if targets else None
            )
        else:
            for t in targets:
                transition(f"{step.id}->{t}", None, f"in:{step.id}", into[t])
    starts = [step.id for step in spec.steps if step.kind == "start"]
    if len(starts) == 1:
        initial = Marking({place(f"in:{starts[0]}"): 1})
    else:
        initial = Marking({place("source"): 1})
        for s in starts:
            transition(f"start->{s}", None, "source", f"in:{s}")
    return net, initial, Marking({place("sink"): 1})


def pm4py_log(path: Path, columns: tuple[str, str, str]) -> Any:
    """The log as a pm4py EventLog, in pm4py's order (case, then time; file order for ties)."""
    pm4py = load_pm4py()
    case, activity, timestamp = columns
    frame = pd.read_csv(path, dtype={case: str})
    frame[timestamp] = pd.to_datetime(frame[timestamp], utc=True, format="ISO8601")
    frame = pm4py.format_dataframe(
        frame, case_id=case, activity_key=activity, timestamp_key=timestamp
    )
    if "lifecycle:transition" in frame.columns:
        kept = frame["lifecycle:transition"].fillna("complete").str.lower() == "complete"
        frame = frame[kept]
    return pm4py.convert_to_event_log(frame)


def replay(log: Any, net: Any, initial: Any, final: Any) -> list[dict]:
    """pm4py's token-based replay of every trace (its default parameters)."""
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    return token_replay.apply(log, net, initial, final, parameters={"show_progress_bar": False})


def oracle_for(name: str) -> dict:
    map_path, log_path, columns = PAIRS[name]
    pm4py = load_pm4py()
    spec = read_process_map(ROOT / map_path)
    net, initial, final = pm4py_net(spec)
    log = pm4py_log(ROOT / log_path, columns)
    results = replay(log, net, initial, final)
    overall = pm4py.fitness_token_based_replay(log, net, initial, final)
    cases, variants, names = [], {}, {}
    for trace, result in zip(log, results, strict=True):
        activities = tuple(event["concept:name"] for event in trace)
        if activities not in variants:
            variants[activities] = {
                "activities": [names.setdefault(a, len(names)) for a in activities],
                "cases": 0,
                "fitness": result["trace_fitness"],
                "tokens": [
                    result[f"{key}_tokens"]
                    for key in ("missing", "consumed", "remaining", "produced")
                ],
                "fits": result["trace_is_fit"],
            }
        variants[activities]["cases"] += 1
        cases.append([trace.attributes["concept:name"], list(variants).index(activities)])
    return {
        "map": map_path,
        "log": log_path,
        "places": len(net.places),
        "transitions": len(net.transitions),
        "overall": {key: float(value) for key, value in overall.items()},
        "activity_names": list(names),  # variants' "activities" are positions in this list
        "tokens": ["missing", "consumed", "remaining", "produced"],
        "variants": list(variants.values()),
        "cases": cases,  # [case id, its variant's position in "variants"], in pm4py's order
    }


def main() -> None:
    pm4py = load_pm4py()
    oracle = {
        "made_by": "benchmarks/make_conformance_oracle.py",
        "pm4py": pm4py.__version__,
        "pairs": {name: oracle_for(name) for name in PAIRS},
    }
    OUT.write_text(json.dumps(oracle, ensure_ascii=False, separators=(",", ":")) + "\n")
    for name, entry in oracle["pairs"].items():
        print(name, len(entry["cases"]), "cases", entry["overall"])


if __name__ == "__main__":
    main()

"""Conformance to the designed map: time and agreement with pm4py on the bundled map and log.

Times (best of 3, wall clock) ``research_kit.process.conformance`` on the bundled study's map
and event log — the whole result: replay of each variant, deviations, tables — and, when
pm4py is installed, pm4py's ``fitness_token_based_replay`` on the same net (built from the map
with pm4py's objects by ``make_conformance_oracle.pm4py_net``) and log (as an EventLog, made
before timing). Reports the log fitness of both and the largest difference per case, and
our time on ``bench_mining``'s synthetic 1,000,000-event permit log (100,000 cases).
pm4py (AGPL-3.0) is a benchmark-only dependency; without it only our figures are reported.

Run it alone as ``python benchmarks/bench_conformance.py``.
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(ROOT))

from research_kit.process import conformance, read_event_log, read_process_map  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mining import best_of, synthetic_log  # noqa: E402

SECTION = "conformance: bundled map and log (token replay)"
MAP = ROOT / "interview_data" / "process" / "permit_process.yml"
LOG = ROOT / "interview_data" / "process" / "permit_events.csv"


def figures() -> list[tuple[str, str, float, str]]:
    """Our conformance time and fitness beside pm4py's; (section, name, value, unit) rows."""
    spec = read_process_map(MAP)
    log = read_event_log(LOG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours_s, ours = best_of(lambda: conformance(spec, log))
    overall = ours.overall.iloc[0]
    rows = [
        (SECTION, "cases", int(overall["cases"]), "cases"),
        (SECTION, "variants", int(overall["variants"]), "variants"),
        (SECTION, "ours: conformance (replay, deviations, tables)", ours_s * 1e3, "ms"),
        (SECTION, "ours: log fitness", float(overall["log_fitness"]), ""),
        (SECTION, "ours: average trace fitness", float(overall["average_trace_fitness"]), ""),
        (SECTION, "ours: fitting cases", 100 * float(overall["fitting_share"]), "%"),
        (SECTION, "ours: conformance at 1,000,000 events", _at_scale(spec), "s"),
    ]
    try:
        import make_conformance_oracle as oracle

        pm4py = oracle.load_pm4py()
    except ImportError:
        rows.append((SECTION, "pm4py not installed: ours only", float("nan"), ""))
        return rows
    net, initial, final = oracle.pm4py_net(spec)
    event_log = oracle.pm4py_log(LOG, ("case_id", "activity", "timestamp"))
    quiet = contextlib.redirect_stderr(io.StringIO())
    with quiet:
        theirs_s, theirs = best_of(
            lambda: pm4py.fitness_token_based_replay(event_log, net, initial, final)
        )
        per_case = oracle.replay(event_log, net, initial, final)
    fitness = dict(zip(ours.cases["case_id"], ours.cases["fitness"], strict=True))
    worst = max(
        abs(fitness[trace.attributes["concept:name"]] - result["trace_fitness"])
        for trace, result in zip(event_log, per_case, strict=True)
    )
    name = f"pm4py {pm4py.__version__}"
    rows += [
        (SECTION, f"{name}: fitness_token_based_replay", theirs_s * 1e3, "ms"),
        (SECTION, f"{name}: log fitness", float(theirs["log_fitness"]), ""),
        (SECTION, "pm4py time / ours", theirs_s / ours_s, "x"),
        (
            SECTION,
            "largest difference in log fitness",
            abs(theirs["log_fitness"] - overall["log_fitness"]),
            "",
        ),
        (SECTION, "largest difference in a case's fitness", worst, ""),
    ]
    return rows


def _at_scale(spec) -> float:
    """Seconds to check bench_mining's synthetic 1,000,000-event permit log against the map."""
    log = synthetic_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return best_of(lambda: conformance(spec, log), repeats=1)[0]


if __name__ == "__main__":
    for row in figures():
        print(f"{row[1]:<52} {row[2]:>14.6g} {row[3]}")

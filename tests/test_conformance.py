"""Conformance of event logs to process maps: token replay equal to pm4py's, deviations named.

The oracle (``tests/data/conformance_oracle.json``, made by
``benchmarks/make_conformance_oracle.py``) holds pm4py's token-based replay of the bundled map
and log and of the CoSeLoG receipt log against ``tests/data/receipt_process.yml``, on a net
pm4py's objects build from the map independently of ``process_net``. The hand-made cases below
check what each kind of deviation means.
"""

from __future__ import annotations

import importlib.util
import json
import random
import warnings
from pathlib import Path

import pandas as pd
import pytest

from research_kit.process import (
    UnmatchedActivitiesWarning,
    conformance,
    conformance_annotations,
    conformance_figure,
    event_table,
    parse_process_map,
    process_net,
    read_event_log,
    read_process_map,
)
from research_kit.process.replay import Replayer

ROOT = Path(__file__).resolve().parents[1]
ORACLE = json.loads((ROOT / "tests" / "data" / "conformance_oracle.json").read_text())

LINEAR = """
name: Permit
lanes: [{id: desk, label: Desk}, {id: back, label: Back office}]
steps:
  - {id: apply, label: Apply, lane: desk, kind: start, activity: Apply}
  - {id: check, label: Check, lane: back, activity: Check}
  - {id: ok, label: "Complete?", lane: back, kind: decision}
  - {id: ask, label: Ask for documents, lane: desk, activity: Ask}
  - {id: review, label: Review, lane: back, activity: Review}
  - {id: wait, label: Wait for payment, lane: desk, kind: wait}
  - {id: issue, label: Issue, lane: desk, activity: Issue}
  - {id: done, label: Done, lane: desk, kind: end}
flows:
  - {from: apply, to: check}
  - {from: check, to: ok}
  - {from: ok, to: review, label: "yes"}
  - {from: ok, to: ask, label: "no"}
  - {from: ask, to: check}
  - {from: review, to: wait}
  - {from: wait, to: issue}
  - {from: issue, to: done}
"""


def _log(traces: dict[str, list[str]]) -> pd.DataFrame:
    days = pd.date_range("2025-01-01", periods=50, freq="D")
    return event_table(
        {case: [(a, str(days[i])) for i, a in enumerate(acts)] for case, acts in traces.items()}
    )


def _quiet_conformance(spec, log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmatchedActivitiesWarning)
        return conformance(spec, log)


def _oracle_log(name: str, shared_data: Path) -> pd.DataFrame:
    path = ORACLE["pairs"][name]["log"]
    if path.startswith("../shared/data/"):
        return read_event_log(shared_data / path.removeprefix("../shared/data/"))
    return read_event_log(ROOT / path)


# -- equal to pm4py ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ORACLE["pairs"]))
def test_each_variant_replays_as_pm4py_does(name):
    entry = ORACLE["pairs"][name]
    net = process_net(read_process_map(ROOT / entry["map"]))
    assert (len(net.places), len(net.transitions)) == (entry["places"], entry["transitions"])
    replayer = Replayer(net)
    names = entry["activity_names"]
    for variant in entry["variants"]:
        ours = replayer.replay(tuple(names[i] for i in variant["activities"]))
        assert [ours.missing, ours.consumed, ours.remaining, ours.produced] == variant["tokens"]
        assert ours.fits == variant["fits"]
        assert ours.fitness == pytest.approx(variant["fitness"], abs=1e-9)


@pytest.mark.parametrize("name", sorted(ORACLE["pairs"]))
def test_cases_and_log_fitness_equal_pm4py(name, shared_data):
    entry = ORACLE["pairs"][name]
    result = _quiet_conformance(
        read_process_map(ROOT / entry["map"]), _oracle_log(name, shared_data)
    )
    names = entry["activity_names"]
    expected = pd.DataFrame(
        [
            {
                "case_id": str(case_id),
                "variant": " → ".join(names[i] for i in entry["variants"][v]["activities"]),
                "fitness": entry["variants"][v]["fitness"],
                "fits": entry["variants"][v]["fits"],
            }
            for case_id, v in entry["cases"]
        ]
    ).set_index("case_id")
    ours = result.cases.set_index("case_id").loc[expected.index]
    assert ours["variant"].tolist() == expected["variant"].tolist()
    assert (ours["fitness"] - expected["fitness"]).abs().max() < 1e-9
    assert ours["fits"].tolist() == expected["fits"].tolist()
    overall = result.overall.iloc[0]
    assert overall["log_fitness"] == pytest.approx(entry["overall"]["log_fitness"], abs=1e-9)
    assert overall["average_trace_fitness"] == pytest.approx(
        entry["overall"]["average_trace_fitness"], abs=1e-9
    )
    assert 100 * overall["fitting_share"] == pytest.approx(
        entry["overall"]["percentage_of_fitting_traces"], abs=1e-9
    )


def _oracle_script():
    script = ROOT / "benchmarks" / "make_conformance_oracle.py"
    module_spec = importlib.util.spec_from_file_location("make_conformance_oracle", script)
    oracle = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(oracle)
    return oracle


@pytest.mark.parametrize("name", sorted(ORACLE["pairs"]))
def test_the_oracle_builds_the_same_net_with_pm4py_live(name):
    pytest.importorskip("pm4py")
    spec = read_process_map(ROOT / ORACLE["pairs"][name]["map"])
    net, initial, final = _oracle_script().pm4py_net(spec)
    theirs = {
        (
            t.name,
            t.label,
            tuple(a.source.name for a in t.in_arcs),
            tuple(a.target.name for a in t.out_arcs),
        )
        for t in net.transitions
    }
    ours = process_net(spec)
    assert theirs == {
        (
            t.name,
            t.label,
            tuple(ours.places[p] for p in t.inputs),
            tuple(ours.places[p] for p in t.outputs),
        )
        for t in ours.transitions
    }
    assert {p.name for p in initial} == {ours.places[p] for p in ours.initial}
    assert {p.name for p in final} == {ours.places[p] for p in ours.final}


def test_random_traces_replay_as_pm4py_does_live():
    pytest.importorskip("pm4py")
    oracle = _oracle_script()
    from pm4py.objects.log.obj import Event, EventLog, Trace

    spec = parse_process_map(LINEAR)
    activities = ["Apply", "Check", "Ask", "Review", "Issue", "Phone call"]
    rng = random.Random(18)
    traces = [tuple(rng.choice(activities) for _ in range(rng.randint(0, 9))) for _ in range(400)]
    traces = list(dict.fromkeys(traces))
    log = EventLog([Trace([Event({"concept:name": a}) for a in t]) for t in traces])
    theirs = oracle.replay(log, *oracle.pm4py_net(spec))
    replayer = Replayer(process_net(spec))
    for trace, expected in zip(traces, theirs, strict=True):
        ours = replayer.replay(trace)
        tokens = [ours.missing, ours.consumed, ours.remaining, ours.produced]
        assert tokens == [
            expected[f"{key}_tokens"] for key in ("missing", "consumed", "remaining", "produced")
        ], trace
        assert ours.fits == expected["trace_is_fit"], trace


# -- what the figures mean ----------------------------------------------------------------------


def test_a_fitting_trace_has_fitness_one_through_decisions_and_waits():
    spec = parse_process_map(LINEAR)
    log = _log({"A": ["Apply", "Check", "Ask", "Check", "Review", "Issue"]})
    result = conformance(spec, log)
    case = result.cases.iloc[0]
    assert case["fitness"] == 1.0 and case["fits"]
    assert case["missing"] == case["remaining"] == 0
    assert result.deviations.empty and result.top_deviating_variants().empty


def test_a_skipped_step_is_named_and_costs_a_missing_and_a_remaining_token():
    spec = parse_process_map(LINEAR)
    result = _quiet_conformance(spec, _log({"A": ["Apply", "Check", "Issue"]}))
    case = result.cases.iloc[0]
    assert (case["missing"], case["remaining"]) == (1, 1)
    assert not case["fits"] and case["fitness"] < 1
    found = set(zip(result.deviations["step_id"], result.deviations["deviation"], strict=True))
    assert ("issue", "undesigned flow") in found
    assert ("ok", "skipped") in found  # the case left the map at the decision after the check
    flow = result.undesigned_flows.iloc[0]
    assert (flow["source"], flow["target"], flow["cases"]) == ("check", "issue", 1)


def test_an_activity_not_on_the_map_is_reported_and_warned_but_costs_no_fitness():
    spec = parse_process_map(LINEAR)
    log = _log({"A": ["Apply", "Check", "Phone call", "Review", "Issue"]})
    with pytest.warns(UnmatchedActivitiesWarning, match="Phone call"):
        result = conformance(spec, log)
    case = result.cases.iloc[0]
    assert case["fitness"] == 1.0 and case["not_on_map"] == 1  # as in pm4py
    row = result.deviations.iloc[0]
    assert (row["activity"], row["deviation"], row["cases"]) == ("Phone call", "not on the map", 1)
    unmatched = result.unmatched.set_index("activity")
    assert unmatched.loc["Phone call", "side"] == "log only"
    assert unmatched.loc["Ask", "side"] == "map only"  # a step the log never records
    assert result.top_deviating_variants()["not_on_map"].tolist() == [1]


def test_a_loop_fits_where_it_is_drawn_and_deviates_where_it_is_not():
    spec = parse_process_map(LINEAR)
    drawn = _log({"A": ["Apply", "Check", "Ask", "Check", "Ask", "Check", "Review", "Issue"]})
    assert conformance(spec, drawn).cases["fits"].all()
    undrawn = _log({"B": ["Apply", "Check", "Review", "Issue", "Review", "Issue"]})
    result = _quiet_conformance(spec, undrawn)
    assert not result.cases["fits"].any()
    flows = result.undesigned_flows
    assert (flows["source"].tolist(), flows["target"].tolist()) == (["issue"], ["review"])


def test_steps_done_in_the_wrong_order_are_out_of_order():
    spec = parse_process_map(LINEAR)
    result = _quiet_conformance(spec, _log({"A": ["Apply", "Check", "Issue", "Review"]}))
    kinds = dict(zip(result.deviations["step_id"], result.deviations["deviation"], strict=True))
    assert kinds["issue"] == "out of order"


def test_a_case_that_stops_early_is_unfinished_not_skipped():
    spec = parse_process_map(LINEAR)
    result = _quiet_conformance(spec, _log({"A": ["Apply", "Check", "Review"]}))
    assert result.deviations[["step_id", "deviation"]].values.tolist() == [["wait", "unfinished"]]


def test_fitness_per_log_is_taken_on_token_totals():
    spec = parse_process_map(LINEAR)
    log = _log({"A": ["Apply", "Check", "Review", "Issue"], "B": ["Apply", "Issue"]})
    result = _quiet_conformance(spec, log)
    cases = result.cases
    overall = result.overall.iloc[0]
    m, c, r, p = (cases[k].sum() for k in ("missing", "consumed", "remaining", "produced"))
    assert overall["log_fitness"] == pytest.approx(0.5 * (1 - m / c) + 0.5 * (1 - r / p))
    assert overall["average_trace_fitness"] == pytest.approx(cases["fitness"].mean())
    assert overall["fitting_share"] == 0.5 and overall["variants"] == 2


def test_several_start_steps_share_a_source_place():
    spec = parse_process_map(
        "name: x\nlanes: [{id: a, label: A}]\n"
        "steps: [{id: web, label: Web, lane: a, kind: start, activity: Apply online},"
        "        {id: desk, label: Desk, lane: a, kind: start, activity: Apply at desk},"
        "        {id: done, label: Done, lane: a, kind: end, activity: Decide}]\n"
        "flows: [{from: web, to: done}, {from: desk, to: done}]\n"
    )
    assert "source" in process_net(spec).places
    log = _log({"A": ["Apply online", "Decide"], "B": ["Apply at desk", "Decide"]})
    assert conformance(spec, log).cases["fits"].all()


# -- the overlay ----------------------------------------------------------------------------------


def test_overlay_colours_deviating_steps_and_draws_undesigned_flows():
    spec = parse_process_map(LINEAR)
    log = _log({"A": ["Apply", "Check", "Issue"], "B": ["Apply", "Check", "Review", "Issue"]})
    result = _quiet_conformance(spec, log)
    notes = conformance_annotations(result)
    assert set(notes) == {"issue", "ok"}
    assert notes["issue"]["flags"] == ["undesigned flow 50%"]
    fig = conformance_figure(spec, result)
    patches = {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}
    assert "undesigned-flow-0" in patches
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "step-issue-note-0"]
    assert labels == ["undesigned flow 50%"]
    white = patches["step-review"].get_facecolor()
    assert patches["step-issue"].get_facecolor() != white


def test_the_overlay_fits_a_page_like_the_swimlane_it_draws_on():
    spec = parse_process_map(LINEAR)
    log = _log({"A": ["Apply", "Check", "Issue"], "B": ["Apply", "Check", "Review", "Issue"]})
    result = _quiet_conformance(spec, log)
    wide = conformance_figure(spec, result)
    tall = conformance_figure(spec, result, page="letter-portrait", direction="TB")
    (width, height), (wide_width, wide_height) = tall.get_size_inches(), wide.get_size_inches()
    assert height > width and wide_width > wide_height  # flows run down the page
    arcs = [p for p in tall.axes[0].patches if (p.get_gid() or "").startswith("undesigned")]
    assert len(arcs) == 1


def test_study_method_reads_the_bundled_map_and_log(sample_study_path):
    import research_kit

    with research_kit.open_study(sample_study_path) as study:
        result = study.conformance()
    assert len(result.cases) == result.overall["cases"].iloc[0]
    assert set(result.deviations["deviation"]) <= {
        "not on the map",
        "undesigned flow",
        "out of order",
        "skipped",
        "unfinished",
    }

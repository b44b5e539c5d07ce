"""Rendering process maps (swimlanes, blueprints, mined maps) and the evidence pinned to steps."""

from __future__ import annotations

import itertools
import random
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.interviews import import_codings
from research_kit.process import _layout, read_event_log, read_process_map
from research_kit.process.evidence import step_annotations, step_durations, step_evidence
from research_kit.process.render import (
    format_duration,
    process_map_figure,
    process_map_svg,
    save_figure,
    swimlane_figure,
    swimlane_layout,
    swimlane_svg,
)
from research_kit.process.spec import parse_process_map

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def spec(sample_study_path):
    return read_process_map(sample_study_path / "process" / "permit_process.yml")


@pytest.fixture
def coded_study(sample_study_path):
    study = open_study(sample_study_path)
    import_codings(study, sample_study_path / "codings" / "sample_codings.csv")
    yield study
    study.close()


def _groups(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}


def _text_of(group: ET.Element) -> str:
    return " ".join(" ".join(t.itertext()) for t in group.iter(f"{SVG}text"))


def _path_vertices(group: ET.Element) -> int:
    path = next(group.iter(f"{SVG}path"))
    return sum(1 for token in path.get("d").split() if token in ("M", "L"))


def test_swimlane_svg_parses_and_shows_every_step_in_its_lane(spec):
    svg = swimlane_svg(spec)
    groups = _groups(svg)
    for step in spec.steps:
        assert f"step-{step.id}" in groups, step.id
        shown = " ".join(_text_of(groups[f"step-{step.id}-label"]).split())
        assert shown == " ".join(step.label.split())
    for lane in spec.lanes:
        assert f"lane-{lane.id}" in groups
        assert _text_of(groups[f"lane-{lane.id}-label"]).replace("  ", " ")
    frame = swimlane_layout(spec)
    assert len(frame) == len(spec.steps)
    top = frame["y"] - frame["height"] / 2
    bottom = frame["y"] + frame["height"] / 2
    assert (top > frame["lane_top"]).all() and (bottom < frame["lane_bottom"]).all()
    lanes = frame.drop_duplicates("lane").set_index("lane")
    order = [lane.id for lane in spec.lanes]
    assert lanes.loc[order, "lane_top"].is_monotonic_increasing  # spec order, top to bottom


def test_step_boxes_never_overlap_and_flows_run_left_to_right(spec):
    frame = swimlane_layout(spec).set_index("step_id")
    for a, b in itertools.combinations(frame.index, 2):
        ra, rb = frame.loc[a], frame.loc[b]
        apart_x = abs(ra.x - rb.x) >= (ra.width + rb.width) / 2
        apart_y = abs(ra.y - rb.y) >= (ra.height + rb.height) / 2
        assert apart_x or apart_y, (a, b)
    loops = {("resubmit_documents", "completeness_check"), ("submit_revised_plans", "plan_review")}
    loops.add(("inspection_decision", "schedule_inspection"))
    for flow in spec.flows:
        forward = frame.at[flow.target, "column"] > frame.at[flow.source, "column"]
        assert forward != ((flow.source, flow.target) in loops), (flow.source, flow.target)


def test_shapes_decisions_are_diamonds(spec):
    frame = swimlane_layout(spec).set_index("step_id")
    assert frame.loc["complete_decision", "shape"] == "decision"
    assert frame.loc["plan_review_queue", "shape"] == "wait"
    assert frame.loc["submit_application", "shape"] == "start"
    groups = _groups(swimlane_svg(spec))
    for step in spec.steps:
        if step.kind == "decision":
            assert _path_vertices(groups[f"step-{step.id}"]) == 4


def test_blueprint_draws_the_three_lines(spec):
    svg = swimlane_svg(spec, kind="blueprint")
    groups = _groups(svg)
    for name in ("interaction", "visibility", "internal-interaction"):
        assert f"blueprint-line-of-{name}" in groups
        assert f"blueprint-line-of-{name}-label" in groups
    assert "AlderPermits portal" in svg  # systems shown on the steps
    frame = swimlane_layout(spec, kind="blueprint").set_index("step_id")
    # customer row on top, support row at the bottom
    assert frame.loc["submit_application", "y"] < frame.loc["completeness_check", "y"]
    assert frame.loc["signoff_routing_wait", "y"] == frame["y"].max()


def test_png_and_pdf_are_written(spec, tmp_path):
    fig = swimlane_figure(spec)
    png = save_figure(fig, tmp_path / "map.png", dpi=60)
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert save_figure(fig, tmp_path / "map.pdf").read_bytes()[:4] == b"%PDF"
    svg = save_figure(fig, tmp_path / "map.svg").read_text(encoding="utf-8")
    assert svg == swimlane_svg(spec)  # no date: the same map gives the same file
    with pytest.raises(ValueError, match="svg"):
        save_figure(fig, tmp_path / "map.gif")


def test_hostile_labels_render_as_literal_text():
    spec = parse_process_map(
        "name: 'A & B <script>alert(1)</script>'\n"
        "lanes: [{id: desk, label: '$x$ & <b>'}]\n"
        "steps:\n"
        "  - {id: s, label: '<script>alert(1)</script>', lane: desk, kind: start}\n"
        "  - {id: t, label: 'Costs $5 & $10_000 \\frac{a}{b}', lane: desk}\n"
        "  - {id: e, label: 'x < y > z', lane: desk, kind: end}\n"
        "flows: [{from: s, to: t, label: '<i>&amp;</i>'}, {from: t, to: e}]\n"
    )
    svg = swimlane_svg(spec)
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith(("script", "}b", "}i"))]
    groups = _groups(svg)
    assert _text_of(groups["step-s-label"]) == "<script>alert(1)</script>"
    assert " ".join(_text_of(groups["step-t-label"]).split()) == "Costs $5 & $10_000 \\frac{a}{b}"
    assert _text_of(groups["lane-desk-label"]) == "$x$ & <b>"
    assert "&lt;script&gt;" in svg and "<script" not in svg
    assert "<i>&amp;</i>" in " ".join(root.itertext())


def test_annotations_appear_as_counts_times_badges_and_quotes(spec):
    notes = {
        "plan_review": {
            "n_codings": 12,
            "n_documents": 6,
            "code_names": ["Plan review backlog"],
            "quotes": ["The plans have gone back three times.", "Four of eleven vacant."],
            "quote_documents": ["P05", "P12"],
            "median_wait": pd.Timedelta(days=39),
            "median_processing": pd.Timedelta(hours=22),
        },
        "zoning_review": {"median_wait": pd.Timedelta(days=2, hours=20)},
    }
    svg = swimlane_svg(spec, annotations=notes)
    groups = _groups(svg)
    assert _text_of(groups["step-plan_review-note-0"]) == "12 codings · 6 interviews"
    assert _text_of(groups["step-plan_review-note-1"]) == "wait 5.6 wk · work 22.0 h"
    assert _text_of(groups["step-plan_review-badge-number"]) == "1"
    assert _text_of(groups["step-zoning_review-note-0"]) == "wait 2.8 d"
    text = " ".join(ET.fromstring(svg).itertext())
    assert "“The plans have gone back three times.” — P05" in text
    assert "Plan review backlog" in text
    frame = swimlane_layout(spec, annotations=notes).set_index("step_id")
    plain = swimlane_layout(spec).set_index("step_id")
    assert frame.loc["plan_review", "height"] > plain.loc["plan_review", "height"]


def test_layout_of_a_small_map_with_a_loop_and_parallel_steps():
    spec = parse_process_map(
        "name: Loop\nlanes: [{id: a, label: A}, {id: b, label: B}]\n"
        "steps: [{id: s, label: S, lane: a, kind: start},"
        "        {id: x, label: X, lane: b}, {id: y, label: Y, lane: b},"
        "        {id: d, label: 'OK?', lane: a, kind: decision},"
        "        {id: e, label: E, lane: a, kind: end}]\n"
        "flows: [{from: s, to: x}, {from: s, to: y}, {from: x, to: d}, {from: y, to: d},"
        "        {from: d, to: e, label: 'yes'}, {from: d, to: s, label: 'no'}]\n"
    )
    frame = swimlane_layout(spec).set_index("step_id")
    assert frame["column"].to_dict() == {"s": 0, "x": 1, "y": 1, "d": 2, "e": 3}
    assert frame.loc["x", "track"] != frame.loc["y", "track"]  # two tracks in lane b
    assert frame.loc["x", "lane_top"] == frame.loc["y", "lane_top"]
    groups = _groups(swimlane_svg(spec))
    assert _text_of(groups["flow-5-label"]) == "no"


def _crossings(scene) -> list[tuple[str, str, str]]:
    """Flows whose straight runs pass through a box other than their own ends."""
    found = []
    for edge in scene.edges:
        for (ax, ay), (bx, by) in itertools.pairwise(edge.points):
            for node in scene.nodes.values():
                if node.id in (edge.source, edge.target):
                    continue
                x0, x1 = node.x - node.width / 2, node.x + node.width / 2
                y0, y1 = node.y - node.height / 2, node.y + node.height / 2
                if ay == by and y0 < ay < y1 and min(ax, bx) < x1 and max(ax, bx) > x0:
                    found.append((edge.source, edge.target, node.id))
                if ax == bx and x0 < ax < x1 and min(ay, by) < y1 and max(ay, by) > y0:
                    found.append((edge.source, edge.target, node.id))
    return found


def _random_spec(rng: random.Random) -> str:
    lanes = [f"l{i}" for i in range(rng.randint(1, 5))]
    n = rng.randint(3, 16)
    kinds = ["start"] + [rng.choice(["task", "task", "decision", "wait"]) for _ in range(n - 2)]
    flows = {(i, i + 1) for i in range(n - 1)}
    flows |= {tuple(rng.sample(range(n - 1), 2)) for _ in range(rng.randint(0, 8))}
    text = "name: random\nlanes:\n" + "".join(f"  - {{id: {lane}}}\n" for lane in lanes)
    text += "steps:\n" + "".join(
        f"  - {{id: s{i}, label: Step {i} of the map, lane: {rng.choice(lanes)}, kind: {kind}}}\n"
        for i, kind in enumerate([*kinds, "end"])
    )
    return (
        text + "flows:\n" + "".join(f"  - {{from: s{a}, to: s{b}, label: x}}\n" for a, b in flows)
    )


def test_flows_never_run_through_boxes(spec):
    assert _crossings(_layout.swimlane_scene(spec, kind="swimlane", annotations=None)) == []
    assert _crossings(_layout.swimlane_scene(spec, kind="blueprint", annotations=None)) == []
    rng = random.Random(5)
    for _ in range(25):
        scene = _layout.swimlane_scene(
            parse_process_map(_random_spec(rng)), kind="swimlane", annotations=None
        )
        assert _crossings(scene) == []
    dfg, starts, ends = _dfg()
    scene = _layout.mined_scene(
        dfg, starts=starts, ends=ends, metric="both", min_count=None, statistic="median", title=""
    )
    assert _crossings(scene) == []


def _dfg() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    dfg = pd.DataFrame(
        {
            "source": ["Apply", "Review", "Review", "Fix", "Approve & <sign>", "Fix"],
            "target": ["Review", "Approve & <sign>", "Fix", "Review", "Archive $x$", "Fix"],
            "count": [100, 70, 40, 40, 70, 9],
            "median": pd.to_timedelta(["2 days", "5 hours", "1 day", "3 days", "30 min", "1h"]),
        }
    )
    starts = pd.DataFrame({"activity": ["Apply"], "count": [100]})
    ends = pd.DataFrame({"activity": ["Archive $x$", "Review"], "count": [70, 30]})
    return dfg, starts, ends


def test_mined_map_svg_parses_and_contains_every_activity():
    dfg, starts, ends = _dfg()
    for metric in ("frequency", "performance", "both"):
        svg = process_map_svg(dfg, starts=starts, ends=ends, metric=metric)
        text = " ".join(" ".join(ET.fromstring(svg).itertext()).split())
        for activity in set(dfg["source"]) | set(dfg["target"]):
            assert activity in text, (metric, activity)
        if metric != "frequency":
            assert "3.0 d" in text and "30 min" in text
        if metric != "performance":
            assert "100" in text
    fig = process_map_figure(dfg, starts=starts, ends=ends, min_count=50)
    shown = {t.get_text() for t in fig.axes[0].texts}
    assert "Fix" not in shown and "Review" in shown


def test_mined_map_rejects_bad_input():
    dfg, *_ = _dfg()
    with pytest.raises(ValueError, match="metric"):
        process_map_figure(dfg, metric="speed")
    with pytest.raises(Exception, match="median"):
        process_map_figure(dfg.drop(columns="median"), metric="performance")


def test_format_duration():
    assert format_duration(pd.Timedelta(seconds=5)) == "5 s"
    assert format_duration(pd.Timedelta(days=400)) == "1.1 y"
    assert format_duration(pd.NaT) == ""


def test_step_evidence_links_codings_to_steps(coded_study, spec):
    evidence = step_evidence(coded_study, spec).set_index("step_id")
    assert list(evidence.index) == [step.id for step in spec.steps]
    plan = evidence.loc["plan_review"]
    assert plan["codes"] == ["plan_review_backlog"]
    assert plan["n_codings"] > 0 and plan["n_documents"] > 0
    assert 1 <= len(plan["quotes"]) <= 2
    assert all(len(quote) <= 202 for quote in plan["quotes"])
    assert len(set(plan["quote_documents"])) == len(plan["quote_documents"])
    assert evidence.loc["complete_decision", "n_codings"] == 0
    one_coder = step_evidence(coded_study, spec, coder="M.K.", quotes=1).set_index("step_id")
    assert (one_coder["n_codings"] <= evidence["n_codings"]).all()
    assert one_coder["quotes"].map(len).max() <= 1
    with pytest.raises(Exception, match="no coder"):
        step_evidence(coded_study, spec, coder="nobody")


def test_step_durations_find_the_plan_review_wait(sample_study_path, spec):
    log = read_event_log(
        sample_study_path / "process" / "permit_events.csv",
        start_timestamp="start_timestamp",
        timezone="America/Los_Angeles",
    )
    durations = step_durations(spec, log).set_index("step_id")
    assert "plan_review_queue" not in durations.index  # a wait has no activity
    assert durations["median_wait"].idxmax() == "plan_review"
    assert durations.loc["submit_application", "events"] == log["case_id"].nunique()
    assert pd.isna(durations.loc["submit_application", "median_wait"])
    assert durations.loc["plan_review", "median_processing"] > pd.Timedelta(0)
    assert pd.isna(durations.loc["pay_fees", "median_processing"])  # no start times logged
    assert (durations["p90_wait"].dropna() >= durations["median_wait"].dropna()).all()


def test_annotations_combine_evidence_and_timings(coded_study, spec, tmp_path):
    notes = step_annotations(coded_study, spec)
    assert notes["plan_review"]["n_codings"] > 0
    assert notes["plan_review"]["median_wait"] > pd.Timedelta(days=14)
    assert "n_codings" not in notes["zoning_review"]  # timings only
    svg = swimlane_svg(spec, annotations=notes)
    assert "Pain points from interviews" in svg
    save_figure(swimlane_figure(spec, kind="blueprint", annotations=notes), tmp_path / "b.svg")

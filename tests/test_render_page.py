"""Process drawings that fit a page: direction, wrapping, type size at print, flow labels.

Sizes are measured on the figures themselves (their size in inches and the point size of every
text), not taken from what the fitting code says about them.
"""

from __future__ import annotations

import itertools
import random
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import PathPatch

from research_kit.process import (
    _layout,
    directly_follows,
    end_activities,
    read_event_log,
    read_process_map,
    start_activities,
)
from research_kit.process._fit import page_area
from research_kit.process.render import (
    process_map_figure,
    process_map_fit,
    swimlane_figure,
    swimlane_fit,
    swimlane_layout,
)
from research_kit.process.spec import parse_process_map
from tests.test_render import _crossings

PAGES = ["letter-portrait", "letter-landscape"]


def _mined(path) -> dict:
    log = read_event_log(path)
    return {
        "dfg": directly_follows(log),
        "starts": start_activities(log),
        "ends": end_activities(log),
        "metric": "both",
    }


@pytest.fixture(scope="module")
def bundled_map(request) -> dict:
    from tests.conftest import SAMPLE_STUDY

    return _mined(SAMPLE_STUDY / "process" / "permit_events.csv")


@pytest.fixture
def spec(sample_study_path):
    return read_process_map(sample_study_path / "process" / "permit_process.yml")


def print_size(fig, page: str) -> tuple[float, float]:
    """The scale the figure prints at on the page (never enlarged) and its smallest text, in pt."""
    width, height = fig.get_size_inches()
    area_w, area_h = page_area(page)
    scale = min(area_w / width, area_h / height, 1.0)
    smallest = min(text.get_fontsize() for text in fig.axes[0].texts if text.get_text().strip())
    return scale, smallest * scale


def _edge_paths(fig) -> dict[str, np.ndarray]:
    return {
        patch.get_gid(): patch.get_path().vertices
        for patch in fig.axes[0].patches
        if isinstance(patch, PathPatch) and re.fullmatch(r"(edge|flow)-\d+", patch.get_gid() or "")
    }


def _distance(point, vertices: np.ndarray) -> float:
    a, b = vertices[:-1], vertices[1:]
    d = b - a
    t = np.clip(((point - a) * d).sum(1) / np.maximum((d**2).sum(1), 1e-12), 0, 1)
    return float(np.sqrt(((a + t[:, None] * d - point) ** 2).sum(1)).min())


def _check_labels(fig) -> None:
    """Every flow label is nearer its own flow than any other, and no two labels overlap."""
    paths = _edge_paths(fig)
    labels = [t for t in fig.axes[0].texts if (t.get_gid() or "").endswith("-label")]
    labels = [t for t in labels if t.get_gid().removesuffix("-label") in paths]
    assert labels
    for text in labels:
        own = text.get_gid().removesuffix("-label")
        point = np.array(text.get_position())
        mine = _distance(point, paths[own])
        others = [_distance(point, v) for gid, v in paths.items() if gid != own]
        assert not others or mine < min(others), (text.get_text(), mine, min(others))
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels]
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (labels[i].get_text(), labels[j].get_text())


@pytest.mark.parametrize("page", PAGES)
def test_bundled_mined_map_prints_no_text_under_7pt(bundled_map, page):
    fig = process_map_figure(**bundled_map, page=page)
    scale, smallest = print_size(fig, page)
    assert smallest >= 7.0 - 1e-9
    assert scale == 1.0  # it fits the text block at full size
    fit = process_map_fit(**bundled_map, page=page).iloc[0]
    assert fit["smallest_pt"] == pytest.approx(smallest, abs=0.01) and fit["fits"]
    size = tuple(fig.get_size_inches())
    assert (fit["width_in"], fit["height_in"]) == pytest.approx(size, abs=1e-3)
    _check_labels(fig)


@pytest.mark.parametrize("log_name", ["receipt.csv", "helpdesk.xes.gz", "reviewing.xes"])
@pytest.mark.parametrize("page", PAGES)
def test_dense_real_maps_are_simplified_until_they_print_at_7pt(shared_data, log_name, page):
    mined = _mined(shared_data / "process" / log_name)
    fig = process_map_figure(**mined, page=page)
    _, smallest = print_size(fig, page)
    assert smallest >= 7.0 - 1e-9
    fit = process_map_fit(**mined, page=page).iloc[0]
    drawn = _edge_paths(fig)
    assert len(drawn) == fit["paths_shown"] <= fit["paths_total"]
    assert fit["paths_total"] == len(mined["dfg"]) + len(mined["starts"]) + len(mined["ends"])
    shown = [t for t in fig.axes[0].texts if re.fullmatch(r"activity-\d+-label", t.get_gid() or "")]
    assert len(shown) == fit["activities_shown"] <= fit["activities_total"]
    if fit["paths_shown"] < fit["paths_total"]:
        # The figure states the coverage kept, in the same numbers as the table.
        note = " ".join(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "footnote")
        wanted = (
            f"showing {fit['activities_shown']} of {fit['activities_total']} activities and "
            f"{fit['paths_shown']} of {fit['paths_total']} paths, covering "
            f"{fit['events_covered']:.0%} of events"
        )
        assert wanted in " ".join(note.split())
        assert 0 < fit["events_covered"] <= 1
    _check_labels(fig)


def test_the_dense_map_keeps_the_most_frequent_activities(shared_data):
    mined = _mined(shared_data / "process" / "receipt.csv")
    fig = process_map_figure(**mined, page="letter-landscape")
    shown = {
        t.get_text().replace("\n", " ")
        for t in fig.axes[0].texts
        if t.get_gid() and re.fullmatch(r"activity-\d+-label", t.get_gid())
    }
    events = (
        pd.concat(
            [
                mined["dfg"].groupby("target")["count"].sum(),
                mined["starts"].set_index("activity")["count"],
            ]
        )
        .groupby(level=0)
        .sum()
    )
    top = events.sort_values(ascending=False).index[: len(shown)]
    assert {" ".join(str(a).split()) for a in top} == {" ".join(s.split()) for s in shown}


@pytest.mark.parametrize("page", PAGES)
def test_swimlane_fit_reports_its_print_size_truthfully(spec, page):
    fit = swimlane_fit(spec, page=page).iloc[0]
    if fit["fits"]:
        fig = swimlane_figure(spec, page=page)
    else:  # the bundled map has 24 steps in 7 lanes: too large for a letter page at 7 pt
        with pytest.warns(UserWarning, match="larger page"):
            fig = swimlane_figure(spec, page=page)
    scale, smallest = print_size(fig, page)
    assert fit["smallest_pt"] == pytest.approx(smallest, abs=0.01)
    assert fit["fits"] == (smallest >= 7.0 - 1e-9)
    # Wrapping into rows prints larger than the one long row drawn without a page.
    whole_scale, _ = print_size(swimlane_figure(spec), page)
    assert scale > 1.2 * whole_scale
    for step in spec.steps:  # every step is still drawn, with its label
        assert any(t.get_gid() == f"step-{step.id}-label" for t in fig.axes[0].texts)


@pytest.mark.parametrize("page", PAGES)
def test_a_small_swimlane_fits_at_full_size(page):
    spec = parse_process_map(
        "name: Small\nlanes: [{id: a, label: Applicant}, {id: b, label: Permit desk}]\n"
        "steps: [{id: s, label: Apply online, lane: a, kind: start},"
        "        {id: r, label: Check the application, lane: b},"
        "        {id: d, label: 'Complete?', lane: b, kind: decision},"
        "        {id: f, label: Send missing documents, lane: a},"
        "        {id: p, label: Issue the permit, lane: b},"
        "        {id: e, label: Permit issued, lane: a, kind: end}]\n"
        "flows: [{from: s, to: r}, {from: r, to: d}, {from: d, to: f, label: no},"
        "        {from: f, to: r}, {from: d, to: p, label: yes}, {from: p, to: e}]\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # it fits: no warning
        fig = swimlane_figure(spec, page=page)
    scale, smallest = print_size(fig, page)
    assert scale == 1.0 and smallest >= 7.0
    assert swimlane_fit(spec, page=page).iloc[0]["fits"]


def test_direction_top_to_bottom_runs_flows_down():
    dfg = pd.DataFrame({"source": ["a", "b", "b"], "target": ["b", "c", "d"], "count": [5, 3, 2]})
    scene = _layout.mined_scene(
        dfg,
        starts=None,
        ends=None,
        metric="frequency",
        min_count=None,
        statistic="median",
        title="",
        direction="TB",
    )
    for edge in scene.edges:
        u, v = scene.nodes[edge.source], scene.nodes[edge.target]
        assert v.y > u.y and edge.points[-1][1] > edge.points[0][1]
    assert scene.nodes["c"].y == scene.nodes["d"].y and scene.nodes["c"].x != scene.nodes["d"].x
    with pytest.raises(ValueError, match="direction"):
        process_map_figure(dfg, direction="RL")


def test_default_direction_follows_the_page_shape():
    dfg = pd.DataFrame({"source": ["Apply"], "target": ["Approve"], "count": [3]})
    assert process_map_fit(dfg, page="letter-portrait").iloc[0]["direction"] == "TB"
    assert process_map_fit(dfg, page="a4-landscape").iloc[0]["direction"] == "LR"
    assert process_map_fit(dfg, page="letter-portrait", direction="LR").iloc[0]["direction"] == "LR"
    with pytest.raises(ValueError, match="page"):
        process_map_fit(dfg, page="postcard-portrait")


def test_swimlane_top_to_bottom_puts_lanes_in_columns(spec):
    frame = swimlane_layout(spec, direction="TB")
    left = frame["x"] - frame["width"] / 2
    right = frame["x"] + frame["width"] / 2
    assert (left > frame["lane_top"]).all() and (right < frame["lane_bottom"]).all()
    with pytest.raises(ValueError, match="left to right"):
        swimlane_figure(spec, kind="blueprint", direction="TB")


def test_wrapped_and_top_to_bottom_flows_never_run_through_boxes(spec):
    rng = random.Random(11)
    specs = [spec]
    for _ in range(15):
        lanes = [f"l{i}" for i in range(rng.randint(1, 4))]
        n = rng.randint(4, 14)
        text = "name: random\nlanes:\n" + "".join(f"  - {{id: {lane}}}\n" for lane in lanes)
        kinds = ["start"] + ["task"] * (n - 2) + ["end"]
        text += "steps:\n" + "".join(
            f"  - {{id: s{i}, label: Step {i}, lane: {rng.choice(lanes)}, kind: {kind}}}\n"
            for i, kind in enumerate(kinds)
        )
        flows = {(i, i + 1) for i in range(n - 1)}
        flows |= {tuple(rng.sample(range(n - 1), 2)) for _ in range(rng.randint(0, 6))}
        text += "flows:\n" + "".join(f"  - {{from: s{a}, to: s{b}}}\n" for a, b in flows)
        specs.append(parse_process_map(text))
    for one in specs:
        for direction, row_columns in (("LR", 3), ("TB", None), ("TB", 2)):
            scene = _layout.swimlane_scene(
                one,
                kind="swimlane",
                annotations=None,
                direction=direction,
                row_columns=row_columns,
            )
            assert _crossings(scene) == [], (direction, row_columns)


def test_parallel_flows_are_routed_apart_with_their_own_labels():
    dfg = pd.DataFrame(
        {
            "source": ["Apply", "Review", "Review", "Fix", "Fix", "Apply", "Review"],
            "target": ["Review", "Fix", "Approve", "Review", "Approve", "Approve", "Apply"],
            "count": [100, 40, 60, 38, 2, 5, 7],
            "median": pd.to_timedelta(["2 days", "1 day", "5h", "3 days", "1h", "4 days", "6h"]),
        }
    )
    for options in ({}, {"page": "letter-portrait"}, {"direction": "TB"}):
        fig = process_map_figure(dfg, metric="both", **options)
        paths = _edge_paths(fig)
        assert len(paths) == len(dfg)
        for a, b in itertools.combinations(paths.values(), 2):
            assert not np.array_equal(a, b)  # a→b and b→a do not share one line
        _check_labels(fig)


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_every_label_of_the_whole_dense_map_sits_on_its_own_flow(shared_data, direction):
    # 114 arrows, not simplified: flows that run close together still carry their own labels.
    mined = _mined(shared_data / "process" / "receipt.csv")
    fig = process_map_figure(**mined, direction=direction)
    assert len(_edge_paths(fig)) == 114
    _check_labels(fig)

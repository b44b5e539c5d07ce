"""A swimlane over several pages: every page prints at 7 pt, every step and flow accounted for.

Measured on the figures themselves (their size and every text's point size, and what the texts
say), not taken from the plan the page cutting reports.
"""

from __future__ import annotations

import re
import warnings

import pytest

from research_kit.process import (
    conformance,
    conformance_annotations,
    conformance_pages,
    read_event_log,
    read_process_map,
)
from research_kit.process.pages import swimlane_page_plan, swimlane_pages
from research_kit.process.spec import parse_process_map
from tests.test_render_page import PAGES, print_size


@pytest.fixture(scope="module")
def bundled_spec():
    from tests.conftest import SAMPLE_STUDY

    return read_process_map(SAMPLE_STUDY / "process" / "permit_process.yml")


@pytest.fixture(scope="module", params=PAGES)
def drawn(request, bundled_spec) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a page that cannot print at 7 pt warns
        figures = swimlane_pages(bundled_spec, page=request.param)
    return request.param, figures


def _texts(fig, prefix: str = "") -> dict[str, str]:
    """Every text of a figure with an SVG id, by id, its lines joined by spaces."""
    return {
        t.get_gid(): " ".join(t.get_text().split())
        for t in fig.axes[0].texts
        if (t.get_gid() or "").startswith(prefix)
    }


def _steps_on(fig) -> set[str]:
    ids = [re.fullmatch(r"step-(.+)-label", gid) for gid in _texts(fig, "step-")]
    return {m.group(1) for m in ids if m and not m.group(1).startswith("continues")}


def _marks(fig) -> list[str]:
    return [text for gid, text in _texts(fig, "step-continues").items() if gid.endswith("-label")]


def _named(mark: str, spec) -> set[tuple[int, str]]:
    """The (page, step id) pairs a mark names: "from p. 1: A; p. 4: B, C"."""
    named = set()
    for number, chunk in re.findall(r"p\. (\d+): ([^;]+)", mark):
        named |= {(int(number), s.id) for s in spec.steps if s.label in chunk}
    return named


def test_every_page_prints_at_7_pt_or_more(drawn):
    page, figures = drawn
    assert len(figures) > 1  # the bundled map does not fit one page at 7 pt
    for fig in figures:
        scale, smallest = print_size(fig, page)
        assert scale == pytest.approx(1.0)
        assert smallest >= 7.0 - 1e-9


def test_every_step_is_on_exactly_one_page(drawn, bundled_spec):
    _, figures = drawn
    pages = [_steps_on(fig) for fig in figures]
    assert sum(len(steps) for steps in pages) == len(bundled_spec.steps)
    assert set().union(*pages) == {step.id for step in bundled_spec.steps}


def test_every_flow_is_drawn_or_marked_on_both_its_pages(drawn, bundled_spec):
    _, figures = drawn
    page_of = {s: n for n, fig in enumerate(figures, 1) for s in _steps_on(fig)}
    cut = 0
    for flow in bundled_spec.flows:
        here, there = page_of[flow.source], page_of[flow.target]
        if here == there:
            continue
        cut += 1
        source, target = bundled_spec.step(flow.source), bundled_spec.step(flow.target)
        leaving = [m for m in _marks(figures[here - 1]) if not m.startswith("from ")]
        entering = [m for m in _marks(figures[there - 1]) if m.startswith("from ")]
        way = "back to" if there < here else "to"
        assert any(m.startswith(f"{way} p. {there}: {target.label}") for m in leaving), flow
        assert any((here, source.id) in _named(m, bundled_spec) for m in entering), flow
    assert cut > 0
    # and no mark names a page or step that is not there
    for fig in figures:
        for mark in _marks(fig):
            named = _named(mark, bundled_spec)
            assert named and all(page_of[step] == number for number, step in named), mark


def test_page_counters_and_one_legend(drawn, bundled_spec):
    _, figures = drawn
    total = len(figures)
    titles = [_texts(fig)["title"] for fig in figures]
    assert titles == [f"{bundled_spec.name} (page {n} of {total})" for n in range(1, total + 1)]
    legends = [any(t.get_gid() == "legend" for t in fig.axes[0].texts) for fig in figures]
    assert legends[0] and not any(legends[1:])


def test_the_plan_agrees_with_the_figures(drawn, bundled_spec):
    page, figures = drawn
    plan = swimlane_page_plan(bundled_spec, page=page)
    assert sorted(plan["step_id"]) == sorted(s.id for s in bundled_spec.steps)
    for number, fig in enumerate(figures, 1):
        assert set(plan.loc[plan["page"] == number, "step_id"]) == _steps_on(fig)
    assert (plan["smallest_pt"] >= 7).all() and (plan["pages"] == len(figures)).all()


def test_a_small_map_is_one_page_without_marks():
    spec = parse_process_map(
        "name: Tiny\nlanes: [{id: a, label: A}, {id: b, label: B}]\n"
        "steps: [{id: s, label: Apply, lane: a, kind: start}, {id: r, label: Review, lane: b},"
        "        {id: e, label: Done, lane: a, kind: end}]\n"
        "flows: [{from: s, to: r}, {from: r, to: e}]\n"
    )
    (fig,) = swimlane_pages(spec, page="letter-portrait")
    assert _texts(fig)["title"] == "Tiny"  # no counter on a single page
    assert _marks(fig) == [] and _steps_on(fig) == {"s", "r", "e"}


def test_a_page_too_small_for_one_step_warns_and_still_shows_every_step():
    spec = parse_process_map(
        "name: Tiny\nlanes: [{id: a, label: A}]\n"
        "steps: [{id: s, label: Apply for a permit, lane: a, kind: start},"
        "        {id: e, label: Done, lane: a, kind: end}]\n"
        "flows: [{from: s, to: e}]\n"
    )
    with pytest.warns(UserWarning, match="even one step to a page"):
        figures = swimlane_pages(spec, page=(1.0, 1.0))
    assert set().union(*(_steps_on(f) for f in figures)) == {"s", "e"}


def test_conformance_pages_draw_the_overlay_page_by_page(bundled_spec):
    from tests.conftest import SAMPLE_STUDY

    log = read_event_log(SAMPLE_STUDY / "process" / "permit_events.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # activities of the log on no step
        result = conformance(bundled_spec, log)
    figures = conformance_pages(bundled_spec, result, page="letter-portrait", flows=20)
    plan = swimlane_page_plan(
        bundled_spec,
        page="letter-portrait",
        annotations=conformance_annotations(result),
    ).set_index("step_id")
    drawn = result.undesigned_flows.dropna(subset=["source"]).head(20)
    same = drawn["source"].map(plan["page"]) == drawn["target"].map(plan["page"])
    arcs = [
        p.get_gid()
        for fig in figures
        for p in fig.axes[0].patches
        if (p.get_gid() or "").startswith("undesigned-flow-")
    ]
    assert len(arcs) == int(same.sum())
    for fig in figures:
        assert print_size(fig, "letter-portrait")[1] >= 7.0 - 1e-9
        (key,) = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "conformance-key"]
        if not same.all():
            assert f"{int((~same).sum())} more across pages" in key.replace("\n", " ")


def test_a_page_draws_only_the_lanes_with_steps_on_it(drawn, bundled_spec):
    _, figures = drawn
    lane_of = {step.id: step.lane for step in bundled_spec.steps}
    for fig in figures:
        drawn_lanes = {
            re.sub(r"-row\d+$", "", gid.removeprefix("lane-").removesuffix("-label"))
            for gid in _texts(fig, "lane-")
        }
        assert drawn_lanes == {lane_of[step] for step in _steps_on(fig)}

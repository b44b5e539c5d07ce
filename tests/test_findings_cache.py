"""The dashboard's cache gives the brief made without it; the ward filter reaches every section.

:class:`research_kit.briefs.cache.FindingsCache` keeps what a filter does not change between
calls of ``assemble_findings``; a brief assembled through a cache that has seen other filters
must equal one assembled from scratch: same sections, summaries, tables, figures and quotes.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from research_kit import open_study
from research_kit import process as pm
from research_kit.briefs import assemble_findings, render_html, section_html
from research_kit.briefs.cache import FindingsCache
from research_kit.briefs.dashboard import BriefPreparer, changed_boxes, likely_filters
from research_kit.briefs.findings import filter_choices
from research_kit.interviews import import_shipped_codings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A scratch copy of the sample with its shipped codings, opened once for the module."""
    folder = tmp_path_factory.mktemp("cache") / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    opened = open_study(folder)
    import_shipped_codings(opened)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def answer_themes(sample_brief):
    """The survey's answer themes, clustered once per run (conftest): every brief shares them."""
    return sample_brief.findings().answer_themes


def _section_view(section) -> tuple:
    return (
        section.id,
        section.title,
        section.summary,
        section.notice,
        [(t.caption, t.note, t.frame.to_dict("split")) for t in section.tables],
        [(f.svg, f.alt, f.caption, f.wide, f.print_pages) for f in section.figures],
        [(q.text, q.attribution, q.theme) for q in section.quotes],
    )


def _view(findings) -> tuple:
    """Everything a reader sees of a brief (not when it was made)."""
    return (
        findings.title,
        findings.headlines,
        findings.filters,
        [_section_view(s) for s in [*findings.sections, findings.method]],
    )


FILTERS = [
    {"ward": "Ward 2"},
    {"ward": "Ward 2", "by": "age_band"},
    {},
    {"ward": "Ward 2"},  # seen before: every part comes from the cache
]


def test_a_cached_brief_equals_the_uncached_one(study, answer_themes):
    cache = FindingsCache()
    assemble_findings(study, cache=cache, answer_themes=answer_themes, ward="Ward 1")
    for filters in FILTERS:
        cached = assemble_findings(study, cache=cache, answer_themes=answer_themes, **filters)
        fresh = assemble_findings(study, answer_themes=answer_themes, **filters)
        assert _view(cached) == _view(fresh), filters


def test_a_filter_seen_before_computes_nothing(study, answer_themes):
    cache = FindingsCache()
    assemble_findings(study, cache=cache, answer_themes=answer_themes, ward="Ward 3")
    computed = cache.misses
    assemble_findings(study, cache=cache, answer_themes=answer_themes)
    assert cache.misses > computed  # all wards: new sections
    computed = cache.misses
    assemble_findings(study, cache=cache, answer_themes=answer_themes, ward="Ward 3")
    assert cache.misses == computed


def test_a_theme_change_recomputes_only_the_interviews(study, answer_themes):
    cache = FindingsCache()
    assemble_findings(study, cache=cache, answer_themes=answer_themes)
    theme = filter_choices(study)["theme"][0]
    before = set(cache._parts)
    assemble_findings(study, cache=cache, answer_themes=answer_themes, theme=theme)
    added = set(cache._parts) - before
    assert [key[0] for key in added] == ["interviews"]


def test_the_ward_filter_reaches_every_section(study, answer_themes):
    cache = FindingsCache()
    whole = assemble_findings(study, cache=cache, answer_themes=answer_themes)
    ward = assemble_findings(study, cache=cache, answer_themes=answer_themes, ward="Ward 2")
    assert [s.id for s in ward.sections] == [s.id for s in whole.sections]
    for narrow, wide in zip(
        [*ward.sections, ward.method], [*whole.sections, whole.method], strict=True
    ):
        says_not_filtered = "not broken down by ward" in narrow.summary
        assert says_not_filtered or _section_view(narrow) != _section_view(wide), narrow.id
    interviews = next(s for s in ward.sections if s.id == "interviews")
    assert "not broken down by ward" in interviews.summary
    assert "not broken down by ward" not in whole.sections[0].summary


def test_only_changed_boxes_are_redrawn():
    shown = {"survey": "<p>a</p>", "process": "<p>b</p>"}
    assert changed_boxes(shown, {"survey": "<p>a</p>", "process": "<p>c</p>"}) == {
        "process": "<p>c</p>"
    }
    assert changed_boxes(shown, dict(shown)) == {}


def test_prepared_filters_are_answered_from_the_cache(study, answer_themes):
    cache = FindingsCache()

    def assemble(**filters):
        return assemble_findings(study, cache=cache, answer_themes=answer_themes, **filters)

    assemble()
    choices = filter_choices(study)
    ward, group = likely_filters(choices)[0], likely_filters(choices)[-1]
    preparer = BriefPreparer(assemble, [ward, group])
    with preparer.first():  # the reader's own change while the thread waits for its turn
        thread = preparer.start()
        assemble(ward=choices["ward"][-1])
    thread.join(timeout=600)  # a hang guard
    assert preparer.error is None and preparer.prepared == [ward, group]
    computed = cache.misses
    assert _view(assemble(**ward)) == _view(
        assemble_findings(study, answer_themes=answer_themes, **ward)
    )
    assemble(**group)
    assert cache.misses == computed


def test_a_failing_preparation_leaves_the_rest_unprepared():
    def fail(**filters):
        raise ValueError(filters)

    preparer = BriefPreparer(fail, [{"ward": "Ward 1"}, {"ward": "Ward 2"}])
    preparer.start().join(timeout=60)
    assert isinstance(preparer.error, ValueError) and preparer.prepared == []


def test_the_dashboard_does_not_draw_print_pages(study, answer_themes, monkeypatch):
    drawn = []
    original = pm.swimlane_pages_svg
    monkeypatch.setattr(
        pm, "swimlane_pages_svg", lambda *a, **k: drawn.append(1) or original(*a, **k)
    )
    findings = assemble_findings(study, answer_themes=answer_themes, ward="Ward 5")
    boxes = [section_html(s) for s in [*findings.sections, findings.method]]
    assert "rk-print-page" not in "".join(boxes) and drawn == []
    process = findings.section("process").figures[0]
    assert len(process.print_pages) > 1 and drawn == [1]  # the PDF reads them: drawn once
    process_html = render_html(findings).split('id="process"')[1].split("<section")[0]
    assert process_html.count('class="rk-svg rk-print-page"') == len(process.print_pages)
    assert drawn == [1]


def test_the_reader_goes_first_between_two_parts_of_a_prepared_brief():
    cache, order = FindingsCache(), []
    started, reader_in = threading.Event(), threading.Event()

    def assemble(**filters):
        cache.value("first part", lambda: order.append("prepared first part"))
        started.set()
        assert reader_in.wait(timeout=60)  # the reader has chosen a filter meanwhile
        cache.value("second part", lambda: order.append("prepared second part"))

    preparer = BriefPreparer(assemble, [{"ward": "Ward 1"}])
    cache.guard = preparer.guard
    thread = preparer.start()
    assert started.wait(timeout=60)  # a hang guard
    with preparer.first():
        reader_in.set()
        cache.value("the reader's part", lambda: order.append("the reader's change"))
    thread.join(timeout=60)
    assert order == ["prepared first part", "the reader's change", "prepared second part"]
    assert preparer.prepared == [{"ward": "Ward 1"}]

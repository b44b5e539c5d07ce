"""The process explorer: sliders, variants, metric toggle and step evidence."""

from __future__ import annotations

import re

import pytest

import research_kit
from research_kit.interviews import apply_code, import_codings
from research_kit.widgets import ProcessExplorer


@pytest.fixture
def study(sample_study_path):
    opened = research_kit.open_study(sample_study_path)
    yield opened
    opened.close()


def _edge_labels(svg: str) -> list[str]:
    return re.findall(r">([^<>]*(?:\d+ ·|\d+\.\d [dhm])[^<>]*)<", svg)


def test_sliders_simplify_the_map(study):
    explorer = ProcessExplorer(study)
    explorer.path_slider.value = 1.0
    full = len(explorer.current_dfg())
    explorer.path_slider.value = 0.5
    assert len(explorer.current_dfg()) < full
    explorer.activity_slider.value = 0.5
    kept = set(explorer.current_dfg()[["source", "target"]].stack())
    assert len(kept) < explorer.log["activity"].nunique()
    assert "<svg" in explorer.map_view.value


def test_variant_choice_narrows_to_its_cases(study):
    explorer = ProcessExplorer(study)
    top = explorer.variant_table.iloc[0]
    explorer.variant_picker.value = top["variant"]
    log = explorer.filtered_log()
    assert log["case_id"].nunique() == top["count"]
    dfg = explorer.current_dfg()
    assert len(dfg) == top["length"] - 1
    assert f"{top['count']:,} cases" in explorer.map_view.value


def test_metric_toggle_changes_the_arrow_labels(study):
    explorer = ProcessExplorer(study)
    explorer.metric.value = "frequency"
    frequency = explorer.map_view.value
    explorer.metric.value = "performance"
    assert explorer.map_view.value != frequency
    assert re.search(r"\d+(\.\d)? d<", explorer.map_view.value)


def test_step_shows_waits_and_pinned_quotes(study):
    import_codings(study, study.settings.codings[0])
    explorer = ProcessExplorer(study)
    explorer.step_picker.value = "plan_review"
    report = explorer.step_view.value
    assert "Plan review" in report
    assert "median wait before it" in report
    assert "Plan review backlog" in report
    assert "<blockquote>" in report


def test_quotes_are_escaped(study):
    source = study.document("P04_inspector")
    front_matter = source.path.read_text(encoding="utf-8").split("---")[1]
    hostile = "The inspector said <script>alert(1)</script> & left."
    note = study.settings.notes / "P99_hostile.md"
    note.write_text(f"---{front_matter}---\n{hostile}\n", encoding="utf-8")
    start = study.document("P99_hostile").text.index("The inspector")
    apply_code(
        study, "P99_hostile", start, start + len(hostile), "inconsistent_inspections", coder="X"
    )
    explorer = ProcessExplorer(study)
    explorer.step_picker.value = "inspection"
    report = explorer.step_view.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; left." in report
    assert "<script" not in report


def test_variant_labels_say_how_each_path_differs(study):
    explorer = ProcessExplorer(study)
    labels = [label for label, value in explorer.variant_picker.options[1:]]
    assert len(labels) > 5
    # Cut at the picker's width (about 40 characters) the labels still differ, and none
    # spends it on the first steps every path shares (the old labels read "N cases (x%):
    # Submit application → Compl…", the same for tied counts).
    assert len({label[:40] for label in labels}) == len(labels)
    differences = [label.split(": ", 1)[1] for label in labels]
    assert differences[0].startswith("the most common path")
    top = explorer.variant_table.iloc[0]["activities"]
    assert not any(d.startswith(top[0]) for d in differences)
    for (_, value), difference in zip(
        explorer.variant_picker.options[2:], differences[1:], strict=True
    ):
        new_steps = set(value.split(" → ")) - set(top)
        if new_steps:  # new steps come first, before repeats and left-out steps
            assert difference.startswith("+ ") and difference[2:].startswith(tuple(new_steps))
    explorer.variant_picker.value = explorer.variant_table.iloc[1]["variant"]
    assert explorer.variant_table.iloc[1]["variant"] in explorer.variant_view.value


def test_the_first_step_says_why_it_has_no_wait(study):
    explorer = ProcessExplorer(study)
    first = explorer.spec.steps[0].id
    report = explorer.step_report(first)
    assert "no wait before it is measured: it begins the case" in report
    assert " , " not in report and "percentile ." not in report

"""The coding panel: highlighted HTML, and clicks that land in the study database."""

from __future__ import annotations

import html
import itertools
import random
import re

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.errors import CodingError
from research_kit.interviews import apply_code, codings, memos
from research_kit.widgets import CodingPanel, page_breaks, render_document_html

HOSTILE = "<script>alert(1)</script>"
BLUE, RED = "#4477AA", "#EE6677"


def plain_text(page: str) -> str:
    """The text a reader sees: the HTML without its style sheet and tags, unescaped."""
    without_style = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", without_style))


def bars_of(page: str, text: str) -> dict[int, str]:
    """Lane → colour of the underline bars drawn under the span holding exactly ``text``."""
    match = re.search(r'<span class="([^"]*)"[^>]*>' + re.escape(text) + "</span>", page)
    assert match, f"no highlight span holds {text!r}"
    assert "h" in match.group(1).split()  # the class that draws one box-shadow per lane
    bars = {}
    for lane, name in re.findall(r"\bb(\d+)-(\d+)\b", match.group(1)):
        rule = re.search(rf"\.b{lane}-{name}\{{--rk-b{lane}:(#[0-9A-Fa-f]{{6}})\}}", page)
        bars[int(lane)] = rule.group(1)
    return bars


@pytest.fixture
def study(sample_study_path):
    study = open_study(sample_study_path)
    yield study
    study.close()


@pytest.fixture
def panel(study):
    return CodingPanel(study, coder="J.R.")


# -- render_document_html --------------------------------------------------------------------------
def test_render_keeps_the_text_and_colours_each_coding():
    text = "Rent is too high and the wait is long."
    frame = pd.DataFrame({"start": [0], "end": [4], "code_id": ["cost"]})
    page = render_document_html(text, frame, {"cost": BLUE}, labels={"cost": "Cost"})
    assert plain_text(page) == text
    assert bars_of(page, "Rent") == {0: BLUE}
    assert f"background-color:{BLUE}2e" in page
    assert 'title="Cost"' in page


def test_overlapping_codes_both_show_and_keep_their_lanes():
    text = "aaaaabbbbbcccccddddd"
    frame = pd.DataFrame({"start": [0, 5], "end": [10, 20], "code_id": ["a", "b"]})
    page = render_document_html(text, frame, {"a": BLUE, "b": RED})
    assert plain_text(page) == text
    assert bars_of(page, "bbbbb") == {0: BLUE, 1: RED}
    # After "a" ends, "b" keeps its lower lane (lane 0 shows the page colour): no jump.
    assert bars_of(page, "cccccddddd") == {1: RED}
    assert "0 3px 0 var(--rk-b0," in page and "0 6px 0 var(--rk-b1," in page


def test_render_escapes_user_text_and_rejects_bad_colours():
    text = f"He typed {HOSTILE} & left."
    frame = pd.DataFrame({"start": [9], "end": [9 + len(HOSTILE)], "code_id": ["x"]})
    colours = {"x": "red;}</style><script>alert(2)</script>"}
    page = render_document_html(text, frame, colours, labels={"x": f'"{HOSTILE}'})
    assert "<script>" not in page
    assert "&lt;script&gt;" in page and "&amp; left" in page
    assert plain_text(page) == text
    assert "#888888" in page  # the bad colour fell back to grey


def test_render_window_selection_and_segment_markers():
    text = "one two three four five six"
    frame = pd.DataFrame({"start": [0, 14], "end": [13, 23], "code_id": ["a", "b"]})
    page = render_document_html(
        text, frame, {"a": BLUE}, window=(4, 18), selection=(8, 13), segment_starts=[(7, 8)]
    )
    assert plain_text(page) == text[4:18]
    assert re.search(r'class="h [^"]*rk-sel"[^>]*>three</span>', page)
    assert 'data-n="7"' in page
    assert "#888888" in page  # code "b" has no colour

    folded = render_document_html(text, frame, {"a": BLUE}, fold_before=14)
    assert plain_text(folded) == text
    assert re.search(r'<details class="rk-fold"><summary data-label="14 characters above">', folded)


def test_render_of_a_two_hour_transcript_is_correct():
    rng = random.Random(0)
    words = [
        rng.choice(["permit", "wait", "<counter>", "fee", "&", "café", "review"])
        for _ in range(20_000)
    ]
    paragraphs = [" ".join(words[i : i + 80]) for i in range(0, len(words), 80)]
    text = "\n\n".join(f"{'QA'[i % 2]}: {p}" for i, p in enumerate(paragraphs))
    rows = []
    for _ in range(1_500):
        start = rng.randrange(0, len(text) - 500)
        rows.append(
            {
                "start": start,
                "end": start + rng.randrange(10, 500),
                "code_id": f"c{rng.randrange(20)}",
            }
        )
    colours = {f"c{i}": "#4477AA" for i in range(20)}
    page = render_document_html(text, pd.DataFrame(rows), colours)
    assert plain_text(page) == text
    assert page.count("<span") >= 1_500
    pages = page_breaks(text, 12_000)
    assert pages[0][0] == 0 and pages[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pages))
    assert all(text[start - 2 : start] == "\n\n" for start, _ in pages[1:])
    assert (
        "".join(
            plain_text(render_document_html(text, pd.DataFrame(rows), colours, window=w))
            for w in pages
        )
        == text
    )


# -- the panel -------------------------------------------------------------------------------------
def test_panel_lists_documents_with_role_and_ward(panel, study):
    labels = [label for label, _ in panel.document_picker.options]
    documents = study.documents()
    assert len(labels) == len(documents)
    first = documents[0]
    assert labels[0] == f"{first.id} — {first.attributes['role']}, {first.attributes['ward']}"
    assert panel.segment_list.options  # the first note's paragraphs
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_apply_click_saves_a_coding_and_highlights_it(panel, study):
    panel.segment_list.value = (2,)
    start, end = panel.selection
    panel.code_boxes["cost_of_delay"].value = True
    panel.code_boxes["unclear_requirements"].value = True
    panel.apply_button.click()

    saved = codings(study)
    assert sorted(saved["code_id"]) == ["cost_of_delay", "unclear_requirements"]
    assert set(saved["start"]) == {start} and set(saved["end"]) == {end}
    assert set(saved["coder"]) == {"J.R."} and set(saved["origin"]) == {"manual"}
    assert panel.last_message.startswith("Applied")
    colour = panel.colours["cost_of_delay"]
    bars = bars_of(panel.text_view.value, panel._text[start:end])
    assert set(bars.values()) == {colour, panel.colours["unclear_requirements"]}
    assert "Cost of delay (1)" in panel.legend.value
    assert not any(box.value for box in panel.code_boxes.values())


def test_find_selects_the_exact_span_and_offsets_fine_tune_it(panel, study):
    panel.find_box.value = "five   MONTHS of rent"
    panel.find_button.click()
    start, end = panel.selection
    assert panel._text[start:end] == "Five months of rent"
    assert (panel.start_field.value, panel.end_field.value) == (start, end)
    assert "Five months of rent" in panel.excerpt_view.value

    panel.end_field.value = end + 4
    assert panel.selection == (start, end + 4)
    panel.code_boxes["cost_of_delay"].value = True
    panel.apply_button.click()
    assert codings(study)["text"].tolist() == ["Five months of rent for"]


def test_remove_a_chosen_coding(panel, study):
    panel.segment_list.value = (3,)
    panel.code_boxes["cost_of_delay"].value = True
    panel.apply_button.click()
    coding_id = int(codings(study)["coding_id"].iloc[0])
    panel.segment_list.value = (2, 3)  # a wider selection still lists the coding inside it
    assert [value for _, value in panel.codings_here.options] == [coding_id]
    panel.codings_here.value = coding_id
    # Choosing a coding names its codes and what Remove will delete; it ticks nothing.
    assert not any(box.value for box in panel.code_boxes.values())
    assert "Cost of delay" in panel.coding_codes.value
    assert "Remove will delete the coding Cost of delay by J.R." in panel.action_preview.value
    panel.remove_button.click()
    assert codings(study).empty
    assert panel.last_message.startswith("Removed the coding Cost of delay")


def test_memos_are_saved_on_their_target_and_escaped(panel, study):
    panel.memo_box.value = f"Ask about {HOSTILE}"
    panel.memo_button.click()
    saved = memos(study)
    assert saved[["on", "target", "coder"]].values.tolist() == [
        ["document", "P01_business-owner", "J.R."]
    ]
    assert "&lt;script&gt;" in panel.memo_view.value and "<script>" not in panel.memo_view.value

    panel.segment_list.value = (4,)
    panel.code_boxes["cost_of_delay"].value = True
    panel.apply_button.click()
    panel.codings_here.value = panel.codings_here.options[0][1]
    panel.memo_target.value = "coding"
    panel.memo_box.value = "Clear case."
    panel.memo_button.click()
    coding_id = str(codings(study)["coding_id"].iloc[0])
    assert memos(study, on="coding", target=coding_id)["text"].tolist() == ["Clear case."]


def test_suggestions_are_accepted_or_rejected(study):
    suggestions = pd.DataFrame(
        {
            "document_id": ["P01_business-owner", "P01_business-owner", "P02_business-owner"],
            "start": [853, 1165, 0],
            "end": [916, 1184, 10],
            "code_id": ["cost_of_delay", "unclear_requirements", "cost_of_delay"],
            "confidence": [0.91, 0.42, 0.7],
            "origin": ["suggestion", "rule", "suggestion"],
        }
    )
    panel = CodingPanel(study, coder="J.R.", suggestions=suggestions)
    assert len(panel.suggestion_list.options) == 2  # only this note's
    panel.suggestion_list.value = panel.suggestion_list.options[0][1]
    assert panel.selection == (853, 916)
    panel.accept_button.click()
    saved = codings(study)
    assert saved[["start", "code_id", "origin"]].values.tolist() == [
        [853, "cost_of_delay", "suggestion"]
    ]
    assert panel.selection == (1165, 1184)  # the next suggestion is chosen
    panel.reject_button.click()
    assert len(codings(study)) == 1
    assert panel.suggestion_list.options == ()
    assert len(panel.suggestions) == 1
    assert panel.suggestion_decisions()["decision"].tolist() == ["accepted", "rejected"]


def test_errors_show_in_the_status_line(panel, study, sample_study_path):
    panel.apply_button.click()
    assert "no excerpt is selected" in panel.last_message
    panel.segment_list.value = (1,)
    panel.apply_button.click()
    assert "no code is ticked" in panel.last_message
    panel.find_box.value = "zebra crossing"
    panel.find_button.click()
    assert "is not in this note" in panel.last_message

    apply_code(study, "P01_business-owner", 0, 10, "cost_of_delay", coder="A.B.")
    note = sample_study_path / "notes" / "P01_business-owner.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nAdded later.\n", encoding="utf-8")
    panel.code_boxes["cost_of_delay"].value = True
    panel.apply_button.click()  # the offsets were chosen on the text as the panel read it
    assert "changed since the panel opened it" in panel.last_message
    assert "color:#b42318" in panel.status.value

    panel.reload_button.click()  # the new text, but the note was coded before it changed
    panel.segment_list.value = (1,)
    panel.code_boxes["cost_of_delay"].value = True
    panel.apply_button.click()
    assert "changed since it was first coded" in panel.last_message
    assert "stale_codings" in panel.last_message  # the hint says what to do
    assert len(codings(study)) == 1


def test_hostile_code_names_are_escaped(sample_study_path):
    codebook = sample_study_path / "codebook.yml"
    text = codebook.read_text(encoding="utf-8")
    codebook.write_text(text.replace("name: Cost of delay", f'name: "{HOSTILE} delay"'))
    with open_study(sample_study_path) as study:
        panel = CodingPanel(study, coder="J.R.")
        panel.segment_list.value = (2,)
        panel.code_boxes["cost_of_delay"].value = True
        panel.apply_button.click()
        shown = panel.text_view.value + panel.legend.value + panel.status.value
        assert "<script>" not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt; delay" in panel.legend.value


def test_other_coders_segments_and_pages(study):
    apply_code(study, "P01_business-owner", 0, 10, "cost_of_delay", coder="A.B.")
    panel = CodingPanel(study, coder="J.R.", segment_by="turn", page_chars=2_000)
    assert 'class="h' not in panel.text_view.value
    panel.show_all_coders.value = True
    assert "Cost of delay (1)" in panel.legend.value
    assert panel.segment_list.options[2][0].startswith("  2 · Q:")
    assert len(panel._pages) > 1
    last_page = len(panel._pages) - 1
    panel.find_box.value = panel._text[-40:]
    panel.find_button.click()
    assert panel.page_picker.value == last_page
    # the match is marked on its page, which the note view scrolls to (nothing is folded)
    assert panel.text_view.selection == list(panel.selection)
    assert "<details" not in panel.text_view.value
    panel.segment_list.value = (0,)
    assert panel.page_picker.value == 0
    panel.document_picker.value = "P04_inspector"
    assert panel.selection is None and panel.page_picker.value == 0
    assert panel.last_message.startswith("Opened P04_inspector")


def test_panel_needs_a_coder(study):
    with pytest.raises(CodingError, match="needs a coder"):
        CodingPanel(study, coder=" ")
    with pytest.raises(CodingError, match="suggestions need the columns"):
        CodingPanel(study, coder="J.R.", suggestions=pd.DataFrame({"start": [0]}))

"""The coding panel driven as the browser drives it: NoteView messages, explicit state, and a
live codebook. No browser here (tests/test_browser_coding.py has the one browser run)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from research_kit import open_study
from research_kit.interviews import codings, memos, merge_codes, rename_code
from research_kit.widgets import CodingPanel, NoteView, snap_to_words

EMOJI_NOTE = """---
participant: P99
role: business owner
department: null
ward: Ward 2
date: 2026-03-10
interviewer: J.R.
---

# P99 - a note with astral characters

A: "The portal 😀😀 froze again" and the 𝒸𝓁𝑒𝓇𝓀 was kind.
"""


@pytest.fixture
def study(sample_study_path):
    (sample_study_path / "notes" / "P99_emoji.md").write_text(EMOJI_NOTE, encoding="utf-8")
    study = open_study(sample_study_path)
    yield study
    study.close()


@pytest.fixture
def panel(study):
    return CodingPanel(study, coder="J.R.")


def mouse(panel: CodingPanel, text: str, *, inner: slice = slice(None)) -> tuple[int, int]:
    """Select ``text`` (or the part ``inner`` of it) with the mouse; return the raw offsets."""
    start = panel._text.index(text)
    offsets = list(range(start, start + len(text) + 1))[inner]
    panel.text_view.receive({"kind": "select", "start": offsets[0], "end": offsets[-1]})
    return offsets[0], offsets[-1]


def codes_on(study, span: tuple[int, int]) -> set[str]:
    found = codings(study)
    exact = found[(found["start"] == span[0]) & (found["end"] == span[1])]
    return set(exact["code_id"])


def ticked(panel: CodingPanel) -> list[str]:
    return [code_id for code_id, box in panel.code_boxes.items() if box.value]


# -- the mouse -------------------------------------------------------------------------------------
def test_a_mouse_selection_snaps_to_words_in_code_points(panel, study):
    panel.document_picker.value = "P99_emoji"
    text = panel._text
    drawn = panel.text_view.value
    # from inside "portal" to inside "froze", across two emoji (each one code point here)
    mouse(panel, "portal 😀😀 froze", inner=slice(2, -2))
    start, end = panel.selection
    assert text[start:end] == "portal 😀😀 froze"
    # the browser marks the snapped span; the note is not redrawn for a selection
    assert panel.text_view.selection == [start, end]
    assert panel.text_view.value == drawn
    panel.code_boxes["portal_problems"].value = True
    panel.apply_button.click()
    saved = codings(study, document_id="P99_emoji")
    assert saved["text"].tolist() == ["portal 😀😀 froze"]
    assert (saved["start"].item(), saved["end"].item()) == (start, end)
    # mathematical script letters are astral too, and still letters of one word
    mouse(panel, "𝒸𝓁𝑒𝓇𝓀", inner=slice(1, 3))
    assert text[slice(*panel.selection)] == "𝒸𝓁𝑒𝓇𝓀"


def test_snap_to_words_leaves_whole_words_and_refuses_white_space():
    text = "  Rent is—too high  "
    assert snap_to_words(text, 0, 20) == (2, 18)
    assert text[slice(*snap_to_words(text, 3, 9))] == "Rent is"  # a dash ends a word
    assert text[slice(*snap_to_words(text, 3, 11))] == "Rent is—too"
    assert snap_to_words(text, 0, 2) is None


def test_the_front_end_counts_code_points_not_utf16_units():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    esm = NoteView()._esm
    source = esm[esm.index("function codePoints") : esm.index("function render")]
    samples = ["abc", "a😀b", "😀😀", "𝒸𝓁𝑒", "\ud83d"]
    script = source + f"console.log(JSON.stringify({json.dumps(samples)}.map(codePoints)));"
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [len(sample) for sample in samples]


def test_the_note_view_fetches_nothing_and_ignores_unknown_messages():
    view = NoteView(value="<div class='rk-doc' data-start='0'>x</div>")
    assert "import " not in view._esm and "http" not in view._esm + view._css
    seen = []
    view.on_event("select", seen.append)
    for message in ({"kind": "nonsense"}, "junk", None, {"start": 1}):
        view.receive(message)
    view._handle_custom_msg({"kind": "select", "start": 0, "end": 1}, [])  # as the comm does
    assert seen == [{"kind": "select", "start": 0, "end": 1}]


def test_clicking_a_highlight_chooses_its_coding_without_ticking(panel, study):
    span = mouse(panel, "Five months of rent")
    panel.code_boxes["cost_of_delay"].value = True
    panel.apply_button.click()
    assert ticked(panel) == []
    coding_id = int(codings(study)["coding_id"].item())
    panel.text_view.receive({"kind": "click", "offset": span[0] + 3})
    assert panel.codings_here.value == coding_id
    assert panel.selection == span
    assert ticked(panel) == []
    assert "Cost of delay" in panel.coding_codes.value
    # a click on plain text changes nothing
    panel.text_view.receive({"kind": "click", "offset": 0})
    assert panel.codings_here.value == coding_id


def test_shortcut_keys_tick_apply_and_clear(panel, study):
    span = mouse(panel, "Five months of rent")
    first, second = list(panel.code_boxes)[:2]
    panel.text_view.receive({"kind": "key", "key": "1"})
    panel.text_view.receive({"kind": "key", "key": "2"})
    assert ticked(panel) == [first, second]
    panel.text_view.receive({"kind": "key", "key": "2"})
    assert ticked(panel) == [first]
    panel.text_view.receive({"kind": "key", "key": "a"})
    assert codes_on(study, span) == {first}
    panel.text_view.receive({"kind": "key", "key": "1"})
    panel.text_view.receive({"kind": "key", "key": "Escape"})
    assert panel.selection is None and ticked(panel) == []
    assert panel.text_view.selection == []


# -- what you tick is what is saved ----------------------------------------------------------------
def test_the_issue_sequence_applies_only_what_is_ticked(panel, study):
    first = mouse(panel, "The drawings file was too big")
    panel.code_boxes["portal_problems"].value = True
    panel.apply_button.click()
    # choose that coding under "Codings here" and write a memo on it
    mouse(panel, "The drawings file was too big")
    panel.codings_here.value = panel.codings_here.options[0][1]
    assert ticked(panel) == []
    panel.memo_target.value = "coding"
    panel.memo_box.value = "Upload size limit."
    panel.memo_button.click()
    assert memos(study, on="coding")["text"].tolist() == ["Upload size limit."]
    # Find next, then Apply with only Helpful staff ticked
    panel.find_box.value = "explicó todo"
    panel.find_button.click()
    found = panel.selection
    assert ticked(panel) == []
    panel.code_boxes["helpful_staff"].value = True
    assert "Apply will add Helpful staff to" in panel.action_preview.value
    panel.apply_button.click()
    assert codes_on(study, found) == {"helpful_staff"}
    assert codes_on(study, first) == {"portal_problems"}
    assert ticked(panel) == []


def test_a_memo_meant_for_nothing_goes_nowhere(panel, study):
    mouse(panel, "The drawings file was too big")
    panel.code_boxes["portal_problems"].value = True
    panel.apply_button.click()
    panel.codings_here.value = panel.codings_here.options[0][1]
    panel.memo_target.value = "code"
    assert "Save memo writes nothing" in panel.action_preview.value
    panel.memo_box.value = "meant for nothing"
    panel.memo_button.click()
    assert memos(study).empty
    assert "exactly one ticked code" in panel.last_message
    # a tick is cleared by a memo, so the next memo cannot inherit it
    panel.code_boxes["waiting"].value = True
    assert "Save memo will write on the code Waiting" in panel.action_preview.value
    panel.memo_button.click()
    assert memos(study, on="code", target="waiting")["text"].tolist() == ["meant for nothing"]
    panel.memo_box.value = "second"
    panel.memo_button.click()
    assert len(memos(study)) == 1


def test_find_next_clears_ticks_so_apply_writes_nothing(panel, study):
    mouse(panel, "The drawings file was too big")
    panel.code_boxes["portal_problems"].value = True
    panel.find_box.value = "explicó todo"
    panel.find_button.click()
    panel.apply_button.click()
    assert codings(study).empty
    assert "no code is ticked" in panel.last_message


def test_remove_names_and_removes_only_the_chosen_coding(panel, study):
    span = mouse(panel, "The drawings file was too big")
    for code_id in ("portal_problems", "waiting"):
        panel.code_boxes[code_id].value = True
    panel.apply_button.click()
    waiting = codings(study).query("code_id == 'waiting'")["coding_id"].item()
    panel.codings_here.value = int(waiting)
    assert "Remove will delete the coding Waiting by J.R." in panel.action_preview.value
    panel.remove_button.click()
    assert codes_on(study, span) == {"portal_problems"}


def test_the_memo_browser_searches_filters_and_edits(panel, study):
    panel.memo_box.value = "Ask about the permit counter"
    panel.memo_button.click()
    panel.memo_target.value = "code"
    panel.code_boxes["waiting"].value = True
    panel.memo_box.value = "Waiting means months here"
    panel.memo_button.click()
    assert len(panel.memo_list.options) == 2
    panel.memo_search.value = "COUNTER"
    assert [label.split(" · ")[1] for label, _ in panel.memo_list.options] == [
        "document P01_business-owner"
    ]
    panel.memo_search.value = ""
    panel.memo_filter.value = "code"
    ((label, memo_id),) = panel.memo_list.options
    assert "code Waiting" in label
    panel.memo_list.value = memo_id
    assert panel.memo_edit.value == "Waiting means months here"
    panel.memo_edit.value = "Waiting means seven months here"
    panel.memo_update_button.click()
    assert memos(study, on="code")["text"].tolist() == ["Waiting means seven months here"]
    panel.memo_edit.value = " "
    panel.memo_update_button.click()
    assert "the memo is empty" in panel.last_message
    assert memos(study, on="code")["text"].tolist() == ["Waiting means seven months here"]


# -- a live codebook -------------------------------------------------------------------------------
def test_rename_merge_add_and_split_from_the_panel(panel, study):
    span = mouse(panel, "The drawings file was too big")
    panel.code_boxes["status_black_hole"].value = True
    panel.apply_button.click()
    panel.codebook_code.value = "portal_problems"
    panel.codebook_name.value = "Online portal problems"
    panel.rename_code_button.click()
    assert panel.code_boxes["portal_problems"].description == "Online portal problems"
    assert study.codebook()["portal_problems"].name == "Online portal problems"

    panel.codebook_code.value = "status_black_hole"
    panel.codebook_target.value = "waiting"
    panel.merge_code_button.click()
    assert "status_black_hole" not in panel.code_boxes
    assert "status_black_hole" not in dict(panel.codebook_code.options).values()
    assert codes_on(study, span) == {"waiting"}
    assert "Status black hole" not in panel.legend.value + panel.text_view.value

    panel.codebook_name.value = "Upload limits"
    panel.codebook_target.value = "portal_problems"
    panel.add_code_button.click()
    assert study.codebook()["upload_limits"].parent == "portal_problems"
    assert "upload_limits" in panel.code_boxes

    panel.codebook_code.value = "waiting"
    panel.codebook_name.value = "Waiting for review"
    panel.split_code_button.click()
    assert codes_on(study, span) == {"waiting_for_review"}


def test_another_process_edit_is_seen_and_a_vanished_code_writes_nothing(panel, sample_study_path):
    span = mouse(panel, "The drawings file was too big")
    with open_study(sample_study_path) as elsewhere:
        rename_code(elsewhere, "helpful_staff", "Kind staff")
    panel.text_view.receive({"kind": "poll"})
    assert panel.code_boxes["helpful_staff"].description == "Kind staff"
    assert "codebook changed" in panel.last_message

    panel.code_boxes["status_black_hole"].value = True
    panel.code_boxes["waiting"].value = True
    with open_study(sample_study_path) as elsewhere:
        merge_codes(elsewhere, ["status_black_hole"], into="cost_of_delay")
    panel.apply_button.click()
    assert "Status black hole left the codebook" in panel.last_message
    assert "nothing was written" in panel.last_message
    assert "status_black_hole" not in panel.code_boxes
    with open_study(sample_study_path) as check:
        assert codes_on(check, span) == set()

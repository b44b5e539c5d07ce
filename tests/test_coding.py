"""Coding API: apply/remove codes on spans, memos, segments, and notes changed after coding."""

from __future__ import annotations

import pandas as pd
import pytest

import research_kit
from research_kit.errors import CodingError, DocumentChangedError
from research_kit.interviews import (
    accept_document_change,
    add_memo,
    apply_code,
    apply_codes,
    coders,
    codings,
    memos,
    remove_code,
    remove_coding,
    segment,
    stale_codings,
    update_memo,
)

pytestmark = pytest.mark.both_backends

DOC = "P04_inspector"


@pytest.fixture
def study(sample_study_path):
    opened = research_kit.open_study(sample_study_path)
    yield opened
    opened.close()


def _paragraph(study, number, document_id=DOC):
    row = segment(study.document(document_id), "paragraph").iloc[number]
    return int(row.start), int(row.end), row.text


def test_apply_code_stores_span_text_coder_and_origin(study):
    start, end, text = _paragraph(study, 3)
    coding_id = apply_code(study, DOC, start, end, "inconsistent_inspections", coder="J.R.")
    table = codings(study)
    assert table[
        ["coding_id", "document_id", "start", "end", "code_id", "coder", "origin"]
    ].to_dict("records") == [
        {
            "coding_id": coding_id,
            "document_id": DOC,
            "start": start,
            "end": end,
            "code_id": "inconsistent_inspections",
            "coder": "J.R.",
            "origin": "manual",
        }
    ]
    assert table.loc[0, "text"] == text == study.document(DOC).text[start:end]


def test_same_coding_twice_is_one_coding_and_coders_are_separate(study):
    start, end, _ = _paragraph(study, 2)
    first = apply_code(study, DOC, start, end, "staffing_shortage", coder="J.R.")
    assert apply_code(study, DOC, start, end, "staffing_shortage", coder="J.R.") == first
    apply_code(study, DOC, start, end, "staffing_shortage", coder="M.K.")
    assert len(codings(study)) == 2
    assert coders(study).set_index("coder")["codings"].to_dict() == {"J.R.": 1, "M.K.": 1}
    assert codings(study)["excerpt_id"].nunique() == 1


def test_overlapping_spans_and_offsets_in_code_points(study):
    document = study.document("P01_business-owner")
    start = document.text.index("Cinco meses")
    end = start + len("Cinco meses de renta por un local vacío")
    apply_code(study, document.id, start, end, "cost_of_delay", coder="J.R.")
    apply_code(study, document.id, start - 20, end, "language_access", coder="J.R.")
    table = codings(study, document_id=document.id).set_index("code_id")
    assert table.loc["cost_of_delay", "text"].endswith("vacío")
    assert len(table) == 2


def test_bulk_apply_is_all_or_nothing(study):
    start, end, _ = _paragraph(study, 1)
    frame = pd.DataFrame(
        [
            {"document_id": DOC, "start": start, "end": end, "code_id": "staffing_shortage"},
            {"document_id": DOC, "start": start, "end": end, "code_id": "no_such_code"},
        ]
    ).assign(coder="J.R.")
    with pytest.raises(CodingError, match="'no_such_code' is not in the codebook"):
        apply_codes(study, frame)
    assert codings(study).empty


def test_a_code_marked_not_codable_is_refused_and_nothing_written(study):
    """``codable: false`` marks a code that only groups others (REFI-QDA isCodable)."""
    book = study.settings.codebook
    text = book.read_text(encoding="utf-8")
    marked = text.replace(
        "    name: Finding your way\n", "    name: Finding your way\n    codable: false\n", 1
    )
    assert marked != text
    book.write_text(marked, encoding="utf-8")
    start, end, _ = _paragraph(study, 1)
    with pytest.raises(CodingError, match="'finding_your_way' is marked 'codable: false'"):
        apply_code(study, DOC, start, end, "finding_your_way", coder="J.R.")
    frame = pd.DataFrame(
        [
            {"document_id": DOC, "start": start, "end": end, "code_id": "unclear_requirements"},
            {"document_id": DOC, "start": start, "end": end, "code_id": "finding_your_way"},
        ]
    ).assign(coder="J.R.")
    with pytest.raises(CodingError, match="codable: false"):
        apply_codes(study, frame)
    assert codings(study).empty
    # a code under it is applied as before
    apply_code(study, DOC, start, end, "unclear_requirements", coder="J.R.")
    assert codings(study)["code_id"].tolist() == ["unclear_requirements"]


@pytest.mark.parametrize(
    ("start", "end", "code", "coder", "message"),
    [
        (0, 10**7, "staffing_shortage", "J.R.", "outside the note's text"),
        (10, 10, "staffing_shortage", "J.R.", "outside"),
        (0, 10, "staffing_shortage", "  ", "needs a coder"),
        (0, 10, "waiting", "J.R.", None),  # a theme can be applied too
    ],
)
def test_invalid_codings_are_refused_clearly(study, start, end, code, coder, message):
    if message is None:
        apply_code(study, DOC, start, end, code, coder=coder)
        return
    with pytest.raises(CodingError, match=message):
        apply_code(study, DOC, start, end, code, coder=coder)


def test_unknown_document_and_origin(study):
    with pytest.raises(CodingError, match="no note 'P99'"):
        apply_code(study, "P99", 0, 5, "staffing_shortage", coder="J.R.")
    with pytest.raises(CodingError, match="origin"):
        apply_code(study, DOC, 0, 5, "staffing_shortage", coder="J.R.", origin="magic")


def test_remove_code_and_remove_coding(study):
    start, end, _ = _paragraph(study, 2)
    apply_code(study, DOC, start, end, "staffing_shortage", coder="J.R.")
    other = apply_code(study, DOC, start, end, "workarounds", coder="J.R.")
    assert remove_code(study, DOC, start, end, "staffing_shortage", coder="M.K.") == 0
    assert remove_code(study, DOC, start, end, "staffing_shortage", coder="J.R.") == 1
    assert remove_coding(study, other) == 1
    assert codings(study).empty


def test_memos_on_every_target(study):
    start, end, _ = _paragraph(study, 2)
    coding = apply_code(study, DOC, start, end, "staffing_shortage", coder="J.R.")
    add_memo(study, "Overall: counter staff feel blamed.", coder="J.R.")
    add_memo(study, "Ride-along, not a sit-down.", on="document", target=DOC)
    add_memo(study, "Overlaps with workarounds.", on="code", target="staffing_shortage")
    memo = add_memo(study, "Check with M.K.", on="coding", target=coding, coder="J.R.")
    update_memo(study, memo, "Checked with M.K.: agreed.")
    table = memos(study)
    assert table["on"].tolist() == ["study", "document", "code", "coding"]
    assert memos(study, on="coding")["text"].tolist() == ["Checked with M.K.: agreed."]
    with pytest.raises(CodingError, match="needs"):
        add_memo(study, "x", on="document")
    with pytest.raises(CodingError, match="empty"):
        add_memo(study, "   ")


def test_note_changed_after_coding_is_reported_and_never_realigned(study):
    first_start, first_end, first_text = _paragraph(study, 2)
    last_start, last_end, last_text = _paragraph(study, -1)
    apply_code(study, DOC, first_start, first_end, "staffing_shortage", coder="J.R.")
    apply_code(study, DOC, last_start, last_end, "workarounds", coder="J.R.")
    note = study.document(DOC).path
    text = note.read_text(encoding="utf-8")
    # An edit inside the first coded paragraph shifts everything after it.
    note.write_text(text.replace(first_text, "[REDACTED] " + first_text), encoding="utf-8")
    assert stale_codings(study).empty is False
    report = stale_codings(study).set_index("code_id")
    assert report.loc["staffing_shortage", "status"] == "text changed"
    assert report.loc["workarounds", "status"] == "text changed"  # shifted: not re-aligned
    assert report.loc["workarounds", "coded_text"] == last_text
    with pytest.raises(DocumentChangedError, match="changed since it was first coded"):
        apply_code(study, DOC, 0, 10, "staffing_shortage", coder="J.R.")
    assert len(codings(study)) == 2, "nothing lost"


def test_accepting_a_change_keeps_codings_whose_text_still_matches(study):
    start, end, _ = _paragraph(study, 2)
    apply_code(study, DOC, start, end, "staffing_shortage", coder="J.R.")
    note = study.document(DOC).path
    note.write_text(note.read_text(encoding="utf-8") + "\nA line added at the end.\n", "utf-8")
    assert stale_codings(study)["status"].tolist() == ["text unchanged"]
    accept_document_change(study, DOC)
    assert stale_codings(study).empty
    apply_code(study, DOC, 0, 10, "workarounds", coder="J.R.")  # coding works again
    assert len(codings(study)) == 2


def test_deleted_note_is_reported(study):
    start, end, _ = _paragraph(study, 2)
    apply_code(study, DOC, start, end, "staffing_shortage", coder="J.R.")
    study.document(DOC).path.unlink()
    assert stale_codings(study)["status"].tolist() == ["note missing"]
    assert len(codings(study)) == 1


def test_segments_cover_turns_and_sentences(study):
    document = study.document(DOC)
    for by in ("paragraph", "turn", "sentence"):
        frame = segment(document, by)
        assert len(frame) > 5
        for row in frame.itertuples():
            assert document.text[row.start : row.end] == row.text
    turns = segment(document, "turn")
    assert set(turns["speaker"].dropna()) == {"Interviewer", "P04"}
    qa = segment(study.document("P01_business-owner"), "turn")
    assert {"Q", "A"} <= set(qa["speaker"].dropna())
    with pytest.raises(ValueError, match="by must be"):
        segment(document, "page")

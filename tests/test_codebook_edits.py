"""Renaming, moving, merging and splitting codes keeps every coding."""

from __future__ import annotations

import pytest

import research_kit
from research_kit.errors import CodebookError
from research_kit.interviews import (
    add_code,
    add_memo,
    apply_code,
    codings,
    memos,
    merge_codes,
    move_code,
    read_codebook,
    rename_code,
    segment,
    split_code,
)

DOC = "P02_business-owner"


@pytest.fixture
def study(sample_study_path):
    opened = research_kit.open_study(sample_study_path)
    yield opened
    opened.close()


def _code_paragraphs(study, code_id, numbers, coder="J.R."):
    spans = segment(study.document(DOC), "paragraph")
    return [
        apply_code(study, DOC, int(spans.start[n]), int(spans.end[n]), code_id, coder=coder)
        for n in numbers
    ]


def test_rename_keeps_codings_and_rewrites_the_yaml(study):
    _code_paragraphs(study, "distrust_of_city", [2, 3])
    rename_code(study, "distrust_of_city", "Distrust of City Hall")
    book = read_codebook(study.settings.codebook)
    assert book["distrust_of_city"].name == "Distrust of City Hall"
    assert book["distrust_of_city"].definition  # nothing else lost
    assert len(book) == 27
    assert (codings(study)["code_id"] == "distrust_of_city").sum() == 2
    assert (study.settings.codebook.with_name("codebook.yml.bak")).exists()
    with pytest.raises(CodebookError, match="already called"):
        rename_code(study, "distrust_of_city", "Helpful staff")


def test_move_keeps_codings_and_refuses_loops(study):
    _code_paragraphs(study, "helpful_staff", [2])
    move_code(study, "helpful_staff", "finding_your_way")
    assert study.codebook()["helpful_staff"].parent == "finding_your_way"
    assert len(codings(study)) == 1
    with pytest.raises(CodebookError, match="own descendant"):
        move_code(study, "finding_your_way", "helpful_staff")


def test_merge_moves_codings_and_memos_without_duplicates(study):
    _code_paragraphs(study, "distrust_of_city", [2, 3])
    _code_paragraphs(study, "paying_for_help", [3, 4])
    add_memo(study, "Often about expediters.", on="code", target="paying_for_help")
    moved = merge_codes(study, ["paying_for_help"], into="distrust_of_city")
    assert moved == 2
    book = study.codebook()
    assert "paying_for_help" not in book.codes
    table = codings(study)
    assert set(table["code_id"]) == {"distrust_of_city"}
    assert len(table) == 3  # paragraph 3 had both codes: counted once
    assert memos(study, on="code")["target"].tolist() == ["distrust_of_city"]


def test_split_moves_chosen_codings_to_new_codes(study):
    ids = _code_paragraphs(study, "distrust_of_city", [2, 3, 4])
    moved = split_code(
        study,
        "distrust_of_city",
        {"favouritism": "Favouritism", "neglect": "Neglect of the corridor"},
        {ids[0]: "favouritism", ids[1]: "neglect"},
    )
    assert moved == 2
    table = codings(study).set_index("coding_id")["code_id"]
    assert table.to_dict() == {ids[0]: "favouritism", ids[1]: "neglect", ids[2]: "distrust_of_city"}
    book = study.codebook()
    assert book["favouritism"].parent == book["distrust_of_city"].parent


def test_add_code_then_code_with_it(study):
    new_id = add_code(study, "Parking", parent="ideas_for_change", definition="Parking near.")
    _code_paragraphs(study, new_id, [2])
    assert codings(study)["code_id"].tolist() == ["parking"]
    with pytest.raises(CodebookError, match="already exists"):
        add_code(study, "Parking")
    with pytest.raises(CodebookError, match="no code 'nope'"):
        add_code(study, "X", parent="nope")


def test_failed_write_leaves_codebook_and_codings_unchanged(study, monkeypatch):
    _code_paragraphs(study, "paying_for_help", [3])
    before = study.settings.codebook.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("research_kit.interviews.codebook_edits.write_codebook", broken)
    with pytest.raises(OSError):
        merge_codes(study, ["paying_for_help"], into="distrust_of_city")
    assert study.settings.codebook.read_bytes() == before
    assert codings(study)["code_id"].tolist() == ["paying_for_help"]

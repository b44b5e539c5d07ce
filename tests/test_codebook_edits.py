"""Renaming, moving, merging and splitting codes keeps every coding, and codebook.yml and the
database stay equal whatever fails (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import errno

import pandas as pd
import pytest
import sqlalchemy as sa

import research_kit
from research_kit import schema
from research_kit.errors import CodebookError, StoreError
from research_kit.interviews import (
    add_code,
    add_memo,
    apply_code,
    apply_codes,
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
pytestmark = pytest.mark.both_backends


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
    before = read_codebook(study.settings.codebook)
    rename_code(study, "distrust_of_city", "Distrust of City Hall")
    book = read_codebook(study.settings.codebook)
    assert book["distrust_of_city"].name == "Distrust of City Hall"
    assert book["distrust_of_city"].definition  # nothing else lost
    assert [code.id for code in book] == [code.id for code in before]
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


def _database_codes(study) -> dict[str, tuple]:
    c = schema.codes.c
    with study.store.read() as conn:
        rows = conn.execute(sa.select(c.id, c.name, c.parent_id)).all()
    return {row.id: (row.name, row.parent_id) for row in rows}


def _file_codes(study) -> dict[str, tuple]:
    return {code.id: (code.name, code.parent) for code in read_codebook(study.settings.codebook)}


def test_a_full_disk_leaves_codebook_codings_and_folder_unchanged(study, monkeypatch):
    _code_paragraphs(study, "paying_for_help", [3])
    before = study.settings.codebook.read_bytes()
    listing = sorted(p.name for p in study.folder.iterdir())

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("research_kit.staging._write_durably", full)
    with pytest.raises(StoreError, match="disk is full") as caught:
        merge_codes(study, ["paying_for_help"], into="distrust_of_city")
    assert "codebook.yml" in str(caught.value)
    assert "nothing was changed" in caught.value.hint
    assert study.settings.codebook.read_bytes() == before
    assert codings(study)["code_id"].tolist() == ["paying_for_help"]
    assert "paying_for_help" in _database_codes(study)
    assert sorted(p.name for p in study.folder.iterdir()) == listing  # no temporary files


def test_a_crash_after_the_commit_is_finished_when_the_study_is_opened(study, monkeypatch):
    _code_paragraphs(study, "paying_for_help", [3])
    # Die just before the committed new codebook is moved into place (as a SIGKILL would).
    monkeypatch.setattr(
        "research_kit.staging._move_into_place",
        lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()),
    )
    with pytest.raises(KeyboardInterrupt):
        merge_codes(study, ["paying_for_help"], into="distrust_of_city")
    monkeypatch.undo()
    assert "paying_for_help" in _file_codes(study)  # the file lags behind the database
    assert "paying_for_help" not in _database_codes(study)
    study.close()
    reopened = research_kit.open_study(study.folder)
    assert _file_codes(reopened) == _database_codes(reopened)
    assert "paying_for_help" not in _file_codes(reopened)
    assert codings(reopened)["code_id"].tolist() == ["distrust_of_city"]
    assert not (reopened.folder / ".staging").exists()
    reopened.close()


def test_a_crash_before_the_commit_leaves_nothing_behind(study, monkeypatch):
    study.register_codebook()
    before = study.settings.codebook.read_bytes()

    def killed(conn, changed):  # staged the file, then died before the commit
        raise KeyboardInterrupt

    monkeypatch.setattr("research_kit.interviews.codebook_edits.sync_codes", killed)
    with pytest.raises(KeyboardInterrupt):
        rename_code(study, "paying_for_help", "Paying someone")
    monkeypatch.undo()
    # A leftover staged file (as a SIGKILL between staging and commit would leave one).
    leftover = study.folder / ".staging" / "deadbeef" / "codebook.yml"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("codes: []\n")
    study.close()
    reopened = research_kit.open_study(study.folder)
    assert reopened.settings.codebook.read_bytes() == before
    assert not (reopened.folder / ".staging").exists()
    assert _file_codes(reopened) == _database_codes(reopened)
    reopened.close()


def test_a_code_merged_away_by_another_session_cannot_be_applied(study):
    other = research_kit.open_study(study.folder)
    assert "paying_for_help" in other.code_ids()  # the other session has seen it
    merge_codes(study, ["paying_for_help"], into="distrust_of_city")
    spans = segment(other.document(DOC), "paragraph")
    with pytest.raises(Exception, match="not in the codebook"):
        apply_code(other, DOC, int(spans.start[1]), int(spans.end[1]), "paying_for_help", coder="x")
    assert codings(study).empty
    other.close()


def test_edits_from_two_sessions_apply_one_after_the_other(study):
    other = research_kit.open_study(study.folder)
    rename_code(study, "paying_for_help", "Paying someone to help")
    rename_code(other, "distrust_of_city", "Distrust of the City")  # read after the first
    codes = _file_codes(study)
    assert codes["paying_for_help"][0] == "Paying someone to help"
    assert codes["distrust_of_city"][0] == "Distrust of the City"
    assert codes == _database_codes(study)
    other.close()


def test_a_code_added_by_hand_is_registered_with_its_coding_or_not_at_all(study):
    study.register_codebook()
    path = study.settings.codebook
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - id: hand_added\n    name: Added by hand\n    parent: trust_and_relationships\n",
        encoding="utf-8",
    )
    spans = segment(study.document(DOC), "paragraph")
    good = (DOC, int(spans.start[1]), int(spans.end[1]), "hand_added", "J.R.")
    off_the_text = (DOC, 0, 10**6, "hand_added", "J.R.")
    columns = ["document_id", "start", "end", "code_id", "coder"]
    with pytest.raises(Exception, match="outside the note"):
        apply_codes(study, pd.DataFrame([good, off_the_text], columns=columns))
    # The code the coding needed was to be recorded in the coding's transaction: undone too.
    assert "hand_added" not in _database_codes(study)
    assert codings(study).empty
    apply_codes(study, pd.DataFrame([good], columns=columns))
    assert _database_codes(study)["hand_added"] == ("Added by hand", "trust_and_relationships")
    assert codings(study)["code_id"].tolist() == ["hand_added"]

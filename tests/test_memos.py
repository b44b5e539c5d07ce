"""Memos are checked like codings: an unknown target is refused by name and nothing is written."""

from __future__ import annotations

import pytest

import research_kit
from research_kit.errors import CodingError
from research_kit.interviews import (
    add_memo,
    apply_code,
    delete_memo,
    memos,
    merge_codes,
    remove_coding,
    update_memo,
)

pytestmark = pytest.mark.both_backends

DOC = "P04_inspector"


@pytest.fixture
def study(sample_study_path):
    opened = research_kit.open_study(sample_study_path)
    yield opened
    opened.close()


@pytest.fixture
def coding(study):
    return apply_code(study, DOC, 0, 40, "staffing_shortage", coder="J.R.")


@pytest.mark.parametrize(
    ("on", "target", "named"),
    [
        ("document", "NO_SUCH_DOC", "document 'NO_SUCH_DOC'"),
        ("code", "no_such_code", "code 'no_such_code'"),
        ("coding", 99999999, "coding '99999999'"),
        ("coding", "not-a-number", "coding 'not-a-number'"),
        ("study", "something", "'something'"),
        ("docment", DOC, "'docment'"),
    ],
)
def test_unknown_targets_are_refused_and_nothing_is_written(study, coding, on, target, named):
    before = study.store.count("memos")
    with pytest.raises(CodingError) as caught:
        add_memo(study, "Should not be saved.", on=on, target=target, coder="J.R.")
    assert named in str(caught.value)
    assert caught.value.hint  # says what to do
    assert study.store.count("memos") == before


def test_close_misspellings_are_suggested(study):
    with pytest.raises(CodingError, match="did you mean 'P04_inspector'"):
        add_memo(study, "x", on="document", target="P04_inspectr")
    with pytest.raises(CodingError, match="did you mean 'portal_problems'"):
        add_memo(study, "x", on="code", target="portal_problem")


def test_known_targets_are_accepted(study, coding):
    add_memo(study, "Overall.", coder="J.R.")
    add_memo(study, "Ride-along.", on="document", target=DOC)
    add_memo(study, "Overlaps.", on="code", target="staffing_shortage")
    add_memo(study, "Check.", on="coding", target=coding)
    add_memo(study, "Also by string id.", on="coding", target=str(coding))
    assert memos(study)["on"].tolist() == ["study", "document", "code", "coding", "coding"]
    assert memos(study, on="coding")["target"].tolist() == [str(coding)] * 2


def test_removed_coding_and_merged_code_take_no_new_memo(study, coding):
    remove_coding(study, coding)
    with pytest.raises(CodingError, match="no coding"):
        add_memo(study, "Too late.", on="coding", target=coding)
    merge_codes(study, ["paying_for_help"], into="distrust_of_city")
    with pytest.raises(CodingError, match="'paying_for_help' is not in the codebook"):
        add_memo(study, "Merged away.", on="code", target="paying_for_help")
    assert memos(study).empty


def test_edit_text_and_target_checked_like_add(study, coding):
    memo = add_memo(study, "First thought.", on="document", target=DOC, coder="M.K.")
    update_memo(study, memo, "Second thought.")
    with pytest.raises(CodingError, match="no_such_code"):
        update_memo(study, memo, "Moved?", on="code", target="no_such_code")
    with pytest.raises(CodingError, match="empty"):
        update_memo(study, memo, "  ")
    with pytest.raises(CodingError, match="no memo 424242"):
        update_memo(study, 424242, "x")
    row = memos(study).iloc[0]
    assert (row["on"], row["target"], row["text"]) == ("document", DOC, "Second thought.")
    update_memo(study, memo, on="coding", target=coding)
    row = memos(study).iloc[0]
    assert (row["on"], row["target"], row["text"]) == ("coding", str(coding), "Second thought.")


def test_search_and_filters(study, coding):
    add_memo(study, "Counter staff feel BLAMED.", coder="J.R.")
    add_memo(study, "Portal outage in March.", on="code", target="portal_problems", coder="M.K.")
    memo = add_memo(study, "Blame again, on a coding.", on="coding", target=coding)
    assert memos(study, search="blame")["text"].tolist() == [
        "Counter staff feel BLAMED.",
        "Blame again, on a coding.",
    ]
    assert memos(study, coder="M.K.")["target"].tolist() == ["portal_problems"]
    assert memos(study, on="code", search="blame").empty
    assert list(memos(study).columns) == [
        "memo_id",
        "on",
        "target",
        "coder",
        "text",
        "created_at",
        "updated_at",
    ]
    assert delete_memo(study, memo) == 1
    assert delete_memo(study, memo) == 0
    assert len(memos(study)) == 2

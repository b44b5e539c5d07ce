"""Crash safety and a team at work: killed coders, codebook editors and imports lose nothing
they acknowledged and leave no stray file; several coders and editors on one study at once
neither lose an update nor see a raw database error, and codebook.yml and the database end
equal. Every test runs on SQLite and on PostgreSQL.

The slow tests drive real processes (``tests/coding_worker.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from research_kit import open_study
from research_kit.errors import DatabaseBusyError
from research_kit.interviews import apply_code, codings, export_qdpx

sys.path.insert(0, str(Path(__file__).parent))
import coding_worker

from tests._fixtures import SMALL_NOTES, write_small_study

N_NOTES = len(SMALL_NOTES)

pytestmark = pytest.mark.both_backends


@pytest.mark.slow
def test_killed_coders_and_editors_never_lose_an_acknowledged_write(sample_study_path):
    report = coding_worker.kill_rounds(sample_study_path, rounds=6, seed=11)
    assert report.problems == []
    assert report.kills == 6
    assert report.acknowledged > 50
    assert report.edits_acknowledged > 3
    assert report.lost == 0
    assert report.orphan_files == 0
    assert report.raw_errors == 0


@pytest.mark.slow
def test_coders_and_editors_at_once_lose_nothing_and_keep_the_codebook_whole(sample_study_path):
    report = coding_worker.concurrent_team(
        sample_study_path, coders=2, editors=2, seconds=4.0, at_least=6
    )
    # A worker that stopped says why (its traceback), so a rare failure can be diagnosed.
    assert report.exit_codes == [0, 0, 0, 0], report.errors
    assert report.errors == []
    assert report.raw_errors == 0
    assert report.integrity == []
    assert report.edits_acknowledged > 10
    assert report.codebook == []  # every acknowledged rename, add and merge kept; file == db
    assert report.lost == 0
    assert report.duplicates == 0
    # every coding some coder was told was saved is stored once, and nothing else is
    assert report.stored_codings == report.expected_codings
    # the coders applying the very same codings were all given the one stored coding
    assert report.shared_ids_agree


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> Path:
    """A small study with a few codings, exported as a REFI-QDA project (N_NOTES notes)."""
    folder = tmp_path_factory.mktemp("archive")
    first, second, *_ = SMALL_NOTES
    with open_study(write_small_study(folder / "study"), create=False) as study:
        apply_code(study, first, 0, 60, "cost_of_delay", coder="J.R.")
        apply_code(study, second, 10, 50, "portal_problems", coder="M.K.")
        return export_qdpx(study, folder / "small.qdpx")


# Where the import dies: while staging notes, while staging the codebook (the file after the
# notes, so before the commit), just after the commit, and half-way through moving the notes in.
HALF = N_NOTES // 2
KILL_POINTS = ["put:0", f"put:{HALF}", f"put:{N_NOTES}", "move:0", f"move:{HALF}"]


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_import_leaves_no_stray_note_and_a_reimport_no_duplicate(
    empty_study_path, small_archive, point
):
    outcome = coding_worker.killed_import(empty_study_path, small_archive, point)
    assert outcome.killed
    assert outcome.orphan_files == []
    assert outcome.integrity == []
    assert outcome.codebook_agrees
    # all or nothing: either every note made it (with its database rows) or none did
    assert outcome.notes_after_kill == outcome.documents_after_kill in (0, N_NOTES)
    if outcome.notes_after_kill == 0:
        assert outcome.reimport == "imported"
    else:
        assert outcome.reimport.startswith("refused: this project was imported already")
    assert outcome.notes_after_reimport == N_NOTES  # no copies ("-2") of any note


def test_same_coding_from_two_sessions_is_stored_once(sample_study_path):
    first, second = open_study(sample_study_path), open_study(sample_study_path)
    span = ("P01_business-owner", 0, 60, "cost_of_delay")
    ids = {apply_code(study, *span, coder="J.R.") for study in (first, second, first)}
    assert len(ids) == 1
    assert len(codings(second)) == 1
    first.close()
    second.close()


def test_a_coder_kept_waiting_too_long_gets_a_clear_busy_error(sample_study_path):
    study, other = open_study(sample_study_path), open_study(sample_study_path)
    apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    other.store.busy_timeout = 0.3
    with study.store.transaction(), pytest.raises(DatabaseBusyError) as caught:
        apply_code(other, "P01_business-owner", 0, 60, "cost_of_delay", coder="M.K.")
    assert "busy" in str(caught.value)
    assert "try again" in str(caught.value)
    assert len(codings(other)) == 1
    study.close()
    other.close()


def test_acknowledgements_are_read_line_by_line():
    acks = coding_worker.Acks()
    acks.read(
        [
            "ready\n",
            "ack code 3 P01_business-owner|0|60|cost_of_delay|c0\n",
            "ack memo 1 memo by c0 #1 (seed 5)\n",
            "ack csv - P02_business-owner|5|9|cost_of_delay|c0\n",
            "done 3 0.125\n",
        ]
    )
    assert acks.writes == 3
    assert acks.memos == {"memo by c0 #1 (seed 5)"}
    assert ("P02_business-owner", 5, 9, "cost_of_delay", "c0") in acks.codings
    assert acks.max_lock_wait == 0.125

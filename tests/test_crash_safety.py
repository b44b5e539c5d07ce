"""Crash safety and concurrent coders: killed coders lose nothing they acknowledged, and several
coders on one study at once neither lose updates nor see "database is locked".

The slow tests drive real coder processes (``tests/coding_worker.py``); together they take
about half a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from research_kit import open_study
from research_kit.errors import DatabaseBusyError
from research_kit.interviews import apply_code, codings

sys.path.insert(0, str(Path(__file__).parent))
import coding_worker

pytestmark = pytest.mark.both_backends


@pytest.mark.slow
def test_killed_coder_never_loses_an_acknowledged_write(sample_study_path):
    report = coding_worker.kill_rounds(sample_study_path, rounds=6, seed=11)
    assert report.problems == []
    assert report.kills == 6
    assert report.acknowledged > 50
    assert report.lost == 0


@pytest.mark.slow
def test_three_coders_at_once_lose_nothing_and_never_see_a_lock(sample_study_path):
    report = coding_worker.concurrent_coders(sample_study_path, workers=3, seconds=3.0)
    # A worker that stopped says why (its traceback), so a rare failure can be diagnosed.
    assert report.exit_codes == [0, 0, 0], report.errors
    assert report.errors == []
    assert report.integrity == []
    assert report.lost == 0
    assert report.duplicates == 0
    # every coding some coder was told was saved is stored once, and nothing else is
    assert report.stored_codings == report.distinct_codings
    # the coders applying the very same codings were all given the one stored coding
    assert report.shared_ids_agree


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

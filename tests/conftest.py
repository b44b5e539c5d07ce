"""Shared fixtures: a private copy of the sample study, and the reference data in ../shared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_STUDY = ROOT / "interview_data"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def sample_study_path(tmp_path: Path) -> Path:
    """A copy of the bundled sample study (without any database) that a test may change."""
    target = tmp_path / "sample_study"
    shutil.copytree(SAMPLE_STUDY, target, ignore=shutil.ignore_patterns("study.db*"))
    return target


@pytest.fixture
def shared_data() -> Path:
    """The reference data folder; tests using it skip when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (only present in the dev setup)")
    return SHARED_DATA

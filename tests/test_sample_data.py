"""The bundled sample study is reproducible from its generators and as varied as promised."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = {
    "make_sample_survey.py": [
        "interview_data/survey/permitting_survey_2026.csv",
        "interview_data/survey/population_margins.csv",
        "benchmarks/data/sample_survey_truth.csv",
    ],
    "make_sample_event_log.py": [
        "interview_data/process/permit_events.csv",
        "benchmarks/data/sample_event_log_facts.json",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(GENERATED))
def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path, script):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    for relative in GENERATED[script]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / script)],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a speed limit
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for relative in GENERATED[script]:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), relative


def test_survey_export_looks_like_a_survey_tool_wrote_it():
    raw = (ROOT / "interview_data/survey/permitting_survey_2026.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, as Excel-bound exports"
    assert b"\r\n" in raw


def test_interview_notes_use_varied_formats():
    notes = sorted((ROOT / "interview_data/notes").glob("*.md"))
    texts = [note.read_text(encoding="utf-8") for note in notes]
    assert len(notes) >= 12
    assert sum("\nQ:" in text for text in texts) >= 2
    assert sum("\nInterviewer:" in text for text in texts) >= 2
    assert sum("\n## " in text for text in texts) >= 2

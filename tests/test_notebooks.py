"""Notebooks run top to bottom, headless, on a copy of the sample study, and leave it as it was.

Researcher notebooks demonstrate edits (codings, theme names) on a scratch copy: after any
notebook has run, the study's files and every row of its database are what they were, so its
dashboard and briefs show the same numbers and names.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import research_kit

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebook_executes_and_leaves_the_study_as_it_was(path, sample_study_path, monkeypatch):
    research_kit.open_study(sample_study_path).close()  # the database exists before the run
    before = _study_state(sample_study_path)
    monkeypatch.setenv("RESEARCH_KIT_STUDY", str(sample_study_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,  # per cell: a hang guard, not a speed limit
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    after = _study_state(sample_study_path)
    changed = sorted(
        key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
    )
    assert changed == [], f"{path.name} changed the study it was given: {changed}"


def _study_state(folder: Path) -> dict[str, str]:
    """A digest of every raw file of the study and of every table of its database."""
    state = {
        str(file.relative_to(folder)): hashlib.sha256(file.read_bytes()).hexdigest()
        for file in sorted(folder.rglob("*"))
        if file.is_file() and not file.name.startswith("study.db")
    }
    with closing(sqlite3.connect(folder / "study.db")) as database:
        tables = [
            row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in sorted(tables):
            rows = sorted(map(repr, database.execute(f'SELECT * FROM "{table}"')))
            state[f"study.db:{table}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return state


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            assert not cell.get("outputs"), f"{path.name}: strip outputs before committing"

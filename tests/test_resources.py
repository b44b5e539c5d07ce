"""Packaged files: one source for each, the sample copied (never opened) where installed, and
``RESEARCH_KIT_TEMPLATES`` still choosing the design."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from research_kit.briefs.content import Findings, Section
from research_kit.briefs.report import render_html
from research_kit.errors import ResearchKitError
from research_kit.resources import (
    brief_notebooks,
    copy_sample_study,
    packaged_path,
    template_folder,
)

ROOT = Path(__file__).resolve().parents[1]


def _findings() -> Findings:
    return Findings(
        title="Permits",
        subtitle="",
        question="",
        audience="public",
        generated=datetime(2027, 1, 1),
        headlines=[],
        sections=[],
        method=Section(id="method", title="Method"),
    )


def test_in_a_clone_the_packaged_sample_and_briefs_are_the_repository_files():
    # One source each: the package's folders lead to interview_data/ and notebooks/briefs/.
    assert packaged_path("interview_data").resolve() == (ROOT / "interview_data").resolve()
    assert [p.resolve() for p in brief_notebooks()] == sorted(
        p.resolve() for p in (ROOT / "notebooks" / "briefs").glob("*.ipynb")
    )


def _files(folder: Path) -> set[str]:
    return {
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith("study.db")
    }


def test_the_sample_copy_holds_the_raw_files_and_no_database(tmp_path):
    copy = copy_sample_study(tmp_path / "permits")
    # A database a run left in the sample (make demo writes one) is the team's work, not sample.
    assert not list(copy.glob("study.db*"))
    assert _files(copy) == _files(ROOT / "interview_data")
    with pytest.raises(ResearchKitError, match="not an empty folder"):
        copy_sample_study(copy)


def test_own_templates_replace_the_packaged_report(tmp_path, monkeypatch):
    shutil.copytree(packaged_path("templates", "report"), tmp_path / "report")
    page = tmp_path / "report" / "findings.html.j2"
    page.write_text("<html><body>OWN DESIGN {{ f.title }}</body></html>", "utf-8")
    monkeypatch.setenv("RESEARCH_KIT_TEMPLATES", str(tmp_path))
    assert template_folder() == tmp_path
    assert "OWN DESIGN Permits" in render_html(_findings())
    monkeypatch.setenv("RESEARCH_KIT_TEMPLATES", str(tmp_path / "nowhere"))
    with pytest.raises(ResearchKitError, match="report templates are missing"):
        render_html(_findings())


def test_serving_a_brief_of_the_installed_sample_is_refused_before_voila_starts(monkeypatch):
    import sysconfig

    from research_kit.briefs.serve import BRIEFS_DIR, BriefServeError, serve

    monkeypatch.delenv("RESEARCH_KIT_STUDY", raising=False)
    installed = Path(sysconfig.get_paths()["purelib"]) / "research_kit" / "interview_data"
    with pytest.raises(BriefServeError, match="inside the Python installation"):
        serve(BRIEFS_DIR / "findings.ipynb", study=installed, port=8899)

"""The Voila brief renders in a real (headless) Chromium, served on loopback only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests._axe import axe_violations

ROOT = Path(__file__).resolve().parents[1]
BRIEF = ROOT / "notebooks" / "briefs" / "study_overview.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (make test installs it)"),
]


@contextmanager
def _served(notebook_or_folder: Path, study: Path) -> Iterator[str]:
    """A brief (or a gallery of them) served with research_kit's Voila template; its URL."""
    from research_kit.briefs.serve import free_port, serve, wait_until_ready

    port = free_port()
    process = serve(notebook_or_folder, port=port, study=study, preheat=False, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url, timeout=600, process=process)  # a hang guard
        yield url
    finally:
        process.terminate()
        process.wait(timeout=600)  # a hang guard


@pytest.fixture
def voila_brief(sample_study_path):
    """The overview brief served as stakeholders get it: research_kit's Voila template."""
    with _served(BRIEF, sample_study_path) as url:
        yield url


def test_brief_renders_figures_and_no_source_code(voila_brief, sample_study_path, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(voila_brief, timeout=600_000)
        page.get_by_text("Permit cases in the log").wait_for(timeout=600_000)
        # The chart is an image named for readers, its title drawn as text
        page.get_by_role("img", name="Respondents by ward").wait_for(timeout=600_000)
        page.locator("svg text", has_text="Respondents by ward").wait_for(timeout=600_000)
        body = page.inner_text("body")
        (tmp_path / "overview.html").write_text(page.content(), encoding="utf-8")
        page.screenshot(path=str(tmp_path / "brief.png"), full_page=True)
        violations = axe_violations(page)
        browser.close()
    from research_kit import open_study
    from research_kit.briefs.audit import privacy_audit

    with open_study(sample_study_path) as study:
        respondents = len(study.survey())
        found = privacy_audit(study, [tmp_path / "overview.html"])
    assert f"{respondents:,}" in body
    assert "Port Alder small-business permitting study" in body
    assert "open_study" not in body, "sources must be stripped from the brief"
    assert found.empty, found.to_string()
    assert violations == []


def test_the_gallery_of_briefs_has_no_axe_violation(sample_study_path):
    from playwright.sync_api import sync_playwright

    from research_kit.briefs.serve import BRIEFS_DIR

    with _served(BRIEFS_DIR, sample_study_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url, timeout=600_000)
        page.get_by_role("link", name="findings", exact=False).first.wait_for(timeout=600_000)
        violations = axe_violations(page)
        browser.close()
    assert violations == []

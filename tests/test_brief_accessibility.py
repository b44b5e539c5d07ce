"""The exported HTML brief passes axe-core (bundled by axe-playwright-python, run offline in
Debian's Chromium) with no violation, at a desktop and a narrow width.

The live dashboard is checked the same way in ``tests/test_brief_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._axe import axe_violations

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed (make test does)"),
]


@pytest.fixture(scope="module")
def exported_brief(sample_brief) -> Path:
    return sample_brief.html()  # the sample's HTML brief, assembled once per run (conftest)


@pytest.mark.parametrize("width", [1280, 760])
def test_the_exported_brief_has_no_axe_violation(exported_brief, width):
    pytest.importorskip("axe_playwright_python")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(exported_brief.as_uri())
        violations = axe_violations(page)
        # Every wide figure that scrolls sideways is reachable by keyboard and named.
        scrollers = page.locator(".rk-figure-wide .rk-svg:not(.rk-print-page)")
        names = [scrollers.nth(i).get_attribute("aria-label") for i in range(scrollers.count())]
        browser.close()
    assert violations == []
    assert names and all(names)

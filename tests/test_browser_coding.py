"""The coding panel in JupyterLab, in a real (headless) Chromium: code with the mouse, reload,
the issue's wrong-code sequence, rename and merge codes from the panel. One test, since
starting JupyterLab is slow."""

from __future__ import annotations

import re
import shutil

import pytest

from research_kit import open_study
from research_kit.interviews import codings, memos
from tests._jupyterlab import drag_over, jupyterlab, run_notebook, write_notebook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
NOTE = """---
participant: P99
role: business owner
department: null
ward: Ward 2
date: 2026-03-10
interviewer: J.R.
---

# P99 - astral characters before the passage

A: "The portal 😀😀 froze again" and the 𝒸𝓁𝑒𝓇𝓀 at the counter was kind.
"""
WAIT = 600_000  # a hang guard (ms), not a speed target

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (make test installs it)"),
]


def _status(page, text: str) -> None:
    page.get_by_text(re.compile(re.escape(text))).first.wait_for(timeout=WAIT)


def _choose(page, label: str, option: str) -> None:
    box = page.locator(".widget-dropdown", has=page.locator("label", has_text=label))
    box.locator("select").select_option(label=option)


def test_code_with_the_mouse_reload_rename_and_merge(sample_study_path, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    (sample_study_path / "notes" / "P99_emoji.md").write_text(NOTE, encoding="utf-8")
    write_notebook(
        tmp_path / "panel.ipynb",
        "from research_kit import open_study\nfrom research_kit.widgets import CodingPanel\n"
        f"study = open_study({str(sample_study_path)!r})\n"
        "panel = CodingPanel(study, coder='J.R.')\npanel.document_picker.value = 'P99_emoji'\n"
        "panel",
    )
    with jupyterlab(tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(120_000)  # hang guards once JupyterLab is up
        expect.set_options(timeout=120_000)
        run_notebook(page, url, "panel.ipynb")
        page.locator(".rk-doc").wait_for(timeout=WAIT)
        # From inside "froze" to inside "again": the panel snaps to the two words; the two
        # emoji before them are four UTF-16 units but two code points.
        drag_over(page, "froze again", 2, 8)
        _status(page, "with the mouse")
        # ...and the browser marks the snapped span, mapping code points back to the text
        page.wait_for_function(
            "() => [...CSS.highlights.get('rk-selection')].map(String).join() === 'froze again'"
        )
        page.get_by_role("checkbox", name="Portal problems").check()
        page.get_by_role("checkbox", name="Helpful staff").check()
        expect(page.locator(".rk-preview")).to_contain_text(
            "Apply will add Portal problems, Helpful staff to “froze again”"
        )
        page.get_by_role("button", name="Apply", exact=True).click()
        _status(page, "Applied Portal problems, Helpful staff")
        expect(page.get_by_role("checkbox", checked=True)).to_have_count(0)

        page.reload()
        run_notebook(page, url, "panel.ipynb")
        highlight = page.locator(".rk-doc span.h", has_text="froze again")
        expect(highlight).to_have_attribute("title", re.compile("Portal problems"), timeout=WAIT)
        expect(highlight).to_have_attribute("title", re.compile("Helpful staff"))
        # A click on the highlight chooses a coding and names it; it ticks nothing.
        highlight.click()
        expect(page.locator(".rk-preview")).to_contain_text("Remove will delete the coding")
        expect(page.get_by_role("checkbox", checked=True)).to_have_count(0)
        # The sequence: a memo on the chosen coding, Find next, Apply with only
        # Helpful staff ticked: only Helpful staff is applied, to the match.
        page.get_by_role("tab", name="Memo").click()
        page.get_by_role("button", name="coding", exact=True).click()
        page.get_by_placeholder("memo", exact=True).fill("Upload froze.")
        page.get_by_role("button", name="Save memo").click()
        _status(page, "Saved memo")
        page.get_by_placeholder("find a phrase in this note").fill("kind")
        page.get_by_role("button", name="Find next").click()
        _status(page, "Match 1 of 1")
        page.get_by_role("tab", name="Code", exact=True).click()
        expect(page.get_by_role("checkbox", checked=True)).to_have_count(0)
        page.get_by_role("checkbox", name="Helpful staff").check()
        page.get_by_role("button", name="Apply", exact=True).click()
        _status(page, "Applied Helpful staff to P99_emoji")

        page.get_by_role("tab", name="Codebook").click()
        _choose(page, "Code", "· Helpful staff")
        page.locator(".widget-text", has=page.locator("label", has_text="Name")).locator(
            "input"
        ).fill("Kind staff")
        page.get_by_role("button", name="Rename").click()
        _status(page, "Renamed Helpful staff to Kind staff")
        expect(highlight).to_have_attribute("title", re.compile("Kind staff"))
        page.get_by_role("tab", name="Code", exact=True).click()
        expect(page.get_by_role("checkbox", name="Kind staff")).to_have_count(1)
        expect(page.get_by_role("checkbox", name="Helpful staff")).to_have_count(0)

        page.get_by_role("tab", name="Codebook").click()
        _choose(page, "Code", "· Kind staff")
        _choose(page, "Parent/into", "Trust and relationships")
        page.get_by_role("button", name="Merge").click()
        _status(page, "Merged Kind staff into Trust and relationships")
        expect(highlight).to_have_attribute("title", re.compile("Trust and relationships"))
        expect(highlight).not_to_have_attribute("title", re.compile("Kind staff"))
        page.get_by_role("tab", name="Code", exact=True).click()
        expect(page.get_by_role("checkbox", name="Kind staff")).to_have_count(0)
        expect(page.get_by_role("checkbox", name="Trust and relationships")).to_have_count(1)
        page.screenshot(path=str(tmp_path / "panel.png"), full_page=True)
        browser.close()

    with open_study(sample_study_path) as study:
        saved = codings(study, document_id="P99_emoji")
        on_codings = memos(study, on="coding")
    assert set(zip(saved["text"], saved["code_id"], strict=True)) == {
        ("froze again", "portal_problems"),
        ("froze again", "trust_and_relationships"),  # Helpful staff, renamed, then merged
        ("kind", "trust_and_relationships"),
    }
    assert on_codings["text"].tolist() == ["Upload froze."]

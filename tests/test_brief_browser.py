"""The findings brief served by ``research_kit.briefs.serve`` works in a real headless Chromium.

One Voila server (preheated kernel, research_kit template, loopback only) serves
``notebooks/briefs/findings.ipynb`` on a copy of the sample study into which a hostile survey
answer and a hostile interview note have been written. The tests wait for the widgets, change
the ward and the survey group, and check that the survey table changes, that nothing is fetched
from a non-loopback host, that no page error happened, that sources are stripped and that the
hostile text shows as text; that a filter change shows an "Updating…" line while it runs, and
that the browser console warns of no mismatched front-end version. A screenshot goes to
``out/brief.png``.
"""

from __future__ import annotations

import re
import shutil
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.briefs.serve import free_port, serve, wait_until_ready
from research_kit.interviews import import_shipped_codings
from tests._axe import axe_violations

ROOT = Path(__file__).resolve().parents[1]
BRIEF = ROOT / "notebooks" / "briefs" / "findings.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOSTILE = "<script>alert(1)</script>"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: URLs the page would fetch: src/href attributes, CSS url(), imports.
FETCHED_URL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(https?://[^"'\s>]+)|url\(\s*["']?(https?://[^"')\s]+)"""
    r"""|import\(\s*["'](https?://[^"']+)"""
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed (make test does)"),
]


def _add_hostile_text(study: Path) -> None:
    """A theme name, open-ended survey answers and a note carrying a script tag."""
    codebook = study / "codebook.yml"
    text = codebook.read_text(encoding="utf-8")
    assert "name: Finding your way\n" in text
    codebook.write_text(
        text.replace("name: Finding your way\n", f'name: "Finding your way {HOSTILE}"\n', 1),
        encoding="utf-8",
    )
    survey_file = study / "survey" / "permitting_survey_2026.csv"
    frame = pd.read_csv(survey_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in frame.columns[-2:]:  # the open-ended answers
        frame.loc[0, column] = f'Too slow {HOSTILE} =HYPERLINK("http://evil.example")'
    frame.to_csv(survey_file, index=False, encoding="utf-8-sig")
    note = sorted((study / "notes").glob("*.md"))[0]
    note.write_text(
        note.read_text(encoding="utf-8").rstrip("\n") + f"\n\nA: It took months. {HOSTILE}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def brief_study(tmp_path_factory):
    """The hostile copy of the sample the dashboard serves, its shipped codings imported."""
    study = tmp_path_factory.mktemp("brief") / "study"
    shutil.copytree(ROOT / "interview_data", study, ignore=shutil.ignore_patterns("study.db*"))
    _add_hostile_text(study)
    with open_study(study) as opened:
        import_shipped_codings(opened)  # the brief itself only reads
    return study


@pytest.fixture(scope="module")
def brief_server(brief_study):
    """Serve the findings brief on a free loopback port; yield its URL."""
    study = brief_study
    port = free_port()
    process = serve(BRIEF, port=port, study=study, preheat=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url, timeout=600, process=process)  # a hang guard
        yield url
    finally:
        process.terminate()
        process.wait(timeout=600)  # a hang guard


@pytest.fixture(scope="module")
def browser_page(brief_server, tmp_path_factory):
    """A Chromium page on the brief, with every request and page error recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.requests, page.errors, page.console = [], [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("console", lambda message: page.console.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "dialog",
            lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()),
        )
        page.goto(brief_server, timeout=600_000)
        page.locator(".rk-box-survey").wait_for(state="visible", timeout=600_000)
        yield page
        context.close()


def _survey_text(page) -> str:
    return page.locator(".rk-box-survey").inner_text()


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).select_option(label=option)


def _wait_for_change(page, before: str, timeout_s: float = 600) -> str:
    page.wait_for_function(
        "before => document.querySelector('.rk-box-survey').innerText !== before",
        arg=before,
        timeout=timeout_s * 1000,
    )
    return _survey_text(page)


def test_filters_change_the_survey_numbers(browser_page):
    page = browser_page
    whole = _survey_text(page)
    assert re.search(r"\d", whole)
    _choose(page, "Ward", "Ward 2")
    one_ward = _wait_for_change(page, whole)
    assert one_ward != whole
    _choose(page, "Survey by", "Age")
    by_age = _wait_for_change(page, one_ward)
    assert "18-24" in by_age or "25-34" in by_age
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / "brief.png"))
    page.locator(".rk-box-survey").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "brief_survey.png"))
    assert not page.errors, page.errors


def test_nothing_fetched_from_the_internet(browser_page):
    page = browser_page
    hosts = {urllib.parse.urlsplit(url).hostname for url in page.requests}
    hosts.discard(None)
    outside = {h for h in hosts if h not in LOOPBACK_HOSTS and not h.startswith("127.")}
    assert not outside, f"requests to {outside}"
    assert not [
        u
        for u in page.requests
        if u.startswith(("http:", "https:", "ws:"))
        and urllib.parse.urlsplit(u).hostname not in LOOPBACK_HOSTS
    ]
    html = page.content()
    fetched = [next(g for g in m.groups() if g) for m in FETCHED_URL.finditer(html)]
    remote = [u for u in fetched if urllib.parse.urlsplit(u).hostname not in LOOPBACK_HOSTS]
    assert not remote, remote
    assert "cdn.jsdelivr.net" not in html  # Voila lab's Font Awesome links are gone


def test_sources_stripped_and_hostile_text_shown_as_text(browser_page):
    page = browser_page
    body = page.inner_text("body")
    assert "assemble_findings" not in body and "open_study" not in body
    assert page.locator(".rk-header").is_visible()
    # The hostile string never became an element; where a quote or answer carries it, it is
    # visible as literal text.
    assert (
        page.evaluate("() => [...document.querySelectorAll('.widget-html-content script')].length")
        == 0
    )
    assert f"Finding your way {HOSTILE}" in body, "the hostile theme name shows as text"
    assert not page.errors, page.errors


def test_the_dashboard_passes_the_privacy_audit(browser_page, brief_study, tmp_path):
    from research_kit import open_study
    from research_kit.briefs.audit import privacy_audit

    page = tmp_path / "dashboard.html"
    page.write_text(browser_page.content(), encoding="utf-8")
    with open_study(brief_study) as study:
        found = privacy_audit(study, [page])
    assert found.empty, found.to_string()


def test_the_dashboard_has_no_axe_violation(browser_page):
    pytest.importorskip("axe_playwright_python")
    assert axe_violations(browser_page) == []


#: Records whether an element of class ``rk-updating`` was ever added to the page.
WATCH_UPDATING = """() => {
    window.rkUpdatingShown = false;
    const shows = (node) => node.nodeType === 1
        && (node.matches('.rk-updating') || node.querySelector('.rk-updating') !== null);
    new MutationObserver((records) => {
        for (const record of records) {
            if ([...record.addedNodes].some(shows)) { window.rkUpdatingShown = true; }
        }
    }).observe(document.body, {subtree: true, childList: true});
}"""


def test_a_filter_change_shows_that_it_is_updating(browser_page):
    page = browser_page
    page.evaluate(WATCH_UPDATING)
    before = _survey_text(page)
    _choose(page, "Ward", "Ward 4")
    _wait_for_change(page, before)
    assert page.evaluate("() => window.rkUpdatingShown")
    # Shown while the change runs, gone once the new numbers are there.
    page.locator(".rk-updating").wait_for(state="detached", timeout=600_000)


def test_no_front_end_version_mismatch(browser_page):
    mismatches = [line for line in browser_page.console if "atisf" in line and "version" in line]
    assert mismatches == []

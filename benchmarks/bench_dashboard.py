"""How fast the findings dashboard answers: first widgets and filter changes, in a real browser.

The bundled sample (its shipped codings imported, on a scratch copy) is served with
:func:`research_kit.briefs.serve.serve` (preheated kernel, as ``research-kit brief serve``) and
opened in Debian's chromium through Playwright, like ``tests/test_brief_browser.py``:

- **first widgets, right after start**: the page is opened as soon as the server accepts
  connections; the time runs from then until the survey section is visible;
- **first widgets, preheated**: a second server is given ``PREHEAT_WAIT_S`` seconds to run the
  notebook in its preheated kernel before the page is opened;
- **filter change**: on the preheated page, a round of ward, survey-group and theme changes;
  the time from choosing an option until the section it changes shows new text (median and
  slowest).

Needs playwright and /usr/bin/chromium; without them the figures are skipped.
``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this file
alone to print them.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit

from research_kit.briefs.serve import free_port, serve, wait_until_ready
from research_kit.interviews import import_shipped_codings

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "notebooks" / "briefs" / "findings.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SECTION = "dashboard speed (sample study)"
#: Long enough for the preheated kernel to run the notebook on a busy two-core machine.
PREHEAT_WAIT_S = 60.0
#: A hang guard for one filter change.
CHANGE_TIMEOUT_S = 120
#: The filter changes timed: (label of the dropdown, option, box whose text changes).
CHANGES = [
    ("Theme", None, "interviews"),  # the first theme the dropdown offers
    ("Theme", "All themes", "interviews"),
    ("Ward", "Ward 2", "survey"),
    ("Survey by", "Age", "survey"),
    ("Ward", "Ward 3", "survey"),
    ("Survey by", "Ward", "survey"),
    ("Ward", "All wards", "survey"),
]


def _scratch_study(tmp: Path) -> Path:
    folder = tmp / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    with research_kit.open_study(folder) as study:
        import_shipped_codings(study)
    return folder


def _box_text(page, box: str) -> str:
    return page.locator(f".rk-box-{box}").inner_text()


def _first_widgets(page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url, timeout=600_000)
    page.locator(".rk-box-survey").wait_for(state="visible", timeout=600_000)
    return time.perf_counter() - started


def _change(page, label: str, option: str | None, box: str) -> float:
    before = _box_text(page, box)
    picker = page.get_by_label(label, exact=True)
    if option is None:
        option = picker.locator("option").nth(1).inner_text()
    started = time.perf_counter()
    picker.select_option(label=option)
    page.wait_for_function(
        "([box, before]) => document.querySelector('.rk-box-' + box).innerText !== before",
        arg=[box, before],
        timeout=CHANGE_TIMEOUT_S * 1000,
    )
    took = time.perf_counter() - started
    print(f"{label} = {option}: {took:.2f} s", file=sys.stderr)
    return took


def _served(study: Path):
    port = free_port()
    process = serve(BRIEF, port=port, study=study, preheat=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    wait_until_ready(url, timeout=600, process=process)
    return process, url


def _stop(process) -> None:
    process.terminate()
    process.wait(timeout=600)


def measure() -> dict[str, float]:
    """Seconds to first widgets (right after start, preheated) and per filter change."""
    from playwright.sync_api import sync_playwright

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="rk-bench-dash-") as tmp, sync_playwright() as pw:
        study = _scratch_study(Path(tmp))
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            process, url = _served(study)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                times["cold"] = _first_widgets(page, url)
                page.close()
            finally:
                _stop(process)
            process, url = _served(study)
            try:
                time.sleep(PREHEAT_WAIT_S)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                times["preheated"] = _first_widgets(page, url)
                changes = [_change(page, *change) for change in CHANGES]
                times["change_median"] = statistics.median(changes)
                times["change_max"] = max(changes)
                page.close()
            finally:
                _stop(process)
        finally:
            browser.close()
    return times


def figures() -> list[tuple[str, str, float, str]]:
    """First widgets (right after start and preheated) and filter change times."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return []
    if not CHROMIUM.exists():
        return []
    times = measure()
    return [
        (SECTION, "first widgets, opened right after start", round(times["cold"], 2), "s"),
        (SECTION, "first widgets, preheated kernel", round(times["preheated"], 2), "s"),
        (SECTION, "filter change, median", round(times["change_median"], 2), "s"),
        (SECTION, "filter change, slowest", round(times["change_max"], 2), "s"),
    ]


if __name__ == "__main__":
    for row in figures():
        print(*row, sep="\t")

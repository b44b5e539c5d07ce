"""How fast the findings dashboard answers: first widgets and filter changes, in a real browser.

The bundled sample (its shipped codings imported, on a scratch copy) is served with
:func:`research_kit.briefs.serve.serve` (preheated kernel, as ``research-kit brief serve``) and
opened in Debian's chromium through Playwright, like ``tests/test_brief_browser.py``:

- **first widgets, opened as the port opens**: the page is opened as soon as the server
  accepts connections (it waits for the preheated kernel); the time runs from then until the
  survey section is visible;
- **server ready**: a second server is started with a ready file; the time from start until
  it reports that its preheated kernel has run the brief;
- **first widgets, opened when ready**: the page opened at that moment;
- **new ward right after the first view**: a ward nobody has chosen, chosen at once (the
  dashboard is still preparing the other wards in its thread);
- **filter changes after preparation**: ``PREPARE_WAIT_S`` seconds later, a round of ward,
  survey-group and theme changes: first visits to prepared wards, a seen ward, a survey
  group on one ward (never prepared) and a theme; the time from choosing an option until
  the section it changes shows new text.

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
#: Long enough for the dashboard's thread to prepare every ward and group on a busy machine.
PREPARE_WAIT_S = 60.0
#: A hang guard for one filter change.
CHANGE_TIMEOUT_S = 120
#: The first change, right after the first view: a ward not prepared yet.
FIRST_CHANGE = ("Ward", "Ward 6", "survey")
#: The filter changes timed after preparation: (label of the dropdown, option, box whose
#: text changes, what kind of change it is).
CHANGES = [
    ("Ward", "Ward 2", "survey", "new ward"),
    ("Ward", "Ward 3", "survey", "new ward"),
    ("Ward", "Ward 6", "survey", "seen"),
    ("Survey by", "Age", "survey", "group on a ward"),
    ("Survey by", "Ward", "survey", "seen"),
    ("Ward", "All wards", "survey", "seen"),
    ("Theme", None, "interviews", "theme"),  # the first theme the dropdown offers
    ("Theme", "All themes", "interviews", "seen"),
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


def _served(study: Path, ready_file: Path | None = None):
    port = free_port()
    process = serve(BRIEF, port=port, study=study, preheat=True, quiet=True, ready_file=ready_file)
    url = f"http://127.0.0.1:{port}/"
    wait_until_ready(url, timeout=600, process=process, ready_file=ready_file)
    return process, url


def _stop(process) -> None:
    process.terminate()
    process.wait(timeout=600)


def measure() -> dict[str, float]:
    """Seconds to first widgets and to ready, and per kind of filter change."""
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
            started = time.perf_counter()
            process, url = _served(study, ready_file=Path(tmp) / "ready")
            times["ready"] = time.perf_counter() - started
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                times["preheated"] = _first_widgets(page, url)
                times["first_new_ward"] = _change(page, *FIRST_CHANGE)
                time.sleep(PREPARE_WAIT_S)
                kinds: dict[str, list[float]] = {}
                for label, option, box, kind in CHANGES:
                    kinds.setdefault(kind, []).append(_change(page, label, option, box))
                every = [took for took_kind in kinds.values() for took in took_kind]
                times["change_median"] = statistics.median(every)
                times["change_max"] = max(every)
                times |= {f"change {kind}": max(took) for kind, took in kinds.items()}
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
    rows = [
        ("first widgets, opened as the port opens", times["cold"]),
        ("server start to ready (preheated kernel has run the brief)", times["ready"]),
        ("first widgets, opened when ready", times["preheated"]),
        ("new ward right after the first view (not prepared yet)", times["first_new_ward"]),
        ("filter change after preparation, median", times["change_median"]),
        ("filter change after preparation, slowest", times["change_max"]),
        ("  a new (prepared) ward, slowest", times["change new ward"]),
        ("  a seen filter, slowest", times["change seen"]),
        ("  a survey group on one ward (not prepared)", times["change group on a ward"]),
        ("  an interview theme", times["change theme"]),
    ]
    return [(SECTION, name, round(value, 2), "s") for name, value in rows]


if __name__ == "__main__":
    for row in figures():
        print(*row, sep="\t")

"""The findings brief in a browser: time until its widgets are visible, cold and preheated.

Serves ``notebooks/briefs/findings.ipynb`` with :func:`research_kit.briefs.serve.serve` on a
temporary copy of the sample study and loads it in headless Chromium (``/usr/bin/chromium``):

- cold: a server without preheated kernels; the page load starts a kernel and runs the notebook;
- preheated: a server with ``preheat_kernel`` (pool of one); once it reports ready (its
  preheated kernel has run the notebook), a page load takes that kernel; the best of that
  and a second load after the pool has refilled. Target: ≤ 2 s.

Each time is from ``page.goto`` to the survey section being visible. Skipped (no figures) when
Chromium or Playwright is missing.

The PDF on paper: the time :func:`research_kit.briefs.export_pdf` takes for the findings of the
sample study (shipped codings, six answer themes), the smallest printed text of any page (pt;
text in charts at the size it prints) and the emptiest page's fill (the share of its text
block that its content reaches down to; the last page left out), measured with pypdfium2 as
``tests/test_brief_paper.py`` does. Skipped when pypdfium2 or WeasyPrint is missing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs import assemble_findings, export_pdf
from research_kit.briefs.serve import free_port, serve, wait_until_ready
from research_kit.interviews import import_shipped_codings

ROOT = Path(__file__).resolve().parents[1]
BRIEF = ROOT / "notebooks" / "briefs" / "findings.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SECTION = "brief in the browser (findings.ipynb)"
PAPER = "brief on paper (findings PDF of the sample study)"
#: Time allowed for the pool to refill (start a kernel and run the notebook) after a load.
POOL_FILL_S = 20.0


def _load_seconds(context, url: str) -> float:
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, timeout=600_000)
    page.locator(".rk-box-survey").wait_for(state="visible", timeout=600_000)
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def _measure(study: Path, context, *, preheat: bool) -> float:
    port = free_port()
    ready = study.parent / "ready" if preheat else None
    process = serve(BRIEF, port=port, study=study, preheat=preheat, ready_file=ready)
    url = f"http://127.0.0.1:{port}/"
    try:
        # A hang guard; with a preheated kernel, until it has run the brief.
        wait_until_ready(url, timeout=600, process=process, ready_file=ready)
        if not preheat:
            return _load_seconds(context, url)
        first = _load_seconds(context, url)
        time.sleep(POOL_FILL_S)  # and refills after a kernel is taken
        return min(first, _load_seconds(context, url))
    finally:
        process.terminate()
        process.wait(timeout=600)  # a hang guard


def _paper_figures() -> list[tuple[str, str, float, str]]:
    """PDF export time, smallest printed text and the emptiest page (but the last)."""
    try:
        import pypdfium2  # noqa: F401
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return []
    sys.path.insert(0, str(ROOT / "tests"))
    from _pdf_pages import page_measures

    with tempfile.TemporaryDirectory(prefix="rk-bench-paper-") as tmp:
        study = Path(tmp) / "study"
        shutil.copytree(ROOT / "interview_data", study, ignore=shutil.ignore_patterns("study.db*"))
        kept = survey_findings.ANSWER_THEMES_K
        survey_findings.ANSWER_THEMES_K = 6  # choosing k is timed by the survey benchmarks
        try:
            with open_study(study) as handle:
                import_shipped_codings(handle)
                findings = assemble_findings(handle)
        finally:
            survey_findings.ANSWER_THEMES_K = kept
        start = time.perf_counter()
        pdf = export_pdf(findings, Path(tmp) / "findings.pdf")
        seconds = time.perf_counter() - start
        pages = page_measures(pdf)
    emptiest = pages.iloc[:-1].loc[pages["fill"].iloc[:-1].idxmin()]
    return [
        (PAPER, "PDF export", seconds, "s"),
        (PAPER, "pages", len(pages), "pages"),
        (
            PAPER,
            "smallest printed text, any page (target ≥ 7 pt)",
            float(pages["smallest_pt"].min()),
            "pt",
        ),
        (
            PAPER,
            f"emptiest page but the last: page {int(emptiest['page'])}",
            float(emptiest["fill"]),
            "full",
        ),
    ]


def figures() -> list[tuple[str, str, float, str]]:
    """The PDF's figures; seconds until the brief's widgets are visible, cold and preheated."""
    paper = _paper_figures()
    if not CHROMIUM.exists():
        return paper
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return paper
    with tempfile.TemporaryDirectory(prefix="rk-bench-brief-") as tmp:
        study = Path(tmp) / "study"
        shutil.copytree(ROOT / "interview_data", study, ignore=shutil.ignore_patterns("study.db*"))
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                user_data_dir=str(Path(tmp) / "profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=ARGS,
            )
            try:
                cold = _measure(study, context, preheat=False)
                warm = _measure(study, context, preheat=True)
            finally:
                context.close()
    return [
        *paper,
        (SECTION, "widgets visible, cold kernel", cold, "s"),
        (SECTION, "widgets visible, preheated kernel, when ready (target ≤ 2 s)", warm, "s"),
    ]


if __name__ == "__main__":
    for row in figures():
        print(f"{row[1]:<55} {row[2]:>8.2f} {row[3]}")

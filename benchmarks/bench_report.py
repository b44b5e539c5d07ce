"""PDF and HTML findings on the bundled sample study: how long they take and how big they are.

On a temporary copy of ``interview_data`` (no database, so the shipped codings are imported as
part of the first assembly) we time :func:`research_kit.briefs.assemble_findings` twice (the
first includes importing the codings), then the HTML and the PDF export (WeasyPrint), and
report the sizes of both files and the PDF's page count. Target: PDF export at most 15 s.

Run it alone as ``python benchmarks/bench_report.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit import open_study
from research_kit.briefs import assemble_findings, export_html, export_pdf

SAMPLE_STUDY = Path(__file__).resolve().parent.parent / "interview_data"
SECTION = "PDF findings (sample study)"
PDF_TARGET_S = 15.0


def _timed(func):
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def figures() -> list[tuple[str, str, float, str]]:
    """Time assembling and exporting the findings; return (section, name, value, unit)."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "study"
        shutil.copytree(SAMPLE_STUDY, folder, ignore=shutil.ignore_patterns("study.db*"))
        with open_study(folder) as study:
            _, first_s = _timed(lambda: assemble_findings(study))
            findings, again_s = _timed(lambda: assemble_findings(study))
        html_path, html_s = _timed(lambda: export_html(findings, Path(temp) / "findings.html"))
        pdf_path, pdf_s = _timed(lambda: export_pdf(findings, Path(temp) / "findings.pdf"))
        rows = [
            (SECTION, "assemble findings, first (imports codings)", first_s, "s"),
            (SECTION, "assemble findings, again", again_s, "s"),
            (SECTION, "export HTML", html_s, "s"),
            (SECTION, f"export PDF (target <= {PDF_TARGET_S:.0f} s)", pdf_s, "s"),
            (SECTION, "PDF size", pdf_path.stat().st_size / 1024, "KiB"),
            (SECTION, "HTML size", html_path.stat().st_size / 1024, "KiB"),
        ]
        try:
            import pypdf

            rows.append((SECTION, "PDF pages", len(pypdf.PdfReader(pdf_path).pages), "pages"))
        except ImportError:
            pass
    return rows


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:30} {name:45} {value:10.2f} {unit}")

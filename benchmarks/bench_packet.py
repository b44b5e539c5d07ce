"""The Stat meeting packet of the bundled sample study: how long it takes, and how it prints.

On a copy of ``interview_data`` (its ``measures.yml``: event-log, survey and CSV measures, and
an ``actions.yml`` written here with two actions per measure, one overdue), we time (wall
clock, best of 2) the status table of every measure (``study.measure_status()``), the
packet's assembly (values, charts, status, group tables, actions) and its export as a tagged
PDF (WeasyPrint, PDF/UA), and measure the PDF page by page as the brief's legibility tests do
(:mod:`tests._pdf_pages`): pages, the smallest printed text and the least full page (the last
page aside). Run it alone as ``python benchmarks/bench_packet.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit import open_study
from research_kit.briefs.packet import assemble_packet, export_packet

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mining import best_of

ROOT = Path(__file__).resolve().parent.parent
SECTION = "Stat meeting packet (sample study)"
REPEATS = 2
AS_OF = "2026-07-15"


def _study_copy(folder: Path) -> Path:
    study = folder / "study"
    shutil.copytree(ROOT / "interview_data", study, ignore=shutil.ignore_patterns("study.db*"))
    with open_study(study) as opened:
        ids = [measure.id for measure in opened.measures()]
    # two actions on every measure, one overdue: the longest pages a packet has
    lines = ["actions:"]
    for measure in ids:
        lines += [
            f"  - {{measure: {measure}, action: Review the queue weekly, owner: Lead, "
            "due: 2026-06-01}",
            f"  - {{measure: {measure}, action: Report back, owner: Lead, due: 2026-09-01}}",
        ]
    (study / "actions.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return study


def figures() -> list[tuple[str, str, float, str]]:
    """Time the packet of the sample study; return (section, name, value, unit)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from _pdf_pages import page_measures

    with tempfile.TemporaryDirectory() as tmp:
        folder = _study_copy(Path(tmp))
        with open_study(folder) as study:
            status_s, status = best_of(study.measure_status, REPEATS)
            assemble_s, packet = best_of(lambda: assemble_packet(study, as_of=AS_OF), REPEATS)
            export_s, pdf = best_of(
                lambda: export_packet(study, Path(tmp) / "packet.pdf", as_of=AS_OF), REPEATS
            )
        pages = page_measures(pdf)
    body = pages[pages["page"] != pages["page"].max()]
    return [
        (SECTION, "measures", len(status), "measures"),
        (SECTION, "study.measure_status() (every measure's values and chart)", status_s, "s"),
        (SECTION, "assemble_packet", assemble_s, "s"),
        (SECTION, "export_packet to PDF (assembly included)", export_s, "s"),
        (SECTION, "pages", len(pages), "pages"),
        (SECTION, "sections (summary, one per measure, actions)", len(packet.sections), "sections"),
        (SECTION, "smallest printed text", float(pages["smallest_pt"].min()), "pt"),
        (SECTION, "least full page (the last aside)", float(body["fill"].min()), "of a page"),
    ]


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section} | {name}: {value:,.3f} {unit}")

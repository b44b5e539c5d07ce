"""REFI-QDA interchange speed: QDPX export and import of 10,000 codings (``make bench``).

On a temporary copy of the sample study, 10,000 codings are made with ``apply_codes``
(paragraphs × leaf codes × 2 coders, in one transaction), then the study is exported with
``export_qdpx`` and the archive imported with ``import_qdpx`` into a fresh, empty study. Each
step is timed once (wall clock); the import is checked to bring back every coding.
Run it alone as ``python benchmarks/bench_refi.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit

from research_kit.interviews import apply_codes, codings, segment
from research_kit.interviews.refi import export_qdpx, import_qdpx

SAMPLE_STUDY = Path(__file__).resolve().parent.parent / "interview_data"
N_CODINGS = 10_000
CODERS = ("J.R.", "A.B.")
SECTION = "REFI-QDA (10,000 codings)"


def _coding_frame(study: research_kit.Study, n: int) -> pd.DataFrame:
    """``n`` codings: every paragraph × every leaf code, for each of two coders."""
    paragraphs = pd.concat([segment(document) for document in study.documents()])
    codes = [code.id for code in study.codebook().leaf_codes()]
    rows = [
        {"document_id": p.document_id, "start": p.start, "end": p.end, "code_id": code}
        for p in paragraphs.itertuples()
        for code in codes
    ][: n // len(CODERS)]
    frame = pd.DataFrame(rows)
    return pd.concat([frame.assign(coder=coder) for coder in CODERS], ignore_index=True)


def figures() -> list[tuple[str, str, float, str]]:
    """Time coding, export and import; return (section, name, value, unit) rows."""
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        shutil.copytree(SAMPLE_STUDY, base / "s", ignore=shutil.ignore_patterns("study.db*"))
        with research_kit.open_study(base / "s") as study:
            frame = _coding_frame(study, N_CODINGS)
            started = time.perf_counter()
            apply_codes(study, frame)
            coding_s = time.perf_counter() - started
            made = len(codings(study))

            started = time.perf_counter()
            archive = export_qdpx(study, base / "study.qdpx")
            export_s = time.perf_counter() - started

        with research_kit.open_study(base / "fresh") as fresh:
            started = time.perf_counter()
            summary = import_qdpx(fresh, archive)
            import_s = time.perf_counter() - started
            if summary.codings != made or len(codings(fresh)) != made:
                raise RuntimeError(f"import brought back {summary.codings} of {made} codings")

        return [
            (SECTION, "codings made (apply_codes)", float(made), "codings"),
            (SECTION, "apply_codes", coding_s, "s"),
            (SECTION, "export_qdpx", export_s, "s"),
            (SECTION, "export rate", made / export_s, "codings/s"),
            (SECTION, "archive size", archive.stat().st_size / 1024, "KiB"),
            (SECTION, "import_qdpx (fresh study)", import_s, "s"),
            (SECTION, "import rate", made / import_s, "codings/s"),
            (SECTION, "selections imported", float(summary.selections), "excerpts"),
        ]


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:28} {name:28} {value:12,.2f} {unit}")

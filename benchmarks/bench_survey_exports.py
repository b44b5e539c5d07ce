"""Survey exports as analysts get them: column kinds right per export, and reading at scale.

1. For every export in ``../shared/data/survey-exports/`` (and each KoboToolbox repeat sheet):
   respondents (rows), columns, and how many columns
   :func:`~research_kit.survey.columns.detect_column_kinds` gets right against the hand-written
   truth tables in ``tests/data/survey-exports-truth/`` (x/y and %), on what
   ``read_survey_export`` gives (``tests/survey_export_frames.py``; should a reader refuse a
   file, that helper reads it itself and the figure's name says so).
2. A synthetic export of 100,000 respondents and 200 columns of mixed kinds (id, tool
   metadata, contact fields, Likert items, a 40-value dropdown, multi-select option columns, a
   ranking block, a Likert grid, numbers, dates, a weight, coordinates, open text) written as
   CSV: seconds to read it with ``read_survey_export`` and to detect its column kinds, and the
   share of its columns detected as built.

Run it alone as ``python benchmarks/bench_survey_exports.py``; ``benchmarks/run.py`` (``make
bench``) collects its ``figures()``. Without ``../shared/data`` only part 2 runs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit.survey import read_survey_export
from research_kit.survey.columns import detect_column_kinds

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = REPO_ROOT / "tests"
SECTION = "survey exports: column kinds"
SEED = 20261206
N_ROWS = 100_000
Figure = tuple[str, str, float, str]

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
CHANNELS = ["Online portal", "In person", "E-mail", "Phone", "Mail"]
WORDS = ["faster", "permits", "clearer", "forms", "longer", "hours", "fewer", "fees", "kinder"]


def export_figures() -> list[Figure]:
    """Rows, columns and kinds right for each shared export (none without the shared data)."""
    sys.path.insert(0, str(TESTS))
    from survey_truth import EXPORTS_DIR, files_table, kind_accuracy, load_truth, repeat_sheets

    if not EXPORTS_DIR.is_dir():
        return []
    from survey_export_frames import READER, REPEAT_GROUP, export_for_kinds

    figures: list[Figure] = []
    for name in files_table()["file"]:
        for sheet in [None, *repeat_sheets(name)]:
            export, reading = export_for_kinds(name, sheet)
            truth = load_truth(name, sheet)
            kinds = detect_column_kinds(export)
            accuracy = kind_accuracy(truth, dict(enumerate(kinds["kind"])))
            right = round(accuracy * len(truth))
            label = f"{name}[{sheet}]" if sheet else name
            path = "reader" if reading in (READER, REPEAT_GROUP) else "read by the test helper"
            figures += [
                (SECTION, f"{label}: rows", len(export.responses), "rows"),
                (SECTION, f"{label}: columns", len(truth), "columns"),
                (
                    SECTION,
                    f"{label}: kinds right {right}/{len(truth)} ({path})",
                    100 * accuracy,
                    "%",
                ),
            ]
    return figures


def synthetic_export(n: int = N_ROWS, seed: int = SEED) -> tuple[pd.DataFrame, list[str]]:
    """A 200-column export of ``n`` respondents and the kind each column was built as."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    kinds: list[str] = []

    def add(name: str, values: object, kind: str) -> None:
        columns[name] = values
        kinds.append(kind)

    add("Respondent ID", np.arange(10_000_000, 10_000_000 + n).astype(str), "respondent_id")
    start = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 86_400 * 60, n), "s")
    add("Start Date", start.strftime("%m/%d/%Y %I:%M:%S %p"), "metadata")
    add("End Date", (start + pd.Timedelta(minutes=9)).strftime("%m/%d/%Y %I:%M:%S %p"), "metadata")
    add("Collector ID", np.full(n, "431234567"), "metadata")
    add("IP Address", [f"10.{i % 250}.{i // 250 % 250}.{i % 7}" for i in range(n)], "personal_data")
    add("Q2", [f"resident{i}@example.org" for i in range(n)], "personal_data")
    for item in range(40):
        add(f"Statement {item + 1}", rng.choice(AGREE, n), "likert")
    districts = [f"District {d}: the blocks between the river and rail line" for d in range(40)]
    for question in range(30):
        options = districts if question % 3 == 0 else ["Yes", "No", "Not sure"]
        add(f"Closed question {question + 1}", rng.choice(options, n), "single_choice")
    for block in range(4):
        for option in CHANNELS:
            ticked = np.where(rng.random(n) < 0.4, option, None)
            add(f"How did you reach us ({block + 1})? - {option}", ticked, "multi_select")
    ranks = np.argsort(rng.random((n, 8)), axis=1) + 1
    for item in range(8):
        add(f"Rank the priorities - Item {item + 1}", ranks[:, item].astype(str), "ranking")
    for row in range(38):
        add(f"Rate the services - Service {row + 1}", rng.choice(AGREE, n), "matrix_item")
    for item in range(30):
        add(f"Amount {item + 1}", np.round(rng.gamma(2.0, 40.0, n), 2).astype(str), "numeric")
    for item in range(10):
        days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D")
        add(f"Date of visit {item + 1}", days.strftime("%Y-%m-%d"), "date")
    add("weight", np.round(rng.uniform(0.2, 4.0, n), 5).astype(str), "weight")
    add("Latitude", np.round(rng.uniform(38.8, 39.0, n), 6).astype(str), "geolocation")
    add("Longitude", np.round(rng.uniform(-77.1, -76.9, n), 6).astype(str), "geolocation")
    for question in range(15):
        first, second = rng.choice(WORDS, n), rng.choice(WORDS, n)
        text = [
            f"{a} and {b}, said respondent {i}"
            for i, (a, b) in enumerate(zip(first, second, strict=True))
        ]
        add(f"What should change ({question + 1})?", text, "open_text")
    return pd.DataFrame(columns), kinds


def scale_figures(n: int = N_ROWS) -> list[Figure]:
    """Seconds to read and to detect the kinds of the synthetic export."""
    frame, built = synthetic_export(n)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        frame.to_csv(path, index=False)
        began = time.perf_counter()
        export = read_survey_export(path)
        read_s = time.perf_counter() - began
    began = time.perf_counter()
    kinds = detect_column_kinds(export)
    detect_s = time.perf_counter() - began
    right = float((kinds["kind"].to_numpy() == np.array(built)).mean())
    shape = f"{n:,} rows x {frame.shape[1]} columns"
    return [
        (SECTION, f"synthetic {shape}: read_survey_export", read_s, "s"),
        (SECTION, f"synthetic {shape}: detect_column_kinds", detect_s, "s"),
        (SECTION, f"synthetic {shape}: read + detect", read_s + detect_s, "s"),
        (SECTION, f"synthetic {shape}: kinds as built", 100 * right, "%"),
    ]


def figures() -> list[Figure]:
    """Every figure, for ``benchmarks/run.py``."""
    return export_figures() + scale_figures()


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:<28} {name:<90} {value:>10.4g} {unit}")

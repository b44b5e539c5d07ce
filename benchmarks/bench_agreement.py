"""Agreement benchmarks: Krippendorff's alpha against the ``krippendorff`` package, and
``agreement()`` on a study with two coders × 1,000 codings.

1. Alpha, nominal, on 10 coders × 1,000 units of random values (five categories, 20 % of the
   cells missing): our :func:`research_kit.interviews.krippendorff_alpha` and the
   ``krippendorff`` package (a dev extra) in the same run, best of 5 each, with their ratio.
   Both values are reported, and the run fails when they differ by more than 1e-9. Without the
   package only our time is reported.
2. ``agreement()`` (by excerpt and by character) and ``disagreements()`` on a temporary copy of
   the sample study where coders A and B each made 1,000 codings on its notes' paragraphs
   (B agrees with A on about 70 % of them and cuts some spans short), best of 3.

``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this
file directly (``python benchmarks/bench_agreement.py``) to print them.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit

from research_kit.interviews import apply_codes, krippendorff_alpha, paragraphs
from research_kit.interviews.agreement import coder_agreement, disagreements

SECTION = "agreement"
SAMPLE_STUDY = Path(__file__).resolve().parent.parent / "interview_data"
N_CODERS, N_UNITS, N_VALUES, MISSING = 10, 1_000, 5, 0.20
CODINGS_PER_CODER = 1_000
TOLERANCE = 1e-9
SEED = 20260401

Figure = tuple[str, str, float, str]


def best_of(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Run ``func`` ``repeats`` times; return (fastest seconds, last result)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def reliability_data(seed: int = SEED) -> np.ndarray:
    """Coders × units of random categories (floats), NaN in about 20 % of the cells."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, N_VALUES, size=(N_CODERS, N_UNITS)).astype(float)
    data[rng.random(data.shape) < MISSING] = np.nan
    return data


def alpha_figures() -> list[Figure]:
    """Our alpha against the krippendorff package on the same table, in one run."""
    data = reliability_data()
    shape = f"{N_CODERS}×{N_UNITS}"
    ours_s, ours = best_of(lambda: krippendorff_alpha(data, "nominal"), repeats=5)
    figures = [
        (SECTION, f"alpha {shape} nominal, research_kit", ours_s * 1e3, "ms"),
        (SECTION, "alpha value, research_kit", ours, "alpha"),
    ]
    try:
        import krippendorff
    except ImportError:
        print("krippendorff is not installed: reporting research_kit's alpha only")
        return figures
    theirs_s, theirs = best_of(
        lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
        repeats=5,
    )
    difference = abs(ours - theirs)
    figures += [
        (SECTION, f"alpha {shape} nominal, krippendorff package", theirs_s * 1e3, "ms"),
        (SECTION, "alpha value, krippendorff package", float(theirs), "alpha"),
        (SECTION, "alpha |difference|", difference, "alpha"),
        (SECTION, "alpha time ratio research_kit / krippendorff", ours_s / theirs_s, "×"),
    ]
    if not difference <= TOLERANCE:
        raise RuntimeError(
            f"alpha differs from the krippendorff package: {ours!r} vs {theirs!r} "
            f"(|difference| {difference:.3g} > {TOLERANCE})"
        )
    return figures


def two_coder_codings(study, seed: int = SEED) -> pd.DataFrame:
    """1,000 codings for coder A on random paragraphs × codes, and B's partly agreeing ones."""
    rng = np.random.default_rng(seed)
    codes = list(study.codebook().codes)
    spans = [
        (document.id, start, end)
        for document in study.documents()
        for start, end in paragraphs(document.text)
    ]
    pairs = [(span, code) for span in spans for code in codes]
    chosen = rng.choice(len(pairs), size=2 * CODINGS_PER_CODER, replace=False)
    a_pairs = [pairs[i] for i in chosen[:CODINGS_PER_CODER]]
    spare = [pairs[i] for i in chosen[CODINGS_PER_CODER:]]
    rows = [(doc, start, end, code, "A") for (doc, start, end), code in a_pairs]
    for index, ((doc, start, end), code) in enumerate(a_pairs):
        if rng.random() >= 0.7:  # B codes something else instead
            (doc, start, end), code = spare[index]
        if rng.random() < 0.15 and end - start > 20:  # B selects only the first half
            end = start + (end - start) // 2
        rows.append((doc, start, end, code, "B"))
    return pd.DataFrame(rows, columns=["document_id", "start", "end", "code_id", "coder"])


def study_figures() -> list[Figure]:
    """agreement() and disagreements() on a sample-study copy with 2 coders × 1,000 codings."""
    with tempfile.TemporaryDirectory(prefix="rk-bench-agreement-") as tmp:
        folder = Path(tmp) / "study"
        shutil.copytree(SAMPLE_STUDY, folder, ignore=shutil.ignore_patterns("study.db*"))
        with research_kit.open_study(folder) as study:
            frame = two_coder_codings(study)
            apply_codes(study, frame)
            excerpt_s, table = best_of(lambda: coder_agreement(study), repeats=3)
            character_s, _ = best_of(lambda: coder_agreement(study, unit="character"), repeats=3)
            table_s, differing = best_of(lambda: disagreements(study), repeats=3)
    overall = table.set_index("code_id").loc["overall"]
    n = f"2 coders × {CODINGS_PER_CODER:,} codings"
    return [
        (SECTION, f"agreement() {n}, by excerpt", excerpt_s * 1e3, "ms"),
        (SECTION, f"agreement() {n}, by character", character_s * 1e3, "ms"),
        (SECTION, f"disagreements() {n}", table_s * 1e3, "ms"),
        (SECTION, "units (excerpt)", float(table["n_units"].iloc[0]), "units"),
        (SECTION, "overall kappa (synthetic coders)", float(overall["cohen_kappa"]), "kappa"),
        (SECTION, "disagreement rows", float(len(differing)), "rows"),
    ]


def figures() -> list[Figure]:
    """Every agreement figure, for ``benchmarks/run.py``."""
    return alpha_figures() + study_figures()


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:<10} {name:<58} {value:>14.6g} {unit}")

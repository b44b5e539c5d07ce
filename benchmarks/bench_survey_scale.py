"""Survey clustering at scale: 100,000 answers end to end, and memory on 1,000,000.

The answers are synthetic but realistic: the sample study's open-ended answers (both questions
of ``interview_data/survey/permitting_survey_2026.csv``) resampled with seeded perturbations of
the kind real exports show — a word dropped, two words swapped, a letter doubled (typo), two
answers run together ("…; also …"), and a few non-answers ("n/a", "-", blank). About two thirds
of the 100,000 are distinct texts.

Measured (wall clock, one run each, in this process):

1. ``ResponseClusterer(n_clusters=12).fit(answers)`` + ``describe()`` on 100,000 answers, and
   the same with ``n_clusters="auto"`` (k chosen by the word evidence among 2..200, the default
   range for this many answers, the search stopping once the evidence falls) — the issue's
   target is < 30 s on 2 cores with the default;
2. the batch path on 1,000,000 answers (``batch_size=50_000``, fixed k): seconds, and the rise
   of peak resident memory (``VmHWM``/``ru_maxrss``) over the memory held before ``fit`` (the
   answers themselves), measured in a separate spawned process so that nothing else counts.

Run it alone as ``python benchmarks/bench_survey_scale.py`` (``--quick`` skips the 1,000,000
run).
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit.survey.clustering import ResponseClusterer

REPO_ROOT = Path(__file__).resolve().parent.parent
SURVEY = REPO_ROOT / "interview_data" / "survey" / "permitting_survey_2026.csv"
OPEN_ENDED = (
    "What one thing should the City change about permitting?",
    "Tell us about your most recent experience getting a permit or license in Port Alder.",
)
SEED = 20261123
N_ANSWERS = 100_000
N_LARGE = 1_000_000
FIXED_K = 12
BATCH = 50_000
SECTION = "survey clustering at scale"
NON_ANSWERS = ("n/a", "-", "", "none", "no comment")
MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024
MIB = 1024 * 1024

Figure = tuple[str, str, float, str]


def base_answers() -> list[str]:
    """The sample survey's non-blank open-ended answers."""
    frame = pd.read_csv(SURVEY, encoding="utf-8-sig", dtype=str)
    answers: list[str] = []
    for column in OPEN_ENDED:
        answers += [a.strip() for a in frame[column].dropna() if a.strip()]
    return answers


def _perturb(answer: str, other: str, rng: np.random.Generator) -> str:
    words = answer.split()
    roll = rng.random(5)
    if roll[0] < 0.30 and len(words) > 3:
        del words[int(rng.integers(len(words)))]
    if roll[1] < 0.15 and len(words) > 2:
        i = int(rng.integers(len(words) - 1))
        words[i], words[i + 1] = words[i + 1], words[i]
    if roll[2] < 0.15 and words:
        i = int(rng.integers(len(words)))
        word = words[i]
        j = int(rng.integers(len(word)))
        words[i] = word[: j + 1] + word[j:]
    text = " ".join(words)
    if roll[3] < 0.20:
        text = f"{text.rstrip('.!')}; also {other[:1].lower()}{other[1:]}"
    return text


def synthetic_answers(n: int, seed: int = SEED) -> list[str]:
    """``n`` perturbed resamples of the sample survey's answers (seeded)."""
    base = base_answers()
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(base), size=(n, 2))
    out = []
    for first, second in picks:
        if rng.random() < 0.03:
            out.append(NON_ANSWERS[int(rng.integers(len(NON_ANSWERS)))])
        else:
            out.append(_perturb(base[first], base[second], rng))
    return out


def timed_fit(answers: list[str], **params: Any) -> tuple[float, ResponseClusterer]:
    """Seconds for fit + describe (progress bars off)."""
    start = time.perf_counter()
    model = ResponseClusterer(random_state=0, progress=False, **params).fit(answers)
    model.describe()
    return time.perf_counter() - start, model


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB (``VmHWM`` where there is one)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * MAXRSS_BYTES / MIB


def _large_run(n: int, queue: Any) -> None:
    """Child process: make ``n`` answers, then fit on the batch path; report time and memory."""
    answers = synthetic_answers(n)
    before = peak_rss_mib()
    seconds, model = timed_fit(answers, n_clusters=FIXED_K, batch_size=BATCH)
    queue.put(
        {
            "seconds": seconds,
            "before": before,
            "peak": peak_rss_mib(),
            "fit_texts": model.n_fit_texts_,
            "clusters": model.n_clusters_,
        }
    )


def large_figures(n: int = N_LARGE) -> list[Figure]:
    """Batch path on ``n`` answers, in a spawned process (so its peak memory is its own)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_large_run, args=(n, queue))
    process.start()
    report = queue.get(timeout=3600)
    process.join(timeout=600)  # a hang guard
    label = f"{n:,} answers, batch_size={BATCH:,}, k={FIXED_K}"
    return [
        (SECTION, f"{label}: fit + describe", report["seconds"], "s"),
        (SECTION, f"{label}: rate", n / report["seconds"], "answers/s"),
        (SECTION, f"{label}: RSS before fit (answers in memory)", report["before"], "MiB"),
        (SECTION, f"{label}: peak RSS rise during fit", report["peak"] - report["before"], "MiB"),
    ]


def scale_figures(n: int = N_ANSWERS) -> list[Figure]:
    """fit + describe on ``n`` answers, fixed k and auto."""
    answers = synthetic_answers(n)
    distinct = len(set(answers))
    figures: list[Figure] = [(SECTION, f"{n:,} answers: distinct texts", distinct, "texts")]
    seconds, model = timed_fit(answers, n_clusters=FIXED_K)
    figures += [
        (SECTION, f"{n:,} answers, k={FIXED_K}: fit + describe", seconds, "s"),
        (
            SECTION,
            f"{n:,} answers, k={FIXED_K}: fitted on distinct answers",
            model.n_fit_texts_,
            "texts",
        ),
        (SECTION, f"{n:,} answers, k={FIXED_K}: mean confidence", model.confidence_.mean(), ""),
    ]
    seconds, model = timed_fit(answers, n_clusters="auto")
    figures += [
        (SECTION, f"{n:,} answers, auto: fit + describe", seconds, "s"),
        (SECTION, f"{n:,} answers, auto: k chosen", model.n_clusters_, "clusters"),
    ]
    return figures


def figures(quick: bool = False) -> list[Figure]:
    """Every figure, for ``benchmarks/run.py``."""
    found = scale_figures()
    if not quick:
        found += large_figures()
    return found


if __name__ == "__main__":
    for section, name, value, unit in figures(quick="--quick" in sys.argv):
        print(f"{section:<28} {name:<62} {value:>12.4g} {unit}")

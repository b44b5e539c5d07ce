"""Do researchers' theme names survive re-running the clustering? Warm against fresh re-runs.

On a temporary copy of the sample study, the first open question is clustered with the
default settings (``cluster_question``: ``n_clusters="auto"``, 2 to 15 themes) on three
quarters of the respondents; the other quarter is held out. Every theme is then renamed
(``rename_cluster``), as a researcher naming the themes would. The question is clustered again
after 10% and after 25% of those respondents are removed and as many new ones added (drawn
afresh from the held-out quarter for each of :data:`REPEATS` seeds), twice each time:

- **warm**: ``cluster_question`` as it runs by default, starting from the kept first run;
- **fresh**: ``cluster_question(..., fresh=True)``, clustering from scratch.

Re-runs keep no run (``keep_run=False``), so each starts from the same first run. Measured,
as means over the repeats: how many of the renames still apply, the share of the answers seen
in the first run that keep their theme (the same theme name after the edits are replayed),
the adjusted Rand index of the re-run's themes against the hand-coded truth
(``benchmarks/data/sample_survey_truth.csv``, 11 themes), beside that of the first run, and
the number of themes (a warm re-run keeps the first run's; a fresh one chooses again).

Run it alone as ``python benchmarks/bench_edit_stability.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit

from research_kit.survey.cluster_edits import rename_cluster
from research_kit.survey.themes import QuestionThemes, cluster_question, replay_edits

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "benchmarks" / "data" / "sample_survey_truth.csv"
SECTION = "edit stability (re-runs of the first open question)"
#: Share of the respondents held out of the first run (the pool of new answers).
HELD_OUT = 0.25
#: Shares of the first run's respondents replaced by held-out ones on a re-run.
CHANGES = (0.10, 0.25)
REPEATS = 3
SEED = 20261123

Figure = tuple[str, str, float, str]


@dataclass
class Rerun:
    """What one re-run kept of the first run."""

    renames_applied: int
    seen_kept: float
    ari: float
    themes: int


def _truth() -> pd.Series:
    truth = pd.read_csv(TRUTH, dtype=str)
    return truth.set_index("respondent_id")["q1_theme"]


def _ari(themes: QuestionThemes, truth: pd.Series) -> float:
    """Adjusted Rand index of the themes (after edits) against the hand-coded themes."""
    frame = themes.assignments[["respondent_id", "cluster"]].assign(
        truth=lambda f: f["respondent_id"].astype(str).map(truth)
    )
    frame = frame.dropna(subset=["truth"])
    return float(adjusted_rand_score(frame["truth"], frame["cluster"]))


def _seen_kept(first: QuestionThemes, rerun: QuestionThemes) -> float:
    """Share of the answers in both runs whose theme has the same name in both."""
    before = first.assignments.set_index("respondent_id")["cluster_name"]
    after = rerun.assignments.set_index("respondent_id")["cluster_name"]
    common = before.index.intersection(after.index)
    return float((before[common] == after[common]).mean())


def _measure(study, first: QuestionThemes, frame: pd.DataFrame, truth, *, fresh: bool) -> Rerun:
    rerun = cluster_question(study, 0, survey=frame, weights=None, fresh=fresh, keep_run=False)
    applied = int((rerun.edits["status"] == "applied").sum())
    return Rerun(applied, _seen_kept(first, rerun), _ari(rerun, truth), len(rerun.themes))


def _changed(base: pd.DataFrame, pool: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """The base respondents with ``share`` of them replaced by respondents from the pool."""
    rng = np.random.default_rng(seed)
    n = round(share * len(base))
    kept = base.drop(base.index[rng.choice(len(base), n, replace=False)])
    added = pool.iloc[rng.choice(len(pool), n, replace=False)]
    return pd.concat([kept, added])


def stability(repeats: int = REPEATS) -> tuple[dict, list[dict]]:
    """The first run's figures and one row per (change, start, repeat)."""
    truth = _truth()
    with tempfile.TemporaryDirectory(prefix="rk-bench-edits-") as tmp:
        folder = Path(tmp) / "study"
        shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
        with research_kit.open_study(folder) as study:
            survey = study.survey()
            order = np.random.default_rng(SEED).permutation(len(survey))
            cut = round(HELD_OUT * len(survey))
            pool, base = survey.iloc[order[:cut]], survey.iloc[order[cut:]]
            first = cluster_question(study, 0, survey=base, weights=None, fresh=True)
            for number, row in enumerate(first.themes.itertuples(index=False)):
                rename_cluster(
                    study, first.question, first.assignments, row.cluster, f"Theme {number}"
                )
            first = replay_edits(study, first)
            start = {"themes": len(first.themes), "ari": _ari(first, truth)}
            rows = []
            for share in CHANGES:
                for repeat in range(repeats):
                    frame = _changed(base, pool, share, SEED + repeat)
                    for fresh in (False, True):
                        result = _measure(study, first, frame, truth, fresh=fresh)
                        rows.append(
                            {"change": share, "start": "fresh" if fresh else "warm", **vars(result)}
                        )
    return start, rows


def figures() -> list[Figure]:
    """Renames kept, seen answers keeping their theme and ARI, warm and fresh re-runs."""
    start, rows = stability()
    table = pd.DataFrame(rows).groupby(["change", "start"]).mean()
    n = start["themes"]
    found: list[Figure] = [
        (SECTION, "first run: themes (all renamed)", n, "themes"),
        (SECTION, "first run: ARI against the truth", start["ari"], "ARI"),
    ]
    for (share, how), row in table.iterrows():
        label = f"{share:.0%} changed, {how}"
        found += [
            (SECTION, f"{label}: renames applied", row["renames_applied"], f"of {n}"),
            (SECTION, f"{label}: seen answers keeping their theme", row["seen_kept"], "share"),
            (SECTION, f"{label}: ARI against the truth", row["ari"], "ARI"),
            (SECTION, f"{label}: themes", row["themes"], "themes"),
        ]
    return found


if __name__ == "__main__":
    for _section, name, value, unit in figures():
        print(f"{name:<60} {value:>8.3f} {unit}")

"""Complementary suppression of the dashboard's linked survey tables: cells hidden and time.

On a temporary copy of the sample study, each rated (Likert) item of the first survey is broken
down by each of :data:`BREAKDOWNS` with
:func:`research_kit.briefs.protection.likert_plan` (``min_cell_size=5``), its cache cleared
first, so that :func:`research_kit.privacy.protect` searches afresh: the whole item by ward and
point of the scale, then the group breakdown, then a linear-programming attack on both.
Reported per breakdown, summed over the items: seconds, hidden cells by reason ("small",
"complementary", "whole breakdown") and the sum of the hidden counts (the usual cost of a
suppression in statistical disclosure control: how many people's answers go unseen). Also,
for the first item by language, the largest complementary cell hidden. Run alone with
``python benchmarks/bench_protect.py``.
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

from research_kit.briefs import protection
from research_kit.survey import scale_order

ROOT = Path(__file__).resolve().parent.parent
SECTION = "protection of the linked survey tables (likert_plan)"
BREAKDOWNS = ("race_ethnicity", "language", "age_band", "business_type")
MIN_CELL_SIZE = 5
REASONS = ("small", "complementary", "whole breakdown")

Figure = tuple[str, str, float, str]


def figures() -> list[Figure]:
    """Seconds, hidden cells by reason and hidden counts for each breakdown of every item."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "study"
        shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
        study = research_kit.open_study(folder)
        survey = study.survey()
        items = list(study.settings.surveys[0].likert)
        rows: list[Figure] = [(SECTION, "items", float(len(items)), "items")]
        for by in BREAKDOWNS:
            seconds, cells = _plans(survey, items, by)
            rows += _summary(by, seconds, cells)
            if by == "language":
                rows += _largest_complement(cells[cells["item"] == items[0]])
        return rows


def _plans(survey: pd.DataFrame, items: list[str], by: str) -> tuple[float, pd.DataFrame]:
    """Every item's plan by ``by``, timed from an empty cache; their cells, stacked."""
    seconds = 0.0
    frames = []
    for item in items:
        plan, elapsed = _timed_plan(survey, item, by)
        seconds += elapsed
        frames.append(plan.cells.assign(item=item))
    return seconds, pd.concat(frames, ignore_index=True)


def _timed_plan(survey: pd.DataFrame, item: str, by: str) -> tuple[protection.CountPlan, float]:
    scale = list(scale_order(survey[item].dropna(), question=item)[0])
    # Both memos: the plans (by their data) and the searches inside them, so every run is cold
    # whatever benchmark ran before.
    protection._planned.cache_clear()
    protection._protected.cache_clear()
    started = time.perf_counter()
    plan = protection.likert_plan(survey, item, scale, by=by, min_cell_size=MIN_CELL_SIZE)
    return plan, time.perf_counter() - started


def _summary(by: str, seconds: float, cells: pd.DataFrame) -> list[Figure]:
    hidden = cells[cells["suppressed"]]
    rows = [
        (SECTION, f"by {by}: time (all items)", seconds, "s"),
        (SECTION, f"by {by}: cells hidden", float(len(hidden)), "cells"),
    ]
    for reason in REASONS:
        found = float((hidden["reason"] == reason).sum())
        rows.append((SECTION, f"by {by}: cells hidden as {reason}", found, "cells"))
    rows.append((SECTION, f"by {by}: sum of hidden counts", float(hidden["n"].sum()), "people"))
    return rows


def _largest_complement(cells: pd.DataFrame) -> list[Figure]:
    """The largest count hidden only to protect others, for the first item by language."""
    complements = cells.loc[cells["reason"] == "complementary", "n"]
    largest = float(complements.max()) if len(complements) else 0.0
    return [(SECTION, "first item by language: largest complementary cell", largest, "people")]


if __name__ == "__main__":
    for _, name, value, unit in figures():
        print(f"{name:<60} {value:>10.2f} {unit}")

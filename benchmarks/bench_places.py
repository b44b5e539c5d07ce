"""Disparity speed: 100 groups × 20 outcomes, counts and weighted estimates, with suppression.

A synthetic long table (seeded numpy) holds 20 outcomes for each of 100 groups (places or
any other group): people in the group, people with the outcome, a share with its standard
error as a weighted breakdown carries it, and a ``suppressed`` flag on groups of fewer than 5
people (about 1 in 20 groups is that small). We time (best of 3, wall clock) ``disparity``
against the best group for counts (Wilson, Katz, Newcombe), against the overall rate for
weighted estimates (delta method), and ``disparity_summary`` (index of disparity, Theil's
index with its decomposition). Run it alone as ``python benchmarks/bench_places.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit  # noqa: F401

from research_kit.places import disparity, disparity_summary

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mining import best_of

N_GROUPS = 100
N_OUTCOMES = 20
SEED = 20261206
SECTION = f"disparity ({N_GROUPS} groups × {N_OUTCOMES} outcomes)"


def synthetic_breakdown() -> pd.DataFrame:
    """A long table: outcome, place, n, yes, share, se, suppressed."""
    rng = np.random.default_rng(SEED)
    people = np.where(rng.random(N_GROUPS) < 0.05, rng.integers(1, 5, N_GROUPS), 0)
    people = np.where(people == 0, rng.integers(20, 2000, N_GROUPS), people)
    n = np.tile(people, N_OUTCOMES)
    rates = np.clip(rng.normal(0.5, 0.15, (N_OUTCOMES, N_GROUPS)), 0.02, 0.98).ravel()
    yes = rng.binomial(n, rates)
    share = yes / n
    return pd.DataFrame(
        {
            "outcome": np.repeat([f"outcome {i + 1}" for i in range(N_OUTCOMES)], N_GROUPS),
            "place": np.tile([f"Place {j + 1}" for j in range(N_GROUPS)], N_OUTCOMES),
            "n": n,
            "yes": yes,
            "share": share,
            # a design effect of about 1.5, as raked survey weights give
            "se": np.sqrt(1.5 * share * (1 - share) / n),
            "suppressed": n < 5,
        }
    )


def figures() -> list[tuple[str, str, float, str]]:
    """Time the disparity tables; return (section, name, value, unit)."""
    data = synthetic_breakdown()
    common = {"by": "place", "outcome": "outcome"}
    counts_s, counts = best_of(lambda: disparity(data, numerator="yes", denominator="n", **common))
    weighted_s, _ = best_of(
        lambda: disparity(
            data, value="share", se="se", denominator="n", reference="overall", **common
        )
    )
    summary_s, summary = best_of(
        lambda: disparity_summary(data, numerator="yes", denominator="n", **common)
    )
    shown = counts["status"].isin(["shown"])
    beyond = float((~counts.loc[shown, "within_margin_of_error"].astype(bool)).mean())
    return [
        (SECTION, "rows", len(data), "rows"),
        (SECTION, "disparity, counts vs best group (Wilson, Katz, Newcombe)", counts_s, "s"),
        (SECTION, "disparity, weighted estimates vs overall (delta method)", weighted_s, "s"),
        (SECTION, "disparity_summary (index of disparity, Theil decomposed)", summary_s, "s"),
        (SECTION, "suppressed rows", int(counts["status"].eq("suppressed").sum()), "rows"),
        (SECTION, "differences beyond the margin of error", 100 * beyond, "%"),
        (SECTION, "mean Theil between-group share", float(summary["between_share"].mean()), ""),
    ]


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section} | {name}: {value:,.3f} {unit}")

"""SPC speed: XmR charts of 10,000 measures × 60 periods at once (target: under 5 s, 2 cores).

A synthetic long table (seeded numpy) holds 10,000 measures of 60 monthly values each, with a
level and spread of their own, a polarity, a target, a step change in a tenth of them and a
rebase at month 37 for every measure. We time (best of 3, wall clock) ``xmr_by`` over all of
them with every rule on, ``chart_summary`` of the result, and, for rates, ``rate_chart_by``
(P charts of 10,000 shares with varying denominators). Run it alone as
``python benchmarks/bench_measures.py``.
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

from research_kit.measures import chart_summary, rate_chart_by, xmr_by

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mining import best_of

N_MEASURES = 10_000
N_PERIODS = 60
SEED = 20261206
SECTION = f"SPC ({N_MEASURES:,} measures × {N_PERIODS} periods)"


def synthetic_measures() -> pd.DataFrame:
    """A long table: measure, period, value, numerator, denominator, improvement, target."""
    rng = np.random.default_rng(SEED)
    level = rng.uniform(10, 1000, N_MEASURES)[:, None]
    spread = level * rng.uniform(0.02, 0.2, N_MEASURES)[:, None]
    values = level + spread * rng.standard_normal((N_MEASURES, N_PERIODS))
    stepped = rng.random(N_MEASURES) < 0.1
    values[stepped, 40:] += 3 * spread[stepped]
    denominators = rng.integers(50, 2000, (N_MEASURES, N_PERIODS))
    shares = np.clip(rng.normal(0.7, 0.05, (N_MEASURES, 1)), 0.05, 0.95)
    numerators = rng.binomial(denominators, shares)
    return pd.DataFrame(
        {
            "measure": np.repeat(np.arange(N_MEASURES), N_PERIODS),
            "period": np.tile(
                pd.date_range("2021-01-01", periods=N_PERIODS, freq="MS"), N_MEASURES
            ),
            "value": values.ravel(),
            "numerator": numerators.ravel(),
            "denominator": denominators.ravel(),
            "improvement": np.repeat(rng.choice(["increase", "decrease"], N_MEASURES), N_PERIODS),
            "target": np.repeat(level.ravel() * rng.uniform(0.9, 1.1, N_MEASURES), N_PERIODS),
        }
    )


def figures() -> list[tuple[str, str, float, str]]:
    """Time the charts of every measure; return (section, name, value, unit)."""
    data = synthetic_measures()
    rebase = [pd.Timestamp("2024-01-01")]
    xmr_s, charts = best_of(
        lambda: xmr_by(
            data,
            by="measure",
            improvement="improvement",
            target="target",
            rebase=rebase,
        )
    )
    summary_s, summary = best_of(lambda: chart_summary(charts, by="measure"))
    rates_s, _ = best_of(lambda: rate_chart_by(data, kind="p", by="measure", rebase=rebase))
    special = float((charts["rule"] != "").mean())
    return [
        (SECTION, "points", len(data), "points"),
        (SECTION, "xmr_by, every rule, polarity, target, one rebase", xmr_s, "s"),
        (SECTION, "chart_summary (one row per measure and phase)", summary_s, "s"),
        (SECTION, "rate_chart_by, P charts, one rebase", rates_s, "s"),
        (SECTION, "points with a special cause", 100 * special, "%"),
        (SECTION, "summary rows", len(summary), "rows"),
    ]


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section} | {name}: {value:,.3f} {unit}")

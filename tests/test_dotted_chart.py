"""The dotted chart: one dot per activity instance, rows in the asked order, thinned and said so."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from research_kit.process import dotted_chart, event_table, read_event_log

BUNDLED = Path(__file__).resolve().parents[1] / "interview_data" / "process" / "permit_events.csv"


def _dots(fig) -> np.ndarray:
    """Every dot's (x, y), whatever its colour."""
    return np.concatenate([c.get_offsets() for c in fig.axes[0].collections])


def _log() -> pd.DataFrame:
    return event_table(
        {
            "short": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
            "long": [("Apply", "2025-01-03"), ("Review", "2025-01-10"), ("Approve", "2025-01-20")],
        }
    )


def test_rows_follow_start_or_duration_and_relative_time_starts_at_zero():
    by_start = _dots(dotted_chart(_log(), x="relative"))
    # "short" began first: row 0; its Approve came one day after its start
    assert sorted(map(tuple, by_start[by_start[:, 1] == 0])) == [(0.0, 0.0), (1.0, 0.0)]
    by_duration = _dots(dotted_chart(_log(), x="relative", sort_by="duration"))
    assert sorted(by_duration[by_duration[:, 1] == 0][:, 0]) == [0.0, 7.0, 17.0]


def test_lifecycle_events_are_one_dot_per_instance():
    log = _log().iloc[[0, 1, 2, 3, 3, 4]].reset_index(drop=True)
    log["lifecycle"] = ["complete", "complete", "complete", "start", "complete", "complete"]
    assert len(_dots(dotted_chart(log))) == 5


def test_many_cases_are_thinned_and_the_figure_says_how_many_it_shows():
    before = plt.get_fignums(), dict(matplotlib.rcParams)
    log = read_event_log(BUNDLED)
    fig = dotted_chart(log, max_cases=50, colour_by="resource")
    assert (plt.get_fignums(), dict(matplotlib.rcParams)) == before
    rows = np.unique(_dots(fig)[:, 1])
    assert len(rows) == 50
    cases = log["case_id"].nunique()
    assert f"50 of {cases:,} cases shown" in fig.texts[-1].get_text()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(legend) <= 7 and legend[-1] == "other"


def test_unknown_options_are_refused():
    with pytest.raises(ValueError, match="sort_by"):
        dotted_chart(_log(), sort_by="end")
    with pytest.raises(ValueError, match="colour_by"):
        dotted_chart(_log(), colour_by="ward")

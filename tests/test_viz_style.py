"""Plotting never changes the user's global matplotlib or seaborn settings (issue 15 item 5)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from research_kit import viz
from research_kit.process import read_process_map
from research_kit.process.render import (
    process_map_figure,
    process_map_svg,
    save_figure,
    swimlane_figure,
    swimlane_svg,
)

AGREE = ["Disagree", "Neutral", "Agree"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _dfg() -> dict:
    dfg = pd.DataFrame(
        {
            "source": ["Apply", "Review"],
            "target": ["Review", "Approve"],
            "count": [10, 7],
            "median": pd.to_timedelta(["2 days", "5 hours"]),
        }
    )
    starts = pd.DataFrame({"activity": ["Apply"], "count": [10]})
    ends = pd.DataFrame({"activity": ["Approve"], "count": [7]})
    return {"dfg": dfg, "starts": starts, "ends": ends}


def _likert() -> pd.DataFrame:
    return pd.DataFrame(
        {"item": ["Speed"] * 3, "category": AGREE, "share": [0.2, 0.3, 0.5], "suppressed": False}
    )


def _shares() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Ward 1", "Ward 2"],
            "category": ["Parking"] * 2,
            "share": [0.2, 0.5],
            "ci_low": [0.1, 0.4],
            "ci_high": [0.3, 0.6],
            "significant": [False, True],
            "suppressed": [False, False],
        }
    )


def _spec(sample_study_path: Path):
    return read_process_map(sample_study_path / "process" / "permit_process.yml")


CALLS = {
    "bar_chart": lambda _, __: viz.bar_chart(
        pd.DataFrame({"ward": ["A", "B"], "n": [3, 9]}), x="n", y="ward", title="t"
    ),
    "heatmap": lambda _, __: viz.heatmap(
        pd.DataFrame({"code": ["a", "b"], "ward": ["1", "2"], "n": [1, 2]}),
        x="ward",
        y="code",
        value="n",
        title="t",
    ),
    "line_chart": lambda _, __: viz.line_chart(
        pd.DataFrame({"x": [1, 2, 3], "y": [1, 3, 4]}), x="x", y="y", title="t"
    ),
    "likert_bars": lambda _, __: viz.likert_bars(_likert(), order=AGREE),
    "share_by_group": lambda _, __: viz.share_by_group(_shares(), category="Parking"),
    "figure_svg": lambda _, __: viz.figure_svg(plt.figure(), alt="empty"),
    "swimlane_figure": lambda path, _: swimlane_figure(_spec(path)),
    "swimlane_svg": lambda path, _: swimlane_svg(_spec(path)),
    "process_map_figure": lambda _, __: process_map_figure(**_dfg()),
    "process_map_svg": lambda _, __: process_map_svg(**_dfg()),
    "save_figure": lambda _, folder: save_figure(plt.figure(), folder / "chart.svg"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_plotting_leaves_global_settings_unchanged(name, sample_study_path, tmp_path) -> None:
    matplotlib.rcParams["axes.grid"] = False  # a setting the house style would change
    # The first figure of a process resolves the "auto" backend; that is matplotlib, not us.
    matplotlib.get_backend()
    before = matplotlib.rcParams.copy()
    try:
        CALLS[name](sample_study_path, tmp_path)
        assert dict(matplotlib.rcParams) == dict(before)
    finally:
        matplotlib.rcParams.update(before)


def test_charts_are_drawn_in_the_house_style() -> None:
    ax = viz.bar_chart(pd.DataFrame({"ward": ["A"], "n": [3]}), x="n", y="ward", title="t")
    assert any(line.get_visible() for line in ax.xaxis.get_gridlines())
    assert ax.get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb("white"))


def test_set_theme_is_deprecated_for_style() -> None:
    before = matplotlib.rcParams.copy()
    try:
        with pytest.warns(DeprecationWarning, match=r"viz\.style\(\)"):
            viz.set_theme()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(before)

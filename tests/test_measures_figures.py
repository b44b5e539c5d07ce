"""Drawing measures: limits, targets, phases and marked points on the figure; alt text in words."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text

from research_kit.briefs.content import PRINT_WIDTH
from research_kit.measures import (
    measure_alt_text,
    measure_figure,
    measure_small_multiples,
    p_chart,
    run_chart,
    verdict_words,
    xmr,
    xmr_by,
)
from research_kit.measures.charts import MARKERS, TARGET_COLOUR

MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")
# Eighteen months around 30 days, then a reform in July 2025 and six months around 21.
RNG = np.random.default_rng(7)
DAYS = np.r_[30 + RNG.normal(0, 1.5, 18), 21 + RNG.normal(0, 1.5, 6)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _points(**options) -> pd.DataFrame:
    settings = {"periods": MONTHS, "improvement": "decrease", "target": 25} | options
    return xmr(DAYS, **settings)


def _legend_words(fig) -> list[str]:
    return [text.get_text() for legend in fig.legends for text in legend.get_texts()]


def _dashed_lines(ax) -> list:
    return [line for line in ax.lines if line.get_linestyle() == "--"]


def test_limits_are_drawn_per_phase_at_their_values():
    points = _points(rebase=["2025-07-01"])
    fig = measure_figure(points, title="Median days to a permit", unit="days")
    ax = fig.axes[0]
    limits = _dashed_lines(ax)
    assert len(limits) == 4  # lower and upper, before and after the reform
    drawn = sorted({round(float(np.nanmax(line.get_ydata())), 6) for line in limits})
    expected = sorted(
        {round(v, 6) for v in points[["lower_limit", "upper_limit"]].to_numpy().ravel()}
    )
    assert drawn == expected
    assert "process limits" in _legend_words(fig)
    # the split is labelled with the month the new phase starts
    assert [text.get_text() for text in ax.texts] == ["rebased from Jul 2025"]


def test_phase_labels_can_be_named():
    fig = measure_figure(
        _points(rebase=["2025-07-01"]), title="Days", phase_labels={1: "after the reform"}
    )
    assert [text.get_text() for text in fig.axes[0].texts] == ["after the reform"]


def test_target_line_trajectory_and_range_band():
    fig = measure_figure(_points(), title="Days")
    targets = [
        line for line in fig.axes[0].lines if to_hex(line.get_color()) == TARGET_COLOUR.lower()
    ]
    assert len(targets) == 1 and set(targets[0].get_ydata()) == {25.0}
    assert "target 25" in _legend_words(fig)

    trajectory = np.where(MONTHS < "2025-01-01", 28.0, 22.0)
    fig = measure_figure(_points(target=trajectory), title="Days")
    line = next(
        line for line in fig.axes[0].lines if to_hex(line.get_color()) == TARGET_COLOUR.lower()
    )
    assert list(line.get_ydata()) == list(trajectory)
    assert "target trajectory" in _legend_words(fig)

    fig = measure_figure(_points(target=None), title="Days", target_range=(18, 24))
    band = fig.axes[0].patches
    assert len(band) == 1
    corners = band[0].get_patch_transform().transform(band[0].get_path().vertices)
    assert sorted({round(float(y), 9) for _, y in corners}) == [18, 24]
    assert "target range 18–24" in _legend_words(fig)


def test_special_causes_differ_in_colour_and_shape_and_are_named_in_words():
    values = [5.0, 6, 5, 7, 6, 5, 6, 30, 6, 5, 0.1]
    points = xmr(values, improvement="decrease")
    assert {"special_cause_concern", "special_cause_improvement"} <= set(points["variation"])
    fig = measure_figure(points, title="Complaints")
    collections = {c.get_label(): c for c in fig.axes[0].collections}
    concern = collections[MARKERS["special_cause_concern"][0]]
    improvement = collections[MARKERS["special_cause_improvement"][0]]
    assert [tuple(o) for o in concern.get_offsets()] == [(8.0, 30.0)]
    assert [tuple(o) for o in improvement.get_offsets()][-1] == (11.0, 0.1)
    assert to_hex(concern.get_facecolor()[0]) != to_hex(improvement.get_facecolor()[0])
    concern_shape = concern.get_paths()[0].vertices
    improvement_shape = improvement.get_paths()[0].vertices
    assert concern_shape.shape != improvement_shape.shape or not np.allclose(
        concern_shape, improvement_shape
    )
    words = _legend_words(fig)
    assert "special cause: concern" in words and "special cause: improvement" in words


def test_dates_on_the_x_axis():
    fig = measure_figure(_points(), title="Days")
    fig.canvas.draw()
    labels = " ".join(label.get_text() for label in fig.axes[0].get_xticklabels())
    assert "2025" in labels


def test_no_text_under_7_pt_at_print_width():
    fig = measure_small_multiples(
        xmr_by(
            pd.DataFrame(
                {"ward": np.repeat(["North", "South", "East"], 24), "period": np.tile(MONTHS, 3)}
            ).assign(value=np.tile(DAYS, 3)),
            by="ward",
            rebase=["2025-07-01"],
            improvement="decrease",
        ),
        by="ward",
        title="Days by ward",
        width=PRINT_WIDTH,
    )
    single = measure_figure(_points(rebase=["2025-07-01"]), title="Days", width=PRINT_WIDTH)
    for figure in (fig, single):
        figure.canvas.draw()
        assert figure.get_figwidth() <= PRINT_WIDTH
        sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text().strip()]
        assert sizes and min(sizes) >= 7


def test_small_multiples_one_panel_per_group_with_its_own_limits():
    data = pd.DataFrame(
        {
            "ward": ["A"] * 12 + ["B"] * 12,
            "period": list(MONTHS[:12]) * 2,
            "value": np.r_[DAYS[:12], DAYS[:12] * 2],
        }
    )
    points = xmr_by(data, by="ward")
    fig = measure_small_multiples(points, by="ward", title="Days by ward", columns=3)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["A", "B"]
    uppers = [max(np.nanmax(line.get_ydata()) for line in _dashed_lines(ax)) for ax in fig.axes]
    expected = points.groupby("ward")["upper_limit"].max().tolist()
    np.testing.assert_allclose(uppers, expected)
    assert len(fig.legends) == 1


def test_small_multiples_with_phases_show_every_panel_whole():
    # ward B's values lie far below ward A's: a range fixed on A's panel would clip B
    data = pd.DataFrame(
        {
            "ward": ["A"] * 24 + ["B"] * 24,
            "period": list(MONTHS) * 2,
            "value": np.r_[DAYS, DAYS - 20],
        }
    )
    points = xmr_by(data, by="ward", rebase=["2025-07-01"])
    fig = measure_small_multiples(points, by="ward", title="Days by ward")
    for ax, (_, part) in zip(fig.axes, points.groupby("ward"), strict=True):
        low, high = ax.get_ylim()
        shown = part[["value", "lower_limit", "upper_limit"]].to_numpy()
        assert low <= shown.min() and shown.max() <= high


def test_shares_are_drawn_as_percentages():
    shares = p_chart([40, 42, 38, 45], [100, 120, 90, 110], periods=MONTHS[:4], target=0.5)
    fig = measure_figure(shares, title="Share on time", unit="share")
    fig.canvas.draw()
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]
    assert labels and all(label.endswith("%") for label in labels)
    assert "target 50%" in _legend_words(fig)


def test_one_series_at_a_time():
    points = xmr_by(pd.DataFrame({"g": ["a", "b"] * 4, "period": np.repeat(range(4), 2),
                                  "value": np.arange(8.0)}), by="g")  # fmt: skip
    with pytest.raises(ValueError, match="measure_small_multiples"):
        measure_figure(points, title="Two series")


def test_run_and_p_charts_are_drawn():
    runs = run_chart(np.r_[np.ones(10), np.arange(10.0, 20.0)], periods=MONTHS[:20])
    fig = measure_figure(runs, title="Runs")
    assert "median" in _legend_words(fig) and "process limits" not in _legend_words(fig)
    assert MARKERS["long_run"][0] in _legend_words(fig)

    shares = p_chart([40, 42, 38, 45, 41, 80], [100, 120, 90, 110, 100, 100], periods=MONTHS[:6])
    fig = measure_figure(shares, title="Share on time")
    upper = max(_dashed_lines(fig.axes[0]), key=lambda line: np.nanmax(line.get_ydata()))
    assert len(set(np.round(upper.get_ydata(), 6))) > 1  # limits follow the denominators


def test_drawing_leaves_the_global_style_alone():
    before = dict(matplotlib.rcParams)
    measure_figure(_points(), title="Days")
    assert dict(matplotlib.rcParams) == before


def test_alt_text_says_the_latest_value_limits_rule_and_verdicts():
    points = _points(rebase=["2025-07-01"])
    text = measure_alt_text(points, name="Median days to a permit", unit="days")
    current = points[points["phase"] == 1]
    assert f"Latest value {DAYS[-1]:.3g} days (December 2025)" in text
    assert "since the rebase at July 2025" in text
    assert f"{current['upper_limit'].iloc[-1]:.3g} days" in text
    assert "Against the target of 25 days" in text
    assert current["assurance"].iloc[-1] in ("consistent_pass", "inconsistent")

    signals = xmr([5.0, 6, 5, 7, 6, 5, 6, 30], improvement="decrease", target=4)
    text = measure_alt_text(signals, name="Complaints")
    assert "rule: outside_limits" in text
    assert "special cause variation: a concern" in text
    assert "consistently miss the target" in text

    calm = xmr([5.0, 6, 5, 6, 5, 6], improvement="decrease")
    text = measure_alt_text(calm, name="Calm")
    assert "No rule fired" in text and "Against the target" not in text


def test_alt_text_of_a_shift_and_of_run_charts_and_groups():
    shifted = xmr([10.0, 11, 10, 12, 11, 10, 14, 15, 14, 15, 16, 15, 14], improvement="increase")
    assert shifted["rule"].iloc[-1] in ("shift", "two_of_three", "trend")
    text = measure_alt_text(shifted, name="Share")
    assert f"rule: {shifted['rule'].iloc[-1]}" in text and "improving" in text

    runs = run_chart(np.r_[np.ones(10), np.arange(10.0, 20.0)])
    assert "rule: long run" in measure_alt_text(runs, name="Runs")

    data = pd.DataFrame({"ward": ["A"] * 6 + ["B"] * 6, "period": list(range(6)) * 2,
                         "value": [5.0, 6, 5, 6, 5, 6, 1, 2, 1, 2, 1, 9]})  # fmt: skip
    text = measure_alt_text(xmr_by(data, by="ward"), name="Days", by="ward")
    assert "Days, ward A" in text and "Days, ward B" in text


def test_real_series_monthly_ae_and_yearly_nyc_indicators(shared_data):
    ae = pd.read_csv(shared_data / "measures" / "england_ae_4hr_performance_monthly.csv")
    points = xmr(
        ae["value"],
        periods=pd.to_datetime(ae["period"]),
        improvement="increase",
        target=float(ae["target"].iloc[0]),
    )
    fig = measure_figure(points, title="A&E within 4 hours", unit="share")
    assert f"target {ae['target'].iloc[0]:.0%}" in _legend_words(fig)
    text = measure_alt_text(points, name="A&E within 4 hours", unit="share")
    assert "Against the target of 95%" in text
    assert verdict_words(points["assurance"].iloc[-1]) in text

    # fiscal years are numbers, not dates: eight points per indicator, one panel each
    nyc = pd.read_csv(shared_data / "measures" / "nyc_mmr_critical_indicators_long.csv")
    chosen = nyc[nyc["indicator_id"].isin(nyc["indicator_id"].unique()[:4])]
    years = xmr_by(chosen, by="indicator_id", period="fiscal_year")
    fig = measure_small_multiples(years, by="indicator_id", period="fiscal_year", title="MMR")
    assert len(fig.axes) == 4
    fig.canvas.draw()
    ticks = [label.get_text() for label in fig.axes[-1].get_xticklabels() if label.get_text()]
    assert ticks and all(text.replace("\u2212", "-").isdigit() for text in ticks)
    described = measure_alt_text(years, name="MMR", by="indicator_id", period="fiscal_year")
    assert described.count("XmR chart of MMR, indicator_id") == 4
    assert "from period 2016 to period 2023" in described

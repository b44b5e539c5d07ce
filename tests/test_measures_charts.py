"""Run charts (Anhøj), P and U charts, and XmR on real series: Montgomery's example 6.5,
England's A&E four-hour performance and New York City's management report indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research_kit.measures import (
    anhoej_critical_values,
    chart_summary,
    p_chart,
    rate_chart_by,
    run_chart,
    u_chart,
    xmr,
    xmr_by,
)


def test_critical_values_by_formula_match_the_published_table(shared_data):
    table = pd.read_csv(shared_data / "spc" / "anhoej_critical_values.csv")
    ours = anhoej_critical_values(table["n_useful"])
    pd.testing.assert_frame_equal(ours, table, check_dtype=False)


def test_montgomery_example_individuals_and_runs(shared_data):
    expected = pd.read_csv(shared_data / "spc" / "montgomery_ex6_5_individuals.csv")
    frozen = int(expected["baseline_phase"].sum())
    chart = xmr(expected["cost"], periods=expected["week"], baseline=frozen, screen=False)
    np.testing.assert_allclose(chart["mean"], expected["i_cl"], atol=1e-9)
    # qicharts2 puts its limits at 3 × mean MR / 1.128 (2.6596…); the NHS and we use 2.66
    spread = 3 * expected["mr_cl"] / 1.128
    np.testing.assert_allclose(expected["i_ucl"], expected["i_cl"] + spread, atol=1e-9)
    np.testing.assert_allclose(chart["upper_limit"], chart["mean"] + 2.66 * expected["mr_cl"])
    np.testing.assert_allclose(chart["lower_limit"], expected["i_lcl"], atol=0.004)
    assert chart["outside_limits"].tolist() == expected["i_sigma_signal"].tolist()
    np.testing.assert_allclose(chart["mean_moving_range"], expected["mr_cl"], atol=1e-9)
    np.testing.assert_allclose(chart["upper_range_limit"], expected["mr_ucl"], atol=1e-9)
    np.testing.assert_allclose(chart["moving_range"], expected["mr"], atol=1e-9)
    above = (chart["moving_range"] > chart["upper_range_limit"]).tolist()
    assert above == expected["mr_sigma_signal"].tolist()

    runs = run_chart(expected["cost"], periods=expected["week"], centre=chart["mean"].iloc[0])
    first = runs.iloc[0]
    for ours, theirs in [
        ("n_useful", "n_useful"),
        ("longest_run", "longest_run"),
        ("longest_run_max", "longest_run_max"),
        ("n_crossings", "n_crossings"),
        ("n_crossings_min", "n_crossings_min"),
        ("runs_signal", "runs_signal"),
    ]:
        assert first[ours] == expected[theirs].iloc[0], ours


def test_points_on_the_centre_line_neither_break_nor_extend_a_run():
    # median 5: the 5s are skipped, so the 1-2-3 and 7-8-9 runs are each 3 long
    chart = run_chart([1.0, 5, 2, 3, 5, 7, 5, 8, 9])
    assert chart["useful"].tolist() == [True, False, True, True, False, True, False, True, True]
    assert chart["run_length"].tolist() == [3, 0, 3, 3, 0, 3, 0, 3, 3]
    assert chart["n_crossings"].iloc[0] == 1
    assert chart["crossing"].tolist() == [False] * 5 + [True] + [False] * 3


def test_a_long_run_signals_a_shift():
    values = [5.0, 6, 4, 5.5, 4.5] * 2 + [9.0] * 9
    chart = run_chart(values, baseline=10)
    assert chart["longest_run"].iloc[0] > chart["longest_run_max"].iloc[0]
    assert chart["long_run_signal"].all()


def test_p_chart_limits_by_hand():
    # p̄ = 60 / 400 = 0.15; σᵢ = √(0.15 · 0.85 / nᵢ)
    chart = p_chart([10, 20, 30], [100, 200, 100])
    assert chart["mean"].tolist() == pytest.approx([0.15] * 3)
    assert chart["upper_limit"].tolist() == pytest.approx(
        [0.2571214, 0.2257463, 0.2571214], abs=1e-7
    )
    assert chart["lower_limit"].tolist() == pytest.approx(
        [0.0428786, 0.0742537, 0.0428786], abs=1e-7
    )
    assert chart["outside_limits"].tolist() == [False, False, True]


def test_p_chart_limits_stay_within_zero_and_one():
    chart = p_chart([1, 0, 2, 9], [10, 3, 12, 10])
    assert (chart["lower_limit"] >= 0).all() and (chart["upper_limit"] <= 1).all()
    assert chart["lower_limit"].iloc[1] == 0


def test_u_chart_limits_by_hand():
    # ū = 15 / 6 = 2.5; σᵢ = √(2.5 / nᵢ); the lower limits fall below 0 and are kept at 0
    chart = u_chart([4, 9, 2], [2, 3, 1])
    assert chart["mean"].tolist() == pytest.approx([2.5] * 3)
    assert chart["upper_limit"].tolist() == pytest.approx([5.854102, 5.238613, 7.243416], abs=1e-6)
    assert chart["lower_limit"].tolist() == [0.0, 0.0, 0.0]


def test_laney_widens_overdispersed_limits():
    rng = np.random.default_rng(7)
    shares = np.clip(rng.normal(0.6, 0.05, 24), 0, 1)
    sizes = np.full(24, 5000)
    counts = np.round(shares * sizes)
    plain = p_chart(counts, sizes)
    laney = p_chart(counts, sizes, laney=True)
    assert plain["outside_limits"].sum() > laney["outside_limits"].sum()
    assert (laney["upper_limit"] > plain["upper_limit"]).all()
    # with σ_z = 1 (binomial data) the P′ limits are the P limits: check σ_z by hand
    z = (plain["value"] - plain["mean"]) / plain["sigma"]
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    np.testing.assert_allclose(laney["sigma"], plain["sigma"] * sigma_z)


def test_rate_charts_refuse_impossible_counts():
    with pytest.raises(ValueError, match="exceeds"):
        p_chart([5, 12], [10, 10])
    with pytest.raises(ValueError, match="positive"):
        u_chart([5, 1], [10, 0])


def test_rate_chart_by_keeps_series_apart():
    data = pd.DataFrame(
        {
            "ward": ["A"] * 3 + ["B"] * 3,
            "period": [1, 2, 3] * 2,
            "numerator": [10, 20, 30, 1, 2, 3],
            "denominator": [100, 200, 100, 10, 10, 10],
        }
    )
    chart = rate_chart_by(data, kind="p", by="ward")
    assert chart.groupby("ward")["mean"].first().tolist() == pytest.approx([0.15, 0.2])


def test_england_four_hour_performance(shared_data):
    data = pd.read_csv(shared_data / "measures" / "england_ae_4hr_performance_monthly.csv")
    polarity = {"up": "increase", "down": "decrease"}[data["polarity"].iloc[0]]
    chart = xmr(
        data["value"],
        periods=pd.to_datetime(data["period"]),
        improvement=polarity,
        target=data["target"].to_numpy(),
    )
    summary = chart_summary(chart).iloc[0]
    assert summary["mean"] == pytest.approx(0.884706, abs=1e-6)
    assert summary["lower_limit"] == pytest.approx(0.860447, abs=1e-6)
    assert summary["upper_limit"] == pytest.approx(0.908964, abs=1e-6)
    assert summary["assurance"] == "consistent_fail"


def test_many_real_indicators_at_once(shared_data):
    data = pd.read_csv(shared_data / "measures" / "nyc_mmr_critical_indicators_long.csv")
    data = data.dropna(subset=["value"])
    data["improvement"] = data["polarity"].map({"Up": "increase", "Down": "decrease"})
    charts = xmr_by(
        data,
        by="indicator_id",
        period="fiscal_year",
        improvement="improvement",
        target="target_fy2023",
    )
    assert len(charts) == len(data)
    one = data["indicator_id"].iloc[0]
    alone = data[data["indicator_id"] == one]
    single = xmr(
        alone["value"],
        periods=alone["fiscal_year"],
        improvement=alone["improvement"].iloc[0],
        target=alone["target_fy2023"].iloc[0],
    )
    together = charts[charts["indicator_id"] == one].reset_index(drop=True)
    for column in ["mean", "upper_limit", "rule", "variation", "assurance"]:
        assert together[column].tolist() == single[column].tolist(), column
    assert set(charts["assurance"].dropna()) <= {
        "consistent_pass",
        "consistent_fail",
        "inconsistent",
    }
    summary = chart_summary(charts, by="indicator_id")
    assert summary["indicator_id"].nunique() == data["indicator_id"].nunique()


def test_many_series_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(11)
    frames = []
    for measure in range(30):
        n = int(rng.integers(5, 40))
        values = np.round(rng.normal(50, 5, n), 1)
        values[n // 2 :] += rng.choice([0, 12])
        frames.append(pd.DataFrame({"measure": measure, "period": np.arange(n), "value": values}))
    data = pd.concat(frames).sample(frac=1, random_state=1)  # order must not matter
    charts = xmr_by(data, by="measure", improvement="decrease", target=48, rebase=[20], baseline=12)
    for measure, frame in zip(range(30), frames, strict=True):
        alone = xmr(
            frame["value"],
            periods=frame["period"],
            improvement="decrease",
            target=48,
            rebase=[20],
            baseline=12,
        )
        together = charts[charts["measure"] == measure].reset_index(drop=True)
        pd.testing.assert_frame_equal(together.drop(columns="measure"), alone, check_dtype=False)

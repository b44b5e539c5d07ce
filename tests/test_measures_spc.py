"""XmR charts against NHSRplotthedots' output (../shared/data/spc/), and the rules' edge cases.

The oracle files hold, per case, every point's mean, limits, flags and labels and each
chart's summary, as NHSRplotthedots 0.2.2 computed them; the unit cases are the package's
own rule tests, as data. Limits must agree to 1e-9, flags and verdicts exactly.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from research_kit.measures import RuleLengths, chart_summary, xmr
from research_kit.measures.rules import (
    near_limit_points,
    run_lengths,
    sides,
    trend_points,
)

LABELS = {
    ("outside_limits", 1): "Above UCL",
    ("outside_limits", -1): "Below LCL",
    ("trend", 1): "7 Point Trend (Increasing)",
    ("trend", -1): "7 Point Trend (Decreasing)",
    ("two_of_three", 1): "2 in 3 Above CL",
    ("two_of_three", -1): "2 in 3 Below CL",
    ("shift", 1): "7 Points Above CL",
    ("shift", -1): "7 Points Below CL",
}


def _cases(shared_data):
    points = pd.read_csv(shared_data / "spc" / "nhsr_ptd_expected_points.csv")
    summaries = json.loads((shared_data / "spc" / "nhsr_ptd_expected_summary.json").read_text())
    for case in summaries:
        yield case, points[points["case_id"] == case["case_id"]].sort_values("i")


def _as_list(value):
    """A rebase option: none, one date, or several."""
    if not value:
        return None
    return [value] if isinstance(value, str) else list(value)


def _chart(case, expected):
    options = case["options"]
    return xmr(
        expected["y"].to_numpy(),
        periods=pd.to_datetime(expected["x"]).to_numpy(),
        improvement=options.get("improvement_direction", "increase"),
        target=options.get("target"),
        rebase=_as_list(options.get("rebase")),
        baseline=options.get("fix_after_n_points"),
        screen=options.get("screen_outliers", True),
    )


def _label(rule, direction):
    return LABELS.get((rule, direction), "Common Cause")


def test_every_oracle_case_is_present(shared_data):
    assert len(list(_cases(shared_data))) >= 14


def test_limits_flags_and_labels_match_nhsrplotthedots(shared_data):
    for case, expected in _cases(shared_data):
        chart = _chart(case, expected)
        name = case["case_id"]
        for ours, theirs in [("mean", "mean"), ("lower_limit", "lpl"), ("upper_limit", "upl")]:
            np.testing.assert_allclose(
                chart[ours], expected[theirs], rtol=0, atol=1e-9, err_msg=f"{name} {ours}"
            )
        assert chart["phase"].tolist() == expected["rebase_group"].tolist(), name
        assert chart["outside_limits"].tolist() == expected["outside_limits"].tolist(), name
        assert chart["relative_to_mean"].tolist() == expected["relative_to_mean"].tolist(), name
        close = ~chart["outside_limits"] & (
            (chart["value"] < chart["lower_two_sigma"])
            | (chart["value"] > chart["upper_two_sigma"])
        )
        assert close.tolist() == expected["close_to_limits"].tolist(), name
        labels = [_label(r, d) for r, d in zip(chart["rule"], chart["direction"], strict=True)]
        assert labels == expected["special_cause_type"].tolist(), name
        assert (chart["rule"] != "").tolist() == expected["special_cause_flag"].tolist(), name
        assert chart["variation"].tolist() == expected["point_type"].tolist(), name


def test_summaries_and_verdicts_match_nhsrplotthedots(shared_data):
    for case, expected in _cases(shared_data):
        summary = chart_summary(_chart(case, expected))
        name = case["case_id"]
        assert len(summary) == len(case["groups"]), name
        for row, group in zip(summary.itertuples(), case["groups"], strict=True):
            assert row.mean == pytest.approx(group["mean_col"], abs=1e-9), name
            assert row.lower_limit == pytest.approx(group["lpl"], abs=1e-9), name
            assert row.upper_limit == pytest.approx(group["upl"], abs=1e-9), name
            got = (
                row.n,
                row.common_cause,
                row.special_cause_improvement,
                row.special_cause_concern,
            )
            want = tuple(
                group[key]
                for key in (
                    "n",
                    "common_cause",
                    "special_cause_improvement",
                    "special_cause_concern",
                )
            )
            assert got == want, name
            assert row.variation == group["variation_type"], name
            assert row.assurance == group.get("assurance_type"), name


def _unit_cases(shared_data):
    return json.loads((shared_data / "spc" / "nhsr_ptd_rule_unit_cases.json").read_text())


def _row(values, dtype=float):
    return np.asarray(values, dtype=dtype).reshape(1, -1)


def test_shift_rule_matches_the_package_unit_cases(shared_data):
    # The package flags the 7th and later points; "part of" then spreads that back over the run.
    for case in _unit_cases(shared_data)["seven_point_one_side_mean"]["cases"]:
        lengths = run_lengths(_row(case["input"], int))
        forward = np.zeros(lengths.shape, dtype=int)
        for j in range(lengths.shape[1]):
            same = j > 0 and case["input"][j] != 0 and case["input"][j] == case["input"][j - 1]
            forward[0, j] = forward[0, j - 1] + 1 if same else int(case["input"][j] != 0)
        completes = (forward >= 7) & (lengths >= 7)
        assert completes.astype(int).ravel().tolist() == case["expected"]


def test_trend_rule_matches_the_package_unit_cases(shared_data):
    for case in _unit_cases(shared_data)["seven_point_trend"]["cases"]:
        if not case["input"]:
            continue
        flagged, direction = trend_points(_row(case["input"]), 7)
        # the package marks the point that completes the trend: the last flagged of a streak
        expected = np.asarray(case["expected"])
        for j in np.flatnonzero(expected):
            assert flagged[0, j - 6 : j + 1].all()
            assert direction[0, j] == expected[j]
        assert flagged.sum() == 7 * np.count_nonzero(expected)


def test_two_in_three_matches_the_package_unit_cases(shared_data):
    units = _unit_cases(shared_data)
    for case in units["part_of_two_in_three"]["cases"] + units["two_in_three"]["cases"]:
        if not case["close"]:
            continue
        flagged = near_limit_points(_row(case["close"], bool), _row(case["rtm"], int), 2, 3)
        window_flag = np.asarray(case["expected"], dtype=bool)
        # "two_in_three" flags the whole window; only its near points are part of the signal
        assert (
            flagged.ravel().tolist() == (window_flag & _row(case["close"], bool).ravel()).tolist()
        )


def test_assurance_matches_the_package_unit_cases(shared_data):
    from research_kit.measures.rules import assurance

    for case in _unit_cases(shared_data)["assurance"]["cases"]:
        for polarity, sign in [("increase", 1), ("decrease", -1), ("neutral", 0)]:
            got = assurance(case["lpl"], case["upl"], case["target"], sign)
            assert got.item() == case[polarity]


# --- edge cases, documented in research_kit.measures.rules and docs/measures.md ---------------


def test_a_tie_breaks_a_trend():
    rising = [1.0, 2, 3, 4, 5, 6, 7]
    assert xmr(rising, screen=False)["trend"].all()
    with_tie = [1.0, 2, 3, 3, 4, 5, 6, 7]
    assert not xmr(with_tie, screen=False)["trend"].any()
    longer = [1.0, 2, 2, 3, 4, 5, 6, 7, 8]
    assert xmr(longer, screen=False)["trend"].tolist() == [False, False] + [True] * 7


def test_a_point_on_the_mean_breaks_a_run():
    # mean 0: six above, one exactly on the mean, six above, then low points to balance
    values = [1.0] * 6 + [0.0] + [1.0] * 6 + [-3.0] * 4
    chart = xmr(values, screen=False)
    assert chart["mean"].iloc[0] == 0
    assert chart["relative_to_mean"].iloc[6] == 0
    assert not chart["shift"].iloc[:13].any()
    # without the point on the mean the same values make a run of 12
    moved = [*values[:6], 1.0, *values[7:]]
    assert xmr(moved, screen=False)["shift"].iloc[:13].all()


def test_runs_and_trends_do_not_cross_a_rebase():
    values = [5.0, 6, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    whole = xmr(values, screen=False)
    assert whole["trend"].iloc[4:].all()
    split = xmr(values, screen=False, rebase=[8])
    assert split["phase"].tolist() == [0] * 7 + [1] * 7
    assert not split["trend"].iloc[:7].any()  # 1..7 rises for 3 points before the rebase
    assert split["trend"].iloc[7:].all()  # the 7 points after it rise on their own
    # each phase has its own limits
    assert split.groupby("phase")["mean"].nunique().eq(1).all()
    assert split["mean"].iloc[0] != split["mean"].iloc[-1]


def test_a_shared_peak_takes_the_later_trend():
    values = np.array([[1.0, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]])
    flagged, direction = trend_points(values, 7)
    assert flagged.all()
    assert direction.ravel().tolist() == [1] * 6 + [-1] * 7


def test_the_end_of_a_trend_before_a_tie_reads_as_nhsrplotthedots_reads_it():
    # a rise of 7, a tie, then a fall of 7 from the tied value: point 6 belongs to the rise
    # only, but its next point is flagged, so it takes the (flat) step to it: "Decreasing"
    values = np.array([[1.0, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1]])
    flagged, direction = trend_points(values, 7)
    assert flagged.all()
    assert direction.ravel().tolist() == [1] * 6 + [-1] * 8


def test_lengths_are_configurable():
    values = [1.0, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0]
    assert not xmr(values, screen=False)["trend"].any()
    assert xmr(values, screen=False, rules=RuleLengths(trend=5))["trend"].iloc[:5].all()
    assert xmr(values, screen=False, rules=RuleLengths(shift=6))["shift"].iloc[5:].all()


def test_no_polarity_gives_high_or_low_and_no_assurance():
    chart = xmr([5.0, 6, 5, 7, 6, 5, 6, 30], target=4)
    assert chart["variation"].iloc[-1] == "special_cause_neutral_high"
    assert chart["assurance"].isna().all()


def test_baseline_judges_later_points_against_early_limits():
    values = [10.0, 11, 10, 11, 10, 11, 30, 31]
    chart = xmr(values, baseline=6)
    assert chart["mean"].iloc[0] == pytest.approx(10.5)
    assert chart["outside_limits"].iloc[6:].all()


def test_sides_of_missing_values_are_zero():
    assert sides(np.array([[np.nan, 2.0, 0.5]]), np.ones((1, 3))).tolist() == [[0, 1, -1]]


def test_gaps_and_repeated_periods_are_refused():
    with pytest.raises(ValueError, match="fill or drop"):
        xmr([1.0, np.nan, 3.0])
    with pytest.raises(ValueError, match="appears twice"):
        xmr([1.0, 2.0, 3.0], periods=[1, 1, 2])
    with pytest.raises(ValueError, match="polarity"):
        xmr([1.0, 2.0, 3.0], improvement="up")


def test_statprocon_limits_agree_on_random_series():
    statprocon = pytest.importorskip("statprocon")
    rng = np.random.default_rng(20261206)
    for _ in range(25):
        values = rng.normal(rng.uniform(-50, 50), rng.uniform(0.1, 20), rng.integers(8, 60))
        values = np.round(values, 3)
        theirs = statprocon.XmR(values.tolist())
        ours = xmr(values, screen=False)
        # statprocon rounds the centre line, the mean moving range and the limits to 3 decimals
        tolerance = 0.0005 * (2 + 2.66) + 1e-12
        assert float(theirs.x_central_line()[0]) == pytest.approx(ours["mean"].iloc[0], abs=5e-4)
        assert float(theirs.upper_natural_process_limit()[0]) == pytest.approx(
            ours["upper_limit"].iloc[0], abs=tolerance
        )
        assert float(theirs.lower_natural_process_limit()[0]) == pytest.approx(
            ours["lower_limit"].iloc[0], abs=tolerance
        )
        # Wheeler's moving-range limit factor is 3.268 (statprocon); the NHS rounds it to 3.267
        assert float(theirs.upper_range_limit()[0]) == pytest.approx(
            3.268 * ours["mean_moving_range"].iloc[0], abs=0.0005 * (1 + 3.268) + 1e-12
        )


# --- the vectorised rules against a point-by-point reading of NHSRplotthedots' definitions ---


def _reference_flags(y, mean, lower, upper, near_lower, near_upper, n=7):
    """Loops that follow the package's helpers one window at a time (slow and plain)."""
    size = len(y)
    side = [int(np.sign(v - mean)) for v in y]
    outside = [v > upper or v < lower for v in y]
    close = [not o and (v < near_lower or v > near_upper) for v, o in zip(y, outside, strict=True)]
    shift_end = [
        j >= n - 1 and side[j] != 0 and len(set(side[j - n + 1 : j + 1])) == 1 for j in range(size)
    ]
    trend_end = []
    for j in range(size):
        steps = [np.sign(y[k] - y[k - 1]) for k in range(j - n + 2, j + 1)] if j >= n - 1 else []
        trend_end.append(
            bool(steps) and (all(s == 1 for s in steps) or all(s == -1 for s in steps))
        )

    def part_of(ends):
        return [any(ends[j : j + n]) for j in range(size)]

    windows = [
        s for s in range(size - 2) if sum(close[s : s + 3]) >= 2 and abs(sum(side[s : s + 3])) == 3
    ]
    two_of_three = [close[j] and any(s <= j < s + 3 for s in windows) for j in range(size)]
    return outside, part_of(trend_end), two_of_three, part_of(shift_end)


def _reference_labels(y, flags, mean):
    """ptd_special_cause_type's labels: precedence, and its reading of a trend's direction."""
    outside, trend, two_of_three, shift = flags
    size = len(y)
    steps = [np.sign(y[j + 1] - y[j]) for j in range(size - 1)]
    labels = []
    for j in range(size):
        above = "Above" if y[j] > mean else "Below"
        if outside[j]:
            labels.append("Above UCL" if above == "Above" else "Below LCL")
        elif trend[j]:
            right = j + 1 < size and trend[j + 1]
            step = (
                (steps[j] if j < size - 1 else steps[-1]) if right else (steps[j - 1] if j else 0)
            )
            labels.append(f"7 Point Trend ({'In' if step == 1 else 'De'}creasing)")
        elif two_of_three[j]:
            labels.append(f"2 in 3 {above} CL")
        elif shift[j]:
            labels.append(f"7 Points {above} CL")
        else:
            labels.append("Common Cause")
    return labels


def test_rules_agree_with_a_plain_reading_on_random_series():
    rng = np.random.default_rng(5)
    for _ in range(300):
        size = int(rng.integers(1, 40))
        # small integers: ties and points exactly on the mean are common
        y = rng.integers(0, 6, size).astype(float)
        if rng.random() < 0.5:
            y = y + np.cumsum(rng.integers(-1, 3, size))
        chart = xmr(y, screen=bool(rng.random() < 0.5))
        first = chart.iloc[0]
        expected = _reference_flags(
            y,
            first["mean"],
            first["lower_limit"],
            first["upper_limit"],
            first["lower_two_sigma"],
            first["upper_two_sigma"],
        )
        for rule, flags in zip(
            ["outside_limits", "trend", "two_of_three", "shift"], expected, strict=True
        ):
            assert chart[rule].tolist() == flags, (rule, y.tolist())
        labels = [_label(r, d) for r, d in zip(chart["rule"], chart["direction"], strict=True)]
        assert labels == _reference_labels(y, expected, first["mean"]), y.tolist()


@pytest.mark.parametrize(
    "periods",
    [
        pd.date_range("2025-01-01", periods=10, freq="MS"),
        pd.date_range("2025-01-01", periods=10, freq="MS", tz="America/Chicago"),
        [f"2025-{month:02d}" for month in range(1, 11)],
    ],
)
def test_a_rebase_date_starts_its_phase_whatever_the_periods_are(periods):
    rebase = ["2025-05"] if isinstance(periods, list) else ["2025-05-01"]
    chart = xmr(np.arange(10.0), periods=periods, rebase=rebase)
    assert chart["phase"].tolist() == [0] * 4 + [1] * 6

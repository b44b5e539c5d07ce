"""Disparity measures against hand-computed cases; Theil's decomposition; suppression first."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from research_kit.errors import InputError
from research_kit.places import disparity, disparity_sentence, disparity_summary
from research_kit.survey import weighted_distribution

Z = 1.959963984540054  # the 97.5% normal quantile


def wilson(a: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, written out."""
    p = a / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


@pytest.fixture
def wards() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward": ["W1", "W2", "W3", "W4"],
            "yes": [30, 50, 20, 1],
            "n": [100, 100, 100, 3],
            "suppressed": [False, False, False, True],
        }
    )


def row(table: pd.DataFrame, group: str) -> pd.Series:
    return table.set_index("group").loc[group]


def test_rate_ratio_has_katz_interval_on_the_log_scale(wards):
    out = disparity(wards, by="ward", numerator="yes", denominator="n")
    w1 = row(out, "W1")
    # W1 30/100 against the best ward, W2 50/100: RR = 0.3 / 0.5 = 0.6
    # se(log RR) = sqrt(1/30 - 1/100 + 1/50 - 1/100) = sqrt(0.03333...) = 0.182574
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 50 - 1 / 100)
    assert se == pytest.approx(0.182574, abs=1e-6)
    assert w1["reference"] == "W2"
    assert w1["rate_ratio"] == pytest.approx(0.6)
    # exp(log 0.6 ± 1.96 × 0.182574) = (0.41951, 0.85814)
    assert w1["rate_ratio_ci_low"] == pytest.approx(0.41951, abs=1e-5)
    assert w1["rate_ratio_ci_high"] == pytest.approx(0.85814, abs=1e-5)
    assert w1["rate_ratio_ci_low"] == pytest.approx(math.exp(math.log(0.6) - Z * se))


def test_rate_difference_has_newcombe_interval(wards):
    out = disparity(wards, by="ward", numerator="yes", denominator="n")
    w1 = row(out, "W1")
    l1, u1 = wilson(30, 100)  # (0.21895, 0.39585)
    l2, u2 = wilson(50, 100)  # (0.40383, 0.59617)
    assert (w1["ci_low"], w1["ci_high"]) == pytest.approx((l1, u1))
    assert (l1, u1) == pytest.approx((0.21895, 0.39585), abs=1e-5)
    # Newcombe (1998) method 10: RD ∓ sqrt of the squared distances to the Wilson limits
    low = -0.2 - math.sqrt((0.3 - l1) ** 2 + (u2 - 0.5) ** 2)
    high = -0.2 + math.sqrt((u1 - 0.3) ** 2 + (0.5 - l2) ** 2)
    assert w1["rate_difference"] == pytest.approx(-0.2)
    assert (w1["rate_difference_ci_low"], w1["rate_difference_ci_high"]) == pytest.approx(
        (low, high)
    )
    assert w1["within_margin_of_error"] is False or not w1["within_margin_of_error"]
    assert w1["direction"] == "worse"


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_interval_matches_the_published_table(a, n1, c, n2, low, high):
    table = pd.DataFrame({"g": ["x", "ref"], "yes": [a, c], "n": [n1, n2]})
    out = disparity(table, by="g", numerator="yes", denominator="n", reference="ref")
    x = row(out, "x")
    assert x["rate_difference_ci_low"] == pytest.approx(low, abs=5e-5)
    assert x["rate_difference_ci_high"] == pytest.approx(high, abs=5e-5)
    if c == 0:  # no logarithm of a zero count: the ratio's interval stays missing
        assert pd.isna(x["rate_ratio_ci_low"])


def test_katz_interval_on_newcombes_first_example():
    table = pd.DataFrame({"g": ["x", "ref"], "yes": [56, 48], "n": [70, 80]})
    x = row(disparity(table, by="g", numerator="yes", denominator="n", reference="ref"), "x")
    # RR = (56/70) / (48/80) = 0.8 / 0.6 = 1.3333
    # se(log RR) = sqrt(1/56 - 1/70 + 1/48 - 1/80) = sqrt(0.0119048) = 0.109109
    # exp(log 1.3333 ± 1.96 × 0.109109) = (1.0766, 1.6512)
    assert x["rate_ratio"] == pytest.approx(4 / 3)
    assert x["rate_ratio_ci_low"] == pytest.approx(1.0766, abs=1e-4)
    assert x["rate_ratio_ci_high"] == pytest.approx(1.6512, abs=1e-4)


def test_reference_row_and_suppressed_row(wards):
    out = disparity(wards, by="ward", numerator="yes", denominator="n")
    w2, w4 = row(out, "W2"), row(out, "W4")
    assert w2["status"] == "reference"
    assert (w2["rate_ratio"], w2["rate_difference"]) == (1.0, 0.0)
    assert pd.isna(w2["rate_ratio_ci_low"]) and pd.isna(w2["rate_difference_ci_high"])
    assert w4["status"] == "suppressed"
    numbers = w4[["value", "ci_low", "ci_high", "rate_ratio", "rate_difference"]]
    assert numbers.isna().all()
    assert disparity_sentence(out.iloc[3]) == "W4: suppressed (too few people to show)."


def test_overall_reference_pools_only_shown_counts(wards):
    out = disparity(wards, by="ward", numerator="yes", denominator="n", reference="overall")
    # (30 + 50 + 20) / 300 = 1/3; W4's 1/3 never enters
    assert out["reference_value"].dropna().unique() == pytest.approx([1 / 3])
    assert (out["status"] == "shown").sum() == 3


def test_weighted_estimates_use_the_delta_method_on_the_log_scale():
    table = pd.DataFrame(
        {"language": ["English", "Spanish"], "share": [0.8, 0.6], "se": [0.02, 0.03]}
    )
    out = disparity(table, by="language", value="share", se="se")
    spanish = row(out, "Spanish")
    # RR = 0.6 / 0.8 = 0.75; var(log RR) = (0.03/0.6)^2 + (0.02/0.8)^2 = 0.0025 + 0.000625
    se_log = math.sqrt(0.0025 + 0.000625)
    assert spanish["rate_ratio"] == pytest.approx(0.75)
    assert spanish["rate_ratio_ci_low"] == pytest.approx(0.75 * math.exp(-Z * se_log))
    assert spanish["rate_ratio_ci_high"] == pytest.approx(0.75 * math.exp(Z * se_log))
    # RD = -0.2, se = sqrt(0.03^2 + 0.02^2) = 0.0360555
    assert spanish["rate_difference_ci_low"] == pytest.approx(-0.2 - Z * math.sqrt(0.0013))
    assert spanish["ci_low"] == pytest.approx(0.6 - Z * 0.03)
    by_margin = disparity(
        table.assign(moe=table["se"] * Z), by="language", value="share", margin_of_error="moe"
    )
    pd.testing.assert_frame_equal(by_margin, out, atol=1e-4)


def test_a_margin_of_error_is_read_at_the_tables_own_level():
    # a 90% margin of error: se = moe / 1.6449 (the 95% quantile of the normal)
    table = pd.DataFrame(
        {"ward": ["A", "B"], "share": [0.8, 0.6], "moe": [0.05, 0.05], "confidence": 0.9}
    )
    out = disparity(table, by="ward", value="share", margin_of_error="moe")
    se = 0.05 / 1.6448536269514722
    assert row(out, "B")["rate_difference_ci_high"] == pytest.approx(
        -0.2 + Z * math.sqrt(2 * se**2)
    )


def test_lower_is_better_picks_the_lowest_and_names_direction():
    table = pd.DataFrame({"ward": ["A", "B", "C"], "days": [10.0, 20.0, 5.0], "se": 1.0})
    out = disparity(table, by="ward", value="days", se="se", polarity="lower_is_better")
    assert set(out["reference"]) == {"C"}
    assert row(out, "B")["direction"] == "worse"
    assert row(out, "B")["rate_ratio"] == pytest.approx(4.0)


def test_named_reference_and_a_suppressed_reference(wards):
    out = disparity(wards, by="ward", numerator="yes", denominator="n", reference="W3")
    assert row(out, "W1")["rate_ratio"] == pytest.approx(1.5)
    with pytest.raises(InputError, match="not shown"):
        disparity(wards, by="ward", numerator="yes", denominator="n", reference="W4")


def test_index_of_disparity_by_hand(wards):
    best = disparity_summary(wards, by="ward", numerator="yes", denominator="n")
    # best ward 0.5; others 0.3 and 0.2: mean(|0.3-0.5|, |0.2-0.5|) / 0.5 × 100 = 50
    assert best.loc[0, "index_of_disparity"] == pytest.approx(50.0)
    assert best.loc[0, "groups"] == 3 and best.loc[0, "suppressed_groups"] == 1
    overall = disparity_summary(
        wards, by="ward", numerator="yes", denominator="n", reference="overall"
    )
    # overall 1/3; mean(|0.3-1/3|, |0.5-1/3|, |0.2-1/3|) = (1/30 + 1/6 + 2/15) / 3 = 1/9
    # (1/9) / (1/3) × 100 = 33.33
    assert overall.loc[0, "index_of_disparity"] == pytest.approx(100 / 3)


def test_theil_by_hand():
    table = pd.DataFrame({"ward": ["A", "B"], "yes": [30, 50], "n": [100, 100]})
    summary = disparity_summary(table, by="ward", numerator="yes", denominator="n").iloc[0]
    # mu = 0.4; between = 0.5 × (0.75 ln 0.75 + 1.25 ln 1.25)
    between = 0.5 * (0.75 * math.log(0.75) + 1.25 * math.log(1.25))
    # each person is 0 or 1: within A is -ln 0.3, within B -ln 0.5
    within = 0.5 * (0.75 * -math.log(0.3) + 1.25 * -math.log(0.5))
    assert summary["theil_between"] == pytest.approx(between)
    assert summary["theil_within"] == pytest.approx(within)
    assert summary["theil"] == pytest.approx(-math.log(0.4))
    assert summary["between_share"] == pytest.approx(between / -math.log(0.4))
    groups_only = disparity_summary(table, by="ward", value="yes").iloc[0]
    assert groups_only["theil"] == groups_only["theil_between"]
    assert groups_only["theil_within"] == 0 and groups_only["theil_weights"] == "equal"


def person_theil(values: np.ndarray) -> float:
    """Theil's T over individual values, written out (0 ln 0 = 0)."""
    mean = values.mean()
    ratio = values / mean
    return float(np.mean(np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1)), 0)))


counts = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 30)).map(lambda t: (min(t), max(t))),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(counts)
def test_theil_decomposition_sums_to_the_people_level_total(cells):
    a = np.array([c[0] for c in cells])
    n = np.array([c[1] for c in cells])
    if a.sum() == 0:
        return
    table = pd.DataFrame({"g": [f"g{i}" for i in range(len(cells))], "a": a, "n": n})
    summary = disparity_summary(table, by="g", numerator="a", denominator="n").iloc[0]
    people = np.concatenate([np.r_[np.ones(x), np.zeros(m - x)] for x, m in zip(a, n, strict=True)])
    means = np.repeat(a / n, n)  # everyone given their group's share
    assert summary["theil"] == pytest.approx(summary["theil_between"] + summary["theil_within"])
    assert summary["theil"] == pytest.approx(person_theil(people), abs=1e-9)
    assert summary["theil_between"] == pytest.approx(person_theil(means), abs=1e-9)
    assert summary["theil_between"] >= -1e-12


rows = st.lists(
    st.tuples(st.floats(0.01, 1.0), st.floats(0.001, 0.1), st.integers(1, 500)),
    min_size=2,
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(rows, st.integers(0, 7), st.floats(0.0, 1.0), st.integers(0, 3), st.integers(1, 9))
def test_suppressed_groups_never_contribute(cells, which, hidden_value, hidden_count, weight):
    table = pd.DataFrame(
        {
            "ward": [f"W{i}" for i in range(len(cells))],
            "share": [c[0] for c in cells],
            "se": [c[1] for c in cells],
            "n": [c[2] for c in cells],
            "yes": [round(c[0] * c[2]) for c in cells],
        }
    )
    table["suppressed"] = False
    which %= len(table)
    table.loc[which, "suppressed"] = True
    changed = table.copy()
    changed.loc[which, ["share", "se", "n", "yes"]] = [hidden_value, 0.5, weight, hidden_count]
    for reference in ("best", "overall"):
        for kwargs in (
            {"value": "share", "se": "se", "denominator": "n"},
            {"numerator": "yes", "denominator": "n"},
        ):
            before = disparity(table, by="ward", reference=reference, **kwargs)
            after = disparity(changed, by="ward", reference=reference, **kwargs)
            pd.testing.assert_frame_equal(before, after)
            assert before.loc[which, "status"] == "suppressed"
            assert before.loc[which, "value":"rate_difference_ci_high"].isna().all()
            assert which not in set(before["reference"].dropna())
            kwargs.pop("se", None)
            pd.testing.assert_frame_equal(
                disparity_summary(table, by="ward", reference=reference, **kwargs),
                disparity_summary(changed, by="ward", reference=reference, **kwargs),
            )


def test_survey_breakdown_is_read_as_it_comes():
    rng = np.random.default_rng(7)
    people = pd.DataFrame(
        {
            "ward": ["East"] * 3 + list(rng.choice(["North", "South", "West", "Centre"], size=297)),
            "answer": rng.choice(["satisfied", "not satisfied"], size=300),
            "w": rng.uniform(0.5, 2.0, size=300),
        }
    )
    table = weighted_distribution(people, "answer", weights="w", by="ward")
    out = disparity(
        table, by="group", value="share", se="se", low="ci_low", high="ci_high", outcome="category"
    )
    assert list(out.columns[:3]) == ["category", "by", "group"]
    east = out[out["group"] == "East"]
    assert (east["status"] == "suppressed").all()
    shown = out[out["status"] == "shown"]
    shares = table.set_index(["category", "group"])["share"]
    expected = [shares[(c, g)] for c, g in zip(shown["category"], shown["group"], strict=True)]
    assert shown["value"].tolist() == pytest.approx(expected)
    assert len(shown) >= 2  # complementary suppression leaves some wards to compare
    # each category has its own reference: one reference row per category
    assert (out[out["status"] == "reference"].groupby("category").size() == 1).all()
    assert set(out.loc[out["status"] == "reference", "category"]) == set(shown["category"])


def test_sentence_says_when_within_the_margin_of_error():
    table = pd.DataFrame({"ward": ["A", "B"], "yes": [10, 12], "n": [40, 40]})
    out = disparity(table, by="ward", numerator="yes", denominator="n")
    sentence = disparity_sentence(out.iloc[0])
    assert "within the margin of error" in sentence
    assert sentence.startswith("A: 25.0% against 30.0% in B")
    assert disparity_sentence(out.iloc[1]) == "B is the reference (30.0%)."


def test_missing_columns_are_named():
    with pytest.raises(InputError, match="'nope'"):
        disparity(pd.DataFrame({"ward": ["A"], "v": [1.0]}), by="ward", value="nope")
    with pytest.raises(InputError, match="needs the rate"):
        disparity(pd.DataFrame({"ward": ["A"]}), by="ward")

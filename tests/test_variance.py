"""Variance of weighted estimates: the raking-aware oracles (R survey), hand cases, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research_kit.errors import SurveyError
from research_kit.survey.breakdown import crosstab, weighted_distribution
from research_kit.survey.variance import (
    RESULT_COLUMNS,
    SurveyDesign,
    likert_mean,
    replicate_weights,
    weighted_mean,
    weighted_total,
)
from research_kit.survey.weighting import rake, weighted_share

ORDER = ["ward", "age_band", "race_eth"]
API_MARGINS = pd.DataFrame(
    {
        "variable": ["stype"] * 3 + ["sch.wide"] * 2,
        "category": ["E", "H", "M", "No", "Yes"],
        "population": [4421, 755, 1018, 1072, 5122],
    }
)


@pytest.fixture
def resident_oracle(shared_data: Path) -> tuple[pd.DataFrame, SurveyDesign, dict]:
    folder = shared_data / "weighting"
    respondents = pd.read_csv(folder / "respondents.csv")
    margins = pd.read_csv(folder / "population_margins.csv")
    expected = json.loads((folder / "expected.json").read_text())
    respondents["w"] = rake(respondents, margins, variables=ORDER, tol=1e-13)
    respondents["yes"] = respondents["q1_yes"] == "yes"
    return respondents, SurveyDesign("w", calibrated_on=ORDER), expected


@pytest.fixture
def api_cluster_sample(shared_data: Path) -> tuple[pd.DataFrame, SurveyDesign]:
    schools = pd.read_csv(shared_data / "weighting" / "apiclus1.csv")
    schools["w"] = rake(
        schools, API_MARGINS, variables=["stype", "sch.wide"], weight="pw", tol=1e-14
    )
    design = SurveyDesign(
        "w", calibrated_on=["stype", "sch.wide"], start_weights="pw", cluster="dnum", fpc="fpc"
    )
    return schools, design


@pytest.mark.shared
def test_calibrated_se_of_the_yes_share_matches_r_rake(resident_oracle) -> None:
    respondents, design, expected = resident_oracle
    row = weighted_mean(respondents, "yes", design=design).iloc[0]
    assert list(weighted_mean(respondents, "yes", design=design).columns) == RESULT_COLUMNS
    assert row["variance_method"] == "calibrated"
    assert row["statistic"] == "share" and row["n"] == 2000 and row["df"] == 1999
    assert row["estimate"] == pytest.approx(0.452308073, abs=1e-9)
    assert row["se"] == pytest.approx(0.0117632292, rel=1e-6)
    assert row["se"] == pytest.approx(
        expected["yes_share_calibration_aware_se"]["overall"], rel=1e-6
    )
    assert row["margin_of_error"] == pytest.approx((row["ci_high"] - row["ci_low"]) / 2)


@pytest.mark.shared
def test_fixed_weights_se_interval_and_deff_match_the_oracle(resident_oracle) -> None:
    respondents, design, expected = resident_oracle
    fixed = expected["yes_share_fixed_weights"]["overall"]
    row = weighted_mean(respondents, "yes", design=design, variance="fixed weights").iloc[0]
    assert row["variance_method"] == "fixed weights"
    assert row["se"] == pytest.approx(0.012383768, rel=1e-6)
    assert row["se"] == pytest.approx(fixed["se"], rel=1e-6)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(fixed["ci95_wald_t"], rel=1e-8)
    assert row["deff"] == pytest.approx(fixed["deff_vs_srs_wr"], rel=1e-6)
    # the raking margins explain part of the outcome, so accounting for them lowers the SE
    calibrated = weighted_mean(respondents, "yes", design=design).iloc[0]
    assert calibrated["deff"] < row["deff"]


@pytest.mark.shared
def test_ward_domains_match_the_oracle_both_ways(resident_oracle) -> None:
    respondents, design, expected = resident_oracle
    calibrated = weighted_mean(respondents, "yes", design=design, by="ward").set_index("group")
    fixed = weighted_mean(
        respondents, "yes", design=design, by="ward", variance="fixed weights"
    ).set_index("group")
    for ward, se in expected["yes_share_calibration_aware_se"]["by_ward"].items():
        want = expected["yes_share_fixed_weights"]["by_ward"][ward]
        assert calibrated.loc[ward, "se"] == pytest.approx(se, rel=1e-6)
        assert calibrated.loc[ward, "estimate"] == pytest.approx(want["share"], abs=1e-9)
        assert calibrated.loc[ward, "n"] == want["n"]
        assert fixed.loc[ward, "se"] == pytest.approx(want["se"], rel=1e-6)
        assert [fixed.loc[ward, "ci_low"], fixed.loc[ward, "ci_high"]] == pytest.approx(
            want["ci95_wald_t_df1999"], rel=1e-8
        )


@pytest.mark.shared
def test_likert_mean_and_top_box_match_the_oracle(resident_oracle) -> None:
    respondents, design, expected = resident_oracle
    oracle = expected["likert_q2"]
    scores = likert_mean(
        respondents, "q2_likert", order=[1, 2, 3, 4, 5], design=design, variance="fixed weights"
    ).iloc[0]
    assert scores["statistic"] == "mean score (1-5)"
    assert scores["estimate"] == pytest.approx(oracle["weighted_mean"]["est"], rel=1e-12)
    assert scores["se"] == pytest.approx(oracle["weighted_mean"]["se"], rel=1e-6)
    top_two = respondents["q2_likert"] >= 4
    top = weighted_mean(respondents, top_two, design=design, variance="fixed weights").iloc[0]
    assert top["estimate"] == pytest.approx(oracle["top2box_4or5"]["est"], rel=1e-12)
    assert top["se"] == pytest.approx(oracle["top2box_4or5"]["se"], rel=1e-6)
    calibrated = likert_mean(respondents, "q2_likert", order=[1, 2, 3, 4, 5], design=design)
    assert calibrated.loc[0, "variance_method"] == "calibrated"
    assert calibrated.loc[0, "se"] < scores["se"]


@pytest.mark.shared
def test_share_of_a_raking_category_is_fixed_by_the_margins(resident_oracle) -> None:
    respondents, design, _ = resident_oracle
    in_ward = respondents["ward"] == "W1"
    row = weighted_mean(respondents, in_ward, design=design).iloc[0]
    assert row["estimate"] == pytest.approx(76_000 / 400_000, rel=1e-10)
    assert row["se"] == pytest.approx(0, abs=1e-9)


@pytest.mark.shared
def test_cluster_sample_raked_mean_and_total_match_r(api_cluster_sample) -> None:
    schools, design = api_cluster_sample
    mean = weighted_mean(schools, "api00", design=design).iloc[0]
    assert mean["estimate"] == pytest.approx(641.2303, rel=1e-6)
    assert mean["se"] == pytest.approx(23.7036, rel=1e-6)
    assert mean["df"] == 14 and mean["n"] == 183
    total = weighted_total(schools, "enroll", design=design).iloc[0]
    assert total["estimate"] == pytest.approx(3_647_280, rel=1e-6)
    assert total["se"] == pytest.approx(400_603, rel=1e-6)
    assert total["statistic"] == "total"


@pytest.mark.shared
def test_cluster_sample_jackknife_rakes_each_replicate_as_r(api_cluster_sample) -> None:
    # R survey's tests/rakecheck: calibrate(as.svrepdesign(dclus1), calfun="raking"),
    # printed to five digits (R's own rake() on replicates stops at a loose tolerance)
    schools, design = api_cluster_sample
    mean = weighted_mean(schools, "api00", design=design, variance="jackknife").iloc[0]
    assert mean["variance_method"] == "jackknife"
    assert round(mean["se"], 3) == 26.874
    total = weighted_total(schools, "enroll", design=design, variance="jackknife").iloc[0]
    assert round(total["se"]) == 463_582


def test_unweighted_mean_by_hand_all_methods_agree() -> None:
    people = pd.DataFrame({"y": [1.0, 2, 4, 7, 11], "w": 1.0})
    s = people["y"].std(ddof=1) / math.sqrt(5)
    design = SurveyDesign("w")
    for method in ("fixed weights", "jackknife"):
        row = weighted_mean(people, "y", design=design, variance=method).iloc[0]
        assert row["estimate"] == pytest.approx(5.0)
        assert row["se"] == pytest.approx(s, rel=1e-12)
        assert row["deff"] == pytest.approx(1.0, rel=1e-12)
        assert row["variance_method"] == method
        t = 2.7764451051977987  # Student's t, 97.5%, 4 df
        assert row["ci_high"] == pytest.approx(5.0 + t * s, rel=1e-9)


def test_fixed_weights_share_agrees_with_weighted_share() -> None:
    people = pd.DataFrame(
        {
            "yes": [True, False, True, True, False, False],
            "w": [1.0, 2, 3, 1, 2, 3],
            "g": list("aabbab"),
        }
    )
    ours = weighted_mean(people, "yes", design=SurveyDesign("w"), by="g", variance="fixed weights")
    theirs = weighted_share(people, "yes", weights="w", by="g")
    np.testing.assert_allclose(ours["estimate"], theirs["share"], rtol=1e-12)
    np.testing.assert_allclose(ours["se"], theirs["se"], rtol=1e-12)
    np.testing.assert_allclose(ours["ci_low"], theirs["ci_low"], rtol=1e-12)


def test_cluster_totals_and_fpc_by_hand() -> None:
    # cluster totals 3, 7, 14: deviations -5, -1, 6; 3/2 * 62 = 93
    schools = pd.DataFrame(
        {"y": [1.0, 2, 3, 4, 5, 9], "district": list("AABBCC"), "w": 1.0, "N": 6}
    )
    design = SurveyDesign("w", cluster="district")
    row = weighted_total(schools, "y", design=design, variance="fixed weights").iloc[0]
    assert row["estimate"] == 24 and row["df"] == 2
    assert row["se"] == pytest.approx(math.sqrt(93))
    with_fpc = SurveyDesign("w", cluster="district", fpc="N")  # 3 of 6 districts: f = 1/2
    row = weighted_total(schools, "y", design=with_fpc, variance="fixed weights").iloc[0]
    assert row["se"] == pytest.approx(math.sqrt(46.5))
    as_fraction = schools.assign(N=0.5)
    row = weighted_total(as_fraction, "y", design=with_fpc, variance="fixed weights").iloc[0]
    assert row["se"] == pytest.approx(math.sqrt(46.5))


def test_strata_add_their_variances_by_hand() -> None:
    # stratum s: totals 1, 3 -> 2 * 2 = 4; stratum t: 10, 16 -> 2 * 18 = 36; df = 4 - 2
    people = pd.DataFrame({"y": [1.0, 3, 10, 16], "s": list("sstt"), "w": 1.0})
    design = SurveyDesign("w", strata="s")
    row = weighted_total(people, "y", design=design, variance="fixed weights").iloc[0]
    assert row["se"] == pytest.approx(math.sqrt(40)) and row["df"] == 2


def test_missing_answers_stay_in_the_sample_as_a_domain() -> None:
    people = pd.DataFrame({"y": [1.0, 3, np.nan, 5], "w": 1.0})
    row = weighted_mean(people, "y", design=SurveyDesign("w"), variance="fixed weights").iloc[0]
    assert row["n"] == 3 and row["estimate"] == pytest.approx(3.0)
    # z = (y - 3) / 3 for the answering, 0 otherwise: 4/3 * (4 + 4) / 9
    assert row["se"] == pytest.approx(math.sqrt(4 / 3 * 8 / 9))


def test_one_raking_variable_is_post_stratification_by_hand() -> None:
    # residuals from the group means: a: 1-2, 3-2; b: 10-12, 14-12 -> z = w e / sum(w)
    people = pd.DataFrame({"y": [1.0, 3, 10, 14], "g": list("aabb"), "w": [3.0, 3, 2, 2]})
    row = weighted_mean(people, "y", design=SurveyDesign("w", calibrated_on=["g"])).iloc[0]
    z = np.array([3 * -1, 3 * 1, 2 * -2, 2 * 2]) / 10
    assert row["se"] == pytest.approx(math.sqrt(4 / 3 * (z**2).sum()))


def test_bootstrap_is_reproducible_and_near_linearisation() -> None:
    rng = np.random.default_rng(7)
    people = pd.DataFrame({"y": rng.normal(size=300), "w": rng.uniform(1, 3, size=300)})
    design = SurveyDesign("w")
    first = weighted_mean(people, "y", design=design, variance="bootstrap", random_state=3)
    again = weighted_mean(people, "y", design=design, variance="bootstrap", random_state=3)
    linear = weighted_mean(people, "y", design=design, variance="fixed weights")
    assert first.loc[0, "variance_method"] == "bootstrap"
    assert first.loc[0, "se"] == again.loc[0, "se"]
    assert first.loc[0, "se"] == pytest.approx(linear.loc[0, "se"], rel=0.2)


def test_raked_replicates_meet_the_margins() -> None:
    people = pd.DataFrame({"sex": list("ffffffmmmmmm"), "age": list("yoyoyoyoyoyo")})
    margins = pd.DataFrame(
        {
            "variable": ["sex", "sex", "age", "age"],
            "category": ["f", "m", "y", "o"],
            "population": [60, 40, 30, 70],
        }
    )
    people["w"] = rake(people, margins, variables=["sex", "age"])
    replicates = replicate_weights(people, design=SurveyDesign("w", calibrated_on=["sex", "age"]))
    assert replicates.shape == (12, 12)
    for column in replicates:
        weights = replicates[column]
        assert (weights == 0).sum() == 1
        assert weights[people["sex"] == "f"].sum() == pytest.approx(60)
        assert weights[people["age"] == "o"].sum() == pytest.approx(70)


def test_likert_labels_non_answers_and_strays() -> None:
    people = pd.DataFrame({"q": ["Agree", "disagree", "Don't know", None, "Agree"], "w": 1.0})
    order = ["Disagree", "Agree"]
    row = likert_mean(people, "q", order=order, design=SurveyDesign("w"), variance="fixed weights")
    assert row.loc[0, "n"] == 3 and row.loc[0, "estimate"] == pytest.approx(5 / 3)
    strays = people.assign(q=["Agree", "Maybe", "Agree", "Agree", "Agree"])
    with pytest.raises(SurveyError, match=r"'Maybe'.*neither a level"):
        likert_mean(strays, "q", order=order, design=SurveyDesign("w"), variance="fixed weights")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"variance": "sandwich"}, "variance='sandwich' is not one of"),
        ({"variance": "calibrated"}, "needs the raking variables"),
        ({"design": SurveyDesign("weight")}, "no column 'weight' for the weights"),
        ({"design": SurveyDesign("w", cluster="c", strata="s")}, "single primary sampling unit"),
        ({"design": SurveyDesign("w", cluster="c", fpc="bad_fpc")}, "takes several values"),
        ({"design": SurveyDesign("w", cluster="c", fpc="small")}, "samples 2 PSUs of a pop"),
        ({"outcome": "text"}, "'text' is not numeric: row 0 holds 'a'"),
        ({"by": "nowhere"}, "no column 'nowhere' for the groups"),
        ({"confidence": 95}, "confidence=95 is not between 0 and 1"),
    ],
)
def test_bad_input_is_refused_clearly(change: dict, message: str) -> None:
    people = pd.DataFrame(
        {
            "y": [1.0, 2, 3],
            "w": 1.0,
            "c": ["a", "b", "b"],
            "s": ["x", "x", "z"],
            "bad_fpc": [10, 10, 20],
            "small": 1.5,
            "text": ["a", "b", "c"],
        }
    )
    arguments = {"outcome": "y", "design": SurveyDesign("w"), "variance": "fixed weights"}
    arguments |= change
    with pytest.raises(SurveyError, match=message):
        weighted_mean(people, arguments.pop("outcome"), **arguments)


def test_non_positive_weights_name_the_row() -> None:
    people = pd.DataFrame({"y": [1.0, 2, 3], "w": [1.0, 0, 2]})
    with pytest.raises(SurveyError, match=r"non-positive value\(s\) \(first: row 1\)"):
        weighted_mean(people, "y", design=SurveyDesign("w"), variance="fixed weights")


def test_likert_scores_read_as_floats_match_integer_levels() -> None:
    people = pd.DataFrame({"q": [1.0, 5.0, np.nan, 4.0], "w": 1.0})
    row = likert_mean(
        people, "q", order=[1, 2, 3, 4, 5], design=SurveyDesign("w"), variance="fixed weights"
    ).iloc[0]
    assert row["n"] == 3 and row["estimate"] == pytest.approx(10 / 3)


def test_constant_outcome_has_no_design_effect() -> None:
    people = pd.DataFrame({"y": [2.0, 2.0, 2.0], "w": [1.0, 2, 3]})
    row = weighted_mean(people, "y", design=SurveyDesign("w"), variance="fixed weights").iloc[0]
    assert row["se"] == 0 and np.isnan(row["deff"])


def test_replicate_options_are_checked() -> None:
    people = pd.DataFrame({"y": [1.0, 2, 3], "w": 1.0})
    design = SurveyDesign("w")
    with pytest.raises(SurveyError, match="method='balanced' is not"):
        replicate_weights(people, design=design, method="balanced")
    with pytest.raises(SurveyError, match="the bootstrap needs at least two"):
        weighted_mean(people, "y", design=design, variance="bootstrap", replicates=1)
    with pytest.raises(SurveyError, match="too many to hold in memory"):
        weighted_mean(people, "y", design=design, variance="bootstrap", replicates=10**8)


@pytest.mark.shared
def test_breakdowns_give_r_calibrated_margins_when_told_the_raking_variables(
    resident_oracle,
) -> None:
    # The same oracle through the tables analysts and briefs use: every share of the yes/no
    # answer, overall and by ward, carries R's calibrated SE and says so.
    respondents, _, expected = resident_oracle
    calibrated = expected["yes_share_calibration_aware_se"]
    fixed = expected["yes_share_fixed_weights"]
    overall = weighted_distribution(
        respondents, "q1_yes", weights="w", min_cell_size=0, calibrated_on=ORDER
    ).set_index("category")
    assert overall.loc["yes", "se"] == pytest.approx(calibrated["overall"], rel=1e-6)
    assert set(overall["variance_method"]) == {"calibrated"}
    plain = weighted_distribution(respondents, "q1_yes", weights="w", min_cell_size=0)
    assert plain.set_index("category").loc["yes", "se"] == pytest.approx(
        fixed["overall"]["se"], rel=1e-6
    )
    # Every share carries its design effect: the oracle's Kish-style deff of the yes share.
    assert plain.set_index("category").loc["yes", "deff"] == pytest.approx(1.2375072, rel=1e-6)
    assert set(plain["variance_method"]) == {"fixed weights"}
    by_ward = crosstab(respondents, "q1_yes", "ward", weights="w", calibrated_on=ORDER)
    yes = by_ward[by_ward["category"] == "yes"].set_index("group")
    for ward, se in calibrated["by_ward"].items():
        assert yes.loc[ward, "se"] == pytest.approx(se, rel=1e-6)
    assert set(yes["variance_method"]) == {"calibrated"}


def test_raking_variables_without_weights_or_missing_are_refused() -> None:
    people = pd.DataFrame({"answer": ["a", "b"] * 5, "ward": ["x", "y"] * 5})
    with pytest.raises(SurveyError, match="no weights are given"):
        weighted_distribution(people, "answer", calibrated_on=["ward"])
    with pytest.raises(SurveyError, match="no column 'age'"):
        weighted_distribution(people.assign(w=1.0), "answer", weights="w", calibrated_on=["age"])


def test_group_vs_rest_with_a_raking_variable_that_fixes_nothing_equals_the_fixed_test() -> None:
    # Raked on a variable every respondent shares, only the total is fixed, which a ratio mean
    # does not depend on: the calibrated test of a difference must give the fixed-weights
    # design test (disjoint domains: no covariance). Not to the last digit: the residuals are
    # taken with the start weights (as R does), which moves SEs by about 1e-4 and p-values by
    # up to 0.2%.
    rng = np.random.default_rng(3)
    people = pd.DataFrame(
        {
            "answer": rng.choice(["yes", "no", "maybe"], 300),
            "ward": rng.choice(["A", "B", "C"], 300),
            "w": rng.uniform(0.5, 3.0, 300),
            "city": "Port Alder",
        }
    )
    fixed = crosstab(people, "answer", "ward", weights="w", min_cell_size=0)
    raked = crosstab(people, "answer", "ward", weights="w", min_cell_size=0, calibrated_on=["city"])
    assert raked["p_value"].to_numpy() == pytest.approx(fixed["p_value"].to_numpy(), rel=1e-2)
    assert raked["se"].to_numpy() == pytest.approx(fixed["se"].to_numpy(), rel=1e-3)
    assert raked.loc[0, "test"].startswith(
        "design-based t-test of group vs rest (linearised SE accounting for the raking"
    )


@pytest.mark.shared
def test_group_vs_rest_on_raked_wards_keeps_the_covariance_the_margins_create(
    resident_oracle,
) -> None:
    respondents, _, _ = resident_oracle
    calibrated = crosstab(respondents, "q1_yes", "ward", weights="w", calibrated_on=ORDER)
    fixed = crosstab(respondents, "q1_yes", "ward", weights="w")
    assert calibrated["p_value"].notna().all()
    # Raking on ward fixes each ward's total against the rest's: the tests change.
    assert not np.allclose(calibrated["p_value"], fixed["p_value"])
    assert set(calibrated["variance_method"]) == {"calibrated"}

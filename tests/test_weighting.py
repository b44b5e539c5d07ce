"""Raking, design effect and weighted shares: the shared oracle, hand-computed cases, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import research_kit
from research_kit.errors import SurveyError
from research_kit.survey.weighting import (
    WeightingWarning,
    design_effect,
    rake,
    rake_result,
    weighted_share,
)

ORDER = ["ward", "age_band", "race_eth"]


@pytest.fixture
def oracle(shared_data: Path) -> dict:
    folder = shared_data / "weighting"
    respondents = pd.read_csv(folder / "respondents.csv")
    margins = pd.read_csv(folder / "population_margins.csv")
    expected = json.loads((folder / "expected.json").read_text())
    result = rake_result(respondents, margins, variables=ORDER, tol=1e-13)
    return {
        "respondents": respondents,
        "margins": margins,
        "expected": expected,
        "w": result.weights,
        "raking": result,
    }


def test_raking_reproduces_the_oracle_weights(oracle: dict, shared_data: Path) -> None:
    expected = pd.read_csv(shared_data / "weighting" / "expected_weights.csv")
    weights = oracle["w"]
    by_id = pd.Series(weights.to_numpy(), index=oracle["respondents"]["resp_id"])
    np.testing.assert_allclose(
        by_id.loc[expected["resp_id"]].to_numpy(), expected["raked_weight"], rtol=1e-8
    )
    summary = oracle["expected"]["raking"]["weights_summary"]
    assert weights.min() == pytest.approx(summary["min"], rel=1e-8)
    assert weights.max() == pytest.approx(summary["max"], rel=1e-8)
    assert weights.sum() == pytest.approx(summary["sum"], rel=1e-10)
    raking = oracle["raking"]
    assert raking.converged is True
    assert abs(raking.iterations - 18) <= 2
    assert raking.max_gap < 1e-13


def test_raked_weights_meet_every_margin(oracle: dict) -> None:
    respondents, margins, weights = oracle["respondents"], oracle["margins"], oracle["w"]
    for variable, category, population in margins.itertuples(index=False):
        got = weights[respondents[variable] == category].sum()
        assert got == pytest.approx(population, rel=1e-10)


def test_design_effect_matches_the_oracle(oracle: dict) -> None:
    summary = oracle["expected"]["raking"]["weights_summary"]
    deff = design_effect(oracle["w"])
    assert list(deff.columns) == ["n", "deff", "effective_n", "min", "max", "max_over_min"]
    assert deff.loc[0, "n"] == 2000
    assert deff.loc[0, "deff"] == pytest.approx(summary["kish_deff"], rel=1e-9)
    assert deff.loc[0, "effective_n"] == pytest.approx(summary["kish_eff_n"], rel=1e-9)
    assert deff.loc[0, "max_over_min"] == pytest.approx(summary["max_over_min"], rel=1e-8)


def test_weighted_yes_share_overall(oracle: dict) -> None:
    respondents = oracle["respondents"]
    expected = oracle["expected"]["yes_share_fixed_weights"]["overall"]
    result = weighted_share(respondents, respondents["q1_yes"] == "yes", weights=oracle["w"])
    row = result.iloc[0]
    assert row["group"] == "all" and row["n"] == 2000
    assert row["share"] == pytest.approx(0.452308073, abs=1e-9)
    assert row["share"] == pytest.approx(expected["share"], abs=1e-9)
    assert row["se"] == pytest.approx(0.012383768, abs=1e-9)
    assert row["se"] == pytest.approx(expected["se"], rel=1e-6)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(expected["ci95_wald_t"], rel=1e-8)
    assert row["margin_of_error"] == pytest.approx((row["ci_high"] - row["ci_low"]) / 2)


def test_weighted_yes_share_by_ward_uses_domains(oracle: dict) -> None:
    respondents = oracle["respondents"].assign(w=oracle["w"], yes=lambda f: f["q1_yes"] == "yes")
    result = weighted_share(respondents, "yes", weights="w", by="ward").set_index("group")
    expected = oracle["expected"]["yes_share_fixed_weights"]["by_ward"]
    assert list(result.index) == sorted(expected)
    for ward, values in expected.items():
        assert result.loc[ward, "n"] == values["n"]
        assert result.loc[ward, "share"] == pytest.approx(values["share"], abs=1e-9)
        assert result.loc[ward, "se"] == pytest.approx(values["se"], rel=1e-6)
        ci = [result.loc[ward, "ci_low"], result.loc[ward, "ci_high"]]
        assert ci == pytest.approx(values["ci95_wald_t_df1999"], rel=1e-8)


# -- hand-computed cases ------------------------------------------------------------------------
def small_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame({"a": ["x", "x", "x", "y"], "b": ["u", "u", "v", "v"]})
    margins = pd.DataFrame(
        {
            "variable": ["a", "a", "b", "b"],
            "level": ["x", "y", "u", "v"],
            "population": [60.0, 40.0, 50.0, 50.0],
        }
    )
    return people, margins


def test_raking_a_hand_computed_case() -> None:
    # y only meets v: w4 = 40, so w3 = 50 - 40 = 10, and w1 = w2 = (60 - 10) / 2 = 25.
    people, margins = small_case()
    weights = rake(people, margins, variables=["a", "b"])
    assert weights.tolist() == pytest.approx([25, 25, 10, 40], rel=1e-9)
    assert weights.index.equals(people.index) and weights.name == "weight"


def test_raking_one_variable_is_one_step_and_keeps_start_weights() -> None:
    people = pd.DataFrame({"a": ["x", "x", "y"], "s": [1.0, 3.0, 2.0]})
    margins = pd.DataFrame({"variable": ["a", "a"], "category": ["x", "y"], "population": [8, 4]})
    result = rake_result(people, margins, variables=["a"], weight="s")
    assert result.weights.tolist() == pytest.approx([2.0, 6.0, 4.0])
    assert result.iterations == 1
    pd.testing.assert_series_equal(
        rake(people, margins, variables=["a"], weight="s"), result.weights
    )


def test_raking_maps_margin_variables_to_columns() -> None:
    people, margins = small_case()
    people = people.rename(columns={"a": "col_a"})
    weights = rake(people, margins, variables={"a": "col_a", "b": "b"})
    assert weights.tolist() == pytest.approx([25, 25, 10, 40], rel=1e-9)


def test_trimming_pulls_weights_towards_the_bounds_and_keeps_the_margins() -> None:
    rng = np.random.default_rng(1)
    people = pd.DataFrame(
        {
            "a": rng.choice(["x", "y"], 300, p=[0.75, 0.25]),
            "b": rng.choice(["u", "v", "t"], 300, p=[0.5, 0.3, 0.2]),
        }
    )
    margins = pd.DataFrame(
        {
            "variable": ["a", "a", "b", "b", "b"],
            "category": ["x", "y", "u", "v", "t"],
            "population": [500, 500, 300, 300, 400],
        }
    )
    untrimmed = rake(people, margins, variables=["a", "b"])
    with pytest.warns(WeightingWarning, match="upper bound 3 .*weights within the bounds exist"):
        trimming = rake_result(
            people, margins, variables=["a", "b"], trim=(0.3, 3.0), trim_rounds=20
        )
    trimmed = trimming.weights
    before = (untrimmed / untrimmed.mean()).max()
    after = (trimmed / trimmed.mean()).max()
    assert before > 3.8 and after < 3.1
    assert trimming.weight_ratio_range[1] == pytest.approx(after)
    assert trimming.within_trim_bounds == (after <= 3.0 * (1 + 1e-9))
    for variable, category, population in margins.itertuples(index=False):
        assert trimmed[people[variable] == category].sum() == pytest.approx(population, rel=1e-8)
    loosely = rake_result(people, margins, variables=["a", "b"], trim=(0.1, 10.0))
    assert loosely.within_trim_bounds and loosely.trim_rounds == 1
    np.testing.assert_allclose(loosely.weights, untrimmed, rtol=1e-8)


def test_margin_of_error_by_hand() -> None:
    # p = (1 + 2) / 6 = 1/2; z = w (y - p) / 6 = [1/12, -1/12, 1/6, -1/6];
    # var = 4/3 * (2 * 1/144 + 2 * 1/36) = 10/108; t(0.975, df 3) = 3.182446305284263.
    people = pd.DataFrame({"yes": [True, False, True, False], "w": [1.0, 1.0, 2.0, 2.0]})
    row = weighted_share(people, "yes", weights="w").iloc[0]
    se = math.sqrt(10 / 108)
    assert row["share"] == pytest.approx(0.5)
    assert row["se"] == pytest.approx(se, rel=1e-12)
    assert row["margin_of_error"] == pytest.approx(3.182446305284263 * se, rel=1e-9)
    assert row["ci_low"] == pytest.approx(0.5 - 3.182446305284263 * se, rel=1e-9)


def test_domain_share_by_hand_uses_zero_extension() -> None:
    # group g: w = [1, 2], y = [1, 0] -> p = 1/3; z over all 4 rows = [2/9, -2/9, 0, 0];
    # var = 4/3 * 8/81.
    people = pd.DataFrame(
        {"yes": [True, False, True, True], "w": [1.0, 2.0, 1.0, 1.0], "g": ["g", "g", "h", "h"]}
    )
    result = weighted_share(people, "yes", weights="w", by="g").set_index("group")
    assert result.loc["g", "share"] == pytest.approx(1 / 3)
    assert result.loc["g", "se"] == pytest.approx(math.sqrt(4 / 3 * 8 / 81))
    assert result.loc["h", "se"] == pytest.approx(0.0)


def test_missing_outcomes_leave_the_estimate() -> None:
    people = pd.DataFrame({"yes": [True, False, None, True], "w": [1.0, 1.0, 5.0, 2.0]})
    row = weighted_share(people, people["yes"].astype("boolean"), weights="w").iloc[0]
    assert row["n"] == 3
    assert row["share"] == pytest.approx(3 / 4)


def test_design_effect_by_hand() -> None:
    deff = design_effect(pd.Series([1.0, 1.0, 2.0, 2.0]))
    assert deff.loc[0, "deff"] == pytest.approx(4 * 10 / 36)
    assert deff.loc[0, "effective_n"] == pytest.approx(3.6)


# -- bad input ----------------------------------------------------------------------------------
def test_respondent_category_without_margin() -> None:
    people, margins = small_case()
    people.loc[0, "a"] = "z"
    with pytest.raises(SurveyError, match=r"'z'.*no such category"):
        rake(people, margins, variables=["a", "b"])


def test_margin_category_without_respondents() -> None:
    people, margins = small_case()
    people.loc[3, "a"] = "x"
    with pytest.raises(SurveyError, match=r"no respondent falls.*'y'"):
        rake(people, margins, variables=["a", "b"])


def test_margins_with_different_totals() -> None:
    people, margins = small_case()
    margins.loc[3, "population"] = 60.0
    with pytest.raises(SurveyError, match="sum to 110 but"):
        rake(people, margins, variables=["a", "b"])


def test_missing_values_error_or_skip() -> None:
    people, margins = small_case()
    people = pd.concat([people, pd.DataFrame({"a": ["x"], "b": [None]})], ignore_index=True)
    with pytest.raises(SurveyError, match="no value for raking variable 'b'"):
        rake(people, margins, variables=["a", "b"])
    weights = rake(people, margins, variables=["a", "b"], missing="skip")
    assert weights.sum() == pytest.approx(100.0)
    assert weights[people["a"] == "x"].sum() == pytest.approx(60.0)
    answered = people["b"].notna()
    share_u = weights[people["b"] == "u"].sum() / weights[answered].sum()
    assert share_u == pytest.approx(0.5)


def test_non_convergence_names_the_worst_variable() -> None:
    people, margins = small_case()
    with pytest.raises(SurveyError, match=r"did not converge in 1 sweeps; '(a|b)'"):
        rake(people, margins, variables=["a", "b"], max_iter=1)


def test_unknown_variable_and_bad_margins() -> None:
    people, margins = small_case()
    with pytest.raises(SurveyError, match="no population margins for variable 'c'"):
        rake(people, margins, variables=["a", "c"])
    with pytest.raises(SurveyError, match="lack the column"):
        rake(people, margins.drop(columns="population"), variables=["a"])


def test_outcome_must_be_yes_no() -> None:
    people = pd.DataFrame({"yes": ["Agree", "No"], "w": [1.0, 1.0]})
    with pytest.raises(SurveyError, match="not yes/no"):
        weighted_share(people, "yes", weights="w")


# -- the sample study ---------------------------------------------------------------------------
def test_sample_study_weighted_share_is_lower(sample_study_path: Path) -> None:
    study = research_kit.open_study(sample_study_path)
    frame = study.survey()
    margins = pd.read_csv(sample_study_path / "survey" / "population_margins.csv")
    # "Prefer not to say" has no population margin: treat it as missing and skip it.
    frame["race_ethnicity"] = frame["race_ethnicity"].replace("Prefer not to say", pd.NA)
    weights = rake(
        frame,
        margins,
        variables={"Ward": "ward", "Age": "age_band", "Race/ethnicity": "race_ethnicity"},
        missing="skip",
    )
    assert weights.sum() == pytest.approx(margins.groupby("variable")["population"].sum().iloc[0])
    question = frame["It was easy to find out which permits I needed"]
    easy = question.isin(["Agree", "Strongly agree"]).astype("boolean").where(question.notna())
    weighted = weighted_share(frame, easy, weights=weights).iloc[0]
    unweighted = weighted_share(frame, easy, weights=pd.Series(1.0, index=frame.index)).iloc[0]
    assert weighted["n"] == unweighted["n"] == question.notna().sum()
    assert weighted["share"] < unweighted["share"]
    assert weighted["margin_of_error"] > unweighted["margin_of_error"]

"""Group breakdowns and Likert summaries: hand-computed margins of error, tests, suppression,
the shared weighting oracle and the sample study's survey."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import linprog

from research_kit import open_study
from research_kit.errors import SurveyError
from research_kit.privacy import DEFAULT_MIN_CELL_SIZE
from research_kit.survey.breakdown import (
    crosstab,
    crosstab_result,
    holm_adjust,
    weighted_distribution,
)
from research_kit.survey.likert import likert_summary, likert_summary_result, top_box
from research_kit.survey.weighting import rake

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
SATISFIED = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]


# -- margins of error by hand ------------------------------------------------------------------
def test_weighted_margin_of_error_matches_the_hand_computation() -> None:
    people = pd.DataFrame({"answer": ["a", "a", "b", "b", "b", "c"], "w": [1, 2, 3, 1, 2, 3]})
    table = weighted_distribution(
        people, "answer", weights="w", levels=["a", "b", "c"], min_cell_size=0
    )
    row = table.set_index("category").loc["a"]

    # share of "a": (1 + 2) / (1 + 2 + 3 + 1 + 2 + 3) = 3 / 12
    share = 3 / 12
    # z_i = w_i (y_i - p) / sum(w): two respondents in "a" (y = 1), four not (y = 0)
    w = np.array([1, 2, 3, 1, 2, 3], dtype=float)
    y = np.array([1, 1, 0, 0, 0, 0], dtype=float)
    z = w * (y - share) / 12
    # sum z^2 = (1*.75^2 + 4*.75^2 + 9*.25^2 + 1*.25^2 + 4*.25^2 + 9*.25^2) / 144 = 4.25 / 144
    assert (z**2).sum() == pytest.approx(4.25 / 144, abs=1e-15)
    se = np.sqrt(6 / 5 * 4.25 / 144)  # n/(n-1) with n = 6
    t = stats.t.ppf(0.975, df=5)  # Student's t on n - 1 = 5 degrees of freedom
    assert row["share"] == pytest.approx(share, abs=1e-12)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    assert row["margin_of_error"] == pytest.approx(t * se, abs=1e-12)
    assert row["ci_low"] == pytest.approx(share - t * se, abs=1e-12)
    assert row["ci_high"] == pytest.approx(share + t * se, abs=1e-12)
    assert (row["n"], row["count"], row["weighted"]) == (6, 2, True)


def test_domain_margin_of_error_counts_the_whole_sample() -> None:
    # Group g has respondents 0-3 (one without an answer); the others are in group h.
    people = pd.DataFrame(
        {
            "group": ["g", "g", "g", "g", "h", "h", "h"],
            "answer": ["yes", "no", "yes", None, "no", "no", "yes"],
            "w": [2.0, 1.0, 1.0, 5.0, 1.0, 1.0, 1.0],
        }
    )
    table = weighted_distribution(
        people, "answer", weights="w", by="group", levels=["yes", "no"], min_cell_size=0
    )
    row = table[(table["group"] == "g") & (table["category"] == "yes")].iloc[0]
    d = np.array([1, 1, 1, 0, 0, 0, 0], dtype=float)  # answered and in g
    y = np.array([1, 0, 1, 0, 0, 0, 1], dtype=float)
    w = people["w"].to_numpy()
    share = (w * d * y).sum() / (w * d).sum()  # (2 + 1) / (2 + 1 + 1) = 0.75
    z = w * d * (y - share) / (w * d).sum()
    se = np.sqrt(7 / 6 * (z**2).sum())  # n = 7: the whole sample, not the 3 in the domain
    assert share == 0.75
    assert row["share"] == pytest.approx(share, abs=1e-12)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    assert row["margin_of_error"] == pytest.approx(stats.t.ppf(0.975, 6) * se, abs=1e-12)
    assert row["n"] == 3


def test_unweighted_margin_of_error_is_the_stated_formula() -> None:
    answers = ["yes"] * 7 + ["no"] * 13 + [None] * 2
    people = pd.DataFrame({"answer": answers, "ward": ["A"] * 12 + ["B"] * 10})
    overall = weighted_distribution(people, "answer", levels=["yes", "no"], min_cell_size=0)
    row = overall.iloc[0]
    n, n_d, p = 22, 20, 7 / 20
    se = np.sqrt(n / (n - 1) * p * (1 - p) / n_d)
    assert not row["weighted"]
    assert row["share"] == pytest.approx(p, abs=1e-12)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    assert row["margin_of_error"] == pytest.approx(stats.t.ppf(0.975, n - 1) * se, abs=1e-12)
    # With no missing answers and no groups it is sqrt(p(1-p)/(n-1)).
    complete = weighted_distribution(
        people.dropna(), "answer", levels=["yes", "no"], min_cell_size=0
    )
    assert complete.loc[0, "se"] == pytest.approx(np.sqrt(p * (1 - p) / 19), abs=1e-12)


def test_equal_weights_give_the_unweighted_estimates_and_unequal_ones_do_not() -> None:
    rng = np.random.default_rng(4)
    people = pd.DataFrame(
        {"answer": rng.choice(["a", "b", "c"], 60), "ward": rng.choice(["W1", "W2"], 60)}
    )
    plain = weighted_distribution(people, "answer", by="ward", min_cell_size=0)
    equal = weighted_distribution(
        people, "answer", by="ward", weights=np.full(60, 3.5), min_cell_size=0
    )
    columns = ["share", "se", "ci_low", "ci_high", "margin_of_error"]
    np.testing.assert_allclose(plain[columns], equal[columns], atol=1e-12)
    assert not plain["weighted"].any() and equal["weighted"].all()
    skewed = weighted_distribution(
        people, "answer", by="ward", weights=rng.uniform(1, 9, 60), min_cell_size=0
    )
    assert not np.allclose(plain["share"], skewed["share"])
    assert (plain[["count", "n"]].to_numpy() == skewed[["count", "n"]].to_numpy()).all()


# -- order and input ---------------------------------------------------------------------------
def test_levels_set_the_order_and_empty_levels_appear_with_share_zero() -> None:
    people = pd.DataFrame({"q": ["Agree", "Disagree", "Agree", "Strongly agree"] * 3})
    table = weighted_distribution(people, "q", levels=AGREE, min_cell_size=0)
    assert table["category"].tolist() == AGREE
    assert table.set_index("category").loc["Neither agree nor disagree", "share"] == 0
    assert table["share"].sum() == pytest.approx(1.0)


def test_groups_come_in_natural_or_categorical_order() -> None:
    wards = ["Ward 10", "Ward 2", "Ward 1"] * 4
    people = pd.DataFrame({"q": ["a", "b", "a"] * 4, "ward": wards})
    natural = weighted_distribution(people, "q", by="ward", min_cell_size=0)
    assert list(dict.fromkeys(natural["group"])) == ["Ward 1", "Ward 2", "Ward 10"]
    people["ward"] = pd.Categorical(wards, categories=["Ward 2", "Ward 10", "Ward 1"])
    chosen = weighted_distribution(people, "q", by="ward", min_cell_size=0)
    assert list(dict.fromkeys(chosen["group"])) == ["Ward 2", "Ward 10", "Ward 1"]


def test_bad_input_is_refused_with_clear_errors() -> None:
    people = pd.DataFrame({"q": ["a", "b", "zz"], "g": ["x", "y", "x"], "w": [1.0, None, 2.0]})
    with pytest.raises(SurveyError, match=r"'zz' \(1\).*respondent 2"):
        weighted_distribution(people, "q", levels=["a", "b"], min_cell_size=0)
    with pytest.raises(SurveyError, match="no column 'nope'"):
        weighted_distribution(people, "nope", min_cell_size=0)
    with pytest.raises(SurveyError, match="non-positive"):
        weighted_distribution(people, "q", weights="w", min_cell_size=0)
    with pytest.raises(SurveyError, match="ignores the weights"):
        crosstab(people, "q", "g", weights=[1, 2, 3], test="z")
    with pytest.raises(SurveyError, match="not aligned"):
        weighted_distribution(
            people, "q", weights=pd.Series([1, 1, 1], index=[5, 6, 7]), min_cell_size=0
        )


# -- tests of group vs rest --------------------------------------------------------------------
def _two_wards_differ() -> pd.DataFrame:
    # A: 80 of 100 say yes; B, C, D: about half of 200 each (100, 102, 98).
    counts = {"A": (80, 100), "B": (100, 200), "C": (102, 200), "D": (98, 200)}
    rows = [
        (ward, "yes" if k < yes else "no") for ward, (yes, n) in counts.items() for k in range(n)
    ]
    return pd.DataFrame(rows, columns=["ward", "answer"])


def test_unweighted_flags_follow_the_two_proportion_z_test() -> None:
    people = _two_wards_differ()
    table = crosstab(people, "answer", "ward", levels=["yes", "no"])
    yes = table[table["category"] == "yes"].set_index("group")
    # Hand z-test for ward A: 80/100 against the rest's (100 + 102 + 98)/600.
    pooled = (80 + 300) / 700
    z = (0.8 - 0.5) / np.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 600))
    assert yes.loc["A", "difference"] == pytest.approx(0.3)
    assert yes.loc["A", "p_value"] == pytest.approx(2 * stats.norm.sf(z), rel=1e-10)
    assert bool(yes.loc["A", "significant"]) is True
    assert not yes.loc[["B", "C", "D"], "significant"].any()
    assert (table["test"] == "two-proportion z-test of group vs rest, Holm-adjusted").all()


def test_weighted_flags_follow_the_design_based_t_test() -> None:
    people = _two_wards_differ()
    w = np.resize([1.0, 2.0, 3.0], len(people))
    table = crosstab(people, "answer", "ward", weights=w, levels=["yes", "no"])
    row = table[(table["group"] == "A") & (table["category"] == "yes")].iloc[0]
    y = (people["answer"] == "yes").to_numpy(float)
    n = len(people)

    def domain(d: np.ndarray) -> tuple[float, float]:
        p = (w * d * y).sum() / (w * d).sum()
        z = w * d * (y - p) / (w * d).sum()
        return p, np.sqrt(n / (n - 1) * (z**2).sum())

    in_a = (people["ward"] == "A").to_numpy(float)
    (p_a, se_a), (p_rest, se_rest) = domain(in_a), domain(1 - in_a)
    t = (p_a - p_rest) / np.sqrt(se_a**2 + se_rest**2)
    assert row["difference"] == pytest.approx(p_a - p_rest, abs=1e-12)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), n - 1), rel=1e-9)
    assert bool(row["significant"]) is True
    flags = table[table["category"] == "yes"].set_index("group")["significant"]
    assert not flags[["B", "C", "D"]].any()
    assert table.loc[0, "test"].startswith("design-based t-test of group vs rest")


def test_holm_adjustment() -> None:
    # Sorted: .01, .03, .04, .5 -> 4*.01, 3*.03, max(2*.04, .09), max(.5, .09)
    np.testing.assert_allclose(holm_adjust([0.01, 0.04, 0.03, 0.5]), [0.04, 0.09, 0.09, 0.5])
    np.testing.assert_allclose(holm_adjust([0.2, np.nan, 0.9]), [0.4, np.nan, 0.9])
    assert holm_adjust([]).size == 0


def test_crosstab_adjusts_across_the_shown_cells_of_the_table() -> None:
    rng = np.random.default_rng(7)
    people = pd.DataFrame(
        {
            "q": rng.choice(["a", "b", "c"], 400, p=[0.5, 0.3, 0.2]),
            "g": rng.choice(list("WXYZ"), 400),
        }
    )
    table = crosstab(people, "q", "g")
    assert not table["suppressed"].any()
    np.testing.assert_allclose(table["p_adjusted"], holm_adjust(table["p_value"]))
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert (table["p_adjusted"] > table["p_value"]).any()
    raw = crosstab(people, "q", "g", adjust="none")
    np.testing.assert_allclose(raw["p_adjusted"], raw["p_value"])
    assert raw.loc[0, "test"].endswith("unadjusted")


def test_two_categories_count_each_group_once_in_the_family() -> None:
    table = crosstab(_two_wards_differ(), "answer", "ward", levels=["yes", "no"])
    yes = table[table["category"] == "yes"]
    no = table[table["category"] == "no"]
    np.testing.assert_allclose(yes["p_value"], no["p_value"])
    np.testing.assert_allclose(yes["p_adjusted"], holm_adjust(yes["p_value"]))
    np.testing.assert_allclose(no["p_adjusted"].to_numpy(), yes["p_adjusted"].to_numpy())


def test_overall_tests() -> None:
    people = _two_wards_differ()
    plain = crosstab_result(people, "answer", "ward").overall_test.iloc[0]
    counts = pd.crosstab(people["ward"], people["answer"]).to_numpy()
    chi2, p, df, _ = stats.chi2_contingency(counts, correction=False)
    assert plain["name"] == "Pearson chi-square test of independence"
    assert (plain["statistic"], plain["df"]) == (pytest.approx(chi2), df)
    assert plain["p_value"] == pytest.approx(p)
    # With unit weights the design effect is n/(n-1), so Rao-Scott = Pearson * (n-1)/n.
    n = len(people)
    unit = crosstab_result(people, "answer", "ward", weights=np.ones(n)).overall_test.iloc[0]
    assert unit["name"].startswith("Rao-Scott first-order corrected chi-square")
    assert unit["mean_design_effect"] == pytest.approx(n / (n - 1), rel=1e-10)
    assert unit["statistic"] == pytest.approx(chi2 * (n - 1) / n, rel=1e-10)
    # Unequal weights inflate the variance: the correction divides by a larger effect.
    w = np.resize([1.0, 1.0, 8.0], n)
    skewed = crosstab_result(people, "answer", "ward", weights=w).overall_test.iloc[0]
    assert skewed["mean_design_effect"] > 1.2
    assert skewed["statistic"] == pytest.approx(
        skewed["pearson_statistic"] / skewed["mean_design_effect"]
    )


# -- suppression -------------------------------------------------------------------------------
def _small_cells() -> pd.DataFrame:
    # A: 3 say "c" (a small cell); C: only 3 respondents (a small group).
    rows = [("A", "a", 20), ("A", "b", 17), ("A", "c", 3)]
    rows += [("B", "a", 12), ("B", "b", 15), ("B", "c", 13)]
    rows += [("C", "a", 2), ("C", "b", 1)]
    rows += [("D", "a", 9), ("D", "b", 10), ("D", "c", 11)]
    return pd.DataFrame(
        [(g, answer) for g, answer, k in rows for _ in range(k)], columns=["g", "q"]
    )


def test_small_cells_their_complements_and_small_groups_are_suppressed() -> None:
    people = _small_cells()
    table = crosstab(people, "q", "g", levels=["a", "b", "c"])
    cell = table.set_index(["group", "category"])
    assert cell.loc[("A", "c"), "suppression_reason"] == "small cell"
    assert (table[table["group"] == "A"]["suppressed"]).sum() >= 2
    assert (cell.loc["C", "suppression_reason"] == "small group").all()
    assert cell.loc["C", "n"].isna().all()
    hidden = table[table["suppressed"]]
    estimates = ["count", "share", "se", "ci_low", "ci_high", "margin_of_error", "difference"]
    assert hidden[[*estimates, "p_value", "p_adjusted"]].isna().all().all()
    assert hidden["significant"].isna().all()
    shown = table[~table["suppressed"]]
    assert shown[["count", "share", "p_value"]].notna().all().all()
    # The overall test leaves out the hidden small group.
    overall = crosstab_result(people, "q", "g", levels=["a", "b", "c"]).overall_test
    assert overall.loc[0, "groups"] == ["A", "B", "D"]
    # Holm runs over the shown cells only.
    np.testing.assert_allclose(shown["p_adjusted"], holm_adjust(shown["p_value"]))


def test_no_suppressed_count_can_be_worked_back_from_the_totals() -> None:
    people = _small_cells()
    table = crosstab(people, "q", "g", levels=["a", "b", "c"])
    truth = pd.crosstab(people["g"], people["q"]).reindex(columns=["a", "b", "c"], fill_value=0)
    groups, categories = list(truth.index), list(truth.columns)
    hidden = table.set_index(["group", "category"])["suppressed"]
    unknown = [(g, c) for g in groups for c in categories if hidden[(g, c)]]
    assert unknown
    # A reader knows every row total, every column total and the shown counts.
    position = {cell: k for k, cell in enumerate(unknown)}
    equations, targets = [], []
    for g in groups:
        row = np.zeros(len(unknown))
        for c in categories:
            if (g, c) in position:
                row[position[(g, c)]] = 1
        equations.append(row)
        targets.append(
            truth.loc[g].sum() - sum(truth.loc[g, c] for c in categories if not hidden[(g, c)])
        )
    for c in categories:
        row = np.zeros(len(unknown))
        for g in groups:
            if (g, c) in position:
                row[position[(g, c)]] = 1
        equations.append(row)
        targets.append(truth[c].sum() - sum(truth.loc[g, c] for g in groups if not hidden[(g, c)]))
    for k, cell in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[k] = 1
        low = linprog(objective, A_eq=equations, b_eq=targets, bounds=(0, None)).fun
        high = -linprog(-objective, A_eq=equations, b_eq=targets, bounds=(0, None)).fun
        assert high - low > 0.5, f"{cell} is pinned to {low}"


def test_weighted_distribution_suppresses_by_default_like_crosstab() -> None:
    people = _small_cells()
    open_table = weighted_distribution(people, "q", by="g", min_cell_size=0)
    assert "suppressed" not in open_table and open_table["count"].min() == 0
    shown = weighted_distribution(people, "q", by="g")  # the default minimum cell size
    assert shown["suppressed"].any()
    assert shown.loc[shown["suppressed"], "share"].isna().all()
    explicit = weighted_distribution(people, "q", by="g", min_cell_size=DEFAULT_MIN_CELL_SIZE)
    pd.testing.assert_frame_equal(shown, explicit)
    larger = weighted_distribution(people, "q", by="g", min_cell_size=50)
    assert larger["suppressed"].sum() > shown["suppressed"].sum()


# -- Likert ------------------------------------------------------------------------------------
def test_likert_order_is_kept_and_non_answers_are_excluded_but_counted() -> None:
    answers = (
        ["Strongly agree"] * 6
        + ["agree "] * 8
        + ["Disagree"] * 5
        + ["Don\u2019t know"] * 3
        + ["Prefer not to say"] * 2
        + [None, "  "]
    )
    people = pd.DataFrame({"q": answers})
    summary = likert_summary(people, "q", order=AGREE)
    assert summary["category"].tolist() == AGREE
    assert (summary["n"] == 19).all()
    assert (summary["non_answer"] == 7).all()
    shares = summary.set_index("category")["share"]
    assert shares["Agree"] == pytest.approx(8 / 19)
    assert shares["Strongly disagree"] == 0
    result = likert_summary_result(people, "q", order=AGREE)
    pd.testing.assert_frame_equal(result.table, summary)
    non_answers = result.non_answers.set_index("answer")["count"]
    assert non_answers.to_dict() == {"Don\u2019t know": 3, "Prefer not to say": 2, "(blank)": 2}


def test_likert_items_with_their_own_scales_and_unknown_answers() -> None:
    people = pd.DataFrame(
        {"easy": ["Agree", "Disagree"] * 5, "overall": ["Satisfied", "Neutral"] * 5}
    )
    summary = likert_summary(
        people, ["easy", "overall"], order={"easy": AGREE, "overall": SATISFIED}
    )
    assert summary[summary["item"] == "overall"]["category"].tolist() == SATISFIED
    assert list(dict.fromkeys(summary["item"])) == ["easy", "overall"]
    with pytest.raises(SurveyError, match="no scale given for the Likert item 'overall'"):
        likert_summary(people, ["easy", "overall"], order={"easy": AGREE})
    with pytest.raises(SurveyError, match=r"'easy'.*'Satisfied'"):
        likert_summary(people.assign(easy="Satisfied"), "easy", order=AGREE)


def test_top_box_share_and_its_tests_by_group() -> None:
    people = pd.DataFrame(
        {
            "g": ["x"] * 40 + ["y"] * 40,
            "q": ["Agree"] * 20
            + ["Strongly agree"] * 10
            + ["Disagree"] * 10
            + ["Agree"] * 5
            + ["Neither agree nor disagree"] * 30
            + ["Don't know"] * 5,
        }
    )
    box = top_box(people, "q", order=AGREE, by="g")
    assert box["box"].unique().tolist() == ["Agree + Strongly agree"]
    row = box.set_index("group")
    assert row.loc["x", "share"] == pytest.approx(30 / 40)
    assert row.loc["y", "share"] == pytest.approx(5 / 35)
    assert row.loc["y", "non_answer"] == 5
    assert row["significant"].all()
    np.testing.assert_allclose(row["p_adjusted"], holm_adjust(row["p_value"]))
    assert row["test"].iloc[0].endswith("Holm-adjusted across groups")
    overall = top_box(people, "q", order=AGREE)
    assert overall.loc[0, "share"] == pytest.approx(35 / 75)


# -- the shared weighting oracle ---------------------------------------------------------------
@pytest.fixture
def oracle(shared_data: Path) -> dict:
    folder = shared_data / "weighting"
    respondents = pd.read_csv(folder / "respondents.csv")
    margins = pd.read_csv(folder / "population_margins.csv")
    weights = rake(respondents, margins, variables=["ward", "age_band", "race_eth"], tol=1e-13)
    expected = json.loads((folder / "expected.json").read_text())
    return {"respondents": respondents, "w": weights, "expected": expected}


@pytest.mark.shared
def test_oracle_likert_distribution_and_top_box(oracle: dict) -> None:
    respondents, w, expected = oracle["respondents"], oracle["w"], oracle["expected"]
    likert = expected["likert_q2"]
    table = weighted_distribution(
        respondents, "q2_likert", weights=w, levels=[1, 2, 3, 4, 5], min_cell_size=0
    )
    got = table.set_index("category")["share"]
    for level, share in likert["weighted_distribution"].items():
        assert got[int(level)] == pytest.approx(share, abs=1e-9)
    box = top_box(respondents, "q2_likert", order=[1, 2, 3, 4, 5], weights=w)
    assert box.loc[0, "share"] == pytest.approx(likert["top2box_4or5"]["est"], abs=1e-9)
    assert box.loc[0, "se"] == pytest.approx(likert["top2box_4or5"]["se"], rel=1e-6)


@pytest.mark.shared
def test_oracle_yes_share_by_ward(oracle: dict) -> None:
    respondents, w, expected = oracle["respondents"], oracle["w"], oracle["expected"]
    table = crosstab(respondents, "q1_yes", "ward", weights=w, levels=["yes", "no"])
    yes = table[table["category"] == "yes"].set_index("group")
    for ward, truth in expected["yes_share_fixed_weights"]["by_ward"].items():
        assert yes.loc[ward, "n"] == truth["n"]
        assert yes.loc[ward, "share"] == pytest.approx(truth["share"], abs=1e-9)
        assert yes.loc[ward, "se"] == pytest.approx(truth["se"], rel=1e-6)
        low, high = truth["ci95_wald_t_df1999"]
        assert (yes.loc[ward, "ci_low"], yes.loc[ward, "ci_high"]) == (
            pytest.approx(low, abs=1e-9),
            pytest.approx(high, abs=1e-9),
        )
    overall = weighted_distribution(
        respondents, "q1_yes", weights=w, levels=["yes", "no"], min_cell_size=0
    )
    truth = expected["yes_share_fixed_weights"]["overall"]
    assert overall.loc[0, "share"] == pytest.approx(truth["share"], abs=1e-9)
    assert overall.loc[0, "se"] == pytest.approx(truth["se"], rel=1e-6)
    unweighted = weighted_distribution(respondents, "q1_yes", levels=["yes", "no"], min_cell_size=0)
    assert unweighted.loc[0, "share"] == pytest.approx(truth["unweighted"], abs=1e-12)
    overall_test = crosstab_result(
        respondents, "q1_yes", "ward", weights=w, levels=["yes", "no"]
    ).overall_test
    assert overall_test.loc[0, "df"] == len(yes) - 1


# -- the sample study --------------------------------------------------------------------------
@pytest.fixture
def sample_survey(sample_study_path: Path) -> dict:
    with open_study(sample_study_path) as study:
        source = study.survey_source()
        survey = study.survey()
    margins = pd.read_csv(source.population_margins)
    raking = survey.assign(
        race_ethnicity=survey["race_ethnicity"].where(
            survey["race_ethnicity"] != "Prefer not to say"
        )
    )
    weights = rake(
        raking,
        margins,
        variables={"Ward": "ward", "Age": "age_band", "Race/ethnicity": "race_ethnicity"},
        missing="skip",
    )
    order = {item: SATISFIED if item.startswith("Overall") else AGREE for item in source.likert}
    return {"survey": survey, "weights": weights, "items": list(source.likert), "order": order}


def test_sample_survey_weighted_likert_by_ward_suppresses_small_cells(sample_survey: dict) -> None:
    survey, items = sample_survey["survey"], sample_survey["items"]
    summary = likert_summary(
        survey, items, order=sample_survey["order"], weights=sample_survey["weights"], by="ward"
    )
    assert list(dict.fromkeys(summary["item"])) == items
    assert summary["weighted"].all()
    assert summary["suppressed"].any()
    for item in items:
        raw = survey.groupby("ward")[item].value_counts()
        small = raw[(raw > 0) & (raw < 5)]
        part = summary[summary["item"] == item].set_index(["group", "category"])
        for key in small.index:
            assert part.loc[key, "suppressed"], key
        hidden_per_group = part["suppressed"].groupby(level="group").sum()
        assert not hidden_per_group.isin([1]).any()
        shown = part[~part["suppressed"]]
        assert shown["share"].between(0, 1).all()
        assert (shown["ci_low"] <= shown["share"]).all()
        full = part.groupby(level="group")["suppressed"].sum() == 0
        sums = part["share"].groupby(level="group").sum()[full]
        np.testing.assert_allclose(sums, 1.0)
    tests = likert_summary_result(
        survey, items, order=sample_survey["order"], weights=sample_survey["weights"], by="ward"
    ).overall_tests
    assert tests["item"].tolist() == items

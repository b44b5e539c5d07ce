"""Polarity of answers and themes, and whether praise and complaint share themes at the size of
a real survey (the minimal pairs mixed into the sample survey's answers; see
``benchmarks/bench_polarity.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import research_kit
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.themes import THEME_COLUMNS, cluster_question
from research_kit.text import (
    POLARITY_SPLIT_WEIGHT,
    answer_keys,
    answer_polarity,
    polarity_label,
    theme_polarity,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_polarity", ROOT / "benchmarks" / "bench_polarity.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pairs(bench) -> pd.DataFrame:
    return bench.load_pairs()


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("The clerk was helpful", "praise"),
        ("The clerk was not helpful", "complaint"),
        ("No problems at all", "praise"),
        ("Permits are slow", "complaint"),
        ("Permits are not slow anymore", "praise"),
        ("The pothole was never fixed", "complaint"),  # a negated neutral verb complains
        ("I never got a clear answer", "complaint"),  # the negation reaches "clear"
        ("Couldn't be better", "praise"),  # a negated comparative keeps its sign
        ("Could be better", "complaint"),  # after a modal it is a wish
        ("El personal fue muy amable", "praise"),
        ("El trámite fue lento", "complaint"),
        ("Route 5 bus schedule", "neutral"),
        ("Xe buýt luôn trễ", "neutral"),  # Vietnamese: no lexicon, read as neutral
        ("", "neutral"),
    ],
)
def test_answer_polarity(text: str, polarity: str) -> None:
    table = answer_polarity([text])
    assert list(table.columns) == ["text", "compound", "polarity"]
    assert table.loc[0, "polarity"] == polarity
    assert -1 < table.loc[0, "compound"] < 1
    assert polarity_label(table.loc[0, "compound"]) == polarity


def test_praise_side_of_minimal_pairs_reads_more_positive(pairs: pd.DataFrame) -> None:
    praise = answer_polarity(pairs["praise"])["compound"].to_numpy()
    complaint = answer_polarity(pairs["complaint"])["compound"].to_numpy()
    for language in ("en", "es"):
        rows = (pairs["language"] == language).to_numpy()
        assert (praise[rows] > complaint[rows]).mean() >= 0.8, language


def test_theme_polarity_flags_themes_that_mix_praise_and_complaint() -> None:
    answers = [
        "Staff helpful",
        "Staff rude",
        "Staff not helpful",
        "Great staff",
        "Buses late",
        "Buses always late",
        "Bus route map",
        "Library hours",
        "Library address",
    ]
    table = theme_polarity(answers, [0, 0, 0, 0, 1, 1, 1, 2, 2])
    assert table["cluster"].tolist() == [0, 1, 2]
    assert table["polarity"].tolist() == ["mixed", "complaint", "neutral"]
    assert table["mixed_polarity"].tolist() == [True, False, False]
    assert table.loc[0, "praise_share"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="labels"):
        theme_polarity(answers, [0, 1])


def test_polarity_pseudo_words_are_distinct_so_the_mixture_counts_them(pairs) -> None:
    keys = answer_keys(["Staff helpful", "Staff not helpful", "Bus route"], polarity_weight=3)
    assert keys == [
        "staff helpful +praise +praise2 +praise3",
        "staff not_helpful -complaint -complaint2 -complaint3",
        "bus route",
    ]


def test_pair_sides_share_a_theme_no_more_than_chance_with_polarity(bench, pairs) -> None:
    """At survey size (about 3,000 answers, k=20): with ``POLARITY_SPLIT_WEIGHT`` the two
    sides of a pair share a theme no more often than two of the pairs' answers drawn at random
    (one-sided binomial test at 5%); with the default topical themes they mostly do."""
    texts, where = bench.pair_survey(pairs)
    assert 2_500 <= len(texts) <= 3_500
    split = ResponseClusterer(
        bench.N_CLUSTERS, random_state=0, progress=False, polarity_weight=POLARITY_SPLIT_WEIGHT
    ).fit_predict(texts)
    result = bench.same_theme(split, where)
    assert result["pairs"] == len(pairs)
    assert result["p_value"] >= 0.05, result
    topical = ResponseClusterer(bench.N_CLUSTERS, random_state=0, progress=False)
    default = bench.same_theme(topical.fit_predict(texts), where)
    assert result["rate"] < default["rate"]


def test_splitting_mixed_themes_parts_most_pairs_and_keeps_themes_pure(bench, pairs) -> None:
    """``polarity="split"``: far fewer pairs share a theme than with the default (not yet as
    few as chance: sides the lexicon misreads stay together), and no theme holds both a
    praise and a complaint answer that the fit reads as such, at the k asked for."""
    texts, where = bench.pair_survey(pairs)
    model = ResponseClusterer(bench.N_CLUSTERS, random_state=0, progress=False, polarity="split")
    labels = model.fit_predict(texts)
    assert model.n_themes_ == bench.N_CLUSTERS
    split = bench.same_theme(labels, where)
    default = ResponseClusterer(bench.N_CLUSTERS, random_state=0, progress=False)
    topical = bench.same_theme(default.fit_predict(texts), where)
    assert split["rate"] < topical["rate"] / 2, (split, topical)
    table = theme_polarity(texts, labels)
    assert not table["mixed_polarity"].any()


def test_same_theme_counts_pairs_and_chance(bench) -> None:
    where = pd.DataFrame(
        {
            "position": [0, 1, 2, 3, 4],
            "pair_id": [1, 1, 2, 2, 2],
            "side": ["praise", "complaint", "praise", "complaint", "complaint"],
            "original": [True, True, True, True, False],
        }
    )
    result = bench.same_theme(np.array([0, 0, 0, 1, 1]), where)
    assert result["together"] == 1 and result["rate"] == 0.5
    assert result["chance"] == pytest.approx(0.75**2 + 0.25**2)


def test_themes_table_has_polarity_columns(sample_study_path: Path) -> None:
    study = research_kit.open_study(sample_study_path)
    try:
        themes = cluster_question(study, 1, n_clusters=5, keep_run=False, weights=None)
    finally:
        study.close()
    table = themes.themes
    assert list(table.columns) == THEME_COLUMNS
    assert {"praise_share", "complaint_share", "polarity", "mixed_polarity"} <= set(table)
    assert table["praise_share"].between(0, 1).all()
    assert (table["praise_share"] + table["complaint_share"] <= 1).all()
    assert set(table["polarity"]) <= {"praise", "complaint", "mixed", "neutral"}
    mixed = table["mixed_polarity"].astype(bool)
    assert (mixed == (table["polarity"] == "mixed")).all()

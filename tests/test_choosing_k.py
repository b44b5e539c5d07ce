"""Auto k finds the structure that is there; a fixed k is delivered (or a warning says why)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

from research_kit.survey._k_scores import word_evidence
from research_kit.survey.choosing_k import search_is_over
from research_kit.survey.clustering import FewerThemesWarning, ResponseClusterer
from research_kit.text import build_pipeline

SYLLABLES = ["ba", "ko", "ri", "mu", "te", "sa", "lo", "ne", "vi", "du", "ga", "pe", "zo"]
FILLER = ["please", "city", "really", "more", "better", "need", "would", "like", "think"]


def pseudo_words() -> list[str]:
    """Distinct made-up words of three syllables (none a stop word or a number)."""
    return ["".join(parts) for parts in itertools.product(SYLLABLES, repeat=3)]


def topic_answers(n_topics: int, n_per_topic: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Answers drawing 3-6 words from one of ``n_topics`` disjoint 12-word vocabularies."""
    rng = np.random.default_rng(seed)
    words = np.array(pseudo_words())
    vocabularies = rng.permutation(words)[: 12 * n_topics].reshape(n_topics, 12)
    truth = np.repeat(np.arange(n_topics), n_per_topic)
    lengths = rng.integers(3, 7, len(truth))
    texts = [
        " ".join([*rng.choice(vocabularies[topic], length), *rng.choice(FILLER, 2)])
        for topic, length in zip(truth, lengths, strict=True)
    ]
    return texts, truth


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


@pytest.mark.parametrize(("n_topics", "n_per_topic"), [(3, 60), (8, 40), (25, 30)])
def test_auto_k_finds_the_number_of_separated_topics(n_topics, n_per_topic, nlp) -> None:
    texts, truth = topic_answers(n_topics, n_per_topic)
    model = ResponseClusterer("auto", random_state=0, nlp=nlp).fit(texts)
    assert n_topics / 1.5 <= model.n_clusters_ <= n_topics * 1.5
    assert adjusted_rand_score(truth, model.labels_) > 0.8
    scores = model.k_scores_
    assert scores["chosen"].sum() == 1
    assert scores.loc[scores["chosen"], "k"].item() == model.n_clusters_
    assert scores["k"].max() > model.n_clusters_  # the criterion chose, not the last candidate
    assert scores.loc[scores["chosen"], "log_evidence"].item() == scores["log_evidence"].max()


def test_criterion_is_a_sentence_a_researcher_can_read(nlp) -> None:
    texts, _ = topic_answers(3, 30)
    model = ResponseClusterer("auto", random_state=0, nlp=nlp).fit(texts)
    criterion = model.criterion_
    assert criterion.startswith("k is the candidate (k = 2 to ")
    assert "marginal likelihood" in criterion and "Dirichlet prior" in criterion
    assert criterion.endswith(".") and criterion.count(". ") == 0


def test_evidence_prefers_the_true_split_to_merging_or_cutting_it() -> None:
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1, 2], 40)
    words = sp.csr_matrix(
        np.array([rng.random(30) < np.where(np.arange(30) // 10 == t, 0.4, 0.0) for t in truth])
    )
    weights = np.ones(len(truth))
    true_split = word_evidence(words, truth, weights)
    merged = word_evidence(words, np.minimum(truth, 1), weights)
    cut = word_evidence(words, truth * 2 + rng.integers(0, 2, len(truth)), weights)
    assert true_split > merged and true_split > cut


def test_search_stops_only_after_candidates_above_fifteen_fall() -> None:
    import pandas as pd

    falling = pd.DataFrame({"k": [10, 11, 12, 13, 14], "log_evidence": [0, -1, -2, -3, -4]})
    assert not search_is_over(falling)  # every k up to 15 is always tried
    later = pd.DataFrame({"k": [15, 18, 22, 26, 31], "log_evidence": [0, -1, -2, -3, -4]})
    assert search_is_over(later)
    rising = later.assign(log_evidence=[0, -1, -2, -3, 1])
    assert not search_is_over(rising)


@pytest.mark.parametrize("k", [40, 90, 150])
def test_the_k_asked_for_is_the_k_delivered(k, nlp) -> None:
    texts, _ = topic_answers(5, 160)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewerThemesWarning)
        model = ResponseClusterer(k, random_state=0, nlp=nlp).fit(texts)
    assert model.n_clusters_ == k
    assert sorted(set(model.labels_)) == list(range(k))
    assert len(model.describe()) == k


def test_fewer_themes_are_never_silent(nlp) -> None:
    # 150 clusters of 800 answers in 25 tight topics: clusters of about five answers, which the
    # mixture may not keep apart; then a warning must say how many were formed
    texts, _ = topic_answers(25, 32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ResponseClusterer(150, random_state=0, nlp=nlp).fit(texts)
    fewer = [w for w in caught if issubclass(w.category, FewerThemesWarning)]
    if model.n_clusters_ < 150:
        assert len(fewer) == 1
        assert f"only {model.n_clusters_} could be formed" in str(fewer[0].message)
    else:
        assert not fewer
    assert model.n_clusters_ >= 140


def test_identical_answers_give_a_warning_saying_how_many_themes_and_why(nlp) -> None:
    texts = ["parking fees downtown"] * 10 + ["bus routes late"] * 10 + ["park trees"] * 5
    with pytest.warns(FewerThemesWarning, match=r"asked for 6 themes but only 3 .* 3 distinct"):
        model = ResponseClusterer(6, random_state=0, nlp=nlp).fit(texts)
    assert model.n_clusters_ == 3

"""ResponseClusterer: estimator API, determinism, row order, auto-k, describe, bad input, scale."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from research_kit.errors import SurveyError
from research_kit.survey import _cluster_math, _cluster_model
from research_kit.survey.clustering import (
    FewerThemesWarning,
    ResponseClusterer,
    auto_k_limit,
    candidate_ks,
)
from research_kit.survey.embeddings import MissingOptionalDependency, sentence_model_available
from research_kit.text import build_pipeline

THEMES = {
    "parking": ["parking", "garage", "meter", "spaces", "downtown", "lot", "valet", "curb"],
    "potholes": ["pothole", "pavement", "asphalt", "road", "repair", "crack", "resurface", "lane"],
    "parks": ["playground", "trees", "bench", "picnic", "grass", "swing", "trail", "shade"],
    "transit": ["bus", "route", "schedule", "stop", "shelter", "driver", "fare", "train"],
    "permits": ["permit", "inspection", "application", "zoning", "clerk", "form", "fee", "office"],
}
FILLER = ["please", "city", "really", "more", "better", "need", "would", "like"]


def themed_answers(n_per_theme: int = 40, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Short answers, each drawing 2-5 words from one of five disjoint vocabularies."""
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for theme, words in enumerate(THEMES.values()):
        for _ in range(n_per_theme):
            chosen = list(rng.choice(words, rng.integers(2, 6))) + list(rng.choice(FILLER, 2))
            rng.shuffle(chosen)
            texts.append(" ".join(chosen))
            truth.append(theme)
    return texts, np.array(truth)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


@pytest.fixture(scope="module")
def answers() -> tuple[list[str], np.ndarray]:
    return themed_answers()


@pytest.fixture(scope="module")
def fitted(answers, nlp) -> ResponseClusterer:
    return ResponseClusterer(5, random_state=0, nlp=nlp).fit(answers[0])


# -- estimator API -----------------------------------------------------------------------------


def test_parameters_are_stored_unchanged_and_clone_works(nlp) -> None:
    model = ResponseClusterer(4, k_range=(3, 6), ngram_range=(1, 1), random_state=7, nlp=nlp)
    params = model.get_params()
    assert params["n_clusters"] == 4 and params["k_range"] == (3, 6)
    assert params["ngram_range"] == (1, 1) and params["random_state"] == 7
    copy = clone(model)
    assert copy.get_params()["k_range"] == (3, 6) and not hasattr(copy, "labels_")
    copy.set_params(n_clusters="auto", batch_size=100)
    assert copy.n_clusters == "auto" and copy.batch_size == 100


def test_drops_into_a_pipeline(answers, nlp) -> None:
    texts, truth = answers
    pipeline = Pipeline(
        [
            ("clean", FunctionTransformer(lambda xs: [x.strip().lower() for x in xs])),
            ("cluster", ResponseClusterer(5, random_state=0, nlp=nlp)),
        ]
    )
    labels = pipeline.fit_predict(texts)
    assert adjusted_rand_score(truth, labels) > 0.9
    assert pipeline.named_steps["cluster"].n_clusters_ == 5


def test_fit_predict_predict_transform_agree(fitted, answers) -> None:
    texts, _ = answers
    np.testing.assert_array_equal(fitted.predict(texts), fitted.labels_)
    memberships = fitted.transform(texts)
    assert memberships.shape == (len(texts), 5)
    np.testing.assert_allclose(memberships.sum(axis=1), 1.0)
    np.testing.assert_array_equal(memberships.argmax(axis=1), fitted.labels_)


def test_pickled_model_predicts_the_same(fitted, answers) -> None:
    texts, _ = answers
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(texts[:50]), fitted.labels_[:50])


# -- assignments ------------------------------------------------------------------------------


def test_fixed_k_recovers_the_themes_and_assigns_everyone(fitted, answers) -> None:
    _, truth = answers
    assert fitted.n_clusters_ == 5
    assert fitted.labels_.shape == truth.shape
    assert set(fitted.labels_) == set(range(5))
    assert adjusted_rand_score(truth, fitted.labels_) > 0.9
    assert ((fitted.confidence_ >= 0) & (fitted.confidence_ <= 1)).all()
    assert fitted.confidence_.mean() > 0.5
    assert fitted.k_scores_["chosen"].tolist() == [True]
    assert "fixed" in fitted.criterion_


def test_clusters_are_numbered_by_size(nlp) -> None:
    texts, _ = themed_answers(20)
    extra, _ = themed_answers(30, seed=1)
    texts += extra[120:150]  # 30 more "transit" answers: the largest theme
    model = ResponseClusterer(5, random_state=0, nlp=nlp).fit(texts)
    sizes = np.bincount(model.labels_)
    assert (np.diff(sizes) <= 0).all()
    assert model.labels_[len(texts) - 1] == 0
    np.testing.assert_array_equal(model.cluster_sizes_, sizes)


def test_same_seed_same_result_and_row_order_does_not_matter(answers, fitted, nlp) -> None:
    texts, _ = answers
    again = ResponseClusterer(5, random_state=0, nlp=nlp).fit(texts)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    np.testing.assert_array_equal(again.confidence_, fitted.confidence_)
    order = np.random.default_rng(3).permutation(len(texts))
    shuffled = ResponseClusterer(5, random_state=0, nlp=nlp).fit([texts[i] for i in order])
    np.testing.assert_array_equal(shuffled.labels_, fitted.labels_[order])
    np.testing.assert_allclose(shuffled.confidence_, fitted.confidence_[order])
    pd.testing.assert_frame_equal(shuffled.describe(), fitted.describe())


def test_auto_k_finds_five_separated_vocabularies(answers, nlp) -> None:
    texts, truth = answers
    model = ResponseClusterer("auto", k_range=(2, 9), random_state=0, nlp=nlp).fit(texts)
    assert model.n_clusters_ == 5
    scores = model.k_scores_
    assert scores["k"].tolist() == list(range(2, 10))
    assert {"log_evidence", "clusters_used", "chosen"} <= set(scores.columns)
    assert scores.loc[scores["chosen"], "k"].tolist() == [5]
    assert scores["log_evidence"].idxmax() == scores.index[scores["chosen"]][0]
    assert "marginal likelihood" in model.criterion_
    assert adjusted_rand_score(truth, model.labels_) > 0.9


def test_auto_k_range_grows_with_the_answers(answers, nlp) -> None:
    texts, truth = answers
    model = ResponseClusterer("auto", random_state=0, nlp=nlp).fit(texts)
    limit = auto_k_limit(model.n_fit_texts_)
    tried = model.k_scores_["k"].tolist()
    assert tried == candidate_ks(2, limit)[: len(tried)]  # the search may stop early
    assert "k = 2 to 15" in model.criterion_
    assert model.n_clusters_ == 5
    assert adjusted_rand_score(truth, model.labels_) > 0.9
    assert [auto_k_limit(n) for n in (10, 400, 1_000, 10_000)] == [15, 40, 100, 200]


# -- describe ---------------------------------------------------------------------------------


def test_describe_gives_one_readable_row_per_cluster(fitted, answers) -> None:
    texts, _ = answers
    table = fitted.describe(n_quotes=2, n_terms=4)
    assert list(table.columns) == [
        "cluster",
        "label",
        "label_source",
        "size",
        "share",
        "top_terms",
        "quotes",
        "mean_confidence",
        "kind",
    ]
    assert table["cluster"].tolist() == list(range(5))
    assert table["size"].sum() == len(texts)
    assert table["share"].sum() == pytest.approx(1.0)
    for row in table.itertuples():
        members = [
            t for t, label in zip(texts, fitted.labels_, strict=True) if label == row.cluster
        ]
        assert 1 <= len(row.top_terms) <= 4
        assert len(row.quotes) == 2 and set(row.quotes) <= set(members)
        # The name is a phrase as some of the cluster's answers wrote it, not a word list.
        assert row.label_source == "phrase" and " · " not in row.label
        assert sum(row.label.casefold() in " ".join(t.casefold().split()) for t in members) >= 1
        theme = next(words for words in THEMES.values() if row.top_terms[0] in words)
        assert all(term in theme for term in row.top_terms[:2])
        assert 0 <= row.mean_confidence <= 1
    assert table["label"].str.casefold().is_unique


def test_describe_on_new_answers(fitted) -> None:
    new = ["bus route schedule", "more bus shelters", "pothole repair please", ""]
    table = fitted.describe(new, n_quotes=5)
    assert table["size"].sum() == 4
    transit = table[table["top_terms"].map(lambda terms: "bus" in terms)]
    assert transit["size"].item() == 2 and len(transit["quotes"].item()) == 2


# -- awkward and bad input --------------------------------------------------------------------


def test_empty_and_non_string_answers_still_get_a_cluster(answers, nlp) -> None:
    texts, _ = answers
    awkward = [None, float("nan"), "", "  ", 42, "the", "n/a", pd.NA]
    model = ResponseClusterer(5, random_state=0, nlp=nlp, set_aside=False)
    model.fit(pd.Series(texts + awkward))
    tail_labels, tail_confidence = model.labels_[-8:], model.confidence_[-8:]
    assert (tail_labels == 0).all()  # nothing to go on: the largest cluster ...
    assert (tail_confidence == 0).all()  # ... with confidence 0
    assert model.labels_.shape == (len(texts) + 8,)
    # set aside (the default), "n/a" is "nothing to add": the praise group, after the themes
    grouped = ResponseClusterer(5, random_state=0, nlp=nlp, min_group_size=1)
    grouped.fit(pd.Series(texts + awkward))
    assert grouped.labels_[-2] == grouped.n_themes_ == 5
    assert (np.delete(grouped.labels_[-8:], 6) == 0).all()


def test_short_answers_do_not_shape_clusters_but_are_assigned(answers, nlp) -> None:
    texts, _ = answers
    model = ResponseClusterer(5, min_tokens=3, random_state=0, nlp=nlp).fit([*texts, "bus"])
    assert model.n_fit_texts_ < len(set(texts)) + 1
    bus_cluster = model.labels_[-1]
    assert model.describe()["top_terms"][bus_cluster][0] in THEMES["transit"]


def test_all_empty_input_is_a_clear_error(nlp) -> None:
    with pytest.raises(SurveyError, match="no answer has a word"):
        ResponseClusterer(2, nlp=nlp).fit(["", None, "the", "123", "!!"])
    with pytest.raises(SurveyError, match="no answers"):
        ResponseClusterer(2, nlp=nlp).fit([])


def test_fewer_answers_than_clusters_warns_how_many_themes_and_why(nlp) -> None:
    with pytest.warns(FewerThemesWarning, match="only 2 could be formed.*only 2 distinct"):
        model = ResponseClusterer(5, nlp=nlp).fit(["parking fees", "bus routes", "parking fees"])
    assert model.n_clusters_ == 2 and sorted(model.labels_) == [0, 0, 1]


def test_wrong_shapes_and_parameters_are_refused(nlp) -> None:
    with pytest.raises(SurveyError, match="not one string"):
        ResponseClusterer(2, nlp=nlp).fit("one answer")
    with pytest.raises(SurveyError, match="one column"):
        ResponseClusterer(2, nlp=nlp).fit(pd.DataFrame({"a": ["x"], "b": ["y"]}))
    with pytest.raises(ValueError, match="n_clusters"):
        ResponseClusterer(0, nlp=nlp).fit(["parking"])
    with pytest.raises(ValueError, match="k_range"):
        ResponseClusterer("auto", k_range=(5, 3), nlp=nlp).fit(["parking"])


# -- batch path -------------------------------------------------------------------------------


def test_batch_path_matches_in_memory_path(answers, fitted, nlp) -> None:
    texts, _ = answers
    batched = ResponseClusterer(5, batch_size=37, random_state=0, nlp=nlp).fit(texts)
    np.testing.assert_array_equal(batched.labels_, fitted.labels_)
    np.testing.assert_allclose(batched.confidence_, fitted.confidence_)
    np.testing.assert_array_equal(batched.predict(texts[:10]), fitted.labels_[:10])


def test_fit_on_a_sample_is_deterministic_and_agrees(answers, fitted, nlp, monkeypatch) -> None:
    texts, truth = answers
    monkeypatch.setattr(_cluster_math, "MAX_FIT_TEXTS", 80)
    sampled = ResponseClusterer(5, batch_size=50, random_state=0, nlp=nlp).fit(texts)
    assert sampled.n_fit_texts_ == 80
    assert adjusted_rand_score(truth, sampled.labels_) > 0.8
    assert adjusted_rand_score(sampled.labels_, fitted.labels_) > 0.8
    order = np.random.default_rng(1).permutation(len(texts))
    shuffled = ResponseClusterer(5, batch_size=50, random_state=0, nlp=nlp)
    shuffled.fit([texts[i] for i in order])
    np.testing.assert_array_equal(shuffled.labels_, sampled.labels_[order])


# -- optional sentence embeddings ----------------------------------------------------------


@pytest.mark.skipif(sentence_model_available(), reason="the sentence model is installed")
def test_sentence_option_says_what_to_install(answers, nlp) -> None:
    with pytest.raises(MissingOptionalDependency) as error:
        ResponseClusterer(5, embedding="sentence", nlp=nlp).fit(answers[0])
    assert "research-kit[embeddings]" in str(error.value)


def _hashed_bag_of_words(texts: list[str], show: bool = False) -> np.ndarray:
    """A stand-in for sentence vectors: content words hashed into 256 buckets, L2-normalised."""
    vectors = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in set(text.lower().split()) - set(FILLER):
            vectors[row, sum(ord(c) * 31**i for i, c in enumerate(word)) % 256] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def test_sentence_option_code_path_with_stand_in_vectors(answers, nlp, monkeypatch) -> None:
    texts, truth = answers
    monkeypatch.setattr(_cluster_model, "require_sentence_model", lambda embedding="sentence": None)
    monkeypatch.setattr(_cluster_model, "embed", _hashed_bag_of_words)
    model = ResponseClusterer(5, embedding="sentence", random_state=0, nlp=nlp).fit([*texts, ""])
    assert adjusted_rand_score(truth, model.labels_[:-1]) > 0.8
    assert model.confidence_[-1] == 0 and model.labels_[-1] == 0
    np.testing.assert_array_equal(model.predict(texts), model.labels_[:-1])
    table = model.describe(n_quotes=2)
    assert len(table) == 5 and table["quotes"].map(len).tolist() == [2] * 5
    auto = ResponseClusterer("auto", embedding="sentence", k_range=(2, 8), nlp=nlp).fit(texts)
    assert auto.k_scores_["k"].tolist() == list(range(2, 9))


def test_sentence_option_is_row_order_independent(answers, nlp, monkeypatch) -> None:
    texts, _ = answers
    monkeypatch.setattr(_cluster_model, "require_sentence_model", lambda embedding="sentence": None)
    embedded: list[str] = []

    def counting_embed(batch: list[str], show: bool = False) -> np.ndarray:
        embedded.extend(batch)
        return _hashed_bag_of_words(batch, show)

    monkeypatch.setattr(_cluster_model, "embed", counting_embed)
    model = ResponseClusterer(5, embedding="sentence", random_state=0, nlp=nlp).fit(texts)
    assert len(embedded) == len(set(embedded))  # no answer embedded twice (fit, then assign)
    order = np.random.default_rng(3).permutation(len(texts))
    shuffled = ResponseClusterer(5, embedding="sentence", random_state=0, nlp=nlp)
    shuffled.fit([texts[i] for i in order])
    np.testing.assert_array_equal(shuffled.labels_, model.labels_[order])
    np.testing.assert_allclose(shuffled.confidence_, model.confidence_[order])


def test_sentence_option_joint_mixture_scores_new_answers_like_fitted_ones(
    answers, nlp, monkeypatch
) -> None:
    texts, _ = answers
    monkeypatch.setattr(_cluster_model, "require_sentence_model", lambda embedding="sentence": None)
    monkeypatch.setattr(_cluster_model, "embed", _hashed_bag_of_words)
    fit = ResponseClusterer(5, embedding="sentence", random_state=1, nlp=nlp).fit(texts)
    again = ResponseClusterer(5, embedding="sentence", random_state=1, nlp=nlp).fit(texts)
    np.testing.assert_array_equal(fit.labels_, again.labels_)  # deterministic for a seed
    np.testing.assert_array_equal(fit.confidence_, again.confidence_)
    model = fit._model
    assert isinstance(model, _cluster_model.SentenceModel)
    assert model.directions.shape[0] == model.log_word_probs.shape[0] == fit.n_clusters_
    # the fit set (sorted distinct answers) scored as fitted answers and, under keys the model
    # does not know, as new ones: embedded, neighbours found among the fit set in both spaces,
    # smoothed, scored by the same joint scores
    fit_texts = sorted(set(texts))
    lemma_keys = fit._lemma_keys(fit_texts)
    known = model.score(fit_texts, fit_texts, lemma_keys)
    new = model.score([f"{text} ?" for text in fit_texts], fit_texts, lemma_keys)
    np.testing.assert_array_equal(known.scores.argmax(axis=1), model.fit_labels)
    assert (new.scores.argmax(axis=1) == known.scores.argmax(axis=1)).mean() > 0.9
    assert np.all(new.lengths > 0) and np.all(np.isfinite(new.scores))
    fresh, fresh_truth = themed_answers(20, seed=1)  # answers the model has not seen
    predicted = fit.predict([*fresh, "", "zzz qqq"])
    assert predicted.shape == (len(fresh) + 2,) and set(predicted) <= set(range(5))
    assert predicted[-2] == model.fallback  # nothing to go on: the largest cluster
    assert adjusted_rand_score(fresh_truth, predicted[:-2]) > 0.8
    memberships = fit.transform(fresh)
    np.testing.assert_allclose(memberships.sum(axis=1), 1.0)
    np.testing.assert_array_equal(memberships.argmax(axis=1), predicted[:-2])


@pytest.mark.skipif(not sentence_model_available(), reason="the sentence model is not installed")
def test_sentence_option_clusters_the_themes(answers, nlp) -> None:
    texts, truth = answers
    model = ResponseClusterer(5, embedding="sentence", random_state=0, nlp=nlp).fit(texts)
    assert adjusted_rand_score(truth, model.labels_) > 0.6
    assert len(model.describe()) == 5


# -- quality on real survey answers ---------------------------------------------------------


@pytest.mark.shared
def test_beats_tfidf_kmeans_on_napire(shared_data: Path, nlp) -> None:
    frame = pd.read_csv(shared_data / "text-clustering" / "napire2018" / "napire_causes_min10.csv")
    texts, truth = frame["text"].fillna("").tolist(), pd.factorize(frame["label"])[0]
    k = len(set(truth))
    ours = ResponseClusterer(k, random_state=0, nlp=nlp).fit_predict(texts)
    tfidf = TfidfVectorizer(stop_words="english").fit_transform(texts)
    baseline = KMeans(k, n_init=10, random_state=0).fit_predict(tfidf)
    assert adjusted_rand_score(truth, ours) > adjusted_rand_score(truth, baseline)
    assert normalized_mutual_info_score(truth, ours) > normalized_mutual_info_score(truth, baseline)

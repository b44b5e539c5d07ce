"""Warm-started re-runs: ResponseClusterer(init=...) and cluster_question's kept runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

import research_kit
from research_kit.survey import _cluster_model
from research_kit.survey.cluster_edits import rename_cluster
from research_kit.survey.cluster_runs import cluster_runs
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.ingest import read_survey
from research_kit.survey.themes import cluster_question
from research_kit.text import build_pipeline

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What one thing should the City change about permitting?"
K = 10


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


@pytest.fixture(scope="module")
def texts() -> np.ndarray:
    """The sample survey's answers to its first open question."""
    survey = read_survey(ROOT / "interview_data" / "survey" / "permitting_survey_2026.csv")
    answers = [a for a in survey[QUESTION].dropna() if a.strip()]
    return np.array(answers, dtype=object)


@pytest.fixture(scope="module")
def changed(texts, nlp):
    """A base run on 3/4 of the answers, and the answer set with a quarter of it replaced."""
    order = np.random.default_rng(0).permutation(len(texts))
    base, pool = order[: 3 * len(texts) // 4], order[3 * len(texts) // 4 :]
    model = ResponseClusterer(K, random_state=0, nlp=nlp).fit(list(texts[base]))
    n = len(base) // 4
    rerun = np.concatenate([base[n:], pool[:n]])
    return model, base, rerun, n


def _kept_share(before: np.ndarray, after: np.ndarray) -> float:
    """Share of answers in the same cluster before and after, clusters matched one-to-one."""
    table = pd.crosstab(before, after).to_numpy()
    rows, columns = linear_sum_assignment(table, maximize=True)
    return table[rows, columns].sum() / len(before)


def _stand_in_vectors(batch: list[str], show: bool = False) -> np.ndarray:
    """Sentence vectors stand-in: words hashed into 256 buckets, L2-normalised."""
    vectors = np.zeros((len(batch), 256), dtype=np.float32)
    for row, text in enumerate(batch):
        for word in set(text.lower().split()):
            vectors[row, sum(ord(c) * 31**i for i, c in enumerate(word)) % 256] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


# -- the estimator -----------------------------------------------------------------------------
def test_init_is_a_plain_parameter(nlp) -> None:
    model = ResponseClusterer(3, nlp=nlp, init={"a": 1})
    assert model.get_params()["init"] == {"a": 1}
    assert clone(model).init == {"a": 1}


def test_init_reproduces_the_previous_clustering(changed, texts, nlp) -> None:
    model, base, _, _ = changed
    previous = dict(zip(texts[base], model.labels_, strict=True))
    warm = ResponseClusterer("auto", random_state=0, nlp=nlp, init=previous).fit(texts[base])
    assert warm.init_clusters_ == K and warm.n_themes_ == K
    assert warm.init_seen_ == warm.n_fit_texts_
    assert "previous run" in warm.criterion_ and warm.k_scores_["k"].tolist() == [K]
    assert adjusted_rand_score(model.labels_, warm.labels_) > 0.95  # EM moves a few answers


def test_warm_start_keeps_seen_answers_far_more_than_a_fresh_run(changed, texts, nlp) -> None:
    model, base, rerun, n = changed
    previous = pd.Series(model.labels_, index=texts[base])  # a Series works as well
    warm = ResponseClusterer(K, random_state=0, nlp=nlp, init=previous).fit(texts[rerun])
    fresh = ResponseClusterer(K, random_state=0, nlp=nlp).fit(texts[rerun])
    seen = len(base) - n  # the rerun starts with the answers kept from the base run
    kept_warm = _kept_share(model.labels_[n:], warm.labels_[:seen])
    kept_fresh = _kept_share(model.labels_[n:], fresh.labels_[:seen])
    assert kept_warm > 0.9 and kept_warm > kept_fresh + 0.2


def test_warm_start_is_deterministic_and_row_order_independent(changed, texts, nlp) -> None:
    model, base, rerun, _ = changed
    pairs = list(zip(texts[base], model.labels_, strict=True))
    warm = ResponseClusterer(K, random_state=0, nlp=nlp, init=dict(pairs)).fit(texts[rerun])
    again = ResponseClusterer(K, random_state=0, nlp=nlp, init=dict(pairs)).fit(texts[rerun])
    np.testing.assert_array_equal(again.labels_, warm.labels_)
    order = np.random.default_rng(5).permutation(len(rerun))
    shuffled = ResponseClusterer(K, random_state=0, nlp=nlp, init=dict(pairs[::-1]))
    shuffled.fit(texts[rerun][order])
    np.testing.assert_array_equal(shuffled.labels_, warm.labels_[order])
    np.testing.assert_allclose(shuffled.confidence_, warm.confidence_[order])


@pytest.mark.parametrize("k", [K - 3, K + 2])
def test_a_fixed_k_other_than_the_previous_one(changed, texts, nlp, k) -> None:
    model, base, rerun, n = changed
    previous = dict(zip(texts[base], model.labels_, strict=True))
    warm = ResponseClusterer(k, random_state=0, nlp=nlp, init=previous).fit(texts[rerun])
    assert warm.n_themes_ == k and warm.init_clusters_ == K
    assert ("largest kept" if k < K else "seeded by k-means") in warm.criterion_
    assert _kept_share(model.labels_[n:], warm.labels_[: len(base) - n]) > 0.6


def test_an_init_sharing_no_answer_is_ignored(changed, texts, nlp) -> None:
    model, base, _, _ = changed
    other = ResponseClusterer(K, random_state=0, nlp=nlp, init={"zebra crossing": 3})
    other.fit(texts[base])
    assert other.init_clusters_ == 0 and "shares no answer" in other.criterion_
    np.testing.assert_array_equal(other.labels_, model.labels_)


@pytest.mark.parametrize(
    "init", [["a", "b"], {"a": -1}, {"a": 1.5}, {"a": True}, pd.Series([None], index=["a"])]
)
def test_a_malformed_init_is_refused(nlp, init) -> None:
    with pytest.raises(ValueError, match="init"):
        ResponseClusterer(2, nlp=nlp, init=init).fit(["parking fees", "potholes"])


def test_sentence_option_starts_from_the_previous_clusters(changed, texts, nlp, monkeypatch):
    monkeypatch.setattr(_cluster_model, "require_sentence_model", lambda embedding="sentence": None)
    monkeypatch.setattr(_cluster_model, "embed", _stand_in_vectors)
    _, base, rerun, n = changed
    first = ResponseClusterer(K, embedding="sentence", random_state=0, nlp=nlp).fit(texts[base])
    previous = dict(zip(texts[base], first.labels_, strict=True))
    warm = ResponseClusterer("auto", embedding="sentence", nlp=nlp, init=previous)
    warm.fit(texts[rerun])
    assert warm.init_clusters_ == K and warm.n_themes_ <= K
    assert _kept_share(first.labels_[n:], warm.labels_[: len(base) - n]) > 0.9


# -- cluster_question ------------------------------------------------------------------------
@pytest.fixture
def study(sample_study_path: Path):
    study = research_kit.open_study(sample_study_path)
    yield study
    study.close()


def test_cluster_question_starts_warm_from_the_last_kept_run(study) -> None:
    first = cluster_question(study, 0, n_clusters=8, weights=None)
    assert first.start == "fresh" and first.run_id == 1
    for row in first.themes.itertuples():
        rename_cluster(study, QUESTION, first.assignments, row.cluster, f"Theme {row.Index}")
    survey = study.survey()
    changed = survey.drop(survey.sample(frac=0.2, random_state=1).index)
    warm = cluster_question(study, 0, survey=changed, weights=None)
    assert warm.start == "warm from run 1" and warm.run_id == 2
    assert warm.clusterer.init_clusters_ == 8 and warm.clusterer.n_themes_ == 8
    assert (warm.themes["kind"] == "theme").sum() == 8  # then the set-aside groups
    assert (warm.edits["status"] == "applied").sum() >= 7
    fresh = cluster_question(study, 0, n_clusters=8, survey=changed, weights=None, fresh=True)
    assert fresh.start == "fresh" and fresh.clusterer.init_clusters_ == 0
    runs = cluster_runs(study)
    assert runs["run_id"].tolist() == [1, 2, 3]
    assert runs["params"].iloc[1]["start"] == "warm from run 1"


def test_a_given_clusterer_is_warm_started_as_a_copy(study, nlp) -> None:
    cluster_question(study, 0, n_clusters=6, weights=None)
    mine = ResponseClusterer(6, nlp=nlp)
    themes = cluster_question(study, 0, clusterer=mine, weights=None, keep_run=False)
    assert themes.start == "warm from run 1" and themes.clusterer is not mine
    assert mine.init is None and not hasattr(mine, "labels_")
    assert themes.clusterer.nlp is nlp


def test_an_identical_run_is_kept_once(study) -> None:
    first = cluster_question(study, 0, n_clusters=6, weights=None)
    again = cluster_question(study, 0, n_clusters=6, weights=None, fresh=True)
    assert again.run_id == first.run_id == 1
    assert len(cluster_runs(study)) == 1
    unkept = cluster_question(study, 0, n_clusters=5, weights=None, keep_run=False)
    assert unkept.run_id is None and len(cluster_runs(study)) == 1


def test_the_findings_brief_starts_warm_and_writes_no_run(study) -> None:
    from research_kit.briefs.findings import assemble_findings

    first = assemble_findings(study)
    assert first.answer_themes.start == "fresh" and first.answer_themes.run_id is None
    assert cluster_runs(study).empty
    cluster_question(study, 0, n_clusters=6)
    findings = assemble_findings(study)
    assert findings.answer_themes.start == "warm from run 1"
    assert findings.answer_themes.clusterer.n_themes_ == 6 and len(cluster_runs(study)) == 1
    method = " ".join(table.frame.to_string() for table in findings.method.tables)
    assert "latest kept clustering (from run 1)" in " ".join(method.split())


def test_the_explorer_starts_warm_unless_told_to_start_afresh(study) -> None:
    from research_kit.widgets import ClusterExplorer

    explorer = ClusterExplorer(study, n_clusters=5)
    assert "5 themes, started fresh; kept as run 1" in explorer.status.value
    explorer.k_picker.value = "auto"
    explorer.run()
    assert "5 themes, started warm from run 1" in explorer.status.value
    assert "previous run" in explorer.status.value  # k was not chosen again
    explorer.fresh.value = True
    explorer.run()
    assert "started fresh" in explorer.status.value and explorer.themes.start == "fresh"


def test_cli_cluster_says_how_it_started_and_fresh_starts_afresh(sample_study_path, capsys):
    from research_kit.cli import main

    arguments = ["cluster", "--study", str(sample_study_path), "-k", "5", "--quotes", "1"]
    assert main(arguments) == 0
    assert "started fresh; kept as run 1" in capsys.readouterr().out
    assert main(arguments) == 0
    assert "\nstarted warm from run 1 (" in capsys.readouterr().out
    assert main([*arguments, "--fresh"]) == 0
    assert "started fresh" in capsys.readouterr().out

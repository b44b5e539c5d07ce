"""The fitted models behind :class:`~research_kit.survey.clustering.ResponseClusterer`.

Private. A model is fitted on the fit set (distinct answers, sorted) and then scores any batch
of distinct answers: one score per cluster (higher is better), the number of words behind the
scores, unit vectors for choosing central quotes, and lemma n-gram counts for the clusters'
terms. :class:`MixtureModel` is the default (lemma TF-IDF + LSA, neighbour smoothing,
multinomial mixture; see :mod:`research_kit.survey._cluster_math`); :class:`SentenceModel`
joins the sentence vectors of the optional all-MiniLM-L6-v2 model with the default's LSA
vectors (each smoothed by its nearest neighbours) and fits a joint mixture of mean directions
of the joined vectors and word distributions, started by k-means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from research_kit.survey import _cluster_math as core
from research_kit.survey import _cluster_polarity as polarity
from research_kit.survey import _cluster_warm as warm
from research_kit.survey import _full_k as full_k
from research_kit.survey import _k_scores as k_scores
from research_kit.text import build_pipeline, lemmas_and_polarity

__all__ = [
    "MixtureModel",
    "Model",
    "Scored",
    "SentenceModel",
    "embed",
    "multilingual_embed",
    "require_sentence_model",
    "sentence_key",
]

#: Distinct answers scored at once (bounds the neighbour and word matrices in memory).
SCORE_BLOCK = 4_096


@dataclass
class Scored:
    """What a model says about a batch of distinct answers."""

    scores: np.ndarray  # (n, k) log-likelihoods (sentence option: plus scaled cosines)
    lengths: np.ndarray  # (n,) words behind each score; 0 = nothing to go on
    vectors: np.ndarray  # (n, d) unit vectors for centrality and near-duplicate checks
    counts: sp.csr_matrix  # (n, terms) lemma n-gram counts for the clusters' terms


class Model:
    """What a fitted representation + clustering provides to the estimator."""

    n_clusters: int
    fallback: int
    centroids: np.ndarray
    fit_labels: np.ndarray
    terms: CountVectorizer
    surface: dict[str, str]  # lemma -> most common spelling, for showing terms
    criterion_detail: str = ""  # what criterion_ adds about how candidates are clustered

    def score_k(self, sample: np.ndarray, weights: np.ndarray, k: int, seed: int) -> dict:
        """Word evidence of ``k`` clusters fitted on the fit-set rows ``sample``."""
        raise NotImplementedError

    def fit(self, k: int, weights: np.ndarray, seed: int) -> None:
        """Fit ``k`` clusters on the whole fit set."""
        raise NotImplementedError

    def fit_from(self, start: np.ndarray, k: int, weights: np.ndarray, seed: int) -> None:
        """Fit ``k`` clusters starting from a previous run's clusters ``start`` (-1: new)."""
        raise NotImplementedError

    def score(self, keys: list[str], texts: list[str], lemma_keys: list[str]) -> Scored:
        """Scores of distinct answers (their keys, a text and lemma key of each)."""
        raise NotImplementedError

    def _finish(self, vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> None:
        k = self.n_clusters
        self.fit_labels = labels
        self.centroids = unit_centroids(vectors, labels, weights, k)
        self.fallback = int(np.argmax(np.bincount(labels, weights, minlength=k)))

    def reorder(self, order: np.ndarray) -> None:
        """Renumber the clusters: new cluster i is old cluster ``order[i]``."""
        old_to_new = np.full(self.n_clusters, -1, dtype=np.int64)
        old_to_new[order] = np.arange(len(order))
        self.centroids = self.centroids[order]
        self.fit_labels = old_to_new[self.fit_labels]
        self.fallback = max(int(old_to_new[self.fallback]), 0)
        self.n_clusters = len(order)


class MixtureModel(Model):
    """Lemma TF-IDF + LSA, neighbour smoothing and a multinomial mixture (the default)."""

    def __init__(
        self,
        keys: list[str],
        n_components: int,
        ngram_range: tuple[int, int],
        seed: int,
        compound: np.ndarray | None = None,
    ) -> None:
        #: Each fitted answer's polarity sign (+1 praise, -1 complaint, 0); None: not read.
        self.signs = None if compound is None else polarity.polarity_signs(compound)
        self.tags = np.zeros(0, dtype=np.int8)  # each theme's polarity (0: either)
        self.polarity_nlp = None  # pipeline reading new answers' polarity (not pickled)
        rep, vectors, words = core.fit_representation(
            keys, n_components=n_components, ngram_range=ngram_range, random_state=seed
        )
        neighbours = rep.neighbours(vectors, exclude=np.arange(len(keys)))
        self.representation = rep
        self.terms = rep.counter
        self.neighbours = neighbours  # of the fit set: reused when its answers are assigned
        self.vectors = vectors
        self.start_vectors = core.smoothed(vectors, neighbours, vectors)
        self.words = core.augmented(words, neighbours, words)

    def score_k(self, sample: np.ndarray, weights: np.ndarray, k: int, seed: int) -> dict:
        raw_words = self.representation.reference_words[sample]
        used = np.unique(raw_words.indices)  # the sample's own words: a smaller, faster EM
        return k_scores.score_k(
            self.start_vectors[sample],
            self.words[sample][:, used],
            raw_words[:, used],
            weights,
            k,
            seed,
        )

    def fit(self, k: int, weights: np.ndarray, seed: int) -> None:
        self.log_word_probs, posteriors = core.best_mixture(
            self.start_vectors, self.words, weights, k, seed
        )
        self._finish_mixture(posteriors, weights, k, seed)

    def _finish_mixture(self, posteriors: np.ndarray, weights: np.ndarray, k: int, seed: int):
        """Re-seed clusters EM emptied (so k clusters are delivered), then keep the result."""

        def em(labels: np.ndarray, iterations: int | None) -> tuple[np.ndarray, np.ndarray]:
            steps = iterations or core.EM_ITERATIONS
            return core.fit_mixture(self.words, labels, weights, k, steps)[:2]

        refilled = full_k.fill_empty_clusters(
            em, posteriors, self.start_vectors, weights, seed, self.words
        )
        if refilled is not None:
            self.log_word_probs, posteriors = refilled
        self.tags = np.zeros(k, dtype=np.int8)
        if self.signs is not None and k >= 2:
            posteriors = self._split_polarity(posteriors, weights, k)
        self.n_clusters = k
        self._finish(self.vectors, posteriors.argmax(axis=1), weights)
        del self.vectors, self.start_vectors, self.words  # the representation keeps the rest

    def _split_polarity(self, posteriors: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
        """Split themes that mix praise and complaint, merge back to ``k`` (see
        :mod:`~research_kit.survey._cluster_polarity`)."""
        tags = self.tags
        for _ in range(polarity.MAX_ROUNDS):  # EM can mix an untagged theme again
            before = tags
            labels, tags, n_split = polarity.split_mixed_themes(
                posteriors.argmax(axis=1), self.signs, weights, tags
            )
            if not n_split and np.array_equal(before, tags):
                break
            labels, tags = polarity.merge_to(self.words, labels, tags, weights, k)
            self.log_word_probs, posteriors = polarity.constrained_mixture(
                self.words, labels, tags, self.signs, weights
            )
        self.tags = tags
        return posteriors

    def fit_from(self, start: np.ndarray, k: int, weights: np.ndarray, seed: int) -> None:
        """EM from the previous clusters (see :mod:`~research_kit.survey._cluster_warm`)."""
        start = warm.fit_start(start, self.start_vectors, weights, k, seed)
        labels = warm.warm_mixture_labels(self.words, start, weights, k)
        self.log_word_probs, posteriors, _ = core.fit_mixture(self.words, labels, weights, k)
        self._finish_mixture(posteriors, weights, k, seed)

    def score(self, keys: list[str], texts: list[str], lemma_keys: list[str]) -> Scored:
        rep = self.representation
        counts = rep.counts(keys)
        known = np.array([rep.reference_keys.get(key, -1) for key in keys], dtype=np.int64)
        scores = np.zeros((len(keys), self.n_clusters))
        lengths = np.zeros(len(keys))
        vectors = np.zeros((len(keys), rep.reference.shape[1]), dtype=np.float32)
        fitted = np.flatnonzero(known >= 0)  # fit-set answers: their neighbours are known
        vectors[fitted] = rep.reference[known[fitted]]
        words = core.augmented(
            rep.reference_words[known[fitted]],
            self.neighbours[known[fitted]],
            rep.reference_words,
        )
        self._score_words(words, fitted, scores, lengths)
        new = np.flatnonzero(known < 0)
        if self.tags.any():  # an answer never goes to a theme of the opposite polarity
            signs = np.zeros(len(keys), dtype=np.int8)
            signs[fitted] = self.signs[known[fitted]]
            signs[new] = self._signs([texts[row] for row in new])
            scores += polarity.contradiction_penalty(signs, self.tags)
        for block in core.chunks(len(new), SCORE_BLOCK):  # bounds the neighbour matrices
            rows = new[block]
            block_vectors, words = rep.vectors(counts[rows])
            vectors[rows] = block_vectors
            neighbours = rep.neighbours(block_vectors, None)
            self._score_words(
                core.augmented(words, neighbours, rep.reference_words), rows, scores, lengths
            )
        return Scored(scores, lengths, vectors, counts)

    def _signs(self, texts: list[str]) -> np.ndarray:
        """Polarity signs of answers the fit did not see."""
        if not texts:
            return np.zeros(0, dtype=np.int8)
        if self.polarity_nlp is None:
            self.polarity_nlp = build_pipeline("blank")
        compound = lemmas_and_polarity(texts, self.polarity_nlp, batch_size=1_000)[1]
        return polarity.polarity_signs(compound)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["polarity_nlp"] = None  # rebuilt on demand; spaCy pipelines pickle slowly
        return state

    def _score_words(self, words, rows: np.ndarray, scores: np.ndarray, lengths: np.ndarray):
        scores[rows] = core.log_likelihoods(words, self.log_word_probs)
        lengths[rows] = np.asarray(words.sum(axis=1)).ravel()

    def reorder(self, order: np.ndarray) -> None:
        self.log_word_probs = self.log_word_probs[order]
        self.tags = self.tags[order]
        super().reorder(order)


class SentenceModel(Model):
    """Sentence vectors (all-MiniLM-L6-v2) joined with lemma LSA vectors, and a joint mixture.

    The fit set's answers get their sentence vectors and the default lemma representation (lemma
    TF-IDF + LSA, :func:`~research_kit.survey._cluster_math.fit_representation`). Both are
    smoothed by each answer's nearest fit-set answers in its own space (sentence neighbours for
    the sentence vectors, LSA neighbours for the LSA vectors and the augmented words), and the
    two smoothed vectors are joined
    (:func:`~research_kit.survey._cluster_math.joined`). The best of
    :data:`~research_kit.survey._cluster_math.SENTENCE_N_INIT` seeded k-means runs on the joined
    vectors starts a joint mixture
    (:func:`~research_kit.survey._cluster_math.fit_joint_mixture`): a mean direction of the
    joined vectors and a word distribution per cluster. An answer goes to the cluster with the
    highest :func:`~research_kit.survey._cluster_math.joint_scores`. The fit set's vectors and
    neighbours are kept, so its answers are not embedded again when they are assigned, and new
    answers are smoothed by their neighbours among them.
    """

    criterion_detail = "; candidates clustered by k-means on the joined sentence and LSA vectors"

    def __init__(
        self,
        texts: list[str],
        lemma_keys: list[str],
        n_components: int,
        ngram_range: tuple[int, int],
        seed: int,
        show: bool,
        *,
        multilingual: bool = False,
    ) -> None:
        self.embed = multilingual_embed if multilingual else embed
        self.reference = self.embed(texts, show)
        self.reference_keys = {sentence_key(text): i for i, text in enumerate(texts)}
        self.index: core.CellIndex | None = None
        if self.reference.shape[0] > core.EXACT_NEIGHBOURS_UP_TO:
            self.index = core.CellIndex.build(self.reference, seed)
        fit_rows = np.arange(len(texts))
        self.neighbours = self._sentence_neighbours(self.reference, exclude=fit_rows)
        rep, lexical, words = core.fit_representation(
            lemma_keys, n_components=n_components, ngram_range=ngram_range, random_state=seed
        )
        self.representation = rep
        self.terms = rep.counter
        self.lexical_neighbours = rep.neighbours(lexical, exclude=fit_rows)
        self.vectors = self._joined(
            self.reference, self.neighbours, lexical, self.lexical_neighbours
        )
        self.words = core.augmented(words, self.lexical_neighbours, rep.reference_words)

    def _sentence_neighbours(
        self, vectors: np.ndarray, exclude: np.ndarray | None
    ) -> sp.csr_matrix:
        """Row-stochastic weights of the nearest fit-set answers in the sentence space."""
        indices, similarities = core.nearest_neighbours(
            vectors, self.reference, core.N_NEIGHBOURS, exclude=exclude, index=self.index
        )
        return core.neighbour_matrix(indices, similarities, self.reference.shape[0])

    def _joined(
        self,
        semantic: np.ndarray,
        neighbours: sp.csr_matrix,
        lexical: np.ndarray,
        lexical_neighbours: sp.csr_matrix,
    ) -> np.ndarray:
        """Joined vectors of answers from their own vectors and neighbours in both spaces."""
        return core.joined(
            core.smoothed(semantic, neighbours, self.reference),
            core.smoothed(lexical, lexical_neighbours, self.representation.reference),
        )

    def score_k(self, sample: np.ndarray, weights: np.ndarray, k: int, seed: int) -> dict:
        raw_words = self.representation.reference_words[sample]
        return k_scores.score_k_kmeans(self.vectors[sample], raw_words, weights, k, seed)

    def fit(self, k: int, weights: np.ndarray, seed: int) -> None:
        start = core.best_kmeans(
            self.vectors,
            weights,
            k,
            seed,
            n_init=core.SENTENCE_N_INIT,
            iterations=core.MAX_ITERATIONS,
        )[0]
        self._fit_joint(start, weights, k, seed)

    def fit_from(self, start: np.ndarray, k: int, weights: np.ndarray, seed: int) -> None:
        """The joint mixture started from a previous run's clusters (warm start)."""
        start = warm.fit_start(start, self.vectors, weights, k, seed)
        labels = warm.nearest_mean_labels(self.vectors, start, weights, k)
        self._fit_joint(labels, weights, k, seed)

    def _fit_joint(self, start: np.ndarray, weights: np.ndarray, k: int, seed: int) -> None:
        """EM of the joint mixture from the hard start ``start`` (emptied clusters re-seeded)."""

        def em(labels: np.ndarray, iterations: int | None = None):
            directions, log_word_probs, posteriors = core.fit_joint_mixture(
                self.vectors, self.words, labels, weights, k, iterations or core.JOINT_ITERATIONS
            )
            return (directions, log_word_probs), posteriors

        parameters, posteriors = em(start)
        refilled = full_k.fill_empty_clusters(
            em, posteriors, self.vectors, weights, seed, self.words
        )
        if refilled is not None:
            parameters, posteriors = refilled
        self.directions, self.log_word_probs = parameters
        self.n_clusters = k
        self._finish(self.reference, posteriors.argmax(axis=1), weights)
        del self.vectors, self.words  # the fit set's own vectors and neighbours are kept

    def score(self, keys: list[str], texts: list[str], lemma_keys: list[str]) -> Scored:
        rep = self.representation
        known = np.array([self.reference_keys.get(key, -1) for key in keys], dtype=np.int64)
        counts = rep.counts(lemma_keys)
        vectors = np.zeros((len(keys), self.reference.shape[1]), dtype=np.float32)
        scores = np.zeros((len(keys), self.n_clusters))
        lengths = np.zeros(len(keys))
        fitted = np.flatnonzero(known >= 0)  # fit-set answers: vectors and neighbours known
        rows = known[fitted]
        vectors[fitted] = self.reference[rows]
        self._score_rows(
            fitted,
            vectors[fitted],
            self.neighbours[rows],
            rep.reference[rows],
            rep.reference_words[rows],
            self.lexical_neighbours[rows],
            scores,
            lengths,
        )
        new = np.flatnonzero(known < 0)
        if len(new):
            vectors[new] = self.embed([texts[row] for row in new])
        for block in core.chunks(len(new), SCORE_BLOCK):  # bounds the neighbour matrices
            rows = new[block]
            lexical, words = rep.vectors(counts[rows])
            self._score_rows(
                rows,
                vectors[rows],
                self._sentence_neighbours(vectors[rows], exclude=None),
                lexical,
                words,
                rep.neighbours(lexical, None),
                scores,
                lengths,
            )
        return Scored(scores, lengths, vectors, counts)

    def _score_rows(
        self,
        rows: np.ndarray,
        semantic: np.ndarray,
        neighbours: sp.csr_matrix,
        lexical: np.ndarray,
        words: sp.csr_matrix,
        lexical_neighbours: sp.csr_matrix,
        scores: np.ndarray,
        lengths: np.ndarray,
    ) -> None:
        """Joint scores of some answers; their length is their words, plus one for a vector."""
        if len(rows) == 0:
            return
        augmented = core.augmented(words, lexical_neighbours, self.representation.reference_words)
        vectors = self._joined(semantic, neighbours, lexical, lexical_neighbours)
        scores[rows] = core.joint_scores(vectors, augmented, self.directions, self.log_word_probs)
        has_vector = np.abs(semantic).sum(axis=1) > 0
        lengths[rows] = np.asarray(augmented.sum(axis=1)).ravel() + has_vector

    def reorder(self, order: np.ndarray) -> None:
        self.directions = self.directions[order]
        self.log_word_probs = self.log_word_probs[order]
        super().reorder(order)


def sentence_key(text: str) -> str:
    """The key under which the sentence option treats answers as the same (spaces collapsed).

    Must match ``ResponseClusterer._dedupe_keys`` for ``embedding="sentence"``.
    """
    return " ".join(text.split())


def require_sentence_model(embedding: str = "sentence") -> None:
    """Fail early, before any work, when the optional sentence model is not installed."""
    if embedding == "multilingual":
        from research_kit.survey.multilingual import (
            multilingual_embeddings,
            multilingual_model_available,
        )

        if not multilingual_model_available():
            multilingual_embeddings(["?"])  # raises MissingOptionalDependency
        return
    from research_kit.survey.embeddings import sentence_embeddings, sentence_model_available

    if not sentence_model_available():
        sentence_embeddings(["?"])  # raises MissingOptionalDependency naming what is missing


def embed(texts: list[str], show: bool = False) -> np.ndarray:
    """Sentence vectors of ``texts`` (the optional extra, imported only when used)."""
    from research_kit.survey.embeddings import sentence_embeddings  # optional extra

    return np.asarray(sentence_embeddings(texts, progress=show), dtype=np.float32)


def multilingual_embed(texts: list[str], show: bool = False) -> np.ndarray:
    """Multilingual sentence vectors of ``texts`` (the optional ``multilingual`` extra)."""
    from research_kit.survey.multilingual import multilingual_embeddings  # optional extra

    return np.asarray(multilingual_embeddings(texts, progress=show), dtype=np.float32)


def unit_centroids(
    vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int
) -> np.ndarray:
    """Weighted mean direction of each cluster's vectors (L2-normalised, float32)."""
    return normalize(core.weighted_sums(vectors, labels, weights, k)).astype(np.float32)

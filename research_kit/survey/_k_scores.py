"""Scoring a candidate number of themes: the evidence the answers' words give a clustering.

Each candidate k is fitted on a seeded sample of up to :data:`SELECTION_SIZE` distinct answers
(:func:`selection_sample`), and scored by :func:`word_evidence`: the log marginal likelihood of
the sample's words given that clustering, each cluster's word distribution integrated out under
the mixture's own symmetric Dirichlet prior (:data:`~research_kit.survey._cluster_math.WORD_PRIOR`
per word, over the words the sample uses). This is the word part of the exact integrated
completed likelihood (ICL) of a Dirichlet-multinomial mixture. It does not grow with k: a split
gains only where the two halves use different words, and every word a cluster uses costs it
prior mass, so cutting one theme in two where both halves speak alike lowers the evidence. The
partition's own prior term of the ICL is left out: it charges about ``log k`` per answer
whatever the words say, and on the shared labelled sets it picked k far below the true number of
themes wherever there are many. :func:`score_k` scores the word mixture (best of
:data:`SCORING_STARTS` k-means-started EM runs), :func:`score_k_kmeans` k-means on the sentence
option's joined vectors; :mod:`research_kit.survey.choosing_k` picks the winner.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

from research_kit.survey._cluster_math import WORD_PRIOR, best_kmeans, best_mixture

__all__ = [
    "SCORING_STARTS",
    "SELECTION_SIZE",
    "score_k",
    "score_k_kmeans",
    "selection_sample",
    "word_evidence",
]

#: Distinct answers in the sample on which every candidate k is fitted and scored.
SELECTION_SIZE = 2_000
#: Seeded k-means starts of each candidate's fit, the best kept. With two, one poor local
#: optimum at one k made the evidence curve jagged enough to move the peak (SearchSnippets:
#: 18 themes for 8 true, ARI .317 against .440 at the true k); four give 15 (ARI .371).
SCORING_STARTS = 4


def selection_sample(n: int, seed: int, size: int = SELECTION_SIZE) -> np.ndarray:
    """Sorted indices of the answers on which each candidate k is tried."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def word_evidence(
    words: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, prior: float = WORD_PRIOR
) -> float:
    """Log marginal likelihood of the answers' words given their clusters (Dirichlet-multinomial).

    ``words`` holds each answer's words (rows; counts or presence), ``weights`` how many
    answers each row stands for. Each cluster's word distribution is integrated out under a
    symmetric Dirichlet prior of ``prior`` per word over the words that occur in ``words``.

    Examples
    --------
    Two answers about parking and two about buses: keeping them apart is better evidence than
    putting all four together, or than mixing them.

    >>> words = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]))
    >>> apart = word_evidence(words, np.array([0, 0, 1, 1]), np.ones(4))
    >>> together = word_evidence(words, np.array([0, 0, 0, 0]), np.ones(4))
    >>> mixed = word_evidence(words, np.array([0, 1, 0, 1]), np.ones(4))
    >>> bool(apart > together > mixed)
    True
    """
    words = sp.csr_matrix(words, dtype=np.float64)
    n_clusters = int(labels.max()) + 1
    one_hot = sp.csr_matrix(
        (weights.astype(np.float64), (labels, np.arange(len(labels)))),
        shape=(n_clusters, len(labels)),
    )
    counts = (one_hot @ words).tocsr()
    counts.eliminate_zeros()
    vocabulary = len(np.unique(words.indices[words.data > 0]))
    mass = vocabulary * prior
    totals = np.asarray(counts.sum(axis=1)).ravel()
    per_cluster = gammaln(mass) - gammaln(mass + totals[totals > 0])
    per_word = gammaln(prior + counts.data) - gammaln(prior)
    return float(per_cluster.sum() + per_word.sum())


def _scores(words: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    return {
        "log_evidence": word_evidence(words, labels, weights),
        "clusters_used": len(np.unique(labels)),
    }


def score_k(
    start_vectors: np.ndarray,
    words: sp.csr_matrix,
    raw_words: sp.csr_matrix,
    weights: np.ndarray,
    n_clusters: int,
    seed: int,
) -> dict[str, float]:
    """The word evidence of the mixture with ``n_clusters`` fitted on a sample.

    The mixture is fitted as in the final fit (on the neighbour-augmented ``words``), the best
    of :data:`SCORING_STARTS` starts; the evidence is that of the answers' own words
    (``raw_words``) given the clusters, so the neighbours' words are not counted twice.
    """
    _, posteriors = best_mixture(start_vectors, words, weights, n_clusters, seed, SCORING_STARTS)
    return _scores(raw_words, posteriors.argmax(axis=1), weights)


def score_k_kmeans(
    vectors: np.ndarray, raw_words: sp.csr_matrix, weights: np.ndarray, n_clusters: int, seed: int
) -> dict[str, float]:
    """:func:`score_k` for k-means on the sentence option's joined vectors."""
    labels = best_kmeans(vectors, weights, n_clusters, seed, n_init=SCORING_STARTS)[0]
    return _scores(raw_words, labels, weights)

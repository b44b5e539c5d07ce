"""Scoring a candidate number of themes: silhouette and stability on a fixed sample.

Each candidate k is fitted on a seeded sample of up to :data:`SELECTION_SIZE` distinct answers
(:func:`selection_sample`); its score is the product of the cosine silhouette of that clustering
and its stability, the mean adjusted Rand index between it and the clusterings of
:data:`STABILITY_REPEATS` random :data:`STABILITY_FRACTION` subsamples, each assigning the whole
sample. :func:`score_k` scores the word mixture, :func:`score_k_kmeans` k-means on sentence
vectors; :mod:`research_kit.survey.choosing_k` picks the winner.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score, silhouette_score

from research_kit.survey._cluster_math import best_kmeans, best_mixture, log_likelihoods

__all__ = [
    "SELECTION_SIZE",
    "STABILITY_FRACTION",
    "STABILITY_INIT",
    "STABILITY_REPEATS",
    "cosine_silhouette",
    "score_k",
    "score_k_kmeans",
    "selection_sample",
    "stability_and_silhouette",
]

SELECTION_SIZE = 2_000
STABILITY_FRACTION = 0.8
STABILITY_INIT = 2
STABILITY_REPEATS = 3
#: Rows of the similarity matrix computed at once when searching neighbours (memory bound).


def selection_sample(n: int, seed: int, size: int = SELECTION_SIZE) -> np.ndarray:
    """Sorted indices of the answers on which each candidate k is tried."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def score_k(
    vectors: np.ndarray,
    start_vectors: np.ndarray,
    words: sp.csr_matrix,
    weights: np.ndarray,
    n_clusters: int,
    seed: int,
) -> dict[str, float]:
    """Silhouette (cosine, LSA space) and bootstrap stability of one candidate k on a sample.

    Stability: the mixture is also fitted on :data:`STABILITY_REPEATS` random subsamples of
    :data:`STABILITY_FRACTION` of the sample; each subsample model assigns the whole sample, and
    stability is the mean adjusted Rand index between those assignments and the full one.
    """
    _, posteriors = best_mixture(start_vectors, words, weights, n_clusters, seed, STABILITY_INIT)
    labels = posteriors.argmax(axis=1)

    def refit(part: np.ndarray, repeat: int) -> np.ndarray:
        part_probs, _ = best_mixture(
            start_vectors[part],
            words[part],
            weights[part],
            n_clusters,
            seed + repeat + 1,
            STABILITY_INIT,
        )
        return log_likelihoods(words, part_probs).argmax(axis=1)

    return stability_and_silhouette(vectors, labels, weights, n_clusters, seed, refit)


def stability_and_silhouette(vectors, labels, weights, n_clusters, seed, refit) -> dict[str, float]:
    """A k's scores: the silhouette of ``labels``, the stability of ``refit`` on subsamples
    and their product."""
    rng = np.random.default_rng([seed, n_clusters])
    size = int(STABILITY_FRACTION * len(weights))
    agreement = [
        adjusted_rand_score(labels, refit(np.sort(rng.choice(len(weights), size, False)), repeat))
        for repeat in range(STABILITY_REPEATS)
    ]
    silhouette = cosine_silhouette(vectors, labels)
    stability = float(np.mean(agreement))
    return {
        "silhouette": silhouette,
        "stability": stability,
        "score": max(silhouette, 0.0) * max(stability, 0.0),
        "clusters_used": len(np.unique(labels)),
    }


def score_k_kmeans(vectors: np.ndarray, weights: np.ndarray, n_clusters: int, seed: int) -> dict:
    """:func:`score_k` for k-means (the sentence-vector option)."""
    labels = best_kmeans(vectors, weights, n_clusters, seed, n_init=STABILITY_INIT)[0]

    def refit(part: np.ndarray, repeat: int) -> np.ndarray:
        centres = best_kmeans(
            vectors[part], weights[part], n_clusters, seed + repeat + 1, STABILITY_INIT
        )[1]
        return (vectors @ centres.T).argmax(axis=1)

    return stability_and_silhouette(vectors, labels, weights, n_clusters, seed, refit)


def cosine_silhouette(vectors: np.ndarray, labels: np.ndarray) -> float:
    """Cosine silhouette of a clustering (-1 when it has one cluster or one answer each)."""
    if 1 < len(np.unique(labels)) < len(labels):
        return float(silhouette_score(vectors, labels, metric="cosine"))
    return -1.0

"""Warm starts of :class:`~research_kit.survey.clustering.ResponseClusterer` from a previous run.

Private. A warm start replaces the k-means starts of a fit by the clusters of a previous run:
each fitted distinct answer the previous run saw keeps its previous cluster as a hard start
(``start[i]``; -1 for an answer the previous run did not see). The default model then takes
one M-step on the seen answers only, gives each new answer the cluster under which its
(neighbour-augmented) words are most likely, and runs the usual EM iterations over everything
(:func:`warm_mixture_labels`). The sentence option starts its joint mixture from the previous
clusters, each new answer in the cluster of the nearest of their mean vectors
(:func:`nearest_mean_labels`).

When the number of clusters asked for differs from the number of previous clusters that still
have answers (:func:`fit_start`): with fewer, the largest previous clusters (by weight) keep
their answers and the answers of the others start as new; with more, the extra clusters are
seeded by weighted k-means on the answers that fit their start cluster worst (the fifth of the
answers with the lowest cosine to their cluster's mean vector, at least three per extra
cluster).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from research_kit.survey import _cluster_math as core

#: Share of the answers, worst fitted first, among which extra clusters are seeded.
WORST_FITTED_SHARE = 0.2


def previous_labels(keys: list[str], previous: dict[str, list[int]]) -> tuple[np.ndarray, int]:
    """Each key's previous cluster (renumbered 0..m-1, -1 when unseen) and m.

    ``previous`` maps a key to the clusters of the answers that had that key in the previous
    run; the most frequent wins, ties to the smaller cluster number. Previous clusters are
    renumbered in the order of their numbers, keeping only those that still have an answer
    among ``keys``.

    Examples
    --------
    >>> previous_labels(["a", "b", "c"], {"a": [4], "c": [7, 4, 4]})
    (array([ 0, -1,  0]), 1)
    """
    raw = np.full(len(keys), -1, dtype=np.int64)
    for row, key in enumerate(keys):
        votes = Counter(previous.get(key, ()))
        if votes:
            raw[row] = min(votes, key=lambda c: (-votes[c], c))
    used = np.unique(raw[raw >= 0])
    labels = np.where(raw >= 0, np.searchsorted(used, raw), -1)
    return labels, len(used)


def fit_start(
    start: np.ndarray, vectors: np.ndarray, weights: np.ndarray, n_clusters: int, seed: int
) -> np.ndarray:
    """The hard start for ``n_clusters`` clusters from previous labels ``start`` (-1 unseen).

    Keeps the ``n_clusters`` heaviest previous clusters when there are more; seeds the extra
    clusters on the worst-fitted answers when there are fewer (see the module text). Returns
    labels in ``-1 .. n_clusters - 1`` (-1: to be assigned by the model).
    """
    start = start.copy()
    seen = start >= 0
    n_previous = int(start.max()) + 1 if seen.any() else 0
    if n_previous > n_clusters:
        mass = np.bincount(start[seen], weights=weights[seen], minlength=n_previous)
        kept = np.sort(np.lexsort((np.arange(n_previous), -mass))[:n_clusters])
        renumber = np.full(n_previous, -1, dtype=np.int64)
        renumber[kept] = np.arange(n_clusters)
        start[seen] = renumber[start[seen]]
    elif n_previous < n_clusters:
        _seed_extra_clusters(start, vectors, weights, n_previous, n_clusters, seed)
    return start


def _seed_extra_clusters(
    start: np.ndarray,
    vectors: np.ndarray,
    weights: np.ndarray,
    n_previous: int,
    n_clusters: int,
    seed: int,
) -> None:
    """Label clusters ``n_previous .. n_clusters - 1`` on the answers that fit worst."""
    extra = n_clusters - n_previous
    seen = start >= 0
    fit = np.zeros(len(start))  # unseen answers fit nothing yet: they come first
    if n_previous:
        sums = core.weighted_sums(vectors[seen], start[seen], weights[seen], n_previous)
        centres = normalize(sums)
        fit[seen] = np.einsum("ij,ij->i", vectors[seen], centres[start[seen]])
    fit[~seen] = -np.inf
    size = max(int(np.ceil(WORST_FITTED_SHARE * len(start))), 3 * extra)
    worst = np.sort(np.lexsort((np.arange(len(start)), fit))[: min(size, len(start))])
    labels = core.unit_kmeans(vectors[worst], weights[worst], extra, seed)[0]
    start[worst] = n_previous + labels


def warm_mixture_labels(
    words: sp.csr_matrix, start: np.ndarray, weights: np.ndarray, n_clusters: int
) -> np.ndarray:
    """Hard start for EM: seen answers keep ``start``, new ones the likeliest cluster.

    The word distributions are estimated from the seen answers only (one M-step); each new
    answer then gets the cluster under which its words are most likely.

    Examples
    --------
    >>> words = sp.csr_matrix(np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float))
    >>> warm_mixture_labels(words, np.array([0, 1, -1, -1]), np.ones(4), 2).tolist()
    [0, 1, 0, 1]
    """
    seen = start >= 0
    responsibilities = np.zeros((len(start), n_clusters))
    responsibilities[np.flatnonzero(seen), start[seen]] = 1.0
    log_word_probs = core.m_step(words, responsibilities, weights)
    labels = start.copy()
    unseen = np.flatnonzero(~seen)
    if len(unseen):
        labels[unseen] = core.log_likelihoods(words[unseen], log_word_probs).argmax(axis=1)
    return labels


def nearest_mean_labels(
    vectors: np.ndarray, start: np.ndarray, weights: np.ndarray, n_clusters: int
) -> np.ndarray:
    """Hard start from the previous clusters: seen answers keep ``start``, new ones (-1) the
    cluster whose mean vector (over its seen answers) is nearest.

    Examples
    --------
    >>> vectors = normalize(np.array([[1, 0.1], [0.1, 1], [1, 0.2], [0.2, 1]]))
    >>> nearest_mean_labels(vectors, np.array([1, 0, -1, -1]), np.ones(4), 2).tolist()
    [1, 0, 1, 0]
    """
    seen = start >= 0
    centres = core.mean_centres(vectors[seen], start[seen], weights[seen], n_clusters)
    return np.where(seen, start, core.kmeans_scores(vectors, centres).argmax(axis=1))

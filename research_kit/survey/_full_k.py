"""Delivering the number of themes asked for: re-seeding clusters that EM emptied.

Private. EM of a mixture can leave a cluster with no answer (its answers all become more
likely under other clusters), most often when many clusters are asked of few answers. Then
:func:`fill_empty_clusters` splits the heaviest cluster that can be split — two-means on its
answers' vectors — gives one half to the empty cluster and runs EM again from there, up to
:data:`MAX_REFILLS` rounds. Where the full EM merges the halves again (answers of one theme that
the mixture does not tell apart), the last rounds take a single EM step from the split, so each
half keeps the word distribution of its own answers. Only when no cluster can be split (its
answers are identical in the space clustered) or even that empties clusters does a fit end with
fewer clusters; :func:`fewer_themes_reason` words why, for the warning the estimator gives.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from research_kit.survey import _cluster_math as core

__all__ = [
    "MAX_REFILLS",
    "SHORT_REFILLS",
    "fewer_themes_reason",
    "fill_empty_clusters",
    "split_heaviest",
]

#: Rounds of re-seeding empty clusters and running EM again before giving up; the last
#: :data:`SHORT_REFILLS` of them run one EM step instead of the full EM.
MAX_REFILLS = 8
SHORT_REFILLS = 4

#: Dimensions of the random projection of words that splits answers with the same vector.
_PROJECTED = 32

#: ``em(hard_labels, iterations) -> (parameters, posteriors)``: EM from a hard start; None
#: iterations: the full EM.
EM = Callable[[np.ndarray, int | None], tuple[object, np.ndarray]]


def fill_empty_clusters(
    em: EM,
    posteriors: np.ndarray,
    vectors: np.ndarray,
    weights: np.ndarray,
    seed: int,
    words: sp.csr_matrix | None = None,
) -> tuple[object, np.ndarray] | None:
    """Re-seed the clusters EM left empty and run EM again; None when none was empty.

    Returns the last ``em`` result (parameters, posteriors); some clusters may still be empty
    when nothing could be split (see the module text).
    """
    n_clusters = posteriors.shape[1]
    result = None
    for refill in range(MAX_REFILLS):
        labels = posteriors.argmax(axis=1)
        empty = np.setdiff1d(np.arange(n_clusters), labels)
        if len(empty) == 0:
            break
        split = split_heaviest(labels, vectors, weights, empty, seed + refill, words)
        if split is None:
            break
        short = refill >= MAX_REFILLS - SHORT_REFILLS
        result = em(split, 1 if short else None)
        posteriors = result[1]
    return result


def split_heaviest(
    labels: np.ndarray,
    vectors: np.ndarray,
    weights: np.ndarray,
    empty: np.ndarray,
    seed: int,
    words: sp.csr_matrix | None = None,
) -> np.ndarray | None:
    """Hard labels where each cluster in ``empty`` takes half of the heaviest splittable cluster.

    A cluster is split by weighted two-means of its answers' unit vectors or, where those
    coincide (a few answers in few LSA dimensions), of a random projection of their ``words``;
    one whose answers are the same in both cannot be split and is passed over. None when
    nothing could be split.

    Examples
    --------
    >>> vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> split_heaviest(np.array([0, 0, 0, 0]), vectors, np.ones(4), np.array([1]), 0).tolist()
    [0, 0, 1, 1]
    """
    labels = labels.copy()
    unsplittable: set[int] = set()
    changed = False
    for target in empty:
        mass = np.bincount(labels, weights=weights, minlength=int(labels.max()) + 1)
        for cluster in np.lexsort((np.arange(len(mass)), -mass)):
            if cluster in unsplittable or mass[cluster] <= 0:
                continue
            members = np.flatnonzero(labels == cluster)
            halves = _two_means(vectors[members], weights[members], seed)
            if halves is None and words is not None:
                halves = _two_means(_projected(words[members], seed), weights[members], seed)
            if halves is None:
                unsplittable.add(int(cluster))
                continue
            labels[members[halves]] = target
            changed = True
            break
    return labels if changed else None


def _two_means(vectors: np.ndarray, weights: np.ndarray, seed: int) -> np.ndarray | None:
    """A mask of the half of a two-means split without the first answer (None: no split)."""
    if len(vectors) < 2 or np.allclose(vectors, vectors[0]):
        return None
    halves = core.unit_kmeans(vectors, weights, 2, seed)[0] == 1
    if halves.all() or not halves.any():
        return None
    return halves != halves[0]


def _projected(words: sp.csr_matrix, seed: int) -> np.ndarray:
    """Unit rows of a seeded Gaussian projection of word rows (distinct words stay distinct)."""
    projection = np.random.default_rng(seed).normal(size=(words.shape[1], _PROJECTED))
    return normalize(np.asarray(words @ projection))


def fewer_themes_reason(asked: int, formed: int, n_distinct: int) -> str:
    """Why ``formed`` themes were formed when ``asked`` were asked for (a warning's text).

    Examples
    --------
    >>> fewer_themes_reason(5, 3, 3)
    'asked for 5 themes but only 3 could be formed: there are only 3 distinct answers with words'
    """
    head = f"asked for {asked} themes but only {formed} could be formed: "
    if n_distinct <= asked:
        return head + f"there are only {n_distinct} distinct answers with words"
    return head + (
        f"{asked - formed} clusters stayed empty after re-seeding them by splitting the largest "
        "clusters (their answers are too alike to separate further); ask for fewer themes"
    )

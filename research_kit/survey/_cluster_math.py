"""The numerical core of :class:`~research_kit.survey.clustering.ResponseClusterer`.

Private: the estimator in ``clustering.py`` is the public face. What is here, in the order it runs:

1. **Keys.** Each answer becomes its *lemma key*: its content lemmas (spaCy pipeline of
   ``research_kit.text``) joined by spaces. Answers with the same key are one *distinct
   answer*, weighted by how many responses gave it. Distinct answers are put in sorted order
   before anything is fitted, which is what makes the result independent of row order.
2. **Fit set.** The model is fitted on at most :data:`MAX_FIT_TEXTS` distinct answers: all of
   them when there are fewer, else those with the smallest seeded hash of their key (a random
   sample that does not depend on row order or on batch boundaries).
3. **Representation.** Lemma TF-IDF over word n-grams (sublinear tf) reduced by LSA
   (``TruncatedSVD``) and L2-normalised, so dot products are cosine similarities.
4. **Neighbours.** Each answer's :data:`N_NEIGHBOURS` nearest fit-set answers in LSA space (never
   itself) give a row-stochastic matrix ``P``; short answers borrow a little of their
   neighbours' words (``F + NEIGHBOUR_WEIGHT * P @ F``), and k-means is initialised on the
   smoothed vectors ``normalise(Z + P @ Z)`` — a one-step graph diffusion, the cheap part of
   what UMAP-style manifold steps do for short texts.
5. **Mixture.** A mixture of multinomials over the lemma unigrams (a Dirichlet-multinomial
   mixture, fitted by EM with uniform cluster weights and a symmetric Dirichlet prior on the
   word distributions) refines each of :data:`N_INIT` seeded k-means starts; the run with the
   highest penalised log-likelihood wins. Multinomial mixtures suit short texts far better than
   k-means in LSA space, which piles vague answers into one large cluster.
6. **Assignment.** Every answer gets the cluster with the highest posterior; answers with no
   known word get the largest cluster and confidence 0.

Neighbour search is exact up to :data:`EXACT_NEIGHBOURS_UP_TO` fit-set answers and approximate
above (k-means cells; a query searches the :data:`PROBED_CELLS` cells nearest its own).

The sentence-embedding option adds the (L2-normalised) all-MiniLM sentence vectors to 3.: each
answer's sentence vector is smoothed as in 4. by its neighbours among the sentence vectors, its
LSA vector by its LSA neighbours, and the two are joined (:func:`joined`: side by side,
re-normalised, the LSA part weighing :data:`LEXICAL_WEIGHT` against 1 in dot products). 5.
becomes a joint mixture: the best of :data:`SENTENCE_N_INIT` seeded k-means runs on the joined
vectors starts EM (:func:`fit_joint_mixture`) in which each cluster has a mean direction of the
joined vectors and a word distribution, and an answer's score for a cluster is
:data:`CONCENTRATION` × its cosine to the mean direction plus the log-likelihood of its augmented
words (:func:`joint_scores`); 6. assigns by that score. Choosing k scores k-means on the joined
vectors (:func:`~research_kit.survey._k_scores.score_k_kmeans`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

#: The mixture is fitted on at most this many distinct answers; the others are assigned to it.
MAX_FIT_TEXTS = 20_000
#: Nearest neighbours per answer in the LSA space.
N_NEIGHBOURS = 15
#: Exact neighbour search up to this many fit-set answers; approximate (cells) above.
EXACT_NEIGHBOURS_UP_TO = 5_000
#: Cells of the approximate search compared with each query (at least).
PROBED_CELLS = 32
#: Terms in more than this share of the answers are left out of TF-IDF (they separate nothing).
MAX_DOCUMENT_SHARE = 0.5
#: Weight of the neighbours' (averaged) words added to an answer's own words.
NEIGHBOUR_WEIGHT = 0.25
#: Symmetric Dirichlet prior (pseudo-count per word and cluster) of the word distributions.
WORD_PRIOR = 0.1
#: EM iterations per start, and number of seeded k-means starts.
EM_ITERATIONS = 20
KMEANS_ITERATIONS = 50
N_INIT = 4
#: Sentence option: weight of the lexical (LSA) part against 1 for the sentence part in the dot
#: products of the joined vectors, weight of the cosine in the joint mixture's scores (a von
#: Mises-Fisher concentration), and the joint mixture's EM iterations. Chosen on all five shared
#: labelled sets (mean ARI of seeds 0-2), not on one: more lexical weight helps StackOverflow
#: (0.1: .696, 0.2: .721) and hurts Banking77 (0.05: .555, 0.1: .540, 0.2: .514, below its
#: all-MiniLM + k-means .518), NaPiRE is best at 0.1-0.2; 0.1 keeps every set above its
#: all-MiniLM + k-means figures. Concentration: at 0.1, 30 instead of 20 moves no set by more
#: than .013 ARI (better on SearchSnippets and Banking77, worse on StackOverflow and NaPiRE); at
#: 0.2, 5 and 10 were lower than 20 on every set, 40 lower on StackOverflow and NaPiRE.
LEXICAL_WEIGHT = 0.1
CONCENTRATION = 20.0
JOINT_ITERATIONS = 20
#: Sentence option: seeded k-means starts and the most Lloyd iterations of each (the defaults
#: of scikit-learn's ``KMeans``).
SENTENCE_N_INIT = 10
MAX_ITERATIONS = 300
#: Auto-k: distinct answers in the sample on which every k is tried, and its subsamples.
_SIMILARITY_ROWS = 512
#: Below this many distinct answers, terms seen once are kept and no term is too common.
_SMALL_CORPUS = 50


def key_hashes(keys: Sequence[str], seed: int) -> np.ndarray:
    """Seeded 64-bit hashes of lemma keys (uint64), the same on every machine and Python run."""
    salt = seed.to_bytes(8, "little", signed=True)
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8, salt=salt).digest())
            for key in keys
        ),
        dtype=np.uint64,
        count=len(keys),
    )


@dataclass
class Representation:
    """The fitted text representation: n-gram counts, TF-IDF + LSA, and the fit set's vectors."""

    counter: CountVectorizer  # lemma n-grams (also the terms of the clusters' descriptions)
    tfidf_columns: np.ndarray  # columns of the counts used by TF-IDF (not in most answers)
    tfidf: TfidfTransformer
    svd: TruncatedSVD | None
    unigrams: np.ndarray  # columns of the counts that are single lemmas used by TF-IDF
    reference: np.ndarray  # (m, d) L2-normalised LSA vectors of the fit set
    reference_words: sp.csr_matrix  # (m, u) word presence (0/1) of the fit set
    reference_keys: dict[str, int]
    index: CellIndex | None

    def counts(self, keys: Sequence[str]) -> sp.csr_matrix:
        """Lemma n-gram counts of ``keys`` (rows) over the fitted vocabulary."""
        return self.counter.transform(keys).tocsr()

    def vectors(self, counts: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix]:
        """LSA vectors (L2-normalised, float32) and unigram presence, from n-gram counts."""
        weighted = self.tfidf.transform(counts[:, self.tfidf_columns])
        vectors = weighted if self.svd is None else self.svd.transform(weighted)
        if sp.issparse(vectors):
            vectors = vectors.toarray()
        words = (counts[:, self.unigrams] > 0).astype(np.float32).tocsr()
        return normalize(np.asarray(vectors, dtype=np.float32)), words

    def neighbours(self, vectors: np.ndarray, exclude: np.ndarray | None) -> sp.csr_matrix:
        """Row-stochastic neighbour weights of ``vectors`` over the fit set."""
        indices, similarities = nearest_neighbours(
            vectors, self.reference, N_NEIGHBOURS, exclude=exclude, index=self.index
        )
        return neighbour_matrix(indices, similarities, self.reference.shape[0])


def term_counter(keys: Sequence[str], ngram_range: tuple[int, int]) -> CountVectorizer:
    """Lemma n-gram counter fitted on ``keys`` (terms used by two answers, unless very few)."""
    counter = CountVectorizer(
        token_pattern=r"\S+",
        lowercase=False,
        ngram_range=tuple(ngram_range),
        min_df=1 if len(keys) < _SMALL_CORPUS else 2,
        dtype=np.float32,
    )
    try:
        counter.fit(keys)
    except ValueError:  # no term used twice: keep every term
        counter.set_params(min_df=1).fit(keys)
    return counter


def fit_representation(
    keys: Sequence[str],
    *,
    n_components: int,
    ngram_range: tuple[int, int],
    random_state: int,
) -> tuple[Representation, np.ndarray, sp.csr_matrix]:
    """Fit counts, TF-IDF and LSA on the fit set's keys; return them with vectors and words."""
    counter = term_counter(keys, ngram_range)
    counts = counter.transform(keys).tocsr()
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    common = len(keys) >= _SMALL_CORPUS
    tfidf_columns = np.flatnonzero(
        document_frequency <= (MAX_DOCUMENT_SHARE * len(keys) if common else len(keys))
    )
    names = counter.get_feature_names_out()
    unigrams = np.array([c for c in tfidf_columns if " " not in names[c]], dtype=np.int64)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts[:, tfidf_columns])
    weighted = tfidf.transform(counts[:, tfidf_columns])
    components = min(n_components, weighted.shape[1] - 1, len(keys) - 1)
    svd = None
    if components >= 2:
        svd = TruncatedSVD(components, n_iter=7, random_state=random_state)
        svd.fit(weighted)
    representation = Representation(
        counter,
        tfidf_columns,
        tfidf,
        svd,
        unigrams,
        np.zeros((0, 1), dtype=np.float32),
        sp.csr_matrix((0, len(unigrams))),
        {},
        None,
    )
    vectors, words = representation.vectors(counts)
    representation.reference = vectors
    representation.reference_words = words
    representation.reference_keys = {key: i for i, key in enumerate(keys)}
    if len(keys) > EXACT_NEIGHBOURS_UP_TO:
        representation.index = CellIndex.build(vectors, random_state)
    return representation, vectors, words


@dataclass
class CellIndex:
    """Approximate nearest-neighbour search: k-means cells, a query searches nearby cells.

    The reference is split into about sqrt(m) cells by k-means; a query is compared only with
    the members of the :data:`PROBED_CELLS` cells nearest its own cell's centre. Deterministic
    for a given seed.
    """

    centres: np.ndarray
    members: list[np.ndarray]  # per cell: sorted reference rows of the probed cells

    @classmethod
    def build(cls, reference: np.ndarray, seed: int) -> CellIndex:
        n_cells = int(np.clip(np.sqrt(reference.shape[0]), 8, 512))
        weights = np.ones(reference.shape[0])
        cell_of, centres, _ = unit_kmeans(reference, weights, n_cells, seed, iterations=10)
        by_cell = [np.flatnonzero(cell_of == cell) for cell in range(n_cells)]
        closeness = centres @ centres.T
        members = []
        for cell in range(n_cells):
            probed: list[np.ndarray] = []
            for other in np.argsort(-closeness[cell], kind="stable"):
                probed.append(by_cell[other])
                if len(probed) >= PROBED_CELLS and sum(map(len, probed)) > 4 * N_NEIGHBOURS:
                    break
            members.append(np.sort(np.concatenate(probed)))
        return cls(centres, members)

    def cells(self, queries: np.ndarray) -> np.ndarray:
        """The cell of each query (nearest centre)."""
        return (queries @ self.centres.T).argmax(axis=1)


def nearest_neighbours(
    queries: np.ndarray,
    reference: np.ndarray,
    n_neighbours: int,
    exclude: np.ndarray | None = None,
    index: CellIndex | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine similarities of each query's nearest reference rows.

    ``exclude[i]`` (or -1) names a reference row that query ``i`` must not get (itself).
    Exact search goes through the reference in blocks of rows, so memory stays bounded; with
    an ``index`` only the rows of nearby cells are compared.
    """
    n = queries.shape[0]
    if exclude is None:
        exclude = np.full(n, -1, dtype=np.int64)
    n_neighbours = min(n_neighbours, reference.shape[0] - 1)
    indices = np.zeros((n, max(n_neighbours, 0)), dtype=np.int64)
    similarities = np.zeros((n, max(n_neighbours, 0)), dtype=np.float32)
    if n_neighbours <= 0 or n == 0:
        return indices, similarities
    if index is None:
        groups = [
            (np.arange(start, min(start + _SIMILARITY_ROWS, n)), np.arange(reference.shape[0]))
            for start in range(0, n, _SIMILARITY_ROWS)
        ]
    else:
        cells = index.cells(queries)
        order = np.argsort(cells, kind="stable")
        bounds = np.searchsorted(cells[order], np.arange(len(index.members) + 1))
        groups = [
            (order[bounds[cell] : bounds[cell + 1]], index.members[cell])
            for cell in range(len(index.members))
            if bounds[cell + 1] > bounds[cell]
        ]
    for rows, candidates in groups:
        block = queries[rows] @ reference[candidates].T
        _mask_excluded(block, candidates, exclude[rows])
        block *= -1
        top = np.argpartition(block, n_neighbours - 1, axis=1)[:, :n_neighbours]
        indices[rows] = candidates[top]
        similarities[rows] = -np.take_along_axis(block, top, axis=1)
    return indices, similarities


def _mask_excluded(block: np.ndarray, candidates: np.ndarray, excluded: np.ndarray) -> None:
    """Set ``block[i, j]`` to -inf where ``candidates[j] == excluded[i]`` (candidates sorted)."""
    positions = np.searchsorted(candidates, excluded)
    positions = np.minimum(positions, len(candidates) - 1)
    hit = np.flatnonzero((excluded >= 0) & (candidates[positions] == excluded))
    block[hit, positions[hit]] = -np.inf


def neighbour_matrix(
    indices: np.ndarray, similarities: np.ndarray, n_reference: int
) -> sp.csr_matrix:
    """Row-stochastic (n, m) matrix of neighbour weights (cosine similarity, negatives dropped)."""
    n, n_neighbours = indices.shape
    weights = np.maximum(similarities, 0).astype(np.float32)
    matrix = sp.csr_matrix(
        (weights.ravel(), indices.ravel(), np.arange(0, n * n_neighbours + 1, n_neighbours)),
        shape=(n, n_reference),
    )
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    totals[totals == 0] = 1.0
    return (sp.diags(1.0 / totals).astype(np.float32) @ matrix).tocsr()


def smoothed(vectors: np.ndarray, neighbours: sp.csr_matrix, reference: np.ndarray) -> np.ndarray:
    """One diffusion step: each vector plus its neighbours' average, re-normalised."""
    return normalize(vectors + neighbours @ reference)


def augmented(words: sp.csr_matrix, neighbours: sp.csr_matrix, reference_words) -> sp.csr_matrix:
    """An answer's words plus :data:`NEIGHBOUR_WEIGHT` times its neighbours' average words."""
    return (words + NEIGHBOUR_WEIGHT * (neighbours @ reference_words)).tocsr()


# -- the mixture -------------------------------------------------------------------------------


def log_likelihoods(words: sp.csr_matrix, log_word_probs: np.ndarray) -> np.ndarray:
    """(n, k) log-likelihood of each answer's words under each cluster (uniform cluster prior)."""
    return np.asarray(words @ log_word_probs.T)


def m_step(words: sp.csr_matrix, responsibilities: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Log word probabilities per cluster from (soft) memberships, with the Dirichlet prior."""
    counts = np.asarray((words.T @ (responsibilities * weights[:, None])).T) + WORD_PRIOR
    return np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))


def fit_mixture(
    words: sp.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    n_clusters: int,
    iterations: int = EM_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray, float]:
    """EM from a hard start; return log word probabilities, posteriors and the MAP objective."""
    posteriors = np.eye(n_clusters, dtype=np.float64)[labels]
    for _ in range(iterations):
        log_word_probs = m_step(words, posteriors, weights)
        posteriors, norm = _e_step(log_likelihoods(words, log_word_probs))
    objective = float(weights @ norm + WORD_PRIOR * log_word_probs.sum())
    return log_word_probs, posteriors, objective


def _e_step(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posteriors (softmax of each row) and each row's log-sum-exp, computed in place.

    One exponential per entry and no temporaries of the (n, k) size beyond ``scores``, which
    at a few hundred clusters is most of an EM iteration's time.
    """
    top = scores.max(axis=1, keepdims=True)
    np.subtract(scores, top, out=scores)
    np.exp(scores, out=scores)
    totals = scores.sum(axis=1, keepdims=True)
    np.divide(scores, totals, out=scores)
    return scores, (np.log(totals) + top).ravel()


# -- the sentence option: joined vectors and a joint mixture -----------------------------------


def joined(semantic: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """Unit rows of the sentence vectors beside the LSA vectors scaled by :data:`LEXICAL_WEIGHT`.

    For unit inputs the dot product of two joined vectors is
    ``(semantic · semantic' + LEXICAL_WEIGHT * lexical · lexical') / (1 + LEXICAL_WEIGHT)``.
    """
    scale = np.float32(np.sqrt(LEXICAL_WEIGHT))
    return normalize(np.hstack([semantic, scale * lexical]).astype(np.float32))


def joint_scores(
    vectors: np.ndarray,
    words: sp.csr_matrix,
    directions: np.ndarray,
    log_word_probs: np.ndarray,
) -> np.ndarray:
    """(n, k) scores: :data:`CONCENTRATION` × cosine to each mean direction + log-likelihood."""
    similarity = vectors @ directions.T.astype(vectors.dtype)
    return CONCENTRATION * similarity.astype(np.float64) + log_likelihoods(words, log_word_probs)


def _mean_directions(
    vectors: np.ndarray, responsibilities: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Unit weighted mean of the vectors per cluster (a cluster with no mass keeps zeros)."""
    sums = (responsibilities * weights[:, None]).T @ vectors.astype(np.float64)
    return normalize(sums).astype(np.float32)


def fit_joint_mixture(
    vectors: np.ndarray,
    words: sp.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    n_clusters: int,
    iterations: int = JOINT_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EM of the joint mixture from a hard start: mean directions, log word probs, posteriors.

    Each cluster is a mean direction of the (joined, unit) ``vectors`` and a distribution over
    the (augmented) ``words``; an answer's score for a cluster is :func:`joint_scores` (uniform
    cluster weights). ``iterations`` (:data:`JOINT_ITERATIONS`) rounds of: M-step (weighted
    mean directions, re-normalised; word distributions as in :func:`fit_mixture`), then E-step
    (softmax of the scores), so the posteriors returned are those of the parameters returned.
    """
    posteriors = np.eye(n_clusters, dtype=np.float64)[labels]
    for _ in range(iterations):
        directions = _mean_directions(vectors, posteriors, weights)
        log_word_probs = m_step(words, posteriors, weights)
        scores = joint_scores(vectors, words, directions, log_word_probs)
        posteriors = np.exp(scores - logsumexp(scores, axis=1, keepdims=True))
    return directions, log_word_probs, posteriors


def unit_kmeans(
    vectors: np.ndarray,
    weights: np.ndarray,
    n_clusters: int,
    seed: int | Sequence[int],
    iterations: int = KMEANS_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted k-means of unit vectors with a seeded greedy k-means++ start.

    Lloyd iterations with mean centres (Euclidean k-means, which on unit vectors measured
    better starts for the mixture than re-normalised, spherical centres). Returns labels, unit
    centres and the objective (higher is better). Written here rather than taken from
    scikit-learn because it is many times faster on the small samples auto-k fits.
    """
    rng = np.random.default_rng(seed)
    n = vectors.shape[0]
    n_clusters = min(n_clusters, n)
    probabilities = weights / weights.sum()
    chosen = [int(rng.choice(n, p=probabilities))]
    distance = np.clip(1.0 - vectors @ vectors[chosen[0]], 0.0, None)
    trials = 2 + int(np.log(n_clusters))
    for _ in range(1, n_clusters):
        potential = weights * distance
        total = potential.sum()
        if total <= 0:  # every vector already has a twin centre: take any not chosen
            candidates = rng.choice(np.setdiff1d(np.arange(n), chosen), size=1)
        else:
            candidates = rng.choice(n, size=trials, p=potential / total)
        trial_distance = np.minimum(
            distance[None, :], np.clip(1.0 - vectors[candidates] @ vectors.T, 0.0, None)
        )
        best = int(np.argmin(trial_distance @ weights))
        chosen.append(int(candidates[best]))
        distance = trial_distance[best]
    centres = vectors[chosen].astype(np.float64)
    labels = np.full(n, -1)
    for _ in range(iterations):
        similarity = kmeans_scores(vectors, centres)
        new_labels = similarity.argmax(axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        sums = weighted_sums(vectors, labels, weights, len(centres))
        mass = np.bincount(labels, weights=weights, minlength=len(centres))
        empty = np.flatnonzero(mass == 0)
        if len(empty):  # restart an empty cluster at the worst-fitted vectors
            worst = np.argsort(similarity.max(axis=1), kind="stable")[: len(empty)]
            sums[empty] = vectors[worst]
            mass[empty] = 1.0
        centres = sums / mass[:, None]
    similarity = kmeans_scores(vectors, centres)
    labels = similarity.argmax(axis=1)
    objective = float(weights @ similarity[np.arange(n), labels])
    return labels, normalize(centres).astype(np.float32), objective


def weighted_sums(
    vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, n_clusters: int
) -> np.ndarray:
    """Per-cluster weighted sums of ``vectors`` (float64), via a sparse one-hot product."""
    one_hot = sp.csr_matrix(
        (weights, (labels, np.arange(len(labels)))), shape=(n_clusters, len(labels))
    )
    return np.asarray(one_hot @ vectors, dtype=np.float64)


def kmeans_scores(vectors: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Minus half the squared Euclidean distance, up to a per-row constant (unit vectors)."""
    return vectors @ centres.T.astype(vectors.dtype) - 0.5 * (centres**2).sum(axis=1)[None, :]


def kmeans_start(
    vectors: np.ndarray, weights: np.ndarray, n_clusters: int, seed: int
) -> np.ndarray:
    """Labels of one seeded k-means run."""
    return unit_kmeans(vectors, weights, n_clusters, seed)[0]


def best_mixture(
    start_vectors: np.ndarray,
    words: sp.csr_matrix,
    weights: np.ndarray,
    n_clusters: int,
    seed: int,
    n_init: int = N_INIT,
) -> tuple[np.ndarray, np.ndarray]:
    """The best of ``n_init`` k-means-started EM runs by objective: (log probs, posteriors)."""
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for start in range(n_init):
        labels = kmeans_start(start_vectors, weights, n_clusters, seed + start)
        log_word_probs, posteriors, objective = fit_mixture(words, labels, weights, n_clusters)
        if best is None or objective > best[0]:
            best = (objective, log_word_probs, posteriors)
    assert best is not None
    return best[1], best[2]


# -- assignment --------------------------------------------------------------------------------


def confidence_from_scores(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Confidence in [0, 1] of the best cluster: posterior margin with per-word scores.

    The log-likelihoods are divided by the answer's number of (augmented) words, so that a long
    answer is not certain just for being long; the confidence is the difference between the two
    largest resulting probabilities.
    """
    if scores.shape[1] < 2:
        return np.ones(scores.shape[0])
    per_word = scores / np.maximum(lengths, 1.0)[:, None]
    probs = np.exp(per_word - logsumexp(per_word, axis=1, keepdims=True))
    top2 = -np.partition(-probs, 1, axis=1)[:, :2]
    return np.clip(top2[:, 0] - top2[:, 1], 0.0, 1.0)


def memberships(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per-word tempered cluster probabilities (rows sum to 1), as behind the confidence."""
    per_word = scores / np.maximum(lengths, 1.0)[:, None]
    per_word = per_word - per_word.max(axis=1, keepdims=True)
    probs = np.exp(per_word)
    return probs / probs.sum(axis=1, keepdims=True)


def chunks(n: int, size: int) -> Iterator[slice]:
    """Consecutive slices of ``range(n)`` of at most ``size``."""
    for start in range(0, n, max(size, 1)):
        yield slice(start, min(start + size, n))


def best_kmeans(
    vectors: np.ndarray,
    weights: np.ndarray,
    n_clusters: int,
    seed: int,
    n_init: int = N_INIT,
    iterations: int = KMEANS_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """The best of ``n_init`` seeded k-means runs by objective: (labels, unit centres)."""
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for start in range(n_init):  # one run in memory at a time
        run = unit_kmeans(vectors, weights, n_clusters, seed + start, iterations)
        if best is None or run[2] > best[2]:
            best = run
    assert best is not None
    return best[0], best[1]


def mean_centres(
    vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, n_clusters: int
) -> np.ndarray:
    """Weighted mean of each cluster's vectors (k-means centres; zeros for an empty cluster)."""
    mass = np.bincount(labels, weights=weights, minlength=n_clusters)
    sums = weighted_sums(vectors, labels, weights, n_clusters)
    return (sums / np.where(mass > 0, mass, 1.0)[:, None]).astype(np.float32)

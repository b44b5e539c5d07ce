"""One pass of :class:`~research_kit.survey.clustering.ResponseClusterer` over answers.

Private. :func:`assign_answers` assigns answers to a fitted model batch by batch (each batch's
distinct keys scored once; labels, confidence, memberships, per-cluster term counts and quote
pools collected in an :class:`~research_kit.survey._cluster_describe.Assignment`), and
:func:`size_order` numbers the clusters of a fit by size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from research_kit.survey import _cluster_math as core
from research_kit.survey import _cluster_model as models
from research_kit.survey._cluster_describe import Assignment

__all__ = ["PassOptions", "assign_answers", "size_order"]


@dataclass(frozen=True)
class PassOptions:
    """How a pass reads its answers: keys of a batch (dedupe keys, lemma keys) and batches."""

    dedupe_keys: Callable[[list[str]], list[str]]
    lemma_keys: Callable[[list[str]], list[str]]
    sentence: bool
    rows_per_batch: int
    show: bool


def assign_answers(
    model: models.Model,
    texts: list[str],
    stored: Iterator[tuple[slice, list[str]]] | None,
    options: PassOptions,
    *,
    keep_quotes: bool = False,
    memberships: bool = False,
) -> Assignment:
    """Labels, confidence (and memberships, term counts, quotes) of ``texts``, batch by batch.

    ``stored`` gives each batch's keys when they were read before (the fit), else they are
    computed here.
    """
    n, k = len(texts), model.n_clusters
    result = Assignment(
        labels=np.empty(n, dtype=np.int64),
        confidence=np.empty(n, dtype=np.float64),
        probs=np.empty((n, k)) if memberships else None,
        term_counts=sp.csr_matrix((k, len(model.terms.vocabulary_))),
        terms=model.terms.get_feature_names_out(),
    )
    with tqdm(total=n, desc="Assigning answers", unit="answer", disable=not options.show) as bar:
        for part in core.chunks(n, options.rows_per_batch):
            part_texts = texts[part]
            part_keys = next(stored)[1] if stored is not None else options.dedupe_keys(part_texts)
            _assign_batch(model, part, part_texts, part_keys, result, keep_quotes, options)
            bar.update(part.stop - part.start)
    return result


def _assign_batch(
    model: models.Model,
    part: slice,
    texts: list[str],
    keys: list[str],
    result: Assignment,
    keep_quotes: bool,
    options: PassOptions,
) -> None:
    index: dict[str, int] = {}
    rows = np.array([index.setdefault(key, len(index)) for key in keys], dtype=np.int64)
    distinct = list(index)
    examples = [""] * len(distinct)
    for row, text in zip(rows, texts, strict=True):
        if not examples[row] or text < examples[row]:
            examples[row] = text
    lemma_keys = options.lemma_keys(examples) if options.sentence else distinct
    scored = model.score(distinct, examples, lemma_keys)
    labels = scored.scores.argmax(axis=1)
    empty = scored.lengths <= 0
    labels[empty] = model.fallback
    confidence = core.confidence_from_scores(scored.scores, scored.lengths)
    confidence[empty] = 0.0
    result.labels[part] = labels[rows]
    result.confidence[part] = confidence[rows]
    if result.probs is not None:
        result.probs[part] = core.memberships(scored.scores, scored.lengths)[rows]
    multiplicity = np.bincount(rows, minlength=len(distinct)).astype(np.float64)
    one_hot = sp.csr_matrix(
        (multiplicity, (labels, np.arange(len(distinct)))),
        shape=(model.n_clusters, len(distinct)),
    )
    result.term_counts = result.term_counts + one_hot @ scored.counts
    result.sizes += np.bincount(labels, weights=multiplicity, minlength=model.n_clusters)
    result.confidence_sums += np.bincount(
        labels, weights=confidence * multiplicity, minlength=model.n_clusters
    )
    if keep_quotes:
        centrality = np.einsum("ij,ij->i", scored.vectors, model.centroids[labels])
        result.add_quotes(labels, centrality, distinct, examples, multiplicity)


def size_order(model: models.Model, sizes: np.ndarray, fit_keys: list[str]) -> np.ndarray:
    """The model's clusters by size (desc), ties by first fitted key; empty ones left out."""
    first_key = np.full(model.n_clusters, len(fit_keys), dtype=np.int64)
    fit_labels = model.fit_labels
    for cluster in range(model.n_clusters):
        members = np.flatnonzero(fit_labels == cluster)
        if len(members):
            first_key[cluster] = members[0]
    topical = sizes[: model.n_clusters]
    order = np.lexsort((first_key, -topical))
    return order[topical[order] > 0]

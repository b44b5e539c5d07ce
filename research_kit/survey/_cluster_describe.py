"""What one pass of :class:`~research_kit.survey.clustering.ResponseClusterer` keeps per cluster.

Private. An :class:`Assignment` collects, batch by batch, each answer's cluster and confidence
and, per cluster, its size, summed confidence, lemma n-gram counts and a pool of the most
central distinct answers; :func:`describe_table` turns it into the tidy table of
:meth:`ResponseClusterer.describe`: distinctive terms by class-based TF-IDF (BERTopic's c-TF-IDF),
a label of up to three of them that share no word, and quotes without near-duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from research_kit.survey.terms import class_tfidf, distinct_terms, short_label, spelled

__all__ = ["Assignment", "Quote", "describe_table"]

#: Representative answers kept per cluster for ``describe``.
QUOTE_POOL = 20
#: Two quotes whose lemma sets overlap this much (Jaccard) count as the same quote.
NEAR_DUPLICATE = 0.8


@dataclass
class Quote:
    centrality: float
    key: str  # lemma key (tfidf) or normalised text (sentence)
    text: str


@dataclass
class Assignment:
    """What one pass over answers found: per answer, and summed per cluster."""

    labels: np.ndarray | None
    confidence: np.ndarray | None
    probs: np.ndarray | None
    term_counts: sp.csr_matrix
    terms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    confidence_sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    quotes: list[list[Quote]] = field(default_factory=list)

    def __post_init__(self) -> None:
        k = self.term_counts.shape[0]
        self.sizes = np.zeros(k)
        self.confidence_sums = np.zeros(k)
        self.quotes = [[] for _ in range(k)]

    def add_quotes(
        self,
        labels: np.ndarray,
        centrality: np.ndarray,
        keys: list[str],
        texts: list[str],
    ) -> None:
        """Keep each cluster's :data:`QUOTE_POOL` most central distinct answers."""
        for cluster in np.unique(labels):
            members = np.flatnonzero(labels == cluster)
            if len(members) > QUOTE_POOL:
                members = members[np.argpartition(-centrality[members], QUOTE_POOL - 1)]
                members = members[:QUOTE_POOL]
            pool = {quote.key: quote for quote in self.quotes[cluster]}
            for row in members:
                known = pool.get(keys[row])
                if known is None or texts[row] < known.text:
                    pool[keys[row]] = Quote(float(centrality[row]), keys[row], texts[row])
            ranked = sorted(pool.values(), key=lambda quote: (-quote.centrality, quote.key))
            self.quotes[cluster] = ranked[:QUOTE_POOL]

    def reorder(self, order: np.ndarray) -> None:
        self.term_counts = self.term_counts.tocsr()[order]
        self.sizes = self.sizes[order]
        self.confidence_sums = self.confidence_sums[order]
        self.quotes = [self.quotes[i] for i in order]


def describe_table(
    stats: Assignment, n_quotes: int, n_terms: int, surface: dict[str, str]
) -> pd.DataFrame:
    scores = class_tfidf(stats.term_counts)
    total = stats.sizes.sum()
    rows = []
    for cluster in range(len(stats.sizes)):
        terms = [
            spelled(term, surface) for term in distinct_terms(scores[cluster], stats.terms, n_terms)
        ]
        size = round(stats.sizes[cluster])
        rows.append(
            {
                "cluster": cluster,
                "label": short_label(terms),
                "size": size,
                "share": size / total if total else np.nan,
                "top_terms": terms,
                "quotes": _quotes(stats.quotes[cluster], n_quotes),
                "mean_confidence": stats.confidence_sums[cluster] / size if size else np.nan,
            }
        )
    columns = ["cluster", "label", "size", "share", "top_terms", "quotes", "mean_confidence"]
    return pd.DataFrame(rows, columns=columns)


def _quotes(pool: list[Quote], n_quotes: int) -> list[str]:
    """The most central quotes, skipping near-duplicates of one already chosen.

    Near-duplicate: the same words once lower-cased, or lemma sets overlapping by
    :data:`NEAR_DUPLICATE` or more (Jaccard).
    """
    chosen: list[Quote] = []
    for quote in pool:
        if len(chosen) >= n_quotes:
            break
        if not any(_near_duplicates(quote, other) for other in chosen):
            chosen.append(quote)
    return [quote.text for quote in chosen]


def _near_duplicates(one: Quote, other: Quote) -> bool:
    if one.text.casefold().split() == other.text.casefold().split():
        return True
    first, second = set(one.key.casefold().split()), set(other.key.casefold().split())
    union = first | second
    return bool(union) and len(first & second) / len(union) >= NEAR_DUPLICATE

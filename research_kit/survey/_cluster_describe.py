"""What one pass of :class:`~research_kit.survey.clustering.ResponseClusterer` keeps per cluster.

Private. An :class:`Assignment` collects, batch by batch, each answer's cluster and confidence
and, per cluster, its size, summed confidence, lemma n-gram counts and a pool of the most
central distinct answers (with how many gave each); :func:`describe_table` turns it into the
tidy table of :meth:`ResponseClusterer.describe`: distinctive terms by class-based TF-IDF
(BERTopic's c-TF-IDF), a name drawn from the pooled answers (the most central phrase many of
them share, unique across clusters: :mod:`research_kit.survey.theme_names`) and quotes that are
central, diverse and never near-duplicates (:mod:`research_kit.survey.quotes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from research_kit.survey.quotes import distinct_quotes
from research_kit.survey.terms import class_tfidf, distinct_terms, spelled
from research_kit.survey.theme_names import name_themes

__all__ = ["DESCRIBE_COLUMNS", "Assignment", "Quote", "describe_table"]

DESCRIBE_COLUMNS = [
    "cluster",
    "label",
    "label_source",
    "size",
    "share",
    "top_terms",
    "quotes",
    "mean_confidence",
]

#: Most central distinct answers kept per cluster for ``describe`` (its name and quotes).
QUOTE_POOL = 50
#: Pooled answers a quote is chosen from (the most central).
QUOTE_CANDIDATES = 20


@dataclass
class Quote:
    centrality: float
    key: str  # lemma key (tfidf) or normalised text (sentence)
    text: str
    count: float = 1.0  # answers with this key (summed over the batches it was kept in)


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
        counts: np.ndarray | None = None,
    ) -> None:
        """Keep each cluster's :data:`QUOTE_POOL` most central distinct answers and how many
        gave each (``counts``, per distinct answer of the batch; 1 each by default)."""
        counts = np.ones(len(keys)) if counts is None else np.asarray(counts, dtype=np.float64)
        for cluster in np.unique(labels):
            members = np.flatnonzero(labels == cluster)
            if len(members) > QUOTE_POOL:
                members = members[np.argpartition(-centrality[members], QUOTE_POOL - 1)]
                members = members[:QUOTE_POOL]
            pool = {quote.key: quote for quote in self.quotes[cluster]}
            for row in members:
                known = pool.get(keys[row])
                count = float(counts[row]) + (known.count if known is not None else 0.0)
                text = texts[row] if known is None else min(known.text, texts[row])
                pool[keys[row]] = Quote(float(centrality[row]), keys[row], text, count)
            ranked = sorted(pool.values(), key=lambda quote: (-quote.centrality, quote.key))
            self.quotes[cluster] = ranked[:QUOTE_POOL]

    def reorder(self, order: np.ndarray) -> None:
        self.term_counts = self.term_counts.tocsr()[order]
        self.sizes = self.sizes[order]
        self.confidence_sums = self.confidence_sums[order]
        self.quotes = [self.quotes[i] for i in order]


def describe_table(
    stats: Assignment, n_quotes: int, n_terms: int, surface: dict[str, str], *, nlp: Any = None
) -> pd.DataFrame:
    """One row per cluster: its name (``label``, ``label_source``), size, terms and quotes."""
    scores = class_tfidf(stats.term_counts)
    total = stats.sizes.sum()
    terms = [
        [spelled(term, surface) for term in distinct_terms(scores[c], stats.terms, n_terms)]
        for c in range(len(stats.sizes))
    ]
    pools = [[(q.text, q.count, q.centrality) for q in pool] for pool in stats.quotes]
    names = name_themes(pools, terms, nlp=nlp)
    rows = []
    for cluster in range(len(stats.sizes)):
        size = round(stats.sizes[cluster])
        rows.append(
            {
                "cluster": cluster,
                "label": names[cluster].name,
                "label_source": names[cluster].source,
                "size": size,
                "share": size / total if total else np.nan,
                "top_terms": terms[cluster],
                "quotes": _quotes(stats.quotes[cluster], n_quotes),
                "mean_confidence": stats.confidence_sums[cluster] / size if size else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=DESCRIBE_COLUMNS)


def _quotes(pool: list[Quote], n_quotes: int) -> list[str]:
    """Central, diverse quotes from the most central pooled answers, no two alike."""
    candidates = pool[:QUOTE_CANDIDATES]
    texts = [quote.text for quote in candidates]
    chosen = distinct_quotes(texts, [quote.centrality for quote in candidates], n_quotes)
    return [texts[i] for i in chosen]

"""The set-aside groups inside :class:`~research_kit.survey.clustering.ResponseClusterer`.

Private. The groups themselves (praise and nothing-to-add, other languages) are decided by
:mod:`research_kit.survey.answer_groups`; here the clusterer's per-pass results are widened
with them: the topical themes keep clusters ``0 .. n_themes - 1`` and each group gets the
next number, its answers membership 1 in it and confidence 1 (they are there by rule, not by
fit). The group's quotes are its most frequent answers.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from research_kit.survey._cluster_describe import Assignment
from research_kit.survey.answer_groups import GroupPlan, detected_languages, plan_groups

__all__ = [
    "GROUP_COLUMNS",
    "describe_with_groups",
    "group_table",
    "plan_for_fit",
    "topical_rows",
    "with_groups",
]

#: Columns of ``ResponseClusterer.groups_``.
GROUP_COLUMNS = ["cluster", "group", "kind", "name", "languages", "size"]


def plan_for_fit(texts: list[str], params: dict[str, Any]) -> GroupPlan:
    """The groups of the answers being fitted, from the clusterer's parameters."""
    if not params["set_aside"]:
        return plan_groups(texts, praise=False)  # no languages given: nothing set aside
    languages = params["languages"]
    if isinstance(languages, str) and languages == "auto":
        languages = detected_languages(texts)
    return plan_groups(
        texts,
        languages=languages,
        main_language=params["main_language"],
        min_group_size=params["min_group_size"],
        multilingual=params["embedding"] == "multilingual",
    )


def topical_rows(codes: np.ndarray) -> np.ndarray | None:
    """Rows of the answers to cluster into themes (None: all of them)."""
    if len(codes) == 0 or (codes < 0).all():
        return None
    return np.flatnonzero(codes < 0)


def with_groups(
    topical: Assignment,
    codes: np.ndarray,
    n_groups: int,
    texts: list[str],
    *,
    keep_quotes: bool,
) -> Assignment:
    """The pass over the topical answers widened to every answer and every group."""
    if n_groups == 0:
        return topical
    k = topical.term_counts.shape[0]
    n = len(codes)
    rows = np.flatnonzero(codes < 0)
    grouped = np.flatnonzero(codes >= 0)
    labels = np.empty(n, dtype=np.int64)
    confidence = np.ones(n, dtype=np.float64)
    labels[rows], confidence[rows] = topical.labels, topical.confidence
    labels[grouped] = k + codes[grouped]
    probs = None
    if topical.probs is not None:
        probs = np.zeros((n, k + n_groups))
        probs[rows, :k] = topical.probs
        probs[grouped, labels[grouped]] = 1.0
    widened = Assignment(
        labels=labels,
        confidence=confidence,
        probs=probs,
        term_counts=sp.vstack(
            [topical.term_counts, sp.csr_matrix((n_groups, topical.term_counts.shape[1]))]
        ).tocsr(),
        terms=topical.terms,
    )
    group_sizes = np.bincount(codes[grouped], minlength=n_groups).astype(np.float64)
    widened.sizes = np.concatenate([topical.sizes, group_sizes])
    widened.confidence_sums = np.concatenate([topical.confidence_sums, group_sizes])
    widened.quotes = topical.quotes + [[] for _ in range(n_groups)]
    if keep_quotes and len(grouped):
        _add_group_quotes(widened, labels[grouped], [texts[row] for row in grouped])
    return widened


def _add_group_quotes(result: Assignment, labels: np.ndarray, texts: list[str]) -> None:
    """A group's quotes: its most frequent answers (case and spacing aside)."""
    keys = [" ".join(text.casefold().split()) for text in texts]
    frequency = Counter(zip(labels.tolist(), keys, strict=True))
    centrality = np.array(
        [frequency[(label, key)] for label, key in zip(labels, keys, strict=False)], float
    )
    result.add_quotes(labels, centrality, keys, texts)


def group_table(plan: GroupPlan, n_themes: int, sizes: np.ndarray) -> pd.DataFrame:
    """``groups_``: one row per group, its cluster number after the themes and its size."""
    table = plan.groups.reset_index(drop=True).assign(
        cluster=n_themes + np.arange(len(plan.groups)),
        size=np.asarray(sizes[n_themes:], dtype=np.int64),
    )
    table["languages"] = [list(held) for held in table["languages"]]
    return table[GROUP_COLUMNS]


def describe_with_groups(table: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """``describe``'s table with a ``kind`` column and the groups' readable names as labels."""
    kinds = dict(zip(groups["cluster"], groups["kind"], strict=True))
    names = dict(zip(groups["cluster"], groups["name"], strict=True))
    described = table.assign(kind=[kinds.get(cluster, "theme") for cluster in table["cluster"]])
    is_group = described["cluster"].isin(list(names))
    described.loc[is_group, "label"] = described.loc[is_group, "cluster"].map(names)
    described["top_terms"] = [
        [] if group else terms
        for group, terms in zip(is_group, described["top_terms"], strict=False)
    ]
    return described

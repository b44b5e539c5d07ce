"""Choosing the number of themes: which k a clusterer tries, and how it picks one.

``ResponseClusterer(n_clusters="auto")`` fits each candidate k (:func:`candidate_ks`, up to
:func:`auto_k_limit` unless ``k_range`` is given) on a fixed sample of distinct answers and keeps
the k named by :data:`CRITERION`: the highest product of silhouette and stability. The largest
k tried grows with the data (one theme per 25 distinct answers, at least 15 and at most 50), so
a few hundred answers are never cut into fifty themes, nor twenty thousand squeezed into fifteen.
:mod:`research_kit.survey.clustering` scores the candidates; this module says which are tried,
picks the winner and words the criterion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ANSWERS_PER_THEME",
    "CRITERION",
    "DEFAULT_K_MAX",
    "DEFAULT_K_MIN_LIMIT",
    "apply_criterion",
    "auto_k_limit",
    "candidate_ks",
    "describe_candidates",
    "one_k_scores",
]

#: Auto-k without ``k_range``: the largest k tried is one per this many distinct answers,
#: between :data:`DEFAULT_K_MIN_LIMIT` and :data:`DEFAULT_K_MAX`.
ANSWERS_PER_THEME = 25
DEFAULT_K_MIN_LIMIT = 15
DEFAULT_K_MAX = 50
#: Every k up to this is a candidate; above it, candidates grow by :data:`_K_STEP` at a time.
_EVERY_K_UP_TO = 15
_K_STEP = 1.2

CRITERION = (
    "k is the candidate ({candidates}) with the highest product of silhouette (cosine, in the "
    "{space}) and stability (mean adjusted Rand index between the clustering of a fixed "
    "sample of up to 2,000 distinct answers and the clusterings of three random 80% "
    "subsamples of it)."
)


def auto_k_limit(n_answers: int) -> int:
    """The largest k that ``n_clusters="auto"`` tries when ``k_range`` is not given.

    One theme per :data:`ANSWERS_PER_THEME` distinct answers, at least
    :data:`DEFAULT_K_MIN_LIMIT` and at most :data:`DEFAULT_K_MAX`.

    Examples
    --------
    >>> auto_k_limit(300), auto_k_limit(800), auto_k_limit(20_000)
    (15, 32, 50)
    """
    return int(np.clip(n_answers // ANSWERS_PER_THEME, DEFAULT_K_MIN_LIMIT, DEFAULT_K_MAX))


def candidate_ks(low: int, high: int) -> list[int]:
    """The k tried between ``low`` and ``high``: every k up to 15, then about 20% apart.

    Neighbouring large k differ little, so fewer of them are fitted; ``high`` is always tried.

    Examples
    --------
    >>> candidate_ks(2, 50)[-8:]
    [15, 18, 22, 26, 31, 37, 44, 50]
    >>> candidate_ks(20, 30)
    [20, 24, 29, 30]
    """
    candidates = list(range(low, min(high, _EVERY_K_UP_TO) + 1)) or [low]
    k = max(candidates[-1] + 1, round(candidates[-1] * _K_STEP))
    while k < high:
        candidates.append(k)
        k = max(k + 1, round(k * _K_STEP))
    if candidates[-1] != high:
        candidates.append(high)
    return candidates


def describe_candidates(candidates: list[int]) -> str:
    """ "k = 2 to 15, 18, 22" for the criterion sentence."""
    run_end = 0
    while run_end + 1 < len(candidates) and candidates[run_end + 1] == candidates[run_end] + 1:
        run_end += 1
    head = (
        f"k = {candidates[0]} to {candidates[run_end]}"
        if run_end >= 2
        else "k = " + ", ".join(map(str, candidates[: run_end + 1]))
    )
    rest = candidates[run_end + 1 :]
    return head + "".join(f", {k}" for k in rest)


def one_k_scores(k: int) -> pd.DataFrame:
    """``k_scores_`` when k was not chosen by the criterion (fixed, or from a warm start)."""
    return pd.DataFrame(
        {
            "k": [k],
            "silhouette": [np.nan],
            "stability": [np.nan],
            "score": [np.nan],
            "clusters_used": [k],
            "chosen": [True],
        }
    )


def apply_criterion(scores: pd.DataFrame) -> int:
    """The k named by :data:`CRITERION` (the smaller k on a tie)."""
    return int(scores.sort_values(["score", "k"], ascending=[False, True])["k"].iloc[0])

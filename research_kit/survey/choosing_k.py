"""Choosing the number of themes: which k a clusterer tries, and how it picks one.

``ResponseClusterer(n_clusters="auto")`` fits each candidate k (:func:`candidate_ks`, up to
:func:`auto_k_limit` unless ``k_range`` is given) on a fixed sample of distinct answers and keeps
the k named by :data:`CRITERION`: the one whose clusters the answers' words support best (the
Dirichlet-multinomial marginal likelihood of the sample's words given the clusters; see
:mod:`research_kit.survey._k_scores`). That evidence rises while splits separate answers that
use different words and falls once they cut a theme whose halves speak alike, so it has a
maximum inside the range rather than at its end. The largest k tried grows with the data (one
theme per 10 distinct answers, at least 15 and at most 200); candidates are tried in increasing
order, every k up to 15, and the search stops once :data:`PATIENCE` larger candidates in a row
score below the best so far. :mod:`research_kit.survey.clustering` scores the candidates; this
module says which are tried, picks the winner and words the criterion.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from research_kit.errors import SurveyError
from research_kit.survey._k_scores import selection_sample

__all__ = [
    "ANSWERS_PER_THEME",
    "CRITERION",
    "DEFAULT_K_MAX",
    "DEFAULT_K_MIN_LIMIT",
    "PATIENCE",
    "FewerThemesWarning",
    "apply_criterion",
    "at_the_edge",
    "auto_k_limit",
    "candidate_ks",
    "choose_k",
    "describe_candidates",
    "one_k_scores",
    "search_is_over",
    "warm_criterion",
]

#: Auto-k without ``k_range``: the largest k tried is one per this many distinct answers,
#: between :data:`DEFAULT_K_MIN_LIMIT` and :data:`DEFAULT_K_MAX`.
ANSWERS_PER_THEME = 10
DEFAULT_K_MIN_LIMIT = 15
DEFAULT_K_MAX = 200
#: The search stops once this many candidates above 15 in a row score below the best so far.
PATIENCE = 4
#: Every k up to this is a candidate; above it, candidates grow by :data:`_K_STEP` at a time.
_EVERY_K_UP_TO = 15
_K_STEP = 1.2

CRITERION = (
    "k is the candidate ({candidates}) whose clusters the answers' words support best: the "
    "highest marginal likelihood of the words of a fixed sample of up to 2,000 distinct "
    "answers given their clusters (each cluster's word distribution integrated out under the "
    "mixture's Dirichlet prior{detail})."
)


class FewerThemesWarning(UserWarning):
    """Fewer themes were formed than asked for; the message says how many and why."""


def auto_k_limit(n_answers: int) -> int:
    """The largest k that ``n_clusters="auto"`` tries when ``k_range`` is not given.

    One theme per :data:`ANSWERS_PER_THEME` distinct answers, at least
    :data:`DEFAULT_K_MIN_LIMIT` and at most :data:`DEFAULT_K_MAX`.

    Examples
    --------
    >>> auto_k_limit(100), auto_k_limit(800), auto_k_limit(20_000)
    (15, 80, 200)
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


def choose_k(
    model: Any, weights: np.ndarray, seed: int, k_range: tuple[int, int], show: bool = False
) -> tuple[int, pd.DataFrame, str]:
    """Score the candidates in ``k_range`` on a fixed sample; the k chosen, the curve, the rule.

    ``model`` is a clusterer's fitted representation (``score_k(sample, weights, k, seed)``
    fits and scores one candidate on the fit-set rows ``sample``); ``weights`` are its distinct
    answers' weights. Candidates are tried in increasing order until :func:`search_is_over`.
    Returns the k named by :data:`CRITERION`, ``k_scores_`` and ``criterion_``.
    """
    n = len(weights)
    sample = selection_sample(n, seed)
    low, high = k_range
    candidates = [k for k in candidate_ks(low, high) if k <= len(sample) // 2]
    if not candidates:
        raise SurveyError(
            f"only {n} distinct answer(s) with words to cluster; n_clusters='auto' needs "
            f"at least {2 * low}",
            hint="collect more answers or give n_clusters as a number",
        )
    rows: list[dict[str, Any]] = []
    for k in tqdm(candidates, desc="Choosing k", unit="k", disable=not show):
        rows.append({"k": k, **model.score_k(sample, weights[sample], k, seed)})
        if search_is_over(pd.DataFrame(rows)):
            break
    scores = pd.DataFrame(rows)
    chosen = apply_criterion(scores)
    scores["chosen"] = scores["k"] == chosen
    tried = describe_candidates(scores["k"].tolist())
    criterion = CRITERION.format(candidates=tried, detail=model.criterion_detail)
    return chosen, scores, criterion + at_the_edge(scores, high)


def one_k_scores(k: int) -> pd.DataFrame:
    """``k_scores_`` when k was not chosen by the criterion (fixed, or from a warm start)."""
    return pd.DataFrame(
        {
            "k": [k],
            "log_evidence": [np.nan],
            "clusters_used": [k],
            "chosen": [True],
        }
    )


def apply_criterion(scores: pd.DataFrame) -> int:
    """The k named by :data:`CRITERION` (the smaller k on a tie)."""
    ordered = scores.sort_values(["log_evidence", "k"], ascending=[False, True])
    return int(ordered["k"].iloc[0])


def at_the_edge(scores: pd.DataFrame, high: int) -> str:
    """What ``criterion_`` adds when the evidence still rose at the largest k allowed.

    Examples
    --------
    >>> curve = pd.DataFrame({"k": [2, 3, 4], "log_evidence": [-9.0, -8.0, -7.0]})
    >>> at_the_edge(curve.assign(chosen=curve["k"] == 4), 4)[:44]
    ' The evidence was still rising at k = 4, the'
    >>> at_the_edge(curve.assign(chosen=curve["k"] == 4), 5)
    ''
    """
    chosen = int(scores.loc[scores["chosen"], "k"].iloc[0])
    if chosen < high or len(scores) < 2:
        return ""
    return (
        f" The evidence was still rising at k = {high}, the largest allowed: the answers "
        "support more themes than that."
    )


def search_is_over(scores: pd.DataFrame) -> bool:
    """Whether the last :data:`PATIENCE` candidates, all above 15, scored below the best.

    Examples
    --------
    >>> evidence = [-9, -5, -6, -7, -6, -8]
    >>> curve = pd.DataFrame({"k": [14, 15, 18, 22, 26, 31], "log_evidence": evidence})
    >>> search_is_over(curve), search_is_over(curve.iloc[:5])
    (True, False)
    """
    last = scores.iloc[-PATIENCE:]
    if len(last) < PATIENCE or (last["k"] <= _EVERY_K_UP_TO).any():
        return False
    return bool((last["log_evidence"] < scores["log_evidence"].max()).all())


def warm_criterion(k: int, n_previous: int, *, chosen: bool) -> str:
    """``criterion_`` of a warm start from ``n_previous`` clusters to ``k`` (``chosen``: auto).

    Examples
    --------
    >>> warm_criterion(4, 4, chosen=False)
    'k fixed by the user (n_clusters=4); started from the 4 clusters of the previous run (init).'
    """
    start = f"started from the {n_previous} clusters of the previous run (init)"
    if chosen:
        return (
            f"k = {k}, the number of clusters of the previous run (init) that still have "
            "answers; k is not chosen again on a warm start (fit without init for that)."
        )
    if k < n_previous:
        return (
            f"k fixed by the user (n_clusters={k}); {start}: the {k} largest kept, the "
            "answers of the others started as new answers."
        )
    if k > n_previous:
        return (
            f"k fixed by the user (n_clusters={k}); {start}, {k - n_previous} more "
            "seeded by k-means on the answers that fit their start worst."
        )
    return f"k fixed by the user (n_clusters={k}); {start}."

"""Praise and complaint kept apart: themes that mix them are split, at the k asked for.

Private, used by :class:`~research_kit.survey._cluster_model.MixtureModel`. The mixture groups
answers by their words, so "The bus driver was helpful" and "The bus driver was not helpful"
share a theme: two of their three words agree. After the mixture is fitted:

1. each theme in which praise and complaint each make up at least
   :data:`~research_kit.text.polarity.MIXED_SHARE` of the answers (the theme
   :func:`~research_kit.text.theme_polarity` would flag as ``mixed``) is split in up to three:
   its praise, its complaint and its neutral answers, each part tagged with its polarity;
2. to deliver the k asked for, the two themes whose merging loses the least log-likelihood of
   their words are merged (two tagged themes only when their tags agree; an untagged theme
   takes the tag of the theme it joins), as often as themes were added;
3. a few EM iterations run in which a tagged theme admits only answers of its polarity
   (untagged themes admit any answer); answers assigned later follow the same rule
   (:func:`contradiction_penalty`). Up to :data:`MAX_ROUNDS` rounds run while an untagged
   theme is still mixed.

Themes that do not mix praise and complaint are left as the mixture made them, so on topical
texts (where a sentiment lexicon finds polarity in many answers, but spread evenly over the
themes) nothing or little changes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

from research_kit.survey import _cluster_math as core
from research_kit.text.polarity import MIXED_SHARE, THRESHOLD

__all__ = [
    "COMPLAINT",
    "CONTRADICTION",
    "PRAISE",
    "constrained_mixture",
    "contradiction_penalty",
    "polarity_signs",
    "split_mixed_themes",
]

PRAISE, COMPLAINT, NEUTRAL = 1, -1, 2  # theme tags; 0: a theme that takes any answer
#: What a theme of the opposite polarity adds to an answer's log-likelihood: never chosen.
CONTRADICTION = -1e6
#: EM iterations after the split and merges.
CONSTRAINED_ITERATIONS = 10
#: Rounds of splitting, merging and constrained EM at most.
MAX_ROUNDS = 5


def polarity_signs(compound: np.ndarray) -> np.ndarray:
    """+1 praise, -1 complaint, 0 neutral, from compound scores (VADER's thresholds)."""
    compound = np.asarray(compound, dtype=np.float64)
    return (compound >= THRESHOLD).astype(np.int8) - (compound <= -THRESHOLD).astype(np.int8)


def contradiction_penalty(signs: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """(n, k) :data:`CONTRADICTION` where a theme's tag does not admit the answer, else 0.

    A theme tagged praise, complaint or neutral admits only answers of that polarity; an
    untagged theme (0) admits every answer.
    """
    wanted = np.where(tags == NEUTRAL, 0, tags).astype(np.int64)
    refused = (tags[None, :] != 0) & (signs[:, None].astype(np.int64) != wanted[None, :])
    return np.where(refused, CONTRADICTION, 0.0)


def split_mixed_themes(
    labels: np.ndarray, signs: np.ndarray, weights: np.ndarray, tags: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Split each theme that mixes praise and complaint; labels, tags and themes split."""
    labels, tags, k = labels.copy(), tags.copy(), len(tags)
    total = np.bincount(labels, weights, minlength=k)
    praise = np.bincount(labels, weights * (signs == PRAISE), minlength=k)
    complaint = np.bincount(labels, weights * (signs == COMPLAINT), minlength=k)
    mixed = np.flatnonzero(
        (praise >= MIXED_SHARE * total) & (complaint >= MIXED_SHARE * total) & (total > 0)
    )
    new_tags = [tags]
    next_theme = k
    for theme in mixed:
        members = labels == theme
        tags[theme] = PRAISE
        for sign in (COMPLAINT, 0):
            part = members & (signs == sign)
            if part.any():
                labels[part] = next_theme
                next_theme += 1
                new_tags.append(np.array([sign or NEUTRAL], dtype=np.int8))
    return labels, np.concatenate(new_tags), len(mixed)


def _compatible(first: int, second: int) -> bool:
    """Two themes may merge when their tags agree or one of them has none."""
    return first == second or not first or not second


def _word_counts(words: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, k: int):
    one_hot = sp.csr_matrix((weights, (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    return np.asarray((one_hot @ words).todense(), dtype=np.float64)


def _log_likelihood(counts: np.ndarray) -> np.ndarray:
    """Each row's words' log-likelihood under its own smoothed word distribution."""
    smoothed = counts + core.WORD_PRIOR
    probs = np.log(smoothed) - np.log(smoothed.sum(axis=-1, keepdims=True))
    return (counts * probs).sum(axis=-1)


def merge_to(
    words: sp.csr_matrix,
    labels: np.ndarray,
    tags: np.ndarray,
    weights: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Merge themes (tagged ones only with agreeing tags) until ``k`` remain, least loss first."""
    counts = _word_counts(words, labels, weights, len(tags))
    alive = list(range(len(tags)))
    own = _log_likelihood(counts)
    loss = np.full((len(tags), len(tags)), np.inf)

    def update(a: int) -> None:
        others = np.array([b for b in alive if b != a and _compatible(tags[a], tags[b])], int)
        if len(others):
            merged = _log_likelihood(counts[a][None, :] + counts[others])
            loss[a, others] = loss[others, a] = own[a] + own[others] - merged

    for a in alive:
        update(a)
    while len(alive) > k:
        a, b = np.unravel_index(int(np.argmin(loss)), loss.shape)
        if not np.isfinite(loss[a, b]):
            break  # only themes of different polarities left: keep more than asked for
        a, b = min(a, b), max(a, b)
        counts[a] += counts[b]
        own[a] = _log_likelihood(counts[a])
        tags[a] = tags[a] or tags[b]
        labels[labels == b] = a
        alive.remove(b)
        loss[b, :] = loss[:, b] = np.inf
        update(a)
    renumber = np.full(len(tags), -1, dtype=np.int64)
    renumber[alive] = np.arange(len(alive))
    return renumber[labels], tags[alive]


def constrained_mixture(
    words: sp.csr_matrix,
    labels: np.ndarray,
    tags: np.ndarray,
    signs: np.ndarray,
    weights: np.ndarray,
    iterations: int = CONSTRAINED_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """EM from a hard start in which a tagged theme admits only answers of its polarity."""
    k = len(tags)
    penalty = contradiction_penalty(signs, tags)
    posteriors = np.eye(k, dtype=np.float64)[labels]
    for _ in range(iterations):
        log_word_probs = core.m_step(words, posteriors, weights)
        scores = core.log_likelihoods(words, log_word_probs) + penalty
        posteriors = np.exp(scores - logsumexp(scores, axis=1, keepdims=True))
    return log_word_probs, posteriors

"""Quotes that represent a theme: central, different from each other, never the same answer twice.

Survey answers repeat: the same sentence in another case, with other punctuation or spacing,
with its words in another order, with one word more ("Just inspector no-shows"), with a typo,
or inside a longer answer. :func:`near_duplicate` says when two answers are one quote, and never
when only a negator sets them apart ("helpful" vs "not helpful" are two opinions).
:func:`distinct_quotes` picks quotes by maximal marginal relevance: each next quote is the one
most representative of the theme (its centrality or confidence) once its overlap in words with
the quotes already chosen is taken off, and near-duplicates of a chosen quote are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

import numpy as np

from research_kit.survey.theme_names import NEGATORS

__all__ = ["distinct_quotes", "near_duplicate", "quote_words"]

#: Two answers whose word sets overlap this much (Jaccard) are one quote.
SAME_WORDS = 0.8
#: Two answers this alike letter by letter (difflib ratio) are one quote (a typo apart).
SAME_LETTERS = 0.9
#: An answer inside a longer one is the same quote when it has at least this many words.
CONTAINED_WORDS = 4
#: Weight of diversity against representativeness when choosing the next quote.
DIVERSITY = 0.3
_WORD = re.compile(r"\w+")


def quote_words(text: str) -> tuple[str, ...]:
    """The words of an answer, case and punctuation aside ("n't" read as "not").

    Examples
    --------
    >>> quote_words("  Staff WASN'T helpful!! ")
    ('staff', 'was', 'not', 'helpful')
    """
    folded = str(text).casefold().replace("\u2019", "'").replace("n't", " not")
    return tuple(_WORD.findall(folded))


def near_duplicate(one: str, other: str) -> bool:
    """True when two answers are the same quote.

    The same words once case, punctuation and spacing are set aside; the same words in another
    order; one word more or less; a word set overlapping by :data:`SAME_WORDS`; letters alike by
    :data:`SAME_LETTERS` (a typo); or one answer of :data:`CONTAINED_WORDS` or more words inside
    the other. Never when their negators differ.

    Examples
    --------
    >>> near_duplicate("Inspector no-shows. Make them accountable.",
    ...                "Just inspector no-shows. Make them accountable")
    True
    >>> near_duplicate("Permit took forever", "forever took permit")
    True
    >>> near_duplicate("Staff helpful", "Staff not helpful")
    False
    >>> near_duplicate("Parking fees", "Fix potholes")
    False
    """
    first, second = quote_words(one), quote_words(other)
    if first == second:
        return True
    if not first or not second:
        return False
    if {w for w in first if w in NEGATORS} != {w for w in second if w in NEGATORS}:
        return False
    words, others = set(first), set(second)
    if words == others:
        return True
    extra = words ^ others
    if len(extra) == 1 and min(len(words), len(others)) >= 2:
        return True
    if len(words & others) / len(words | others) >= SAME_WORDS:
        return True
    shorter, longer = sorted((" ".join(first), " ".join(second)), key=len)
    if len(shorter.split()) >= CONTAINED_WORDS and f" {shorter} " in f" {longer} ":
        return True
    return SequenceMatcher(None, shorter, longer, autojunk=False).ratio() >= SAME_LETTERS


def distinct_quotes(
    texts: Sequence[str], relevance: Sequence[float], n_quotes: int, *, diversity: float = DIVERSITY
) -> list[int]:
    """Positions of up to ``n_quotes`` representative answers, none a near-duplicate of another.

    Maximal marginal relevance: the first is the most relevant; each next one maximises
    ``(1 - diversity) x relevance - diversity x its largest word overlap (Jaccard) with a
    chosen quote``, relevance scaled to [0, 1]. Ties go to the earlier answer.

    Parameters
    ----------
    texts : sequence of str
        Candidate answers.
    relevance : sequence of float
        How representative each is (centrality, confidence).
    n_quotes : int
        Quotes wanted.
    diversity : float
        0 takes the most relevant distinct answers; higher spreads the quotes over the theme.

    Examples
    --------
    >>> answers = ["Long wait times", "long wait times!!", "Wait times are long",
    ...            "The counter staff were rude", "Long wait times at the counter"]
    >>> [answers[i] for i in distinct_quotes(answers, [0.9, 0.9, 0.8, 0.7, 0.6], 3)]
    ['Long wait times', 'The counter staff were rude', 'Long wait times at the counter']
    """
    if n_quotes <= 0 or not len(texts):
        return []
    score = np.asarray(relevance, dtype=np.float64)
    score = np.nan_to_num(score, nan=0.0)
    low, high = score.min(), score.max()
    score = (score - low) / (high - low) if high > low else np.ones_like(score)
    words = [set(quote_words(text)) for text in texts]
    overlap = np.zeros(len(texts))
    open_ = np.ones(len(texts), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < n_quotes and open_.any():
        value = np.where(open_, (1 - diversity) * score - diversity * overlap, -np.inf)
        pick = int(np.argmax(value))
        chosen.append(pick)
        open_[pick] = False
        for row in np.flatnonzero(open_):
            if near_duplicate(texts[pick], texts[row]):
                open_[row] = False
                continue
            union = words[pick] | words[row]
            if union:
                overlap[row] = max(overlap[row], len(words[pick] & words[row]) / len(union))
    return chosen

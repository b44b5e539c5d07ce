"""The themes table of an open-ended question: one row per final theme after the edits.

:func:`theme_table` builds it from the answers' final clusters — name, size, share, distinctive
terms recomputed, representative quotes without near-duplicates, confidence and each theme's
praise/complaint balance — and :func:`unique_theme_names` keeps every name to one theme.
:mod:`research_kit.survey.themes` uses both when it replays a question's edits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS

from research_kit.survey.quotes import distinct_quotes, quote_words
from research_kit.survey.terms import cluster_terms
from research_kit.survey.theme_names import name_groups
from research_kit.text import theme_polarity

__all__ = [
    "LOW_CONFIDENCE",
    "POLARITY_COLUMNS",
    "QUOTE_CANDIDATES",
    "THEME_COLUMNS",
    "representative_quotes",
    "theme_table",
    "unique_theme_names",
]

#: Each theme's praise and complaint shares, polarity and mixed flag (``text.theme_polarity``).
POLARITY_COLUMNS = ["praise_share", "complaint_share", "polarity", "mixed_polarity"]
THEME_COLUMNS = [
    "cluster",
    "name",
    "kind",
    "size",
    "share",
    "top_terms",
    "quotes",
    "mean_confidence",
    "low_confidence",
    "edited",
    *POLARITY_COLUMNS,
]
#: The most confident distinct answers of a theme its quotes are chosen from.
QUOTE_CANDIDATES = 40
#: Answers below this confidence are counted as weak fits to review.
LOW_CONFIDENCE = 0.2


def unique_theme_names(assignments: pd.DataFrame, *, nlp: Any = None) -> pd.DataFrame:
    """One name per theme: where two themes carry the same name (a split part named like
    another theme, a rename), the later one gets its best phrase no theme has
    (:func:`~research_kit.survey.theme_names.name_groups`), else a number ("fee (2)")."""
    names = assignments.groupby("cluster", sort=True)["cluster_name"].first()
    repeated = names[names.str.casefold().duplicated()]
    if repeated.empty:
        return assignments
    others = name_groups(
        assignments["text"],
        assignments["cluster"],
        relevance=assignments["confidence"],
        nlp=nlp,
        taken=names,
    ).set_index("cluster")
    seen: dict[str, int] = {}
    unique = {}
    for cluster, name in names.items():
        key = name.casefold()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            unique[cluster] = name
        elif others.at[cluster, "source"] == "phrase":
            unique[cluster] = others.at[cluster, "name"]
        else:
            unique[cluster] = f"{name} ({seen[key]})"
    return assignments.assign(cluster_name=assignments["cluster"].map(unique))


def theme_table(assignments: pd.DataFrame, *, n_quotes: int, n_terms: int, nlp: Any):
    """One row per final cluster (after edits): terms recomputed, quotes most confident first."""
    terms = cluster_terms(
        assignments["text"], assignments["cluster"], n_terms=n_terms, nlp=nlp
    ).set_index("cluster")
    total = len(assignments)
    rows = []
    for cluster, members in assignments.groupby("cluster", sort=True):
        rows.append(
            {
                "cluster": int(cluster),
                "name": members["cluster_name"].iloc[0],
                "size": len(members),
                "share": len(members) / total,
                "top_terms": terms.at[cluster, "top_terms"] if cluster in terms.index else [],
                "quotes": representative_quotes(
                    members, n_quotes, name=str(members["cluster_name"].iloc[0])
                ),
                "mean_confidence": float(members["confidence"].mean()),
                "low_confidence": int((members["confidence"] < LOW_CONFIDENCE).sum()),
                "edited": bool(members["edited"].any()),
            }
        )
    return _with_polarity(pd.DataFrame(rows, columns=THEME_COLUMNS), assignments, nlp)


def _with_polarity(table: pd.DataFrame, assignments: pd.DataFrame, nlp: Any) -> pd.DataFrame:
    """The themes table with each theme's polarity columns (:data:`POLARITY_COLUMNS`)."""
    polarity = theme_polarity(assignments["text"], assignments["cluster"], nlp)
    by_cluster = polarity.set_index("cluster")
    for column in POLARITY_COLUMNS:
        table[column] = table["cluster"].map(by_cluster[column])
    return table


def representative_quotes(members: pd.DataFrame, n_quotes: int, *, name: str = "") -> list[str]:
    """Representative answers: diverse, never near-duplicates of each other
    (:func:`~research_kit.survey.quotes.distinct_quotes`).

    The first are those that say the theme's ``name`` (most of its words, stop words aside),
    so the example shown beside a name reads as that theme; then the most confident; longest
    first on ties.

    Examples
    --------
    >>> members = pd.DataFrame({
    ...     "respondent_id": ["R1", "R2", "R3"],
    ...     "text": ["Get rid of cameras", "Nobody answers the phone", "Answer the phone!"],
    ...     "confidence": [0.9, 0.5, 0.4],
    ... })
    >>> representative_quotes(members, 2, name="Answer the phone")
    ['Nobody answers the phone', 'Answer the phone!']
    """
    if n_quotes <= 0 or members.empty:
        return []
    ranked = (
        members.assign(
            _says_name=[_name_coverage(str(text), name) for text in members["text"]],
            _length=members["text"].astype(str).str.len(),
        )
        .sort_values(
            ["_says_name", "confidence", "_length", "respondent_id"],
            ascending=[False, False, False, True],
        )
        .drop_duplicates("text")
        .head(QUOTE_CANDIDATES)
    )
    texts = ranked["text"].astype(str).tolist()
    relevance = -np.arange(len(texts), dtype=float)  # the order above
    return [texts[i] for i in distinct_quotes(texts, relevance, n_quotes)]


def _name_coverage(text: str, name: str) -> float:
    """Share of the name's content words (lemma-free: "answers" matches "answer") in ``text``."""
    wanted = {word for word in quote_words(name) if word not in STOP_WORDS}
    if not wanted:
        return 0.0
    words = quote_words(text)
    found = sum(any(word.startswith(stem[:5]) for word in words) for stem in wanted)
    return found / len(wanted)

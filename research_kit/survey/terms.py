"""Distinctive terms of groups of answers (class-based TF-IDF) and short labels made from them.

A cluster of survey answers is easier to read from the few words that set it apart than from
its most frequent words ("permit" is frequent everywhere). :func:`cluster_terms` counts lemma
n-grams per group and scores them with class-based TF-IDF (BERTopic's c-TF-IDF: a term's
frequency within the group times ``log(1 + mean words per group / the term's frequency in all
groups)``), keeps the best terms that add a new word, and joins the first two or three into a
label such as "parking · fee". It works on any grouping: a clusterer's labels, or the clusters
after a researcher renamed, merged or split them.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from research_kit.text import (
    LemmaOptions,
    build_pipeline,
    doc_lemmas,
    is_polarity_term,
    lemmas_only,
    pipe,
    split_negated,
)

#: Languages whose short function words ("que", "de", "không") are kept out of terms and labels:
#: city surveys get answers in several languages, and the English pipeline keeps these words.
OTHER_LANGUAGES = ("es", "fr", "pt", "vi")

__all__ = [
    "class_tfidf",
    "cluster_terms",
    "distinct_terms",
    "other_language_function_words",
    "short_label",
    "spelled",
    "surface_forms",
]


def class_tfidf(term_counts: sp.spmatrix | np.ndarray) -> np.ndarray:
    """Class-based TF-IDF of a (groups x terms) count matrix.

    Row 0 below: 3 words, mean 3.5 words per group, the first term 2 times in all:
    2/3 x log(1 + 3.5/2) = 0.674.

    Examples
    --------
    >>> class_tfidf(np.array([[2, 0, 1], [0, 3, 1]])).round(3)
    array([[0.674, 0.   , 0.337],
           [0.   , 0.58 , 0.253]])
    """
    counts = np.asarray(
        term_counts.todense() if sp.issparse(term_counts) else term_counts, dtype=np.float64
    )
    group_words = counts.sum(axis=1, keepdims=True)
    term_total = counts.sum(axis=0)
    mean_words = group_words.mean() if len(group_words) else 0.0
    idf = np.log1p(mean_words / np.maximum(term_total, 1e-12))
    return counts / np.maximum(group_words, 1e-12) * idf[None, :]


def distinct_terms(scores: np.ndarray, names: Sequence[str], n_terms: int) -> list[str]:
    """The best-scoring terms, skipping one whose words all appear in terms already chosen,
    terms made only of other languages' function words ("que", "de la") and terms holding the
    clusterer's polarity pseudo-words ("+praise").

    Examples
    --------
    >>> distinct_terms(np.array([0.9, 0.8, 0.5]), ["plan", "plan review", "review"], 3)
    ['plan', 'plan review']
    """
    names = np.asarray(names, dtype=object)
    hidden = _function_word_terms(names) | np.array([is_polarity_term(str(n)) for n in names], bool)
    scores = np.where(hidden, 0.0, scores)
    chosen: list[str] = []
    covered: set[str] = set()
    for column in np.lexsort((names.astype(str), -scores)):
        if scores[column] <= 0 or len(chosen) >= n_terms:
            break
        words = set(str(names[column]).split())
        if words <= covered:
            continue
        chosen.append(str(names[column]))
        covered |= words
    return chosen


def short_label(terms: Sequence[str]) -> str:
    """Up to three of the first terms (at most four words) that share no word, joined by " · ".

    Examples
    --------
    >>> short_label(["parking", "parking fee", "fee", "meter", "street"])
    'parking · fee · meter'
    >>> short_label([])
    '(no distinctive words)'
    """
    parts: list[str] = []
    used: set[str] = set()
    for term in terms:
        words = set(term.split())
        if words & used or len(used | words) > 4:
            continue
        parts.append(term)
        used |= words
        if len(parts) == 3:
            break
    return " · ".join(parts) if parts else "(no distinctive words)"


def surface_forms(texts: Iterable[str], nlp: Any = None) -> dict[str, str]:
    """Each lemma's most common lower-case spelling in ``texts``, to show terms as people wrote
    them ("parking", not the lemma "park"; the negated lemma "not_helpful" as "never helpful").

    Examples
    --------
    >>> surface_forms(["Parking is hard", "parking fees", "I park here"])["park"]
    'parking'
    >>> surface_forms(["Staff never helpful", "not helpful at all", "never helpful"])["not_helpful"]
    'never helpful'
    """
    pipeline = nlp if nlp is not None else build_pipeline("blank")
    return _read_answers(list(texts), pipeline)[1]


def _read_answers(texts: list[str], pipeline: Any) -> tuple[list[str], dict[str, str]]:
    """One pass of the pipeline: each answer's content lemmas (joined by spaces) and each
    lemma's most common lower-case spelling."""
    options = LemmaOptions(keep_negation=True)
    documents: list[str] = []
    counts: Counter[tuple[str, str]] = Counter()
    with lemmas_only(pipeline):
        for doc in pipe(texts, pipeline, batch_size=1_000, progress=False):
            kept = [(lemma.replace(" ", "_"), form) for lemma, form in doc_lemmas(doc, options)]
            documents.append(" ".join(lemma for lemma, _form in kept))
            counts.update(kept)
    surface: dict[str, str] = {}
    for (lemma, form), _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        surface.setdefault(lemma, form)
    return documents, surface


def spelled(term: str, surface: dict[str, str]) -> str:
    """A lemma n-gram in its most common spelling (see :func:`surface_forms`).

    Examples
    --------
    >>> spelled("park fee", {"park": "parking", "fee": "fees"})
    'parking fees'
    >>> spelled("not_helpful staff", {})
    'not helpful staff'
    """
    return " ".join(surface.get(word) or _unjoined(word, surface) for word in term.split())


def _unjoined(word: str, surface: dict[str, str]) -> str:
    """A negated lemma without a spelling of its own: "not_help" as "not helping"."""
    negated = split_negated(word)
    return word if negated is None else f"{negated[0]} {surface.get(negated[1], negated[1])}"


def cluster_terms(
    texts: Iterable[Any],
    labels: Iterable[Any],
    *,
    n_terms: int = 8,
    ngram_range: tuple[int, int] = (1, 2),
    nlp: Any = None,
) -> pd.DataFrame:
    """Distinctive terms and a short label for each group of answers.

    Parameters
    ----------
    texts : iterable of str
        The answers (NA counts as empty).
    labels : iterable
        The group (cluster) of each answer.
    n_terms : int
        Terms per group.
    ngram_range : (int, int)
        Lemma n-grams counted.
    nlp : spacy.language.Language, optional
        The pipeline from :func:`research_kit.text.build_pipeline` (offline by default).

    Returns
    -------
    DataFrame
        One row per group, sorted: ``cluster``, ``top_terms`` (list of str), ``label``.

    Examples
    --------
    >>> answers = ["Parking fees are too high", "parking fee", "Fix potholes", "pothole repair"]
    >>> cluster_terms(answers, [0, 0, 1, 1], n_terms=2)
       cluster       top_terms          label
    0        0  [fee, parking]  fee · parking
    1        1  [pothole, fix]  pothole · fix
    """
    texts = ["" if pd.isna(text) else str(text) for text in texts]
    labels = pd.Series(list(labels))
    if len(labels) != len(texts):
        raise ValueError(f"{len(texts)} answers but {len(labels)} labels")
    groups = sorted(labels.unique())
    pipeline = nlp if nlp is not None else build_pipeline("blank")
    documents, surface = _read_answers(texts, pipeline)
    vectorizer = CountVectorizer(
        ngram_range=ngram_range, token_pattern=r"\S+", lowercase=False, min_df=1
    )
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # no word at all in any answer
        return pd.DataFrame(
            {"cluster": groups, "top_terms": [[] for _ in groups], "label": short_label([])}
        )
    position = pd.Index(groups).get_indexer(labels)
    membership = sp.csr_matrix(
        (np.ones(len(position)), (position, np.arange(len(position)))),
        shape=(len(groups), len(position)),
    )
    scores = class_tfidf(membership @ counts)
    names = vectorizer.get_feature_names_out()
    rows = []
    for index, group in enumerate(groups):
        terms = [spelled(term, surface) for term in distinct_terms(scores[index], names, n_terms)]
        rows.append({"cluster": group, "top_terms": terms, "label": short_label(terms)})
    return pd.DataFrame(rows, columns=["cluster", "top_terms", "label"])


@functools.lru_cache(maxsize=1)
def other_language_function_words() -> frozenset[str]:
    """Short stop words of :data:`OTHER_LANGUAGES` (longer ones may be English content words).

    Examples
    --------
    >>> {"que", "de", "las"} <= other_language_function_words()
    True
    >>> "permit" in other_language_function_words()
    False
    """
    words: set[str] = set()
    for code in OTHER_LANGUAGES:
        words |= {w for w in _stop_words(code) if len(w) <= 5 and " " not in w and "_" not in w}
    return frozenset(words)


def _stop_words(code: str) -> set[str]:
    """spaCy's stop words of one language, read from their file alone: importing the language
    package would compile its tokenizer exceptions first (French: seconds)."""
    package = importlib.util.find_spec("spacy")
    path = Path(package.origin).parent / "lang" / code / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_research_kit_stop_words_{code}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


def _function_word_terms(names: Sequence[str]) -> np.ndarray:
    """Mask of terms made only of other languages' function words."""
    stop = other_language_function_words()
    return np.array([all(word in stop for word in str(name).split()) for name in names], bool)

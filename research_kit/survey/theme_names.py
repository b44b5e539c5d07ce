"""Theme names a person would write: the most central phrase that many of a theme's answers share.

A theme of answers is named by a short phrase drawn from its answers ("Staff not helpful",
"Long wait times", "Interpreters at the permit counter") rather than a list of its words. Each
answer is read with the spaCy pipeline; its content lemmas, and the negators before them ("not",
"no", "never", "without" …: a name must not turn a complaint into praise), make a sequence in
which neighbours are linked when only stop words (at most :data:`MAX_GAP`) and no sentence
punctuation stand between them. Every run of 1 to :data:`MAX_PARTS` linked tokens that holds at
least two words, at most :data:`MAX_WORDS` as written, and does not end on a negator or another
language's function word is a candidate. A candidate is scored, per theme, by

    support x (support / support in every theme) x centrality

— how many of the theme's answers contain it (lemmas, so "wait time" and "waiting times"
match), how much of its use falls in this theme (a class-based, c-TF-IDF-like distinctiveness),
and the mean centrality of the answers that contain it (relative to the theme's most central).
A longer candidate that contains the best one and is nearly as common (:data:`EXTEND_SUPPORT`)
is preferred: it says more. Names are unique: themes are named largest first and each takes
its best candidate not already taken. The name is the phrase as residents most often wrote it,
capitalised like a heading. A theme with no phrase shared by :data:`MIN_SUPPORT` answers is
named by its best distinctive term(s) instead (``source`` says which).

The counts come from a bounded pool of each theme's most central distinct answers (weighted by
how many gave each), so naming costs the same for 1,000 answers as for 1,000,000.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from research_kit.survey.terms import other_language_function_words
from research_kit.text import LemmaOptions, build_pipeline, lemmas_only, pipe

__all__ = ["NEGATORS", "ThemeName", "heading", "name_groups", "name_themes"]

#: Words that turn a phrase around; kept in names ("Not helpful"), never a name's last word.
NEGATORS = frozenset(
    {"not", "no", "never", "n't", "without", "nothing", "nobody", "none", "nor", "cannot"}
    | {"nunca", "sin", "ni", "nada", "nadie", "ningún", "ninguna", "không", "chưa", "chẳng"}
)
#: Content lemmas (and negators) in a candidate phrase, at most.
MAX_PARTS = 4
#: Words of a name as written, at most.
MAX_WORDS = 6
#: Stop words between two linked lemmas of a phrase, at most ("wait for the inspector").
MAX_GAP = 3
#: Answers (counting repeats) that must share a phrase for it to name a theme.
MIN_SUPPORT = 2
#: A longer phrase replaces the best one when this share of its answers still contain it.
EXTEND_SUPPORT = 0.75
#: Share of an answer's words that are other languages' function words for it to count as
#: written in another language (a name is in the language most of its theme's answers use).
OTHER_LANGUAGE_SHARE = 0.15
#: Punctuation that may stand inside a phrase ("no-shows", "portal's", "and/or").
_JOINING = frozenset({"-", "'", "\u2019", "/", "&"})
#: Verbs a negator is written with ("do not", "haven't"): a name starting on the negator
#: starts on them.
_AUXILIARIES = frozenset(
    {"do", "does", "did", "is", "are", "was", "were", "am", "be", "been", "have", "has", "had"}
    | {"can", "could", "will", "would", "should", "must", "ca", "wo", "sha"}
)


@dataclass(frozen=True)
class ThemeName:
    """A theme's name and where it came from (``"phrase"`` or ``"terms"``)."""

    name: str
    source: str
    lemmas: str = ""


@dataclass
class _Evidence:
    """One theme's phrases: weighted support, summed centrality, spellings."""

    support: Counter = field(default_factory=Counter)
    centrality: Counter = field(default_factory=Counter)
    spellings: dict = field(default_factory=lambda: defaultdict(Counter))
    top_centrality: float = 0.0
    other_support: Counter = field(default_factory=Counter)  # in answers in another language
    weight: float = 0.0
    other_weight: float = 0.0


def name_themes(
    pools: Sequence[Sequence[tuple[str, float, float]]],
    fallback_terms: Sequence[Sequence[str]],
    *,
    nlp: Any = None,
    taken: Iterable[str] = (),
) -> list[ThemeName]:
    """Unique names for themes, from each theme's pool of answers.

    Parameters
    ----------
    pools : sequence of sequences of (text, weight, centrality)
        Per theme (largest first: earlier themes get the first pick), its most central
        distinct answers, how many gave each and how central each is.
    fallback_terms : sequence of sequences of str
        Per theme, its distinctive terms (best first), for a theme without a shared phrase.
    nlp : spacy.language.Language, optional
        The pipeline that read the answers (:func:`research_kit.text.build_pipeline` default).
    taken : iterable of str
        Names already used elsewhere (compared case-insensitively).

    Returns
    -------
    list of ThemeName

    Examples
    --------
    >>> pools = [
    ...     [("Staff were not helpful", 3, 0.9), ("staff not helpful at all", 1, 0.8),
    ...      ("The staff was rude", 1, 0.5)],
    ...     [("Long wait times", 2, 0.9), ("the wait time was too long", 1, 0.7),
    ...      ("Waiting times are long", 1, 0.6)],
    ... ]
    >>> [n.name for n in name_themes(pools, [["staff"], ["wait"]])]
    ['Staff were not helpful', 'Wait times']
    """
    pipeline = nlp if nlp is not None else build_pipeline("blank")
    evidence = [_read_pool(pool, pipeline) for pool in pools]
    everywhere: Counter = Counter()
    for theme in evidence:
        everywhere.update(theme.support)
    used = {str(name).casefold() for name in taken}
    used_lemmas: set[str] = set()
    names = []
    for theme, terms in zip(evidence, fallback_terms, strict=True):
        name = _best_phrase(theme, everywhere, used, used_lemmas, terms) or _term_name(terms, used)
        used.add(name.name.casefold())
        used_lemmas.add(name.lemmas)
        names.append(name)
    return names


def name_groups(
    texts: Iterable[Any],
    labels: Iterable[Any],
    *,
    relevance: Iterable[float] | None = None,
    nlp: Any = None,
    taken: Iterable[str] = (),
    pool_size: int = 50,
) -> pd.DataFrame:
    """Names for any grouping of answers (a clusterer's, or after a researcher's edits).

    Groups are named largest first; each group's pool is its ``pool_size`` most relevant
    distinct answers (the highest ``relevance``, e.g. confidence; all equal by default).

    Returns
    -------
    DataFrame
        One row per group, sorted: ``cluster``, ``name``, ``source``.

    Examples
    --------
    >>> answers = ["Parking fees are too high", "parking fees", "high parking fees!",
    ...            "Fix the potholes", "potholes on my street", "fix potholes please"]
    >>> name_groups(answers, [0, 0, 0, 1, 1, 1])
       cluster          name  source
    0        0  Parking fees  phrase
    1        1  Fix potholes  phrase
    """
    frame = pd.DataFrame({"text": ["" if pd.isna(t) else str(t) for t in texts]})
    frame["cluster"] = list(labels)
    frame["relevance"] = 1.0 if relevance is None else list(relevance)
    frame["key"] = frame["text"].str.casefold().str.split().str.join(" ")
    grouped = (
        frame.groupby(["cluster", "key"], sort=False)
        .agg(text=("text", "first"), weight=("text", "size"), relevance=("relevance", "max"))
        .reset_index()
    )
    sizes = frame.groupby("cluster").size().sort_values(ascending=False, kind="stable")
    order = sorted(sizes.index, key=lambda c: (-sizes[c], str(c)))
    pools = []
    for cluster in order:
        members = grouped[grouped["cluster"] == cluster].sort_values(
            ["relevance", "weight"], ascending=False, kind="stable"
        )
        chosen = members[["text", "weight", "relevance"]].head(pool_size)
        pools.append(list(chosen.itertuples(index=False, name=None)))
    names = name_themes(pools, [[] for _ in order], nlp=nlp, taken=taken)
    table = pd.DataFrame(
        {"cluster": order, "name": [n.name for n in names], "source": [n.source for n in names]}
    )
    return table.sort_values("cluster", kind="stable").reset_index(drop=True)


def heading(phrase: str) -> str:
    """A phrase capitalised like a heading: first letter upper case, shouting lowered.

    Examples
    --------
    >>> heading("permit counter"), heading("LONG WAIT TIMES"), heading("ambiguous REQUIREMENTS")
    ('Permit counter', 'Long wait times', 'Ambiguous requirements')
    >>> heading("ATM ate my card")
    'ATM ate my card'
    """
    words = phrase.split()
    if " ".join(words).isupper():
        words = [word.lower() for word in words]
    # A shouted word is lowered; a short one in capitals may be an acronym (ATM, PIN).
    words = [word.lower() if word.isupper() and len(word) > 4 else word for word in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# -- reading answers -----------------------------------------------------------------------------


def _read_pool(pool: Sequence[tuple[str, float, float]], nlp: Any) -> _Evidence:
    evidence = _Evidence()
    if not pool:
        return evidence
    texts = [str(text) for text, _w, _c in pool]
    evidence.top_centrality = max(max(float(c) for _t, _w, c in pool), 1e-9)
    with lemmas_only(nlp):
        docs = pipe(texts, nlp, batch_size=500, progress=False)
        for doc, (_text, weight, centrality) in zip(docs, pool, strict=True):
            found = _phrases(doc)
            other = _other_language(doc)
            evidence.weight += float(weight)
            evidence.other_weight += float(weight) * other
            for lemmas, spelling in found.items():
                evidence.support[lemmas] += float(weight)
                evidence.other_support[lemmas] += float(weight) * other
                evidence.centrality[lemmas] += float(weight) * max(float(centrality), 0.0)
                evidence.spellings[lemmas][spelling] += float(weight)
    return evidence


def _other_language(doc: Any) -> bool:
    """True when an answer reads as another language than the pipeline's: some of its words
    are other languages' function words ("que", "los", "không") and not the pipeline's."""
    stop = other_language_function_words()
    words = [token for token in doc if token.is_alpha]
    markers = sum(token.lower_ in stop and not token.is_stop for token in words)
    return markers >= max(1, OTHER_LANGUAGE_SHARE * len(words))


def _phrases(doc: Any) -> dict[str, str]:
    """Each candidate phrase of one answer (lemmas -> the words as written)."""
    parts = _linked_parts(doc)
    stop = other_language_function_words()
    found: dict[str, str] = {}
    for run in parts:
        for start in range(len(run)):
            for end in range(start + 1, min(start + MAX_PARTS, len(run)) + 1):
                chosen = run[start:end]
                first, last = chosen[0], chosen[-1]
                span = doc[_phrase_start(doc, first) : last[1] + 1]
                words = sum(1 for token in span if not token.is_punct)
                if words > MAX_WORDS:
                    break
                if words < 2 or last[0] in NEGATORS or last[0] in stop or first[0] in stop:
                    continue
                if all(lemma in NEGATORS for lemma, _i in chosen):
                    continue
                lemmas = " ".join(lemma for lemma, _i in chosen)
                found.setdefault(lemmas, _as_written(span))
    return found


def _phrase_start(doc: Any, first: tuple[str, int]) -> int:
    """Where a phrase starts: a negator takes its verb along ("Haven't applied", "Do not
    know"), never "N't applied" or "Not know"."""
    lemma, index = first
    if lemma in NEGATORS and index > 0 and doc[index - 1].lower_ in _AUXILIARIES:
        return index - 1
    return index


def _linked_parts(doc: Any) -> list[list[tuple[str, int]]]:
    """Runs of (lemma, token index) of content words and negators, split where too many stop
    words or any sentence punctuation stand between two of them."""
    options = LemmaOptions()
    runs: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    gap = 0
    for token in doc:
        lemma = token.lemma_.casefold().replace(" ", "_") or token.lower_
        is_negator = token.lower_ in NEGATORS or lemma in NEGATORS
        if is_negator or options.keep(token):
            if current and (gap > MAX_GAP or token.is_sent_start):
                runs.append(current)
                current = []
            current.append(("not" if lemma == "n't" else lemma, token.i))
            gap = 0
        elif _breaks(token):
            if current:
                runs.append(current)
            current, gap = [], 0
        else:
            gap += 1
    if current:
        runs.append(current)
    return runs


def _breaks(token: Any) -> bool:
    if token.is_space or "\n" in token.whitespace_:
        return True
    return (token.is_punct and token.text not in _JOINING) or token.like_num


def _as_written(span: Any) -> str:
    """The span's words as written, with a sentence-initial capital undone."""
    text = " ".join(span.text.split())
    first = span[0]
    if (first.i == 0 or first.is_sent_start) and first.text.istitle() and len(first.text) > 1:
        text = text[:1].lower() + text[1:]
    return text


# -- choosing ------------------------------------------------------------------------------------


def _best_phrase(
    theme: _Evidence,
    everywhere: Counter,
    used: set[str],
    used_lemmas: set[str],
    terms: Sequence[str] = (),
) -> ThemeName | None:
    scores = {
        lemmas: support
        * (support / everywhere[lemmas])
        * max(theme.centrality[lemmas] / support / theme.top_centrality, 0.05)
        for lemmas, support in theme.support.items()
        if support >= MIN_SUPPORT
    }
    # In the theme's main language: most answers in another language, a phrase from them.
    other = theme.other_weight > theme.weight / 2
    same = [
        lemmas
        for lemmas in scores
        if (theme.other_support[lemmas] > theme.support[lemmas] / 2) == other
    ]
    # Equal scores (one repeated answer gives all its phrases the same): the phrase holding
    # more of the theme's distinctive terms first.
    words = {word.casefold() for term in terms[:3] for word in str(term).split()}
    held = {
        lemmas: len(words & set(_spelling(theme.spellings[lemmas]).casefold().split()))
        for lemmas in scores
    }
    for lemmas in sorted(same or scores, key=lambda item: (-scores[item], -held[item], item)):
        for choice in (_extended(theme, lemmas), lemmas):
            name = heading(_spelling(theme.spellings[choice]))
            if name.casefold() not in used and choice not in used_lemmas:
                return ThemeName(name, "phrase", choice)
    return None


def _extended(theme: _Evidence, lemmas: str) -> str:
    """The longest phrase containing ``lemmas`` that nearly as many answers share."""
    needed = EXTEND_SUPPORT * theme.support[lemmas]
    padded = f" {lemmas} "
    longer = [
        other
        for other, support in theme.support.items()
        if support >= needed and other != lemmas and padded in f" {other} "
    ]
    if not longer:
        return lemmas
    return max(longer, key=lambda other: (theme.support[other], other.count(" "), other))


def _spelling(spellings: Counter) -> str:
    """The most common way of writing a phrase (case aside), in its most common casing."""
    folded: Counter = Counter()
    for text, count in spellings.items():
        folded[text.casefold()] += count
    best = min(folded, key=lambda text: (-folded[text], len(text), text))
    variants = [(count, text) for text, count in spellings.items() if text.casefold() == best]
    quiet = [item for item in variants if not item[1].isupper()] or variants
    return max(quiet, key=lambda item: (item[0], item[1].islower(), item[1]))[1]


def _term_name(terms: Sequence[str], used: set[str]) -> ThemeName:
    """The best distinctive term not yet a name; else two terms; else numbered."""
    words = [str(term) for term in terms if str(term).strip()]
    if not words:
        words = ["Other answers"]
    candidates = [*words, *(f"{words[0]}, {other}" for other in words[1:])]
    for candidate in candidates:
        name = heading(candidate)
        if name.casefold() not in used:
            return ThemeName(name, "terms", "")
    number = 2
    while f"{heading(words[0])} ({number})".casefold() in used:
        number += 1
    return ThemeName(f"{heading(words[0])} ({number})", "terms", "")

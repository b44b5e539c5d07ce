"""Praise or complaint: the polarity of each answer, and of each theme.

An answer's polarity is read from its words with the VADER sentiment lexicon
(``vaderSentiment``, MIT; the lexicon ships inside the wheel, nothing is downloaded) plus a
small lexicon of service-feedback words in English and Spanish ("slow", "late", "reliable",
"hassle"; "amable", "lento", "sucio"; ``_service_lexicon.py``), since VADER was built on
social-media text and is English only:

- each word adds its valence (looked up by spelling first, then by lemma);
- a negator (the words of :mod:`research_kit.text.negation`, every language's at once)
  flips and damps the first word with valence among the next three (VADER's window and
  factor, x -0.74): "not helpful" counts against, "no problems" for, and in "never got a
  clear answer" "clear" is negated;
- a negated comparative keeps its sign ("couldn't be better", "never looked better" are
  praise), and a comparative just after a modal flips ("could be better" is a complaint);
- a negation that reaches content words but none with valence counts as a mild complaint
  (-1): in feedback on a service, what was "not fixed", "never answered" or "not working" is
  a complaint;
- the sum is squashed to a compound score in (-1, 1) as VADER does (``s / sqrt(s² + 15)``);
  at or above +0.05 the answer is ``praise``, at or below -0.05 a ``complaint``, else
  ``neutral`` (VADER's thresholds). Punctuation, capitals and "but" do not weigh as in
  VADER.

Answers in other languages find few or no lexicon words and come out ``neutral``: polarity is
measured for English and (more coarsely) Spanish only. Requests read as praise when they name
the state wished for ("Faster reviews"), so a question asking for changes shows more praise
than it holds. :func:`theme_polarity` gives each theme its praise and complaint shares and
flags a theme that mixes them (``mixed_polarity``). :func:`answer_keys` gives the keys of
:class:`~research_kit.survey.clustering.ResponseClusterer`: lemmas with negation kept and, with
``polarity_weight`` > 0, pseudo-words ``+praise`` / ``-complaint`` (:func:`polarity_tokens`)
that pull praise and complaint about one topic into different themes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from spacy.tokens import Doc, Token

from research_kit.text._service_lexicon import ENGLISH, NOT_SCORED, SPANISH
from research_kit.text._values import as_text
from research_kit.text.negation import NEGATION_WORDS, NegationWords, ends_scope
from research_kit.text.pipeline import (
    LemmaOptions,
    build_pipeline,
    doc_lemmas,
    lemmas_only,
    lemmatize,
    pipe,
)

__all__ = [
    "COMPLAINT_TOKEN",
    "KEY_OPTIONS",
    "POLARITIES",
    "POLARITY_SPLIT_WEIGHT",
    "PRAISE_TOKEN",
    "answer_keys",
    "answer_polarity",
    "doc_polarity",
    "is_polarity_term",
    "lemmas_and_polarity",
    "polarity_label",
    "polarity_tokens",
    "theme_polarity",
]

POLARITIES = ("praise", "complaint", "neutral")
#: Pseudo-words added to an answer's lemmas (they cannot be lemmas: lemmas have no "+"/"-"
#: in front).
PRAISE_TOKEN = "+praise"
COMPLAINT_TOKEN = "-complaint"
#: How answers become keys for clustering: negation kept ("not_helpful").
KEY_OPTIONS = LemmaOptions(keep_negation=True)
#: A ``polarity_weight`` that splits praise from complaint in clustering (measured in
#: ``benchmarks/bench_polarity.py``), at a cost to topical themes.
POLARITY_SPLIT_WEIGHT = 12
#: VADER's thresholds on the compound score.
THRESHOLD = 0.05
#: A theme is praise or complaint when this share of its answers is polar ...
POLAR_SHARE = 0.3
#: ... and this share of those lean one way.
CLEAR_MAJORITY = 2 / 3
#: A theme mixes praise and complaint when each is at least this share of its answers (a
#: lexicon misreads some answers, requests above all: "Faster reviews" reads as praise).
MIXED_SHARE = 0.25
#: VADER's damping of a negated word's valence.
NEGATION_SCALAR = -0.74
#: What a negated word without valence adds ("not fixed", "never answered").
NEGATED_NEUTRAL = -1.0
#: VADER's normalisation constant.
_ALPHA = 15.0
#: Words a negator reaches, as in VADER ("never got a clear answer": "clear" is negated; in
#: "can't handle them, it's ridiculous" "ridiculous" is not).
NEGATION_REACH = 3
#: Modals that make a comparative a wish ("could be better" is a complaint) ...
MODALS = frozenset(["could", "should", "can", "might", "would"])
#: ... when the comparative comes within this many tokens.
MODAL_REACH = 3
#: Comparatives: negated they keep their sign ("couldn't be better" is praise), after a modal
#: they flip ("could be better" is a complaint).
COMPARATIVES = frozenset(
    [
        "better",
        "happier",
        "easier",
        "smoother",
        "faster",
        "nicer",
        "friendlier",
        "worse",
        "harder",
        "slower",
    ]
)


def _all_languages() -> NegationWords:
    """Every language's negation words at once: a survey read with the English pipeline
    still has Spanish answers ("nunca llegó")."""
    sets = list(NEGATION_WORDS.values())
    return NegationWords(
        marker="not",
        negators=frozenset().union(*(words.negators for words in sets)),
        clause_breaks=frozenset().union(*(words.clause_breaks for words in sets)),
        degree=frozenset().union(*(words.degree for words in sets)),
        not_negations=frozenset().union(*(words.not_negations for words in sets)),
    )


_WORDS = _all_languages()


@functools.lru_cache(maxsize=1)
def valences() -> dict[str, float]:
    """VADER's lexicon with the service-feedback words added (word -> valence, -4..4).

    Examples
    --------
    >>> valences()["helpful"], valences()["slow"], valences()["amable"]
    (1.8, -1.5, 1.9)
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    table = dict(SentimentIntensityAnalyzer().lexicon)
    table.update(ENGLISH)
    table.update(SPANISH)
    for word in NOT_SCORED:
        table.pop(word, None)
    return table


def doc_polarity(doc: Doc | Iterable[Token], keep: Callable[[Token], bool]) -> float:
    """Compound polarity score in (-1, 1) of one text's tokens.

    Parameters
    ----------
    doc : Doc or iterable of Token
        The tokens of one text (from :func:`research_kit.text.pipe`).
    keep : callable
        Which tokens are content words (e.g. :meth:`LemmaOptions.keep`): a negation whose
        reach holds content words but no word with valence counts as a mild complaint.

    Examples
    --------
    >>> from research_kit.text import LemmaOptions, build_pipeline
    >>> nlp, keep = build_pipeline("blank"), LemmaOptions().keep
    >>> [round(doc_polarity(nlp(text), keep), 3) for text in
    ...  ["Staff helpful", "Staff not helpful", "Never fixed", "Couldn't be better"]]
    [0.421, -0.325, -0.188, 0.44]
    """
    walk = _Walk(valences(), keep)
    for token in doc:
        walk.read(token)
    total = walk.close()
    return total / math.sqrt(total * total + _ALPHA) if total else 0.0


class _Walk:
    """Sums valences over one text's tokens, tracking an open negation and a recent modal."""

    def __init__(self, table: dict[str, float], keep: Callable[[Token], bool]) -> None:
        self.table, self.keep = table, keep
        self.total = 0.0
        self.reach = 0  # words a negation still reaches
        self.neutral = False  # the open negation reached a word without valence
        self.just_opened = False
        self.modal = 0  # tokens a modal ("could") still reaches

    def read(self, token: Token) -> None:
        words = _WORDS
        just_opened, self.just_opened = self.just_opened, False
        if just_opened and words.matches(token, words.not_negations):
            self.reach = 0  # "not only": no negation
        elif ends_scope(token, words):
            self.close()
            self.modal = 0
        elif words.matches(token, words.negators):
            if not self.reach:
                self.reach, self.neutral, self.just_opened = NEGATION_REACH, False, True
        elif token.lower_ in MODALS:
            self.modal = MODAL_REACH
        else:
            self._word(token)
            self.modal = max(self.modal - 1, 0)

    def _word(self, token: Token) -> None:
        lower = token.lower_
        valence = self.table.get(lower) or self.table.get(token.lemma_.lower(), 0.0)
        comparative = lower in COMPARATIVES
        if not self.reach:
            self.total += NEGATION_SCALAR * valence if comparative and self.modal else valence
            return
        self.reach -= 1
        if valence:
            self.total += valence if comparative else NEGATION_SCALAR * valence
            self.reach, self.neutral = 0, False
            return
        self.neutral = self.neutral or self.keep(token)
        if not self.reach and self.neutral:
            self.total += NEGATED_NEUTRAL

    def close(self) -> float:
        """End the clause; a negation that reached only words without valence counts."""
        if self.reach and self.neutral:
            self.total += NEGATED_NEUTRAL
        self.reach, self.neutral = 0, False
        return self.total


def polarity_label(compound: float) -> str:
    """``praise`` (>= 0.05), ``complaint`` (<= -0.05) or ``neutral``.

    Examples
    --------
    >>> polarity_label(0.42), polarity_label(-0.3), polarity_label(0.0)
    ('praise', 'complaint', 'neutral')
    """
    if compound >= THRESHOLD:
        return "praise"
    if compound <= -THRESHOLD:
        return "complaint"
    return "neutral"


def polarity_tokens(compound: float, weight: int) -> list[str]:
    """``weight`` distinct pseudo-words of praise or complaint (none for a neutral answer).

    Distinct, not repeated: the clusterer's mixture reads whether a word is present, so each
    pseudo-word counts once and ``weight`` of them count ``weight`` times.

    Examples
    --------
    >>> polarity_tokens(0.4, 2), polarity_tokens(-0.4, 1), polarity_tokens(0.0, 3)
    (['+praise', '+praise2'], ['-complaint'], [])
    """
    label = polarity_label(compound)
    if label == "neutral":
        return []
    token = PRAISE_TOKEN if label == "praise" else COMPLAINT_TOKEN
    return [token if copy == 0 else f"{token}{copy + 1}" for copy in range(weight)]


def is_polarity_term(term: str) -> bool:
    """True if a term (one word or an n-gram) holds a polarity pseudo-word.

    Examples
    --------
    >>> is_polarity_term("+praise2 staff"), is_polarity_term("staff helpful")
    (True, False)
    """
    return any(word.startswith((PRAISE_TOKEN, COMPLAINT_TOKEN)) for word in term.split())


def answer_polarity(texts: Iterable[Any], nlp: Any = None) -> pd.DataFrame:
    """Each answer's compound polarity score and its label.

    Parameters
    ----------
    texts : iterable of str
        The answers (missing values are neutral).
    nlp : spacy.language.Language, optional
        The pipeline from :func:`research_kit.text.build_pipeline` (offline English by
        default); its language chooses the negation words.

    Returns
    -------
    DataFrame
        One row per answer, in order: ``text``, ``compound`` (-1 to 1), ``polarity``
        (praise, complaint or neutral).

    Examples
    --------
    >>> answer_polarity(["Taxi not helpful.", "Taxi helpful!", "Bus route 5"]).round(3)
                    text  compound   polarity
    0  Taxi not helpful.    -0.325  complaint
    1      Taxi helpful!     0.421     praise
    2        Bus route 5     0.000    neutral
    """
    texts = [as_text(text) for text in texts]
    index: dict[str, int] = {}
    rows = [index.setdefault(text, len(index)) for text in texts]  # each distinct text once
    _lemmas, distinct = lemmas_and_polarity(list(index), nlp)
    compound = distinct[rows] if rows else np.zeros(0)
    return pd.DataFrame(
        {
            "text": texts,
            "compound": compound,
            "polarity": [polarity_label(score) for score in compound],
        }
    )


def lemmas_and_polarity(
    texts: Iterable[Any],
    nlp: Any = None,
    *,
    options: LemmaOptions | None = None,
    batch_size: int = 256,
    progress: bool | None = None,
) -> tuple[list[list[str]], np.ndarray]:
    """Each text's lemmas and compound polarity score, in one pass of the pipeline.

    Parameters
    ----------
    texts : iterable of str
        The texts (missing values give no lemma and 0).
    nlp : spacy.language.Language, optional
        The pipeline (offline English by default).
    options : LemmaOptions, optional
        Which lemmas to keep; by default ``LemmaOptions(keep_negation=True)``.
    batch_size : int
        Texts per spaCy batch.
    progress : bool, optional
        Progress bar (default: only on long runs).

    Examples
    --------
    >>> lemmas, compound = lemmas_and_polarity(["Taxi not helpful.", "Taxi helpful!"])
    >>> lemmas, compound.round(3).tolist()
    ([['taxi', 'not_helpful'], ['taxi', 'helpful']], [-0.325, 0.421])
    """
    pipeline = nlp if nlp is not None else build_pipeline("blank")
    options = options or KEY_OPTIONS
    lemmas: list[list[str]] = []
    scores: list[float] = []
    with lemmas_only(pipeline):
        for doc in pipe(texts, pipeline, batch_size=batch_size, progress=progress):
            lemmas.append([lemma for lemma, _spelling in doc_lemmas(doc, options)])
            scores.append(doc_polarity(doc, options.keep))
    return lemmas, np.array(scores, dtype=np.float64)


def answer_keys(texts: Sequence[str], nlp: Any = None, *, polarity_weight: int = 0) -> list[str]:
    """Each text's lemma key for clustering: content lemmas with negation kept, joined by
    spaces, and ``polarity_weight`` polarity pseudo-words (:func:`polarity_tokens`).

    Parameters
    ----------
    texts : sequence of str
        The texts (each is read once; pass distinct texts).
    nlp : spacy.language.Language, optional
        The pipeline (offline English by default).
    polarity_weight : int
        Pseudo-words per praising or complaining text; 0 reads no polarity (faster).

    Examples
    --------
    >>> answer_keys(["Taxi not helpful.", "Taxi helpful!", "the"], polarity_weight=1)
    ['taxi not_helpful -complaint', 'taxi helpful +praise', '']
    """
    if not (isinstance(polarity_weight, int | np.integer) and polarity_weight >= 0):
        raise ValueError(f"polarity_weight must be an integer >= 0, not {polarity_weight!r}")
    weight = int(polarity_weight)
    if weight:
        lemmas, compound = lemmas_and_polarity(texts, nlp, batch_size=1_000, progress=False)
        polar = [polarity_tokens(score, weight) for score in compound]
    else:
        pipeline = nlp if nlp is not None else build_pipeline("blank")
        lemmas = lemmatize(texts, pipeline, options=KEY_OPTIONS, batch_size=1_000, progress=False)
        polar = [[] for _ in lemmas]
    return [
        " ".join([token.replace(" ", "_") for token in tokens] + extra) if tokens else ""
        for tokens, extra in zip(lemmas, polar, strict=True)
    ]


def theme_polarity(
    texts: Iterable[Any], labels: Iterable[Any], nlp: Any = None, *, compound: Any = None
) -> pd.DataFrame:
    """Each theme's praise and complaint shares, its polarity, and whether it mixes them.

    A theme is ``praise`` or ``complaint`` when at least :data:`POLAR_SHARE` of its answers
    are polar and at least :data:`CLEAR_MAJORITY` of those lean one way; ``mixed`` when both
    sides are at least :data:`MIXED_SHARE` of its answers each (``mixed_polarity`` is True:
    praise and complaint shown as one theme — read its answers or split it); else
    ``neutral``. Answers in languages other than English and Spanish read as neutral.

    Parameters
    ----------
    texts : iterable of str
        The answers.
    labels : iterable
        The theme of each answer.
    nlp : spacy.language.Language, optional
        The pipeline (offline English by default).
    compound : array-like, optional
        Each answer's compound score when already known (:func:`answer_polarity`).

    Returns
    -------
    DataFrame
        One row per theme, sorted: ``cluster``, ``praise_share``, ``complaint_share``,
        ``polarity`` (praise, complaint, mixed, neutral), ``mixed_polarity``.

    Examples
    --------
    >>> answers = ["Staff helpful", "Staff rude", "Staff not helpful", "Great staff",
    ...            "Buses late", "Buses always late", "Bus route map"]
    >>> theme_polarity(answers, [0, 0, 0, 0, 1, 1, 1])
       cluster  praise_share  complaint_share   polarity  mixed_polarity
    0        0           0.5         0.500000      mixed            True
    1        1           0.0         0.666667  complaint           False
    """
    texts, labels = list(texts), list(labels)
    if len(labels) != len(texts):
        raise ValueError(f"{len(texts)} answers but {len(labels)} labels")
    if compound is None:
        compound = answer_polarity(texts, nlp)["compound"].to_numpy()
    frame = pd.DataFrame({"cluster": labels, "compound": np.asarray(compound, float)})
    frame["praise"] = frame["compound"] >= THRESHOLD
    frame["complaint"] = frame["compound"] <= -THRESHOLD
    shares = frame.groupby("cluster", sort=True)[["praise", "complaint"]].mean()
    table = shares.rename(columns={"praise": "praise_share", "complaint": "complaint_share"})
    table["polarity"] = [
        _theme_label(praise, complaint)
        for praise, complaint in zip(table["praise_share"], table["complaint_share"], strict=True)
    ]
    table["mixed_polarity"] = table["polarity"] == "mixed"
    return table.reset_index()


def _theme_label(praise: float, complaint: float) -> str:
    if min(praise, complaint) >= MIXED_SHARE:
        return "mixed"
    polar = praise + complaint
    if polar < POLAR_SHARE:
        return "neutral"
    if praise >= CLEAR_MAJORITY * polar:
        return "praise"
    if complaint >= CLEAR_MAJORITY * polar:
        return "complaint"
    return "neutral"

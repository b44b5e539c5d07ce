"""Negation kept in lemmas: a negator joined to the content lemma it negates (``not_helpful``).

Stop-word lists drop "not", "no", "never" and "without", so "Taxi not helpful." and "Taxi
helpful!" reduce to the same lemmas. With ``LemmaOptions(keep_negation=True)``
(:mod:`research_kit.text.pipeline`) :func:`negated_lemmas` keeps them instead:

- a *negator* ("not", "n't", "no", "never", "without", "nothing", "none", "nobody", "nowhere",
  "neither"/"nor", "hardly", "barely", "lack (of)"; Spanish "no", "nunca", "sin", "ni",
  "tampoco", "nada", "nadie", "ningún", "jamás") opens a scope;
- the scope's first content lemma is joined to the language's marker: "not_helpful" (English),
  "no_ayudar" (Spanish); "Couldn't be better" gives ``not_well`` where "Could be better" gives
  ``well`` (the lookup lemma of "better");
- the scope ends there, or at punctuation (``, . ; : ! ?``) or a clause boundary ("but",
  "however", "although"; "pero", "sino", "aunque"), whichever comes first;
- degree words inside the scope are passed over, so the negation reaches the word it is about:
  "not very helpful", "not particularly helpful" and "no longer helpful" all give
  ``not_helpful`` (they are complaints alike; the degree is not kept);
- "not only", "not just" and Spanish "no solo", "sin embargo" are not negations: the scope is
  closed without a mark;
- a negator whose scope holds no content lemma ("Nothing.", "Helpful? Not really.") gives the
  bare marker ("not"), unless its clause already has a negated lemma (Spanish double negation,
  "no me ayudaron nada", gives only ``no_ayudar``).

The words come from a per-language set, :data:`NEGATION_WORDS`, keyed by the spaCy pipeline's
``nlp.lang``; a language without a set keeps today's behaviour (negators dropped as stop words).
Tokens are matched by their spaCy norm: the lower-case form, with "n't" and "nt" normed "not".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

__all__ = [
    "NEGATION_WORDS",
    "NegationWords",
    "ends_scope",
    "negated_lemmas",
    "negation_words",
    "split_negated",
]

#: Punctuation that closes a negation's scope.
SCOPE_PUNCTUATION = frozenset(",.;:!?…")


@dataclass(frozen=True)
class NegationWords:
    """The words negation handling needs for one language.

    Attributes
    ----------
    marker : str
        Joined before a negated lemma with ``_`` ("not" gives ``not_helpful``).
    negators : frozenset of str
        Words that open a scope.
    clause_breaks : frozenset of str
        Words that close a scope ("but").
    degree : frozenset of str
        Words passed over inside a scope ("very", "longer", "particularly").
    not_negations : frozenset of str
        Words that, right after a negator, mean it does not negate ("only" in "not only").
    """

    marker: str
    negators: frozenset[str]
    clause_breaks: frozenset[str]
    degree: frozenset[str]
    not_negations: frozenset[str]

    def matches(self, token: Token, words: frozenset[str]) -> bool:
        """True if the token's norm (its lower-case form; "n't" is "not") is one of ``words``."""
        return token.norm_ in words


_ENGLISH = NegationWords(
    marker="not",
    negators=frozenset(
        [
            "not",
            "n't",
            "n’t",
            "nt",
            "no",
            "never",
            "without",
            "nothing",
            "none",
            "nobody",
            "nowhere",
            "neither",
            "nor",
            "hardly",
            "barely",
            "scarcely",
            "lack",
            "lacks",
            "lacking",
            "lacked",
            "cannot",
        ]
    ),
    clause_breaks=frozenset(["but", "however", "although", "though", "whereas", "except"]),
    degree=frozenset(
        [
            "very",
            "really",
            "too",
            "so",
            "that",
            "all",
            "at",
            "even",
            "ever",
            "yet",
            "always",
            "quite",
            "much",
            "any",
            "enough",
            "longer",
            "particularly",
            "especially",
            "terribly",
            "overly",
            "exactly",
            "entirely",
            "totally",
            "completely",
            "fully",
            "super",
            "remotely",
            "necessarily",
            "extremely",
            "incredibly",
        ]
    ),
    not_negations=frozenset(["only", "just"]),
)

_SPANISH = NegationWords(
    marker="no",
    negators=frozenset(
        [
            "no",
            "nunca",
            "jamás",
            "jamas",
            "sin",
            "ni",
            "tampoco",
            "nada",
            "nadie",
            "ningún",
            "ninguno",
            "ninguna",
            "apenas",
        ]
    ),
    clause_breaks=frozenset(["pero", "sino", "aunque", "embargo", "mientras"]),
    degree=frozenset(
        [
            "muy",
            "tan",
            "tanto",
            "mucho",
            "muchos",
            "mucha",
            "muchas",
            "demasiado",
            "siempre",
            "todavía",
            "aún",
            "ya",
            "más",
            "mas",
            "nada",
            "bastante",
            "realmente",
            "particularmente",
        ]
    ),
    not_negations=frozenset(["solo", "sólo", "solamente", "únicamente", "embargo"]),
)

#: Negation words per spaCy language code (``nlp.lang``).
NEGATION_WORDS: dict[str, NegationWords] = {"en": _ENGLISH, "es": _SPANISH}

_NO_WORDS = NegationWords("not", frozenset(), frozenset(), frozenset(), frozenset())


def negation_words(lang: str) -> NegationWords:
    """The negation words of a spaCy language code; an empty set for other languages.

    Examples
    --------
    >>> negation_words("es").marker
    'no'
    >>> len(negation_words("vi").negators)
    0
    """
    return NEGATION_WORDS.get(lang, _NO_WORDS)


def split_negated(term: str) -> tuple[str, str] | None:
    """``(marker, lemma)`` of a negated lemma such as ``not_helpful``, else None.

    Examples
    --------
    >>> split_negated("not_helpful")
    ('not', 'helpful')
    >>> split_negated("no_ayudar")
    ('no', 'ayudar')
    >>> split_negated("helpful") is None
    True
    """
    marker, joined, lemma = term.partition("_")
    if joined and lemma and marker in _MARKERS:
        return marker, lemma
    return None


_MARKERS = frozenset(words.marker for words in NEGATION_WORDS.values())


def negated_lemmas(
    doc: Doc | Iterable[Token], keep: Callable[[Token], bool], words: NegationWords
) -> list[tuple[str, str]]:
    """Each kept token's lemma, negated lemmas joined to their marker, with its spelling.

    Parameters
    ----------
    doc : Doc or iterable of Token
        The tokens of one text.
    keep : callable
        Which tokens are content lemmas (e.g. :meth:`LemmaOptions.keep`).
    words : NegationWords
        The language's words (:func:`negation_words`).

    Returns
    -------
    list of (str, str)
        ``(lemma, spelling)``: ``("not_helpful", "never helpful")``; a lemma's spelling is its
        lower-case text, a negated lemma's the negator's (its norm: "n't" is "not") and the
        word's.

    Examples
    --------
    >>> from research_kit.text import LemmaOptions, build_pipeline
    >>> nlp = build_pipeline("blank")
    >>> doc = nlp("Staff were not very helpful, but the permit came fast.")
    >>> [lemma for lemma, _ in negated_lemmas(doc, LemmaOptions().keep, negation_words("en"))]
    ['staff', 'not_helpful', 'permit', 'come', 'fast']
    """
    lemmas: list[tuple[str, str]] = []
    negator: str | None = None  # spelling of the open negator
    just_opened = clause_negated = False
    negators, degree = words.negators, words.degree
    for token in doc:  # one loop, no call per token: this runs on every answer clustered
        norm = token.norm_
        if just_opened:
            just_opened = False
            if norm in words.not_negations:
                negator = None  # "not only": no negation, nothing to mark
                continue
        if norm in words.clause_breaks or (token.is_punct and _closes(token.text)):
            if negator is not None and not clause_negated:
                lemmas.append((words.marker, negator))  # negated nothing: the bare marker
            negator, clause_negated = None, False
        elif norm in negators:
            if negator is None:
                negator, just_opened = token.norm_, True  # "n't" spelled "not"
        elif (negator is not None and norm in degree) or not keep(token):
            continue
        elif negator is None:
            lemmas.append((token.lemma_, token.lower_))
        else:
            lemmas.append((f"{words.marker}_{token.lemma_}", f"{negator} {token.lower_}"))
            negator, clause_negated = None, True
    if negator is not None and not clause_negated:
        lemmas.append((words.marker, negator))
    return lemmas


def ends_scope(token: Token, words: NegationWords) -> bool:
    """True if ``token`` closes a negation's scope: punctuation (``, . ; : ! ?``) or a clause
    boundary ("but").

    Examples
    --------
    >>> from research_kit.text import build_pipeline
    >>> [ends_scope(token, negation_words("en")) for token in build_pipeline("blank")("ok, but")]
    [False, True, True]
    """
    if token.is_punct and _closes(token.text):
        return True
    return token.norm_ in words.clause_breaks


def _closes(punctuation: str) -> bool:
    return any(char in SCOPE_PUNCTUATION for char in punctuation)

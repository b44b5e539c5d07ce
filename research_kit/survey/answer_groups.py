"""Answers set aside from the topical themes: praise and nothing-to-add, and other languages.

Some answers to an open question carry no theme: "Nothing", "all good", "keep it up",
"thank you!", "gracias", "👍". Clustered with the rest they spread over many small praise
themes; here they form one group, *praise, thanks and nothing to add*, counted and shown. An
answer is in that group only when the WHOLE answer, once case, accents, punctuation and
spacing are set aside, is made of the phrases of :data:`PRAISE_LEXICON` (and the joining words
of :data:`FILLER_WORDS`), or of nothing but punctuation and emoji: "Thanks, but the portal
crashes" has content and stays with the themes.

Answers reliably in another language than the survey's main one would form themes of their
own by language (a lemma model shares no word across languages). Unless a multilingual
representation is in use, they are set aside in one group per language, named plainly
("Answers in Spanish (not clustered: translate to include them in the themes)"), so that no
theme is ever just "the answers in Spanish" without saying so. The languages come from a
detector (ISO 639-1 codes, ``"und"`` when unknown).

:func:`answer_groups` gives each answer's group; :class:`GroupPlan` is what
:class:`~research_kit.survey.clustering.ResponseClusterer` keeps to set the same groups aside
when it assigns new answers.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from research_kit.errors import SurveyError
from research_kit.text import detect_languages

__all__ = [
    "FILLER_WORDS",
    "GROUP_KINDS",
    "LANGUAGE_NAMES",
    "MIN_GROUP_SIZE",
    "PRAISE_GROUP_NAME",
    "PRAISE_LEXICON",
    "GroupPlan",
    "answer_groups",
    "detected_languages",
    "is_praise",
    "language_group_name",
    "main_language",
    "plan_groups",
]

#: The kinds of set-aside groups (a topical cluster's kind is ``"theme"``).
GROUP_KINDS = ("praise", "language")
#: The readable name of the praise group.
PRAISE_GROUP_NAME = "Praise, thanks and nothing to add"
#: The smallest group set aside: fewer answers of praise and nothing-to-add are clustered with
#: the rest (a group too small to report says nothing); a language with fewer reliable answers
#: shares one group with the other small languages ("Answers in other languages: …"), set
#: aside all the same (answers in another language are never clustered, never dropped).
MIN_GROUP_SIZE = 5
#: Answers longer than this many words are never pure praise (and are not checked).
_MAX_PRAISE_WORDS = 20

#: Phrases that make up an answer with no theme, by category and language (English and Spanish
#: in full; thanks in the languages a US city serves most, e.g. Minneapolis's Vietnamese,
#: Hmong, Somali, Amharic, Lao and Oromo), written as people type them; they are compared
#: after :func:`_normalise` (case, accents, apostrophes and punctuation removed).
#: ``nothing``: nothing to add; ``praise``: generic praise; ``thanks``.
#: An answer is set aside when it is a sequence of these phrases and :data:`FILLER_WORDS`,
#: except that a ``nothing`` phrase followed by ``praise`` in the same sentence ("nothing
#: good", "nada bueno") is not: that is a complaint.
PRAISE_LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "nothing": {
        "en": (
            "nothing", "nothing else", "nothing to add", "nothing more", "nothing more to add",
            "nothing further", "nothing at this time", "nothing at the moment", "nothing really",
            "nothing comes to mind", "nothing to say", "nothing to report", "not at this time",
            "none", "none at this time", "none at the moment", "none really", "no comment",
            "no comments", "no further comments", "no other comments", "no additional comments",
            "no further comment", "n/a", "na", "nope", "nah", "no thanks", "no thank you",
            "not really", "i have nothing to add", "i have no comments", "that's all",
            "that is all", "no suggestions", "no complaints", "no concerns", "no issues",
            "no problems", "i can't think of anything", "can't think of anything",
            "not that i can think of", "all good", "all is good", "all fine", "it's all good",
            "everything is good", "everything is fine", "everything is great",
            "everything was good", "everything was fine", "everything was great",
            "everything was perfect", "everything is perfect", "everything went well",
            "i'm good", "i am good", "im good",
        ),
        "es": (
            "nada", "nada mas", "nada más", "nada que agregar", "nada que añadir",
            "nada que decir", "ninguno", "ninguna", "sin comentarios", "no tengo comentarios",
            "ningún comentario", "ninguna queja", "no tengo quejas", "todo bien",
            "todo está bien", "todo excelente", "todo perfecto", "todo muy bien",
            "todo estuvo bien", "todo estuvo excelente",
        ),
        "vi": ("không có gì", "không có", "không có ý kiến"),
    },
    "praise": {
        "en": (
            "good", "great", "excellent", "awesome", "amazing", "perfect", "fantastic",
            "wonderful", "fine", "ok", "okay", "not bad", "nice", "good job", "great job",
            "nice job", "good work", "great work", "nice work", "excellent work", "well done",
            "keep it up", "keep up the good work", "keep up the great work",
            "keep up the work", "keep doing what you're doing", "keep doing what you are doing",
            "you're doing great", "you are doing great", "doing great",
            "doing a great job", "you're doing a great job", "you are doing a great job",
            "great service", "good service", "excellent service", "great experience",
            "good experience", "love it", "love you guys", "satisfied", "very satisfied",
            "happy", "i'm happy", "i am happy", "i'm satisfied", "i am satisfied",
            "so far so good", "good so far", "you're the best", "you are the best", "the best",
            "you rock", "kudos", "bravo", "cheers",
        ),
        "es": (
            "bien", "muy bien", "bueno", "excelente", "perfecto", "buen trabajo",
            "excelente trabajo", "buen servicio", "excelente servicio", "sigan así",
            "siga así", "sigan adelante", "sigan con el buen trabajo", "felicidades",
            "felicitaciones",
        ),
        "vi": ("tốt", "rất tốt"),
    },
    "thanks": {
        "en": (
            "thanks", "thank you", "thank u", "thanks a lot", "thanks so much",
            "thank you so much", "thank you very much", "many thanks", "thx", "ty",
            "appreciate it", "much appreciated", "i appreciate it", "i appreciate you",
            "appreciated", "god bless", "thanks for asking", "thank you for asking",
            "thanks for the survey", "thank you for the survey", "thanks for everything",
            "thank you for everything", "thank you for your service", "thanks for your help",
            "thank you for your help", "thanks for all you do", "thank you for all you do",
            "thank you for all that you do", "have a nice day", "have a good day",
            "have a great day",
        ),
        "es": (
            "gracias", "muchas gracias", "mil gracias", "gracias por todo",
            "gracias por preguntar", "gracias por la encuesta", "dios los bendiga",
            "que dios los bendiga",
        ),
        "vi": ("cảm ơn", "xin cảm ơn", "cám ơn", "cảm ơn nhiều", "cảm ơn rất nhiều"),
        "hmn": ("ua tsaug", "ua tsaug ntau", "ua tsaug ntau ntau", "ua koj tsaug",
                "ua nej tsaug", "ua nej tsaug ntau ntau"),
        "so": ("mahadsanid", "mahadsanidin"),
        "am": ("አመሰግናለሁ", "በጣም አመሰግናለሁ"),
        "lo": ("ຂອບໃຈ", "ຂອບໃຈຫຼາຍ"),
        "om": ("galatoomi", "galatoomaa"),
    },
}  # fmt: skip

#: Words that may join the phrases of :data:`PRAISE_LEXICON` ("thank you all so much",
#: "y muchas gracias") without adding content; an answer of these words alone is not set aside.
FILLER_WORDS: frozenset[str] = frozenset((
    # English
    "and", "also", "too", "very", "so", "much", "really", "truly", "all", "again", "guys",
    "team", "everyone", "everybody", "you", "yall", "folks", "lol", "just", "yes", "yeah", "oh",
    "well", "overall", "the", "a", "it", "is", "was", "are", "were", "everything", "i", "am",
    # Spanish
    "y", "muy", "todo", "todos", "ustedes", "les", "su", "sus", "el", "la", "los", "que", "si",
    "pues",
))  # fmt: skip

#: English names of languages by ISO 639-1 code (the ones a city survey meets most; any other
#: code is named by itself).
LANGUAGE_NAMES: dict[str, str] = {
    "am": "Amharic", "ar": "Arabic", "bn": "Bengali", "de": "German", "en": "English",
    "es": "Spanish", "fa": "Persian", "fr": "French", "hi": "Hindi", "hmn": "Hmong",
    "ht": "Haitian Creole", "it": "Italian", "ja": "Japanese", "km": "Khmer", "ko": "Korean",
    "lo": "Lao", "my": "Burmese", "ne": "Nepali", "om": "Oromo", "pl": "Polish",
    "pt": "Portuguese", "ru": "Russian", "so": "Somali", "sw": "Swahili", "ti": "Tigrinya",
    "tl": "Tagalog", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
    "und": "unknown",
}  # fmt: skip

_NOT_CLUSTERED = "not clustered: translate to include them in the themes"
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^\w]+|_+")
_SENTENCE_BREAK = re.compile(r"[.!?;,:\n¡¿]+")
_HAS_WORD = re.compile(r"\w")


def _normalise(text: str) -> str:
    """Case-folded, accents and apostrophes removed, anything else not a letter or digit a
    space ("Don't!" -> "dont")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", _APOSTROPHES.sub("", plain)).split())


def _phrase_table() -> dict[tuple[str, ...], str]:
    """Each lexicon phrase, normalised to a tuple of words -> its category."""
    table: dict[tuple[str, ...], str] = {}
    for category, by_language in PRAISE_LEXICON.items():
        for phrases in by_language.values():
            for phrase in phrases:
                words = tuple(_normalise(phrase).split())
                if words:
                    table.setdefault(words, category)
    return table


_PHRASES = _phrase_table()
_LONGEST = max(len(words) for words in _PHRASES)
_FILLERS = frozenset(_normalise(word) for word in FILLER_WORDS)
#: Every word an answer set aside can have (a quick test before the full one).
_VOCABULARY = _FILLERS | frozenset(word for words in _PHRASES for word in words)
_EDGES = string.punctuation + "¡¿«»…–—“”‘’"


def _surely_content(text: str) -> bool:
    """True when a plain (ASCII) word of the answer is in no phrase and no filler: it has
    content, whatever the rest (most answers stop here, before any normalising)."""
    words = text.casefold().split()
    if len(words) > _MAX_PRAISE_WORDS:
        return True
    for word in words:
        core = word.strip(_EDGES)
        if core.isascii() and core.isalpha() and "'" not in core and core not in _VOCABULARY:
            return True
    return False


def _sentence_is_praise(words: list[str]) -> tuple[bool, bool]:
    """Whether the words are lexicon phrases and fillers only, and whether a phrase was used.

    A dynamic programme over word positions; the state remembers whether a phrase was used and
    whether a ``nothing`` phrase came before (after which a ``praise`` phrase is not allowed).
    """
    # states[i]: set of (used_phrase, after_nothing) reachable at word i
    states: list[set[tuple[bool, bool]]] = [set() for _ in range(len(words) + 1)]
    states[0].add((False, False))
    for start in range(len(words)):
        for used, after_nothing in states[start]:
            if words[start] in _FILLERS:
                states[start + 1].add((used, after_nothing))
            for length in range(1, min(_LONGEST, len(words) - start) + 1):
                category = _PHRASES.get(tuple(words[start : start + length]))
                if category is None or (after_nothing and category == "praise"):
                    continue
                states[start + length].add((True, after_nothing or category == "nothing"))
    reached = states[len(words)]
    return bool(reached), any(used for used, _ in reached)


def _text_is_praise(text: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return False  # a blank answer is no answer at all, not praise
    if not _HAS_WORD.search(stripped):
        return True  # only punctuation or emoji: "👍", "!!", ":)"
    if _surely_content(stripped):
        return False
    sentences = [_normalise(part).split() for part in _SENTENCE_BREAK.split(stripped)]
    sentences = [words for words in sentences if words]
    if not sentences or sum(len(words) for words in sentences) > _MAX_PRAISE_WORDS:
        return bool(not sentences)
    used_any = False
    for words in sentences:
        whole, used = _sentence_is_praise(words)
        if not whole:
            return False
        used_any = used_any or used
    return used_any


def is_praise(texts: Sequence[str]) -> np.ndarray:
    """True where the whole answer is praise, thanks or "nothing to add" (see the module).

    Each distinct text is checked once, so long columns of repeated answers are cheap.

    Parameters
    ----------
    texts : sequence of str
        The answers (None and NaN count as blank, never praise).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> is_praise(["Thank you so much!!", "Nothing.", "keep up the good work 👍",
    ...            "Gracias, sigan así", "Thanks, but the portal crashes", "nothing good",
    ...            "", "🙏"]).tolist()
    [True, True, True, True, False, False, False, True]
    """
    seen: dict[str, bool] = {}
    result = np.zeros(len(texts), dtype=bool)
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        known = seen.get(text)
        if known is None:
            known = seen[text] = _text_is_praise(text)
        result[row] = known
    return result


def language_group_name(languages: Sequence[str]) -> str:
    """The readable name of a group of answers set aside by language.

    Examples
    --------
    >>> language_group_name(["es"])
    'Answers in Spanish (not clustered: translate to include them in the themes)'
    >>> language_group_name(["so", "lo"])[:40]
    'Answers in other languages: Lao, Somali '
    """
    names = sorted(LANGUAGE_NAMES.get(code, code) for code in languages)
    if len(names) == 1:
        return f"Answers in {names[0]} ({_NOT_CLUSTERED})"
    return f"Answers in other languages: {', '.join(names)} ({_NOT_CLUSTERED})"


def _language_codes(languages: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-answer codes (lower case, "und" when missing) and whether each is reliable.

    ``languages`` is a sequence of codes (all taken as reliable unless "und"), or a DataFrame
    from a language detector with a ``language`` column and optionally ``reliable``.
    """
    reliable = None
    if isinstance(languages, pd.DataFrame):
        if "language" not in languages.columns:
            raise SurveyError(
                "the languages table has no 'language' column",
                hint="pass the detector's table (language, reliable) or a list of codes",
            )
        if "reliable" in languages.columns:
            reliable = languages["reliable"].fillna(False).to_numpy(bool)
        languages = languages["language"]
    codes = np.array(
        ["und" if not isinstance(code, str) or not code.strip() else code.strip().lower()
         for code in languages],
        dtype=object,
    )  # fmt: skip
    if len(codes) != n:
        raise SurveyError(
            f"{len(codes)} language code(s) for {n} answer(s)",
            hint="give one language code per answer, in the answers' order",
        )
    if reliable is None:
        reliable = np.ones(n, dtype=bool)
    return codes, reliable & (codes != "und")


def main_language(languages: Sequence[str], reliable: Sequence[bool] | None = None) -> str:
    """The most frequent reliably detected language ("und" when there is none).

    Ties go to the alphabetically first code, so the answer never depends on row order.

    Examples
    --------
    >>> main_language(["en", "es", "en", "und", "es", "en"])
    'en'
    >>> main_language(["es", "en", "und"], reliable=[False, True, True])
    'en'
    """
    flags = np.ones(len(languages), dtype=bool) if reliable is None else np.asarray(reliable)
    counts = Counter(
        code for code, ok in zip(languages, flags, strict=True) if ok and code != "und"
    )
    if not counts:
        return "und"
    return min(counts, key=lambda code: (-counts[code], code))


@dataclass(frozen=True)
class GroupPlan:
    """The set-aside groups of one fit and how answers are put in them.

    ``groups`` has one row per group, in cluster order after the themes: ``group`` (its id:
    ``"praise"``, ``"language:es"`` or ``"language:other"``), ``kind``, ``name`` and
    ``languages`` (the codes it holds; empty for praise). ``codes`` gives each fitted answer's
    group (its row in ``groups``) or -1 for answers clustered into themes.
    """

    groups: pd.DataFrame
    codes: np.ndarray
    main_language: str

    def codes_for(self, texts: Sequence[str], languages: Any = None) -> np.ndarray:
        """The groups of new answers: praise by the lexicon, languages only when given.

        An answer in a language with no group of its own goes to the group of the other
        languages when the fit had one, else it is clustered.
        """
        codes = np.full(len(texts), -1, dtype=np.int64)
        where = {
            code: row
            for row, held in enumerate(self.groups["languages"])
            for code in held
        }  # fmt: skip
        if languages is not None and len(self.groups):
            found, reliable = _language_codes(languages, len(texts))
            other = self._row_of("language:other")
            for row, (code, ok) in enumerate(zip(found, reliable, strict=True)):
                if ok and code != self.main_language:
                    codes[row] = where.get(code, other)
        praise = self._row_of("praise")
        if praise >= 0:
            codes[is_praise(texts)] = praise
        return codes

    def _row_of(self, group: str) -> int:
        rows = np.flatnonzero(self.groups["group"].to_numpy() == group)
        return int(rows[0]) if len(rows) else -1


def plan_groups(
    texts: Sequence[str],
    *,
    languages: Any = None,
    main_language: str | None = None,
    multilingual: bool = False,
    praise: bool = True,
    min_group_size: int = MIN_GROUP_SIZE,
) -> GroupPlan:
    """Which answers to set aside, in which groups (see :func:`answer_groups`).

    Examples
    --------
    >>> plan = plan_groups(["Thanks!", "Potholes", "Gracias"], min_group_size=1)
    >>> plan.codes.tolist(), plan.groups["group"].tolist()
    ([0, -1, 0], ['praise'])
    >>> plan.codes_for(["Keep it up", "More buses"]).tolist()
    [0, -1]
    """
    n = len(texts)
    codes = np.full(n, -1, dtype=np.int64)
    praised = is_praise(texts) if praise else np.zeros(n, dtype=bool)
    if praised.sum() < max(min_group_size, 1):
        praised[:] = False
    rows: list[dict[str, Any]] = []
    if praised.any():
        rows.append({"group": "praise", "kind": "praise", "name": PRAISE_GROUP_NAME,
                     "languages": ()})  # fmt: skip
        codes[praised] = 0
    main = "und"
    if languages is not None:
        found, reliable = _language_codes(languages, n)
        main = main_language or _main_of(found, reliable)
        if not multilingual:
            rows += _language_groups(found, reliable & ~praised, main, min_group_size, codes,
                                     first=len(rows))  # fmt: skip
    groups = pd.DataFrame(rows, columns=["group", "kind", "name", "languages"])
    return GroupPlan(groups, codes, main)


def _main_of(found: np.ndarray, reliable: np.ndarray) -> str:
    return main_language(list(found), reliable)


def _language_groups(
    found: np.ndarray,
    foreign: np.ndarray,
    main: str,
    min_group_size: int,
    codes: np.ndarray,
    *,
    first: int,
) -> list[dict[str, Any]]:
    """One group per other language (largest first, ties by code); the small ones pooled."""
    foreign = foreign & (found != main)
    counts = Counter(found[foreign])
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    large = [code for code in ordered if counts[code] >= min_group_size]
    small = [code for code in ordered if counts[code] < min_group_size]
    sets = [[code] for code in large] + ([small] if small else [])
    rows = []
    for offset, held in enumerate(sets):
        group = "language:other" if held is small else f"language:{held[0]}"
        name = language_group_name(held)
        rows.append({"group": group, "kind": "language", "name": name, "languages": tuple(held)})
        codes[foreign & np.isin(found, held)] = first + offset
    return rows


def answer_groups(
    texts: Sequence[str],
    *,
    languages: Sequence[str] | pd.DataFrame | None = None,
    main_language: str | None = None,
    multilingual: bool = False,
    min_group_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Each answer's set-aside group: praise and nothing-to-add, or another language.

    Parameters
    ----------
    texts : sequence of str
        The answers.
    languages : sequence of str or DataFrame, optional
        Each answer's language (ISO 639-1 code, ``"und"`` when unknown), or a detector's table
        with columns ``language`` and ``reliable``; without it no answer is set aside by
        language.
    main_language : str, optional
        The survey's main language; by default the most frequent reliable one.
    multilingual : bool
        The answers are represented across languages (a multilingual sentence model): no
        answer is set aside by language.
    min_group_size : int
        Fewer answers of praise and nothing-to-add than this are not set aside; a language
        with fewer reliable answers shares one group with the other small languages (its
        answers are still set aside, in a group that names the languages).

    Returns
    -------
    pandas.DataFrame
        One row per answer: ``group`` (None for answers to cluster into themes, else the
        group's id: ``"praise"``, ``"language:es"``, ``"language:other"``), ``kind``
        (``"praise"`` or ``"language"``) and ``name`` (readable).

    Examples
    --------
    >>> texts = ["The permit took months", "Thank you!", "El permiso tardó mucho",
    ...          "Keep it up", "Gracias"]
    >>> answer_groups(texts, languages=["en", "en", "es", "en", "es"], min_group_size=1)
             group      kind                                               name
    0         None      None                                               None
    1       praise    praise                  Praise, thanks and nothing to add
    2  language:es  language  Answers in Spanish (not clustered: translate t...
    3       praise    praise                  Praise, thanks and nothing to add
    4       praise    praise                  Praise, thanks and nothing to add
    """
    plan = plan_groups(
        list(texts),
        languages=languages,
        main_language=main_language,
        multilingual=multilingual,
        min_group_size=min_group_size,
    )
    groups = plan.groups.to_dict("records")
    columns = ("group", "kind", "name")
    rows = [
        {column: groups[code][column] for column in columns}
        if code >= 0
        else dict.fromkeys(columns)
        for code in plan.codes
    ]
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def detected_languages(texts: Sequence[str]) -> pd.DataFrame:
    """Each answer's language, from :func:`research_kit.text.detect_languages`."""
    return detect_languages(list(texts))

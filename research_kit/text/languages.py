"""Which language each open answer is written in, offline, and how many answers each has.

:func:`detect_languages` gives one row per text (``language``, ``language_name``,
``confidence``, ``reliable``); :func:`language_counts` counts answers per language for a
report; :func:`main_language` names the language most answers are in;
:func:`lemmatize_by_language` lemmatises each text with the spaCy pipeline of its language.

How a language is decided, for each distinct text (duplicates cost nothing):

1. Fewer than :data:`MIN_LETTERS` letters (empty, numbers, "ok", "no") is ``"und"``: too short
   to tell, and such answers read the same in several languages.
2. A script that belongs to one expected language decides it: Ethiopic is Amharic and Lao
   script is Lao, when those are expected (``languages``). Confidence is the share of the
   letters in that script.
3. CLD2 (``pycld2``, Google's compact detector, 165 languages incl. Hmong, Somali and Oromo,
   its tables compiled into the wheel) reads the text; confidence is CLD2's share of the text
   in the language it names.
4. For Latin-script text, ``py3langid`` (a naive Bayes model shipped inside its wheel, 142
   languages, no Hmong) restricted to the expected languages gives a second opinion. It decides
   when CLD2's language is not expected, or when it is at least
   :data:`MIN_SECOND_OPINION_CONFIDENCE` sure of another expected language; confidence is then
   its probability among the expected languages. CLD2 often calls a short Spanish answer
   Galician, Catalan, Portuguese or even English, and a terse English one Danish or Occitan;
   the second opinion turns those into the expected language. Text in another script keeps
   CLD2's answer (an Arabic answer stays Arabic rather than being forced into an expected
   language). py3langid does not know Hmong, so it can only overrule CLD2's Hmong when it is
   that sure of another language (on the 76 Hmong test texts it never is: at most 0.81).

``reliable`` is true when confidence is at least :data:`MIN_CONFIDENCE` (at least
:data:`MIN_SECOND_OPINION_CONFIDENCE` when py3langid overrode CLD2) and the text has two words
or more (one word is too little to set an answer aside on), or when its script decided.
Act on reliable rows only: an English answer wrongly set aside as foreign is a lost answer.

Measured by ``benchmarks/bench_languages.py`` (Tatoeba test sentences in Amharic, Lao, Somali,
Vietnamese and Hmong; Spanish and Vietnamese answers of the bundled sample survey; short Spanish,
Somali and Hmong survey answers written for the benchmark; English answer sets for false
"foreign" calls). Oromo is supported by both detectors but no labelled Oromo text was
available, so its accuracy is unmeasured. Detection reads 14,000-20,000 distinct texts a second
on a busy 2-core machine (duplicates cost nothing): 50,000 distinct answers take 2-4 seconds.

Examples
--------
>>> answers = ["Todo salió bien, gracias.", "The portal kept crashing.", "42"]
>>> detection = detect_languages(answers)
>>> detection["language"].tolist(), detection["reliable"].tolist()
(['es', 'en', 'und'], [True, True, False])
>>> lemmatize_by_language(answers, detection["language"])
[['salir', 'gracia'], ['portal', 'keep', 'crash'], []]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

import pandas as pd
import pycld2
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from spacy.language import Language

from research_kit.text._values import as_text
from research_kit.text.pipeline import LemmaOptions, build_pipeline, lemmatize

#: The languages expected by default: English plus those a city like Minneapolis serves
#: residents in (Spanish, Somali, Hmong, Amharic, Vietnamese, Lao, Oromo).
DEFAULT_LANGUAGES = ("en", "es", "so", "hmn", "am", "vi", "lo", "om")
#: The code for a text whose language cannot be told.
UNDETERMINED = "und"
#: English names of the codes this module returns most often (others come from CLD2).
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "so": "Somali",
    "hmn": "Hmong",
    "am": "Amharic",
    "vi": "Vietnamese",
    "lo": "Lao",
    "om": "Oromo",
    UNDETERMINED: "Undetermined",
}
#: Columns of :func:`detect_languages`.
DETECTION_COLUMNS = ("language", "language_name", "confidence", "reliable")
#: Columns of :func:`language_counts`.
COUNT_COLUMNS = ("language", "language_name", "answers", "share", "reliable_answers")
#: Texts with fewer letters than this are undetermined.
MIN_LETTERS = 3
#: Confidence needed (with two words or more) before a detection is reliable.
MIN_CONFIDENCE = 0.5
#: The same when the restricted second opinion overrode CLD2: forced to choose among a few
#: languages, its probabilities run high even on text that is none of them (product names,
#: URLs, jargon score 0.5-0.8), while the answers it rightly rescues score 0.9 or more.
MIN_SECOND_OPINION_CONFIDENCE = 0.9
#: What detected the languages, for method sections.
LANGUAGE_DETECTOR = (
    "script rules (Ethiopic, Lao) + CLD2 (pycld2) + py3langid restricted to the expected "
    "languages (offline)"
)
#: Scripts that name one language: Ethiopic (with its supplement and extensions) is Amharic
#: here, Lao script is Lao.
_SCRIPTS = {
    "am": re.compile("[\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f]"),
    "lo": re.compile("[\u0e80-\u0eff]"),
}
_LETTER = re.compile(r"[^\W\d_]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
#: CLD2 codes that are not ISO 639-1 codes of a language.
_CLD2_CODES = {"un": UNDETERMINED, "iw": "he", "jw": "jv", "zh-Hant": "zh"}


def _count_letters(text: str) -> tuple[int, dict[str, int], int]:
    """(letters, letters per single-language script, Latin letters) of ``text``."""
    letters = len(_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    in_script = {}
    if letters > latin:  # only then can a script of its own decide
        in_script = {language: len(script.findall(text)) for language, script in _SCRIPTS.items()}
    return letters, in_script, latin


def _cld2(text: str) -> tuple[str, float, str]:
    """CLD2's language code, its share of the text (0-1) and its language name."""
    try:
        _, _, details = pycld2.detect(text.encode("utf-8", "replace"), bestEffort=True)
    except pycld2.error:  # CLD2 rejects some bytes (control characters)
        return UNDETERMINED, 0.0, ""
    name, code, percent, _ = details[0]
    return _CLD2_CODES.get(code, code), percent / 100, name


@lru_cache(maxsize=8)
def _restricted_identifier(languages: tuple[str, ...]) -> LanguageIdentifier | None:
    """py3langid limited to ``languages`` (those it knows), or None when it knows none."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = sorted(set(languages) & set(identifier.nb_classes))  # it has no Hmong
    if not known:
        return None
    identifier.set_languages(known)
    return identifier


def _language_name(code: str, cld2_name: str = "") -> str:
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    return cld2_name.replace("_", " ").title() if cld2_name else code


def _detect_one(text: str, languages: tuple[str, ...]) -> tuple[str, str, float, bool]:
    """One row of :func:`detect_languages` for one text."""
    letters, in_script, latin = _count_letters(text)
    if letters < MIN_LETTERS:
        return UNDETERMINED, LANGUAGE_NAMES[UNDETERMINED], 0.0, False
    for language, count in in_script.items():
        if language in languages and count > letters / 2:
            share = min(1.0, count / letters)  # vowel signs are marks, not letters
            return language, _language_name(language), round(share, 2), True
    code, confidence, cld2_name = _cld2(text)
    needed = MIN_CONFIDENCE
    identifier = _restricted_identifier(languages)
    if latin > letters / 2 and identifier is not None:
        second, probability = identifier.classify(text)
        if code not in languages or (
            second != code and probability >= MIN_SECOND_OPINION_CONFIDENCE
        ):
            code, confidence, cld2_name = second, float(probability), ""
            needed = MIN_SECOND_OPINION_CONFIDENCE
    if code == UNDETERMINED:
        return UNDETERMINED, LANGUAGE_NAMES[UNDETERMINED], 0.0, False
    reliable = confidence >= needed and len(text.split()) >= 2
    return code, _language_name(code, cld2_name), round(confidence, 2), reliable


def _as_strings(texts: Iterable[object]) -> tuple[list[str], pd.Index]:
    """The texts as stripped strings, and the index the result should carry."""
    if isinstance(texts, pd.Series):
        index = texts.index
    else:
        texts = list(texts)
        index = pd.RangeIndex(len(texts))
    return [as_text(text).strip() for text in texts], index


def detect_languages(
    texts: Iterable[object], *, languages: Sequence[str] = DEFAULT_LANGUAGES
) -> pd.DataFrame:
    """Tell the language of each text, offline (script rules, CLD2, py3langid).

    Parameters
    ----------
    texts : iterable of str
        The answers (a list or a pandas Series, whose index the result keeps); missing values
        (None, NaN) are undetermined.
    languages : sequence of str
        The languages expected (ISO 639-1 codes, "hmn" for Hmong). Latin-script text is given
        one of them; text in another script may get any language CLD2 knows. Defaults to
        :data:`DEFAULT_LANGUAGES`.

    Returns
    -------
    pandas.DataFrame
        One row per text: ``language`` (ISO 639-1 code, "hmn" for Hmong, "und" when the text
        is empty, shorter than three letters or unreadable), ``language_name`` (English name),
        ``confidence`` (0-1, two decimals) and ``reliable`` (confident enough to act on, e.g.
        to set an answer aside as another language).

    Examples
    --------
    >>> detect_languages(["Kuv tsis paub dab tsi.", "Waxaan u baahanahay turjubaan.", ""])
      language language_name  confidence  reliable
    0      hmn         Hmong        0.95      True
    1       so        Somali        0.96      True
    2      und  Undetermined        0.00     False

    A one-word answer gets a language but is not reliable:

    >>> detect_languages(["gracias"])[["language", "reliable"]].values.tolist()
    [['es', False]]
    """
    strings, index = _as_strings(texts)
    expected = tuple(dict.fromkeys(languages))
    rows = {text: _detect_one(text, expected) for text in dict.fromkeys(strings)}
    frame = pd.DataFrame([rows[text] for text in strings], columns=list(DETECTION_COLUMNS))
    frame.index = index
    return frame.astype({"confidence": float, "reliable": bool})


def language_counts(
    texts_or_detection: Iterable[object] | pd.DataFrame,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> pd.DataFrame:
    """Count answers per language, for a report ("answers per language").

    Parameters
    ----------
    texts_or_detection : iterable of str or pandas.DataFrame
        The answers, or what :func:`detect_languages` returned for them.
    languages : sequence of str
        Expected languages, when texts are given (see :func:`detect_languages`).

    Returns
    -------
    pandas.DataFrame
        One row per language found, most answers first: ``language``, ``language_name``,
        ``answers``, ``share`` (of all answers, 0-1) and ``reliable_answers``.

    Examples
    --------
    >>> language_counts(["Muy lento.", "Too slow.", "Slow and costly.", ""])
      language language_name  answers  share  reliable_answers
    0       en       English        2   0.50                 2
    1       es       Spanish        1   0.25                 1
    2      und  Undetermined        1   0.25                 0
    """
    if isinstance(texts_or_detection, pd.DataFrame):
        detection = texts_or_detection
    else:
        detection = detect_languages(texts_or_detection, languages=languages)
    total = len(detection)
    counts = (
        detection.groupby(["language", "language_name"], sort=False)
        .agg(answers=("reliable", "size"), reliable_answers=("reliable", "sum"))
        .reset_index()
    )
    counts["share"] = counts["answers"] / total if total else math.nan
    counts["reliable_answers"] = counts["reliable_answers"].astype(int)
    counts = counts.sort_values(["answers", "language"], ascending=[False, True])
    return counts[list(COUNT_COLUMNS)].reset_index(drop=True)


def main_language(detection: pd.DataFrame, *, default: str = "en") -> str:
    """The language most answers are reliably written in (the survey's main language).

    Parameters
    ----------
    detection : pandas.DataFrame
        What :func:`detect_languages` returned.
    default : str
        The answer when no answer's language is reliable (few or very short answers).

    Returns
    -------
    str
        A language code; ties go to the code first in alphabetical order.

    Examples
    --------
    >>> main_language(detect_languages(["Muy lento.", "Nadie contesta.", "Too slow."]))
    'es'
    >>> main_language(detect_languages(["ok", ""]))
    'en'
    """
    reliable = detection.loc[detection["reliable"], "language"]
    if reliable.empty:
        return default
    counts = reliable.value_counts()
    return str(min(counts[counts == counts.max()].index))


def lemmatize_by_language(
    texts: Sequence[object],
    languages: Sequence[str],
    pipelines: Mapping[str, Language] | None = None,
    *,
    default: str = "en",
    options: LemmaOptions | None = None,
) -> list[list[str]]:
    """Lemmatise each text with the pipeline of its language (e.g. Spanish lookup lemmas).

    Parameters
    ----------
    texts : sequence of str
        The texts.
    languages : sequence of str
        One language code per text, e.g. ``detect_languages(texts)["language"]``.
    pipelines : mapping of str to Language, optional
        A pipeline per language code. A language without one gets
        ``build_pipeline("blank", lang=code)`` (built once per call); "und" uses ``default``.
    default : str
        The language of undetermined texts (the survey's main language).
    options : LemmaOptions, optional
        Which tokens to keep (the same for every language; stop words are each language's).

    Returns
    -------
    list of list of str
        The content lemmas of each text, in the order of ``texts``.

    Examples
    --------
    >>> lemmatize_by_language(["Nadie contesta el teléfono", "Nobody answers the phone"],
    ...                       ["es", "en"])
    [['contestar', 'teléfono'], ['answer', 'phone']]
    """
    texts = list(texts)
    codes = [default if code == UNDETERMINED else str(code) for code in languages]
    if len(codes) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(codes)} languages; give one per text")
    pipeline_of = _pipeline_source(pipelines or {})
    lemmas: list[list[str]] = [[] for _ in texts]
    for code in dict.fromkeys(codes):
        rows = [row for row, text_code in enumerate(codes) if text_code == code]
        group = lemmatize([texts[row] for row in rows], pipeline_of(code), options=options)
        for row, row_lemmas in zip(rows, group, strict=True):
            lemmas[row] = row_lemmas
    return lemmas


def _pipeline_source(pipelines: Mapping[str, Language]) -> Callable[[str], Language]:
    """A function giving the pipeline of a language: the one given, else a blank one."""
    built: dict[str, Language] = dict(pipelines)

    def pipeline_of(code: str) -> Language:
        if code not in built:
            built[code] = build_pipeline("blank", lang=code)
        return built[code]

    return pipeline_of

"""The one place that builds research_kit's spaCy pipeline and turns text into lemmas.

By default the pipeline works offline with nothing to download: spaCy's blank English tokenizer,
a lemmatizer that looks words up (lower-cased, so "The" and "the" agree) in the table shipped by
``spacy-lookups-data``, and a rule-based sentencizer. When the user has a trained English
pipeline installed (``en_core_web_sm`` and friends), ``model="auto"`` uses it instead, which also
brings part-of-speech tags and named entities. Texts are processed in batches with ``nlp.pipe``.

PII for stakeholder outputs: :func:`find_pii` finds e-mail addresses, phone numbers (North
American and international), street addresses and intersections (English and Spanish) and names
(a given list with the surnames that follow its names, names after a title such as "Officer" or
"la señora", plus spaCy's PERSON entities when the pipeline has an entity recogniser);
:func:`redact` replaces them with placeholders, :func:`redaction_spans` says which spans it
replaces, and :func:`pseudonym` turns a participant id into a stable pseudonymous id. How well
the rules do is measured, not assumed: ``benchmarks/bench_redaction.py`` scores them on a
hand-labelled corpus (``tests/data/pii``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import spacy
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.tokens import Doc, Token
from tqdm.auto import tqdm

from research_kit.errors import ResearchKitError

#: Trained English pipelines tried, smallest first, when ``model="auto"``.
TRAINED_PIPELINES = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")
LOOKUP_LEMMATIZER = "research_kit_lookup_lemmatizer"
#: Below this many texts a progress bar is more noise than help.
_PROGRESS_MIN_TEXTS = 2_000
#: Components lemmas do not need (sentence boundaries, parse, entities), skipped for speed.
_NOT_FOR_LEMMAS = ("sentencizer", "senter", "parser", "ner")


class TextPipelineError(ResearchKitError):
    """The requested spaCy pipeline cannot be built."""


@Language.factory(LOOKUP_LEMMATIZER)
def _make_lookup_lemmatizer(nlp: Language, name: str) -> _LookupLemmatizer:
    return _LookupLemmatizer(nlp.lang)


class _LookupLemmatizer:
    """Set ``token.lemma_`` from spaCy's lookup table, keyed by the lower-cased token."""

    def __init__(self, lang: str) -> None:
        self.table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            token.lemma_ = _lookup_lemma(self.table, token)
        return doc


def _lookup_lemma(table, token: Token) -> str:
    lower = token.lower_
    lemma = table.get(lower, lower)
    return lemma if isinstance(lemma, str) else lemma[0]


def installed_trained_pipeline() -> str | None:
    """Return the name of the first installed trained English pipeline, or None.

    Examples
    --------
    >>> installed_trained_pipeline() in (None, *TRAINED_PIPELINES)
    True
    """
    for name in TRAINED_PIPELINES:
        if spacy.util.is_package(name):
            return name
    return None


def build_pipeline(model: str = "auto") -> Language:
    """Build the spaCy pipeline research_kit uses for all text work.

    Parameters
    ----------
    model : str
        ``"blank"`` for the offline pipeline (tokenizer, lower-cased lookup lemmatizer,
        sentencizer); ``"auto"`` for an installed trained English pipeline if there is one,
        else the offline one; or the name of an installed spaCy pipeline.

    Returns
    -------
    spacy.language.Language

    Examples
    --------
    >>> nlp = build_pipeline("blank")
    >>> [token.lemma_ for token in nlp("The clerks were helpful")]
    ['the', 'clerk', 'be', 'helpful']
    """
    if model == "auto":
        model = installed_trained_pipeline() or "blank"
    if model == "blank":
        nlp = spacy.blank("en")
        nlp.add_pipe(LOOKUP_LEMMATIZER)
        nlp.add_pipe("sentencizer")
        return nlp
    if not spacy.util.is_package(model):
        raise TextPipelineError(
            f"the spaCy pipeline {model!r} is not installed",
            hint=f"install it (python -m spacy download {model}) or use model='blank', "
            "which works offline",
        )
    return spacy.load(model)


def pipeline_name(nlp: Language) -> str:
    """Describe a pipeline for method sections ("blank English + lookup lemmas" or its name)."""
    if LOOKUP_LEMMATIZER in nlp.pipe_names:
        return "spaCy blank English + lookup lemmatizer + sentencizer (offline)"
    return f"spaCy {nlp.meta.get('name', '?')} {nlp.meta.get('version', '')}".strip()


@dataclass(frozen=True)
class LemmaOptions:
    """Which tokens :func:`lemmatize` keeps.

    Attributes
    ----------
    drop_stop : bool
        Drop stop words ("the", "and", …).
    drop_punct : bool
        Drop punctuation and whitespace.
    drop_numbers : bool
        Drop numbers and number-like tokens ("3", "three", "2,500").
    min_length : int
        Drop lemmas shorter than this many characters.
    """

    drop_stop: bool = True
    drop_punct: bool = True
    drop_numbers: bool = True
    min_length: int = 2

    def keep(self, token: Token) -> bool:
        """True if ``token`` should be kept."""
        if self.drop_punct and (token.is_punct or token.is_space):
            return False
        if self.drop_stop and token.is_stop:
            return False
        if self.drop_numbers and token.like_num:
            return False
        return len(token.lemma_) >= self.min_length


def pipe(
    texts: Iterable[str],
    nlp: Language,
    *,
    batch_size: int = 256,
    progress: bool | None = None,
    total: int | None = None,
) -> Iterator[Doc]:
    """Run ``nlp`` over many texts in batches, with a progress bar on long runs.

    Parameters
    ----------
    texts : iterable of str
        The texts; missing values (None, NaN) become empty documents.
    nlp : Language
        A pipeline from :func:`build_pipeline`.
    batch_size : int
        Texts per batch handed to spaCy.
    progress : bool, optional
        Show a tqdm progress bar; by default only for 2,000 texts or more.
    total : int, optional
        Number of texts, for the progress bar when ``texts`` has no ``len``.

    Examples
    --------
    >>> nlp = build_pipeline("blank")
    >>> [len(doc) for doc in pipe(["Two words", None], nlp)]
    [2, 0]
    """
    if total is None and hasattr(texts, "__len__"):
        total = len(texts)  # type: ignore[arg-type]
    if progress is None:
        progress = total is not None and total >= _PROGRESS_MIN_TEXTS
    cleaned = (_as_text(text) for text in texts)
    docs = nlp.pipe(cleaned, batch_size=batch_size)
    if progress:
        docs = tqdm(docs, total=total, desc="Reading texts", unit="text")
    yield from docs


@contextmanager
def lemmas_only(nlp: Language) -> Iterator[Language]:
    """Run ``nlp`` with only what lemmas need: no sentences, parse or named entities.

    Examples
    --------
    >>> nlp = build_pipeline("blank")
    >>> with lemmas_only(nlp):
    ...     "sentencizer" in nlp.pipe_names
    False
    >>> "sentencizer" in nlp.pipe_names
    True
    """
    unused = [name for name in _NOT_FOR_LEMMAS if name in nlp.pipe_names]
    with nlp.select_pipes(disable=unused):
        yield nlp


def lemmatize(
    texts: Iterable[str],
    nlp: Language | None = None,
    *,
    options: LemmaOptions | None = None,
    batch_size: int = 256,
    progress: bool | None = None,
) -> list[list[str]]:
    """Turn each text into its list of content lemmas.

    Parameters
    ----------
    texts : iterable of str
        The texts (missing values give an empty list).
    nlp : Language, optional
        A pipeline from :func:`build_pipeline`; the offline one by default.
    options : LemmaOptions, optional
        Which tokens to keep.
    batch_size : int
        Texts per spaCy batch.
    progress : bool, optional
        Progress bar (default: only on long runs).

    Returns
    -------
    list of list of str

    Examples
    --------
    >>> lemmatize(["The inspectors came 3 times!", "The Inspector came."])
    [['inspector', 'come', 'time'], ['inspector', 'come']]
    """
    nlp = nlp or build_pipeline("blank")
    options = options or LemmaOptions()
    with lemmas_only(nlp):
        return [
            [token.lemma_ for token in doc if options.keep(token)]
            for doc in pipe(texts, nlp, batch_size=batch_size, progress=progress)
        ]


def tokens_table(texts: Iterable[str], nlp: Language | None = None) -> pd.DataFrame:
    """Return one row per token: text number, sentence, offsets, token, lemma and flags.

    Offsets are code points into each text, end exclusive (the study-wide convention).

    Examples
    --------
    >>> table = tokens_table(["Permits wait. Ok"])
    >>> table[["sentence", "token", "lemma"]].values.tolist()
    [[0, 'Permits', 'permit'], [0, 'wait', 'wait'], [0, '.', '.'], [1, 'Ok', 'okay']]
    """
    nlp = nlp or build_pipeline("blank")
    rows = []
    for text_id, doc in enumerate(pipe(texts, nlp)):
        for sentence_number, sentence in enumerate(doc.sents):
            for token in sentence:
                if token.is_space:
                    continue
                rows.append(
                    {
                        "text_id": text_id,
                        "sentence": sentence_number,
                        "start": token.idx,
                        "end": token.idx + len(token.text),
                        "token": token.text,
                        "lemma": token.lemma_,
                        "is_stop": token.is_stop,
                        "is_punct": token.is_punct,
                        "like_num": token.like_num,
                    }
                )
    columns = ["text_id", "sentence", "start", "end", "token", "lemma"]
    return pd.DataFrame(rows, columns=[*columns, "is_stop", "is_punct", "like_num"])


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    return str(value)


# -- PII: detection, redaction, pseudonyms -------------------------------------------------------
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Kinds of personal information :func:`find_pii` reports.
PII_KINDS = ("email", "phone", "address", "name")
_PII_COLUMNS = ["start", "end", "kind", "text"]
_Span = tuple[int, int, str]

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)

# -- phones --
# A number is not after a word character, "$", "/", "#" or "-" (money, dates, "BP-2025-…",
# "#48213"), nor a digit and "." or "," ("2,500"); it is not followed by more of a number.
_NUMBER_START = r"(?<![\w$/#-])(?<!\d[.,])"
_NUMBER_END = r"(?!\w|[.,-]\d)"
_EXTENSION = r"(?:\s*,?\s*(?i:ext|extension|extensi[oó]n|x)\.?\s?\d{1,5})?"
# North American numbers: an exchange never starts with 0 or 1, so "1 500" or "100 2025" never
# match. With an area code any of space, "-" or "." separates (or nothing: "5035550199"); a
# local number needs "-", "." or one space ("555-0142", "555 0142").
_PHONE_US = re.compile(
    _NUMBER_START + r"(?:"
    r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])[2-9]\d{2}[\s.-]\d{4}"
    r"|1?[2-9]\d{2}[2-9]\d{6}"
    r"|[2-9]\d{2}(?:[.-]| )\d{4}"
    r")" + _EXTENSION + _NUMBER_END
)
# "+CC" and two to five groups ("+52 55 1234 5678", "+44 20 7946 0958", "+34 612 34 56 78");
# +1 is the US pattern's. Mexican local numbers are 2 + 4 + 4 digits ("55 1234 5678").
_PHONE_INTERNATIONAL = re.compile(
    _NUMBER_START + r"(?:\+[2-9]\d{0,2}(?:[ .-]\(?\d{1,5}\)?){2,5}"
    r"|[1-9]\d[ -]\d{4}[ -]\d{4})" + _EXTENSION + _NUMBER_END
)
# A number right after one of these words is an identifier, not a phone ("case 2025001234").
_ID_BEFORE = re.compile(
    r"(?i:\b(?:case|caso|permit|permiso|invoice|factura|folio|order|orden|account|cuenta|ref"
    r"|po|id|expediente|solicitud|application|record|ticket)\.?(?:\s+(?:number|n[uú]mero|no\.?))?"
    r"|\bn[oº°]\.|\bn[uú]m\.)\s*#?\s*$"
)
# Years then a zero-padded sequence ("2025001234") are record numbers.
_YEAR_RUN = re.compile(r"(?:19|20)\d\d00\d{4}")
_PHONE_MIN_DIGITS, _PHONE_MAX_DIGITS = 7, 15

# -- addresses --
_SUFFIX_WORDS = (
    "Street|Avenue|Boulevard|Road|Drive|Lane|Way|Court|Place|Terrace|Parkway|Highway|Circle"
    "|Square|Trail|Loop|Alley"
)
_SUFFIX_ABBREVIATIONS = "St|Ave|Av|Blvd|Rd|Dr|Ln|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl"
_STREET_SUFFIX = rf"(?:(?:{_SUFFIX_WORDS})\b|(?:{_SUFFIX_ABBREVIATIONS})\b\.?)"
#: Suffixes that are also everyday words ("each way", "court", "place"): only capitalised.
_COMMON_WORD_SUFFIXES = _word_set("lane way court place terrace circle square trail loop alley")
_SUFFIXES = frozenset(
    word.lower() for word in f"{_SUFFIX_WORDS}|{_SUFFIX_ABBREVIATIONS}".split("|")
)
_DIRECTION = r"(?i:NE|NW|SE|SW|North|South|East|West|[NSEW])\.?"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
# A word of a street name; a full stop only after the usual abbreviations ("Jr.", "Mt."), so a
# sentence end is never inside an address.
_WORD = r"(?:(?:Jr|Sr|St|Mt|Ft)\.|[^\W\d_][\w'’-]*)"
#: DC-style quadrants after the suffix ("14th Street NW").
_QUADRANT = r"(?:[ \t]+(?:NE|NW|SE|SW)\b)"
_UNIT = (
    r"(?:,?\s+(?i:Apt|Apto|Apartment|Apartamento|Unit|Suite|Ste|Depto|Dpto|Departamento"
    r"|Int|Interior|Local)\.?\s*[\w-]+|\s*#\s*\w[\w-]*)"
)
# A house number, an optional direction, one to four words (or "5th"), a suffix, an optional
# unit. Words may be lower case ("412 harmon ave") only with a suffix that is not an everyday
# word. A street name without a number ("Harmon Avenue") is a place, not an address.
_ADDRESS_EN = re.compile(
    r"(?<![\w$.,#-])\d{1,6}[A-Za-z]?[ \t]+"
    rf"(?:{_DIRECTION}[ \t]+)?"
    rf"(?P<name>(?:{_ORDINAL}|{_WORD})(?:[ \t]+{_WORD}){{0,3}}?)[ \t]+"
    rf"(?P<suffix>(?i:{_STREET_SUFFIX})){_QUADRANT}?(?P<unit>{_UNIT})?(?!\w)"
)
# Spanish: a street type, its name (words, "de la", numbers as in "5 de Mayo"), then the house
# number, perhaps after "No.", "núm." or "#" ("Calle Olmo 123", "Av. Juárez 45").
_STREET_TYPE_ES = (
    r"(?:(?:Calle|Avenida|Av|Avda|Blvd|Bulevar|Calzada|Calz|Callej[oó]n|Privada|Priv|Paseo"
    r"|Carretera|Camino|Cerrada|Circuito|Andador|Prolongaci[oó]n|Diagonal)"
    r"|(?:calle|avenida|av|avda|blvd|calzada|callej[oó]n|privada))\b\.?"
)
_ADDRESS_ES = re.compile(
    rf"(?<![\w-]){_STREET_TYPE_ES}\s+"
    rf"(?P<name>(?:{_WORD}|\d{{1,2}})(?:\s+(?:{_WORD}|\d{{1,2}})){{0,4}}?)\s*,?\s*"
    r"(?:(?i:No|N[uú]m|N[uú]mero|N[°º])\.?\s*|#\s*)?"
    r"\d{1,5}[A-Za-z]?(?![\w/:]|[.,-]\d)"
    rf"(?P<unit>{_UNIT})?"
)
#: Words that may join a Spanish street name ("5 de Mayo", "Paseo de la Reforma").
_STREET_NAME_JOINERS = _word_set("de del la las los el y")
# Intersections. A street here is an ordinal ("5th", "82nd") or one or two capitalised words,
# with an optional direction and suffix ("SE 82nd Ave", "Main St", "Alder").
_STREET_NAME = (
    rf"(?:(?:NE|NW|SE|SW|[NSEW])\.?\s+)?"
    rf"(?:{_ORDINAL}|[A-ZÁÉÍÓÚÑ][^\W\d_]+(?:[ \t]+[A-ZÁÉÍÓÚÑ][^\W\d_]+)?)"
    rf"(?:[ \t]+{_STREET_SUFFIX})?{_QUADRANT}?"
)
# After "corner of" / "esquina de", any two streets (and a bare number: "la 82").
_CORNER = re.compile(
    r"(?i:corner\s+of|intersection\s+of|esquina\s+de|esquina\s+con|esquina)\s+"
    r"(?:(?i:the|la|el)\s+)?"
    rf"(?P<span>(?:{_STREET_NAME}|\d{{1,3}})\s+(?i:and|&|y|with|con)\s+(?:(?i:the|la|el)\s+)?"
    rf"(?:{_STREET_NAME}|\d{{1,3}}))(?!\w)"
)
# Without such words, "X & Y" (or "X and Y", "X y Y" right after "at" / "en": a place, not a
# list of corridors) only when X or Y has a suffix or is an ordinal, and not two bare ordinals
# ("the 2nd and 4th Tuesday").
_CROSSING = re.compile(
    rf"(?:(?<![\w-])(?P<x>{_STREET_NAME})[ \t]*&[ \t]*(?P<y>{_STREET_NAME})"
    rf"|(?<=\b(?i:at|en)[ \t])(?P<x2>{_STREET_NAME})[ \t]+(?i:and|y)[ \t]+(?P<y2>{_STREET_NAME}))"
    r"(?!\w)"
)
_ORDINAL_WORD = re.compile(_ORDINAL + r"$")

# -- names --
_CAPITALISED = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+(?:['’-][A-ZÁÉÍÓÚÑÜa-záéíóúñü][a-záéíóúñü]+)*"
# After a listed first name: one or two capitalised words, its surname ("Denise Tran",
# "Marisol Ortega-Ruiz", "Marisol Ortega Ruiz"). All-caps words are not taken ("DENISE WAS").
_NEXT_CAPITALISED = re.compile(r"[ \t]+[A-ZÁÉÍÓÚÑÜ]")
_SURNAME_AFTER = re.compile(rf"[ \t]+({_CAPITALISED})(?:[ \t]+({_CAPITALISED}))?(?!\w)")
# Titles and honorifics, English and Spanish, then a capitalised name: "Officer Ramirez",
# "Ms. Chen", "la señora Gómez", "Sr. Pérez", "doña Rosa". The title is not part of the span.
_HONORIFIC = re.compile(
    r"(?<![\w./])(?i:(?:mr|mrs|ms|mx|dr|sr|sra|srta|lic|ing|arq|prof)\.?"
    r"|officer|inspector|inspectora|detective|sergeant|sgt\.?|deputy|captain|chief|judge"
    r"|commissioner|councilor|councillor|councilmember|director|directora|professor|oficial"
    r"|agente|se[ñn]or|se[ñn]ora|se[ñn]orita|don|do[ñn]a|licenciad[oa]|ingenier[oa]"
    r"|doctor|doctora|profesor|profesora)"
    rf"[ \t]+({_CAPITALISED})(?:[ \t]+({_CAPITALISED}))?(?!\w)"
)
# "ms chen": after Mr, Mrs or Ms a lower-case word is a name too (survey answers).
_HONORIFIC_LOWER = re.compile(r"(?<![\w./])(?i:mr|mrs|ms)\.?[ \t]+([^\W\d_]{2,})(?!\w)")
_WEEKDAYS_MONTHS = _word_set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may"
    " june july august september october november december lunes martes miércoles miercoles"
    " jueves viernes sábado sabado domingo enero febrero marzo abril mayo junio julio agosto"
    " septiembre setiembre octubre noviembre diciembre"
)
#: Counting words: "3 weeks", "45 días", "2 months each way" are never street names.
_UNITS = _word_set(
    "sq ft feet foot mi mile miles block blocks yard yards min mins minute minutes second"
    " seconds hour hours hr hrs day days week weeks month months year years time times"
    " people person percent dollar dollars bucks cents pie pies metro metros cuadra cuadras"
    " minuto minutos hora horas dia día dias días semana semanas mes meses año años ano anos"
    " vez veces persona personas dólar dólares dolar dolares peso pesos"
)
#: Titles are not names ("Deputy Director", "Inspector General").
_HONORIFIC_WORDS = _word_set(
    "mr mrs ms mx dr sr sra srta lic ing arq prof officer inspector inspectora detective"
    " sergeant sgt deputy captain chief judge commissioner councilor councillor councilmember"
    " director directora professor oficial agente señor señora señorita senor senora senorita"
    " don doña dona licenciado licenciada ingeniero ingeniera doctor doctora profesor profesora"
    " general"
)


@functools.cache
def _ordinary_words() -> frozenset[str]:
    """Lower-case words that are never part of a street name: stop words and units."""
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH
    from spacy.lang.es.stop_words import STOP_WORDS as SPANISH

    return frozenset(ENGLISH | SPANISH) | _UNITS


def _is_ordinary(word: str) -> bool:
    return word.strip(".’'").lower() in _ordinary_words()


def _is_title(word: str) -> bool:
    return word.strip(".").lower() in _HONORIFIC_WORDS


def _cannot_be_a_name(word: str) -> bool:
    """Stop words, units, weekdays, months, titles and street suffixes are not names."""
    bare = word.strip(".’'").lower()
    return (
        bare in _ordinary_words()
        or bare in _WEEKDAYS_MONTHS
        or bare in _HONORIFIC_WORDS
        or bare in _SUFFIXES
    )


def _phone_spans(text: str) -> list[_Span]:
    spans = []
    for pattern in (_PHONE_US, _PHONE_INTERNATIONAL):
        for match in pattern.finditer(text):
            digits = sum(char.isdigit() for char in match.group())
            if not _PHONE_MIN_DIGITS <= digits <= _PHONE_MAX_DIGITS:
                continue
            if not match.group().startswith(("+", "(")) and _looks_like_an_id(text, match):
                continue
            spans.append((match.start(), match.end(), "phone"))
    return spans


def _looks_like_an_id(text: str, match: re.Match) -> bool:
    """A number after "case", "permit", "#" …, or a year run: a record number."""
    if _ID_BEFORE.search(text, max(0, match.start() - 24), match.start()):
        return True
    return bool(_YEAR_RUN.fullmatch(match.group()))


def _address_spans(text: str) -> list[_Span]:
    spans = _scan(_ADDRESS_EN, text, _plausible_english_street)
    spans += _scan(_ADDRESS_ES, text, _plausible_spanish_street)
    spans += [(m.start("span"), m.end("span"), "address") for m in _CORNER.finditer(text)]
    spans += _scan(_CROSSING, text, _plausible_crossing)
    return spans


def _scan(pattern: re.Pattern, text: str, accept) -> list[_Span]:
    """Every match ``accept`` takes; after a refused one, look again one character later."""
    spans = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if accept(text, match):
            spans.append((match.start(), match.end(), "address"))
            position = match.end()
        else:
            position = match.start() + 1
    return spans


def _plausible_english_street(text: str, match: re.Match) -> bool:
    words = match.group("name").split()
    if any(_is_ordinary(word) for word in words):
        return False  # "2 Months Each Way", "3 trips to Alder St"
    suffix = match.group("suffix")
    named = [word for word in words if not word[0].isdigit()]
    if suffix[0].isupper() and any(word[0].islower() for word in named):
        return False  # "in 2025 connecting lower Wisconsin Avenue"
    if suffix.islower():
        if any(word[0].isupper() for word in named):
            return False
        clash = any(word.strip(".").lower() in _SUFFIXES for word in words)
        everyday = suffix.strip(".").lower() in _COMMON_WORD_SUFFIXES
        return not (clash or everyday)  # not "a 2 lane road", "2 months each way"
    return True


def _plausible_spanish_street(text: str, match: re.Match) -> bool:
    words = [word for word in match.group("name").split() if not word.isdigit()]
    named = [word for word in words if word.lower() not in _STREET_NAME_JOINERS]
    if not named or any(_is_ordinary(word) for word in named):
        return False  # "la calle hay 3 baches"
    following = text[match.end() :].split(maxsplit=1)
    return not (following and following[0].strip(".,;").lower() in _UNITS)


def _plausible_crossing(text: str, match: re.Match) -> bool:
    x_words = (match.group("x") or match.group("x2")).split()
    y_words = (match.group("y") or match.group("y2")).split()
    if x_words[0].strip(".").lower() in _SUFFIXES:
        return False  # "Street NW & …": the start of the name was before
    if any(_is_ordinary(word) or word.lower() in _WEEKDAYS_MONTHS for word in x_words + y_words):
        return False  # "The", "April"
    before = text[: match.start()].split()[-1:]
    if before and before[0].lower() in _WEEKDAYS_MONTHS:
        return False  # "March 3rd and April 10th"

    def street_like(words: list[str]) -> bool:
        return words[-1].strip(".").lower() in _SUFFIXES or any(
            _ORDINAL_WORD.match(word) for word in words
        )

    def bare_ordinal(words: list[str]) -> bool:
        return len(words) == 1 and bool(_ORDINAL_WORD.match(words[0]))

    if bare_ordinal(x_words) and bare_ordinal(y_words):
        return False  # "the 2nd and 4th Tuesday"
    return street_like(x_words) or street_like(y_words)


def _name_spans(text: str, names: tuple[str, ...]) -> list[_Span]:
    """Listed names (with the surname that follows), titled names, then those surnames alone."""
    spans: list[_Span] = []
    # The surname of a listed full name ("Denise Tran") is hidden alone too ("Tran said"),
    # unless it is an ordinary word ("Ward", "May") that would hide far more than a name.
    surnames: set[str] = {
        word
        for name in names
        for word in str(name).split()[1:]
        if word[:1].isupper() and not _cannot_be_a_name(word)
    }
    pattern = _names_pattern(names)
    if pattern is not None:
        for match in pattern.finditer(text):
            end = match.end()
            words = match.group().split()
            if len(words) > 1:
                surnames.update(words[1:])
            elif following := _SURNAME_AFTER.match(text, end):
                taken = _leading_names(_surname_words(text, following))
                if taken:
                    surnames.update(taken)
                    end = following.end(len(taken))
            spans.append((match.start(), end, "name"))
    for pattern_ in (_HONORIFIC, _HONORIFIC_LOWER):
        for match in pattern_.finditer(text):
            # A second title comes before the name: "Deputy Director Alvarez".
            first = 2 if match.lastindex == 2 and _is_title(match.group(1)) else 1
            words = [word for word in match.groups()[first - 1 :] if word]
            taken = _leading_names(words)
            if taken:
                spans.append((match.start(first), match.end(first + len(taken) - 1), "name"))
                surnames.update(word for word in taken if word[0].isupper())
    spans += _surname_spans(text, surnames, names)
    return spans


def _surname_words(text: str, following: re.Match) -> list[str]:
    """The one or two capitalised words after a listed name; only one if more follow.

    A longer capitalised run is a title or a department ("Denise Tran Plan Review"), of which
    only the first word is taken as the surname.
    """
    words = [word for word in following.groups() if word]
    if len(words) == 2 and _NEXT_CAPITALISED.match(text, following.end()):
        return words[:1]
    return words


def _leading_names(words: list[str]) -> list[str]:
    """The words up to the first that cannot be a name ("Tran" of "Tran Monday")."""
    taken = []
    for word in words:
        if _cannot_be_a_name(word):
            break
        taken.append(word)
    return taken


def _surname_spans(text: str, surnames: set[str], names: tuple[str, ...]) -> list[_Span]:
    """Each surname alone, as written or in capitals ("later Tran said", "TRAN")."""
    # A listed name's first word is already found on its own by the names pattern.
    listed = {str(name).split()[0].casefold() for name in names if str(name).split()}
    wanted = sorted(
        (s for s in surnames if len(s) >= 2 and s.casefold() not in listed), key=len, reverse=True
    )
    if not wanted:
        return []
    variants = {form for surname in wanted for form in (surname, surname.upper())}
    # Not before a number: "Ward 4" is a place even where a "Kim Ward" took part.
    alone = re.compile(
        r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(variants, key=len, reverse=True))) + r")"
        r"(?!\w)(?!\s+\d)"
    )
    return [(m.start(), m.end(), "name") for m in alone.finditer(text)]


def find_pii(text: str, *, names: Iterable[str] = (), nlp: Language | None = None) -> pd.DataFrame:
    """Find personal information in a text: e-mails, phone numbers, street addresses, names.

    Regular expressions, English and Spanish, with no model needed:

    - e-mails, upper or lower case, with "+tags" and subdomains;
    - phone numbers: North American with or without separators ("5035550199",
      "503 555 0199", "(503)555-0199", "555-0142", "555 0142", "+1 503 555 0199",
      "1-800-555-0199") and an extension ("ext. 12", "x204"); international "+CC" numbers of
      two to five groups ("+52 55 1234 5678", "+44 20 7946 0958", "+34 612 34 56 78");
      Mexican local numbers ("55 1234 5678"). A number right after "case", "permit", "#",
      "folio" … is a record number, and so is a year run ("2025001234");
    - street addresses: a house number, street and suffix with an optional unit
      ("1418 SE Harmon Ave, Apt 4B", "412 harmon ave"); Spanish street types with the number
      after the name ("Calle Olmo 123", "Av. Juárez 45", "Avenida Reforma No. 45"); and
      intersections ("corner of 5th and Alder", "esquina de Juárez y Morelos", and
      "Main St & 3rd Ave" or "Main & 3rd" when a side has a suffix or is an ordinal). A street
      name without a house number ("Harmon Avenue") is not reported: it names a place, not
      where someone lives; nor are counts ("2 Months Each Way"), dates ("March 3rd and April
      10th") or departments ("Building & Safety");
    - names: the given ``names`` (whole words, any case, accents optional; the first word of a
      multi-word name is also looked for on its own); the one or two capitalised words after a
      listed name, taken as its surname ("Denise Tran"); names after a title or honorific
      ("Officer Ramirez", "Ms. Chen", "la señora Gómez", "Sr. Pérez", "doña Rosa"; the title
      itself is not reported); then any of those surnames alone elsewhere in the same text
      ("later Tran said"). Bare names nobody listed ("John said") are found only through
      ``nlp``: its PERSON entities when it has an entity recogniser (a trained pipeline; the
      offline blank one has none and is skipped).

    A span inside a longer one is dropped; spans that only partly overlap are both reported, and
    :func:`redact` resolves that. ``benchmarks/bench_redaction.py`` measures all of this on a
    hand-labelled corpus.

    Parameters
    ----------
    text : str
    names : iterable of str
        Names to find (participants, people mentioned); first names are enough.
    nlp : Language, optional
        A spaCy pipeline; used only if it has an ``ner`` component.

    Returns
    -------
    pandas.DataFrame
        ``start``, ``end`` (code points, end exclusive), ``kind``, ``text``, ordered by start.

    Examples
    --------
    >>> found = find_pii("Call Dana Ortiz at (503) 555-0199 or dana@example.org",
    ...                  names=["Dana Ortiz"])
    >>> found[["kind", "text"]].values.tolist()
    [['name', 'Dana Ortiz'], ['phone', '(503) 555-0199'], ['email', 'dana@example.org']]
    >>> found = find_pii("I called Denise Tran at 5035550199. Later Tran said no.",
    ...                  names=["Denise"])
    >>> found["text"].tolist()
    ['Denise Tran', '5035550199', 'Tran']
    >>> find_pii("esquina de Juárez y Morelos; Sr. Pérez; permit #48213")["text"].tolist()
    ['Juárez y Morelos', 'Pérez']
    """
    text = _as_text(text)
    return _frame(text, _pii_spans(text, _clean_names(names), nlp))


def _pii_spans(text: str, names: tuple[str, ...], nlp: Language | None) -> list[_Span]:
    """All the spans of :func:`find_pii`, by start, without those inside a longer one."""
    spans = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    spans += _phone_spans(text) + _address_spans(text) + _name_spans(text, names)
    if nlp is not None and "ner" in nlp.pipe_names and text:
        spans += [
            (ent.start_char, ent.end_char, "name")
            for ent in nlp(text).ents
            if ent.label_ == "PERSON"
        ]
    spans = list(set(spans))
    # A span inside a longer one ("dana" in "dana@example.org") is part of it, not news.
    spans = [
        (start, end, kind)
        for start, end, kind in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    ]
    return sorted(spans, key=lambda span: (span[0], -span[1], span[2]))


def _frame(text: str, spans: list[_Span]) -> pd.DataFrame:
    return pd.DataFrame(
        [(start, end, kind, text[start:end]) for start, end, kind in spans], columns=_PII_COLUMNS
    ).astype({"start": "int64", "end": "int64"})


def _without_overlaps(spans: list[_Span]) -> list[_Span]:
    """Longest first (then by :data:`PII_KINDS` order), each span that overlaps none kept."""
    priority = {kind: rank for rank, kind in enumerate(PII_KINDS)}
    ranked = sorted(spans, key=lambda span: (span[0] - span[1], priority.get(span[2], 99), span[0]))
    kept: list[_Span] = []
    for start, end, kind in ranked:
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in kept):
            kept.append((start, end, kind))
    return sorted(kept)


def redaction_spans(
    text: str, *, names: Iterable[str] = (), nlp: Language | None = None
) -> pd.DataFrame:
    """The spans :func:`redact` replaces: :func:`find_pii`'s, with overlaps resolved.

    Overlapping spans are resolved longest first (an e-mail beats a name inside it); of two
    spans of the same length, the kind listed first in :data:`PII_KINDS` wins. Useful to show a
    researcher what a stakeholder will not see, and to measure what redaction leaves visible.

    Parameters
    ----------
    text : str
    names : iterable of str
        Names to hide (see :func:`find_pii`).
    nlp : Language, optional
        A spaCy pipeline; its PERSON entities count when it has an ``ner`` component.

    Returns
    -------
    pandas.DataFrame
        ``start``, ``end``, ``kind``, ``text`` of the spans that do not overlap, by start.

    Examples
    --------
    >>> spans = redaction_spans("Dana (dana@example.org)", names=["Dana"])
    >>> spans[["kind", "text"]].values.tolist()
    [['name', 'Dana'], ['email', 'dana@example.org']]
    """
    text = _as_text(text)
    return _frame(text, _without_overlaps(_pii_spans(text, _clean_names(names), nlp)))


def redact(
    text: str,
    *,
    names: Iterable[str] = (),
    nlp: Language | None = None,
    placeholder: str = "[{kind}]",
) -> str:
    """Replace the personal information :func:`find_pii` finds with placeholders.

    E-mails, phone numbers (North American and international), street addresses and
    intersections (English and Spanish), listed names with their surnames, and names after a
    title; see :func:`find_pii` for the rules. Overlapping spans are resolved longest first (an
    e-mail beats a name inside it; see :func:`redaction_spans`). Regular expressions only (no
    model unless ``nlp`` has one), so it is fast enough for every quote of a brief.

    Parameters
    ----------
    text : str
    names : iterable of str
        Names to hide (see :func:`find_pii`); first names are enough, the surname that follows
        one is hidden too, here and alone elsewhere in the text.
    nlp : Language, optional
        A spaCy pipeline; its PERSON entities are hidden too when it has an ``ner`` component.
    placeholder : str
        Replacement text; ``{kind}`` becomes email, phone, address or name.

    Examples
    --------
    >>> redact("Ask Maria Lopez (maria.lopez@example.org, 555-0142) at 12 Alder St.",
    ...        names=["Maria Lopez"])
    'Ask [name] ([email], [phone]) at [address]'
    >>> redact("Ward 2 paid $1,500 for 2,500 sq ft on Harmon Avenue.")
    'Ward 2 paid $1,500 for 2,500 sq ft on Harmon Avenue.'
    >>> redact("A: Denise Tran took it. Tran called 555 0142.", names=["Denise"])
    'A: [name] took it. [name] called [phone].'
    >>> redact("Vivo en Calle Olmo 123; la señora Gómez tiene mi cel +52 55 1234 5678.")
    'Vivo en [address]; la señora [name] tiene mi cel [phone].'
    """
    text = _as_text(text)
    kept = _without_overlaps(_pii_spans(text, _clean_names(names), nlp))
    pieces: list[str] = []
    cursor = 0
    for start, end, kind in kept:
        pieces += [text[cursor:start], placeholder.format(kind=kind)]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def pseudonym(participant_id: object, *, salt: str, prefix: str = "R-", length: int = 6) -> str:
    """A stable pseudonymous id for a participant, from a keyed hash (HMAC-SHA-256).

    The same id and salt always give the same pseudonym; different salts give unrelated ones.
    Pass the study's name as ``salt`` for ids that are stable within a study. Anyone who knows
    the salt and can guess the original ids ("P01" … "P99") can rebuild the mapping, so use a
    secret salt (kept out of the brief) when the originals are guessable and that matters.
    Six hex digits keep collisions unlikely up to a few thousand ids.

    Parameters
    ----------
    participant_id : object
        The original id (converted to text).
    salt : str
        The key of the hash.
    prefix : str
        Text before the hash.
    length : int
        Hex digits kept (4 to 64).

    Examples
    --------
    >>> pseudonym("P02", salt="Port Alder") == pseudonym("P02", salt="Port Alder")
    True
    >>> pseudonym("P02", salt="Port Alder") != pseudonym("P03", salt="Port Alder")
    True
    >>> len(pseudonym("P02", salt="Port Alder", length=4))
    6
    """
    if not 4 <= length <= 64:
        raise ValueError("length must be between 4 and 64 hex digits")
    digest = hmac.new(
        str(salt).encode("utf-8"), str(participant_id).encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return prefix + digest[:length].upper()


def _clean_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names as a tuple of single-spaced strings, without missing values."""
    cleaned = []
    for name in names:
        if name is None or (isinstance(name, float) and name != name):
            continue
        words = str(name).split()
        if words:
            cleaned.append(" ".join(words))
    return tuple(cleaned)


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """One case-insensitive whole-word pattern for the names and their first words.

    Accents are optional ("Tomás" finds "Tomas" and "TOMAS"): survey answers often drop them.
    """
    wanted: set[str] = set()
    for name in names:
        words = name.split()
        wanted.add(name)
        if len(words) > 1 and len(words[0].strip(".")) >= 2:
            wanted.add(words[0])
    if not wanted:
        return None
    # Longest first, so "Maria Lopez" wins over "Maria"; any run of spaces between words.
    parts = [
        r"\s+".join(_accents_optional(word) for word in name.split())
        for name in sorted(wanted, key=len, reverse=True)
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _accents_optional(word: str) -> str:
    """A pattern for ``word`` in which each accented letter may also be written without it."""
    parts = []
    for char in word:
        base = unicodedata.normalize("NFD", char)[0]
        parts.append(f"[{char}{base}]" if base != char else re.escape(char))
    return "".join(parts)

"""The one place that builds research_kit's spaCy pipeline and turns text into lemmas.

By default the pipeline works offline with nothing to download: spaCy's blank English tokenizer,
a lemmatizer that looks words up (lower-cased, so "The" and "the" agree) in the table shipped by
``spacy-lookups-data``, and a rule-based sentencizer. When the user has a trained English
pipeline installed (``en_core_web_sm`` and friends), ``model="auto"`` uses it instead, which also
brings part-of-speech tags and named entities. Texts are processed in batches with ``nlp.pipe``.

PII for stakeholder outputs: :func:`find_pii` finds e-mail addresses, US phone numbers, street
addresses and names (a given list, plus spaCy's PERSON entities when the pipeline has an entity
recogniser), :func:`redact` replaces them with placeholders, and :func:`pseudonym` turns a
participant id into a stable pseudonymous id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
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
#: Kinds of personal information :func:`find_pii` reports.
PII_KINDS = ("email", "phone", "address", "name")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# US numbers: +1 / 1, an optional area code (bare or in brackets), then 3 + 4 digits; a local
# number without area code needs a "-" or "." ("555-0142"), so "2,500" or "1 500" never match.
# Not after a word character, "$", "-" or "/" (case numbers, dates, money).
_PHONE = re.compile(
    r"(?<![\w$/-])(?:"
    r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
    r"|\d{3}[.-]\d{4}"
    r")(?![\w]|[.-]\d)"
)
# Full words, then abbreviations (which may carry a full stop: "St.").
_STREET_SUFFIX = (
    r"(?:(?:Street|Avenue|Boulevard|Road|Drive|Lane|Way|Court|Place|Terrace|Parkway|Highway"
    r"|Circle|Square|Trail|Loop|Alley)\b"
    r"|(?:St|Ave|Av|Blvd|Rd|Dr|Ln|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl)\b\.?)"
)
# A house number, an optional direction, one to four capitalised words (or "5th"), a suffix and
# an optional unit. A street name without a number ("Harmon Avenue") is a place, not an address.
_ADDRESS = re.compile(
    r"(?<![\w$.,-])\d{1,6}[A-Za-z]?\s+"
    r"(?:(?:[NSEW]\.?|North|South|East|West)\s+)?"
    r"(?:[A-Z][A-Za-z'-]+|\d{1,3}(?:st|nd|rd|th))(?:\s+[A-Z][A-Za-z'-]+){0,3}\s+"
    + _STREET_SUFFIX
    + r"(?:,?\s+(?:Apt|Unit|Suite|Ste|#)\.?\s*[\w-]+)?"
)
_PII_COLUMNS = ["start", "end", "kind", "text"]


def find_pii(text: str, *, names: Iterable[str] = (), nlp: Language | None = None) -> pd.DataFrame:
    """Find personal information in a text: e-mails, phone numbers, street addresses, names.

    Names are the given ``names`` (whole words, case-insensitive; the first word of a
    multi-word name is also looked for on its own) plus the PERSON entities of ``nlp`` when it
    has an entity recogniser (a trained pipeline; the offline blank one has none and is
    skipped). Phone numbers are US formats ("555-0142", "(503) 555-0199", "+1 503 555 0199").
    A street name without a house number ("Harmon Avenue") is not reported: it names a place,
    not where someone lives. A span inside a longer one is dropped; spans that only partly
    overlap are both reported, and :func:`redact` resolves that.

    Parameters
    ----------
    text : str
    names : iterable of str
        Names to find (participants, people mentioned).
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
    """
    text = _as_text(text)
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in (("email", _EMAIL), ("phone", _PHONE), ("address", _ADDRESS)):
        spans += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    name_pattern = _names_pattern(names)
    if name_pattern is not None:
        spans += [(m.start(), m.end(), "name") for m in name_pattern.finditer(text)]
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
    rows = sorted(spans, key=lambda span: (span[0], -span[1], span[2]))
    return pd.DataFrame(
        [(start, end, kind, text[start:end]) for start, end, kind in rows], columns=_PII_COLUMNS
    ).astype({"start": "int64", "end": "int64"})


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
    found = find_pii(text, names=names, nlp=nlp)
    priority = {kind: rank for rank, kind in enumerate(PII_KINDS)}
    spans = sorted(
        zip(found["start"], found["end"], found["kind"], strict=True),
        key=lambda span: (-(span[1] - span[0]), priority.get(span[2], 99), span[0]),
    )
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in kept):
            kept.append((int(start), int(end), str(kind)))
    return pd.DataFrame(
        [(start, end, kind, text[start:end]) for start, end, kind in sorted(kept)],
        columns=_PII_COLUMNS,
    ).astype({"start": "int64", "end": "int64"})


def redact(
    text: str,
    *,
    names: Iterable[str] = (),
    nlp: Language | None = None,
    placeholder: str = "[{kind}]",
) -> str:
    """Replace the personal information :func:`find_pii` finds with placeholders.

    Overlapping spans are resolved longest first (an e-mail beats a name inside it; see
    :func:`redaction_spans`), and replacements run from the end of the text, so offsets stay
    right.

    Parameters
    ----------
    text : str
    names : iterable of str
        Names to hide (see :func:`find_pii`).
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
    """
    text = _as_text(text)
    kept = redaction_spans(text, names=names, nlp=nlp)
    for start, end, kind in reversed(
        list(zip(kept["start"], kept["end"], kept["kind"], strict=True))
    ):
        text = text[:start] + placeholder.format(kind=kind) + text[end:]
    return text


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


def _names_pattern(names: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive whole-word pattern for the names and their first words."""
    wanted: set[str] = set()
    for name in names:
        if name is None or (isinstance(name, float) and name != name):
            continue
        words = str(name).split()
        if not words:
            continue
        wanted.add(" ".join(words))
        if len(words) > 1 and len(words[0].strip(".")) >= 2:
            wanted.add(words[0])
    if not wanted:
        return None
    # Longest first, so "Maria Lopez" wins over "Maria"; any run of spaces between words.
    parts = [
        r"\s+".join(re.escape(word) for word in name.split())
        for name in sorted(wanted, key=len, reverse=True)
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)

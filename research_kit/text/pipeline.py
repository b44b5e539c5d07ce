"""The one place that builds research_kit's spaCy pipeline and turns text into lemmas.

By default the pipeline works offline with nothing to download: spaCy's blank English tokenizer,
a lemmatizer that looks words up (lower-cased, so "The" and "the" agree) in the table shipped by
``spacy-lookups-data``, and a rule-based sentencizer. When the user has a trained English
pipeline installed (``en_core_web_sm`` and friends), ``model="auto"`` uses it instead, which also
brings part-of-speech tags and named entities. Texts are processed in batches with ``nlp.pipe``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import spacy
from spacy.attrs import IS_STOP
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.tokens import Doc, Token
from tqdm.auto import tqdm

from research_kit.errors import ResearchKitError
from research_kit.text._values import as_text
from research_kit.text.negation import negated_lemmas, negation_words

#: Trained English pipelines tried, smallest first, when ``model="auto"``.
TRAINED_PIPELINES = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")
LOOKUP_LEMMATIZER = "research_kit_lookup_lemmatizer"
#: Below this many texts a progress bar is more noise than help.
_PROGRESS_MIN_TEXTS = 2_000
#: Components lemmas do not need (sentence boundaries, parse, entities), skipped for speed.
_NOT_FOR_LEMMAS = ("sentencizer", "senter", "parser", "ner")
#: Key in ``nlp.meta`` of the language a blank pipeline was built for (spaCy's own ``lang``
#: is "xx" when the multi-language tokenizer stands in).
_LANG_META = "research_kit_lang"


class TextPipelineError(ResearchKitError):
    """The requested spaCy pipeline cannot be built."""


@Language.factory(LOOKUP_LEMMATIZER)
def _make_lookup_lemmatizer(nlp: Language, name: str) -> _LookupLemmatizer:
    return _LookupLemmatizer(nlp.lang)


class _LookupLemmatizer:
    """Set ``token.lemma_`` from spaCy's lookup table, keyed by the lower-cased token."""

    def __init__(self, lang: str) -> None:
        self.table = _lemma_table(lang)
        self.fix = _LEMMA_FIXES.get(lang)

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            lemma = _lookup_lemma(self.table, token)
            token.lemma_ = self.fix(token.lower_, lemma) if self.fix else lemma
        return doc


def _lemma_table(lang: str) -> Mapping[str, str | list[str]]:
    """spaCy's lemma lookup table for ``lang``; empty (lemmas are lower-cased words) if none."""
    try:
        return load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    except ValueError:  # spacy-lookups-data has no lemma table for this language
        return {}


def _lookup_lemma(table, token: Token) -> str:
    lower = token.lower_
    lemma = table.get(lower, lower)
    return lemma if isinstance(lemma, str) else lemma[0]


def _spanish_plural_noun(word: str, lemma: str) -> str:
    """A Spanish plural in -ciones/-siones is a noun: its lemma is the singular in -ción/-sión.

    spaCy's table gives some of them a verb ("inspecciones" -> "inspeccionar", "condiciones"
    -> "condicionar") while the singular, absent from the table, stays "inspección": singular
    and plural answers would not share a lemma.
    """
    if word.endswith(("ciones", "siones")) and lemma.endswith(("ar", "er", "ir")):
        return word[: -len("ones")] + "ón"
    return lemma


#: Corrections of a lookup table's lemmas, by language.
_LEMMA_FIXES = {"es": _spanish_plural_noun}


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


def build_pipeline(model: str = "auto", *, lang: str = "en") -> Language:
    """Build the spaCy pipeline research_kit uses for all text work.

    Parameters
    ----------
    model : str
        ``"blank"`` for the offline pipeline (tokenizer, lower-cased lookup lemmatizer,
        sentencizer); ``"auto"`` for an installed trained English pipeline if there is one,
        else the offline one; or the name of an installed spaCy pipeline.
    lang : str
        The language of the offline pipeline (ISO 639-1 code): its tokenizer, stop words and
        lemma lookup table (``spacy-lookups-data`` has one for Spanish, "es", among others;
        without one, lemmas are the lower-cased words). A language spaCy has no tokenizer for
        (Somali, Hmong, Lao, Oromo) or whose tokenizer needs another package (Vietnamese) gets
        spaCy's multi-language tokenizer with that language's stop words when spaCy has them.
        For a language other than English, ``"auto"`` means ``"blank"``.

    Returns
    -------
    spacy.language.Language

    Examples
    --------
    >>> nlp = build_pipeline("blank")
    >>> [token.lemma_ for token in nlp("The clerks were helpful")]
    ['the', 'clerk', 'be', 'helpful']
    >>> spanish = build_pipeline("blank", lang="es")
    >>> [(token.lemma_, token.is_stop) for token in spanish("Nadie contesta el teléfono")]
    [('nadie', True), ('contestar', False), ('el', True), ('teléfono', False)]
    """
    if model == "auto":
        model = (installed_trained_pipeline() if lang == "en" else None) or "blank"
    if model == "blank":
        nlp = _blank_language(lang)
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


def _blank_language(lang: str) -> Language:
    """spaCy's blank pipeline for ``lang``, or its multi-language one with ``lang``'s stop words.

    The multi-language tokenizer splits on spaces and punctuation, so it serves Latin-script
    languages spaCy lacks; it does not cut Lao (written without spaces) into words.
    """
    try:
        nlp = spacy.blank(lang)
    except ImportError:  # no such language in spaCy, or its tokenizer needs another package
        nlp = spacy.blank("xx")
        stop_words = _stop_words(lang)
        # This vocabulary's own rule (spaCy copies the getters per pipeline), any case.
        nlp.vocab.lex_attr_getters[IS_STOP] = lambda string: string.lower() in stop_words
    nlp.meta[_LANG_META] = lang
    return nlp


def _stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for ``lang`` (empty when it has none)."""
    try:
        module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(getattr(module, "STOP_WORDS", ()))


def pipeline_name(nlp: Language) -> str:
    """Describe a pipeline for method sections ("blank English + lookup lemmas" or its name)."""
    lang = nlp.meta.get(_LANG_META, nlp.lang)
    if LOOKUP_LEMMATIZER in nlp.pipe_names and lang != "en":
        return f"spaCy blank '{lang}' + lookup lemmatizer + sentencizer (offline)"
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
    keep_negation : bool
        Keep negation: a negator ("not", "never", "without", Spanish "no", "sin" …) is joined
        to the content lemma it negates ("not_helpful"), see :mod:`research_kit.text.negation`.
    """

    drop_stop: bool = True
    drop_punct: bool = True
    drop_numbers: bool = True
    min_length: int = 2
    keep_negation: bool = False

    def keep(self, token: Token) -> bool:
        """True if ``token`` should be kept."""
        if self.drop_punct and (token.is_punct or token.is_space):
            return False
        if self.drop_stop and token.is_stop:
            return False
        if self.drop_numbers and token.like_num:
            return False
        return len(token.lemma_) >= self.min_length


def doc_lemmas(doc: Doc, options: LemmaOptions) -> list[tuple[str, str]]:
    """Each kept token of ``doc`` as ``(lemma, lower-case spelling)``, negation as ``options``
    says (its words chosen by the document's language, ``doc.lang_``).

    Examples
    --------
    >>> nlp = build_pipeline("blank")
    >>> doc_lemmas(nlp("Never on time"), LemmaOptions(keep_negation=True))
    [('not_time', 'never time')]
    >>> doc_lemmas(nlp("Never on time"), LemmaOptions())
    [('time', 'time')]
    """
    if options.keep_negation:
        return negated_lemmas(doc, options.keep, negation_words(doc.lang_))
    return [(token.lemma_, token.lower_) for token in doc if options.keep(token)]


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
    cleaned = (as_text(text) for text in texts)
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
    >>> lemmatize(["Taxi not helpful."], options=LemmaOptions(keep_negation=True))
    [['taxi', 'not_helpful']]
    """
    read = lemma_spellings(texts, nlp, options=options, batch_size=batch_size, progress=progress)
    return [[lemma for lemma, _spelling in lemmas] for lemmas in read]


def lemma_spellings(
    texts: Iterable[str],
    nlp: Language | None = None,
    *,
    options: LemmaOptions | None = None,
    batch_size: int = 256,
    progress: bool | None = None,
) -> list[list[tuple[str, str]]]:
    """Like :func:`lemmatize`, with each lemma's lower-case spelling (see :func:`doc_lemmas`).

    Examples
    --------
    >>> lemma_spellings(["Never helpful"], options=LemmaOptions(keep_negation=True))
    [[('not_helpful', 'never helpful')]]
    """
    nlp = nlp or build_pipeline("blank")
    options = options or LemmaOptions()
    with lemmas_only(nlp):
        return [
            doc_lemmas(doc, options)
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

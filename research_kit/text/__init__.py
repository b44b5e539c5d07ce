"""Text for research_kit: the one spaCy pipeline, lemmas, and personal information in text.

Its parts, one concept each:

- :mod:`~research_kit.text.pipeline`: :func:`build_pipeline` builds the spaCy pipeline (offline
  by default: blank English, a lookup lemmatizer and a sentencizer; a trained English pipeline
  when one is installed), and :func:`pipe`, :func:`lemmatize` and :func:`tokens_table` turn
  texts into tokens and lemmas in batches.
- :mod:`~research_kit.text.languages`: :func:`detect_languages` tells each answer's language
  offline (script rules, CLD2 and py3langid, tuned for short answers and a city's expected
  languages), :func:`language_counts` counts answers per language, :func:`main_language`
  names the language most answers are in, and
  :func:`lemmatize_by_language` lemmatises each text with its language's pipeline
  (``build_pipeline("blank", lang="es")`` for Spanish lookup lemmas).
- :mod:`~research_kit.text.negation`: with ``LemmaOptions(keep_negation=True)`` a negator is
  joined to the lemma it negates ("Taxi not helpful" gives ``taxi not_helpful``), from
  per-language word sets (:data:`NEGATION_WORDS`, English and Spanish).
- :mod:`~research_kit.text.polarity`: :func:`answer_polarity` says whether each answer is
  praise, a complaint or neutral (the VADER lexicon plus service-feedback words, negation
  from :mod:`~research_kit.text.negation`).
- :mod:`~research_kit.text.pii`: :func:`find_pii` finds e-mails, phone numbers, street
  addresses and names (English and Spanish); :func:`redact` replaces them,
  :func:`redaction_spans` says which spans it replaces, and :func:`pseudonym` gives a
  participant a stable pseudonymous id.

Import from here: ``from research_kit.text import build_pipeline, redact``.

Examples
--------
>>> redact("Call Dana at 555-0142", names=["Dana"])
'Call [name] at [phone]'
"""

from __future__ import annotations

from research_kit.text.languages import (
    DEFAULT_LANGUAGES,
    LANGUAGE_DETECTOR,
    LANGUAGE_NAMES,
    detect_languages,
    language_counts,
    lemmatize_by_language,
    main_language,
)
from research_kit.text.negation import (
    NEGATION_WORDS,
    NegationWords,
    ends_scope,
    negated_lemmas,
    negation_words,
    split_negated,
)
from research_kit.text.pii import (
    PII_KINDS,
    find_pii,
    pseudonym,
    redact,
    redaction_spans,
)
from research_kit.text.pipeline import (
    LOOKUP_LEMMATIZER,
    TRAINED_PIPELINES,
    LemmaOptions,
    TextPipelineError,
    build_pipeline,
    doc_lemmas,
    installed_trained_pipeline,
    lemma_spellings,
    lemmas_only,
    lemmatize,
    pipe,
    pipeline_name,
    tokens_table,
)
from research_kit.text.polarity import (
    COMPLAINT_TOKEN,
    KEY_OPTIONS,
    POLARITIES,
    POLARITY_SPLIT_WEIGHT,
    PRAISE_TOKEN,
    answer_keys,
    answer_polarity,
    doc_polarity,
    is_polarity_term,
    lemmas_and_polarity,
    polarity_label,
    polarity_tokens,
    theme_polarity,
)

__all__ = [
    "COMPLAINT_TOKEN",
    "DEFAULT_LANGUAGES",
    "KEY_OPTIONS",
    "LANGUAGE_DETECTOR",
    "LANGUAGE_NAMES",
    "LOOKUP_LEMMATIZER",
    "NEGATION_WORDS",
    "PII_KINDS",
    "POLARITIES",
    "POLARITY_SPLIT_WEIGHT",
    "PRAISE_TOKEN",
    "TRAINED_PIPELINES",
    "LemmaOptions",
    "NegationWords",
    "TextPipelineError",
    "answer_keys",
    "answer_polarity",
    "build_pipeline",
    "detect_languages",
    "doc_lemmas",
    "doc_polarity",
    "ends_scope",
    "find_pii",
    "installed_trained_pipeline",
    "is_polarity_term",
    "language_counts",
    "lemma_spellings",
    "lemmas_and_polarity",
    "lemmas_only",
    "lemmatize",
    "lemmatize_by_language",
    "main_language",
    "negated_lemmas",
    "negation_words",
    "pipe",
    "pipeline_name",
    "polarity_label",
    "polarity_tokens",
    "pseudonym",
    "redact",
    "redaction_spans",
    "split_negated",
    "theme_polarity",
    "tokens_table",
]

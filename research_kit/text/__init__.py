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
    installed_trained_pipeline,
    lemmas_only,
    lemmatize,
    pipe,
    pipeline_name,
    tokens_table,
)

__all__ = [
    "DEFAULT_LANGUAGES",
    "LANGUAGE_DETECTOR",
    "LANGUAGE_NAMES",
    "LOOKUP_LEMMATIZER",
    "PII_KINDS",
    "TRAINED_PIPELINES",
    "LemmaOptions",
    "TextPipelineError",
    "build_pipeline",
    "detect_languages",
    "find_pii",
    "installed_trained_pipeline",
    "language_counts",
    "lemmas_only",
    "lemmatize",
    "lemmatize_by_language",
    "main_language",
    "pipe",
    "pipeline_name",
    "pseudonym",
    "redact",
    "redaction_spans",
    "tokens_table",
]

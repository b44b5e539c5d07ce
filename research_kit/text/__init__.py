"""Text for research_kit: the one spaCy pipeline, lemmas, and personal information in text.

Its parts, one concept each:

- :mod:`~research_kit.text.pipeline`: :func:`build_pipeline` builds the spaCy pipeline (offline
  by default: blank English, a lookup lemmatizer and a sentencizer; a trained English pipeline
  when one is installed), and :func:`pipe`, :func:`lemmatize` and :func:`tokens_table` turn
  texts into tokens and lemmas in batches.
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
    "LOOKUP_LEMMATIZER",
    "PII_KINDS",
    "TRAINED_PIPELINES",
    "LemmaOptions",
    "TextPipelineError",
    "build_pipeline",
    "find_pii",
    "installed_trained_pipeline",
    "lemmas_only",
    "lemmatize",
    "pipe",
    "pipeline_name",
    "pseudonym",
    "redact",
    "redaction_spans",
    "tokens_table",
]

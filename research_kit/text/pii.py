"""Personal information in text: found, redacted, or replaced by a stable pseudonym.

:func:`find_pii` finds e-mail addresses, phone numbers (North American and international),
street addresses and intersections (English and Spanish) and names (a given list with the
surnames that follow its names, names after a title such as "Officer" or "la señora", plus
spaCy's PERSON entities when the pipeline has an entity recogniser); :func:`redact` replaces
them with placeholders, :func:`redaction_spans` says which spans it replaces, and
:func:`pseudonym` turns a participant id into a stable pseudonymous id. How well the rules do
is measured, not assumed: ``benchmarks/bench_redaction.py`` scores them on a hand-labelled
corpus (``tests/data/pii``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import pandas as pd
from spacy.language import Language

from research_kit.text._pii_rules import EMAIL, Span, address_spans, name_spans, phone_spans
from research_kit.text._values import as_text

#: Kinds of personal information :func:`find_pii` reports.
PII_KINDS = ("email", "phone", "address", "name")
_PII_COLUMNS = ["start", "end", "kind", "text"]


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
    text = as_text(text)
    return _frame(text, _pii_spans(text, _clean_names(names), nlp))


def _pii_spans(text: str, names: tuple[str, ...], nlp: Language | None) -> list[Span]:
    """All the spans of :func:`find_pii`, by start, without those inside a longer one."""
    spans = [(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    spans += phone_spans(text) + address_spans(text) + name_spans(text, names)
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


def _frame(text: str, spans: list[Span]) -> pd.DataFrame:
    return pd.DataFrame(
        [(start, end, kind, text[start:end]) for start, end, kind in spans], columns=_PII_COLUMNS
    ).astype({"start": "int64", "end": "int64"})


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Longest first (then by :data:`PII_KINDS` order), each span that overlaps none kept."""
    priority = {kind: rank for rank, kind in enumerate(PII_KINDS)}
    ranked = sorted(spans, key=lambda span: (span[0] - span[1], priority.get(span[2], 99), span[0]))
    kept: list[Span] = []
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
    text = as_text(text)
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
    text = as_text(text)
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

"""Qualtrics' header rows: import ids in every spelling, and export tags made unique.

Qualtrics has written three kinds of CSV export over the years, and all are still found in
city archives:

* **current** — row 1 export tags, row 2 question text, row 3 JSON import ids
  (``{"ImportId":"QID1"}``, sometimes with a ``timeZone``);
* **Insights-era** (2016–17) — the same three rows, but the import ids are written as Python
  dictionaries with single quotes (``{'ImportId': 'QID1'}``), and the export tag of a
  side-by-side question is repeated in row 1 over each of its parts;
* **legacy** — two rows: ``V1``…``V10`` for the tool's own fields, then export tags; row 2 holds
  field names and question text; every line ends with a comma.

:func:`parse_import_id` reads an import id in either spelling; :func:`unique_export_tags` gives
repeated tags names of their own, deterministically, from the sub-question text Qualtrics wrote
under them in row 2. :mod:`research_kit.survey.ingest` keeps the original tag in the
``export_tag`` column of its questions table.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter

__all__ = ["parse_import_id", "sub_question_labels", "unique_export_tags"]

# Qualtrics joins question, sub-question and option text in row 2 with "-" (Insights-era)
# or " - " (current exports); the repeated parts of one tag differ after the last shared one.
_ROW2_SEPARATOR = "-"
# The question an import id or export tag belongs to: QID12 of QID12_3 / QID12#1-2-1-TEXT, Q12
# of a legacy Q12_3; a custom tag ("fruits") is its own question.
_QUESTION_KEY = re.compile(r"^(QID\d+|Q\d+)(?=[_#-]|$)")
# An import id cell is a small dictionary; a longer cell is an answer, not worth parsing.
_MAX_IMPORT_ID_CHARS = 500


def parse_import_id(cell: str) -> str | None:
    """The ``ImportId`` of a Qualtrics row-3 cell, or None when the cell is not an import id.

    Current exports write JSON (``{"ImportId":"QID1"}``); Insights-era exports write the same
    dictionary with single quotes (``{'ImportId': 'QID1'}``), which JSON cannot read. Only
    literals are evaluated (:func:`ast.literal_eval`), never code.

    Parameters
    ----------
    cell : str
        A cell of row 3.

    Returns
    -------
    str or None
        The import id, e.g. ``"QID1"`` or ``"_recordId"``.

    Examples
    --------
    >>> parse_import_id('{"ImportId":"QID1","timeZone":"America/Los_Angeles"}')
    'QID1'
    >>> parse_import_id("{'ImportId': 'QID50#1-1-1-TEXT'}")
    'QID50#1-1-1-TEXT'
    >>> parse_import_id("R_2YPOQ602ER1jkf1") is None
    True
    """
    text = cell.strip()
    if not text.startswith("{") or len(text) > _MAX_IMPORT_ID_CHARS:
        return None
    parsed = _parse_dictionary(text)
    value = parsed.get("ImportId") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


def _parse_dictionary(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def unique_export_tags(tags: list[str], texts: list[str]) -> list[str]:
    """One distinct column name per export tag, for exports that repeat a tag in row 1.

    A tag that appears once keeps its name. The columns of a repeated tag are named
    ``"<tag> - <part>"``, where the part is what their row-2 texts do not share (Qualtrics
    writes ``question-sub-question-option`` there, so the part is the last level that
    differs); when those parts are blank or not distinct, or a name would clash with another
    column, an ordinal is used instead (``"<tag> (1)"``, ``"<tag> (2)"``, …, in file order,
    skipping a number another column already has).
    The same header always gives the same names.

    Parameters
    ----------
    tags : list of str
        Row 1 of the export.
    texts : list of str
        Row 2 of the export, one cell per tag.

    Returns
    -------
    list of str
        The column names, in file order.

    Examples
    --------
    >>> unique_export_tags(
    ...     ["Q1", "Q50#1_wedges_TEXT", "Q50#1_wedges_TEXT"],
    ...     ["Age?", "Why?-Oranges-Willingness", "Why?-Oranges-Consumption Method"],
    ... )
    ['Q1', 'Q50#1_wedges_TEXT - Willingness', 'Q50#1_wedges_TEXT - Consumption Method']
    >>> unique_export_tags(["Q9", "Q9"], ["Same text", "Same text"])
    ['Q9 (1)', 'Q9 (2)']
    """
    counts = Counter(tags)
    names = list(tags)
    for tag in sorted(tag for tag, count in counts.items() if count > 1):
        positions = [i for i, name in enumerate(tags) if name == tag]
        parts = _distinct_parts([texts[i] for i in positions])
        candidates = [f"{tag} - {part}" for part in parts] if parts else []
        taken = set(names) - {tag}
        if not candidates or taken & set(candidates):
            candidates = _ordinals(tag, len(positions), taken)
        for position, name in zip(positions, candidates, strict=True):
            names[position] = name
    return names


def _ordinals(tag: str, count: int, taken: set[str]) -> list[str]:
    """``"<tag> (1)"``, ``"<tag> (2)"``, …, skipping numbers another column already has."""
    names: list[str] = []
    number = 0
    while len(names) < count:
        number += 1
        name = f"{tag} ({number})"
        if name not in taken:
            names.append(name)
    return names


def _distinct_parts(texts: list[str]) -> list[str] | None:
    """What each text adds after the part all share (cut at a separator), if all differ."""
    shared = _common_prefix(texts)
    cut = shared.rfind(_ROW2_SEPARATOR) + 1  # whole levels only: "Graham"/"Gummy" share "G"
    parts = [text[cut:].strip(" -") for text in texts]
    if all(parts) and len(set(parts)) == len(parts):
        return parts
    return None


def _common_prefix(texts: list[str]) -> str:
    shortest = min(texts, key=len)
    for i, char in enumerate(shortest):
        if any(text[i] != char for text in texts):
            return shortest[:i]
    return shortest


def sub_question_labels(keys: list[str | None], texts: list[str]) -> list[str | None]:
    """The sub-question or option part of each column's row-2 text, where Qualtrics has one.

    Qualtrics writes ``question - sub-question`` (current exports) or ``question-option``
    (Insights-era and legacy) in row 2. Columns of one question (the same ``QID`` in their
    import ids, or the same ``Q<n>`` export tag in a legacy export) share the question text;
    what follows it, cut at a separator, is the part. A question with one column, or whose
    columns share no text, has none.

    Parameters
    ----------
    keys : list of str or None
        Each column's import id (current and Insights-era exports) or export tag (legacy).
    texts : list of str
        Row 2 of the export.

    Returns
    -------
    list of str or None

    Examples
    --------
    >>> sub_question_labels(
    ...     ["QID1", "QID2_1", "QID2_2"],
    ...     ["Ward?", "Agree? - Staff were kind", "Agree? - Forms were clear"],
    ... )
    [None, 'Staff were kind', 'Forms were clear']
    """
    questions = [_question_key(key) for key in keys]
    members: dict[str, list[int]] = {}
    for position, question in enumerate(questions):
        if question is not None:
            members.setdefault(question, []).append(position)
    labels: list[str | None] = [None] * len(texts)
    for positions in members.values():
        if len(positions) < 2:
            continue
        group = [texts[i] for i in positions]
        shared = _common_prefix(group)
        cut = shared.rfind(_ROW2_SEPARATOR) + 1
        if cut == 0:
            continue  # no shared question text: nothing to split off
        for position, text in zip(positions, group, strict=True):
            labels[position] = text[cut:].strip(" -") or None
    return labels


def _question_key(key: str | None) -> str | None:
    match = _QUESTION_KEY.match(key or "")
    return match.group(1) if match else None

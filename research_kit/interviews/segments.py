"""Excerpts: cutting a document's text into paragraphs, speaker turns or sentences.

Coding happens on spans of a document's text. Researchers often code whole paragraphs or
speaker turns ("Q:" / "A:", "Interviewer:" / "P04:"), so segmenting a note gives ready-made
excerpts. Offsets are Unicode code points into the text exactly as read, end exclusive, and
every excerpt's ``text`` equals ``document.text[start:end]``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from spacy.language import Language

    from research_kit.interviews.documents import Document

SEGMENT_KINDS = ("paragraph", "turn", "sentence")
SEGMENT_COLUMNS = ["document_id", "segment", "start", "end", "speaker", "text"]
_PARAGRAPH_BREAK = re.compile(r"(?:\r?\n[ \t]*){2,}")
#: A speaker label at the start of a paragraph: "Q:", "A:", "Interviewer:", "P04:", "Ms. Diaz:".
_SPEAKER = re.compile(r"^(?P<speaker>[A-Z][\w.'\- ]{0,30}?):[ \t]+\S")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs of ``text`` (blank-line separated, whitespace trimmed).

    Examples
    --------
    >>> text = "First para.\\n\\n  Second one.\\n"
    >>> [text[s:e] for s, e in paragraphs(text)]
    ['First para.', 'Second one.']
    """
    spans = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        span = _trim(text, position, end)
        if span:
            spans.append(span)
        position = match.end() if match else len(text)
    return spans


def speaker_of(paragraph: str) -> str | None:
    """The speaker label a paragraph starts with, if any.

    Examples
    --------
    >>> speaker_of("Q: What happened next?"), speaker_of("P04: We came back."), speaker_of("No.")
    ('Q', 'P04', None)
    """
    match = _SPEAKER.match(paragraph)
    return match.group("speaker") if match else None


def segment(document: Document, by: str = "paragraph", *, nlp: Language | None = None):
    """Cut a document into excerpts.

    Parameters
    ----------
    document : Document
        The note.
    by : {"paragraph", "turn", "sentence"}
        ``"paragraph"``: blank-line separated blocks (Markdown headings are skipped).
        ``"turn"``: a speaker turn starts at a paragraph beginning with a label such as "Q:",
        "A:" or "P04:" and runs until the next labelled paragraph; paragraphs before the first
        label are their own excerpts.
        ``"sentence"``: sentences of each paragraph, from the study's spaCy pipeline.
    nlp : Language, optional
        Pipeline for sentences (the offline one by default).

    Returns
    -------
    pandas.DataFrame
        Columns ``document_id``, ``segment`` (0, 1, …), ``start``, ``end``, ``speaker``, ``text``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from research_kit.interviews.documents import Document
    >>> doc = Document("P01", Path("P01.md"), "# Notes\\n\\nQ: Why?\\n\\nA: Rent.\\n\\nMore rent.")
    >>> segment(doc, "turn")[["speaker", "text"]].values.tolist()
    [['Q', 'Q: Why?'], ['A', 'A: Rent.\\n\\nMore rent.']]
    """
    if by not in SEGMENT_KINDS:
        raise ValueError(f"by must be one of {', '.join(SEGMENT_KINDS)}, not {by!r}")
    spans = [(s, e) for s, e in paragraphs(document.text) if not _is_heading(document.text[s:e])]
    if by == "turn":
        rows = _turns(document.text, spans)
    elif by == "sentence":
        rows = _sentences(document.text, spans, nlp)
    else:
        rows = [(s, e, speaker_of(document.text[s:e])) for s, e in spans]
    return pd.DataFrame(
        [
            {
                "document_id": document.id,
                "segment": number,
                "start": start,
                "end": end,
                "speaker": speaker,
                "text": document.text[start:end],
            }
            for number, (start, end, speaker) in enumerate(rows)
        ],
        columns=SEGMENT_COLUMNS,
    )


def _turns(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, str | None]]:
    turns: list[list] = []
    for start, end in spans:
        speaker = speaker_of(text[start:end])
        if speaker is not None or not turns or turns[-1][2] is None:
            turns.append([start, end, speaker])
        else:
            turns[-1][1] = end  # an unlabelled paragraph continues the current speaker's turn
    return [tuple(turn) for turn in turns]


def _sentences(text: str, spans, nlp) -> list[tuple[int, int, str | None]]:
    from research_kit.text import build_pipeline

    nlp = nlp or build_pipeline("blank")
    rows = []
    for (start, end), doc in zip(spans, nlp.pipe(text[s:e] for s, e in spans), strict=True):
        speaker = speaker_of(text[start:end])
        for sentence in doc.sents:
            span = _trim(text, start + sentence.start_char, start + sentence.end_char)
            if span:
                rows.append((*span, speaker))
    return rows


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _is_heading(paragraph: str) -> bool:
    return paragraph.startswith("#") and "\n" not in paragraph.strip()

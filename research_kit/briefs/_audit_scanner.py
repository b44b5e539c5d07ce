"""Finding a study's identifiers, personal data, small cells and range labels in a brief (private).

Matching is case-insensitive and by whole words, and tolerates what PDF text extraction does to
words: hyphenation or a break at a line end, several spaces or a newline between the words of a
name, ligatures (Unicode NFKC), soft hyphens and zero-width characters.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata

import pandas as pd

from research_kit.briefs._audit_readers import Grid, Piece
from research_kit.briefs.gate import TERM_KINDS, term_key
from research_kit.text import find_pii

# Characters a PDF or a web page may hide inside a word: soft hyphen, zero-width spaces/joiners,
# word joiner, byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Between two letters of one word: a line break, with or without a hyphen ("-" or U+2010, which
# WeasyPrint draws) before it: what hyphenation or an overflowing id leaves in PDF text.
_SOFT_BREAK = r"(?:[-\u2010]?[^\S\n]*\n\s*)?"
# Joins the pieces of one file: not a space nor a word character, so no pattern runs across.
_SEPARATOR = "\n\x00\n"
_WORD_START = r"(?<![^\W_])"  # not right after a letter or digit ("_" and "-" are separators)
_WORD_END = r"(?![^\W_])"

# "n=3", "N = 3", "n: 3", "(n 3)": a group size written in the text.
_N_EQUALS = re.compile(
    _WORD_START + r"n\s*[=:]\s*(\d{1,7})(?![.,]?\d)|\(\s*n\s+(\d{1,7})\s*\)", re.IGNORECASE
)
# "n<5", "n ≤ 4", "(<5)": the range of a hidden cell written in the text.
_N_BELOW = re.compile(
    _WORD_START + r"n\s*(?:<=?|≤|&lt;)\s*\d+(?!\d)|\(\s*(?:<=?|≤)\s*\d+\s*\)", re.IGNORECASE
)
# A whole table cell that is a range label instead of "suppressed".
_RANGE_CELL = re.compile(
    r"(?:n\s*)?(?:<=?|≤|&lt;)\s*\d+|(?:fewer|less)\s+than\s+\d+|under\s+\d+", re.IGNORECASE
)
# "1-4" is a range label only in a count column ("1-4 employees" is a fine category).
_SPAN_CELL = re.compile(r"1\s*[-–—]\s*\d+")
# A count in a cell: "3", "3.0" (a spreadsheet's), "1,250", "3 of 14", "3 (12%)".
_COUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?(?:\s+of\s+[\d,]+)?(?:\s*\(.*\))?")
# A value rather than a heading: numbers, shares, margins, dashes, "n/a", "suppressed".
_VALUE = re.compile(
    r"[-+±]?[\d.,\s]+(?:%|\s*pts?|\s*wk|\s*d)?(?:\s*\(.*\))?|[-—–]|n/?a|suppressed",
    re.IGNORECASE,
)
_COUNT_HEADERS = frozenset(
    {
        "n",
        "count",
        "counts",
        "frequency",
        "respondents",
        "responses",
        "answers",
        "interviews",
        "participants",
        "people",
        "cases",
        "persons",
    }
)
_COUNT_HEADER_START = re.compile(r"(?:n|number|no\.|#)\s*(?:of\s+)?\w", re.IGNORECASE)


class Scanner:
    """Finds one study's terms, personal data and small cells in pieces of text and tables."""

    def __init__(self, terms: pd.DataFrame, min_cell_size: int) -> None:
        self.min_cell_size = min_cell_size
        pairs = zip(terms["term"], terms["kind"], strict=True)
        self.terms = {term_key(term): (term, kind) for term, kind in pairs}
        ordered = sorted(terms["term"], key=lambda term: len(_normalise(term)), reverse=True)
        parts = [_term_pattern(_normalise(term)) for term in ordered]
        self.pattern = (
            re.compile(_WORD_START + "(?:" + "|".join(parts) + ")" + _WORD_END, re.IGNORECASE)
            if parts
            else None
        )

    def scan(self, pieces: list[Piece]) -> list[tuple[str, str, str]]:
        """Findings in the pieces of text of one file, as (where, kind, text).

        The pieces are joined into one text (with a separator no pattern crosses), so the
        patterns and :func:`find_pii` run once per file rather than once per HTML element.
        """
        texts = [_normalise(piece.text) for piece in pieces]
        starts = list(itertools.accumulate((len(t) + len(_SEPARATOR) for t in texts), initial=0))
        text = _SEPARATOR.join(texts)
        spans: list[tuple[int, int, str, str]] = []
        if self.pattern is not None:
            for match in self.pattern.finditer(text):
                found = match.group()
                term, kind = self.terms.get(term_key(found), (found, TERM_KINDS[0]))
                # Broken over lines ("Mari-\nsol"): show it as the study spells it.
                spans.append((match.start(), match.end(), kind, term if "\n" in found else found))
        pii = find_pii(text)
        spans += [
            (int(start), int(end), str(kind), str(found))
            for start, end, kind, found in pii[["start", "end", "kind", "text"]].itertuples(
                index=False
            )
        ]
        for match in _N_EQUALS.finditer(text):
            if 1 <= int(match.group(1) or match.group(2)) < self.min_cell_size:
                spans.append((match.start(), match.end(), "small cell", match.group()))
        spans += [(m.start(), m.end(), "range label", m.group()) for m in _N_BELOW.finditer(text)]
        findings = []
        for start, end, kind, found in _outermost(spans):
            index = bisect.bisect_right(starts, start) - 1
            if end > starts[index] + len(texts[index]):
                continue  # across two pieces: not text anyone reads as one
            piece = pieces[index]
            where = piece.where
            if piece.by_line:
                where = f"line {texts[index].count(chr(10), 0, start - starts[index]) + 1}"
            findings.append((where, kind, _one_line(found)))
        return findings

    def cells(self, grid: Grid) -> list[tuple[str, str, str]]:
        """Small cells and range labels of one table, as (where, kind, text).

        A cell's column heading is the last heading row above it: a row of at least two
        different texts none of which is a value (a label row spanning the whole table, or a
        title above it, heads nothing), so tables stacked in one sheet are read right.
        """
        findings = []
        headers: dict[int, str] = {}  # column -> the text heading the values below it
        for r, raw_row in enumerate(grid.rows):
            row = [" ".join(_normalise(raw).split()) for raw in raw_row]
            for c, cell in enumerate(row):
                if not cell:
                    continue
                header = headers.get(c, "")
                counting = _is_count_header(header)
                if _RANGE_CELL.fullmatch(cell) or (counting and _SPAN_CELL.fullmatch(cell)):
                    findings.append((grid.place(r, c, header), "range label", cell))
                elif counting and _is_small(_COUNT.fullmatch(cell), self.min_cell_size):
                    findings.append((grid.place(r, c, header), "small cell", cell))
            if _is_heading_row(row):
                headers = {c: cell for c, cell in enumerate(row) if cell}
        return findings


def _outermost(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """The spans in text order, without those inside a longer one ("marisol" in an e-mail)."""
    spans = sorted(set(spans), key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int, str, str]] = []
    reach = -1
    for span in spans:
        if span[1] <= reach and not (kept and kept[-1][:2] == span[:2]):
            continue  # inside the longer span kept before it
        kept.append(span)
        reach = max(reach, span[1])
    return kept


def _is_heading_row(row: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    if any(_VALUE.fullmatch(cell) or _RANGE_CELL.fullmatch(cell) for cell in filled):
        return False
    return len(set(filled)) >= 2 or any(_is_count_header(cell) for cell in filled)


def _is_small(count: re.Match | None, min_cell_size: int) -> bool:
    return count is not None and 1 <= int(count.group(1).replace(",", "")) < min_cell_size


def _term_pattern(term: str) -> str:
    """A term's words, each letter allowed a line break after it; any whitespace between words."""
    words = [_SOFT_BREAK.join(re.escape(char) for char in word) for word in term.split()]
    return r"\s+".join(words)


def _normalise(text: str) -> str:
    """Unicode NFKC (ligatures, wide and non-breaking forms) without invisible characters."""
    return unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_count_header(header: str) -> bool:
    """Whether a column heading announces counts of people ("n", "Interviews", "Agree (n)")."""
    words = header.strip().casefold()
    return (
        words in _COUNT_HEADERS
        or "(n)" in words
        or words.rstrip(".:") in _COUNT_HEADERS
        or bool(_COUNT_HEADER_START.match(words) and words.split()[-1] in _COUNT_HEADERS)
    )

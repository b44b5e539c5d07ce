"""Privacy audit of stakeholder outputs: what a brief gives away before it goes out.

:func:`privacy_audit` reads finished briefs as a reader (or a copy-paste, or a screen reader)
would get them — PDF text page by page, HTML's visible text plus ``alt``/``title``/``aria-label``
attributes and the text of inline SVG charts, every cell of every CSV row and XLSX sheet, a Word
document's paragraphs, tables, headers and footers, any other file as plain text — and
reports, one row per finding:

- the study's identifiers (:func:`sensitive_terms`): names listed under ``privacy: names`` in
  ``study.yml`` and the notes' ``name`` attribute, participant ids (``P07``), note file names and
  stems (``P12_manager.md``, ``P12_manager``) and coder names from the study database;
- e-mail addresses, phone numbers and street addresses, as :func:`research_kit.text.find_pii`
  finds them;
- unsuppressed small cells: a whole number from 1 to ``min_cell_size - 1`` in a count column of
  a table (a header such as ``n``, ``count``, ``respondents``, ``Interviews`` or one holding
  ``(n)``), or written as ``n=3`` / ``(n 3)`` anywhere;
- labels that give a hidden cell's range away (``n<5``, ``<5``, ``fewer than 5`` in a table
  cell) where the cell should just say ``suppressed``.

Matching is case-insensitive and by whole words, and tolerates what PDF text extraction does to
words: hyphenation or a break at a line end, several spaces or a newline between the words of a
name, ligatures (Unicode NFKC), soft hyphens and zero-width characters. A participant id only
counts when it is one of the study's own ids, so "Ward 4", years, percentages or "±3 pts" are
not findings.
"""

from __future__ import annotations

import base64
import bisect
import csv
import io
import itertools
import re
import unicodedata
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from research_kit.briefs.gate import TERM_KINDS, sensitive_terms, term_key
from research_kit.errors import AuditError
from research_kit.study import Study
from research_kit.text import find_pii

__all__ = [
    "AUDIT_COLUMNS",
    "FINDING_KINDS",
    "TERM_KINDS",
    "format_findings",
    "mask",
    "privacy_audit",
    "sensitive_terms",
]

#: Columns of :func:`privacy_audit`'s result.
AUDIT_COLUMNS = ["file", "where", "kind", "text"]
#: Every kind of finding, identifiers first.
FINDING_KINDS = (*TERM_KINDS, "name", "email", "phone", "address", "small cell", "range label")
#: Kinds whose text is masked when printed (counts and labels are not personal).
_MASKED_KINDS = frozenset(FINDING_KINDS) - {"small cell", "range label"}

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".svg"})
_CSV_SUFFIXES = frozenset({".csv", ".tsv"})
_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_READ_AS = "PDF, HTML, CSV, XLSX, DOCX or plain text"

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


# -- the study's identifiers ---------------------------------------------------------------------
# -- the audit -----------------------------------------------------------------------------------
def privacy_audit(
    study: Study,
    paths: Iterable[Path | str],
    *,
    min_cell_size: int | None = None,
) -> pd.DataFrame:
    """Scan stakeholder outputs for the study's identifiers, personal data and small cells.

    Parameters
    ----------
    study : Study
        The study the outputs come from (its names, ids, coders and ``min_cell_size``).
    paths : iterable of Path or str
        Files to scan: ``.pdf``, ``.html``/``.htm``/``.svg``, ``.csv``/``.tsv``,
        ``.xlsx``/``.xlsm``, ``.docx``; anything else is read as plain text.
    min_cell_size : int, optional
        Counts below this are small cells (default: the study's ``min_cell_size``).

    Returns
    -------
    pandas.DataFrame
        One row per finding, columns ``file`` (as given), ``where`` (``page 3`` for a PDF, a
        CSS path or ``table 2, row 4, column 'n'`` for HTML, ``Sheet2!B7`` for XLSX,
        ``row 4, column 'n'`` for CSV, ``line 12`` for text), ``kind`` (one of
        :data:`FINDING_KINDS`) and ``text`` (what was found, unmasked: the researcher's view;
        :func:`format_findings` masks it). The same finding at the same place is one row.
        Empty when the files are clean.

    Raises
    ------
    AuditError
        A file is missing, or cannot be read as its suffix says (the error names the file and
        what to do). Nothing is scanned then.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> study_folder = folder / "study"
    >>> _ = shutil.copytree("interview_data", study_folder,
    ...                     ignore=shutil.ignore_patterns("study.db*"))
    >>> brief = folder / "brief.html"
    >>> _ = brief.write_text('<p>Ward 4, 2026: 12% (n=3)</p><img alt="Marisol at the desk">')
    >>> with open_study(study_folder, create=False) as study:
    ...     found = privacy_audit(study, [brief])
    >>> found[["where", "kind", "text"]].values.tolist()
    [['p', 'small cell', 'n=3'], ['img[alt]', 'listed name', 'Marisol']]
    """
    paths = list(paths)
    for path in paths:
        if not Path(path).is_file():
            raise AuditError(
                "no such file",
                path=path,
                hint="give the path of a PDF, HTML, CSV or XLSX brief that exists",
            )
    threshold = study.min_cell_size if min_cell_size is None else int(min_cell_size)
    scanner = _Scanner(sensitive_terms(study), threshold)
    rows: list[tuple[str, str, str, str]] = []
    for path in paths:
        pieces, grids = _read(Path(path))
        rows += [(str(path), where, kind, text) for where, kind, text in scanner.scan(pieces)]
        for grid in grids:
            rows += [(str(path), where, kind, text) for where, kind, text in scanner.cells(grid)]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS).drop_duplicates(ignore_index=True)


def mask(text: str) -> str:
    """Show the start of a sensitive text only: enough to find it, not enough to read it.

    Examples
    --------
    >>> mask("Marisol"), mask("P07"), mask("dana@example.org")
    ('Mar…', 'P…', 'dan…')
    """
    text = " ".join(str(text).split())
    keep = max(1, min(3, (len(text) + 2) // 3))
    return text[:keep] + "…"


def format_findings(findings: pd.DataFrame, *, n_files: int | None = None) -> str:
    """Print :func:`privacy_audit`'s findings: one ``file: where: what`` line each, and a summary.

    Names, ids, coders and contact details are masked (:func:`mask`); small cells and range
    labels are shown as they are.

    Parameters
    ----------
    findings : pandas.DataFrame
        What :func:`privacy_audit` returned.
    n_files : int, optional
        How many files were scanned (the summary then says how many of them were clean).

    Examples
    --------
    >>> found = pd.DataFrame(
    ...     [["brief.pdf", "page 2", "listed name", "Marisol"],
    ...      ["table.csv", "row 3, column 'n'", "small cell", "3"]], columns=AUDIT_COLUMNS)
    >>> print(format_findings(found, n_files=3))
    brief.pdf: page 2: listed name 'Mar…'
    table.csv: row 3, column 'n': small cell '3'
    privacy audit: 2 findings in 2 of 3 files (1 listed name, 1 small cell)
    >>> print(format_findings(found.iloc[:0], n_files=1))
    privacy audit: no findings in 1 file
    """
    lines = [
        f"{row.file}: {row.where}: {row.kind} "
        + repr(mask(row.text) if row.kind in _MASKED_KINDS else row.text)
        for row in findings.itertuples(index=False)
    ]
    with_findings = findings["file"].nunique()
    scanned = with_findings if n_files is None else n_files
    if findings.empty:
        lines.append(
            "privacy audit: no findings" + (f" in {_plural(scanned, 'file')}" if scanned else "")
        )
        return "\n".join(lines)
    counts = findings["kind"].value_counts()
    kinds = dict.fromkeys(kind for kind in (*FINDING_KINDS, *counts.index) if kind in counts)
    by_kind = ", ".join(f"{counts[kind]} {kind}" for kind in kinds)
    files = _plural(scanned, "file")
    if with_findings != scanned:
        files = f"{with_findings} of {files}"
    lines.append(f"privacy audit: {_plural(len(findings), 'finding')} in {files} ({by_kind})")
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- matching ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Piece:
    """A run of text from one place of a file; ``by_line`` places findings by line instead."""

    where: str
    text: str
    by_line: bool = False


@dataclass(frozen=True)
class _Grid:
    """The cells of one table (rows of text) and how to name a cell's place."""

    rows: list[list[str]]
    place: Callable[[int, int, str], str]  # (row, column, header) -> where


class _Scanner:
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

    def scan(self, pieces: list[_Piece]) -> list[tuple[str, str, str]]:
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

    def cells(self, grid: _Grid) -> list[tuple[str, str, str]]:
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


def _short(heading: str, limit: int = 40) -> str:
    """A column heading short enough for a ``where`` (survey questions make long headings)."""
    heading = _one_line(heading)
    return heading if len(heading) <= limit else heading[: limit - 1] + "…"


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


# -- reading each format -------------------------------------------------------------------------
def _read(path: Path) -> tuple[list[_Piece], list[_Grid]]:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _read_pdf(path), []
    if suffix in _HTML_SUFFIXES:
        return _read_html(path)
    if suffix in _CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in _XLSX_SUFFIXES:
        return _read_xlsx(path)
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".xls":
        raise AuditError(
            "is an old-style Excel file (.xls), which the audit cannot read",
            path=path,
            hint="save it as .xlsx (Excel: File > Save As > Excel Workbook) and audit that",
        )
    return [_Piece("", _decode(path.read_bytes(), path), by_line=True)], []


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192] or data[:4] in (b"PK\x03\x04", b"%PDF"):
        raise AuditError(
            f"is not plain text and its suffix {path.suffix or '(none)'!r} is not one the "
            "audit reads",
            path=path,
            hint=f"audit the brief as {_READ_AS}: export it in one of those formats, or give "
            "the file its proper suffix (.pdf, .xlsx, …)",
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_pdf(path: Path) -> list[_Piece]:
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise AuditError(
                "is an encrypted PDF",
                path=path,
                hint="audit the unprotected PDF (a brief for stakeholders should not need a "
                "password)",
            )
        pieces = [
            _Piece(f"page {number}", page.extract_text() or "")
            for number, page in enumerate(reader.pages, start=1)
        ]
        metadata = reader.metadata or {}
        properties = " \n".join(str(value) for value in metadata.values() if value)
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise AuditError(
            f"cannot be read as a PDF ({exc})",
            path=path,
            hint="check that the file is a complete PDF (export it again), or give it the "
            "suffix of what it really is",
        ) from exc
    return [*pieces, _Piece("document properties", properties)]


# HTML elements whose text flows inside the block around them (their text is that block's).
_INLINE = frozenset(
    {
        *("a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font"),
        *("i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup"),
        *("time", "tt", "u", "var", "wbr", "tspan", "textpath"),
    }
)
_SKIPPED = frozenset({"script", "style", "template"})
_READ_ATTRIBUTES = (
    "alt",
    "title",
    "aria-label",
    "aria-description",
    "aria-valuetext",
    "aria-roledescription",
    "placeholder",
    "summary",
    "label",
)


def _read_html(path: Path) -> tuple[list[_Piece], list[_Grid]]:
    import lxml.etree
    import lxml.html

    data = path.read_bytes()
    try:
        # A page that does not declare its encoding is UTF-8 when it decodes as such (lxml would
        # guess Latin-1); one that declares it is left to lxml, which honours the declaration.
        text = data.decode("utf-8-sig")
        declared = re.search(rb"<meta[^>]+charset|<\?xml[^>]+encoding", data[:4096], re.I)
    except UnicodeDecodeError:
        text, declared = None, True
    try:
        root = lxml.html.document_fromstring(data if declared else text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise AuditError(
            f"cannot be read as HTML ({exc})",
            path=path,
            hint="check that the file is the HTML page the brief export wrote",
        ) from exc
    return _html_pieces(root), _html_tables(root)


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _html_pieces(root) -> list[_Piece]:
    pieces: list[_Piece] = []
    paths = _CssPaths()
    for element in root.iter():
        tag = _tag(element)
        if not tag or tag in _SKIPPED or any(_tag(a) in _SKIPPED for a in element.iterancestors()):
            if not tag and _in_svg(element) and element.text:  # a chart's text kept as a comment
                pieces.append(_Piece(paths.where(element.getparent()) + " (comment)", element.text))
            continue
        if tag not in _INLINE or element.getparent() is None:
            text = _own_text(element)
            if text.strip():
                pieces.append(_Piece(paths.where(element), text))
        for name in _READ_ATTRIBUTES:
            if element.get(name):
                pieces.append(_Piece(f"{paths.where(element)}[{name}]", element.get(name)))
        if tag == "meta" and element.get("content"):
            pieces.append(_Piece(f"{paths.where(element)}[content]", element.get("content")))
        href = element.get("href") or ""
        if href.lower().startswith(("mailto:", "tel:")):
            pieces.append(_Piece(f"{paths.where(element)}[href]", urllib.parse.unquote(href)))
        source = element.get("src") or ""
        if source.startswith("data:image/svg+xml"):
            import lxml.html

            svg = lxml.html.fragment_fromstring(_data_uri(source), create_parent="div")
            pieces += [
                _Piece(f"{paths.where(element)}[src] > {piece.where}", piece.text)
                for piece in _html_pieces(svg)
            ]
    return pieces


def _in_svg(element) -> bool:
    return any(_tag(ancestor) == "svg" for ancestor in element.iterancestors())


def _own_text(element) -> str:
    """The element's text with its inline children's, without nested blocks (read on their own)."""
    parts = [element.text or ""]
    for child in element:
        tag = _tag(child)
        if tag in _INLINE:
            parts.append(" " if tag == "br" else _own_text(child))
        elif tag:
            parts.append("\n")
        parts.append(child.tail or "")
    return "".join(parts)


def _data_uri(uri: str) -> str:
    header, _, payload = uri.partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(payload).decode("utf-8", errors="replace")
    return urllib.parse.unquote(payload)


class _CssPaths:
    """CSS selectors for elements, from the nearest ancestor with an id (``section#x > p``)."""

    def __init__(self) -> None:
        self._cache: dict[object, str] = {}

    def where(self, element) -> str:
        """The element's selector; ``body`` (or ``html``) for text outside any other element."""
        return self.of(element) or _tag(element) or "?"

    def of(self, element) -> str:
        if element is None:
            return ""
        if element in self._cache:
            return self._cache[element]
        tag = _tag(element) or "?"
        parent = element.getparent()
        svg = next((a for a in element.iterancestors() if _tag(a) == "svg"), None)
        if element.get("id") and svg is not None:
            # Ids inside a chart are generated: say which chart first.
            path = f"{self.of(svg)} … {tag}#{element.get('id')}"
        elif element.get("id"):
            path = f"{tag}#{element.get('id')}"
        elif parent is None or tag in ("html", "body"):
            path = "" if tag in ("html", "body") else tag
        else:
            same = [sibling for sibling in parent if sibling.tag == element.tag]
            step = tag if len(same) == 1 else f"{tag}:nth-of-type({same.index(element) + 1})"
            above = self.of(parent)
            path = f"{above} > {step}" if above else step
        self._cache[element] = path
        return path


def _html_tables(root) -> list[_Grid]:
    grids = []
    for number, table in enumerate(root.iter("table"), start=1):
        rows = []
        for row in table.iter("tr"):
            if next(row.iterancestors("table")) is not table:
                continue  # a row of a table nested in this one: that table is read on its own
            cells = []
            for cell in row:
                if _tag(cell) in ("td", "th"):
                    span = int(cell.get("colspan", "1")) if cell.get("colspan", "").isdigit() else 1
                    cells += [cell.text_content()] * max(1, span)
            rows.append(cells)

        def place(r: int, c: int, header: str, number: int = number) -> str:
            return f"table {number}, row {r + 1}, column {_short(header)!r}"

        grids.append(_Grid(rows, place))
    return grids


def _read_csv(path: Path) -> tuple[list[_Piece], list[_Grid]]:
    text = _decode(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise AuditError(
            f"cannot be read as CSV ({exc})",
            path=path,
            hint="check the file opens in a spreadsheet; save it again as CSV (UTF-8)",
        ) from exc
    headers = rows[0] if rows else []

    def place(r: int, c: int, header: str = "") -> str:
        name = headers[c].strip() if c < len(headers) and headers[c].strip() else ""
        return f"row {r + 1}, column {_short(name)!r}" if name else f"row {r + 1}, column {c + 1}"

    pieces = [
        _Piece(place(r, c), value)
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value.strip()
    ]
    return pieces, [_Grid(rows, place)]


def _read_xlsx(path: Path) -> tuple[list[_Piece], list[_Grid]]:
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise AuditError(
            f"cannot be read as an Excel workbook ({exc})",
            path=path,
            hint="open it in Excel or LibreOffice and save it again as .xlsx",
        ) from exc
    pieces: list[_Piece] = []
    grids: list[_Grid] = []
    for sheet in book.worksheets:
        title = sheet.title
        pieces.append(_Piece(f"sheet name {title!r}", title))
        rows: list[list[str]] = []
        for row in sheet.iter_rows(min_row=1, min_col=1):
            values = []
            for cell in row:
                value = "" if cell.value is None else str(cell.value)
                values.append(value)
                if value.strip():
                    pieces.append(_Piece(f"{title}!{cell.coordinate}", value))
                if cell.comment is not None and cell.comment.text:
                    pieces.append(_Piece(f"{title}!{cell.coordinate} (comment)", cell.comment.text))
            rows.append(values)

        def place(r: int, c: int, header: str, title: str = title) -> str:
            return f"{title}!{get_column_letter(c + 1)}{r + 1}"

        grids.append(_Grid(rows, place))
    return pieces, grids


def _read_docx(path: Path) -> tuple[list[_Piece], list[_Grid]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise AuditError(
            f"cannot be read as a Word document ({exc})",
            path=path,
            hint="open it in Word or LibreOffice and save it again as .docx",
        ) from exc
    pieces = [
        _Piece(f"paragraph {number}", paragraph.text)
        for number, paragraph in enumerate(document.paragraphs, start=1)
    ]
    for number, section in enumerate(document.sections, start=1):
        for part, name in ((section.header, "header"), (section.footer, "footer")):
            text = "\n".join(paragraph.text for paragraph in part.paragraphs)
            pieces.append(_Piece(f"section {number} {name}", text))
    properties = document.core_properties
    pieces.append(
        _Piece(
            "document properties",
            "\n".join(
                str(value or "")
                for value in (properties.title, properties.author, properties.subject)
            ),
        )
    )
    grids = []
    for number, table in enumerate(document.tables, start=1):
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        headers = rows[0] if rows else []

        def place(r: int, c: int, header: str, number: int = number) -> str:
            return f"table {number}, row {r + 1}, column {_short(header)!r}"

        pieces += [
            _Piece(place(r, c, headers[c] if c < len(headers) else ""), value)
            for r, row in enumerate(rows)
            for c, value in enumerate(row)
            if value.strip()
        ]
        grids.append(_Grid(rows, place))
    return pieces, grids

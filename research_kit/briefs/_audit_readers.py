"""What a reader gets from a brief file: its pieces of text and its tables (private).

PDF text page by page, HTML's visible text plus ``alt``/``title``/``aria-label`` attributes and
the text of inline SVG charts, every cell of every CSV row and XLSX sheet, a Word document's
paragraphs, tables, headers and footers, any other file as plain text. Each piece and each
table cell says where it is (a page, a CSS path, a cell), for
:func:`~research_kit.briefs.audit.privacy_audit`.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from research_kit.errors import AuditError

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".svg"})
_CSV_SUFFIXES = frozenset({".csv", ".tsv"})
_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_READ_AS = "PDF, HTML, CSV, XLSX, DOCX or plain text"


@dataclass(frozen=True)
class Piece:
    """A run of text from one place of a file; ``by_line`` places findings by line instead."""

    where: str
    text: str
    by_line: bool = False


@dataclass(frozen=True)
class Grid:
    """The cells of one table (rows of text) and how to name a cell's place."""

    rows: list[list[str]]
    place: Callable[[int, int, str], str]  # (row, column, header) -> where


def _short(heading: str, limit: int = 40) -> str:
    """A column heading short enough for a ``where`` (survey questions make long headings)."""
    heading = " ".join(heading.split())
    return heading if len(heading) <= limit else heading[: limit - 1] + "…"


def read_brief(path: Path) -> tuple[list[Piece], list[Grid]]:
    """A brief's pieces of text and its tables, read as its suffix says (plain text otherwise).

    Raises
    ------
    AuditError
        The file cannot be read as its suffix says; the error names it and what to do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> _ = path.write_text("ward,n\\nWard 1,3\\n")
    >>> pieces, grids = read_brief(path)
    >>> [(piece.where, piece.text) for piece in pieces][:2]
    [("row 1, column 'ward'", 'ward'), ("row 1, column 'n'", 'n')]
    >>> grids[0].rows
    [['ward', 'n'], ['Ward 1', '3']]
    """
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
    return [Piece("", _decode(path.read_bytes(), path), by_line=True)], []


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


def _read_pdf(path: Path) -> list[Piece]:
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
            Piece(f"page {number}", page.extract_text() or "")
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
    return [*pieces, Piece("document properties", properties)]


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


def _read_html(path: Path) -> tuple[list[Piece], list[Grid]]:
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


def _html_pieces(root) -> list[Piece]:
    pieces: list[Piece] = []
    paths = _CssPaths()
    for element in root.iter():
        tag = _tag(element)
        if not tag or tag in _SKIPPED or any(_tag(a) in _SKIPPED for a in element.iterancestors()):
            if not tag and _in_svg(element) and element.text:  # a chart's text kept as a comment
                pieces.append(Piece(paths.where(element.getparent()) + " (comment)", element.text))
            continue
        if tag not in _INLINE or element.getparent() is None:
            text = _own_text(element)
            if text.strip():
                pieces.append(Piece(paths.where(element), text))
        for name in _READ_ATTRIBUTES:
            if element.get(name):
                pieces.append(Piece(f"{paths.where(element)}[{name}]", element.get(name)))
        if tag == "meta" and element.get("content"):
            pieces.append(Piece(f"{paths.where(element)}[content]", element.get("content")))
        href = element.get("href") or ""
        if href.lower().startswith(("mailto:", "tel:")):
            pieces.append(Piece(f"{paths.where(element)}[href]", urllib.parse.unquote(href)))
        source = element.get("src") or ""
        if source.startswith("data:image/svg+xml"):
            import lxml.html

            svg = lxml.html.fragment_fromstring(_data_uri(source), create_parent="div")
            pieces += [
                Piece(f"{paths.where(element)}[src] > {piece.where}", piece.text)
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


def _html_tables(root) -> list[Grid]:
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

        grids.append(Grid(rows, place))
    return grids


def _read_csv(path: Path) -> tuple[list[Piece], list[Grid]]:
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
        Piece(place(r, c), value)
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value.strip()
    ]
    return pieces, [Grid(rows, place)]


def _read_xlsx(path: Path) -> tuple[list[Piece], list[Grid]]:
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
    pieces: list[Piece] = []
    grids: list[Grid] = []
    for sheet in book.worksheets:
        title = sheet.title
        pieces.append(Piece(f"sheet name {title!r}", title))
        rows: list[list[str]] = []
        for row in sheet.iter_rows(min_row=1, min_col=1):
            values = []
            for cell in row:
                value = "" if cell.value is None else str(cell.value)
                values.append(value)
                if value.strip():
                    pieces.append(Piece(f"{title}!{cell.coordinate}", value))
                if cell.comment is not None and cell.comment.text:
                    pieces.append(Piece(f"{title}!{cell.coordinate} (comment)", cell.comment.text))
            rows.append(values)

        def place(r: int, c: int, header: str, title: str = title) -> str:
            return f"{title}!{get_column_letter(c + 1)}{r + 1}"

        grids.append(Grid(rows, place))
    return pieces, grids


def _read_docx(path: Path) -> tuple[list[Piece], list[Grid]]:
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
        Piece(f"paragraph {number}", paragraph.text)
        for number, paragraph in enumerate(document.paragraphs, start=1)
    ]
    for number, section in enumerate(document.sections, start=1):
        for part, name in ((section.header, "header"), (section.footer, "footer")):
            text = "\n".join(paragraph.text for paragraph in part.paragraphs)
            pieces.append(Piece(f"section {number} {name}", text))
    properties = document.core_properties
    pieces.append(
        Piece(
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
            Piece(place(r, c, headers[c] if c < len(headers) else ""), value)
            for r, row in enumerate(rows)
            for c, value in enumerate(row)
            if value.strip()
        ]
        grids.append(Grid(rows, place))
    return pieces, grids

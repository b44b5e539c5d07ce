"""A PDF source's text layer, and REFI-QDA ``PDFSelection`` rectangles as offsets into it.

REFI-QDA codes a PDF by rectangles on a page (``page``, ``firstX``/``firstY`` and
``secondX``/``secondY`` in PDF points, origin at the page's upper left corner). When the PDF has
a text layer, :func:`read_pdf_text` gives its text (pages joined by a blank line) with where
each run of text sits, and :func:`rectangle_offsets` turns a rectangle into the code-point span
of the runs inside it. A PDF without a text layer, or with a selection that covers no text, is
kept as a reference instead (see :mod:`research_kit.interviews.refi_records`).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

__all__ = ["PdfText", "read_pdf_text", "rectangle_offsets"]

_PAGE_BREAK = "\n\n"


@dataclass
class PdfText:
    """The text of a PDF and its runs: ``(page, x, y from the top, height, start, end)``.

    Pages are numbered from 0, as REFI-QDA's ``PDFSelection`` numbers them.
    """

    text: str
    runs: list[tuple[int, float, float, float, int, int]] = field(default_factory=list)


def read_pdf_text(data: bytes) -> PdfText | None:
    """The text layer of a PDF, or ``None`` when it has none (a scan) or cannot be read.

    Examples
    --------
    >>> read_pdf_text(b"not a pdf") is None
    True
    """
    import pypdf  # a core dependency, imported here to keep importing the package light

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs warn on every page
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except Exception:
        return None
    parts: list[str] = []
    runs = []
    offset = 0
    for number, page in enumerate(pages):
        if number:
            parts.append(_PAGE_BREAK)
            offset += len(_PAGE_BREAK)
        height = float(page.mediabox.top)
        chunks: list[tuple[str, float, float, float]] = []

        def visit(text, cm, tm, font, size, chunks=chunks, height=height):
            if text:
                x, y = _apply(tm, cm)
                scale = abs(tm[3] * cm[3]) or 1.0
                chunks.append((text, x, height - y, (size or 10.0) * scale))

        try:
            page.extract_text(visitor_text=visit)
        except Exception:
            return None
        for text, x, y, run_height in chunks:
            parts.append(text)
            if text.strip():
                runs.append((number, x, y, run_height, offset, offset + len(text)))
            offset += len(text)
    text = "".join(parts)
    if not text.strip():
        return None
    return PdfText(text, runs)


def _apply(tm, cm) -> tuple[float, float]:
    """The origin of the text matrix ``tm`` in page space (after the current matrix ``cm``)."""
    x, y = tm[4], tm[5]
    return cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]


def rectangle_offsets(
    pdf: PdfText, page: int, first: tuple[int, int], second: tuple[int, int]
) -> tuple[int, int] | None:
    """The span of text whose runs sit inside a rectangle of ``page`` (from 0), or ``None``.

    A run counts when the middle of its line lies inside the rectangle vertically and its
    start inside it horizontally; the span runs from the first such run to the last, with
    surrounding white space left out.

    Examples
    --------
    >>> pdf = PdfText("Hello\\nworld", [(0, 72, 100, 12, 0, 5), (0, 72, 120, 12, 6, 11)])
    >>> rectangle_offsets(pdf, 0, (60, 110), (300, 125))
    (6, 11)
    >>> rectangle_offsets(pdf, 1, (60, 110), (300, 125)) is None
    True
    """
    left, right = sorted((first[0], second[0]))
    top, bottom = sorted((first[1], second[1]))
    inside = [
        (start, end)
        for number, x, y, height, start, end in pdf.runs
        if number == page and left - 1 <= x <= right and top - 1 <= y - height / 2 <= bottom + 1
    ]
    if not inside:
        return None
    start, end = min(s for s, _ in inside), max(e for _, e in inside)
    while start < end and pdf.text[start].isspace():
        start += 1
    while end > start and pdf.text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None

"""How a PDF reads on paper, page by page: the smallest printed text and how full each page is.

Used by the legibility tests and by ``benchmarks/bench_brief.py``. Needs pypdfium2 (dev extra).

- Printed size of a character = its font size × the vertical scale of its full matrix (text
  matrix × current transformation × any form XObject around it), so text in an inlined SVG that
  WeasyPrint scales down counts at the size it prints.
- Fill = the share of the page's text block, from its top edge down, that reaches the lowest
  piece of content (text, paths, images). Running headers and page numbers sit in the margins
  and are left out, so an empty page has fill 0 and a page filled to its bottom margin has 1.
"""

from __future__ import annotations

import ctypes
import math
from pathlib import Path

import pandas as pd

MM = 72 / 25.4
#: Page margins (top, bottom) in mm of findings.css: ``@page`` and ``@page wide``.
MARGINS_MM = {"portrait": (22.0, 20.0), "landscape": (18.0, 16.0)}


def _printed_sizes(textpage) -> list[float]:
    import pypdfium2.raw as raw

    sizes = []
    matrix = raw.FS_MATRIX()
    for index in range(raw.FPDFText_CountChars(textpage)):
        char = raw.FPDFText_GetUnicode(textpage, index)
        if char in (0, 0xFFFE, 0xFFFF) or chr(char).isspace():
            continue  # generated line breaks and spaces have no ink
        size = raw.FPDFText_GetFontSize(textpage, index)
        if not raw.FPDFText_GetMatrix(textpage, index, ctypes.byref(matrix)):
            continue
        sizes.append(size * math.hypot(matrix.c, matrix.d))
    return sizes


def _lowest_content(page, top: float, bottom: float) -> float | None:
    """The lowest y (PDF points, origin at the bottom) of content inside the text block."""
    width, height = page.get_size()
    lowest = None
    for obj in page.get_objects(max_depth=1):
        left, low, right, high = obj.get_bounds()
        if (right - left) >= 0.95 * width and (high - low) >= 0.95 * height:
            continue  # a page-sized background
        if low >= height - top or high <= bottom:
            continue  # running header or page number in the margins
        low = max(low, bottom)
        lowest = low if lowest is None else min(lowest, low)
    return lowest


def page_measures(pdf_path: Path | str) -> pd.DataFrame:
    """One row per page: page (from 1), orientation, smallest_pt (printed text) and fill."""
    import pypdfium2 as pdfium

    rows = []
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        for number, page in enumerate(document, start=1):
            width, height = page.get_size()
            orientation = "landscape" if width > height else "portrait"
            top, bottom = (mm * MM for mm in MARGINS_MM[orientation])
            textpage = page.get_textpage()
            sizes = _printed_sizes(textpage.raw)
            # the running header and page number are text too, and must be legible as well
            lowest = _lowest_content(page, top, bottom)
            block = height - top - bottom
            fill = 0.0 if lowest is None else (height - top - lowest) / block
            rows.append(
                {
                    "page": number,
                    "orientation": orientation,
                    "smallest_pt": min(sizes) if sizes else math.nan,
                    "fill": round(min(max(fill, 0.0), 1.0), 3),
                }
            )
            textpage.close()
            page.close()
    finally:
        document.close()
    return pd.DataFrame(rows)

"""The findings PDF on paper: no text under 7 pt, no nearly empty page, footnotes in plain words.

One PDF of a copy of the sample study (shipped codings, six answer themes so that choosing k
is skipped) is measured page by page with pypdfium2 (:mod:`tests._pdf_pages`): the printed
size of every character, text inside the inlined SVG charts included, and how far down its
text block each page's content reaches.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests._pdf_pages import page_measures

pytest.importorskip("pypdfium2")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SMALLEST_PT = 7.0
LEAST_FILL = 1 / 3
#: Statistical terms a reader of the brief is not expected to know; the method section names
#: the tests with them, the rest of the brief says what they mean.
JARGON = (
    r"Rao[\u2013\u2014-]Scott",
    r"Taylor",
    r"lineari[sz]ed",
    r"Holm",
    r"Bonferroni",
    r"\bdeff\b",
    r"design effect",
    r"\bt-test",
    r"\bz-test",
    r"\bdf\s*=",
    r"\bp\s*(<|&lt;)",
    r"chi-square",
    r"\bWald\b",
    r"standard error",
    r"\bSE\b",
)


@pytest.fixture(scope="module")
def brief(sample_brief):
    """The sample study's findings and their PDF (assembled once per run, see conftest)."""
    return sample_brief.findings(), sample_brief.pdf()


@pytest.fixture(scope="module")
def pages(brief):
    return page_measures(brief[1])


def test_no_text_prints_under_7_pt(pages):
    small = pages[pages["smallest_pt"] < SMALLEST_PT - 0.01]
    assert small.empty, f"text under {SMALLEST_PT} pt:\n{small.to_string()}"


def _may_be_short(pages) -> set[int]:
    """Pages allowed to be less than a third full: the last one, and the page before a
    landscape page (a landscape section must start a page of its own)."""
    last = int(pages["page"].max())
    orientation = dict(zip(pages["page"], pages["orientation"], strict=True))
    before_landscape = {
        number
        for number in orientation
        if orientation.get(number + 1) == "landscape" and orientation[number] == "portrait"
    }
    return {last} | before_landscape


def test_no_page_is_less_than_a_third_full(pages):
    short = pages[(pages["fill"] < LEAST_FILL) & ~pages["page"].isin(_may_be_short(pages))]
    assert short.empty, f"pages less than a third full:\n{short.to_string()}"


def test_the_measures_see_shrunken_text_and_empty_pages(tmp_path):
    """The measures can fail: 20 pt text in an SVG drawn at a quarter of its size prints at
    5 pt, and a page holding one line is nearly empty."""
    weasyprint = pytest.importorskip("weasyprint")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 100" style="width: 100pt">'
        '<text x="10" y="50" font-size="20" font-family="DejaVu Sans">Shrunk</text></svg>'
    )
    html = (
        "<style>@page { size: A4; margin: 22mm 18mm 20mm; }</style>"
        f"<p style='font-size: 10pt'>One line.</p>{svg}"
    )
    path = tmp_path / "small.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    (row,) = page_measures(path).itertuples()
    assert row.smallest_pt == pytest.approx(5.0, abs=0.1)
    assert row.fill < 0.1


def _svg_text(svg: str) -> str:
    """The words a chart prints: its <text> elements, not its alt text or styles."""
    return " ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S))


def _jargon(text: str) -> list[str]:
    return [term for term in JARGON if re.search(term, text, flags=re.I)]


def test_captions_notes_and_chart_footnotes_are_in_plain_words(brief):
    findings, _ = brief
    found = {}
    for section in findings.sections:
        texts = [t.caption for t in section.tables] + [t.note for t in section.tables]
        for figure in section.figures:
            texts += [figure.caption, _svg_text(figure.svg)]
            texts += [_svg_text(page) for page in figure.print_pages]
        terms = _jargon(" ".join(texts))
        if terms:
            found[section.id] = terms
    assert not found, f"statistical jargon outside the method section: {found}"


def test_the_method_section_still_names_the_tests(brief):
    findings, _ = brief
    method = findings.method
    text = " ".join(
        [method.summary]
        + [t.note for t in method.tables]
        + [" ".join(map(str, t.frame.to_numpy().ravel())) for t in method.tables]
    )
    assert "t-test" in text and "Holm" in text and "lineari" in text

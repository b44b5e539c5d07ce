"""PDF and HTML findings: assembled from the sample study, escaped, suppressed, laid out.

Runs on copies of the sample study. One copy carries hostile text (a script tag and a
spreadsheet formula in the research question, a theme name and an interview note) and a high
minimum cell size, so one PDF checks escaping, suppression and layout at once.
"""

from __future__ import annotations

import re
import shutil
import statistics
from pathlib import Path

import pytest

from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs import (
    assemble_findings,
    export_html,
    export_pdf,
    render_html,
    section_html,
)
from research_kit.briefs.content import SUPPRESSED
from research_kit.errors import ResearchKitError
from research_kit.interviews import import_shipped_codings

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
REMOTE_URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*https?://|url\(\s*["']?https?://""", re.I)

pytestmark = pytest.mark.slow


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _add_hostile_text(folder: Path) -> None:
    """Hostile question, theme name and a coded interview note from Ward 6; min cell 350."""
    settings = folder / "study.yml"
    text = settings.read_text(encoding="utf-8")
    text = re.sub(r"question: >-\n(  .*\n)+", f"question: '{SCRIPT} {FORMULA}'\n", text, count=1)
    text = text.replace("min_cell_size: 5 ", "min_cell_size: 350 ", 1)
    settings.write_text(text, encoding="utf-8")
    codebook = folder / "codebook.yml"
    text = codebook.read_text(encoding="utf-8")
    codebook.write_text(
        text.replace("name: Waiting\n", f'name: "Waiting {SCRIPT}"\n', 1), encoding="utf-8"
    )
    (folder / "notes" / "P15_business-owner.md").write_text(
        "---\nparticipant: P15\nrole: business owner\nward: Ward 6\ndate: 2026-05-07\n"
        "interviewer: J.R.\nbusiness_type: Retail\n---\n\n# P15\n\n"
        f'A: "We waited four months for the status to change. {SCRIPT} {FORMULA}"\n',
        encoding="utf-8",
    )


def _code_hostile_note(folder: Path) -> None:
    """Append a J.R. coding of the hostile paragraph to the shipped codings CSV."""
    with open_study(folder) as study:
        text = study.document("P15_business-owner").text
    start = text.index('"We waited')
    end = text.index(FORMULA) + len(FORMULA) + 1
    excerpt = text[start:end].replace('"', '""')
    with (folder / "codings" / "sample_codings.csv").open("a", encoding="utf-8") as handle:
        for code in ("status_black_hole", "cost_of_delay"):
            handle.write(
                f'"P15_business-owner",{start},{end},"{code}","J.R.","manual","{excerpt}"\n'
            )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Findings (theme Waiting) of a hostile copy of the sample, with HTML and PDF."""
    folder = tmp_path_factory.mktemp("report") / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    _add_hostile_text(folder)
    _code_hostile_note(folder)
    out = folder.parent
    # A fixed number of answer themes: choosing k is the slow step, tested once below.
    with open_study(folder) as study, pytest.MonkeyPatch.context() as patch:
        import_shipped_codings(study)
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)
        findings = assemble_findings(study, theme="waiting")
    html_path = export_html(findings, out / "findings.html")
    pdf_path = export_pdf(findings, out / "findings.pdf")
    return findings, html_path.read_text(encoding="utf-8"), pdf_path


def test_assemble_gives_every_section_with_content(sample_study_path):
    with open_study(sample_study_path) as study:
        import_shipped_codings(study)
        findings = assemble_findings(study)
    assert [s.id for s in findings.sections] == [
        "interviews",
        "survey",
        "themes",
        "process",
        "measures",
        "equity",
    ]
    assert findings.method.id == "method"
    assert 3 <= len(findings.headlines) <= 5
    assert all(line.strip() for line in findings.headlines)
    for section in [*findings.sections, findings.method]:
        assert section.summary and section.tables, section.id
        assert all(not table.frame.empty for table in section.tables), section.id
    for section in findings.sections:
        assert section.figures and all("<svg" in f.svg and f.alt for f in section.figures)
    interviews = findings.section("interviews")
    assert 2 <= len(interviews.quotes) <= 9
    for quote in interviews.quotes:  # role and ward only, never a name or participant id
        assert re.fullmatch(r"[a-z -]+(, Ward \d)?|Ward \d|a participant", quote.attribution), (
            quote.attribution
        )
        assert not re.search(r"\bP\d\d\b", quote.text)
    assert findings.section("survey").notice is None  # weighting and themes are available
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    assert "kappa" in method["Inter-coder agreement"]
    assert "raked" in method["Survey weighting"] and "design effect" in method["Survey weighting"]
    assert "design-based t-test" in method["Survey statistics"]
    themes = findings.answer_themes
    assert f"grouped into {themes.clusterer.n_themes_} themes" in method["Open-ended answers"]
    assert themes.clusterer.criterion_.rstrip(".") in method["Open-ended answers"]
    assert "not available" not in render_html(findings).lower()


def test_filters_change_the_numbers(sample_study_path, sample_brief, monkeypatch):
    monkeypatch.setattr(survey_findings, "ANSWER_THEMES_K", 6)
    with open_study(sample_study_path) as study:
        import_shipped_codings(study)
        everyone = sample_brief.findings()  # assemble_findings(study), made once per run
        reuse = {"answer_themes": everyone.answer_themes}  # as the dashboard does
        # The council's brief picks quotes by ward (a public one never does).
        ward = assemble_findings(study, ward="Ward 2", audience="council", **reuse)
        by_age = assemble_findings(study, by="age_band", theme="Waiting", **reuse)
        cases = study.event_log().query("ward == 'Ward 2'")["case_id"].nunique()
        with pytest.raises(ResearchKitError, match="break the survey down"):
            assemble_findings(study, by="shoe_size")
        with pytest.raises(ResearchKitError, match="ward"):
            assemble_findings(study, ward="Ward 99")
    whole = everyone.section("survey").tables[1].frame
    one = ward.section("survey").tables[1].frame
    assert set(one["Ward"]) == {"Ward 2"} and len(whole) > len(one)
    assert (
        everyone.section("survey").tables[0].frame["n"].tolist()
        != ward.section("survey").tables[0].frame["n"].tolist()
    )
    assert f"{cases:,} permit cases in Ward 2" in ward.section("process").summary
    assert everyone.section("process").summary != ward.section("process").summary
    # One participant lives in Ward 2: quotes listed under that ward would point at them.
    assert not ward.section("interviews").quotes
    assert "Fewer than 5 interview participants" in ward.section("interviews").notice
    assert "Age" in by_age.section("survey").tables[1].frame.columns
    assert "by age" in by_age.section("themes").figures[0].alt
    assert "in Ward 2" in ward.section("themes").tables[0].note
    assert (
        everyone.section("themes").tables[0].frame.iloc[:, 1].tolist()
        != ward.section("themes").tables[0].frame.iloc[:, 1].tolist()
    )
    assert {q.theme for q in by_age.section("interviews").quotes} == {"Waiting"}


def test_small_groups_are_suppressed(hostile):
    findings, html, _ = hostile
    table = findings.section("survey").tables[1].frame  # by ward: some wards under 350
    assert (table["n"] == SUPPRESSED).any()
    hidden = table[table["n"] == SUPPRESSED]
    assert (hidden["Agree"] == SUPPRESSED).all()
    assert (hidden["Margin of error (95%)"] == SUPPRESSED).all()
    assert "rk-suppressed" in html
    roles = findings.method.tables[1].frame
    assert (roles["Interviews"] == SUPPRESSED).all()  # no role has 350 interviews


def test_hostile_text_is_escaped_in_html(hostile):
    findings, html, _ = hostile
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert any(
        SCRIPT in q.text and FORMULA in q.text for q in findings.section("interviews").quotes
    )
    assert "=HYPERLINK(&#34;http://x&#34;)" in html or "=HYPERLINK(&quot;http://x&quot;)" in html
    assert not REMOTE_URL.search(html), REMOTE_URL.search(html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids are unique across the inline SVGs"
    assert "<link" not in html and "@import" not in html  # self-contained


def test_pdf_has_sections_pages_and_hostile_text_as_text(hostile):
    pypdf = pytest.importorskip("pypdf")
    _, _, pdf_path = hostile
    reader = pypdf.PdfReader(pdf_path)
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in (
        "Summary",
        "What people told us",
        "What the survey says",
        "What people asked for",
        "Where applications get stuck",
        "How we did this",
    ):
        assert heading in text, heading
    assert _squash(SCRIPT) in _squash(text)
    assert _squash(FORMULA) in _squash(text.replace("\u201c", '"').replace("\u201d", '"'))
    assert "Page 2 of" in text  # page numbers in the margin
    assert "notavailable" not in _squash(text)
    assert "Weightedtothepopulation" in _squash(text)


def test_pdf_pages_are_not_blank(hostile, tmp_path):
    pdfium = pytest.importorskip("pypdfium2")
    _, _, pdf_path = hostile
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        for index in (0, 2):
            image = document[index].render(scale=0.5).to_pil().convert("L")
            pixels = list(image.tobytes())
            assert statistics.pvariance(pixels) > 50, f"page {index + 1} looks blank"
            image.save(tmp_path / f"page{index + 1}.png")
    finally:
        document.close()


def test_render_html_links_the_stylesheet_when_not_standalone(hostile):
    findings, _, _ = hostile
    linked = render_html(findings, standalone=False)
    assert 'href="findings.css"' in linked and "<style>" not in linked


def _text_sizes(page) -> list[float]:
    """The printed size in points of every text object of a PDF page (pypdfium2)."""
    import ctypes

    import pypdfium2 as pdfium

    sizes = []
    for obj in page.get_objects(max_depth=10):
        if obj.type == pdfium.raw.FPDF_PAGEOBJ_TEXT:
            size = ctypes.c_float()
            pdfium.raw.FPDFTextObj_GetFontSize(obj.raw, ctypes.byref(size))
            matrix = obj.get_matrix()
            sizes.append(size.value * (matrix.a**2 + matrix.b**2) ** 0.5)
    return sizes


def test_the_pdf_prints_the_swimlane_over_pages_at_7_pt(hostile):
    pdfium = pytest.importorskip("pypdfium2")
    findings, html, pdf_path = hostile
    (figure,) = findings.section("process").figures
    assert len(figure.print_pages) > 1
    # the screen keeps one drawing; print shows the pages instead
    process_html = html.split('id="process"')[1].split("<section")[0]
    assert process_html.count('class="rk-svg rk-print-page"') == len(figure.print_pages)
    assert "rk-section-wide" not in html.split('id="process"')[0].rsplit("<section", 1)[-1]
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        counters = []
        for page in document:
            text = page.get_textpage().get_text_range()
            found = re.findall(r"\(page (\d+) of (\d+)\)", text)
            if found:
                counters += found
                assert min(_text_sizes(page)) >= 7.0 - 0.01
    finally:
        document.close()
    total = len(figure.print_pages)
    assert counters == [(str(n), str(total)) for n in range(1, total + 1)]


def test_the_dashboard_section_keeps_one_scrollable_swimlane(hostile):
    findings, _, _ = hostile
    html = section_html(findings.section("process"))
    assert "rk-print-page" not in html and "rk-figure-wide" in html
    assert html.count("<svg") == 1

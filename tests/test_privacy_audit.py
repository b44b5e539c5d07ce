"""The privacy audit: briefs in every format, scanned for what they must not give away."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from research_kit import open_study
from research_kit.briefs.audit import AUDIT_COLUMNS, privacy_audit, sensitive_terms
from research_kit.cli import main

# Boilerplate every brief has and no audit should flag.
BOILERPLATE = (
    "Ward 4 in 2026: 45% agree (±3 pts, n=412). Groups with fewer than 5 people are "
    "suppressed. Permit P99 and case 2024-117 took 5.6 wk; call 311."
)


def _audit(capsys, study: Path, *files: Path) -> tuple[int, list[str]]:
    status = main(["privacy-audit", *map(str, files), "--study", str(study)])
    captured = capsys.readouterr()
    return status, captured.out.splitlines() + captured.err.splitlines()


def _findings(study: Path, *files: Path):
    with open_study(study, create=False) as opened:
        return privacy_audit(opened, files)


@pytest.fixture
def study(sample_study_path: Path) -> Path:
    """The sample study with a participant name on one note and a three-word listed name."""
    note = sample_study_path / "notes" / "P03_front-desk-clerk.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace("---\n", "---\nname: Dana Ortiz\n", 1),
        encoding="utf-8",
    )
    settings = sample_study_path / "study.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "names: [Marisol, Denise]", "names: [Marisol, Denise, Fiona Griffin]"
        ),
        encoding="utf-8",
    )
    return sample_study_path


def test_sensitive_terms_gather_names_ids_note_names_and_coders(study):
    from research_kit.interviews import import_codings

    with open_study(study, create=False) as opened:
        before = sensitive_terms(opened)
        for path in opened.settings.codings:
            import_codings(opened, path)
        terms = sensitive_terms(opened)
    assert list(terms.columns) == ["term", "kind"]
    kinds = dict(zip(terms["term"], terms["kind"], strict=True))
    assert kinds["Marisol"] == kinds["Fiona Griffin"] == "listed name"
    assert kinds["Dana Ortiz"] == kinds["Dana"] == kinds["Ortiz"] == "participant name"
    assert kinds["P03"] == "participant id"
    assert kinds["P03_front-desk-clerk"] == kinds["P03_front-desk-clerk.md"] == "note name"
    # Before any coding, the coders known are the notes' interviewers.
    interviewers = {str(doc.attributes["interviewer"]) for doc in opened.documents()}
    assert set(before.loc[before["kind"] == "coder", "term"]) == interviewers
    coders = set(terms.loc[terms["kind"] == "coder", "term"])
    shipped = "".join(path.read_text(encoding="utf-8") for path in study.glob("codings/*.csv"))
    assert coders and all(coder in shipped for coder in coders)


def test_html_alt_text_entities_aria_label_and_inline_svg(study, tmp_path, capsys):
    brief = tmp_path / "brief.html"
    brief.write_text(
        "<!doctype html><html><head><title>Findings</title></head><body>"
        f"<main id='top'><p>{BOILERPLATE}</p>"
        "<figure><img src='x.png' alt='Marisol at the permit counter'></figure>"
        "<p>As <b>Den</b>ise put it&nbsp;— no, as &#68;enise said.</p>"
        "<button aria-label='Play the interview with P07'>▶</button>"
        "<svg viewBox='0 0 10 10'><text x='1' y='1'>Quote from "
        "<tspan>P12_manager</tspan></text></svg>"
        "<script>const hidden = 'Marisol';</script>"
        "</main></body></html>",
        encoding="utf-8",
    )
    status, lines = _audit(capsys, study, brief)
    assert status == 1
    text = "\n".join(lines)
    assert re.search(r"brief\.html: main#top > figure > img\[alt\]: listed name 'Mar…'", text)
    assert re.search(r"main#top > p:nth-of-type\(2\): listed name 'De…'", text)
    assert re.search(r"button\[aria-label\]: participant id 'P…'", text)
    assert re.search(r"svg > text: note name 'P12…'", text)
    assert "Marisol" not in text and "P12_manager" not in text  # the output is masked
    found = _findings(study, brief)
    assert list(found.columns) == AUDIT_COLUMNS
    assert sorted(found["text"]) == ["Denise", "Marisol", "P07", "P12_manager"]  # not the script


def test_csv_small_cell_in_a_count_column(study, tmp_path, capsys):
    table = tmp_path / "by_ward.csv"
    table.write_text(
        "Ward,n,Agree\nWard 1,12,45%\nWard 2,3,67%\nWard 3,suppressed,suppressed\n"
        "Ward 4,<5,suppressed\n",
        encoding="utf-8",
    )
    status, lines = _audit(capsys, study, table)
    assert status == 1
    assert f"{table}: row 3, column 'n': small cell '3'" in lines
    assert f"{table}: row 5, column 'n': range label '<5'" in lines
    assert not any("row 2" in line or "row 4" in line for line in lines)
    assert lines[-1].startswith("privacy audit: 2 findings in 1 file")


def test_xlsx_every_sheet_and_cell(study, tmp_path, capsys):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Summary"
    first.append(["Role", "Interviews"])
    first.append(["inspector", 6])
    second = book.create_sheet("Contacts")
    second.append(["Who", "How"])
    second.append(["Permit desk", "call 311"])
    second.append(["Owner", "dana.o@example.org"])
    path = tmp_path / "brief.xlsx"
    book.save(path)
    status, lines = _audit(capsys, study, path)
    assert status == 1
    assert lines[0] == f"{path}: Contacts!B3: email 'dan…'"
    assert len(lines) == 2  # one finding and the summary: Summary is clean


def test_docx_paragraphs_tables_and_footer(study, tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph(BOILERPLATE)
    document.add_paragraph("We thank everyone, Denise most of all.")
    table = document.add_table(rows=3, cols=2)
    cells = [("Role", "n"), ("inspector", "2"), ("clerk", "9")]
    for row, values in zip(table.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.sections[0].footer.paragraphs[0].text = "Contact: P07_resident"
    path = tmp_path / "brief.docx"
    document.save(path)
    found = _findings(study, path)
    rows = set(zip(found["where"], found["kind"], found["text"], strict=True))
    assert rows == {
        ("paragraph 2", "listed name", "Denise"),
        ("section 1 footer", "note name", "P07_resident"),
        ("table 1, row 2, column 'n'", "small cell", "2"),
    }


def test_pdf_name_split_across_lines(study, tmp_path, capsys):
    weasyprint = pytest.importorskip("weasyprint")
    pdf = tmp_path / "brief.pdf"
    weasyprint.HTML(
        string=(
            "<html><body style='font: 12pt sans-serif'>"
            f"<p>{BOILERPLATE}</p>"
            # A column too narrow for the name: it breaks at the soft hyphen, over two lines.
            "<p style='width: 4.5em; margin-top: 2em'>Thanks to Mari&shy;sol, always.</p>"
            "<p style='width: 3em'>Dana Ortiz</p>"
            "</body></html>"
        )
    ).write_pdf(pdf)
    found = _findings(study, pdf)
    assert set(zip(found["where"], found["kind"], strict=True)) == {
        ("page 1", "listed name"),
        ("page 1", "participant name"),
    }
    status, lines = _audit(capsys, study, pdf)
    assert status == 1
    assert f"{pdf}: page 1: listed name 'Mar…'" in lines
    assert f"{pdf}: page 1: participant name 'Dan…'" in lines


def test_text_ligatures_hyphenation_ids_and_coders(study, tmp_path):
    from research_kit.interviews import import_codings

    with open_study(study, create=False) as opened:
        for path in opened.settings.codings:
            import_codings(opened, path)
        coder = sorted(sensitive_terms(opened).query("kind == 'coder'")["term"])[0]
    notes = tmp_path / "notes.txt"  # an unknown-to-the-audit suffix would read the same
    notes.write_text(
        f"{BOILERPLATE}\n"
        "Thanks to Fiona Gri\ufb03n (ligature) and to Mari-\nsol.\n"
        "P12 said it; see P12_manager.md. Not P120, AP12 or p12x.\n"
        f"Coded by {coder}; reach me at 503-555-0142 or 12 Alder St.\n",
        encoding="utf-8",
    )
    found = _findings(study, notes)
    rows = set(zip(found["where"], found["kind"], found["text"], strict=True))
    assert rows == {
        ("line 2", "listed name", "Fiona Griffin"),
        ("line 2", "listed name", "Marisol"),
        ("line 4", "participant id", "P12"),
        ("line 4", "note name", "P12_manager.md"),
        ("line 5", "coder", coder),
        ("line 5", "phone", "503-555-0142"),
        ("line 5", "address", "12 Alder St."),
    }


def test_small_cells_written_in_text_and_range_labels_in_tables(study, tmp_path):
    page = tmp_path / "table.html"
    page.write_text(
        "<p>Residents (n = 3) and owners (n 2) said so; inspectors (n=40) did not.</p>"
        "<p>Kept out: one ward (N<5).</p>"
        "<table><tr><th>Ward</th><th>Answers (n)</th><th>Agree</th></tr>"
        "<tr><td colspan='3'>It was easy to find out which permits I needed</td></tr>"
        "<tr><td>Ward 1</td><td>4</td><td>25%</td></tr>"
        "<tr><td>Ward 2</td><td>1–4</td><td>suppressed</td></tr>"
        "<tr><td>Ward 3</td><td>suppressed</td><td>fewer than 5</td></tr>"
        "<tr><td>Ward 4</td><td>3,250</td><td>1-4 employees</td></tr></table>",
        encoding="utf-8",
    )
    found = _findings(study, page)
    rows = set(zip(found["where"], found["kind"], found["text"], strict=True))
    assert rows == {
        ("p:nth-of-type(1)", "small cell", "n = 3"),
        ("p:nth-of-type(1)", "small cell", "(n 2)"),
        ("p:nth-of-type(2)", "range label", "N<5"),
        ("table 1, row 3, column 'Answers (n)'", "small cell", "4"),
        ("table 1, row 4, column 'Answers (n)'", "range label", "1–4"),
        ("table 1, row 5, column 'Agree'", "range label", "fewer than 5"),
    }


def test_min_cell_size_comes_from_the_study_or_the_command(study, tmp_path, capsys):
    table = tmp_path / "counts.csv"
    table.write_text("Role,count\ninspector,6\n", encoding="utf-8")
    assert _audit(capsys, study, table)[0] == 0
    settings = study / "study.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("min_cell_size: 5", "min_cell_size: 10"),
        encoding="utf-8",
    )
    status, lines = _audit(capsys, study, table)
    assert status == 1 and f"{table}: row 2, column 'count': small cell '6'" in lines
    status = main(["privacy-audit", str(table), "--study", str(study), "--min-cell-size", "3"])
    assert status == 0


def test_clean_files_exit_zero(study, tmp_path, capsys):
    page = tmp_path / "clean.html"
    page.write_text(
        f"<h1>Permitting in Port Alder</h1><p>{BOILERPLATE}</p>"
        "<img alt='Bar chart of agreement by ward' src='chart.png'>"
        "<table><tr><th>Ward</th><th>n</th></tr><tr><td>Ward 1</td><td>12</td></tr>"
        "<tr><td>Ward 2</td><td>suppressed</td></tr></table>",
        encoding="utf-8",
    )
    table = tmp_path / "clean.csv"
    table.write_text("Ward,n,Agree\nWard 1,12,45%\nWard 2,suppressed,suppressed\n")
    status, lines = _audit(capsys, study, page, table)
    assert status == 0
    assert lines == ["privacy audit: no findings in 2 files"]


def test_unreadable_or_missing_files_exit_two_naming_the_file(study, tmp_path, capsys):
    missing = tmp_path / "nowhere.pdf"
    status, lines = _audit(capsys, study, missing)
    assert status == 2
    assert lines == [
        f"error: {missing}: no such file — give the path of a PDF, HTML, CSV or XLSX "
        "brief that exists"
    ]
    broken = tmp_path / "brief.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not the rest of a PDF")
    binary = tmp_path / "brief.odt"
    binary.write_bytes(b"PK\x03\x04\x00\x00 an OpenDocument text")
    word = tmp_path / "brief.docx"
    word.write_bytes(b"PK\x03\x04\x00\x00 not really a Word document")
    for path, what in (
        (broken, "cannot be read as a PDF"),
        (binary, "is not plain text"),
        (word, "cannot be read as a Word document"),
    ):
        status, lines = _audit(capsys, study, path)
        assert status == 2
        assert lines[0].startswith(f"error: {path}: {what}")
        assert "Traceback" not in "\n".join(lines)


@pytest.mark.shared
def test_real_survey_exports_and_measures(study, shared_data):
    """Exports nobody here wrote: every sheet and cell is read; the e-mail column is found."""
    from research_kit.briefs.audit import FINDING_KINDS

    files = [
        *sorted((shared_data / "survey-exports").glob("*.xlsx")),
        *sorted((shared_data / "survey-exports").glob("*.csv")),
        shared_data / "multilingual" / "tatoeba_test_extract.tsv",
    ]
    found = _findings(study, *files)
    assert set(found["kind"]) <= set(FINDING_KINDS)
    monkey = found[found["file"].str.endswith("surveymonkey_dc_anc_2022_full.csv")]
    assert (monkey["kind"] == "email").any()
    assert monkey["where"].str.match(r"row \d+, column ").all()

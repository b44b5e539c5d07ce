"""Injection safety: hostile strings in every user-text field, checked in every output (issue 7).

A copy of the sample study gets hostile values (``tests/data/hostile.py``: markup, Jinja,
spreadsheet formulas, mathtext, CDATA ends, entities, bidi and control characters, a
5,000-character string) in note text and front matter, the codebook (a new code, a renamed
code, definitions), memos, coder names, survey open answers and a survey attribute, event-log
activities and resources, and process-map step and lane labels. Every output is then read back
with a real parser: CSV/XLSX (no cell a spreadsheet would run, text still readable), HTML and
SVG (no element or attribute injected, templates not evaluated, the literal text present), the
PDF's text, the QDPX XML (valid against the REFI-QDA schema) and the CLI.

The codings CSV (:func:`research_kit.interviews.export_codings`) is an interchange file read back
by :func:`~research_kit.interviews.import_codings`: it is *not* neutralised (that would change
coder names and passages on the way back), so it is checked for an exact round trip instead.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from research_kit import interviews as iv
from research_kit import open_study
from research_kit.privacy import FORMULA_TRIGGERS, looks_like_formula

_SPEC = importlib.util.spec_from_file_location(
    "rk_hostile_strings", Path(__file__).parent / "data" / "hostile.py"
)
H = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(H)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_STUDY = ROOT / "interview_data"
QDPX_SCHEMA = ROOT.parent / "shared" / "data" / "refi-qda" / "Project-mrt2019.xsd"

CODER = f"{H.AT} {H.SCRIPT} field:coder"
ACTIVITY = H.payload(0, "activity", single_line=True)
RESOURCE = H.payload(3, "resource", single_line=True)
STEP_LABEL = H.payload(1, "step", single_line=True)
LANE_LABEL = H.payload(2, "lane")
LANGUAGE = H.payload(0, "survey_attribute", single_line=True)
CODE_NAME = H.payload(0, "code_name", single_line=True)
RENAMED = H.payload(2, "renamed_code", single_line=True)
DEFINITION = H.payload(3, "definition") + " " + H.LONG
MEMO = H.payload(4, "memo") + " " + H.CONTROL
#: Whole markup payloads that must come out as text, never as markup or evaluated templates.
LITERALS = (H.SCRIPT, H.IMG, H.JINJA_EXPR, H.JINJA_RAW, H.MATH, H.FRAC, H.CDATA_END, H.ENTITY)


# -- the hostile study -----------------------------------------------------------------------------
def _build(target: Path) -> Path:
    shutil.copytree(SAMPLE_STUDY, target, ignore=shutil.ignore_patterns("study.db*"))
    for i, note in enumerate(sorted((target / "notes").glob("*.md"))):
        _, front, body = note.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        meta["setting"] = H.payload(i, "setting") + " " + H.RTL
        if i % 3 == 0:
            meta["interviewer"] = H.payload(i + 1, "interviewer", single_line=True)
        text = H.payload(i, "note") + " " + H.RTL + " " + H.CONTROL
        body = body.rstrip("\n") + f"\n\nA: {text}\n" + (f"\n{H.LONG}\n" if i == 0 else "")
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        note.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    settings_path = target / "study.yml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["attributes"]["language"]["values"].append(LANGUAGE)
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")

    survey = target / "survey" / "permitting_survey_2026.csv"
    with survey.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    change = rows[0].index("What one thing should the City change about permitting?")
    story = rows[0].index(
        "Tell us about your most recent experience getting a permit or license in Port Alder."
    )
    language = rows[0].index("Language")
    for i, row in enumerate(rows[1:]):
        row[change] = H.payload(i, "survey_open") + " " + H.RTL
        if i % 2 == 0:
            row[story] = H.CONTROL + " " + H.LONG if i == 0 else H.payload(i + 3, "survey_story")
        if i < 8:
            row[language] = LANGUAGE
    with survey.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)

    log = target / "process" / "permit_events.csv"
    with log.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        row[1] = ACTIVITY if row[1] == "Completeness check" else row[1]
        row[4] = RESOURCE if row[4] == "PC-03" else row[4]
    with log.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)

    spec_path = target / "process" / "permit_process.yml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    for step in spec["steps"]:
        if step["id"] == "completeness_check":
            step["label"], step["activity"] = STEP_LABEL, ACTIVITY
    spec["lanes"][1]["label"] = LANE_LABEL
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    return target


@pytest.fixture(scope="module")
def hostile_study(tmp_path_factory):
    """The sample study (a private copy) with hostile values in every user-text field."""
    folder = _build(tmp_path_factory.mktemp("hostile") / "sample_study")
    study = open_study(folder)
    iv.add_code(
        study, CODE_NAME, code_id="hostile_code", parent="finding_your_way", definition=DEFINITION
    )
    iv.rename_code(study, "cost_of_delay", RENAMED)
    for document in study.documents():
        start = document.text.rfind("A: ") + 3  # the passage starts with a formula trigger
        end = len(document.text.rstrip())
        iv.apply_code(study, document.id, start, end, "hostile_code", coder=CODER)
        iv.apply_code(study, document.id, start, end, "cost_of_delay", coder="J.R.")
    first = study.documents()[0].id
    iv.add_memo(study, MEMO, on="document", target=first, coder=CODER)
    iv.add_memo(study, H.payload(5, "code_memo"), on="code", target="hostile_code")
    yield study
    study.close()


# -- helpers ---------------------------------------------------------------------------------------
class _Page(HTMLParser):
    """Elements, attributes and text of an HTML or SVG page, as a browser's tokenizer sees them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.parts: list[str] = []
        self.feed(markup)
        self.close()
        self.text = "".join(self.parts)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.parts.append(data)


def _assert_inert(markup: str, *, fields: tuple[str, ...] = ()) -> _Page:
    """No injected element/attribute, no evaluated template; the hostile text is there as text."""
    page = _Page(markup)
    assert "script" not in page.tags and "img" not in page.tags
    assert not any(name.startswith("on") for name in page.attributes), page.attributes
    text = " ".join(page.text.split())
    attrs_and_text = text + " " + " ".join(" ".join(_attr_values(markup)).split())
    for field in fields:
        assert f"field:{field}" in attrs_and_text, f"{field} missing from the output"
    assert f"{H.JINJA_RAW} {H.MATH}" in text  # template tags neither evaluated nor dropped
    for literal in LITERALS:
        assert literal in text, literal
    assert f"{H.IMG} {H.JINJA_EXPR}" in text  # {{7*7}} kept, never 49
    return page


def _attr_values(markup: str) -> list[str]:
    values: list[str] = []

    class _Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            values.extend(value or "" for _, value in attrs)

    _Collect(convert_charrefs=True).feed(markup)
    return values


def _risky(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS)


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _xlsx_cells(path: Path) -> list:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "formula cells written"
    # Text is kept exact in text cells; what starts like a formula is also quote-prefixed.
    texts = [cell for cell in cells if isinstance(cell.value, str)]
    assert all(cell.data_type == "s" for cell in texts)
    assert all(cell.quotePrefix for cell in texts if looks_like_formula(cell.value))
    return [cell.value for cell in cells]


def _readable(cells: list, needle: str) -> bool:
    """Some cell holds ``needle`` once a leading neutralising apostrophe is taken off."""
    return any(isinstance(c, str) and needle in c.removeprefix("'") for c in cells)


# -- (1) spreadsheets ------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("export", "fields"),
    [
        (iv.export_quotes, ("note", "code_name", "renamed_code", "coder", "setting")),
        (iv.export_code_matrix, ("note",)),
        (iv.export_codebook, ("code_name", "renamed_code", "definition")),
    ],
    ids=["quotes", "code_matrix", "codebook"],
)
def test_spreadsheet_exports_cannot_run(hostile_study, tmp_path, export, fields, suffix):
    path = export(hostile_study, tmp_path / f"out{suffix}")
    cells = _csv_cells(path) if suffix == ".csv" else _xlsx_cells(path)
    if suffix == ".csv":
        assert not [c for c in cells if _risky(c)]
    for field in fields:
        assert _readable(cells, f"field:{field}"), field
    assert _readable(cells, H.SCRIPT) and _readable(cells, H.JINJA_EXPR)
    starts = {"=HYP", "-2+3", "@SUM"}
    if export is not iv.export_codebook:  # coded passages begin with every formula start
        starts |= {start[:4] for start in H.FORMULA_STARTS}
    quote = "'" if suffix == ".csv" else ""  # an .xlsx text cell keeps the text as it is
    starts = {quote + start for start in starts}
    for start in starts:
        assert any(isinstance(c, str) and c.startswith(start) for c in cells), repr(start)


def test_codings_csv_round_trips_exactly(hostile_study, tmp_path):
    """The codings file is for research_kit, not for Excel: hostile values come back unchanged."""
    path = iv.export_codings(hostile_study, tmp_path / "codings.csv")
    table = iv.read_codings_csv(path)
    original = iv.codings(hostile_study)
    key = ["document_id", "start", "end", "code_id", "coder"]
    assert sorted(map(tuple, table[[*key, "text"]].astype(str).values)) == sorted(
        map(tuple, original[[*key, "text"]].astype(str).values)
    )
    assert CODER in set(table["coder"])
    assert any(H.CONTROL in text for text in table["text"])
    copy = tmp_path / "copy"
    shutil.copytree(hostile_study.folder, copy, ignore=shutil.ignore_patterns("study.db*"))
    with open_study(copy) as fresh:
        iv.import_codings(fresh, path)
        again = iv.codings(fresh)
        assert sorted(map(tuple, again[[*key, "text"]].astype(str).values)) == sorted(
            map(tuple, original[[*key, "text"]].astype(str).values)
        )


# -- (2) HTML and SVG ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def findings(hostile_study):
    from research_kit.briefs.findings import assemble_findings

    return assemble_findings(hostile_study, audience="department")


def test_brief_html_escapes_everything(findings):
    from research_kit.briefs.report import render_html, section_html

    # The brief quotes the primary coder's passages and shows the map's lanes and steps; it
    # never names a coder ("Coder A" stands for them), so the hostile coder name is gone.
    page = render_html(findings)
    _assert_inert(page, fields=("code_name", "lane", "note", "step"))
    assert "field:coder" not in page
    figures = [figure for section in findings.sections for figure in section.figures]
    for figure in figures:  # the brief's charts: labels are text, never mathtext or markup
        _assert_svg(figure.svg, STEP_LABEL if "field:step" in figure.svg else "")
    assert any("field:step" in figure.svg for figure in figures)
    for section in [*findings.sections, findings.method]:
        fragment = section_html(section)
        parsed = _Page(fragment)
        assert "script" not in parsed.tags and "img" not in parsed.tags
        assert not any(name.startswith("on") for name in parsed.attributes)


def test_brief_grouped_by_hostile_attribute(hostile_study):
    """A survey attribute value (the group label in tables and charts) stays text."""
    from research_kit.briefs.findings import assemble_findings
    from research_kit.briefs.report import render_html

    markup = render_html(assemble_findings(hostile_study, by="language"))
    _assert_inert(markup, fields=("survey_attribute",))


def test_coding_panel_html_escapes_everything(hostile_study):
    from research_kit.widgets.highlight import code_colours, legend_html, render_document_html

    book = hostile_study.codebook()
    colours = code_colours(book)
    labels = {code.id: code.name for code in book}
    for document in hostile_study.documents()[:3]:
        coded = iv.codings(hostile_study)
        coded = coded[coded["document_id"] == document.id]
        page = render_document_html(document.text, coded, colours, labels=labels)
        _assert_inert(page, fields=("note",))
        assert any(CODE_NAME in value for value in _attr_values(page))  # hover title
        legend = _Page(legend_html(book, coded, colours))
        assert "script" not in legend.tags and "img" not in legend.tags
        assert CODE_NAME in legend.text and RENAMED in legend.text


def test_process_explorer_step_report_escapes(hostile_study):
    pytest.importorskip("ipywidgets")
    from research_kit.widgets.process_explorer import ProcessExplorer

    explorer = ProcessExplorer(hostile_study)
    report = explorer.step_report("completeness_check")
    page = _Page(report)
    assert "script" not in page.tags and "img" not in page.tags
    assert not any(name.startswith("on") for name in page.attributes)
    assert STEP_LABEL in page.text
    assert "<svg" in explorer.map_view.value
    _assert_svg(explorer.map_view.value, ACTIVITY)


def _assert_svg(svg: str, *expected: str) -> None:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(svg.encode("utf-8") if svg.startswith("<?xml") else svg)
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert not tags & {"script", "img", "foreignObject", "image"}, tags
    attributes = {name for element in root.iter() for name in element.attrib}
    assert not any(name.startswith("on") for name in attributes)
    text = " ".join(" ".join(root.itertext()).split())
    for value in expected:
        for literal in (H.SCRIPT, H.JINJA_EXPR, H.MATH, H.FRAC, H.CDATA_END):
            if literal in value:
                assert literal in text, (literal, text[:300])


def test_process_svgs_keep_labels_as_text(hostile_study):
    from research_kit.process import directly_follows, process_map_svg, swimlane_svg

    spec = hostile_study.process_map()
    _assert_svg(swimlane_svg(spec), STEP_LABEL)
    _assert_svg(swimlane_svg(spec, kind="blueprint"), STEP_LABEL)
    _assert_svg(process_map_svg(directly_follows(hostile_study.event_log())), ACTIVITY)


# -- (3) PDF ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_pdf_shows_hostile_text_literally(findings, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    from research_kit.briefs.report import export_pdf

    path = export_pdf(findings, tmp_path / "brief.pdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    flat = " ".join(text.split())
    for literal in (H.SCRIPT, "{{7*7}}", "{% raw %}", "onerror=alert(1)>", "]]>", "&amp;"):
        assert literal in flat, literal


# -- (4) QDPX --------------------------------------------------------------------------------------
def test_qdpx_is_valid_xml_with_hostile_names(hostile_study, tmp_path):
    from lxml import etree

    archive = hostile_study.export_qdpx(tmp_path / "hostile.qdpx")
    with zipfile.ZipFile(archive) as bundle:
        project = bundle.read("project.qde")
        sources = {name: bundle.read(name) for name in bundle.namelist() if name.endswith(".txt")}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(project, parser)
    names = {element.get("name") for element in root.iter() if element.get("name")}
    assert CODE_NAME in names and RENAMED in names and CODER in names
    texts = " ".join(root.itertext())
    assert "field:memo" in texts and "field:definition" in texts
    assert any("field:note" in raw.decode("utf-8") for raw in sources.values())
    if QDPX_SCHEMA.is_file():
        schema = etree.XMLSchema(etree.parse(str(QDPX_SCHEMA)))
        assert schema.validate(root), schema.error_log


# -- (5) CLI ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["summary", "check"])
def test_cli_runs_on_the_hostile_study(hostile_study, capsys, command):
    from research_kit.cli import main

    status = main([command, str(hostile_study.folder)])
    out = capsys.readouterr()
    assert status == 0, out
    assert "Traceback" not in out.out + out.err
    assert "\x1b" not in out.out + out.err  # no raw terminal escape reaches the screen


def test_cli_check_prints_a_hostile_value_as_text(sample_study_path, capsys):
    from research_kit.cli import main

    note = sample_study_path / "notes" / "P02_business-owner.md"
    value = H.payload(0, "ward", single_line=True) + " " + H.CONTROL
    text = note.read_text(encoding="utf-8")
    assert "ward: Ward 3\n" in text
    note.write_text(text.replace("ward: Ward 3\n", f"ward: {json.dumps(value)}\n"), "utf-8")
    status = main(["check", str(sample_study_path)])
    out = capsys.readouterr()
    assert status == 1
    assert "P02_business-owner.md:5" in out.out + out.err
    assert H.SCRIPT in out.out + out.err and "field:ward" in out.out + out.err
    assert "\x1b" not in out.out + out.err  # control characters are shown escaped


# -- serving ---------------------------------------------------------------------------------------
def test_voila_command_is_local_and_sourceless(tmp_path):
    from research_kit.briefs.serve import voila_command

    cmd = voila_command(tmp_path / "brief.ipynb", port=8870)
    assert "--Voila.ip=127.0.0.1" in cmd
    assert "--strip_sources=True" in cmd
    assert "--VoilaConfiguration.show_tracebacks=False" in cmd


def test_serving_on_the_network_warns(monkeypatch, capsys):
    from research_kit.briefs import serve as serving

    started = []
    monkeypatch.setattr(serving, "check_port_free", lambda port, ip: None)
    monkeypatch.setattr(serving.subprocess, "Popen", lambda cmd, **kw: started.append(cmd))
    notebook = serving.BRIEFS_DIR / "findings.ipynb"
    if not notebook.is_file():
        pytest.skip("no brief notebook in this checkout")
    with pytest.warns(UserWarning, match="reachable from the network"):
        serving.serve(notebook, ip="0.0.0.0", port=8871)
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err
    assert "--Voila.ip=0.0.0.0" in started[0]
    started.clear()
    serving.serve(notebook, port=8871)  # loopback: no warning
    assert "--Voila.ip=127.0.0.1" in started[0]

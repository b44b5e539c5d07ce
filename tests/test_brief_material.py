"""A brief from whatever a study holds: notes only, a survey only, an event log only.

Each strand's sections appear when its material exists; the method names what the study does
not hold; the filters offer only what applies; both the PDF and the HTML brief are made.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from research_kit import interviews as iv
from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs import (
    assemble_findings,
    export_html,
    export_pdf,
    filter_choices,
    study_material,
)
from research_kit.errors import ResearchKitError

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

#: What each kind of study leaves out of the sample: its study.yml keys and its files.
STRANDS = {
    "notes": (
        {"surveys", "process_maps", "event_logs"},
        ["survey", "process", "measures.yml", "measures"],
    ),
    "survey": (
        {"codebook", "codings", "process_maps", "event_logs"},
        ["notes", "process", "codings", "codebook.yml", "autocode.yml", "measures.yml"],
    ),
    "log": (
        {"codebook", "codings", "surveys", "process_maps"},
        [
            "notes",
            "survey",
            "codings",
            "codebook.yml",
            "autocode.yml",
            "process/permit_process.yml",
            "measures.yml",
        ],
    ),
}


def _without_blocks(text: str, keys: set[str]) -> str:
    """study.yml without the top-level blocks named (each runs to the next top-level key)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        top = re.match(r"^([a-z_]+):", line)
        if top:
            skipping = top.group(1) in keys
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _partial_study(folder: Path, kind: str) -> Path:
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    keys, paths = STRANDS[kind]
    settings = folder / "study.yml"
    settings.write_text(_without_blocks(settings.read_text("utf-8"), keys), "utf-8")
    for path in paths:
        target = folder / path
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return folder


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    """Each partial study's material, filter choices, findings, and PDF and HTML briefs."""
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)  # choosing k is the slow step
        for kind in STRANDS:
            base = tmp_path_factory.mktemp(kind)
            with open_study(_partial_study(base / "study", kind)) as study:
                if kind == "notes":
                    iv.import_shipped_codings(study)
                findings = assemble_findings(study)
                made[kind] = {
                    "material": study_material(study),
                    "choices": filter_choices(study),
                    "findings": findings,
                    "pdf": export_pdf(findings, base / "brief.pdf"),
                    "html": export_html(findings, base / "brief.html").read_text("utf-8"),
                    "study": study.folder,
                }
    return made


def _method(findings) -> dict[str, str]:
    frame = findings.method.tables[0].frame
    return dict(zip(frame["Aspect"], frame["Detail"], strict=True))


@pytest.mark.parametrize(
    ("kind", "sections", "missing"),
    [
        ("notes", ["interviews"], "a survey and an event log of the process"),
        ("survey", ["survey", "themes", "equity"], "interviews and an event log of the process"),
        ("log", ["process", "equity"], "interviews and a survey"),
    ],
)
def test_each_study_gets_the_sections_of_its_material(briefs, kind, sections, missing):
    brief = briefs[kind]
    assert [section.id for section in brief["findings"].sections] == sections
    assert (
        sum(brief["material"].values()) == 1
        and brief["material"][{"notes": "interviews", "survey": "survey", "log": "process"}[kind]]
    )
    method = _method(brief["findings"])
    assert method["Not part of this study"].startswith(missing + ":")
    assert ("Interviews" in method) == (kind == "notes")
    assert ("Survey" in method) == (kind == "survey")
    assert ("Event log" in method) == (kind == "log")
    assert brief["findings"].headlines  # something to say on the cover


@pytest.mark.parametrize("kind", list(STRANDS))
def test_each_study_exports_a_pdf_and_an_html_brief(briefs, kind):
    pypdf = pytest.importorskip("pypdf")
    brief = briefs[kind]
    pages = pypdf.PdfReader(brief["pdf"]).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Not part of this study" in text
    for section in brief["findings"].sections:
        assert f'id="{section.id}"' in brief["html"]
    absent = {"notes": ["survey", "process"], "survey": ["interviews", "process"]}.get(kind, [])
    for section_id in absent:
        assert f'id="{section_id}"' not in brief["html"]


def test_filters_offer_only_what_the_study_holds(briefs):
    assert briefs["notes"]["choices"]["group"] == []  # no survey to break down
    assert briefs["notes"]["choices"]["theme"] and briefs["notes"]["choices"]["ward"]
    assert briefs["survey"]["choices"]["theme"] == []  # no interviews to show themes of
    assert briefs["survey"]["choices"]["group"] and briefs["survey"]["choices"]["ward"]
    assert briefs["log"]["choices"]["ward"]  # the log records each case's ward


def test_a_filter_for_material_the_study_lacks_says_so(briefs):
    with open_study(briefs["survey"]["study"]) as study, pytest.raises(ResearchKitError) as err:
        assemble_findings(study, theme="waiting")
    assert "no interview notes" in str(err.value)


def _structure(node, seen: set) -> list:
    """Every element of a PDF structure tree below ``node``, depth first."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if isinstance(node, IndirectObject):
        if node.idnum in seen:
            return []
        seen.add(node.idnum)
        node = node.get_object()
    if isinstance(node, ArrayObject):
        return [element for child in node for element in _structure(child, seen)]
    if not isinstance(node, DictionaryObject) or ("/S" not in node and "/K" not in node):
        return []
    return [node] + (_structure(node["/K"], seen) if "/K" in node else [])


@pytest.mark.parametrize("kind", list(STRANDS))
def test_the_pdf_is_tagged_for_screen_readers(briefs, kind):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(briefs[kind]["pdf"])
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en" and bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == briefs[kind]["findings"].title
    elements = _structure(root["/StructTreeRoot"], set())
    kinds = [str(element.get("/S")) for element in elements]
    assert kinds.count("/H1") == 1 and "/Table" in kinds
    for element in elements:
        if element.get("/S") == "/Figure":
            assert str(element.get("/Alt", "")).strip()  # every chart says what it shows
        if element.get("/S") == "/TH":
            assert element["/A"].get_object()["/Scope"] in ("/Column", "/Row")
    figures = sum(len(section.figures) for section in briefs[kind]["findings"].sections)
    assert kinds.count("/Figure") >= figures

"""The bad-input corpus: every loader fed broken, hostile and huge files, and how each ended.

Each :class:`Case` names a loader (notes, codebook, study.yml, survey, QDPX/QDC, process map,
event log, codings, auto-coding rules), a kind of damage, the outcome that is right for it
(``"loaded"`` or ``"clear error"``) and a builder that writes the file into a scratch folder.
Small hand-made files live in ``tests/data/bad/``; big ones (a 10 MB cell, 100,000 rows or
columns, a zip bomb) are made at run time so nothing large is committed.

A case ends well when the expected outcome happens: a successful load, or a
:class:`~research_kit.errors.ResearchKitError` whose message names the file and whose ``hint``
is not empty. Anything else (a raw exception from a dependency, a load where an error was due,
an error where a load was due) is ``"FAILED"``. Loaders that write (QDPX/QDC import, codings
import, registering notes) must also leave the study database and its notes folder unchanged
when they refuse a file.

``tests/test_bad_corpus.py`` runs every case as its own test; ``make stress`` prints
:func:`report` ("bad inputs tried and how each ended") and ``benchmarks`` collects
:func:`figures`. Run ``python benchmarks/bad_inputs.py`` to print the table.
"""

from __future__ import annotations

import codecs
import io
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

try:
    import research_kit  # noqa: F401
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from research_kit.errors import ResearchKitError

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_STUDY = REPO_ROOT / "interview_data"
CORPUS = REPO_ROOT / "tests" / "data" / "bad"

LOADED = "loaded"
CLEAR_ERROR = "clear error"
FAILED = "FAILED"

# -- valid starting points ---------------------------------------------------------------------
NOTE = (
    "---\nparticipant: P99\nrole: resident\ndate: 2026-03-01\ninterviewer: J.R.\n---\n"
    "Q: How was it?\nA: Slow. Três semanas — “too long”.\n"
)
SURVEY = 'Respondent ID,Ward,Comment\nR1,Ward 2,"Más rápido, please"\nR2,Ward 3,ok\n'
EVENTS = (
    "case_id,activity,timestamp\n"
    "C1,Submit,2024-07-01T08:54:00-07:00\nC1,Review,2024-07-02T10:01:00-07:00\n"
)
CODINGS = (
    "document_id,start,end,code_id,coder\nP02_business-owner,1032,1250,"
    "inconsistent_inspections,M.K.\n"
)
XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
    '<trace><string key="concept:name" value="C1"/>\n'
    '<event><string key="concept:name" value="Submit"/>'
    '<date key="time:timestamp" value="2024-07-01T08:54:00-07:00"/></event>\n'
    '<event><string key="concept:name" value="Review"/>'
    '<date key="time:timestamp" value="2024-07-02T10:01:00-07:00"/></event>\n'
    "</trace>\n</log>\n"
)
QDC = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="test"><Codes>\n'
    '<Code guid="11111111-1111-1111-1111-111111111111" name="Waiting" isCodable="true"/>\n'
    "</Codes></CodeBook>\n"
)
XXE_DOCTYPE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
LAUGHS_DOCTYPE = (
    '<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
    '<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>\n'
)
BINARY = bytes(range(256)) * 8
TEN_MB = 10 * 1024 * 1024


def _sample(name: str) -> bytes:
    return (SAMPLE_STUDY / name).read_bytes()


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _with_doctype(xml: str, doctype: str, entity: str) -> bytes:
    """Put ``doctype`` after the XML declaration and ``&entity;`` into the first text slot."""
    head, rest = xml.split("\n", 1)
    rest = rest.replace('value="C1"', f'value="&{entity};"', 1).replace(
        'name="Waiting"', f'name="&{entity};"', 1
    )
    return f"{head}\n{doctype}{rest}".encode()


def _qde_doctype(qde: bytes, doctype: str, entity: str) -> bytes:
    text = qde.decode("utf-8")
    head, rest = text.split("?>", 1)
    rest = rest.replace('name="', f'name="&{entity};', 1)
    return f"{head}?>\n{doctype}{rest}".encode()


def _rezip(qdpx: bytes, replace: dict[str, bytes | None], *, level: int = 6) -> bytes:
    """Copy a zip, replacing (or, for ``None``, dropping) members and adding new ones."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(qdpx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for info in source.infolist():
            if info.filename in replace:
                continue
            target.writestr(info, source.read(info))
        for name, data in replace.items():
            if data is not None:
                target.writestr(name, data)
    return out.getvalue()


def _put(archive: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    """Add a member with a fixed date, so the committed files are byte-for-byte reproducible."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _docx(paragraphs: list[str], *, document_xml: bytes | None = None) -> bytes:
    """A minimal Word file (the parts python-docx needs) holding ``paragraphs``."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = (
        document_xml
        or (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>'
        ).encode()
    )
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _put(
            archive,
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>',
        )
        _put(
            archive,
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}">'
            f'<Relationship Id="rId1" Type="{office}" Target="word/document.xml"/>'
            "</Relationships>",
        )
        _put(archive, "word/document.xml", xml)
    return out.getvalue()


def _xlsx(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(out, index=False, engine="openpyxl")
    return out.getvalue()


def _many_rows_csv(header: str, row: Callable[[int], str], n: int = 100_000) -> bytes:
    return (header + "\n" + "\n".join(row(i) for i in range(n)) + "\n").encode()


def _wide_csv(n: int = 100_000) -> bytes:
    names = ["Respondent ID"] + [f"q{i}" for i in range(n)]
    return (",".join(names) + "\n" + ",".join(["R1"] + ["x"] * n) + "\n").encode()


# -- the study that writing loaders work on ----------------------------------------------------
_TEMPLATE: dict[str, Path] = {}


def make_template_study(parent: Path) -> Path:
    """Copy the sample study into ``parent``, register it, import its codings, export a QDPX.

    Writing loaders work on copies of this study (with data in every table, so a partial
    write would show); ``parent / "sample.qdpx"`` is the starting point of the QDPX cases.
    """
    from research_kit.interviews import import_codings
    from research_kit.interviews.refi import export_qdpx
    from research_kit.study import open_study

    folder = parent / "study"
    shutil.copytree(SAMPLE_STUDY, folder, ignore=shutil.ignore_patterns("study.db*"))
    study = open_study(folder)
    try:
        study.register_documents()
        study.register_codebook()
        import_codings(study, folder / "codings" / "sample_codings.csv")
        export_qdpx(study, parent / "sample.qdpx")
    finally:
        study.close()
    return folder


def use_template_study(folder: Path | None) -> None:
    """Make the writing cases copy ``folder`` (from :func:`make_template_study`); None forgets."""
    _TEMPLATE.clear()
    if folder is not None:
        _TEMPLATE["study"] = folder


def _template_study() -> Path:
    if "study" not in _TEMPLATE:
        raise RuntimeError("call use_template_study(make_template_study(folder)) first")
    return _TEMPLATE["study"]


def _sample_qdpx() -> bytes:
    return (_template_study().parent / "sample.qdpx").read_bytes()


def _sample_qde() -> bytes:
    with zipfile.ZipFile(io.BytesIO(_sample_qdpx())) as archive:
        return archive.read("project.qde")


def study_state(folder: Path) -> dict[str, Any]:
    """Row counts of every table of the study database, the notes listing and the codebook."""
    state: dict[str, Any] = {}
    database = folder / "study.db"
    if database.exists():
        with sqlite3.connect(database) as conn:
            names = [
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for name in sorted(names):
                state[f"rows:{name}"] = conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
        conn.close()
    notes = folder / "notes"
    state["notes"] = sorted(p.name for p in notes.iterdir()) if notes.is_dir() else []
    codebook = folder / "codebook.yml"
    state["codebook"] = codebook.read_bytes() if codebook.exists() else b""
    return state


# -- loaders -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loader:
    """How to feed a file to one loader.

    ``file_name`` is the name the bad file is written under; ``run(path, study_folder)``
    loads it (``study_folder`` is a fresh copy of the template study for writing loaders,
    ``None`` otherwise).
    """

    name: str
    file_name: str
    run: Callable[[Path, Path | None], Any]
    writes: bool = False


def _run_settings(path: Path, _study: Path | None) -> Any:
    from research_kit.settings import read_settings

    return read_settings(path.parent)


def _with_study(action: Callable[[Any, Path], Any]) -> Callable[[Path, Path | None], Any]:
    def run(path: Path, study_folder: Path | None) -> Any:
        from research_kit.study import open_study

        assert study_folder is not None
        study = open_study(study_folder, create=False)
        try:
            return action(study, path)
        finally:
            study.close()

    return run


def _register(study: Any, path: Path) -> Any:
    target = study.folder / "notes" / path.name
    shutil.copyfile(path, target)
    try:
        return study.register_documents()
    finally:
        target.unlink()  # the bad note itself is not part of "the study unchanged"


def _loaders() -> dict[str, Loader]:
    from research_kit.interviews import (
        import_codings,
        import_qdc,
        import_qdpx,
        read_codebook,
        read_codings_csv,
        read_note,
    )
    from research_kit.interviews.autocode import read_rules
    from research_kit.interviews.refi import read_qdc
    from research_kit.process import read_event_log, read_process_map
    from research_kit.survey import read_survey

    def plain(function: Callable[[Path], Any]) -> Callable[[Path, Path | None], Any]:
        return lambda path, _study: function(path)

    loaders = [
        Loader("note .md", "P99.md", plain(read_note)),
        Loader("note .txt", "P99.txt", plain(read_note)),
        Loader("note .docx", "P99.docx", plain(read_note)),
        Loader("register notes", "P99.md", _with_study(_register), writes=True),
        Loader("codebook", "codebook.yml", plain(read_codebook)),
        Loader("study.yml", "study.yml", _run_settings),
        Loader("survey CSV", "survey.csv", plain(read_survey)),
        Loader("survey XLSX", "survey.xlsx", plain(read_survey)),
        Loader("QDPX import", "project.qdpx", _with_study(import_qdpx), writes=True),
        Loader("QDC read", "codebook.qdc", plain(read_qdc)),
        Loader("QDC import", "codebook.qdc", _with_study(import_qdc), writes=True),
        Loader("process map", "process.yml", plain(read_process_map)),
        Loader("event log CSV", "events.csv", plain(read_event_log)),
        Loader("event log XES", "events.xes", plain(read_event_log)),
        Loader("codings CSV", "codings.csv", plain(read_codings_csv)),
        Loader("codings import", "codings.csv", _with_study(import_codings), writes=True),
        Loader("autocode rules", "autocode.yml", plain(read_rules)),
    ]
    return {loader.name: loader for loader in loaders}


# -- cases -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One bad file for one loader and the outcome that is right for it."""

    loader: str
    case: str
    expect: str
    build: Callable[[], bytes]
    why: str = ""
    slow: bool = False

    @property
    def id(self) -> str:
        return f"{self.loader}: {self.case}"


def _corpus(name: str) -> Callable[[], bytes]:
    return lambda: (CORPUS / name).read_bytes()


def _common(
    loader: str, valid: Callable[[], bytes], *, text: bool = True, xml: bool = False
) -> list[Case]:
    """Empty, binary, NUL, truncated (and for text: BOM, UTF-16, Latin-1) for one loader."""
    cases = [
        Case(loader, "empty file", CLEAR_ERROR, lambda: b""),
        Case(loader, "binary garbage", CLEAR_ERROR, lambda: BINARY),
        Case(loader, "NUL bytes", CLEAR_ERROR, lambda: valid().replace(b"\n", b"\x00\n", 3)),
    ]
    if text:
        cases += [
            Case(loader, "UTF-8 BOM", LOADED, lambda: codecs.BOM_UTF8 + valid()),
            Case(
                loader,
                "UTF-16 with BOM",
                LOADED,
                lambda: valid().decode("utf-8").encode("utf-16"),
            ),
            Case(
                loader,
                "UTF-16 without BOM",
                LOADED if xml else CLEAR_ERROR,
                lambda: valid().decode("utf-8").encode("utf-16-le"),
                "XML detects UTF-16 from '<' itself"
                if xml
                else "NUL bytes between letters: refused as binary",
            ),
        ]
    return cases


def cases() -> list[Case]:
    """Every case of the corpus, in a stable order."""

    def note() -> bytes:
        return NOTE.encode()

    def codebook() -> bytes:
        return _sample("codebook.yml")

    def settings() -> bytes:
        return _sample("study.yml")

    def process() -> bytes:
        return _sample("process/permit_process.yml")

    def rules() -> bytes:
        return _sample("autocode.yml")

    def events() -> bytes:
        return EVENTS.encode()

    def codings() -> bytes:
        return CODINGS.encode()

    def survey() -> bytes:
        return SURVEY.encode()

    out: list[Case] = []
    # notes
    for loader in ("note .md", "note .txt"):
        out += _common(loader, note)
        out += [
            Case(loader, "truncated front matter", CLEAR_ERROR, lambda: NOTE[:40].encode()),
            Case(loader, "Latin-1 text", LOADED, lambda: NOTE.encode("latin-1", "replace")),
            Case(loader, "10 MB single line", LOADED, lambda: NOTE.encode() + b"x" * TEN_MB),
            Case(
                loader,
                "invalid date attribute",
                CLEAR_ERROR,
                lambda: NOTE.replace("2026-03-01", "2026-02-31").encode(),
                "YAML reads 2026-02-31 as a date that does not exist",
            ),
        ]
    out += _common("note .docx", lambda: _docx(NOTE.splitlines()), text=False)
    out += [
        Case("note .docx", "valid Word file", LOADED, lambda: _docx(NOTE.splitlines())),
        Case("note .docx", "truncated", CLEAR_ERROR, lambda: _truncate(_docx(["x" * 5000]))),
        Case("note .docx", "not a zip (text)", CLEAR_ERROR, lambda: NOTE.encode()),
        Case(
            "note .docx",
            "XXE in document.xml",
            LOADED,
            _corpus("xxe_docx.docx"),
            "python-docx does not resolve entities: the note is read with the entity left out",
        ),
        Case(
            "note .docx",
            "billion laughs in document.xml",
            CLEAR_ERROR,
            _corpus("laughs_docx.docx"),
        ),
    ]
    out += [
        Case("register notes", "binary garbage", CLEAR_ERROR, lambda: BINARY),
        Case("register notes", "unclosed front matter", CLEAR_ERROR, lambda: NOTE[:40].encode()),
        Case("register notes", "NUL bytes", CLEAR_ERROR, lambda: b"---\x00\nrole: x\n"),
    ]
    # YAML files
    for loader, valid in (
        ("codebook", codebook),
        ("study.yml", settings),
        ("process map", process),
        ("autocode rules", rules),
    ):
        out += _common(loader, valid)
        out += [
            Case(loader, "truncated", CLEAR_ERROR, _corpus(f"truncated_{_slug(loader)}.yml")),
            Case(
                loader,
                "Latin-1 (cp1252) text",
                LOADED,
                lambda valid=valid: valid().decode("utf-8").encode("cp1252", "replace"),
            ),
            Case(loader, "python object tag", CLEAR_ERROR, _corpus("python_tag.yml")),
            Case(
                loader,
                "YAML billion laughs (aliases)",
                LOADED if loader == "study.yml" else CLEAR_ERROR,
                _corpus("yaml_laughs.yml"),
                "aliases share one object (no blow-up); unknown keys are only warnings"
                if loader == "study.yml"
                else "no blow-up: the file lacks what the loader needs",
            ),
            Case(
                loader,
                "10 MB comment line",
                LOADED,
                lambda valid=valid: valid() + b"\n# " + b"x" * TEN_MB + b"\n",
                "a 10 MB comment: loads where the rest is valid",
                slow=True,
            ),
        ]
    out += [
        Case("codebook", "duplicate ids", CLEAR_ERROR, _corpus("codebook_duplicate_ids.yml")),
        Case("codebook", "missing required fields", CLEAR_ERROR, _corpus("codebook_no_name.yml")),
        Case("codebook", "10 MB definition", LOADED, _big_codebook, slow=True),
        Case("study.yml", "invalid dates", CLEAR_ERROR, _corpus("study_bad_values.yml")),
        Case(
            "study.yml",
            "missing name",
            LOADED,
            _corpus("study_no_name.yml"),
            "the name defaults to the folder's",
        ),
        Case("process map", "duplicate step ids", CLEAR_ERROR, _corpus("process_duplicates.yml")),
        Case("process map", "missing steps", CLEAR_ERROR, _corpus("process_no_steps.yml")),
        Case(
            "autocode rules",
            "unknown code id (no codebook given)",
            LOADED,
            _corpus("autocode_unknown.yml"),
            "code ids are checked only against a codebook passed in (as apply_rules does)",
        ),
        Case("autocode rules", "bad spaCy pattern", CLEAR_ERROR, _corpus("autocode_pattern.yml")),
    ]
    # survey
    out += _common("survey CSV", survey)
    out += [
        Case("survey CSV", "cp1252 (Excel) export", LOADED, _corpus("survey_cp1252.csv")),
        Case(
            "survey CSV",
            "truncated inside a quote",
            LOADED,
            lambda: survey()[:-8],
            "an unclosed quote at the end is read to the end of the file",
        ),
        Case("survey CSV", "duplicate columns", CLEAR_ERROR, _corpus("survey_duplicate_cols.csv")),
        Case("survey CSV", "header only", CLEAR_ERROR, lambda: b"Respondent ID,Ward\n"),
        Case("survey CSV", "ragged row", CLEAR_ERROR, lambda: survey() + b"R3,a,b,c,d,e\n"),
        Case(
            "survey CSV",
            "10 MB single cell",
            LOADED,
            lambda: b'id,comment\nR1,"' + b"x" * TEN_MB + b'"\n',
        ),
        Case(
            "survey CSV",
            "100,000 rows",
            LOADED,
            lambda: _many_rows_csv("Respondent ID,Ward", lambda i: f"R{i},Ward {i % 6}"),
        ),
        Case("survey CSV", "100,000 columns", LOADED, _wide_csv, slow=True),
    ]
    out += [
        Case("survey XLSX", "valid workbook", LOADED, lambda: _xlsx([["id", "w"], ["R1", "x"]])),
        Case("survey XLSX", "empty file", CLEAR_ERROR, lambda: b""),
        Case("survey XLSX", "binary garbage", CLEAR_ERROR, lambda: BINARY),
        Case("survey XLSX", "CSV renamed .xlsx", CLEAR_ERROR, survey),
        Case(
            "survey XLSX",
            "truncated",
            CLEAR_ERROR,
            lambda: _truncate(_xlsx([["id", "w"]] + [[f"R{i}", "x" * 50] for i in range(500)])),
        ),
        Case("survey XLSX", "header only", CLEAR_ERROR, lambda: _xlsx([["id", "w"]])),
        Case(
            "survey XLSX",
            "zip bomb member",
            LOADED,
            _xlsx_bomb,
            "openpyxl never unpacks a member the workbook does not reference",
        ),
    ]
    # event logs
    out += _common("event log CSV", events)
    out += [
        Case("event log CSV", "truncated mid-row", CLEAR_ERROR, lambda: events()[:-20]),
        Case("event log CSV", "missing column", CLEAR_ERROR, lambda: b"case_id,activity\nC1,a\n"),
        Case(
            "event log CSV",
            "invalid dates",
            CLEAR_ERROR,
            lambda: EVENTS.replace("2024-07-02T10:01", "2024-13-45T99:01").encode(),
        ),
        Case(
            "event log CSV",
            "duplicate column",
            CLEAR_ERROR,
            lambda: b"case_id,activity,timestamp,activity\nC1,a,2024-01-01,b\n",
        ),
        Case(
            "event log CSV",
            "duplicate events (same case, activity, time)",
            LOADED,
            lambda: events() + EVENTS.splitlines()[1].encode() + b"\n",
        ),
        Case(
            "event log CSV",
            "10 MB single cell",
            LOADED,
            lambda: b'case_id,activity,timestamp\nC1,"' + b"x" * TEN_MB + b'",2024-01-01\n',
        ),
        Case(
            "event log CSV",
            "100,000 rows",
            LOADED,
            lambda: _many_rows_csv(
                "case_id,activity,timestamp",
                lambda i: f"C{i // 10},step {i % 10},2024-01-01T{i % 24:02d}:00:00Z",
            ),
        ),
    ]
    out += _common("event log XES", lambda: XES.encode(), xml=True)
    out += [
        Case("event log XES", "truncated", CLEAR_ERROR, lambda: _truncate(XES.encode())),
        Case("event log XES", "XXE", CLEAR_ERROR, _corpus("xxe.xes")),
        Case("event log XES", "billion laughs", CLEAR_ERROR, _corpus("laughs.xes")),
        Case("event log XES", "invalid dates", CLEAR_ERROR, _corpus("bad_dates.xes")),
        Case("event log XES", "not XES (other root)", CLEAR_ERROR, lambda: b"<html></html>"),
        Case(
            "event log XES",
            "10 MB attribute value",
            CLEAR_ERROR,
            lambda: XES.replace('value="Submit"', 'value="' + "x" * TEN_MB + '"').encode(),
        ),
    ]
    # codings
    out += _common("codings CSV", codings)
    out += [
        Case("codings CSV", "missing columns", CLEAR_ERROR, lambda: b"document_id,start\nP01,1\n"),
        Case("codings CSV", "offsets not numbers", CLEAR_ERROR, _corpus("codings_bad_offsets.csv")),
        Case("codings CSV", "truncated mid-row", CLEAR_ERROR, lambda: codings()[:-25]),
        Case(
            "codings CSV",
            "100,000 rows",
            LOADED,
            lambda: _many_rows_csv(
                "document_id,start,end,code_id,coder", lambda i: f"P01,{i},{i + 5},c,J.R."
            ),
        ),
    ]
    out += [
        Case("codings import", "valid", LOADED, codings),
        Case("codings import", "binary garbage", CLEAR_ERROR, lambda: BINARY),
        Case("codings import", "unknown note", CLEAR_ERROR, _corpus("codings_unknown_note.csv")),
        Case("codings import", "span past the end", CLEAR_ERROR, _corpus("codings_past_end.csv")),
        Case(
            "codings import",
            "good rows then one bad row (all or nothing)",
            CLEAR_ERROR,
            lambda: codings() + b"P02_business-owner,1,2,no_such_code,M.K.\n",
        ),
    ]
    # REFI-QDA
    out += _common("QDC read", lambda: QDC.encode(), xml=True)
    out += [
        Case("QDC read", "truncated", CLEAR_ERROR, lambda: _truncate(QDC.encode())),
        Case("QDC read", "XXE", CLEAR_ERROR, _corpus("xxe.qdc")),
        Case("QDC read", "billion laughs", CLEAR_ERROR, _corpus("laughs.qdc")),
        Case("QDC read", "missing Codes", CLEAR_ERROR, lambda: b"<CodeBook/>"),
        Case(
            "QDC read",
            "duplicate guids",
            CLEAR_ERROR,
            lambda: QDC.replace("</Codes>", QDC.split("\n")[2] + "\n</Codes>").encode(),
        ),
    ]
    out += [
        Case("QDC import", "XXE", CLEAR_ERROR, _corpus("xxe.qdc")),
        Case("QDC import", "billion laughs", CLEAR_ERROR, _corpus("laughs.qdc")),
        Case("QDC import", "binary garbage", CLEAR_ERROR, lambda: BINARY),
    ]
    out += [
        Case("QDPX import", "empty file", CLEAR_ERROR, lambda: b""),
        Case("QDPX import", "binary garbage", CLEAR_ERROR, lambda: BINARY),
        Case("QDPX import", "truncated", CLEAR_ERROR, lambda: _truncate(_sample_qdpx())),
        Case("QDPX import", "path traversal entry ../../x", CLEAR_ERROR, _corpus("traversal.qdpx")),
        Case("QDPX import", "zip bomb member", CLEAR_ERROR, _qdpx_bomb),
        Case("QDPX import", "no project.qde", CLEAR_ERROR, _corpus("no_project.qdpx")),
        Case(
            "QDPX import",
            "XXE in project.qde",
            CLEAR_ERROR,
            lambda: _rezip(
                _sample_qdpx(), {"project.qde": _qde_doctype(_sample_qde(), XXE_DOCTYPE, "xxe")}
            ),
        ),
        Case(
            "QDPX import",
            "billion laughs in project.qde",
            CLEAR_ERROR,
            lambda: _rezip(
                _sample_qdpx(), {"project.qde": _qde_doctype(_sample_qde(), LAUGHS_DOCTYPE, "i")}
            ),
        ),
        Case(
            "QDPX import",
            "truncated project.qde",
            CLEAR_ERROR,
            lambda: _rezip(_sample_qdpx(), {"project.qde": _truncate(_sample_qde())}),
        ),
        Case(
            "QDPX import",
            "NUL bytes in project.qde",
            CLEAR_ERROR,
            lambda: _rezip(_sample_qdpx(), {"project.qde": _sample_qde().replace(b">", b">\0", 5)}),
        ),
        Case(
            "QDPX import",
            "duplicate guids",
            CLEAR_ERROR,
            lambda: _rezip(_sample_qdpx(), {"project.qde": _duplicate_guid(_sample_qde())}),
        ),
        Case(
            "QDPX import",
            "source text missing",
            CLEAR_ERROR,
            lambda: _rezip(_sample_qdpx(), _drop_sources(_sample_qdpx())),
        ),
        Case(
            "QDPX import",
            "invalid dates (same study again)",
            LOADED,
            lambda: _rezip(
                _sample_qdpx(),
                {"project.qde": _bad_dates(_sample_qde())},
            ),
            "unreadable creationDateTime is dropped; re-importing the study's own export adds "
            "nothing new",
        ),
    ]
    return out


def _slug(loader: str) -> str:
    return loader.replace(" ", "_").replace(".", "_")


def _big_codebook() -> bytes:
    text = _sample("codebook.yml").decode("utf-8")
    return text.replace(
        "definition: >-", "definition: " + "x" * TEN_MB + "\n    extra: >-", 1
    ).encode()


def _xlsx_bomb() -> bytes:
    valid = _xlsx([["id", "w"], ["R1", "x"]])
    return _rezip(valid, {"xl/bomb.xml": b"\0" * (60 * 1024 * 1024)}, level=9)


def _qdpx_bomb() -> bytes:
    return _rezip(_sample_qdpx(), {"sources/bomb.txt": b"a" * (60 * 1024 * 1024)}, level=9)


def _duplicate_guid(qde: bytes) -> bytes:
    import re

    guids = re.findall(rb'guid="([^"]+)"', qde)
    return qde.replace(guids[1], guids[0]) if len(guids) > 1 else qde


def _bad_dates(qde: bytes) -> bytes:
    import re

    return re.sub(rb'(creationDateTime|modifiedDateTime)="[^"]*"', rb'\1="31/02/2024 25:61"', qde)


def _drop_sources(qdpx: bytes) -> dict[str, bytes | None]:
    with zipfile.ZipFile(io.BytesIO(qdpx)) as archive:
        return {n: None for n in archive.namelist() if n.lower().startswith("sources/")}


# -- the small committed files ------------------------------------------------------------------
def static_files() -> dict[str, bytes]:
    """The hand-made files of ``tests/data/bad/`` (rewrite them with ``--write-corpus``)."""
    files: dict[str, bytes] = {
        "xxe.xes": _with_doctype(XES, XXE_DOCTYPE, "xxe"),
        "laughs.xes": _with_doctype(XES, LAUGHS_DOCTYPE, "i"),
        "bad_dates.xes": XES.replace("2024-07-02T10:01:00-07:00", "2024-02-31T25:61").encode(),
        "xxe.qdc": _with_doctype(QDC, XXE_DOCTYPE, "xxe"),
        "laughs.qdc": _with_doctype(QDC, LAUGHS_DOCTYPE, "i"),
        "python_tag.yml": b"version: 1\ncodes: !!python/object/apply:os.system ['echo hi']\n",
        "yaml_laughs.yml": (
            b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
            b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
            b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
            b"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
        ),
        "codebook_duplicate_ids.yml": (
            b"version: 1\ncodes:\n  - id: a\n    name: A\n  - id: a\n    name: B\n"
        ),
        "codebook_no_name.yml": b"version: 1\ncodes:\n  - id: a\n    colour: '#123456'\n",
        "study_bad_values.yml": (
            b"name: Bad\nmin_cell_size: five\ntimezone: Mars/Olympus\n"
            b"attributes:\n  date: {type: date, values: [2024-02-31]}\n"
        ),
        "study_no_name.yml": b"question: why?\nnotes: notes\n",
        "process_duplicates.yml": (
            b"name: P\nlanes:\n  - {id: a, label: A}\nsteps:\n"
            b"  - {id: s, lane: a, label: S, kind: task}\n"
            b"  - {id: s, lane: a, label: S again, kind: task}\nflows: []\n"
        ),
        "process_no_steps.yml": b"name: P\nlanes:\n  - {id: a, label: A}\n",
        "autocode_unknown.yml": b"version: 1\nrules:\n  no_such_code:\n    keywords: [x]\n",
        "autocode_pattern.yml": (
            b"version: 1\nrules:\n  cost_of_delay:\n    patterns:\n      - [{NOPE: 1}]\n"
        ),
        "survey_cp1252.csv": "Respondent ID;Ward;Comment\r\nR1;Ward 2;Más rápido – “now”\r\n"
        "R2;Ward 3;café\r\n".encode("cp1252"),
        "survey_duplicate_cols.csv": b"Respondent ID,Ward,Ward\nR1,a,b\n",
        "codings_bad_offsets.csv": (b"document_id,start,end,code_id,coder\nP01,ten,12,c,J.R.\n"),
        "codings_unknown_note.csv": (
            b"document_id,start,end,code_id,coder\nP99_nobody,0,10,cost_of_delay,J.R.\n"
        ),
        "codings_past_end.csv": (
            b"document_id,start,end,code_id,coder\n"
            b"P02_business-owner,0,99999999,cost_of_delay,J.R.\n"
        ),
        "xxe_docx.docx": _docx(
            [],
            document_xml=(
                '<?xml version="1.0"?>\n'
                + XXE_DOCTYPE.replace(" r ", " w:document ")
                + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                'main"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>'
            ).encode(),
        ),
        "laughs_docx.docx": _docx(
            [],
            document_xml=(
                '<?xml version="1.0"?>\n'
                + LAUGHS_DOCTYPE.replace(" r ", " w:document ")
                + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                'main"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>'
            ).encode(),
        ),
    }
    for loader, name in (
        ("codebook", "codebook.yml"),
        ("study.yml", "study.yml"),
        ("process map", "process/permit_process.yml"),
        ("autocode rules", "autocode.yml"),
    ):
        data = _sample(name)
        files[f"truncated_{_slug(loader)}.yml"] = _cut_inside_yaml(data)
    qdpx = io.BytesIO()
    with zipfile.ZipFile(qdpx, "w") as archive:
        _put(archive, "project.qde", '<?xml version="1.0"?><Project name="x"/>')
        _put(archive, "../../x", b"escaped")
    files["traversal.qdpx"] = qdpx.getvalue()
    qdpx = io.BytesIO()
    with zipfile.ZipFile(qdpx, "w") as archive:
        _put(archive, "sources/a.txt", b"text")
    files["no_project.qdpx"] = qdpx.getvalue()
    return files


def _cut_inside_yaml(data: bytes) -> bytes:
    """The first part of a YAML file, cut inside an open flow collection (so it cannot parse)."""
    head = data[: len(data) // 3]
    return head.rstrip(b"\n") + b"\n  - {id: cut, label: [half a line"


def write_corpus(folder: Path = CORPUS) -> None:
    """Write :func:`static_files` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in static_files().items():
        (folder / name).write_bytes(data)


# -- running -----------------------------------------------------------------------------------
@dataclass
class Outcome:
    """How one case ended: ``"loaded"``, ``"clear error"`` or ``"FAILED"``, and why."""

    outcome: str
    message: str
    error: BaseException | None = None


def run_case(case: Case, scratch: Path) -> Outcome:
    """Write the case's file into ``scratch`` and load it; judge how it ended."""
    loader = _loaders()[case.loader]
    data = case.build()
    folder = scratch / "input"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / loader.file_name
    path.write_bytes(data)
    study_folder = None
    before = None
    if loader.writes:
        study_folder = scratch / "study"
        shutil.copytree(_template_study(), study_folder)
        before = study_state(study_folder)
    try:
        loader.run(path, study_folder)
    except ResearchKitError as exc:
        outcome = _judge_error(exc, path, loader.file_name)
    except Exception as exc:  # anything else is the failure we look for
        return Outcome(FAILED, f"raw {type(exc).__name__}: {str(exc)[:200]}", exc)
    else:
        outcome = Outcome(LOADED, "")
    if outcome.outcome == CLEAR_ERROR and before is not None:
        after = study_state(study_folder)
        changed = [key for key in before if before[key] != after.get(key)]
        if changed or set(after) != set(before):
            return Outcome(FAILED, f"study changed after an error: {changed}")
    if outcome.outcome != FAILED and outcome.outcome != case.expect:
        return Outcome(FAILED, f"expected {case.expect}, got {outcome.outcome}: {outcome.message}")
    return outcome


def _judge_error(exc: ResearchKitError, path: Path, file_name: str) -> Outcome:
    message = str(exc)
    named = str(path) in message or file_name in message or path.parent.name in message
    if not named:
        return Outcome(FAILED, f"message does not name the file: {message[:200]}", exc)
    if not exc.hint:
        return Outcome(FAILED, f"no hint: {message[:200]}", exc)
    return Outcome(CLEAR_ERROR, message.replace(str(path.parent), "…")[:300], exc)


def report(selected: list[Case] | None = None) -> pd.DataFrame:
    """Run the cases (all by default): ``loader``, ``case``, ``expect``, ``outcome``, …

    Returns
    -------
    pandas.DataFrame
        One row per case with ``outcome`` one of "loaded", "clear error" or "FAILED", the
        error ``message`` (or why it failed) and the ``seconds`` it took.
    """
    rows = []
    made_here = "study" not in _TEMPLATE
    with tempfile.TemporaryDirectory(prefix="rk_bad_template_") as parent:
        if made_here:
            use_template_study(make_template_study(Path(parent)))
        try:
            rows = [_report_row(case) for case in (cases() if selected is None else selected)]
        finally:
            if made_here:
                use_template_study(None)
    return pd.DataFrame(rows, columns=["loader", "case", "expect", "outcome", "message", "seconds"])


def _report_row(case: Case) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rk_bad_") as scratch:
        outcome = run_case(case, Path(scratch))
    return {
        "loader": case.loader,
        "case": case.case,
        "expect": case.expect,
        "outcome": outcome.outcome,
        "message": outcome.message,
        "seconds": round(time.perf_counter() - started, 2),
    }


def figures() -> list[tuple[str, str, float, str]]:
    """``(section, name, value, unit)`` rows for the stress report: 1.0 "ok", 0.0 "FAILED"."""
    table = report()
    return [
        (
            "bad input",
            f"{row.loader}: {row.case}",
            0.0 if row.outcome == FAILED else 1.0,
            "FAILED" if row.outcome == FAILED else "ok",
        )
        for row in table.itertuples(index=False)
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a case failed (``--write-corpus`` rewrites the files)."""
    argv = sys.argv[1:] if argv is None else argv
    if "--write-corpus" in argv:
        write_corpus()
        print(f"wrote {len(static_files())} files to {CORPUS}")
        return 0
    table = report()
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(table[["loader", "case", "outcome", "seconds", "message"]].to_string(index=False))
    failed = int((table["outcome"] == FAILED).sum())
    print(
        f"\nbad inputs tried: {len(table)}; loaded {int((table['outcome'] == LOADED).sum())}, "
        f"clear error {int((table['outcome'] == CLEAR_ERROR).sum())}, FAILED {failed}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

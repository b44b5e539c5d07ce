"""REFI-QDA interchange: schema-valid exports, round trips, real tools' exports and bad archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from research_kit import open_study
from research_kit.interviews import add_memo, apply_code, apply_codes, coders, codings, memos
from research_kit.interviews.refi import (
    QdpxError,
    export_qdc,
    export_qdpx,
    import_qdc,
    import_qdpx,
    read_qdc,
)

pytestmark = pytest.mark.both_backends

NS = "urn:QDA-XML:project:1.0"
CODE_A = "AAAAAAAA-0000-4000-8000-000000000001"
CODE_B = "{bbbbbbbb-0000-4000-8000-000000000002}"
USER = "CCCCCCCC-0000-4000-8000-000000000003"
SOURCE = "DDDDDDDD-0000-4000-8000-000000000004"
TEXT = "Line one\r\nLine two\r\nThird line"


# -- helpers ---------------------------------------------------------------------------------------
@pytest.fixture
def coded_study(sample_study_path):
    """The sample study with two coders' codings and a memo of every kind."""
    study = open_study(sample_study_path)
    first = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="A.B.")
    apply_code(study, "P01_business-owner", 30, 90, "unclear_requirements", coder="A.B.")
    apply_code(study, "P03_front-desk-clerk", 10, 50, "staff_capacity", coder="J.R.")
    add_memo(study, "What counts as a delay?\nTo settle at the next meeting.", coder="J.R.")
    add_memo(study, "Translated in part.", on="document", target="P01_business-owner")
    add_memo(
        study, "Often co-occurs with backlog.", on="code", target="cost_of_delay", coder="A.B."
    )
    add_memo(study, "Borderline: check with A.B.", on="coding", target=first, coder="J.R.")
    yield study
    study.close()


def _schema(shared_data: Path, name: str):
    return etree.XMLSchema(etree.parse(str(shared_data / "refi-qda" / name)))


def _snapshot(study) -> dict:
    """A study's coding work with every id replaced by what it names (comparable across studies)."""
    book = study.codebook()
    name = {code.id: code.name for code in book}
    table = codings(study)
    key = {
        str(row.coding_id): (row.document_id, row.start, row.end, name[row.code_id], row.coder)
        for row in table.itertuples()
    }
    target = {"study": lambda t: "", "document": str, "code": name.get, "coding": key.get}
    documents = {
        document.id: (
            document.text,
            {k: v for k, v in document.attributes.items() if v is not None},
        )
        for document in study.documents()
    }
    return {
        "codes": {
            (c.name, name.get(c.parent), c.colour, c.definition, c.include, c.exclude, c.example)
            for c in book
        },
        "selections": {(r.document_id, r.start, r.end, r.text) for r in table.itertuples()},
        "codings": set(key.values()),
        "coders": set(coders(study)["coder"]),
        "memos": {
            (m.on, target[m.on](m.target), m.coder if isinstance(m.coder, str) else None, m.text)
            for m in memos(study).itertuples()
        },
        "documents": documents,
    }


def _state(study) -> dict:
    """What a failed import must leave unchanged: files, codebook, database rows."""
    folder = study.settings.notes
    codebook = study.settings.codebook
    return {
        "notes": sorted(p.name for p in folder.iterdir()) if folder.is_dir() else [],
        "codebook": codebook.read_bytes() if codebook.exists() else None,
        "codings": len(codings(study)),
        "memos": len(memos(study)),
        "coders": len(coders(study)),
        "documents": study.store.count("documents"),
        "codes": study.store.count("codes"),
    }


def _project_xml(
    *,
    origin: str = "ATLAS.ti 23.2.3",
    start: int = 9,
    end: int = 17,
    code_ref: str = CODE_B.strip("{}").lower(),
    source_path: str = f"internal://{SOURCE.lower()}.txt",
    extra_prolog: str = "",
    description: str = "",
) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>{extra_prolog}
<Project xmlns="urn:QDA-XML:project:1.0" name="synthetic" origin="{origin}">
  <Users><User guid="{USER}" name="Ana"/></Users>
  <CodeBook><Codes>
    <Code guid="{CODE_A}" name="Parent" isCodable="true" color="#112233">
      <Description>The parent.{description}</Description>
      <Code guid="{CODE_B}" name="Child" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE}" name="Interview 1.docx" plainTextPath="{source_path}">
      <PlainTextSelection guid="{{EEEEEEEE-0000-4000-8000-000000000005}}" startPosition="{start}"
          endPosition="{end}" creatingUser="{USER.lower()}">
        <Coding guid="FFFFFFFF-0000-4000-8000-000000000006" creatingUser="{{{USER}}}">
          <CodeRef targetGUID="{code_ref}"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""


def _archive(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _synthetic(tmp_path: Path, name: str = "synthetic.qdpx", **options) -> Path:
    members = {
        "project.qde": _project_xml(**options),
        f"sources/{SOURCE.lower()}.txt": TEXT,
    }
    return _archive(tmp_path / name, members)


# -- export ----------------------------------------------------------------------------------------
@pytest.mark.shared
def test_export_validates_against_the_project_schema(coded_study, shared_data, tmp_path):
    archive = export_qdpx(coded_study, tmp_path / "study.qdpx")
    project = etree.fromstring(zipfile.ZipFile(archive).read("project.qde"))
    schema = _schema(shared_data, "Project-mrt2019.xsd")
    assert schema.validate(etree.ElementTree(project)), schema.error_log
    found = {etree.QName(e).localname for e in project.iter() if isinstance(e.tag, str)}
    assert {"User", "Code", "TextSource", "PlainTextSelection", "Coding", "Note", "NoteRef"} <= (
        found
    )
    assert {"Variable", "VariableValue", "Description"} <= found


def test_export_keeps_note_text_exactly_and_offsets_in_code_points(coded_study, tmp_path):
    archive = zipfile.ZipFile(export_qdpx(coded_study, tmp_path / "study.qdpx"))
    project = etree.fromstring(archive.read("project.qde"))
    texts = {}
    for source in project.iter(f"{{{NS}}}TextSource"):
        member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        texts[source.get("name")] = archive.read(member).decode("utf-8")
    for document in coded_study.documents():
        assert texts[document.id] == document.text
    for row in codings(coded_study).itertuples():
        assert texts[row.document_id][row.start : row.end] == row.text


def test_reexport_gives_the_same_guids_and_bytes(coded_study, tmp_path):
    first = export_qdpx(coded_study, tmp_path / "one.qdpx").read_bytes()
    second = coded_study.export_qdpx(tmp_path / "two.qdpx").read_bytes()
    assert first == second


def test_export_refuses_codings_on_a_changed_note(coded_study, tmp_path):
    note = coded_study.settings.notes / "P01_business-owner.md"
    text = note.read_text(encoding="utf-8")
    body = text.index("\n---\n", 3) + 5  # just after the front matter
    note.write_text(text[:body] + "A line added later.\n" + text[body:], encoding="utf-8")
    with pytest.raises(QdpxError, match="no longer match") as caught:
        export_qdpx(coded_study, tmp_path / "study.qdpx")
    assert "stale_codings" in caught.value.hint
    assert not (tmp_path / "study.qdpx").exists()


# -- round trip ------------------------------------------------------------------------------------
def test_round_trip_keeps_codes_selections_codings_coders_and_memos(coded_study, tmp_path):
    before = _snapshot(coded_study)
    first = export_qdpx(coded_study, tmp_path / "first.qdpx")
    notes, codes = len(coded_study.documents()), len(coded_study.codebook())
    with open_study(tmp_path / "fresh") as fresh:
        summary = fresh.import_qdpx(first)
        assert summary.sources == notes and summary.codes == codes and summary.memos == 4
        assert summary.selections == 3 and summary.codings == 4 and summary.users == 2
        middle = _snapshot(fresh)
        second = export_qdpx(fresh, tmp_path / "second.qdpx")
    with open_study(tmp_path / "again") as again:
        again.import_qdpx(second)
        after = _snapshot(again)
    for part in before:
        assert middle[part] == before[part], part
        assert after[part] == before[part], part


def test_importing_twice_never_overwrites_a_note_and_reuses_codes(coded_study, tmp_path):
    archive = export_qdpx(coded_study, tmp_path / "study.qdpx")
    notes = coded_study.settings.notes
    original = {p.name: p.read_bytes() for p in notes.iterdir()}
    summary = import_qdpx(coded_study, archive)
    assert summary.new_codes == 0
    assert sorted(summary.documents)[0] == "P01_business-owner-2"
    # import_qdpx returned a dict before: reading it as one warns, and gives what it gave.
    with pytest.warns(DeprecationWarning, match=r"write import_qdpx\(\.\.\.\)\.documents"):
        assert summary["documents"] == list(summary.documents)
    assert summary.to_dict() == summary.counts() | {"documents": list(summary.documents)}
    assert all((notes / name).read_bytes() == data for name, data in original.items())
    copied = codings(coded_study, document_id="P01_business-owner-2")
    assert set(copied["code_id"]) == {"cost_of_delay", "unclear_requirements"}


# -- QDC codebooks ---------------------------------------------------------------------------------
@pytest.mark.shared
def test_qdc_export_validates_and_reads_back(coded_study, shared_data, tmp_path):
    path = export_qdc(coded_study, tmp_path / "codebook.qdc")
    schema = _schema(shared_data, "Codebook-spec-clean.xsd")
    assert schema.validate(etree.parse(str(path))), schema.error_log
    book, original = read_qdc(path), coded_study.codebook()
    assert book.path is None
    assert {(c.name, c.colour, c.definition, c.include) for c in book} == {
        (c.name, c.colour, c.definition, c.include) for c in original
    }
    parent = {c.name: book[c.parent].name if c.parent else None for c in book}
    assert parent == {c.name: original[c.parent].name if c.parent else None for c in original}


def test_qdc_import_adds_codes_once(coded_study, tmp_path):
    path = export_qdc(coded_study, tmp_path / "codebook.qdc")
    codes = len(coded_study.codebook())
    with open_study(tmp_path / "fresh") as fresh:
        assert import_qdc(fresh, path) == codes
        assert import_qdc(fresh, path) == 0
        assert len(fresh.codebook()) == codes


# -- other tools' exports --------------------------------------------------------------------------
@pytest.mark.shared
def test_cproctor_demo_counts_and_offsets(shared_data, sample_study_path):
    archive = shared_data / "refi-qda" / "cproctor-demo.qdpx"
    with open_study(sample_study_path) as study:
        own_codes = len(study.codebook())
        summary = import_qdpx(study, archive)
        # The README's oracle: 2 text sources, 262 codes, 158 selections, 205 codings
        # (Coding elements: one user, no selection coded twice with one code).
        assert summary.sources == 2 and summary.codes == 262
        assert summary.selections == 158 and summary.codings == 205
        assert summary.new_codes == 262 and summary.users == 1
        assert sorted(summary.documents) == ["admin-1", "board_2017"]
        assert len(study.codebook()) == own_codes + 262
        table = codings(study, coder="cp")
        assert len(table) == 205 and table["excerpt_id"].nunique() == 158
        # Each selection is named "line:N" (0-based) by the exporting tool: the offsets must
        # land exactly on that line of the imported note.
        project = etree.fromstring(zipfile.ZipFile(archive).read("project.qde"))
        lines = study.document("board_2017").text.splitlines(keepends=True)
        spans = {(r.start, r.end): r.text for r in table.itertuples()}
        for selection in project.iter(f"{{{NS}}}PlainTextSelection"):
            span = (int(selection.get("startPosition")), int(selection.get("endPosition")))
            assert spans[span] == lines[int(selection.get("name").split(":")[1])]
        # Duplicate names (e.g. "programming" under two parents) stay distinct codes.
        names = [code.name for code in study.codebook()]
        assert "programming" in names and "programming (cs_as_programming)" in names


@pytest.mark.shared
def test_nvivo_export_gives_codes_and_no_selections(shared_data, tmp_path):
    with open_study(tmp_path / "fresh") as study:
        summary = import_qdpx(study, shared_data / "refi-qda" / "cproctor-nvivo_project.qdpx")
        # Its two text sources are blank .txt files beside .docx: nothing to code, skipped.
        assert summary.codes == summary.new_codes == 262
        assert summary.selections == summary.codings == summary.sources == 0
        assert summary.skipped_sources == 2 and summary.users == 2
        assert set(coders(study)["coder"]) == {"chrisp", "cp"}
        assert len(study.codebook()) == 262


@pytest.mark.shared
def test_atlas_standard_export_without_sources(shared_data, tmp_path):
    archive = shared_data / "refi-qda" / "skyloom-TestProject.qdpx"
    with open_study(tmp_path / "fresh") as study:
        before = _state(study)
        # Its Sources/ folder is empty: by default that is an error naming the missing file…
        with pytest.raises(QdpxError, match="01106019-2518-43DD-BBD1-8F0252BACB30") as caught:
            import_qdpx(study, archive)
        assert "missing_sources='skip'" in caught.value.hint
        assert _state(study) == before
        # …and on request the codes, users and memos come in without the sources.
        summary = study.import_qdpx(archive, missing_sources="skip")
        assert summary.codes == summary.new_codes == 14
        assert summary.sources == summary.codings == 0
        # its 6 text sources and 3 transcripts are missing; its 6 picture, PDF, audio and
        # video sources are kept as references, and its 16 Sets as sets
        assert summary.skipped_sources == 9 and summary.users == 3
        assert summary.media_sources == 6 and summary.sets == 16
        assert summary.memos == 2
        book = {code.name: code for code in study.codebook()}
        assert book["Coke::diet Coke"].definition == "non sucré"
        assert book["Coke::diet Coke"].colour == "#966450"
        assert memos(study)["text"].str.startswith("Research Plan\n\n").sum() == 1


@pytest.mark.shared
@pytest.mark.parametrize("name", ["target-atlas-project.qdpx", "blank-atlas-project.qdpx"])
def test_small_atlas_exports(shared_data, tmp_path, name):
    with open_study(tmp_path / "fresh") as study:
        summary = import_qdpx(study, shared_data / "refi-qda" / name, coder_prefix="atlas:")
        assert set(coders(study)["coder"]) == {"atlas:Enric Llagostera", "atlas:ATLAS.ti"}
        book = study.codebook()
        if name.startswith("blank"):
            assert summary.codes == 0 and len(book) == 0
            assert not study.settings.codebook.exists()
        else:
            assert summary.codes == 3
            commits = next(code for code in book if code.name == "Commits")
            assert {c.name for c in book.children(commits.id)} == {
                "2022-05-10T02:05:59Z 19e4dce",
                "2022-02-11T10:39:25Z cdbfd92",
            }


# -- offsets, GUIDs and folder names ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("origin", "start", "end", "crlf_as_one"),
    [
        ("ATLAS.ti 23.2.3", 9, 17, None),  # ATLAS.ti counts "\r\n" as one character
        ("NVivo 14", 10, 18, None),  # the standard: code points, "\r\n" is two
        ("Some tool", 9, 17, True),
    ],
)
def test_windows_line_breaks_are_counted_as_the_exporting_tool_does(
    tmp_path, origin, start, end, crlf_as_one
):
    archive = _synthetic(tmp_path, origin=origin, start=start, end=end)
    with open_study(tmp_path / "fresh") as study:
        import_qdpx(study, archive, crlf_as_one=crlf_as_one)
        row = codings(study).iloc[0]
        assert row["text"] == "Line two"
        assert study.document(row["document_id"]).text == TEXT  # kept exactly, "\r\n" and all


def test_guids_any_case_with_braces_and_case_insensitive_folders(tmp_path):
    members = {
        "Project.QDE": _project_xml(source_path=f"internal://{SOURCE.lower()}.TXT"),
        f"SOURCES/{SOURCE}.txt": TEXT,
    }
    archive = _archive(tmp_path / "odd.qdpx", members)
    with open_study(tmp_path / "fresh") as study:
        summary = import_qdpx(study, archive)
        assert summary.documents == ("Interview 1",)
        row = codings(study).iloc[0]
        child = next(code for code in study.codebook() if code.name == "Child")
        assert row["code_id"] == child.id and row["coder"] == "Ana"
        assert study.codebook()[child.parent].colour == "#112233"


# -- bad input: clear errors, nothing changed ------------------------------------------------------
def _traversal(tmp_path: Path) -> Path:
    path = _synthetic(tmp_path, "traversal.qdpx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../evil.txt", "gotcha")
    return path


def _bomb(tmp_path: Path) -> Path:
    members = {"project.qde": _project_xml(), "sources/padding.txt": b"\0" * (20 * 1024 * 1024)}
    return _archive(tmp_path / "bomb.qdpx", members)


def _not_a_zip(tmp_path: Path) -> Path:
    (tmp_path / "not-a-zip.qdpx").write_bytes(b"these are notes, not a zip")
    return tmp_path / "not-a-zip.qdpx"


_XXE = '\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BAD_ARCHIVES = {
    "not a zip": (_not_a_zip, "not a zip"),
    "no project": (
        lambda tmp: _archive(tmp / "empty.qdpx", {"sources/a.txt": "text"}),
        "no project.qde",
    ),
    "path traversal": (_traversal, "unsafe entry '../../evil.txt'"),
    "zip bomb": (_bomb, "zip bomb"),
    "xxe": (
        lambda tmp: _synthetic(tmp, "xxe.qdpx", extra_prolog=_XXE, description="&xxe;"),
        "DOCTYPE",
    ),
    "invalid xml": (
        lambda tmp: _archive(tmp / "broken.qdpx", {"project.qde": _project_xml()[:-20]}),
        "not valid XML",
    ),
    "offsets past the text": (
        lambda tmp: _synthetic(tmp, "past.qdpx", start=20, end=400),
        r"outside its text \(28 characters",
    ),
    "unknown code": (
        lambda tmp: _synthetic(
            tmp, "unknown.qdpx", code_ref="99999999-0000-4000-8000-000000000000"
        ),
        "refers to code '99999999-0000-4000-8000-000000000000'",
    ),
    "missing source": (
        lambda tmp: _synthetic(tmp, "missing.qdpx", source_path="internal://nowhere.txt"),
        "'internal://nowhere.txt', which is not in the archive",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ARCHIVES))
def test_bad_archives_give_a_clear_error_and_change_nothing(coded_study, tmp_path, case):
    build, message = BAD_ARCHIVES[case]
    path = build(tmp_path)
    before = _state(coded_study)
    with pytest.raises(QdpxError, match=message) as caught:
        coded_study.import_qdpx(path)
    assert str(path) in str(caught.value) and caught.value.hint
    assert _state(coded_study) == before


def test_archive_size_cap(monkeypatch, coded_study, tmp_path):
    from research_kit.interviews import refi_model

    monkeypatch.setattr(refi_model, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(QdpxError, match="unpacks to"):
        import_qdpx(coded_study, export_qdpx(coded_study, tmp_path / "study.qdpx"))


def test_a_failing_database_write_removes_the_notes_and_restores_the_codebook(
    monkeypatch, coded_study, shared_data, tmp_path
):
    from research_kit.interviews import refi_import

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(refi_import, "_insert_memos", fail)
    before = _state(coded_study)
    with pytest.raises(RuntimeError, match="disk full"):
        import_qdpx(coded_study, shared_data / "refi-qda" / "cproctor-demo.qdpx")
    assert _state(coded_study) == before
    backup = coded_study.settings.codebook.with_name("codebook.yml.bak")
    assert not backup.exists()


def test_bulk_codings_survive_a_round_trip(coded_study, tmp_path):
    frame = codings(coded_study)[["document_id", "start", "end", "code_id", "coder"]]
    more = frame.assign(coder="C.D.")
    apply_codes(coded_study, more)
    archive = export_qdpx(coded_study, tmp_path / "study.qdpx")
    with open_study(tmp_path / "fresh") as fresh:
        assert import_qdpx(fresh, archive).codings == len(codings(coded_study))

"""A codebook nested deeper than Python's recursion limit is read, shown and exported, or refused
clearly — never a raw RecursionError.

The hierarchy is walked with stacks, not recursion: a chain of 5,000 parents (a generated
codebook, or one imported from a tool that nests freely) exports to REFI-QDA like a flat one.
XML nested that deep is refused on import by the parser's own depth limit, with a message.
"""

from __future__ import annotations

import sys
import uuid
import zipfile

import pytest
from lxml import etree

from research_kit import open_study
from research_kit.checks import check_folder
from research_kit.errors import CodebookError, NoteError
from research_kit.interviews import parse_codebook, read_note
from research_kit.interviews.refi import (
    MAX_CODE_DEPTH,
    QdpxError,
    export_qdc,
    export_qdpx,
    import_qdpx,
    read_qdc,
)
from research_kit.widgets.highlight import code_colours, codes_in_order

DEPTH = 5000
assert sys.getrecursionlimit() < DEPTH


def _chain(depth: int, *, top: str | None = None) -> str:
    """Codebook entries ``deep0`` … ``deep{depth-1}``, each the parent of the next."""
    entries = []
    for level in range(depth):
        parent = f"deep{level - 1}" if level else top
        entries.append(
            f"  - {{id: deep{level}, name: Deep {level}, definition: level {level}"
            + (f", parent: {parent}" if parent else "")
            + "}\n"
        )
    return "".join(entries)


def test_a_chain_deeper_than_the_recursion_limit_is_tabled_and_walked():
    book = parse_codebook("codes:\n" + _chain(DEPTH))
    frame = book.to_frame()
    assert frame["depth"].tolist() == list(range(DEPTH))
    assert set(frame["theme_id"]) == {"deep0"}
    assert book.theme_of(f"deep{DEPTH - 1}").id == "deep0"
    assert [depth for _, depth in book.in_tree_order()] == list(range(DEPTH))
    assert [depth for _, depth in codes_in_order(book)] == list(range(DEPTH))
    assert len(set(code_colours(book).values())) == 1  # every code takes its theme's colour


def test_a_loop_through_a_long_chain_is_refused_with_its_line():
    text = "codes:\n" + _chain(DEPTH, top=f"deep{DEPTH - 1}")  # the top's parent is the bottom
    with pytest.raises(CodebookError, match="own ancestor") as raised:
        parse_codebook(text)
    assert raised.value.line == 2


def _study_with_chain(folder, depth: int):
    """The sample study in ``folder`` with a chain of ``depth`` codes under its 'waiting' code."""
    codebook = folder / "codebook.yml"
    codebook.write_text(
        codebook.read_text(encoding="utf-8") + _chain(depth, top="waiting"), encoding="utf-8"
    )
    return folder


def _code_depths(root) -> list[int]:
    return [len(list(code.iterancestors("{*}Code"))) for code in root.iter("{*}Code")]


@pytest.mark.slow
def test_a_study_deeper_than_refi_qda_readers_accept_is_refused_before_writing(
    sample_study_path, tmp_path
):
    folder = _study_with_chain(sample_study_path, DEPTH)
    assert not [p for p in check_folder(folder) if p.severity == "error"]
    with open_study(folder) as study:
        assert study.codebook().to_frame()["depth"].max() == DEPTH
        for export, name in ((export_qdpx, "deep.qdpx"), (export_qdc, "deep.qdc")):
            with pytest.raises(QdpxError, match=f"{MAX_CODE_DEPTH} levels below") as raised:
                export(study, tmp_path / name)
            assert raised.value.path == folder / "codebook.yml"
            assert raised.value.line and "fewer levels" in raised.value.hint
            assert not list(tmp_path.glob("*deep*"))


@pytest.mark.slow
def test_the_deepest_exportable_chain_round_trips(sample_study_path, tmp_path):
    folder = _study_with_chain(sample_study_path, MAX_CODE_DEPTH - 1)
    with open_study(folder) as study:
        codebook = export_qdc(study, tmp_path / "deep.qdc")
        project = export_qdpx(study, tmp_path / "deep.qdpx")
    assert max(_code_depths(etree.parse(str(codebook)).getroot())) == MAX_CODE_DEPTH - 1
    back = read_qdc(codebook).to_frame().set_index("name")
    assert back.loc[f"Deep {MAX_CODE_DEPTH - 2}", "depth"] == MAX_CODE_DEPTH - 1
    with open_study(tmp_path / "other") as other:
        assert import_qdpx(other, project).codes == len(back)


def _deep_project(path, depth: int):
    """A QDPX whose codes nest ``depth`` deep, written by hand (no tool of ours writes one)."""
    opening = "".join(
        f'<Code guid="{uuid.UUID(int=level + 1)}" name="Code {level}" isCodable="true">'
        for level in range(depth)
    )
    project = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
        'name="deep"><CodeBook><Codes>' + opening + "</Code>" * depth + "</Codes></CodeBook>"
        "</Project>\n"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
    return path


def test_importing_a_code_tree_nested_beyond_the_recursion_limit_is_refused(tmp_path):
    project = _deep_project(tmp_path / "deep.qdpx", DEPTH)
    folder = tmp_path / "study"
    with open_study(folder) as study:
        before = _files(folder)
        with pytest.raises(QdpxError, match="depth") as raised:
            import_qdpx(study, project)
        assert raised.value.path == project
        assert _files(folder) == before
        assert study.documents() == []


def _files(folder) -> dict[str, bytes]:
    """The study's raw files and their bytes (the database aside)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("study.db")
    }


@pytest.mark.parametrize(
    "nested",
    ["[" * DEPTH + "]" * DEPTH, "\n" + "".join("  " * (i + 1) + "a:\n" for i in range(DEPTH))],
    ids=["flow", "block"],
)
def test_yaml_nested_beyond_the_recursion_limit_is_refused_with_a_line(nested, tmp_path):
    with pytest.raises(CodebookError, match="nested too deeply") as raised:
        parse_codebook(f"name: deep\ncodes: {nested}\n", tmp_path / "codebook.yml")
    assert raised.value.line and raised.value.line >= 2
    assert "parent:" in raised.value.hint
    note = tmp_path / "P01.md"
    note.write_text(f"---\nparticipant: P01\nrole: {nested}\n---\nBody\n")
    with pytest.raises(NoteError, match="nested too deeply") as raised:
        read_note(note)
    assert raised.value.line >= 3

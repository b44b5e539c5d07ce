"""``research-kit check`` finds a participant id given to two notes and a front-matter key given
twice in one note, each with the file and line.

YAML keeps the last of two equal keys without a word, so ``role: resident`` followed later by
``role: inspector`` would silently lose the first; the note is refused instead.
"""

from __future__ import annotations

import pytest

from research_kit.checks import check_folder
from research_kit.errors import CodebookError, NoteError, StudyConfigError
from research_kit.interviews import parse_codebook, read_note
from research_kit.settings import read_settings

NOTE = "P03_front-desk-clerk.md"


def _front_matter(path):
    return path.read_text(encoding="utf-8").split("---\n")[1]


def test_check_reports_a_participant_id_given_to_two_notes(sample_study_path):
    notes = sample_study_path / "notes"
    text = (notes / NOTE).read_text(encoding="utf-8")
    (notes / NOTE).write_text(text.replace("participant: P03", "participant: P01", 1))
    line = 1 + _front_matter(notes / NOTE).splitlines().index("participant: P01") + 1
    first_line = (
        1
        + _front_matter(notes / "P01_business-owner.md").splitlines().index("participant: P01")
        + 1
    )
    found = [p for p in check_folder(sample_study_path) if "is also the participant" in p.message]
    assert [(p.path, p.line) for p in found] == [(notes / NOTE, line)]
    assert f"P01_business-owner.md, line {first_line}" in found[0].message
    assert found[0].hint


def test_every_id_attribute_of_the_schema_is_checked(sample_study_path):
    settings = sample_study_path / "study.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "  interviewer: {type: text, required: true}",
            "  interviewer: {type: id, required: true}",
        ),
        encoding="utf-8",
    )
    found = [p for p in check_folder(sample_study_path) if "is also the interviewer" in p.message]
    assert found and all(p.line and p.line > 1 for p in found)


def test_check_reports_a_front_matter_key_given_twice(sample_study_path):
    path = sample_study_path / "notes" / NOTE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    role = next(i for i, line in enumerate(lines) if line.startswith("role:"))
    closing = lines.index("---\n", 1)
    lines.insert(closing, "role: inspector\n")
    path.write_text("".join(lines), encoding="utf-8")
    found = [p for p in check_folder(sample_study_path) if p.path == path]
    assert [(p.line, p.severity) for p in found] == [(closing + 1, "error")]
    assert f"'role' is given twice (first on line {role + 1})" in found[0].message
    with pytest.raises(NoteError, match="given twice") as raised:
        read_note(path)
    assert raised.value.line == closing + 1


def test_a_key_given_twice_in_any_study_yaml_is_refused(tmp_path):
    (tmp_path / "study.yml").write_text("name: s\nmin_cell_size: 5\nmin_cell_size: 3\n")
    with pytest.raises(StudyConfigError, match="'min_cell_size' is given twice") as raised:
        read_settings(tmp_path)
    assert raised.value.line == 3
    with pytest.raises(CodebookError, match="'parent' is given twice"):
        parse_codebook("codes:\n- name: A\n  parent: b\n  parent: c\n- name: B\n- name: C\n")


def test_a_docx_note_with_a_key_given_twice_is_refused(tmp_path):
    import docx

    document = docx.Document()
    for line in ["---", "participant: P08", "participant: P09", "---", "Text."]:
        document.add_paragraph(line)
    path = tmp_path / "P08.docx"
    document.save(path)
    with pytest.raises(NoteError, match="'participant' is given twice"):
        read_note(path)

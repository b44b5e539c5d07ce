"""Opening and creating studies, noticing changed notes, summarising what a study holds.

What the bundled sample itself promises is checked in ``tests/test_sample_data.py``.
"""

from __future__ import annotations

import pytest

import research_kit
from research_kit.errors import NoteError, StudyConfigError
from research_kit.study import open_study
from tests._fixtures import (
    SMALL_CASES,
    SMALL_NOTES,
    SMALL_RESPONDENTS,
    SMALL_THEMES,
    write_small_study,
)


@pytest.fixture
def sample(sample_study_path):
    study = research_kit.open_study(sample_study_path)
    yield study
    study.close()


def test_open_study_creates_a_working_study_folder(tmp_path):
    study = open_study(tmp_path / "new study")
    assert (tmp_path / "new study" / "study.yml").exists()
    assert {p.name for p in study.folder.iterdir()} >= {"notes", "survey", "process", "study.db"}
    assert study.name == "new study"
    assert study.min_cell_size == 5
    assert study.documents() == []
    assert len(study.codebook()) == 0
    assert study.check() == [] or all(p.severity == "warning" for p in study.check())
    study.close()


def test_open_study_never_overwrites_existing_settings(tmp_path):
    folder = tmp_path / "s"
    open_study(folder).close()
    (folder / "study.yml").write_text("name: Mine\nmin_cell_size: 11\n")
    study = open_study(folder)
    assert (study.name, study.min_cell_size) == ("Mine", 11)
    study.close()


def test_open_study_without_create_refuses_a_plain_folder(tmp_path):
    with pytest.raises(StudyConfigError, match=r"no study\.yml"):
        open_study(tmp_path, create=False)


def test_register_documents_notices_a_changed_note(sample):
    first = sample.register_documents()
    assert set(first["status"]) == {"new"}
    assert set(sample.register_documents()["status"]) == {"unchanged"}
    note = sample.settings.notes / "P03_front-desk-clerk.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nAdded later.\n", encoding="utf-8")
    again = sample.register_documents().set_index("document_id")["status"]
    assert again["P03_front-desk-clerk"] == "changed"
    assert (again.drop("P03_front-desk-clerk") == "unchanged").all()
    assert sample.store.count("documents") == len(again)


def test_register_codebook_is_idempotent(sample):
    n_codes = sample.register_codebook()
    assert sample.register_codebook() == n_codes
    assert sample.store.count("codes") == n_codes


def test_invalid_attribute_value_names_file_line_and_allowed_values(sample):
    note = sample.settings.notes / "P01_business-owner.md"
    text = note.read_text(encoding="utf-8").replace("ward: Ward 2", "ward: Ward 9")
    note.write_text(text, encoding="utf-8")
    with pytest.raises(NoteError) as raised:
        sample.documents()
    assert raised.value.path == note
    assert raised.value.line == text.splitlines().index("ward: Ward 9") + 1
    assert "Ward 9" in str(raised.value) and "Ward 1" in raised.value.hint


def test_summary_counts_what_the_study_holds(tmp_path):
    with open_study(write_small_study(tmp_path / "small"), create=False) as study:
        summary = study.summary().set_index(["section", "item"])["value"]
    assert summary[("interviews", "documents")] == len(SMALL_NOTES)
    assert summary[("interviews", "by role")] == "business owner 2, resident 1"
    assert summary[("codebook", "themes")] == len(SMALL_THEMES)
    assert summary[("codebook", "codes")] == sum(len(codes) for codes in SMALL_THEMES.values())
    assert summary[("survey small_survey", "respondents")] == len(SMALL_RESPONDENTS)
    assert summary[("event log small_log", "cases")] == len(SMALL_CASES)
    events = sum(len(activities) for activities in SMALL_CASES.values())
    assert summary[("event log small_log", "events")] == events


def _codings(folder) -> list:
    with open_study(folder) as study:
        return research_kit.interviews.codings(study)["coding_id"].tolist()


def test_a_scratch_copy_holds_the_study_and_takes_edits_alone(tmp_path):
    original = tmp_path / "permits"
    write_small_study(original)
    with open_study(original) as study:
        note = study.documents()[0]
        research_kit.interviews.apply_code(
            study, note.id, 0, 5, sorted(study.code_ids())[0], coder="A"
        )
    copy = research_kit.scratch_copy(original)
    assert copy.parent != original.parent and copy.name == "permits"
    assert _codings(copy) == _codings(original) != []  # the database came along
    with open_study(copy) as study:
        note = study.documents()[0]
        research_kit.interviews.apply_code(
            study, note.id, 6, 9, sorted(study.code_ids())[0], coder="B"
        )
    assert len(_codings(copy)) == len(_codings(original)) + 1


def test_a_scratch_copy_refuses_a_database_it_would_share(tmp_path):
    write_small_study(tmp_path / "permits")
    settings = tmp_path / "permits" / "study.yml"
    text = settings.read_text().replace("database: study.db", f"database: {tmp_path / 'x.db'}")
    text += "allow_outside_paths: true\n"
    settings.write_text(text)
    with pytest.raises(StudyConfigError, match="scratch copy would share it"):
        research_kit.scratch_copy(tmp_path / "permits")
    assert not (tmp_path / "permits" / "copy").exists()
    with pytest.raises(StudyConfigError):
        research_kit.scratch_copy(tmp_path / "no study here")

"""Paths in study.yml stay inside the study folder unless the study opts out.

A study travels as one folder (copied to a colleague, archived, shared as a zip): a codebook or
a survey export left on someone's desktop, reached through ``../`` or an absolute path or a
link, would silently go missing. ``allow_outside_paths: true`` says it is intended.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from research_kit import open_study
from research_kit.checks import check_folder
from research_kit.errors import StudyConfigError
from research_kit.settings import default_study_yaml, read_settings


def _study(folder, body: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.yml").write_text("name: s\n" + body, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("body", "key", "line"),
    [
        ("notes: ../elsewhere/notes\n", "notes", 2),
        ("codebook: /etc/codebook.yml\n", "codebook", 2),
        ("codings:\n  - codings/ok.csv\n  - ../../codings.csv\n", "codings", 4),
        ("surveys:\n  - {path: ../s.csv, respondent_id: id}\n", "survey", 3),
        (
            "surveys:\n  - path: s.csv\n    respondent_id: id\n    population_margins: ../m.csv\n",
            "population_margins",
            3,
        ),
        ("process_maps: [../map.yml]\n", "process_maps", 2),
        ("event_logs:\n  - path: logs/../../events.csv\n", "event log", 3),
        ("database: ../shared.db\n", "database", 2),
    ],
)
def test_a_path_leaving_the_folder_is_refused_with_its_line(tmp_path, body, key, line):
    folder = _study(tmp_path / "study", body)
    with pytest.raises(StudyConfigError, match=f"^.*{key} '.*' leads outside") as raised:
        read_settings(folder)
    assert raised.value.path == folder / "study.yml"
    assert raised.value.line == line
    assert "allow_outside_paths: true" in raised.value.hint
    with pytest.raises(StudyConfigError, match="leads outside"):
        open_study(folder, create=False)


def test_a_link_pointing_out_is_refused_and_one_pointing_in_is_fine(tmp_path):
    outside = tmp_path / "outside_notes"
    outside.mkdir()
    folder = _study(tmp_path / "study", "notes: notes\ncodebook: book.yml\n")
    (folder / "notes").symlink_to(outside, target_is_directory=True)
    (folder / "real.yml").write_text("codes:\n- {name: A, definition: a}\n")
    (folder / "book.yml").symlink_to(folder / "real.yml")
    with pytest.raises(StudyConfigError, match="notes 'notes' leads outside") as raised:
        read_settings(folder)
    assert raised.value.line == 2


def test_check_lists_every_outside_path(tmp_path):
    folder = _study(
        tmp_path / "study", "notes: ../n\ncodebook: /tmp/c.yml\nprocess_maps: [ok.yml]\n"
    )
    problems = [p for p in check_folder(folder) if "leads outside" in p.message]
    assert [(p.line, p.severity) for p in problems] == [(2, "error"), (3, "error")]


def test_opting_in_allows_outside_paths(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "codebook.yml").write_text("codes:\n- {name: Waiting, definition: d}\n")
    folder = _study(
        tmp_path / "study", f"allow_outside_paths: true\ncodebook: {shared / 'codebook.yml'}\n"
    )
    settings = read_settings(folder)
    assert settings.allow_outside_paths
    with open_study(folder, create=False) as study:
        assert [code.id for code in study.codebook()] == ["waiting"]
    assert not [p for p in check_folder(folder) if p.severity == "error"]


def test_the_opt_in_must_be_true_or_false(tmp_path):
    folder = _study(tmp_path / "study", "allow_outside_paths: sometimes\n")
    with pytest.raises(StudyConfigError, match="must be true or false") as raised:
        read_settings(folder)
    assert raised.value.line == 2


def test_paths_that_stay_inside_are_fine(tmp_path):
    folder = _study(tmp_path / "study", "notes: ./notes/../notes\ncodebook: sub/../codebook.yml\n")
    assert read_settings(folder).notes == folder / "notes/../notes"


def test_a_database_url_is_not_a_path(tmp_path):
    folder = _study(tmp_path / "study", "database: postgresql+psycopg://db.example/study\n")
    assert read_settings(folder).database.startswith("postgresql")


def test_the_bundled_study_and_a_new_study_stay_inside(sample_study_path, tmp_path):
    assert not read_settings(sample_study_path).allow_outside_paths
    assert not [p for p in check_folder(sample_study_path) if "outside" in p.message]
    assert "allow_outside_paths: true" in default_study_yaml("x")
    folder = tmp_path / "new"
    open_study(folder).close()
    read_settings(folder)


def test_the_readme_documents_the_opt_in():
    readme = Path(__file__).resolve().parents[1] / "README.md"
    assert "`allow_outside_paths: true`" in readme.read_text(encoding="utf-8")

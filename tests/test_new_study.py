"""``research-kit new``: a study folder a new user can start from, clean for ``check``."""

from __future__ import annotations

import re
import shutil

from research_kit.cli import main
from research_kit.settings import default_study_yaml, validate_settings
from research_kit.study import open_study


def test_new_study_is_clean_for_check(tmp_path, capsys):
    folder = tmp_path / "permits_2027"
    assert main(["new", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "codebook.yml",
        "note_template.md",
        "notes",
        "process",
        "study.yml",
        "survey",
    ]
    assert list((folder / "notes").iterdir()) == []  # every file there is read as a note
    assert (folder / "survey" / "README.txt").is_file()
    assert (folder / "process" / "README.txt").is_file()
    capsys.readouterr()
    assert main(["check", "--strict", str(folder)]) == 0
    assert "clean" in capsys.readouterr().out
    with open_study(folder, create=False) as study:
        codebook = study.codebook()
    assert len(codebook.themes) == 1 and len(codebook) == 3
    assert all(code.definition and code.include and code.exclude for code in codebook.leaf_codes())


def test_the_note_template_is_a_valid_note(tmp_path, capsys):
    folder = tmp_path / "study"
    main(["new", str(folder)])
    shutil.copy(folder / "note_template.md", folder / "notes" / "P01_resident.md")
    capsys.readouterr()
    assert main(["check", "--strict", str(folder)]) == 0, capsys.readouterr().out
    with open_study(folder, create=False) as study:
        (document,) = study.documents()
    assert document.attributes["participant"] == "P01"


def test_new_refuses_a_folder_that_holds_anything(tmp_path, capsys):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["new", str(tmp_path / "busy")]) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "Traceback" not in err
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["keep.txt"]
    main(["new", str(tmp_path / "study")])
    capsys.readouterr()
    assert main(["new", str(tmp_path / "study")]) == 2
    assert "is already a study" in capsys.readouterr().err


def test_every_commented_option_of_the_new_study_yml_is_valid_when_switched_on(tmp_path):
    text = default_study_yaml("permits")
    text = text.replace("surveys: []", "surveys:").replace("event_logs: []", "event_logs:")
    # Remove the "#" of every commented setting (the lines that are YAML, not prose).
    switched_on = re.sub(r"^# (?=[a-z_]+:|  )", "", text, flags=re.MULTILINE)
    (tmp_path / "study.yml").write_text(switched_on, encoding="utf-8")
    settings, problems = validate_settings(tmp_path)
    assert problems == []
    assert settings.privacy_names and settings.text_model == "auto"
    (survey,) = settings.surveys
    assert survey.likert and survey.open_ended and survey.series and survey.invited
    (log,) = settings.event_logs
    assert log.start_timestamp and log.resource and log.timezone


def test_a_command_on_a_folder_that_is_not_a_study_says_how_to_start_one(tmp_path, capsys):
    assert main(["qdpx", "import", str(tmp_path / "p.qdpx"), "--study", str(tmp_path)]) == 2
    assert "research-kit new" in capsys.readouterr().err

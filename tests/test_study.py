"""Opening and creating studies; the bundled sample study loads with everything it promises."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import research_kit
from research_kit.errors import NoteError, StudyConfigError
from research_kit.study import open_study

ROLES = {"resident", "business owner", "front-desk clerk", "inspector", "manager"}


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


def test_sample_study_documents_have_the_promised_attributes(sample):
    documents = sample.documents()
    assert len(documents) >= 12
    assert {doc.attributes["role"] for doc in documents} == ROLES
    for doc in documents:
        assert set(doc.attributes) >= {
            "participant",
            "role",
            "department",
            "ward",
            "date",
            "interviewer",
        }
        assert isinstance(doc.attributes["date"], dt.date)
        assert 600 <= doc.n_words <= 1500, (doc.id, doc.n_words)
        assert len(doc.content_hash) == 64
    table = sample.documents_table()
    assert table["document_id"].is_unique
    assert table["participant"].is_unique


def test_sample_study_codebook(sample):
    codebook = sample.codebook()
    assert len(codebook.themes) >= 4
    leaves = codebook.leaf_codes()
    assert len(leaves) >= 15
    for code in leaves:
        assert code.definition and code.include and code.exclude and code.example, code.id
        assert code.parent is not None
    frame = codebook.to_frame()
    assert frame["code_id"].is_unique
    steps = set(sample.process_map().steps_frame()["step_id"])
    linked = frame["process_step"].dropna()
    assert len(linked) > 0 and set(linked) <= steps


def test_sample_study_survey(sample):
    survey = sample.survey()
    source = sample.survey_source()
    assert len(survey) >= 1500
    assert survey["respondent_id"].is_unique
    assert {"ward", "age_band", "race_ethnicity", "business_type"} <= set(survey.columns)
    assert len(source.likert) >= 3
    for question in source.open_ended:
        answers = survey[question].dropna().str.strip()
        assert answers.nunique() > 500, "open-ended answers must be varied, not templates"
        assert survey[question].isna().sum() > 0, "real exports have blanks"
        assert answers.str.lower().isin(["n/a", "none", "-", "no comment"]).any()


def test_sample_study_event_log_shows_rework_and_a_bottleneck(sample):
    log = sample.event_log()
    assert log["case_id"].nunique() >= 2000
    assert str(log["timestamp"].dt.tz) == "UTC"
    repeats = log.groupby("case_id")["activity"].apply(lambda a: a.duplicated().any())
    assert repeats.mean() > 0.2, "the sample log should show rework loops"
    waits = _median_wait_before(log, "Plan review")
    others = _median_wait_before(log, "Zoning review")
    assert waits > 2 * others, "plan review should be the bottleneck"


def _median_wait_before(log: pd.DataFrame, activity: str) -> float:
    previous = log.groupby("case_id")["timestamp"].shift()
    mask = log["activity"] == activity
    return (log.loc[mask, "timestamp"] - previous[mask]).dt.total_seconds().median()


def test_sample_study_checks_clean(sample):
    assert [str(p) for p in sample.check()] == []


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
    note.write_text(
        note.read_text(encoding="utf-8").replace("ward: Ward 2", "ward: Ward 9"), encoding="utf-8"
    )
    with pytest.raises(NoteError) as raised:
        sample.documents()
    assert raised.value.path == note
    assert raised.value.line == 5
    assert "Ward 9" in str(raised.value) and "Ward 1" in raised.value.hint


def test_summary_counts_what_the_sample_holds(sample):
    summary = sample.summary().set_index(["section", "item"])["value"]
    assert summary[("interviews", "documents")] >= 12
    assert summary[("survey permitting_2026", "respondents")] >= 1500
    assert summary[("event log permits", "cases")] >= 2000
    assert summary[("codebook", "codes")] >= 15

"""The bundled sample study: reproducible from its generators, as varied as promised, and
holding exactly the counts written down here.

This is the one module that knows the sample's numbers. Unit tests build the small fixtures they
need (``tests/_fixtures.py``) or read counts off the study they were given, so a change to the
sample fails here, naming what changed, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import research_kit
from research_kit.interviews import coder_agreement, import_shipped_codings
from research_kit.interviews.autocode import apply_rules, read_rules
from research_kit.interviews.coding_io import read_codings_csv
from research_kit.text import build_pipeline

ROOT = Path(__file__).resolve().parents[1]
ROLES = {"resident", "business owner", "front-desk clerk", "inspector", "manager"}
#: What the sample holds. Change these with the sample, on purpose, and say why in the commit.
SAMPLE_COUNTS = {
    "notes": 14,
    "codebook entries": 27,
    "themes": 6,
    "leaf codes": 21,
    "roles": len(ROLES),
    "survey respondents": 1850,
    "survey blank ages": 23,
    "survey 2025 wave respondents": 1100,
    "event log cases": 2386,
    "event log events": 23976,
    "notes coded by J.R.": 14,
    "notes coded by M.K.": 6,
}
#: The participants whose notes the second coder coded (the ones agreement is computed on).
SECOND_CODER_NOTES = {"P01", "P03", "P05", "P08", "P10", "P12"}
GENERATED = {
    "make_sample_survey.py": [
        "interview_data/survey/permitting_survey_2026.csv",
        "interview_data/survey/population_margins.csv",
        "benchmarks/data/sample_survey_truth.csv",
        "interview_data/survey/permitting_survey_2025.csv",
    ],
    "make_sample_event_log.py": [
        "interview_data/process/permit_events.csv",
        "benchmarks/data/sample_event_log_facts.json",
    ],
    "make_sample_measures.py": ["interview_data/measures/permit_center_calls.csv"],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(GENERATED))
def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path, script):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    for relative in GENERATED[script]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / script)],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a speed limit
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for relative in GENERATED[script]:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), relative


def test_survey_export_looks_like_a_survey_tool_wrote_it():
    raw = (ROOT / "interview_data/survey/permitting_survey_2026.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, as Excel-bound exports"
    assert b"\r\n" in raw


def test_interview_notes_use_varied_formats():
    notes = sorted((ROOT / "interview_data/notes").glob("*.md"))
    texts = [note.read_text(encoding="utf-8") for note in notes]
    assert len(notes) >= 12
    assert sum("\nQ:" in text for text in texts) >= 2
    assert sum("\nInterviewer:" in text for text in texts) >= 2
    assert sum("\n## " in text for text in texts) >= 2


# -- what the sample holds -------------------------------------------------------------------------
@pytest.fixture
def sample(sample_study_path):
    study = research_kit.open_study(sample_study_path)
    yield study
    study.close()


def _count_sample(study) -> dict[str, int]:
    codebook = study.codebook()
    survey = study.survey()
    log = study.event_log()
    shipped = read_codings_csv(study.settings.codings[0])
    coded = shipped.groupby("coder")["document_id"].nunique()
    return {
        "notes": len(study.documents()),
        "codebook entries": len(codebook),
        "themes": len(codebook.themes),
        "leaf codes": len(codebook.leaf_codes()),
        "roles": len({doc.attributes["role"] for doc in study.documents()}),
        "survey respondents": len(survey),
        "survey blank ages": int(survey["age_band"].isna().sum()),
        "survey 2025 wave respondents": len(study.survey("permitting_2025")),
        "event log cases": log["case_id"].nunique(),
        "event log events": len(log),
        "notes coded by J.R.": int(coded["J.R."]),
        "notes coded by M.K.": int(coded["M.K."]),
    }


def test_the_sample_holds_the_counts_written_down_here(sample):
    found = _count_sample(sample)
    changed = {name: (SAMPLE_COUNTS[name], found[name]) for name in SAMPLE_COUNTS}
    changed = {name: pair for name, pair in changed.items() if pair[0] != pair[1]}
    assert not changed, "the sample changed (expected, found): " + ", ".join(
        f"{name} {expected} -> {got}" for name, (expected, got) in changed.items()
    )


def test_the_shipped_codings_agree_neither_perfectly_nor_by_chance(sample):
    import_shipped_codings(sample)
    kappa = coder_agreement(sample).iloc[-1]["cohen_kappa"]
    assert 0.3 < kappa < 0.95, "the demo's agreement figures need coders who partly disagree"


def test_the_shipped_rules_are_valid_and_cover_the_codebook(sample_study_path):
    study = research_kit.open_study(sample_study_path)
    try:
        rules = read_rules(sample_study_path, codebook=study.codebook())
        assert len(rules) >= 10
        kinds = rules.to_frame()
        assert {"keyword", "lemma", "pattern"} <= set(kinds["kind"])
        preview = apply_rules(study, nlp=build_pipeline("blank"))  # the study's autocode.yml
        assert preview["code_id"].nunique() >= 10
        assert set(preview["origin"]) == {"rule"}
    finally:
        study.close()


def test_the_second_coder_coded_the_notes_agreement_is_computed_on(sample):
    shipped = read_codings_csv(sample.settings.codings[0])
    by_coder = shipped.groupby("coder")["document_id"].agg(lambda ids: {i[:3] for i in ids})
    assert by_coder["J.R."] == {doc.attributes["participant"] for doc in sample.documents()}
    assert by_coder["M.K."] == SECOND_CODER_NOTES


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


def test_summary_counts_what_the_sample_holds(sample):
    summary = sample.summary().set_index(["section", "item"])["value"]
    assert summary[("interviews", "documents")] >= 12
    assert summary[("survey permitting_2026", "respondents")] >= 1500
    assert summary[("event log permits", "cases")] >= 2000
    assert summary[("codebook", "codes")] >= 15

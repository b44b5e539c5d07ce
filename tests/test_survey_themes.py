"""The study-level survey layer: weights from the study's margins, themes of a question, the
cluster explorer widget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import research_kit
from research_kit.errors import StudyConfigError, SurveyError
from research_kit.survey import survey_weights_result
from research_kit.survey.cluster_edits import rename_cluster
from research_kit.survey.themes import cluster_question, resolve_question

Q1 = "What one thing should the City change about permitting?"


@pytest.fixture
def study(sample_study_path: Path):
    study = research_kit.open_study(sample_study_path)
    yield study
    study.close()


# -- weights -----------------------------------------------------------------------------------
def test_survey_weights_reproduce_the_population_margins(study) -> None:
    frame = study.survey()
    weights = study.survey_weights(survey=frame)
    margins = pd.read_csv(study.folder / "survey" / "population_margins.csv")
    for variable, column in {"Ward": "ward", "Age": "age_band"}.items():
        expected = margins[margins["variable"] == variable].set_index("category")["population"]
        got = weights.groupby(frame[column]).sum()
        # Age has blanks (kept, scaled to the total), so compare the raked categories' shares.
        answered = expected.sum() * got / got.sum() if frame[column].isna().any() else got
        assert np.allclose(answered.reindex(expected.index), expected, rtol=1e-6)
    assert weights.sum() == pytest.approx(margins.groupby("variable")["population"].sum().iloc[0])
    outside = survey_weights_result(study, survey=frame).not_in_margins.set_index("variable")
    assert outside.loc["Race/ethnicity", "respondents"] == int(
        (frame["race_ethnicity"] == "Prefer not to say").sum()
    )
    ratio = weights / weights.mean()
    assert ratio.max() <= 5.0 + 1e-3 and ratio.min() >= 0.2 - 1e-3


def test_survey_weights_need_margins(tmp_path: Path) -> None:
    study = research_kit.open_study(tmp_path / "new")
    (study.folder / "survey" / "s.csv").write_text("id,q\n1,a\n", encoding="utf-8")
    (study.folder / "study.yml").write_text(
        "name: t\nsurveys:\n  - id: s\n    path: survey/s.csv\n    respondent_id: id\n",
        encoding="utf-8",
    )
    study = research_kit.open_study(tmp_path / "new")
    with pytest.raises(StudyConfigError, match="no population margins"):
        study.survey_weights()
    study.close()


# -- themes --------------------------------------------------------------------------------------
def test_resolve_question_by_text_prefix_and_position(study) -> None:
    assert resolve_question(study, 0) == Q1
    assert resolve_question(study, "what one thing") == Q1
    with pytest.raises(SurveyError, match="no number 5"):
        resolve_question(study, 5)
    with pytest.raises(SurveyError, match="not an open-ended question"):
        resolve_question(study, "Ward")


def test_cluster_question_counts_every_respondent_and_weights_shares(study) -> None:
    themes = cluster_question(study, Q1, n_clusters=6)
    counts = themes.counts.iloc[0]
    assert counts["answered"] + counts["non_answer"] + counts["blank"] == len(study.survey())
    assert len(themes.assignments) == counts["answered"]
    assert themes.assignments["respondent_id"].is_unique
    assert themes.themes["size"].sum() == counts["answered"]
    topical = themes.themes[themes.themes["kind"] == "theme"]
    assert topical["cluster"].tolist() == list(range(6))  # then the set-aside groups
    assert (themes.themes["cluster"] >= 6).sum() == len(themes.clusterer.groups_)
    assert (topical["size"].diff().dropna() <= 0).all()
    assert all(1 <= len(q) <= 3 for q in themes.themes["quotes"])
    assert {"ward", "race_ethnicity", "weight"} <= set(themes.assignments.columns)

    overall = themes.shares(weighted=True)
    unweighted = themes.shares(weighted=False)
    assert overall["share"].sum() == pytest.approx(1.0)
    assert overall["weighted"].all() and not unweighted["weighted"].any()
    assert not np.allclose(overall["share"], unweighted["share"])
    by_ward = themes.shares("ward")
    assert set(by_ward["group"]) <= set(themes.assignments["ward"])
    assert by_ward["test"].dropna().str.contains("vs rest").all()
    with pytest.raises(SurveyError, match="no respondent attribute"):
        themes.shares("wrd")


def test_cluster_question_replays_saved_edits(study) -> None:
    themes = cluster_question(study, Q1, n_clusters=6, weights=None)
    biggest = themes.themes.iloc[0]
    rename_cluster(study, Q1, themes.assignments, int(biggest.cluster), "Speed it up")
    # fresh: the same clustering again (a warm start re-fits, and a few answers may move)
    again = cluster_question(study, Q1, n_clusters=6, weights=None, fresh=True)
    assert "Speed it up" in again.themes["name"].tolist()
    assert again.edits["status"].tolist() == ["applied"]
    renamed = again.assignments[again.assignments["cluster_name"] == "Speed it up"]
    assert set(renamed["respondent_id"]) == set(
        themes.assignments.loc[themes.assignments["cluster"] == biggest.cluster, "respondent_id"]
    )


# -- widget --------------------------------------------------------------------------------------
def test_cluster_explorer_edits_filters_and_exports(study, tmp_path: Path) -> None:
    from research_kit.widgets import ClusterExplorer

    explorer = ClusterExplorer(study, n_clusters=5, coder="JR", export_folder=tmp_path / "out")
    assert len(explorer.theme_picker.options) == 5 + len(explorer.themes.clusterer.groups_)
    assert "answers clustered" in explorer.summary.value

    explorer.group_picker.value = "ward"
    explorer.group_value.value = "Ward 1"
    assert "among ward = Ward 1" in explorer.detail.value
    assert "<svg" in explorer.chart.value

    first, second = (value for _label, value in explorer.theme_picker.options[:2])
    explorer.theme_picker.value = first
    explorer.merge_picker.value = (second,)
    explorer.merge()
    groups = len(explorer.themes.clusterer.groups_)
    assert len(explorer.theme_picker.options) == 4 + groups, explorer.status.value
    explorer.rename_box.value = "<b>Fees</b>"
    explorer.rename()
    assert "&lt;b&gt;Fees&lt;/b&gt;" in explorer.detail.value
    assert "<b>Fees</b>" not in explorer.detail.value

    explorer.rename_box.value = ""
    explorer.rename()
    assert "#b42318" in explorer.status.value  # a clear error, not a traceback

    explorer.undo()
    assert "<b>Fees</b>" not in explorer.themes.themes["name"].tolist()

    answers_path, themes_path = explorer.export()
    exported = pd.read_csv(answers_path, dtype=str)
    assert len(exported) == len(explorer.themes.assignments)
    assert pd.read_csv(themes_path)["size"].sum() == len(exported)


# -- terms ---------------------------------------------------------------------------------------
def test_cluster_terms_are_distinctive_and_skip_other_languages_function_words() -> None:
    from research_kit.survey.terms import cluster_terms

    answers = [
        "que sea más fácil la inspección",
        "que la inspección sea rápida",
        "inspection scheduling online",
        "the fee is too high",
        "lower the fee please",
        "fees for small business",
    ]
    table = cluster_terms(answers, ["a", "a", "a", "b", "b", "b"], n_terms=4)
    terms = dict(zip(table["cluster"], table["top_terms"], strict=True))
    assert "fee" in terms["b"] and "fee" not in terms["a"]
    assert not {"que", "la", "sea"} & set(terms["a"])
    assert any("inspecci" in term for term in terms["a"])


def test_repeated_theme_names_are_numbered() -> None:
    from research_kit.survey.theme_table import unique_theme_names as _unique_names

    frame = pd.DataFrame(
        {
            "cluster": [0, 1, 2, 1],
            "cluster_name": ["fee", "fee", "wait", "fee"],
            "text": ["fee", "Late fee", "wait", "late fees!"],
            "confidence": 0.5,
        }
    )
    # Cluster 1's answers share a phrase no theme is called: it is named by that phrase.
    assert _unique_names(frame)["cluster_name"].tolist() == ["fee", "Late fee", "wait", "Late fee"]
    # With no shared phrase to fall back on, repeated names are numbered.
    alone = frame.assign(text=["fee", "fee", "wait", "fees"])
    assert _unique_names(alone)["cluster_name"].tolist() == ["fee", "fee (2)", "wait", "fee (2)"]


def test_representative_quotes_are_distinct_most_confident_and_as_many_as_asked() -> None:
    from research_kit.survey.theme_table import representative_quotes as _representative_quotes

    members = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d", "e"],
            "text": ["Faster review", "faster  REVIEW", "Fees are high", "Portal", "Portal!"],
            "confidence": [0.9, 0.95, 0.5, 0.7, 0.6],
        }
    )
    assert _representative_quotes(members, 2) == ["faster  REVIEW", "Portal"]
    assert _representative_quotes(members, 5) == ["faster  REVIEW", "Portal", "Fees are high"]
    assert _representative_quotes(members, 0) == []

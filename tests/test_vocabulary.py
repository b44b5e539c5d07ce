"""One vocabulary (issue 15 item 5): old spellings still work for a release, with a warning."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.survey.cluster_edits import (
    apply_cluster_edits,
    cluster_edits,
    merge_clusters,
    pin_response,
    rename_cluster,
    undo_last_edit,
)
from research_kit.survey.cluster_runs import cluster_runs, load_cluster_run, save_cluster_run
from research_kit.survey.themes import resolve_question

OLD_ORDER = r"\(study, question, \.\.\., survey_id=\.\.\.\)"


@pytest.fixture
def edited(sample_study_path):
    study = open_study(sample_study_path)
    source = study.survey_source()
    texts = ["Faster plan review", "Hire reviewers", "Cut the fees", "Fees are too high"]
    assignments = pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3", "R4"],
            "text": texts,
            "cluster": [0, 0, 1, 1],
            "confidence": [0.9, 0.8, 0.9, 0.7],
        }
    )
    yield study, source.open_ended[0], assignments, source.id
    study.close()


def test_survey_functions_take_the_question_first(edited) -> None:
    study, question, assignments, survey = edited
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rename_cluster(study, question, assignments, 0, "Reviews", survey_id=survey) == 1
        assert rename_cluster(study, question, assignments, 1, "Portal") == 2
        assert len(cluster_edits(study, question)) == 2
        assert save_cluster_run(study, question, assignments, survey_id=survey) == 1
        assert len(load_cluster_run(study, question, 1)) == len(assignments)
        assert len(cluster_runs(study)) == 1
        assert resolve_question(study, 0, survey_id=survey) == question


@pytest.mark.parametrize("survey", [None, "the study's survey"])
def test_the_old_order_still_works_and_says_what_to_write(edited, survey) -> None:
    study, question, assignments, survey_id = edited
    survey = survey_id if survey else None
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert rename_cluster(study, survey, question, assignments, 0, "Reviews") == 1
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert merge_clusters(study, survey, question, assignments, [0, 1]) == 2
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert pin_response(study, survey, question, "R1", 0, assignments=assignments) == 3
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert undo_last_edit(study, survey, question) == 3
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert len(cluster_edits(study, survey, question)) == 3
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        names = apply_cluster_edits(study, survey, question, assignments).cluster_name
    assert names.iloc[0] == "Reviews"
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert save_cluster_run(study, survey, question, assignments) == 1
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert len(load_cluster_run(study, survey, question)) == len(assignments)
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert len(cluster_runs(study, survey)) == 1
    with pytest.warns(DeprecationWarning, match=OLD_ORDER):
        assert resolve_question(study, 0, survey) == question


def test_old_keywords_warn_and_name_the_new_spelling(sample_study_path) -> None:
    from research_kit.interviews import code_by_attribute, code_frequencies
    from research_kit.survey.weighting import weighted_share

    frame = pd.DataFrame({"yes": [1.0, 0.0, 1.0, 1.0], "w": [1.0, 2.0, 1.0, 1.0]})
    with pytest.warns(DeprecationWarning, match=r"write weighted_share\(confidence=\.\.\.\)"):
        old = weighted_share(frame, "yes", weights="w", level=0.9)
    pd.testing.assert_frame_equal(old, weighted_share(frame, "yes", weights="w", confidence=0.9))
    with pytest.raises(TypeError, match="keep only confidence="):
        weighted_share(frame, "yes", weights="w", level=0.9, confidence=0.9)
    with open_study(sample_study_path) as study:
        with pytest.warns(DeprecationWarning, match=r"code_frequencies\(by=\.\.\.\)"):
            themes = code_frequencies(study, level="theme")
        pd.testing.assert_frame_equal(themes, code_frequencies(study, by="theme"))
        with pytest.warns(DeprecationWarning, match=r"code_by_attribute\(min_cell_size=0\)"):
            everything = code_by_attribute(study, "role", suppress=False)
        pd.testing.assert_frame_equal(everything, code_by_attribute(study, "role", min_cell_size=0))
        with pytest.warns(DeprecationWarning, match="the study's"):
            hidden = code_by_attribute(study, "role", suppress=True)
        pd.testing.assert_frame_equal(hidden, code_by_attribute(study, "role"))


def test_chart_keywords_are_by_and_category_column() -> None:
    import matplotlib.pyplot as plt

    from research_kit.viz import likert_bars, share_by_group

    summary = pd.DataFrame(
        {"item": "Speed", "ward": "W1", "scale": ["No", "Yes"], "share": [0.4, 0.6]}
    )
    with pytest.warns(DeprecationWarning, match=r"likert_bars\(category_column=\.\.\.\)"):
        likert_bars(summary, order=["No", "Yes"], level="scale", by="ward")
    with pytest.warns(DeprecationWarning, match=r"likert_bars\(by=\.\.\.\)"):
        likert_bars(summary, order=["No", "Yes"], category_column="scale", group="ward")
    shares = pd.DataFrame(
        {"ward": ["W1", "W2"], "category": "x", "share": [0.2, 0.4], "ci_low": 0.1, "ci_high": 0.5}
    )
    with pytest.warns(DeprecationWarning, match=r"share_by_group\(by=\.\.\.\)"):
        share_by_group(shares, group="ward")
    plt.close("all")


# Old public names kept for one release; each is a deprecated_alias shim that warns.
DEPRECATED_ALIASES = {
    ("research_kit.interviews.agreement", "agreement"): "coder_agreement",
    ("research_kit.process.evidence", "annotations"): "step_annotations",
    ("research_kit.process.render", "layout"): "swimlane_layout",
}


def _public_modules():
    import importlib
    import pkgutil

    import research_kit

    yield research_kit
    for info in pkgutil.walk_packages(research_kit.__path__, "research_kit."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts) or parts[1] == "migrations":
            continue
        yield importlib.import_module(info.name)


def test_public_names_are_the_functions_own_names() -> None:
    import inspect

    wrong = []
    for module in _public_modules():
        exported = getattr(module, "__all__", None)
        if exported is None:
            exported = [
                name
                for name, obj in vars(module).items()
                if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__
            ]
        for name in exported:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if (module.__name__, name) in DEPRECATED_ALIASES:
                continue
            if getattr(obj, "__name__", name) != name:
                wrong.append(f"{module.__name__}.{name} is {obj.__module__}.{obj.__name__}")
    assert wrong == []


@pytest.mark.parametrize(("where", "old"), sorted(DEPRECATED_ALIASES))
def test_old_public_names_warn_and_call_the_new_one(where, old) -> None:
    import importlib

    module = importlib.import_module(where)
    alias, new = getattr(module, old), DEPRECATED_ALIASES[(where, old)]
    assert alias.__deprecated_alias_of__ is getattr(module, new)
    assert getattr(module, new).__name__ == new
    warned = pytest.warns(DeprecationWarning, match=rf"{old}\(\) is deprecated: use {new}\(\)")
    with warned, pytest.raises(TypeError):
        alias()  # no study: the new function's own error, after the warning

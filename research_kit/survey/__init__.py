"""Survey responses: exports in, tidy answers out; clustering open-ended answers; weighting,
weighted estimates with their variance, breakdowns by group, and change between waves."""

from research_kit.errors import Problem
from research_kit.settings import StudySettings
from research_kit.study import register_study_method
from research_kit.survey.breakdown import crosstab, holm_adjust, weighted_distribution
from research_kit.survey.cluster_edits import (
    apply_cluster_edits,
    merge_clusters,
    pin_response,
    rename_cluster,
    split_cluster,
    undo_last_edit,
)
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.columns import detect_column_kinds, scale_order
from research_kit.survey.ingest import file_rows, read_survey
from research_kit.survey.likert import likert_summary, top_box
from research_kit.survey.material import check as check_exports
from research_kit.survey.material import study_survey, survey_weights
from research_kit.survey.responses import (
    NON_ANSWERS,
    OPEN_TEXT_NON_ANSWERS,
    answer_counts,
    is_non_answer,
    open_answers,
)
from research_kit.survey.terms import cluster_terms
from research_kit.survey.themes import QuestionThemes, cluster_question
from research_kit.survey.variance import (
    SurveyDesign,
    likert_mean,
    replicate_weights,
    weighted_mean,
    weighted_total,
)
from research_kit.survey.wave_questions import check_wave_questions, match_questions
from research_kit.survey.waves import describe_change, wave_change, wave_trend_chart
from research_kit.survey.weighting import WeightingWarning, design_effect, rake, weighted_share

__all__ = [
    "NON_ANSWERS",
    "OPEN_TEXT_NON_ANSWERS",
    "QuestionThemes",
    "ResponseClusterer",
    "SurveyDesign",
    "WeightingWarning",
    "answer_counts",
    "apply_cluster_edits",
    "check",
    "check_exports",
    "check_wave_questions",
    "cluster_question",
    "cluster_terms",
    "crosstab",
    "describe_change",
    "design_effect",
    "detect_column_kinds",
    "file_rows",
    "holm_adjust",
    "is_non_answer",
    "likert_mean",
    "likert_summary",
    "match_questions",
    "merge_clusters",
    "open_answers",
    "pin_response",
    "rake",
    "read_survey",
    "rename_cluster",
    "replicate_weights",
    "scale_order",
    "split_cluster",
    "study_survey",
    "survey_weights",
    "top_box",
    "undo_last_edit",
    "wave_change",
    "wave_trend_chart",
    "weighted_distribution",
    "weighted_mean",
    "weighted_share",
    "weighted_total",
]


def check(settings: StudySettings) -> list[Problem]:
    """Every problem with the study's survey exports, their margins and their waves (files only).

    Examples
    --------
    >>> from pathlib import Path
    >>> check(StudySettings(Path("."), "x"))
    []
    """
    return check_exports(settings) + check_wave_questions(settings)


# The survey room's readers, offered on every study (study.survey(), study.survey_weights()).
register_study_method(study_survey, name="survey")
register_study_method(survey_weights)

"""Survey responses: exports in, tidy answers out; clustering open-ended answers; weighting,
weighted estimates with their variance, and breakdowns by group."""

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
from research_kit.survey.material import check, study_survey, survey_weights
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
    "cluster_question",
    "cluster_terms",
    "crosstab",
    "design_effect",
    "detect_column_kinds",
    "file_rows",
    "holm_adjust",
    "is_non_answer",
    "likert_mean",
    "likert_summary",
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
    "weighted_distribution",
    "weighted_mean",
    "weighted_share",
    "weighted_total",
]

# The survey room's readers, offered on every study (study.survey(), study.survey_weights()).
register_study_method(study_survey, name="survey")
register_study_method(survey_weights)

"""Survey responses: exports in, tidy answers out; clustering open-ended answers; weighting,
weighted estimates with their variance, breakdowns by group, and change between waves."""

from research_kit.errors import Problem
from research_kit.settings import StudySettings
from research_kit.study import register_study_method
from research_kit.survey.accounting import response_accounting, response_dispositions
from research_kit.survey.answer_groups import answer_groups, is_praise
from research_kit.survey.breakdown import (
    CrosstabResult,
    crosstab,
    crosstab_result,
    holm_adjust,
    weighted_distribution,
)
from research_kit.survey.cluster_edits import (
    apply_cluster_edits,
    merge_clusters,
    pin_response,
    rename_cluster,
    split_cluster,
    undo_last_edit,
)
from research_kit.survey.clustering import FewerThemesWarning, ResponseClusterer
from research_kit.survey.columns import detect_column_kinds
from research_kit.survey.google_forms import read_google_forms
from research_kit.survey.ingest import (
    SurveyExport,
    as_survey_export,
    file_rows,
    read_survey,
    read_survey_export,
)
from research_kit.survey.kobo import read_kobo_export
from research_kit.survey.likert import (
    LikertSummaryResult,
    likert_summary,
    likert_summary_result,
    top_box,
)
from research_kit.survey.material import (
    SurveyWeightsResult,
    check_exports,
    study_survey,
    survey_weights,
    survey_weights_result,
)
from research_kit.survey.responses import (
    NON_ANSWERS,
    OPEN_TEXT_NON_ANSWERS,
    answer_counts,
    is_non_answer,
    open_answers,
)
from research_kit.survey.scales import scale_order
from research_kit.survey.statistical_files import read_statistical_file
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
from research_kit.survey.weighting import (
    RakeResult,
    WeightingWarning,
    design_effect,
    rake,
    rake_result,
    weighted_share,
)

__all__ = [
    "NON_ANSWERS",
    "OPEN_TEXT_NON_ANSWERS",
    "CrosstabResult",
    "FewerThemesWarning",
    "LikertSummaryResult",
    "QuestionThemes",
    "RakeResult",
    "ResponseClusterer",
    "SurveyDesign",
    "SurveyExport",
    "SurveyWeightsResult",
    "WeightingWarning",
    "answer_counts",
    "answer_groups",
    "apply_cluster_edits",
    "as_survey_export",
    "check",
    "check_exports",
    "check_wave_questions",
    "cluster_question",
    "cluster_terms",
    "crosstab",
    "crosstab_result",
    "describe_change",
    "design_effect",
    "detect_column_kinds",
    "file_rows",
    "holm_adjust",
    "is_non_answer",
    "is_praise",
    "likert_mean",
    "likert_summary",
    "likert_summary_result",
    "match_questions",
    "merge_clusters",
    "open_answers",
    "pin_response",
    "rake",
    "rake_result",
    "read_google_forms",
    "read_kobo_export",
    "read_statistical_file",
    "read_survey",
    "read_survey_export",
    "rename_cluster",
    "replicate_weights",
    "response_accounting",
    "response_dispositions",
    "scale_order",
    "split_cluster",
    "study_survey",
    "survey_weights",
    "survey_weights_result",
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
register_study_method(survey_weights_result)
register_study_method(response_accounting)

"""Performance measures: statistical process control (XmR, run, P and U charts) and verdicts.

Every chart takes values (or a long table of many measures) and returns a tidy DataFrame,
one row per point, with the centre line, the limits, the rules that fired, the variation
verdict of each point and the assurance verdict against the target;
:func:`chart_summary` gives one row per chart and phase. A study describes its measures in
``measures.yml`` (:mod:`research_kit.measures.definitions`); :func:`measure_values` reads a
measure's CSV and :func:`chart_measure` charts it as the measure says;
:func:`measure_figure` and :func:`measure_small_multiples` draw the points
(:mod:`research_kit.measures.charts`) and :func:`measure_alt_text` says them in words
(:mod:`research_kit.measures.describe`); :func:`measure_status` gives one status table of all
measures (bands against targets, verdicts, trends, owners) and :func:`status_by_group` one
measure by group with small groups suppressed; ``actions.yml`` holds the follow-up actions of
a Stat meeting (:func:`read_actions`). The rules and their
edge cases are described in :mod:`research_kit.measures.rules` and in ``docs/measures.md``.
"""

from research_kit.measures.actions import actions_table, read_actions, validate_actions
from research_kit.measures.attribute import p_chart, rate_chart_by, u_chart
from research_kit.measures.charts import measure_figure, measure_small_multiples
from research_kit.measures.computed import log_measure_values, survey_measure_values
from research_kit.measures.definitions import (
    Measure,
    MeasureSource,
    Target,
    read_measures,
    validate_measures,
)
from research_kit.measures.describe import (
    measure_alt_text,
    rule_words,
    run_chart_rules,
    signal_sentence,
    verdict_words,
)
from research_kit.measures.points import chart_summary
from research_kit.measures.rules import RuleLengths
from research_kit.measures.runchart import anhoej_critical_values, run_chart
from research_kit.measures.status import (
    ASSURANCE_SYMBOLS,
    BANDS,
    DEFAULT_CAUTION,
    STATUS_WORDS,
    VARIATION_SYMBOLS,
    GroupStatus,
    measure_status,
    pooled_values,
    status_band,
    status_by_group,
)
from research_kit.measures.study_measures import (
    study_actions,
    study_measure_chart,
    study_measure_status,
    study_measure_values,
    study_measures,
)
from research_kit.measures.values import chart_measure, check, measure_values
from research_kit.measures.xmr import xmr, xmr_by
from research_kit.study import register_study_method

__all__ = [
    "ASSURANCE_SYMBOLS",
    "BANDS",
    "DEFAULT_CAUTION",
    "STATUS_WORDS",
    "VARIATION_SYMBOLS",
    "GroupStatus",
    "Measure",
    "MeasureSource",
    "RuleLengths",
    "Target",
    "actions_table",
    "anhoej_critical_values",
    "chart_measure",
    "chart_summary",
    "check",
    "log_measure_values",
    "measure_alt_text",
    "measure_figure",
    "measure_small_multiples",
    "measure_status",
    "measure_values",
    "p_chart",
    "pooled_values",
    "rate_chart_by",
    "read_actions",
    "read_measures",
    "rule_words",
    "run_chart",
    "run_chart_rules",
    "signal_sentence",
    "status_band",
    "status_by_group",
    "study_actions",
    "study_measure_chart",
    "study_measure_status",
    "study_measure_values",
    "study_measures",
    "survey_measure_values",
    "u_chart",
    "validate_actions",
    "validate_measures",
    "verdict_words",
    "xmr",
    "xmr_by",
]

register_study_method(study_measures, name="measures")
register_study_method(study_measure_values, name="measure_values")
register_study_method(study_measure_chart, name="measure_chart")
register_study_method(study_measure_status, name="measure_status")
register_study_method(study_actions, name="actions")

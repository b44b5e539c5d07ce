"""Performance measures: statistical process control (XmR, run, P and U charts) and verdicts.

Every chart takes values (or a long table of many measures) and returns a tidy DataFrame,
one row per point, with the centre line, the limits, the rules that fired, the variation
verdict of each point and the assurance verdict against the target;
:func:`chart_summary` gives one row per chart and phase. The rules and their edge cases are
described in :mod:`research_kit.measures.rules`, and in ``docs/measures.md``.
"""

from research_kit.measures.attribute import p_chart, rate_chart_by, u_chart
from research_kit.measures.points import chart_summary
from research_kit.measures.rules import RuleLengths
from research_kit.measures.runchart import anhoej_critical_values, run_chart
from research_kit.measures.xmr import xmr, xmr_by

__all__ = [
    "RuleLengths",
    "anhoej_critical_values",
    "chart_summary",
    "p_chart",
    "rate_chart_by",
    "run_chart",
    "u_chart",
    "xmr",
    "xmr_by",
]

"""A measure's chart in plain words: alt text for screen readers, and the rule that fired.

:func:`measure_alt_text` describes a chart from the same tidy points it is drawn from (see
:mod:`research_kit.measures.charts`): what kind of chart, over which periods, the latest value,
the current phase's mean and process limits, the last special cause and the rule that found
it, the variation verdict and, against a target, the assurance verdict — each in words a
reader needs no SPC training for. :func:`signal_sentence` says one series in a sentence (for a
panel beside the chart); :func:`rule_words` and :func:`verdict_words` give the same words to
widgets and briefs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "RULE_WORDS",
    "VERDICT_WORDS",
    "measure_alt_text",
    "rule_words",
    "run_chart_rules",
    "signal_sentence",
    "verdict_words",
]

#: Each special-cause rule in words (its name in brackets, as the points' ``rule`` column
#: says it, so a reader can look it up).
RULE_WORDS = {
    "outside_limits": "a point outside the process limits (rule: outside_limits)",
    "trend": "a run of points each higher, or each lower, than the last (rule: trend)",
    "two_of_three": "two of three points close to a process limit (rule: two_of_three)",
    "shift": "a run of points all on one side of the mean (rule: shift)",
    "long_run": "an unusually long run of points on one side of the median (rule: long run)",
    "few_crossings": "unusually few crossings of the median (rule: few crossings)",
}
#: The variation and assurance verdicts in words.
VERDICT_WORDS = {
    "common_cause": "common cause variation: no sign of change",
    "special_cause_improvement": "special cause variation: improving",
    "special_cause_concern": "special cause variation: a concern",
    "special_cause_neutral_high": "special cause variation: higher than usual",
    "special_cause_neutral_low": "special cause variation: lower than usual",
    "consistent_pass": "the process will consistently meet the target",
    "consistent_fail": "the process will consistently miss the target unless it changes",
    "inconsistent": "the process will hit and miss the target by chance",
}


def rule_words(rule: str) -> str:
    """A special-cause rule in words; "no rule fired" for an empty rule.

    Examples
    --------
    >>> rule_words("shift")
    'a run of points all on one side of the mean (rule: shift)'
    >>> rule_words("")
    'no rule fired'
    """
    return RULE_WORDS.get(rule, rule) if rule else "no rule fired"


def verdict_words(verdict: str | None) -> str:
    """A variation or assurance verdict in words; "no target to judge" for none.

    Examples
    --------
    >>> verdict_words("inconsistent")
    'the process will hit and miss the target by chance'
    """
    if verdict is None or (isinstance(verdict, float) and np.isnan(verdict)):
        return "no target to judge"
    return VERDICT_WORDS.get(verdict, str(verdict).replace("_", " "))


def _when(period: object, *, short: bool = False) -> str:
    if isinstance(period, pd.Period):
        period = period.start_time
    if isinstance(period, pd.Timestamp):
        return f"{period:%b %Y}" if short else f"{period:%B %Y}"
    return f"period {period}"


def _number(value: float, unit: str) -> str:
    """A value with its unit; a share (unit "share") as a percentage."""
    if unit == "share":
        return f"{value:.0%}"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def _bare(unit: str) -> str:
    """The unit to write after the first number of a range: none, unless it is a share's %."""
    return unit if unit == "share" else ""


def _chart_kind(points: pd.DataFrame) -> str:
    if "centre" in points.columns and "upper_limit" not in points.columns:
        return "Run chart"
    if "sigma" in points.columns:
        share = points["value"].between(0, 1).all()
        return "P chart" if share else "U chart"
    return "XmR chart"


def run_chart_rules(points: pd.DataFrame) -> list[str]:
    """The Anhøj rules that fired on a run chart: ``long_run``, ``few_crossings``, or none.

    Examples
    --------
    >>> from research_kit.measures import run_chart
    >>> run_chart_rules(run_chart([1.0] * 10 + list(range(10, 20))))
    ['long_run', 'few_crossings']
    """
    first = points.iloc[0]
    columns = (("long_run", "long_run_signal"), ("few_crossings", "few_crossings_signal"))
    return [name for name, column in columns if bool(first[column])]


def _run_chart_sentences(points: pd.DataFrame, unit: str) -> list[str]:
    fired = [rule_words(name) for name in run_chart_rules(points)]
    signal = (
        "Signal of change: " + " and ".join(fired) + "."
        if fired
        else "No signal of change (no rule fired): common cause variation."
    )
    return [f"Median {_number(float(points['centre'].iloc[0]), unit)}.", signal]


def signal_sentence(
    points: pd.DataFrame,
    *,
    name: object = None,
    target_range: Sequence[float] | None = None,
    period: str = "period",
) -> str:
    """One series in a sentence: its latest verdict, the last rule that fired, the target.

    Shorter than :func:`measure_alt_text`, for a panel beside the chart (a widget, a packet).

    Examples
    --------
    >>> from research_kit.measures import xmr
    >>> signal_sentence(xmr([5.0, 6, 5, 7, 6, 5, 6, 30], improvement="decrease", target=4),
    ...                 name="Ward 1")  # doctest: +NORMALIZE_WHITESPACE
    'Ward 1: latest point: special cause variation: a concern. The last rule that fired: a
    point outside the process limits (rule: outside_limits), at period 8. Against the
    target: the process will consistently miss the target unless it changes.'
    """
    prefix = f"{name}: " if name is not None else ""
    if points.empty:
        return prefix + "no values."
    if "rule" not in points:  # a run chart
        fired = [rule_words(rule) for rule in run_chart_rules(points)]
        return prefix + ("signal of change: " + " and ".join(fired) if fired else "no signal.")
    latest = points.iloc[-1]
    flagged = points[points["rule"] != ""]
    rule = (
        f" The last rule that fired: {rule_words(flagged['rule'].iloc[-1])}, at "
        f"{_when(flagged[period].iloc[-1], short=True)}."
        if len(flagged)
        else " No rule fired."
    )
    target = ""
    if "target" in points and pd.notna(latest["target"]):
        target = f" Against the target: {verdict_words(latest['assurance'])}."
    elif target_range is not None:
        low, high = target_range
        where = "inside" if low <= float(latest["value"]) <= high else "outside"
        target = f" The latest value is {where} the target range {low:g}–{high:g}."
    return f"{prefix}latest point: {verdict_words(latest['variation'])}.{rule}{target}"


def _last_signal(phase: pd.DataFrame, period: str, unit: str) -> str:
    flagged = phase[phase["rule"] != ""]
    if flagged.empty:
        return "No rule fired in this phase: common cause variation only."
    last = flagged.iloc[-1]
    return (
        f"The last signal, at {_when(last[period])}: {rule_words(last['rule'])}; "
        f"{verdict_words(last['variation'])}."
    )


def _spc_sentences(points: pd.DataFrame, period: str, unit: str) -> list[str]:
    phases = points["phase"] if "phase" in points.columns else pd.Series(0, index=points.index)
    current = points[phases == phases.iloc[-1]]
    latest = current.iloc[-1]
    since = f" since the rebase at {_when(current.iloc[0][period])}" if phases.nunique() > 1 else ""
    low, high = (float(current[name].iloc[-1]) for name in ("lower_limit", "upper_limit"))
    sentences = [
        f"Mean {_number(float(latest['mean']), unit)}{since}, with process limits "
        f"{_number(low, _bare(unit))} to {_number(high, unit)}.",
        _last_signal(current, period, unit),
        f"Latest point: {verdict_words(latest['variation'])}.",
    ]
    target = latest["target"] if "target" in points.columns else np.nan
    if target is not None and not pd.isna(target):
        sentences.append(
            f"Against the target of {_number(float(target), unit)}: "
            f"{verdict_words(latest['assurance'])}."
        )
    return sentences


def measure_alt_text(
    points: pd.DataFrame,
    *,
    name: str,
    unit: str = "",
    value: str = "value",
    period: str = "period",
    target_range: Sequence[float] | None = None,
    by: str | None = None,
) -> str:
    """Describe one measure's chart in plain words, from its points (alt text).

    Parameters
    ----------
    points : pandas.DataFrame
        One series' points, as drawn by :func:`~research_kit.measures.measure_figure`.
    name : str
        The measure's name.
    unit : str
        The unit of its values (``"days"``).
    value, period : str
        The columns of the values and of the periods.
    target_range : (float, float), optional
        A target range, when the measure has one.
    by : str, optional
        The column naming each series of small multiples: each group is described in turn.

    Returns
    -------
    str
        Sentences: the chart, its periods, the latest value, the current phase's mean and
        limits, the last rule that fired, the variation verdict and the assurance verdict.

    Examples
    --------
    >>> from research_kit.measures import xmr
    >>> points = xmr([5.0, 6, 5, 7, 6, 5, 6, 30], improvement="decrease", target=4)
    >>> print(measure_alt_text(points, name="Days to a permit", unit="days"))
    XmR chart of Days to a permit, 8 points from period 1 to period 8. Latest value 30 days \
(period 8). Mean 8.75 days, with process limits 5.65 to 11.9 days. The last signal, at \
period 8: a point outside the process limits (rule: outside_limits); special cause \
variation: a concern. Latest point: special cause variation: a concern. Against the \
target of 4 days: the process will consistently miss the target unless it changes.
    """
    if points.empty:
        return f"Chart of {name}: no values yet."
    if by is not None:
        options = {"unit": unit, "value": value, "period": period, "target_range": target_range}
        return " ".join(
            measure_alt_text(part, name=f"{name}, {by} {group}", **options)
            for group, part in points.groupby(by, sort=True)
        )
    points = points.sort_values(period, kind="mergesort")
    first, last = points.iloc[0], points.iloc[-1]
    sentences = [
        f"{_chart_kind(points)} of {name}, {len(points)} points from {_when(first[period])} "
        f"to {_when(last[period])}.",
        f"Latest value {_number(float(last[value]), unit)} ({_when(last[period])}).",
    ]
    if _chart_kind(points) == "Run chart":
        sentences += _run_chart_sentences(points, unit)
    else:
        sentences += _spc_sentences(points, period, unit)
    if target_range is not None:
        low, high = target_range
        inside = low <= float(last[value]) <= high
        sentences.append(
            f"Target range {_number(low, _bare(unit))} to {_number(high, unit)}: the latest "
            f"value is {'inside' if inside else 'outside'} it."
        )
    return " ".join(sentences)

"""Change between the waves of a survey: a share or a mean per wave, the change, its test.

One concept: how much an estimate moved between two fieldings of the same survey, and whether
the move is larger than its margin of error. :func:`wave_change` estimates a share (of the
answers in ``value``), a mean Likert score or a mean in every wave of a series (study.yml's
``series:``/``wave:``; questions matched by :mod:`research_kit.survey.wave_questions`), overall
or by group, with :mod:`research_kit.survey.variance`: calibrated standard errors when the wave
is raked to the study's population margins, "fixed weights" (simple random sampling) when it
is not. Each wave's change from the wave before has the standard error of the difference of two
independent samples, sqrt(se1² + se2²), a normal (z) interval and a two-sided z test, named in
the ``test`` column. Groups (and waves) with fewer respondents than ``min_cell_size`` are
suppressed through :func:`research_kit.privacy.suppress_table`, with enough other cells to
protect them. :func:`wave_trend_chart` draws the estimates with their intervals;
:func:`describe_change` says the latest change in a sentence.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from research_kit.errors import SurveyError
from research_kit.privacy import suppress_table
from research_kit.settings import SurveySource
from research_kit.survey.columns import scale_order
from research_kit.survey.material import study_survey, survey_weights
from research_kit.survey.responses import is_non_answer
from research_kit.survey.variance import SurveyDesign, likert_mean, weighted_mean
from research_kit.survey.wave_questions import match_questions, series_waves
from research_kit.tables import read_csv_table
from research_kit.viz import PALETTE, percent_axis, style

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["CHANGE_COLUMNS", "describe_change", "wave_change", "wave_trend_chart"]

#: The columns of :func:`wave_change`'s table, in order.
CHANGE_COLUMNS = [
    "series",
    "question",
    "statistic",
    "value",
    "by",
    "group",
    "wave",
    "survey_id",
    "column",
    "matched_by",
    "n",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "margin_of_error",
    "variance_method",
    "compared_with",
    "change",
    "change_se",
    "change_ci_low",
    "change_ci_high",
    "change_margin_of_error",
    "test",
    "z",
    "p_value",
    "change_exceeds_margin",
    "confidence",
    "suppressed",
    "suppression_reason",
]
_WEIGHT = "research_kit_wave_weight"  # a column name no export uses
_ESTIMATES = ["n", "estimate", "se", "ci_low", "ci_high", "margin_of_error"]
_CHANGES = ["change", "change_se", "change_ci_low", "change_ci_high", "change_margin_of_error"]
_NO_TOTAL = object()  # a label no cell has: the table has no totals row or column


def wave_change(
    study: Study,
    question: str,
    *,
    survey_id: str | None = None,
    by: str | None = None,
    value: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    variance: str = "calibrated",
    min_cell_size: int | None = None,
) -> pd.DataFrame:
    """A share or a mean in every wave of a survey, and its change from wave to wave.

    Parameters
    ----------
    study : Study
        The study; its surveys with ``series:`` and ``wave:`` are the waves.
    question : str
        The question as the latest wave names it (or as any wave names a matched column).
    survey_id : str, optional
        Any wave of the series; the study's first survey by default.
    by : str, optional
        A column (a study attribute such as ``ward``) whose groups each get their estimates.
    value : str or sequence of str, optional
        Estimate the share of answers that are one of these (e.g. ``["Agree", "Strongly
        agree"]``), matched ignoring case and surrounding spaces. Without it, a rating scale
        gives its mean score (1 = lowest level) and a numeric question its mean.
    confidence : float
        Level of the intervals, and of the margin of error the change is compared with.
    variance : {"calibrated", "fixed weights", "jackknife", "bootstrap"}
        Variance method of raked waves (see :mod:`research_kit.survey.variance`); a wave
        without population margins is unweighted and uses "fixed weights".
    min_cell_size : int, optional
        Groups with fewer answering respondents in a wave are suppressed there (with
        complementary cells); the study's ``min_cell_size`` by default.

    Returns
    -------
    DataFrame
        One row per group and wave (oldest first), columns :data:`CHANGE_COLUMNS`: the
        estimate with its SE, interval and ``variance_method``; the change from the wave
        ``compared_with`` (missing in the first wave) with ``change_se``, its interval and
        margin of error, the ``test`` by name, ``z``, ``p_value`` and
        ``change_exceeds_margin``. A suppressed cell has no estimate, and no change to or
        from it; ``suppression_reason`` says "small cell" or "complementary".

    Raises
    ------
    StudyConfigError
        The survey is in no series.
    SurveyError
        The question is asked in fewer than two waves, ``value`` is never answered, or the
        answers are neither a scale nor numbers and no ``value`` is given.

    Examples
    --------
    The sample study's two waves: fewer people knew the status of their application in 2025,
    before the City's permit portal.

    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> table = wave_change(study, "I always knew the status of my application",
    ...                     value=["Agree", "Strongly agree"])
    >>> table[["wave", "n", "estimate", "change", "change_exceeds_margin"]].round(3)
       wave     n  estimate  change  change_exceeds_margin
    0  2025   895     0.148     NaN                   <NA>
    1  2026  1475     0.241   0.092                   True
    >>> study.close()
    """
    waves = series_waves(study.settings, survey_id)
    asked = _columns_asking(match_questions(study, survey_id=waves[-1].id), question)
    waves = tuple(source for source in waves if source.id in asked)
    if len(waves) < 2:
        raise SurveyError(
            f"{question!r} is asked in {len(waves)} wave(s) of this series; a change needs two",
            hint="name the question as the latest wave does, or pair it under 'match:'",
        )
    question = asked[waves[-1].id][0]
    frames = [_wave_frame(study, source, asked[source.id][1], question) for source in waves]
    answers = pd.concat([frame[question] for frame, _ in frames], ignore_index=True)
    outcome = _outcome(answers, question, value)
    rows = []
    for source, (frame, design) in zip(waves, frames, strict=True):
        table = _wave_estimates(
            frame, design, question, outcome, by=by, variance=variance, confidence=confidence
        )
        rows.append(
            table.assign(
                wave=source.wave,
                survey_id=source.id,
                column=asked[source.id][1],
                matched_by=asked[source.id][2],
            )
        )
    table = pd.concat(rows, ignore_index=True)
    minimum = study.settings.min_cell_size if min_cell_size is None else min_cell_size
    table = _suppress(table, [s.wave for s in waves], minimum)
    table = _changes(table, confidence, outcome["kind"])
    table = table.assign(
        series=waves[0].series, question=question, value=outcome["label"], by=by or ""
    )
    return table[CHANGE_COLUMNS]


def describe_change(table: pd.DataFrame, *, group: object = "all") -> str:
    """The latest change of one group of a :func:`wave_change` table, in a sentence.

    Says the two estimates, the change with its margin of error, and whether the change is
    larger than that margin (the headline a brief needs).

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "group": ["all", "all"], "wave": ["2025", "2026"], "statistic": ["share"] * 2,
    ...     "value": ["'Agree'"] * 2, "estimate": [0.40, 0.47], "compared_with": [None, "2025"],
    ...     "change": [np.nan, 0.07], "change_margin_of_error": [np.nan, 0.04],
    ...     "change_exceeds_margin": [pd.NA, True], "confidence": [0.95] * 2,
    ...     "suppressed": [False, False]})
    >>> describe_change(table)
    "The share answering 'Agree' rose from 40% in 2025 to 47% in 2026, a change of +7.0 \
points (95% margin of error ±4.0 points): larger than its margin of error."
    """
    rows = table[table["group"] == group]
    if rows.empty:
        raise SurveyError(f"the table has no group {group!r}")
    latest, earlier = rows.iloc[-1], rows.iloc[:-1]
    if latest["suppressed"] or earlier.empty or earlier.iloc[-1]["suppressed"]:
        return f"The change for {group} is suppressed: too few respondents to show."
    first = earlier.iloc[-1]
    share = latest["statistic"] == "share"
    scale, unit = (100, " points") if share else (1, "")
    shown = (lambda x: f"{x:.0%}") if share else (lambda x: f"{x:.2f}")
    what = f"share answering {latest['value']}" if share else latest["statistic"]
    direction = "rose" if latest["change"] > 0 else "fell" if latest["change"] < 0 else "stayed"
    verdict = "larger" if bool(latest["change_exceeds_margin"]) else "no larger"
    return (
        f"The {what} {direction} from {shown(first['estimate'])} in {first['wave']} to "
        f"{shown(latest['estimate'])} in {latest['wave']}, a change of "
        f"{scale * latest['change']:+.1f}{unit} ({latest['confidence']:.0%} margin of error "
        f"±{scale * latest['change_margin_of_error']:.1f}{unit}): {verdict} than its margin of "
        "error."
    )


def wave_trend_chart(
    table: pd.DataFrame, *, title: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Draw each group's estimate per wave, with its interval as error bars.

    Suppressed cells are left out (a gap) and named under the chart.

    Parameters
    ----------
    table : DataFrame
        From :func:`wave_change`.
    title : str, optional
        The question by default.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Axes

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "question": ["q"] * 2, "statistic": ["share"] * 2, "group": ["all"] * 2,
    ...     "wave": ["2025", "2026"], "estimate": [0.4, 0.47], "ci_low": [0.37, 0.45],
    ...     "ci_high": [0.43, 0.49], "suppressed": [False, False]})
    >>> ax = wave_trend_chart(table)
    >>> ax.lines[0].get_ydata().tolist()
    [0.4, 0.47]
    >>> plt.close("all")
    """
    with style():
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        waves = list(dict.fromkeys(table["wave"]))
        position = {wave: i for i, wave in enumerate(waves)}
        shown = table[~table["suppressed"].astype(bool)]
        groups = list(dict.fromkeys(shown["group"]))
        # Groups side by side at each wave, so that their intervals do not hide each other.
        offsets = np.linspace(-0.12, 0.12, len(groups)) if len(groups) > 1 else [0.0]
        for i, group in enumerate(groups):
            rows = shown[shown["group"] == group]
            x = rows["wave"].map(position).to_numpy(dtype=float) + offsets[i]
            y = rows["estimate"].to_numpy(dtype=float)
            spread = [y - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - y]
            colour = PALETTE[i % len(PALETTE)]
            ax.errorbar(x, y, yerr=spread, marker="o", capsize=4, label=str(group), color=colour)
        _label_trend_axes(ax, table, waves, title)
        if len(groups) > 1:
            ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def _label_trend_axes(ax: plt.Axes, table: pd.DataFrame, waves: list, title: str | None) -> None:
    """Ticks, axis labels, title, and a note naming the intervals and the hidden cells."""
    ax.set_xticks(range(len(waves)), [str(w) for w in waves])
    ax.set_xlim(-0.5, len(waves) - 0.5)
    first = table.iloc[0]
    if first["statistic"] == "share":
        percent_axis(ax.yaxis)
        ax.set_ylabel(textwrap.fill(f"share answering {first.get('value', '')}".strip(), 40))
    else:
        ax.set_ylabel(str(first["statistic"]))
    ax.set_xlabel("wave")
    ax.set_title(textwrap.fill(title or str(first["question"]), 60), loc="left", fontweight="bold")
    note = f"Bars: {first.get('confidence', 0.95):.0%} confidence intervals."
    hidden = table.loc[table["suppressed"].astype(bool), ["group", "wave"]]
    if len(hidden):
        cells = ", ".join(f"{g} ({w})" for g, w in hidden.itertuples(index=False))
        note += f" Suppressed (too few respondents): {cells}."
    ax.annotate(
        textwrap.fill(note, 90),
        (0, -0.18),
        xycoords="axes fraction",
        va="top",
        fontsize="small",
    )


def _columns_asking(matches: pd.DataFrame, question: str) -> dict[str, tuple[str, str, str]]:
    """{survey id: (reference question, column, how matched)} of the waves asking ``question``."""
    asked = matches.dropna(subset=["question", "column"])
    named = asked[(asked["question"] == question) | (asked["column"] == question)]
    if named.empty:
        raise SurveyError(
            f"no wave of the series asks {question!r}",
            hint="name the question as the latest wave's export does",
        )
    reference = named["question"].iloc[0]
    asked = asked[asked["question"] == reference]
    return {r.survey_id: (r.question, r.column, r.matched_by) for r in asked.itertuples()}


def _wave_frame(
    study: Study, source: SurveySource, column: str, question: str
) -> tuple[pd.DataFrame, SurveyDesign]:
    """One wave's respondents (the answers as ``question``) and its design.

    A wave with population margins is raked to them (:func:`survey_weights`) and its design
    names the raking columns, blank where a value has no margin as in the raking, under names
    of their own so that ``by=`` still sees every group; a wave without is unweighted.
    """
    frame = study_survey(study, source.id).rename(columns={column: question})
    if source.population_margins is None:
        return frame.assign(**{_WEIGHT: 1.0}), SurveyDesign(_WEIGHT)
    frame[_WEIGHT] = survey_weights(study, source.id, survey=frame).to_numpy()
    margins = read_csv_table(source.population_margins, error_class=SurveyError)
    raked = []
    for variable, categories in margins.groupby("variable", sort=False)["category"]:
        values = frame[source.attributes.get(variable, variable)].astype("string")
        raked.append(f"{_WEIGHT}: {variable}")
        frame[raked[-1]] = values.where(values.isin(set(categories.astype(str))))
    return frame, SurveyDesign(_WEIGHT, calibrated_on=raked)


def _outcome(answers: pd.Series, question: str, value) -> dict:
    """What is estimated: a share of ``value``, a scale's mean score, or a numeric mean."""
    if value is not None:
        wanted = [value] if isinstance(value, str) else list(value)
        keys = {_key(v) for v in wanted}
        if not answers.map(_key).isin(keys).any():
            raise SurveyError(
                f"no wave's answer to {question!r} is one of {wanted}",
                hint="spell value= as the answers are spelt",
            )
        label = " or ".join(repr(v) for v in wanted)
        return {"kind": "share", "keys": keys, "label": label}
    scale = scale_order(answers.dropna(), question=question)
    if scale is not None:
        return {"kind": "mean score", "order": scale[0], "label": ""}
    if pd.to_numeric(answers.dropna(), errors="coerce").notna().all():
        return {"kind": "mean", "label": ""}
    raise SurveyError(
        f"{question!r} is neither a rating scale nor numbers",
        hint="pass value= to estimate the share of respondents giving that answer",
    )


def _key(answer: object) -> str:
    return str(answer).strip().casefold()


def _wave_estimates(
    frame: pd.DataFrame,
    design: SurveyDesign,
    question: str,
    outcome: dict,
    *,
    by: str | None,
    variance: str,
    confidence: float,
) -> pd.DataFrame:
    """One wave's estimate of every group (or of everyone), with its SE."""
    # Calibrated SEs need raking; an unweighted wave is a simple random sample.
    method = "fixed weights" if not design.calibrated_on and variance == "calibrated" else variance
    options = {"design": design, "by": by, "variance": method, "confidence": confidence}
    if outcome["kind"] == "mean score":
        return likert_mean(frame, question, order=outcome["order"], **options)
    answers = frame[question]
    if outcome["kind"] == "mean":
        return weighted_mean(frame, pd.to_numeric(answers).rename(question), **options)
    answered = answers.notna() & ~pd.Series(is_non_answer(answers), index=frame.index)
    share = answers.map(_key).isin(outcome["keys"]).astype("boolean").where(answered)
    return weighted_mean(frame, share.rename(question), **options)


def _suppress(table: pd.DataFrame, waves: list[str], min_cell_size: int) -> pd.DataFrame:
    """Hide small groups of a wave, and enough other cells that none can be worked out."""
    cells = (
        table.pivot_table(index="group", columns="wave", values="n", aggfunc="sum", fill_value=0)
        .reindex(columns=waves, fill_value=0)
        .stack()
        .rename("n")
        .reset_index()
    )
    shown = suppress_table(
        cells,
        row="group",
        column="wave",
        count="n",
        min_cell_size=min_cell_size,
        total=_NO_TOTAL,
        # Each wave's overall n is published; a group's n summed over waves (different
        # samples) is not.
        margins="columns",
    )
    reason = shown.set_index(["group", "wave"])["reason"]
    reason = reason.map({"small": "small cell", "complementary": "complementary", "": ""})
    result = table.copy()
    cell = pd.MultiIndex.from_arrays([table["group"], table["wave"]])
    result["suppression_reason"] = reason.reindex(cell).to_numpy()
    result["suppressed"] = result["suppression_reason"] != ""
    result["n"] = result["n"].astype("Int64").mask(result["suppressed"])
    for column in _ESTIMATES[1:]:
        result[column] = result[column].mask(result["suppressed"])
    return result


def _changes(table: pd.DataFrame, confidence: float, kind: str) -> pd.DataFrame:
    """Each row's change from the group's wave before: SE, interval, z test, verdict."""
    result = table.copy()
    previous = result.groupby("group", sort=False)[["wave", "estimate", "se", "suppressed"]]
    before = previous.shift()
    result["compared_with"] = before["wave"]
    result["change"] = result["estimate"] - before["estimate"]
    # Two waves are independent samples: the variance of the difference is the sum.
    result["change_se"] = np.sqrt(result["se"] ** 2 + before["se"] ** 2)
    critical = stats.norm.ppf(0.5 + confidence / 2)
    result["change_margin_of_error"] = critical * result["change_se"]
    result["change_ci_low"] = result["change"] - result["change_margin_of_error"]
    result["change_ci_high"] = result["change"] + result["change_margin_of_error"]
    result["z"] = result["change"] / result["change_se"]
    result["p_value"] = 2 * stats.norm.sf(result["z"].abs())
    compared = result["change"].notna()
    result["change_exceeds_margin"] = pd.array(
        np.where(compared, result["change"].abs() > result["change_margin_of_error"], pd.NA),
        dtype="boolean",
    )
    result["test"] = np.where(
        result["compared_with"].notna(),
        f"two-sample z test on the difference of weighted {_TEST_NOUNS[kind]} "
        "(independent samples)",
        "",
    )
    return result


_TEST_NOUNS = {"share": "shares", "mean score": "mean scores", "mean": "means"}

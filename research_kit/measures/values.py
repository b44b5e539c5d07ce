"""A measure's values read from its CSV, checked for ``research-kit check``, and charted.

A measure whose ``source`` is ``csv:`` reads one row per period (and per group, when the
source names a ``group`` column for an equity breakdown) from that file: the period, and
either the value or a numerator and a denominator (a share or a rate). :func:`measure_values`
returns them as a tidy table; :func:`chart_measure` charts them as the measure says (XmR, P,
U or run chart, with its polarity, target, rebase points and baseline). :func:`check` is the
room's part of ``research-kit check``: ``measures.yml``, every CSV it names and the follow-up
actions of ``actions.yml``, each problem with its file and line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from research_kit.errors import MeasuresError, Problem
from research_kit.measures.actions import actions_path, validate_actions
from research_kit.measures.attribute import rate_chart_by
from research_kit.measures.definitions import Measure, Target, validate_measures
from research_kit.measures.runchart import run_chart
from research_kit.measures.xmr import xmr_by
from research_kit.settings import StudySettings
from research_kit.tables import read_csv_table, require_columns

#: The header row is line 1 of a CSV; its first data row is line 2.
_FIRST_DATA_LINE = 2


def check(settings: StudySettings) -> list[Problem]:
    """Every problem with the study's measures file and the CSVs it names (read-only)."""
    path = settings.measures
    if path is None or not path.exists():
        return []
    measures, problems = validate_measures(
        path,
        event_logs=[log.id for log in settings.event_logs],
        surveys=[survey.id for survey in settings.surveys],
    )
    for measure in measures:
        if measure.source.kind == "csv":
            try:
                measure_values(measure, settings.folder, measures_file=path)
            except MeasuresError as exc:
                problems.append(exc.as_problem())
    actions = actions_path(path)
    if actions.exists():
        problems += validate_actions(actions, measures=[measure.id for measure in measures])[1]
    return problems


def _columns(measure: Measure) -> dict[str, str]:
    options = measure.source.options
    columns = {"period": str(options.get("period") or "period")}
    if options.get("numerator"):
        columns["numerator"] = str(options["numerator"])
        columns["denominator"] = str(options["denominator"])
    else:
        columns["value"] = str(options.get("value") or "value")
    if options.get("group"):
        columns["group"] = str(options["group"])
    return columns


def measure_values(
    measure: Measure, folder: Path | str, *, measures_file: Path | str | None = None
) -> pd.DataFrame:
    """The values of a measure whose source is a CSV, one row per period (and group).

    Parameters
    ----------
    measure : Measure
        A measure read from ``measures.yml`` with a ``csv:`` source.
    folder : Path or str
        The study folder (the CSV's path is relative to it).
    measures_file : Path or str, optional
        The measures file, named in the message when the CSV is missing.

    Returns
    -------
    pandas.DataFrame
        ``measure, period, value`` (+ ``numerator, denominator`` for a rate, ``group`` for a
        breakdown), sorted by group and period. Periods that all read as dates are dates.

    Raises
    ------
    MeasuresError
        The file is missing, lacks a column, holds a value that is not a number, or gives a
        period twice; the message names the file and line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.measures.definitions import MeasureSource
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "days.csv").write_text("month,days\\n2025-01,31\\n2025-02,28.5\\n")
    >>> source = MeasureSource("csv", "days.csv", {"period": "month", "value": "days"})
    >>> measure_values(Measure("days", "Days", "lower_is_better", source), folder)
      measure     period  value
    0    days 2025-01-01   31.0
    1    days 2025-02-01   28.5
    """
    if measure.source.kind != "csv":
        raise MeasuresError(
            f"measure {measure.id!r} is computed from the study's {measure.source.kind}, "
            "not read from a CSV",
            path=measures_file,
            line=measure.source.line,
            hint="read it with the function of the room that holds that material",
        )
    path = Path(folder) / measure.source.name
    if not path.exists():
        raise MeasuresError(
            f"measure {measure.id!r}: its values file {measure.source.name!r} does not exist",
            path=measures_file or path,
            line=measure.source.line,
            hint="check the path after 'csv:' (it is relative to the study folder)",
        )
    table = read_csv_table(path, error_class=MeasuresError)
    columns = _columns(measure)
    require_columns(table, columns, path, error_class=MeasuresError)
    frame = pd.DataFrame({role: table[name] for role, name in columns.items()})
    lines = np.arange(len(frame)) + _FIRST_DATA_LINE
    for role in ("value", "numerator", "denominator"):
        if role in frame:
            frame[role] = _numbers(frame[role], lines, path, columns[role])
    if "numerator" in frame:
        frame["value"] = frame["numerator"] / frame["denominator"]
    frame["period"] = _periods(frame["period"], lines, path, columns["period"])
    frame.insert(0, "measure", measure.id)
    keys = ["group", "period"] if "group" in frame else ["period"]
    repeated = frame.duplicated(keys, keep="first").to_numpy()
    if repeated.any():
        line = int(lines[np.flatnonzero(repeated)[0]])
        raise MeasuresError(
            f"gives the period {frame['period'].iloc[line - _FIRST_DATA_LINE]} twice"
            + (" for one group" if "group" in frame else ""),
            path=path,
            line=line,
            hint="keep one row per period (sum or correct the rows)",
        )
    order = ["measure", *keys, "value"] + [c for c in ("numerator", "denominator") if c in frame]
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)[order]


def _numbers(cells: pd.Series, lines: np.ndarray, path: Path, column: str) -> pd.Series:
    text = cells.astype("string").str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text.str.rstrip("%"), errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise MeasuresError(
            f"column {column!r} holds {cells.iloc[first]!r}, which is not a number",
            path=path,
            line=int(lines[first]),
            hint="write a number (leave out periods with no value rather than leaving blanks)",
        )
    return numbers.astype(float)


def _periods(cells: pd.Series, lines: np.ndarray, path: Path, column: str) -> pd.Series:
    missing = cells.isna().to_numpy()
    if missing.any():
        raise MeasuresError(
            f"column {column!r} is empty on a row",
            path=path,
            line=int(lines[np.flatnonzero(missing)[0]]),
            hint="give every row its period (a date such as 2025-07 or 2025-07-01, or a year)",
        )
    text = cells.astype("string").str.strip()
    if text.str.fullmatch(r"\d{4}-\d{2}(-\d{2})?").all():
        return pd.to_datetime(text, format="mixed")
    numbers = pd.to_numeric(text, errors="coerce")
    return numbers if numbers.notna().all() else text.astype(object)


def target_per_period(target: Target | None, periods: pd.Series) -> np.ndarray | float | None:
    """The target at each period: one value, or the trajectory's step in force then.

    A range target has no single value to judge assurance by: it gives None (status bands
    use its ends).

    Examples
    --------
    >>> periods = pd.Series(pd.to_datetime(["2025-05-01", "2025-07-01", "2025-08-01"]))
    >>> target_per_period(Target(trajectory=(("2025-01", 30.0), ("2025-07", 20.0))), periods)
    array([30., 20., 20.])
    """
    if target is None or target.kind == "range":
        return None
    if target.kind == "value":
        return target.value
    starts = pd.to_datetime([start for start, _ in target.trajectory], format="mixed")
    values = np.array([value for _, value in target.trajectory] + [np.nan])
    step = np.searchsorted(starts.to_numpy(), pd.to_datetime(periods).to_numpy(), side="right") - 1
    return np.where(step >= 0, values[step], np.nan)


def chart_measure(measure: Measure, values: pd.DataFrame) -> pd.DataFrame:
    """Chart a measure's values as its definition says (chart, polarity, target, rebase).

    Parameters
    ----------
    measure : Measure
        The measure.
    values : pandas.DataFrame
        Its values, as :func:`measure_values` returns them.

    Returns
    -------
    pandas.DataFrame
        The points of the chart (see :func:`~research_kit.measures.xmr_by`), one series per
        group when the values have a ``group`` column.

    Examples
    --------
    >>> from research_kit.measures.definitions import MeasureSource
    >>> measure = Measure("days", "Days", "lower_is_better", MeasureSource("csv", "x.csv"),
    ...                   target=Target(value=25))
    >>> values = pd.DataFrame({"period": range(1, 9), "value": [30, 31, 29, 30, 32, 31, 30, 29]})
    >>> chart_measure(measure, values)["assurance"].iloc[-1]
    'consistent_fail'
    """
    by = "group" if "group" in values else None
    periods = values["period"]
    rebase = list(measure.rebase) or None
    if rebase and pd.api.types.is_datetime64_any_dtype(periods):
        rebase = list(pd.to_datetime(rebase, format="mixed"))
    target = target_per_period(measure.target, periods) if measure.target else None
    if (
        measure.target
        and measure.target.kind == "trajectory"
        and not pd.api.types.is_datetime64_any_dtype(periods)
    ):
        raise MeasuresError(
            f"measure {measure.id!r} has a target trajectory but its periods are not dates",
            hint="write the periods as dates (2025-07 or 2025-07-01), or give one target value",
        )
    data = values.assign(target_=target) if np.ndim(target) else values
    target_option = "target_" if np.ndim(target) else target
    options = {
        "improvement": measure.improvement,
        "target": target_option,
        "rebase": rebase,
        "baseline": measure.baseline,
    }
    if measure.chart in ("p", "u"):
        points = rate_chart_by(data, kind=measure.chart, by=by, **options)
    elif measure.chart == "run":
        groups = values.groupby(by, sort=True) if by else [(None, values)]
        points = pd.concat(
            [
                run_chart(part["value"], periods=part["period"], baseline=measure.baseline)
                .assign(group=name)
                .drop(columns=[] if by else ["group"])
                for name, part in groups
            ],
            ignore_index=True,
        )
    else:
        points = xmr_by(data, by=by, **options)
    return points.drop(columns=["target_"], errors="ignore")

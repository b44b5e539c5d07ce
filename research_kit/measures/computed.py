"""Measures computed from the study's own material: an event log, or survey waves.

A measure whose ``source`` is ``event_log:`` is computed from the tables the process room
returns — the event table (``case_id``, ``activity``, ``timestamp``) and, for a deadline
share, the per-case table of :func:`research_kit.process.deadline_cases` — never from the
log file itself. Conventions, stated once:

* **median_days** — per case, the clock runs from the case's first ``from`` event to its first
  ``to`` event after it, in days (fractions kept); a case counts in the period of its ``to``
  event (permits *issued* that month), and the value is the median over those cases.
* **backlog** — at the end of each period, the cases whose ``from`` event has happened and
  whose ``to`` event has not (a case with no ``to`` stays in the backlog to the log's end).
* **share_within_deadline** — per period of the case's *start* (the application month
  cohort, as ``deadline_performance(by="start_month")``), cases within the deadline out of
  cases decided within or breached; undecided cases are left out. Numerator and denominator
  are kept, so the share charts as a P chart.

Periods are the measure's ``frequency`` in the study's time zone, each named by its first day.

A measure whose source is ``survey:`` is the share of its ``answers`` in each wave, read from
the table :func:`research_kit.survey.wave_change` returns (weighted where the wave is, with
its margin of error); see :func:`survey_measure_values`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit.errors import MeasuresError
from research_kit.measures.definitions import Measure

#: pandas period codes of the frequencies of ``measures.yml``.
PERIOD_CODES = {"daily": "D", "weekly": "W", "monthly": "M", "quarterly": "Q", "yearly": "Y"}


def _period_starts(times: pd.Series, frequency: str, timezone: str) -> pd.Series:
    """The first day of the period each time falls in, in ``timezone``."""
    local = times.dt.tz_convert(timezone).dt.tz_localize(None) if times.dt.tz else times
    return local.dt.to_period(PERIOD_CODES[frequency]).dt.start_time


def _utc_values(times: pd.Series) -> np.ndarray:
    """Times as plain UTC datetime64 values, comparable whatever zone they were in."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _first_times(log: pd.DataFrame, activity: str, after: pd.Series | None = None) -> pd.Series:
    """Each case's first ``activity`` time (after its time in ``after``, when given)."""
    events = log[log["activity"] == activity]
    if after is not None:
        floor = events["case_id"].map(after)
        events = events[events["timestamp"] > floor]
    return events.groupby("case_id", sort=False)["timestamp"].min()


def _clock(measure: Measure, log: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    start_activity, end_activity = (str(measure.source.options[key]) for key in ("from", "to"))
    missing = [a for a in (start_activity, end_activity) if not (log["activity"] == a).any()]
    if missing:
        raise MeasuresError(
            f"measure {measure.id!r}: the event log has no activity {missing[0]!r}",
            line=measure.source.line,
            hint="write an activity name exactly as the log has it",
        )
    started = _first_times(log, start_activity)
    ended = _first_times(log, end_activity, after=started)
    return started, ended


def log_measure_values(
    measure: Measure,
    log: pd.DataFrame,
    *,
    deadline_cases: pd.DataFrame | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """The values of a measure computed from an event log, one row per period.

    Parameters
    ----------
    measure : Measure
        A measure whose source is ``event_log:``.
    log : pandas.DataFrame
        The event table (``case_id``, ``activity``, ``timestamp``), as the process room reads it.
    deadline_cases : pandas.DataFrame, optional
        For ``share_within_deadline``: :func:`research_kit.process.deadline_cases` of the
        measure's deadline (it knows the calendar the deadline counts on).
    timezone : str
        The study's time zone: which day, and so which period, an event falls in.

    Returns
    -------
    pandas.DataFrame
        ``measure, period, value`` and ``cases`` (the cases behind each value); for a
        deadline share also ``numerator, denominator``.

    Examples
    --------
    >>> from research_kit.measures.definitions import MeasureSource
    >>> log = pd.DataFrame({
    ...     "case_id": ["a", "a", "b", "b", "c"],
    ...     "activity": ["Apply", "Issue", "Apply", "Issue", "Apply"],
    ...     "timestamp": pd.to_datetime(["2025-01-02", "2025-01-12", "2025-01-20",
    ...                                  "2025-02-03", "2025-02-10"], utc=True)})
    >>> source = MeasureSource("event_log", "permits",
    ...                        {"statistic": "median_days", "from": "Apply", "to": "Issue"})
    >>> log_measure_values(Measure("days", "Days", "lower_is_better", source), log)
      measure     period  value  cases
    0    days 2025-01-01   10.0      1
    1    days 2025-02-01   14.0      1
    """
    statistic = measure.source.options.get("statistic")
    if measure.source.kind != "event_log":
        raise MeasuresError(f"measure {measure.id!r} is not computed from an event log")
    if statistic == "share_within_deadline":
        frame = _deadline_share(measure, deadline_cases, timezone)
    elif statistic == "median_days":
        frame = _median_days(measure, log, timezone)
    else:
        frame = _backlog(measure, log, timezone)
    frame.insert(0, "measure", measure.id)
    return frame.reset_index(drop=True)


def _median_days(measure: Measure, log: pd.DataFrame, timezone: str) -> pd.DataFrame:
    started, ended = _clock(measure, log)
    days = (ended - started.reindex(ended.index)).dt.total_seconds() / 86400
    period = _period_starts(ended, measure.frequency, timezone)
    grouped = days.groupby(period.to_numpy())
    return pd.DataFrame(
        {
            "period": grouped.median().index,
            "value": grouped.median().to_numpy(),
            "cases": grouped.size().to_numpy(),
        }
    )


def _backlog(measure: Measure, log: pd.DataFrame, timezone: str) -> pd.DataFrame:
    started, ended = _clock(measure, log)
    code = PERIOD_CODES[measure.frequency]
    local = _period_starts(log["timestamp"], measure.frequency, timezone)
    periods = pd.period_range(local.min(), local.max(), freq=code)
    # A period's end is the next period's first moment, in the study's time zone.
    ends = _utc_values(pd.Series((periods + 1).start_time.tz_localize(timezone)))
    opened = np.searchsorted(np.sort(_utc_values(started)), ends, side="left")
    closed = np.searchsorted(np.sort(_utc_values(ended)), ends, side="left")
    backlog = opened - closed
    return pd.DataFrame(
        {"period": periods.start_time, "value": backlog.astype(float), "cases": backlog}
    )


def _deadline_share(measure: Measure, cases: pd.DataFrame | None, timezone: str) -> pd.DataFrame:
    if cases is None:
        raise MeasuresError(
            f"measure {measure.id!r} is a share within the deadline "
            f"{measure.source.options.get('deadline')!r}: pass its deadline_cases",
            hint="compute them with research_kit.process.deadline_cases(log, deadline, …)",
        )
    decided = cases[cases["status"].isin(["within", "breached"])]
    period = _period_starts(pd.to_datetime(decided["start"], utc=True), measure.frequency, timezone)
    within = (decided["status"] == "within").groupby(period.to_numpy())
    numerator, denominator = within.sum(), within.size()
    return pd.DataFrame(
        {
            "period": numerator.index,
            "value": (numerator / denominator).to_numpy(),
            "cases": denominator.to_numpy(),
            "numerator": numerator.to_numpy(),
            "denominator": denominator.to_numpy(),
        }
    )


def survey_measure_values(measure: Measure, waves: pd.DataFrame) -> pd.DataFrame:
    """A survey measure's values: the share of its answers in each wave, with its margin.

    Parameters
    ----------
    measure : Measure
        A measure whose source is ``survey:``.
    waves : pandas.DataFrame
        :func:`research_kit.survey.wave_change` of the measure's question with
        ``value=measure.source.options["answers"]`` (its ``by`` groups become ``group``).

    Returns
    -------
    pandas.DataFrame
        ``measure, period`` (the wave, oldest first), ``wave_number`` (1, 2, …), ``value``
        (the estimate), ``n``, ``ci_low``, ``ci_high``, ``margin_of_error`` and, for a
        breakdown, ``group``. Suppressed cells (too few respondents) are left out.

    Examples
    --------
    >>> from research_kit.measures.definitions import MeasureSource
    >>> waves = pd.DataFrame({"group": ["all", "all"], "wave": ["2025", "2026"],
    ...                       "n": [895, 1475], "estimate": [0.148, 0.241],
    ...                       "ci_low": [0.12, 0.22], "ci_high": [0.17, 0.26],
    ...                       "margin_of_error": [0.025, 0.021], "suppressed": [False, False]})
    >>> source = MeasureSource("survey", "residents", {"question": "Q", "answers": ["Agree"]})
    >>> values = survey_measure_values(Measure("knew", "Knew", "higher_is_better", source), waves)
    >>> values[["period", "wave_number", "value", "margin_of_error"]]
      period  wave_number  value  margin_of_error
    0   2025            1  0.148            0.025
    1   2026            2  0.241            0.021
    """
    if measure.source.kind != "survey":
        raise MeasuresError(f"measure {measure.id!r} is not computed from a survey")
    order = {wave: number for number, wave in enumerate(pd.unique(waves["wave"]), start=1)}
    shown = waves[~waves["suppressed"].fillna(False).astype(bool)]
    frame = pd.DataFrame(
        {
            "measure": measure.id,
            "period": shown["wave"].to_numpy(),
            "wave_number": shown["wave"].map(order).to_numpy(),
            "value": shown["estimate"].to_numpy(dtype=float),
            "n": shown["n"].to_numpy(),
            "ci_low": shown["ci_low"].to_numpy(dtype=float),
            "ci_high": shown["ci_high"].to_numpy(dtype=float),
            "margin_of_error": shown["margin_of_error"].to_numpy(dtype=float),
        }
    )
    if shown["group"].nunique() > 1 or (shown["group"] != "all").any():
        frame.insert(1, "group", shown["group"].to_numpy())
    return frame.reset_index(drop=True)

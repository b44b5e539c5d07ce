"""Deadlines: how many cases reach a time target, per month, permit type or ward, and which miss.

A :class:`~research_kit.settings.Deadline` (``deadlines:`` in study.yml) runs from a case's
``start`` activity to its ``end`` activity, within a number of calendar or business days
(:mod:`research_kit.process.calendars` says how days are counted: by date in the study's time
zone; for business days a weekend day or holiday counts as the next business day).

Conventions, stated once:

- **Repeats.** The clock starts at the case's *first* ``start`` event (a resubmission does not
  restart it) and stops at the *first* ``end`` event after it (the first decision; a later
  repeat, e.g. a re-issued permit, does not move it). An ``end`` before the first ``start``
  is ignored. Events are ordered by their ``timestamp`` (completion time), ties in file order.
- **Cases without ``start``** (the log begins after they did) are not measured: status
  "not measured", counted as ``n_not_started``.
- **Cases without ``end``.** A ``stop`` activity (a withdrawal) after the start and before any
  ``end`` ends the case ("stopped"); with neither, the case is "open" up to ``as_of`` (the
  log's last event by default). Such a case is **breached** once its target has passed (it can
  no longer be met), and **undecided** before that. Open cases are never counted as within.
- **Share within target** = within / (within + breached), undecided cases left out, with a
  **Wilson score interval** (:func:`wilson_interval`). In the last months of a log many cases
  are still undecided and the decided ones are the quick ones: read ``n_undecided`` beside the
  share, and compare months whose cases have had time to finish.
- **Breakdowns** (``by``: ``start_month`` or any case attribute column of the log, its first
  non-missing value in the case) go through :func:`research_kit.privacy.suppress_table`, one
  one-way table per column: groups of fewer than ``min_cell_size`` cases are hidden, and as many
  others as needed so that no hidden group follows from the overall count. Within a shown
  group the counts are shown: they describe the city's timeliness, not the applicants.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from research_kit.errors import EventLogError
from research_kit.privacy import DEFAULT_MIN_CELL_SIZE, suppress_table
from research_kit.process.calendars import BusinessCalendar, calendar_days_between, local_dates
from research_kit.settings import Deadline

__all__ = [
    "DeadlinePerformance",
    "deadline_cases",
    "deadline_performance",
    "wilson_interval",
]

#: Counts and estimates of a summary row, hidden together when the row is suppressed.
SUMMARY_VALUES = (
    "n_within",
    "n_breached",
    "n_undecided",
    "n_open",
    "n_stopped",
    "n_not_started",
    "share_within",
    "ci_low",
    "ci_high",
)
BREACH_COLUMNS = [
    "case_id",
    "start",
    "end",
    "state",
    "elapsed",
    "unit",
    "target",
    "due",
    "over_by",
]
_NO_TOTAL = object()  # one-way tables carry no totals cell; the overall count is its margin


@dataclass(frozen=True)
class DeadlinePerformance:
    """How cases fare against a deadline: per case, summarised, and the breaching cases.

    ``cases`` has one row per case (:func:`deadline_cases`); ``summary`` one row for all cases
    (``by`` = "all") and one per group of each ``by`` column, suppressed; ``breaches`` the
    breaching cases, most overdue first (case ids: for the research team, not for a brief).
    """

    cases: pd.DataFrame
    summary: pd.DataFrame
    breaches: pd.DataFrame


def wilson_interval(
    successes: Sequence[int] | np.ndarray | int,
    n: Sequence[int] | np.ndarray | int,
    *,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``successes / n`` (NaN where ``n`` is 0).

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``z`` the normal quantile
    of ``1 - (1 - confidence)/2``. Unlike the Wald interval it stays inside [0, 1] and keeps
    its coverage near 0% and 100% (Newcombe 1998, method 3).

    Examples
    --------
    Newcombe's (1998) example, 81 of 263:

    >>> low, high = wilson_interval(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    k = np.asarray(successes, dtype=float)
    size = np.asarray(n, dtype=float)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / size
        denominator = 1 + z**2 / size
        centre = (p + z**2 / (2 * size)) / denominator
        half = z * np.sqrt(p * (1 - p) / size + z**2 / (4 * size**2)) / denominator
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def deadline_cases(
    log: pd.DataFrame,
    deadline: Deadline,
    *,
    calendar: BusinessCalendar | None = None,
    timezone: str = "UTC",
    as_of: pd.Timestamp | str | None = None,
    attributes: Sequence[str] = (),
) -> pd.DataFrame:
    """Each case's clock against one deadline: start, end, days elapsed, within or breached.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table (``case_id``, ``activity``, ``timestamp``).
    deadline : Deadline
        The target (``start`` and ``end`` are activity names of the log).
    calendar : BusinessCalendar, optional
        For business-day targets; Monday to Friday without holidays when None (with a
        warning when the deadline names a calendar: ``study.deadlines()`` resolves it).
        Calendar-day targets ignore it.
    timezone : str
        The time zone whose dates are counted (the study's).
    as_of : Timestamp or str, optional
        The moment the deadline is measured at (a time without a zone is in ``timezone``):
        later events are left out and open cases are measured to it. The log's last event
        when None.
    attributes : sequence of str
        Case attribute columns of the log to carry (each case's first non-missing value).

    Returns
    -------
    pandas.DataFrame
        One row per case, in order of first appearance: ``case_id``, ``start``, ``end`` (the
        ``end`` event, NaT if none), ``state`` ("reached", "stopped", "open" or
        "not started"), ``elapsed`` (days of ``unit`` to the end, else to the stop or
        ``as_of``), ``unit``, ``target``, ``due`` (the last date within target), ``status``
        ("within", "breached", "undecided" or "not measured"), ``over_by`` (days beyond the
        target, 0 unless breached), ``start_month`` ("2025-03") and the ``attributes``.

    Examples
    --------
    Filed Thursday 2025-07-03; Friday 07-04 is a holiday, so from 07-03 to 07-08 count
    Thu 3, Mon 7: 2 business days.

    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-07-03 10:00"), ("Decide", "2025-07-08 09:00")],
    ...                    "B": [("Apply", "2025-07-03 10:00")]})
    >>> deadline = Deadline("Decision", "Apply", "Decide", "2 business days")
    >>> city = BusinessCalendar(holidays=(dt.date(2025, 7, 4),))
    >>> cases = deadline_cases(log, deadline, calendar=city, as_of="2025-07-09")
    >>> cases[["case_id", "state", "elapsed", "status"]].values.tolist()
    [['A', 'reached', 2, 'within'], ['B', 'open', 3, 'breached']]
    """
    _check_columns(log, ["case_id", "activity", "timestamp", *attributes])
    events = _ordered_events(log)
    if as_of is not None:  # the deadline as it stood then: later events are not known yet
        events = events[events["time"] <= _moment(as_of, timezone)].reset_index(drop=True)
    if deadline.unit == "business days" and calendar is None and deadline.calendar:
        warnings.warn(
            f"deadline {deadline.name!r} counts on calendar {deadline.calendar!r}, but no "
            "calendar was passed: counting Monday to Friday without holidays (pass "
            "calendar=BusinessCalendar.from_setting(settings.calendars[...]), or use "
            "study.deadlines())",
            stacklevel=2,
        )
    ids = pd.Index(pd.unique(events["case_id"]), name="case_id")
    start, start_row = _first(events, [deadline.start], ids)
    after = events.index.to_numpy() > events["case_id"].map(start_row).fillna(np.inf).to_numpy()
    end, _ = _first(events[after], [deadline.end], ids)
    stop, _ = _first(events[after], list(deadline.stop), ids)
    stopped = stop.notna() & (end.isna() | (stop < end))
    end = end.mask(stopped)
    latest = events["time"].max() if as_of is None else _moment(as_of, timezone)
    clock = (
        end.fillna(stop.where(stopped)).fillna(pd.Series(latest, index=ids)).where(start.notna())
    )
    state = np.select(
        [start.isna(), end.notna(), stopped], ["not started", "reached", "stopped"], "open"
    )
    start_day, clock_day = local_dates(start, timezone), local_dates(clock, timezone)
    elapsed, due = _elapsed_and_due(start_day, clock_day, deadline, calendar)
    status = np.select(
        [start.isna().to_numpy(), elapsed > deadline.amount, state == "reached"],
        ["not measured", "breached", "within"],
        "undecided",
    )
    cases = pd.DataFrame(
        {
            "case_id": ids,
            "start": start.reset_index(drop=True),
            "end": end.reset_index(drop=True),
            "state": state,
            "elapsed": pd.array(np.where(start.notna(), elapsed, -1), "Int64"),
            "unit": deadline.unit,
            "target": deadline.amount,
            "due": due,
            "status": status,
            "over_by": np.where(status == "breached", elapsed - deadline.amount, 0),
            "start_month": [day.strftime("%Y-%m") if day else None for day in start_day],
        }
    )
    cases["elapsed"] = cases["elapsed"].mask(cases["elapsed"] < 0)
    for name in attributes:
        cases[name] = _case_attribute(log, name).reindex(ids).to_numpy()
    return cases


def deadline_performance(
    log: pd.DataFrame,
    deadline: Deadline,
    *,
    by: str | Sequence[str] | None = None,
    calendar: BusinessCalendar | None = None,
    timezone: str = "UTC",
    as_of: pd.Timestamp | str | None = None,
    confidence: float = 0.95,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> DeadlinePerformance:
    """The share of cases within a deadline, overall and by group, and the breaching cases.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table.
    deadline : Deadline
        The target.
    by : str or sequence of str, optional
        Breakdowns, each on its own: ``"start_month"`` (month of the case's start, local
        time) or case attribute columns of the log (``"permit_type"``, ``"ward"``).
    calendar, timezone, as_of
        As for :func:`deadline_cases`.
    confidence : float
        Confidence level of the Wilson intervals.
    min_cell_size : int
        Groups of fewer cases are suppressed (with complements); pass the study's
        ``min_cell_size``. ``0`` hides nothing (analysis only, never for stakeholders).

    Returns
    -------
    DeadlinePerformance
        ``cases``, ``summary`` (``deadline``, ``by``, ``group``, ``n_cases``, the counts by
        status and state, ``share_within``, ``ci_low``, ``ci_high``, ``confidence``,
        ``target``, ``suppressed``, ``suppression_reason``) and ``breaches``.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({case: [("Apply", "2025-03-03"), ("Decide", f"2025-03-{day:02d}")]
    ...                    for case, day in zip("ABCDEF", (4, 5, 6, 7, 20, 21))})
    >>> result = deadline_performance(log, Deadline("Decision", "Apply", "Decide", "7 days"))
    >>> result.summary[["group", "n_cases", "n_within", "n_breached"]].values.tolist()
    [['all', 6, 4, 2]]
    >>> result.breaches[["case_id", "elapsed", "over_by"]].values.tolist()
    [['F', 18, 11], ['E', 17, 10]]
    """
    columns = [by] if isinstance(by, str) else list(by or ())
    attributes = [name for name in columns if name != "start_month"]
    cases = deadline_cases(
        log, deadline, calendar=calendar, timezone=timezone, as_of=as_of, attributes=attributes
    )
    tables = [_counts(cases.assign(all="all"), "all", deadline, confidence)]
    tables += [_counts(cases, name, deadline, confidence) for name in columns]
    summary = pd.concat([_suppress(table, min_cell_size) for table in tables], ignore_index=True)
    breaches = cases[cases["status"] == "breached"].sort_values(
        ["over_by", "case_id"], ascending=[False, True], kind="stable"
    )
    return DeadlinePerformance(
        cases=cases, summary=summary, breaches=breaches[BREACH_COLUMNS].reset_index(drop=True)
    )


def _counts(cases: pd.DataFrame, by: str, deadline: Deadline, confidence: float) -> pd.DataFrame:
    """One row per group of ``by``: cases by status and state, the share within and its CI."""
    groups = cases[by].astype("object")
    known = groups.notna()
    frame = cases[known]
    keys = groups[known]

    def count(mask: pd.Series) -> pd.Series:
        return mask.groupby(keys, sort=True).sum().astype("Int64")  # stays whole when hidden

    table = pd.DataFrame({"n_cases": frame.groupby(keys, sort=True).size().astype("Int64")})
    table["n_within"] = count(frame["status"] == "within")
    table["n_breached"] = count(frame["status"] == "breached")
    table["n_undecided"] = count(frame["status"] == "undecided")
    table["n_open"] = count(frame["state"] == "open")
    table["n_stopped"] = count(frame["state"] == "stopped")
    table["n_not_started"] = count(frame["state"] == "not started")
    decided = (table["n_within"] + table["n_breached"]).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_within"] = table["n_within"].astype(float) / decided.where(decided > 0)
    table["ci_low"], table["ci_high"] = wilson_interval(
        table["n_within"], decided, confidence=confidence
    )
    table["confidence"] = confidence
    table["target"] = deadline.within
    table = table.reset_index(names="group")
    table.insert(0, "by", by)
    table.insert(0, "deadline", deadline.name)
    return table


def _suppress(table: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
    """Hide small groups of one breakdown, and enough others that none follows from the total."""
    if min_cell_size <= 0 or table.empty:
        return table.assign(suppressed=False, suppression_reason="")
    shown = suppress_table(
        table,
        row="by",
        column="group",
        count="n_cases",
        min_cell_size=min_cell_size,
        total=_NO_TOTAL,
        margins="rows",  # the overall number of cases is published in the "all" row
        also=SUMMARY_VALUES,
    )
    reason = shown.pop("reason").map({"small": "small group", "complementary": "complementary"})
    return shown.assign(suppression_reason=reason.fillna(""))


def _elapsed_and_due(
    start: pd.Series, clock: pd.Series, deadline: Deadline, calendar: BusinessCalendar | None
) -> tuple[np.ndarray, list]:
    """Days elapsed from each start date to its clock date, and each case's due date."""
    if deadline.unit == "business days":
        calendar = calendar or BusinessCalendar()
        elapsed = calendar.business_days_between(start, clock)
        due = calendar.add_business_days(start, deadline.amount)
    else:
        elapsed = calendar_days_between(start, clock)
        due = [day + dt.timedelta(days=deadline.amount) if day else None for day in start]
    return elapsed, due


def _ordered_events(log: pd.DataFrame) -> pd.DataFrame:
    """Case, activity and time of the completed events, by case then time (ties in file order)."""
    frame = log
    if "lifecycle" in log.columns:  # a log with lifecycle events: completions mark an activity
        lifecycle = log["lifecycle"].astype("object").fillna("complete").astype(str).str.lower()
        frame = log[lifecycle.eq("complete").to_numpy()]
    events = pd.DataFrame(
        {
            "case_id": frame["case_id"].to_numpy(),
            "activity": frame["activity"].astype("object").to_numpy(),
            "time": _utc(frame["timestamp"]).to_numpy(),
        }
    )
    events["_case"] = pd.factorize(events["case_id"])[0]
    events = events.sort_values(["_case", "time"], kind="stable")
    return events.drop(columns="_case").reset_index(drop=True)


def _first(
    events: pd.DataFrame, activities: list[str], ids: pd.Index
) -> tuple[pd.Series, pd.Series]:
    """Each case's first event of any of ``activities``: its time (NaT if none) and row."""
    chosen = events[events["activity"].isin(activities)]
    rows = chosen.index.to_series().groupby(chosen["case_id"].to_numpy(), sort=False).first()
    rows = rows.reindex(ids)
    times = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns, UTC]")
    found = rows.notna().to_numpy()
    times[found] = events.loc[rows[found].astype("int64"), "time"].to_numpy()
    return times, rows


def _case_attribute(log: pd.DataFrame, name: str) -> pd.Series:
    values = log[[name]].assign(case_id=log["case_id"].to_numpy())
    return values.dropna(subset=[name]).groupby("case_id", sort=False)[name].first()


def _utc(times: pd.Series) -> pd.Series:
    converted = pd.to_datetime(times)
    if converted.dt.tz is None:
        return converted.dt.tz_localize("UTC")
    return converted.dt.tz_convert("UTC")


def _moment(value: pd.Timestamp | str, timezone: str) -> pd.Timestamp:
    moment = pd.Timestamp(value)
    return (moment.tz_localize(timezone) if moment.tz is None else moment).tz_convert("UTC")


def _check_columns(log: pd.DataFrame, columns: list[str]) -> None:
    missing = [name for name in columns if name not in log.columns]
    if missing:
        raise EventLogError(
            f"the event table has no column {', '.join(map(repr, missing))}",
            hint="read the log with read_event_log (case_id, activity, timestamp) and name "
            "case attribute columns it has (see log.columns)",
        )

"""Event logs → tidy event tables: one row per event with case, activity and UTC timestamp.

Permit systems, 311 and case-management tools export event logs as CSV with their own column
names, time zones and date formats; process-mining tools exchange XES (``.xes``, ``.xes.gz``,
read by :mod:`research_kit.process.xes`). :func:`read_event_log` reads both into one table: it
maps the columns (falling back to the XES standard names ``case:concept:name``,
``concept:name``, ``time:timestamp``, ``org:resource`` and ``lifecycle:transition`` that
pm4py's CSV exports use), parses timestamps (ISO 8601 with offsets, or other common formats;
naive times are taken in the study's time zone), reports rows whose time cannot be read, keeps
only completed events when the log records lifecycle transitions, and orders events by case and
time while keeping file order for events with the same timestamp (see
:mod:`research_kit.process.events`, which this module and the XES reader share).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from research_kit.errors import EventLogError
from research_kit.process._arrow_csv import read_csv_cells
from research_kit.process.events import (
    ACTIVITY,
    CASE,
    FIRST_TIME,
    LAST_TIME,
    LIFECYCLE,
    RESOURCE,
    START,
    TIMESTAMP,
    XES_NAMES,
    EventLogReading,
    check_choices,
    parse_timestamps,
    tidy_events,
)
from research_kit.tables import read_csv_table

_XES_SUFFIXES = (".xes", ".xes.gz")


def read_event_log(
    path: Path | str,
    *,
    case: str = "case_id",
    activity: str = "activity",
    timestamp: str = "timestamp",
    start_timestamp: str | None = None,
    resource: str | None = None,
    lifecycle: str | None = None,
    timezone: str = "UTC",
    errors: str = "raise",
    transition: str | None = "complete",
) -> pd.DataFrame:
    """Read a CSV or XES event log into a tidy event table.

    Parameters
    ----------
    path : Path or str
        The log: ``.xes`` or ``.xes.gz`` is read as XES (see
        :func:`research_kit.process.xes.read_xes`), anything else as CSV.
    case, activity, timestamp : str
        The columns holding the case id, activity name and (completion) time. When a named
        column is missing but the XES standard one is there (``case:concept:name``,
        ``concept:name``, ``time:timestamp``), that one is used; in XES, trace attributes are
        the ``case:<key>`` columns.
    start_timestamp, resource, lifecycle : str, optional
        The columns holding the start time, the resource (who did it) and the lifecycle
        transition. ``org:resource``, ``lifecycle:transition`` and ``start_timestamp`` (pm4py's
        name for the start time) are used when present and not named; start times are parsed
        like the completion times, an empty one read as missing.
    timezone : str
        Time zone of timestamps written without an offset (e.g. ``"America/Chicago"``).
    errors : {"raise", "drop"}
        What to do with rows whose time cannot be read: raise an error naming the rows, or
        drop them (:func:`read_event_log_with_details` lists their ``line`` values: file
        lines for CSV, event numbers for XES).
    transition : str or None
        When the log has a lifecycle column, keep only events with this transition (missing
        values count as ``"complete"``); :func:`read_event_log_with_details` counts those left
        out. ``None`` keeps every event (as pm4py does).

    Returns
    -------
    pandas.DataFrame
        Columns ``case_id``, ``activity``, ``timestamp`` (UTC), optionally
        ``start_timestamp``, ``resource`` and ``lifecycle``, then the file's other columns, and
        ``line`` (the file line of each CSV event; the 1-based event number in XES). Sorted by
        case (in order of first appearance) and time, file order kept for ties.
        :func:`read_event_log_with_details` also says which file column filled each standard
        column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text(
    ...     "case,task,time\\n"
    ...     "A,Inspect,2025-03-04T10:00:00-08:00\\n"
    ...     "A,Apply,2025-03-04 09:00\\n"
    ... )
    >>> log = read_event_log(path, case="case", activity="task", timestamp="time",
    ...                      timezone="America/Los_Angeles")
    >>> log[["case_id", "activity"]].values.tolist()
    [['A', 'Apply'], ['A', 'Inspect']]
    >>> str(log["timestamp"].iloc[0])
    '2025-03-04 17:00:00+00:00'

    A pm4py-style export needs no mapping:

    >>> _ = path.write_text(
    ...     "case:concept:name,concept:name,time:timestamp,org:resource\\n"
    ...     "7,register,2025-03-04T09:00:00+01:00,Pete\\n"
    ... )
    >>> read_event_log(path)["case_id"].tolist()
    ['7']
    """
    return read_event_log_with_details(
        path,
        case=case,
        activity=activity,
        timestamp=timestamp,
        start_timestamp=start_timestamp,
        resource=resource,
        lifecycle=lifecycle,
        timezone=timezone,
        errors=errors,
        transition=transition,
    ).events


def read_event_log_with_details(
    path: Path | str,
    *,
    case: str = "case_id",
    activity: str = "activity",
    timestamp: str = "timestamp",
    start_timestamp: str | None = None,
    resource: str | None = None,
    lifecycle: str | None = None,
    timezone: str = "UTC",
    errors: str = "raise",
    transition: str | None = "complete",
) -> EventLogReading:
    """Read an event log as :func:`read_event_log` does, and say how it was read.

    Takes the same options as :func:`read_event_log`.

    Returns
    -------
    EventLogReading
        ``events`` (the tidy event table), ``source``, ``columns`` (which file column filled
        each standard column), ``unparsed_lines`` (rows dropped with ``errors="drop"``),
        ``lifecycle`` and ``lifecycle_dropped`` (events left out for another transition).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text(
    ...     "case:concept:name,concept:name,time:timestamp\\n"
    ...     "7,register,2025-03-04T09:00:00+01:00\\n"
    ...     "7,decide,someday\\n"
    ... )
    >>> reading = read_event_log_with_details(path, errors="drop")
    >>> reading.columns["case_id"], reading.unparsed_lines, len(reading.events)
    ('case:concept:name', (3,), 1)
    """
    path = Path(path)
    columns = {
        CASE: case,
        ACTIVITY: activity,
        TIMESTAMP: timestamp,
        START: start_timestamp,
        RESOURCE: resource,
        LIFECYCLE: lifecycle,
    }
    if is_xes_path(path):
        from research_kit.process.xes import read_xes_table

        return read_xes_table(
            path, columns=columns, timezone=timezone, errors=errors, transition=transition
        )
    check_choices(errors, transition)
    frame = read_csv_cells(path)  # Arrow, when the file is plain UTF-8 CSV
    if frame is None:
        frame = read_csv_table(path, error_class=EventLogError)
    frame["line"] = np.arange(2, len(frame) + 2)
    return tidy_events(
        frame, path, columns, timezone=timezone, errors=errors, transition=transition
    )


def is_xes_path(path: Path | str) -> bool:
    """True when ``path`` names an XES log (``.xes`` or ``.xes.gz``, any case).

    Examples
    --------
    >>> is_xes_path("logs/helpdesk.XES.gz"), is_xes_path("events.csv")
    (True, False)
    """
    return Path(path).name.lower().endswith(_XES_SUFFIXES)


__all__ = [
    "ACTIVITY",
    "CASE",
    "FIRST_TIME",
    "LAST_TIME",
    "LIFECYCLE",
    "RESOURCE",
    "START",
    "TIMESTAMP",
    "XES_NAMES",
    "EventLogReading",
    "is_xes_path",
    "parse_timestamps",
    "read_event_log",
    "read_event_log_with_details",
    "tidy_events",
]

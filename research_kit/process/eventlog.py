"""Event logs → tidy event tables: one row per event with case, activity and UTC timestamp.

Permit systems, 311 and case-management tools export event logs as CSV with their own column
names, time zones and date formats. :func:`read_event_log` maps the columns, parses timestamps
(ISO 8601 with offsets, or other common formats; naive times are taken in the study's time
zone), reports rows whose time cannot be read, and orders events by case and time while keeping
file order for events with the same timestamp.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from research_kit.errors import EventLogError
from research_kit.tables import read_csv_table, require_columns

#: Standard column names of an event table.
CASE, ACTIVITY, TIMESTAMP, START, RESOURCE = (
    "case_id",
    "activity",
    "timestamp",
    "start_timestamp",
    "resource",
)
_HAS_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|UTC)$", re.IGNORECASE)


def read_event_log(
    path: Path | str,
    *,
    case: str = "case_id",
    activity: str = "activity",
    timestamp: str = "timestamp",
    start_timestamp: str | None = None,
    resource: str | None = None,
    timezone: str = "UTC",
    errors: str = "raise",
) -> pd.DataFrame:
    """Read a CSV event log into a tidy event table.

    Parameters
    ----------
    path : Path or str
        The CSV file.
    case, activity, timestamp : str
        The file's columns holding the case id, activity name and (completion) time.
    start_timestamp, resource : str, optional
        The file's columns holding the start time and the resource (who did it).
    timezone : str
        Time zone of timestamps written without an offset (e.g. ``"America/Chicago"``).
    errors : {"raise", "drop"}
        What to do with rows whose time cannot be read: raise an error naming the rows, or
        drop them and list their line numbers in ``attrs["unparsed_lines"]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``case_id``, ``activity``, ``timestamp`` (UTC), optionally
        ``start_timestamp`` and ``resource``, then the file's other columns, and ``line``
        (the file line of each event). Sorted by case (in order of first appearance) and time,
        file order kept for ties.

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
    """
    path = Path(path)
    frame = read_csv_table(path, error_class=EventLogError)
    mapping = {"case id": case, "activity": activity, "timestamp": timestamp}
    if start_timestamp:
        mapping["start time"] = start_timestamp
    if resource:
        mapping["resource"] = resource
    require_columns(frame, mapping, path, EventLogError)
    events = _standardise(frame, case, activity, timestamp, start_timestamp, resource)
    events = _check_required_values(events, path)
    events[TIMESTAMP], bad = parse_timestamps(events[TIMESTAMP], timezone)
    if start_timestamp:
        events[START], bad_start = parse_timestamps(events[START], timezone, allow_missing=True)
        bad = bad | bad_start
    if bad.any():
        events = _handle_unparsed(events, bad, path, errors)
    events = events.sort_values([CASE, TIMESTAMP], kind="stable", key=_case_order(events))
    events.attrs.update(source=str(path))
    return events.reset_index(drop=True)


def parse_timestamps(
    values: pd.Series, timezone: str = "UTC", *, allow_missing: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Parse timestamps to UTC; return the parsed series and a mask of unreadable values.

    Values with an offset keep it; values without one are taken in ``timezone``.

    Examples
    --------
    >>> times, bad = parse_timestamps(pd.Series(["2025-01-02T03:04:05Z", "soon", None]),
    ...                               allow_missing=True)
    >>> [str(t) for t in times], bad.tolist()
    (['2025-01-02 03:04:05+00:00', 'NaT', 'NaT'], [False, True, False])
    """
    text = values.astype("string").str.strip()
    missing = text.isna() | (text == "")
    has_offset = text.str.contains(_HAS_OFFSET, na=False)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    aware = has_offset & ~missing
    naive = ~has_offset & ~missing
    if aware.any():
        parsed[aware] = _to_datetime(text[aware]).dt.tz_convert("UTC")
    if naive.any():
        local = _to_datetime(text[naive])
        parsed[naive] = local.dt.tz_localize(
            timezone, ambiguous="NaT", nonexistent="shift_forward"
        ).dt.tz_convert("UTC")
    bad = parsed.isna() & ~missing
    if not allow_missing:
        bad = bad | missing
    return parsed, bad


def _to_datetime(text: pd.Series) -> pd.Series:
    """ISO 8601 first (fast, unambiguous), then pandas' mixed-format parser for the rest."""
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=_any_offset(text))
    retry = parsed.isna()
    if retry.any():
        parsed = parsed.astype(object)
        parsed[retry] = pd.to_datetime(
            text[retry], format="mixed", errors="coerce", utc=_any_offset(text)
        )
        parsed = pd.to_datetime(parsed, utc=_any_offset(text))
    return parsed


def _any_offset(text: pd.Series) -> bool:
    return bool(text.str.contains(_HAS_OFFSET, na=False).any())


def _standardise(
    frame: pd.DataFrame,
    case: str,
    activity: str,
    timestamp: str,
    start_timestamp: str | None,
    resource: str | None,
) -> pd.DataFrame:
    renames = {case: CASE, activity: ACTIVITY, timestamp: TIMESTAMP}
    if start_timestamp:
        renames[start_timestamp] = START
    if resource:
        renames[resource] = RESOURCE
    clashing = [c for c in frame.columns if c in renames.values() and c not in renames]
    others = frame.drop(columns=list(renames) + clashing)
    events = frame[list(renames)].rename(columns=renames)
    events = pd.concat([events, others], axis=1)
    events["line"] = range(2, len(events) + 2)
    return events


def _check_required_values(events: pd.DataFrame, path: Path) -> pd.DataFrame:
    for column, what in ((CASE, "case id"), (ACTIVITY, "activity")):
        missing = events[column].isna()
        if missing.any():
            lines = events.loc[missing, "line"].tolist()
            raise EventLogError(
                f"{len(lines)} event(s) have no {what} (first on line {lines[0]})",
                path=path,
                line=lines[0],
                hint=f"fill in the {what} or remove those rows",
            )
    return events


def _handle_unparsed(events: pd.DataFrame, bad: pd.Series, path: Path, errors: str) -> pd.DataFrame:
    lines = events.loc[bad, "line"].tolist()
    if errors == "drop":
        kept = events.loc[~bad].copy()
        kept.attrs["unparsed_lines"] = lines
        return kept
    shown = ", ".join(map(str, lines[:5])) + (" …" if len(lines) > 5 else "")
    raise EventLogError(
        f"{len(lines)} timestamp(s) cannot be read (lines {shown})",
        path=path,
        line=lines[0],
        hint="write times as ISO 8601 (2025-03-04T09:15:00-08:00), or pass errors='drop' "
        "to leave those rows out",
    )


def _case_order(events: pd.DataFrame):
    first_seen = {case: rank for rank, case in enumerate(pd.unique(events[CASE]))}

    def key(column: pd.Series) -> pd.Series:
        return column.map(first_seen) if column.name == CASE else column

    return key

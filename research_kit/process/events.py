"""The tidy event table: its standard columns, its times, and the tidying every reader shares.

An event table has one row per event with ``case_id``, ``activity`` and a UTC ``timestamp``
(optionally ``start_timestamp``, ``resource`` and ``lifecycle``), whatever file it came from.
The readers (:mod:`research_kit.process.eventlog` for CSV, :mod:`research_kit.process.xes` for
XES) turn a file into a raw table of text cells; :func:`tidy_events` does the rest: maps the
columns, parses timestamps (ISO 8601 with offsets, or other common formats; naive times are
taken in the study's time zone), reports rows whose time cannot be read, keeps only completed
events when the log records lifecycle transitions, and orders events by case and time while
keeping file order for events with the same timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from research_kit.errors import EventLogError
from research_kit.tables import require_columns

#: Standard column names of an event table.
CASE, ACTIVITY, TIMESTAMP, START, RESOURCE = (
    "case_id",
    "activity",
    "timestamp",
    "start_timestamp",
    "resource",
)
#: Standard name of the lifecycle-transition column (``start``, ``complete`` …).
LIFECYCLE = "lifecycle"
#: The XES standard attribute names, as pm4py and most tools write them in CSV exports.
XES_NAMES = {
    CASE: "case:concept:name",
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
}
_ROLES = {
    CASE: "case id",
    ACTIVITY: "activity",
    TIMESTAMP: "timestamp",
    START: "start time",
    RESOURCE: "resource",
    LIFECYCLE: "lifecycle transition",
}
#: The first and last time an event table holds (pandas' nanosecond range, to the microsecond).
FIRST_TIME = pd.Timestamp.min.ceil("us")
LAST_TIME = pd.Timestamp.max.floor("us")
_FIRST_US = np.datetime64(FIRST_TIME.isoformat(), "us")
_LAST_US = np.datetime64(LAST_TIME.isoformat(), "us")
_HAS_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|UTC)$", re.IGNORECASE)


@dataclass(frozen=True)
class EventLogReading:
    """An event log as read: the tidy event table, and what the reading did to the file.

    What a reader knows besides the events (which column was which, which rows it left out)
    is kept here rather than in ``DataFrame.attrs``, which pandas drops on the first
    assignment.

    Attributes
    ----------
    events : pandas.DataFrame
        The tidy event table, as :func:`~research_kit.process.read_event_log` returns it.
    source : pathlib.Path
        The file read.
    columns : Mapping of str to str
        Which file column filled each standard column, e.g. ``{"case_id":
        "case:concept:name", …}``.
    unparsed_lines : tuple of int
        With ``errors="drop"``: the ``line`` values of the events left out because their time
        cannot be read (file lines for CSV, event numbers for XES); empty otherwise.
    lifecycle : str or None
        The lifecycle transition kept, when the log records transitions and one was asked for.
    lifecycle_dropped : int
        How many events were left out for having another lifecycle transition.

    Examples
    --------
    >>> raw = pd.DataFrame({"c": ["A", "A"], "a": ["x", "y"], "t": ["2025-01-01", "soon"],
    ...                     "line": [2, 3]})
    >>> reading = tidy_events(raw, Path("log.csv"), {"case_id": "c", "activity": "a",
    ...                                              "timestamp": "t"}, errors="drop")
    >>> len(reading.events), reading.unparsed_lines, reading.columns["activity"]
    (1, (3,), 'a')
    """

    events: pd.DataFrame = field(repr=False)
    source: Path
    columns: Mapping[str, str]
    unparsed_lines: tuple[int, ...] = ()
    lifecycle: str | None = None
    lifecycle_dropped: int = 0


def tidy_events(
    frame: pd.DataFrame,
    path: Path,
    columns: dict[str, str | None],
    *,
    timezone: str = "UTC",
    errors: str = "raise",
    transition: str | None = "complete",
    source_lines: np.ndarray | None = None,
    require_transition: bool = True,
) -> EventLogReading:
    """Turn a raw table of events (text cells and a ``line`` column) into a tidy event table.

    The shared second half of every reader: maps ``columns`` (standard name → the frame's
    column, ``None`` for optional ones not named), filters lifecycle transitions, parses
    timestamps and sorts. ``source_lines`` (XES) gives the file line of event number ``line``
    so that messages can point into the file. ``require_transition=False`` accepts a frame
    with no event of the wanted transition (one chunk of a larger log may have none).

    Returns
    -------
    EventLogReading
        The tidy events and what the reading did (columns used, rows left out).

    Examples
    --------
    >>> raw = pd.DataFrame({"c": ["A", "A"], "a": ["y", "x"],
    ...                     "t": ["2025-01-02", "2025-01-01"], "line": [2, 3]})
    >>> tidy_events(raw, Path("log.csv"), {"case_id": "c", "activity": "a",
    ...                                    "timestamp": "t"}).events["activity"].tolist()
    ['x', 'y']
    """
    check_choices(errors, transition)
    where = _Where(source_lines)
    used = resolve_columns(frame, columns, path)
    events = _standardise(frame, used)
    _check_required_values(events, path, where)
    events, dropped = _filter_lifecycle(events, transition, path, required=require_transition)
    events[TIMESTAMP], bad, outside = parse_timestamps(events[TIMESTAMP], timezone)
    if START in used:
        events[START], bad_start, outside_start = parse_timestamps(
            events[START], timezone, allow_missing=True
        )
        bad, outside = bad | bad_start, outside | outside_start
    if outside.any():
        raise _out_of_range_error(events, outside, path, where)
    unparsed: list[int] = []
    if bad.any():
        events, unparsed = _handle_unparsed(events, bad, path, errors, where)
    filtered = LIFECYCLE in used and transition is not None
    return EventLogReading(
        events=_sort_events(events),
        source=path,
        columns=used,
        unparsed_lines=tuple(unparsed),
        lifecycle=transition if filtered else None,
        lifecycle_dropped=dropped if filtered else 0,
    )


def parse_timestamps(
    values: pd.Series, timezone: str = "UTC", *, allow_missing: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse timestamps to UTC; return the times and masks of unreadable and out-of-range values.

    Values with an offset keep it; values without one are taken in ``timezone``. ISO 8601 is
    read in one vectorised pass; anything else (``03/02/2025 14:05``, stray spaces) goes
    through pandas' mixed-format parser. A time that reads but falls outside what the event
    table can hold (:data:`FIRST_TIME` to :data:`LAST_TIME`, e.g. a mistyped year 0001, 1400 or
    9999) is NaT and marked in the third mask, never moved to another century.

    Examples
    --------
    >>> times, bad, outside = parse_timestamps(
    ...     pd.Series(["2025-01-02T03:04:05Z", "soon", None, "9999-12-31"]), allow_missing=True)
    >>> [str(t) for t in times], bad.tolist(), outside.tolist()
    (['2025-01-02 03:04:05+00:00', 'NaT', 'NaT', 'NaT'], [False, True, False, False], \
[False, False, False, True])
    """
    text = pd.Series(values.to_numpy(dtype=object, na_value=None), index=values.index)
    missing = text.isna().to_numpy() | (text == "").to_numpy()
    present = ~missing
    aware = _offset_mask(text) & present
    naive = present & ~aware
    parsed = np.full(len(text), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    outside = np.zeros(len(text), dtype=bool)
    if aware.any():
        parsed[aware], outside[aware] = _utc_ns(_iso(text[aware], utc=True))
    if naive.any():
        parsed[naive], outside[naive] = _utc_ns(_localise(_iso(text[naive], utc=False), timezone))
    retry = present & np.isnat(parsed) & ~outside
    if retry.any():
        stripped = text[retry].astype(str).str.strip()
        blank = (stripped == "").to_numpy()
        missing[np.flatnonzero(retry)[blank]] = True
        at = np.flatnonzero(retry)[~blank]
        parsed[at], outside[at] = _parse_slow(stripped[~blank], timezone)
    result = pd.Series(parsed, index=values.index).dt.tz_localize("UTC")
    bad = np.isnat(parsed) & ~missing & ~outside
    if not allow_missing:
        bad = bad | missing
    return result, pd.Series(bad, index=values.index), pd.Series(outside, index=values.index)


def event_table(traces: Mapping[Any, Sequence[tuple[Any, ...]]]) -> pd.DataFrame:
    """A small event table made by hand: ``{case: [(activity, time[, start time]), ...]}``.

    Times without an offset are UTC. Useful for examples, tests and what-if sketches.

    Examples
    --------
    >>> event_table({"A": [("Apply", "2025-01-01 09:00"), ("Inspect", "2025-01-03", "2025-01-02")]})
      case_id activity                 timestamp           start_timestamp
    0       A    Apply 2025-01-01 09:00:00+00:00                       NaT
    1       A  Inspect 2025-01-03 00:00:00+00:00 2025-01-02 00:00:00+00:00
    """
    rows = [(case, *event) for case, events in traces.items() for event in events]
    has_start = any(len(row) > 3 for row in rows)
    frame = pd.DataFrame(
        {
            CASE: [row[0] for row in rows],
            ACTIVITY: [row[1] for row in rows],
            TIMESTAMP: pd.to_datetime([row[2] for row in rows], utc=True, format="mixed").as_unit(
                "ns"
            ),
        }
    )
    if has_start:
        starts = [row[3] if len(row) > 3 else None for row in rows]
        frame[START] = pd.to_datetime(starts, utc=True, format="mixed").as_unit("ns")
    frame[CASE] = frame[CASE].astype("str")
    frame[ACTIVITY] = frame[ACTIVITY].astype("str")
    return frame


def _offset_mask(text: pd.Series) -> np.ndarray:
    """Which values end in a UTC offset; the pattern runs on the few distinct endings only."""
    tails = text.str.slice(-6)
    endings = [t for t in pd.unique(tails) if isinstance(t, str) and _HAS_OFFSET.search(t.strip())]
    return tails.isin(endings).to_numpy()


def _parse_slow(text: pd.Series, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """Stripped values ISO 8601 could not read, as naive-UTC datetime64[ns] (NaT if unreadable),
    with the mask of those that read but are out of range.

    A whole column in one non-ISO format (``03/02/2025 14:05`` from a spreadsheet) is read in
    one pass with the format guessed from its first value (month first, as pandas does); what
    is left goes value by value through pandas' general parser, offset or not.
    """
    out = np.full(len(text), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    outside = np.zeros(len(text), dtype=bool)
    guessed = guess_datetime_format(text.iloc[0]) if len(text) else None
    if guessed:
        aware = "%z" in guessed or "%Z" in guessed
        try:
            times = pd.to_datetime(text, format=guessed, errors="coerce", utc=aware)
            out, outside = _utc_ns(times if aware else _localise(times, timezone))
        except (ValueError, TypeError):
            pass
    left = np.flatnonzero(np.isnat(out) & ~outside)
    for at, value in zip(left, text.iloc[left], strict=True):
        out[at], outside[at] = _one_timestamp(value, timezone)
    return out, outside


def _one_timestamp(value: str, timezone: str) -> tuple[np.datetime64, bool]:
    """One value as naive-UTC datetime64[ns] (NaT if unreadable) and whether it is out of range."""
    unread = np.datetime64("NaT", "ns")
    try:
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return unread, False
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
            if stamp is pd.NaT:
                return unread, False
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    except (ValueError, TypeError, OverflowError):
        return unread, False
    if not FIRST_TIME <= stamp <= LAST_TIME:
        return unread, True
    return stamp.as_unit("ns").to_datetime64(), False


def _iso(text: pd.Series, *, utc: bool) -> pd.Series:
    """ISO 8601 in one vectorised pass; all NaT when pandas refuses the batch (mixed zones)."""
    try:
        return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=utc)
    except (ValueError, TypeError):
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")


def _localise(local: pd.Series, timezone: str) -> pd.Series:
    if local.dt.tz is not None:  # pandas read an offset the pattern did not see
        return local.dt.tz_convert("UTC")
    return local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")


def _utc_ns(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Naive UTC datetime64[ns] values of a parsed series (NaT kept), and which were out of range.

    pandas reads years like 0001 or 9999 at a coarser unit; casting those to nanoseconds would
    silently wrap them into another century, so they become NaT and are marked instead.
    """
    if times.dt.tz is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    coarse = times.to_numpy(dtype="datetime64[us]", copy=True)  # holds any year pandas reads
    outside = ~np.isnat(coarse) & ((coarse < _FIRST_US) | (coarse > _LAST_US))
    coarse[outside] = np.datetime64("NaT")
    return coarse.astype("datetime64[ns]"), outside


def check_choices(errors: str, transition: str | None) -> None:
    """Refuse ``errors`` and ``transition`` values that no event-log reader accepts.

    Readers call it before opening a file, so a mistyped option fails at once.

    Examples
    --------
    >>> check_choices("raise", "complete")
    >>> check_choices("ignore", None)
    Traceback (most recent call last):
    ...
    ValueError: errors must be 'raise' or 'drop', not 'ignore'
    """
    if errors not in ("raise", "drop"):
        raise ValueError(f"errors must be 'raise' or 'drop', not {errors!r}")
    if transition is not None and not isinstance(transition, str):
        raise ValueError(f"transition must be a string or None, not {transition!r}")


def resolve_columns(
    frame: pd.DataFrame, columns: dict[str, str | None], path: Path
) -> dict[str, str]:
    """Standard name → the frame's column, using XES standard names where a name is missing.

    Raises :class:`~research_kit.errors.EventLogError` when a named column is missing or one
    column is named for two roles.

    Examples
    --------
    >>> raw = pd.DataFrame(columns=["case:concept:name", "concept:name", "when"])
    >>> resolve_columns(raw, {"timestamp": "when"}, Path("log.csv"))
    {'case_id': 'case:concept:name', 'activity': 'concept:name', 'timestamp': 'when'}
    """
    present = set(map(str, frame.columns))
    used: dict[str, str] = {}
    for role in (CASE, ACTIVITY, TIMESTAMP):
        name = columns.get(role) or role
        if name not in present and XES_NAMES[role] in present:
            name = XES_NAMES[role]
        require_columns(frame, {_ROLES[role]: name}, path, EventLogError)
        used[role] = name
    for role in (START, RESOURCE, LIFECYCLE):
        name = columns.get(role)
        if name:
            require_columns(frame, {_ROLES[role]: name}, path, EventLogError)
            used[role] = name
        elif role in XES_NAMES and XES_NAMES[role] in present and role not in present:
            used[role] = XES_NAMES[role]
        elif role == START and START in present:  # pm4py's name for it, in CSV as in XES
            used[role] = START
    doubled = pd.Series(list(used.values())).duplicated()
    if doubled.any():
        name = list(used.values())[int(np.flatnonzero(doubled)[0])]
        roles = [_ROLES[role] for role, column in used.items() if column == name]
        raise EventLogError(
            f"the column {name!r} is named for both the {roles[0]} and the {roles[1]}",
            path=path,
            line=1,
            hint="name a different column for each",
        )
    return used


def _standardise(frame: pd.DataFrame, used: dict[str, str]) -> pd.DataFrame:
    renames = {source: role for role, source in used.items()}
    clashing = [c for c in frame.columns if c in renames.values() and c not in renames]
    others = [c for c in frame.columns if c not in renames and c not in clashing and c != "line"]
    events = frame[[*renames, *others, "line"]].rename(columns=renames)
    return events


def _check_required_values(events: pd.DataFrame, path: Path, where: _Where) -> None:
    for column, what in ((CASE, "case id"), (ACTIVITY, "activity")):
        missing = events[column].isna().to_numpy()
        if missing.any():
            lines = events["line"].to_numpy()[missing].tolist()
            shown, line = where(lines)
            raise EventLogError(
                f"{len(lines)} event(s) have no {what} (first on {where.first(lines)})",
                path=path,
                line=line,
                hint=f"fill in the {what} or remove those rows ({shown})",
            )


def _filter_lifecycle(
    events: pd.DataFrame, transition: str | None, path: Path, *, required: bool = True
) -> tuple[pd.DataFrame, int]:
    if transition is None or LIFECYCLE not in events:
        return events, 0
    values = events[LIFECYCLE]
    wanted = transition.strip().casefold()
    spellings = [v for v in pd.unique(values) if str(v).strip().casefold() == wanted]
    keep = values.isin(spellings).to_numpy()
    if wanted == "complete":  # the XES lifecycle extension's default
        keep = keep | values.isna().to_numpy()
    dropped = int((~keep).sum())
    if dropped == 0:
        return events, 0
    if required and not keep.any():
        raise no_transition_error(transition, path)
    return events.loc[keep], dropped


def no_transition_error(transition: str, path: Path) -> EventLogError:
    """The error for a log in which no event has the lifecycle transition asked for.

    Examples
    --------
    >>> print(no_transition_error("complete", Path("log.csv")).hint)  # doctest: +ELLIPSIS
    pass transition=None ...
    """
    return EventLogError(
        f"no event has the lifecycle transition {transition!r}",
        path=path,
        hint="pass transition=None (lifecycle=None for read_xes) to keep every event, or "
        "name the transition to keep",
    )


def _handle_unparsed(
    events: pd.DataFrame, bad: pd.Series, path: Path, errors: str, where: _Where
) -> tuple[pd.DataFrame, list[int]]:
    mask = bad.to_numpy()
    lines = events["line"].to_numpy()[mask].tolist()
    if errors == "drop":
        return events.loc[~mask], lines
    shown, line = where(lines)
    raise EventLogError(
        f"{len(lines)} timestamp(s) cannot be read ({shown})",
        path=path,
        line=line,
        hint="write times as ISO 8601 (2025-03-04T09:15:00-08:00), or pass errors='drop' "
        "to leave those rows out",
    )


def _out_of_range_error(
    events: pd.DataFrame, outside: pd.Series, path: Path, where: _Where
) -> EventLogError:
    lines = events["line"].to_numpy()[outside.to_numpy()].tolist()
    shown, line = where(lines)
    return EventLogError(
        f"{len(lines)} timestamp(s) fall outside {FIRST_TIME:%Y-%m-%d} to "
        f"{LAST_TIME:%Y-%m-%d}, the times an event table can hold ({shown})",
        path=path,
        line=line,
        hint="correct the year (a typo such as 0001, 1400 or 9999?) or remove those rows; "
        "they are not moved to another century or dropped",
    )


def _sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """Case (first appearance), then time; np.lexsort is stable, so file order breaks ties."""
    codes, _ = pd.factorize(events[CASE])
    times = events[TIMESTAMP].to_numpy(dtype="datetime64[ns]").view("i8")
    order = np.lexsort((times, codes))
    if not np.array_equal(order, np.arange(len(order))):
        events = events.take(order)
    return events.reset_index(drop=True)


class _Where:
    """Describe event rows by CSV line, or by XES event number and file line."""

    def __init__(self, source_lines: np.ndarray | None) -> None:
        self.source_lines = source_lines

    def __call__(self, lines: Sequence[int]) -> tuple[str, int]:
        more = " …" if len(lines) > 5 else ""
        if self.source_lines is None:
            return "lines " + ", ".join(map(str, lines[:5])) + more, int(lines[0])
        file_lines = [int(self.source_lines[n - 1]) for n in lines[:5]]
        shown = (
            "events "
            + ", ".join(map(str, lines[:5]))
            + more
            + "; file lines "
            + ", ".join(map(str, file_lines))
            + more
        )
        return shown, file_lines[0]

    def first(self, lines: Sequence[int]) -> str:
        if self.source_lines is None:
            return f"line {lines[0]}"
        return f"event {lines[0]}, file line {int(self.source_lines[lines[0] - 1])}"

"""Event tables and mined graphs out: CSV and XES logs other tools read, and the DFG as a table.

A filtered event table (:mod:`research_kit.process.filters`) often has to go on to pm4py,
ProM, Disco or Celonis, and a mined directly-follows graph into a report or a spreadsheet:

- :func:`save_event_log_csv` writes the table with the XES standard column names
  (``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``,
  ``lifecycle:transition``; ``start_timestamp`` as pm4py names it), times as ISO 8601 in UTC,
  cells that a spreadsheet would run as formulas neutralised (unless asked not to);
- :func:`save_event_log_xes` writes XES (IEEE 1849-2016, read by pm4py and ProM; ``.xes.gz``
  is gzipped) with the concept, time, lifecycle and organizational extensions: one trace per
  case, its ``case:<key>`` columns (and any named in ``case_attributes``) as trace attributes,
  the other columns as event attributes typed as ``string``, ``int``, ``float``, ``boolean``
  or ``date``; missing values are left out, as XES does. Events are written as they stream,
  so memory stays one case;
- :func:`dfg_table` and :func:`save_dfg` give the DFG with waits in seconds, as CSV or JSON.

Both logs read back with :func:`~research_kit.process.read_event_log` to the table written
(trace attributes come back as ``case:<key>`` columns).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from research_kit.privacy.spreadsheet import safe_for_spreadsheet
from research_kit.process.events import ACTIVITY, CASE, LIFECYCLE, RESOURCE, START, TIMESTAMP

#: Column names written for the standard columns (the XES standard names; pm4py's for start).
EXPORT_NAMES = {
    CASE: "case:concept:name",
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    START: "start_timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
}
_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
_CASE_PREFIX = "case:"


def save_event_log_csv(log: pd.DataFrame, path: Path | str, *, formula_safe: bool = True) -> Path:
    """Write an event table as CSV with the XES standard column names; return the path.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table (see :func:`~research_kit.process.read_event_log`); its ``line``
        column (where each event was in the file read) is left out.
    path : Path or str
        Where to write (UTF-8).
    formula_safe : bool
        Quote text cells a spreadsheet would run as formulas (``=…``, ``+…``) with a leading
        apostrophe, as every export of the project does; False writes them unchanged (for a
        file only process-mining tools will read).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.process import event_table, read_event_log
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-02")]})
    >>> path = save_event_log_csv(log, pathlib.Path(tempfile.mkdtemp()) / "log.csv")
    >>> path.read_text().splitlines()[:2]
    ['case:concept:name,concept:name,time:timestamp', 'A,Apply,2025-01-01T09:00:00.000000+00:00']
    >>> read_event_log(path)["activity"].tolist()
    ['Apply', 'Review']
    """
    path = Path(path)
    frame = log.drop(columns=["line"], errors="ignore")
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = _iso_times(frame[column])
    frame = frame.rename(columns=EXPORT_NAMES)
    if formula_safe:
        frame = safe_for_spreadsheet(frame)
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def save_event_log_xes(
    log: pd.DataFrame, path: Path | str, *, case_attributes: Sequence[str] = ()
) -> Path:
    """Write an event table as an XES log (IEEE 1849); ``.xes.gz`` is gzipped. Return the path.

    Parameters
    ----------
    log : pandas.DataFrame
        An event table; its ``line`` column is left out.
    path : Path or str
        Where to write.
    case_attributes : sequence of str
        Columns to write once per trace besides the ``case:<key>`` ones (their first value
        in the case); they read back as ``case:<column>``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.process import event_table, read_event_log
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-02")]})
    >>> log["ward"] = "Ward 3"
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes"
    >>> _ = save_event_log_xes(log, path, case_attributes=["ward"])
    >>> back = read_event_log(path)
    >>> back["activity"].tolist(), back["case:ward"].tolist()
    (['Apply', 'Review'], ['Ward 3', 'Ward 3'])
    """
    path = Path(path)
    frame = log.drop(columns=["line"], errors="ignore").rename(columns=EXPORT_NAMES)
    trace_columns = [
        c for c in frame.columns if c.startswith(_CASE_PREFIX) and c != "case:concept:name"
    ]
    trace_keys = {c: c.removeprefix(_CASE_PREFIX) for c in trace_columns}
    for column in case_attributes:
        trace_keys[EXPORT_NAMES.get(column, column)] = column
    event_columns = [c for c in frame.columns if c not in trace_keys and c != "case:concept:name"]
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "wb") as raw, etree.xmlfile(raw, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element(
            "log", {"xes.version": "1849-2016", "xmlns": "http://www.xes-standard.org/"}
        ):
            for name, prefix, uri in _EXTENSIONS:
                xml.write(etree.Element("extension", name=name, prefix=prefix, uri=uri))
            xml.write(etree.Element("classifier", name="Activity", keys="concept:name"))
            cases = frame.groupby(CASE_COLUMN, sort=False, dropna=False).indices
            # One object array per column, taken once: per-case column access is quadratic.
            values = {column: frame[column].to_numpy(dtype=object) for column in frame.columns}
            for case_id, rows in cases.items():
                xml.write(_trace(values, case_id, rows, trace_keys, event_columns))
    return path


CASE_COLUMN = EXPORT_NAMES[CASE]


def _trace(
    values: dict[str, np.ndarray],
    case_id: object,
    rows: np.ndarray,
    trace_keys: dict[str, str],
    event_columns: list[str],
) -> etree._Element:
    trace = etree.Element("trace")
    _attribute(trace, "concept:name", str(case_id))
    for column, key in trace_keys.items():
        _attribute(trace, key, values[column][rows[0]])
    for row in rows:
        event = etree.SubElement(trace, "event")
        for column in event_columns:
            _attribute(event, column, values[column][row])
    return trace


def _attribute(parent: etree._Element, key: str, value: object) -> None:
    """One typed XES attribute; missing values are left out."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return
    if value is pd.NA:
        return
    if isinstance(value, pd.Timestamp):
        tag, text = "date", value.tz_convert("UTC").isoformat(timespec="microseconds")
    elif isinstance(value, bool | np.bool_):
        tag, text = "boolean", str(bool(value)).lower()
    elif isinstance(value, int | np.integer):
        tag, text = "int", str(int(value))
    elif isinstance(value, float | np.floating):
        tag, text = "float", repr(float(value))
    else:
        tag, text = "string", str(value)
    etree.SubElement(parent, tag, key=key, value=text)


def dfg_table(dfg: pd.DataFrame) -> pd.DataFrame:
    """A DFG as a plain table: waits as seconds (``mean_seconds`` …), ready for CSV or JSON.

    Examples
    --------
    >>> from research_kit.process import directly_follows, event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-01 10:00")]})
    >>> table = dfg_table(directly_follows(log))
    >>> table[["source", "target", "count", "mean_seconds"]].values.tolist()
    [['Apply', 'Review', 1, 3600.0]]
    """
    table = dfg.copy()
    for column in dfg.columns:
        if pd.api.types.is_timedelta64_dtype(dfg[column]):
            table[column] = dfg[column].dt.total_seconds()
            table = table.rename(columns={column: f"{column}_seconds"})
    return table


def save_dfg(dfg: pd.DataFrame, path: Path | str) -> Path:
    """Write a DFG (see :func:`dfg_table`) as CSV, or as JSON records when ``path`` ends in .json.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from research_kit.process import directly_follows, event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01 09:00"), ("Review", "2025-01-01 10:00")]})
    >>> path = save_dfg(directly_follows(log), pathlib.Path(tempfile.mkdtemp()) / "dfg.json")
    >>> json.loads(path.read_text())[0]["count"]
    1
    """
    path = Path(path)
    table = dfg_table(dfg)
    if path.suffix.lower() == ".json":
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        path.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
    else:
        safe_for_spreadsheet(table).to_csv(path, index=False, encoding="utf-8")
    return path


def _iso_times(times: pd.Series) -> pd.Series:
    """UTC times as ISO 8601 text with microseconds and offset; missing stay missing."""
    text = times.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return text.where(times.notna(), None)


__all__ = [
    "EXPORT_NAMES",
    "dfg_table",
    "save_dfg",
    "save_event_log_csv",
    "save_event_log_xes",
]

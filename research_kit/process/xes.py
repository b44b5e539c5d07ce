"""XES event logs (``.xes``, ``.xes.gz``) → the same tidy event table as CSV logs.

XES (IEEE 1849) is the exchange format of process-mining tools (ProM, Disco, Celonis, pm4py):
an XML ``<log>`` of ``<trace>`` elements (cases) holding ``<event>`` elements, each with typed
attributes (``<string key=… value=…/>``, ``<date>``, ``<int>``, ``<float>``, ``<boolean>``,
``<id>``). :func:`read_xes` streams the file with lxml (each event is cleared once read, so
memory follows the table, not the XML tree) and hands the columns to the same mapping, time
parsing, lifecycle filtering and stable ordering as CSV logs
(:func:`research_kit.process.events.tidy_events`).

XML can be made to do harm: a DTD can expand entities a billion-fold ("billion laughs") or
read local files and URLs (XXE). XES needs no DTD, so a file that declares one is refused
before parsing, and the parser is set to resolve no entities and fetch nothing.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from lxml import etree

from research_kit.errors import EventLogError
from research_kit.process.events import (
    ACTIVITY,
    CASE,
    LIFECYCLE,
    RESOURCE,
    START,
    TIMESTAMP,
    XES_NAMES,
    EventLogReading,
    parse_timestamps,
    tidy_events,
)
from research_kit.rawfiles import open_raw

_CHUNK = 1 << 20
_PROLOG_LIMIT = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
#: Distinct values of one attribute kept as shared string objects (the rest are stored as read).
_INTERN_LIMIT = 50_000
_TYPED = {"string", "date", "int", "float", "boolean", "id"}


def read_xes(
    path: Path | str,
    *,
    timezone: str = "UTC",
    lifecycle: str | None = "complete",
    errors: str = "raise",
    case: str = "case:concept:name",
    activity: str = "concept:name",
    timestamp: str = "time:timestamp",
    start_timestamp: str | None = None,
    resource: str | None = None,
) -> pd.DataFrame:
    """Read an XES event log (``.xes`` or gzip-compressed ``.xes.gz``) into a tidy event table.

    Parameters
    ----------
    path : Path or str
        The XES file.
    timezone : str
        Time zone of ``date`` values written without an offset (XES requires one; some tools
        leave it out).
    lifecycle : str or None
        When events carry ``lifecycle:transition``, keep only those with this transition
        (events without one count as ``"complete"``;
        :func:`~research_kit.process.read_event_log_with_details` counts those left out).
        ``None`` keeps every event, as pm4py does.
    errors : {"raise", "drop"}
        What to do with events whose time is missing or unreadable: raise an error naming
        them, or drop them (:func:`~research_kit.process.read_event_log_with_details` lists
        their event numbers).
    case, activity, timestamp : str
        Which columns hold the case id, activity and time; trace attributes are named
        ``case:<key>``, so the trace name is ``case:concept:name``.
    start_timestamp, resource : str, optional
        Columns holding a start time and the resource (``start_timestamp`` and
        ``org:resource`` when not named).

    Returns
    -------
    pandas.DataFrame
        ``case_id`` (the trace's ``concept:name``), ``activity`` (the event's
        ``concept:name``), ``timestamp`` (``time:timestamp`` in UTC), ``resource`` and
        ``lifecycle`` when present, every other event attribute as a column (typed: ``int`` →
        Int64, ``float`` → float64, ``boolean`` → boolean, ``date`` → UTC datetime), trace
        attributes as ``case:<key>`` columns, and ``line``: the 1-based number of the event
        in the file. Sorted by case (first appearance) and time, file order kept for ties.
        Nested attributes are read for their own value; their children and ``<list>`` /
        ``<container>`` attributes are skipped.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes"
    >>> _ = path.write_text('''<?xml version="1.0" encoding="UTF-8"?>
    ... <log xes.version="1.0">
    ...   <trace><string key="concept:name" value="permit-1"/>
    ...     <string key="ward" value="Ward 3"/>
    ...     <event><string key="concept:name" value="Review"/>
    ...       <date key="time:timestamp" value="2025-03-05T10:00:00.000-08:00"/>
    ...       <int key="pages" value="12"/></event>
    ...     <event><string key="concept:name" value="Apply"/>
    ...       <date key="time:timestamp" value="2025-03-04T09:00:00.000-08:00"/></event>
    ...   </trace>
    ... </log>''')
    >>> log = read_xes(path)
    >>> log[["case_id", "activity", "case:ward", "line"]].values.tolist()
    [['permit-1', 'Apply', 'Ward 3', 2], ['permit-1', 'Review', 'Ward 3', 1]]
    >>> str(log["timestamp"].iloc[0]), str(log["pages"].dtype)
    ('2025-03-04 17:00:00+00:00', 'Int64')
    """
    reading = read_xes_table(
        path,
        columns={
            CASE: case,
            ACTIVITY: activity,
            TIMESTAMP: timestamp,
            START: start_timestamp,
            RESOURCE: resource,
            LIFECYCLE: None,
        },
        timezone=timezone,
        errors=errors,
        transition=lifecycle,
    )
    return reading.events


def read_xes_table(
    path: Path | str,
    *,
    columns: dict[str, str | None],
    timezone: str = "UTC",
    errors: str = "raise",
    transition: str | None = "complete",
) -> EventLogReading:
    """Read an XES log with an explicit column mapping (what ``read_event_log`` calls).

    ``columns`` maps the standard names (``case_id``, ``activity``, ``timestamp``,
    ``start_timestamp``, ``resource``, ``lifecycle``) to attribute columns; a name that is
    missing falls back to the XES standard one.

    Returns
    -------
    EventLogReading
        The tidy events (attributes typed by their XES type) and how they were read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes"
    >>> _ = path.write_text('<log><trace><string key="concept:name" value="1"/><event>'
    ...     '<string key="concept:name" value="a"/><string key="step" value="A1"/>'
    ...     '<date key="time:timestamp" value="2025-01-01T00:00:00Z"/></event></trace></log>')
    >>> read_xes_table(path, columns={"activity": "step"}).events["activity"].tolist()
    ['A1']
    """
    path = Path(path)
    columns = dict(columns)
    for role in (CASE, ACTIVITY, TIMESTAMP):  # the generic defaults mean "the XES standard"
        if columns.get(role) in (None, role):
            columns[role] = XES_NAMES[role]
    frame, kinds, source_lines = _parse(path)
    reading = tidy_events(
        frame,
        path,
        columns,
        timezone=timezone,
        errors=errors,
        transition=transition,
        source_lines=source_lines,
    )
    events = reading.events
    standard = set(reading.columns.values())
    for name, kind in kinds.items():
        if name in events and name not in standard:
            events[name] = _typed(events[name], kind, timezone)
    return reading


# -- streaming parser ------------------------------------------------------------------------------
class _Column:
    """One attribute's values, stored sparsely: the rows that have it and what they hold.

    ``tag`` is the XML element of the first value (``string``, ``int`` …), ``None`` once two
    values came in different types. Repeated values share one string object up to
    ``_INTERN_LIMIT`` distinct values, which keeps memory near the table's own size.
    """

    __slots__ = ("rows", "seen", "tag", "values")

    def __init__(self, tag: str) -> None:
        self.tag: str | None = tag
        self.rows: list[int] = []
        self.values: list[str] = []
        self.seen: dict[str, str] = {}

    def kind(self) -> str:
        if self.tag is None:
            return "mixed"
        kind = self.tag.rpartition("}")[2]
        return kind if kind in _TYPED else "string"

    def dense(self, size: int) -> np.ndarray:
        out = np.full(size, None, dtype=object)
        if self.rows:
            # the last value wins when an element repeats a key (as pm4py does)
            out[np.asarray(self.rows, dtype=np.int64)] = np.asarray(self.values, dtype=object)
        return out


class _Reader:
    """Collects events and trace attributes from the parser's ``end`` events."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: dict[str, _Column] = {}
        self.traces: dict[str, _Column] = {}
        self.trace_of_event: list[int] = []
        self.source_lines: list[int] = []
        self.n_traces = 0

    def read(self, parser: etree.XMLPullParser) -> None:
        trace_of_event, source_lines = self.trace_of_event, self.source_lines
        for _, element in parser.read_events():
            if element.tag.endswith("trace"):  # the parser reports only <event> and <trace>
                self._trace(element)
                continue
            parent = element.getparent()
            if parent is None or _local(parent.tag) != "trace":
                raise EventLogError(
                    "has an <event> outside any <trace>",
                    path=self.path,
                    line=element.sourceline,
                    hint="every event must sit inside the <trace> of its case",
                )
            _collect(element, len(trace_of_event), self.events)
            trace_of_event.append(self.n_traces)
            source_lines.append(element.sourceline or 0)
            element.clear()

    def _trace(self, element: etree._Element) -> None:
        _collect(element, self.n_traces, self.traces)
        self.n_traces += 1
        element.clear()
        parent = element.getparent()
        if parent is not None:  # drop finished traces and the log's own attributes
            while element.getprevious() is not None:
                del parent[0]

    def frame(self) -> tuple[pd.DataFrame, dict[str, str]]:
        size = len(self.trace_of_event)
        data: dict[str, pd.Series] = {}
        kinds: dict[str, str] = {}
        for key, column in self.events.items():
            data[key] = pd.Series(column.dense(size), dtype="str")
            kinds[key] = column.kind()
        trace_index = np.asarray(self.trace_of_event, dtype=np.int64)
        for key, column in self.traces.items():
            name = f"case:{key}"
            data[name] = pd.Series(column.dense(self.n_traces)[trace_index], dtype="str")
            kinds[name] = column.kind()
        frame = pd.DataFrame(data, index=pd.RangeIndex(size))
        frame["line"] = np.arange(1, size + 1)
        return frame, kinds


def _collect(element: etree._Element, row: int, into: dict[str, _Column]) -> None:
    """Store the attributes of one event or trace (the hot loop: kept small on purpose)."""
    get = into.get
    for child in element:
        key = child.get("key")
        if key is None:
            continue  # a cleared <event> inside a trace, or not an attribute
        value = child.get("value")
        if value is None:
            continue  # <list> and <container> hold children, not a value: skipped
        column = get(key)
        if column is None:
            column = into[key] = _Column(child.tag)
        elif column.tag is not None and child.tag != column.tag:
            column.tag = None
        seen = column.seen
        shared = seen.get(value)
        if shared is None:
            shared = value
            if len(seen) < _INTERN_LIMIT:
                seen[value] = value
        column.rows.append(row)
        column.values.append(shared)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse(path: Path) -> tuple[pd.DataFrame, dict[str, str], np.ndarray]:
    parser = etree.XMLPullParser(
        events=("end",),
        tag=("{*}event", "{*}trace"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    reader = _Reader(path)
    try:
        with _open(path) as stream:
            parser.feed(_prolog(stream, path))
            reader.read(parser)
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
                reader.read(parser)
            root = parser.close()
            reader.read(parser)
    except etree.XMLSyntaxError as exc:
        if "limit exceeded" in (exc.msg or "").lower():
            raise EventLogError(
                "has a single value or element over the XML parser's 10 MB safety limit",
                path=path,
                line=exc.lineno or None,
                hint="shorten that attribute value (an event log needs no 10 MB cell), or "
                "export the log as CSV",
            ) from exc
        raise EventLogError(
            f"is not complete, valid XML ({exc.msg})",
            path=path,
            line=exc.lineno or None,
            hint="the file may have been cut off while copying or exporting; export it again",
        ) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise EventLogError(
            f"cannot be decompressed ({exc})",
            path=path,
            hint="the .gz file is damaged or cut off; copy or export it again",
        ) from exc
    except OSError as exc:
        raise EventLogError(
            f"cannot be read ({exc})", path=path, hint="check the file and its permissions"
        ) from exc
    if root.getroottree().docinfo.doctype:  # a DTD the prolog check did not see: still refused
        raise _doctype_error(path)
    if _local(root.tag) != "log":
        raise EventLogError(
            f"is not an XES log (its root element is <{_local(root.tag)}>, not <log>)",
            path=path,
            line=root.sourceline,
            hint="export the log as XES, or as CSV and read that",
        )
    if not reader.trace_of_event:
        raise EventLogError(
            "has no events", path=path, hint="check that the export includes the traces"
        )
    frame, kinds = reader.frame()
    return frame, kinds, np.asarray(reader.source_lines, dtype=np.int64)


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    """Open the file, decompressing gzip (recognised by its magic bytes, not only its name)."""
    try:
        with open_raw(path, error_class=EventLogError) as raw:
            magic = raw.read(2)
            raw.seek(0)
            if magic == _GZIP_MAGIC:
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    yield unzipped
                return
            if path.name.lower().endswith(".gz"):
                raise EventLogError(
                    "is named .gz but is not gzip-compressed",
                    path=path,
                    hint="rename it to .xes if it is plain XES, or compress it again with gzip",
                )
            yield raw
    except PermissionError as exc:
        raise EventLogError(
            f"cannot be read ({exc.strerror})", path=path, hint="check the file's permissions"
        ) from exc


def _prolog(stream: IO[bytes], path: Path) -> bytes:
    """Read up to the root element, refusing a DOCTYPE (the door to XXE and billion laughs)."""
    head = b""
    while True:
        chunk = stream.read(_CHUNK if head else 64 * 1024)
        head += chunk
        if not head.strip():
            raise EventLogError(
                "the file is empty", path=path, hint="export it again or remove it from the study"
            )
        state = _scan_prolog(_prolog_text(head))
        if state == "doctype":
            raise _doctype_error(path)
        if state == "text":
            raise EventLogError(
                "is not XML (it does not start with '<')",
                path=path,
                line=1,
                hint="point at the .xes file itself, or read a CSV log as CSV",
            )
        if state == "root" or not chunk:
            return head
        if len(head) > _PROLOG_LIMIT:
            raise EventLogError(
                "has over 1 MiB before its first element",
                path=path,
                line=1,
                hint="this does not look like an XES export; export the log again",
            )


def _doctype_error(path: Path) -> EventLogError:
    return EventLogError(
        "declares a DOCTYPE (a DTD), which XES logs never need; it is refused because it can "
        "expand entities without end (billion laughs) or read other files (XXE)",
        path=path,
        line=1,
        hint="remove the <!DOCTYPE …> declaration, or export the log again from the "
        "process-mining tool",
    )


def _prolog_text(head: bytes) -> str:
    even = head[: len(head) // 2 * 2]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return even.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):  # UTF-16 without a byte-order mark
        return even.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return even.decode("utf-16-be", errors="replace")
    return head.decode("latin-1").removeprefix("\xef\xbb\xbf")


def _scan_prolog(text: str) -> str:
    """``root``, ``doctype``, ``text`` (not XML) or ``more`` (prolog not finished yet)."""
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n\ufeff":
            at += 1
        rest = text[at : at + 4]
        if not rest:
            return "more"
        if rest[0] != "<":
            return "text"
        if rest.startswith("<?"):
            end, close = text.find("?>", at), 2
        elif rest == "<!--":
            end, close = text.find("-->", at), 3
        elif rest.startswith("<!"):
            return "more" if len(rest) < 4 and "<!--".startswith(rest) else "doctype"
        elif len(rest) < 2:
            return "more"
        else:
            return "root"
        if end < 0:
            return "more"
        at = end + close


def _typed(values: pd.Series, kind: str, timezone: str) -> pd.Series:
    """Convert one attribute column by its XES type; values that do not fit keep it text."""
    present = values.notna()
    if kind in ("int", "float"):
        numbers = pd.to_numeric(values, errors="coerce")
        if (numbers.notna() == present).all():
            if kind == "float":
                return numbers.astype("float64")
            whole = _whole_numbers(numbers)
            if whole is not None:  # 1.5 or 10**30 is not: it stays text, as written
                return whole
    elif kind == "boolean":
        flags = values.str.strip().str.lower().map({"true": True, "false": False})
        if (flags.notna() == present).all():
            return flags.astype("boolean")
    elif kind == "date":
        times, bad, outside = parse_timestamps(values, timezone, allow_missing=True)
        if not (bad.any() or outside.any()):  # else kept as text, never wrapped or lost
            return times
    return values


def _whole_numbers(numbers: pd.Series) -> pd.Series | None:
    """``numbers`` as ``Int64`` when each is exactly a whole number that fits, else None.

    pandas reads a column with a gap or a huge value as floats, which hold whole numbers
    exactly only up to 2**53; beyond that a cast would change or wrap the value.
    """
    if pd.api.types.is_integer_dtype(numbers.dtype):
        return numbers.astype("Int64")
    floats = numbers.astype("float64").dropna()
    if ((floats % 1 == 0) & (floats.abs() <= 2**53)).all():
        return numbers.astype("float64").astype("Int64")
    return None

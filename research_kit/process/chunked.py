"""Mining an event-log CSV larger than memory: read with Apache Arrow in chunks, counts merged.

:func:`mine_csv_in_chunks` gives what :func:`~research_kit.process.directly_follows`,
:func:`~research_kit.process.variants`, :func:`~research_kit.process.start_activities` and
:func:`~research_kit.process.end_activities` give on ``read_event_log(path)`` — the same
tables, row for row — without ever holding the whole log. Arrow's streaming CSV reader
(``pyarrow.csv.open_csv``) yields record batches; each batch of at most ``chunk_rows`` rows is
tidied exactly as :func:`~research_kit.process.read_event_log` tidies a file (same columns,
time zones, formats, lifecycle filter and errors, with file line numbers), and mined.

A case must be mined whole, so the reader has to see each case's events together:

- ``grouped=True`` (default) expects the file to hold each case's events on consecutive rows,
  in any time order — how exports by case (and pm4py's CSV export) are written. The events of
  the last case of a chunk are carried over to the next chunk, so cases may straddle chunk
  boundaries. A case that reappears after other cases is reported as an error naming its
  line (detected through a 64-bit hash of every finished case id, 8 bytes a case).
- ``grouped=False`` takes rows in any order (a log sorted by time): a first pass spreads the
  rows over ``buckets`` temporary Arrow IPC files by a hash of the case id, so each case lands
  whole in one bucket, and a second pass mines bucket by bucket. It reads the data twice and
  needs free disk space about the size of the log.

Memory: one chunk (plus a carried-over case, or one bucket) and the merged counts; with
``performance=True`` also 8 bytes per directly-follows pair (its wait, kept by edge), because
exact medians and 90th percentiles need every wait.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
from tqdm.auto import tqdm

from research_kit.errors import EventLogError
from research_kit.process._arrays import ARROW, event_arrays, group_stats, sort_rows
from research_kit.process._arrow_csv import csv_chunks
from research_kit.process.events import (
    ACTIVITY,
    CASE,
    LIFECYCLE,
    RESOURCE,
    START,
    TIMESTAMP,
    check_choices,
    no_transition_error,
    resolve_columns,
    tidy_events,
)
from research_kit.process.variant import variants


@dataclass(frozen=True)
class ChunkedMining:
    """What :func:`mine_csv_in_chunks` found: the tables, and what the reading left out.

    Attributes
    ----------
    dfg : pandas.DataFrame
        As :func:`~research_kit.process.directly_follows` returns it.
    variants : pandas.DataFrame
        As :func:`~research_kit.process.variants` returns it.
    start_activities, end_activities : pandas.DataFrame
        As :func:`~research_kit.process.start_activities` and ``end_activities`` return them.
    events, cases : int
        Events mined (after the lifecycle filter) and cases.
    unparsed_lines : tuple of int
        With ``errors="drop"``: file lines left out because their time cannot be read.
    lifecycle_dropped : int
        Events left out for another lifecycle transition.
    """

    dfg: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    start_activities: pd.DataFrame = field(repr=False)
    end_activities: pd.DataFrame = field(repr=False)
    events: int
    cases: int
    unparsed_lines: tuple[int, ...] = ()
    lifecycle_dropped: int = 0


def mine_csv_in_chunks(
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
    performance: bool = True,
    use_start: bool = True,
    chunk_rows: int = 500_000,
    grouped: bool = True,
    buckets: int = 32,
    progress: bool = True,
) -> ChunkedMining:
    """Mine a CSV event log in chunks read by Arrow: DFG, variants, start and end activities.

    Parameters
    ----------
    path : Path or str
        A CSV event log (UTF-8 or cp1252; XES is read whole by
        :func:`~research_kit.process.read_event_log`).
    case, activity, timestamp, start_timestamp, resource, lifecycle, timezone, errors, transition
        As for :func:`~research_kit.process.read_event_log`.
    performance, use_start
        As for :func:`~research_kit.process.directly_follows`.
    chunk_rows : int
        Rows read and tidied at a time; memory grows with it (about 1 GB at 1,000,000 rows).
    grouped : bool
        True: each case's rows are consecutive in the file (see the module docstring); a case
        that reappears later is an error. False: any order, mined through temporary buckets.
    buckets : int
        With ``grouped=False``: how many temporary files the rows are spread over.
    progress : bool
        Show a tqdm progress bar of the rows read.

    Returns
    -------
    ChunkedMining
        The DFG, variants, start and end activities, equal to those of the whole log read by
        :func:`~research_kit.process.read_event_log`, and counts of what was left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text(
    ...     "case_id,activity,timestamp\\n"
    ...     "A,Apply,2025-01-01\\nA,Review,2025-01-03\\n"
    ...     "B,Apply,2025-01-02\\nB,Review,2025-01-02 12:00\\n"
    ... )
    >>> mined = mine_csv_in_chunks(path, chunk_rows=3, progress=False)
    >>> mined.dfg[["source", "target", "count"]].values.tolist(), str(mined.dfg["max"].iloc[0])
    ([['Apply', 'Review', 2]], '2 days 00:00:00')
    >>> mined.variants[["variant", "count"]].values.tolist(), mined.cases
    ([['Apply → Review', 2]], 2)
    """
    check_choices(errors, transition)
    if chunk_rows < 1 or buckets < 1:
        raise ValueError("chunk_rows and buckets must be at least 1")
    path = Path(path)
    columns = {
        CASE: case,
        ACTIVITY: activity,
        TIMESTAMP: timestamp,
        START: start_timestamp,
        RESOURCE: resource,
        LIFECYCLE: lifecycle,
    }
    merged = _Merged(performance=performance, use_start=use_start)
    with tqdm(
        desc="Mining event log", unit=" events", unit_scale=True, disable=not progress
    ) as bar:
        chunks = _counted(csv_chunks(path, chunk_rows), bar)
        blocks = _grouped_blocks(chunks, path, columns) if grouped else None
        if blocks is None:
            blocks = _bucket_blocks(chunks, path, columns, buckets)
        for used, block in blocks:
            reading = tidy_events(
                block,
                path,
                {**columns, **used},
                timezone=timezone,
                errors=errors,
                transition=transition,
                require_transition=False,
            )
            merged.add(reading.events, reading.unparsed_lines, reading.lifecycle_dropped)
    if transition is not None and merged.dropped and not merged.events:
        raise no_transition_error(transition, path)
    return merged.result()


def _counted(chunks: Iterator[pd.DataFrame], bar: tqdm) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        bar.update(len(chunk))
        yield chunk


def _grouped_blocks(
    chunks: Iterator[pd.DataFrame], path: Path, columns: dict[str, str | None]
) -> Iterator[tuple[dict[str, str], pd.DataFrame]]:
    """Blocks of whole cases from a file whose cases are on consecutive rows."""
    carry: pd.DataFrame | None = None
    finished = np.empty(0, dtype=np.uint64)
    used: dict[str, str] = {}
    for chunk in chunks:
        used = used or resolve_columns(chunk, columns, path)
        frame = chunk if carry is None else pd.concat([carry, chunk], ignore_index=True)
        ids = frame[used[CASE]]
        runs = np.flatnonzero(ids.ne(ids.shift()).to_numpy())
        last = int(runs[-1]) if len(runs) else 0
        block, carry = frame.iloc[:last], frame.iloc[last:]
        finished = _check_grouped(block, ids.iloc[runs[:-1]], finished, path)
        if len(block):
            yield used, block
    if carry is not None and len(carry):
        _check_grouped(carry, carry[used[CASE]].iloc[:1], finished, path)
        yield used, carry


def _check_grouped(
    block: pd.DataFrame, run_ids: pd.Series, finished: np.ndarray, path: Path
) -> np.ndarray:
    """Refuse a case seen before in another run of rows; return the finished ids' hashes."""
    run_ids = run_ids[run_ids.notna()]  # rows without a case id: tidy_events names them
    hashes = pd.util.hash_array(run_ids.astype(object).to_numpy())
    again = np.isin(hashes, finished) | pd.Series(hashes).duplicated().to_numpy()
    if again.any():
        at = int(np.flatnonzero(again)[0])
        case_id = run_ids.iloc[at]
        line = int(block.loc[run_ids.index[at], "line"])
        raise EventLogError(
            f"the events of case {case_id!r} are not on consecutive rows (it appears again on "
            f"line {line})",
            path=path,
            line=line,
            hint="pass grouped=False to mine a file in any row order, or sort the file by case",
        )
    return np.union1d(finished, hashes)


def _bucket_blocks(
    chunks: Iterator[pd.DataFrame], path: Path, columns: dict[str, str | None], buckets: int
) -> Iterator[tuple[dict[str, str], pd.DataFrame]]:
    """Whole cases from a file in any order: rows spread over Arrow files by case, then read."""
    with tempfile.TemporaryDirectory(prefix="rk-chunks-") as folder:
        writers: dict[int, ipc.RecordBatchFileWriter] = {}
        used: dict[str, str] = {}
        try:
            for chunk in chunks:
                used = used or resolve_columns(chunk, columns, path)
                codes = pd.util.hash_array(chunk[used[CASE]].astype(object).to_numpy()) % buckets
                for bucket in np.unique(codes):
                    table = pa.Table.from_pandas(chunk.loc[codes == bucket], preserve_index=False)
                    if bucket not in writers:
                        writers[bucket] = ipc.new_file(
                            Path(folder) / f"{bucket}.arrow", table.schema
                        )
                    writers[bucket].write_table(table)
        finally:
            for writer in writers.values():
                writer.close()
        for bucket in sorted(writers):
            with pa.memory_map(str(Path(folder) / f"{bucket}.arrow")) as source:
                frame = ipc.open_file(source).read_all().to_pandas()
            # Rows of one case keep their file order; ties in time are broken by it, as ever.
            yield used, frame.sort_values("line", kind="stable").reset_index(drop=True)


class _Merged:
    """Counts merged over blocks of whole cases, with activities numbered as first seen."""

    def __init__(self, *, performance: bool, use_start: bool) -> None:
        self.performance, self.use_start = performance, use_start
        self.codes: dict[str, int] = {}
        self.edge_waits: dict[tuple[int, int], list[np.ndarray]] = {}
        self.edge_counts: Counter[tuple[int, int]] = Counter()
        self.variant_counts: Counter[tuple[str, ...]] = Counter()
        self.starts: Counter[int] = Counter()
        self.ends: Counter[int] = Counter()
        self.events = self.cases = self.dropped = 0
        self.unparsed: list[int] = []

    def add(self, events: pd.DataFrame, unparsed: tuple[int, ...], dropped: int) -> None:
        self.unparsed.extend(unparsed)
        self.dropped += dropped
        if events.empty:
            return
        arrays = event_arrays(events, use_start=self.use_start)
        local = np.array(
            [self.codes.setdefault(name, len(self.codes)) for name in arrays.activities],
            dtype=np.int32,
        )
        activity = local[arrays.activity]
        pairs = arrays.pairs()
        keys = activity[pairs].astype(np.int64) << 32 | activity[pairs + 1]
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
        ends = np.r_[bounds[1:], len(keys)] if len(keys) else keys
        # Waits kept per edge (8 bytes a pair), so that no array of every pair is ever built.
        waits = arrays.waits(pairs)[order] if self.performance else None
        for key, start, end in zip(
            keys[bounds].tolist(), bounds.tolist(), ends.tolist(), strict=True
        ):
            edge = (key >> 32, key & 0xFFFFFFFF)
            self.edge_counts[edge] += end - start
            if waits is not None:
                self.edge_waits.setdefault(edge, []).append(waits[start:end].astype(np.int64))
        found = variants(events)
        for sequence, count in zip(found["activities"], found["count"].tolist(), strict=True):
            self.variant_counts[sequence] += count
        self.starts.update(activity[arrays.first].tolist())
        self.ends.update(activity[arrays.first + arrays.length - 1].tolist())
        self.events += len(events)
        self.cases += arrays.n_cases

    def result(self) -> ChunkedMining:
        names = pd.Index(list(self.codes), dtype="str")
        return ChunkedMining(
            dfg=self._dfg(names),
            variants=self._variants(),
            start_activities=self._endpoints(names, self.starts),
            end_activities=self._endpoints(names, self.ends),
            events=self.events,
            cases=self.cases,
            unparsed_lines=tuple(sorted(self.unparsed)),
            lifecycle_dropped=self.dropped,
        )

    def _dfg(self, names: pd.Index) -> pd.DataFrame:
        n = max(len(names), 1)
        pairs = sorted(self.edge_counts)
        keys = np.array([s * n + t for s, t in pairs], dtype=np.int64)
        counts = np.array([self.edge_counts[p] for p in pairs], dtype=np.int64)
        stats: dict[str, pd.Series] = {}
        if self.performance:
            stats = self._wait_stats(pairs)
        frame = pd.DataFrame(
            {
                "source": names.take(keys // n),
                "target": names.take(keys % n),
                "count": counts,
                **stats,
            }
        )
        return sort_rows(frame, ["count", "source", "target"], [False, True, True])

    def _wait_stats(self, pairs: list[tuple[int, int]]) -> dict[str, pd.Series]:
        """The wait statistics of each edge, one edge's waits in memory at a time."""
        empty = np.empty(0, dtype=np.int64)
        per_edge = [group_stats(empty, empty)[2]]  # the columns, even with no edge
        for edge in pairs:
            waits = np.concatenate(self.edge_waits.pop(edge))
            per_edge.append(group_stats(np.zeros(len(waits), dtype=np.int64), waits)[2])
        return {
            name: pd.concat([stats[name] for stats in per_edge], ignore_index=True)
            for name in per_edge[0]
        }

    def _variants(self) -> pd.DataFrame:
        sequences = list(self.variant_counts)
        counts = np.array([self.variant_counts[s] for s in sequences], dtype=np.int64)
        table = pd.DataFrame(
            {
                "variant": pd.array([ARROW.join(map(str, s)) for s in sequences], dtype="str"),
                "activities": pd.Series(sequences, dtype=object),
                "length": np.array([len(s) for s in sequences], dtype=np.int64),
                "count": counts,
                "share": counts / max(self.cases, 1),
            }
        )
        return sort_rows(table, ["count", "variant"], [False, True])

    def _endpoints(self, names: pd.Index, counter: Counter[int]) -> pd.DataFrame:
        codes = sorted(counter)
        counts = np.array([counter[c] for c in codes], dtype=np.int64)
        frame = pd.DataFrame({"activity": names.take(codes), "count": counts})
        frame["share"] = counts / max(self.cases, 1)
        return sort_rows(frame, ["count", "activity"], [False, True])


__all__ = ["ChunkedMining", "mine_csv_in_chunks"]

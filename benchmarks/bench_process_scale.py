"""Event logs at scale: reading a 1M-event CSV (ours vs pm4py's way) and mining 10M in chunks.

1. **Reading 1,000,000 events** (the synthetic permit log of ``bench_mining.py``, written as
   CSV): ``read_event_log`` as it is now (Arrow's CSV reader), the careful pandas reader it
   falls back to (what every CSV went through before), and pm4py's way of reading a CSV
   (``pandas.read_csv`` then ``pm4py.format_dataframe``, which parses the timestamps); best of 3,
   wall clock, and the ratio. Mining at 1M events against pm4py is in ``bench_mining.py``.
2. **Mining 10,000,000 events in chunks**: ten such logs (1M cases) are written one after
   another into a temporary CSV (deleted afterwards), and ``mine_csv_in_chunks`` (Arrow
   streaming reader, 500,000-row chunks, DFG with waits, variants, start/end activities) runs
   in a fresh subprocess that reports its wall-clock time (after imports) and peak resident memory
   (``VmHWM`` of ``/proc/self/status``, the interpreter and imports included; Linux). For
   scale the same is done on the 1M-event file, and the in-memory path (``read_event_log`` +
   ``directly_follows`` + ``variants``) on the 1M file. Set ``RESEARCH_KIT_BENCH_10M=0`` to
   leave the 10M run out.

Run it alone as ``python benchmarks/bench_process_scale.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mining import PM4PY_KEYS, best_of, load_pm4py, synthetic_log

from research_kit.errors import EventLogError
from research_kit.process.eventlog import read_event_log
from research_kit.process.events import tidy_events
from research_kit.tables import read_csv_table

SECTION = "process logs at scale (1M-event CSV read; 10M events mined in chunks)"
COLUMNS = {"case_id": "case_id", "activity": "activity", "timestamp": "timestamp"}
N_BLOCKS = 10
_CHILD = """
import json, re, sys, time
from pathlib import Path
from research_kit.process import directly_follows, read_event_log, variants as find
from research_kit.process.chunked import mine_csv_in_chunks
def kib(key):
    status = Path("/proc/self/status").read_text()
    return int(re.search(key + r":\\s+(\\d+)", status).group(1))
baseline = kib("VmRSS") / 1024
started = time.perf_counter()
if sys.argv[2] == "chunked":
    mined = mine_csv_in_chunks(Path(sys.argv[1]), progress=False)
    events, edges, variants = mined.events, len(mined.dfg), len(mined.variants)
else:
    log = read_event_log(Path(sys.argv[1]))
    events, edges, variants = len(log), len(directly_follows(log)), len(find(log))
seconds = time.perf_counter() - started
peak = kib("VmHWM") / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "baseline_mib": baseline,
                  "events": events, "edges": edges, "variants": variants}))
"""


def write_csv(frame: pd.DataFrame, path: Path, *, append: bool = False) -> None:
    """Write an event table as CSV with Arrow (times as ``2025-03-04 09:15:00+00:00``)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    times = pc.strftime(table["timestamp"], format="%Y-%m-%d %H:%M:%S+00:00")
    table = table.set_column(table.schema.get_field_index("timestamp"), "timestamp", times)
    options = pacsv.WriteOptions(include_header=not append)
    with path.open("ab" if append else "wb") as handle:
        pacsv.write_csv(table, handle, write_options=options)


def careful_read(path: Path) -> pd.DataFrame:
    """The pandas-parser path ``read_event_log`` takes for files Arrow is not trusted with."""
    frame = read_csv_table(path, error_class=EventLogError)
    frame["line"] = range(2, len(frame) + 2)
    return tidy_events(frame, path, dict(COLUMNS)).events


def pm4py_read(pm4py: Any, path: Path) -> pd.DataFrame:
    """pm4py's CSV reading: pandas.read_csv, then format_dataframe (parses the timestamps)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.read_csv(path)
        return pm4py.format_dataframe(
            frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
        )


def measured_run(path: Path, how: str) -> dict[str, float]:
    """Time and peak memory of mining ``path`` in a fresh Python process."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), how],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def ten_million(folder: Path) -> Path:
    """Ten 1M-event synthetic logs, case ids kept apart, written one after another."""
    path = folder / "events_10m.csv"
    for block in range(N_BLOCKS):
        log = synthetic_log(seed=1000 + block)
        log["case_id"] = f"B{block}-" + log["case_id"].astype(str)
        write_csv(log, path, append=block > 0)
    return path


def figures() -> list[tuple[str, str, float, str]]:
    """Reading at 1M vs pm4py, and chunked mining at 10M; (section, name, value, unit)."""
    rows: list[tuple[str, str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="rk-scale-") as folder:
        path = Path(folder) / "events_1m.csv"
        write_csv(synthetic_log(), path)
        ours_s, log = best_of(lambda: read_event_log(path))
        careful_s, _ = best_of(lambda: careful_read(path))
        rows += [
            (SECTION, "1M-event CSV: read_event_log (Arrow)", ours_s, "s"),
            (SECTION, "1M-event CSV: careful pandas reader (before)", careful_s, "s"),
            (SECTION, "speed-up of reading over the pandas reader", careful_s / ours_s, "×"),
        ]
        pm4py = load_pm4py()
        if pm4py is not None:
            theirs_s, theirs = best_of(lambda: pm4py_read(pm4py, path))
            rows += [
                (
                    SECTION,
                    f"1M-event CSV: pm4py {pm4py.__version__} read_csv+format",
                    theirs_s,
                    "s",
                ),
                (SECTION, "speed-up of reading over pm4py", theirs_s / ours_s, "×"),
            ]
            same = theirs[PM4PY_KEYS["timestamp_key"]].dt.tz_convert("UTC").reset_index(drop=True)
            if (
                not same.sort_values()
                .reset_index(drop=True)
                .equals(log["timestamp"].sort_values().reset_index(drop=True))
            ):
                raise RuntimeError("pm4py and we read different timestamps from the 1M CSV")
        for how, label in (("memory", "in memory"), ("chunked", "in chunks")):
            run = measured_run(path, how)
            rows += [
                (SECTION, f"1M events read + mined {label}: time", run["seconds"], "s"),
                (SECTION, f"1M events read + mined {label}: peak RSS", run["peak_mib"], "MiB"),
            ]
        rows.append((SECTION, "RSS after imports, before reading", run["baseline_mib"], "MiB"))
        if os.environ.get("RESEARCH_KIT_BENCH_10M", "1") != "0":
            path.unlink()
            started = time.perf_counter()
            big = ten_million(Path(folder))
            rows.append((SECTION, "writing the 10M-event CSV", time.perf_counter() - started, "s"))
            run = measured_run(big, "chunked")
            rows += [
                (SECTION, "10M events mined in chunks (Arrow): events", run["events"], "events"),
                (SECTION, "10M events mined in chunks (Arrow): time", run["seconds"], "s"),
                (SECTION, "10M events mined in chunks (Arrow): peak RSS", run["peak_mib"], "MiB"),
                (SECTION, "10M events: CSV size", big.stat().st_size / 2**20, "MiB"),
            ]
    return rows


if __name__ == "__main__":
    for section, name, value, unit in figures():
        print(f"{section:<20.20}  {name:<52}  {value:>14,.3f}  {unit}")

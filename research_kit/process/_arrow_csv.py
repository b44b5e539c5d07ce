"""Event-log CSV read with Apache Arrow's CSV reader: whole (multithreaded) or in chunks.

:func:`research_kit.tables.read_csv_table` decodes the whole file to text and hands it to
pandas' C parser: careful, and the source of its line-numbered errors, but about half the
time of reading a million events. For a well-formed UTF-8 file Arrow reads the same cells
(every cell a string, blank cells missing, quoted line breaks kept) several times faster;
:func:`read_csv_cells` uses it and returns ``None`` whenever the careful reader must decide
instead (another encoding, a header naming a column twice or not at all, a row Arrow
refuses), so every error message stays the careful reader's. :func:`csv_chunks` streams the
file as record batches of a bounded number of rows, for logs larger than memory. Internal to
the process package.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from research_kit.errors import EventLogError
from research_kit.rawfiles import read_raw_bytes
from research_kit.tables import detect_separator

_SAMPLE_BYTES = 1 << 16
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_csv_cells(path: Path) -> pd.DataFrame | None:
    """The file's cells as ``str`` (blank cells NA), as ``read_csv_table`` gives them, or None.

    None means "read it the careful way": the file is not UTF-8, its header is odd, or Arrow
    refuses a row (the careful reader then names the line).
    """
    data = read_raw_bytes(path, error_class=EventLogError)
    dialect = _dialect(data[:_SAMPLE_BYTES], complete=len(data) <= _SAMPLE_BYTES)
    if dialect is None:
        return None
    separator, header = dialect
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            parse_options=_parse_options(separator),
            convert_options=_convert_options(header),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table.to_pandas()


def csv_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The file's rows in chunks of at most ``chunk_rows``, each with its file ``line`` numbers.

    Memory holds a chunk and the Arrow blocks (4 MB each) it is gathered from. Lines are
    counted as in ``read_event_log``: the header is line 1 and each record one line.

    Raises
    ------
    EventLogError
        When the file is not UTF-8 or cp1252 text with a plain header, or a row cannot be read.
    """
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    encoding = "utf8" if _utf8_prefix(sample) else "cp1252"
    text = sample.decode(encoding, errors="replace").removeprefix("\ufeff")
    separator = detect_separator(text)
    header = _header(text, separator)
    if header is None:
        raise EventLogError(
            "has a header that names a column twice or leaves one unnamed",
            path=path,
            line=1,
            hint="give every column its own name",
        )
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=1 << 22),
            parse_options=_parse_options(separator),
            convert_options=_convert_options(header),
        )
        line = 2
        for table in _tables_of(reader, chunk_rows):
            piece = table.to_pandas()
            piece["line"] = range(line, line + len(piece))
            line += len(piece)
            yield piece
    except pa.ArrowInvalid as exc:
        raise EventLogError(
            f"a row cannot be read ({str(exc).splitlines()[0][:200]})",
            path=path,
            hint="read the file with read_event_log to see the line, or export it again",
        ) from exc


def _tables_of(reader: pacsv.CSVStreamingReader, rows: int) -> Iterator[pa.Table]:
    """Arrow's record batches (a few MB each) gathered into tables of ``rows`` rows."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending)


def _dialect(sample: bytes, *, complete: bool) -> tuple[str, list[str]] | None:
    """Separator and header of a UTF-8 sample, or None when the careful reader must decide."""
    if sample.startswith(_OTHER_BOMS) or not _utf8_prefix(sample, complete=complete):
        return None
    text = sample.removeprefix(_UTF8_BOM).decode("utf-8", errors="ignore")
    separator = detect_separator(text)
    header = _header(text, separator)
    return None if header is None else (separator, header)


def _utf8_prefix(sample: bytes, *, complete: bool = False) -> bool:
    """True when ``sample`` is UTF-8, allowing a character cut at its end unless ``complete``."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return not complete and exc.start >= len(sample) - 3 and exc.reason.startswith("unexp")
    return True


def _header(text: str, separator: str) -> list[str] | None:
    """The header's names, or None when one is blank or repeated (pandas would rename it)."""
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error:
        return None
    if not names or any(not name.strip() for name in names) or len(set(names)) < len(names):
        return None
    return names


def _parse_options(separator: str) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(delimiter=separator, newlines_in_values=True)


def _convert_options(header: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        null_values=[""],
        strings_can_be_null=True,
    )

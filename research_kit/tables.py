"""Delimited text tables (CSV and friends) read safely, for every loader that needs one.

Survey exports and event logs arrive as CSV written by many tools: UTF-8 with or without a
byte-order mark, Windows-1252, comma, semicolon or tab separated. :func:`read_csv_table` reads
all of them into a DataFrame of text cells (nothing is guessed as a number or date here; each
loader converts what it understands), and reports a malformed row with its line number.
:func:`read_delimited_file` also says how the file was read (its encoding and separator), in a
small frozen :class:`DelimitedFile`, since ``DataFrame.attrs`` does not survive pandas work.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from research_kit.errors import InputError, ResearchKitError
from research_kit.rawfiles import decode_text, read_raw_bytes

SEPARATORS = (",", ";", "\t", "|")


def detect_separator(text: str) -> str:
    """Guess a CSV separator from the first lines (the one that splits rows consistently).

    Examples
    --------
    >>> detect_separator("a;b;c\\n1;2,5;3\\n")
    ';'
    """
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(SEPARATORS, key=header.count)


@dataclass(frozen=True)
class DelimitedFile:
    """A delimited text file as read: its cells and how they were read.

    Attributes
    ----------
    frame : pandas.DataFrame
        The cells, all ``str`` (blank cells are NA).
    source : Path
        The file.
    encoding : str
        The encoding the text was decoded with (e.g. ``"utf-8-sig"``, ``"cp1252"``).
    separator : str
        The separator the cells were split on.
    """

    frame: pd.DataFrame
    source: Path
    encoding: str
    separator: str


def read_delimited_file(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    error_class: type[ResearchKitError] = InputError,
    header: bool = True,
) -> DelimitedFile:
    """Read a delimited text file, keeping the encoding and separator it was read with.

    Parameters
    ----------
    path : Path or str
        The file.
    encoding : str, optional
        Force an encoding (detected by default: BOM, UTF-8, then Windows-1252).
    sep : str, optional
        Force a separator (detected by default).
    error_class : type
        The :class:`~research_kit.errors.ResearchKitError` subclass to raise.
    header : bool
        Whether row 1 names the columns (then a name given twice is refused). ``False`` reads
        every record as cells, columns numbered 0, 1, …: for exports whose header spans several
        rows and is interpreted by the caller.

    Returns
    -------
    DelimitedFile
        The cells as :func:`read_csv_table` returns them, the file, its encoding and separator.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes("\\ufeffid;ward\\n01;Ward 2\\n".encode("utf-8"))
    >>> table = read_delimited_file(path)
    >>> table.frame.to_dict("records"), table.encoding, table.separator
    ([{'id': '01', 'ward': 'Ward 2'}], 'utf-8-sig', ';')
    """
    path = Path(path)
    data = read_raw_bytes(path, error_class=error_class)
    raw = decode_text(data, path, encoding=encoding, error_class=error_class)
    used_sep = sep or detect_separator(raw.text)
    if header:
        _check_unique_header(raw.text, path, used_sep, error_class)
    try:
        frame = pd.read_csv(
            io.StringIO(raw.text),
            header=0 if header else None,
            sep=used_sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            engine="c" if len(used_sep) == 1 else "python",
        )
    except pd.errors.EmptyDataError as exc:
        raise error_class(
            "has no header row", path=path, hint="export the file again with column names"
        ) from exc
    except pd.errors.ParserError as exc:
        raise error_class(
            f"a row has the wrong number of cells ({_short(str(exc))})",
            path=path,
            line=_line_from_parser_error(str(exc)),
            hint="look for an unclosed quote or a stray separator on that line, "
            "or export the file again",
        ) from exc
    return DelimitedFile(frame=frame, source=path, encoding=raw.encoding, separator=used_sep)


def read_csv_table(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    error_class: type[ResearchKitError] = InputError,
) -> pd.DataFrame:
    """Read a delimited text file into a DataFrame of ``str`` cells (blank cells are NA).

    Parameters
    ----------
    path, encoding, sep, error_class
        As for :func:`read_delimited_file`.

    Returns
    -------
    pandas.DataFrame
        The cells; :func:`read_delimited_file` also says which encoding and separator.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes("\\ufeffid,ward\\n01,Ward 2\\n".encode("utf-8"))
    >>> read_csv_table(path).to_dict("records")
    [{'id': '01', 'ward': 'Ward 2'}]
    """
    return read_delimited_file(path, encoding=encoding, sep=sep, error_class=error_class).frame


def require_columns(
    frame: pd.DataFrame,
    columns: dict[str, str],
    path: Path | str,
    error_class: type[ResearchKitError] = InputError,
) -> None:
    """Raise if a needed column is missing; ``columns`` maps role (e.g. "case") to name."""
    present = [str(column) for column in frame.columns]
    for role, name in columns.items():
        if name not in present:
            close = [c for c in present if c.strip().casefold() == name.strip().casefold()]
            suggestion = f" (the file has {close[0]!r})" if close else ""
            raise error_class(
                f"has no column {name!r} for the {role}{suggestion}",
                path=path,
                line=1,
                hint=f"name the right column for the {role}; the file's columns are: "
                + ", ".join(present[:20])
                + (" …" if len(present) > 20 else ""),
            )


def _check_unique_header(
    text: str, path: Path, sep: str, error_class: type[ResearchKitError]
) -> None:
    """Refuse a header that names a column twice (pandas would silently rename one)."""
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])
    except csv.Error as exc:
        raise error_class(
            f"has a header row that cannot be read ({exc})",
            path=path,
            line=1,
            hint="export the file again as CSV (a stray line break or quote in the first row?)",
        ) from exc
    seen: set[str] = set()
    for name in header:
        if name in seen and name.strip():
            raise error_class(
                f"has the column {name!r} more than once",
                path=path,
                line=1,
                hint="rename the repeated columns so each has its own name",
            )
        seen.add(name)


def _line_from_parser_error(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"

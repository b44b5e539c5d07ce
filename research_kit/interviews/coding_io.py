"""Codings files: a study's codings as a plain CSV that can be exported, shared and imported.

A codings file has one row per coding, with the columns ``document_id``, ``start``, ``end``,
``code_id``, ``coder``, ``origin`` (optional, default ``manual``) and ``text`` (optional: the
coded passage). Offsets are code points into the note's text, end exclusive, as everywhere in
research_kit. When ``text`` is given it must equal the note's text at those offsets: a note edited
since the codings were exported is reported row by row and nothing is imported, never silently
re-aligned. :func:`import_codings` checks every row before it writes any, then writes them all in
one transaction, and importing the same file twice adds nothing. :func:`export_codings` writes
the same format (UTF-8, every text cell quoted so line breaks and quotes survive), so export →
import into a fresh copy of the study gives back the same codings. The files a study lists in
``study.yml`` are imported by :func:`import_shipped_codings`, only when someone asks: no read
imports them.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import CodingError, InputError, Problem
from research_kit.interviews.coding import apply_codes, coders, codings
from research_kit.rawfiles import decode_text, read_raw_bytes
from research_kit.schema import CODING_ORIGINS
from research_kit.tables import SEPARATORS, read_delimited_file

if TYPE_CHECKING:
    from research_kit.interviews.documents import Document
    from research_kit.study import Study

#: The columns of a codings file, in the order :func:`export_codings` writes them.
CODINGS_FILE_COLUMNS = ["document_id", "start", "end", "code_id", "coder", "origin", "text"]
_REQUIRED = ("document_id", "start", "end", "code_id", "coder")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
#: The largest offset a study database holds on every backend (PostgreSQL ``integer``); no
#: note comes near it, so anything larger is a damaged or foreign file, not a long note.
MAX_OFFSET = 2**31 - 1


class CodingsFileError(InputError, CodingError):
    """A codings file cannot be read, or a row in it does not fit the study.

    It is both an :class:`~research_kit.errors.InputError` (a file) and a
    :class:`~research_kit.errors.CodingError` (codings that cannot be applied).
    """


def read_codings_csv(path: Path | str) -> pd.DataFrame:
    """Read a codings file into a tidy table, checking its columns and offsets.

    Parameters
    ----------
    path : Path or str
        A CSV file with the columns ``document_id``, ``start``, ``end``, ``code_id``,
        ``coder`` and, optionally, ``origin`` and ``text``. Other columns are ignored.

    Returns
    -------
    pandas.DataFrame
        Columns ``document_id``, ``start``, ``end`` (int), ``code_id``, ``coder``,
        ``origin`` (``manual`` where the file has none), ``text`` (NA where the file has none)
        and ``line``, the file line the row starts on.

    Raises
    ------
    CodingsFileError
        The file is missing or empty, lacks a needed column, or a row has a blank cell,
        an offset that is not a whole number or an unknown origin (the error names the line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codings.csv"
    >>> _ = path.write_text("document_id,start,end,code_id,coder\\nP01,0,12,cost_of_delay,J.R.\\n")
    >>> table = read_codings_csv(path)
    >>> table[["document_id", "start", "end", "origin", "line"]].values.tolist()
    [['P01', 0, 12, 'manual', 2]]
    """
    path = Path(path)
    raw = decode_text(
        read_raw_bytes(path, error_class=CodingsFileError), path, error_class=CodingsFileError
    )
    separator = _header_separator(raw.text)
    table = read_delimited_file(path, sep=separator, error_class=CodingsFileError)
    frame = table.frame
    missing = [column for column in _REQUIRED if column not in frame.columns]
    if missing:
        raise CodingsFileError(
            f"lacks the column{'s' if len(missing) > 1 else ''} "
            + ", ".join(repr(column) for column in missing),
            path=path,
            line=1,
            hint="a codings file needs the columns "
            + ", ".join(CODINGS_FILE_COLUMNS[:5])
            + " (origin and text are optional); the file's columns are: "
            + ", ".join(str(column) for column in frame.columns),
        )
    lines = _record_lines(raw.text, table.separator, len(frame))
    table = pd.DataFrame(
        {
            "document_id": frame["document_id"],
            "start": [
                _whole_number(v, "start", path, line)
                for v, line in zip(frame["start"], lines, strict=True)
            ],
            "end": [
                _whole_number(v, "end", path, line)
                for v, line in zip(frame["end"], lines, strict=True)
            ],
            "code_id": frame["code_id"],
            "coder": frame["coder"],
            "origin": frame["origin"] if "origin" in frame.columns else pd.NA,
            "text": frame["text"] if "text" in frame.columns else pd.NA,
            "line": lines,
        }
    )
    table["origin"] = table["origin"].fillna("manual")
    for row in table.itertuples(index=False):
        _check_cells(row, path)
    return table.astype({"start": "int64", "end": "int64", "line": "int64"})


def import_codings(study: Study, path: Path | str) -> pd.DataFrame:
    """Import a codings file into a study: every row is checked first, then all are written.

    Parameters
    ----------
    study : Study
    path : Path or str
        A codings file (see :func:`read_codings_csv`).

    Returns
    -------
    pandas.DataFrame
        One row per coder: ``coder``, ``codings`` (distinct codings in the file) and ``new``
        (how many of them the study did not have yet; 0 when the file was imported before).

    Raises
    ------
    CodingsFileError
        A row names a note or code the study does not have, a span outside the note, or a
        ``text`` that differs from the note at those offsets (the note changed since the
        codings were exported). Nothing is imported.
    DocumentChangedError
        A note changed since it was first coded in this study (nothing is imported).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> path = folder / "codings.csv"
    >>> _ = path.write_text(
    ...     "document_id,start,end,code_id,coder\\n"
    ...     "P02_business-owner,1032,1250,inconsistent_inspections,M.K.\\n"
    ... )
    >>> import_codings(study, path).values.tolist()
    [['M.K.', 1, 1]]
    >>> import_codings(study, path).values.tolist()  # a second import adds nothing
    [['M.K.', 1, 0]]
    >>> study.close()
    """
    path = Path(path)
    table = read_codings_csv(path)
    known_codes = set(study.codebook().codes)
    documents: dict[str, Document] = {}
    for row in table.itertuples(index=False):
        document = _document(study, row.document_id, documents, path, row.line)
        _check_row(row, document, known_codes, path)
    before = _coding_counts(study)
    columns = ["document_id", "start", "end", "code_id", "coder", "origin"]
    rows = table[columns].assign(coder=table["coder"].str.strip())
    rows = rows.drop_duplicates(subset=["document_id", "start", "end", "code_id", "coder"])
    if len(rows):
        apply_codes(study, rows)
    after = _coding_counts(study)
    summary = rows.groupby("coder", sort=True).size().rename("codings").reset_index()
    summary["new"] = [after.get(name, 0) - before.get(name, 0) for name in summary["coder"]]
    return summary.astype({"coder": "str", "codings": "int64", "new": "int64"})


def import_shipped_codings(study: Study) -> pd.DataFrame:
    """Import every codings file the study lists (``codings`` in ``study.yml``): an explicit write.

    Nothing else imports them: a brief, an analysis or evidence on a study without codings
    shows what it can and writes nothing. Each file is imported with :func:`import_codings`
    (all of it or none of it); importing again adds nothing.

    Parameters
    ----------
    study : Study

    Returns
    -------
    pandas.DataFrame
        One row per file and coder: ``file`` (its path, as ``str``), ``coder``, ``codings`` and
        ``new``, as :func:`import_codings` gives them; empty when the study lists no file.

    Raises
    ------
    CodingsFileError, DocumentChangedError
        As :func:`import_codings`, for the first file that cannot be imported (the files
        before it stay imported).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> summary = import_shipped_codings(study)
    >>> bool((summary["new"] == summary["codings"]).all())
    True
    >>> int(import_shipped_codings(study)["new"].sum())  # a second import adds nothing
    0
    >>> study.close()
    """
    parts = [import_codings(study, path).assign(file=str(path)) for path in study.settings.codings]
    columns = ["file", "coder", "codings", "new"]
    if not parts:
        return pd.DataFrame(
            {"file": [], "coder": [], "codings": [], "new": []}, columns=columns
        ).astype({"file": "str", "coder": "str", "codings": "int64", "new": "int64"})
    return pd.concat(parts, ignore_index=True)[columns]


def export_codings(study: Study, path: Path | str) -> Path:
    """Write every coding of a study to a codings file (the format :func:`import_codings` reads).

    Rows are sorted by coder, document, start, end and code. Text cells are quoted, so line
    breaks, quotes and separators inside a passage survive the round trip exactly.

    This is an interchange file between studies and tools, not a spreadsheet: cells are written
    exactly as coded (a passage starting with "=" stays so), because neutralising them would
    change the text on import. For anything people open in Excel, use ``export_quotes`` or
    ``export_code_matrix``, which are formula-safe.

    Parameters
    ----------
    study : Study
    path : Path or str
        Where to write the CSV (UTF-8). Its folder must exist.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> study = open_study(folder)
    >>> doc_id, code_id = "P02_business-owner", "inconsistent_inspections"
    >>> _ = apply_code(study, doc_id, 1032, 1044, code_id, coder="M.K.")
    >>> print(export_codings(study, folder / "out.csv").read_text(), end="")
    "document_id","start","end","code_id","coder","origin","text"
    "P02_business-owner",1032,1044,"inconsistent_inspections","M.K.","manual","P02: Rough e"
    >>> study.close()
    """
    path = Path(path)
    table = codings(study).sort_values(["coder", "document_id", "start", "end", "code_id"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(CODINGS_FILE_COLUMNS)
        for row in table.itertuples(index=False):
            writer.writerow(
                [
                    str(row.document_id),
                    int(row.start),
                    int(row.end),
                    str(row.code_id),
                    str(row.coder),
                    str(row.origin),
                    str(row.text),
                ]
            )
    return path


# -- helpers ---------------------------------------------------------------------------------------
def _header_separator(text: str) -> str | None:
    """The separator that splits the header into a ``document_id`` column, if one does.

    Passages are full of commas and semicolons, so sniffing the whole file can guess wrong; the
    header alone is unambiguous.
    """
    header = text.splitlines()[0] if text else ""
    for separator in SEPARATORS:
        names = [name.strip().strip('"').strip() for name in header.split(separator)]
        if "document_id" in names:
            return separator
    return None


def _record_lines(text: str, separator: str, n_rows: int) -> list[int]:
    """The file line each data row starts on (a quoted passage may span several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    starts = []
    next_line = 1
    for record in reader:
        if record:
            starts.append(next_line)
        next_line = reader.line_num + 1
    rows = starts[1:]
    if len(rows) != n_rows:  # the two readers disagree on an odd file: fall back to row numbers
        return list(range(2, n_rows + 2))
    return rows


def _whole_number(value: object, column: str, path: Path, line: int) -> int:
    text = "" if pd.isna(value) else str(value).strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        shown = f"{text!r} is" if text else "it is blank, which is"
        raise CodingsFileError(
            f"{column} must be a whole number of characters, but {shown} not",
            path=path,
            line=line,
            hint="offsets are code points into the note's text, e.g. 0 and 120",
        )
    # Compared as text first: int() refuses strings of over 4,300 digits with a raw ValueError.
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > len(str(MAX_OFFSET)) or abs(int(text)) > MAX_OFFSET:
        raise CodingsFileError(
            f"{column} {_short_number(text)} is too large for an offset (at most {MAX_OFFSET:,})",
            path=path,
            line=line,
            hint="offsets are code points into the note's text; the file is damaged or was "
            "not written as a codings file — export the codings again",
        )
    return int(text)


def _short_number(digits: str) -> str:
    """A number as written, shortened when it is too long to read in a message."""
    return digits if len(digits) <= 24 else f"{digits[:12]}… ({len(digits)} digits)"


def _check_cells(row, path: Path) -> None:
    for column in ("document_id", "code_id", "coder"):
        value = getattr(row, column)
        if pd.isna(value) or not str(value).strip():
            raise CodingsFileError(
                f"the {column} cell is blank",
                path=path,
                line=row.line,
                hint=f"fill in the {column}",
            )
    if row.origin not in CODING_ORIGINS:
        raise CodingsFileError(
            f"origin must be one of {', '.join(CODING_ORIGINS)}, not {row.origin!r}",
            path=path,
            line=row.line,
            hint="leave origin blank for manual codings",
        )


def codings_file_problems(
    path: Path | str, documents: dict[str, Document], known_codes: set[str]
) -> list[Problem]:
    """Every problem of a codings file against the notes and codebook (for ``research-kit check``).

    Unlike :func:`import_codings`, which stops at the first bad row, this lists them all.
    """
    path = Path(path)
    try:
        table = read_codings_csv(path)
    except CodingsFileError as exc:
        return [exc.as_problem()]
    problems = []
    for row in table.itertuples(index=False):
        document = documents.get(row.document_id)
        if document is None:
            problems.append(
                Problem(
                    path,
                    f"the study has no note {row.document_id!r}",
                    "document ids are note file names without the suffix",
                    line=row.line,
                )
            )
            continue
        try:
            _check_row(row, document, known_codes, path)
        except CodingsFileError as exc:
            problems.append(exc.as_problem())
    return problems


def _document(study: Study, document_id: str, cache: dict, path: Path, line: int) -> Document:
    if document_id not in cache:
        try:
            cache[document_id] = study.document(document_id)
        except CodingError as exc:
            raise CodingsFileError(
                f"the study has no note {document_id!r}",
                path=path,
                line=line,
                hint="document ids are note file names without the suffix; see "
                "study.documents_table()",
            ) from exc
    return cache[document_id]


def _check_row(row, document: Document, known_codes: set[str], path: Path) -> None:
    size = len(document.text)
    if not 0 <= row.start < row.end <= size:
        raise CodingsFileError(
            f"span {row.start}–{row.end} is outside the text of {document.id!r} (0–{size})",
            path=path,
            line=row.line,
            hint="start must be before end, and both inside the note's text",
        )
    if row.code_id not in known_codes:
        raise CodingsFileError(
            f"code {row.code_id!r} is not in the codebook",
            path=path,
            line=row.line,
            hint="add it to codebook.yml first, or correct the code id",
        )
    current = document.text[row.start : row.end]
    if not pd.isna(row.text) and row.text != current:
        raise CodingsFileError(
            "the note changed since these codings were exported; the span now reads "
            f"{_preview(current)!r} where the file has {_preview(row.text)!r}",
            path=path,
            line=row.line,
            hint=f"compare {document.path.name} with the version that was coded; nothing was "
            "imported",
        )


def _coding_counts(study: Study) -> dict[str, int]:
    table = coders(study)
    return dict(zip(table["coder"], table["codings"].astype(int), strict=True))


def _preview(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

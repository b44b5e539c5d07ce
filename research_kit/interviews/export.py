"""Exports of coded interviews: quotes, a 0/1 code matrix and the codebook, safe to open anywhere.

Tables go to CSV or Excel by the file's suffix. In CSV every text cell passes through
:func:`research_kit.privacy.safe_for_spreadsheet` (a cell that starts like a formula gets a
leading apostrophe, so a quote such as ``=HYPERLINK(…)`` stays text) and the file is UTF-8 with
a byte-order mark so Excel shows accents right; in Excel
(:func:`research_kit.privacy.write_xlsx`) quotes and memos are the exact text, in text cells
that never run. Numbers stay numbers. The codebook is also written as a Markdown table (pipes,
backslashes, ``<`` and line breaks escaped) ready to paste into a report or turn into a PDF, or
as an HTML table with every text escaped.

Quotes carry the participants' attributes: check who will read an export before sharing it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from research_kit.deprecation import deprecated_call
from research_kit.errors import InputError, check_choice
from research_kit.interviews._coded_tables import coding_tables
from research_kit.interviews.memoing import memos
from research_kit.interviews.quotations import quotes
from research_kit.privacy import safe_for_spreadsheet, write_xlsx

if TYPE_CHECKING:
    from research_kit.study import Study

TABLE_SUFFIXES = (".csv", ".xlsx")
CODEBOOK_SUFFIXES = (".md", ".markdown", ".html", ".csv", ".xlsx")
CODEBOOK_COLUMNS = ("theme", "code", "definition", "include", "exclude", "example")
_EXCERPT_COLUMNS = ["document_id", "start", "end", "text"]
_ENTITY = re.compile(r"&(?=#?\w+;)")


# -- quotes ----------------------------------------------------------------------------------------
def export_quotes(study: Study, path: Path | str, **filters: Any) -> Path:
    """Write quotes with their attributes and codes to CSV or Excel, formula-safe.

    Parameters
    ----------
    study : Study
    path : Path or str
        The file to write; ``.csv`` or ``.xlsx``.
    **filters
        Passed to :func:`research_kit.interviews.analysis.quotes` (``code``, ``theme``,
        ``where``, ``coder``, ``limit``).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> written = export_quotes(study, folder / "quotes.csv", where={"ward": "Ward 3"})
    >>> pd.read_csv(written, encoding="utf-8-sig")[["participant", "code_id"]].values.tolist()
    [['P02', 'cost_of_delay']]
    >>> study.close()
    """
    path = _check_suffix(path, TABLE_SUFFIXES, "quotes")
    return _write_table(quotes(study, **filters), path, sheet="quotes")


def export_memos(study: Study, path: Path | str, **filters: Any) -> Path:
    """Write memos (see :func:`research_kit.interviews.memos`) to CSV or Excel, formula-safe.

    Parameters
    ----------
    study : Study
    path : Path or str
        The file to write; ``.csv`` or ``.xlsx`` (where each memo is its exact text).
    **filters
        Passed to :func:`research_kit.interviews.memos` (``on``, ``target``, ``coder``,
        ``search``).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import add_memo
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = add_memo(study, "- check the fee table", on="code", target="cost_of_delay")
    >>> written = export_memos(study, folder / "memos.xlsx")
    >>> pd.read_excel(written)["text"].tolist()
    ['- check the fee table']
    >>> study.close()
    """
    path = _check_suffix(path, TABLE_SUFFIXES, "memos")
    table = memos(study, **filters)
    for column in ("created_at", "updated_at"):
        table[column] = pd.to_datetime(table[column], utc=True)
    return _write_table(table, path, sheet="memos")


# -- code matrix -----------------------------------------------------------------------------------
def code_matrix(study: Study, *, coder: str | None = None, unit: str = "excerpt") -> pd.DataFrame:
    """A 0/1 matrix: one row per coded excerpt (or note), one column per code of the codebook.

    Parameters
    ----------
    study : Study
    coder : str, optional
        One coder's codings only (default: a code counts when any coder applied it).
    unit : {"excerpt", "document"}
        One row per coded excerpt (``document_id``, ``start``, ``end``, ``text``) or per coded
        note (``document_id``).

    Returns
    -------
    pandas.DataFrame
        The unit's columns, then one integer column per code (named by code id, in codebook
        order; codes applied but no longer in the codebook last) holding 1 or 0.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "portal_problems", coder="M.K.")
    >>> matrix = code_matrix(study)
    >>> matrix[["start", "end", "portal_problems", "cost_of_delay", "helpful_staff"]].values
    array([[ 0, 60,  1,  1,  0]])
    >>> study.close()
    """
    check_choice("unit", unit, ("excerpt", "document"))
    coded, codes, _ = coding_tables(study, coder=coder)
    keys = _EXCERPT_COLUMNS if unit == "excerpt" else ["document_id"]
    index = ["excerpt_id", *keys] if unit == "excerpt" else keys
    present = coded[[*index, "code_id"]].drop_duplicates().assign(flag=1)
    if present.empty:
        return pd.DataFrame(columns=[*keys, *codes["code_id"]])
    matrix = present.pivot_table(
        index=index, columns="code_id", values="flag", aggfunc="max", fill_value=0
    )
    matrix = matrix.reindex(columns=list(codes["code_id"]), fill_value=0).astype("int64")
    matrix.columns.name = None
    matrix = matrix.reset_index().sort_values(keys[:3], kind="stable")
    return matrix.drop(columns="excerpt_id", errors="ignore").reset_index(drop=True)


def export_code_matrix(
    study: Study, path: Path | str, *, coder: str | None = None, unit: str = "excerpt"
) -> Path:
    """Write :func:`code_matrix` to CSV or Excel (formula-safe); return the file written.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> written = export_code_matrix(study, folder / "matrix.xlsx")
    >>> pd.read_excel(written)["cost_of_delay"].tolist()
    [1]
    >>> study.close()
    """
    path = _check_suffix(path, TABLE_SUFFIXES, "code matrix")
    return _write_table(code_matrix(study, coder=coder, unit=unit), path, sheet="code matrix")


# -- codebook --------------------------------------------------------------------------------------
def codebook_table(study: Study, fmt: str | None = None) -> pd.DataFrame:
    """The codebook as a table: theme, code, definition, include, exclude, example.

    One row per code in codebook order; a theme's own row has an empty ``code`` cell, and a
    code deeper than one level shows its path ("Parent › Child"). For text to paste into a
    report, see :func:`codebook_markdown` and :func:`codebook_html`.

    Parameters
    ----------
    study : Study
    fmt : {"markdown", "html", "frame"}, optional
        Deprecated, kept for one release: ``fmt="markdown"`` and ``fmt="html"`` return what
        :func:`codebook_markdown` and :func:`codebook_html` return (a str), ``fmt="frame"``
        the DataFrame; each with a :class:`DeprecationWarning`.

    Returns
    -------
    pandas.DataFrame
        Columns ``theme``, ``code``, ``definition``, ``include``, ``exclude``, ``example``
        (empty strings where the codebook says nothing).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> codebook_table(study)[["theme", "code"]].iloc[1].tolist()
    ['Finding your way', 'Unclear requirements']
    >>> study.close()
    """
    if fmt is None:
        return _codebook_frame(study)
    check_choice("fmt", fmt, tuple(_CODEBOOK_FORMATS))
    # Before, fmt chose the type returned (and markdown was the default): the old calls keep
    # their old result for one release.
    if fmt == "frame":
        deprecated_call("codebook_table(fmt='frame')", "codebook_table()")
        return _codebook_frame(study)
    replacement = _CODEBOOK_FORMATS[fmt]
    deprecated_call(f"codebook_table(fmt={fmt!r})", f"{replacement.__name__}()")
    return replacement(study)


def codebook_markdown(study: Study) -> str:
    r"""The codebook as a Markdown table (GitHub style), ready to paste into a report.

    The rows and columns of :func:`codebook_table`, under the headers Theme, Code, Definition,
    Include, Exclude, Example. Every cell is escaped with :func:`markdown_cell` (``|``, ``\``,
    ``<`` and entity-like ``&``; line breaks as ``<br>``), so no text can end a cell or become
    HTML when the Markdown is rendered.

    Returns
    -------
    str
        The table, one line per row, ending with a line break.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> print(codebook_markdown(study).splitlines()[0])
    | Theme | Code | Definition | Include | Exclude | Example |
    >>> study.close()
    """
    headers = _codebook_headers()
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    for row in _codebook_frame(study).itertuples(index=False):
        lines.append("| " + " | ".join(markdown_cell(value) for value in row) + " |")
    return "\n".join(lines) + "\n"


def codebook_html(study: Study) -> str:
    """The codebook as an HTML ``<table>`` with every text escaped.

    The rows and columns of :func:`codebook_table`, under the headers Theme, Code, Definition,
    Include, Exclude, Example.

    Returns
    -------
    str
        The table's HTML (no page around it).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> codebook_html(study).startswith('<table border="1" class="dataframe">')
    True
    >>> study.close()
    """
    frame = _codebook_frame(study).set_axis(_codebook_headers(), axis=1)
    return frame.to_html(index=False, escape=True, na_rep="")


def _codebook_headers() -> list[str]:
    return [column.capitalize() for column in CODEBOOK_COLUMNS]


#: The old ``fmt`` values of :func:`codebook_table` that name text formats, and what replaces
#: them (``"frame"`` is the table itself).
_CODEBOOK_FORMATS = {"markdown": codebook_markdown, "html": codebook_html, "frame": None}


def export_codebook(study: Study, path: Path | str) -> Path:
    """Write the codebook table to ``.md``, ``.html``, ``.csv`` or ``.xlsx``; return the file.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> written = export_codebook(study, folder / "codebook.md")
    >>> written.read_text(encoding="utf-8").splitlines()[0].startswith("# Codebook")
    True
    >>> study.close()
    """
    path = _check_suffix(path, CODEBOOK_SUFFIXES, "codebook")
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _write_table(codebook_table(study), path, sheet="codebook")
    title = f"Codebook: {study.name}"
    if suffix == ".html":
        body = codebook_html(study)
        text = f"<h1>{html.escape(title)}</h1>\n{body}\n"
    else:
        text = f"# {markdown_cell(title)}\n\n{codebook_markdown(study)}"
    path.write_text(text, encoding="utf-8")
    return path


def markdown_cell(value: Any) -> str:
    r"""Escape a value for one cell of a Markdown table.

    Backslashes and pipes are escaped (a pipe would end the cell), ``<`` and entity-like ``&``
    become entities (so the text cannot become HTML when the Markdown is rendered), and line
    breaks become ``<br>``; missing values become empty cells.

    Examples
    --------
    >>> print(markdown_cell("A | B\nnext line <script>"))
    A \| B<br>next line &lt;script>
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).replace("\\", "\\\\")
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace("|", "\\|")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text.replace("\n", "<br>")


def _codebook_frame(study: Study) -> pd.DataFrame:
    book = study.codebook().to_frame()
    names = dict(zip(book["code_id"], book["name"], strict=True))
    parents = dict(zip(book["code_id"], book["parent_id"], strict=True))
    rows = []
    for code in book.itertuples(index=False):
        path, parent = [code.name], parents[code.code_id]
        while isinstance(parent, str) and parent != code.theme_id and parent in names:
            path.insert(0, names[parent])
            parent = parents[parent]
        rows.append(
            {
                "theme": names.get(code.theme_id, code.theme_id),
                "code": "" if code.code_id == code.theme_id else " › ".join(path),
                **{column: _text(getattr(code, column)) for column in CODEBOOK_COLUMNS[2:]},
            }
        )
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


# -- writing ---------------------------------------------------------------------------------------
def _check_suffix(path: Path | str, suffixes: tuple[str, ...], what: str) -> Path:
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(
            f"cannot write the {what} as {path.suffix or 'a file without a suffix'}",
            path=path,
            hint=f"name the file with one of {', '.join(suffixes)}",
        )
    if not path.parent.is_dir():
        raise InputError(
            "the folder to write into does not exist",
            path=path.parent,
            hint="create the folder first, or choose another file name",
        )
    return path


def _write_table(frame: pd.DataFrame, path: Path, *, sheet: str) -> Path:
    if path.suffix.lower() == ".csv":
        # UTF-8 with a byte-order mark: Excel otherwise reads accents as Windows-1252.
        safe = safe_for_spreadsheet(frame)
        safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        return path
    return write_xlsx(frame, path, sheet=sheet)

"""Privacy audit of stakeholder outputs: what a brief gives away before it goes out.

:func:`privacy_audit` reads finished briefs as a reader (or a copy-paste, or a screen reader)
would get them — PDF text page by page, HTML's visible text plus ``alt``/``title``/``aria-label``
attributes and the text of inline SVG charts, every cell of every CSV row and XLSX sheet, a Word
document's paragraphs, tables, headers and footers, any other file as plain text — and
reports, one row per finding:

- the study's identifiers (:func:`sensitive_terms`): names listed under ``privacy: names`` in
  ``study.yml`` and the notes' ``name`` attribute, participant ids (``P07``), note file names and
  stems (``P12_manager.md``, ``P12_manager``) and coder names from the study database;
- e-mail addresses, phone numbers and street addresses, as :func:`research_kit.text.find_pii`
  finds them;
- unsuppressed small cells: a whole number from 1 to ``min_cell_size - 1`` in a count column of
  a table (a header such as ``n``, ``count``, ``respondents``, ``Interviews`` or one holding
  ``(n)``), or written as ``n=3`` / ``(n 3)`` anywhere;
- labels that give a hidden cell's range away (``n<5``, ``<5``, ``fewer than 5`` in a table
  cell) where the cell should just say ``suppressed``.

Matching is case-insensitive and by whole words, and tolerates what PDF text extraction does to
words: hyphenation or a break at a line end, several spaces or a newline between the words of a
name, ligatures (Unicode NFKC), soft hyphens and zero-width characters. A participant id only
counts when it is one of the study's own ids, so "Ward 4", years, percentages or "±3 pts" are
not findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from research_kit.briefs._audit_readers import read_brief
from research_kit.briefs._audit_scanner import Scanner
from research_kit.briefs.gate import TERM_KINDS, sensitive_terms
from research_kit.errors import AuditError
from research_kit.study import Study

__all__ = [
    "AUDIT_COLUMNS",
    "FINDING_KINDS",
    "TERM_KINDS",
    "format_findings",
    "mask",
    "privacy_audit",
    "sensitive_terms",
]

#: Columns of :func:`privacy_audit`'s result.
AUDIT_COLUMNS = ["file", "where", "kind", "text"]
#: Every kind of finding, identifiers first.
FINDING_KINDS = (*TERM_KINDS, "name", "email", "phone", "address", "small cell", "range label")
#: Kinds whose text is masked when printed (counts and labels are not personal).
_MASKED_KINDS = frozenset(FINDING_KINDS) - {"small cell", "range label"}


def privacy_audit(
    study: Study,
    paths: Iterable[Path | str],
    *,
    min_cell_size: int | None = None,
) -> pd.DataFrame:
    """Scan stakeholder outputs for the study's identifiers, personal data and small cells.

    Parameters
    ----------
    study : Study
        The study the outputs come from (its names, ids, coders and ``min_cell_size``).
    paths : iterable of Path or str
        Files to scan: ``.pdf``, ``.html``/``.htm``/``.svg``, ``.csv``/``.tsv``,
        ``.xlsx``/``.xlsm``, ``.docx``; anything else is read as plain text.
    min_cell_size : int, optional
        Counts below this are small cells (default: the study's ``min_cell_size``).

    Returns
    -------
    pandas.DataFrame
        One row per finding, columns ``file`` (as given), ``where`` (``page 3`` for a PDF, a
        CSS path or ``table 2, row 4, column 'n'`` for HTML, ``Sheet2!B7`` for XLSX,
        ``row 4, column 'n'`` for CSV, ``line 12`` for text), ``kind`` (one of
        :data:`FINDING_KINDS`) and ``text`` (what was found, unmasked: the researcher's view;
        :func:`format_findings` masks it). The same finding at the same place is one row.
        Empty when the files are clean.

    Raises
    ------
    AuditError
        A file is missing, or cannot be read as its suffix says (the error names the file and
        what to do). Nothing is scanned then.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> study_folder = folder / "study"
    >>> _ = shutil.copytree("interview_data", study_folder,
    ...                     ignore=shutil.ignore_patterns("study.db*"))
    >>> brief = folder / "brief.html"
    >>> _ = brief.write_text('<p>Ward 4, 2026: 12% (n=3)</p><img alt="Marisol at the desk">')
    >>> with open_study(study_folder, create=False) as study:
    ...     found = privacy_audit(study, [brief])
    >>> found[["where", "kind", "text"]].values.tolist()
    [['p', 'small cell', 'n=3'], ['img[alt]', 'listed name', 'Marisol']]
    """
    paths = list(paths)
    for path in paths:
        if not Path(path).is_file():
            raise AuditError(
                "no such file",
                path=path,
                hint="give the path of a PDF, HTML, CSV or XLSX brief that exists",
            )
    threshold = study.min_cell_size if min_cell_size is None else int(min_cell_size)
    scanner = Scanner(sensitive_terms(study), threshold)
    rows: list[tuple[str, str, str, str]] = []
    for path in paths:
        pieces, grids = read_brief(Path(path))
        rows += [(str(path), where, kind, text) for where, kind, text in scanner.scan(pieces)]
        for grid in grids:
            rows += [(str(path), where, kind, text) for where, kind, text in scanner.cells(grid)]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS).drop_duplicates(ignore_index=True)


def mask(text: str) -> str:
    """Show the start of a sensitive text only: enough to find it, not enough to read it.

    Examples
    --------
    >>> mask("Marisol"), mask("P07"), mask("dana@example.org")
    ('Mar…', 'P…', 'dan…')
    """
    text = " ".join(str(text).split())
    keep = max(1, min(3, (len(text) + 2) // 3))
    return text[:keep] + "…"


def format_findings(findings: pd.DataFrame, *, n_files: int | None = None) -> str:
    """Print :func:`privacy_audit`'s findings: one ``file: where: what`` line each, and a summary.

    Names, ids, coders and contact details are masked (:func:`mask`); small cells and range
    labels are shown as they are.

    Parameters
    ----------
    findings : pandas.DataFrame
        What :func:`privacy_audit` returned.
    n_files : int, optional
        How many files were scanned (the summary then says how many of them were clean).

    Examples
    --------
    >>> found = pd.DataFrame(
    ...     [["brief.pdf", "page 2", "listed name", "Marisol"],
    ...      ["table.csv", "row 3, column 'n'", "small cell", "3"]], columns=AUDIT_COLUMNS)
    >>> print(format_findings(found, n_files=3))
    brief.pdf: page 2: listed name 'Mar…'
    table.csv: row 3, column 'n': small cell '3'
    privacy audit: 2 findings in 2 of 3 files (1 listed name, 1 small cell)
    >>> print(format_findings(found.iloc[:0], n_files=1))
    privacy audit: no findings in 1 file
    """
    lines = [
        f"{row.file}: {row.where}: {row.kind} "
        + repr(mask(row.text) if row.kind in _MASKED_KINDS else row.text)
        for row in findings.itertuples(index=False)
    ]
    with_findings = findings["file"].nunique()
    scanned = with_findings if n_files is None else n_files
    if findings.empty:
        lines.append(
            "privacy audit: no findings" + (f" in {_plural(scanned, 'file')}" if scanned else "")
        )
        return "\n".join(lines)
    counts = findings["kind"].value_counts()
    kinds = dict.fromkeys(kind for kind in (*FINDING_KINDS, *counts.index) if kind in counts)
    by_kind = ", ".join(f"{counts[kind]} {kind}" for kind in kinds)
    files = _plural(scanned, "file")
    if with_findings != scanned:
        files = f"{with_findings} of {files}"
    lines.append(f"privacy audit: {_plural(len(findings), 'finding')} in {files} ({by_kind})")
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"

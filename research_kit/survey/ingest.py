"""Survey exports → DataFrames: read CSV/XLSX as survey tools write them, whatever the encoding.

Survey tools and spreadsheets write UTF-8 with or without a byte-order mark, Windows-1252,
comma- or semicolon-separated files, or Excel workbooks. :func:`read_survey` reads all of them,
keeps every cell as text (a ward "01" stays "01"; ratings are labels, not numbers) and treats
blank cells as missing. Errors name the file and the row. Recognising question kinds and tidying
answers build on this.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.rawfiles import read_raw_bytes
from research_kit.tables import read_csv_table

SURVEY_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


def read_survey(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """Read a survey export (CSV or XLSX) into a DataFrame of text cells.

    Parameters
    ----------
    path : Path or str
        The export.
    encoding : str, optional
        Force an encoding (detected by default: BOM, UTF-8, then Windows-1252).
    sep : str, optional
        Force a separator (detected by default among ``,`` ``;`` tab and ``|``).
    sheet : str or int
        The worksheet of an XLSX file.

    Returns
    -------
    pandas.DataFrame
        One row per response, columns as in the header row, cells as ``str`` (missing: NA).
        ``df.attrs`` holds ``source``, ``encoding`` and ``separator``.

    Raises
    ------
    SurveyError
        If the file is empty, binary, has no responses or a malformed row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = path.write_bytes("id;ward;comment\\n1;Ward 2;Más rápido\\n".encode("cp1252"))
    >>> frame = read_survey(path)
    >>> frame.loc[0, "comment"], frame.attrs["encoding"], frame.attrs["separator"]
    ('Más rápido', 'cp1252', ';')
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        frame = _read_xlsx(path, sheet)
    else:
        frame = read_csv_table(path, encoding=encoding, sep=sep, error_class=SurveyError)
    _check_has_responses(frame, path)
    return frame


def _read_xlsx(path: Path, sheet: str | int) -> pd.DataFrame:
    read_raw_bytes(path, error_class=SurveyError)
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, engine="openpyxl")
    except ValueError as exc:
        raise SurveyError(
            f"cannot read worksheet {sheet!r} ({exc})",
            path=path,
            hint="name an existing sheet, or save the file again from Excel",
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise SurveyError(
            "is not a readable Excel workbook",
            path=path,
            hint="open it in Excel and save as .xlsx again, or export CSV instead",
        ) from exc
    frame.attrs.update(source=str(path), encoding="xlsx", separator=None)
    return frame


def _check_has_responses(frame: pd.DataFrame, path: Path) -> None:
    if frame.shape[1] == 0:
        raise SurveyError("has no columns", path=path, hint="export the survey again")
    if frame.empty:
        raise SurveyError(
            "has a header but no responses",
            path=path,
            line=2,
            hint="export the survey again once responses are in",
        )
    if all(str(column).startswith("Unnamed: ") for column in frame.columns):
        raise SurveyError(
            "has no column names in its first row",
            path=path,
            line=1,
            hint="export with a header row of question names",
        )

"""SPSS, Stata and SAS data files as survey exports: labels applied, cells as text.

Statistical packages keep a survey's dictionary inside the file: each variable's label (the
question text), value labels (1 → "Male"), missing-value codes and, in SPSS only, a measurement
level (nominal, ordinal, scale). :func:`read_statistical_file` reads ``.sav``/``.zsav``/``.por``
(SPSS), ``.dta`` (Stata), ``.sas7bdat`` and ``.xpt`` (SAS) through pyreadstat into a
:class:`~research_kit.survey.ingest.SurveyExport` like every other reader's:

* cells are text, as the CSV readers give them: value labels applied ("Male", not 1), numbers
  written without a spurious ``.0``, dates, datetimes and times as ISO 8601 text;
* a cell holding a declared missing-value code (SPSS user-missing values and ranges, Stata
  ``.a``–``.z``, SAS ``.A``–``.Z``) becomes missing, and the code is recorded in
  ``missing_codes`` (row, column, code, its label);
* the ``questions`` table adds ``variable_label``, ``measure``, ``categories`` (the value labels
  in code order), ``ordered``, ``missing_values`` (the declared codes) and ``variable_format``.

Only SPSS stores a measurement level. Stata and SAS files have none, so their ``measure`` is
``"unknown"`` and their categories keep the label order without being called ordered: a
variable is ``ordered`` only when the file says so (SPSS measure ``ordinal``). SAS value labels
live in a separate format catalog: a ``<name>.sas7bcat`` next to the data file is used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from research_kit.errors import SurveyError
from research_kit.rawfiles import require_regular_file
from research_kit.survey.export_formats import ExportReader, register_export_reader
from research_kit.survey.ingest import (
    MISSING_CODE_COLUMNS,
    QUESTION_COLUMNS,
    SurveyExport,
)

__all__ = ["STATISTICAL_QUESTION_COLUMNS", "STATISTICAL_SUFFIXES", "read_statistical_file"]

#: The columns of ``questions`` for a statistical file: the common ones, then its dictionary.
STATISTICAL_QUESTION_COLUMNS = (
    *QUESTION_COLUMNS,
    "variable_label",
    "measure",
    "categories",
    "ordered",
    "missing_values",
    "variable_format",
)

#: Suffix → (export format, the program that writes it).
STATISTICAL_SUFFIXES = {
    ".sav": ("spss", "SPSS"),
    ".zsav": ("spss", "SPSS"),
    ".por": ("spss", "SPSS"),
    ".dta": ("stata", "Stata"),
    ".sas7bdat": ("sas", "SAS"),
    ".xpt": ("sas", "SAS"),
}

# Past 2**53 a double no longer holds every integer: such values keep their float spelling.
_EXACT_INTEGER = 2.0**53


def read_statistical_file(
    path: Path | str,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    header_rows: str | int = "auto",
) -> SurveyExport:
    """Read an SPSS, Stata or SAS data file: labelled answers as text, its dictionary aside.

    Parameters
    ----------
    path : Path or str
        A ``.sav``, ``.zsav``, ``.por``, ``.dta``, ``.sas7bdat`` or ``.xpt`` file.
    encoding : str, optional
        The text encoding, for old files that do not record it (pyreadstat's ``encoding``).
    sep, sheet, header_rows
        Accepted for :func:`~research_kit.survey.ingest.read_survey_export`'s sake; they do
        not apply to these files (names and labels live in the file's dictionary), so any
        value but the default is refused.

    Returns
    -------
    SurveyExport
        ``responses`` (one row per case, cells as text, value labels applied), ``questions``
        (:data:`STATISTICAL_QUESTION_COLUMNS`), ``missing_codes``, ``export_format``
        (``"spss"``, ``"stata"`` or ``"sas"``), ``header_rows`` 0 and ``first_data_row`` 1
        (case numbers).

    Raises
    ------
    SurveyError
        If the file is missing, damaged, truncated or not a file of its suffix's format, or
        if an option that does not apply is given; the message names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.sav"
    >>> frame = pd.DataFrame({"ward": [1.0, 2.0, 9.0], "rating": [1.0, 3.0, 2.0]})
    >>> pyreadstat.write_sav(
    ...     frame, path,
    ...     column_labels={"ward": "Which ward do you live in?", "rating": "How satisfied?"},
    ...     variable_value_labels={
    ...         "ward": {1.0: "Ward 1", 2.0: "Ward 2", 9.0: "Refused"},
    ...         "rating": {1.0: "Low", 2.0: "Medium", 3.0: "High"},
    ...     },
    ...     missing_ranges={"ward": [9.0]},
    ...     variable_measure={"ward": "nominal", "rating": "ordinal"},
    ... )
    >>> export = read_statistical_file(path)
    >>> export.responses["rating"].tolist(), export.responses["ward"].tolist()
    (['Low', 'High', 'Medium'], ['Ward 1', 'Ward 2', nan])
    >>> export.question_text("ward")
    'Which ward do you live in?'
    >>> export.questions.loc[1, ["categories", "ordered"]].tolist()
    [('Low', 'Medium', 'High'), True]
    >>> export.missing_codes.to_dict("records")
    [{'row': 2, 'column': 'ward', 'code': '9', 'label': 'Refused'}]
    """
    path = Path(path)
    export_format, program = _format_of(path)
    _refuse_options(path, program, sep=sep, sheet=sheet, header_rows=header_rows)
    require_regular_file(path, error_class=SurveyError)
    frame, meta = _read(path, program, encoding)
    columns: dict[str, pd.Series] = {}
    questions: list[dict[str, Any]] = []
    missing: list[pd.DataFrame] = []
    for name in frame.columns:
        variable = _Variable.from_meta(str(name), meta, export_format)
        text, coded = variable.as_text(frame[name])
        columns[variable.name] = text
        questions.append(variable.question_row())
        missing.append(coded)
    responses = pd.DataFrame(columns, index=frame.index).astype(object)
    if responses.shape[1] == 0:
        raise SurveyError("has no variables", path=path, hint=f"save the data again in {program}")
    return SurveyExport(
        responses=responses,
        questions=pd.DataFrame(questions, columns=list(STATISTICAL_QUESTION_COLUMNS), dtype=object),
        source=str(path),
        encoding=getattr(meta, "file_encoding", None) or encoding,
        separator=None,
        export_format=export_format,
        header_rows=0,
        first_data_row=1,
        missing_codes=pd.concat(missing, ignore_index=True).astype(object),
    )


# -- reading the file ----------------------------------------------------------------------------
def _format_of(path: Path) -> tuple[str, str]:
    suffix = path.suffix.lower()
    if suffix not in STATISTICAL_SUFFIXES:
        raise SurveyError(
            f"{suffix or 'no suffix'} is not a statistical file suffix",
            path=path,
            hint=f"name the file with one of {', '.join(STATISTICAL_SUFFIXES)}",
        )
    return STATISTICAL_SUFFIXES[suffix]


def _refuse_options(path: Path, program: str, **options: Any) -> None:
    defaults = {"sep": None, "sheet": 0, "header_rows": "auto"}
    for name, value in options.items():
        if value != defaults[name]:
            raise SurveyError(
                f"{name}={value!r} does not apply to {program} files: their variable names and "
                "labels live in the file's dictionary, not in header rows",
                path=path,
                hint=f"leave {name} unset",
            )


def _pyreadstat_reader(path: Path) -> tuple[Callable[..., Any], dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav"):
        return pyreadstat.read_sav, {"user_missing": True}
    if suffix == ".por":
        return pyreadstat.read_por, {}
    if suffix == ".dta":
        return pyreadstat.read_dta, {"user_missing": True}
    if suffix == ".xpt":
        return pyreadstat.read_xport, {}
    options: dict[str, Any] = {"user_missing": True}
    catalog = path.with_suffix(".sas7bcat")
    if catalog.is_file():  # SAS keeps value labels (formats) in a catalog beside the data
        options["catalog_file"] = str(catalog)
    return pyreadstat.read_sas7bdat, options


def _read(path: Path, program: str, encoding: str | None) -> tuple[pd.DataFrame, Any]:
    read, options = _pyreadstat_reader(path)
    if encoding is not None:
        options["encoding"] = encoding
    try:
        return read(str(path), **options)
    except Exception as exc:  # pyreadstat raises ReadstatError, PyreadstatError, OSError …
        raise SurveyError(
            f"is not a readable {program} file ({_reason(exc)})",
            path=path,
            hint=f"the file may be truncated or damaged: save or export it again from {program}",
        ) from exc


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# -- one variable --------------------------------------------------------------------------------
class _Variable:
    """One variable of the file's dictionary, and how its cells become text."""

    def __init__(
        self,
        name: str,
        *,
        label: str | None,
        measure: str,
        value_labels: dict[Any, str],
        missing_ranges: list[tuple[Any, Any]],
        variable_format: str | None,
        is_string: bool,
    ) -> None:
        self.name = name
        self.label = label
        self.measure = measure
        self.value_labels = value_labels
        self.missing_ranges = missing_ranges
        self.variable_format = variable_format
        self.is_string = is_string

    @classmethod
    def from_meta(cls, name: str, meta: Any, export_format: str) -> _Variable:
        labels = dict(zip(meta.column_names, meta.column_labels or [], strict=False))
        measures = getattr(meta, "variable_measure", None) or {}
        # Only SPSS records a measurement level; pyreadstat says "unknown" for the others.
        measure = measures.get(name, "unknown") if export_format == "spss" else "unknown"
        ranges = [(part["lo"], part["hi"]) for part in (meta.missing_ranges or {}).get(name, [])]
        return cls(
            name,
            label=(labels.get(name) or None),
            measure=measure or "unknown",
            value_labels=dict((meta.variable_value_labels or {}).get(name, {})),
            missing_ranges=ranges,
            variable_format=(meta.original_variable_types or {}).get(name),
            is_string=(meta.readstat_variable_types or {}).get(name) == "string",
        )

    def is_missing_code(self, value: Any) -> bool:
        """A declared user-missing value (SPSS) or a lettered missing value (Stata, SAS)."""
        if isinstance(value, str) and self._lettered(value):
            return True
        return any(_between(value, low, high) for low, high in self.missing_ranges)

    def _lettered(self, value: str) -> bool:
        # pyreadstat gives Stata's .a-.z and SAS's .A-.Z and ._ as the bare letter in a
        # numeric column (user_missing=True); a string variable's "a" is an answer.
        return not self.is_string and len(value) == 1 and (value.isalpha() or value == "_")

    def categories(self) -> tuple[str, ...] | None:
        codes = sorted(
            (code for code in self.value_labels if not self.is_missing_code(code)), key=_code_key
        )
        return tuple(str(self.value_labels[code]) for code in codes) or None

    def question_row(self) -> dict[str, Any]:
        categories = self.categories()
        declared = tuple(_range_text(low, high) for low, high in self.missing_ranges)
        return {
            "column": self.name,
            "question": self.label or self.name,
            "option": None,
            "import_id": None,
            "variable_label": self.label,
            "measure": self.measure,
            "categories": categories,
            "ordered": bool(categories) and self.measure == "ordinal",
            "missing_values": declared or None,
            "variable_format": self.variable_format,
        }

    def as_text(self, series: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
        """The cells as text (labels applied, missing codes blanked) and the codes found."""
        out = np.array(_texts(series), dtype=object)
        if self.value_labels:
            labels = {code: str(label) for code, label in self.value_labels.items()}
            labelled = series.map(labels).to_numpy(dtype=object)
            has_label = pd.notna(labelled)
            out[has_label] = labelled[has_label]
        coded_rows = np.flatnonzero(self._coded_mask(series))
        values = series.to_numpy(dtype=object)
        coded = pd.DataFrame(
            [
                (series.index[i], self.name, self._code_text(values[i]), self._label(values[i]))
                for i in coded_rows
            ],
            columns=list(MISSING_CODE_COLUMNS),
        )
        out[coded_rows] = None
        text = pd.Series(out, index=series.index, name=self.name, dtype=object)
        return text.where(text.notna() & (text != ""), np.nan), coded

    def _coded_mask(self, series: pd.Series) -> np.ndarray:
        if not self.missing_ranges and (self.is_string or series.dtype != object):
            return np.zeros(len(series), dtype=bool)  # nothing declared, no lettered codes
        if pd.api.types.is_numeric_dtype(series.dtype):  # the usual case, at numpy speed
            numbers = series.to_numpy(dtype=float)
            mask = np.zeros(len(series), dtype=bool)
            for low, high in self.missing_ranges:
                mask |= (numbers >= float(low)) & (numbers <= float(high))
            return mask
        return np.array([self._coded(value) for value in series.to_numpy(dtype=object)])

    def _coded(self, value: Any) -> bool:
        return not _is_blank(value) and self.is_missing_code(value)

    def _label(self, value: Any) -> str | None:
        if _is_blank(value):
            return None
        if value in self.value_labels:
            return str(self.value_labels[value])
        return None

    def _code_text(self, value: Any) -> str:
        if isinstance(value, str) and self._lettered(value):
            return "." + value
        return _scalar_text(value) or ""


def _between(value: Any, low: Any, high: Any) -> bool:
    if _is_blank(value):
        return False
    if isinstance(value, str) or isinstance(low, str):
        return isinstance(value, str) and isinstance(low, str) and low <= value <= high
    try:
        return float(low) <= float(value) <= float(high)
    except (TypeError, ValueError):
        return False


def _range_text(low: Any, high: Any) -> str:
    if low == high:
        return _scalar_text(low) or ""
    return f"{_scalar_text(low)} thru {_scalar_text(high)}"


def _code_key(code: Any) -> tuple[int, float, str]:
    if isinstance(code, (int, float, np.number)) and not isinstance(code, bool):
        return (0, float(code), "")
    return (1, 0.0, str(code))


# -- cells as text -------------------------------------------------------------------------------
def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _texts(series: pd.Series) -> list[str | None]:
    """Each cell as text; numbers columns at once (a large file has millions of cells)."""
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        return _numbers_text(series.to_numpy(dtype=float))
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(value) else value.isoformat() for value in series]
    return [_scalar_text(value) for value in series.to_numpy(dtype=object)]


def _numbers_text(values: np.ndarray) -> list[str | None]:
    finite = np.isfinite(values)
    whole = finite & (np.abs(values) < _EXACT_INTEGER) & (values == np.round(values))
    out = np.full(len(values), None, dtype=object)
    # survey answers repeat a few values: spell each distinct value once
    for mask, spell in ((whole, lambda value: str(int(value))), (finite & ~whole, repr)):
        if mask.any():
            distinct, positions = np.unique(values[mask], return_inverse=True)
            spelled = np.array([spell(value) for value in distinct.tolist()], dtype=object)
            out[mask] = spelled[positions]
    return out.tolist()


def _scalar_text(value: Any) -> str | None:
    if _is_blank(value):
        return None
    if isinstance(value, (datetime, date, time, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        return _numbers_text(np.array([float(value)]))[0] if math.isfinite(value) else None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value)


for _export_format in ("spss", "stata", "sas"):
    register_export_reader(
        ExportReader(
            _export_format,
            read=read_statistical_file,
            suffixes=tuple(
                suffix for suffix, (fmt, _) in STATISTICAL_SUFFIXES.items() if fmt == _export_format
            ),
        )
    )

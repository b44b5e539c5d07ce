"""The joined tables every analysis and export of codings starts from.

:func:`coding_tables` joins :func:`research_kit.interviews.codings` with the notes' attributes
(``study.documents_table()``) and the codebook (``study.codebook().to_frame()``); the small
helpers here say which columns are attributes and how a missing attribute value is shown, so
that :mod:`.analysis`, :mod:`.quotations` and :mod:`.export` count and label alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from research_kit.interviews.coding import codings

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "DOCUMENT_FILE_COLUMNS",
    "NOT_RECORDED",
    "attribute_columns",
    "coding_tables",
    "is_missing",
    "value_label",
    "value_order",
]

#: Columns of ``study.documents_table()`` that describe the file, not the participant.
DOCUMENT_FILE_COLUMNS = ("path", "n_chars", "n_words", "content_hash")
#: The value label for notes that do not record an attribute.
NOT_RECORDED = "(not recorded)"


def coding_tables(
    study: Study, *, coder: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables every analysis and export of codings starts from.

    Parameters
    ----------
    study : Study
    coder : str, optional
        One coder's codings only (default: every coder, pooled).

    Returns
    -------
    coded : pandas.DataFrame
        :func:`research_kit.interviews.codings` joined with the notes' attributes and the code
        table; ``participant`` is the note's participant, or the note itself when it names none.
    codes : pandas.DataFrame
        ``code_id``, ``code``, ``theme_id``, ``theme`` and ``order`` (codebook order), codes no
        longer in the codebook last.
    documents : pandas.DataFrame
        ``study.documents_table()`` with its ``participant`` filled the same way.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> coded, codes, documents = coding_tables(study)
    >>> list(codes.columns), len(coded)
    (['code_id', 'code', 'theme_id', 'theme', 'order'], 0)
    >>> study.close()
    """
    coded = codings(study, coder=coder)
    documents = study.documents_table()
    documents = documents.assign(participant=_participants(documents))
    codes = _code_table(study, coded["code_id"])
    attributes = documents.drop(columns=[c for c in DOCUMENT_FILE_COLUMNS if c in documents])
    coded = coded.merge(attributes, on="document_id", how="left")
    coded["participant"] = coded["participant"].fillna(coded["document_id"])
    coded = coded.merge(codes, on="code_id", how="left")
    return coded, codes, documents


def _participants(documents: pd.DataFrame) -> pd.Series:
    """The participant of each note; a note that names none is its own participant."""
    if "participant" not in documents:
        return documents["document_id"].astype(object)
    named = documents["participant"].map(lambda v: None if is_missing(v) else str(v))
    return named.fillna(documents["document_id"]).astype(object)


def _code_table(study: Study, used: Iterable[str]) -> pd.DataFrame:
    """code_id, code, theme_id, theme and codebook order; codes no longer in the codebook last."""
    book = study.codebook().to_frame()
    names = dict(zip(book["code_id"], book["name"], strict=True))
    table = pd.DataFrame(
        {
            "code_id": book["code_id"].astype(object),
            "code": book["name"].astype(object),
            "theme_id": book["theme_id"].astype(object),
            "theme": book["theme_id"].map(names).astype(object),
        }
    )
    extra = sorted(set(used) - set(table["code_id"]))
    if extra:
        orphan = pd.DataFrame({"code_id": extra, "code": extra, "theme_id": extra, "theme": extra})
        table = pd.concat([table, orphan.astype(object)], ignore_index=True)
    table["order"] = range(len(table))
    return table


def attribute_columns(documents: pd.DataFrame) -> list[str]:
    return [c for c in documents.columns if c not in (*DOCUMENT_FILE_COLUMNS, "document_id")]


def value_label(value: Any) -> str:
    return NOT_RECORDED if is_missing(value) else str(value)


def value_order(labels: pd.Series, spec: Any) -> list[str]:
    """Values in the schema's order, then any others alphabetically, then "not recorded"."""
    present = set(labels)
    declared = [v for v in getattr(spec, "values", ()) if v in present]
    others = sorted(present - set(declared) - {NOT_RECORDED})
    return declared + others + ([NOT_RECORDED] if NOT_RECORDED in present else [])


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return False

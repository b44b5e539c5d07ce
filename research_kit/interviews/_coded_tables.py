"""The joined tables every analysis and export of codings starts from.

:func:`coding_tables` joins :func:`research_kit.interviews.codings` with the notes' attributes
(``study.documents_table()``) and the codebook (``study.codebook().to_frame()``); the small
helpers here say which columns are attributes and how a missing attribute value is shown, so
that :mod:`.analysis`, :mod:`.quotations`, :mod:`.export`, :mod:`.cases` and :mod:`.queries`
count, label and filter alike (codes by id or name, ``where`` filters on attributes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from research_kit.errors import CodingError, did_you_mean
from research_kit.interviews.coding import codings
from research_kit.interviews.refi_records import read_cases

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "DOCUMENT_FILE_COLUMNS",
    "NOT_RECORDED",
    "attribute_columns",
    "coding_tables",
    "is_missing",
    "matches_where",
    "participant_documents",
    "resolve_codes",
    "stored_case_of",
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
        table; ``participant`` is the note's participant, or the note itself when it names none;
        ``case_id`` the note's case (see :func:`participant_documents`).
    codes : pandas.DataFrame
        ``code_id``, ``code``, ``theme_id``, ``theme`` and ``order`` (codebook order), codes no
        longer in the codebook last.
    documents : pandas.DataFrame
        ``study.documents_table()`` with its ``participant`` and ``case_id`` filled the same way.

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
    documents = participant_documents(study)
    codes = _code_table(study, coded["code_id"])
    attributes = documents.drop(columns=[c for c in DOCUMENT_FILE_COLUMNS if c in documents])
    coded = coded.merge(attributes, on="document_id", how="left")
    coded["participant"] = coded["participant"].fillna(coded["document_id"])
    # a coding on a note gone from the folder still finds its stored case, or keeps its own
    coded["case_id"] = _case_ids(study, coded["document_id"], coded["participant"])
    coded = coded.merge(codes, on="code_id", how="left")
    return coded, codes, documents


def participant_documents(study: Study) -> pd.DataFrame:
    """``study.documents_table()`` with ``participant`` filled and each note's ``case_id``.

    ``participant`` is the note's attribute, or the note itself when it names none. ``case_id``
    is the stored case (:func:`~research_kit.interviews.refi_records.read_cases`) that holds
    the note, whatever its ``participant`` says (the first stored, when several hold it), and
    otherwise the participant: the one rule of :mod:`research_kit.interviews.cases`.
    """
    documents = study.documents_table()
    participants = _participants(documents)
    case_ids = _case_ids(study, documents["document_id"], participants)
    return documents.assign(participant=participants, case_id=case_ids)


def _case_ids(study: Study, document_ids: pd.Series, participants: pd.Series) -> pd.Series:
    """Each note's stored case, or else its participant."""
    stored = document_ids.map(stored_case_of(study)).astype(object)
    return stored.where(stored.notna(), participants).astype(object)


def stored_case_of(study: Study) -> dict[str, str]:
    """Note id → the name of the first stored case that holds it (notes no case holds: absent).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews.refi_records import add_case
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> _ = add_case(study, "Front desk", documents=["letter", "call"])
    >>> _ = add_case(study, "Ana", documents=["call"])
    >>> stored_case_of(study)
    {'call': 'Front desk', 'letter': 'Front desk'}
    >>> study.close()
    """
    found: dict[str, str] = {}
    for case in read_cases(study):
        for document_id in case.documents:
            found.setdefault(document_id, case.name)
    return found


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
    skip = (*DOCUMENT_FILE_COLUMNS, "document_id", "case_id")
    return [c for c in documents.columns if c not in skip]


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


def resolve_codes(
    names: str | Iterable[str], codes: pd.DataFrame, study: Study, kind: str = "code"
) -> set[str]:
    """Code ids for code ids or names (any case); an unknown one is refused by name."""
    by_id = set(codes["code_id"])
    pairs = zip(codes["code_id"], codes["code"], strict=True)
    by_name = {_normalise(name): code_id for code_id, name in pairs}
    found = set()
    for name in [names] if isinstance(names, str) else list(names):
        if name in by_id:
            found.add(name)
        elif _normalise(name) in by_name:
            found.add(by_name[_normalise(name)])
        else:
            raise CodingError(
                f"the codebook has no {kind} {name!r}{did_you_mean(name, sorted(by_id))}",
                path=study.settings.codebook,
                hint=f"use a {kind} id or name from study.codebook().to_frame()",
            )
    return found


def matches_where(
    table: pd.DataFrame,
    documents: pd.DataFrame,
    where: Mapping[str, Any] | None,
    study: Study,
) -> pd.Series:
    """Which rows of ``table`` (with the notes' attribute columns) pass the ``where`` filters.

    ``where`` maps an attribute to a value or a list of values; matching ignores case and
    surrounding spaces. An attribute no note has is refused by name.
    """
    keep = pd.Series(True, index=table.index)
    for attribute, accepted in (where or {}).items():
        if attribute not in documents.columns:
            known = attribute_columns(documents)
            raise CodingError(
                f"no note has the attribute {attribute!r}{did_you_mean(attribute, known)}",
                path=study.settings.notes,
                hint=f"filter on one of: {', '.join(known)}",
            )
        keep &= table[attribute].map(_matcher(accepted)).astype(bool)
    return keep


def _matcher(accepted: Any):
    if isinstance(accepted, (list, tuple, set, frozenset)):
        wanted = {_normalise(value) for value in accepted}
    else:
        wanted = {_normalise(accepted)}
    return lambda value: not is_missing(value) and _normalise(value) in wanted


def _normalise(value: Any) -> str:
    return str(value).strip().casefold()

"""Cases: the participants of a study, with their attributes, and what was coded for each.

A case is one participant, as REFI-QDA's ``<Case>`` is (NVivo and MAXQDA call them cases and
classifications). One rule says which case a note belongs to, everywhere (these tables,
:func:`~research_kit.interviews.code_query`, the QDPX export):

1. a note held by a *stored* case (imported from a QDPX ``<Case>`` or written with
   :func:`~research_kit.interviews.refi_records.add_case`) belongs to that case, named by the
   case's name, whatever its ``participant`` attribute says (stored membership is the more
   deliberate statement; the first stored case wins when several hold the note, the others
   keep it in :func:`~research_kit.interviews.refi_records.read_cases`);
2. otherwise the note's ``participant`` attribute names its case (a second interview with the
   same person adds to their case);
3. a note that names no participant is a case of its own.

A case's attributes are its notes' attributes (role, ward, department …) and, for a stored
case, its own attributes; where they disagree, every value is kept. A stored case that holds
no note (only pictures or recordings) is still a case, with no notes.

:func:`cases` lists them (wide, one row per case), :func:`case_attributes` gives the same long
(one row per case × attribute × value), :func:`case_documents` says which notes belong to which
case, :func:`case_codes` / :func:`case_code_matrix` give what was coded in each case, tidy
and wide, and :func:`case_records` gives every case as a REFI-QDA record, which is what
:func:`~research_kit.interviews.export_qdpx` writes. Researcher views: nothing here is
redacted or suppressed (a brief must pass its own tables through :mod:`research_kit.privacy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import check_choice
from research_kit.interviews._coded_tables import (
    DOCUMENT_FILE_COLUMNS,
    attribute_columns,
    coding_tables,
    is_missing,
    participant_documents,
)
from research_kit.interviews.refi_records import Case, read_cases

if TYPE_CHECKING:
    from research_kit.study import Study

#: What one cell of :func:`case_code_matrix` counts.
CASE_CODE_VALUES = ("n_excerpts", "n_codings", "n_documents", "present")
#: Between the values of an attribute on which a case's notes disagree, in :func:`cases`.
VALUE_SEPARATOR = "; "


def case_documents(study: Study) -> pd.DataFrame:
    """Which note belongs to which case: ``case_id``, ``document_id``, in case order.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> case_documents(study).head(2).values.tolist()
    [['P01', 'P01_business-owner'], ['P02', 'P02_business-owner']]
    >>> study.close()
    """
    documents = participant_documents(study)
    table = documents[["case_id", "document_id"]]
    return table.sort_values(["case_id", "document_id"], kind="stable").reset_index(drop=True)


def case_attributes(study: Study) -> pd.DataFrame:
    """Every case's attributes, long: ``case_id``, ``attribute``, ``value`` (as text).

    One row per distinct value: a case whose notes disagree on an attribute (two interviews
    on two dates) has a row for each value; an attribute no note of the case records has none.
    A stored case's own attributes come first-class beside its notes' (see the module).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> table = case_attributes(study)
    >>> table[(table["case_id"] == "P04") & (table["attribute"] == "role")].values.tolist()
    [['P04', 'role', 'inspector']]
    >>> study.close()
    """
    return _long_attributes(participant_documents(study), read_cases(study))


def cases(study: Study) -> pd.DataFrame:
    """The study's cases (participants), one row each, with their attributes.

    Returns
    -------
    pandas.DataFrame
        ``case_id``, ``n_documents``, ``document_ids`` (comma-separated), then one column per
        attribute of the notes (as the notes give them; values on which the case's notes
        disagree are joined with ``"; "``, see :func:`case_attributes` for them one by one).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> cases(study)[["case_id", "n_documents", "role", "ward"]].head(2).values.tolist()
    [['P01', 1, 'business owner', 'Ward 2'], ['P02', 1, 'business owner', 'Ward 3']]
    >>> study.close()
    """
    documents = participant_documents(study)
    stored = read_cases(study)
    long = _long_attributes(documents, stored)
    case_ids = _case_ids(documents, stored)
    grouped = documents.sort_values("document_id", kind="stable").groupby("case_id", sort=True)
    table = pd.DataFrame(
        {
            "n_documents": grouped["document_id"].size().reindex(case_ids, fill_value=0),
            "document_ids": grouped["document_id"].agg(", ".join).reindex(case_ids, fill_value=""),
        },
        index=pd.Index(case_ids, name="case_id", dtype=object),
    )
    table["n_documents"] = table["n_documents"].astype("int64")
    for name in _attribute_order(documents, stored):
        values = long[long["attribute"] == name].groupby("case_id")["value"].agg(_joined)
        table[name] = [values.get(case_id) for case_id in case_ids]
    return table.reset_index()


def case_codes(study: Study, *, coder: str | None = None) -> pd.DataFrame:
    """What was coded in each case: one row per case × code of the codebook (zeros included).

    Parameters
    ----------
    study : Study
    coder : str, optional
        One coder's codings only (default: every coder, pooled).

    Returns
    -------
    pandas.DataFrame
        ``case_id``, ``code_id``, ``code``, ``theme_id``, ``theme``, ``n_excerpts`` (distinct
        coded spans), ``n_codings`` (coder × span), ``n_documents`` (notes where it was
        applied) and ``present`` (bool); cases in order, codes in codebook order (codes no
        longer in the codebook last).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "cost_of_delay", coder="M.K.")
    >>> table = case_codes(study)
    >>> table[table["present"]][["case_id", "code_id", "n_excerpts", "n_codings"]].values.tolist()
    [['P02', 'cost_of_delay', 1, 2]]
    >>> study.close()
    """
    coded, codes, documents = coding_tables(study, coder=coder)
    counts = coded.groupby(["case_id", "code_id"]).agg(
        n_excerpts=("excerpt_id", "nunique"),
        n_codings=("coding_id", "size"),
        n_documents=("document_id", "nunique"),
    )
    # Every case, coded or not; a coding on a note gone from the folder keeps its own case.
    case_ids = sorted(set(_case_ids(documents, read_cases(study))) | set(coded["case_id"]))
    grid = pd.MultiIndex.from_product(
        [case_ids, codes["code_id"].tolist()], names=["case_id", "code_id"]
    )
    table = counts.reindex(grid, fill_value=0).astype("int64").reset_index()
    table = table.merge(codes[["code_id", "code", "theme_id", "theme"]], on="code_id", how="left")
    table["present"] = table["n_codings"] > 0
    columns = ["case_id", "code_id", "code", "theme_id", "theme"]
    return table[[*columns, "n_excerpts", "n_codings", "n_documents", "present"]]


def case_code_matrix(
    study: Study, *, coder: str | None = None, values: str = "n_excerpts"
) -> pd.DataFrame:
    """The case × code matrix: one row per case, one column per code (by id, codebook order).

    Parameters
    ----------
    study : Study
    coder : str, optional
        One coder's codings only (default: every coder, pooled).
    values : {"n_excerpts", "n_codings", "n_documents", "present"}
        What each cell holds (see :func:`case_codes`); ``present`` gives 1 or 0.

    Returns
    -------
    pandas.DataFrame
        ``case_id`` then one integer column per code.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P02_business-owner", 90, 160, "cost_of_delay", coder="J.R.")
    >>> matrix = case_code_matrix(study)
    >>> matrix.loc[matrix["case_id"] == "P02", ["case_id", "cost_of_delay", "waiting"]].values
    array([['P02', 2, 0]], dtype=object)
    >>> study.close()
    """
    check_choice("values", values, CASE_CODE_VALUES)
    table = case_codes(study, coder=coder)
    table = table.assign(present=table["present"].astype("int64"))
    order = list(dict.fromkeys(table["code_id"]))
    matrix = table.pivot(index="case_id", columns="code_id", values=values)
    matrix = matrix.reindex(columns=order).astype("int64")
    matrix.columns.name = None
    return matrix.reset_index()


def case_records(study: Study) -> list[Case]:
    """Every case of :func:`cases` as a REFI-QDA record, as :func:`export_qdpx` writes them.

    Stored cases come as stored (their own attributes, notes and media, all of them). Each
    other case that a ``participant`` attribute names becomes a
    :class:`~research_kit.interviews.refi_records.Case` with its notes and the attributes on
    which its notes agree (with their types; an attribute with two values stays on the notes).
    A note that names nobody is not made a case: it is its own case again when read back.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> first = case_records(study)[0]
    >>> first.name, first.documents, first.attributes["role"]
    ('P01', ('P01_business-owner',), 'business owner')
    >>> study.close()
    """
    stored = read_cases(study)
    documents = participant_documents(study)
    held = {case.name for case in stored}
    named = documents[
        (documents["case_id"] != documents["document_id"]) & ~documents["case_id"].isin(held)
    ]
    names = _case_attribute_names(documents)
    # the values as the notes' front matter types them (dates stay dates), not as tabled
    typed = {document.id: document.attributes for document in study.documents()}
    made = []
    for case_id, notes in named.sort_values("document_id", kind="stable").groupby("case_id"):
        attributes = {}
        for name in names:
            present = [
                value
                for document_id in notes["document_id"]
                if not is_missing(value := typed.get(document_id, {}).get(name))
            ]
            if present and len({str(v) for v in present}) == 1:
                attributes[name] = present[0]
        made.append(Case(str(case_id), "", attributes, tuple(notes["document_id"])))
    return [*stored, *made]


# -- helpers ---------------------------------------------------------------------------------------
def _case_ids(documents: pd.DataFrame, stored: list[Case]) -> list[str]:
    """Every case: those of the notes and the stored ones that hold no note, sorted."""
    return sorted(set(documents["case_id"]) | {case.name for case in stored})


def _attribute_order(documents: pd.DataFrame, stored: list[Case]) -> list[str]:
    """The notes' attributes in their order, then stored cases' own attributes."""
    names = _case_attribute_names(documents)
    own = [name for case in stored for name in case.attributes]
    return list(dict.fromkeys([*names, *own]))


def _long_attributes(documents: pd.DataFrame, stored: list[Case]) -> pd.DataFrame:
    """case_id, attribute, value (text): notes' attributes and stored cases' own, distinct."""
    names = _case_attribute_names(documents)
    rows = [
        (case_id, name, value)
        for name in names
        for case_id, value in zip(documents["case_id"], documents[name], strict=True)
    ]
    rows += [(case.name, name, value) for case in stored for name, value in case.attributes.items()]
    columns = ("case_id", "attribute", "value")
    long = pd.DataFrame(
        {name: pd.Series([row[i] for row in rows], dtype=object) for i, name in enumerate(columns)}
    )
    long = long.loc[~long["value"].map(is_missing).astype(bool)]
    long = long.assign(value=long["value"].map(str)).drop_duplicates()
    order = {name: position for position, name in enumerate(_attribute_order(documents, stored))}
    long = long.assign(_order=long["attribute"].map(order))
    long = long.sort_values(["case_id", "_order", "value"], kind="stable")
    return long[["case_id", "attribute", "value"]].reset_index(drop=True)


def _case_attribute_names(documents: pd.DataFrame) -> list[str]:
    return [
        c for c in attribute_columns(documents) if c not in (*DOCUMENT_FILE_COLUMNS, "participant")
    ]


def _joined(values: pd.Series) -> str:
    present = sorted(set(values))
    return present[0] if len(present) == 1 else VALUE_SEPARATOR.join(present)

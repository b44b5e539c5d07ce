"""Cases: the participants of a study, with their attributes, and what was coded for each.

A case is one participant, as REFI-QDA's ``<Case>`` is (NVivo and MAXQDA call them cases and
classifications): it is named by the notes' ``participant`` attribute and holds every note with
that participant (a second interview with the same person adds to their case); a note that
names no participant is a case of its own. The case's attributes are its notes' attributes
(role, ward, department …); where two notes of one case disagree, both values are kept.

:func:`cases` lists them (wide, one row per case), :func:`case_attributes` gives the same long
(one row per case × attribute × value), :func:`case_documents` says which notes belong to which
case, and :func:`case_codes` / :func:`case_code_matrix` give what was coded in each case, tidy
and wide. Researcher views: nothing here is redacted or suppressed (a brief must pass its own
tables through :mod:`research_kit.privacy`).
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
    table = documents[["participant", "document_id"]].rename(columns={"participant": "case_id"})
    return table.sort_values(["case_id", "document_id"], kind="stable").reset_index(drop=True)


def case_attributes(study: Study) -> pd.DataFrame:
    """Every case's attributes, long: ``case_id``, ``attribute``, ``value`` (as text).

    One row per distinct value: a case whose notes disagree on an attribute (two interviews
    on two dates) has a row for each value; an attribute no note of the case records has none.

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
    documents = participant_documents(study)
    names = _case_attribute_names(documents)
    long = documents.melt(
        id_vars=["participant"], value_vars=names, var_name="attribute", value_name="value"
    )
    long = long[~long["value"].map(is_missing)]
    long = long.assign(value=long["value"].map(str)).rename(columns={"participant": "case_id"})
    order = {name: position for position, name in enumerate(names)}
    long = long.drop_duplicates(["case_id", "attribute", "value"])
    long = long.assign(_order=long["attribute"].map(order))
    long = long.sort_values(["case_id", "_order", "value"], kind="stable")
    return long[["case_id", "attribute", "value"]].reset_index(drop=True)


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
    names = _case_attribute_names(documents)
    grouped = documents.sort_values("document_id", kind="stable").groupby("participant", sort=True)
    table = pd.DataFrame(
        {
            "n_documents": grouped["document_id"].size(),
            "document_ids": grouped["document_id"].agg(", ".join),
        }
    )
    for name in names:
        table[name] = grouped[name].agg(_one_value)
    table.index.name = "case_id"
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
    counts = coded.groupby(["participant", "code_id"]).agg(
        n_excerpts=("excerpt_id", "nunique"),
        n_codings=("coding_id", "size"),
        n_documents=("document_id", "nunique"),
    )
    # Every case, coded or not; a coding on a note gone from the folder keeps its own case.
    case_ids = sorted(set(documents["participant"]) | set(coded["participant"]))
    grid = pd.MultiIndex.from_product(
        [case_ids, codes["code_id"].tolist()], names=["participant", "code_id"]
    )
    table = counts.reindex(grid, fill_value=0).astype("int64").reset_index()
    table = table.merge(codes[["code_id", "code", "theme_id", "theme"]], on="code_id", how="left")
    table["present"] = table["n_codings"] > 0
    table = table.rename(columns={"participant": "case_id"})
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


# -- helpers ---------------------------------------------------------------------------------------
def _case_attribute_names(documents: pd.DataFrame) -> list[str]:
    return [
        c for c in attribute_columns(documents) if c not in (*DOCUMENT_FILE_COLUMNS, "participant")
    ]


def _one_value(values: pd.Series) -> object:
    present = list(dict.fromkeys(str(v) for v in values if not is_missing(v)))
    if not present:
        return None
    return present[0] if len(present) == 1 else VALUE_SEPARATOR.join(sorted(present))

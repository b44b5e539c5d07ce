"""Coding queries: the questions researchers ask of their codings, answered as tidy tables.

"Where did business owners talk about both cost of delay and the portal, in the same
passage?" — :func:`code_query` answers it in one call::

    code_query(study, codes_all=["cost_of_delay", "portal_problems"], within="excerpt",
               where={"role": "business owner"})

A query looks at *units* of coded material and keeps those whose codes pass the test:

- ``within="excerpt"``: one coded span (the codes applied to exactly that span);
- ``within="overlap"``: a stretch of a note where codings overlap one another (A on one
  sentence, B on a paragraph around it) — what NVivo's and MAXQDA's "intersection" and
  "overlapping" queries find;
- ``within="near"``: a stretch where each coding starts within ``distance`` characters of the
  end of the one before ("A near B in the same note");
- ``within="note"``: a whole note; ``within="case"``: everything a participant said (every
  note of a case, by the one rule of :mod:`research_kit.interviews.cases`: a stored REFI-QDA
  case holds its notes, otherwise the ``participant`` attribute names the case).

and the test is ``codes_all`` (every one of these), ``codes_any`` (at least one) and
``codes_none`` (none of these). A code stands for itself and, with ``subcodes=True``, for the
codes under it in the codebook. ``where`` keeps notes by their attributes, as in
:func:`~research_kit.interviews.quotes`. ``result="cases"`` answers "which participants?".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from research_kit.errors import CodingError, check_choice
from research_kit.interviews._coded_tables import (
    attribute_columns,
    coding_tables,
    matches_where,
    resolve_codes,
)
from research_kit.interviews.cases import cases

if TYPE_CHECKING:
    from research_kit.study import Study

QUERY_UNITS = ("excerpt", "overlap", "near", "note", "case")
QUERY_RESULTS = ("units", "cases")
#: Characters between two codings that still count as "near" (about two sentences).
DEFAULT_DISTANCE = 200


def code_query(
    study: Study,
    *,
    codes_all: str | Iterable[str] = (),
    codes_any: str | Iterable[str] = (),
    codes_none: str | Iterable[str] = (),
    within: str = "excerpt",
    distance: int = DEFAULT_DISTANCE,
    where: Mapping[str, Any] | None = None,
    coder: str | None = None,
    subcodes: bool = True,
    result: str = "units",
) -> pd.DataFrame:
    """Units of coded material whose codes pass a test: all of, any of, none of some codes.

    Parameters
    ----------
    study : Study
    codes_all : str or list of str
        Codes (ids or names) that must all be in the unit ("A and B").
    codes_any : str or list of str
        Codes of which at least one must be in the unit ("A or B").
    codes_none : str or list of str
        Codes none of which may be in the unit ("not B").
    within : {"excerpt", "overlap", "near", "note", "case"}
        The unit (see the module's description): one coded span, a stretch of overlapping
        codings, a stretch of codings at most ``distance`` characters apart, a note, a case.
    distance : int
        For ``within="near"``: the largest gap, in characters, between one coding's end and
        the next one's start in the same stretch.
    where : dict, optional
        Keep only notes with these attributes, e.g. ``{"role": "resident"}``; a list value
        keeps any of its values; case and surrounding spaces are ignored.
    coder : str, optional
        One coder's codings only (default: every coder, pooled).
    subcodes : bool
        A code also stands for the codes under it in the codebook.
    result : {"units", "cases"}
        One row per unit found, or one row per case with units found.

    Returns
    -------
    pandas.DataFrame
        For ``result="units"``: ``case_id``, then for spans ``document_id``, ``start``,
        ``end``, ``text`` (the stretch of the note), for notes ``document_id``, then
        ``codes`` (every code in the unit, comma-separated, codebook order), ``n_excerpts``,
        ``n_codings`` and the note's (or case's) attributes. For ``result="cases"``:
        ``case_id``, ``n_units``, ``n_documents`` and the case's attributes.

    Raises
    ------
    CodingError
        No code asked about, or a code or attribute the study does not have.
    ValueError
        An unknown ``within`` or ``result``, or a negative ``distance``.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> for note in ("P01_business-owner", "P07_resident"):
    ...     _ = apply_code(study, note, 0, 60, "cost_of_delay", coder="J.R.")
    ...     _ = apply_code(study, note, 0, 60, "portal_problems", coder="J.R.")
    >>> _ = apply_code(study, "P07_resident", 40, 90, "helpful_staff", coder="J.R.")
    >>> both = code_query(study, codes_all=["cost_of_delay", "portal_problems"],
    ...                   where={"role": "resident"})
    >>> both[["case_id", "start", "end", "codes"]].values.tolist()
    [['P07', 0, 60, 'portal_problems, cost_of_delay']]
    >>> near = code_query(study, codes_all=["Cost of delay", "helpful_staff"], within="overlap")
    >>> near[["case_id", "start", "end", "n_codings"]].values.tolist()
    [['P07', 0, 90, 3]]
    >>> code_query(study, codes_any="cost_of_delay", codes_none="helpful_staff",
    ...            within="note", result="cases")[["case_id", "n_units"]].values.tolist()
    [['P01', 1]]
    >>> study.close()
    """
    check_choice("within", within, QUERY_UNITS)
    check_choice("result", result, QUERY_RESULTS)
    if distance < 0:
        raise ValueError(f"distance must be 0 or more characters, not {distance}")
    coded, codes, documents = coding_tables(study, coder=coder)
    tests = _code_tests(study, codes, codes_all, codes_any, codes_none, subcodes=subcodes)
    coded = coded[matches_where(coded, documents, where, study)]
    coded = coded.assign(unit=_unit_keys(coded, within, distance))
    present = coded.groupby("unit")["code_id"].agg(frozenset)
    kept = present[present.map(lambda found: _passes(found, tests))].index
    coded = coded[coded["unit"].isin(kept)]
    if result == "cases":
        return _cases_found(study, coded)
    return _units_found(study, coded, codes, documents, within)


# -- the test ----------------------------------------------------------------------------------
def _code_tests(
    study: Study,
    codes: pd.DataFrame,
    codes_all: str | Iterable[str],
    codes_any: str | Iterable[str],
    codes_none: str | Iterable[str],
    *,
    subcodes: bool,
) -> dict[str, list[frozenset[str]]]:
    """Each asked code as the set of code ids that stand for it, per kind of test."""
    groups = {"all": _as_list(codes_all), "any": _as_list(codes_any), "none": _as_list(codes_none)}
    if not any(groups.values()):
        raise CodingError(
            "the query names no code",
            hint="pass codes_all=, codes_any= or codes_none= with code ids or names",
        )
    children = _children(study) if subcodes else {}
    return {
        kind: [
            _with_descendants(code_id, children)
            for name in names
            for code_id in resolve_codes(name, codes, study)
        ]
        for kind, names in groups.items()
    }


def _passes(found: frozenset[str], tests: dict[str, list[frozenset[str]]]) -> bool:
    if not all(found & wanted for wanted in tests["all"]):
        return False
    if tests["any"] and not any(found & wanted for wanted in tests["any"]):
        return False
    return not any(found & unwanted for unwanted in tests["none"])


def _as_list(names: str | Iterable[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def _children(study: Study) -> dict[str, list[str]]:
    book = study.codebook().to_frame()
    children: dict[str, list[str]] = {}
    for code_id, parent in zip(book["code_id"], book["parent_id"], strict=True):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(code_id)
    return children


def _with_descendants(code_id: str, children: dict[str, list[str]]) -> frozenset[str]:
    found, waiting = {code_id}, [code_id]
    while waiting:
        for child in children.get(waiting.pop(), ()):
            if child not in found:
                found.add(child)
                waiting.append(child)
    return frozenset(found)


# -- the units ---------------------------------------------------------------------------------
def _unit_keys(coded: pd.DataFrame, within: str, distance: int) -> pd.Series:
    """The unit of each coding row: an excerpt, a stretch of a note, a note or a case."""
    if within == "excerpt":
        return coded["excerpt_id"].map(lambda excerpt: f"excerpt:{excerpt}")
    if within == "note":
        return coded["document_id"].map(lambda document_id: f"note:{document_id}")
    if within == "case":
        return coded["case_id"].map(lambda case_id: f"case:{case_id}")
    gap = 0 if within == "overlap" else distance + 1
    return _stretches(coded, gap)


def _stretches(coded: pd.DataFrame, gap: int) -> pd.Series:
    """Join codings into stretches: sorted by start, a coding starting before the stretch's
    end plus ``gap`` joins it (gap 0: only overlapping spans, end exclusive)."""
    ordered = coded.sort_values(["document_id", "start", "end"], kind="stable")
    keys = []
    document, reach, number = None, -1, 0
    for document_id, start, end in zip(
        ordered["document_id"], ordered["start"], ordered["end"], strict=True
    ):
        if document_id != document or start >= reach + gap:
            document, number = document_id, number + 1
            reach = end
        reach = max(reach, end)
        keys.append(f"stretch:{number}")
    return pd.Series(keys, index=ordered.index, dtype=object).reindex(coded.index)


def _units_found(
    study: Study,
    coded: pd.DataFrame,
    codes: pd.DataFrame,
    documents: pd.DataFrame,
    within: str,
) -> pd.DataFrame:
    order = dict(zip(codes["code_id"], codes["order"], strict=True))
    if coded.empty:  # the same columns as a table with rows, for code that reads them
        coded = coded.assign(unit=pd.Series(dtype=object))
    grouped = coded.groupby("unit", sort=False)
    table = grouped.agg(
        case_id=("case_id", "first"),
        document_id=("document_id", "first"),
        start=("start", "min"),
        end=("end", "max"),
        n_excerpts=("excerpt_id", "nunique"),
        n_codings=("coding_id", "size"),
    )
    table["codes"] = grouped["code_id"].agg(
        lambda ids: ", ".join(sorted(set(ids), key=lambda code_id: order.get(code_id, 0)))
    )
    if within == "case":
        table = table.drop(columns=["document_id", "start", "end"])
        table = table.merge(cases(study).drop(columns="document_ids"), on="case_id", how="left")
        table = table.sort_values("case_id", kind="stable")
        columns = ["case_id", "n_documents", "codes", "n_excerpts", "n_codings"]
        return _ordered(table, columns)
    attributes = [c for c in attribute_columns(documents) if c != "participant"]
    table = table.merge(documents[["document_id", *attributes]], on="document_id", how="left")
    if within == "note":
        table = table.drop(columns=["start", "end"]).sort_values("document_id", kind="stable")
        return _ordered(table, ["case_id", "document_id", "codes", "n_excerpts", "n_codings"])
    table["text"] = _stretch_texts(study, table, coded)
    table = table.sort_values(["document_id", "start", "end"], kind="stable")
    columns = ["case_id", "document_id", "start", "end", "text", "codes", "n_excerpts"]
    return _ordered(table, [*columns, "n_codings"])


def _stretch_texts(study: Study, table: pd.DataFrame, coded: pd.DataFrame) -> list[str]:
    """The note's text of each unit's span (the coded texts joined when the note is gone)."""
    texts: dict[str, str | None] = {}
    found = []
    for document_id, start, end in zip(
        table["document_id"], table["start"], table["end"], strict=True
    ):
        if document_id not in texts:
            try:
                texts[document_id] = study.document(document_id).text
            except CodingError:
                texts[document_id] = None
        text = texts[document_id]
        if text is None:
            mine = coded[(coded["document_id"] == document_id) & (coded["start"] >= start)]
            text = " … ".join(mine[mine["end"] <= end]["text"].unique())
        else:
            text = text[start:end]
        found.append(text)
    return found


def _cases_found(study: Study, coded: pd.DataFrame) -> pd.DataFrame:
    grouped = coded.groupby("case_id", sort=True)
    found = {"n_units": grouped["unit"].nunique(), "found_in": grouped["document_id"].nunique()}
    table = pd.DataFrame(found)
    table.index.name = "case_id"
    table = table.reset_index().merge(cases(study), on="case_id", how="left")
    table = table.drop(columns=["n_documents", "document_ids"])
    table = table.rename(columns={"found_in": "n_documents"})
    return _ordered(table, ["case_id", "n_units", "n_documents"])


def _ordered(table: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    rest = [column for column in table.columns if column not in first and column != "unit"]
    return table[[*first, *rest]].reset_index(drop=True)

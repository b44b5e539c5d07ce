"""Analyses of codings: what was coded, where, by whom, together with what, and when it stopped.

Every function takes the study and returns a tidy :class:`pandas.DataFrame` with named columns
(as pingouin does), built from :func:`research_kit.interviews.codings` joined with the notes'
attributes (``study.documents_table()``) and the codebook (``study.codebook().to_frame()``):

- :func:`code_frequencies`: excerpts, codings, documents and participants per code or theme;
- :func:`code_by_attribute`: codes by an attribute's values (role, ward…), small cells suppressed;
- :func:`code_cooccurrence`: pairs of codes on overlapping spans, the same excerpt or document;
- :func:`saturation_curve`: new and cumulative codes per successive interview;
- :func:`quotes`: "quotes for code X from business owners in Ward 3" (in :mod:`.quotations`);
- :func:`theme_summary`: codes rolled up to their themes, with a representative quote (in
  :mod:`.quotations`);
- :func:`coding_tables`: the joined tables the others (and the exports) start from (in
  :mod:`._coded_tables`).

Counting units: an *excerpt* is one span of one note (two coders applying the same code to the
same span make two *codings* of one excerpt); a *participant* is the note's ``participant``
attribute (a note without one counts as its own participant), so two interviews with the same
person count once. ``coder=None`` pools every coder; name a coder to see one person's coding.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from research_kit.deprecation import renamed_keywords
from research_kit.errors import CodingError, check_choice, did_you_mean
from research_kit.interviews._coded_tables import (
    DOCUMENT_FILE_COLUMNS,
    NOT_RECORDED,
    attribute_columns,
    coding_tables,
    value_label,
    value_order,
)
from research_kit.interviews.quotations import quotes, theme_summary
from research_kit.privacy import suppress_small_counts

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "DOCUMENT_FILE_COLUMNS",
    "NOT_RECORDED",
    "code_by_attribute",
    "code_cooccurrence",
    "code_frequencies",
    "coding_tables",
    "quotes",
    "saturation_curve",
    "theme_summary",
]

_COUNT_COLUMNS = ("excerpts", "codings", "documents", "participants")
_COUNT_UNITS = {"participants": "participant", "documents": "document_id", "excerpts": "excerpt_id"}


# -- frequencies -----------------------------------------------------------------------------------
@renamed_keywords(level="by")
def code_frequencies(study: Study, *, coder: str | None = None, by: str = "code") -> pd.DataFrame:
    """How often each code (or theme) was applied: excerpts, codings, documents, participants.

    Parameters
    ----------
    study : Study
    coder : str, optional
        Count one coder's codings only (default: every coder, pooled).
    by : {"code", "theme"}
        One row per code of the codebook, or per theme (codes rolled up to their top-level
        parent).

    Returns
    -------
    pandas.DataFrame
        ``code_id``, ``code``, ``theme_id``, ``theme`` (by "code") or ``theme_id``,
        ``theme``, ``codes`` (distinct codes used; by "theme"), then ``excerpts``,
        ``codings``, ``documents``, ``participants`` and ``share_documents`` (documents with
        the code over all the study's notes). Codes never applied have zeros; rows are sorted
        by excerpts, most first, then in codebook order.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> table = code_frequencies(study).round(3)
    >>> table[["code_id", "excerpts", "participants", "share_documents"]].head(1).to_dict("records")
    [{'code_id': 'cost_of_delay', 'excerpts': 2, 'participants': 2, 'share_documents': 0.143}]
    >>> code_frequencies(study, by="theme")[["theme_id", "excerpts"]].head(1).to_dict("list")
    {'theme_id': ['waiting'], 'excerpts': [2]}
    >>> study.close()
    """
    check_choice("by", by, ("code", "theme"))
    coded, codes, documents = coding_tables(study, coder=coder)
    key = "code_id" if by == "code" else "theme_id"
    grouped = coded.groupby(key).agg(
        codes=("code_id", "nunique"),
        excerpts=("excerpt_id", "nunique"),
        codings=("coding_id", "size"),
        documents=("document_id", "nunique"),
        participants=("participant", "nunique"),
    )
    if by == "code":
        rows = codes[["code_id", "code", "theme_id", "theme", "order"]]
        grouped = grouped.drop(columns="codes")
    else:
        rows = codes.loc[codes["code_id"] == codes["theme_id"], ["theme_id", "theme", "order"]]
    table = rows.merge(grouped, left_on=key, right_index=True, how="left")
    counts = [c for c in (*_COUNT_COLUMNS, "codes") if c in table]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["share_documents"] = table["documents"] / len(documents) if len(documents) else np.nan
    table = table.sort_values(["excerpts", "order"], ascending=[False, True], kind="stable")
    return table.drop(columns="order").reset_index(drop=True)


def _suppress_is_min_cell_size(func):
    """Keep ``suppress=True/False`` working for a release: it is ``min_cell_size`` now."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> pd.DataFrame:
        if "suppress" in kwargs:
            if "min_cell_size" in kwargs:
                raise TypeError(f"{func.__name__}() got both suppress= and min_cell_size=")
            suppress = kwargs.pop("suppress")
            new = "min_cell_size=None (the study's)" if suppress else "min_cell_size=0"
            warnings.warn(
                f"{func.__name__}(suppress={suppress!r}) is deprecated: write "
                f"{func.__name__}({new})",
                DeprecationWarning,
                stacklevel=2,
            )
            kwargs["min_cell_size"] = None if suppress else 0
        return func(*args, **kwargs)

    return wrapper


# -- code × attribute ------------------------------------------------------------------------------
@_suppress_is_min_cell_size
def code_by_attribute(
    study: Study,
    attribute: str,
    *,
    coder: str | None = None,
    count: str = "participants",
    min_cell_size: int | None = None,
    wide: bool = False,
) -> pd.DataFrame:
    """Codes by the values of a participant attribute (role, ward…), small cells suppressed.

    A cell is suppressed when fewer than ``min_cell_size`` (by default the study's)
    *participants* stand behind it, whatever is counted: twelve excerpts from one business
    owner still point at one person. Zero cells are suppressed too (they are below the
    minimum). The researcher's own view can pass ``min_cell_size=0`` (nothing suppressed);
    anything shown to stakeholders keeps the default.

    Parameters
    ----------
    study : Study
    attribute : str
        A note attribute (a column of ``study.documents_table()``), e.g. ``"role"``.
    coder : str, optional
        One coder's codings only (default: all coders).
    count : {"participants", "documents", "excerpts"}
        What each cell counts.
    min_cell_size : int, optional
        Hide cells behind fewer participants than this; ``study.min_cell_size`` when None,
        0 to show every cell (the researcher's own view only).
    wide : bool
        Return a code × value pivot (suppressed cells missing) instead of the long table.

    Returns
    -------
    pandas.DataFrame
        Long form: ``code_id``, ``code``, ``value``, ``n`` (nullable integer, missing when
        suppressed) and ``suppressed``; one row for every code that was applied × every value
        the notes hold (notes without the attribute count under ``"(not recorded)"``).
        Wide form: one row per ``code_id``, one column per value.

    Raises
    ------
    CodingError
        If no note has that attribute.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> table = code_by_attribute(study, "role", min_cell_size=0)
    >>> table.loc[table["value"] == "business owner", ["code_id", "n"]].values.tolist()
    [['cost_of_delay', 1]]
    >>> code_by_attribute(study, "role")["suppressed"].all()  # one person is below 5
    np.True_
    >>> study.close()
    """
    check_choice("count", count, tuple(_COUNT_UNITS))
    coded, codes, documents = coding_tables(study, coder=coder)
    attributes = attribute_columns(documents)
    if attribute not in attributes:
        raise CodingError(
            f"no note has the attribute {attribute!r}{did_you_mean(attribute, attributes)}",
            path=study.settings.notes,
            hint=f"use one of: {', '.join(attributes)}",
        )
    labels = documents.set_index("document_id")[attribute].map(value_label)
    values = value_order(labels, study.settings.attributes.get(attribute))
    coded = coded.assign(value=coded["document_id"].map(labels).fillna(NOT_RECORDED))
    grouped = coded.groupby(["code_id", "value"]).agg(
        n=(_COUNT_UNITS[count], "nunique"), people=("participant", "nunique")
    )
    used = [code for code in codes["code_id"] if code in set(coded["code_id"])]
    grid = pd.MultiIndex.from_product([used, values], names=["code_id", "value"])
    table = grouped.reindex(grid, fill_value=0).reset_index()
    table["code"] = table["code_id"].map(codes.set_index("code_id")["code"])
    threshold = study.min_cell_size if min_cell_size is None else min_cell_size
    if threshold > 0:
        table = suppress_small_counts(table, count="people", min_cell_size=threshold, also=("n",))
    else:
        table["suppressed"] = False
    table["n"] = table["n"].astype("Int64")
    table = table[["code_id", "code", "value", "n", "suppressed"]]
    if not wide:
        return table
    pivot = table.pivot(index="code_id", columns="value", values="n")
    pivot = pivot.reindex(index=used, columns=values)
    pivot.columns.name = attribute
    return pivot


# -- co-occurrence ---------------------------------------------------------------------------------
def code_cooccurrence(
    study: Study, *, coder: str | None = None, by: str = "overlap"
) -> pd.DataFrame:
    """Pairs of codes found together, with how often and a Jaccard similarity.

    Parameters
    ----------
    study : Study
    coder : str, optional
        One coder's codings only (default: all coders).
    by : {"overlap", "excerpt", "document"}
        ``overlap``: spans coded with each code that share at least one character in the
        same note (including the very same span); ``excerpt``: the same span carries both
        codes; ``document``: both codes appear in the same note.

    Returns
    -------
    pandas.DataFrame
        ``code_a``, ``code_b`` (in codebook order, each pair once), ``n`` and ``jaccard``,
        only for pairs seen together, most frequent first. For ``excerpt`` and ``document``,
        ``n`` counts excerpts or notes with both codes and ``jaccard`` is n / (units with a +
        units with b − n). For ``overlap``, ``n`` counts pairs of overlapping spans and
        ``jaccard`` compares the characters coded with each code (shared over either).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "portal_problems", coder="J.R.")
    >>> _ = apply_code(study, "P01_business-owner", 30, 90, "cost_of_delay", coder="J.R.")
    >>> code_cooccurrence(study).values.tolist()
    [['portal_problems', 'cost_of_delay', 1, 0.3333333333333333]]
    >>> len(code_cooccurrence(study, by="excerpt"))  # two different spans
    0
    >>> study.close()
    """
    check_choice("by", by, ("overlap", "excerpt", "document"))
    coded, codes, _ = coding_tables(study, coder=coder)
    order = dict(zip(codes["code_id"], codes["order"], strict=True))
    spans = coded.drop_duplicates(["excerpt_id", "code_id"])[
        ["excerpt_id", "document_id", "start", "end", "code_id"]
    ]
    if by == "overlap":
        pairs = spans.merge(spans, on="document_id", suffixes=("_a", "_b"))
        pairs = pairs[(pairs["start_a"] < pairs["end_b"]) & (pairs["start_b"] < pairs["end_a"])]
    else:
        key = "excerpt_id" if by == "excerpt" else "document_id"
        units = spans[[key, "code_id"]].drop_duplicates()
        pairs = units.merge(units, on=key, suffixes=("_a", "_b"))
    rank_a, rank_b = pairs["code_id_a"].map(order), pairs["code_id_b"].map(order)
    pairs = pairs[rank_a < rank_b].rename(columns={"code_id_a": "code_a", "code_id_b": "code_b"})
    table = pairs.groupby(["code_a", "code_b"], sort=False).size().rename("n").reset_index()
    if by == "overlap":
        coverage = _coverage(spans)
        table["jaccard"] = [
            _interval_jaccard(coverage[a], coverage[b])
            for a, b in zip(table["code_a"], table["code_b"], strict=True)
        ]
    else:
        per_code = units.groupby("code_id")[key].nunique()
        union = table["code_a"].map(per_code) + table["code_b"].map(per_code) - table["n"]
        table["jaccard"] = table["n"] / union
    table["_a"], table["_b"] = table["code_a"].map(order), table["code_b"].map(order)
    table = table.sort_values(["n", "_a", "_b"], ascending=[False, True, True], kind="stable")
    table = table[["code_a", "code_b", "n", "jaccard"]].reset_index(drop=True)
    table["n"] = table["n"].astype("int64")
    table["jaccard"] = table["jaccard"].astype("float64")
    return table


def _coverage(spans: pd.DataFrame) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Characters coded with each code: merged, sorted intervals per document."""
    coverage: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for (code_id, document_id), group in spans.groupby(["code_id", "document_id"]):
        coverage.setdefault(code_id, {})[document_id] = _merge_intervals(
            zip(group["start"], group["end"], strict=True)
        )
    return coverage


def _merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _interval_jaccard(
    a: dict[str, list[tuple[int, int]]], b: dict[str, list[tuple[int, int]]]
) -> float:
    length_a = sum(end - start for spans in a.values() for start, end in spans)
    length_b = sum(end - start for spans in b.values() for start, end in spans)
    shared = 0
    for document_id in a.keys() & b.keys():
        left, right, i, j = a[document_id], b[document_id], 0, 0
        while i < len(left) and j < len(right):
            shared += max(0, min(left[i][1], right[j][1]) - max(left[i][0], right[j][0]))
            if left[i][1] < right[j][1]:
                i += 1
            else:
                j += 1
    either = length_a + length_b - shared
    return shared / either if either else float("nan")


# -- saturation ------------------------------------------------------------------------------------
def saturation_curve(
    study: Study, *, order_by: str = "date", coder: str | None = None
) -> pd.DataFrame:
    """New and cumulative distinct codes per interview, in the order the interviews were done.

    A flattening curve tells a team that new interviews have stopped adding codes. Notes with
    no codings (by that coder) are left out: nobody has coded them yet, so they say nothing
    about saturation.

    Parameters
    ----------
    study : Study
    order_by : str
        The note attribute giving the order (default ``date``); ties and notes without a value
        (last) are ordered by document id.
    coder : str, optional
        One coder's codings only (default: all coders).

    Returns
    -------
    pandas.DataFrame
        One row per coded interview: ``interview`` (1, 2, …), ``document_id``,
        ``participant``, the ``order_by`` attribute, ``codes`` (distinct codes in it),
        ``new_codes`` (codes not seen in earlier interviews), ``new_code_ids`` (their ids,
        comma-separated) and ``cumulative_codes``.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "portal_problems", coder="J.R.")
    >>> curve = saturation_curve(study)
    >>> curve[["document_id", "new_codes", "cumulative_codes"]].values.tolist()
    [['P01_business-owner', 2, 2], ['P02_business-owner', 0, 2]]
    >>> study.close()
    """
    coded, _, documents = coding_tables(study, coder=coder)
    if order_by not in documents.columns:
        attributes = attribute_columns(documents)
        raise CodingError(
            f"no note has the attribute {order_by!r}{did_you_mean(order_by, attributes)}",
            path=study.settings.notes,
            hint=f"order the interviews by one of: {', '.join(attributes)}",
        )
    columns = ["interview", "document_id", "participant", order_by, "codes", "new_codes"]
    columns += ["new_code_ids", "cumulative_codes"]
    coded_ids = set(coded["document_id"])
    interviews = documents[documents["document_id"].isin(coded_ids)]
    missing = sorted(coded_ids - set(interviews["document_id"]))
    if missing:  # notes deleted from the folder still have codings: list them, at the end
        extra = pd.DataFrame({"document_id": missing, "participant": missing})
        interviews = pd.concat([interviews, extra], ignore_index=True)
    interviews = _sort_by_value(interviews, order_by)
    codes_of = coded.groupby("document_id")["code_id"].agg(set)
    seen: set[str] = set()
    rows = []
    for position, (document_id, participant, value) in enumerate(
        zip(
            interviews["document_id"],
            interviews["participant"],
            interviews[order_by] if order_by in interviews else [None] * len(interviews),
            strict=True,
        ),
        start=1,
    ):
        here = codes_of.get(document_id, set())
        new = here - seen
        seen |= here
        rows.append(
            {
                "interview": position,
                "document_id": document_id,
                "participant": participant,
                order_by: value,
                "codes": len(here),
                "new_codes": len(new),
                "new_code_ids": ", ".join(sorted(new)),
                "cumulative_codes": len(seen),
            }
        )
    return pd.DataFrame(rows, columns=list(dict.fromkeys(columns)))


def _sort_by_value(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    values = frame[column] if column in frame else pd.Series(np.nan, index=frame.index)
    present = values.notna()

    def key(position: int) -> tuple:
        value = values.iloc[position]
        return (not present.iloc[position], value if present.iloc[position] else 0)

    positions = sorted(range(len(frame)), key=lambda p: frame["document_id"].iloc[p])
    try:
        positions = sorted(positions, key=key)
    except TypeError:  # mixed types (dates and text): compare as text
        positions = sorted(positions, key=lambda p: (key(p)[0], str(values.iloc[p])))
    return frame.iloc[positions].reset_index(drop=True)

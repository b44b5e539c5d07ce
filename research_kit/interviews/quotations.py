"""Quotes from coded interviews: excerpts with who said them, and themes with a quote each.

:func:`quotes` answers "quotes for code X from business owners in Ward 3"; :func:`theme_summary`
rolls codes up to their themes with the most-used codes and a representative quote. Both start
from :func:`~research_kit.interviews.analysis.coding_tables` and return tidy DataFrames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from research_kit.interviews._coded_tables import (
    attribute_columns,
    coding_tables,
    matches_where,
    resolve_codes,
)

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["quotes", "theme_summary"]


def quotes(
    study: Study,
    *,
    code: str | Iterable[str] | None = None,
    theme: str | Iterable[str] | None = None,
    where: Mapping[str, Any] | None = None,
    coder: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Coded excerpts with who said them: "quotes for code X from business owners in Ward 3".

    Parameters
    ----------
    study : Study
    code : str or list of str, optional
        Code ids (or names) to keep.
    theme : str or list of str, optional
        Themes (ids or names): keeps every code under them, and the theme itself.
    where : dict, optional
        Attribute filters, e.g. ``{"role": "business owner", "ward": "Ward 3"}``; a list
        value keeps any of its values. Matching ignores case and surrounding spaces.
    coder : str, optional
        One coder's codings only (default: all coders).
    limit : int, optional
        At most this many quotes.

    Returns
    -------
    pandas.DataFrame
        One row per excerpt × code: ``document_id``, ``participant``, the notes' other
        attributes, ``code_id``, ``code``, ``theme_id``, ``theme``, ``coders`` (who applied
        it, comma-separated), ``text``, ``start``, ``end``; in document and text order.

    Raises
    ------
    CodingError
        For a code, theme or attribute the study does not have.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P02_business-owner", 0, 20, "cost_of_delay", coder="J.R.")
    >>> _ = apply_code(study, "P02_business-owner", 0, 20, "cost_of_delay", coder="M.K.")
    >>> _ = apply_code(study, "P01_business-owner", 0, 20, "cost_of_delay", coder="J.R.")
    >>> found = quotes(study, theme="waiting", where={"role": "business owner", "ward": "ward 3"})
    >>> found[["participant", "ward", "code", "coders"]].values.tolist()
    [['P02', 'Ward 3', 'Cost of delay', 'J.R., M.K.']]
    >>> study.close()
    """
    coded, codes, documents = coding_tables(study, coder=coder)
    attributes = [c for c in attribute_columns(documents) if c != "participant"]
    if code is not None:
        wanted = resolve_codes(code, codes, study, kind="code")
        coded = coded[coded["code_id"].isin(wanted)]
    if theme is not None:
        wanted = resolve_codes(theme, codes[codes["code_id"] == codes["theme_id"]], study, "theme")
        coded = coded[coded["theme_id"].isin(wanted)]
    coded = coded[matches_where(coded, documents, where, study)]
    group = ["excerpt_id", "code_id"]
    coded = coded.sort_values(["document_id", "start", "end", "order", "coder"], kind="stable")
    coders = coded.groupby(group, sort=False)["coder"].agg(lambda names: ", ".join(names.unique()))
    table = coded.drop_duplicates(group).merge(
        coders.rename("coders"), left_on=group, right_index=True
    )
    columns = ["document_id", "participant", *attributes, "code_id", "code", "theme_id", "theme"]
    columns += ["coders", "text", "start", "end"]
    table = table[columns].reset_index(drop=True)
    return table if limit is None else table.head(limit)


def theme_summary(study: Study, *, coder: str | None = None) -> pd.DataFrame:
    """Codes rolled up to their themes, with the most-used codes and a representative quote.

    The representative quote is the excerpt carrying the most of the theme's codes, then the
    most codings of them (coders agreeing), then the longest.

    Parameters
    ----------
    study : Study
    coder : str, optional
        One coder's codings only (default: all coders).

    Returns
    -------
    pandas.DataFrame
        One row per theme in codebook order: ``theme_id``, ``theme``, ``codes`` (distinct codes
        used), ``excerpts``, ``documents``, ``participants``, ``top_codes`` (up to three, as
        "Name (excerpts)" joined by "; "), ``quote``, ``quote_document_id``,
        ``quote_participant``. Themes never applied have zeros and no quote.

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
    >>> _ = apply_code(study, "P02_business-owner", 0, 60, "plan_review_backlog", coder="J.R.")
    >>> waiting = theme_summary(study).set_index("theme_id").loc["waiting"]
    >>> print(waiting["excerpts"], waiting["quote_participant"], waiting["top_codes"])
    2 P02 Cost of delay (2); Plan review backlog (1)
    >>> study.close()
    """
    coded, codes, _ = coding_tables(study, coder=coder)
    themes = codes.loc[codes["code_id"] == codes["theme_id"], ["theme_id", "theme"]]
    rows = []
    for theme_id, theme in zip(themes["theme_id"], themes["theme"], strict=True):
        mine = coded[coded["theme_id"] == theme_id]
        rows.append(
            {
                "theme_id": theme_id,
                "theme": theme,
                "codes": mine["code_id"].nunique(),
                "excerpts": mine["excerpt_id"].nunique(),
                "documents": mine["document_id"].nunique(),
                "participants": mine["participant"].nunique(),
                "top_codes": _top_codes(mine),
                **_representative_quote(mine),
            }
        )
    columns = ["theme_id", "theme", "codes", "excerpts", "documents", "participants"]
    columns += ["top_codes", "quote", "quote_document_id", "quote_participant"]
    return pd.DataFrame(rows, columns=columns)


def _top_codes(coded: pd.DataFrame, top: int = 3) -> str:
    if coded.empty:
        return ""
    counts = coded.groupby(["code_id", "code", "order"])["excerpt_id"].nunique().reset_index()
    counts = counts.sort_values(["excerpt_id", "order"], ascending=[False, True]).head(top)
    return "; ".join(
        f"{name} ({n})" for name, n in zip(counts["code"], counts["excerpt_id"], strict=True)
    )


def _representative_quote(coded: pd.DataFrame) -> dict[str, Any]:
    if coded.empty:
        return {"quote": np.nan, "quote_document_id": np.nan, "quote_participant": np.nan}
    ranked = coded.groupby("excerpt_id").agg(
        distinct=("code_id", "nunique"),
        codings=("coding_id", "size"),
        length=("text", lambda texts: len(texts.iloc[0])),
        document_id=("document_id", "first"),
        start=("start", "first"),
        participant=("participant", "first"),
        text=("text", "first"),
    )
    ranked = ranked.sort_values(
        ["distinct", "codings", "length", "document_id", "start"],
        ascending=[False, False, False, True, True],
        kind="stable",
    )
    best = ranked.iloc[0]
    return {
        "quote": best["text"],
        "quote_document_id": best["document_id"],
        "quote_participant": best["participant"],
    }

"""The table of auto-coding suggestions the coding panel reviews, checked on the way in (private).

Suggestions come from rules or a model (:mod:`research_kit.interviews.autocode`,
:mod:`research_kit.interviews.suggester`) or from a researcher's own table; the panel needs
``document_id``, ``start``, ``end`` and ``code_id``, and fills ``confidence`` and ``origin``.
"""

from __future__ import annotations

import pandas as pd

from research_kit.errors import CodingError

#: The columns of a suggestion the panel keeps and records with its decision.
SUGGESTION_COLUMNS = ("document_id", "start", "end", "code_id", "confidence", "origin")


def checked_suggestions(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Suggestions as the coding panel takes them: checked, numbered 0…, with every column.

    A missing ``confidence`` is NaN and a missing ``origin`` is "suggestion".

    Raises
    ------
    CodingError
        A needed column is missing, or an offset is not a whole number.

    Examples
    --------
    >>> table = checked_suggestions(pd.DataFrame(
    ...     {"document_id": ["P01"], "start": [0.0], "end": [12.0], "code_id": ["waiting"]}))
    >>> table[["start", "end", "origin"]].values.tolist()
    [[0, 12, 'suggestion']]
    """
    if frame is None:
        return pd.DataFrame(columns=list(SUGGESTION_COLUMNS))
    missing = {"document_id", "start", "end", "code_id"} - set(frame.columns)
    if missing:
        raise CodingError(
            f"suggestions need the columns {', '.join(sorted(missing))}",
            hint="pass a DataFrame with document_id, start, end, code_id, confidence, origin",
        )
    checked = frame.reset_index(drop=True).copy()
    if "confidence" not in checked:
        checked["confidence"] = float("nan")
    if "origin" not in checked:
        checked["origin"] = "suggestion"
    checked["origin"] = checked["origin"].fillna("suggestion").astype(str)
    try:
        checked["start"] = checked["start"].astype(int)
        checked["end"] = checked["end"].astype(int)
    except (TypeError, ValueError) as exc:
        raise CodingError(
            "suggestions need whole-number start and end offsets",
            hint="drop the rows with missing offsets",
        ) from exc
    return checked

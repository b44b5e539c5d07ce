"""The survey's change since its previous wave, as a brief states it in its headline.

When the brief's survey is one wave of a series (``series:`` and ``wave:`` in ``study.yml``),
the headline about the statement with the least agreement also says how that agreement moved
since the previous wave and whether the move is larger than its margin of error, so a reader
never takes noise for change. The figures come from :func:`research_kit.survey.wave_change`
(weighted like the brief, small groups suppressed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from research_kit.errors import ResearchKitError
from research_kit.survey import wave_change

__all__ = ["change_since_last_wave", "wave_clause"]


def change_since_last_wave(
    study, source, item: str, box: Sequence[str], *, ward: str | None
) -> dict[str, Any] | None:
    """The change in ``item``'s agreement (``box`` levels) since the wave before ``source``.

    None when the survey is not part of a series, has no earlier wave, the change cannot be
    estimated (the question is not matched in the earlier wave), or it is suppressed.
    """
    if not getattr(source, "series", None):
        return None
    try:
        table = wave_change(
            study, item, survey_id=source.id, value=list(box), by="ward" if ward else None
        )
    except ResearchKitError:
        return None  # the brief still stands without the comparison
    rows = table[(table["group"] == (ward or "all")) & (table["survey_id"].notna())]
    current = rows[rows["survey_id"] == source.id]
    if current.empty or pd.isna(current.iloc[0]["compared_with"]):
        return None
    latest = current.iloc[0]
    earlier = rows[rows["wave"].astype(str) == str(latest["compared_with"])]
    if earlier.empty or bool(latest["suppressed"]) or bool(earlier.iloc[0]["suppressed"]):
        return None
    return {
        "earlier_wave": str(latest["compared_with"]),
        "earlier": float(earlier.iloc[0]["estimate"]),
        "change": float(latest["change"]),
        "margin_of_error": float(latest["change_margin_of_error"]),
        "exceeds": bool(latest["change_exceeds_margin"]),
    }


def wave_clause(change: dict[str, Any]) -> str:
    """The headline's clause on the change since the previous wave.

    Examples
    --------
    >>> wave_clause(
    ...     {"earlier_wave": "2025", "earlier": 0.15, "change": 0.092,
    ...      "margin_of_error": 0.035, "exceeds": True}
    ... )
    'up from 15% in 2025 (+9.2 points, more than the ±3.5-point margin of error)'
    >>> wave_clause(
    ...     {"earlier_wave": "2025", "earlier": 0.28, "change": -0.034,
    ...      "margin_of_error": 0.044, "exceeds": False}
    ... )
    'against 28% in 2025 (-3.4 points, within the ±4.4-point margin of error: no clear change)'
    """
    points, margin = 100 * change["change"], 100 * change["margin_of_error"]
    if change["exceeds"]:
        direction = "up from" if points > 0 else "down from"
        verdict = f"more than the \u00b1{margin:.1f}-point margin of error"
    else:
        direction = "against"
        verdict = f"within the \u00b1{margin:.1f}-point margin of error: no clear change"
    return (
        f"{direction} {change['earlier']:.0%} in {change['earlier_wave']} "
        f"({points:+.1f} points, {verdict})"
    )

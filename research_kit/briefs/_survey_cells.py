"""Cells of the survey parts of a brief: hiding what the joint protection hides, and shares,
margins and differences written as a stakeholder reads them.

Private to :mod:`research_kit.briefs`; used by :mod:`research_kit.briefs._survey_findings` and
:mod:`research_kit.briefs._survey_charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from research_kit.briefs.content import SUPPRESSED, shorten

__all__ = [
    "SHARE_COLUMNS",
    "box_words",
    "example_answer",
    "percents",
    "points",
    "versus",
    "with_hidden",
]

#: The longest example answer a themes table shows (characters; longer ones are cut at a word);
#: answers of a readable length (up to the first number) are preferred.
_EXAMPLE_LENGTH = (20, 140)
_EXAMPLE_LIMIT = 200

_ESTIMATES = ("share", "se", "ci_low", "ci_high", "margin_of_error")
SHARE_COLUMNS = ("count", *_ESTIMATES, "difference", "p_value", "p_adjusted", "significant")


def with_hidden(table: pd.DataFrame, hidden, *, n: bool = False) -> pd.DataFrame:
    """``table`` with the rows flagged in ``hidden`` (and those already suppressed) hidden.

    Their shares, margins, tests and counts are masked (``n`` too when asked) and
    ``suppressed`` says so: the one way every table of a brief hides a cell.
    """
    hidden = np.asarray(hidden, dtype=bool) | table["suppressed"].to_numpy(bool)
    result = table.copy()
    for column in (*(("n",) if n else ()), *SHARE_COLUMNS):
        if column in result:
            result[column] = result[column].mask(hidden)
    result["suppressed"] = hidden
    return result


def versus(significant, difference) -> str:
    """How a group compares with the rest, in words ("higher", "lower", "no clear difference")."""
    if pd.isna(significant) or not bool(significant):
        return "no clear difference"
    return "higher" if difference > 0 else "lower"


def percents(shares: pd.Series, suppressed: pd.Series) -> list[str]:
    """Shares as whole percents, or the word for a suppressed cell."""
    return [
        SUPPRESSED if s or pd.isna(v) else f"{v:.0%}"
        for v, s in zip(shares, suppressed, strict=True)
    ]


def points(margins: pd.Series, suppressed: pd.Series) -> list[str]:
    """Margins of error as percentage points, or the word for a suppressed cell."""
    return [
        SUPPRESSED if s or pd.isna(m) else f"\u00b1{m * 100:.0f} pts"
        for m, s in zip(margins, suppressed, strict=True)
    ]


def box_words(table: pd.DataFrame) -> str:
    """The levels counted as agreeing, in words: "Agree or Strongly agree"."""
    box = str(table["box"].iloc[0]) if "box" in table and len(table) else "agree"
    return box.replace(" + ", " or ")


def example_answer(members: pd.DataFrame, scrub, quotes: Sequence[str] = ()) -> str:
    """One short answer that fits its theme well, redacted before it is shortened.

    The theme's first representative quote of a readable length (``quotes``, those of
    :attr:`QuestionThemes.themes <research_kit.survey.themes.QuestionThemes>`: they say the
    theme's name where its answers do), else its most confident answer of that length.
    """
    low, high = _EXAMPLE_LENGTH
    for quote in quotes:
        if low <= len(str(quote)) <= high:
            return shorten(scrub(" ".join(str(quote).split())), _EXAMPLE_LIMIT)
    if members.empty:
        return ""
    ranked = members.assign(
        _fits=members["text"].str.len().between(*_EXAMPLE_LENGTH),
    ).sort_values(["_fits", "confidence", "respondent_id"], ascending=[False, False, True])
    return shorten(scrub(" ".join(str(ranked["text"].iloc[0]).split())), _EXAMPLE_LIMIT)

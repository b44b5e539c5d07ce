"""The inputs of a disparity computation, checked and made plain (private).

:func:`check_columns` checks the caller's column names once into :class:`Columns`;
:func:`outcome_parts` splits the table by outcome into plain frames (``group``, ``hidden``,
``value``, ``se``, ``low``, ``high``, counts ``a``/``n`` and ``weight``) in which every
suppressed row has already lost its numbers, so nothing downstream can read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit.errors import InputError
from research_kit.places._disparity_stats import critical_value

__all__ = ["Columns", "check_choices", "check_columns", "outcome_parts"]


@dataclass(frozen=True)
class Columns:
    """The caller's column names, checked once."""

    by: str
    value: str | None
    numerator: str | None
    denominator: str | None
    se: str | None
    margin_of_error: str | None
    low: str | None
    high: str | None
    outcome: str | None
    suppressed: str

    @property
    def counts(self) -> bool:
        return self.numerator is not None and self.denominator is not None


def check_columns(
    table, by, value, numerator, denominator, se, margin_of_error, low, high, outcome, suppressed
) -> Columns:
    """Every named column exists and there is a value or a pair of counts."""
    if value is None and (numerator is None or denominator is None):
        raise InputError(
            "disparity needs the rate of each group",
            hint="give value= (a rate or share column) or numerator= and denominator= (counts)",
        )
    named = [by, value, numerator, denominator, se, margin_of_error, low, high, outcome]
    missing = [name for name in named if name is not None and name not in table.columns]
    if missing:
        raise InputError(
            f"the table has no column {', '.join(map(repr, missing))}",
            hint=f"its columns are {', '.join(map(str, table.columns))}",
        )
    return Columns(
        by, value, numerator, denominator, se, margin_of_error, low, high, outcome, suppressed
    )


def check_choices(reference: str, polarity: str, confidence: float) -> None:
    if polarity not in ("higher_is_better", "lower_is_better"):
        raise InputError(
            f"polarity {polarity!r} is not known",
            hint='use "higher_is_better" or "lower_is_better"',
        )
    if not 0 < confidence < 1:
        raise InputError(f"confidence {confidence} is not between 0 and 1", hint="e.g. 0.95")
    if not isinstance(reference, str):
        raise InputError(
            f"reference {reference!r} is not a name", hint='"best", "overall" or a group'
        )


def outcome_parts(table: pd.DataFrame, columns: Columns) -> list[pd.DataFrame]:
    """The table split by outcome, each with its rows' suppression, value and SE made plain."""
    frame = plain_frame(table, columns)
    if columns.outcome is None:
        parts = [frame]
    else:
        parts = [part for _, part in frame.groupby(columns.outcome, sort=False, dropna=False)]
    for part in parts:
        duplicated = part.loc[part["group"].duplicated(), "group"]
        if len(duplicated):
            raise InputError(
                f"group {duplicated.iloc[0]!r} has more than one row",
                hint="give one row per group (name the outcome column with outcome=)",
            )
    return parts


def plain_frame(table: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """``group``, ``hidden``, ``value``, ``se``, ``a``/``n`` (counts) and ``weight`` per row.

    Hidden rows lose every number here, first, so nothing after this can read them.
    """
    hidden = (
        table[columns.suppressed].fillna(False).astype(bool).to_numpy()
        if columns.suppressed in table.columns
        else np.zeros(len(table), dtype=bool)
    )
    frame = pd.DataFrame({"group": table[columns.by].to_numpy(), "hidden": hidden})
    if columns.outcome:
        frame[columns.outcome] = table[columns.outcome].to_numpy()

    def number(name: str | None) -> np.ndarray:
        if name is None:
            return np.full(len(table), np.nan)
        return np.where(hidden, np.nan, pd.to_numeric(table[name], errors="coerce").to_numpy(float))

    frame["a"], frame["n"] = number(columns.numerator), number(columns.denominator)
    if columns.counts:
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["value"] = frame["a"] / frame["n"]
    else:
        frame["value"] = number(columns.value)
    frame["weight"] = frame["n"]
    levels = (
        pd.to_numeric(table["confidence"], errors="coerce").fillna(0.95).to_numpy(float)
        if "confidence" in table.columns
        else np.full(len(table), 0.95)
    )
    frame["se"], frame["low"], frame["high"] = standard_errors(columns, number, levels)
    return frame


def standard_errors(columns: Columns, number, levels: np.ndarray) -> tuple[np.ndarray, ...]:
    """Standard error and interval of each estimate from whatever the table carries.

    A margin of error or an interval is turned back into a standard error at the level it was
    made at: the table's own ``confidence`` column when it has one (deadline shares do), else
    0.95, the level of every breakdown's default.
    """
    low, high = number(columns.low), number(columns.high)
    # the breakdowns' margins use Student's t; at survey sizes that is the normal z
    z = critical_value(levels)
    if columns.se is not None:
        se = number(columns.se)
    elif columns.margin_of_error is not None:
        se = number(columns.margin_of_error) / z
    else:
        se = (high - low) / (2 * z)
    return se, low, high

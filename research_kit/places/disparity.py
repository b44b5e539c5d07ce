"""Disparity between groups (places, race/ethnicity, language) with its uncertainty.

:func:`disparity` compares every group of a tidy breakdown with a reference (the best group,
the overall rate, or a named group): the group's rate or share with its interval, the rate
ratio and the rate difference with theirs, and whether the difference is within the margin of
error. :func:`disparity_summary` gives one row per outcome with the index of disparity and
Theil's index (between and within groups). :func:`disparity_sentence` says one row in plain
language. Methods (``docs/disparity.md``):

- Counts (``numerator`` people with the outcome out of ``denominator`` people): Wilson interval
  for each rate, Katz's log interval for the rate ratio, Newcombe's hybrid score interval for
  the difference.
- Estimates with a standard error (a weighted survey share from
  :func:`research_kit.survey.crosstab`: ``se``, or ``margin_of_error``, or ``ci_low`` and
  ``ci_high``): the delta method on the log scale for the ratio, a Wald interval for the
  difference, groups taken as independent (disjoint domains).
- Suppression first: a row whose ``suppressed`` column is true (as
  :func:`research_kit.privacy.suppress_table` and every breakdown mark them) never enters a
  ratio, a reference or a summary, and its row comes back saying "suppressed" with every number
  missing, whatever the input held.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from research_kit.errors import InputError
from research_kit.places._disparity_inputs import (
    Columns,
    check_choices,
    check_columns,
    outcome_parts,
)
from research_kit.places._disparity_stats import (
    critical_value,
    delta_ratio_interval,
    index_of_disparity,
    katz_ratio_interval,
    newcombe_difference_interval,
    theil_parts,
    wald_difference_interval,
    wilson_interval,
)

__all__ = [
    "DISPARITY_COLUMNS",
    "SUMMARY_COLUMNS",
    "disparity",
    "disparity_sentence",
    "disparity_summary",
]

Reference = Literal["best", "overall"] | str
Polarity = Literal["higher_is_better", "lower_is_better"]

#: Columns of :func:`disparity` (``outcome`` first when an outcome column is given).
DISPARITY_COLUMNS = [
    "by",
    "group",
    "status",
    "value",
    "ci_low",
    "ci_high",
    "reference",
    "reference_value",
    "rate_ratio",
    "rate_ratio_ci_low",
    "rate_ratio_ci_high",
    "rate_difference",
    "rate_difference_ci_low",
    "rate_difference_ci_high",
    "within_margin_of_error",
    "direction",
    "method",
    "confidence",
]
#: Columns of :func:`disparity_summary` (``outcome`` first when an outcome column is given).
SUMMARY_COLUMNS = [
    "by",
    "reference",
    "reference_value",
    "groups",
    "suppressed_groups",
    "index_of_disparity",
    "theil",
    "theil_between",
    "theil_within",
    "between_share",
    "theil_units",
    "theil_weights",
]
_NUMBERS = [
    "value",
    "ci_low",
    "ci_high",
    "reference_value",
    "rate_ratio",
    "rate_ratio_ci_low",
    "rate_ratio_ci_high",
    "rate_difference",
    "rate_difference_ci_low",
    "rate_difference_ci_high",
]


def disparity(
    table: pd.DataFrame,
    *,
    by: str,
    value: str | None = None,
    reference: Reference = "best",
    polarity: Polarity = "higher_is_better",
    numerator: str | None = None,
    denominator: str | None = None,
    se: str | None = None,
    margin_of_error: str | None = None,
    low: str | None = None,
    high: str | None = None,
    outcome: str | None = None,
    suppressed: str = "suppressed",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Compare every group with a reference: rate ratio and rate difference with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy breakdown, one row per group (per outcome, with ``outcome``).
    by : str
        The grouping column (ward, race/ethnicity, language …).
    value : str, optional
        The rate or share of each group. Not needed with ``numerator`` and ``denominator``.
    reference : {"best", "overall"} or str
        The best shown group (by ``polarity``), the overall rate of the shown groups (counts
        pooled; estimates averaged with ``denominator`` as population weights, equal weights
        without it), or the name of a group.
    polarity : {"higher_is_better", "lower_is_better"}
        Which way is better: picks the best group and says "worse" or "better".
    numerator, denominator : str, optional
        Counts: people with the outcome and people in the group. With estimates,
        ``denominator`` alone is each group's population (or sum of weights).
    se, margin_of_error, low, high : str, optional
        For estimates: the standard error, or the margin of error, or the interval's ends
        (``ci_low``/``ci_high``) of ``value``, in this order of preference.
    outcome : str, optional
        A column naming the outcome of each row; every outcome is compared on its own.
    suppressed : str
        The boolean column marking hidden rows (absent: nothing is hidden).
    confidence : float
        Level of every interval.

    Returns
    -------
    pandas.DataFrame
        :data:`DISPARITY_COLUMNS`: ``status`` is "reference", "shown", "suppressed" or
        "missing"; ``within_margin_of_error`` is true when the difference's interval holds 0
        (the ratio's holds 1 when there is no difference interval); ``direction`` is "worse",
        "better", "same" or "reference".

    Examples
    --------
    >>> wards = pd.DataFrame({"ward": ["W1", "W2", "W3"], "yes": [30, 45, 2],
    ...                       "n": [100, 90, 4], "suppressed": [False, False, True]})
    >>> out = disparity(wards, by="ward", numerator="yes", denominator="n")
    >>> out[["group", "status", "value", "rate_ratio", "direction"]].round(3)
      group      status  value  rate_ratio  direction
    0    W1       shown    0.3         0.6      worse
    1    W2   reference    0.5         1.0  reference
    2    W3  suppressed    NaN         NaN       <NA>
    """
    columns = check_columns(
        table,
        by,
        value,
        numerator,
        denominator,
        se,
        margin_of_error,
        low,
        high,
        outcome,
        suppressed,
    )
    check_choices(reference, polarity, confidence)
    z = critical_value(confidence)
    parts = outcome_parts(table, columns)
    result = _compare(parts, columns, reference=reference, polarity=polarity, z=z)
    result["confidence"] = confidence
    order = ([columns.outcome] if columns.outcome else []) + DISPARITY_COLUMNS
    return result[order]


def disparity_summary(
    table: pd.DataFrame,
    *,
    by: str,
    value: str | None = None,
    reference: Reference = "best",
    polarity: Polarity = "higher_is_better",
    numerator: str | None = None,
    denominator: str | None = None,
    outcome: str | None = None,
    suppressed: str = "suppressed",
    binary: bool | None = None,
) -> pd.DataFrame:
    """One row per outcome: index of disparity and Theil's index with its decomposition.

    Parameters
    ----------
    table, by, value, reference, polarity, numerator, denominator, outcome, suppressed
        As in :func:`disparity`. ``denominator`` gives each group's population share for
        Theil's index (equal shares without it).
    binary : bool, optional
        The values are shares of people with a yes/no outcome, so Theil's index is over people
        and splits into between and within groups. ``None``: true with counts.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`. ``index_of_disparity`` (Pearcy & Keppel 2002) is the mean
        absolute difference from the reference as a percentage of the reference, over the
        shown groups other than a reference group. ``theil = theil_between + theil_within``;
        ``between_share`` is ``theil_between / theil``. Suppressed groups are left out of all.

    Examples
    --------
    >>> wards = pd.DataFrame({"ward": ["W1", "W2"], "yes": [30, 50], "n": [100, 100]})
    >>> summary = disparity_summary(wards, by="ward", numerator="yes", denominator="n")
    >>> summary[["reference", "index_of_disparity", "theil", "between_share"]].round(4)
      reference  index_of_disparity   theil  between_share
    0        W2                40.0  0.9163         0.0345
    """
    columns = check_columns(
        table, by, value, numerator, denominator, None, None, None, None, outcome, suppressed
    )
    check_choices(reference, polarity, 0.95)
    binary = columns.counts if binary is None else binary
    rows = []
    for part in outcome_parts(table, columns):
        row = _summarise(part, columns, reference=reference, polarity=polarity, binary=binary)
        if columns.outcome:
            row = {columns.outcome: part[columns.outcome].iloc[0], **row}
        rows.append(row)
    order = ([columns.outcome] if columns.outcome else []) + SUMMARY_COLUMNS
    return pd.DataFrame(rows, columns=order)


def disparity_sentence(row: pd.Series, *, percent: bool | None = None, digits: int = 1) -> str:
    """Say one row of :func:`disparity` in plain language, margin of error included.

    Parameters
    ----------
    row : pandas.Series
        A row of :func:`disparity`.
    percent : bool, optional
        Show values as percentages (differences in percentage points). ``None``: when the
        value and the reference lie between 0 and 1.
    digits : int
        Decimals shown.

    Returns
    -------
    str
        One or two sentences.

    Examples
    --------
    >>> wards = pd.DataFrame({"ward": ["W1", "W2"], "yes": [30, 50], "n": [100, 100]})
    >>> rows = disparity(wards, by="ward", numerator="yes", denominator="n")
    >>> print(disparity_sentence(rows.iloc[0]))  # doctest: +NORMALIZE_WHITESPACE
    W1: 30.0% against 50.0% in W2 (the reference), 20.0 points lower (95% CI 6.4 to 32.6 points).
    The difference is larger than the margin of error.
    """
    group = row["group"]
    if row["status"] == "suppressed":
        return f"{group}: suppressed (too few people to show)."
    if row["status"] == "missing":
        return f"{group}: no value."
    if row["status"] == "reference":
        return f"{group} is the reference ({_fmt(row['value'], percent, digits, row)})."
    as_percent = _as_percent(row, percent)
    scale, unit = (100, " points") if as_percent else (1, "")
    difference = row["rate_difference"] * scale
    side = "higher" if difference > 0 else "lower"
    level = f"{row['confidence'] * 100:g}%"
    text = (
        f"{group}: {_fmt(row['value'], percent, digits, row)} against "
        f"{_fmt(row['reference_value'], percent, digits, row)} in {row['reference']} "
        f"(the reference), {abs(difference):.{digits}f}{unit} {side}"
    )
    if round(difference, digits) == 0:
        text = text.rsplit(", ", 1)[0] + ", no difference"
    if pd.notna(row["rate_difference_ci_low"]):
        # the interval of the difference said the same way round as the difference
        sign = scale if side == "higher" else -scale
        ends = sorted([row["rate_difference_ci_low"] * sign, row["rate_difference_ci_high"] * sign])
        text += f" ({level} CI {ends[0]:.{digits}f} to {ends[1]:.{digits}f}{unit})"
    within = row["within_margin_of_error"]
    if pd.isna(within):
        return text + ". Its margin of error is not known."
    if within:
        return (
            text
            + ". The difference is within the margin of error: the data cannot tell them apart."
        )
    return text + ". The difference is larger than the margin of error."


# -- comparing -------------------------------------------------------------------------------
def _compare(
    parts: list[pd.DataFrame], columns: Columns, *, reference: str, polarity: str, z: float
) -> pd.DataFrame:
    """Every group of every outcome against its outcome's reference, in one vectorised pass."""
    frame = pd.concat(parts, ignore_index=True)
    refs = []
    for part in parts:
        shown = part[~part["hidden"] & part["value"].notna()]
        name, ref = _reference(shown, columns, reference=reference, polarity=polarity)
        refs += [(name, ref["value"], ref["a"], ref["n"], ref["se"])] * len(part)
    names, *numbers = zip(*refs, strict=True)
    ref = dict(zip(["value", "a", "n", "se"], map(np.asarray, numbers), strict=True))
    shown = (~frame["hidden"] & frame["value"].notna()).to_numpy()
    names = np.asarray(names, dtype=object)
    is_reference = shown & (frame["group"].to_numpy(dtype=object) == names)
    result = {"by": columns.by, "group": frame["group"].to_numpy()}
    result |= {
        column: np.where(shown, values, np.nan)
        for column, values in _numbers(frame, ref, counts=columns.counts, z=z).items()
    }
    for column in [c for c in _NUMBERS if c.startswith("rate_") and "_ci_" in c]:
        # a group compared with itself has a ratio of 1 and a difference of 0, but no interval
        result[column] = np.where(is_reference, np.nan, result[column])
    result["reference"] = np.where(shown, names, None)
    result["status"] = np.select(
        [is_reference, shown, frame["hidden"].to_numpy()],
        ["reference", "shown", "suppressed"],
        "missing",
    )
    method = (
        "Wilson; Katz log ratio; Newcombe difference"
        if columns.counts
        else "delta method (log ratio); Wald difference"
    )
    result["method"] = np.where(shown, method, "")
    result |= _judge(result, shown, is_reference, polarity)
    out = pd.DataFrame(result)
    if columns.outcome:
        out.insert(0, columns.outcome, frame[columns.outcome].to_numpy())
    return out


def _reference(
    shown: pd.DataFrame, columns: Columns, *, reference: str, polarity: str
) -> tuple[str, dict[str, float]]:
    """The reference's name and its value, SE and counts."""
    if reference == "overall":
        if columns.counts:
            a, n = shown["a"].sum(), shown["n"].sum()
            value = a / n if n else np.nan
            return "overall", {"value": value, "a": a, "n": n, "se": np.nan}
        weights = (
            shown["weight"].fillna(1.0)
            if columns.denominator
            else pd.Series(1.0, index=shown.index)
        )
        total = weights.sum()
        value = float((weights * shown["value"]).sum() / total) if total else np.nan
        se = float(np.sqrt((weights**2 * shown["se"] ** 2).sum()) / total) if total else np.nan
        return "overall", {"value": value, "a": np.nan, "n": np.nan, "se": se}
    if reference == "best":
        if shown.empty:
            return "best", {"value": np.nan, "a": np.nan, "n": np.nan, "se": np.nan}
        pick = (
            shown["value"].idxmax() if polarity == "higher_is_better" else shown["value"].idxmin()
        )
        row = shown.loc[pick]
    else:
        matches = shown[shown["group"].astype(str) == str(reference)]
        if matches.empty:
            raise InputError(
                f"reference group {reference!r} is not shown (absent, suppressed or missing)",
                hint='choose another group, or reference="best" or "overall"',
            )
        row = matches.iloc[0]
    return row["group"], {"value": row["value"], "a": row["a"], "n": row["n"], "se": row["se"]}


def _numbers(
    shown: pd.DataFrame, ref: dict[str, np.ndarray], *, counts: bool, z: float
) -> dict[str, np.ndarray]:
    """Every number of every row against its reference's (one entry per row in ``ref``)."""
    if counts:
        low, high = wilson_interval(shown["a"], shown["n"], z)
        ratio = katz_ratio_interval(shown["a"], shown["n"], ref["a"], ref["n"], z)
        difference = newcombe_difference_interval(shown["a"], shown["n"], ref["a"], ref["n"], z)
    else:
        value, se = shown["value"].to_numpy(), shown["se"].to_numpy()
        low = np.where(shown["low"].notna(), shown["low"], value - z * se)
        high = np.where(shown["high"].notna(), shown["high"], value + z * se)
        ratio = delta_ratio_interval(value, se, ref["value"], ref["se"], z)
        difference = wald_difference_interval(value, se, ref["value"], ref["se"], z)
    return {
        "value": shown["value"].to_numpy(),
        "ci_low": np.asarray(low),
        "ci_high": np.asarray(high),
        "reference_value": np.broadcast_to(np.asarray(ref["value"], dtype=float), len(shown)),
        "rate_ratio": ratio[0],
        "rate_ratio_ci_low": ratio[1],
        "rate_ratio_ci_high": ratio[2],
        "rate_difference": difference[0],
        "rate_difference_ci_low": difference[1],
        "rate_difference_ci_high": difference[2],
    }


def _judge(
    result: dict[str, np.ndarray], shown: np.ndarray, is_reference: np.ndarray, polarity: str
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """``within_margin_of_error`` and ``direction`` of every row (missing where not compared)."""
    d_low, d_high = result["rate_difference_ci_low"], result["rate_difference_ci_high"]
    r_low, r_high = result["rate_ratio_ci_low"], result["rate_ratio_ci_high"]
    by_difference = (d_low <= 0) & (d_high >= 0)
    by_ratio = (r_low <= 1) & (r_high >= 1)
    within = np.where(~np.isnan(d_low), by_difference, by_ratio).astype(object)
    within[np.isnan(d_low) & np.isnan(r_low)] = None
    within[~shown | is_reference] = None
    sign = np.sign(result["rate_difference"])
    if polarity == "lower_is_better":
        sign = -sign
    direction = np.select([sign > 0, sign < 0], ["better", "worse"], "same").astype(object)
    direction[is_reference] = "reference"
    direction[~shown] = None
    return {
        "within_margin_of_error": pd.array(within, dtype="boolean"),
        "direction": pd.array(direction, dtype="string"),
    }


# -- summarising -----------------------------------------------------------------------------
def _summarise(
    part: pd.DataFrame, columns: Columns, *, reference: str, polarity: str, binary: bool
) -> dict[str, object]:
    """The summary row of one outcome."""
    shown = part[~part["hidden"] & part["value"].notna()]
    name, ref = _reference(shown, columns, reference=reference, polarity=polarity)
    compared = shown if reference == "overall" else shown[shown["group"] != name]
    weights = shown["weight"].to_numpy(float) if columns.denominator else np.ones(len(shown))
    values = shown["value"].to_numpy(float)
    if binary and ((values < 0) | (values > 1)).any():
        raise InputError("binary=True needs shares between 0 and 1", hint="use binary=False")
    total, between, within = theil_parts(values, weights, binary=binary)
    return {
        "by": columns.by,
        "reference": name,
        "reference_value": ref["value"],
        "groups": len(shown),
        "suppressed_groups": int(part["hidden"].sum()),
        "index_of_disparity": index_of_disparity(compared["value"].to_numpy(float), ref["value"]),
        "theil": total,
        "theil_between": between,
        "theil_within": within,
        "between_share": between / total if total else np.nan,
        "theil_units": "people (yes/no outcome)" if binary else "groups",
        "theil_weights": f"population from {columns.denominator!r}"
        if columns.denominator
        else "equal",
    }


def _as_percent(row: pd.Series, percent: bool | None) -> bool:
    if percent is not None:
        return percent
    return bool(0 <= row["value"] <= 1 and 0 <= row["reference_value"] <= 1)


def _fmt(number: float, percent: bool | None, digits: int, row: pd.Series) -> str:
    if _as_percent(row, percent):
        return f"{number * 100:.{digits}f}%"
    return f"{number:.{digits}f}"

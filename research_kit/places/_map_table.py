"""What a choropleth shows of each place (private to :mod:`research_kit.places`).

The breakdown is matched to the shapes by place (``3`` and ``"3"`` are one district), passed
through the privacy gate (a count under the study's ``min_cell_size`` hides the value), its
estimates graded by their coefficient of variation as the American Community Survey grades
its own (CV up to 12% high reliability, up to 40% medium, above that low), and classified.
The result is a tidy table, one row per shape, that the drawing and the hover titles read.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from research_kit.errors import BoundaryError
from research_kit.places.boundaries import place_key
from research_kit.places.classes import assign_classes, class_breaks
from research_kit.privacy import suppress_small_counts

__all__ = ["RELIABILITY_CV", "format_value", "map_table"]

#: The ACS's reliability grades: CV up to 12% is high, up to 40% medium, above that low.
RELIABILITY_CV = (0.12, 0.40)


def map_table(
    table: pd.DataFrame,
    shapes: pd.DataFrame,
    *,
    value: str,
    place: str,
    scheme: str,
    k: int,
    bins,
    count: str | None,
    min_cell_size: int,
    cv: str | None,
    confidence: float,
    percent: bool,
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per shape: its value, class, suppression and reliability; and the class edges."""
    for column in (place, value):
        if column not in table.columns:
            raise KeyError(f"the table has no column {column!r}; it has {list(table.columns)}")
    shown = table.copy()
    if count is not None and count in shown.columns:
        already = _flag(shown, "suppressed")
        shown = suppress_small_counts(
            shown, count=count, min_cell_size=min_cell_size, also=(value,)
        )
        shown["suppressed"] = shown["suppressed"] | already
    shown["suppressed"] = _flag(shown, "suppressed")
    shown["place"] = shown[place].map(place_key)
    _one_row_per_place(shown, place)
    _every_place_has_a_shape(shown, shapes, place)
    shown["cv"] = _coefficient_of_variation(shown, value=value, cv=cv, confidence=confidence)
    merged = shapes[["place"]].merge(shown, on="place", how="left", validate="one_to_one")
    merged["suppressed"] = merged["suppressed"].fillna(False).astype(bool)
    values = pd.to_numeric(merged[value], errors="coerce").to_numpy(dtype=float, copy=True)
    values[merged["suppressed"].to_numpy()] = np.nan  # a hidden value never colours a shape
    edges = class_breaks(values, scheme=scheme, k=k, bins=bins)
    classes = assign_classes(values, edges)
    result = pd.DataFrame(
        {
            "place": merged["place"],
            "value": values,
            "class": classes,
            "class_label": [_class_label(edges, c, percent) if c >= 0 else "" for c in classes],
            "suppressed": merged["suppressed"],
            "cv": merged["cv"].astype(float).where(~merged["suppressed"]),
        }
    )
    result["reliability"] = [_reliability(v) for v in result["cv"]]
    result["status"] = np.select(
        [result["suppressed"], np.isnan(values)], ["suppressed", "no data"], "shown"
    )
    return result, edges


def format_value(number: float, percent: bool) -> str:
    """A value as a map label shows it: ``45%`` or ``12.5`` or ``1,240``.

    Examples
    --------
    >>> format_value(0.456, True), format_value(12.46, False), format_value(1240.0, False)
    ('46%', '12.5', '1,240')
    """
    if percent:
        return f"{number * 100:.0f}%"
    return f"{number:,.1f}" if abs(number) < 100 else f"{number:,.0f}"


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def _one_row_per_place(shown: pd.DataFrame, place: str) -> None:
    repeated = shown["place"][shown["place"].duplicated()].unique().tolist()
    if repeated:
        raise ValueError(
            f"the table has more than one row for {place} {repeated[:5]}: a map shows one value "
            "per place, so keep one row each first (e.g. one category, one wave)"
        )


def _every_place_has_a_shape(shown: pd.DataFrame, shapes: pd.DataFrame, place: str) -> None:
    missing = sorted(set(shown["place"]) - set(shapes["place"]))
    if missing:
        raise BoundaryError(
            f"no shape for {place} {', '.join(map(repr, missing[:10]))}",
            hint="add the shapes to the boundary file, or check the file's key property "
            f"(the shapes are {', '.join(map(repr, shapes['place'].head(6)))} …)",
        )


def _coefficient_of_variation(
    shown: pd.DataFrame, *, value: str, cv: str | None, confidence: float
) -> pd.Series:
    """The CV given, else standard error / estimate (the ``se`` column, else half the
    interval's width / z)."""
    estimate = pd.to_numeric(shown[value], errors="coerce").abs()
    if cv is not None:
        return pd.to_numeric(shown[cv], errors="coerce")
    if "se" in shown.columns:  # a standard error beside the estimate (survey breakdowns)
        return (pd.to_numeric(shown["se"], errors="coerce") / estimate).where(estimate > 0)
    if not {"ci_low", "ci_high"} <= set(shown.columns):
        return pd.Series(np.nan, index=shown.index)
    if "confidence" in shown.columns and shown["confidence"].notna().any():
        confidence = float(shown["confidence"].dropna().iloc[0])
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    half_width = (shown["ci_high"].astype(float) - shown["ci_low"].astype(float)) / 2
    return (half_width / z / estimate).where(estimate > 0)


def _reliability(cv: float) -> str:
    if cv is None or not np.isfinite(cv):
        return ""
    medium, low = RELIABILITY_CV
    return "high" if cv <= medium else "medium" if cv <= low else "low"


def _class_label(edges: np.ndarray, index: int, percent: bool) -> str:
    low, high = edges[index], edges[min(index + 1, len(edges) - 1)]
    if low == high:
        return format_value(low, percent)
    return f"{format_value(low, percent)} to {format_value(high, percent)}"

"""Panels and row labels shared by the survey charts (private)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def split_panels(data: pd.DataFrame, column: str | None) -> list[tuple[object, pd.DataFrame]]:
    """Split ``data`` by ``column`` in order of first appearance (one panel if None).

    Examples
    --------
    >>> frame = pd.DataFrame({"item": ["b", "a", "b"]})
    >>> [(title, len(part)) for title, part in split_panels(frame, "item")]
    [('b', 2), ('a', 1)]
    """
    if column is None or column not in data.columns:
        return [(None, data)]
    return [(value, data[data[column] == value]) for value in dict.fromkeys(data[column])]


def row_labels(frame: pd.DataFrame, column: str | None) -> list:
    """The distinct values of ``column`` in order of first appearance (one blank row if None).

    Examples
    --------
    >>> row_labels(pd.DataFrame({"ward": ["2", "1", "2"]}), "ward"), row_labels(None, None)
    (['2', '1'], [''])
    """
    if column is None or column not in frame.columns:
        return [""]
    return list(dict.fromkeys(frame[column]))


def count_rows(frame: pd.DataFrame, column: str | None) -> int:
    """How many rows (bars, points) a panel has: :func:`row_labels` counted.

    Examples
    --------
    >>> count_rows(pd.DataFrame({"ward": ["2", "1", "2"]}), "ward")
    2
    """
    return len(row_labels(frame, column))


def wrap_label(label: object, width: int) -> str:
    """A label wrapped at ``width`` characters (None becomes an empty label).

    Examples
    --------
    >>> wrap_label("Permit counter staff", 10)
    'Permit\\ncounter\\nstaff'
    """
    return textwrap.fill(str(label), width=width) if label is not None else ""


def panel_grid(
    panels: list[tuple[object, pd.DataFrame]],
    rows_by: str | None,
    *,
    width: float,
    row_height: float,
    margin: float,
) -> tuple[Figure, np.ndarray]:
    """A figure with one panel per item, stacked, each as tall as its number of rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"item": ["a", "a", "b"], "ward": ["1", "2", "1"]})
    >>> fig, axes = panel_grid(split_panels(frame, "item"), "ward", width=8, row_height=0.5,
    ...                        margin=1)
    >>> axes.shape
    (2, 1)
    >>> plt.close(fig)
    """
    heights = [max(1, count_rows(frame, rows_by)) for _, frame in panels]
    return plt.subplots(
        len(panels),
        1,
        figsize=(width, row_height * sum(heights) + 0.9 * len(panels) + margin),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
    )

"""Class breaks for choropleth maps: quantiles, natural breaks (Fisher–Jenks) and fixed bins.

A choropleth shows a handful of classes, not a continuous scale, so a reader can match a
place's colour to the legend. Quantiles put about as many places in each class; natural
breaks (Fisher's exact optimisation, which Jenks approximated) minimise the spread inside
classes; fixed bins are the reader's own (e.g. 0, 25, 50, 75, 100%). Implemented here with
numpy (a few dozen lines) rather than taking mapclassify, which brings networkx and more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["SCHEMES", "assign_classes", "class_breaks"]

#: The class-break schemes :func:`class_breaks` knows.
SCHEMES = ("quantiles", "natural_breaks", "fixed")


def class_breaks(
    values: Sequence[float] | np.ndarray,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> np.ndarray:
    """The edges of the classes, lowest first: class ``i`` holds ``edges[i] < v <= edges[i+1]``.

    Parameters
    ----------
    values : array-like
        The values to classify; missing values are left out.
    scheme : {"quantiles", "natural_breaks", "fixed"}
        How to place the edges. ``fixed`` takes ``bins``.
    k : int
        The number of classes (at most the number of distinct values).
    bins : sequence of float, optional
        For ``fixed``: the edges, lowest first (values outside them fall in the end classes).

    Returns
    -------
    numpy.ndarray
        Increasing edges, from the lowest to the highest value (the first class also holds
        the lowest value itself).

    Examples
    --------
    >>> class_breaks([1, 2, 3, 10, 11, 12], scheme="natural_breaks", k=2).tolist()
    [1.0, 3.0, 12.0]
    >>> class_breaks([1, 2, 3, 4], scheme="quantiles", k=2).tolist()
    [1.0, 2.5, 4.0]
    >>> class_breaks([0.1, 0.7], scheme="fixed", bins=[0, 0.5, 1]).tolist()
    [0.0, 0.5, 1.0]
    """
    data = np.asarray(values, dtype=float)
    data = np.sort(data[np.isfinite(data)])
    if scheme == "fixed":
        if bins is None or len(bins) < 2 or np.any(np.diff(np.asarray(bins, float)) <= 0):
            raise ValueError("scheme='fixed' needs bins: two or more increasing edges")
        return np.asarray(bins, dtype=float)
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    if data.size == 0:
        return np.array([0.0, 1.0])
    distinct = np.unique(data)
    if distinct.size <= k:
        return _edges_between(distinct)
    if scheme == "quantiles":
        edges = np.quantile(data, np.linspace(0, 1, k + 1))
    else:
        edges = _fisher_jenks(distinct, data, k)
    return np.unique(edges)


def assign_classes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The class (0 to len(edges) - 2) of each value; -1 where the value is missing.

    Examples
    --------
    >>> assign_classes(np.array([1.0, 2.5, 4.0, np.nan]), np.array([1.0, 2.5, 4.0])).tolist()
    [0, 0, 1, -1]
    """
    classes = np.searchsorted(edges, values, side="left") - 1
    classes = np.clip(classes, 0, len(edges) - 2)
    return np.where(np.isfinite(values), classes, -1)


def _edges_between(distinct: np.ndarray) -> np.ndarray:
    """Few distinct values: the values themselves are the edges (one value, one class)."""
    return distinct if distinct.size > 1 else np.repeat(distinct, 2)


def _fisher_jenks(distinct: np.ndarray, data: np.ndarray, k: int) -> np.ndarray:
    """Fisher's exact natural breaks on the distinct values, weighted by how often each occurs.

    Dynamic programming over the sorted values: ``cost[c, j]`` is the least within-class sum of
    squares of the first ``j + 1`` values in ``c + 1`` classes; one numpy pass per class and
    end point keeps 1,000 values well under a second.
    """
    weight = np.searchsorted(data, distinct, side="right") - np.searchsorted(data, distinct)
    weight = weight.astype(float)
    sum_w = np.concatenate([[0.0], np.cumsum(weight)])
    sum_x = np.concatenate([[0.0], np.cumsum(weight * distinct)])
    sum_xx = np.concatenate([[0.0], np.cumsum(weight * distinct**2)])

    def spread(start: np.ndarray, end: int) -> np.ndarray:
        """Within-class sum of squares of values start..end (inclusive) for many starts."""
        w = sum_w[end + 1] - sum_w[start]
        s = sum_x[end + 1] - sum_x[start]
        return (sum_xx[end + 1] - sum_xx[start]) - s * s / w

    n = distinct.size
    cost = np.full((k, n), np.inf)
    start_of_last = np.zeros((k, n), dtype=int)
    cost[0] = sum_xx[1:] - sum_x[1:] ** 2 / sum_w[1:]
    for c in range(1, k):
        for j in range(c, n):
            starts = np.arange(c, j + 1)
            total = cost[c - 1, starts - 1] + spread(starts, j)
            best = int(np.argmin(total))
            cost[c, j] = total[best]
            start_of_last[c, j] = starts[best]
    edges = [distinct[-1]]
    end = n - 1
    for c in range(k - 1, 0, -1):
        start = start_of_last[c, end]
        edges.append(distinct[start - 1])
        end = start - 1
    edges.append(distinct[0])
    return np.array(edges[::-1])

"""Many series side by side: long rows laid out as a matrix of phases × positions.

Every chart in this room computes on a matrix whose rows are *segments* (one phase of one
series: the points between two rebases) and whose columns are positions within the segment,
padded with NaN at the right. Rules then run as a handful of numpy operations over all the
segments at once, which is what makes 10,000 measures × 60 periods fast. :class:`Segments`
turns long arrays into that matrix and back; :func:`phase_numbers` says which phase a period
falls in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Segments:
    """Where each long row sits in the segment matrix.

    Parameters
    ----------
    row : numpy.ndarray
        The segment (matrix row) of each long row.
    column : numpy.ndarray
        The position of each long row within its segment.
    shape : tuple of int
        ``(number of segments, longest segment)``.

    Examples
    --------
    >>> segments = Segments.from_keys(np.array([0, 0, 0, 1, 1]), np.array([0, 0, 1, 0, 0]))
    >>> segments.shape
    (3, 2)
    >>> segments.to_matrix(np.arange(5.0))
    array([[ 0.,  1.],
           [ 2., nan],
           [ 3.,  4.]])
    """

    row: np.ndarray
    column: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_keys(cls, series: np.ndarray, phase: np.ndarray) -> Segments:
        """Lay out rows already sorted by series, then period; a new segment starts where
        the series or the phase changes."""
        n = len(series)
        if n == 0:
            return cls(np.zeros(0, int), np.zeros(0, int), (0, 0))
        starts = np.ones(n, dtype=bool)
        starts[1:] = (series[1:] != series[:-1]) | (phase[1:] != phase[:-1])
        row = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        column = np.arange(n) - first[row]
        return cls(row, column, (int(row[-1]) + 1, int(column.max()) + 1))

    def to_matrix(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """The long ``values`` as a segments × positions matrix, padded with ``fill``."""
        matrix = np.full(self.shape, fill, dtype=float)
        matrix[self.row, self.column] = values
        return matrix

    def to_long(self, matrix: np.ndarray) -> np.ndarray:
        """A segments × positions matrix back in the order of the long rows."""
        return matrix[self.row, self.column]

    def per_segment(self, values: np.ndarray) -> np.ndarray:
        """A value per segment, repeated for each long row of that segment."""
        return values[self.row]


def phase_numbers(periods: pd.Series | np.ndarray, rebase: Sequence | None) -> np.ndarray:
    """The phase of each period: how many rebase points are at or before it.

    A rebase point opens a new phase at the first period on or after it, so a reform on
    1 July 2025 starts the July phase of monthly data whatever day the periods carry.

    Examples
    --------
    >>> phase_numbers(np.array([1, 2, 3, 4, 5]), [3])
    array([0, 0, 1, 1, 1])
    """
    periods = pd.Series(periods)
    if rebase is None or len(rebase) == 0:
        return np.zeros(len(periods), dtype=int)
    points = pd.Series(list(rebase))
    if pd.api.types.is_datetime64_any_dtype(periods):
        # rebase dates are read in the periods' own time zone (a reform starts at local midnight)
        points = pd.to_datetime(points, format="mixed")
        zone = periods.dt.tz
        if zone is not None:
            points = (
                points.dt.tz_localize(zone) if points.dt.tz is None else points.dt.tz_convert(zone)
            )
    return np.searchsorted(np.sort(points.to_numpy()), periods.to_numpy(), side="right").astype(int)

"""Privacy rules for anything shown to stakeholders: small groups are never shown.

Every breakdown of people by group (ward, race/ethnicity, role…) goes through
:func:`suppress_small_counts` before it reaches a brief: counts below the study's minimum cell
size (default 5) are hidden and flagged, so no reader can single out a resident.
"""

from __future__ import annotations

import pandas as pd


def suppress_small_counts(
    frame: pd.DataFrame, *, count: str = "n", min_size: int = 5, also: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Hide counts (and values derived from them) for groups smaller than ``min_size``.

    Only the small cells themselves are hidden (primary suppression); a table that also shows
    totals needs complementary suppression on top.

    Parameters
    ----------
    frame : pandas.DataFrame
        A tidy table with one row per group.
    count : str
        The column holding each group's number of people.
    min_size : int
        The smallest group that may be shown (the study's ``min_cell_size``).
    also : tuple of str
        Other columns computed from the same people (shares, means) to hide with the count.

    Returns
    -------
    pandas.DataFrame
        A copy with those cells set to missing and a boolean ``suppressed`` column.

    Examples
    --------
    >>> table = pd.DataFrame({"ward": ["Ward 1", "Ward 2"], "n": [12, 3], "share": [0.8, 0.2]})
    >>> shown = suppress_small_counts(table, also=("share",))
    >>> shown[["n", "share", "suppressed"]].to_dict("list")
    {'n': [12, None], 'share': [0.8, nan], 'suppressed': [False, True]}
    """
    result = frame.copy()
    small = result[count] < min_size
    result[count] = result[count].astype("Int64").mask(small)
    for column in also:
        result[column] = result[column].mask(small)
    result["suppressed"] = small.to_numpy()
    return result

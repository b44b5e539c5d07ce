"""Variants: the distinct paths (sequences of activities) cases take, and each case's path.

A variant is named by its activities joined with :data:`ARROW` (``Apply → Review``); a log
with start and complete events counts each activity instance once (see
:mod:`research_kit.process._arrays`).
Variants are numbered without joining strings per event (see
:func:`research_kit.process._arrays.variant_table`), so a million events take well under a
second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit.process._arrays import ARROW, event_arrays, variant_table


def variants(log: pd.DataFrame) -> pd.DataFrame:
    """The distinct paths (sequences of activities) cases take, most common first.

    Returns
    -------
    pandas.DataFrame
        ``variant`` (the activities joined by " → "), ``activities`` (a tuple), ``length``,
        ``count`` (cases) and ``share`` (of cases); sorted by count (most first), then variant.

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")],
    ...                    "B": [("Apply", "2025-01-01"), ("Reject", "2025-01-03")],
    ...                    "C": [("Apply", "2025-01-02"), ("Approve", "2025-01-05")]})
    >>> variants(log)[["variant", "count", "share"]].values.tolist()
    [['Apply → Approve', 2, 0.6666666666666666], ['Apply → Reject', 1, 0.3333333333333333]]
    """
    return variant_table(event_arrays(log))[1].drop(columns="_id")


def case_variants(log: pd.DataFrame) -> pd.DataFrame:
    """The variant of each case: ``case_id``, ``variant`` (activities joined by " → ").

    Examples
    --------
    >>> from research_kit.process import event_table
    >>> log = event_table({"A": [("Apply", "2025-01-01"), ("Approve", "2025-01-02")]})
    >>> case_variants(log).values.tolist()
    [['A', 'Apply → Approve']]
    """
    events = event_arrays(log)
    ids, table = variant_table(events)
    names = np.empty(len(table), dtype=object)
    names[table["_id"].to_numpy()] = table["variant"].to_numpy(dtype=object)
    return pd.DataFrame({"case_id": events.case_ids, "variant": pd.array(names[ids], "str")})


__all__ = [
    "ARROW",
    "case_variants",
    "variants",
]

"""Weighted shares with the standard error their weights call for, and the method named.

Raked weights meet the population margins exactly, so an answer tied to a raking variable
(ward, age band) varies less than the weights alone suggest. :func:`design_share` gives the
weighted share of a yes/no outcome, overall or by group, with the standard error that accounts
for the raking ("calibrated": Taylor linearisation with the residuals of a regression on the
raking variables, as R's ``survey::rake`` followed by ``svymean``) when the raking variables are
named, and with the weights taken as fixed otherwise ("fixed weights"). Every row says which
method it used. The breakdowns (:mod:`research_kit.survey.breakdown`) build on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.survey.fixed_weights import aligned_values
from research_kit.survey.variance import SurveyDesign, weighted_mean

__all__ = ["SHARE_COLUMNS", "design_share"]

#: The columns :func:`design_share` returns.
SHARE_COLUMNS = (
    "group",
    "n",
    "share",
    "se",
    "ci_low",
    "ci_high",
    "margin_of_error",
    "deff",
    "variance_method",
)

# Column names of the working frame, chosen so they cannot be a raking variable's.
_WEIGHT, _OUTCOME, _GROUP = "__weight__", "__outcome__", "__group__"


def design_share(
    frame: pd.DataFrame,
    outcome: pd.Series | str,
    *,
    weights: pd.Series | str,
    by: str | None = None,
    confidence: float = 0.95,
    calibrated_on: Sequence[str] = (),
) -> pd.DataFrame:
    """Weighted share of a yes/no outcome with its margin of error, calibrated when raked.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent: the whole sample, also when estimating by group.
    outcome : Series or str
        A 0/1 (or boolean) column, name or Series aligned to ``frame``; missing values leave
        the respondent out of the estimate but in the sample.
    weights : Series or str
        Positive weights.
    by : str, optional
        Column whose groups each get their own share.
    confidence : float
        Confidence level of the intervals.
    calibrated_on : sequence of str
        The columns of ``frame`` the weights were raked on. Given, the standard error is
        "calibrated"; empty, the weights are taken as fixed.

    Returns
    -------
    DataFrame
        One row per group ("all" without ``by``), sorted by group, with :data:`SHARE_COLUMNS`
        (``deff``: the design effect of each share against simple random sampling).

    Examples
    --------
    Weights raked on ward: the share of a ward-bound answer is known better than the weights
    alone say.

    >>> people = pd.DataFrame(
    ...     {"yes": [1.0, 1, 0, 0], "ward": ["a", "a", "b", "b"], "w": [3.0, 3, 2, 2]}
    ... )
    >>> fixed = design_share(people, "yes", weights="w")
    >>> calibrated = design_share(people, "yes", weights="w", calibrated_on=["ward"])
    >>> pd.concat([fixed, calibrated])[["share", "se", "variance_method"]].round(4)
       share      se variance_method
    0    0.6  0.2771   fixed weights
    0    0.6  0.0000      calibrated
    """
    missing = [column for column in calibrated_on if column not in frame.columns]
    if missing:
        raise SurveyError(
            f"no column {missing[0]!r} among the raking variables given as calibrated_on",
            hint=f"name columns of the respondents' frame: {list(frame.columns)[:12]}",
        )
    work = frame[list(calibrated_on)].assign(
        **{
            _WEIGHT: aligned_values(frame, weights, "weights"),
            _OUTCOME: pd.to_numeric(aligned_values(frame, outcome, "outcome"), errors="coerce"),
        }
    )
    if by is not None:
        work[_GROUP] = aligned_values(frame, by, "group")
    design = SurveyDesign(_WEIGHT, calibrated_on=tuple(calibrated_on))
    table = weighted_mean(
        work,
        _OUTCOME,
        design=design,
        by=None if by is None else _GROUP,
        variance="calibrated" if calibrated_on else "fixed weights",
        confidence=confidence,
    )
    table = table.rename(columns={"estimate": "share"}).sort_values("group", kind="stable")
    return table[list(SHARE_COLUMNS)].reset_index(drop=True)

"""Weighted estimates with the weights taken as fixed: Kish's design effect and weighted shares.

:func:`design_effect` reports Kish's design effect and effective sample size of a set of
weights. :func:`weighted_share` estimates the weighted share of respondents with a yes/no
outcome, overall or by group, with a standard error by Taylor linearisation and a margin of
error. The weights come from :mod:`research_kit.survey.weighting` (raking) or from the export;
:mod:`research_kit.survey.variance` gives standard errors that account for the raking itself.

Conventions (the same as R ``survey`` and ``samplics`` on a one-stage design):

- Variance treats the weights as fixed, each respondent as its own primary sampling unit drawn
  with replacement, no strata and no finite population correction. For the ratio mean
  ``p_d = sum(w d y) / sum(w d)`` of domain ``d``, ``var = n/(n-1) * sum(z_i**2)`` with
  ``z_i = w_i d_i (y_i - p_d) / sum(w d)``, where ``n`` counts the whole sample (domains are
  estimated by zero-extension, never by filtering rows first).
- Confidence intervals are Wald intervals with Student's t on ``n - 1`` degrees of freedom
  (``n`` the whole sample); the margin of error is half their width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from research_kit.deprecation import renamed_keywords
from research_kit.errors import SurveyError

__all__ = ["aligned_values", "design_effect", "weighted_share"]


def aligned_values(frame: pd.DataFrame, values: object, what: str) -> pd.Series:
    """A column name, an aligned Series or a sequence, as a Series indexed like ``frame``.

    ``what`` names the values in an error ("weights", "outcome").

    Examples
    --------
    >>> frame = pd.DataFrame({"yes": [1, 0]}, index=[10, 11])
    >>> aligned_values(frame, [2.0, 3.0], "weights").tolist()
    [2.0, 3.0]
    >>> aligned_values(frame, "yes", "outcome").index.tolist()
    [10, 11]
    """
    if isinstance(values, str):
        if values not in frame.columns:
            raise SurveyError(
                f"no column {values!r} for the {what}",
                hint=f"the columns are {list(frame.columns)[:12]}",
            )
        return frame[values]
    if isinstance(values, pd.Series):
        if not values.index.equals(frame.index):
            raise SurveyError(
                f"the {what} Series is not aligned to the respondents",
                hint="index it like the respondents' frame",
            )
        return values
    values = list(values)  # type: ignore[call-overload]
    if len(values) != len(frame):
        raise SurveyError(f"{len(values)} {what} values for {len(frame)} respondents")
    return pd.Series(values, index=frame.index)


def design_effect(weights: pd.Series | Sequence[float]) -> pd.DataFrame:
    """Kish's design effect of unequal weights and the effective sample size.

    ``deff = n * sum(w**2) / sum(w)**2`` and ``effective_n = sum(w)**2 / sum(w**2) = n / deff``.

    Parameters
    ----------
    weights : Series or sequence of float
        Positive weights, one per respondent.

    Returns
    -------
    DataFrame
        One row: ``n``, ``deff``, ``effective_n``, ``min``, ``max``, ``max_over_min``.

    Examples
    --------
    >>> design_effect([1, 1, 2, 2]).round(4)
       n    deff  effective_n  min  max  max_over_min
    0  4  1.1111          3.6  1.0  2.0           2.0
    """
    w = np.asarray(weights, dtype=float)
    if w.size == 0 or np.isnan(w).any() or (w <= 0).any():
        raise SurveyError("weights must be a non-empty set of positive numbers")
    effective_n = w.sum() ** 2 / (w**2).sum()
    return pd.DataFrame(
        {
            "n": [w.size],
            "deff": [w.size / effective_n],
            "effective_n": [effective_n],
            "min": [w.min()],
            "max": [w.max()],
            "max_over_min": [w.max() / w.min()],
        }
    )


@renamed_keywords(level="confidence")
def weighted_share(
    frame: pd.DataFrame,
    outcome: pd.Series | str,
    *,
    weights: pd.Series | str,
    by: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Weighted share of respondents with a yes/no outcome, with its margin of error.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent (the whole sample, also when estimating by group).
    outcome : Series or str
        A boolean column (name, or a Series aligned to ``frame``). Missing values (``NA``)
        leave that respondent out of the estimate, as a domain: they still count in the
        sample size ``n`` of the variance formula.
    weights : Series or str
        Positive weights (name, or a Series aligned to ``frame``), e.g. from :func:`rake`.
    by : str, optional
        Column whose groups get their own estimate (domains; respondents without a group are
        left out of every group).
    confidence : float
        Confidence level of the interval (0.95: 95% intervals).

    Returns
    -------
    DataFrame
        One row per group (``"all"`` without ``by``), sorted by group: ``group``, ``n``
        (respondents with an outcome in the group), ``share``, ``se``, ``ci_low``,
        ``ci_high``, ``margin_of_error``. See the module notes for the variance and the
        interval.

    Examples
    --------
    >>> people = pd.DataFrame({"yes": [True, False, True, False], "w": [1, 1, 2, 2]})
    >>> weighted_share(people, "yes", weights="w").round(4)
      group  n  share      se  ci_low  ci_high  margin_of_error
    0   all  4    0.5  0.3043 -0.4684   1.4684           0.9684
    """
    y_raw = aligned_values(frame, outcome, "outcome")
    w = pd.to_numeric(aligned_values(frame, weights, "weights"), errors="coerce").to_numpy(float)
    if np.isnan(w).any() or (w <= 0).any():
        raise SurveyError("weights have missing or non-positive values")
    answered = y_raw.notna().to_numpy()
    values = y_raw[answered]
    if not values.map(lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1)).all():
        bad = values[~values.map(lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1))]
        raise SurveyError(
            f"outcome is not yes/no: found {bad.iloc[0]!r}",
            hint="pass a boolean column, e.g. frame[q].isin(['Agree', 'Strongly agree'])",
        )
    y = np.zeros(len(frame))
    y[answered] = values.astype(float).to_numpy()
    n = len(frame)
    if n < 2:
        raise SurveyError("a margin of error needs at least two respondents")

    if by is None:
        groups = {"all": answered}
    else:
        if by not in frame.columns:
            raise SurveyError(f"no column {by!r} to break the share down by")
        column = frame[by]
        groups = {
            key: answered & (column == key).to_numpy()
            for key in sorted(column.dropna().unique(), key=str)
        }
    t = stats.t.ppf(0.5 + confidence / 2, df=n - 1)
    rows = []
    for key, member in groups.items():
        d = member.astype(float)
        total = (w * d).sum()
        if total == 0:
            continue
        share = (w * d * y).sum() / total
        z = w * d * (y - share) / total
        se = float(np.sqrt(n / (n - 1) * (z**2).sum()))
        rows.append(
            {
                "group": key,
                "n": int(member.sum()),
                "share": share,
                "se": se,
                "ci_low": share - t * se,
                "ci_high": share + t * se,
                "margin_of_error": t * se,
            }
        )
    return pd.DataFrame(
        rows, columns=["group", "n", "share", "se", "ci_low", "ci_high", "margin_of_error"]
    )

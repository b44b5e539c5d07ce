"""The overall test of association of a breakdown: does the answer depend on the group?

Weighted (design-based), the Rao–Scott first-order corrected chi-square: Pearson's X² on the
weighted table rescaled to the respondents in it, divided by the mean generalised design
effect, on ``(R-1)(C-1)`` degrees of freedom, as R ``survey::svychisq(statistic = "Chisq")``.
Unweighted, Pearson's chi-square test of independence.
:func:`~research_kit.survey.breakdown.crosstab_result` reports it beside its table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["association_test"]


def association_test(
    groups: pd.Series,
    answers: pd.Series,
    *,
    weights: pd.Series,
    group_order: list,
    categories: list,
    design: bool,
) -> dict:
    """Test of association between group and answer over the groups in ``group_order``.

    Parameters
    ----------
    groups, answers : Series
        Each respondent's group and answer (object dtype; NA or None when missing), aligned.
    weights : Series
        Each respondent's weight (all 1 when unweighted).
    group_order, categories : list
        The groups to test over (the shown ones) and the answer categories.
    design : bool
        Rao–Scott (weighted, design-based) rather than Pearson's chi-square.

    Returns
    -------
    dict
        ``name, statistic, df, p_value, n, groups, note`` and ``min_expected`` (Pearson) or
        ``pearson_statistic, mean_design_effect`` (Rao–Scott).

    Examples
    --------
    >>> groups = pd.Series(["a", "a", "b", "b"], dtype=object)
    >>> answers = pd.Series(["y", "n", "y", "n"], dtype=object)
    >>> test = association_test(groups, answers, weights=pd.Series([1.0] * 4),
    ...                         group_order=["a", "b"], categories=["y", "n"], design=False)
    >>> test["name"], test["df"], test["p_value"]
    ('Pearson chi-square test of independence', 1, 1.0)
    """
    group_code = pd.Index(group_order, dtype=object).get_indexer(groups)
    category_code = pd.Index(categories, dtype=object).get_indexer(answers)
    inside = (group_code >= 0) & (category_code >= 0)
    w = weights.to_numpy(dtype=float)
    shape = (len(group_order), len(categories))
    cell = np.where(inside, group_code * shape[1] + category_code, 0)
    counts = np.bincount(cell[inside], minlength=shape[0] * shape[1]).reshape(shape)
    totals = np.bincount(cell[inside], weights=w[inside], minlength=counts.size).reshape(shape)
    keep_rows, keep_columns = counts.sum(1) > 0, counts.sum(0) > 0
    name = (
        "Rao-Scott first-order corrected chi-square test of independence"
        if design
        else "Pearson chi-square test of independence"
    )
    result: dict = {
        "name": name,
        "statistic": np.nan,
        "df": 0,
        "p_value": np.nan,
        "n": int(inside.sum()),
        "groups": [g for g, keep in zip(group_order, keep_rows, strict=True) if keep],
        "note": "",
    }
    if keep_rows.sum() < 2 or keep_columns.sum() < 2:
        result["note"] = "needs at least two shown groups and two answered categories"
        return result
    counts = counts[keep_rows][:, keep_columns]
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    if not design:
        chi2, p, _, expected = stats.chi2_contingency(counts, correction=False)
        return result | {
            "statistic": float(chi2),
            "df": df,
            "p_value": float(p),
            "min_expected": float(expected.min()),
        }
    keep_cells = np.outer(keep_rows, keep_columns).ravel()
    index = np.full(keep_cells.size, -1)
    index[keep_cells] = np.arange(int(keep_cells.sum()))
    statistic, pearson, deff = _rao_scott(
        cell_index=np.where(inside, index[cell], -1),
        weights=w,
        shape=counts.shape,
        weighted_table=totals[keep_rows][:, keep_columns],
    )
    return result | {
        "statistic": statistic,
        "df": df,
        "p_value": float(stats.chi2.sf(statistic, df)),
        "pearson_statistic": pearson,
        "mean_design_effect": deff,
    }


def _rao_scott(
    *, cell_index: np.ndarray, weights: np.ndarray, shape: tuple[int, int], weighted_table
) -> tuple[float, float, float]:
    """Rao–Scott first-order statistic, Pearson's X² and the mean generalised design effect.

    ``cell_index`` is each respondent's cell (row-major, -1 outside the table). The cell
    proportions are ratio means over the full sample; their linearised covariance is
    ``n/(n-1) * sum(z z')`` with ``z_i = w_i d_i (e_i - p) / sum(w d)``, which sums to
    ``(diag(s) - s p' - p s' + S p p') / W**2`` (``s`` the sums of squared weights per cell,
    ``S`` their total), so no respondent-by-cell matrix is built.
    """
    rows, columns = shape
    n_total = len(cell_index)
    inside = cell_index >= 0
    n_table = int(inside.sum())
    size = rows * columns
    w_in, c_in = weights[inside], cell_index[inside]
    total = w_in.sum()
    p = np.bincount(c_in, weights=w_in, minlength=size) / total
    s = np.bincount(c_in, weights=w_in**2, minlength=size)
    variance = (np.diag(s) - np.outer(s, p) - np.outer(p, s) + s.sum() * np.outer(p, p)) / total**2
    variance *= n_total / (n_total - 1)

    pearson = stats.chi2_contingency(
        np.asarray(weighted_table) / total * n_table, correction=False
    )[0]
    contrasts = _interaction_contrasts(rows, columns)
    inverse = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    scaled = contrasts * inverse[:, None]
    denominator = contrasts.T @ scaled / n_table
    numerator = scaled.T @ variance @ scaled
    # Least squares, not solve: a cell no respondent is in (a theme nobody in a ward gave)
    # makes the denominator singular; the design effects are averaged over its rank.
    delta, _, rank, _ = np.linalg.lstsq(denominator, numerator, rcond=None)
    mean_deff = float(np.trace(delta) / max(int(rank), 1))
    return float(pearson / mean_deff), float(pearson), mean_deff


def _interaction_contrasts(rows: int, columns: int) -> np.ndarray:
    """Row-by-column interaction contrasts, made orthogonal to the main effects (as svychisq)."""
    r, c = np.divmod(np.arange(rows * columns), columns)
    main = np.column_stack(
        [np.ones(rows * columns)]
        + [(r == k).astype(float) for k in range(1, rows)]
        + [(c == k).astype(float) for k in range(1, columns)]
    )
    interaction = np.column_stack(
        [((r == i) & (c == j)).astype(float) for i in range(1, rows) for j in range(1, columns)]
    )
    coefficients, *_ = np.linalg.lstsq(main, interaction, rcond=None)
    return interaction - main @ coefficients

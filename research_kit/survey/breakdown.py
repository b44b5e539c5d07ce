"""Group breakdowns of one categorical survey answer: shares, margins of error, tests, suppression.

:func:`weighted_distribution` gives the share of each category of a categorical answer (a
cluster label, a Likert level) overall or per group, weighted or not, each with its standard
error, confidence interval and margin of error. :func:`crosstab` adds, for every cell, a test of
whether the group's share differs from the share among the rest of the respondents, adjusted for
the many cells of the table, an overall test of association, and small-cell suppression through
:mod:`research_kit.privacy`. :func:`holm_adjust` is the multiple-testing adjustment they use.

Methods (the conventions of :mod:`research_kit.survey.weighting`):

- Every share is :func:`~research_kit.survey.weighting.weighted_share` of the yes/no outcome
  "answered this category" over the respondents who answered (a domain): Taylor linearised
  ``se = sqrt(n/(n-1) * sum(z_i**2))``, ``z_i = w_i d_i (y_i - p) / sum(w d)``, ``n`` the whole
  sample, Wald interval with Student's t on ``n - 1`` degrees of freedom, margin of error = half
  its width. Without weights every weight is 1 and this reduces to
  ``se = sqrt(n/(n-1) * p(1-p) / n_d)`` (``n_d`` answering respondents in the group), which is
  ``sqrt(p(1-p)/(n-1))`` for the whole sample with no missing answers.
- Group vs rest, weighted (or ``test="design"``): ``t = (p_g - p_rest) / sqrt(se_g**2 +
  se_rest**2)`` with both shares and SEs from ``weighted_share`` on the two disjoint domains and
  ``n - 1`` degrees of freedom. On this design (each respondent its own sampling unit) the
  linearised covariance of two disjoint domain means is exactly zero, so the sum of variances is
  the linearised variance of the difference, not an approximation; with clustered samples it
  would be one. Unweighted (``test="auto"`` or ``"z"``): the pooled two-proportion z-test.
- p-values are Holm-adjusted (step-down Bonferroni, valid under any dependence) across the
  shown cells of one table (with two categories, across groups: a group's two cells are the
  same test); ``significant`` is ``p_adjusted < alpha`` (0.05).
- Overall association: weighted, the Rao–Scott first-order corrected chi-square (Pearson's X²
  on the weighted table rescaled to the respondents in it, divided by the mean generalised
  design effect, on ``(R-1)(C-1)`` degrees of freedom, as R ``survey::svychisq(statistic =
  "Chisq")``); unweighted, Pearson's chi-square test of independence.
  (:mod:`research_kit.survey.association` computes it; :mod:`research_kit.survey.group_tests`
  the group-vs-rest tests and Holm's adjustment.)
- Suppression: the unweighted counts go through :func:`research_kit.privacy.suppress_table`
  (cells of 1 to ``min_cell_size - 1`` people hidden, plus complementary cells so that no hidden
  count follows from the row and column totals); a group answered by fewer than
  ``min_cell_size`` people is hidden whole. Every estimate of a hidden cell is set to missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from research_kit.deprecation import renamed_keywords
from research_kit.errors import SurveyError
from research_kit.privacy import DEFAULT_MIN_CELL_SIZE, suppress_table
from research_kit.survey.association import association_test
from research_kit.survey.breakdown_inputs import BreakdownInputs, prepare_inputs
from research_kit.survey.design_shares import design_share
from research_kit.survey.group_tests import group_vs_rest, holm_adjust

__all__ = [
    "CrosstabResult",
    "crosstab",
    "crosstab_result",
    "holm_adjust",
    "weighted_distribution",
]

#: Significance level of the ``significant`` flag.
ALPHA = 0.05
#: Columns computed from a cell's respondents, hidden with the cell.
ESTIMATE_COLUMNS = ("share", "se", "ci_low", "ci_high", "margin_of_error", "deff")
TEST_COLUMNS = ("difference", "p_value", "p_adjusted")
#: What a table says about how it was estimated (last in every table).
HOW_COLUMNS = ["weighted", "variance_method"]
DISTRIBUTION_COLUMNS = ["group", "category", "n", "count", *ESTIMATE_COLUMNS, *HOW_COLUMNS]
_NO_TOTAL = object()  # a label no cell has: our tables carry no totals row or column
#: Columns of :attr:`CrosstabResult.overall_test`.
OVERALL_TEST_COLUMNS = (
    "name",
    "statistic",
    "df",
    "p_value",
    "n",
    "groups",
    "min_expected",
    "pearson_statistic",
    "mean_design_effect",
    "note",
)


@dataclass(frozen=True)
class CrosstabResult:
    """A breakdown by group with its overall test of association (:func:`crosstab_result`).

    Attributes
    ----------
    table : pandas.DataFrame
        What :func:`crosstab` returns: one row per group and category.
    overall_test : pandas.DataFrame
        One row: the test of association of the whole table over the groups that are shown:
        ``name``, ``statistic``, ``df``, ``p_value``, ``n`` (respondents in it), ``groups``
        (a list), ``min_expected`` (Pearson), ``pearson_statistic`` and
        ``mean_design_effect`` (Rao–Scott), ``note`` (why there is no test, else "").
    alpha : float
        The level of the ``significant`` flags.
    confidence : float
        The level of the intervals.
    min_cell_size : int
        The suppression threshold used.
    """

    table: pd.DataFrame
    overall_test: pd.DataFrame
    alpha: float
    confidence: float
    min_cell_size: int


@renamed_keywords(level="confidence")
def weighted_distribution(
    frame: pd.DataFrame,
    outcome: str | pd.Series,
    *,
    weights: str | pd.Series | Sequence[float] | None = None,
    by: str | None = None,
    levels: Sequence | None = None,
    confidence: float = 0.95,
    min_cell_size: int | None = None,
    calibrated_on: Sequence[str] = (),
) -> pd.DataFrame:
    """Share of each category of a categorical answer, overall or per group, with its MOE.

    Cells are suppressed by default, like every breakdown (since the house redesign;
    before, ``min_cell_size=None`` showed everything: pass ``min_cell_size=0`` for that).

    Parameters
    ----------
    frame : DataFrame
        One row per respondent (the whole sample, also when estimating by group).
    outcome : str or Series
        The categorical answer (a cluster label, a Likert item): a column name or a Series
        aligned to ``frame``. Missing values are respondents who did not answer: they are
        outside every share's base but still count in the sample size of the variance.
    weights : str, Series or sequence, optional
        Positive weights (e.g. from :func:`~research_kit.survey.weighting.rake`); without
        them every respondent weighs 1 and the shares are simple proportions.
    by : str, optional
        Column whose groups each get their own distribution.
    levels : sequence, optional
        The categories in display order (a Likert scale low to high). Every category listed
        appears, also with no respondents (share 0); an answer not listed is an error.
        Without ``levels`` the categories are those of a categorical ``outcome`` or the
        answers seen, sorted.
    confidence : float
        Confidence level of the intervals (0.95: 95% intervals).
    min_cell_size : int, optional
        Suppress cells of fewer people (and complementary cells) through
        :func:`research_kit.privacy.suppress_table`; ``None`` (the default) uses the study's
        default (:data:`~research_kit.privacy.DEFAULT_MIN_CELL_SIZE`; pass
        ``study.min_cell_size`` for a study that sets its own); ``0`` shows everything and
        adds no suppression columns (analysis only, never for stakeholders).
    calibrated_on : sequence of str
        The columns the weights were raked on (e.g. ``("ward", "age_band")``; a study's are
        ``study.survey_weights_result().calibrated_on``). Given, standard errors account for
        the raking ("calibrated", as R ``survey::rake`` then ``svymean``); empty, the weights
        are taken as fixed. ``variance_method`` says which.

    Returns
    -------
    DataFrame
        One row per group and category, groups in order, then categories in order:
        ``group`` ("all" without ``by``), ``category``, ``n`` (respondents in the group who
        answered), ``count`` (of them, those in this category, unweighted), ``share``, ``se``,
        ``ci_low``, ``ci_high``, ``margin_of_error``, ``deff`` (the share's design effect
        against simple random sampling), ``weighted``, ``variance_method`` ("calibrated" or
        "fixed weights"); unless
        ``min_cell_size=0`` also ``suppressed`` and ``suppression_reason`` ("small cell",
        "complementary", "small group" or ""). The intervals are Wald intervals, not clipped
        to [0, 1]. See the module notes for the formulas.

    Raises
    ------
    SurveyError
        A named column is missing, an answer is not among ``levels``, a weight is missing or
        not positive, or there are fewer than two respondents.

    Examples
    --------
    >>> people = pd.DataFrame({"answer": ["yes", "no", "yes", "no"], "w": [1, 1, 2, 2]})
    >>> weighted_distribution(
    ...     people, "answer", weights="w", levels=["yes", "no", "unsure"], min_cell_size=0
    ... )[["category", "n", "count", "share", "margin_of_error"]].round(4)
      category  n  count  share  margin_of_error
    0      yes  4      2    0.5           0.9684
    1       no  4      2    0.5           0.9684
    2   unsure  4      0    0.0           0.0000
    """
    prepared = prepare_inputs(
        frame, outcome, weights=weights, by=by, levels=levels, calibrated_on=calibrated_on
    )
    table = _distribution(prepared, confidence=confidence)
    min_cell_size = DEFAULT_MIN_CELL_SIZE if min_cell_size is None else min_cell_size
    if min_cell_size == 0:
        return table
    return _suppress(table, min_cell_size=min_cell_size, two_way=by is not None)


@renamed_keywords(level="confidence")
def crosstab(
    frame: pd.DataFrame,
    outcome: str | pd.Series,
    by: str,
    *,
    weights: str | pd.Series | Sequence[float] | None = None,
    levels: Sequence | None = None,
    min_cell_size: int | None = None,
    test: Literal["auto", "design", "z"] = "auto",
    adjust: Literal["holm", "none"] = "holm",
    alpha: float = ALPHA,
    confidence: float = 0.95,
    progress: bool | None = None,
    calibrated_on: Sequence[str] = (),
) -> pd.DataFrame:
    """Break a categorical answer down by a group, with tests of each group against the rest.

    Parameters
    ----------
    frame, outcome, weights, levels, confidence, calibrated_on
        As for :func:`weighted_distribution`.
    by : str
        Column of the groups (ward, age band, business type…).
    min_cell_size : int, optional
        The study's minimum cell size: smaller cells, their complements and groups with
        fewer answering respondents are suppressed. ``None`` (the default) is
        :data:`~research_kit.privacy.DEFAULT_MIN_CELL_SIZE`; pass ``study.min_cell_size``.
    test : {"auto", "design", "z"}
        The test of a group's share against the rest's: ``"design"`` the design-based t-test
        (the default with weights), ``"z"`` the pooled two-proportion z-test (the default
        without weights; refused with weights, which it would ignore).
    adjust : {"holm", "none"}
        Holm adjustment of the p-values across the shown cells of the table, or none.
    alpha : float
        Level below which an adjusted p-value is flagged ``significant``.
    progress : bool, optional
        Show a progress bar of the tests; by default only for large tables.

    Returns
    -------
    DataFrame
        The columns of :func:`weighted_distribution` and ``difference`` (group share minus
        the rest's share), ``p_value``, ``p_adjusted``, ``significant`` (nullable boolean),
        ``test`` (what was done, e.g. "two-proportion z-test of group vs rest,
        Holm-adjusted"), ``suppressed`` and ``suppression_reason``. Every estimate and test of
        a suppressed cell is missing. The overall test of association comes with
        :func:`crosstab_result` (it was ``attrs["overall_test"]`` before the house redesign).

    Raises
    ------
    SurveyError
        As :func:`weighted_distribution`; also for an unknown ``test`` or ``adjust``, or
        ``test="z"`` with weights.

    Examples
    --------
    >>> people = pd.DataFrame({
    ...     "ward": ["A"] * 30 + ["B"] * 30 + ["C"] * 30,
    ...     "answer": ["yes"] * 24 + ["no"] * 6 + ["yes"] * 8 + ["no"] * 22
    ...     + ["yes"] * 15 + ["no"] * 15,
    ... })
    >>> table = crosstab(people, "answer", "ward", levels=["yes", "no"])
    >>> table[["group", "category", "count", "share", "p_adjusted", "significant"]].round(4)
      group category  count   share  p_adjusted  significant
    0     A      yes     24  0.8000      0.0006         True
    1     A       no      6  0.2000      0.0006         True
    2     B      yes      8  0.2667      0.0012         True
    3     B       no     22  0.7333      0.0012         True
    4     C      yes     15  0.5000      0.7654        False
    5     C       no     15  0.5000      0.7654        False
    >>> table.loc[0, "test"]
    'two-proportion z-test of group vs rest, Holm-adjusted'
    """
    return crosstab_result(
        frame,
        outcome,
        by,
        weights=weights,
        levels=levels,
        min_cell_size=min_cell_size,
        test=test,
        adjust=adjust,
        alpha=alpha,
        confidence=confidence,
        progress=progress,
        calibrated_on=calibrated_on,
    ).table


@renamed_keywords(level="confidence")
def crosstab_result(
    frame: pd.DataFrame,
    outcome: str | pd.Series,
    by: str,
    *,
    weights: str | pd.Series | Sequence[float] | None = None,
    levels: Sequence | None = None,
    min_cell_size: int | None = None,
    test: Literal["auto", "design", "z"] = "auto",
    adjust: Literal["holm", "none"] = "holm",
    alpha: float = ALPHA,
    confidence: float = 0.95,
    progress: bool | None = None,
    calibrated_on: Sequence[str] = (),
) -> CrosstabResult:
    """:func:`crosstab`'s table and the overall test of association beside it.

    Parameters
    ----------
    frame, outcome, by, weights, levels, min_cell_size, test, adjust, alpha, confidence, progress
    calibrated_on
        As for :func:`crosstab`.

    Returns
    -------
    CrosstabResult
        ``table`` (:func:`crosstab`'s), ``overall_test`` (one row), ``alpha``,
        ``confidence`` and ``min_cell_size``.

    Examples
    --------
    >>> people = pd.DataFrame({"ward": ["A"] * 10 + ["B"] * 10, "answer": ["yes", "no"] * 10})
    >>> result = crosstab_result(people, "answer", "ward")
    >>> result.overall_test.loc[0, "name"], float(result.overall_test.loc[0, "statistic"])
    ('Pearson chi-square test of independence', 0.0)
    """
    if by is None:
        raise SurveyError("crosstab needs a column to break the answer down by (by=...)")
    if test not in ("auto", "design", "z"):
        raise SurveyError(f"test={test!r} is not 'auto', 'design' or 'z'")
    if adjust not in ("holm", "none"):
        raise SurveyError(f"adjust={adjust!r} is not 'holm' or 'none'")
    prepared = prepare_inputs(
        frame, outcome, weights=weights, by=by, levels=levels, calibrated_on=calibrated_on
    )
    if test == "z" and prepared.weighted:
        raise SurveyError(
            "the two-proportion z-test ignores the weights",
            hint="use test='design' (or 'auto') with weights",
        )
    design = test == "design" or (test == "auto" and prepared.weighted)
    table = _distribution(prepared, confidence=confidence)
    assert prepared.groups is not None
    table = group_vs_rest(
        table,
        prepared.groups,
        prepared.answers,
        weights=prepared.weights,
        categories=prepared.categories,
        design=design,
        progress=progress,
        calibration=prepared.calibration,
    )
    min_cell_size = DEFAULT_MIN_CELL_SIZE if min_cell_size is None else min_cell_size
    table = _suppress(table, min_cell_size=min_cell_size, two_way=True)

    table["p_adjusted"] = _adjusted(table, holm=adjust == "holm")
    adjusted = table["p_adjusted"].to_numpy(dtype=float)
    flags = pd.array(adjusted < alpha, dtype="boolean")
    flags[np.isnan(adjusted)] = pd.NA
    table["significant"] = flags
    name = (
        "design-based t-test of group vs rest (linearised SE, df = n-1)"
        if design
        else "two-proportion z-test of group vs rest"
    )
    if design and prepared.calibration is not None:
        name = name.replace("linearised SE,", "linearised SE accounting for the raking,")
    table["test"] = name + (", Holm-adjusted" if adjust == "holm" else ", unadjusted")
    cells = [column for column in DISTRIBUTION_COLUMNS if column not in HOW_COLUMNS]
    order = [*cells, *TEST_COLUMNS, "significant", "test", *HOW_COLUMNS]
    table = table[[*order, "suppressed", "suppression_reason"]]

    tested = [
        group
        for group in prepared.group_order
        if group not in set(table.loc[table["suppression_reason"] == "small group", "group"])
    ]
    overall = association_test(
        prepared.groups,
        prepared.answers,
        weights=prepared.weights,
        group_order=tested,
        categories=prepared.categories,
        design=design,
    )
    return CrosstabResult(
        table=table,
        overall_test=pd.DataFrame([overall]).reindex(columns=list(OVERALL_TEST_COLUMNS)),
        alpha=alpha,
        confidence=confidence,
        min_cell_size=min_cell_size,
    )


def _adjusted(table: pd.DataFrame, *, holm: bool) -> np.ndarray:
    """Adjusted p-values over the family of shown cells.

    With two categories a group's two cells are one test (the shares are complements), so
    the family holds each group once.
    """
    raw = table["p_value"].to_numpy(dtype=float)
    family = ~table["suppressed"].to_numpy()
    categories = table["category"].map(_hashable)
    binary = categories.nunique() == 2
    if binary:
        family &= (categories == categories.iloc[0]).to_numpy()
    adjusted = np.full(len(table), np.nan)
    adjusted[family] = holm_adjust(raw[family]) if holm else raw[family]
    if binary:
        by_group = dict(zip(table["group"][family], adjusted[family], strict=True))
        shown = ~table["suppressed"].to_numpy()
        adjusted[shown] = table["group"][shown].map(by_group).to_numpy(dtype=float)
    return adjusted


# -- estimates ---------------------------------------------------------------------------------
def _distribution(prepared: BreakdownInputs, *, confidence: float) -> pd.DataFrame:
    """Unsuppressed shares of every category in every group, one ``design_share`` each."""
    base = _domain_frame(prepared)
    calibration_names = []
    if prepared.calibration is not None:  # own names, so none can clash with "group"
        calibration_names = [f"__raked_{k}" for k in range(prepared.calibration.shape[1])]
        base[calibration_names] = prepared.calibration.to_numpy()
    answered = prepared.answers.notna()
    rows = []
    for category in prepared.categories:
        hit = (prepared.answers == category).astype(float).where(answered)
        shares = design_share(
            base,
            hit,
            weights=prepared.weights,
            by=None if prepared.groups is None else "group",
            confidence=confidence,
            calibrated_on=() if prepared.calibration is None else tuple(calibration_names),
        )
        rows.append(shares.assign(category=[category] * len(shares)))
    table = pd.concat(rows, ignore_index=True)
    group_key = prepared.groups if prepared.groups is not None else pd.Series("all", base.index)
    counts = (
        pd.DataFrame({"group": group_key, "category": prepared.answers})[answered]
        .value_counts()
        .rename("count")
    )
    keys = pd.MultiIndex.from_arrays([table["group"], table["category"]])
    table["count"] = counts.reindex(keys, fill_value=0).to_numpy().astype(int)
    table["weighted"] = prepared.weighted
    rank_group = {group: k for k, group in enumerate(prepared.group_order)}
    rank_category = {_hashable(c): k for k, c in enumerate(prepared.categories)}
    table = table.assign(
        _g=table["group"].map(rank_group), _c=table["category"].map(_hashable).map(rank_category)
    ).sort_values(["_g", "_c"], kind="stable")
    return table[DISTRIBUTION_COLUMNS].reset_index(drop=True)


def _hashable(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _domain_frame(prepared: BreakdownInputs) -> pd.DataFrame:
    """The small frame handed to ``weighted_share``: just the group of every respondent."""
    index = prepared.answers.index
    if prepared.groups is None:
        return pd.DataFrame(index=index)
    return pd.DataFrame({"group": prepared.groups}, index=index)


# -- suppression -------------------------------------------------------------------------------
def _suppress(table: pd.DataFrame, *, min_cell_size: int, two_way: bool) -> pd.DataFrame:
    """Hide small cells, their complements and small groups; blank every estimate of them."""
    if not len(table):
        return table.assign(suppressed=pd.Series(dtype=bool), suppression_reason="")
    cells = table[["group", "category", "count"]]
    shown = suppress_table(
        cells,
        row="group",
        column="category",
        count="count",
        min_cell_size=min_cell_size,
        total=_NO_TOTAL,
        # Readers know each group's n (it is shown) and, for a two-way table, how many gave
        # each answer overall (the overall distribution is published beside it).
        margins="both" if two_way else "rows",
    )
    reason = shown["reason"].map({"small": "small cell", "complementary": "complementary"})
    reason = reason.fillna("")
    small_group = (table["n"] < min_cell_size).to_numpy()
    reason[small_group] = "small group"
    hidden = (reason != "").to_numpy()
    result = table.copy()
    result["count"] = result["count"].astype("Int64").mask(hidden)
    result["n"] = result["n"].astype("Int64").mask(small_group)
    for column in (*ESTIMATE_COLUMNS, *TEST_COLUMNS):
        if column in result:
            result[column] = result[column].mask(hidden)
    result["suppressed"] = hidden
    result["suppression_reason"] = reason.to_numpy()
    return result

"""Likert items: the share at each point of the scale and the top-box share, overall or by group.

:func:`likert_summary` gives, for each item, the (weighted) share of the answering respondents at
each level of its scale, in scale order, with margins of error, tests of each group against the
rest and small-cell suppression: it is :func:`~research_kit.survey.breakdown.crosstab` (or
:func:`~research_kit.survey.breakdown.weighted_distribution` without groups) run item by item.
:func:`top_box` gives the share in the top levels of the scale ("agree or strongly agree").

Non-answers ("Don't know", "Prefer not to say", "N/A", blanks…) are not points of the scale:
they are left out of every share's base (as missing answers, so they still count in the sample
size of the variance) and counted in the ``non_answer`` column, per item and group, and, per
item and answer as written, in the ``non_answers`` table of :func:`likert_summary_result`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from research_kit.deprecation import renamed_keywords
from research_kit.errors import SurveyError
from research_kit.privacy import DEFAULT_MIN_CELL_SIZE
from research_kit.survey.breakdown import (
    ALPHA,
    OVERALL_TEST_COLUMNS,
    crosstab,
    crosstab_result,
    holm_adjust,
    weighted_distribution,
)
from research_kit.survey.responses import NON_ANSWERS, normalise_answer

__all__ = [
    "DEFAULT_NON_ANSWERS",
    "LikertSummaryResult",
    "likert_summary",
    "likert_summary_result",
    "top_box",
]

#: Answers that say "no answer" rather than a point of the scale (compared after
#: :func:`~research_kit.survey.responses.normalise_answer`). Blank cells are non-answers as well.
DEFAULT_NON_ANSWERS = NON_ANSWERS
BLANK = "(blank)"

Scale = Sequence[object]


@dataclass(frozen=True)
class LikertSummaryResult:
    """:func:`likert_summary`'s table with the non-answers and overall tests beside it.

    Attributes
    ----------
    table : pandas.DataFrame
        What :func:`likert_summary` returns.
    non_answers : pandas.DataFrame
        ``item, answer, count``: each item's non-answers as written (blanks as "(blank)"),
        most common first.
    overall_tests : pandas.DataFrame
        By group, one row per item: ``item`` and the columns of
        :attr:`~research_kit.survey.breakdown.CrosstabResult.overall_test`; empty without
        ``by``.
    scales : dict
        ``{item: [levels, lowest first]}``.
    """

    table: pd.DataFrame
    non_answers: pd.DataFrame
    overall_tests: pd.DataFrame
    scales: dict[str, list]


@renamed_keywords(level="confidence")
def likert_summary(
    frame: pd.DataFrame,
    items: str | Sequence[str],
    *,
    order: Scale | Mapping[str, Scale],
    weights: str | pd.Series | Sequence[float] | None = None,
    by: str | None = None,
    non_answers: Iterable[str] = DEFAULT_NON_ANSWERS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    test: Literal["auto", "design", "z"] = "auto",
    confidence: float = 0.95,
    calibrated_on: Sequence[str] = (),
) -> pd.DataFrame:
    """Share of respondents at each level of each Likert item, with margins of error.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    items : str or sequence of str
        The Likert columns.
    order : sequence or mapping
        The scale from its lowest to its highest level (e.g. "Strongly disagree" …
        "Strongly agree"), or ``{item: scale}`` when items use different scales. Answers
        match a level exactly, or ignoring case and surrounding spaces.
    weights : str, Series or sequence, optional
        Positive weights; unweighted shares without them.
    by : str, optional
        Column of groups to break each item down by (with tests against the rest).
    non_answers : sequence of str
        Answers that are not a point of the scale (blank cells always are). A level of the
        scale is never a non-answer, even when listed here.
    min_cell_size : int
        The study's minimum cell size (see :func:`~research_kit.survey.breakdown.crosstab`).
    test : {"auto", "design", "z"}
        The test of each group against the rest, as for ``crosstab``.
    confidence : float
        Confidence level of the intervals (0.95: 95% intervals).
    calibrated_on : sequence of str
        The columns the weights were raked on: standard errors then account for the raking
        (``variance_method`` "calibrated"); empty, the weights are taken as fixed.

    Returns
    -------
    DataFrame
        One row per item, group and level, in item, group and scale order: ``item`` followed
        by the columns of ``crosstab`` (by group) or ``weighted_distribution`` (overall, group
        "all"), with ``non_answer`` (respondents in the group giving a non-answer or leaving
        the item blank; missing where the whole group is suppressed, otherwise shown: a
        group's size and its ``n`` would imply it anyway) after ``n``. The non-answers as
        written and the overall tests come with :func:`likert_summary_result` (they were in
        ``attrs`` before the house redesign).

    Raises
    ------
    SurveyError
        An item is not a column, has no scale, or has an answer that is neither a level of
        its scale nor a non-answer.

    Examples
    --------
    >>> scale = ["Disagree", "Neutral", "Agree"]
    >>> people = pd.DataFrame({"q": ["Agree"] * 6 + ["disagree "] * 5 + ["Don't know", None]})
    >>> summary = likert_summary(people, "q", order=scale)
    >>> summary[["item", "category", "n", "non_answer", "count", "share"]].round(3)
      item  category   n  non_answer  count  share
    0    q  Disagree  11           2      5  0.455
    1    q   Neutral  11           2      0  0.000
    2    q     Agree  11           2      6  0.545
    >>> likert_summary_result(people, "q", order=scale).non_answers
      item      answer  count
    0    q  Don't know      1
    1    q     (blank)      1
    """
    return likert_summary_result(
        frame,
        items,
        order=order,
        weights=weights,
        by=by,
        non_answers=non_answers,
        min_cell_size=min_cell_size,
        test=test,
        confidence=confidence,
        calibrated_on=calibrated_on,
    ).table


@renamed_keywords(level="confidence")
def likert_summary_result(
    frame: pd.DataFrame,
    items: str | Sequence[str],
    *,
    order: Scale | Mapping[str, Scale],
    weights: str | pd.Series | Sequence[float] | None = None,
    by: str | None = None,
    non_answers: Iterable[str] = DEFAULT_NON_ANSWERS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    test: Literal["auto", "design", "z"] = "auto",
    confidence: float = 0.95,
    calibrated_on: Sequence[str] = (),
) -> LikertSummaryResult:
    """:func:`likert_summary` with each item's non-answers and, by group, its overall test.

    Parameters
    ----------
    frame, items, order, weights, by, non_answers, min_cell_size, test, confidence
    calibrated_on
        As for :func:`likert_summary`.

    Returns
    -------
    LikertSummaryResult
        ``table``, ``non_answers``, ``overall_tests`` and ``scales``.

    Examples
    --------
    >>> people = pd.DataFrame({"q": ["Agree"] * 6 + ["Disagree"] * 6, "g": ["a", "b"] * 6})
    >>> result = likert_summary_result(people, "q", order=["Disagree", "Agree"], by="g")
    >>> result.overall_tests[["item", "name", "df"]]
      item                                     name  df
    0    q  Pearson chi-square test of independence   1
    """
    tables, overall_tests, non_answer_rows = [], [], []
    for item, scale, answers, skipped in _cleaned_items(frame, items, order, non_answers):
        if by is None:
            table = weighted_distribution(
                frame,
                answers,
                weights=weights,
                levels=scale,
                confidence=confidence,
                calibrated_on=calibrated_on,
                min_cell_size=min_cell_size,
            )
        else:
            result = crosstab_result(
                frame,
                answers,
                by,
                weights=weights,
                levels=scale,
                min_cell_size=min_cell_size,
                test=test,
                confidence=confidence,
                calibrated_on=calibrated_on,
            )
            table = result.table
            overall_tests.append(result.overall_test.assign(item=item))
        tables.append(_with_item(table, item, frame, by, skipped))
        non_answer_rows.append(_non_answer_counts(item, frame[item], skipped))
    test_columns = ["item", *OVERALL_TEST_COLUMNS]
    return LikertSummaryResult(
        table=pd.concat(tables, ignore_index=True),
        non_answers=pd.concat(non_answer_rows, ignore_index=True),
        overall_tests=(
            pd.concat(overall_tests, ignore_index=True)[test_columns]
            if overall_tests
            else pd.DataFrame(columns=test_columns)
        ),
        scales={item: list(scale) for item, scale in _item_scales(frame, items, order)},
    )


@renamed_keywords(level="confidence")
def top_box(
    frame: pd.DataFrame,
    items: str | Sequence[str],
    *,
    order: Scale | Mapping[str, Scale],
    top: int = 2,
    weights: str | pd.Series | Sequence[float] | None = None,
    by: str | None = None,
    non_answers: Iterable[str] = DEFAULT_NON_ANSWERS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    test: Literal["auto", "design", "z"] = "auto",
    confidence: float = 0.95,
    calibrated_on: Sequence[str] = (),
) -> pd.DataFrame:
    """Share of respondents in the top ``top`` levels of each item ("agree" share), with MOE.

    The base is the respondents who gave a point of the scale (non-answers excluded and
    counted, as in :func:`likert_summary`). For the bottom box, pass the scale reversed.

    Parameters
    ----------
    frame, items, order, weights, by, non_answers, min_cell_size, test, confidence
    calibrated_on
        As for :func:`likert_summary`.
    top : int
        How many levels at the top of the scale count (2: "Agree" and "Strongly agree").

    Returns
    -------
    DataFrame
        One row per item (and group): ``item``, ``group``, ``box`` (the levels counted, e.g.
        "Agree + Strongly agree"), ``n``, ``non_answer``, ``count`` (respondents in the box),
        ``share``, ``se``, ``ci_low``, ``ci_high``, ``margin_of_error``; by group also
        ``difference``, ``p_value``, ``p_adjusted`` (Holm across the item's shown groups),
        ``significant`` and ``test``; then ``weighted``, ``suppressed`` and
        ``suppression_reason`` (the box and its complement form a two-column table that is
        suppressed like any other).

    Examples
    --------
    >>> scale = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    >>> people = pd.DataFrame({"q": ["Agree"] * 4 + ["Strongly agree"] * 2 + ["Neutral"] * 6})
    >>> box = top_box(people, "q", order=scale)
    >>> box[["item", "box", "n", "count", "share"]]
      item                     box   n  count  share
    0    q  Agree + Strongly agree  12      6    0.5
    """
    if top < 1:
        raise SurveyError(f"top={top} must count at least one level")
    tables = []
    for item, scale, answers, skipped in _cleaned_items(frame, items, order, non_answers):
        if top >= len(scale):
            raise SurveyError(f"top={top} covers the whole {len(scale)}-level scale of {item!r}")
        box_levels = list(scale)[-top:]
        label = " + ".join(str(value) for value in box_levels)
        boxed = answers.isin(box_levels).map({True: "top", False: "other"}).where(answers.notna())
        if by is None:
            table = weighted_distribution(
                frame,
                boxed,
                weights=weights,
                levels=["top", "other"],
                confidence=confidence,
                calibrated_on=calibrated_on,
                min_cell_size=min_cell_size,
            )
        else:
            table = crosstab(
                frame,
                boxed,
                by,
                weights=weights,
                levels=["top", "other"],
                min_cell_size=min_cell_size,
                test=test,
                adjust="none",
                confidence=confidence,
                calibrated_on=calibrated_on,
            )
        table = table[table["category"] == "top"].reset_index(drop=True)
        if by is not None:
            # The family is this item's groups: the "other" cells repeat the same tests.
            table["p_adjusted"] = holm_adjust(table["p_value"].to_numpy(dtype=float))
            flags = pd.array(table["p_adjusted"] < ALPHA, dtype="boolean")
            flags[table["p_adjusted"].isna().to_numpy()] = pd.NA
            table["significant"] = flags
            table["test"] = table["test"].str.replace(
                "unadjusted", "Holm-adjusted across groups", regex=False
            )
        table = _with_item(table, item, frame, by, skipped)
        tables.append(table.rename(columns={"category": "box"}).assign(box=label))
    return pd.concat(tables, ignore_index=True)


# -- helpers -----------------------------------------------------------------------------------
def _item_scales(
    frame: pd.DataFrame, items: str | Sequence[str], order: Scale | Mapping[str, Scale]
) -> list[tuple[str, list]]:
    names = [items] if isinstance(items, str) else list(items)
    if not names:
        raise SurveyError("no Likert items given")
    result = []
    for item in names:
        if item not in frame.columns:
            raise SurveyError(
                f"no Likert column {item!r}", hint=f"the columns are {list(frame.columns)[:12]}"
            )
        if isinstance(order, Mapping):
            if item not in order:
                raise SurveyError(
                    f"no scale given for the Likert item {item!r}",
                    hint="give order={item: [lowest, ..., highest]} for every item",
                )
            scale = list(order[item])
        else:
            scale = list(order)
        if len(scale) < 2:
            raise SurveyError(f"the scale of {item!r} needs at least two levels, got {scale}")
        result.append((item, scale))
    return result


def _cleaned_items(
    frame: pd.DataFrame,
    items: str | Sequence[str],
    order: Scale | Mapping[str, Scale],
    non_answers: Sequence[str],
):
    """Yield ``(item, scale, answers, skipped)``: answers as scale levels (NA for none)."""
    for item, scale in _item_scales(frame, items, order):
        answers, skipped = _clean(frame[item], scale, non_answers, item)
        yield item, scale, answers, skipped


def _normal(value: object) -> object:
    return normalise_answer(value) if isinstance(value, str) else value


def _clean(
    raw: pd.Series, scale: list, non_answers: Sequence[str], item: str
) -> tuple[pd.Series, pd.Series]:
    """Map answers onto the scale; return them (NA = no answer) and the non-answer mask."""
    by_key = {_normal(value): value for value in scale}
    skip = {_normal(value) for value in non_answers} - set(by_key)
    blank = _blank(raw)
    keys = raw.map(_normal, na_action="ignore")
    is_level = keys.map(lambda key: _is_key(key, by_key)).astype(bool) & ~blank
    is_skip = keys.map(lambda key: _is_key(key, skip)).astype(bool) & ~blank & ~is_level
    unknown = ~(blank | is_level | is_skip)
    if unknown.any():
        counts = raw[unknown].astype(str).value_counts()
        listed = ", ".join(f"{value!r} ({count})" for value, count in counts.head(5).items())
        raise SurveyError(
            f"Likert item {item!r} has answers that are neither on its scale nor non-answers: "
            f"{listed}; first at respondent {raw.index[unknown.to_numpy()][0]!r}",
            hint="add them to the scale (order=...) in their place, or to non_answers",
        )
    answers = keys.where(is_level).map(lambda key: by_key[key], na_action="ignore")
    answers = answers.astype(object).where(is_level, None).rename(item)
    return answers, blank | is_skip


def _blank(values: pd.Series) -> pd.Series:
    """Missing cells and cells of only spaces."""
    spaces = values.map(lambda value: isinstance(value, str) and not value.strip())
    return pd.Series(values.isna().to_numpy() | spaces.astype(bool).to_numpy(), index=values.index)


def _is_key(key: object, keys: Mapping | set) -> bool:
    try:
        return key in keys
    except TypeError:  # unhashable cell
        return False


def _with_item(
    table: pd.DataFrame, item: str, frame: pd.DataFrame, by: str | None, skipped: pd.Series
) -> pd.DataFrame:
    """Put ``item`` first and each group's non-answer count after ``n``."""
    if by is None:
        counts = pd.Series({"all": int(skipped.sum())})
    else:
        counts = skipped.groupby(frame[by], observed=True).sum().astype(int)
    non_answer = table["group"].map(counts).fillna(0).astype("Int64")
    if "suppression_reason" in table:
        non_answer = non_answer.mask((table["suppression_reason"] == "small group").to_numpy())
    table = table.assign(non_answer=non_answer.to_numpy())
    columns = list(table.columns.drop("non_answer"))
    columns.insert(columns.index("n") + 1, "non_answer")
    result = table[columns]
    result.insert(0, "item", item)
    return result


def _non_answer_counts(item: str, raw: pd.Series, skipped: pd.Series) -> pd.DataFrame:
    """Non-answers of one item by answer as written (blanks as "(blank)"), most common first."""
    written = raw[skipped.to_numpy()]
    written = written.astype(object).where(~_blank(written), BLANK)
    counts = written.astype(str).value_counts(sort=True)
    frame = counts.rename_axis("answer").reset_index(name="count")
    frame.insert(0, "item", item)
    frame["count"] = frame["count"].astype(np.int64)
    return frame

"""Small-cell and complementary suppression of tables of people, and the attack that checks it.

Every breakdown of people by group (ward, race/ethnicity, role…) goes through
:func:`suppress_small_counts` before it reaches a brief: counts below the study's minimum cell
size (default 5) are hidden and flagged, so no reader can single out a resident. A two-way
table whose row and column totals are known goes through :func:`suppress_table`, and linked
tables published from the same people (one ward's table beside the all-wards table) through
:func:`protect`: both add complementary suppression until every small cell is protected by an
interval, as in statistical disclosure control (tau-ARGUS; FCSM Working Paper 22). The
attacker is taken to know every shown cell and total, that zeros are shown and that counts are
whole numbers; :func:`feasible_ranges` (and :func:`table_ranges` for one two-way table) is that
attack. Hidden cells must carry one label ("suppressed") wherever stakeholders see them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit.privacy._attack import hidden_ranges, is_protected
from research_kit.privacy._problem import (
    build_problem,
    checked_counts,
    checked_table,
    dimension_columns,
    normalised_views,
    two_way_problem,
    view_members,
    view_name,
    whole_numbers,
)
from research_kit.privacy._search import choose_suppression
from research_kit.settings import DEFAULT_MIN_CELL_SIZE


def suppress_small_counts(
    frame: pd.DataFrame,
    *,
    count: str = "n",
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    also: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Hide counts (and values derived from them) for groups smaller than ``min_cell_size``.

    Only the small cells themselves are hidden (primary suppression); a table that also shows
    totals needs complementary suppression on top.

    Parameters
    ----------
    frame : pandas.DataFrame
        A tidy table with one row per group.
    count : str
        The column holding each group's number of people.
    min_cell_size : int
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
    small = result[count] < min_cell_size
    result[count] = result[count].astype("Int64").mask(small)
    for column in also:
        result[column] = result[column].mask(small)
    result["suppressed"] = small.to_numpy()
    return result


def suppress_table(
    frame: pd.DataFrame,
    *,
    row: str,
    column: str,
    count: str = "n",
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    total: object = "Total",
    margins: str = "both",
    also: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Suppress small cells of a two-way table of counts, and enough others to protect them.

    Primary suppression hides every count from 1 to ``min_cell_size - 1``. Zero cells are not
    sensitive (they describe nobody) and are always shown, so a reader knows every hidden
    count is at least 1. Complementary suppression then hides more cells until every small
    cell is protected by an interval (see :func:`protect` for the rule and the search): from
    the shown cells and the totals, a reader who knows these rules can only place it in a
    range of at least ``min_cell_size`` whole numbers that reaches ``min_cell_size``, so they cannot
    even tell that it is below the threshold.

    Row and column totals are assumed known to the reader even when the table does not show
    them (they are usually published elsewhere); ``margins`` says which (for a one-way table,
    one row of groups whose overall total is published, use ``margins="rows"``). When the
    table does hold totals (rows or columns labelled ``total``), they are cells like the
    others: small ones are hidden and they may be hidden as complements; ``margins`` then
    covers the lines without a totals cell. A small cell that no suppression inside the table
    can protect (its line's known total is too small, or the cell is its line's only non-zero
    cell) stays hidden with reason "small"; :func:`protect` reports it as not protected, and
    only hiding that total where it is published helps.

    Label every hidden cell the same way (one word, "suppressed") in anything a stakeholder
    sees: a label such as "n<5" tells a reader the cell is between 1 and ``min_cell_size - 1`` and
    undoes the protection. ``reason`` is for researchers only.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long form: one row per cell, with the ``row`` and ``column`` labels and the ``count``.
    row, column : str
        The columns holding the table's row and column labels.
    count : str
        The column of counts (whole numbers, at least 0).
    min_cell_size : int
        The smallest count that may be shown (the study's ``min_cell_size``).
    total : object
        The label of a totals row or column, if the table has one.
    margins : {"both", "rows", "columns"}
        Which totals readers know besides those shown in the table: each row's, each
        column's, or both (the cautious default).
    also : tuple of str
        Other columns computed from the same people (shares, means) to hide with the count.

    Returns
    -------
    pandas.DataFrame
        A copy with hidden counts (and ``also``) set to missing, a boolean ``suppressed``
        column and ``reason``: "small", "complementary" or "" (shown).

    Raises
    ------
    ValueError
        If a cell appears twice, a count is negative or missing, or a totals cell is not the
        sum of its line.

    Examples
    --------
    >>> table = pd.DataFrame({"ward": ["W1", "W1", "W1", "W2", "W2", "W2"],
    ...                       "answer": ["yes", "no", "unsure"] * 2,
    ...                       "n": [12, 3, 20, 9, 14, 25]})
    >>> shown = suppress_table(table, row="ward", column="answer")
    >>> shown[["ward", "answer", "n", "reason"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['W1', 'yes', <NA>, 'complementary'], ['W1', 'no', <NA>, 'small'],
     ['W1', 'unsure', 20, ''], ['W2', 'yes', <NA>, 'complementary'],
     ['W2', 'no', <NA>, 'complementary'], ['W2', 'unsure', 25, '']]
    """
    counts = checked_table(frame, row=row, column=column, count=count, margins=margins)
    problem = two_way_problem(frame, counts, row=row, column=column, total=total, margins=margins)
    outcome = choose_suppression(problem, min_cell_size=min_cell_size, zeros_shown=True)
    in_table = outcome.reason[: len(frame)]

    result = frame.copy()
    suppressed = pd.Series(in_table != "", index=result.index)
    result[count] = counts.astype("Int64").mask(suppressed)
    for name in also:
        result[name] = result[name].mask(suppressed)
    result["suppressed"] = suppressed.to_numpy()
    result["reason"] = in_table.tolist()
    return result


def table_ranges(
    frame: pd.DataFrame,
    suppressed: pd.Series | np.ndarray,
    *,
    row: str,
    column: str,
    count: str = "n",
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    total: object = "Total",
    margins: str = "both",
) -> pd.DataFrame:
    """The attack on one two-way table: where a reader can place each hidden count.

    The simple path of :func:`feasible_ranges` for the tables :func:`suppress_table` takes:
    the reader knows the shown cells, the totals ``margins`` names (and any totals row or
    column in the table), that zeros are shown and that counts are whole numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table before suppression, long form as for :func:`suppress_table`.
    suppressed : pandas.Series or numpy.ndarray of bool
        Which of its cells are hidden, in the order of ``frame`` (for example the
        ``suppressed`` column that :func:`suppress_table` returns).
    row, column, count, total, margins
        As for :func:`suppress_table`.
    min_cell_size : int
        The threshold the hidden cells are protected for.

    Returns
    -------
    pandas.DataFrame
        One row per hidden cell: its ``row`` and ``column`` labels, its true ``count``,
        ``lo`` and ``hi`` (whole numbers; ``hi`` may be infinite) and ``protected``.

    Examples
    --------
    >>> table = pd.DataFrame({"row": ["A"] * 3, "column": ["x", "y", "z"], "n": [20, 3, 12]})
    >>> naive = table["n"].between(1, 4)  # the small cell alone
    >>> table_ranges(table, naive, row="row", column="column", margins="rows")
      row column  n  lo  hi  protected
    0   A      y  3   3   3      False
    >>> shown = suppress_table(table, row="row", column="column", margins="rows")
    >>> table_ranges(table, shown["suppressed"], row="row", column="column", margins="rows")
      row column   n  lo  hi  protected
    0   A      y   3   1  14       True
    1   A      z  12   1  14       True
    """
    counts = checked_table(frame, row=row, column=column, count=count, margins=margins)
    problem = two_way_problem(frame, counts, row=row, column=column, total=total, margins=margins)
    hidden = np.zeros(len(problem.values), dtype=bool)
    hidden[: len(frame)] = np.asarray(suppressed, dtype=bool)
    lo, hi = hidden_ranges(problem, hidden, lower=1)
    positions = np.flatnonzero(hidden)
    result = frame.iloc[positions][[row, column]].reset_index(drop=True)
    result[count] = counts.iloc[positions].astype(int).to_numpy()
    result["lo"], result["hi"] = whole_numbers(lo[positions]), whole_numbers(hi[positions])
    result["protected"] = [
        is_protected(problem.values[i], lo[i], hi[i], min_cell_size) for i in positions
    ]
    return result


def published_cells(
    atoms: pd.DataFrame, views: list[tuple[str, ...]], *, count: str = "n"
) -> pd.DataFrame:
    """Every cell of the tables (views) published from one underlying table of counts.

    Parameters
    ----------
    atoms : pandas.DataFrame
        The finest cross-classification: one row per combination of the dimension columns
        (every column but ``count``), with its count. Combinations with a count of 0 belong
        here too when a published table shows them.
    views : list of tuple of str
        The published tables, each named by the dimensions it breaks down by: ``("ward",
        "group")`` is the ward-by-group table, ``("group",)`` its column totals (the all-wards
        table), ``()`` the grand total.
    count : str
        The column of counts in ``atoms``.

    Returns
    -------
    pandas.DataFrame
        One row per published cell: ``view`` (its dimensions joined by " × ", or "total"),
        one column per dimension (missing where the view sums over it) and ``count``.

    Examples
    --------
    >>> atoms = pd.DataFrame({"ward": ["W1", "W1", "W2", "W2"], "group": ["a", "b"] * 2,
    ...                       "n": [7, 2, 5, 9]})
    >>> published_cells(atoms, [("group",), ()])
        view  ward group   n
    0  group   NaN     a  12
    1  group   NaN     b  11
    2  total   NaN   NaN  23
    """
    dimensions = dimension_columns(atoms, count)
    views = normalised_views(views, dimensions)
    values = checked_counts(atoms, count).to_numpy()
    rows = []
    for view in views:
        for labels, members in view_members(atoms, view).items():
            labelled = dict(zip(view, labels, strict=True))
            rows.append(
                {
                    "view": view_name(view),
                    **{d: labelled.get(d, np.nan) for d in dimensions},
                    count: int(values[members].sum()),
                }
            )
    return pd.DataFrame(rows, columns=["view", *dimensions, count])


def feasible_ranges(
    atoms: pd.DataFrame,
    cells: pd.DataFrame,
    *,
    count: str = "n",
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    zeros_shown: bool = True,
) -> pd.DataFrame:
    """The attack: the smallest and largest value each hidden cell can take.

    The attacker knows every shown cell (of every table published from the same people),
    that hidden cells are at least 1 when zeros are always shown (at least 0 otherwise), and
    that counts are whole numbers of at least 0 — but not which hidden cells are small, since
    every hidden cell carries the same label. Each published cell is a sum of atoms (the
    finest cross-classification); for each hidden cell two linear programmes (HiGHS, through
    :func:`scipy.optimize.linprog`) minimise and maximise its sum over all atom values that
    agree with what is shown. The bounds are exact for whole-number counts: for views within
    two dimensions (a table with its row, column and grand totals) or a chain of views each
    inside the next, the linear programme's corners are whole numbers; other views
    (``("a", "b")`` beside ``("b", "c")``) are solved as mixed-integer programmes (slower).

    A small hidden cell (1 to ``min_cell_size - 1``) is protected when ``hi >= min_cell_size``
    (the attacker cannot tell that it is small) and ``hi - lo >= min_cell_size - 1`` (the
    range holds at least ``min_cell_size`` whole numbers). Other hidden cells have nothing to
    protect and count as protected.

    Parameters
    ----------
    atoms : pandas.DataFrame
        The finest cross-classification with its counts, as for :func:`published_cells`.
    cells : pandas.DataFrame
        The published cells (as :func:`published_cells` or :func:`protect` return them) with
        a boolean ``suppressed`` column; a dimension is missing where the cell sums over it.
    count : str
        The column of counts in ``atoms`` and ``cells``.
    min_cell_size : int
        The threshold small cells are protected for.
    zeros_shown : bool
        Whether every zero cell is shown (the rule of :func:`protect`), which tells the
        attacker that a hidden cell is at least 1.

    Returns
    -------
    pandas.DataFrame
        One row per hidden cell: ``view``, the dimension columns, ``count`` (its true value),
        ``lo`` and ``hi`` (``hi`` may be infinite when no total bounds it) and ``protected``.

    Raises
    ------
    ValueError
        If a hidden cell is 0 while ``zeros_shown`` says zeros are shown, or a cell does not
        match the atoms.

    Examples
    --------
    One ward against all wards: each table alone hides its small cell with a complement,
    but the all-wards table (shown in full) gives W1's hidden pair back by difference.

    >>> atoms = pd.DataFrame({"ward": ["W1", "W1", "W1", "W2", "W2", "W2"],
    ...                       "group": ["a", "b", "c"] * 2, "n": [2, 8, 20, 30, 9, 40]})
    >>> cells = published_cells(atoms, [("ward", "group"), ("group",), ("ward",)])
    >>> in_w1 = (cells["view"] == "ward × group") & (cells["ward"] == "W1")
    >>> cells["suppressed"] = in_w1 & cells["group"].isin(["a", "b"])  # W1's table alone
    >>> feasible_ranges(atoms, cells)[["ward", "group", "n", "lo", "hi", "protected"]]
      ward group  n  lo  hi  protected
    0   W1     a  2   2   2      False
    1   W1     b  8   8   8       True
    """
    dimensions = dimension_columns(atoms, count)
    checked_counts(atoms, count)
    views = [tuple(d for d in dimensions if pd.notna(cell[d])) for _, cell in cells.iterrows()]
    specs = [
        (view, tuple(cell[d] for d in view))
        for view, (_, cell) in zip(views, cells.iterrows(), strict=True)
    ]
    problem = build_problem(
        atoms, count=count, specs=specs, hideable=np.ones(len(cells), dtype=bool)
    )
    if not np.array_equal(problem.values, cells[count].to_numpy(dtype=np.int64)):
        raise ValueError(f"the {count!r} of each cell must be the sum of its atoms")
    hidden = cells["suppressed"].to_numpy(dtype=bool)
    if zeros_shown and (problem.values[hidden] == 0).any():
        raise ValueError("a hidden cell is 0: pass zeros_shown=False if zeros may be hidden")
    lo, hi = hidden_ranges(problem, hidden, lower=1 if zeros_shown else 0)
    positions = np.flatnonzero(hidden)
    result = cells.iloc[positions].drop(columns="suppressed").reset_index(drop=True)
    if "view" not in result:
        result.insert(0, "view", [view_name(views[i]) for i in positions])
    result["lo"], result["hi"] = whole_numbers(lo[positions]), whole_numbers(hi[positions])
    result["protected"] = [
        is_protected(problem.values[i], lo[i], hi[i], min_cell_size) for i in positions
    ]
    return result


def protect(
    atoms: pd.DataFrame,
    views: list[tuple[str, ...]],
    *,
    count: str = "n",
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    known: list[tuple[str, ...]] = (),
) -> pd.DataFrame:
    """Choose the cells to hide in linked tables so that every small cell is protected.

    All tables (``views``) published from the same people are suppressed jointly, so that no
    small cell can be recovered by setting one table against another (one ward's table
    against the all-wards table, say). Primary suppression hides every cell from 1 to
    ``min_cell_size - 1`` in any view; zero cells describe nobody and are always shown.
    Complementary suppression then hides more cells until every small cell is protected: the
    attack of :func:`feasible_ranges` (whose rule is ``hi >= min_cell_size`` and ``hi - lo >=
    min_cell_size - 1``) cannot narrow it further. For each small cell in turn a linear
    programme finds the cheapest cells to hide, cost being the sum of the hidden counts (the
    usual measure in statistical disclosure control): it looks for another table that agrees
    with everything left shown and moves the small cell by ``min_cell_size - 1``, so the cells
    it moves (a cycle, typically four cells of the finest table) are the ones to hide, and
    cells already hidden are free to use again. A clean-up pass then shows again, largest
    first, every complementary cell no small cell needs; small cells are never shown. Shown
    zeros are never hidden.

    A small cell that even hiding every other cell could not protect (its known total is
    below ``min_cell_size``, or it is the only non-zero cell of a known total) is hidden but
    flagged ``protected = False``: hide that total where it is published.

    Each small cell needs one or two linear programmes to find its complements, and two more
    for its exact range in the result; the clean-up pass keeps, for each small cell, tables of
    atoms that witness its range, and re-solves only when showing a cell rules one out.
    Mixed-integer programmes (for views that are not nested) run only where the relaxation's
    answer is fractional. Tables of more than 2,000 cells are refused rather than left to run
    for hours.

    In anything a stakeholder sees, label every hidden cell the same way ("suppressed"):
    a label that tells small cells from complements (such as "n<5") tells the attacker which
    cells are between 1 and ``min_cell_size - 1``. ``reason`` is for researchers only.

    Parameters
    ----------
    atoms : pandas.DataFrame
        The finest cross-classification with its counts, as for :func:`published_cells`.
    views : list of tuple of str
        The tables to publish (and suppress), each named by its dimensions.
    count : str
        The column of counts in ``atoms``.
    min_cell_size : int
        The smallest count that may be shown (the study's ``min_cell_size``).
    known : list of tuple of str
        Tables published elsewhere: the attacker knows them and they are never hidden here.

    Returns
    -------
    pandas.DataFrame
        The published cells of ``views`` and ``known`` (as :func:`published_cells`), with
        ``suppressed``, ``reason`` ("small", "complementary" or ""), ``lo`` and ``hi`` (the
        attacker's range, for the small cells) and ``protected`` (False for a small cell
        left unprotected, hidden or published elsewhere).

    Raises
    ------
    ValueError
        If a view names a column that is not a dimension, a count is negative or missing, or
        there are more than 2,000 cells.

    Examples
    --------
    The same one-ward-against-all-wards tables, suppressed jointly: W2's cells of groups a
    and b are hidden too, so the all-wards table no longer gives W1's pair back.

    >>> atoms = pd.DataFrame({"ward": ["W1", "W1", "W1", "W2", "W2", "W2"],
    ...                       "group": ["a", "b", "c"] * 2, "n": [2, 8, 20, 30, 9, 40]})
    >>> cells = protect(atoms, [("ward", "group"), ("group",)], known=[("ward",)])
    >>> cells[cells["suppressed"]][["view", "ward", "group", "reason", "lo", "hi", "protected"]]
               view ward group         reason   lo   hi  protected
    0  ward × group   W1     a          small  1.0  9.0       True
    1  ward × group   W1     b  complementary  NaN  NaN       True
    3  ward × group   W2     a  complementary  NaN  NaN       True
    4  ward × group   W2     b  complementary  NaN  NaN       True
    """
    dimensions = dimension_columns(atoms, count)
    views = normalised_views(views, dimensions)
    known = [view for view in normalised_views(known, dimensions) if view not in views]
    specs, hideable = [], []
    for view in [*views, *known]:
        for labels in view_members(atoms, view):
            specs.append((view, labels))
            hideable.append(view not in known)
    problem = build_problem(atoms, count=count, specs=specs, hideable=np.array(hideable))
    outcome = choose_suppression(problem, min_cell_size=min_cell_size, zeros_shown=True)
    result = published_cells(atoms, [*views, *known], count=count)
    result["suppressed"] = outcome.reason != ""
    result["reason"] = outcome.reason
    result["lo"], result["hi"] = outcome.lo, outcome.hi
    result["protected"] = outcome.protected
    return result

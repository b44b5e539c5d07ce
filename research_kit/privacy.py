"""Privacy rules for anything shown to stakeholders: no one named, no small group shown.

Every text a stakeholder sees goes through one gate, :class:`StakeholderGate`: it redacts
e-mails, phone numbers, addresses and people's names (:func:`research_kit.text.redact`) and
the study's own identifiers (participant ids, note file names, coder names), and attributes
quotes only as precisely as ``min_cell_size`` participants share.

Every breakdown of people by group (ward, race/ethnicity, role…) goes through
:func:`suppress_small_counts` before it reaches a brief: counts below the study's minimum cell
size (default 5) are hidden and flagged, so no reader can single out a resident. A two-way
table whose row and column totals are known goes through :func:`suppress_table`, and linked
tables published from the same people (one ward's table beside the all-wards table) through
:func:`protect`: both add complementary suppression until every small cell is protected by an
interval, as in statistical disclosure control (tau-ARGUS; FCSM Working Paper 22). The
attacker is taken to know every shown cell and total, that zeros are shown and that counts are
whole numbers; :func:`feasible_ranges` is that attack (a linear programme per hidden cell).
Hidden cells must carry one label ("suppressed") wherever stakeholders see them.

Anything written to CSV or Excel goes through :func:`safe_for_spreadsheet` first: a cell that
starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) would be run by the
spreadsheet when a colleague opens the file (OWASP "CSV injection"), so it gets a leading
apostrophe and stays plain, readable text.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from scipy.optimize import linprog

from research_kit import text as rktext
from research_kit.settings import DEFAULT_MIN_CELL_SIZE

#: First characters a spreadsheet may read as the start of a formula (OWASP CSV injection),
#: with line feed and the full-width forms some spreadsheets also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_BLANKS = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u200b\ufeff]+")
#: Text that is just a number ("-5", "+1.5", "-3%") is read as a number, never run.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?%?$")


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
    counts = _checked_table(frame, row=row, column=column, count=count, margins=margins)
    problem = _two_way_problem(frame, counts, row=row, column=column, total=total, margins=margins)
    outcome = _choose_suppression(problem, min_cell_size=min_cell_size, zeros_shown=True)
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
    counts = _checked_table(frame, row=row, column=column, count=count, margins=margins)
    problem = _two_way_problem(frame, counts, row=row, column=column, total=total, margins=margins)
    hidden = np.zeros(len(problem.values), dtype=bool)
    hidden[: len(frame)] = np.asarray(suppressed, dtype=bool)
    lo, hi = _ranges(problem, hidden, lower=1)
    positions = np.flatnonzero(hidden)
    result = frame.iloc[positions][[row, column]].reset_index(drop=True)
    result[count] = counts.iloc[positions].astype(int).to_numpy()
    result["lo"], result["hi"] = _whole(lo[positions]), _whole(hi[positions])
    result["protected"] = [
        _is_protected(problem.values[i], lo[i], hi[i], min_cell_size) for i in positions
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
    dimensions = _dimensions(atoms, count)
    views = _normalised_views(views, dimensions)
    values = _checked_counts(atoms, count).to_numpy()
    rows = []
    for view in views:
        for labels, members in _view_members(atoms, view).items():
            labelled = dict(zip(view, labels, strict=True))
            rows.append(
                {
                    "view": _view_name(view),
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
    dimensions = _dimensions(atoms, count)
    _checked_counts(atoms, count)
    views = [tuple(d for d in dimensions if pd.notna(cell[d])) for _, cell in cells.iterrows()]
    specs = [
        (view, tuple(cell[d] for d in view))
        for view, (_, cell) in zip(views, cells.iterrows(), strict=True)
    ]
    problem = _problem(atoms, count=count, specs=specs, hideable=np.ones(len(cells), dtype=bool))
    if not np.array_equal(problem.values, cells[count].to_numpy(dtype=np.int64)):
        raise ValueError(f"the {count!r} of each cell must be the sum of its atoms")
    hidden = cells["suppressed"].to_numpy(dtype=bool)
    if zeros_shown and (problem.values[hidden] == 0).any():
        raise ValueError("a hidden cell is 0: pass zeros_shown=False if zeros may be hidden")
    lo, hi = _ranges(problem, hidden, lower=1 if zeros_shown else 0)
    positions = np.flatnonzero(hidden)
    result = cells.iloc[positions].drop(columns="suppressed").reset_index(drop=True)
    if "view" not in result:
        result.insert(0, "view", [_view_name(views[i]) for i in positions])
    result["lo"], result["hi"] = _whole(lo[positions]), _whole(hi[positions])
    result["protected"] = [
        _is_protected(problem.values[i], lo[i], hi[i], min_cell_size) for i in positions
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
    dimensions = _dimensions(atoms, count)
    views = _normalised_views(views, dimensions)
    known = [view for view in _normalised_views(known, dimensions) if view not in views]
    specs, hideable = [], []
    for view in [*views, *known]:
        for labels in _view_members(atoms, view):
            specs.append((view, labels))
            hideable.append(view not in known)
    problem = _problem(atoms, count=count, specs=specs, hideable=np.array(hideable))
    outcome = _choose_suppression(problem, min_cell_size=min_cell_size, zeros_shown=True)
    result = published_cells(atoms, [*views, *known], count=count)
    result["suppressed"] = outcome.reason != ""
    result["reason"] = outcome.reason
    result["lo"], result["hi"] = outcome.lo, outcome.hi
    result["protected"] = outcome.protected
    return result


# -- the attack and the search, on arrays ------------------------------------------------------
#: Above this many published cells the search (quadratic in cells, with a linear programme per
#: step) would run for hours; :func:`protect` refuses rather than hang.
MAX_PROTECTED_CELLS = 2_000
#: HiGHS returns bounds like 4.999999999; round inwards only past this.
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class _Problem:
    """Published cells as sums of atoms: all the attacker's linear programme is built from."""

    membership: np.ndarray  # (cells, atoms): 1 where the atom is part of the cell
    atoms: np.ndarray  # each atom's true count
    values: np.ndarray  # each cell's true count
    hideable: np.ndarray  # False for cells published elsewhere
    coarseness: np.ndarray  # how many dimensions the cell sums over (totals are coarser)
    lines: tuple[np.ndarray, ...]  # cell positions: a total, then the cells adding up to it
    integer: bool  # solve for whole atoms: the linear programme's corners may be fractional


@dataclass(frozen=True)
class _Outcome:
    reason: np.ndarray  # "small", "complementary" or "" per cell
    lo: np.ndarray  # the attacker's range for small hidden cells, NaN elsewhere
    hi: np.ndarray
    protected: np.ndarray


@dataclass(frozen=True)
class _Range:
    """One cell's range under the attack, with atom tables that show each end is reachable."""

    lo: float
    hi: float
    low: np.ndarray | None  # atoms that fit everything shown, with the cell at ``lo``
    high: np.ndarray | None  # the same at ``hi`` (None when the cell is unbounded)


def _is_protected(value: int, lo: float, hi: float, min_cell_size: int) -> bool:
    """The protection rule: a small cell's range reaches the threshold and is as wide as it."""
    if not 0 < value < min_cell_size:
        return True
    return bool(hi >= min_cell_size and hi - lo >= min_cell_size - 1)


def _range(problem: _Problem, hidden: np.ndarray, target: int, *, lower: int) -> tuple:
    """The smallest and largest whole value of one cell, over all atoms that fit the rest."""
    found = _witnessed_range(problem, hidden, target, lower=lower)
    return found.lo, found.hi


def _witnessed_range(problem: _Problem, hidden: np.ndarray, target: int, *, lower: int) -> _Range:
    """:func:`_range` with the atom tables at which the cell takes its extremes."""
    shown = ~hidden
    objective = problem.membership[target]
    options = {
        "A_eq": problem.membership[shown] if shown.any() else None,
        "b_eq": problem.values[shown] if shown.any() else None,
        "A_ub": -problem.membership[hidden] if hidden.any() else None,
        "b_ub": -np.full(int(hidden.sum()), float(lower)) if hidden.any() else None,
        "bounds": (0, None),
    }
    whole = problem.membership.shape[1] if problem.integer else 0
    low = _solve(objective, whole=whole, **options)
    high = _solve(-objective, whole=whole, **options)
    # The minimum exists, so the problem is feasible: "infeasible or unbounded" is unbounded.
    unbounded = high.status == 3 or (low.status == 0 and "unbounded" in high.message)
    if low.status != 0 or not (high.status == 0 or unbounded):
        # The true counts always fit, so this is a malformed problem, not a property of data.
        raise RuntimeError(f"the attack's linear programme failed: {low.message} {high.message}")
    top = np.inf if unbounded else -high.fun
    return _Range(
        lo=float(np.ceil(low.fun - _TOLERANCE)),
        hi=float(np.floor(top + _TOLERANCE)),
        low=low.x,
        high=None if unbounded else high.x,
    )


def _solve(objective: np.ndarray, *, whole: int, **options: Any) -> Any:
    """:func:`scipy.optimize.linprog` (HiGHS), with the first ``whole`` variables whole numbers.

    The relaxation is solved first: when its answer already has those variables whole, it is
    the integer programme's answer too (and an unbounded or infeasible relaxation means the
    same for it), so the slower mixed-integer solve runs only where a corner is fractional.
    """
    relaxed = linprog(objective, method="highs", **options)
    if not whole or relaxed.status != 0:
        return relaxed
    part = relaxed.x[:whole]
    if np.all(np.abs(part - np.round(part)) <= _TOLERANCE):
        return relaxed
    integrality = np.zeros(len(objective))
    integrality[:whole] = 1
    return linprog(objective, method="highs", integrality=integrality, **options)


def _ranges(problem: _Problem, hidden: np.ndarray, *, lower: int) -> tuple:
    """Each hidden cell's range (NaN for shown cells)."""
    lo = np.full(len(problem.values), np.nan)
    hi = np.full(len(problem.values), np.nan)
    for target in np.flatnonzero(hidden):
        lo[target], hi[target] = _range(problem, hidden, target, lower=lower)
    return lo, hi


def _fits(problem: _Problem, hidden: np.ndarray, atoms: np.ndarray | None, lower: int) -> bool:
    """Whether a table of atoms agrees with every shown cell (and the rules on hidden ones)."""
    if atoms is None:
        return False
    sums = problem.membership @ atoms
    shown = ~hidden
    return bool(
        np.all(np.abs(sums[shown] - problem.values[shown]) <= _TOLERANCE)
        and np.all(sums[hidden] >= lower - _TOLERANCE)
        and np.all(atoms >= -_TOLERANCE)
    )


class _Attack:
    """What the attacker cannot rule out about each small cell: a range, with witnesses.

    For each small cell it keeps a range of values the cell can take given what is shown, with
    an atom table (a witness) for each end that agrees with every shown cell and the rules.
    Hiding more cells keeps every witness valid; showing a cell again rules a witness out only
    if the witness moves that cell, which costs a matrix product to check, not a linear
    programme. The witnesses :func:`_moved_cells` finds move few cells (one end is usually the
    true table), so they rarely break.
    """

    def __init__(self, problem: _Problem, *, lower: int, min_cell_size: int) -> None:
        self.problem = problem
        self.lower = lower
        self.min_cell_size = min_cell_size
        self.ranges: dict[int, _Range] = {}

    def measure(self, hidden: np.ndarray, cell: int) -> _Range:
        """Solve for the cell's exact range, and keep it."""
        self.ranges[cell] = _witnessed_range(self.problem, hidden, cell, lower=self.lower)
        return self.ranges[cell]

    def safe(self, cell: int) -> bool:
        """Whether the cell's kept range protects it."""
        found = self.ranges.get(cell)
        return found is not None and self._protects(cell, found)

    def _protects(self, cell: int, found: _Range) -> bool:
        return _is_protected(self.problem.values[cell], found.lo, found.hi, self.min_cell_size)

    def complements(self, hidden: np.ndarray, may_hide: np.ndarray, cell: int) -> list[int] | None:
        """Cells to hide so that ``cell`` is protected: none if it is, None if nothing can.

        First the cheapest cells that let it rise by ``min_cell_size - 1`` from its true value;
        where its totals do not leave that much room, the cheapest that let it fall and rise
        within the widest range any suppression could give; as a last resort one more cell by
        trial (:func:`_complement`).
        """
        if self.safe(cell):
            return []
        value = int(self.problem.values[cell])
        reach = self.min_cell_size - 1
        found = self._spread(hidden, may_hide, cell, value, value + reach)
        if found is not None:
            return found
        widest = _witnessed_range(self.problem, hidden | may_hide, cell, lower=self.lower)
        if not self._protects(cell, widest):
            return None
        low = max(widest.lo, min(value, widest.hi - reach))
        found = self._spread(hidden, may_hide, cell, low, max(low + reach, self.min_cell_size))
        if found is not None:
            return found
        if self._protects(cell, self.measure(hidden, cell)):
            return []
        del self.ranges[cell]  # too narrow: the next round tries again
        choice = _complement(self.problem, hidden, may_hide, cell, 0.0, self.lower)
        return None if choice is None else [choice]

    def _spread(
        self, hidden: np.ndarray, may_hide: np.ndarray, cell: int, low: float, high: float
    ) -> list[int] | None:
        """The cheapest cells to hide so that ``cell`` can be ``low`` and ``high``, if any."""
        moved: list[int] = []
        tables = {}
        trial = hidden.copy()
        for end in (low, high):
            found = _moved_cells(self.problem, trial, may_hide & ~trial, cell, end, self.lower)
            if found is None:
                return None
            cells, tables[end] = found
            trial[cells] = True
            moved += cells
        self.ranges[cell] = _Range(lo=low, hi=high, low=tables[low], high=tables[high])
        return moved

    def keeps(self, hidden: np.ndarray, cell: int, *, hopeless: bool) -> bool:
        """Whether the cell is still as protected as its kept range says, with ``hidden``.

        A broken witness is first replaced by another table with the cell at the same value
        that moves only hidden cells (one linear programme). A cell that cannot be protected
        must keep its whole range instead.
        """
        before = self.ranges[cell]
        problem, lower = self.problem, self.lower
        ends = {before.lo: before.low, before.hi: before.high}
        if hopeless:
            if all(_fits(problem, hidden, table, lower) for table in ends.values()):
                return True
            after = _witnessed_range(problem, hidden, cell, lower=lower)
            if after.lo <= before.lo and after.hi >= before.hi:
                self.ranges[cell] = after
                return True
            return False
        nothing = np.zeros(len(hidden), dtype=bool)
        for end, table in ends.items():
            if _fits(problem, hidden, table, lower):
                continue
            found = _moved_cells(problem, hidden, nothing, cell, end, lower)
            if found is None:
                # Another range may still protect it: the exact one decides.
                if self._protects(cell, self.measure(hidden, cell)):
                    return True
                self.ranges[cell] = before
                return False
            ends[end] = found[1]
        self.ranges[cell] = _Range(before.lo, before.hi, ends[before.lo], ends[before.hi])
        return True


def _choose_suppression(problem: _Problem, *, min_cell_size: int, zeros_shown: bool) -> _Outcome:
    """Primary suppression, complements for each small cell in turn, then a clean-up pass."""
    values = problem.values
    small = (values > 0) & (values < min_cell_size)
    hidden = small & problem.hideable
    may_hide = problem.hideable & ((values > 0) | (not zeros_shown))
    primary = [int(cell) for cell in np.flatnonzero(hidden)]
    attack = _Attack(problem, lower=1 if zeros_shown else 0, min_cell_size=min_cell_size)
    hopeless: set[int] = set()
    _add_complements(attack, hidden, may_hide, primary, hopeless)
    _drop_needless(problem, attack, hidden, primary, hopeless)
    reason = np.where(hidden, "complementary", "").astype(object)
    # Only a small cell beyond help can be alone in a line now; a second cell there at least
    # stops the line's total from giving it away to a reader who does not assume hidden >= 1.
    _complete_lines(problem, hidden, reason, may_hide)
    # The exact ranges, for the report; were a witness off by rounding, search on.
    for cell in primary:
        attack.measure(hidden, cell)
    weak = [c for c in primary if c not in hopeless and not attack.safe(c)]
    if weak:
        _add_complements(attack, hidden, may_hide, weak, hopeless)
        reason[hidden & (reason == "")] = "complementary"
        for cell in weak:
            attack.measure(hidden, cell)
    lo = np.full(len(values), np.nan)
    hi = np.full(len(values), np.nan)
    for cell in primary:
        lo[cell], hi[cell] = attack.ranges[cell].lo, attack.ranges[cell].hi
    reason[primary] = "small"
    # A shown cell's range is its value: a small one published elsewhere is not protected.
    lo_or_value = np.where(hidden, lo, values)
    hi_or_value = np.where(hidden, hi, values)
    protected = np.array(
        [
            _is_protected(values[c], lo_or_value[c], hi_or_value[c], min_cell_size)
            for c in range(len(values))
        ]
    )
    return _Outcome(reason=reason.astype(str), lo=lo, hi=hi, protected=protected)


def _add_complements(
    attack: _Attack,
    hidden: np.ndarray,
    may_hide: np.ndarray,
    primary: list[int],
    hopeless: set[int],
) -> None:
    """Hide more cells until every small cell is protected or known to be beyond help.

    Each small cell in turn gets the cheapest complements that protect it
    (:meth:`_Attack.complements`), with the cells hidden so far free to use. Every round hides
    at least one cell, finds the cell protected or gives up on it, so the search ends.
    """
    for target in primary:
        while True:
            chosen = attack.complements(hidden, may_hide, target)
            if chosen is None:
                hopeless.add(target)
                attack.measure(hidden, target)
                break
            if not chosen:
                break
            hidden[chosen] = True


def _moved_cells(
    problem: _Problem,
    hidden: np.ndarray,
    free: np.ndarray,
    target: int,
    value: float,
    lower: int,
) -> tuple[list[int], np.ndarray] | None:
    """The cheapest ``free`` cells to hide so that ``target`` can take ``value``, if any.

    A linear programme (the usual heuristic of cell suppression) looks for another table of
    atoms that agrees with every shown cell that is not ``free``, keeps hidden cells at least
    ``lower`` and puts ``target`` at ``value``; moving a free cell by one costs its count, so
    the cells it moves (those to hide) are few and small, and hidden cells move for free.
    Atoms are whole numbers where the attack's corners may be fractional, so the table found
    is always one the attack allows. Returns the moved cells and the table, or None.
    """
    membership = problem.membership
    n_atoms = membership.shape[1]
    free_cells = np.flatnonzero(free)
    fixed = np.flatnonzero(~hidden & ~free)
    others = np.flatnonzero(hidden & (np.arange(len(hidden)) != target))
    k = len(free_cells)
    # Variables: each atom's change, then each free cell's rise and fall.
    a_eq = np.vstack(
        [
            np.hstack([membership[fixed], np.zeros((len(fixed), 2 * k))]),
            np.hstack([membership[free_cells], -np.eye(k), np.eye(k)]),
            np.hstack([membership[[target]], np.zeros((1, 2 * k))]),
        ]
    )
    b_eq = np.zeros(len(a_eq))
    b_eq[-1] = value - problem.values[target]
    a_ub = np.hstack([-membership[others], np.zeros((len(others), 2 * k))])
    cost = problem.values[free_cells].astype(float)
    solution = _solve(
        np.concatenate([np.zeros(n_atoms), cost, cost]),
        whole=n_atoms if problem.integer else 0,
        A_ub=a_ub if len(others) else None,
        b_ub=(problem.values[others] - lower).astype(float) if len(others) else None,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(-float(a), None) for a in problem.atoms] + [(0, None)] * (2 * k),
    )
    if solution.status != 0:
        return None
    moved = solution.x[n_atoms : n_atoms + k] + solution.x[n_atoms + k :]
    cells = [int(cell) for cell in free_cells[moved > _TOLERANCE]]
    return cells, problem.atoms + solution.x[:n_atoms]


def _drop_needless(
    problem: _Problem,
    attack: _Attack,
    hidden: np.ndarray,
    primary: list[int],
    hopeless: set[int],
) -> None:
    """Show again every complementary cell that no small cell needs, largest first.

    A greedy search hides cells that later ones make redundant; each is shown again when every
    small cell stays protected (and one beyond help keeps its whole range) without it. Small
    cells themselves are never shown. One pass is enough: a cell kept was needed with more
    cells hidden, and showing more only narrows ranges, so it is still needed at the end. For
    the same reason no complement is left that the attacker could work out exactly: showing
    such a cell would have changed nothing.
    """
    is_primary = np.zeros(len(hidden), dtype=bool)
    is_primary[primary] = True
    needy = is_primary.copy()
    needy[list(hopeless)] = False
    lines_of: dict[int, list[np.ndarray]] = {}
    for line in problem.lines:
        for cell in line:
            lines_of.setdefault(int(cell), []).append(line)
    values = problem.values
    complements = sorted(
        np.flatnonzero(hidden & ~is_primary),
        key=lambda c: (-values[c], -problem.coarseness[c], c),
    )
    for cell in complements:
        hidden[cell] = False
        # A small cell left alone in a line is pinned down by its total: no solve needed.
        pinned = any(
            hidden[line].sum() == 1 and needy[line[hidden[line]]].any()
            for line in lines_of.get(int(cell), [])
        )
        if pinned or not all(attack.keeps(hidden, s, hopeless=s in hopeless) for s in primary):
            hidden[cell] = True


def _order(problem: _Problem, cell: int) -> tuple:
    """Which cell to hide first: non-zero before zero, finer before totals, small before large."""
    return (problem.values[cell] == 0, problem.coarseness[cell], problem.values[cell], cell)


def _complete_lines(
    problem: _Problem, hidden: np.ndarray, reason: np.ndarray, may_hide: np.ndarray
) -> None:
    """Give every line with exactly one hidden cell a second: alone, its total pins it down."""
    changed = True
    while changed:
        changed = False
        for line in problem.lines:
            if hidden[line].sum() != 1:
                continue
            free = [cell for cell in line if may_hide[cell] and not hidden[cell]]
            if free:
                pick = min(free, key=lambda c: _order(problem, c))
                hidden[pick] = True
                reason[pick] = "complementary"
                changed = True


def _complement(
    problem: _Problem,
    hidden: np.ndarray,
    may_hide: np.ndarray,
    target: int,
    width: float,
    lower: int,
) -> int | None:
    """The next cell to hide for ``target``: the first, in order, that widens its range.

    Cells sharing a line with ``target`` come first; when no single cell widens the range
    (it takes a cycle of several), the first of them is hidden anyway, as a step towards one.
    """
    neighbours = {cell for line in problem.lines if target in line for cell in line}
    candidates = sorted(
        np.flatnonzero(may_hide & ~hidden),
        key=lambda c: (c not in neighbours, *_order(problem, c)),
    )
    for cell in candidates:
        trial = hidden.copy()
        trial[cell] = True
        low, high = _range(problem, trial, target, lower=lower)
        if high - low > width:
            return int(cell)
    return int(candidates[0]) if candidates else None


# -- building the problem ----------------------------------------------------------------------
def _problem(
    atoms: pd.DataFrame,
    *,
    count: str,
    specs: list[tuple[tuple[str, ...], tuple]],
    hideable: np.ndarray,
) -> _Problem:
    """The cells named by ``specs`` (view, labels) as sums of the rows of ``atoms``."""
    if len(specs) > MAX_PROTECTED_CELLS:
        raise ValueError(
            f"{len(specs):,} published cells are too many to protect (at most "
            f"{MAX_PROTECTED_CELLS:,}): suppress the tables in smaller linked groups"
        )
    dimensions = _dimensions(atoms, count)
    membership = np.zeros((len(specs), len(atoms)))
    members_by_view: dict[tuple, dict[tuple, np.ndarray]] = {}
    for position, (view, labels) in enumerate(specs):
        if view not in members_by_view:
            members_by_view[view] = _view_members(atoms, view)
        members = members_by_view[view].get(tuple(labels))
        if members is None:
            raise ValueError(f"no atom has {dict(zip(view, labels, strict=True))}")
        membership[position, members] = 1.0
    counts = atoms[count].to_numpy(dtype=float)
    values = np.rint(membership @ counts).astype(np.int64)
    coarseness = np.array([len(dimensions) - len(view) for view, _ in specs])
    return _Problem(
        membership=membership,
        atoms=counts,
        values=values,
        hideable=np.asarray(hideable, dtype=bool),
        coarseness=coarseness,
        lines=_lines(specs, membership),
        integer=not _whole_corners([view for view, _ in specs]),
    )


def _whole_corners(views: list[tuple[str, ...]]) -> bool:
    """Whether the attack's linear programme has whole-number corners, so needs no integers.

    A two-way table with its margins (views within two dimensions) or a chain of views each
    inside the next gives a totally unimodular system; anything else (``("a", "b")`` beside
    ``("b", "c")``) may have fractional corners, and is solved as a mixed-integer programme.
    """
    distinct = {frozenset(view) for view in views}
    if len(frozenset().union(*distinct)) <= 2:
        return True
    ordered = sorted(distinct, key=len)
    return all(small <= large for small, large in itertools.pairwise(ordered))


def _lines(specs: list[tuple[tuple[str, ...], tuple]], membership: np.ndarray) -> tuple:
    """Each total with the cells of the next finer view that add up to it exactly."""
    by_view: dict[tuple[str, ...], list[int]] = {}
    for position, (view, _) in enumerate(specs):
        by_view.setdefault(view, []).append(position)
    lines = []
    for fine, fine_cells in by_view.items():
        coarser = [view for view in by_view if set(view) < set(fine)]
        # Only the next coarser views: a grand total is a line of the margins, not of the cells.
        nearest = [v for v in coarser if not any(set(v) < set(w) for w in coarser)]
        for coarse in nearest:
            index = [fine.index(d) for d in coarse]
            children: dict[tuple, list[int]] = {}
            for cell in fine_cells:
                labels = specs[cell][1]
                children.setdefault(tuple(labels[i] for i in index), []).append(cell)
            for parent in by_view[coarse]:
                line = children.get(tuple(specs[parent][1]), [])
                # A line holds only when its cells are all published (they cover the total).
                if line and np.array_equal(membership[line].sum(axis=0), membership[parent]):
                    lines.append(np.array([parent, *line]))
    return tuple(lines)


def _two_way_problem(
    frame: pd.DataFrame,
    counts: pd.Series,
    *,
    row: str,
    column: str,
    total: object,
    margins: str,
) -> _Problem:
    """One two-way table (its inner cells are the atoms) and the totals readers know.

    The table's own cells come first, in its order; totals known from elsewhere follow and
    cannot be hidden.
    """
    pairs = list(zip(frame[row], frame[column], strict=True))
    inner = [k for k, (r, c) in enumerate(pairs) if r != total and c != total]
    atoms = pd.DataFrame(
        {
            "row": [pairs[k][0] for k in inner],
            "column": [pairs[k][1] for k in inner],
            "n": counts.iloc[inner].to_numpy(dtype=np.int64),
        }
    )
    specs: list[tuple[tuple[str, ...], tuple]] = []
    for r, c in pairs:
        view = tuple(name for name, label in (("row", r), ("column", c)) if label != total)
        specs.append((view, tuple(label for label in (r, c) if label != total)))
    hideable = [True] * len(specs)
    present = set(specs)
    for dimension, lines_known in (("row", "rows"), ("column", "columns")):
        if margins not in ("both", lines_known):
            continue
        for label in pd.unique(atoms[dimension]):
            if ((dimension,), (label,)) not in present:
                specs.append(((dimension,), (label,)))
                hideable.append(False)
    problem = _problem(atoms, count="n", specs=specs, hideable=np.array(hideable))
    if not np.array_equal(problem.values[: len(frame)], counts.to_numpy(dtype=np.int64)):
        raise ValueError(f"each totals cell ({total!r}) must be the sum of its row or column")
    return problem


def _checked_table(
    frame: pd.DataFrame, *, row: str, column: str, count: str, margins: str
) -> pd.Series:
    """The counts of a two-way table, after the checks every entry point makes."""
    if frame.duplicated([row, column]).any():
        raise ValueError(f"each ({row}, {column}) cell must appear once")
    if margins not in ("both", "rows", "columns"):
        raise ValueError("margins must be 'both', 'rows' or 'columns'")
    return _checked_counts(frame, count)


def _checked_counts(frame: pd.DataFrame, count: str) -> pd.Series:
    counts = pd.to_numeric(frame[count], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts != counts.round()).any():
        raise ValueError(f"the {count!r} column must hold whole numbers of at least 0")
    return counts


def _dimensions(atoms: pd.DataFrame, count: str) -> list[str]:
    """The dimension columns of ``atoms``: every column but the count."""
    dimensions = [name for name in atoms.columns if name != count]
    if atoms[dimensions].isna().any().any():
        raise ValueError("the dimension columns of the atoms must not have missing labels")
    if atoms.duplicated(dimensions).any():
        raise ValueError(f"each combination of {dimensions} must appear once in the atoms")
    return dimensions


def _normalised_views(views, dimensions: list[str]) -> list[tuple[str, ...]]:
    """Views as tuples in the atoms' column order, each once."""
    result: list[tuple[str, ...]] = []
    for view in views:
        unknown = set(view) - set(dimensions)
        if unknown:
            raise ValueError(f"views may only name the dimensions {dimensions}, not {unknown}")
        ordered = tuple(d for d in dimensions if d in view)
        if ordered not in result:
            result.append(ordered)
    return result


def _view_members(atoms: pd.DataFrame, view: tuple[str, ...]) -> dict[tuple, np.ndarray]:
    """Each cell of ``view`` (its labels, in first-seen order) and the atoms it sums."""
    if not view:
        return {(): np.arange(len(atoms))}
    groups = atoms.groupby(list(view), sort=False, observed=True).indices
    return {
        (key if isinstance(key, tuple) else (key,)): np.asarray(positions)
        for key, positions in groups.items()
    }


def _view_name(view: tuple[str, ...]) -> str:
    return " × ".join(view) if view else "total"


def _whole(bounds: np.ndarray) -> list:
    """Bounds as whole numbers where finite (an unbounded cell keeps ``inf``)."""
    return [int(b) if np.isfinite(b) else b for b in bounds]


def neutralise_formula(value: Any) -> Any:
    """Make one cell safe to open in a spreadsheet: text that could run as a formula is quoted.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed
    (and the full-width ``＝ ＋ － ＠``), also after leading spaces or control characters, gets
    a leading apostrophe, as OWASP advises for CSV injection; the text is otherwise kept as
    it is. Numbers, dates, missing values and text
    that is just a number (``"-5"``) are returned unchanged.

    Examples
    --------
    >>> print(neutralise_formula('=HYPERLINK("http://evil.example","Click")'))
    '=HYPERLINK("http://evil.example","Click")
    >>> neutralise_formula(-5), neutralise_formula("-5"), neutralise_formula("Ward 3")
    (-5, '-5', 'Ward 3')
    >>> print(neutralise_formula("  +cmd|' /C calc'!A0"))
    '  +cmd|' /C calc'!A0
    >>> neutralise_formula("<script>alert(1)</script>")
    '<script>alert(1)</script>'
    """
    if not isinstance(value, str):
        return value
    # Also look past leading spaces and control characters, which some programs drop on import.
    visible = _LEADING_BLANKS.sub("", value)
    risky = value.startswith(FORMULA_TRIGGERS) or visible.startswith(FORMULA_TRIGGERS)
    if risky and not _PLAIN_NUMBER.match(visible):
        return "'" + value
    return value


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names cannot run as formulas.

    Apply it to every table written to CSV or Excel (write it with ``index=False``: the index
    is not changed). Numeric, boolean and date columns are left as they are, so numbers stay
    numbers in the spreadsheet.

    Examples
    --------
    >>> table = pd.DataFrame({"quote": ["@SUM(A1:A9)", "fine"], "n": [-1, 2]})
    >>> safe = safe_for_spreadsheet(table)
    >>> safe["quote"].tolist(), safe["n"].tolist()
    (["'@SUM(A1:A9)", 'fine'], [-1, 2])
    """
    result = frame.copy()
    for position in range(result.shape[1]):
        series = result.iloc[:, position]
        if (
            ptypes.is_numeric_dtype(series)
            or ptypes.is_bool_dtype(series)
            or ptypes.is_datetime64_any_dtype(series)
            or isinstance(series.dtype, pd.PeriodDtype)
        ):
            continue
        result.isetitem(position, series.astype(object).map(neutralise_formula, na_action="ignore"))
    result.columns = [neutralise_formula(column) for column in result.columns]
    return result


# -- the one gate for text a stakeholder sees ----------------------------------------------------
#: Placeholders for the identifiers :class:`StakeholderGate` hides, by kind.
IDENTIFIER_PLACEHOLDERS = {"participant": "[participant]", "coder": "[coder]"}
#: The last step of attribution coarsening, when neither role nor ward may be shown.
ANONYMOUS = "a participant"
_SVG_TEXT = re.compile(r"(>)([^<>]+)(<)")
_SVG_LABEL = re.compile(r"""(\s(?:aria-label|alt|title)=)(["'])(.*?)\2""", re.DOTALL)


class StakeholderGate:
    """The one gate for the text of a brief: redaction, and attribution that singles no one out.

    Every piece of text that reaches a stakeholder (quotes, chart labels, captions, alt text,
    table cells, the text of an SVG figure) goes through :meth:`text`, which hides e-mails,
    phone numbers, street addresses and people's names (:func:`research_kit.text.redact` with
    the study's listed names, plus PERSON entities when ``nlp`` has a recogniser), then the
    study's own identifiers: participant ids, note file names and coder names. Quotes get
    their attribution from :meth:`attribution`, which coarsens it until at least
    ``min_cell_size`` participants share what it shows: role and ward, else role only, else
    ward only, else "a participant". What it did is counted in :attr:`attributions` so a
    method section can say so.

    Researcher views (JupyterLab panels, QDPX exports) do not go through the gate.

    Parameters
    ----------
    names : iterable of str
        People's names to hide (listed in ``study.yml``, the notes' ``name`` attribute).
    identifiers : mapping of str to str
        Identifier → kind ("participant" or "coder"): participant ids, note file names and
        their stems, coder names. Matched as whole words, case-insensitively.
    participants : pandas.DataFrame, optional
        One row per participant with the attribution columns (``attribute_by``): who shares
        a role and a ward is counted from it.
    min_cell_size : int
        The smallest number of participants an attribution may point to.
    attribute_by : tuple of str
        The attributes an attribution may show, most specific pair first (role, ward).
    nlp : spacy.language.Language, optional
        A pipeline whose ``ner`` component finds unlisted PERSON names.
    redact : bool
        ``False`` keeps e-mails, phones, addresses and names visible (a copy for the research
        team only); identifiers are hidden and attributions coarsened all the same.

    Examples
    --------
    >>> people = pd.DataFrame({"participant": ["P1", "P2", "P3"],
    ...                        "role": ["clerk", "clerk", "owner"],
    ...                        "ward": ["Ward 1", "Ward 1", "Ward 2"]})
    >>> gate = StakeholderGate(names=["Denise"], identifiers={"P1": "participant"},
    ...                        participants=people, min_cell_size=2)
    >>> gate.text("P1 said Denise (555-0142) helped at the counter.")
    '[participant] said [name] ([phone]) helped at the counter.'
    >>> gate.attribution(role="clerk", ward="Ward 1"), gate.attribution(role="owner", ward="Ward 2")
    ('clerk, Ward 1', 'a participant')
    >>> dict(gate.attributions)
    {'role and ward': 1, 'anonymous': 1}
    """

    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        identifiers: Mapping[str, str] | None = None,
        participants: pd.DataFrame | None = None,
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
        attribute_by: tuple[str, str] = ("role", "ward"),
        nlp: Any = None,
        redact: bool = True,
    ) -> None:
        self.names = tuple(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
        self.identifiers = dict(identifiers or {})
        self.min_cell_size = min_cell_size
        self.attribute_by = attribute_by
        self.nlp = nlp
        self.redact = redact
        self.participants = participants if participants is not None else pd.DataFrame()
        self.attributions: Counter[str] = Counter()
        self._identifier_pattern = _identifier_pattern(self.identifiers)
        self._kinds = {term.casefold(): kind for term, kind in self.identifiers.items()}

    def text(self, value: object) -> str:
        """Redact one text for stakeholders (missing values become an empty string)."""
        if value is None or (isinstance(value, float) and value != value):
            return ""
        text = str(value)
        if self._identifier_pattern is not None:
            text = self._identifier_pattern.sub(self._identifier_placeholder, text)
        return rktext.redact(text, names=self.names, nlp=self.nlp) if self.redact else text

    def _identifier_placeholder(self, match: re.Match) -> str:
        kind = self._kinds.get(match.group(0).casefold(), "participant")
        return IDENTIFIER_PLACEHOLDERS.get(kind, "[participant]")

    def shares(self, **attributes: object) -> int:
        """How many participants share these attribute values (missing values match nothing)."""
        table = self.participants
        if table.empty or any(name not in table.columns for name in attributes):
            return 0
        mask = pd.Series(True, index=table.index)
        for name, value in attributes.items():
            if value is None or (isinstance(value, float) and value != value):
                return 0
            mask &= table[name].astype(str).str.casefold() == str(value).casefold()
        key = "participant" if "participant" in table.columns else None
        return int(table.loc[mask, key].nunique()) if key else int(mask.sum())

    def attribution(self, *, known: tuple[str, ...] = (), **attributes: object) -> str:
        """The most specific attribution at least ``min_cell_size`` participants share.

        Role and ward; else role alone; else ward alone; else "a participant". ``known`` names
        attributes the reader already knows from the page (a brief filtered to one ward): they
        count as shown at every step. Each call is counted in :attr:`attributions` under
        "role and ward", "role", "ward" or "anonymous".
        """
        first, second = self.attribute_by
        for shown in ((first, second), (first,), (second,), ()):
            names = [name for name in self.attribute_by if name in shown or name in known]
            values = {name: attributes.get(name) for name in names}
            if not names or self.shares(**values) < self.min_cell_size:
                continue
            self.attributions[" and ".join(names)] += 1
            return ", ".join(str(values[name]) for name in names)
        self.attributions["anonymous"] += 1
        return ANONYMOUS

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``frame`` with every text cell and column name through :meth:`text`."""
        result = frame.copy()
        for position in range(result.shape[1]):
            series = result.iloc[:, position]
            if ptypes.is_object_dtype(series) or ptypes.is_string_dtype(series):
                result.isetitem(
                    position,
                    series.map(lambda v: self.text(v) if isinstance(v, str) else v),
                )
        result.columns = [self.text(c) if isinstance(c, str) else c for c in result.columns]
        return result

    def svg(self, svg: str) -> str:
        """An SVG figure with its text nodes and accessible labels through :meth:`text`."""

        def node(match: re.Match) -> str:
            inner = match.group(2)
            if not inner.strip():
                return match.group(0)
            cleaned = html.escape(self.text(html.unescape(inner)), quote=False)
            return match.group(1) + cleaned + match.group(3)

        def label(match: re.Match) -> str:
            cleaned = html.escape(self.text(html.unescape(match.group(3))), quote=True)
            return match.group(1) + match.group(2) + cleaned + match.group(2)

        return _SVG_LABEL.sub(label, _SVG_TEXT.sub(node, svg))

    def method_note(self) -> str:
        """One sentence for a method section: the attribution rule and what it did."""
        first, second = self.attribute_by
        rule = (
            f"quotes name a participant's {first} and {second} only where at least "
            f"{self.min_cell_size} participants share both, otherwise the {first} alone, the "
            f"{second} alone or just \u201c{ANONYMOUS}\u201d, whichever first is shared by "
            f"{self.min_cell_size} or more"
        )
        if not self.attributions:
            return rule
        done = ", ".join(
            f"{count} by {label}" if label != "anonymous" else f"{count} without attribution"
            for label, count in self.attributions.most_common()
        )
        return f"{rule} (in this brief: {done})"


def _identifier_pattern(identifiers: Mapping[str, str]) -> re.Pattern | None:
    terms = [term for term in identifiers if str(term).strip()]
    if not terms:
        return None
    # Longest first, so a note's file name ("P12_manager") wins over its participant id ("P12").
    parts = [re.escape(str(term)) for term in sorted(terms, key=len, reverse=True)]
    return re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)

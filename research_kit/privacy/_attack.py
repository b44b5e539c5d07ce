"""The attack on suppressed tables: the range a reader can place each hidden cell in (private).

The attacker knows every shown cell, the rules (zeros shown, counts whole and at least 0)
and solves linear programmes (HiGHS, through :func:`scipy.optimize.linprog`) for the
smallest and largest value of each hidden cell. :func:`is_protected` is the rule a small
cell's range must meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

from research_kit.privacy._problem import Problem

#: HiGHS returns bounds like 4.999999999; round inwards only past this.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Range:
    """One cell's range under the attack, with atom tables that show each end is reachable."""

    lo: float
    hi: float
    low: np.ndarray | None  # atoms that fit everything shown, with the cell at ``lo``
    high: np.ndarray | None  # the same at ``hi`` (None when the cell is unbounded)


def is_protected(value: int, lo: float, hi: float, min_cell_size: int) -> bool:
    """The protection rule: a small cell's range reaches the threshold and is as wide as it."""
    if not 0 < value < min_cell_size:
        return True
    return bool(hi >= min_cell_size and hi - lo >= min_cell_size - 1)


def cell_range(problem: Problem, hidden: np.ndarray, target: int, *, lower: int) -> tuple:
    """The smallest and largest whole value of one cell, over all atoms that fit the rest."""
    found = witnessed_range(problem, hidden, target, lower=lower)
    return found.lo, found.hi


def witnessed_range(problem: Problem, hidden: np.ndarray, target: int, *, lower: int) -> Range:
    """:func:`cell_range` with the atom tables at which the cell takes its extremes."""
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
    low = solve(objective, whole=whole, **options)
    high = solve(-objective, whole=whole, **options)
    # The minimum exists, so the problem is feasible: "infeasible or unbounded" is unbounded.
    unbounded = high.status == 3 or (low.status == 0 and "unbounded" in high.message)
    if low.status != 0 or not (high.status == 0 or unbounded):
        # The true counts always fit, so this is a malformed problem, not a property of data.
        raise RuntimeError(f"the attack's linear programme failed: {low.message} {high.message}")
    top = np.inf if unbounded else -high.fun
    return Range(
        lo=float(np.ceil(low.fun - TOLERANCE)),
        hi=float(np.floor(top + TOLERANCE)),
        low=low.x,
        high=None if unbounded else high.x,
    )


def solve(objective: np.ndarray, *, whole: int, **options: Any) -> Any:
    """:func:`scipy.optimize.linprog` (HiGHS), with the first ``whole`` variables whole numbers.

    The relaxation is solved first: when its answer already has those variables whole, it is
    the integer programme's answer too (and an unbounded or infeasible relaxation means the
    same for it), so the slower mixed-integer solve runs only where a corner is fractional.
    """
    relaxed = linprog(objective, method="highs", **options)
    if not whole or relaxed.status != 0:
        return relaxed
    part = relaxed.x[:whole]
    if np.all(np.abs(part - np.round(part)) <= TOLERANCE):
        return relaxed
    integrality = np.zeros(len(objective))
    integrality[:whole] = 1
    return linprog(objective, method="highs", integrality=integrality, **options)


def hidden_ranges(problem: Problem, hidden: np.ndarray, *, lower: int) -> tuple:
    """Each hidden cell's range (NaN for shown cells)."""
    lo = np.full(len(problem.values), np.nan)
    hi = np.full(len(problem.values), np.nan)
    for target in np.flatnonzero(hidden):
        lo[target], hi[target] = cell_range(problem, hidden, target, lower=lower)
    return lo, hi


def fits(problem: Problem, hidden: np.ndarray, atoms: np.ndarray | None, lower: int) -> bool:
    """Whether a table of atoms agrees with every shown cell (and the rules on hidden ones)."""
    if atoms is None:
        return False
    sums = problem.membership @ atoms
    shown = ~hidden
    return bool(
        np.all(np.abs(sums[shown] - problem.values[shown]) <= TOLERANCE)
        and np.all(sums[hidden] >= lower - TOLERANCE)
        and np.all(atoms >= -TOLERANCE)
    )

"""The search for complementary suppression: which cells to hide so small ones are safe (private).

Primary suppression hides the small cells; for each in turn a linear programme finds the
cheapest other cells to hide so the attack (:mod:`research_kit.privacy._attack`) cannot
narrow it below the threshold; a clean-up pass shows again every complement no small cell
needs. The attack's ranges are kept with witness tables so the clean-up rarely re-solves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from research_kit.privacy._attack import (
    TOLERANCE,
    Range,
    cell_range,
    fits,
    is_protected,
    solve,
    witnessed_range,
)
from research_kit.privacy._problem import Problem


@dataclass(frozen=True)
class Outcome:
    reason: np.ndarray  # "small", "complementary" or "" per cell
    lo: np.ndarray  # the attacker's range for small hidden cells, NaN elsewhere
    hi: np.ndarray
    protected: np.ndarray


class _Attack:
    """What the attacker cannot rule out about each small cell: a range, with witnesses.

    For each small cell it keeps a range of values the cell can take given what is shown, with
    an atom table (a witness) for each end that agrees with every shown cell and the rules.
    Hiding more cells keeps every witness valid; showing a cell again rules a witness out only
    if the witness moves that cell, which costs a matrix product to check, not a linear
    programme. The witnesses :func:`_moved_cells` finds move few cells (one end is usually the
    true table), so they rarely break.
    """

    def __init__(self, problem: Problem, *, lower: int, min_cell_size: int) -> None:
        self.problem = problem
        self.lower = lower
        self.min_cell_size = min_cell_size
        self.ranges: dict[int, Range] = {}

    def measure(self, hidden: np.ndarray, cell: int) -> Range:
        """Solve for the cell's exact range, and keep it."""
        self.ranges[cell] = witnessed_range(self.problem, hidden, cell, lower=self.lower)
        return self.ranges[cell]

    def safe(self, cell: int) -> bool:
        """Whether the cell's kept range protects it."""
        found = self.ranges.get(cell)
        return found is not None and self._protects(cell, found)

    def _protects(self, cell: int, found: Range) -> bool:
        return is_protected(self.problem.values[cell], found.lo, found.hi, self.min_cell_size)

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
        widest = witnessed_range(self.problem, hidden | may_hide, cell, lower=self.lower)
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
        self.ranges[cell] = Range(lo=low, hi=high, low=tables[low], high=tables[high])
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
            if all(fits(problem, hidden, table, lower) for table in ends.values()):
                return True
            after = witnessed_range(problem, hidden, cell, lower=lower)
            if after.lo <= before.lo and after.hi >= before.hi:
                self.ranges[cell] = after
                return True
            return False
        nothing = np.zeros(len(hidden), dtype=bool)
        for end, table in ends.items():
            if fits(problem, hidden, table, lower):
                continue
            found = _moved_cells(problem, hidden, nothing, cell, end, lower)
            if found is None:
                # Another range may still protect it: the exact one decides.
                if self._protects(cell, self.measure(hidden, cell)):
                    return True
                self.ranges[cell] = before
                return False
            ends[end] = found[1]
        self.ranges[cell] = Range(before.lo, before.hi, ends[before.lo], ends[before.hi])
        return True


def choose_suppression(problem: Problem, *, min_cell_size: int, zeros_shown: bool) -> Outcome:
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
            is_protected(values[c], lo_or_value[c], hi_or_value[c], min_cell_size)
            for c in range(len(values))
        ]
    )
    return Outcome(reason=reason.astype(str), lo=lo, hi=hi, protected=protected)


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
    problem: Problem,
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
    solution = solve(
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
    cells = [int(cell) for cell in free_cells[moved > TOLERANCE]]
    return cells, problem.atoms + solution.x[:n_atoms]


def _drop_needless(
    problem: Problem,
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


def _order(problem: Problem, cell: int) -> tuple:
    """Which cell to hide first: non-zero before zero, finer before totals, small before large."""
    return (problem.values[cell] == 0, problem.coarseness[cell], problem.values[cell], cell)


def _complete_lines(
    problem: Problem, hidden: np.ndarray, reason: np.ndarray, may_hide: np.ndarray
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
    problem: Problem,
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
        low, high = cell_range(problem, trial, target, lower=lower)
        if high - low > width:
            return int(cell)
    return int(candidates[0]) if candidates else None

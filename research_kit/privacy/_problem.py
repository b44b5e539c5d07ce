"""Published tables as a linear system: each cell a sum of atoms (private).

The disclosure-control functions of :mod:`research_kit.privacy.suppression` describe the
tables they publish the same way: the finest cross-classification (the atoms) and each
published cell as the sum of some of them, with the lines (a total and the cells adding up
to it) that the search for complements follows. This module builds that description and
checks the tables it is built from.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Above this many published cells the search (quadratic in cells, with a linear programme per
#: step) would run for hours; :func:`~research_kit.privacy.protect` refuses rather than hang.
MAX_PROTECTED_CELLS = 2_000


@dataclass(frozen=True)
class Problem:
    """Published cells as sums of atoms: all the attacker's linear programme is built from."""

    membership: np.ndarray  # (cells, atoms): 1 where the atom is part of the cell
    atoms: np.ndarray  # each atom's true count
    values: np.ndarray  # each cell's true count
    hideable: np.ndarray  # False for cells published elsewhere
    coarseness: np.ndarray  # how many dimensions the cell sums over (totals are coarser)
    lines: tuple[np.ndarray, ...]  # cell positions: a total, then the cells adding up to it
    integer: bool  # solve for whole atoms: the linear programme's corners may be fractional


def build_problem(
    atoms: pd.DataFrame,
    *,
    count: str,
    specs: list[tuple[tuple[str, ...], tuple]],
    hideable: np.ndarray,
) -> Problem:
    """The cells named by ``specs`` (view, labels) as sums of the rows of ``atoms``."""
    if len(specs) > MAX_PROTECTED_CELLS:
        raise ValueError(
            f"{len(specs):,} published cells are too many to protect (at most "
            f"{MAX_PROTECTED_CELLS:,}): suppress the tables in smaller linked groups"
        )
    dimensions = dimension_columns(atoms, count)
    membership = np.zeros((len(specs), len(atoms)))
    members_by_view: dict[tuple, dict[tuple, np.ndarray]] = {}
    for position, (view, labels) in enumerate(specs):
        if view not in members_by_view:
            members_by_view[view] = view_members(atoms, view)
        members = members_by_view[view].get(tuple(labels))
        if members is None:
            raise ValueError(f"no atom has {dict(zip(view, labels, strict=True))}")
        membership[position, members] = 1.0
    counts = atoms[count].to_numpy(dtype=float)
    values = np.rint(membership @ counts).astype(np.int64)
    coarseness = np.array([len(dimensions) - len(view) for view, _ in specs])
    return Problem(
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


def two_way_problem(
    frame: pd.DataFrame,
    counts: pd.Series,
    *,
    row: str,
    column: str,
    total: object,
    margins: str,
) -> Problem:
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
    problem = build_problem(atoms, count="n", specs=specs, hideable=np.array(hideable))
    if not np.array_equal(problem.values[: len(frame)], counts.to_numpy(dtype=np.int64)):
        raise ValueError(f"each totals cell ({total!r}) must be the sum of its row or column")
    return problem


def checked_table(
    frame: pd.DataFrame, *, row: str, column: str, count: str, margins: str
) -> pd.Series:
    """The counts of a two-way table, after the checks every entry point makes."""
    if frame.duplicated([row, column]).any():
        raise ValueError(f"each ({row}, {column}) cell must appear once")
    if margins not in ("both", "rows", "columns"):
        raise ValueError("margins must be 'both', 'rows' or 'columns'")
    return checked_counts(frame, count)


def checked_counts(frame: pd.DataFrame, count: str) -> pd.Series:
    counts = pd.to_numeric(frame[count], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts != counts.round()).any():
        raise ValueError(f"the {count!r} column must hold whole numbers of at least 0")
    return counts


def dimension_columns(atoms: pd.DataFrame, count: str) -> list[str]:
    """The dimension columns of ``atoms``: every column but the count."""
    dimensions = [name for name in atoms.columns if name != count]
    if atoms[dimensions].isna().any().any():
        raise ValueError("the dimension columns of the atoms must not have missing labels")
    if atoms.duplicated(dimensions).any():
        raise ValueError(f"each combination of {dimensions} must appear once in the atoms")
    return dimensions


def normalised_views(views, dimensions: list[str]) -> list[tuple[str, ...]]:
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


def view_members(atoms: pd.DataFrame, view: tuple[str, ...]) -> dict[tuple, np.ndarray]:
    """Each cell of ``view`` (its labels, in first-seen order) and the atoms it sums."""
    if not view:
        return {(): np.arange(len(atoms))}
    groups = atoms.groupby(list(view), sort=False, observed=True).indices
    return {
        (key if isinstance(key, tuple) else (key,)): np.asarray(positions)
        for key, positions in groups.items()
    }


def view_name(view: tuple[str, ...]) -> str:
    return " × ".join(view) if view else "total"


def whole_numbers(bounds: np.ndarray) -> list:
    """Bounds as whole numbers where finite (an unbounded cell keeps ``inf``)."""
    return [int(b) if np.isfinite(b) else b for b in bounds]

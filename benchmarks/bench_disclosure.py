"""Disclosure control under attack: the old rank-only suppression against interval protection.

Draws seeded random two-way tables (2–6 rows × 2–6 columns, about a third of the cells small,
known row and/or column totals), suppresses each twice — with the rank-only rule
``suppress_table`` used before (complements until no hidden cell is pinned to one value) and
with today's :func:`research_kit.privacy.suppress_table` (interval protection) — and attacks
both with :func:`research_kit.privacy.feasible_ranges`: the reader knows the shown cells, the
totals, that zeros are shown and that counts are whole numbers. Reported per rule: tables
attacked, cells hidden, small cells hidden, small cells recovered exactly, small cells the
attack narrows below the protection interval (``hi < min_cell_size`` or ``hi - lo <
min_cell_size - 1``), and seconds per table; plus the small cells that no suppression inside
the table can protect (their line's known total is too small), which neither rule can help.
Run alone with ``python benchmarks/bench_disclosure.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from research_kit.privacy import feasible_ranges, published_cells, suppress_table

SECTION = "disclosure control (random tables, attacked by LP)"
TABLES = 300
MIN_CELL_SIZE = 5
SEED = 20261212


def figures() -> list[tuple[str, str, float, str]]:
    """Hidden, recovered and narrowed cells for the rank-only rule and interval protection."""
    rng = np.random.default_rng(SEED)
    tables = [_random_table(rng) for _ in range(TABLES)]
    rows = [(SECTION, "tables attacked", float(TABLES), "tables")]
    hopeless = None
    for name, rule in (("rank-only rule (before)", _rank_only), ("interval rule", _interval)):
        totals = {"hidden": 0, "small": 0, "exact": 0, "narrow": 0, "hopeless": 0}
        seconds = 0.0
        for grid, margins in tables:
            started = time.perf_counter()
            hidden = rule(grid, margins)
            seconds += time.perf_counter() - started
            for key, value in _attack(grid, margins, hidden).items():
                totals[key] += value
        hopeless = totals["hopeless"]
        rows += [
            (SECTION, f"{name}: cells hidden", float(totals["hidden"]), "cells"),
            (SECTION, f"{name}: small cells hidden", float(totals["small"]), "cells"),
            (SECTION, f"{name}: small cells recovered exactly", float(totals["exact"]), "cells"),
            (
                SECTION,
                f"{name}: small cells narrower than the protection interval",
                float(totals["narrow"]),
                "cells",
            ),
            (SECTION, f"{name}: time per table", seconds / TABLES * 1e3, "ms"),
        ]
    rows.append(
        (SECTION, "small cells no suppression in the table can protect", float(hopeless), "cells")
    )
    return rows


def _random_table(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    shape = (int(rng.integers(2, 7)), int(rng.integers(2, 7)))
    small = rng.random(shape) < 1 / 3
    grid = np.where(small, rng.integers(1, MIN_CELL_SIZE, shape), rng.integers(0, 31, shape))
    return grid, str(rng.choice(["both", "rows", "columns"]))


def _long(grid: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        [(f"r{i}", f"c{j}", int(n)) for (i, j), n in np.ndenumerate(grid)],
        columns=["row", "column", "n"],
    )


def _interval(grid: np.ndarray, margins: str) -> np.ndarray:
    shown = suppress_table(
        _long(grid), row="row", column="column", min_cell_size=MIN_CELL_SIZE, margins=margins
    )
    return shown["suppressed"].to_numpy().reshape(grid.shape)


def _attack(grid: np.ndarray, margins: str, hidden: np.ndarray) -> dict[str, int]:
    """Attack one suppressed table; count what the attacker learns about its small cells."""
    atoms = _long(grid)
    views = [("row", "column")]
    views += [("row",)] if margins in ("both", "rows") else []
    views += [("column",)] if margins in ("both", "columns") else []
    cells = published_cells(atoms, views)
    inner = (cells["view"] == "row × column").to_numpy()
    flags = np.zeros(len(cells), dtype=bool)
    flags[inner] = hidden.ravel()
    # The old rule hid zeros as a last resort; then its readers cannot assume hidden >= 1.
    zeros_shown = not (hidden & (grid == 0)).any()
    ranges = feasible_ranges(
        atoms,
        cells.assign(suppressed=flags),
        min_cell_size=MIN_CELL_SIZE,
        zeros_shown=zeros_shown,
    )
    small = ranges["n"].between(1, MIN_CELL_SIZE - 1)
    everything = cells.assign(suppressed=inner & (cells["n"] > 0).to_numpy())
    best = feasible_ranges(atoms, everything, min_cell_size=MIN_CELL_SIZE)
    return {
        "hidden": int(hidden.sum()),
        "small": int(small.sum()),
        "exact": int((small & (ranges["lo"] == ranges["hi"])).sum()),
        "narrow": int((~ranges["protected"]).sum()),
        "hopeless": int((~best["protected"]).sum()),
    }


# -- the rank-only rule, as suppress_table had it before interval protection ----------------------
def _rank_only(grid: np.ndarray, margins: str) -> np.ndarray:
    """Primary suppression, then complements until no hidden cell is pinned to one value."""
    values = grid.ravel()
    n_rows, n_columns = grid.shape
    lines = []
    if margins in ("both", "rows"):
        lines += [[i * n_columns + j for j in range(n_columns)] for i in range(n_rows)]
    if margins in ("both", "columns"):
        lines += [[i * n_columns + j for i in range(n_rows)] for j in range(n_columns)]
    matrix = np.zeros((len(lines), values.size))
    for number, line in enumerate(lines):
        matrix[number, line] = 1.0
    hidden = set(np.flatnonzero((values > 0) & (values < MIN_CELL_SIZE)).tolist())

    def order(position: int) -> tuple:
        return (values[position] == 0, values[position], position)

    unfixable: set[int] = set()
    while True:
        shown = sorted((i for i in range(values.size) if i not in hidden), key=order)
        lonely = [
            min((i for i in line if i not in hidden), key=order)
            for line in lines
            if sum(i in hidden for i in line) == 1 and len(line) > 1
        ]
        if lonely:
            hidden.add(min(lonely, key=order))
            continue
        pinned = [i for i in _pinned(matrix, sorted(hidden)) if i not in unfixable]
        if not pinned or not shown:
            break
        freeing = [i for i in shown if pinned[0] not in _pinned(matrix, sorted(hidden | {i}))]
        if freeing:
            hidden.add(freeing[0])
        else:
            unfixable.add(pinned[0])
    flags = np.zeros(values.size, dtype=bool)
    flags[sorted(hidden)] = True
    return flags.reshape(grid.shape)


def _pinned(matrix: np.ndarray, hidden: list[int]) -> list[int]:
    """Hidden cells whose value the equations fix: dropping one lowers the rank."""
    if not hidden:
        return []
    sub = matrix[:, hidden]
    rank = np.linalg.matrix_rank(sub)
    return [
        position
        for k, position in enumerate(hidden)
        if np.linalg.matrix_rank(np.delete(sub, k, axis=1)) < rank
    ]


if __name__ == "__main__":
    for row in figures():
        print(f"{row[1]:<75} {row[2]:>10.2f} {row[3]}")

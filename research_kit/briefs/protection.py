"""Which survey counts a brief may show, decided once for every filter the dashboard offers.

A dashboard shows the same respondents many ways: all wards and each ward alone, broken down by
each group, as rated answers (agree or not, and each point of the scale) and as themes of open
answers. Suppressing each table on its own is not enough: one ward's table set against the
all-wards table gives a hidden cell back by difference. So each family of counts is protected
jointly over every table the brief can publish from it, with
:func:`research_kit.privacy.protect` (interval protection by linear programming):

- a rated item by a group: counts by ward × group × point of the scale, published as ward ×
  group and group (the group's n, per ward filter and for all wards), ward × group × agree/not
  and group × agree/not (its share), ward and the total (the item's n), ward × agree/not and
  agree/not (the item's share), ward × point and point (the chart of the whole scale);
- the open answers' themes: counts by ward × outcome (a theme, a non-answer or a blank),
  published as every theme's share, the numbers who answered, gave a non-answer or left it
  blank, per ward and in all;
- the most common theme by a group: ward × group × in-the-theme-or-not, as in its chart.

Suppression decides on unweighted counts, also where the brief shows weighted shares (a
weighted share is close enough to its count for an attacker who knows the weights' margins).
A share is shown only when at least ``min_cell_size`` respondents are on each side of it (in
the box and out of it, in the theme and out of it), so a small group never shows "0 %" or
"100 %"; hiding a share never helps an attacker, since every hidden cell widens what they can
infer. The plans are cached by their data, so a dashboard that changes filters decides once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit import privacy
from research_kit.survey.responses import normalise_answer

__all__ = ["CountPlan", "likert_plan", "themes_plan"]

#: Label of the ward dimension in every plan (the dashboard's filter).
WARD = "ward"
#: The group of those who gave no answer to an open question (not broken down by group).
_NO_GROUP = "(no answer)"


@dataclass(frozen=True)
class CountPlan:
    """The published cells of one family of counts, with which are hidden.

    ``cells`` is :func:`research_kit.privacy.protect`'s result: one row per published cell
    (``view``, the dimension columns, ``n``, ``suppressed``, ``reason``, ``lo``, ``hi``,
    ``protected``).
    """

    cells: pd.DataFrame
    dimensions: tuple[str, ...]
    min_cell_size: int
    #: The finest counts the cells add up (for an attack: :func:`privacy.feasible_ranges`).
    atoms: pd.DataFrame | None = None

    def cell(self, **labels: object) -> pd.Series | None:
        """The published cell with exactly these labels (other dimensions summed over)."""
        mask = pd.Series(True, index=self.cells.index)
        for name in self.dimensions:
            if labels.get(name) is not None:
                mask &= self.cells[name].astype(object) == labels[name]
            else:
                mask &= self.cells[name].isna()
        found = self.cells[mask]
        return None if found.empty else found.iloc[0]

    def hidden(self, **labels: object) -> bool:
        """Whether the cell is hidden (a cell the plan does not publish counts as hidden)."""
        found = self.cell(**labels)
        return True if found is None else bool(found["suppressed"])

    def count(self, **labels: object) -> int:
        """The cell's true count (for decisions only: never show a hidden one)."""
        found = self.cell(**labels)
        return 0 if found is None else int(found["n"])

    def share_hidden(self, part: dict, base: dict) -> bool:
        """Whether the share ``part`` / ``base`` must be hidden (both given as cell labels).

        Hidden when its base or its numerator is hidden, or when fewer than
        ``min_cell_size`` respondents are on either side of it (in ``part`` and in the rest of
        ``base``), so a small group never shows "0 %" or "100 %".
        """
        inside = self.count(**part)
        return (
            self.hidden(**base)
            or self.hidden(**part)
            or min(inside, self.count(**base) - inside) < self.min_cell_size
        )


def likert_plan(
    survey: pd.DataFrame,
    item: str,
    scale: list[str],
    *,
    by: str,
    min_cell_size: int,
    top: int = 2,
) -> CountPlan:
    """The protected counts of one rated item broken down by ``by``, for every ward filter.

    Dimensions: ``ward``, ``group`` (the ward again when ``by`` is the ward), ``box`` ("top"
    or "other") and ``level`` (a point of ``scale``). Non-answers are not counted. The cells
    of the whole item (by ward, by point of the scale) are protected first, then the group
    breakdown with those cells known to the attacker; a linear-programming attack on all of
    them together checks the result, and where it narrows a small cell the item's group
    breakdown is hidden whole.

    Examples
    --------
    >>> scale = ["Disagree", "Neutral", "Agree"]
    >>> people = pd.DataFrame({"ward": ["W1"] * 12 + ["W2"] * 12,
    ...                        "age": (["young"] * 9 + ["old"] * 3) * 2,
    ...                        "q": ["Agree", "Disagree", "Neutral"] * 8})
    >>> plan = likert_plan(people, "q", scale, by="age", min_cell_size=5)
    >>> plan.hidden(ward="W1", group="old"), plan.hidden()  # 3 old people in W1; all 24
    (True, False)
    """
    levels = {normalise_answer(level): level for level in scale}
    answered = survey[item].map(
        lambda value: levels.get(normalise_answer(value)) if isinstance(value, str) else None
    )
    keep = answered.notna() & survey[WARD].notna()
    if by != WARD:
        keep &= survey[by].notna()
    frame = pd.DataFrame({WARD: survey.loc[keep, WARD].astype(str), "level": answered[keep]})
    frame["group"] = survey.loc[keep, by].astype(str) if by != WARD else frame[WARD]
    box = {level: "top" if level in scale[-top:] else "other" for level in scale}
    atoms = _atoms(frame, [WARD, "group", "level"], {"level": list(scale)})
    if by == WARD:
        atoms = atoms[atoms["group"] == atoms[WARD]]
    atoms.insert(2, "box", atoms["level"].map(box))
    whole = [(WARD, "level"), ("level",), (WARD, "box"), ("box",), (WARD,), ()]
    grouped = [(WARD, "group", "box"), (WARD, "group"), ("group", "box"), ("group",)]
    return _two_stage(atoms, whole, [] if by == WARD else grouped, min_cell_size)


def themes_plan(
    statuses: pd.DataFrame,
    assigned: pd.DataFrame,
    cluster: object,
    *,
    by: str,
    min_cell_size: int,
) -> CountPlan:
    """The protected counts of an open question, for every ward filter.

    ``statuses`` has one row per respondent (``respondent_id``, ``status``: "answered",
    "non_answer" or "blank", and ``ward``); ``assigned`` one row per answer (``respondent_id``,
    ``cluster`` and the ``by`` column); ``cluster`` is the theme the brief breaks down by
    group. Dimensions: ``ward``, ``group``, ``status``, ``theme`` ("top" for ``cluster``,
    "other" for the other themes, "none" without an answer) and ``outcome`` (the theme's id,
    or the status of those who gave no answer). Protected like :func:`likert_plan`: the whole
    question first (every theme, how many answered, gave a non-answer or left it blank, by
    ward and in all), then the chosen theme by group.
    """
    clusters = sorted(assigned["cluster"].dropna().astype(str).unique())
    by_id = assigned.set_index("respondent_id")
    outcome = statuses["respondent_id"].map(by_id["cluster"].astype(str))
    outcome = outcome.where(statuses["status"] == "answered", statuses["status"])
    frame = pd.DataFrame({WARD: statuses[WARD], "outcome": outcome})
    if by == WARD:
        frame["group"] = frame[WARD]
    else:
        frame["group"] = statuses["respondent_id"].map(by_id[by])
        # Those who gave no answer are not broken down by group: one stand-in group.
        frame["group"] = frame["group"].where(frame["outcome"].isin(clusters), _NO_GROUP)
    frame = frame.dropna().astype(str)
    categories = [*clusters, "non_answer", "blank"]
    atoms = _atoms(frame, [WARD, "group", "outcome"], {"outcome": categories})
    if by == WARD:
        atoms = atoms[atoms["group"] == atoms[WARD]]
    else:
        atoms = atoms[(atoms["group"] == _NO_GROUP) != atoms["outcome"].isin(clusters)]
    status = atoms["outcome"].map(lambda c: c if c in ("non_answer", "blank") else "answered")
    atoms.insert(2, "status", status)
    chosen = np.where(atoms["outcome"] == str(cluster), "top", "other")
    atoms.insert(3, "theme", np.where(atoms["status"] == "answered", chosen, "none"))
    whole = [(WARD, "outcome"), ("outcome",), (WARD, "status"), ("status",), (WARD,), ()]
    grouped = [(WARD, "group", "theme"), (WARD, "group"), ("group", "theme"), ("group",)]
    atoms = atoms.reset_index(drop=True)
    return _two_stage(
        atoms,
        whole,
        [] if by == WARD else grouped,
        min_cell_size,
        grouped_atoms=atoms[atoms["status"] == "answered"],
    )


def _atoms(frame: pd.DataFrame, dimensions: list[str], known: dict[str, list]) -> pd.DataFrame:
    """Counts for every combination of the dimensions' values, zeros included."""
    values = [
        known.get(name) or sorted(frame[name].dropna().astype(str).unique()) for name in dimensions
    ]
    index = pd.MultiIndex.from_product(values, names=dimensions)
    counts = frame.groupby(dimensions, observed=True).size().reindex(index, fill_value=0)
    return counts.rename("n").reset_index()


def _two_stage(
    atoms: pd.DataFrame,
    whole: list[tuple[str, ...]],
    grouped: list[tuple[str, ...]],
    min_cell_size: int,
    *,
    grouped_atoms: pd.DataFrame | None = None,
) -> CountPlan:
    """Protect the whole question's tables, then its group breakdown, then attack both at once.

    The search of :func:`research_kit.privacy.protect` grows fast with the number of atoms, so
    the two families are searched apart: the whole question over the dimensions of ``whole``,
    then the group breakdown over those of ``grouped``, with the first family's tables that it
    can express known to the attacker (a cautious assumption: some of them are hidden). The
    attack then runs on everything published, together, over the finest atoms; if it narrows
    any small cell, the group breakdown is hidden whole, which leaves it nothing to add.
    ``grouped_atoms`` are the atoms the group breakdown counts (those who answered an open
    question), when not all of them.
    """
    dimensions = [c for c in atoms.columns if c != "n"]
    key = (
        _key(atoms, dimensions, whole, tuple(grouped), min_cell_size),
        None if grouped_atoms is None else _key(grouped_atoms, dimensions, (), (), 0),
    )
    published = _planned(key)
    return CountPlan(published.copy(), tuple(dimensions), min_cell_size, atoms.copy())


@functools.lru_cache(maxsize=64)
def _planned(key: tuple) -> pd.DataFrame:
    """The work of :func:`_two_stage`, memoised by its data (a dashboard asks many times)."""
    (dimensions, rows, whole, grouped, min_cell_size), grouped_key = key
    atoms = pd.DataFrame(list(rows), columns=[*dimensions, "n"])
    source = (
        atoms
        if grouped_key is None
        else pd.DataFrame(list(grouped_key[1]), columns=[*dimensions, "n"])
    )
    whole, grouped = list(whole), list(grouped)
    if not _fits(atoms, whole, ()):
        # Too many cells to search (a city of 50 wards by 30 themes): show only the total.
        hidden = _all_hidden(atoms, source, whole, grouped, keep=[()])
        return _aligned([hidden], list(dimensions), [*whole, *grouped])
    cells = [_protected(_key(atoms, _dimensions_of(whole), whole, (), min_cell_size))]
    known = tuple({tuple(d for d in view if d != "group") for view in grouped})
    if grouped and not _fits(source, grouped, known):
        hidden = _all_hidden(atoms, source, [], grouped, keep=[])
        return _aligned([*cells, hidden], list(dimensions), [*whole, *grouped])
    if grouped:
        split = _dimensions_of(grouped)
        cells.append(_protected(_key(source, split, grouped, known, min_cell_size)))
    published = _aligned(cells, list(dimensions), [*whole, *grouped])
    if grouped and not _attack_holds(atoms, published, min_cell_size):
        breakdown = published["group"].notna() & (published["n"] > 0)
        published.loc[breakdown, "suppressed"] = True
        published.loc[breakdown, "reason"] = "whole breakdown"
    return published


def _fits(atoms: pd.DataFrame, views: list[tuple[str, ...]], known: tuple) -> bool:
    """Whether :func:`privacy.protect` can search these tables (see its size limit)."""
    dimensions = _dimensions_of([*views, *known]) or [WARD]
    summed = atoms.groupby(dimensions, sort=True)["n"].sum().reset_index()
    cells = privacy.published_cells(summed, [*views, *known])
    return len(cells) <= privacy.MAX_PROTECTED_CELLS


def _all_hidden(
    atoms: pd.DataFrame,
    source: pd.DataFrame,
    whole: list[tuple[str, ...]],
    grouped: list[tuple[str, ...]],
    *,
    keep: list[tuple[str, ...]],
) -> pd.DataFrame:
    """Every cell of these tables hidden but those of ``keep``: the answer when the tables
    are too many to protect cell by cell (hiding everything leaves nothing to work back)."""
    frames = []
    for table, views in ((atoms, whole), (source, grouped)):
        if views:
            frames.append(privacy.published_cells(table, views))
    cells = pd.concat(frames, ignore_index=True)
    shown = cells["view"].isin({" × ".join(v) if v else "total" for v in keep})
    cells["suppressed"] = ~shown
    cells["reason"] = np.where(shown, "", "too many cells to protect")
    return cells


def _dimensions_of(views: list[tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys(name for view in views for name in view))


def _key(
    atoms: pd.DataFrame,
    dimensions: list[str],
    views: list[tuple[str, ...]],
    known: tuple,
    min_cell_size: int,
) -> tuple:
    """A hashable description of one protection problem (the counts summed to ``dimensions``)."""
    summed = atoms.groupby(list(dimensions), sort=True)["n"].sum().reset_index()
    return (
        tuple(dimensions),
        tuple(map(tuple, summed.itertuples(index=False, name=None))),
        tuple(views),
        known,
        min_cell_size,
    )


def _aligned(
    cells: list[pd.DataFrame], dimensions: list[str], views: list[tuple[str, ...]]
) -> pd.DataFrame:
    """The published cells of several protections over every dimension, each cell once.

    The first protection's decision on a cell wins over a later one's "known" copy of it.
    """
    names = {" × ".join(view) if view else "total" for view in views}
    frames = []
    for frame in cells:
        frame = frame[frame["view"].isin(names)].copy()
        for name in dimensions:
            if name not in frame:
                frame[name] = np.nan
        frames.append(frame[["view", *dimensions, "n", "suppressed", "reason"]])
    joined = pd.concat(frames, ignore_index=True)
    joined["view"] = [_view_of(row, dimensions) for _, row in joined.iterrows()]
    unique = joined.drop_duplicates("view", keep="first")
    return unique.drop(columns="view").assign(view=unique["view"]).reset_index(drop=True)


def _view_of(row: pd.Series, dimensions: list[str]) -> str:
    """A cell's identity: its dimensions and labels (NaN where it sums over a dimension)."""
    return " | ".join(f"{d}={row[d]}" for d in dimensions if pd.notna(row[d]))


def _attack_holds(atoms: pd.DataFrame, published: pd.DataFrame, min_cell_size: int) -> bool:
    """Whether every small hidden cell keeps its protection against all cells at once."""
    hidden = published[published["suppressed"]]
    if hidden.empty:
        return True
    cells = published.drop(columns=["reason", "view"])
    zeros = bool((hidden["n"] == 0).any())
    ranges = privacy.feasible_ranges(
        atoms, cells, min_cell_size=min_cell_size, zeros_shown=not zeros
    )
    return bool(ranges["protected"].all())


@functools.lru_cache(maxsize=256)
def _protected(key: tuple) -> pd.DataFrame:
    """:func:`privacy.protect` memoised by its data: the same counts give the same answer."""
    dimensions, rows, views, known, min_cell_size = key
    atoms = pd.DataFrame(list(rows), columns=[*dimensions, "n"])
    return privacy.protect(atoms, list(views), known=list(known), min_cell_size=min_cell_size)

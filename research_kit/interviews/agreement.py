"""Inter-coder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Agreement says whether a codebook is applied the same way by different people (or by a model
and a person). :func:`krippendorff_alpha` takes a coders × units table with missing values and
works for nominal, ordinal, interval and ratio data, computed from the coincidence matrix as in
Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability". :func:`cohen_kappa` and
:func:`percent_agreement` compare two coders over the units both coded.

:func:`coder_agreement` applies them to a study's codings, per code and overall, and
:func:`disagreements` lists the passages where coders differ, for the reconciliation meeting.
Both cut the coded text into the same units (see :func:`coder_agreement`): only passages that some
compared coder coded count, so long stretches of uncoded text cannot inflate agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from research_kit.deprecation import deprecated_alias
from research_kit.errors import CodingError

if TYPE_CHECKING:
    from research_kit.study import Study

LEVELS = ("nominal", "ordinal", "interval", "ratio")
UNITS = ("excerpt", "character")

AGREEMENT_COLUMNS = [
    "code_id",
    "unit",
    "n_documents",
    "n_units",
    "n_coders",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "coder_a",
    "coder_b",
    "both",
    "only_a",
    "only_b",
    "neither",
    "level",
    "coders",
    "documents",
]
#: Columns that only make sense for exactly two coders.
TWO_CODER_COLUMNS = ["cohen_kappa", "coder_a", "coder_b", "both", "only_a", "only_b", "neither"]
PAIRWISE_COLUMNS = [
    "coder_a",
    "coder_b",
    "unit",
    "n_documents",
    "n_units",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
]
DISAGREEMENT_COLUMNS = [
    "document_id",
    "start",
    "end",
    "text",
    "code_id",
    "applied_by",
    "not_applied_by",
]
OVERALL = "overall"
_NEEDS_TWO = "agreement needs two coders who coded the same documents"


# -- statistics on coders × units tables -----------------------------------------------------------
def krippendorff_alpha(reliability_data, level: str = "nominal") -> float:
    """Krippendorff's alpha for a coders × units table with missing values.

    Parameters
    ----------
    reliability_data : array-like of shape (n_coders, n_units)
        The value each coder gave each unit; None or NaN where a coder did not code a unit.
    level : {"nominal", "ordinal", "interval", "ratio"}
        The level of measurement, which sets how far apart two different values are.

    Returns
    -------
    float
        1 is perfect agreement, 0 is what chance alone would give; NaN when there is no
        variation to agree on (every pairable value is the same).

    Examples
    --------
    Krippendorff's (2011) worked example, 4 coders × 12 units:

    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> [round(krippendorff_alpha(data, level), 3) for level in LEVELS]
    [0.743, 0.815, 0.849, 0.797]
    """
    _check_level(level)
    values, counts = _value_counts(_cells(reliability_data))
    return _alpha_from_counts(counts, np.ones(len(counts)), values, level)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def _cells(reliability_data) -> np.ndarray:
    """The coders × units table as a 2-D array (object unless it came as a numeric array)."""
    if isinstance(reliability_data, np.ndarray) and reliability_data.ndim == 2:
        return reliability_data
    if isinstance(reliability_data, list | tuple):
        cells = np.array(reliability_data, dtype=object)
        if cells.ndim == 2:
            return cells
    # Rows of different lengths and other iterables: pandas pads the short rows with NaN.
    return pd.DataFrame(list(reliability_data), dtype=object).to_numpy(dtype=object)


def _value_counts(cells: np.ndarray) -> tuple[list, np.ndarray]:
    """Values seen in the table, and how many coders gave each to each unit (units × values)."""
    n_units = cells.shape[1]
    if cells.dtype.kind in "biuf":
        present = ~np.isnan(cells) if cells.dtype.kind == "f" else np.ones(cells.shape, bool)
        unique, value_of = np.unique(cells[present], return_inverse=True)
        values = unique.tolist()
    else:
        cells = cells.astype(object, copy=False)
        present = ~pd.isna(cells)
        given = cells[present].tolist()
        values = sorted(set(given))
        index = {value: position for position, value in enumerate(values)}
        value_of = np.fromiter((index[value] for value in given), dtype=np.int64, count=len(given))
    unit_of = np.broadcast_to(np.arange(n_units), cells.shape)[present]
    flat = np.bincount(
        unit_of * len(values) + value_of.reshape(-1), minlength=n_units * len(values)
    )
    return values, flat.reshape(n_units, len(values)).astype(float)


def _alpha_from_counts(
    counts: np.ndarray, weights: np.ndarray, values: Sequence, level: str
) -> float:
    """Alpha from units × values counts, each unit counted ``weight`` times.

    A weight of 3 on a unit gives the same alpha as three copies of it: the character-weighted
    agreement of :func:`coder_agreement` is alpha over characters without building them.
    """
    per_unit = counts.sum(axis=1)
    pairable = per_unit >= 2
    counts, weights, per_unit = counts[pairable], weights[pairable], per_unit[pairable]
    # Krippendorff's o_ck: each unit adds n_uc * n_uk (less n_uc on the diagonal) / (m_u - 1).
    scaled = counts * (weights / (per_unit - 1))[:, None]
    coincidences = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    marginals = coincidences.sum(axis=1)
    seen = marginals > 0
    if not seen.any():
        return float("nan")
    coincidences, marginals = coincidences[np.ix_(seen, seen)], marginals[seen]
    values = [value for value, kept in zip(values, seen, strict=True) if kept]
    total = marginals.sum()
    distances = _distances(values, marginals, level)
    observed = (coincidences * distances).sum() / total
    expected = (np.outer(marginals, marginals) * distances).sum() / (total * (total - 1))
    return float("nan") if expected == 0 else float(1 - observed / expected)


def _distances(values: list, marginals: np.ndarray, level: str) -> np.ndarray:
    """Squared distance between every two values (Krippendorff's delta squared)."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    numbers = np.asarray(values, dtype=float)
    if level == "interval":
        return np.subtract.outer(numbers, numbers) ** 2
    if level == "ratio":
        sums = np.add.outer(numbers, numbers)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(sums == 0, 0.0, np.subtract.outer(numbers, numbers) / sums)
        return ratio**2
    # Ordinal: the marginals from one value up to the other, less half of the two ends.
    cumulative = np.cumsum(marginals)
    positions = np.arange(len(values))
    lower = np.minimum.outer(positions, positions)
    spans = np.abs(np.subtract.outer(cumulative, cumulative)) + marginals[lower]
    return (spans - np.add.outer(marginals, marginals) / 2) ** 2


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa between two coders over the units both coded.

    Parameters
    ----------
    a, b : sequence
        Each coder's value per unit, in the same unit order; None or NaN where missing.

    Returns
    -------
    float
        1 is perfect agreement, 0 is chance; NaN when chance agreement is already perfect.

    Examples
    --------
    >>> cohen_kappa(["yes", "yes", "no", "no"], ["yes", "no", "no", "no"])
    0.5
    """
    pairs = _paired(a, b)
    if pairs.empty:
        return float("nan")
    observed = float((pairs["a"] == pairs["b"]).mean())
    share_a = pairs["a"].value_counts(normalize=True)
    share_b = pairs["b"].value_counts(normalize=True)
    expected = float((share_a * share_b.reindex(share_a.index, fill_value=0)).sum())
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)


def percent_agreement(a: Sequence, b: Sequence) -> float:
    """Share of the units both coders coded on which they gave the same value.

    Parameters
    ----------
    a, b : sequence
        Each coder's value per unit, in the same unit order; None or NaN where missing.

    Returns
    -------
    float
        A proportion from 0 to 1 (multiply by 100 for a percentage); NaN when no unit was
        coded by both. It does not correct for chance: prefer kappa or alpha when one value
        (such as "code absent") is much more common than the others.

    Examples
    --------
    >>> percent_agreement(["yes", "yes", "no", "no"], ["yes", "no", "no", None])
    0.6666666666666666
    """
    pairs = _paired(a, b)
    if pairs.empty:
        return float("nan")
    return float((pairs["a"] == pairs["b"]).mean())


def _paired(a: Sequence, b: Sequence) -> pd.DataFrame:
    """The units both coders coded, as columns ``a`` and ``b``."""
    if len(a) != len(b):
        raise ValueError("both coders need one value per unit (the sequences differ in length)")
    return pd.DataFrame({"a": list(a), "b": list(b)}, dtype=object).dropna()


# -- agreement on a study --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Units:
    """A study's coded text cut into units, with which coder applied which code to each.

    ``presence[c, k, u]`` is True when coder ``k`` applied code ``c`` to unit ``u``.
    """

    coders: list[str]
    codes: list[str]
    documents: list[str]
    presence: np.ndarray
    document_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    text: np.ndarray

    @property
    def length(self) -> np.ndarray:
        return self.end - self.start


def coder_agreement(
    study: Study,
    *,
    coders: Iterable[str] | None = None,
    unit: str = "excerpt",
    documents: Iterable[str] | None = None,
    level: str = "nominal",
) -> pd.DataFrame:
    """Agreement between coders on a study, per code and overall.

    **Which text counts.** Only documents that every compared coder coded (applied at least
    one code to) count: a coder who coded a document is taken to have read all of it, so a
    code they did not apply there is a deliberate "absent". In those documents the start and
    end of every compared coder's codings cut the text into elementary segments (the stretches
    between two consecutive boundaries); the **units** are the segments that at least one
    compared coder coded with any code, leaving out segments that are only whitespace. Text
    nobody coded is not a unit, so adding uncoded text (or uncoded notes) changes nothing.
    When coders code the same excerpts (say, whole paragraphs), the units are exactly those
    excerpts; when they select freely, a sliver where two selections' ends differ by a few
    characters is a unit of its own, which ``unit="character"`` weighs by its length.

    **Per code**, each coder's value on each unit is 1 when one of their codings with that code
    covers the unit and 0 otherwise (no missing values). ``unit="excerpt"`` counts every unit
    once; ``unit="character"`` counts each unit once per character (so a long passage weighs
    more than a short one; every statistic is then exactly what it would be on one unit per
    character).

    **Overall** pools every (unit, code) pair into one table of presence/absence values and
    computes the same statistics on it (one alpha over all pairs, not an average of the
    per-code alphas). Codes no compared coder used in the counted documents are left out, so
    a large codebook does not fill the pool with agreed absences. Percent agreement still
    rises with the number of codes (most pairs are "neither"); kappa and alpha correct for
    that.

    Codings are compared as they were stored; if notes changed after coding, review
    :func:`~research_kit.interviews.stale_codings` first.

    Parameters
    ----------
    study : Study
    coders : iterable of str, optional
        The coders to compare (a suggester's name is a coder like any other). Default: every
        coder with codings, in alphabetical order. With two, ``a`` is the first and ``b`` the
        second.
    unit : {"excerpt", "character"}
        Count each unit once, or once per character.
    documents : iterable of str, optional
        Only these documents (each must have been coded by every compared coder).
    level : {"nominal", "ordinal", "interval", "ratio"}
        Passed to Krippendorff's alpha; for presence/absence values every level gives the same
        alpha.

    Returns
    -------
    pandas.DataFrame
        One row per code (codebook order), then a row ``code_id == "overall"``. Columns:
        ``code_id``; ``unit`` (``excerpt`` or ``character``); ``n_documents``; ``n_units`` (the
        units, or characters, the row's statistics are computed over; for ``overall``, unit ×
        code pairs); ``n_coders``; ``percent_agreement`` (a proportion, 0–1; with more than two
        coders the share of agreeing coder pairs); ``krippendorff_alpha``. With exactly two
        coders also ``cohen_kappa``, ``coder_a``, ``coder_b`` and the counts ``both``,
        ``only_a``, ``only_b``, ``neither`` (which add up to ``n_units``). Kappa and alpha are
        NaN when there is no variation (for instance both coders applied the code everywhere).
        Every row also says what it was computed on: ``level`` (the measurement level passed to
        alpha), ``coders`` (a tuple of the compared coders' names, in the order compared) and
        ``documents`` (a tuple of the ids of the documents counted).

    Raises
    ------
    CodingError
        Fewer than two coders, a coder without codings, no document coded by all of them, or
        an unknown ``unit``/``level``.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_codes
    >>> study = open_study(folder)
    >>> doc = "P01_business-owner"
    >>> _ = apply_codes(study, pd.DataFrame({
    ...     "document_id": doc, "start": [0, 100, 0, 100], "end": [100, 200, 100, 150],
    ...     "code_id": "cost_of_delay", "coder": ["A", "A", "B", "B"]}))
    >>> table = coder_agreement(study)
    >>> table[["code_id", "n_units", "percent_agreement", "both", "only_a"]].values.tolist()
    [['cost_of_delay', 3, 0.6666666666666666, 2, 1], ['overall', 3, 0.6666666666666666, 2, 1]]
    >>> coder_agreement(study, unit="character")["percent_agreement"].tolist()
    [0.75, 0.75]
    >>> table.loc[0, ["level", "coders", "documents"]].tolist()
    ['nominal', ('A', 'B'), ('P01_business-owner',)]
    >>> study.close()
    """
    _check_choice("unit", unit, UNITS)
    _check_choice("level", level, LEVELS)
    units = _build_units(study, coders, documents)
    weights = units.length.astype(float) if unit == "character" else np.ones(len(units.start))
    rows = [
        _statistics(units.presence[position], weights, level) | {"code_id": code}
        for position, code in enumerate(units.codes)
    ]
    pooled = units.presence.transpose(1, 0, 2).reshape(len(units.coders), -1)
    rows.append(_statistics(pooled, np.tile(weights, len(units.codes)), level))
    rows[-1]["code_id"] = OVERALL
    table = pd.DataFrame(rows)
    table["unit"] = unit
    table["n_documents"] = len(units.documents)
    table["n_coders"] = len(units.coders)
    table["level"] = level
    # The same tuple in every row: the row says which coders and documents it compares, and a
    # column survives the copies and assignments that drop ``DataFrame.attrs``.
    table["coders"] = [tuple(units.coders)] * len(table)
    table["documents"] = [tuple(units.documents)] * len(table)
    columns = list(AGREEMENT_COLUMNS)
    if len(units.coders) == 2:
        table["coder_a"], table["coder_b"] = units.coders
    else:
        columns = [column for column in columns if column not in TWO_CODER_COLUMNS]
    return table[columns]


def pairwise_agreement(
    study: Study,
    *,
    coders: Iterable[str] | None = None,
    unit: str = "excerpt",
    documents: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Overall agreement of every pair of coders: Cohen's kappa needs exactly two.

    With three or more coders, :func:`coder_agreement` gives Krippendorff's alpha over all of
    them (on the documents every one coded); this gives each pair's overall row of
    :func:`coder_agreement`, computed on the documents *that pair* coded, so a pair that shares
    notes the others did not code still gets its kappa.

    Parameters
    ----------
    study : Study
    coders : iterable of str, optional
        The coders to pair (default: every coder with codings, alphabetically).
    unit : {"excerpt", "character"}
        As for :func:`coder_agreement`.
    documents : iterable of str, optional
        Only these documents; each pair uses those of them it coded.

    Returns
    -------
    pandas.DataFrame
        One row per pair (``coder_a`` before ``coder_b`` in the order of ``coders``):
        ``coder_a``, ``coder_b``, ``unit``, ``n_documents`` (0 when the pair coded no
        document in common, with the statistics NaN), ``n_units``, ``percent_agreement``,
        ``cohen_kappa`` and ``krippendorff_alpha``.

    Raises
    ------
    CodingError
        Fewer than two coders, or a coder without codings.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_codes
    >>> study = open_study(folder)
    >>> _ = apply_codes(study, pd.DataFrame({
    ...     "document_id": "P01_business-owner", "start": [0, 100, 0, 100, 0],
    ...     "end": [100, 200, 100, 150, 100], "code_id": "cost_of_delay",
    ...     "coder": ["A", "A", "B", "B", "C"]}))
    >>> pairwise_agreement(study)[["coder_a", "coder_b", "n_units"]].values.tolist()
    [['A', 'B', 3], ['A', 'C', 2], ['B', 'C', 2]]
    >>> study.close()
    """
    from research_kit.interviews.coding import codings

    _check_choice("unit", unit, UNITS)
    names = _compared_coders(codings(study), coders)
    wanted = None if documents is None else set(documents)
    rows = []
    for position, coder_a in enumerate(names):
        for coder_b in names[position + 1 :]:
            rows.append(_pair_row(study, coder_a, coder_b, unit, wanted))
    return pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)


def _pair_row(study: Study, coder_a: str, coder_b: str, unit: str, wanted: set[str] | None) -> dict:
    """One pair's overall agreement on the (wanted) documents both coded."""
    from research_kit.interviews.coding import codings

    table = codings(study)
    table = table[table["coder"].isin([coder_a, coder_b])]
    by_both = table.groupby("document_id")["coder"].nunique()
    shared = sorted(by_both.index[by_both == 2])
    if wanted is not None:
        shared = [document for document in shared if document in wanted]
    row = {"coder_a": coder_a, "coder_b": coder_b, "unit": unit, "n_documents": 0, "n_units": 0}
    if not shared:
        nothing = float("nan")
        return row | dict.fromkeys(PAIRWISE_COLUMNS[5:], nothing)
    overall = coder_agreement(study, coders=[coder_a, coder_b], unit=unit, documents=shared).iloc[
        -1
    ]
    return row | {column: overall[column] for column in PAIRWISE_COLUMNS[3:]}


def disagreements(
    study: Study,
    *,
    coders: Iterable[str] | None = None,
    unit: str = "excerpt",
    documents: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every passage where coders differ on a code, for the reconciliation meeting.

    Uses the same units as :func:`coder_agreement`. With ``unit="excerpt"`` there is one row per
    unit × code on which the coders differ (for two coders, as many rows as ``only_a + only_b``
    in :func:`coder_agreement`). With ``unit="character"`` neighbouring units with the same
    disagreement (same code, same coders on each side) are joined into one row, so each row is a
    maximal stretch of text, and the rows' lengths add up to ``only_a + only_b`` characters.

    Parameters
    ----------
    study : Study
    coders : iterable of str, optional
        The coders to compare (default: every coder with codings).
    unit : {"excerpt", "character"}
        One row per unit, or per stretch of differing text.
    documents : iterable of str, optional
        Only these documents (each must have been coded by every compared coder).

    Returns
    -------
    pandas.DataFrame
        Columns ``document_id``, ``start``, ``end`` (code points, end exclusive), ``text`` (as
        it was coded), ``code_id``, ``applied_by`` and ``not_applied_by`` (coder names joined
        by ", "), sorted by document, position and code (codebook order).

    Raises
    ------
    CodingError
        As for :func:`coder_agreement`.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_codes
    >>> study = open_study(folder)
    >>> _ = apply_codes(study, pd.DataFrame({
    ...     "document_id": "P01_business-owner", "start": [0, 0], "end": [100, 50],
    ...     "code_id": "cost_of_delay", "coder": ["A", "B"]}))
    >>> disagreements(study)[["start", "end", "code_id", "applied_by", "not_applied_by"]]
       start  end        code_id applied_by not_applied_by
    0     50  100  cost_of_delay          A              B
    >>> study.close()
    """
    _check_choice("unit", unit, UNITS)
    units = _build_units(study, coders, documents)
    frames = [
        _differing(units, position, merge=unit == "character")
        for position in range(len(units.codes))
    ]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(["document_id", "start", "end", "_code_position"], kind="stable")
    return table[DISAGREEMENT_COLUMNS].reset_index(drop=True)


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise CodingError(
            f"{name} must be one of {', '.join(choices)}, not {value!r}",
            hint=f"pass {name}={choices[0]!r}",
        )


def _statistics(presence: np.ndarray, weights: np.ndarray, level: str) -> dict:
    """Percent agreement, alpha (and kappa and counts for two coders) on coders × units 0/1."""
    n_coders = presence.shape[0]
    applied = presence.sum(axis=0)
    # Agreeing coder pairs on each unit: pairs who both applied it plus pairs who both did not.
    agreeing = applied * (applied - 1) / 2 + (n_coders - applied) * (n_coders - applied - 1) / 2
    share = agreeing / (n_coders * (n_coders - 1) / 2)
    total = weights.sum()
    counts = np.column_stack([n_coders - applied, applied]).astype(float)
    row = {
        "n_units": int(total),
        "percent_agreement": float((share * weights).sum() / total) if total else float("nan"),
        "krippendorff_alpha": _alpha_from_counts(counts, weights, [0, 1], level),
    }
    if n_coders == 2:
        a, b = presence
        cells = {
            "both": weights[a & b].sum(),
            "only_a": weights[a & ~b].sum(),
            "only_b": weights[~a & b].sum(),
            "neither": weights[~a & ~b].sum(),
        }
        row |= {name: int(value) for name, value in cells.items()}
        row["cohen_kappa"] = _binary_kappa(**cells)
    return row


def _binary_kappa(both: float, only_a: float, only_b: float, neither: float) -> float:
    """Cohen's kappa from a 2 × 2 table (the same value :func:`cohen_kappa` gives)."""
    total = both + only_a + only_b + neither
    if total == 0:
        return float("nan")
    observed = (both + neither) / total
    expected = ((both + only_a) * (both + only_b) + (neither + only_b) * (neither + only_a)) / (
        total * total
    )
    return float("nan") if expected == 1 else float((observed - expected) / (1 - expected))


def _build_units(
    study: Study, coders: Iterable[str] | None, documents: Iterable[str] | None
) -> _Units:
    """Cut the documents every compared coder coded into units, with who applied what."""
    from research_kit.interviews.coding import codings

    table = codings(study)
    names = _compared_coders(table, coders)
    table = table[table["coder"].isin(names)]
    counted = _counted_documents(table, names, documents)
    table = table[table["document_id"].isin(counted)]
    codes = _code_order(study, set(table["code_id"]))
    code_index = {code: position for position, code in enumerate(codes)}
    coder_index = {name: position for position, name in enumerate(names)}
    parts = [
        _document_units(rows, code_index, coder_index, str(document_id))
        for document_id, rows in table.groupby("document_id", sort=True)
    ]
    return _Units(
        coders=names,
        codes=codes,
        documents=counted,
        presence=np.concatenate([part["presence"] for part in parts], axis=2),
        document_id=np.concatenate([part["document_id"] for part in parts]),
        start=np.concatenate([part["start"] for part in parts]),
        end=np.concatenate([part["end"] for part in parts]),
        text=np.concatenate([part["text"] for part in parts]),
    )


def _compared_coders(table: pd.DataFrame, coders: Iterable[str] | None) -> list[str]:
    known = sorted(table["coder"].unique().tolist())
    names = known if coders is None else list(dict.fromkeys(str(name) for name in coders))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise CodingError(
            f"{_NEEDS_TWO}, but {', '.join(map(repr, unknown))} has no codings",
            hint=f"coders with codings: {', '.join(known) or 'none yet'}",
        )
    if len(names) < 2:
        raise CodingError(
            f"{_NEEDS_TWO}; only {len(names)} coder{'s' if len(names) != 1 else ''} to compare"
            + (f" ({names[0]})" if names else ""),
            hint="have a second coder code some of the same notes (or pass coders=[...] "
            f"with two names); coders with codings: {', '.join(known) or 'none yet'}",
        )
    return names


def _counted_documents(
    table: pd.DataFrame, names: list[str], documents: Iterable[str] | None
) -> list[str]:
    coders_per_document = table.groupby("document_id")["coder"].nunique()
    shared = sorted(coders_per_document.index[coders_per_document == len(names)].tolist())
    if documents is not None:
        wanted = list(dict.fromkeys(documents))
        missing = [document for document in wanted if document not in shared]
        if missing:
            raise CodingError(
                f"{_NEEDS_TWO}: {', '.join(missing)} "
                f"{'was' if len(missing) == 1 else 'were'} not coded by all of {', '.join(names)}",
                hint=f"documents coded by all of them: {', '.join(shared) or 'none'}",
            )
        shared = sorted(wanted)
    if not shared:
        raise CodingError(
            f"{_NEEDS_TWO}: no document has codings from all of {', '.join(names)}",
            hint="have each coder code the same notes (at least one code in each), "
            "or compare other coders",
        )
    return shared


def _code_order(study: Study, used: set[str]) -> list[str]:
    """The used codes in codebook order (codes no longer in the codebook last, by id)."""
    in_book = [code for code in study.codebook().codes if code in used]
    return in_book + sorted(used - set(in_book))


def _document_units(
    rows: pd.DataFrame, code_index: dict, coder_index: dict, document_id: str
) -> dict:
    """Units of one document: the coded segments between consecutive coding boundaries."""
    starts = rows["start"].to_numpy(dtype=np.int64)
    ends = rows["end"].to_numpy(dtype=np.int64)
    boundaries = np.unique(np.concatenate([starts, ends]))
    first = np.searchsorted(boundaries, starts)
    stop = np.searchsorted(boundaries, ends)
    code = rows["code_id"].map(code_index).to_numpy(dtype=np.int64)
    coder = rows["coder"].map(coder_index).to_numpy(dtype=np.int64)
    n_segments = len(boundaries) - 1
    # Each coding adds 1 where it starts and takes 1 off where it stops; the running sum is
    # how many of that coder's codings with that code cover the segment.
    steps = np.zeros((len(code_index), len(coder_index), n_segments + 1), dtype=np.int64)
    np.add.at(steps, (code, coder, first), 1)
    np.add.at(steps, (code, coder, stop), -1)
    presence = np.cumsum(steps, axis=2)[:, :, :n_segments] > 0
    coded = presence.any(axis=(0, 1))
    # The segment's text, from (any) excerpt covering it, as it was when coded.
    owner = np.full(n_segments, -1)
    for position, (low, high) in enumerate(zip(first, stop, strict=True)):
        owner[low:high] = position
    excerpt_texts = rows["text"].tolist()
    seg_start, seg_end = boundaries[:-1][coded], boundaries[1:][coded]
    texts = np.array(
        [
            excerpt_texts[index][low - starts[index] : high - starts[index]]
            for index, low, high in zip(owner[coded], seg_start, seg_end, strict=True)
        ],
        dtype=object,
    )
    # A sliver of whitespace (the blank line between two paragraphs one coder coded as one
    # span and another coded apart) carries no meaning, so it is no unit.
    meaningful = np.array([bool(text.strip()) for text in texts], dtype=bool)
    return {
        "presence": presence[:, :, coded][:, :, meaningful],
        "document_id": np.full(int(meaningful.sum()), document_id, dtype=object),
        "start": seg_start[meaningful],
        "end": seg_end[meaningful],
        "text": texts[meaningful],
    }


def _differing(units: _Units, position: int, *, merge: bool) -> pd.DataFrame:
    """Rows of :func:`disagreements` for one code."""
    presence = units.presence[position]
    applied = presence.sum(axis=0)
    differ = np.flatnonzero((applied > 0) & (applied < len(units.coders)))
    first, last = differ, differ
    if merge and len(differ):
        # A unit continues the stretch before it when it follows it directly in the text and
        # the same coders applied the code.
        before, after = differ[:-1], differ[1:]
        continues = (
            (after == before + 1)
            & (units.document_id[after] == units.document_id[before])
            & (units.start[after] == units.end[before])
            & (presence[:, after] == presence[:, before]).all(axis=0)
        )
        first = differ[np.r_[True, ~continues]]
        last = differ[np.r_[~continues, True]]
    return pd.DataFrame(
        {
            "document_id": units.document_id[first],
            "start": units.start[first],
            "end": units.end[last],
            "text": ["".join(units.text[a : b + 1]) for a, b in zip(first, last, strict=True)],
            "code_id": units.codes[position],
            "applied_by": [_names(units.coders, presence[:, a]) for a in first],
            "not_applied_by": [_names(units.coders, ~presence[:, a]) for a in first],
            "_code_position": position,
        }
    )


def _names(coders: list[str], mask: np.ndarray) -> str:
    return ", ".join(name for name, chosen in zip(coders, mask, strict=True) if chosen)


#: Deprecated name of :func:`coder_agreement`, kept for one release.
agreement = deprecated_alias(coder_agreement, "agreement")

"""Inter-coder agreement on a study: percent agreement, Cohen's kappa and Krippendorff's alpha.

Agreement says whether a codebook is applied the same way by different people (or by a model
and a person). The statistics themselves, on any coders × units table, are in
:mod:`.reliability` (:func:`krippendorff_alpha`, :func:`cohen_kappa`, :func:`percent_agreement`,
importable from here as before).

:func:`coder_agreement` applies them to a study's codings, per code and overall, and
:func:`disagreements` lists the passages where coders differ, for the reconciliation meeting.
Both cut the coded text into the same units (see :func:`coder_agreement`): only passages that some
compared coder coded count, so long stretches of uncoded text cannot inflate agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from research_kit.deprecation import deprecated_alias
from research_kit.errors import CodingError
from research_kit.interviews._agreement_units import Units, build_units, compared_coders
from research_kit.interviews.reliability import (
    LEVELS,
    alpha_from_counts,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "AGREEMENT_COLUMNS",
    "DISAGREEMENT_COLUMNS",
    "LEVELS",
    "OVERALL",
    "PAIRWISE_COLUMNS",
    "TWO_CODER_COLUMNS",
    "UNITS",
    "coder_agreement",
    "cohen_kappa",
    "disagreements",
    "krippendorff_alpha",
    "pairwise_agreement",
    "percent_agreement",
]

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


# -- agreement on a study --------------------------------------------------------------------------


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
    units = build_units(study, coders, documents)
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
    names = compared_coders(codings(study), coders)
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
    units = build_units(study, coders, documents)
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
        "krippendorff_alpha": alpha_from_counts(counts, weights, [0, 1], level),
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


def _differing(units: Units, position: int, *, merge: bool) -> pd.DataFrame:
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

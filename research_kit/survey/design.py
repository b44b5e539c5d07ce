"""The survey design: how respondents were sampled and weighted, checked against their frame.

A :class:`SurveyDesign` names the columns that describe the sample (final weights, the raking
variables, start weights, clusters, strata, finite population correction).
:func:`design_arrays` checks those columns against a frame of respondents and turns them into
the arrays every variance method works on (:class:`DesignArrays`): positive weights, the
calibration matrix of the raking variables, the primary sampling unit (PSU) of each respondent,
the stratum of each PSU and the sampling fraction of each stratum. Errors name the column, the
first bad row and what to do.

A cluster label is only unique within its stratum (R's ``nest = TRUE``); every respondent is
their own PSU without ``cluster``, and the sample is one stratum without ``strata``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research_kit.errors import SurveyError

__all__ = ["DesignArrays", "SurveyDesign", "columns_hint", "design_arrays", "design_column"]


@dataclass(frozen=True)
class SurveyDesign:
    """How the respondents were sampled and weighted: the names of the columns that say so.

    Parameters
    ----------
    weights : str
        Final weights (e.g. from :func:`~research_kit.survey.weighting.rake`).
    calibrated_on : sequence of str
        The respondent columns the weights were raked on (needed by the ``"calibrated"``
        variance and to re-rake replicates).
    start_weights : str, optional
        Weights before raking (design weights); 1 for everyone by default.
    cluster : str, optional
        Primary sampling unit of a cluster sample (a district, a block); every respondent is
        their own by default.
    strata : str, optional
        Stratum of the PSU; one stratum by default.
    fpc : str, optional
        Finite population correction, constant within a stratum: the number of PSUs in the
        stratum's population (a value above 1) or the sampling fraction (at most 1), as in R
        ``svydesign(fpc=)``.

    Examples
    --------
    >>> SurveyDesign("weight", calibrated_on=["ward", "age_band"]).calibrated_on
    ('ward', 'age_band')
    """

    weights: str
    calibrated_on: Sequence[str] = field(default=())
    start_weights: str | None = None
    cluster: str | None = None
    strata: str | None = None
    fpc: str | None = None

    def __post_init__(self) -> None:
        names = (self.calibrated_on,) if isinstance(self.calibrated_on, str) else self.calibrated_on
        object.__setattr__(self, "calibrated_on", tuple(names))


@dataclass(frozen=True)
class DesignArrays:
    """A design checked against a frame: what the variance methods compute with.

    Made by :func:`design_arrays`; arrays over respondents have one entry per row of the frame.

    Attributes
    ----------
    weights : ndarray
        Final weight of each respondent.
    start : ndarray
        Start (design) weight of each respondent; 1 without ``start_weights``.
    calibration : ndarray or None
        An intercept column and the category dummies of every raking variable (respondents x
        columns); None when the design names no raking variable.
    psu : ndarray
        PSU code of each respondent, ``0 .. n_psu - 1``.
    stratum_of_psu : ndarray
        Stratum code of each PSU, ``0 .. n_strata - 1``.
    fraction : ndarray
        Sampling fraction of each stratum (0 without ``fpc``).
    df : int
        Degrees of freedom of the design: PSUs minus strata.
    """

    weights: np.ndarray
    start: np.ndarray
    calibration: np.ndarray | None
    psu: np.ndarray
    stratum_of_psu: np.ndarray
    fraction: np.ndarray
    df: int


def design_arrays(frame: pd.DataFrame, design: SurveyDesign, *, variance: str) -> DesignArrays:
    """The design's columns as arrays, checked; errors name the column and what to do.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent: the whole sample.
    design : SurveyDesign
        The columns of weights, raking variables, clusters, strata and fpc.
    variance : str
        The variance method the arrays are for: ``"calibrated"`` needs raking variables.

    Returns
    -------
    DesignArrays

    Raises
    ------
    SurveyError
        Fewer than two respondents, a column is missing, a weight or fpc is not positive,
        ``variance="calibrated"`` without raking variables, a stratum or cluster is missing, a
        stratum has one PSU, or the fpc is not constant within a stratum.

    Examples
    --------
    Two strata of two clusters each, a fifth of each stratum's clusters sampled:

    >>> people = pd.DataFrame(
    ...     {"w": [2.0, 2, 4, 4, 4], "school": [1, 2, 1, 2, 2], "area": ["n", "n", "s", "s", "s"],
    ...      "fpc": [10, 10, 10, 10, 10]}
    ... )
    >>> arrays = design_arrays(
    ...     people, SurveyDesign("w", cluster="school", strata="area", fpc="fpc"),
    ...     variance="fixed weights",
    ... )
    >>> arrays.psu.tolist(), arrays.stratum_of_psu.tolist(), arrays.fraction.tolist(), arrays.df
    ([0, 1, 2, 3, 3], [0, 0, 1, 1], [0.2, 0.2], 2)
    """
    if len(frame) < 2:
        raise SurveyError("a standard error needs at least two respondents")
    weights = _positive(frame, design.weights, "weights")
    start = np.ones(len(frame)) if design.start_weights is None else None
    if start is None:
        start = _positive(frame, design.start_weights, "start weights")
    if variance == "calibrated" and not design.calibrated_on:
        raise SurveyError(
            "the calibrated variance needs the raking variables",
            hint="name them in SurveyDesign(calibrated_on=[...]), or pass "
            "variance='fixed weights' if the weights were not raked",
        )
    calibration = _calibration_matrix(frame, design.calibrated_on)
    psu, stratum_of_psu, strata_names = _sampling_units(frame, design)
    fraction = _sampling_fractions(frame, design, psu, stratum_of_psu, strata_names)
    return DesignArrays(
        weights=weights,
        start=start,
        calibration=calibration,
        psu=psu,
        stratum_of_psu=stratum_of_psu,
        fraction=fraction,
        df=int(len(stratum_of_psu) - len(strata_names)),
    )


def columns_hint(frame: pd.DataFrame) -> str:
    """What to tell someone who named a column the frame lacks: the columns it has.

    Parameters
    ----------
    frame : DataFrame
        The respondents' frame.

    Returns
    -------
    str
        The first twelve column names, with an ellipsis when there are more.

    Examples
    --------
    >>> columns_hint(pd.DataFrame(columns=["ward", "weight"]))
    "the frame has the columns ['ward', 'weight']"
    """
    shown = [str(column) for column in frame.columns[:12]]
    return f"the frame has the columns {shown}" + (" …" if len(frame.columns) > 12 else "")


def design_column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    """The column ``name`` of ``frame``, or an error saying which role it was named for.

    Parameters
    ----------
    frame : DataFrame
        The respondents' frame.
    name : str
        The column.
    role : str
        What the column is for ("weights", "clusters", "outcome" …), for the error message.

    Returns
    -------
    Series

    Raises
    ------
    SurveyError
        The frame has no such column; the hint lists the columns it has.

    Examples
    --------
    >>> design_column(pd.DataFrame({"w": [1.0, 2.0]}), "w", "weights").tolist()
    [1.0, 2.0]
    """
    if name not in frame.columns:
        raise SurveyError(f"no column {name!r} for the {role}", hint=columns_hint(frame))
    return frame[name]


def _positive(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    values = pd.to_numeric(design_column(frame, name, role), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) | (values <= 0)
    if bad.any():
        first = frame.index[bad][0]
        raise SurveyError(
            f"the {role} column {name!r} has {int(bad.sum())} missing or non-positive "
            f"value(s) (first: row {first!r})",
            hint="give every respondent a positive weight, or drop those respondents",
        )
    return values


def _calibration_matrix(frame: pd.DataFrame, variables: Sequence[str]) -> np.ndarray | None:
    """An intercept and the category dummies of every raking variable (None without any).

    The intercept keeps the population total in the regression also when a raking variable
    is missing for some respondents (raked with ``missing="skip"``).
    """
    if not variables:
        return None
    blocks = [np.ones((len(frame), 1))]
    for variable in variables:
        column = design_column(frame, variable, "raking variable").astype("string")
        blocks.append(pd.get_dummies(column, dtype=float).to_numpy())
    return np.hstack(blocks)


def _sampling_units(
    frame: pd.DataFrame, design: SurveyDesign
) -> tuple[np.ndarray, np.ndarray, list]:
    """PSU code of each respondent, stratum code of each PSU, and the strata's names."""
    if design.strata is None:
        strata = pd.Series(0, index=frame.index)
    else:
        strata = design_column(frame, design.strata, "strata")
    if design.cluster is None:
        cluster = pd.Series(np.arange(len(frame)), index=frame.index)
    else:
        cluster = design_column(frame, design.cluster, "clusters")
    for name, column in ((design.strata, strata), (design.cluster, cluster)):
        if column.isna().any():
            first = frame.index[column.isna().to_numpy()][0]
            raise SurveyError(
                f"the design column {name!r} is missing for row {first!r}",
                hint="every respondent needs a stratum and a cluster",
            )
    # A cluster label is only unique within its stratum (R's nest=TRUE).
    units = pd.MultiIndex.from_arrays([strata.to_numpy(), cluster.to_numpy()])
    psu, unique_units = pd.factorize(units)
    stratum_codes, strata_names = pd.factorize(unique_units.get_level_values(0))
    counts = np.bincount(stratum_codes)
    if (counts < 2).any():
        lonely = strata_names[int(np.argmax(counts < 2))]
        raise SurveyError(
            f"stratum {lonely!r} has a single primary sampling unit: its variance cannot be "
            "estimated",
            hint="collapse it with a similar stratum",
        )
    return psu, stratum_codes, list(strata_names)


def _sampling_fractions(
    frame: pd.DataFrame,
    design: SurveyDesign,
    psu: np.ndarray,
    stratum_of_psu: np.ndarray,
    strata_names: list,
) -> np.ndarray:
    """Sampling fraction of each stratum: n_h / N_h from a population count, or as given."""
    sampled = np.bincount(stratum_of_psu).astype(float)
    if design.fpc is None:
        return np.zeros(len(sampled))
    fpc = _positive(frame, design.fpc, "finite population correction")
    stratum = stratum_of_psu[psu]
    fraction = np.empty(len(sampled))
    for code, name in enumerate(strata_names):
        values = np.unique(fpc[stratum == code])
        if len(values) > 1:
            raise SurveyError(
                f"the fpc column {design.fpc!r} takes several values in stratum {name!r}: "
                f"{values[:3].tolist()}",
                hint="give one population size (or sampling fraction) per stratum",
            )
        value = values[0]
        fraction[code] = value if value <= 1 else sampled[code] / value
        if fraction[code] > 1:
            raise SurveyError(
                f"stratum {name!r} samples {int(sampled[code])} PSUs of a population of {value:g}",
                hint="fpc is the number of PSUs in the stratum's population",
            )
    return fraction

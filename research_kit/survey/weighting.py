"""Survey weights: raking to population margins (iterative proportional fitting), with trimming.

:func:`rake` adjusts respondent weights by iterative proportional fitting until the weighted
counts of every raking variable match known population totals (for example census tables of
ward, age band and race/ethnicity given as a small tidy CSV), optionally trimming extreme
weights; :func:`rake_result` also says how the raking went and whether the trim bounds hold.
:func:`design_effect` and :func:`weighted_share` (estimates with the weights taken as fixed)
live in :mod:`research_kit.survey.fixed_weights` and are offered here too.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from research_kit.errors import SurveyError
from research_kit.survey.fixed_weights import design_effect, weighted_share

__all__ = [
    "RakeResult",
    "WeightingWarning",
    "design_effect",
    "rake",
    "rake_result",
    "weighted_share",
]

#: Relative difference between the totals of two margin variables that still counts as equal.
TOTALS_RTOL = 1e-6


class WeightingWarning(UserWarning):
    """Weights that do not do all that was asked: trim bounds not met while matching margins.

    The message names the bound that was missed and the range the weights reached.
    """


def _tidy_margins(margins: pd.DataFrame) -> pd.DataFrame:
    """Return margins with columns ``variable``, ``category``, ``population`` (checked)."""
    frame = margins.rename(columns={"level": "category"})
    missing = {"variable", "category", "population"} - set(frame.columns)
    if missing:
        raise SurveyError(
            f"population margins lack the column(s) {sorted(missing)}",
            hint="give columns variable, category (or level) and population",
        )
    population = pd.to_numeric(frame["population"], errors="coerce")
    bad = frame[population.isna() | (population <= 0)]
    if len(bad):
        row = bad.iloc[0]
        raise SurveyError(
            f"population margin {row['variable']!r}={row['category']!r} is "
            f"{row['population']!r}, not a positive number",
            hint="give every category a positive population count",
        )
    duplicated = frame[frame.duplicated(["variable", "category"])]
    if len(duplicated):
        row = duplicated.iloc[0]
        raise SurveyError(
            f"population margin {row['variable']!r}={row['category']!r} is given twice",
            hint="keep one row per variable and category",
        )
    return frame.assign(population=population.astype(float))


@dataclass(frozen=True)
class RakeResult:
    """Raked weights and how the raking went (:func:`rake_result`).

    Attributes
    ----------
    weights : pandas.Series
        What :func:`rake` returns: a weight per respondent, named ``"weight"``.
    iterations : int
        Full sweeps of the last raking.
    converged : bool
        Always True (failure raises).
    max_gap : float
        Largest remaining relative gap between a weighted count and its target.
    trim : (float, float) or None
        The trimming bounds asked for.
    trim_rounds : int or None
        Rounds of clip-then-rake done (None without ``trim``).
    within_trim_bounds : bool or None
        Whether every weight / mean weight lies within ``trim`` (None without ``trim``).
    weight_ratio_range : (float, float) or None
        Final ``(min, max)`` of weight / mean weight (None without ``trim``).
    """

    weights: pd.Series
    iterations: int
    converged: bool
    max_gap: float
    trim: tuple[float, float] | None = None
    trim_rounds: int | None = None
    within_trim_bounds: bool | None = None
    weight_ratio_range: tuple[float, float] | None = None


def rake(
    respondents: pd.DataFrame,
    margins: pd.DataFrame,
    *,
    variables: Sequence[str] | Mapping[str, str],
    weight: str | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    trim: tuple[float, float] | None = None,
    trim_rounds: int = 20,
    missing: Literal["error", "skip"] = "error",
    strict: bool = False,
) -> pd.Series:
    """Rake respondent weights to population margins: the weights of :func:`rake_result`.

    Since the house redesign the weights carry no ``attrs``; :func:`rake_result` gives the
    diagnostics (iterations, largest gap, trimming) beside them.

    Parameters
    ----------
    respondents, margins, variables, weight, max_iter, tol, trim, trim_rounds, missing, strict
        As for :func:`rake_result`.

    Returns
    -------
    Series
        Weights aligned to ``respondents`` (named ``"weight"``).

    Examples
    --------
    >>> people = pd.DataFrame({"sex": ["f", "m"]})
    >>> margins = pd.DataFrame({"variable": ["sex", "sex"], "category": ["f", "m"],
    ...                         "population": [30, 70]})
    >>> rake(people, margins, variables=["sex"]).tolist()
    [30.0, 70.0]
    """
    return rake_result(
        respondents,
        margins,
        variables=variables,
        weight=weight,
        max_iter=max_iter,
        tol=tol,
        trim=trim,
        trim_rounds=trim_rounds,
        missing=missing,
        strict=strict,
    ).weights


def rake_result(
    respondents: pd.DataFrame,
    margins: pd.DataFrame,
    *,
    variables: Sequence[str] | Mapping[str, str],
    weight: str | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    trim: tuple[float, float] | None = None,
    trim_rounds: int = 20,
    missing: Literal["error", "skip"] = "error",
    strict: bool = False,
) -> RakeResult:
    """Rake respondent weights to population margins (iterative proportional fitting).

    Each sweep adjusts the weights to one variable after another, in the order given, so that
    the weighted count of every category equals its population total. Sweeps repeat until the
    largest relative gap between a weighted count and its target is below ``tol``.

    Parameters
    ----------
    respondents : DataFrame
        One row per respondent, with a column per raking variable.
    margins : DataFrame
        Tidy population totals: columns ``variable``, ``category`` (or ``level``) and
        ``population``.
    variables : sequence of str or mapping
        Raking variables in raking order. A sequence names variables that are both margin
        variables and respondent columns; a mapping ``{margin variable: respondent column}``
        links differently named ones (e.g. ``{"Ward": "ward"}``).
    weight : str, optional
        Column of starting (design) weights; every respondent starts at 1 by default.
    max_iter : int
        Most full sweeps before giving up.
    tol : float
        Largest relative gap ``|weighted count - population| / population`` accepted.
    trim : (float, float), optional
        Bounds ``(low, high)`` on ``weight / mean weight``. After raking, weights outside the
        bounds are clipped to them and the weights are raked again; this repeats up to
        ``trim_rounds`` times until the raked weights lie within the bounds. The margins then
        hold exactly; ``within_trim_bounds`` says whether the bounds hold as well and
        ``weight_ratio_range`` gives the final ``(min, max)`` of weight / mean.
        Clip-then-rake approaches tight bounds only gradually, and bounds that conflict with
        the margins (a sparse cell that needs a large weight) cannot be met at all: the
        margins always win over the bounds, and a :class:`WeightingWarning` (an error with
        ``strict=True``) names the bound missed, the range reached, and whether any weights
        within the bounds could meet the margins (a linear program decides it).
    trim_rounds : int
        Most rounds of clip-then-rake when ``trim`` is given.
    missing : {"error", "skip"}
        What to do with a missing value in a raking variable. ``"error"`` (default) refuses;
        ``"skip"`` keeps those respondents: when that variable is adjusted their weights are
        only scaled to the population total, and the respondents with a value, who keep their
        share of the weighted total, are raked to the population *shares* of the categories
        (as ``anesrake`` does). Nobody is dropped and the weights still sum to the population.
    strict : bool
        Raise instead of warning when the trim bounds are not met.

    Returns
    -------
    RakeResult
        ``weights`` aligned to ``respondents`` (named ``"weight"``), ``iterations`` (full
        sweeps of the last raking), ``converged`` (always True: failure raises), ``max_gap``
        (largest remaining relative gap), and with ``trim`` also ``trim_rounds``,
        ``within_trim_bounds`` and ``weight_ratio_range``. (Before the house redesign
        :func:`rake` kept these in the weights' ``attrs``.)

    Raises
    ------
    SurveyError
        A respondent category has no population margin; a margin category has no respondents;
        the margin variables sum to different totals (raking cannot meet them all; totals must
        agree within a relative 1e-6); a raking variable has missing values and
        ``missing="error"``; a starting weight is missing or not positive; or the weights do
        not converge within ``max_iter`` sweeps (the message names the variable with the
        largest remaining gap); with ``strict=True``, the trim bounds are not met.

    Warns
    -----
    WeightingWarning
        The trim bounds are not met (without ``strict``); the weights are returned all the same.

    Examples
    --------
    >>> people = pd.DataFrame({"sex": ["f", "f", "m", "m"], "age": ["y", "o", "o", "o"]})
    >>> margins = pd.DataFrame(
    ...     {
    ...         "variable": ["sex", "sex", "age", "age"],
    ...         "category": ["f", "m", "y", "o"],
    ...         "population": [50, 50, 40, 60],
    ...     }
    ... )
    >>> result = rake_result(people, margins, variables=["sex", "age"])
    >>> result.weights.round(6).tolist()
    [40.0, 10.0, 25.0, 25.0]
    >>> result.converged
    True
    """
    tidy = _tidy_margins(margins)
    mapping = dict(variables) if isinstance(variables, Mapping) else {v: v for v in variables}
    if not mapping:
        raise SurveyError("no raking variables given", hint="name at least one variable")
    if missing not in ("error", "skip"):
        raise SurveyError(f"missing={missing!r} is not 'error' or 'skip'")

    targets: dict[str, pd.Series] = {}
    for variable, column in mapping.items():
        rows = tidy[tidy["variable"] == variable]
        if rows.empty:
            known = sorted(tidy["variable"].astype(str).unique())
            raise SurveyError(
                f"no population margins for variable {variable!r}",
                hint=f"margins name the variables {known}",
            )
        if column not in respondents.columns:
            raise SurveyError(
                f"respondents have no column {column!r} for raking variable {variable!r}",
                hint="map the margin variable to a respondent column: variables={...: column}",
            )
        targets[variable] = pd.Series(
            rows["population"].to_numpy(), index=rows["category"].astype(str).to_numpy()
        )

    totals = {variable: float(target.sum()) for variable, target in targets.items()}
    first_variable, first_total = next(iter(totals.items()))
    for variable, total in totals.items():
        if not np.isclose(total, first_total, rtol=TOTALS_RTOL, atol=0):
            raise SurveyError(
                f"population margins of {variable!r} sum to {total:g} but those of "
                f"{first_variable!r} to {first_total:g}",
                hint="margins of every raking variable must describe the same population total",
            )

    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for variable, column in mapping.items():
        values = respondents[column]
        absent = values.isna().to_numpy()
        if absent.any() and missing == "error":
            first = respondents.index[absent][0]
            raise SurveyError(
                f"{int(absent.sum())} respondent(s) have no value for raking variable "
                f"{column!r} (first: row {first!r})",
                hint="fill them in, drop those respondents, or pass missing='skip'",
            )
        labels = values.astype("string").to_numpy(dtype=object)
        target = targets[variable]
        unknown = sorted({label for label in labels[~absent]} - set(target.index))
        if unknown:
            raise SurveyError(
                f"respondents answer {column!r} with {unknown} but the population margins of "
                f"{variable!r} have no such category",
                hint="add the category to the margins, or recode or blank those answers",
            )
        position = pd.Index(target.index).get_indexer(np.where(absent, target.index[0], labels))
        counts = np.bincount(position[~absent], minlength=len(target))
        if (counts == 0).any():
            empty = list(target.index[counts == 0])
            raise SurveyError(
                f"no respondent falls in the population category {empty} of {variable!r}",
                hint="collapse that category with a neighbour in both the margins and the data",
            )
        codes[variable] = (position, ~absent)

    if weight is None:
        start = np.ones(len(respondents))
    else:
        start = pd.to_numeric(respondents[weight], errors="coerce").to_numpy(dtype=float)
        if np.isnan(start).any() or (start <= 0).any():
            raise SurveyError(
                f"starting weight column {weight!r} has missing or non-positive values",
                hint="give every respondent a positive starting weight",
            )

    population_total = first_total

    def fitted(w: np.ndarray, variable: str) -> tuple[np.ndarray, np.ndarray]:
        """Weighted counts of ``variable``'s categories and the targets they should reach.

        Respondents with a value represent their share of the weighted total (all of it when
        nobody is missing), so the targets are the population totals times that share.
        """
        position, present = codes[variable]
        target = targets[variable].to_numpy()
        got = np.bincount(position[present], weights=w[present], minlength=len(target))
        return got, target * (w[present].sum() / w.sum())

    def gaps(w: np.ndarray) -> dict[str, float]:
        result = {}
        for variable in codes:
            got, target = fitted(w, variable)
            result[variable] = float(np.max(np.abs(got - target) / target))
        total_gap = abs(w.sum() - population_total) / population_total
        result[first_variable] = max(result[first_variable], total_gap)
        return result

    def ipf(w: np.ndarray) -> tuple[np.ndarray, int, float]:
        w = w.copy()
        remaining: dict[str, float] = {}
        for sweep in range(1, max_iter + 1):
            for variable, (position, present) in codes.items():
                got, target = fitted(w, variable)
                w[~present] *= population_total / w.sum()
                w[present] *= (target / got)[position[present]]
            remaining = gaps(w)
            if max(remaining.values()) < tol:
                return w, sweep, max(remaining.values())
        worst = max(remaining, key=remaining.__getitem__)
        raise SurveyError(
            f"raking did not converge in {max_iter} sweeps; {worst!r} is still "
            f"{remaining[worst]:.3g} (relative) off its margins",
            hint="raise max_iter, loosen tol or trim, or collapse sparse categories",
        )

    weights, iterations, max_gap = ipf(start)
    attrs: dict[str, object] = {}
    if trim is not None:
        low, high = trim
        if not 0 <= low < high:
            raise SurveyError(f"trim bounds {trim!r} are not 0 <= low < high")
        within = False
        rounds = 0
        while rounds < trim_rounds:
            rounds += 1
            mean = weights.mean()
            weights, iterations, max_gap = ipf(np.clip(weights, low * mean, high * mean))
            ratio = weights / weights.mean()
            within = bool((ratio >= low * (1 - 1e-9)).all() and (ratio <= high * (1 + 1e-9)).all())
            if within:
                break
        ratio = weights / weights.mean()
        if not within:
            feasible = _trim_feasible(codes, targets, len(weights), trim)
            message, hint = _unmet_trim(trim, ratio, rounds=rounds, feasible=feasible)
            if strict:
                raise SurveyError(message, hint=hint)
            warnings.warn(WeightingWarning(f"{message} — {hint}"), stacklevel=2)
        attrs |= {
            "trim": trim,
            "trim_rounds": rounds,
            "within_trim_bounds": within,
            "weight_ratio_range": (float(ratio.min()), float(ratio.max())),
        }

    result = pd.Series(weights, index=respondents.index, name="weight")
    return RakeResult(
        weights=result, iterations=iterations, converged=True, max_gap=max_gap, **attrs
    )


def _trim_feasible(
    codes: Mapping[str, tuple[np.ndarray, np.ndarray]],
    targets: Mapping[str, pd.Series],
    n: int,
    trim: tuple[float, float],
) -> bool | None:
    """Whether any weights within the trim bounds meet every margin (a linear feasibility
    problem); None when it cannot be decided.

    The mean weight is the population total over ``n`` whatever the weights, so the bounds are
    fixed numbers. With missing values (``missing="skip"``) the targets move with the weights
    and are no fixed constraints: undecided.
    """
    if not all(present.all() for _, present in codes.values()):
        return None
    total = float(next(iter(targets.values())).sum())
    rows, offset, wanted = [], 0, []
    for variable, (position, _) in codes.items():
        rows.append(position + offset)
        target = targets[variable].to_numpy()
        # totals may differ by TOTALS_RTOL; rescale so rounding cannot make them conflict
        wanted.append(target * total / target.sum())
        offset += len(target)
    row = np.concatenate(rows)
    column = np.tile(np.arange(n), len(rows))
    constraints = sparse.csr_matrix((np.ones(len(row)), (row, column)), shape=(offset, n))
    mean = total / n
    result = optimize.linprog(
        np.zeros(n),
        A_eq=constraints,
        b_eq=np.concatenate(wanted),
        bounds=(trim[0] * mean, trim[1] * mean),
        method="highs",
    )
    return {0: True, 2: False}.get(result.status)


def _unmet_trim(
    trim: tuple[float, float], ratio: np.ndarray, *, rounds: int, feasible: bool | None
) -> tuple[str, str]:
    """What a WeightingWarning (or error) says about trim bounds that were not met."""
    low, high = trim
    lowest, highest = float(ratio.min()), float(ratio.max())
    missed = []
    if lowest < low * (1 - 1e-9):
        missed.append(
            f"the lower bound {low:g} (lowest weight {lowest:.6g} times the mean, "
            f"{100 * (low - lowest) / low:.2g}% under)"
        )
    if highest > high * (1 + 1e-9):
        missed.append(
            f"the upper bound {high:g} (highest weight {highest:.6g} times the mean, "
            f"{100 * (highest - high) / high:.2g}% over)"
        )
    message = (
        f"trimming missed {' and '.join(missed)} after {rounds} round(s) of clip-then-rake; "
        f"the margins hold and the weights range {lowest:.6g}\u2013{highest:.6g} times the mean"
    )
    hints = {
        False: "no weights within these bounds can match the margins: widen the bounds or "
        "collapse sparse categories",
        True: "weights within the bounds exist: raise trim_rounds (clip-then-rake approaches "
        "tight bounds gradually)",
        None: "widen the bounds, raise trim_rounds, or collapse sparse categories",
    }
    return message, hints[feasible]

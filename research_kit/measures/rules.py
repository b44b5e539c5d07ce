"""Special-cause rules of NHS "Making Data Count", for many series at once.

The rules, as NHSRplotthedots implements them (the reference our tests reproduce), each
judged within one phase of one series:

* **outside_limits** — a point above the upper or below the lower process limit;
* **trend** — ``RuleLengths.trend`` (default 7) points in a row, each strictly higher (or each
  strictly lower) than the one before: every point of such a streak is flagged;
* **two_of_three** — in a window of 3 consecutive points all strictly on one side of the
  mean, at least 2 lie beyond two
  sigma (two thirds of the way to a limit) but inside the limits (``RuleLengths.near_limits``):
  those near points are flagged, the others of the window are not;
* **shift** — ``RuleLengths.shift`` (default 7) points in a row on one side of the mean: every
  point of such a run is flagged.

Edge cases, chosen with the NHS convention and tested:

* **Ties in a trend break it.** Two equal consecutive values are neither rising nor falling,
  so a trend must start again after them (``1, 2, 3, 3, 4, 5, 6`` is no trend of 7).
* **A point exactly on the mean breaks a run** (it is on neither side) and a window holding
  it cannot give a two-of-three signal. Run *charts* count differently — see
  :mod:`research_kit.measures.runchart`, where points on the median are skipped (Anhøj).
* **Runs and trends never cross a rebase.** Each phase is judged on its own, with its own
  limits; a run that continues across the rebase starts counting again at zero.
* **A point on two trends** (the peak between a rise and a fall of 7 each) takes the
  direction of the later one. We reproduce NHSRplotthedots exactly here, quirk included: a
  trend point whose next point is also flagged takes the direction of the step to that
  point, so the last point of a rise followed by a tie (or a drop) that starts another trend
  is read as falling. It is rare, and matching the reference keeps every verdict equal.

Precedence when several rules fire on one point, for its ``rule`` and direction: outside
limits, then trend, then two of three, then shift. The direction (+1 high or rising, −1 low
or falling) times the polarity gives the variation verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

RULES = ("outside_limits", "trend", "two_of_three", "shift")
Improvement = Literal["increase", "decrease"] | None
VARIATIONS = {
    1: "special_cause_improvement",
    -1: "special_cause_concern",
    0: "common_cause",
}


@dataclass(frozen=True)
class RuleLengths:
    """How many points each rule needs: the NHS's lengths by default.

    Parameters
    ----------
    shift : int
        Points in a row on one side of the mean (7; Wheeler and statprocon use 8).
    trend : int
        Points in a row each strictly higher, or each strictly lower, than the last (7).
    near_limits : tuple of int
        ``(needed, window)``: at least ``needed`` of ``window`` points in a row beyond two
        sigma, all on one side of the mean ((2, 3)).

    Examples
    --------
    >>> RuleLengths(shift=8)
    RuleLengths(shift=8, trend=7, near_limits=(2, 3))
    """

    shift: int = 7
    trend: int = 7
    near_limits: tuple[int, int] = (2, 3)


#: The lengths of "Making Data Count": 7 for shifts and trends, 2 of 3 near the limits.
NHS_RULES = RuleLengths()


def improvement_sign(improvement: Improvement) -> int:
    """+1 when higher is better, −1 when lower is better, 0 when neither is.

    Examples
    --------
    >>> improvement_sign("decrease")
    -1
    """
    signs = {"increase": 1, "decrease": -1, None: 0, "neither": 0, "neutral": 0}
    if improvement not in signs:
        raise ValueError(
            f"improvement={improvement!r} is not a polarity — use 'increase' (higher is "
            "better), 'decrease' (lower is better) or None (neither)"
        )
    return signs[improvement]


def run_lengths(keys: np.ndarray) -> np.ndarray:
    """For each cell, the length of the run of equal non-zero keys along the row it is in.

    A zero key belongs to no run (length 0) and breaks the runs on either side.

    Examples
    --------
    >>> run_lengths(np.array([[1, 1, 0, -1, -1, -1, 1]]))
    array([[2, 2, 0, 3, 3, 3, 1]])
    """
    keys = np.asarray(keys)
    live = keys != 0
    forward = np.zeros(keys.shape, dtype=np.int64)
    backward = np.zeros(keys.shape, dtype=np.int64)
    if keys.shape[1] == 0:
        return forward
    forward[:, 0] = live[:, 0]
    backward[:, -1] = live[:, -1]
    # A loop over positions (60 or so), each step vectorised over every series.
    for j in range(1, keys.shape[1]):
        same = live[:, j] & (keys[:, j] == keys[:, j - 1])
        forward[:, j] = np.where(same, forward[:, j - 1] + 1, live[:, j])
    for j in range(keys.shape[1] - 2, -1, -1):
        same = live[:, j] & (keys[:, j] == keys[:, j + 1])
        backward[:, j] = np.where(same, backward[:, j + 1] + 1, live[:, j])
    return np.where(live, forward + backward - 1, 0)


def sides(values: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """+1 above the centre line, −1 below, 0 on it (or missing)."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.sign(values - centre)).astype(np.int64)


def trend_points(values: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in a streak of ``length`` strictly rising or falling values, and its direction.

    Examples
    --------
    >>> flagged, direction = trend_points(np.array([[2, 1, 2, 3, 4, 5, 6, 7, 3.0]]), 7)
    >>> flagged.astype(int)
    array([[0, 1, 1, 1, 1, 1, 1, 1, 0]])
    """
    steps = np.nan_to_num(np.sign(np.diff(values, axis=1))).astype(np.int64)
    in_trend = run_lengths(steps) >= length - 1
    pad = np.zeros((values.shape[0], 1), dtype=bool)
    on_left = np.hstack([pad, in_trend])  # the step into the point is part of a trend
    on_right = np.hstack([in_trend, pad])  # the step out of it is
    zero = np.zeros((values.shape[0], 1), dtype=np.int64)
    flagged = on_left | on_right
    # As NHSRplotthedots: a flagged point whose next point is flagged too takes the direction
    # of the step to it, any other the step into it; a step that is not a rise reads falling.
    next_flagged = np.hstack([flagged[:, 1:], pad])
    step = np.where(flagged & next_flagged, np.hstack([steps, zero]), np.hstack([zero, steps]))
    return flagged, np.where(flagged, np.where(step == 1, 1, -1), 0)


def near_limit_points(near: np.ndarray, side: np.ndarray, needed: int, window: int) -> np.ndarray:
    """Near-limit points in a window of ``window`` points, all strictly on one side of the
    mean, that holds at least ``needed`` near-limit points.

    Examples
    --------
    >>> near = np.array([[0, 0, 1, 0, 1, 0, 0]], dtype=bool)
    >>> near_limit_points(near, np.ones((1, 7), dtype=int), 2, 3).astype(int)
    array([[0, 0, 1, 0, 1, 0, 0]])
    """
    count, width = near.shape
    if width < window:
        return np.zeros(near.shape, dtype=bool)
    zero = np.zeros((count, 1), dtype=np.int64)
    near_sum = np.hstack([zero, np.cumsum(near, axis=1)])
    side_sum = np.hstack([zero, np.cumsum(side, axis=1)])
    starts = np.arange(width - window + 1)
    signal = ((near_sum[:, starts + window] - near_sum[:, starts]) >= needed) & (
        np.abs(side_sum[:, starts + window] - side_sum[:, starts]) == window
    )
    # A point is covered when any window starting in [j - window + 1, j] signals.
    signal_sum = np.hstack([zero, np.cumsum(signal, axis=1)])
    points = np.arange(width)
    first = np.clip(points - window + 1, 0, len(starts))
    last = np.clip(points + 1, 0, len(starts))
    covered = (signal_sum[:, last] - signal_sum[:, first]) > 0
    return near & covered


def special_causes(
    values: np.ndarray,
    mean: np.ndarray,
    limits: tuple[np.ndarray, np.ndarray],
    near: tuple[np.ndarray, np.ndarray],
    *,
    rules: RuleLengths = NHS_RULES,
) -> dict[str, np.ndarray]:
    """Judge every point of a segments × positions matrix by the four rules.

    Parameters
    ----------
    values, mean : numpy.ndarray
        The points and the centre line, one row per phase of a series (NaN padded).
    limits, near : tuple of numpy.ndarray
        ``(lower, upper)`` process limits, and the two-sigma lines inside them.
    rules : RuleLengths
        How many points each rule needs.

    Returns
    -------
    dict of numpy.ndarray
        Boolean matrices ``outside_limits``, ``trend``, ``two_of_three``, ``shift``; the
        integer ``relative_to_mean`` (+1, 0, −1) and ``direction`` of the point's highest
        rule (0 when none fired).

    Examples
    --------
    >>> y = np.array([[1.0, 2, 1, 2, 9]])
    >>> found = special_causes(y, np.full((1, 5), 3.0), (y * 0, y * 0 + 6), (y * 0 + 1, y * 0 + 5))
    >>> found["outside_limits"].astype(int), found["direction"]
    (array([[0, 0, 0, 0, 1]]), array([[0, 0, 0, 0, 1]]))
    """
    lower, upper = limits
    near_lower, near_upper = near
    side = sides(values, mean)
    with np.errstate(invalid="ignore"):
        outside = (values > upper) | (values < lower)
        close = ~outside & ((values < near_lower) | (values > near_upper))
    trend, trend_direction = trend_points(values, rules.trend)
    two_of_three = near_limit_points(close, side, *rules.near_limits)
    shift = run_lengths(side) >= rules.shift
    direction = np.where(trend & ~outside, trend_direction, side)
    fired = outside | trend | two_of_three | shift
    return {
        "relative_to_mean": side,
        "outside_limits": outside,
        "trend": trend,
        "two_of_three": two_of_three,
        "shift": shift,
        "direction": np.where(fired, direction, 0),
    }


def first_rule(found: dict[str, np.ndarray]) -> np.ndarray:
    """The name of the highest rule that fired on each point, "" where none did."""
    names = np.full(found["shift"].shape, "", dtype=object)
    for rule in reversed(RULES):
        names[found[rule]] = rule
    return names


def variation(direction: np.ndarray, sign: np.ndarray | int) -> np.ndarray:
    """The variation verdict of each point from its rule's direction and the polarity.

    With no polarity (``sign`` 0) a special cause is only high or low:
    ``special_cause_neutral_high`` / ``special_cause_neutral_low``.

    Examples
    --------
    >>> for verdict in variation(np.array([1, -1, 0, 1]), np.array([1, 1, 1, 0])):
    ...     print(verdict)
    special_cause_improvement
    special_cause_concern
    common_cause
    special_cause_neutral_high
    """
    direction = np.asarray(direction)
    sign = np.broadcast_to(np.asarray(sign), direction.shape)
    oriented = direction * sign
    return np.select(
        [(sign == 0) & (direction > 0), (sign == 0) & (direction < 0), oriented > 0, oriented < 0],
        [
            "special_cause_neutral_high",
            "special_cause_neutral_low",
            VARIATIONS[1],
            VARIATIONS[-1],
        ],
        default=VARIATIONS[0],
    ).astype(object)


def assurance(lower: np.ndarray, upper: np.ndarray, target, sign) -> np.ndarray:
    """The assurance verdict of a chart from its last limits, its target and its polarity.

    A target beyond the upper limit is consistently failed when higher is better (the
    process cannot reach it) and consistently passed when lower is better; below the lower
    limit, the reverse; between the limits the process will "hit and miss" it
    (``inconsistent``). No target or no polarity gives no verdict (None).

    Examples
    --------
    >>> assurance(np.array([1.0, 5, 1]), np.array([3.0, 7, 5]), np.array([4.0, 4, 4]), 1).tolist()
    ['consistent_fail', 'consistent_pass', 'inconsistent']
    """
    lower, upper, target = np.broadcast_arrays(
        np.asarray(lower, float), np.asarray(upper, float), np.asarray(target, float)
    )
    sign = np.broadcast_to(np.asarray(sign), lower.shape)
    with np.errstate(invalid="ignore"):
        above = target > upper
        below = target < lower
    passing = (above & (sign < 0)) | (below & (sign > 0))
    failing = (above & (sign > 0)) | (below & (sign < 0))
    verdict = np.select([passing, failing], ["consistent_pass", "consistent_fail"], "inconsistent")
    verdict = verdict.astype(object)
    verdict[np.isnan(target) | (sign == 0) | np.isnan(upper)] = None
    return verdict

"""Trimming that says when it fails: a WeightingWarning (or an error with strict=True) naming the
bound missed and the range reached, and whether any weights within the bounds could exist."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from research_kit.errors import SurveyError
from research_kit.survey.weighting import WeightingWarning, rake

MARGINS = pd.DataFrame(
    {
        "variable": ["a", "a", "b", "b", "b"],
        "category": ["x", "y", "u", "v", "t"],
        "population": [500, 500, 300, 300, 400],
    }
)


@pytest.fixture
def people() -> pd.DataFrame:
    # "y" is a quarter of the sample and half the population: its weights must be large
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "a": rng.choice(["x", "y"], 300, p=[0.75, 0.25]),
            "b": rng.choice(["u", "v", "t"], 300, p=[0.5, 0.3, 0.2]),
        }
    )


def test_bounds_that_cannot_be_met_warn_with_the_bound_and_the_range(people) -> None:
    with pytest.warns(WeightingWarning) as caught:
        weights = rake(people, MARGINS, variables=["a", "b"], trim=(0.5, 1.5))
    message = str(caught[0].message)
    ratio = weights / weights.mean()
    assert "the upper bound 1.5" in message and "the lower bound 0.5" in message
    assert f"{ratio.max():.6g}" in message and f"{ratio.min():.6g}" in message
    assert "no weights within these bounds can match the margins" in message
    # the margins still win over the bounds
    for variable, category, population in MARGINS.itertuples(index=False):
        assert weights[people[variable] == category].sum() == pytest.approx(population, rel=1e-8)


def test_strict_raises_instead(people) -> None:
    with pytest.raises(SurveyError, match=r"missed .*upper bound 1\.5.*widen the bounds"):
        rake(people, MARGINS, variables=["a", "b"], trim=(0.5, 1.5), strict=True)


def test_reachable_bounds_not_reached_say_to_raise_trim_rounds(people) -> None:
    with pytest.warns(WeightingWarning, match=r"after 2 round\(s\).*raise trim_rounds"):
        rake(people, MARGINS, variables=["a", "b"], trim=(0.3, 3.0), trim_rounds=2)


def test_bounds_met_stay_silent(people) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weights = rake(people, MARGINS, variables=["a", "b"], trim=(0.1, 10.0), strict=True)
    ratio = weights / weights.mean()
    assert ratio.min() >= 0.1 and ratio.max() <= 10.0


def test_missing_values_leave_feasibility_undecided(people) -> None:
    people.loc[people.index[:5], "b"] = None
    with pytest.warns(WeightingWarning, match="widen the bounds, raise trim_rounds"):
        rake(people, MARGINS, variables=["a", "b"], trim=(0.5, 1.5), missing="skip")

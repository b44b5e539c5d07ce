"""Agreement statistics against published values (Krippendorff 2011) and hand-worked cases."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from research_kit.interviews import cohen_kappa, krippendorff_alpha

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@pytest.mark.shared
@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_alpha_matches_the_published_worked_example(shared_data, level):
    oracle = json.loads((shared_data / "krippendorff_oracle.json").read_text())
    alpha = krippendorff_alpha(oracle["data"], level)
    assert round(alpha, 3) == oracle["published_3dp"][level]
    assert alpha == pytest.approx(float(Fraction(oracle["exact"][level])), abs=1e-12)


def test_alpha_ignores_units_with_one_value_and_accepts_nan():
    with_nan = [[1, 2, np.nan, 1], [1, 2, 3, np.nan]]
    without = [[1, 2], [1, 2]]
    assert krippendorff_alpha(with_nan) == krippendorff_alpha(without) == 1.0


def test_alpha_is_nan_without_variation_and_rejects_unknown_levels():
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1]]))
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1]], "cardinal")


def test_alpha_for_text_labels():
    assert krippendorff_alpha([["a", "b", "a"], ["a", "b", "b"]]) == pytest.approx(
        krippendorff_alpha([[0, 1, 0], [0, 1, 1]])
    )


def test_cohen_kappa_hand_worked():
    # Observed 0.7; chance 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4.
    a = ["y"] * 5 + ["n"] * 5
    b = ["y", "y", "y", "y", "n", "y", "y", "n", "n", "n"]
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == 1.0
    assert cohen_kappa(["y", "n", None], ["y", "n", "y"]) == 1.0  # units one coder skipped
    with pytest.raises(ValueError, match="length"):
        cohen_kappa([1, 2], [1])


@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa_equals_scikit_learn(seed):
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    a = rng.choice(["plan", "portal", "fees", "none"], size=200)
    b = np.where(rng.random(200) < 0.6, a, rng.choice(["plan", "portal", "fees", "none"], 200))
    assert cohen_kappa(list(a), list(b)) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_alpha_equals_the_krippendorff_package_on_random_data():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(7)
    data = rng.integers(1, 6, size=(6, 80)).astype(float)
    data[rng.random(data.shape) < 0.25] = np.nan
    for level in LEVELS:
        theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        assert krippendorff_alpha(data, level) == pytest.approx(theirs, abs=1e-9)

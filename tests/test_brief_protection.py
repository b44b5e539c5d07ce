"""The brief's joint protection plans: their decisions, and what they do when tables are huge."""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit import privacy
from research_kit.briefs import protection


def _survey(wards: int, groups: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = 40 * wards
    return pd.DataFrame(
        {
            "ward": [f"W{w}" for w in rng.integers(0, wards, size)],
            "group": [f"G{g}" for g in rng.integers(0, groups, size)],
            "q": rng.choice(["Disagree", "Neutral", "Agree"], size),
        }
    )


def test_a_plan_hides_every_small_group_cell_and_shows_the_total():
    survey = _survey(3, 4)
    plan = protection.likert_plan(
        survey, "q", ["Disagree", "Neutral", "Agree"], by="group", min_cell_size=5
    )
    cells = plan.cells
    small = cells[(cells["n"] > 0) & (cells["n"] < 5)]
    assert small["suppressed"].all()
    assert not plan.hidden()
    assert plan.count() == len(survey)


def test_tables_too_large_to_search_are_hidden_whole_not_left_to_fail(monkeypatch):
    monkeypatch.setattr(privacy, "MAX_PROTECTED_CELLS", 60)
    protection._planned.cache_clear()
    survey = _survey(6, 7)
    plan = protection.likert_plan(
        survey, "q", ["Disagree", "Neutral", "Agree"], by="group", min_cell_size=5
    )
    grouped = plan.cells[plan.cells["group"].notna()]
    assert grouped["suppressed"].all()
    assert set(grouped["reason"]) == {"too many cells to protect"}
    assert not plan.hidden()  # the item's total is still shown
    assert plan.share_hidden({"group": "G1", "box": "top"}, {"group": "G1"})
    # Even the whole item's tables too many: only its total is shown.
    monkeypatch.setattr(privacy, "MAX_PROTECTED_CELLS", 10)
    protection._planned.cache_clear()  # plans are memoised by their data alone
    plan = protection.likert_plan(
        survey, "q", ["Disagree", "Neutral", "Agree"], by="group", min_cell_size=5
    )
    shown = plan.cells[~plan.cells["suppressed"]]
    assert len(shown) == 1 and not plan.hidden()

"""The measure explorer: its traits and pickers move together, a choice redraws once, and the
panel says the rule that fired and the verdicts in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets

import research_kit
from research_kit.errors import MeasuresError
from research_kit.widgets import MeasureExplorer

MEASURES = """\
measures:
  - id: days
    name: Days to a permit
    unit: days
    polarity: lower_is_better
    target: 20
    rebase: [2025-07-01]
    owner: Permit Center manager
    narrative: The pilot began in July 2025.
    source: {csv: days.csv, period: month, value: days}
  - id: calls
    name: Calls answered quickly
    unit: share
    polarity: higher_is_better
    target: {low: 0.7, high: 0.9}
    chart: p
    source: {csv: calls.csv, period: month, numerator: quick, denominator: calls, group: line}
"""
MONTHS = pd.date_range("2024-07-01", periods=24, freq="MS").strftime("%Y-%m")


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "study"
    with research_kit.open_study(folder) as opened:
        (folder / "measures.yml").write_text(MEASURES, encoding="utf-8")
        days = np.r_[np.tile([30.0, 31, 29, 32, 30, 31], 2), np.tile([22.0, 23, 21, 22], 3)]
        days[-1] = 40  # a concern: far above the new phase's limits
        pd.DataFrame({"month": MONTHS, "days": days}).to_csv(folder / "days.csv", index=False)
        calls = pd.DataFrame(
            {
                "month": np.tile(MONTHS, 2),
                "line": np.repeat(["English", "Spanish"], 24),
                "calls": 200,
                "quick": np.r_[np.full(24, 160), np.full(24, 120)],
            }
        )
        calls.to_csv(folder / "calls.csv", index=False)
        yield opened


def _draws(explorer) -> list:
    drawn: list = []
    explorer.chart_view.observe(lambda change: drawn.append(change["new"]), names="value")
    return drawn


def test_traits_and_pickers_move_together(study):
    explorer = MeasureExplorer(study)
    assert explorer.measure == "days" == explorer.measure_picker.value
    explorer.measure_picker.value = "calls"
    assert explorer.measure == "calls"
    explorer.group = "Spanish"
    assert explorer.group_picker.value == "Spanish"
    explorer.phase_picker.value = explorer.phase_picker.options[0][1]
    assert explorer.phase == "all phases"


def test_a_new_measure_offers_its_own_groups_and_phases_and_resets_the_choice(study):
    explorer = MeasureExplorer(study)
    assert explorer.group_picker.disabled and not explorer.phase_picker.disabled
    assert [value for _, value in explorer.phase_picker.options] == ["all phases", "0", "1"]
    assert explorer.phase_picker.options[2][0] == "phase 2: Jul 2025 – Jun 2026"
    explorer.phase = "1"
    explorer.measure = "calls"
    assert (explorer.group, explorer.phase) == ("all groups", "all phases")
    assert explorer.group_picker.options == ("all groups", "English", "Spanish")
    assert not explorer.group_picker.disabled and explorer.phase_picker.disabled


def test_each_choice_redraws_once_and_narrows_the_points(study):
    explorer = MeasureExplorer(study)
    drawn = _draws(explorer)
    explorer.measure = "calls"
    assert len(drawn) == 1
    assert explorer.chart_view.value.count("English") >= 1
    explorer.group = "Spanish"
    assert len(drawn) == 2
    assert set(explorer.points()["group"]) == {"Spanish"}
    assert "English" not in explorer.chart_view.value

    explorer.measure = "days"
    whole = explorer.points(whole=True)
    explorer.phase = "1"
    shown = explorer.points()
    assert len(drawn) == 4
    assert set(shown["phase"]) == {1} and len(shown) == (whole["phase"] == 1).sum()
    # a phase shown alone keeps the limits computed on it
    assert shown["upper_limit"].iloc[0] == whole.loc[whole["phase"] == 1, "upper_limit"].iloc[0]


def test_the_rule_that_fired_and_the_verdicts_are_said_in_words(study):
    explorer = MeasureExplorer(study)
    (sentence,) = explorer.signal_sentences()
    assert "special cause variation: a concern" in sentence
    assert "rule: outside_limits" in sentence and "Jun 2026" in sentence
    assert "consistently miss the target" in sentence
    assert "rule: outside_limits" in explorer.signal_view.value
    assert "Permit Center manager" in explorer.signal_view.value
    assert 'aria-label="XmR chart of Days to a permit' in explorer.chart_view.value

    explorer.measure = "calls"
    english, spanish = explorer.signal_sentences()
    assert english.startswith("English:") and "inside the target range 0.7–0.9" in english
    assert spanish.startswith("Spanish:") and "outside the target range" in spanish
    assert "No rule fired" in spanish


def test_an_unknown_measure_is_refused_and_the_choice_kept(study):
    explorer = MeasureExplorer(study)
    with pytest.raises(traitlets.TraitError, match="no measure 'dayz'"):
        explorer.measure = "dayz"
    assert explorer.measure == "days" == explorer.measure_picker.value


def test_a_study_without_measures_says_so(tmp_path):
    with (
        research_kit.open_study(tmp_path / "empty") as study,
        pytest.raises(MeasuresError, match="no measures file"),
    ):
        MeasureExplorer(study)


def test_the_sample_study_explorer_shows_every_measure(sample_study_path):
    with research_kit.open_study(sample_study_path) as study:
        explorer = MeasureExplorer(study)
        for measure in study.measures():
            explorer.measure = measure.id
            assert explorer.status.value == "", measure.id
            assert "<svg" in explorer.chart_view.value
            assert explorer.signal_sentences()

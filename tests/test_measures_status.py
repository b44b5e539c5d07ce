"""The status table of measures: bands against targets (by polarity, ranges, trajectories),
SPC verdicts and symbols, trends, group breakdowns with suppression and disparity, and the
follow-up actions of ``actions.yml`` with their line-numbered errors and overdue flags.

Every expectation is worked out by hand in the comments beside it.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from research_kit.errors import MeasuresError
from research_kit.measures import (
    Measure,
    MeasureSource,
    Target,
    actions_table,
    chart_measure,
    measure_status,
    read_actions,
    status_band,
    status_by_group,
    validate_actions,
)

SOURCE = MeasureSource("csv", "values.csv")


@pytest.mark.parametrize(
    ("value", "target", "polarity", "expected"),
    [
        (80, 80, "higher_is_better", "on_track"),  # met exactly
        (95, 80, "higher_is_better", "on_track"),  # beyond it the better way
        (72, 80, "higher_is_better", "caution"),  # short by 8 = 10% of 80
        (71.9, 80, "higher_is_better", "off_track"),  # short by 8.1 > 8
        (22, 20, "lower_is_better", "caution"),  # over by 2 = 10% of 20
        (22.01, 20, "lower_is_better", "off_track"),
        (5, 20, "lower_is_better", "on_track"),
        (50, 50, "neither", "on_track"),
        (54, 50, "neither", "caution"),  # 4 away, within 5
        (46, 50, "neither", "caution"),  # either side counts with no polarity
        (56, 50, "neither", "off_track"),
        (0, 0, "lower_is_better", "on_track"),  # a target of zero: any miss is off track
        (0.1, 0, "lower_is_better", "off_track"),
    ],
)
def test_a_value_target_is_judged_by_polarity(value, target, polarity, expected):
    assert status_band(value, target=target, polarity=polarity) == expected


@pytest.mark.parametrize(
    ("value", "polarity", "expected"),
    [
        (85, "higher_is_better", "on_track"),  # inside 80–90
        (95, "higher_is_better", "on_track"),  # above the range, and higher is better
        (75, "higher_is_better", "caution"),  # 5 below 80, within 8
        (70, "higher_is_better", "off_track"),  # 10 below 80
        (70, "lower_is_better", "on_track"),  # below the range, and lower is better
        (92, "lower_is_better", "caution"),  # 2 above 90, within 9
        (100, "lower_is_better", "off_track"),  # 10 above 90
        (95, "neither", "caution"),  # 5 above 90, within 9
        (70, "neither", "off_track"),  # 10 below 80
    ],
)
def test_a_range_target_is_met_inside_and_beyond_the_end_polarity_favours(
    value, polarity, expected
):
    assert status_band(value, low=80, high=90, polarity=polarity) == expected


def test_the_caution_zone_is_configurable_and_missing_targets_give_no_band():
    assert status_band(72, target=80, polarity="higher_is_better", caution=0) == "off_track"
    assert status_band(65, target=80, polarity="higher_is_better", caution=0.2) == "caution"
    assert status_band(63, target=80, polarity="higher_is_better", caution=0.2) == "off_track"
    assert status_band(10, polarity="higher_is_better") is None
    assert status_band(float("nan"), target=5, polarity="higher_is_better") is None


def _monthly(values, start="2024-01-01"):
    periods = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"measure": "m", "period": periods, "value": values})


def test_the_status_row_has_the_latest_value_trends_owner_and_verdicts():
    # 14 months, Jan 2024 to Feb 2025: the last is 30 after a steady 5–7 (a point far above
    # the limits), lower is better against a target of 4.
    values = [5.0, 6, 5, 7, 6, 5, 6, 5, 6, 5, 7, 6, 5, 30]
    measure = Measure(
        "days",
        "Days to a permit",
        "lower_is_better",
        SOURCE,
        unit="days",
        target=Target(value=4),
        owner="Permits lead",
        department="Permit Center",
    )
    data = _monthly(values)
    row = measure_status([measure], {"days": chart_measure(measure, data)}).iloc[0]
    assert row["period"] == pd.Timestamp("2025-02-01") and row["value"] == 30
    assert row["target"] == 4 and math.isnan(row["target_low"])
    assert row["status"] == "off_track"  # 26 over a target of 4
    assert row["change_last_period"] == 25  # 30 − 5
    assert row["change_last_year"] == 24  # Feb 2025 (30) − Feb 2024 (6)
    assert row["variation"] == "special_cause_concern" and row["variation_symbol"] == "!"
    # the limits are wide of 4 on the high side only: the mean (about 7.4) is above the target
    assert row["assurance"] in ("consistent_fail", "inconsistent")
    assert (
        row["assurance_symbol"] == {"consistent_fail": "F", "inconsistent": "?"}[row["assurance"]]
    )
    assert (row["owner"], row["department"], row["unit"]) == (
        "Permits lead",
        "Permit Center",
        "days",
    )


def test_a_trajectory_is_judged_by_the_step_in_force_and_a_range_keeps_its_ends():
    # trajectory: 30 until June 2024, 20 from July 2024; the last value (Feb 2025) is 21
    trajectory = Measure(
        "t",
        "T",
        "lower_is_better",
        SOURCE,
        target=Target(trajectory=(("2024-01", 30.0), ("2024-07", 20.0))),
    )
    ranged = Measure("r", "R", "higher_is_better", SOURCE, target=Target(low=18, high=19))
    none = Measure("n", "N", "neither", SOURCE)
    data = _monthly([25.0, 24, 26, 25, 23, 24, 22, 23, 21, 22, 21, 22, 20, 21])
    charts = {m.id: chart_measure(m, data) for m in (trajectory, ranged, none)}
    table = measure_status([trajectory, ranged, none], charts).set_index("measure")
    assert table.loc["t", "target"] == 20 and table.loc["t", "status"] == "caution"  # 1 ≤ 2
    assert (table.loc["r", "target_low"], table.loc["r", "target_high"]) == (18, 19)
    assert table.loc["r", "status"] == "on_track"  # above the range, higher is better
    assert table.loc["n", "status"] is None and table.loc["n", "assurance"] is None
    assert table.loc["n", "variation_symbol"] in ("~", "H", "L")
    assert list(table.index) == ["t", "r", "n"]  # the order of measures.yml


def test_a_year_ago_needs_that_period_and_short_series_give_no_trend():
    measure = Measure("m", "M", "higher_is_better", SOURCE, frequency="quarterly")
    # quarterly, with plain numbered periods: a year back is 4 periods back
    data = pd.DataFrame({"period": range(1, 6), "value": [1.0, 2, 3, 4, 9]})
    row = measure_status([measure], {"m": chart_measure(measure, data)}).iloc[0]
    assert row["change_last_year"] == 8  # 9 − 1
    short = pd.DataFrame({"period": [1], "value": [3.0]})
    row = measure_status([measure], {"m": short.assign(target=np.nan)}).iloc[0]
    assert math.isnan(row["change_last_period"]) and math.isnan(row["change_last_year"])


def _groups(values, counts, column="denominator"):
    frame = pd.DataFrame(
        {
            "period": [2] * len(values),
            "group": [f"W{i}" for i in range(1, len(values) + 1)],
            "value": values,
        }
    )
    older = frame.assign(period=1, value=0.0)  # an earlier period is not shown
    frame = pd.concat([older, frame], ignore_index=True)
    if counts is not None:
        frame[column] = list(counts) * 2
    return frame


def test_groups_are_judged_small_ones_suppressed_with_a_complement_and_the_gap_shown():
    measure = Measure("s", "S", "higher_is_better", SOURCE, target=Target(value=0.8))
    result = status_by_group(measure, _groups([0.9, 0.5, 0.75, 1.0], [20, 10, 40, 3]))
    groups = result.groups.set_index("group")
    assert (groups["period"] == 2).all()
    # W4 (3 cases) is small; W2 (10, the smallest other) is hidden too, or W4 = total − rest
    assert groups["suppressed"].to_dict() == {"W1": False, "W2": True, "W3": False, "W4": True}
    assert groups.loc[["W2", "W4"], "value"].isna().all()
    assert groups.loc[["W2", "W4"], "n"].isna().all()
    assert groups.loc["W1", "status"] == "on_track"  # 0.9 ≥ 0.8
    assert groups.loc["W3", "status"] == "caution"  # 0.05 short, within 0.08
    gap = result.disparity.iloc[0]
    assert (gap["best_group"], gap["worst_group"]) == ("W1", "W3")  # the hidden W4 is not best
    assert gap["gap"] == pytest.approx(0.15) and gap["ratio"] == pytest.approx(1.2)
    assert gap["n_groups_shown"] == 2


def test_with_lower_is_better_the_best_group_is_the_lowest_and_uncounted_values_are_shown():
    measure = Measure("d", "D", "lower_is_better", SOURCE)
    result = status_by_group(measure, _groups([12.0, 30.0, 18.0], None))
    assert not result.groups["suppressed"].any()
    gap = result.disparity.iloc[0]
    assert (gap["best_group"], gap["worst_group"], gap["gap"]) == ("W1", "W2", 18.0)
    assert result.groups["status"].isna().all()  # no target, no band
    cases = status_by_group(measure, _groups([12.0, 30.0, 18.0], [2, 2, 2], column="cases"))
    assert cases.groups["suppressed"].all()
    assert cases.disparity.iloc[0]["best_group"] is None  # nothing left to compare


def test_a_measure_without_groups_is_refused():
    measure = Measure("d", "D", "lower_is_better", SOURCE)
    with pytest.raises(ValueError, match="not broken down"):
        status_by_group(measure, _monthly([1.0, 2.0]))


ACTIONS = """\
actions:
  - measure: days
    action: Add a second plan reviewer
    owner: Permits lead
    due: 2026-01-10
    status: open
  - {measure: days, action: Publish the checklist, owner: Clerk, due: 2026-01-20}
  - {measure: share, action: Call back late cases, due: 2026-01-05, status: done}
  - {measure: share, action: Review the queue, due: 2026-01-12, status: in progress}
"""


def test_actions_are_read_and_overdue_ones_flagged_against_the_day(tmp_path):
    path = tmp_path / "actions.yml"
    path.write_text(ACTIONS)
    actions = read_actions(path, measures=["days", "share"])
    assert actions["line"].tolist() == [2, 7, 8, 9]  # line 1 is "actions:"
    assert actions["status"].tolist() == ["open", "open", "done", "in_progress"]
    table = actions_table(actions, as_of=dt.date(2026, 1, 12))
    flagged = dict(zip(table["action"], table["days_overdue"], strict=True))
    # 10 Jan open → 2 days late; 20 Jan not due; done is never late; due on the day is not late
    assert flagged == {
        "Add a second plan reviewer": 2,
        "Publish the checklist": 0,
        "Call back late cases": 0,
        "Review the queue": 0,
    }
    assert table["overdue"].tolist() == [True, False, False, False]
    assert actions_table(actions, as_of="2026-01-13")["overdue"].sum() == 2


def test_each_problem_of_an_actions_file_is_reported_on_its_line(tmp_path):
    path = tmp_path / "actions.yml"
    path.write_text(
        "actions:\n"
        "  - measure: dayz\n"  # line 2: an unknown measure
        "    action: A\n"
        "    due: 2026-01-10\n"
        "  - measure: days\n"  # line 5: no due date
        "    action: B\n"
        "  - measure: days\n"
        "    action: C\n"
        "    due: soon\n"  # line 9: not a date
        "    status: started\n"  # line 10: not a status
        "    owners: X\n"  # line 11: unknown field
    )
    actions, problems = validate_actions(path, measures=["days"])
    assert actions.empty
    lines = sorted(p.line for p in problems)
    assert lines == [2, 5, 9, 10, 11]
    assert "did you mean 'days'" in next(p.message for p in problems if p.line == 2)
    with pytest.raises(MeasuresError, match=r"actions.yml:2"):
        read_actions(path, measures=["days"])


def test_research_kit_check_reports_the_actions_file(tmp_path):
    from research_kit import open_study
    from research_kit.checks import check_folder

    folder = tmp_path / "study"
    with open_study(folder):
        pass
    (folder / "days.csv").write_text("period,value\n1,4\n2,6\n")
    (folder / "measures.yml").write_text(
        "measures:\n  - {id: days, name: Days, polarity: neither, source: {csv: days.csv}}\n"
    )
    (folder / "actions.yml").write_text(
        "actions:\n  - {measure: days, action: A, due: 2026-01-10}\n"
        "  - {measure: dayz, action: B, due: 2026-01-10}\n"
    )
    problems = [p for p in check_folder(folder) if str(p.path).endswith("actions.yml")]
    assert [(p.line, "'dayz'" in p.message) for p in problems] == [(3, True)]

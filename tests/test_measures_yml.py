"""measures.yml: read, validated with line numbers, checked by `research-kit check`, charted."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from research_kit.checks import check_folder
from research_kit.errors import MeasuresError
from research_kit.measures import (
    chart_measure,
    measure_values,
    read_measures,
    validate_measures,
)
from research_kit.measures.definitions import MEASURE_KEYS, SOURCE_KEYS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _doc_example() -> str:
    text = (DOCS / "measures-yml.md").read_text(encoding="utf-8")
    return re.search(r"```yaml\n(.*?)```", text, re.DOTALL).group(1)


def test_the_documented_example_reads_with_every_kind_of_target(tmp_path):
    path = _write(tmp_path, "measures.yml", _doc_example())
    measures, problems = validate_measures(path)
    assert problems == []
    days, share = measures
    assert days.improvement == "decrease" and days.target.kind == "trajectory"
    assert days.target.trajectory == (("2024-01", 30.0), ("2025-07", 20.0))
    assert days.rebase == ("2025-07-01",)
    assert share.target.kind == "range" and share.chart == "p"
    assert share.source.options["group"] == "ward"


def test_the_doc_lists_exactly_the_fields_the_parser_reads():
    text = (DOCS / "measures-yml.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    sections = {
        heading.strip(): set(re.findall(r"^\| `([^`]+)` \|", body, re.MULTILINE))
        for heading, body in zip(parts[1::2], parts[2::2], strict=True)
    }
    assert sections["measures"] == set(MEASURE_KEYS)
    assert sections["source"] == {key for keys in SOURCE_KEYS.values() for key in keys}


def _problems(tmp_path, text, **known):
    path = _write(tmp_path, "measures.yml", text)
    return validate_measures(path, **known)


def test_problems_name_their_line(tmp_path):
    measures, problems = _problems(
        tmp_path,
        """
        measures:
          - id: days
            name: Days
            polarity: lower_is_beter
            sourse: {csv: days.csv}
          - id: days
            name: Days again
            polarity: neither
            source: {csv: days.csv}
        """,
    )
    found = {(p.line, p.message) for p in problems}
    assert any(line == 4 and "did you mean 'lower_is_better'" in m for line, m in found)
    assert any(line == 5 and "unknown field 'sourse'" in m and "'source'" in m for line, m in found)
    assert any(line == 2 and "no 'source'" in m for line, m in found)
    assert measures == []  # the first has errors; the second repeats an id
    assert any(line == 6 and "used twice" in m for line, m in found)


def test_sources_are_checked_against_the_study(tmp_path):
    _, problems = _problems(
        tmp_path,
        """
        measures:
          - id: days
            name: Days
            polarity: lower_is_better
            source:
              event_log: permit
              statistic: median
          - id: easy
            name: Easy to follow
            polarity: higher_is_better
            source: {survey: residents, question: Easy to follow}
          - id: both
            name: Both
            polarity: neither
            source: {csv: a.csv, survey: residents}
        """,
        event_logs=["permits"],
        surveys=["residents"],
    )
    messages = {p.line: p.message for p in problems}
    assert "no event log 'permit'" in messages[6] and "did you mean 'permits'" in messages[6]
    assert "statistic 'median'" in messages[7]
    assert "needs 'answers'" in messages[11]
    assert "exactly one of" in messages[15]


def test_targets_and_charts_are_validated(tmp_path):
    _, problems = _problems(
        tmp_path,
        """
        measures:
          - id: a
            name: A
            polarity: higher_is_better
            target: {low: 9, high: 3}
            source: {csv: a.csv}
          - id: b
            name: B
            polarity: higher_is_better
            target:
              - {from: 2025-07, value: 20}
              - {from: 2025-01, value: 30}
            source: {csv: b.csv}
          - id: c
            name: C
            polarity: higher_is_better
            chart: p
            baseline: 1
            source: {csv: c.csv}
          - id: d
            name: D
            polarity: higher_is_better
            source: {csv: d.csv, numerator: n}
        """,
    )
    messages = " | ".join(f"{p.line}: {p.message}" for p in problems)
    assert "5: measure 'a': a target range needs numbers 'low' ≤ 'high'" in messages
    assert "10: measure 'b': the target trajectory is not in time order" in messages
    assert "17: measure 'c' is a P chart but its source names no numerator" in messages
    assert "18: measure 'c': baseline must be a whole number" in messages
    assert "23: measure 'd': a rate needs both" in messages


def test_a_broken_yaml_file_names_its_line(tmp_path):
    path = _write(tmp_path, "measures.yml", "measures:\n  - id: a\n    name: [unclosed\n")
    _, problems = validate_measures(path)
    assert problems[0].line is not None and "not valid YAML" in problems[0].message
    with pytest.raises(MeasuresError):
        read_measures(path)


def _study(tmp_path, measures_text, csv_text):
    _write(tmp_path, "study.yml", "name: Measures test\n")
    _write(tmp_path, "measures.yml", measures_text)
    _write(tmp_path, "values/days.csv", csv_text)
    return tmp_path


MEASURES = """
measures:
  - id: days
    name: Days to a permit
    polarity: lower_is_better
    target: 28
    rebase: [2025-05]
    source: {csv: values/days.csv, period: month, value: days}
  - id: missing
    name: A file nobody wrote
    polarity: neither
    source: {csv: values/nothing.csv}
"""


def test_research_kit_check_reports_measures_and_their_csvs(tmp_path):
    folder = _study(tmp_path, MEASURES, "month,days\n2025-01,31\n2025-02,thirty\n")
    problems = [
        p for p in check_folder(folder) if "measures" in str(p.path) or "days" in str(p.path)
    ]
    lines = {(Path(p.path).name, p.line): p.message for p in problems}
    assert "not a number" in lines[("days.csv", 3)]
    assert "does not exist" in lines[("measures.yml", 11)]


def test_values_are_read_and_charted_as_the_measure_says(tmp_path):
    rows = "\n".join(
        f"2025-{m:02d},{v}"
        for m, v in zip(range(1, 11), [31, 30, 32, 31, 24, 23, 22, 24, 23, 22], strict=True)
    )
    folder = _study(tmp_path, MEASURES, "month,days\n" + rows + "\n")
    days = read_measures(folder / "measures.yml")[0]
    values = measure_values(days, folder)
    assert values["period"].dt.month.tolist() == list(range(1, 11))
    chart = chart_measure(days, values)
    assert chart["phase"].tolist() == [0] * 4 + [1] * 6  # the rebase at 2025-05
    assert chart["assurance"].iloc[-1] == "consistent_pass"


def test_repeated_periods_and_missing_columns_name_the_line(tmp_path):
    folder = _study(tmp_path, MEASURES, "month,days\n2025-01,31\n2025-02,30\n2025-01,29\n")
    days = read_measures(folder / "measures.yml")[0]
    with pytest.raises(MeasuresError, match="twice") as raised:
        measure_values(days, folder)
    assert raised.value.line == 4
    _write(folder, "values/days.csv", "month,value\n2025-01,31\n")
    with pytest.raises(MeasuresError, match="no column 'days'"):
        measure_values(days, folder)


def test_shares_by_group_and_a_trajectory(tmp_path):
    _write(tmp_path, "measures.yml", _doc_example())
    share = read_measures(tmp_path / "measures.yml")[1]
    months = [f"2025-{m:02d}" for m in range(1, 7)]
    rows = [
        f"{month},{ward},{n},{d}"
        for month in months
        for ward, n, d in [("Ward 1", 40, 50), ("Ward 2", 30, 50)]
    ]
    _write(
        tmp_path,
        "measures/decisions.csv",
        "month,ward,within_deadline,decided\n" + "\n".join(rows) + "\n",
    )
    values = measure_values(share, tmp_path)
    chart = chart_measure(share, values)
    assert chart.groupby("group")["mean"].first().tolist() == pytest.approx([0.8, 0.6])
    assert chart["assurance"].isna().all()  # a range target has no single value to judge by

    days = read_measures(tmp_path / "measures.yml")[0]
    frame = pd.DataFrame(
        {
            "measure": "permit_days",
            "period": pd.to_datetime(["2025-06-01", "2025-07-01", "2025-08-01"]),
            "value": [30.0, 21, 19],
        }
    )
    assert chart_measure(days, frame)["target"].tolist() == [30.0, 20.0, 20.0]

"""Measures computed from an event log: by hand, and on a real municipal permit log."""

from __future__ import annotations

import pytest

from research_kit.measures import chart_measure, log_measure_values
from research_kit.measures.definitions import Measure, MeasureSource
from research_kit.process import deadline_cases, event_table, read_event_log
from research_kit.settings import Deadline


def _measure(statistic, frequency="monthly", **options):
    source = MeasureSource("event_log", "permits", {"statistic": statistic, **options})
    return Measure("m", "M", "lower_is_better", source, frequency=frequency)


LOG = event_table(
    {
        "a": [("Apply", "2025-01-02 10:00"), ("Issue", "2025-01-12 10:00")],
        "b": [("Apply", "2025-01-20 10:00"), ("Issue", "2025-02-03 22:00")],
        "c": [("Apply", "2025-02-10 10:00")],
        "d": [
            ("Issue", "2025-02-11 10:00"),
            ("Apply", "2025-02-12 10:00"),
            ("Issue", "2025-03-01 10:00"),
        ],
    }
)


def test_median_days_by_hand():
    values = log_measure_values(_measure("median_days", **{"from": "Apply", "to": "Issue"}), LOG)
    # d's Issue before its Apply does not stop the clock; its later one does (17 days)
    assert values["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert values["value"].tolist() == pytest.approx([10.0, 14.5, 17.0])
    assert values["cases"].tolist() == [1, 1, 1]


def test_periods_follow_the_study_time_zone():
    # b's permit is issued at 22:00 UTC on 3 Feb; in Tokyo that is already 4 Feb, and a
    # permit issued at 23:30 UTC on 31 January is in February there
    log = event_table({"x": [("Apply", "2025-01-20 10:00"), ("Issue", "2025-01-31 23:30")]})
    measure = _measure("median_days", **{"from": "Apply", "to": "Issue"})
    assert log_measure_values(measure, log)["period"].dt.month.tolist() == [1]
    assert log_measure_values(measure, log, timezone="Asia/Tokyo")["period"].dt.month.tolist() == [
        2
    ]


def test_backlog_at_each_month_end_by_hand():
    values = log_measure_values(_measure("backlog", **{"from": "Apply", "to": "Issue"}), LOG)
    # end of Jan: b open; end of Feb: c and d open (b issued 3 Feb); end of Mar: c
    assert values["value"].tolist() == [1.0, 2.0, 1.0]


def test_share_within_deadline_by_start_month():
    deadline = Deadline("Permit", "Apply", "Issue", "12 days")
    cases = deadline_cases(LOG, deadline, as_of="2025-03-31")
    values = log_measure_values(
        _measure("share_within_deadline", deadline="Permit"), LOG, deadline_cases=cases
    )
    # January: a within (10 days), b breached (14); February: c open past due → breached,
    # d breached (17 days)
    assert values["numerator"].tolist() == [1, 0]
    assert values["denominator"].tolist() == [2, 2]
    assert values["value"].tolist() == [0.5, 0.0]


def test_a_missing_activity_is_named():
    from research_kit.errors import MeasuresError

    with pytest.raises(MeasuresError, match="no activity 'Issued'"):
        log_measure_values(_measure("median_days", **{"from": "Apply", "to": "Issued"}), LOG)


def test_a_real_permit_log_weekly_and_monthly(shared_data):
    log = read_event_log(
        shared_data / "process" / "receipt.csv",
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        lifecycle="lifecycle:transition",
        timezone="Europe/Amsterdam",
    )
    first, last = "Confirmation of receipt", "T10 Determine necessity to stop indication"
    measure = _measure("median_days", **{"from": first, "to": last})
    monthly = log_measure_values(measure, log, timezone="Europe/Amsterdam")
    # the same medians, computed case by case
    starts = log[log["activity"] == first].groupby("case_id")["timestamp"].min()
    ends = log[log["activity"] == last].merge(starts.rename("began"), on="case_id")
    ends = (
        ends[ends["timestamp"] > ends["began"]]
        .groupby("case_id")
        .agg(end=("timestamp", "min"), began=("began", "first"))
    )
    days = (ends["end"] - ends["began"]).dt.total_seconds() / 86400
    month = ends["end"].dt.tz_convert("Europe/Amsterdam").dt.strftime("%Y-%m")
    expected = days.groupby(month.to_numpy()).median()
    assert monthly["period"].dt.strftime("%Y-%m").tolist() == expected.index.tolist()
    assert monthly["value"].tolist() == pytest.approx(expected.tolist())
    assert monthly["cases"].sum() == len(ends)

    backlog = log_measure_values(_measure("backlog", **{"from": first, "to": last}), log)
    assert (backlog["value"] >= 0).all()
    chart = chart_measure(measure, monthly)
    assert len(chart) == len(monthly) and chart["upper_limit"].notna().all()


SAMPLE_MEASURES = """
measures:
  - id: knew_status
    name: Applicants who always knew the status of their application
    polarity: higher_is_better
    frequency: yearly
    source:
      survey: permitting_2026
      question: I always knew the status of my application
      answers: [Agree, Strongly agree]
  - id: days_to_check
    name: Median days to the completeness check
    polarity: lower_is_better
    source:
      event_log: permits
      statistic: median_days
      from: Submit application
      to: Completeness check
"""


def test_the_sample_study_measures_its_survey_and_its_log(tmp_path):
    import shutil
    from pathlib import Path

    from research_kit import open_study
    from research_kit.checks import check_folder
    from research_kit.measures import read_measures, survey_measure_values
    from research_kit.survey import wave_change

    folder = tmp_path / "study"
    sample = Path(__file__).resolve().parents[1] / "interview_data"
    shutil.copytree(sample, folder, ignore=shutil.ignore_patterns("study.db*"))
    (folder / "measures.yml").write_text(SAMPLE_MEASURES.lstrip(), encoding="utf-8")
    assert [p for p in check_folder(folder) if Path(p.path).name == "measures.yml"] == []

    knew, days = read_measures(folder / "measures.yml")
    with open_study(folder) as study:
        table = wave_change(
            study, knew.source.options["question"], value=knew.source.options["answers"]
        )
        log = study.event_log(days.source.name)
        timezone = study.settings.timezone
    values = survey_measure_values(knew, table)
    assert values["wave_number"].tolist() == [1, 2]
    assert ((values["ci_low"] <= values["value"]) & (values["value"] <= values["ci_high"])).all()
    monthly = log_measure_values(days, log, timezone=timezone)
    assert (monthly["value"] > 0).all() and monthly["period"].is_monotonic_increasing
    assert len(chart_measure(days, monthly)) == len(monthly)


def test_the_study_offers_its_measures_values_and_charts(tmp_path):
    import shutil
    from pathlib import Path

    from research_kit import open_study
    from research_kit.errors import MeasuresError

    folder = tmp_path / "study"
    sample = Path(__file__).resolve().parents[1] / "interview_data"
    shutil.copytree(sample, folder, ignore=shutil.ignore_patterns("study.db*"))
    text = SAMPLE_MEASURES.lstrip() + (
        "  - id: complete_in_time\n"
        "    name: Completeness decided within 30 days\n"
        "    polarity: higher_is_better\n"
        "    target: 0.9\n"
        "    source: {event_log: permits, statistic: share_within_deadline,"
        " deadline: Completeness determination}\n"
    )
    (folder / "measures.yml").write_text(text, encoding="utf-8")
    with open_study(folder) as study:
        assert [m.id for m in study.measures()] == [
            "knew_status",
            "days_to_check",
            "complete_in_time",
        ]
        share = study.measure_values("complete_in_time")
        chart = study.measure_chart("complete_in_time")
        survey = study.measure_values("knew_status")
        with pytest.raises(MeasuresError, match="did you mean 'days_to_check'"):
            study.measure_values("days_to_chek")
    assert (share["numerator"] <= share["denominator"]).all()
    assert share["value"].between(0, 1).all()
    assert {"lower_limit", "upper_limit", "assurance"} <= set(chart.columns)
    assert chart["lower_limit"].ge(0).all() and chart["upper_limit"].le(1).all()
    assert len(survey) == 2

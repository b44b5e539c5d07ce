"""Deadlines and business-day calendars: hand-computed cases, open and repeated cases,
suppression, the Wilson interval, study.yml validation and the bundled study's deadlines."""

from __future__ import annotations

import datetime as dt
import math
import random
import textwrap

import numpy as np
import pandas as pd
import pytest

import research_kit
from research_kit.errors import StudyConfigError
from research_kit.process import (
    BusinessCalendar,
    Deadline,
    deadline_cases,
    deadline_performance,
    event_table,
    wilson_interval,
)
from research_kit.settings import read_settings, validate_settings

LA = "America/Los_Angeles"
JULY_4 = dt.date(2025, 7, 4)  # a Friday
CITY = BusinessCalendar(holidays=(JULY_4,), name="city")


# -- hand-computed cases -----------------------------------------------------------------------
def test_business_days_over_a_weekend_and_a_holiday_match_the_hand_count():
    # Filed Friday 2025-06-27 at 18:30 in Port Alder (PDT, UTC-7): 01:30 UTC on Saturday 06-28.
    # Decided Tuesday 2025-07-08 at 09:00 PDT. Counted by local date from Fri 06-27 (day 0, a
    # business day) up to, not including, Tue 07-08:
    #   Fri 27, [Sat 28, Sun 29 weekend], Mon 30, Tue 1, Wed 2, Thu 3, [Fri 4 holiday], Mon 7
    #   = 6 business days.  Calendar days: 07-08 minus 06-27 = 3 + 8 = 11.
    # Due date for 6 business days: Mon 30 (1), Tue 1 (2), Wed 2 (3), Thu 3 (4), Mon 7 (5),
    #   Tue 8 (6) = 2025-07-08, the decision day, so 6 business days is met and 5 is missed by 1.
    log = event_table(
        {"A": [("Submit", "2025-06-27T18:30:00-07:00"), ("Decide", "2025-07-08T09:00-07:00")]}
    )
    six = deadline_cases(
        log, Deadline("d", "Submit", "Decide", "6 business days"), calendar=CITY, timezone=LA
    )
    assert six.loc[0, ["elapsed", "status", "over_by"]].tolist() == [6, "within", 0]
    assert six.loc[0, "due"] == dt.date(2025, 7, 8)
    five = deadline_cases(
        log, Deadline("d", "Submit", "Decide", "5 business days"), calendar=CITY, timezone=LA
    )
    assert five.loc[0, ["elapsed", "status", "over_by"]].tolist() == [6, "breached", 1]
    days = deadline_cases(log, Deadline("d", "Submit", "Decide", "10 days"), timezone=LA)
    assert days.loc[0, ["elapsed", "status", "over_by"]].tolist() == [11, "breached", 1]
    # In UTC the filing falls on Saturday 06-28, counts as Monday 06-30, and only Mon 30,
    # Tue 1, Wed 2, Thu 3, Mon 7 = 5 business days elapse: the time zone matters.
    utc = deadline_cases(log, Deadline("d", "Submit", "Decide", "5 business days"), calendar=CITY)
    assert utc.loc[0, "elapsed"] == 5


def test_a_weekend_filing_counts_from_the_next_business_day():
    # Filed Saturday 06-28, decided Monday 06-30: the filing counts as Monday, 0 days.
    # Decided Saturday 07-05: counts as Monday 07-07; Mon 30, Tue 1, Wed 2, Thu 3 = 4
    # (Friday 07-04 is the holiday).
    calendar = CITY
    starts = [dt.date(2025, 6, 28), dt.date(2025, 6, 28)]
    ends = [dt.date(2025, 6, 30), dt.date(2025, 7, 5)]
    assert calendar.business_days_between(starts, ends).tolist() == [0, 4]
    # Without the holiday, Friday 07-04 counts: 5.
    assert BusinessCalendar().business_days_between(starts[1:], ends[1:]).tolist() == [5]


def test_business_day_counts_agree_with_a_day_by_day_count():
    calendar = BusinessCalendar(weekend=("fri", "sat"), holidays=(JULY_4, dt.date(2025, 7, 8)))
    closed = {4, 5}  # Friday and Saturday, as date.weekday() numbers them

    def business(day: dt.date) -> bool:
        return day.weekday() not in closed and day not in calendar.holidays

    def rolled(day: dt.date) -> dt.date:
        while not business(day):
            day += dt.timedelta(days=1)
        return day

    rng = random.Random(7)
    origin = dt.date(2025, 6, 1)
    starts = [origin + dt.timedelta(days=rng.randrange(60)) for _ in range(300)]
    ends = [start + dt.timedelta(days=rng.randrange(40)) for start in starts]
    expected = []
    for start, end in zip(starts, ends, strict=True):
        first, last = rolled(start), rolled(end)
        days = (first + dt.timedelta(days=k) for k in range((last - first).days))
        expected.append(sum(business(day) for day in days))
    assert calendar.business_days_between(starts, ends).tolist() == expected


def test_calendar_days_count_dates_so_the_time_of_day_does_not_matter():
    # 2025-03-01 09:00 to 03-31 23:59 is 30 days (within 30); to 04-01 00:01 is 31 (over by 1).
    log = event_table(
        {
            "late in the last day": [
                ("Submit", "2025-03-01 09:00"),
                ("Decide", "2025-03-31 23:59"),
            ],
            "just after midnight": [("Submit", "2025-03-01 09:00"), ("Decide", "2025-04-01 00:01")],
        }
    )
    cases = deadline_cases(log, Deadline("d", "Submit", "Decide", "30 days"))
    assert cases[["elapsed", "status", "over_by"]].values.tolist() == [
        [30, "within", 0],
        [31, "breached", 1],
    ]
    weeks = deadline_cases(log, Deadline("d", "Submit", "Decide", "6 weeks"))
    assert weeks["target"].tolist() == [42, 42] and set(weeks["status"]) == {"within"}


# -- open, stopped, repeated and unstarted cases -----------------------------------------------
def test_open_cases_are_never_within_and_breach_once_their_target_has_passed():
    log = event_table(
        {
            "done": [("Submit", "2025-03-03"), ("Decide", "2025-03-05")],
            "open, young": [("Submit", "2025-03-25")],
            "open, overdue": [("Submit", "2025-03-01")],
            "withdrawn early": [("Submit", "2025-03-02"), ("Withdraw", "2025-03-04")],
            "withdrawn late": [("Submit", "2025-03-02"), ("Withdraw", "2025-03-30")],
        }
    )
    deadline = Deadline("d", "Submit", "Decide", "10 days", stop=("Withdraw",))
    result = deadline_performance(log, deadline, as_of="2025-03-31 12:00", min_cell_size=0)
    cases = result.cases.set_index("case_id")
    assert cases["state"].to_dict() == {
        "done": "reached",
        "open, young": "open",
        "open, overdue": "open",
        "withdrawn early": "stopped",
        "withdrawn late": "stopped",
    }
    # Open to 03-31: 25 -> 31 is 6 days (undecided), 01 -> 31 is 30 days (breached by 20).
    assert cases["elapsed"].tolist() == [2, 6, 30, 2, 28]
    assert cases["status"].tolist() == ["within", "undecided", "breached", "undecided", "breached"]
    row = result.summary.iloc[0]
    assert row[
        ["n_cases", "n_within", "n_breached", "n_undecided", "n_open", "n_stopped"]
    ].tolist() == [5, 1, 2, 2, 2, 2]
    assert row["share_within"] == pytest.approx(1 / 3)
    assert set(result.breaches["case_id"]) == {"open, overdue", "withdrawn late"}
    assert result.breaches["over_by"].tolist() == [20, 18]  # most overdue first


def test_repeated_activities_run_from_the_first_start_to_the_first_end_after_it():
    log = event_table(
        {
            # Resubmitted on day 5 and re-issued on day 20: the clock runs 01 -> 10.
            "repeats": [
                ("Submit", "2025-05-01"),
                ("Submit", "2025-05-05"),
                ("Decide", "2025-05-10"),
                ("Decide", "2025-05-20"),
            ],
            # An end before the start is not the end of this clock: 02 -> 04.
            "end first": [
                ("Decide", "2025-05-01"),
                ("Submit", "2025-05-02"),
                ("Decide", "2025-05-04"),
            ],
            # No start: not measured, never in the share.
            "no start": [("Decide", "2025-05-03")],
        }
    )
    result = deadline_performance(log, Deadline("d", "Submit", "Decide", "5 days"), min_cell_size=0)
    cases = result.cases.set_index("case_id")
    assert cases.loc["repeats", "start"] == pd.Timestamp("2025-05-01", tz="UTC")
    assert cases.loc["repeats", "end"] == pd.Timestamp("2025-05-10", tz="UTC")
    assert cases["elapsed"].tolist()[:2] == [9, 2]
    assert cases.loc["no start", ["state", "status"]].tolist() == ["not started", "not measured"]
    assert pd.isna(cases.loc["no start", "elapsed"])
    row = result.summary.iloc[0]
    assert row[["n_within", "n_breached", "n_not_started"]].tolist() == [1, 1, 1]


def test_events_are_ordered_by_time_not_by_file_order():
    log = event_table({"A": [("Decide", "2025-05-04"), ("Submit", "2025-05-02")]})
    cases = deadline_cases(log, Deadline("d", "Submit", "Decide", "5 days"))
    assert cases.loc[0, ["state", "elapsed"]].tolist() == ["reached", 2]


# -- breakdowns and suppression ----------------------------------------------------------------
def _ward_log() -> pd.DataFrame:
    sizes = {"Ward 1": 8, "Ward 2": 7, "Ward 3": 2, "Ward 4": 9}
    cases, wards = {}, {}
    for ward, size in sizes.items():
        for k in range(size):
            case = f"{ward}-{k}"
            cases[case] = [("Submit", "2025-02-03"), ("Decide", f"2025-02-{4 + 2 * k:02d}")]
            wards[case] = ward
    log = event_table(cases)
    log["ward"] = log["case_id"].map(wards)
    return log


def test_small_wards_are_suppressed_with_a_complement_through_the_privacy_gate():
    deadline = Deadline("d", "Submit", "Decide", "7 days")
    result = deadline_performance(_ward_log(), deadline, by="ward", min_cell_size=5)
    wards = result.summary[result.summary["by"] == "ward"].set_index("group")
    assert wards.loc["Ward 3", "suppression_reason"] == "small group"
    complements = wards.index[wards["suppression_reason"] == "complementary"]
    assert len(complements) >= 1  # else Ward 3 = all - the others
    hidden = wards[wards["suppressed"]]
    assert hidden[["n_cases", "n_within", "share_within", "ci_low"]].isna().all().all()
    shown = wards[~wards["suppressed"]]
    assert shown["share_within"].notna().all()
    overall = result.summary[result.summary["by"] == "all"].iloc[0]
    assert not overall["suppressed"] and overall["n_cases"] == 26
    # Days 1, 3, 5, 7 are within 7 days in every ward: Ward 1 has 4 of 8 within.
    assert wards.loc["Ward 1", ["n_within", "n_breached"]].tolist() == [4, 4]
    everything = deadline_performance(_ward_log(), deadline, by="ward", min_cell_size=0)
    assert not everything.summary["suppressed"].any()


def test_breakdown_by_start_month_uses_the_local_month():
    # 2025-03-01 02:00 UTC is still February in Port Alder.
    log = event_table({"A": [("Submit", "2025-03-01T02:00Z"), ("Decide", "2025-03-02T02:00Z")]})
    result = deadline_performance(
        log,
        Deadline("d", "Submit", "Decide", "5 days"),
        by="start_month",
        timezone=LA,
        min_cell_size=0,
    )
    assert result.summary["group"].tolist() == ["all", "2025-02"]


# -- the confidence interval -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("k", "n", "confidence"), [(81, 263, 0.95), (0, 10, 0.95), (10, 10, 0.95), (7, 9, 0.9)]
)
def test_wilson_interval_matches_the_hand_formula(k, n, confidence):
    z = {0.95: 1.959963984540054, 0.9: 1.6448536269514722}[confidence]
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(k, n, confidence=confidence)
    assert float(low) == pytest.approx(max(centre - half, 0.0), abs=1e-12)
    assert float(high) == pytest.approx(min(centre + half, 1.0), abs=1e-12)


def test_wilson_interval_reproduces_newcombes_published_example_and_empty_groups():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553 to 0.3662.
    low, high = wilson_interval([81, 0], [263, 0])
    assert [round(low[0], 4), round(high[0], 4)] == [0.2553, 0.3662]
    assert np.isnan(low[1]) and np.isnan(high[1])


# -- study.yml ---------------------------------------------------------------------------------
def _settings_with(tmp_path, block: str):
    (tmp_path / "study.yml").write_text("name: t\n" + textwrap.dedent(block))
    return validate_settings(tmp_path)


def _line_of(tmp_path, text: str) -> int:
    lines = (tmp_path / "study.yml").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_deadlines_and_calendars_are_read_from_study_yml(tmp_path):
    settings, problems = _settings_with(
        tmp_path,
        """\
        deadlines:
          - name: Decision
            from: Submit
            to: Decide
            within: 10 business days
            calendar: city
            stop: Withdraw
        calendars:
          city: {weekend: [Sat, sunday], holidays: [2025-07-04, "2025-01-01"]}
        """,
    )
    assert problems == []
    (deadline,) = settings.deadlines
    assert (deadline.start, deadline.end, deadline.amount, deadline.unit) == (
        "Submit",
        "Decide",
        10,
        "business days",
    )
    assert deadline.stop == ("Withdraw",) and deadline.line == 3
    city = settings.calendars["city"]
    assert city.weekend == ("sat", "sun")
    assert city.holidays == (dt.date(2025, 1, 1), dt.date(2025, 7, 4))


@pytest.mark.parametrize(
    ("block", "where", "words"),
    [
        ("deadlines:\n  - name: D\n    from: a\n    to: b\n    within: 30 dayz\n", "within:",
         "'30 dayz' is not a number of days"),
        ("deadlines:\n  - name: D\n    from: a\n    to: b\n    within: 30\n", "within:",
         "30 is not a number of days"),
        ("deadlines:\n  - name: D\n    from: a\n    within: 3 days\n", "name: D", "has no 'to'"),
        ("deadlines:\n  - name: D\n    from: a\n    to: b\n    within: 3 days\n    calendar: x\n",
         "calendar: x", "calendar 'x', which is not defined"),
        ("calendars:\n  city:\n    holidays:\n      - 2025-01-01\n      - next tuesday\n",
         "next tuesday", "holiday 'next tuesday' is not a date"),
        ("calendars:\n  city:\n    weekend: [sat, caturday]\n", "weekend:",
         "weekend 'caturday' is not a list of weekdays"),
        ("deadlines:\n  - {name: D, from: a, to: b, within: 1 day}\n"
         "  - {name: D, from: a, to: c, within: 1 day}\n", "to: c", "'D' is defined twice"),
    ],
)  # fmt: skip
def test_settings_errors_name_the_file_and_line(tmp_path, block, where, words):
    _, problems = _settings_with(tmp_path, block)
    errors = [problem for problem in problems if problem.severity == "error"]
    assert len(errors) == 1, problems
    assert words in errors[0].message
    assert errors[0].line == _line_of(tmp_path, where)
    with pytest.raises(StudyConfigError) as raised:
        read_settings(tmp_path)
    assert f"study.yml:{errors[0].line}:" in str(raised.value)


@pytest.mark.parametrize(
    ("block", "where", "words"),
    [
        ("deadlines:\n  - name: D\n    from: a\n    to: b\n    within: 3 days\n    calender: x\n",
         "calender: x", "deadline 'D': unknown key 'calender'"),
        ("calendars:\n  city:\n    holiday: [2025-01-01]\n", "holiday:",
         "calendar 'city': unknown key 'holiday'"),
    ],
)  # fmt: skip
def test_a_misspelt_key_is_warned_about_with_its_line(tmp_path, block, where, words):
    # Ignored silently, "calender:" would count the deadline on Monday to Friday.
    _, problems = _settings_with(tmp_path, block)
    (warning,) = problems
    assert warning.severity == "warning" and words in warning.message
    assert warning.line == _line_of(tmp_path, where)


def test_a_deadline_written_in_code_refuses_an_unknown_unit():
    with pytest.raises(StudyConfigError, match="fortnights"):
        Deadline("d", "a", "b", "2 fortnights")


# -- the bundled study -------------------------------------------------------------------------
def _federal_holidays(year: int) -> set[dt.date]:
    """US federal holidays (5 U.S.C. 6103) as observed, computed from their rules."""

    def nth_monday(month: int, n: int) -> dt.date:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))

    def observed(day: dt.date) -> dt.date:
        shift = {5: -1, 6: 1}.get(day.weekday(), 0)
        return day + dt.timedelta(days=shift)

    may_end = dt.date(year, 5, 31)
    november = dt.date(year, 11, 1)
    fixed = [(1, 1), (6, 19), (7, 4), (11, 11), (12, 25)]
    return {observed(dt.date(year, month, day)) for month, day in fixed} | {
        nth_monday(1, 3),
        nth_monday(2, 3),
        may_end - dt.timedelta(days=may_end.weekday()),
        nth_monday(9, 1),
        nth_monday(10, 2),
        november + dt.timedelta(days=(3 - november.weekday()) % 7 + 21),
    }


def test_the_sample_calendar_lists_the_us_federal_holidays(sample_study_path):
    settings = read_settings(sample_study_path)
    expected = set().union(*(_federal_holidays(year) for year in (2024, 2025, 2026)))
    assert set(settings.calendars["city"].holidays) == expected


def test_the_bundled_studys_deadlines_compute_and_its_check_stays_clean(sample_study_path):
    study = research_kit.open_study(sample_study_path)
    try:
        assert not [p for p in study.check() if p.severity == "error"]
        result = study.deadlines(by=["start_month", "permit_type", "ward"])
        names = [deadline.name for deadline in study.settings.deadlines]
        assert names and result.summary["deadline"].unique().tolist() == names
        overall = result.summary[result.summary["by"] == "all"].set_index("deadline")
        decided = overall["n_within"] + overall["n_breached"]
        assert (decided > 0).all(), "every deadline (step ids included) reaches some cases"
        shares = overall["share_within"]
        assert ((overall["ci_low"] <= shares) & (shares <= overall["ci_high"])).all()
        assert set(result.breaches["deadline"]) <= set(names)
        assert (result.breaches["over_by"] > 0).all()
        with pytest.raises(StudyConfigError, match="no deadline 'Nope'"):
            study.deadlines("Nope")
    finally:
        study.close()


def test_check_warns_about_a_deadline_naming_no_known_activity(sample_study_path):
    settings = sample_study_path / "study.yml"
    text = settings.read_text().replace("to: Issue permit", "to: Issue permits", 1)
    settings.write_text(text)
    study = research_kit.open_study(sample_study_path)
    try:
        problems = [p for p in study.check() if "deadline" in p.message]
    finally:
        study.close()
    assert [p.severity for p in problems] == ["warning"]
    assert "'Issue permits'" in problems[0].message
    lines = text.splitlines()
    line = next(n for n, content in enumerate(lines, 1) if "name: Permit decision" in content)
    assert problems[0].line == line


def test_as_of_measures_the_deadline_as_it_stood_then():
    log = event_table(
        {
            "A": [("Submit", "2025-03-03 09:00"), ("Decide", "2025-03-20 09:00")],
            "B": [("Submit", "2025-03-12 09:00")],  # after as_of: not known yet
        }
    )
    deadline = Deadline("d", "Submit", "Decide", "10 days")
    # On 03-10 (local, Port Alder) A is open 7 days in: undecided, its later decision unknown.
    cases = deadline_cases(log, deadline, as_of="2025-03-10 12:00", timezone=LA)
    assert cases[["case_id", "state", "elapsed", "status"]].values.tolist() == [
        ["A", "open", 7, "undecided"]
    ]


def test_a_named_calendar_left_out_is_said_not_silently_dropped():
    log = event_table({"A": [("Submit", "2025-07-03"), ("Decide", "2025-07-08")]})
    deadline = Deadline("d", "Submit", "Decide", "2 business days", calendar="city")
    with pytest.warns(UserWarning, match="calendar 'city'"):
        cases = deadline_cases(log, deadline)
    assert cases.loc[0, "elapsed"] == 3  # Thu 3, Fri 4, Mon 7: July 4 counted
    assert deadline_cases(log, deadline, calendar=CITY).loc[0, "elapsed"] == 2

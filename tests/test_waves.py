"""Survey waves: settings, question matching, change between waves, suppression, the chart.

The fixtures are tiny unweighted waves whose shares and standard errors can be worked out by
hand: an unweighted share p of n respondents has the linearised ("fixed weights") standard
error sqrt(p (1 - p) / (n - 1)), and the change between two independent waves has
sqrt(se1² + se2²).
"""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from scipy import stats

import research_kit
from research_kit.checks import check_folder
from research_kit.cli import main
from research_kit.errors import StudyConfigError, SurveyError
from research_kit.settings import survey_waves, validate_settings
from research_kit.survey import (
    describe_change,
    match_questions,
    wave_change,
    wave_trend_chart,
)

ROOT = Path(__file__).resolve().parents[1]
Q_EASY = "Was it easy?"
Q_SATISFIED = "How satisfied are you with the City's service?"
Q_STATUS = "I knew the status"


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _study_yml(folder: Path, surveys: str, *, min_cell_size: int = 1) -> None:
    (folder / "study.yml").write_text(
        f"name: Waves\nmin_cell_size: {min_cell_size}\n"
        "attributes:\n  ward: {type: category}\n"
        f"surveys:\n{surveys}",
        encoding="utf-8",
    )


WAVES_YML = """\
  - id: later
    path: later.csv
    respondent_id: id
    attributes: {Ward: ward}
    series: pulse
    wave: 2026
  - id: earlier
    path: earlier.csv
    respondent_id: id
    attributes: {Ward: ward}
    series: pulse
    wave: 2025
    match:
      Knew where it was: I knew the status
"""


@pytest.fixture
def two_waves(tmp_path: Path) -> Path:
    """2025: 4 people, 2 say yes (p = 0.5); 2026: 5 people, 4 say yes (p = 0.8)."""
    folder = tmp_path / "waves"
    folder.mkdir()
    _write_csv(
        folder / "earlier.csv",
        [
            "id",
            "Ward",
            Q_EASY,
            "how satisfied are you with the city’s service",
            "Knew where it was",
            "How did you hear of us?",
        ],
        [
            [f"a{i}", "Ward 1", yes, "3", "Yes", "Radio"]
            for i, yes in enumerate(["Yes", "Yes", "No", "No"])
        ],
    )
    _write_csv(
        folder / "later.csv",
        ["id", "Ward", Q_EASY, Q_SATISFIED, Q_STATUS, "New in 2026"],
        [
            [f"b{i}", "Ward 1", yes, "4", "No", "x"]
            for i, yes in enumerate(["Yes", "Yes", "Yes", "Yes", "No"])
        ],
    )
    _study_yml(folder, WAVES_YML)
    return folder


@pytest.fixture
def study(two_waves: Path):
    with research_kit.open_study(two_waves) as opened:
        yield opened


# -- settings --------------------------------------------------------------------------------
def test_series_and_waves_are_read_and_sorted_oldest_first(two_waves):
    settings, problems = validate_settings(two_waves)
    assert problems == []
    waves = survey_waves(settings.surveys)
    assert [(w.id, w.wave, w.series) for w in waves] == [
        ("earlier", "2025", "pulse"),
        ("later", "2026", "pulse"),
    ]
    assert waves[0].match == {"Knew where it was": Q_STATUS}


def test_numeric_wave_labels_sort_as_numbers(tmp_path):
    entries = "".join(
        f"  - {{id: s{w}, path: s.csv, respondent_id: id, series: s, wave: {w}}}\n"
        for w in (10, 9, 11)
    )
    _study_yml(tmp_path, entries)
    settings, _ = validate_settings(tmp_path)
    assert [w.wave for w in survey_waves(settings.surveys)] == ["9", "10", "11"]


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        ("  - {id: a, path: a.csv, respondent_id: id, wave: 2025}\n", 6, "has a wave but no"),
        ("  - {id: a, path: a.csv, respondent_id: id, series: s}\n", 6, "has no 'wave:'"),
        ("  - {id: a, path: a.csv, respondent_id: id, series: s, wave: [1]}\n", 6, "not a label"),
        ("  - {id: a, path: a.csv, respondent_id: id, series: [s], wave: 1}\n", 6, "not a name"),
        (
            "  - id: a\n    path: a.csv\n    respondent_id: id\n    series: s\n    wave: 1\n"
            "    match: [x]\n",
            11,
            "match must be a mapping",
        ),
        (
            "  - {id: a, path: a.csv, respondent_id: id, series: s, wave: 1}\n"
            "  - {id: b, path: b.csv, respondent_id: id, series: s, wave: 1}\n",
            7,
            "as is survey 'a'",
        ),
    ],
)
def test_bad_wave_settings_are_errors_with_their_line(tmp_path, entry, line, message):
    _study_yml(tmp_path, entry)
    _, problems = validate_settings(tmp_path)
    found = [p for p in problems if message in p.message]
    assert found, [str(p) for p in problems]
    assert found[0].line == line
    assert found[0].severity == "error"
    printed = [str(p) for p in check_folder(tmp_path)]
    assert any(f"study.yml:{line}: " in text and message in text for text in printed), printed


def test_research_kit_check_prints_the_line_of_a_bad_wave(tmp_path, capsys):
    _study_yml(tmp_path, "  - {id: a, path: a.csv, respondent_id: id, wave: 2025}\n")
    assert main(["check", str(tmp_path)]) == 1
    assert f"{tmp_path / 'study.yml'}:6: survey 'a': has a wave but no 'series:'" in (
        capsys.readouterr().out
    )


def test_a_survey_in_no_series_has_no_waves(tmp_path):
    _study_yml(tmp_path, "  - {id: a, path: a.csv, respondent_id: id}\n")
    settings, _ = validate_settings(tmp_path)
    with pytest.raises(StudyConfigError, match="no survey series"):
        survey_waves(settings.surveys)


# -- question matching -----------------------------------------------------------------------
def test_questions_match_by_id_text_and_match_pairs(study):
    table = match_questions(study)
    earlier = table[table["wave"] == "2025"].set_index("column")
    assert earlier.loc[Q_EASY, ["question", "matched_by"]].tolist() == [Q_EASY, "id"]
    assert earlier.loc["ward", "matched_by"] == "id"  # attributes match by their study name
    assert earlier.loc["how satisfied are you with the city’s service", "question"] == Q_SATISFIED
    assert earlier.loc["how satisfied are you with the city’s service", "matched_by"] == "text"
    assert earlier.loc["Knew where it was", ["question", "matched_by"]].tolist() == [
        Q_STATUS,
        "match",
    ]
    assert set(table.loc[table["wave"] == "2026", "matched_by"]) == {"reference"}


def test_unmatched_questions_are_reported(study, two_waves):
    table = match_questions(study)
    unmatched = table[table["matched_by"] == "unmatched"]
    assert unmatched[["wave", "column"]].values.tolist() == [["2025", "How did you hear of us?"]]
    assert unmatched["question"].isna().all()
    missing = table[table["matched_by"] == "not asked"]
    assert missing[["wave", "question"]].values.tolist() == [["2025", "New in 2026"]]
    warnings = [p for p in check_folder(two_waves) if "How did you hear of us?" in p.message]
    assert len(warnings) == 1
    assert warnings[0].severity == "warning"
    assert warnings[0].line == 12  # the 2025 wave's entry in study.yml


def test_match_pairs_chain_across_waves_and_win_over_names(tmp_path):
    _write_csv(tmp_path / "w1.csv", ["id", "Old name", "Same"], [["a", "1", "x"]])
    _write_csv(tmp_path / "w2.csv", ["id", "Middle name", "Same"], [["b", "2", "y"]])
    _write_csv(tmp_path / "w3.csv", ["id", "New name", "Same"], [["c", "3", "z"]])
    _study_yml(
        tmp_path,
        "  - {id: w3, path: w3.csv, respondent_id: id, series: s, wave: 3}\n"
        "  - {id: w2, path: w2.csv, respondent_id: id, series: s, wave: 2,"
        " match: {Middle name: New name}}\n"
        "  - {id: w1, path: w1.csv, respondent_id: id, series: s, wave: 1,"
        " match: {Old name: Middle name}}\n",
    )
    with research_kit.open_study(tmp_path) as opened:
        table = match_questions(opened)
    old = table[(table["wave"] == "1") & (table["column"] == "Old name")]
    assert old[["question", "matched_by"]].values.tolist() == [["New name", "match"]]


def test_a_match_pair_naming_no_column_is_an_error(two_waves):
    text = (two_waves / "study.yml").read_text(encoding="utf-8")
    (two_waves / "study.yml").write_text(text.replace("Knew where it was:", "Knew whre:"))
    problems = [p for p in check_folder(two_waves) if "match names 'Knew whre'" in p.message]
    assert len(problems) == 1
    assert problems[0].severity == "error"
    assert problems[0].line == 12


# -- change between waves --------------------------------------------------------------------
def test_change_in_a_share_and_its_se_by_hand(study):
    table = wave_change(study, Q_EASY, value="yes")  # answers match ignoring case
    first, second = table.to_dict("records")
    se1, se2 = math.sqrt(0.5 * 0.5 / 3), math.sqrt(0.8 * 0.2 / 4)
    assert (first["wave"], first["n"], first["estimate"]) == ("2025", 4, pytest.approx(0.5))
    assert first["se"] == pytest.approx(se1)
    assert second["se"] == pytest.approx(se2)
    assert first["variance_method"] == "fixed weights"  # unweighted waves
    change_se = math.sqrt(se1**2 + se2**2)
    assert second["compared_with"] == "2025"
    assert second["change"] == pytest.approx(0.3)
    assert second["change_se"] == pytest.approx(change_se)
    assert second["z"] == pytest.approx(0.3 / change_se)
    assert second["p_value"] == pytest.approx(2 * stats.norm.sf(0.3 / change_se))
    margin = stats.norm.ppf(0.975) * change_se
    assert second["change_margin_of_error"] == pytest.approx(margin)
    assert second["change_ci_low"] == pytest.approx(0.3 - margin)
    assert second["change_exceeds_margin"] is False or not second["change_exceeds_margin"]
    assert second["test"] == (
        "two-sample z test on the difference of weighted shares (independent samples)"
    )
    assert first["test"] == "" and math.isnan(first["change"])
    assert second["statistic"] == "share" and second["value"] == "'yes'"


def test_change_in_a_mean_of_a_question_matched_by_text(study):
    table = wave_change(study, Q_SATISFIED)
    assert table["estimate"].tolist() == [3.0, 4.0]
    assert table["matched_by"].tolist() == ["text", "reference"]
    assert table["change"].iloc[1] == pytest.approx(1.0)
    # Every answer the same: no spread, no standard error, and a change beyond any margin.
    assert table["change_se"].iloc[1] == 0
    assert bool(table["change_exceeds_margin"].iloc[1])
    assert "weighted means" in table["test"].iloc[1]


def test_a_question_matched_by_a_pair_can_be_named_as_in_either_wave(study):
    by_new = wave_change(study, Q_STATUS, value="Yes")
    by_old = wave_change(study, "Knew where it was", value="Yes")
    assert by_new["estimate"].tolist() == by_old["estimate"].tolist() == [1.0, 0.0]
    assert by_old["question"].iloc[0] == Q_STATUS


def test_a_value_nobody_gave_and_a_question_no_wave_asks_are_refused(study):
    with pytest.raises(SurveyError, match="is one of"):
        wave_change(study, Q_EASY, value="Maybe")
    with pytest.raises(SurveyError, match="no wave of the series asks"):
        wave_change(study, "Not a question")
    with pytest.raises(SurveyError, match="a change needs two"):
        wave_change(study, "New in 2026", value="x")


def test_small_groups_are_suppressed_with_a_complement(tmp_path):
    wards = {
        "2025": {"Ward 1": 6, "Ward 2": 2, "Ward 3": 7},
        "2026": {"Ward 1": 6, "Ward 2": 6, "Ward 3": 7},
    }
    for wave, sizes in wards.items():
        rows = [
            [f"{wave}-{ward}-{i}", ward, "Yes" if i % 2 else "No"]
            for ward, size in sizes.items()
            for i in range(size)
        ]
        _write_csv(tmp_path / f"w{wave}.csv", ["id", "Ward", Q_EASY], rows)
    _study_yml(
        tmp_path,
        "".join(
            f"  - {{id: w{w}, path: w{w}.csv, respondent_id: id, attributes: {{Ward: ward}},"
            f" series: s, wave: {w}}}\n"
            for w in ("2026", "2025")
        ),
        min_cell_size=5,
    )
    with research_kit.open_study(tmp_path) as opened:
        table = wave_change(opened, Q_EASY, value="Yes", by="ward")
        shown_all = wave_change(opened, Q_EASY, value="Yes", by="ward", min_cell_size=1)
    cells = table.set_index(["group", "wave"])
    assert cells.loc[("Ward 2", "2025"), "suppression_reason"] == "small cell"
    hidden_2025 = cells.xs("2025", level="wave")
    assert hidden_2025["suppressed"].sum() == 2  # the small cell and one complement
    assert (hidden_2025["suppression_reason"] == "complementary").sum() == 1
    for group, row in hidden_2025[hidden_2025["suppressed"]].iterrows():
        assert row[["n", "estimate", "se"]].isna().all()
        later = cells.loc[(group, "2026")]
        assert not later["suppressed"] and math.isnan(later["change"])  # no change from it
    kept = hidden_2025.index[~hidden_2025["suppressed"]][0]
    assert not math.isnan(cells.loc[(kept, "2026"), "change"])
    assert not shown_all["suppressed"].any()
    assert shown_all["by"].eq("ward").all()


# -- chart and sentence ----------------------------------------------------------------------
def test_trend_chart_draws_error_bars_in_the_house_style_only(study):
    before = dict(matplotlib.rcParams)
    table = wave_change(study, Q_EASY, value="Yes")
    ax = wave_trend_chart(table)
    assert ax.lines[0].get_ydata().tolist() == [0.5, 0.8]
    assert ax.containers, "error bars"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025", "2026"]
    assert dict(matplotlib.rcParams) == before
    plt.close("all")


def test_describe_change_says_whether_the_change_beats_its_margin(study):
    sentence = describe_change(wave_change(study, Q_EASY, value="Yes"))
    assert sentence.startswith("The share answering 'Yes' rose from 50% in 2025 to 80% in 2026")
    assert "no larger than its margin of error" in sentence


# -- the sample study --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample") / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    with research_kit.open_study(folder) as opened:
        yield opened


def test_the_sample_has_two_waves_and_its_first_survey_is_still_the_default(sample):
    assert sample.survey_source().id == "permitting_2026"
    assert [w.id for w in survey_waves(sample.settings.surveys)] == [
        "permitting_2025",
        "permitting_2026",
    ]
    table = match_questions(sample)
    assert set(table["matched_by"]) == {"reference", "id", "text", "match"}


def test_the_sample_status_share_rose_beyond_its_margin_of_error(sample):
    table = wave_change(
        sample, "I always knew the status of my application", value=["Agree", "Strongly agree"]
    )
    assert table["variance_method"].eq("calibrated").all()
    assert table["matched_by"].tolist() == ["match", "reference"]
    latest = table.iloc[-1]
    assert latest["change"] > 0 and bool(latest["change_exceeds_margin"])
    assert latest["change_se"] == pytest.approx(math.hypot(*table["se"]))
    by_ward = wave_change(
        sample, "I always knew the status of my application", value="Agree", by="ward"
    )
    assert set(by_ward["group"]) == {f"Ward {i}" for i in range(1, 7)}
    assert len(by_ward) == 12


def test_the_sample_wave_estimates_are_those_of_survey_variance(sample):
    """Each wave's row is weighted_mean on that wave's raked weights and raking columns."""
    from research_kit.survey import SurveyDesign, weighted_mean
    from research_kit.tables import read_csv_table

    question = "I always knew the status of my application"
    table = wave_change(sample, question, value="Agree")
    frame = sample.survey("permitting_2026")
    frame["w"] = sample.survey_weights("permitting_2026", survey=frame).to_numpy()
    raked = {"ward": "Ward", "age_band": "Age", "race_ethnicity": "Race/ethnicity"}
    margins = read_csv_table(sample.survey_source().population_margins)
    for column, variable in raked.items():
        known = set(margins.loc[margins["variable"] == variable, "category"])
        frame[f"m_{column}"] = frame[column].where(frame[column].isin(known))
    answered = frame[question].notna() & (frame[question] != "")
    agree = (frame[question] == "Agree").astype("boolean").where(answered)
    design = SurveyDesign("w", calibrated_on=[f"m_{c}" for c in raked])
    expected = weighted_mean(frame, agree.rename(question), design=design).iloc[0]
    latest = table.iloc[-1]
    assert latest["estimate"] == pytest.approx(expected["estimate"], rel=1e-12)
    assert latest["se"] == pytest.approx(expected["se"], rel=1e-12)
    assert latest["n"] == expected["n"]


def test_waves_read_and_never_write(two_waves):
    def snapshot() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in sorted(two_waves.rglob("*")) if p.is_file()}

    with research_kit.open_study(two_waves) as opened:
        before = snapshot()
        wave_change(opened, Q_EASY, value="Yes")
        match_questions(opened)
        check_folder(two_waves)
        assert snapshot() == before

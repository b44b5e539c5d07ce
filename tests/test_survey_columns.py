"""Column kinds: the sample study's survey, the tool-shaped fixtures, scales, overrides, errors."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from research_kit.errors import SurveyError
from research_kit.survey.columns import (
    KIND_COLUMNS,
    KINDS,
    columns_of_kind,
    detect_column_kinds,
    kinds_by_column,
    scale_order,
)
from research_kit.survey.ingest import read_survey, read_survey_export

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "survey"
SAMPLE_SURVEY = ROOT / "interview_data" / "survey" / "permitting_survey_2026.csv"

AGREE_5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
SATISFIED_5 = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")
LIKERT_ITEMS = [
    "It was easy to find out which permits I needed",
    "City staff gave me consistent answers",
    "The permit process took a reasonable amount of time",
    "I always knew the status of my application",
]
SATISFACTION = "Overall, how satisfied are you with the City's permitting services?"
OPEN_QUESTIONS = [
    "What one thing should the City change about permitting?",
    "Tell us about your most recent experience getting a permit or license in Port Alder.",
]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return read_survey(SAMPLE_SURVEY)


@pytest.fixture(scope="module")
def sample_kinds(sample) -> pd.DataFrame:
    return detect_column_kinds(sample).set_index("column")


# -- the sample study ----------------------------------------------------------------------------
def test_sample_survey_kinds(sample, sample_kinds):
    assert list(sample_kinds.reset_index().columns) == list(KIND_COLUMNS)
    assert list(sample_kinds.index) == list(sample.columns)
    kinds = sample_kinds["kind"].to_dict()
    assert kinds["Respondent ID"] == "respondent_id"
    for column in ["Language", "Ward", "Age", "Race/ethnicity", "Type of business"]:
        assert kinds[column] == "single_choice", column
    assert kinds["Did you apply for a City permit or license in the last 2 years?"] == (
        "single_choice"
    )
    assert kinds["Start Date"] == kinds["End Date"] == "metadata"  # the tool's dates
    for column in LIKERT_ITEMS:
        assert kinds[column] == "likert", column
        assert sample_kinds.loc[column, "order"] == AGREE_5
    assert kinds[SATISFACTION] == "likert"
    assert sample_kinds.loc[SATISFACTION, "order"] == SATISFIED_5
    for column in OPEN_QUESTIONS:
        assert kinds[column] == "open_text", column
    assert set(sample_kinds.loc["Ward", "levels"]) == {f"Ward {n}" for n in range(1, 7)}


def test_sample_counts_add_up_and_match_the_data(sample, sample_kinds):
    totals = sample_kinds[["n_answered", "n_non_answer", "n_blank"]].sum(axis=1)
    assert (totals == len(sample)).all()
    blank_ages = sample["Age"].isna().sum()
    assert blank_ages > 0  # so the count below is checked on some blanks
    assert sample_kinds.loc["Age", "n_blank"] == blank_ages
    item = LIKERT_ITEMS[0]
    assert sample_kinds.loc[item, "n_answered"] == sample[item].notna().sum()
    question = OPEN_QUESTIONS[0]
    assert sample_kinds.loc[question, "n_non_answer"] > 50
    assert sample_kinds.loc[question, "n_distinct"] > 1000
    assert all(isinstance(reason, str) and reason for reason in sample_kinds["reason"])


def test_detection_does_not_depend_on_row_order(sample, sample_kinds):
    shuffled = sample.sample(frac=1.0, random_state=7)
    again = detect_column_kinds(shuffled).set_index("column")
    pd.testing.assert_frame_equal(again, sample_kinds)


# -- the tool-shaped fixtures --------------------------------------------------------------------
def test_qualtrics_fixture_kinds():
    export = read_survey_export(DATA / "qualtrics_export.csv")
    kinds = detect_column_kinds(export).set_index("column")
    expected = {
        "StartDate": "metadata",  # the tool's date of the response, not an answer
        "Status": "metadata",
        "IPAddress": "personal_data",
        "Progress": "metadata",
        "Duration (in seconds)": "metadata",
        "Finished": "metadata",
        "ResponseId": "respondent_id",
        "RecipientEmail": "personal_data",
        "LocationLatitude": "geolocation",
        "Q1": "single_choice",
        "Q2_1": "matrix_item",  # a row of the Q2 agree/disagree grid
        "Q3": "multi_select",
        "Q3_5_TEXT": "open_text",
        "Q4": "likert",
        "Q5": "likert",  # 0-10 numbers, and the question says "on a scale of 0 to 10"
        "Q6": "open_text",
    }
    assert {column: kinds.loc[column, "kind"] for column in expected} == expected
    pii = set(kinds.index[kinds["pii"]])
    assert {"IPAddress", "RecipientEmail", "LocationLatitude", "RecipientFirstName"} <= pii
    assert not pii & {"Status", "Progress", "Q6"}
    assert "personal data" in kinds.loc["IPAddress", "reason"]
    assert set(kinds.loc["Q3", "levels"]) == {
        "Online portal",
        "In person at the Permit Center",
        "Email",
        "Other",
    }
    assert kinds.loc["Q5", "order"] == tuple(str(n) for n in range(11))
    assert kinds.loc["Q6", "n_non_answer"] == 2


def test_legacy_qualtrics_metadata_is_recognised_by_its_row_2_label():
    kinds = detect_column_kinds(read_survey_export(DATA / "qualtrics_legacy_export.csv"))
    by_column = kinds_by_column(kinds)
    assert by_column["V1"] == "respondent_id"
    assert by_column["V6"] == "personal_data"  # IPAddress
    assert kinds.set_index("column").loc["V6", "pii"]
    assert by_column["V8"] == "metadata"  # StartDate


def test_surveymonkey_fixture_kinds():
    export = read_survey_export(DATA / "surveymonkey_export.csv")
    frame = export.responses
    kinds = detect_column_kinds(export).set_index("column")
    apply_q = "How did you apply? (Check all that apply)"
    assert kinds.loc["Respondent ID", "kind"] == "respondent_id"
    assert kinds.loc["Collector ID", "kind"] == "metadata"
    assert kinds.loc["Email Address", "pii"]
    assert kinds.loc["Start Date", "kind"] == "metadata"  # 04/06/2026 7:03:35 AM, the tool's
    for option in ["Online portal", "In person at the Permit Center", "Email"]:
        column = f"{apply_q} - {option}"
        assert kinds.loc[column, "kind"] == "multi_select"
        assert kinds.loc[column, "levels"] == (option,)
        assert kinds.loc[column, "question"] == apply_q
    assert kinds.loc[f"{apply_q} - Other (please specify)", "kind"] == "open_text"
    assert columns_of_kind(kinds.reset_index(), "matrix_item") == [
        column for column in frame.columns if column.startswith("How much do you agree")
    ]
    assert columns_of_kind(kinds.reset_index(), "likert") == [SATISFACTION]


# -- scales --------------------------------------------------------------------------------------
SCALES = {
    "agree-7": (
        "Strongly disagree",
        "Disagree",
        "Somewhat disagree",
        "Neither agree nor disagree",
        "Somewhat agree",
        "Agree",
        "Strongly agree",
    ),
    "agree-4": ("Strongly disagree", "Disagree", "Agree", "Strongly agree"),
    "likely": ("Not at all likely", "Not very likely", "Somewhat likely", "Very likely"),
    "easy": ("Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"),
    "quality": ("Poor", "Fair", "Good", "Very good", "Excellent"),
    "frequency": ("Never", "Rarely", "Sometimes", "Often", "Always"),
    "amount": ("Not at all", "A little", "Somewhat", "Quite a bit", "A great deal"),
    "numbered": ("1 - Strongly disagree", "2", "3", "4", "5 - Strongly agree"),
}


@pytest.mark.parametrize("name", list(SCALES))
def test_known_scales_are_ordered_whatever_order_answers_come_in(name):
    levels = SCALES[name]
    answers = [level for level in levels for _ in range(3)]
    random.Random(len(name)).shuffle(answers)
    frame = pd.DataFrame({"Q": [*answers, "Don't know", None]})
    row = detect_column_kinds(frame).iloc[0]
    assert row["kind"] == "likert"
    assert row["order"] == levels
    assert (row["n_answered"], row["n_non_answer"], row["n_blank"]) == (len(answers), 1, 1)
    assert "Don't know" not in row["order"]


@pytest.mark.parametrize(
    ("values", "question", "kind"),
    [
        (["Yes", "No", "Yes", "No"], "Did you apply?", "single_choice"),
        (["45-54", "25-34", "45-54", "25-34", "65+", "65+"], "Age", "single_choice"),
        (["3.5", "4.0", "2.5", "3.5"], "Hours waited", "numeric"),
        (["1", "2", "5", "4", "2"], "How many visits?", "numeric"),
        (["1", "2", "5", "4", "2"], "On a scale of 1 to 5, rate the counter service", "likert"),
        (["2026-04-06", "2026-05-01", "2026-04-07"], "Visit date", "date"),
        (["12.5", "0.8", "1.1"], "final_weight", "weight"),
    ],
)
def test_closed_kinds(values, question, kind):
    row = detect_column_kinds(pd.DataFrame({question: values})).iloc[0]
    assert row["kind"] == kind, row["reason"]


def test_a_stated_scale_fills_unused_points():
    order = scale_order(["2", "4", "5"], question="On a scale of 1 to 5, how easy was it?")
    assert order == (("1", "2", "3", "4", "5"), "numbered 1-5")
    assert scale_order(["2", "4", "5"], question="How many permits?") is None


# -- overrides -----------------------------------------------------------------------------------
def test_overrides_win():
    frame = read_survey_export(DATA / "qualtrics_export.csv")
    kinds = detect_column_kinds(
        frame,
        overrides={
            "Q1": "open_text",
            "Q5": "numeric",
            "Q2_2": (
                "likert",
                [
                    "strongly disagree",
                    "disagree",
                    "neither agree nor disagree",
                    "somewhat agree",
                    "agree",
                ],
            ),
        },
    ).set_index("column")
    assert kinds.loc["Q1", "kind"] == "open_text"
    assert kinds.loc["Q5", "kind"] == "numeric"
    assert kinds.loc["Q5", "order"] is None
    # spelt as in the data where it matches; the unused level kept as the user wrote it
    assert kinds.loc["Q2_2", "order"] == (
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "somewhat agree",
        "Agree",
    )
    assert kinds.loc["Q2_2", "reason"] == "set by override"


def test_id_column_can_be_named():
    frame = pd.DataFrame({"case": ["a", "b", "c"], "ResponseId": ["x", "y", "z"]})
    kinds = kinds_by_column(detect_column_kinds(frame, id_column="case"))
    assert kinds == {"case": "respondent_id", "ResponseId": "metadata"}


def _override_error(frame, *fragments, line=None, **options) -> SurveyError:
    with pytest.raises(SurveyError) as raised:
        detect_column_kinds(frame, **options)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message
    if line is not None:
        assert raised.value.line == line
    return raised.value


def test_invalid_overrides_name_the_file_and_column():
    frame = read_survey_export(DATA / "qualtrics_export.csv")
    _override_error(
        frame, "qualtrics_export.csv", "'Q2-1'", "did you mean 'Q2_1'", overrides={"Q2-1": "likert"}
    )
    _override_error(
        frame, "'Q6'", "unknown kind 'open text'", "did you mean 'open_text'",
        overrides={"Q6": "open text"},
    )  # fmt: skip
    _override_error(frame, "only likert", overrides={"Q1": ("single_choice", ["Ward 1"])})
    _override_error(frame, "not a known scale", overrides={"Q1": "likert"})
    _override_error(frame, "names a level twice", overrides={"Q4": ("likert", ["a", "A"])})
    _override_error(frame, "did you mean 'ResponseId'", id_column="ResponseID")


def test_a_likert_order_missing_an_answer_names_its_row():
    frame = read_survey_export(DATA / "qualtrics_export.csv")
    order = ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"]  # no "Neutral"
    error = _override_error(
        frame,
        "qualtrics_export.csv",
        "row 5",  # the second respondent, under three header rows
        "column 'Q4'",
        "'Neutral'",
        line=5,
        overrides={"Q4": ("likert", order)},
    )
    assert "Neutral" in error.hint


def test_unusable_respondent_ids_name_their_rows():
    export = read_survey_export(DATA / "surveymonkey_export.csv")
    frame = export.responses  # edited in place: the export keeps its file rows
    frame.loc[6, "Respondent ID"] = frame.loc[2, "Respondent ID"]
    _override_error(
        export, "row 9", "'Respondent ID'", "repeats", "rows 5, 9", id_column="Respondent ID"
    )
    # detection does not pick a column with repeated ids
    assert kinds_by_column(detect_column_kinds(export))["Respondent ID"] == "metadata"
    frame.loc[3, "Collector ID"] = None
    _override_error(
        export, "row 6", "'Collector ID'", "blank", overrides={"Collector ID": "respondent_id"}
    )
    _override_error(
        export.with_responses(frame.drop(index=6)),
        "more than one respondent id",
        overrides={"Start Date": "respondent_id"},
        id_column="Respondent ID",
    )


def test_kinds_are_the_documented_ones(sample_kinds):
    assert set(sample_kinds["kind"]) <= set(KINDS)
    with pytest.raises(ValueError, match="did you mean 'likert'"):
        columns_of_kind(sample_kinds.reset_index(), "likret")


def test_an_empty_column_is_open_text_and_says_why():
    row = detect_column_kinds(pd.DataFrame({"Q": [None, "n/a", " "]})).iloc[0]
    assert row["kind"] == "open_text"
    assert (row["n_answered"], row["n_non_answer"], row["n_blank"]) == (0, 1, 2)
    assert "nothing shows the kind" in row["reason"]


def test_study_survey_frames_keep_working(sample_study_path):
    from research_kit.study import open_study

    survey = open_study(sample_study_path).survey()
    kinds = kinds_by_column(detect_column_kinds(survey))
    assert kinds["respondent_id"] == "respondent_id"
    assert kinds["ward"] == kinds["race_ethnicity"] == "single_choice"
    assert kinds[SATISFACTION] == "likert"

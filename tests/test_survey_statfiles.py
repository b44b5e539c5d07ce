"""SPSS, Stata and SAS files read as survey exports (research_kit.survey.statistical_files).

The real files of ``../shared/data/survey-exports/`` against their truth tables, then each
variant of the formats written here with pyreadstat (value labels, an ordinal measure, user-missing
codes, Stata's lettered missing values, compressed SPSS, portable SPSS, SAS transport), then
damaged files. pyreadstat cannot write ``.sas7bdat``, so for it only the dispatch and the error
path are tested.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from research_kit import open_study
from research_kit.errors import SurveyError
from research_kit.survey import read_statistical_file, read_survey, read_survey_export

sys.path.insert(0, str(Path(__file__).parent))
from survey_truth import files_table, load_truth, order_categories

STAT_FILES = [
    row.file for row in files_table().itertuples() if row.format in ("spss", "stata", "sas")
]


@pytest.mark.shared
@pytest.mark.parametrize("name", STAT_FILES)
def test_real_files_read_with_the_truths_cases_and_variables(shared_data: Path, name: str):
    info = files_table().set_index("file").loc[name]
    truth = load_truth(name)
    export = read_survey_export(shared_data / "survey-exports" / name)
    assert export.export_format == info["format"]
    assert len(export.responses) == info["data_rows"]
    assert list(export.responses.columns) == list(truth["column"])
    assert export.header_rows == info["header_rows"] == 0
    likert = truth[truth["kind"] == "likert"]
    questions = export.questions.set_index("column")
    for column, order in zip(likert["column"], likert["order"], strict=True):
        assert list(questions.loc[column, "categories"]) == order_categories(order)


@pytest.mark.shared
def test_sav_labels_dates_and_measure(shared_data: Path):
    export = read_survey_export(shared_data / "survey-exports" / "pyreadstat_sample.sav")
    first = export.responses.iloc[0].to_dict()
    assert first == {
        "mychar": "a",
        "mynum": "1.1",
        "mydate": "2018-05-06",
        "dtime": "2018-05-06T10:10:10",
        "mylabl": "Male",
        "myord": "low",
        "mytime": "10:10:10",
    }
    questions = export.questions.set_index("column")
    assert questions.loc["myord", "ordered"] is True
    assert questions.loc["mylabl", "ordered"] is False  # labelled, but its measure is scale
    assert questions.loc["mylabl", "measure"] == "scale"
    assert export.question_text("mynum") == "numeric"


@pytest.mark.shared
def test_dta_has_no_measure_so_nothing_is_called_ordered(shared_data: Path):
    export = read_survey_export(shared_data / "survey-exports" / "pyreadstat_sample.dta")
    questions = export.questions.set_index("column")
    assert set(questions["measure"]) == {"unknown"}
    assert not questions["ordered"].any()
    assert questions.loc["myord", "categories"] == ("low", "medium", "high")


def _write_sav(path: Path) -> None:
    frame = pd.DataFrame(
        {
            "resp_id": ["r1", "r2", "r3", "r4"],
            "sat": [1.0, 5.0, 3.0, 99.0],
            "age": [34.0, -9.0, 70.0, 18.5],
            "visited": [pd.Timestamp("2026-01-02"), pd.NaT, pd.Timestamp("2026-03-04"), pd.NaT],
        }
    )
    pyreadstat.write_sav(
        frame,
        path,
        column_labels=["Respondent", "How satisfied are you?", "Your age", "Date of visit"],
        variable_value_labels={
            "sat": {1.0: "Very low", 3.0: "Middle", 5.0: "Very high", 99.0: "Don't know"}
        },
        missing_ranges={"sat": [99.0], "age": [{"lo": -9.0, "hi": -1.0}]},
        variable_measure={"sat": "ordinal", "age": "scale", "resp_id": "nominal"},
        variable_format={"visited": "DATE11"},
    )


def test_sav_with_value_labels_ordinal_measure_and_user_missing(tmp_path: Path):
    path = tmp_path / "city.sav"
    _write_sav(path)
    export = read_survey_export(path)
    assert export.export_format == "spss"
    assert export.responses["sat"].tolist()[:3] == ["Very low", "Very high", "Middle"]
    assert pd.isna(export.responses.loc[3, "sat"])  # 99 is user-missing
    assert pd.isna(export.responses.loc[1, "age"])  # -9 falls in the missing range
    assert export.responses.loc[3, "age"] == "18.5"
    assert export.responses.loc[0, "visited"] == "2026-01-02"
    questions = export.questions.set_index("column")
    assert questions.loc["sat", "categories"] == ("Very low", "Middle", "Very high")
    assert questions.loc["sat", "ordered"] is True
    assert questions.loc["age", "missing_values"] == ("-9 thru -1",)
    assert export.question_text("sat") == "How satisfied are you?"
    codes = export.missing_codes.sort_values("column").to_dict("records")
    assert codes == [
        {"row": 1, "column": "age", "code": "-9", "label": None},
        {"row": 3, "column": "sat", "code": "99", "label": "Don't know"},
    ]


def test_compressed_and_portable_spss(tmp_path: Path):
    frame = pd.DataFrame({"Q1": [1.0, 2.0]})
    pyreadstat.write_sav(frame, tmp_path / "a.zsav", compress=True)
    pyreadstat.write_por(frame, tmp_path / "a.por")
    for name in ("a.zsav", "a.por"):
        export = read_survey_export(tmp_path / name)
        assert export.export_format == "spss"
        assert export.responses["Q1"].tolist() == ["1", "2"]


def test_dta_value_labels_and_lettered_missing(tmp_path: Path):
    path = tmp_path / "wave.dta"
    frame = pd.DataFrame({"q": [1.0, 2.0, "a", None], "ward": ["N", "a", "S", None]}, dtype=object)
    pyreadstat.write_dta(
        frame,
        path,
        column_labels=["Do you feel safe?", "Ward"],
        missing_user_values={"q": ["a"]},
        variable_value_labels={"q": {1: "Yes", 2: "No", "a": "Refused"}},
    )
    export = read_survey_export(path)
    assert export.export_format == "stata"
    assert export.responses["q"].tolist()[:2] == ["Yes", "No"]
    assert export.responses["q"].isna().tolist() == [False, False, True, True]
    assert export.responses["ward"].tolist()[:3] == ["N", "a", "S"]  # a string "a" is an answer
    assert export.missing_codes.to_dict("records") == [
        {"row": 2, "column": "q", "code": ".a", "label": "Refused"}
    ]
    questions = export.questions.set_index("column")
    assert questions.loc["q", "categories"] == ("Yes", "No")
    assert questions.loc["q", "ordered"] is False
    assert questions.loc["q", "measure"] == "unknown"


def test_sas_transport_file(tmp_path: Path):
    path = tmp_path / "survey.xpt"
    pyreadstat.write_xport(pd.DataFrame({"SCORE": [1.0, 2.5]}), path, column_labels=["Score"])
    export = read_survey_export(path)
    assert export.export_format == "sas"
    assert export.responses["SCORE"].tolist() == ["1", "2.5"]
    assert export.question_text("SCORE") == "Score"


def test_read_survey_gives_the_responses(tmp_path: Path):
    path = tmp_path / "city.sav"
    _write_sav(path)
    assert read_survey(path).shape == (4, 4)


@pytest.mark.parametrize(
    ("name", "content", "program"),
    [
        ("truncated.sav", None, "SPSS"),
        ("text.dta", b"id,answer\n1,yes\n", "Stata"),
        ("empty.sav", b"", "SPSS"),
        ("text.sas7bdat", b"this is not a SAS file\n" * 20, "SAS"),
        ("text.xpt", b"HEADER RECORD but not really\n", "SAS"),
    ],
)
def test_damaged_files_are_refused_naming_the_file(tmp_path, name, content, program):
    path = tmp_path / name
    if content is None:  # the first half of a real .sav
        _write_sav(tmp_path / "whole.sav")
        whole = (tmp_path / "whole.sav").read_bytes()
        content = whole[: len(whole) // 2]
    path.write_bytes(content)
    with pytest.raises(SurveyError, match=f"not a readable {program} file") as raised:
        read_survey_export(path)
    assert raised.value.path == path
    assert str(path) in str(raised.value)
    assert "again" in raised.value.hint


def test_missing_file_and_options_that_do_not_apply(tmp_path: Path):
    with pytest.raises(SurveyError, match="not found"):
        read_survey_export(tmp_path / "absent.sav")
    path = tmp_path / "city.sav"
    _write_sav(path)
    with pytest.raises(SurveyError, match="header_rows=2 does not apply to SPSS files"):
        read_survey_export(path, header_rows=2)
    with pytest.raises(SurveyError, match="sep=';' does not apply"):
        read_statistical_file(path, sep=";")


def test_a_study_can_name_a_sav_file_as_its_survey(tmp_path: Path):
    folder = tmp_path / "study"
    open_study(folder).close()
    (folder / "survey").mkdir(exist_ok=True)
    _write_sav(folder / "survey" / "city.sav")
    settings = folder / "study.yml"
    entry = "surveys:\n  - id: city\n    path: survey/city.sav\n    respondent_id: resp_id"
    settings.write_text(re.sub(r"(?m)^surveys:.*$", entry, settings.read_text()))
    study = open_study(folder)
    try:
        survey = study.survey()
    finally:
        study.close()
    assert survey["respondent_id"].tolist() == ["r1", "r2", "r3", "r4"]
    assert survey["sat"].tolist()[:3] == ["Very low", "Very high", "Middle"]

"""Qualtrics and SurveyMonkey exports in all their variants, and response accounting.

The real exports in ``../shared/data/survey-exports/`` must read with exactly the respondents and
columns of their hand-made truth tables (``tests/data/survey-exports-truth/``). Small synthetic
exports written in ``tmp_path`` test the formats rather than those files: a legacy Qualtrics
export with trailing commas, an Insights-era export with single-quoted import ids and a repeated
export tag, a choice-text export, SurveyMonkey exports edited by hand; and wrong ``header_rows``
overrides are refused, never read as data.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd
import pytest

from research_kit.errors import SurveyError
from research_kit.settings import validate_settings
from research_kit.study import open_study
from research_kit.survey import response_accounting, response_dispositions
from research_kit.survey.ingest import read_survey_export
from research_kit.survey.qualtrics import parse_import_id, unique_export_tags

sys.path.insert(0, str(Path(__file__).parent))
from survey_truth import files_table, load_truth

FILES = files_table()
TOOL_FILES = FILES[
    FILES["format"].str.startswith("qualtrics") | (FILES["format"] == "surveymonkey")
]


def _write(path: Path, rows: list[list[str]], *, trailing_comma: bool = False) -> Path:
    """Write rows as CSV; ``trailing_comma`` ends every line with a comma, as legacy Qualtrics."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator=",\r\n" if trailing_comma else "\r\n")
        writer.writerows(rows)
    return path


def _figures(table: pd.DataFrame) -> dict[str, float]:
    return dict(zip(table["figure"], table["value"], strict=True))


# -- the real exports ----------------------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize("name", list(TOOL_FILES["file"]))
def test_every_tool_export_reads_with_the_truth_tables_respondents_and_columns(
    shared_data: Path, name: str
) -> None:
    info = TOOL_FILES.set_index("file").loc[name]
    truth = load_truth(name)
    export = read_survey_export(shared_data / "survey-exports" / name)
    assert len(export.responses) == info["data_rows"]
    assert export.header_rows == info["header_rows"]
    assert export.first_data_row == info["header_rows"] + 1
    assert export.responses.shape[1] == len(truth)
    columns = list(export.responses.columns)
    assert columns == list(export.questions["column"])
    assert len(set(columns)) == len(columns)
    repeated = truth["column"].duplicated(keep=False)
    if info["format"] == "surveymonkey":
        assert columns == list(truth["column"])
        assert export.questions["export_tag"].isna().all()
    else:
        # the original tag is kept; a repeated tag is made unique from its sub-question
        assert list(export.questions["export_tag"]) == list(truth["column"])
        for column, tag, is_repeated in zip(columns, truth["column"], repeated, strict=True):
            assert column.startswith(tag) if is_repeated else column == tag
    ids = truth.loc[truth["kind"] == "respondent_id", "position"]
    for position in ids:
        assert export.responses.iloc[:, position].is_unique


@pytest.mark.shared
def test_the_insights_export_parses_its_single_quoted_import_ids(shared_data: Path) -> None:
    export = read_survey_export(shared_data / "survey-exports" / "qt_sample_survey_insights.csv")
    import_ids = export.questions.set_index("column")["import_id"]
    assert import_ids.notna().all()
    assert import_ids["ResponseID"] == "responseId"
    assert import_ids["Q50#1_wedges_23234_TEXT - Willingness"] == "QID50#1-1-1-TEXT"
    assert import_ids["Q50#2_wedges_1231 - Gummy bears"] == "QID50#2-1-4"


@pytest.mark.shared
def test_the_legacy_exports_keep_their_v_names_and_field_labels(shared_data: Path) -> None:
    export = read_survey_export(shared_data / "survey-exports" / "qualtrics_sample_legacy.csv")
    assert export.question_text("V1") == "ResponseID"
    assert export.question_text("Q1") == "This is a multiple choice question."
    assert export.responses.loc[0, "LocationAccuracy"] == "-1"


@pytest.mark.shared
def test_a_wrong_header_rows_override_on_a_real_export_is_refused(shared_data: Path) -> None:
    folder = shared_data / "survey-exports"
    with pytest.raises(SurveyError) as raised:
        read_survey_export(folder / "qualtrics_sample.csv", header_rows=2)
    message = str(raised.value)
    assert "qualtrics_sample.csv" in message and raised.value.line == 3
    assert "import ids" in message and "header_rows=3" in message
    with pytest.raises(SurveyError) as raised:
        read_survey_export(folder / "qualtrics_sample_legacy.csv", header_rows=3)
    message = str(raised.value)
    assert "qualtrics_sample_legacy.csv" in message and raised.value.line == 3
    assert "holds a response" in message and "header_rows=2" in message
    with pytest.raises(SurveyError, match="header_rows=2"):
        read_survey_export(folder / "qt_multi_mc_insights.csv", header_rows=2)


@pytest.mark.shared
def test_response_accounting_on_the_real_exports(shared_data: Path) -> None:
    folder = shared_data / "survey-exports"
    current = _figures(response_accounting(read_survey_export(folder / "qualtrics_sample.csv")))
    assert (current["started"], current["complete"]) == (1, 1)
    legacy = _figures(
        response_accounting(read_survey_export(folder / "qualtrics_sample_legacy.csv"))
    )
    assert (legacy["started"], legacy["complete"]) == (1, 1)
    # the QualtricsTools samples were generated as test responses: Status 2 on every row
    for name in ("qt_sample_survey_insights.csv", "qt_sample_survey_legacy.csv"):
        figures = _figures(response_accounting(read_survey_export(folder / name)))
        assert (figures["test"], figures["started"]) == (5, 0), name
    monkey = read_survey_export(folder / "surveymonkey_dc_anc_2022_full.csv")
    figures = _figures(response_accounting(monkey, invited=358))
    assert (figures["started"], figures["complete"]) == (179, 179)
    assert figures["RR1"] == pytest.approx(0.5)


# -- the formats, on small exports written here --------------------------------------------------
LEGACY_ROWS = [
    ["V1", "V2", "V3", "V7", "V8", "V9", "V10", "Q1", "Q2_1", "Q2_2"],
    [
        "ResponseID",
        "ResponseSet",
        "Name",
        "Status",
        "StartDate",
        "EndDate",
        "Finished",
        "Which ward?",
        "Agree? -Staff",
        "Agree? -Portal",
    ],
    ["R_aaaaaaaaaa1", "Default", "Anonymous", "0", "2026-01-01", "2026-01-01", "1", "1", "4", "5"],
    ["R_aaaaaaaaaa2", "Default", "Anonymous", "0", "2026-01-02", "2026-01-02", "0", "2", "", ""],
    ["R_aaaaaaaaaa3", "Default", "Anonymous", "1", "2026-01-03", "2026-01-03", "1", "3", "1", "1"],
]


def test_a_legacy_export_with_trailing_commas_reads_without_the_empty_column(tmp_path):
    path = _write(tmp_path / "legacy.csv", LEGACY_ROWS, trailing_comma=True)
    export = read_survey_export(path)
    assert (export.export_format, export.header_rows) == ("qualtrics", 2)
    assert list(export.responses.columns) == LEGACY_ROWS[0]
    assert export.responses["V1"].tolist() == ["R_aaaaaaaaaa1", "R_aaaaaaaaaa2", "R_aaaaaaaaaa3"]
    assert export.question_text("V10") == "Finished"
    assert (export.option("Q2_1"), export.option("Q2_2"), export.option("Q1")) == (
        "Staff",
        "Portal",
        None,
    )
    with pytest.raises(SurveyError) as raised:
        read_survey_export(path, header_rows=3)
    assert raised.value.line == 3 and "header_rows=2" in str(raised.value)


def test_a_nameless_column_that_holds_answers_is_refused_saying_so(tmp_path):
    rows = [[*row, cell] for row, cell in zip(LEGACY_ROWS, ["", "", "x", "", "y"], strict=True)]
    path = _write(tmp_path / "edited.csv", rows)
    with pytest.raises(SurveyError) as raised:
        read_survey_export(path)
    message = str(raised.value)
    assert "edited.csv" in message and "column K" in message
    assert "holds answers (the first in row 3)" in message and "delete the column" in message


INSIGHTS_ROWS = [
    ["ResponseID", "Finished", "Q1", "Q5#1_apple", "Q5#1_apple", "Q5#2_apple"],
    ["ResponseID", "Finished", "Age?", "Why?-Apple-Taste", "Why?-Apple-Price", "How often?-Apple"],
    [
        "{'ImportId': 'responseId'}",
        "{'ImportId': 'finished'}",
        "{'ImportId': 'QID1'}",
        "{'ImportId': 'QID5#1-1-1-TEXT'}",
        "{'ImportId': 'QID5#1-1-2-TEXT'}",
        "{'ImportId': 'QID5#2-1'}",
    ],
    ["R_bbbbbbbbbb1", "1", "34", "sweet", "cheap", "2"],
    ["R_bbbbbbbbbb2", "1", "51", "sour", "dear", "1"],
]


def test_an_insights_export_with_a_repeated_tag_gets_unique_names_and_keeps_the_tag(tmp_path):
    export = read_survey_export(_write(tmp_path / "insights.csv", INSIGHTS_ROWS))
    assert export.header_rows == 3
    assert list(export.responses.columns) == [
        "ResponseID",
        "Finished",
        "Q1",
        "Q5#1_apple - Taste",
        "Q5#1_apple - Price",
        "Q5#2_apple",
    ]
    questions = export.questions.set_index("column")
    assert questions.loc["Q5#1_apple - Price", "export_tag"] == "Q5#1_apple"
    assert questions.loc["Q5#1_apple - Price", "import_id"] == "QID5#1-1-2-TEXT"
    assert questions.loc["Q5#1_apple - Price", "question"] == "Why?-Apple-Price"
    assert export.responses["Q5#1_apple - Price"].tolist() == ["cheap", "dear"]
    again = read_survey_export(_write(tmp_path / "again.csv", INSIGHTS_ROWS))
    assert list(again.responses.columns) == list(export.responses.columns)


def test_header_rows_2_on_an_export_with_import_ids_is_refused(tmp_path):
    path = _write(tmp_path / "insights.csv", INSIGHTS_ROWS)
    with pytest.raises(SurveyError) as raised:
        read_survey_export(path, header_rows=2)
    assert raised.value.line == 3
    assert "would be read as a response" in str(raised.value)
    assert "header_rows=3" in raised.value.hint


def test_one_edited_import_id_among_good_ones_is_named_without_suggesting_two_rows(tmp_path):
    rows = [list(row) for row in INSIGHTS_ROWS]
    rows[2][2] = "QID1"
    with pytest.raises(SurveyError) as raised:
        read_survey_export(_write(tmp_path / "edited.csv", rows))
    assert "column 'Q1'" in str(raised.value) and raised.value.line == 3
    assert "header_rows=2" not in str(raised.value)


def test_a_choice_text_export_keeps_labels_with_commas_and_quotes(tmp_path):
    rows = [
        ["ResponseId", "Finished", "Progress", "Q1", "Q2"],
        ["Response ID", "Finished", "Progress", "Satisfied?", "Why, in a word?"],
        [
            '{"ImportId":"_recordId"}',
            '{"ImportId":"finished"}',
            '{"ImportId":"progress"}',
            '{"ImportId":"QID1"}',
            '{"ImportId":"QID2_TEXT"}',
        ],
        ["R_cccccccccc1", "True", "100", "Satisfied, mostly", 'The "portal"'],
        ["R_cccccccccc2", "False", "40", "Neither satisfied nor dissatisfied", ""],
    ]
    export = read_survey_export(_write(tmp_path / "labels.csv", rows))
    assert export.responses["Q1"].tolist() == [
        "Satisfied, mostly",
        "Neither satisfied nor dissatisfied",
    ]
    assert export.responses.loc[0, "Q2"] == 'The "portal"'
    assert response_dispositions(export).tolist() == ["complete", "break_off"]


MONKEY_ROWS = [
    [
        "Respondent ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Which ward?",
        "How did you apply?",
        "",
        "Comments",
    ],
    ["", "", "", "", "Response", "Online", "In person", "Open-Ended Response"],
    ["101", "2026-01-01", "2026-01-01", "10.0.0.1", "Ward 1", "Online", "", "Fine"],
    ["102", "2026-01-02", "", "10.0.0.2", "Ward 2", "", "In person", ""],
]


def test_a_surveymonkey_export_with_its_metadata_removed_by_hand_still_has_two_header_rows(
    tmp_path,
):
    trimmed = [[row[4], row[7]] for row in MONKEY_ROWS]  # only two single-answer questions
    export = read_survey_export(_write(tmp_path / "trimmed.csv", trimmed))
    assert (export.export_format, export.header_rows) == ("surveymonkey", 2)
    assert export.responses["Which ward?"].tolist() == ["Ward 1", "Ward 2"]


def test_a_surveymonkey_export_with_a_column_removed_or_added(tmp_path):
    removed = [row[:3] + row[4:] for row in MONKEY_ROWS]  # the IP address column deleted
    export = read_survey_export(_write(tmp_path / "removed.csv", removed))
    assert "IP Address" not in export.responses.columns
    assert export.option("How did you apply? - In person") == "In person"
    added = [
        [*row, cell]
        for row, cell in zip(MONKEY_ROWS, ["Coder note", "", "ok", "check"], strict=True)
    ]
    export = read_survey_export(_write(tmp_path / "added.csv", added))
    assert export.responses["Coder note"].tolist() == ["ok", "check"]
    nameless = [[*row, cell] for row, cell in zip(MONKEY_ROWS, ["", "", "ok", ""], strict=True)]
    with pytest.raises(SurveyError) as raised:
        read_survey_export(_write(tmp_path / "nameless.csv", nameless))
    assert "column I has no name" in str(raised.value) and "delete the column" in raised.value.hint


def test_a_surveymonkey_question_whose_first_column_was_deleted_is_refused(tmp_path):
    rows = [
        ["Respondent ID", "Which ward?", "How did you apply?", "", ""],
        ["", "Response", "Online", "In person", "Mail"],
        ["1", "Ward 1", "Online", "", "Mail"],
    ]
    assert read_survey_export(_write(tmp_path / "whole.csv", rows)).header_rows == 2
    # without "How did you apply? - Online", the other two would be filed under "Which ward?"
    removed = [row[:2] + row[3:] for row in rows]
    with pytest.raises(SurveyError) as raised:
        read_survey_export(_write(tmp_path / "removed.csv", removed))
    assert "column C has no question and cannot continue column B" in str(raised.value)
    assert raised.value.line == 1
    # one comment column after a one-column question is SurveyMonkey's "Other (please specify)"
    comment = [
        [*row[:2], cell, *row[2:]] for row, cell in zip(rows, ["", "Other", "x"], strict=True)
    ]
    export = read_survey_export(_write(tmp_path / "comment.csv", comment))
    assert export.responses["Which ward? - Other"].tolist() == ["x"]


def test_surveymonkey_dispositions_come_from_the_end_date(tmp_path):
    export = read_survey_export(_write(tmp_path / "monkey.csv", MONKEY_ROWS))
    figures = _figures(response_accounting(export, invited=4))
    assert (figures["started"], figures["complete"], figures["break_off"]) == (2, 1, 0)
    assert figures["partial"] == 1  # 2 of 4 question columns answered: 50%
    assert (figures["RR1"], figures["RR2"]) == (0.25, 0.5)


# -- response accounting -------------------------------------------------------------------------
QUALTRICS_RESPONSES = pd.DataFrame(
    {
        "ResponseId": [f"R_{i}" for i in range(8)],
        "Status": ["0", "0", "0", "0", "0", "1", "2", "8"],
        "Progress": ["100", "100", "75", "20", "30", "100", "100", "100"],
        "Finished": ["1", "1", "0", "0", "1", "1", "1", "1"],
        "DistributionChannel": ["email"] * 8,
        "Q_TerminateFlag": ["", "", "", "", "Screened", "", "", ""],
    }
)


def test_dispositions_follow_finished_progress_status_and_the_screener():
    assert response_dispositions(QUALTRICS_RESPONSES).tolist() == [
        "complete",
        "complete",
        "partial",
        "break_off",
        "screened_out",
        "preview",
        "test",
        "spam",
    ]


def test_response_rates_follow_aapor_rr1_and_rr2():
    table = response_accounting(QUALTRICS_RESPONSES, invited=21)
    assert tuple(table.columns) == ("figure", "value", "definition")
    figures = _figures(table)
    assert figures["started"] == 5
    assert figures["RR1"] == pytest.approx(2 / 20)  # the screened-out one is not eligible
    assert figures["RR2"] == pytest.approx(3 / 20)
    definitions = dict(zip(table["figure"], table["definition"], strict=True))
    assert "AAPOR RR1" in definitions["RR1"] and "50%" in definitions["partial"]
    assert "RR1" not in set(response_accounting(QUALTRICS_RESPONSES)["figure"])


def test_accounting_refuses_an_export_without_dispositions_and_too_few_invited(tmp_path):
    path = _write(tmp_path / "plain.csv", [["id", "ward"], ["1", "Ward 1"]])
    with pytest.raises(SurveyError, match=r"plain\.csv.*no disposition"):
        response_accounting(read_survey_export(path))
    with pytest.raises(SurveyError, match="more than the 3 people invited"):
        response_accounting(QUALTRICS_RESPONSES.iloc[:5].assign(Q_TerminateFlag=""), invited=3)


def _survey_study(folder: Path, invited: str) -> Path:
    folder.mkdir()
    _write(folder / "legacy.csv", LEGACY_ROWS, trailing_comma=True)
    (folder / "study.yml").write_text(
        "name: Accounting\nsurveys:\n"
        "  - id: pulse\n    path: legacy.csv\n    respondent_id: V1\n"
        f"    invited: {invited}\n",
        encoding="utf-8",
    )
    return folder


def test_invited_in_study_yml_gives_the_rates_through_the_study(tmp_path):
    folder = _survey_study(tmp_path / "study", "10")
    with open_study(folder) as study:
        figures = _figures(response_accounting(study, survey_id="pulse"))
    assert (figures["invited"], figures["started"], figures["preview"]) == (10, 2, 1)
    assert (figures["complete"], figures["RR1"]) == (1, 0.1)


@pytest.mark.parametrize("invited", ["many", "0", "-3", "12.5", "true"])
def test_a_wrong_invited_is_a_problem_at_its_line(tmp_path, invited):
    folder = _survey_study(tmp_path / "study", invited)
    _, problems = validate_settings(folder)
    found = [problem for problem in problems if "invited" in str(problem)]
    assert len(found) == 1
    assert found[0].line == 6  # the line of 'invited:'


def test_import_ids_and_unique_tags_helpers():
    assert parse_import_id("{'ImportId': 'QID1'}") == "QID1"
    assert parse_import_id('{"ImportId": 3}') is None
    assert parse_import_id("{__import__('os')}") is None
    tags = unique_export_tags(["Q1", "Q1", "Q1 (1)"], ["a", "a", "b"])
    assert tags == ["Q1 (2)", "Q1 (3)", "Q1 (1)"]


def test_a_question_worded_like_a_tool_field_is_not_read_as_one(tmp_path):
    rows = [
        ["Respondent ID", "End Date", "Status", "Progress"],
        ["", "", "Response", "Open-Ended Response"],
        ["1", "2026-01-01", "1", "slow"],  # "Status" and "Progress" are questions here
        ["2", "", "2", ""],
    ]
    export = read_survey_export(_write(tmp_path / "monkey.csv", rows))
    assert export.header_rows == 2
    dispositions = response_dispositions(export).tolist()
    assert dispositions[0] == "complete" and dispositions[1] != "test"
    with pytest.raises(ValueError, match="partial_at"):
        response_accounting(export, partial_at=0)

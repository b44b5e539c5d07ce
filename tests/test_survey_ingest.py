"""Survey exports as the tools write them: shapes, encodings, separators, errors, non-answers.

The fixtures in tests/data/survey/ are small exports laid out as Qualtrics (current 3-row and
legacy 2-row headers) and SurveyMonkey (question row + sub-header row) write them, UTF-8 with a
byte-order mark; each test re-writes them in tmp_path in another encoding, separator or as XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from research_kit.errors import SurveyError
from research_kit.survey.ingest import file_rows, read_survey, read_survey_export
from research_kit.survey.responses import (
    NON_ANSWERS,
    OPEN_TEXT_NON_ANSWERS,
    answer_counts,
    is_non_answer,
    open_answers,
)
from tests._fixtures import SMALL_RESPONDENTS, write_survey

DATA = Path(__file__).parent / "data" / "survey"
ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SURVEY = ROOT / "interview_data" / "survey" / "permitting_survey_2026.csv"
SAMPLE_TRUTH = ROOT / "benchmarks" / "data" / "sample_survey_truth.csv"

OPEN_Q = "What one thing should the City change about permitting?"
AGREE_Q = "How much do you agree with the following statements?"
SPANISH = "Más intérpretes en la ventanilla, por favor. Esperé tres días."

# fixture file, export_format, header rows, name of the open-question column
SHAPES = {
    "qualtrics": ("qualtrics_export.csv", "qualtrics", 3, "Q6"),
    "qualtrics-legacy": ("qualtrics_legacy_export.csv", "qualtrics", 2, "Q6"),
    "surveymonkey": ("surveymonkey_export.csv", "surveymonkey", 2, OPEN_Q),
}


def _rows(name: str) -> list[list[str]]:
    text = (DATA / name).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _write_csv(path: Path, rows: list[list[str]], *, encoding: str, sep: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    # cp1252/Latin-1 cannot hold Vietnamese or curly quotes; a real export in them would not either
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return path


def _write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:  # numbers as Excel numbers, blanks as empty cells, as the tools write them
        sheet.append([_excel_value(cell) for cell in row])
    workbook.save(path)
    return path


def _excel_value(cell: str) -> object:
    if re.fullmatch(r"-?\d{1,15}", cell):
        return int(cell)
    return cell or None


CONTAINERS = {
    "utf8-bom": lambda path, rows: _write_csv(path, rows, encoding="utf-8-sig"),
    "utf8": lambda path, rows: _write_csv(path, rows, encoding="utf-8"),
    "cp1252-semicolon": lambda path, rows: _write_csv(path, rows, encoding="cp1252", sep=";"),
    "latin1": lambda path, rows: _write_csv(path, rows, encoding="latin-1"),
    "latin1-semicolon": lambda path, rows: _write_csv(path, rows, encoding="latin-1", sep=";"),
    "xlsx": lambda path, rows: _write_xlsx(path.with_suffix(".xlsx"), rows),
}


# -- export shapes × encodings × separators × CSV/XLSX ---------------------------------------------
@pytest.mark.parametrize("container", list(CONTAINERS))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_export_shape_reads_in_every_container(tmp_path, shape, container):
    name, export_format, header_rows, open_column = SHAPES[shape]
    rows = _rows(name)
    path = CONTAINERS[container](tmp_path / "export.csv", rows)

    export = read_survey_export(path)
    frame = export.responses

    assert export.export_format == export_format
    assert export.header_rows == header_rows
    assert len(frame) == len(rows) - header_rows == 10
    assert frame.shape[1] == len(rows[0])
    spanish_row = 3  # the fourth respondent answered in Spanish
    assert frame.loc[spanish_row, open_column] == SPANISH
    assert file_rows(export).loc[spanish_row] == header_rows + 1 + spanish_row
    assert frame[open_column].isna().sum() == 1, "one respondent left it blank"
    if container != "xlsx":
        assert export.separator == (";" if "semicolon" in container else ",")


def test_qualtrics_export_keeps_ids_and_sets_question_text_and_import_ids_aside():
    export = read_survey_export(DATA / "qualtrics_export.csv")
    frame = export.responses
    assert list(frame.columns[:3]) == ["StartDate", "EndDate", "Status"]
    assert list(frame.columns[-5:]) == ["Q3", "Q3_5_TEXT", "Q4", "Q5", "Q6"]
    questions = dict(zip(export.questions["column"], export.questions["question"], strict=True))
    import_ids = dict(zip(export.questions["column"], export.questions["import_id"], strict=True))
    assert questions["Q2_1"] == f"{AGREE_Q} - It was easy to find out which permits I needed"
    assert questions["Q6"] == OPEN_Q
    assert questions["ResponseId"] == "Response ID"
    assert import_ids["Q6"] == "QID6_TEXT"
    assert import_ids["ResponseId"] == "_recordId"
    assert frame.loc[0, "Q3"] == "Online portal,In person at the Permit Center"
    assert frame.loc[0, "ResponseId"] == "R_0HdEdUtauxcUDiM"


def test_qualtrics_with_new_ids_and_only_two_header_rows_is_recognised(tmp_path):
    rows = _rows("qualtrics_export.csv")
    path = _write_csv(tmp_path / "two_rows.csv", rows[:2] + rows[3:], encoding="utf-8")
    export = read_survey_export(path)
    assert (export.export_format, export.header_rows) == ("qualtrics", 2)
    assert export.question_text("Q6") == OPEN_Q
    assert export.questions["import_id"].isna().all()
    assert file_rows(export).iloc[0] == 3


def test_legacy_qualtrics_keeps_v_ids_with_labels_as_questions():
    export = read_survey_export(DATA / "qualtrics_legacy_export.csv")
    frame = export.responses
    assert list(frame.columns[:3]) == ["V1", "V2", "V3"]
    assert export.question_text("V1") == "ResponseID"
    assert export.question_text("V6") == "IPAddress"
    assert frame.loc[0, "V1"] == "R_0HdEdUtauxcUDiM"


def test_surveymonkey_headers_are_joined_into_one_name_per_column():
    export = read_survey_export(DATA / "surveymonkey_export.csv")
    frame = export.responses
    apply_q = "How did you apply? (Check all that apply)"
    assert list(frame.columns) == [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
        "Which ward is your business in?",
        f"{apply_q} - Online portal",
        f"{apply_q} - In person at the Permit Center",
        f"{apply_q} - Email",
        f"{apply_q} - Other (please specify)",
        f"{AGREE_Q} - It was easy to find out which permits I needed",
        f"{AGREE_Q} - City staff gave me consistent answers",
        f"{AGREE_Q} - I always knew the status of my application",
        "Overall, how satisfied are you with the City's permitting services?",
        OPEN_Q,
    ]
    assert export.question_text(f"{apply_q} - Email") == apply_q
    assert export.option(f"{apply_q} - Email") == "Email"
    assert export.option(OPEN_Q) is None
    assert frame.loc[0, f"{apply_q} - Online portal"] == "Online portal"
    assert pd.isna(frame.loc[0, f"{apply_q} - Email"])


def test_plain_exports_stay_plain(tmp_path):
    path = tmp_path / "plain.csv"
    write_survey(path, SMALL_RESPONDENTS, OPEN_Q)
    export = read_survey_export(path)
    frame = export.responses
    assert export.export_format == "plain"
    assert export.header_rows == 1
    assert len(frame) == len(SMALL_RESPONDENTS)
    assert frame["Respondent ID"].tolist() == list(SMALL_RESPONDENTS)
    assert file_rows(export).iloc[-1] == 1 + len(SMALL_RESPONDENTS)  # one header row above them


@pytest.mark.parametrize(
    "text",
    [
        "id,kind\n1,Response\n2,Other\n",  # a data cell that happens to say "Response"
        ",a,b\n0,x,y\n1,z,w\n",  # a pandas index column without a name
        "StartDate,Status,Q1\n2026-04-06 07:03:35,0,Agree\n2026-04-07 07:03:35,0,Agree\n",
    ],
    ids=["response-in-data", "index-column", "qualtrics-ids-one-header-row"],
)
def test_one_row_headers_are_not_mistaken_for_two(tmp_path, text):
    path = tmp_path / "survey.csv"
    path.write_text(text)
    export = read_survey_export(path)
    frame = export.responses
    assert export.header_rows == 1
    assert len(frame) == 2


def test_header_rows_can_be_forced(tmp_path):
    # One header row on a 3-row Qualtrics export would read its question texts and import
    # ids as two respondents: refused, naming row 2 and the right count.
    with pytest.raises(SurveyError, match="header_rows=1 they would be read as responses") as no:
        read_survey_export(DATA / "qualtrics_export.csv", header_rows=1)
    assert no.value.line == 2 and "header_rows=3" in str(no.value)

    path = tmp_path / "two.csv"
    path.write_text("ward,comment\nWhich ward?,What should change?\nWard 1,Faster\n")
    assert read_survey_export(path).header_rows == 1
    export_two = read_survey_export(path, header_rows=2)
    forced_two = export_two.responses
    assert export_two.export_format == "two_row"
    assert export_two.question_text("comment") == "What should change?"
    assert forced_two["comment"].tolist() == ["Faster"]


# -- what cannot be read -------------------------------------------------------------------------
def _raises(path: Path, *fragments: str, line: int | None = None, **options) -> SurveyError:
    with pytest.raises(SurveyError) as raised:
        read_survey(path, **options)
    message = str(raised.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, message
    if line is not None:
        assert raised.value.line == line
    return raised.value


def test_empty_and_header_only_files_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _raises(empty, "empty")
    rows = _rows("qualtrics_export.csv")
    header_only = _write_csv(tmp_path / "header_only.csv", rows[:3], encoding="utf-8-sig")
    _raises(header_only, "no responses", line=4)
    monkey = _write_xlsx(tmp_path / "monkey.xlsx", _rows("surveymonkey_export.csv")[:2])
    _raises(monkey, "no responses", line=3)


def test_a_ragged_row_names_its_row(tmp_path):
    rows = _rows("qualtrics_export.csv")
    rows[6] = [*rows[6], "stray", "cells"]  # file row 7
    path = _write_csv(tmp_path / "ragged.csv", rows, encoding="utf-8")
    _raises(path, "wrong number of cells", line=7)


def test_malformed_qualtrics_import_ids_name_row_3_and_the_column(tmp_path):
    rows = _rows("qualtrics_export.csv")
    position = rows[0].index("Q2_1")
    rows[2][position] = '{"ImportId":"QID2_1"'  # cut short
    path = _write_csv(tmp_path / "qualtrics.csv", rows, encoding="utf-8")
    _raises(path, "row 3", "column 'Q2_1'", "import id", line=3)
    _raises(DATA / "surveymonkey_export.csv", "row 3", "import id", line=3, header_rows=3)


def test_duplicate_names_after_joining_header_rows_are_refused(tmp_path):
    rows = _rows("surveymonkey_export.csv")
    email = rows[1].index("Email")
    rows[1][email] = "Online portal"  # two options with one label under one question
    path = _write_csv(tmp_path / "monkey.csv", rows, encoding="utf-8")
    _raises(path, "more than once", "Online portal", "columns K and M", line=2)


def test_duplicate_names_in_an_xlsx_header_are_refused(tmp_path):
    path = _write_xlsx(tmp_path / "dup.xlsx", [["id", "ward", "ward"], ["1", "a", "b"]])
    _raises(path, "more than once", "'ward'", line=1)


def test_a_column_without_any_name_is_refused(tmp_path):
    rows = [["", "Respondent ID", "Which ward?"], ["Response", "", "Response"], ["x", "1", "W1"]]
    path = _write_csv(tmp_path / "monkey.csv", rows, encoding="utf-8")
    _raises(path, "column A has no name", line=1, header_rows=2)
    rows = [["Respondent ID", "Q1"], ["Question one", ""], ["1", "a"]]
    path = _write_csv(tmp_path / "qualtrics.csv", rows, encoding="utf-8")
    assert read_survey_export(path).header_rows == 1
    blank_name = [["StartDate", "Status", ""], *rows[1:]]
    path = _write_csv(tmp_path / "qualtrics.csv", blank_name, encoding="utf-8")
    assert read_survey(path, header_rows=1).columns[-1] == "Unnamed: 2"


def test_bytes_wrong_for_a_forced_encoding_name_row_and_column(tmp_path):
    rows = _rows("qualtrics_export.csv")
    path = _write_csv(tmp_path / "qualtrics.csv", rows, encoding="cp1252")
    _raises(path, "row 4", "column 'Q6'", "cannot be decoded as utf-8", line=4, encoding="utf-8")
    assert read_survey(path).loc[0, "Q6"].endswith("you’re short-staffed.")


def test_files_mixing_utf8_and_latin1_cells_are_read_without_mojibake(tmp_path):
    path = tmp_path / "glued.csv"
    path.write_bytes(
        "id;comment\n1;Café con leche\n".encode()
        + "2;Más rápido\n".encode("latin-1")
        + "3;Straße “quoted”\n".encode()
    )
    export = read_survey_export(path)
    frame = export.responses
    assert frame["comment"].tolist() == ["Café con leche", "Más rápido", "Straße “quoted”"]
    assert export.repaired_cells == 2


def test_header_rows_must_be_auto_or_1_to_3(tmp_path):
    _raises(DATA / "qualtrics_export.csv", "header_rows=4", header_rows=4)


@pytest.mark.shared
def test_napire_raw_files_load_without_mojibake(shared_data):
    files = sorted((shared_data / "text-clustering" / "napire2018").glob("v_*.csv"))
    assert len(files) >= 20
    encodings = set()
    for path in files:
        export = read_survey_export(path)
        frame = export.responses
        encodings.add(export.encoding)
        assert export.separator == ";", path.name
        assert export.export_format == "plain", path.name
        assert str(frame.columns[0]) == "lfdn", path.name
        answers = frame.iloc[:, 1].dropna()
        assert len(answers) >= 50, path.name
        cells = [cell for cell in frame.to_numpy().ravel() if isinstance(cell, str)]
        mojibake = [cell for cell in cells if "Ã" in cell or "â€" in cell]
        assert not mojibake, f"{path.name}: {mojibake[:3]}"
    assert {"utf-8", "cp1252"} <= encodings, "the set mixes UTF-8 and single-byte files"


# -- open answers and non-answers ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n/a", True),
        ("N/A.", True),
        ("  Don’t know ", True),
        ("dont know", True),
        ("No comment!", True),
        ("-", True),
        ("…", True),
        ("no sé", True),
        ("Không biết", True),
        ("", True),
        (None, True),
        ("Faster plan review", False),
        ("No", False),  # an answer to a yes/no question
        ("None of the above", False),
        ("Nothing works on the portal", False),
    ],
)
def test_is_non_answer(text, expected):
    assert is_non_answer([text]).tolist() == [expected]


def test_open_question_non_answers_add_no_and_short_replies():
    values = ["No", "nope", "x", "Ok", "Longer hours"]
    assert is_non_answer(values).tolist() == [False, False, False, False, False]
    statuses = is_non_answer(values, non_answers=OPEN_TEXT_NON_ANSWERS, min_chars=2).tolist()
    assert statuses == [True, True, True, False, False]
    assert NON_ANSWERS < OPEN_TEXT_NON_ANSWERS


def test_open_answers_keep_every_respondent_and_mark_non_answers():
    export = read_survey_export(DATA / "qualtrics_export.csv")
    frame = export.responses
    answers = open_answers(frame, "Q6", id_column="ResponseId")
    assert list(answers.columns) == ["respondent_id", "question", "text", "status"]
    assert len(answers) == len(frame)
    assert answers["respondent_id"].tolist() == frame["ResponseId"].tolist()
    assert answers["status"].value_counts().to_dict() == {
        "answered": 7,
        "non_answer": 2,
        "blank": 1,
    }
    assert answers.loc[answers["status"] == "non_answer", "text"].tolist() == ["n/a", "Don’t know"]
    by_text = open_answers(export, OPEN_Q, id_column="ResponseId")  # the question text names Q6
    pd.testing.assert_frame_equal(by_text, answers)
    counts = answer_counts(frame, ["Q6", "Q3_5_TEXT"])
    assert counts.to_dict("records") == [
        {"question": "Q6", "answered": 7, "non_answer": 2, "blank": 1, "total": 10},
        {"question": "Q3_5_TEXT", "answered": 2, "non_answer": 0, "blank": 8, "total": 10},
    ]


def test_open_answers_of_two_questions_are_long():
    frame = pd.DataFrame({"respondent_id": ["R1", "R2"], "A": ["x y", None], "B": ["n/a", "z w"]})
    answers = open_answers(frame, ["A", "B"])
    assert answers[["respondent_id", "question", "status"]].values.tolist() == [
        ["R1", "A", "answered"],
        ["R2", "A", "blank"],
        ["R1", "B", "non_answer"],
        ["R2", "B", "answered"],
    ]


def test_sample_survey_non_answers_match_the_coders():
    """The sample's truth file gives a theme to exactly the answers that say something."""
    export = read_survey_export(SAMPLE_SURVEY)
    frame = export.responses
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str).set_index("respondent_id")
    second = frame.columns[-1]
    answers = open_answers(frame, [OPEN_Q, second], id_column="Respondent ID")
    for question, theme in [(OPEN_Q, "q1_theme"), (second, "q2_theme")]:
        part = answers[answers["question"] == question].set_index("respondent_id")
        coded = truth.loc[part.index, theme].notna()
        assert ((part["status"] == "answered") == coded).all(), question
        assert (part["status"] == "non_answer").sum() > 50, "the sample has real non-answers"


def test_missing_question_or_id_column_names_the_file_and_suggests(tmp_path):
    export = read_survey_export(DATA / "surveymonkey_export.csv")
    with pytest.raises(SurveyError, match="did you mean 'Respondent ID'") as raised:
        open_answers(export, OPEN_Q)
    assert "surveymonkey_export.csv" in str(raised.value)
    with pytest.raises(SurveyError, match="did you mean 'What one thing") as raised:
        answer_counts(export, "What one thing should the city change about permiting?")
    assert "surveymonkey_export.csv" in str(raised.value)

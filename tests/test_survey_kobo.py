"""KoboToolbox and Google Forms exports (research_kit.survey.kobo, google_forms, workbook_cells).

The real exports of ``../shared/data/survey-exports/`` against their truth tables (respondents,
columns, Kobo's repeat sheets), then each variant written here: a Kobo XLSX with a repeat inside
a repeat, a Kobo CSV with ``;``, group paths, select-multiple and GPS columns, Google Forms CSV
and XLSX with a checkbox question; then broken files.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

from research_kit.errors import SurveyError
from research_kit.survey import read_google_forms, read_kobo_export, read_survey_export

sys.path.insert(0, str(Path(__file__).parent))
from survey_truth import files_table, load_truth, repeat_sheets

FORM_FILES = [
    row.file for row in files_table().itertuples() if row.format in ("kobo", "google_forms")
]


@pytest.mark.shared
@pytest.mark.parametrize("name", FORM_FILES)
def test_real_files_read_with_the_truths_respondents_and_columns(shared_data: Path, name: str):
    info = files_table().set_index("file").loc[name]
    export = read_survey_export(shared_data / "survey-exports" / name)
    assert export.export_format == info["format"]
    assert len(export.responses) == info["data_rows"]
    assert list(export.responses.columns) == list(load_truth(name)["column"])
    assert list(export.questions["column"]) == list(export.responses.columns)
    assert sorted(export.repeat_groups) == sorted(repeat_sheets(name))
    for sheet in repeat_sheets(name):
        truth = load_truth(name, sheet)
        assert list(export.repeat_groups[sheet].columns) == list(truth["column"])


@pytest.mark.shared
def test_real_kobo_repeats_reach_their_respondents(shared_data: Path):
    export = read_survey_export(shared_data / "survey-exports" / "kobo_inventory_form.xlsx")
    sizes = {name: len(table) for name, table in export.repeat_groups.items()}
    assert sizes == {"categories": 5, "items": 10, "suppliers": 6}  # files.csv's notes
    links = export.repeat_links
    assert len(links) == 21
    ids = export.responses["_id"]
    for name, table in export.repeat_groups.items():
        mine = links[links["group"] == name].set_index("row")
        respondent_ids = ids.loc[mine.loc[table.index, "respondent"]].tolist()
        assert respondent_ids == table["_submission__id"].tolist()  # the chain agrees
    items = links[links["group"] == "items"]
    assert set(items["parent_group"]) == {"categories"}
    assert export.responses.loc[0, "start"] == "2024-03-14T20:45:17.446"


@pytest.mark.shared
def test_real_google_forms_dates_and_checkbox(shared_data: Path):
    export = read_survey_export(shared_data / "survey-exports" / "googleforms_demo_responses.xlsx")
    assert export.responses.loc[0, "Timestamp"] == "2024-01-17T18:07:45.597"
    assert export.responses.loc[0, "When is your birthday?"] == "2002-05-08"
    questions = export.questions.set_index("column")
    options = questions.loc["Select all that apply", "categories"]
    assert options == ("Option 1", "Option 2", "Option 3", "Option 4")
    assert questions.loc["Select all that apply", "delimiter"] == ", "
    assert questions.loc["Enter name", "categories"] is None


# -- Kobo variants written here -----------------------------------------------------------------
SYSTEM = ["_id", "_uuid", "_submission_time", "_index"]


def _kobo_workbook(path: Path) -> None:
    """Two households; rooms repeat in a household, people repeat in a room."""
    book = openpyxl.Workbook()
    main = book.active
    main.title = "Housing survey"
    main.append(["start", "hh/ward", "hh/pets", "hh/pets/dog", "hh/pets/cat", *SYSTEM])
    main.append([dt.datetime(2026, 5, 1, 9, 30), "north", "dog", 1, 0, 7, "u-7", "x", 1])
    main.append([dt.datetime(2026, 5, 2, 10, 0), "south", "dog cat", 1, 1, 9, "u-9", "y", 2])
    rooms = book.create_sheet("rooms")
    rooms.append(["hh/rooms/kind", "_index", "_parent_table_name", "_parent_index"])
    for index, (kind, parent) in enumerate([("kitchen", 1), ("bed", 2), ("bath", 2)], 1):
        rooms.append([kind, index, "Housing survey", parent])
    people = book.create_sheet("people")
    people.append(["hh/rooms/people/age", "_index", "_parent_table_name", "_parent_index"])
    for index, (age, room) in enumerate([(34, 1), (8, 3), (71, 2), (40, 2)], 1):
        people.append([age, index, "rooms", room])
    book.save(path)


def test_kobo_xlsx_with_a_repeat_inside_a_repeat(tmp_path: Path):
    path = tmp_path / "housing.xlsx"
    _kobo_workbook(path)
    export = read_survey_export(path)
    assert export.export_format == "kobo"
    assert export.responses["_id"].tolist() == ["7", "9"]
    assert export.responses.loc[0, "start"] == "2026-05-01T09:30:00"
    assert sorted(export.repeat_groups) == ["people", "rooms"]
    links = export.repeat_links.set_index(["group", "row"])
    # person 2 (row 1) is in room 3 (row 2, a bath of household 2, row 1 of the responses)
    assert links.loc[("people", 1)].tolist() == ["rooms", 2, 1]
    assert links.loc[("rooms", 0)].tolist() == [None, 0, 0]
    assert links.loc[("people", 0), "respondent"] == 0
    questions = export.questions.set_index("column")
    assert questions.loc["hh/pets", "categories"] == ("dog", "cat")
    assert questions.loc["hh/pets/cat", ["question", "option", "group"]].tolist() == [
        "pets",
        "cat",
        "hh",
    ]


def test_kobo_repeat_row_without_its_parent_is_refused(tmp_path: Path):
    path = tmp_path / "housing.xlsx"
    _kobo_workbook(path)
    book = openpyxl.load_workbook(path)
    book["people"].append([50, 5, "rooms", 99])
    book.save(path)
    with pytest.raises(SurveyError, match=r"sheet 'people', row 6, column _parent_index") as err:
        read_survey_export(path)
    assert str(path) in str(err.value)


def test_kobo_repeat_sheet_is_not_a_main_sheet(tmp_path: Path):
    path = tmp_path / "housing.xlsx"
    _kobo_workbook(path)
    with pytest.raises(SurveyError, match="'rooms' is a repeat group"):
        read_survey_export(path, sheet="rooms")


def test_kobo_csv_with_semicolons_groups_and_gps(tmp_path: Path):
    path = tmp_path / "kobo.csv"
    header = [
        "start",
        "grp_a/name",
        "grp_a/place",
        "grp_a/_place_latitude",
        "grp_a/_place_longitude",
        "grp_a/_place_altitude",
        "grp_a/_place_precision",
        "Do you feel safe at night/in the day?",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_notes",
        "_geolocation",
        "_index",
    ]
    row = [
        "2026-05-01T09:30:00.000+02:00",
        "Ana; Bo",
        "52.1 4.3 0 5",
        "52.1",
        "4.3",
        "0",
        "5",
        "yes",
        "11",
        "u-11",
        "2026-05-01T07:31:00",
        "",
        "submitted_via_web",
        "",
        "vX",
        "",
        "",
        "[52.1, 4.3]",
        "1",
    ]
    cells = [f'"{cell}"' if ";" in cell else cell for cell in row]
    path.write_text(";".join(header) + "\n" + ";".join(cells) + "\n", encoding="utf-8")
    export = read_survey_export(path)
    assert export.export_format == "kobo"
    assert export.separator == ";"
    assert list(export.responses.columns) == header
    assert export.responses.loc[0, "grp_a/name"] == "Ana; Bo"
    questions = export.questions.set_index("column")
    assert questions.loc["grp_a/name", ["question", "group"]].tolist() == ["name", "grp_a"]
    latitude = questions.loc["grp_a/_place_latitude", ["question", "option", "group"]]
    assert latitude.tolist() == ["place", "latitude", "grp_a"]
    label = "Do you feel safe at night/in the day?"  # a label keeps its own "/"
    assert questions.loc[label, "question"] == label
    assert questions.loc[label, "group"] is None
    assert export.repeat_groups == {}


def test_kobo_refuses_a_second_header_row(tmp_path: Path):
    path = tmp_path / "housing.xlsx"
    _kobo_workbook(path)
    with pytest.raises(SurveyError, match="header_rows=2 does not fit a KoboToolbox export"):
        read_survey_export(path, header_rows=2)
    with pytest.raises(SurveyError, match="no sheet 'gone'"):
        read_kobo_export(path, sheet="gone")


# -- Google Forms variants written here ---------------------------------------------------------
def test_google_forms_csv_with_email_score_and_checkboxes(tmp_path: Path):
    path = tmp_path / "Responses.csv"
    path.write_text(
        "Timestamp,Email Address,Score,Which services did you use?,What should change?\n"
        '2026/05/01 10:00:00 AM GMT+1,a@example.org,3 / 5,"Library, Parks","Faster, kinder"\n'
        "2026/05/01 11:00:00 AM GMT+1,b@example.org,4 / 5,Parks,More benches\n"
        '2026/05/02 9:30:00 AM GMT+1,c@example.org,5 / 5,"Library, Pools, Parks,",Nothing\n',
        encoding="utf-8",
    )
    export = read_survey_export(path)
    assert export.export_format == "google_forms"
    assert export.responses.loc[0, "Timestamp"] == "2026/05/01 10:00:00 AM GMT+1"  # as written
    questions = export.questions.set_index("column")
    services = questions.loc["Which services did you use?", "categories"]
    assert services == ("Library", "Pools", "Parks")
    assert questions.loc["What should change?", "categories"] is None  # free text with commas
    assert questions.loc["Email Address", "categories"] is None


def test_google_forms_xlsx_written_here(tmp_path: Path):
    path = tmp_path / "form.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Form Responses 1"
    sheet.append(["Timestamp", "Start date", "Rooms"])
    sheet.append([dt.datetime(2026, 1, 2, 3, 4, 5), dt.datetime(2025, 12, 1), 3])
    sheet["B2"].number_format = "yyyy-mm-dd"
    book.save(path)
    export = read_google_forms(path)
    assert export.responses.iloc[0].tolist() == ["2026-01-02T03:04:05", "2025-12-01", "3"]
    with pytest.raises(SurveyError, match="header_rows=3 does not fit a Google Forms export"):
        read_survey_export(path, header_rows=3)


def test_a_plain_file_with_a_timestamp_column_stays_plain(tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("when,what\n2026-01-02 10:00,opened\n", encoding="utf-8")
    assert read_survey_export(path).export_format == "plain"


def test_damaged_workbook_is_refused_naming_the_file(tmp_path: Path):
    path = tmp_path / "kobo.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SurveyError, match="not a readable Excel workbook") as raised:
        read_kobo_export(path)
    assert raised.value.path == path
    assert str(path) in str(raised.value)

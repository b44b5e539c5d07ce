"""Bad raw files end in a clear research_kit error naming the file and what to do."""

from __future__ import annotations

import pytest

from research_kit.errors import (
    CodebookError,
    EventLogError,
    InputError,
    NoteError,
    ProcessMapError,
    StudyConfigError,
    SurveyError,
)
from research_kit.interviews import parse_codebook, read_codebook, read_note
from research_kit.process import read_event_log, read_event_log_with_details, read_process_map
from research_kit.settings import read_settings
from research_kit.survey import read_survey, read_survey_export

LOADERS = {
    "note.md": (read_note, NoteError),
    "codebook.yml": (read_codebook, CodebookError),
    "survey.csv": (read_survey, SurveyError),
    "process.yml": (read_process_map, ProcessMapError),
    "events.csv": (read_event_log, EventLogError),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x00\x01\x02garbage\x00" * 50, "binary"),
    ],
    ids=["empty", "blank", "binary"],
)
def test_empty_and_binary_files_are_refused_clearly(tmp_path, name, content, message):
    loader, error = LOADERS[name]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=message) as raised:
        loader(path)
    assert raised.value.path == path
    assert raised.value.hint
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_missing_file_is_refused_clearly(tmp_path, name):
    loader, error = LOADERS[name]
    with pytest.raises(error, match="not found"):
        loader(tmp_path / name)


def test_errors_share_one_hierarchy():
    for _, error in LOADERS.values():
        assert issubclass(error, InputError)


# -- notes ---------------------------------------------------------------------------------------
def test_note_with_unclosed_front_matter(tmp_path):
    path = tmp_path / "P01.md"
    path.write_text("---\nparticipant: P01\nrole: resident\n\nThe interview started late.\n")
    with pytest.raises(NoteError, match="not closed") as raised:
        read_note(path)
    assert raised.value.line == 1
    assert "'---'" in raised.value.hint


def test_note_with_invalid_yaml_front_matter_names_the_line(tmp_path):
    path = tmp_path / "P02.md"
    path.write_text("---\nparticipant: P02\nrole: [resident\nward: Ward 3\n---\nBody\n")
    with pytest.raises(NoteError, match="not valid YAML") as raised:
        read_note(path)
    assert raised.value.line in (3, 4)


def test_note_front_matter_must_be_key_values(tmp_path):
    path = tmp_path / "P03.md"
    path.write_text("---\n- just\n- a list\n---\nBody\n")
    with pytest.raises(NoteError, match="key: value"):
        read_note(path)


def test_note_in_cp1252_is_read_and_offsets_are_code_points(tmp_path):
    path = tmp_path / "P04.txt"
    path.write_bytes("---\nparticipant: P04\n---\nLa señora dijo: “rápido”.\n".encode("cp1252"))
    document = read_note(path)
    assert document.encoding == "cp1252"
    start = document.text.index("rápido")
    assert document.text[start : start + 6] == "rápido"


def test_note_keeps_text_exactly_as_read(tmp_path):
    path = tmp_path / "P05.md"
    path.write_bytes(b"---\r\nparticipant: P05\r\n---\r\nQ: Hi\r\nA: Hello\r\n")
    document = read_note(path)
    assert document.text == "Q: Hi\r\nA: Hello\r\n"
    assert document.body_line == 4


def test_unknown_note_type_is_refused(tmp_path):
    path = tmp_path / "P06.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(NoteError, match="not an interview note type"):
        read_note(path)


def test_broken_docx_is_refused(tmp_path):
    path = tmp_path / "P07.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip file at all" * 10)
    with pytest.raises(NoteError, match="Word document"):
        read_note(path)


def test_docx_note_with_front_matter(tmp_path):
    import docx

    document = docx.Document()
    for line in ["---", "participant: P08", "role: inspector", "---", "First para.", "Second."]:
        document.add_paragraph(line)
    path = tmp_path / "P08.docx"
    document.save(path)
    note = read_note(path)
    assert note.attributes == {"participant": "P08", "role": "inspector"}
    assert note.text == "First para.\n\nSecond."


def test_docx_note_with_text_in_tables_keeps_document_order(tmp_path):
    import docx

    document = docx.Document()
    for line in ["---", "participant: P10", "---", "Before the table."]:
        document.add_paragraph(line)
    table = document.add_table(rows=3, cols=2)
    for row, (speaker, said) in enumerate(
        [("Q", "How long did it take?"), ("A", "Five months."), ("Q", "And now?")]
    ):
        table.cell(row, 0).text, table.cell(row, 1).text = speaker, said
    table.cell(2, 1).add_table(rows=1, cols=2).cell(0, 0).text = "nested"
    document.add_paragraph("After the table.")
    path = tmp_path / "P10.docx"
    document.save(path)
    note = read_note(path)
    assert note.attributes == {"participant": "P10"}
    assert note.text == (
        "Before the table.\n\nQ\tHow long did it take?\n\nA\tFive months.\n\n"
        "Q\tAnd now?\nnested\t\n\nAfter the table."
    )


def test_docx_merged_table_cells_are_read_once(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for row in range(2):
        for column in range(3):
            table.cell(row, column).text = f"r{row}c{column}"
    table.cell(0, 0).merge(table.cell(0, 1))  # across columns
    table.cell(0, 2).merge(table.cell(1, 2))  # down rows
    path = tmp_path / "P11.docx"
    document.save(path)
    assert read_note(path).text == "r0c0\nr0c1\tr0c2\nr1c2\n\nr1c0\tr1c1"


# -- codebook ------------------------------------------------------------------------------------
def test_codebook_with_duplicate_code_name(tmp_path):
    path = tmp_path / "codebook.yml"
    path.write_text(
        "codes:\n"
        "  - id: waiting\n    name: Waiting\n    definition: d\n"
        "  - id: waiting_again\n    name: waiting\n    definition: d\n"
    )
    with pytest.raises(CodebookError, match="name 'waiting' is used twice") as raised:
        read_codebook(path)
    assert raised.value.line == 5
    assert raised.value.path == path


def test_codebook_with_duplicate_id(tmp_path):
    with pytest.raises(CodebookError, match="id 'a' is used twice"):
        parse_codebook("codes:\n- {id: a, name: A}\n- {id: a, name: B}\n")


def test_codebook_with_unknown_parent_suggests_the_close_one(tmp_path):
    text = (
        "codes:\n- {id: waiting, name: Waiting}\n- {id: backlog, name: Backlog, parent: waitng}\n"
    )
    with pytest.raises(CodebookError, match="parent 'waitng'") as raised:
        parse_codebook(text)
    assert raised.value.line == 3
    assert "did you mean 'waiting'" in raised.value.hint


def test_codebook_parent_loop(tmp_path):
    text = "codes:\n- {id: a, name: A, parent: b}\n- {id: b, name: B, parent: a}\n"
    with pytest.raises(CodebookError, match="own ancestor"):
        parse_codebook(text)


def test_codebook_bad_colour_and_no_codes():
    with pytest.raises(CodebookError, match="not a hex colour"):
        parse_codebook("codes:\n- {name: A, colour: blue}\n")
    with pytest.raises(CodebookError, match="no list of codes"):
        parse_codebook("name: my codebook\n")


# -- surveys -------------------------------------------------------------------------------------
SURVEY = "Respondent ID,Ward,What should change?\nR1,Ward 2,Más rápido — por favor\nR2,Ward 3,\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1252", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""), ("utf-16", b"")],
    ids=["cp1252", "utf8-bom", "utf8", "utf16-bom"],
)
def test_survey_in_any_common_encoding_loads(tmp_path, encoding, prefix):
    path = tmp_path / "survey.csv"
    path.write_bytes(prefix + SURVEY.encode(encoding))
    frame = read_survey(path)
    assert list(frame.columns) == ["Respondent ID", "Ward", "What should change?"]
    assert frame.loc[0, "What should change?"] == "Más rápido — por favor"
    assert frame["What should change?"].isna().tolist() == [False, True]


def test_survey_with_semicolons_and_crlf_loads(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(SURVEY.replace(",", ";").replace("\n", "\r\n").encode("cp1252"))
    export = read_survey_export(path)
    assert export.separator == ";"
    assert export.responses.shape == (2, 3)


def test_survey_keeps_ids_as_text(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("id,ward\n007,01\n")
    assert read_survey(path).loc[0].tolist() == ["007", "01"]


def test_survey_with_a_broken_row_names_the_line(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("id,ward,comment\n1,Ward 2,fine\n2,Ward 3,too,many,cells\n3,Ward 1,ok\n")
    with pytest.raises(SurveyError, match="wrong number of cells") as raised:
        read_survey(path)
    assert raised.value.line == 3


def test_survey_with_header_only_or_duplicate_columns(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("id,ward\n")
    with pytest.raises(SurveyError, match="no responses"):
        read_survey(path)
    path.write_text("id,ward,ward\n1,a,b\n")
    with pytest.raises(SurveyError, match="more than once"):
        read_survey(path)


def test_broken_xlsx_is_refused(tmp_path):
    path = tmp_path / "survey.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"junk" * 100)
    with pytest.raises(SurveyError, match="Excel"):
        read_survey(path)


def test_xlsx_survey_loads(tmp_path):
    import pandas as pd

    path = tmp_path / "survey.xlsx"
    pd.DataFrame({"id": ["R1", "R2"], "ward": ["Ward 1", None]}).to_excel(path, index=False)
    frame = read_survey(path)
    assert frame["id"].tolist() == ["R1", "R2"]
    assert frame["ward"].isna().tolist() == [False, True]


# -- event logs and process maps -----------------------------------------------------------------
def test_event_log_missing_column_lists_what_the_file_has(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Case,Activity,Time\nA,Apply,2025-01-01T10:00:00Z\n")
    with pytest.raises(EventLogError, match="no column 'case_id'") as raised:
        read_event_log(path)
    assert "Case" in raised.value.hint


def test_event_log_unreadable_times_are_reported_by_line(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,timestamp\n"
        "A,Apply,2025-01-01T10:00:00Z\n"
        "A,Review,next tuesday\n"
        "B,Apply,03/02/2025 14:05\n"
    )
    with pytest.raises(EventLogError, match=r"1 timestamp\(s\) cannot be read \(lines 3\)"):
        read_event_log(path)
    reading = read_event_log_with_details(path, errors="drop")
    kept = reading.events
    assert reading.unparsed_lines == (3,)
    assert kept["activity"].tolist() == ["Apply", "Apply"]


def test_event_log_keeps_file_order_for_ties(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,timestamp\n"
        "A,Pay fees,2025-01-01T10:00:00Z\n"
        "A,Issue permit,2025-01-01T10:00:00Z\n"
        "A,Apply,2024-12-01T10:00:00Z\n"
    )
    assert read_event_log(path)["activity"].tolist() == ["Apply", "Pay fees", "Issue permit"]


def test_event_log_rows_without_case_are_refused(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("case_id,activity,timestamp\n,Apply,2025-01-01T10:00:00Z\n")
    with pytest.raises(EventLogError, match="no case id") as raised:
        read_event_log(path)
    assert raised.value.line == 2


def test_process_map_with_unknown_lane_and_step(tmp_path):
    path = tmp_path / "process.yml"
    path.write_text(
        "name: p\nlanes:\n  - id: a\nsteps:\n"
        "  - {id: s, lane: a, kind: start}\n"
        "  - {id: t, lane: zz}\n"
        "flows:\n  - {from: s, to: nowhere}\n"
    )
    with pytest.raises(ProcessMapError, match="lane 'zz'") as raised:
        read_process_map(path)
    assert raised.value.line == 6


# -- study.yml -----------------------------------------------------------------------------------
def test_invalid_study_settings(tmp_path):
    (tmp_path / "study.yml").write_text("name: s\nmin_cell_size: -3\n")
    with pytest.raises(StudyConfigError, match="min_cell_size") as raised:
        read_settings(tmp_path)
    assert raised.value.line == 2
    (tmp_path / "study.yml").write_text(f"name: s\nmin_cell_size: {10**30}\n")
    with pytest.raises(StudyConfigError, match="min_cell_size 100000000000… is not") as raised:
        read_settings(tmp_path)
    assert raised.value.line == 2
    (tmp_path / "study.yml").write_text("name: s\ntimezone: Mars/Olympus\n")
    with pytest.raises(StudyConfigError, match="time zone"):
        read_settings(tmp_path)
    (tmp_path / "study.yml").write_text("name: [s\n")
    with pytest.raises(StudyConfigError, match="not valid YAML"):
        read_settings(tmp_path)


def test_yaml_cannot_build_python_objects(tmp_path):
    path = tmp_path / "codebook.yml"
    path.write_text("codes: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(CodebookError, match="not valid YAML"):
        read_codebook(path)


def test_process_map_with_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "process.yml"
    path.write_text("name: p\nlanes:\n  - id: a\n    label: [unclosed\nsteps: []\n")
    with pytest.raises(ProcessMapError, match="not valid YAML") as raised:
        read_process_map(path)
    assert raised.value.line in (4, 5)

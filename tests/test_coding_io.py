"""Codings files: reading, checking every row before writing, idempotent import, round trip."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest

import research_kit
from research_kit.errors import CodingError, DocumentChangedError, InputError
from research_kit.interviews import apply_code, codings, segment
from research_kit.interviews.coding_io import (
    CODINGS_FILE_COLUMNS,
    CodingsFileError,
    export_codings,
    import_codings,
    read_codings_csv,
)

pytestmark = pytest.mark.both_backends

SAMPLE_STUDY = Path(__file__).resolve().parents[1] / "interview_data"
DOC = "P02_business-owner"
HEADER = "document_id,start,end,code_id,coder,origin,text\n"
IDENTITY = ["document_id", "start", "end", "code_id", "coder", "origin", "text"]


@pytest.fixture
def study(sample_study_path):
    opened = research_kit.open_study(sample_study_path)
    yield opened
    opened.close()


def _paragraph(study, number, document_id=DOC):
    spans = segment(study.document(document_id), "paragraph")
    return int(spans.start[number]), int(spans.end[number]), str(spans.text[number])


def _row(document_id, start, end, code_id, coder="J.R.", origin="manual", text=None):
    return [document_id, start, end, code_id, coder, origin, "" if text is None else text]


def _write(path, rows, header=CODINGS_FILE_COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


# -- reading ---------------------------------------------------------------------------------------
def test_read_defaults_origin_and_leaves_text_missing(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("document_id,start,end,code_id,coder\nP01,3,9,cost_of_delay,J.R.\n")
    table = read_codings_csv(path)
    assert table.loc[0, "origin"] == "manual"
    assert table["text"].isna().all()
    assert table[["start", "end", "line"]].values.tolist() == [[3, 9, 2]]


def test_read_accepts_a_semicolon_file_with_commas_in_the_text(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "document_id;start;end;code_id;coder;text\nP01;0;5;waiting;M.K.;a, b; c\n".replace(
            "a, b; c", '"a, b; c"'
        )
    )
    table = read_codings_csv(path)
    assert table.loc[0, "text"] == "a, b; c"


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("document_id,start,stop,code_id,coder\nP01,0,5,waiting,J.R.\n")
    with pytest.raises(CodingsFileError, match="lacks the column 'end'") as caught:
        read_codings_csv(path)
    assert caught.value.line == 1
    assert isinstance(caught.value, InputError) and isinstance(caught.value, CodingError)


def test_non_integer_offset_names_its_line_after_a_multiline_passage(tmp_path):
    path = _write(
        tmp_path / "c.csv",
        [
            _row("P01", 0, 5, "waiting", text='two\nlines, with "quotes"'),
            _row("P01", "12.5", 20, "waiting"),
        ],
    )
    with pytest.raises(CodingsFileError, match=r"start must be a whole number.*'12\.5'") as caught:
        read_codings_csv(path)
    assert caught.value.line == 4  # header, then a row spanning lines 2-3


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "c.csv"
    path.write_text(content)
    with pytest.raises(CodingsFileError, match="empty"):
        read_codings_csv(path)


def test_unknown_origin_and_blank_coder_are_refused(tmp_path):
    path = _write(tmp_path / "c.csv", [_row("P01", 0, 5, "waiting", origin="guess")])
    with pytest.raises(CodingsFileError, match="origin must be one of") as caught:
        read_codings_csv(path)
    assert caught.value.line == 2
    path = _write(tmp_path / "d.csv", [_row("P01", 0, 5, "waiting", coder=" ")])
    with pytest.raises(CodingsFileError, match="coder cell is blank"):
        read_codings_csv(path)


# -- importing -------------------------------------------------------------------------------------
def test_import_writes_every_row_and_is_idempotent(study, tmp_path):
    start, end, text = _paragraph(study, 4)
    other = _paragraph(study, 6)
    path = _write(
        tmp_path / "c.csv",
        [
            _row(DOC, start, end, "inconsistent_inspections", text=text),
            _row(DOC, start, end, "inconsistent_inspections", coder="M.K.", origin=""),
            _row(DOC, other[0], other[1], "inspection_scheduling", coder="M.K.", text=other[2]),
            _row(DOC, other[0], other[1], "inspection_scheduling", coder="M.K."),  # a duplicate
        ],
    )
    first = import_codings(study, path)
    assert first.values.tolist() == [["J.R.", 1, 1], ["M.K.", 2, 2]]
    assert len(codings(study)) == 3
    again = import_codings(study, path)
    assert again["new"].tolist() == [0, 0]
    assert len(codings(study)) == 3


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (_row("P99_nobody", 0, 5, "waiting"), "no note 'P99_nobody'"),
        (_row(DOC, 10, 999_999, "waiting"), "outside the text"),
        (_row(DOC, 20, 10, "waiting"), "outside the text"),
        (_row(DOC, 0, 10, "not_a_code"), "'not_a_code' is not in the codebook"),
        (_row(DOC, 10**30, 10**30 + 5, "waiting"), r"start 1000000000.* is too large"),
        (_row(DOC, 0, 10**30, "waiting"), r"end 1000000000.* is too large for an offset"),
        (_row(DOC, -(10**30), 10, "waiting"), "too large for an offset"),
        (_row(DOC, 0, "9" * 5000, "waiting"), r"\(5000 digits\) is too large"),
        (_row(DOC, 0, 2**31, "waiting"), "at most 2,147,483,647"),
    ],
)
def test_a_bad_row_names_its_line_and_nothing_is_imported(study, tmp_path, bad_row, message):
    start, end, text = _paragraph(study, 4)
    rows = [_row(DOC, start, end, "inconsistent_inspections", text=text), bad_row]
    path = _write(tmp_path / "c.csv", rows)
    with pytest.raises(CodingsFileError, match=message) as caught:
        import_codings(study, path)
    assert caught.value.line == 3
    assert codings(study).empty


def test_check_reports_an_offset_too_large_with_its_line(sample_study_path):
    from research_kit.checks import check_folder

    codings_file = sample_study_path / "codings" / "sample_codings.csv"
    with codings_file.open("a", encoding="utf-8") as handle:
        handle.write(f"{DOC},{10**30},{10**30 + 1},waiting,J.R.,manual,\n")
    n_lines = len(codings_file.read_text(encoding="utf-8").splitlines())
    problems = [p for p in check_folder(sample_study_path) if p.path == codings_file]
    assert [(p.line, "too large for an offset" in p.message) for p in problems] == [(n_lines, True)]


def test_changed_text_is_reported_with_what_the_span_now_reads(study, tmp_path):
    start, end, text = _paragraph(study, 4)
    good = _row(DOC, start, end, "inconsistent_inspections", text=text)
    stale = _row(DOC, start, start + 10, "waiting", text="Rough plum")
    path = _write(tmp_path / "c.csv", [good, stale])
    with pytest.raises(CodingsFileError) as caught:
        import_codings(study, path)
    error = caught.value
    assert error.line == 3
    assert "the note changed since these codings were exported" in error.message
    assert "the span now reads 'P02: Rough'" in error.message
    assert codings(study).empty


def test_a_note_changed_since_it_was_coded_stops_the_whole_import(study, tmp_path):
    start, end, _ = _paragraph(study, 4)
    apply_code(study, DOC, start, end, "inconsistent_inspections", coder="J.R.")
    note = study.document(DOC).path
    note.write_text(note.read_text(encoding="utf-8") + "\nAdded later.\n", encoding="utf-8")
    path = _write(
        tmp_path / "c.csv",
        [
            _row("P01_business-owner", 62, 750, "cost_of_delay"),
            _row(DOC, start, end, "helpful_staff"),
        ],
    )
    with pytest.raises(DocumentChangedError):
        import_codings(study, path)
    assert codings(study)["code_id"].tolist() == ["inconsistent_inspections"]


def test_header_only_file_imports_nothing(study, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER)
    assert import_codings(study, path).empty


# -- round trip ------------------------------------------------------------------------------------
def _fresh_copy(tmp_path, name):
    target = tmp_path / name
    shutil.copytree(SAMPLE_STUDY, target, ignore=shutil.ignore_patterns("study.db*"))
    return target


def _crlf_note(folder):
    body = 'Q: What happened?\r\n\r\nA: "It sat, for weeks;" she said.\r\nThen: nothing.\r\n'
    front = "---\nparticipant: P99\nrole: resident\ndate: 2026-05-01\ninterviewer: J.R.\n---\n"
    (folder / "notes" / "P99_crlf.md").write_bytes((front + body).encode("utf-8"))


def test_export_then_import_into_a_fresh_copy_round_trips_exactly(tmp_path):
    source_folder, target_folder = _fresh_copy(tmp_path, "a"), _fresh_copy(tmp_path, "b")
    for folder in (source_folder, target_folder):
        _crlf_note(folder)
    with research_kit.open_study(source_folder) as source:
        for document_id, number, code_id, coder in [
            ("P01_business-owner", 23, "language_access", "J.R."),  # bullets: line breaks
            ("P05_business-owner", 3, "cost_of_delay", "M.K."),  # Vietnamese diacritics
            ("P05_business-owner", 3, "plan_review_backlog", "J.R."),
            ("P99_crlf", 1, "status_black_hole", "M.K."),  # CRLF, quotes, comma, semicolon
        ]:
            start, end, _ = _paragraph(source, number, document_id)
            apply_code(source, document_id, start, end, code_id, coder=coder)
        crlf = source.document("P99_crlf")
        apply_code(source, "P99_crlf", 3, len(crlf.text), "waiting", coder="J.R.", origin="rule")
        exported = export_codings(source, tmp_path / "codings.csv")
        before = codings(source)[IDENTITY]
    assert "\r\n" in before["text"].iloc[-1]
    with research_kit.open_study(target_folder) as target:
        summary = import_codings(target, exported)
        after = codings(target)[IDENTITY]
        again = export_codings(target, tmp_path / "again.csv")
    assert summary["codings"].sum() == summary["new"].sum() == 5
    assert after.to_dict("records") == before.to_dict("records")
    assert again.read_bytes() == exported.read_bytes()


def test_export_of_an_empty_study_is_a_header(study, tmp_path):
    path = export_codings(study, tmp_path / "c.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [
        ",".join(f'"{column}"' for column in CODINGS_FILE_COLUMNS)
    ]
    assert import_codings(study, path).empty


# -- the sample study's shipped codings ------------------------------------------------------------
SAMPLE_CODINGS = SAMPLE_STUDY / "codings" / "sample_codings.csv"


@pytest.mark.skipif(not SAMPLE_CODINGS.exists(), reason="sample codings not generated")
def test_the_sample_codings_load_into_the_sample_study(study):
    table = read_codings_csv(SAMPLE_CODINGS)
    assert set(table["coder"]) == {"J.R.", "M.K."}
    assert set(table["origin"]) == {"manual"}
    leaves = {code.id for code in study.codebook().leaf_codes()}
    assert set(table["code_id"]) <= leaves
    by_coder = table.groupby("coder")["document_id"].agg(lambda ids: {i[:3] for i in ids})
    # which notes the second coder took is the sample's business (test_sample_data); here: one
    # coder coded every note, the other some of them, so agreement has notes to compare
    assert by_coder["J.R."] == {doc.attributes["participant"] for doc in study.documents()}
    assert by_coder["M.K."] < by_coder["J.R."]
    summary = import_codings(study, SAMPLE_CODINGS).set_index("coder")
    assert (summary["codings"] == summary["new"]).all()
    assert len(codings(study)) == len(table)
    exported = export_codings(study, study.folder / "again.csv")
    assert exported.read_bytes() == SAMPLE_CODINGS.read_bytes()


@pytest.mark.skipif(not SAMPLE_CODINGS.exists(), reason="sample codings not generated")
def test_the_sample_codings_are_reproduced_from_their_reviewable_source(tmp_path):
    script = SAMPLE_STUDY.parent / "scripts" / "make_sample_codings.py"
    spec = importlib.util.spec_from_file_location("make_sample_codings", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_csv(module.build_rows(), tmp_path / "codings.csv")
    assert (tmp_path / "codings.csv").read_bytes() == SAMPLE_CODINGS.read_bytes()

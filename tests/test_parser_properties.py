"""Property-based tests of the raw-file parsers (hypothesis, kept to a few seconds).

Random bytes into any loader end in a research_kit error or a load, never another exception;
front matter and survey CSV cells survive a round trip; every segment is the text at its span.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research_kit.errors import ResearchKitError
from research_kit.interviews import read_codebook, read_codings_csv, read_note, segment
from research_kit.interviews.autocode import read_rules
from research_kit.interviews.documents import Document
from research_kit.interviews.refi import read_qdc
from research_kit.process import read_event_log, read_process_map
from research_kit.settings import read_settings
from research_kit.survey import read_survey

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LOADERS = {
    "note.md": read_note,
    "note.txt": read_note,
    "survey.csv": read_survey,
    "codebook.yml": read_codebook,
    "events.csv": read_event_log,
    "codings.csv": read_codings_csv,
    "events.xes": read_event_log,
    "process.yml": read_process_map,
    "autocode.yml": read_rules,
    "codebook.qdc": read_qdc,
    "study.yml": lambda path: read_settings(path.parent),
}

# Bytes that look a bit like the real thing (separators, quotes, fences, BOMs) more often
# than uniform noise would.
_PIECES = st.sampled_from(
    [
        b",",
        b";",
        b"\t",
        b'"',
        b"\n",
        b"\r\n",
        b"---\n",
        b":",
        b"- ",
        b"\xef\xbb\xbf",
        b"\x00",
        b"\xff\xfe",
        b"case_id,activity,timestamp\n",
        b"document_id,start,end,code_id,coder\n",
        b"codes:\n",
        b"2024-13-45",
        b"&a",
        b"*a",
        b"{",
        b"[",
        "é".encode(),
        "é".encode("cp1252"),
    ]
)
RANDOM_FILES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(_PIECES, st.binary(max_size=8)), max_size=40).map(b"".join),
)


@pytest.mark.timeout(600)  # a hang guard, not a speed test
@pytest.mark.parametrize("name", sorted(LOADERS))
@FAST
@given(data=RANDOM_FILES)
def test_random_bytes_never_raise_anything_but_research_kit_errors(name, data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            LOADERS[name](path)
        except ResearchKitError as exc:
            assert exc.hint, str(exc)
            assert str(path.parent) in str(exc)


_KEYS = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)
_VALUES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\x85\u2028\u2029"),
    max_size=40,
)


@FAST
@given(attributes=st.dictionaries(_KEYS, _VALUES, max_size=6), body=_VALUES)
def test_front_matter_round_trip(attributes, body):
    header = yaml.safe_dump(attributes, allow_unicode=True, sort_keys=False) if attributes else ""
    text = f"---\n{header}---\nQ: {body}\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "P01.md"
        path.write_bytes(text.encode("utf-8"))
        document = read_note(path)
    assert document.attributes == attributes
    assert document.text == f"Q: {body}\n"


_CELLS = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
        st.sampled_from([",", ";", '"', "\n", "\t", "'", "é", "“", "—"]),
    ),
    min_size=1,
    max_size=30,
).filter(lambda cell: cell.strip() == cell and cell != "")


@FAST
@given(cells=st.lists(_CELLS, min_size=1, max_size=8))
def test_survey_text_cells_round_trip_through_csv(cells):
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["Respondent ID", "Answer"])
    for index, cell in enumerate(cells):
        writer.writerow([f"R{index}", cell])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        path.write_bytes(buffer.getvalue().encode("utf-8"))
        frame = read_survey(path, sep=",")
    assert frame["Answer"].tolist() == cells


_NOTE_TEXT = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
        st.sampled_from(["\n", "\n\n", "\r\n\r\n", "Q: ", "A: ", "P04: ", "# Heading\n\n", "  "]),
    ),
    max_size=30,
).map("".join)


@FAST
@given(text=_NOTE_TEXT, by=st.sampled_from(["paragraph", "turn"]))
def test_segment_spans_are_the_segment_text(text, by):
    document = Document("P01", Path("P01.md"), text)
    table = segment(document, by)
    for row in table.itertuples(index=False):
        assert 0 <= row.start <= row.end <= len(text)
        assert text[row.start : row.end] == row.text

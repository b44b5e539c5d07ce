"""REFI-QDA exchange without loss: isCodable, Sets, Cases, descriptions, PDF and media sources.

Every round trip is import → export → import into fresh studies, compared by what things are
called (ids differ between studies); on every real export that holds the feature, and on a
small hand-made project for what the real files lack (Cases, isCodable="false", media files,
a PDF with a text layer).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from research_kit import open_study
from research_kit.cli import main
from research_kit.interviews import codings, memos
from research_kit.interviews.refi import (
    QdpxError,
    export_qdc,
    export_qdpx,
    import_qdc,
    import_qdpx,
)
from research_kit.interviews.refi_records import (
    add_case,
    add_code_set,
    cases_table,
    read_cases,
    read_code_sets,
    read_media_sources,
)

pytestmark = pytest.mark.both_backends

REAL = [
    "cproctor-demo.qdpx",
    "cproctor-nvivo_project.qdpx",
    "skyloom-TestProject.qdpx",
    "target-atlas-project.qdpx",
    "blank-atlas-project.qdpx",
]
USER = "11111111-0000-4000-8000-000000000001"
PARENT, CHILD, OTHER = (f"22222222-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))
TEXT_SOURCE, PICTURE, AUDIO, VIDEO, PDF_TEXT, PDF_SCAN = (
    f"33333333-0000-4000-8000-00000000000{i}" for i in range(1, 7)
)
VARIABLES = {name: f"44444444-0000-4000-8000-00000000000{i}" for i, name in enumerate("rya")}
TEXT = "We waited six weeks for the permit.\nThe clerk was helpful."
TRANSCRIPT = "99999999-0000-4000-8000-000000000001"
MEMO = "aaaaaaaa-0000-4000-8000-000000000001"
TRANSCRIPT_TEXT = "Ana: The permit took six weeks. Clerk: I see."
PICTURE_BYTES = b"\x89PNG\r\n\x1a\n not really a picture"
AUDIO_BYTES = b"ID3 not really audio"


def make_pdf(lines: list[tuple[int, int, str]]) -> bytes:
    """A one-page PDF (612 x 792 points) with a text layer: ``(x, y from the bottom, text)``."""
    content = "".join(f"BT /F1 12 Tf {x} {y} Td ({t}) Tj ET\n" for x, y, t in lines).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _coding(n: int, code: str) -> str:
    return (
        f'<Coding guid="55555555-0000-4000-8000-{n:012d}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{code}"/></Coding>'
    )


def _value(name: str, kind: str, value: str) -> str:
    return (
        f'<VariableValue><VariableRef targetGUID="{VARIABLES[name]}"/>'
        f"<{kind}Value>{value}</{kind}Value></VariableValue>"
    )


HAND_MADE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="hand-made" origin="Hand 1.0">
  <Users><User guid="{USER}" name="Ana"/></Users>
  <CodeBook><Codes>
    <Code guid="{PARENT}" name="Service" isCodable="false">
      <Description>Only groups the service codes.</Description>
      <Code guid="{CHILD}" name="Helpful staff" isCodable="true"/>
    </Code>
    <Code guid="{OTHER}" name="Delay" isCodable="true" color="#aa3311"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{VARIABLES["r"]}" name="role" typeOfVariable="Text"/>
    <Variable guid="{VARIABLES["y"]}" name="years" typeOfVariable="Integer"/>
    <Variable guid="{VARIABLES["a"]}" name="active" typeOfVariable="Boolean"/>
  </Variables>
  <Cases>
    <Case guid="66666666-0000-4000-8000-000000000001" name="Ana B.">
      <Description>Business owner, two permits.</Description>
      {_value("r", "Text", "owner")}{_value("y", "Integer", "7")}{_value("a", "Boolean", "true")}
      <SourceRef targetGUID="{TEXT_SOURCE}"/>
      <SourceRef targetGUID="{AUDIO}"/>
    </Case>
    <Case guid="66666666-0000-4000-8000-000000000002" name="Front desk">
      {_value("r", "Text", "clerk")}
      <SourceRef targetGUID="{PDF_TEXT}"/>
      <SourceRef targetGUID="{PICTURE}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{TEXT_SOURCE}" name="Interview 1" plainTextPath="internal://{TEXT_SOURCE}.txt">
      <Description>First interview, by phone.</Description>
      <PlainTextSelection guid="77777777-0000-4000-8000-000000000001" startPosition="0"
          endPosition="34" creatingUser="{USER}">{_coding(1, OTHER)}</PlainTextSelection>
    </TextSource>
    <PictureSource guid="{PICTURE}" name="counter.png" path="internal://{PICTURE}.png">
      <Description>The permit counter.</Description>
      <PictureSelection guid="77777777-0000-4000-8000-000000000002" name="queue" firstX="10"
          firstY="20" secondX="300" secondY="200">{_coding(2, OTHER)}{_coding(3, CHILD)}
      </PictureSelection>
    </PictureSource>
    <AudioSource guid="{AUDIO}" name="call.mp3" path="internal://{AUDIO}.mp3">
      <Transcript guid="{TRANSCRIPT}" name="Call transcript" plainTextPath="internal://{TRANSCRIPT}.txt">
        <SyncPoint guid="99999999-0000-4000-8000-000000000002" position="5" timeStamp="1500"/>
        <SyncPoint guid="99999999-0000-4000-8000-000000000003" position="31" timeStamp="9000"/>
        <TranscriptSelection guid="99999999-0000-4000-8000-000000000004"
            fromSyncPoint="99999999-0000-4000-8000-000000000002"
            toSyncPoint="99999999-0000-4000-8000-000000000003">{_coding(8, OTHER)}
        </TranscriptSelection>
      </Transcript>
      <AudioSelection guid="77777777-0000-4000-8000-000000000003" name="complaint"
          begin="1500" end="9000">{_coding(4, OTHER)}</AudioSelection>
      {_value("y", "Integer", "2")}
    </AudioSource>
    <VideoSource guid="{VIDEO}" name="lobby.mp4" path="relative:///videos/lobby.mp4">
      {_coding(5, CHILD)}
    </VideoSource>
    <PDFSource guid="{PDF_TEXT}" name="Letter.pdf" path="internal://{PDF_TEXT}.pdf">
      <PDFSelection guid="77777777-0000-4000-8000-000000000004" page="0" firstX="60"
          firstY="100" secondX="400" secondY="120">{_coding(6, CHILD)}</PDFSelection>
    </PDFSource>
    <PDFSource guid="{PDF_SCAN}" name="Scan.pdf" path="internal://{PDF_SCAN}.pdf">
      <PDFSelection guid="77777777-0000-4000-8000-000000000005" page="0" firstX="1"
          firstY="2" secondX="3" secondY="4">{_coding(7, OTHER)}</PDFSelection>
    </PDFSource>
  </Sources>
  <Notes>
    <Note guid="{MEMO}" name="Queue memo" creatingUser="{USER}">
      <PlainTextContent>Queue memo: the line went out the door.</PlainTextContent>
    </Note>
  </Notes>
  <Sets>
    <Set guid="88888888-0000-4000-8000-000000000001" name="Waiting">
      <Description>Everything about waiting.</Description>
      <MemberCode targetGUID="{OTHER}"/>
      <MemberSource targetGUID="{TEXT_SOURCE}"/>
      <MemberSource targetGUID="{VIDEO}"/>
      <MemberNote targetGUID="{MEMO}"/>
    </Set>
    <Set guid="88888888-0000-4000-8000-000000000002" name="People">
      <MemberCode targetGUID="{CHILD}"/>
      <MemberCode targetGUID="{PARENT}"/>
    </Set>
  </Sets>
</Project>"""


@pytest.fixture
def hand_made(tmp_path: Path) -> Path:
    path = tmp_path / "hand-made.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", HAND_MADE)
        archive.writestr(f"sources/{TEXT_SOURCE}.txt", TEXT)
        archive.writestr(f"sources/{PICTURE}.png", PICTURE_BYTES)
        archive.writestr(f"sources/{AUDIO}.mp3", AUDIO_BYTES)
        archive.writestr(f"sources/{TRANSCRIPT}.txt", TRANSCRIPT_TEXT)
        lines = [(72, 700, "Dear applicant,"), (72, 680, "Your permit is approved.")]
        archive.writestr(f"sources/{PDF_TEXT}.pdf", make_pdf(lines))
        archive.writestr(f"sources/{PDF_SCAN}.pdf", make_pdf([]))  # no text layer
    return path


def _exchange_snapshot(study) -> dict:
    """What exchange must keep, by name: codes, sets, cases, media, codings, descriptions."""
    book = study.codebook()
    name = {code.id: code.name for code in book}
    media_name = {m.id: m.name for m in read_media_sources(study)}
    memo_text = {str(m.memo_id): m.text for m in memos(study).itertuples()}

    def media_file(source):
        if source.path is None:
            return None
        return hashlib.sha256((study.folder / source.path).read_bytes()).hexdigest()

    return {
        "codes": {
            (code.name, name.get(code.parent), code.codable, code.definition, code.colour)
            for code in book
        },
        "sets": sorted(
            (
                s.name,
                s.description,
                sorted(name[c] for c in s.codes),
                sorted(s.documents),
                sorted(media_name[m] for m in s.media),
                sorted(memo_text[m] for m in s.memos),
            )
            for s in read_code_sets(study)
        ),
        "cases": sorted(
            (
                c.name,
                c.description,
                sorted(c.attributes.items()),
                sorted(c.documents),
                sorted(media_name[m] for m in c.media),
            )
            for c in read_cases(study)
        ),
        "media": sorted(
            (
                m.kind,
                m.name,
                m.description,
                sorted(m.attributes.items()),
                media_file(m),
                sorted(
                    (s.name, sorted(s.position.items()), sorted((name[c], u) for c, u in s.codes))
                    for s in m.selections
                ),
            )
            for m in read_media_sources(study)
        ),
        "codings": sorted(
            (r.document_id, r.start, r.end, name[r.code_id], r.coder)
            for r in codings(study).itertuples()
        ),
        "memos": sorted((m.on, m.text) for m in memos(study).itertuples()),
    }


def _round_trip(tmp_path: Path, archive: Path, **options) -> tuple[dict, dict, Path]:
    with open_study(tmp_path / "first") as first:
        import_qdpx(first, archive, **options)
        before = _exchange_snapshot(first)
        exported = export_qdpx(first, tmp_path / "again.qdpx")
    with open_study(tmp_path / "second") as second:
        import_qdpx(second, exported)
        after = _exchange_snapshot(second)
    return before, after, exported


def _valid(shared_data: Path, archive: Path) -> bool:
    schema = etree.XMLSchema(etree.parse(str(shared_data / "refi-qda" / "Project-mrt2019.xsd")))
    ok = schema.validate(etree.fromstring(zipfile.ZipFile(archive).read("project.qde")))
    assert ok, schema.error_log
    return ok


# -- the hand-made project -----------------------------------------------------------------------
def test_hand_made_import_keeps_every_feature(hand_made, empty_study_path):
    with open_study(empty_study_path) as study:
        summary = import_qdpx(study, hand_made)
        assert (summary.sources, summary.media_sources, summary.sets, summary.cases) == (3, 4, 2, 2)
        # the audio's transcript is a note, its selection placed through its sync points
        heard = codings(study).query("document_id == 'Call transcript'")["text"].tolist()
        assert heard == ["The permit took six weeks."]
        book = {code.name: code for code in study.codebook()}
        assert book["Service"].codable is False and book["Helpful staff"].codable is True
        assert "codable: false" in study.settings.codebook.read_text(encoding="utf-8")
        # the PDF with a text layer is a note, its rectangle mapped onto the text it covers
        letter = study.document("Letter")
        pdf_coding = codings(study).query("document_id == 'Letter'").iloc[0]
        assert pdf_coding["text"] == "Your permit is approved."
        assert letter.text[pdf_coding["start"] : pdf_coding["end"]] == pdf_coding["text"]
        cases = {case.name: case for case in read_cases(study)}
        assert cases["Ana B."].attributes == {"role": "owner", "years": 7, "active": True}
        assert cases["Ana B."].description == "Business owner, two permits."
        assert cases["Ana B."].documents == ("Interview 1",) and cases["Ana B."].media == ("call",)
        assert cases["Front desk"].documents == ("Letter",)
        media = {m.name: m for m in read_media_sources(study)}
        assert media["counter.png"].kind == "picture"
        assert (study.folder / media["counter.png"].path).read_bytes() == PICTURE_BYTES
        assert media["counter.png"].selections[0].codes == (
            ("delay", "Ana"),
            ("helpful_staff", "Ana"),
        )
        assert media["lobby.mp4"].path is None  # outside the archive: a reference only
        assert media["lobby.mp4"].selections[0].position == {}  # coded as a whole
        assert media["Scan.pdf"].kind == "pdf"  # no text layer: kept as a reference
        assert media["Scan.pdf"].selections[0].position["page"] == 0
        sets = {s.name: s for s in read_code_sets(study)}
        assert sets["Waiting"].description == "Everything about waiting."
        assert sets["Waiting"].documents == ("Interview 1",)
        assert sets["Waiting"].media == ("lobby",)
        [memo] = sets["Waiting"].memos
        texts = dict(zip(memos(study)["memo_id"].astype(str), memos(study)["text"], strict=True))
        assert texts[memo] == "Queue memo: the line went out the door."
        assert sets["People"].codes == ("helpful_staff", "service")
        table = cases_table(study)
        assert list(table.columns) == ["case_id", "case", "attribute", "value"]
        assert len(table) == 4


@pytest.mark.shared
def test_hand_made_round_trip_is_lossless_and_valid(hand_made, shared_data, tmp_path):
    before, after, exported = _round_trip(tmp_path, hand_made)
    assert _valid(shared_data, exported)
    assert after == before
    assert before["sets"] and before["cases"] and len(before["media"]) == 4
    assert any(not codable for _, _, codable, _, _ in before["codes"])
    # the files travel in the archive
    names = zipfile.ZipFile(exported).namelist()
    assert {Path(n).suffix for n in names} >= {".png", ".mp3", ".pdf", ".txt"}


# -- the real exports ------------------------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize("name", REAL)
def test_real_exports_round_trip_without_loss(shared_data, tmp_path, name):
    archive = shared_data / "refi-qda" / name
    before, after, exported = _round_trip(tmp_path, archive, missing_sources="skip")
    assert _valid(shared_data, exported)
    assert after == before


@pytest.mark.shared
def test_atlas_sets_and_media_survive_the_round_trip(shared_data, tmp_path):
    archive = shared_data / "refi-qda" / "skyloom-TestProject.qdpx"
    _, after, _ = _round_trip(tmp_path, archive, missing_sources="skip")
    # the oracle: each Set's member codes by name, read from the file with plain lxml
    with zipfile.ZipFile(archive) as opened:
        root = etree.fromstring(opened.read("Project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    names = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", ns)}
    expected = {
        s.get("name"): sorted(names[m.get("targetGUID")] for m in s.iterfind("q:MemberCode", ns))
        for s in root.iterfind(".//q:Set", ns)
    }
    assert {s[0]: s[2] for s in after["sets"]} == expected
    assert sum(bool(codes) for codes in expected.values()) == 4
    assert {m[0] for m in after["media"]} == {"picture", "pdf", "audio", "video"}
    coded = [s for m in after["media"] for s in m[5] if s[2]]
    assert len(coded) == 6  # 1 picture, 4 PDF, 1 video selection carry codes


# -- codebooks (.qdc) ------------------------------------------------------------------------------
@pytest.mark.shared
def test_qdc_keeps_code_sets_and_is_codable(hand_made, shared_data, tmp_path):
    with open_study(tmp_path / "first") as first:
        import_qdpx(first, hand_made)
        add_code_set(first, "Empty of codes", documents=["Interview 1"])
        book = export_qdc(first, tmp_path / "book.qdc")
    schema = etree.XMLSchema(etree.parse(str(shared_data / "refi-qda" / "Codebook-spec-clean.xsd")))
    assert schema.validate(etree.parse(str(book))), schema.error_log
    with open_study(tmp_path / "second") as second:
        assert import_qdc(second, book) == 3
        assert {c.name: c.codable for c in second.codebook()}["Service"] is False
        assert import_qdc(second, book) == 0  # again: no new codes, no second copy of sets
        sets = [(s.name, s.description, s.codes) for s in read_code_sets(second)]
    # a codebook has no sources, so a set without codes does not belong in it
    assert sets == [
        ("Waiting", "Everything about waiting.", ("delay",)),
        ("People", "", ("helpful_staff", "service")),
    ]


def test_sets_and_cases_written_by_hand_are_exported(sample_study_path, tmp_path):
    with open_study(sample_study_path) as study:
        add_case(
            study, "P01", documents=["P01_business-owner"], attributes={"years_in_business": 3}
        )
        add_code_set(study, "Costs", codes=["cost_of_delay"], description="money")
        exported = export_qdpx(study, tmp_path / "study.qdpx")
        participants = {str(doc.attributes["participant"]) for doc in study.documents()}
    with open_study(tmp_path / "fresh") as fresh:
        import_qdpx(fresh, exported)
        stored = {case.name: case for case in read_cases(fresh)}
        [code_set] = read_code_sets(fresh)
    # the stored case as stored; every other participant travels as a case too
    case = stored["P01"]
    assert (case.name, case.attributes, case.documents) == (
        "P01",
        {"years_in_business": 3},
        ("P01_business-owner",),
    )
    assert set(stored) == participants
    assert (code_set.name, code_set.description, code_set.codes) == (
        "Costs",
        "money",
        ("cost_of_delay",),
    )


# -- the command line ------------------------------------------------------------------------------
def test_qdc_commands_and_the_crlf_option(hand_made, tmp_path, capsys):
    with open_study(tmp_path / "first") as first:
        import_qdpx(first, hand_made)
    book = tmp_path / "book.qdc"
    assert main(["qdc", "export", "--study", str(tmp_path / "first"), "-o", str(book)]) == 0
    with open_study(tmp_path / "second"):
        pass
    assert main(["qdc", "import", str(book), "--study", str(tmp_path / "second")]) == 0
    assert "3 new codes" in capsys.readouterr().out
    crlf = tmp_path / "crlf.qdpx"
    project = HAND_MADE.replace('endPosition="34"', 'endPosition="37"').replace(
        'startPosition="0"', 'startPosition="2"'
    )
    with zipfile.ZipFile(crlf, "w") as archive:
        archive.writestr("project.qde", project)
        archive.writestr(f"sources/{TEXT_SOURCE}.txt", "\r\n\r\n" + TEXT)
        archive.writestr(f"sources/{TRANSCRIPT}.txt", TRANSCRIPT_TEXT)
    for option, expected in (("one", "We waited six weeks for the permit."), ("two", None)):
        folder = tmp_path / f"crlf-{option}"
        with open_study(folder):
            pass
        args = ["qdpx", "import", str(crlf), "--study", str(folder), "--crlf", option]
        assert main(args) == 0
        with open_study(folder) as study:
            text = codings(study).query("document_id == 'Interview 1'").iloc[0]["text"]
        # counted as one character, offsets 2–37 skip both line breaks; as two, they do not
        assert (text == expected) if expected else text.startswith("\r\nWe waited")


def test_merging_codes_keeps_their_sets_and_media_codings(hand_made, empty_study_path):
    from research_kit.interviews import merge_codes

    with open_study(empty_study_path) as study:
        import_qdpx(study, hand_made)
        add_code_set(study, "Both", codes=["delay", "helpful_staff"])
        merge_codes(study, ["helpful_staff"], "delay")
        sets = {s.name: s.codes for s in read_code_sets(study)}
        picture = next(m for m in read_media_sources(study) if m.kind == "picture")
    assert sets["People"] == ("delay", "service") and sets["Both"] == ("delay",)
    assert picture.selections[0].codes == (("delay", "Ana"),)


def test_a_media_selection_without_a_position_is_refused_and_nothing_changes(
    tmp_path, empty_study_path
):
    broken = HAND_MADE.replace('begin="1500"', 'begin="soon"')
    path = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", broken)
        archive.writestr(f"sources/{TEXT_SOURCE}.txt", TEXT)
    with open_study(empty_study_path) as study:
        with pytest.raises(QdpxError, match=r"AudioSelection in source 'call\.mp3'"):
            import_qdpx(study, path, missing_sources="skip")
        assert read_media_sources(study) == [] and read_code_sets(study) == []
        assert not (study.folder / "media").exists()


def test_pdf_selections_map_onto_a_pdf_written_by_a_real_engine(tmp_path):
    # WeasyPrint places text with its own page transforms (points, y flipped), as PDF
    # writers do; the rectangles are where a reader sees the paragraphs (1 inch margins).
    weasyprint = pytest.importorskip("weasyprint")
    html = (
        '<body style="font-size:12pt;margin:72pt"><p>First paragraph about permits.</p>'
        "<p>Second paragraph: the clerk was helpful and kind.</p>"
        '<p style="page-break-before:always">Page two text here.</p></body>'
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    selections = "".join(
        f'<PDFSelection guid="77777777-0000-4000-8000-00000000001{n}" page="{page}" '
        f'firstX="100" firstY="{top}" secondX="560" secondY="{bottom}">'
        f"{_coding(10 + n, OTHER)}</PDFSelection>"
        for n, (page, top, bottom) in enumerate([(0, 150, 170), (1, 60, 90)])
    )
    project = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="Hand 1.0">
      <Users><User guid="{USER}" name="Ana"/></Users>
      <CodeBook><Codes><Code guid="{OTHER}" name="Delay" isCodable="true"/></Codes></CodeBook>
      <Sources><PDFSource guid="{PDF_TEXT}" name="Report.pdf" path="internal://{PDF_TEXT}.pdf">
      {selections}</PDFSource></Sources></Project>"""
    path = tmp_path / "pdf.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
        archive.writestr(f"sources/{PDF_TEXT}.pdf", pdf)
    with open_study(tmp_path / "s") as study:
        summary = import_qdpx(study, path)
        texts = sorted(codings(study)["text"])
        note = study.document("Report").text
    assert (summary.sources, summary.media_sources, summary.codings) == (1, 0, 2)
    assert texts == ["Page two text here.", "Second paragraph: the clerk was helpful and kind."]
    assert note.startswith("First paragraph about permits.\nSecond paragraph")

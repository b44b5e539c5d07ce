"""Writing a study's coding work as REFI-QDA: QDPX projects and QDC codebooks.

:func:`export_qdpx` writes the study's coders (Users), codebook (nested Codes with colour and
definition), notes (TextSources whose text is the note's text exactly as research_kit holds it,
so that selection offsets are Unicode code points into it), excerpts (PlainTextSelections with
their Codings), note attributes (Variables, as VariableValues on each source) and memos (Notes,
tied to the study, a note, a code or a coding with NoteRefs). GUIDs are derived from the study
folder's name and each object's id, so exporting again gives the same GUIDs.
:func:`export_qdc` writes the codebook alone. Users import both from
:mod:`research_kit.interviews`; the reading direction is :mod:`.refi_import`.
"""

from __future__ import annotations

import os
import uuid
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from lxml import etree

from research_kit import schema
from research_kit.interviews._qdpx_export_records import (
    case_elements,
    media_elements,
    set_elements,
    timestamp,
    typed_like,
    variable_kinds,
    variable_value_elements,
)
from research_kit.interviews.cases import case_records
from research_kit.interviews.codebook import Code, Codebook
from research_kit.interviews.documents import Document, read_notes
from research_kit.interviews.refi_model import (
    CODEBOOK_NS,
    HEX_COLOUR,
    MAX_CODE_DEPTH,
    PROJECT_NS,
    QdpxError,
    local_name,
    tag,
    xml_safe,
)
from research_kit.interviews.refi_records import read_code_sets, read_media_sources
from research_kit.version import __version__

if TYPE_CHECKING:
    from research_kit.study import Study

_GUID_NAMESPACE = uuid.UUID("6f1d1c9e-5b0a-5d2e-9a77-3c1f0e2b7d41")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# -- the public functions --------------------------------------------------------------------
def export_qdpx(study: Study, path: Path | str) -> Path:
    """Write the study's codebook, notes, excerpts, codings, coders and memos as a QDPX file.

    Parameters
    ----------
    study : Study
    path : Path or str
        The ``.qdpx`` file to write (replaced if it exists).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    QdpxError
        A coded note changed or disappeared since it was coded (its offsets would point at the
        wrong text), or the folder for ``path`` does not exist.

    Examples
    --------
    >>> import shutil, tempfile, pathlib, zipfile
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> archive = export_qdpx(study, folder / "study.qdpx")
    >>> names = zipfile.ZipFile(archive).namelist()
    >>> names[0], len(names)  # the project and one text per note
    ('project.qde', 15)
    >>> study.close()
    """
    path = Path(path)
    _require_folder(path)
    root, sources, files = _project_element(study)
    members = {"project.qde": _xml_bytes(root)}
    members |= {f"sources/{guid}.txt": text.encode("utf-8") for guid, text in sources.items()}
    _write_zip(path, members | files)
    return path


def export_qdc(study: Study, path: Path | str) -> Path:
    """Write the study's codebook as a REFI-QDA codebook (``.qdc``).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> from research_kit.interviews import read_qdc
    >>> len(read_qdc(export_qdc(study, folder / "codebook.qdc")))
    27
    >>> study.close()
    """
    path = Path(path)
    _require_folder(path)
    book = study.codebook()
    if not len(book):
        raise QdpxError(
            "the study's codebook has no codes to export",
            path=book.path,
            hint="add codes to codebook.yml first",
        )
    root = etree.Element(tag("CodeBook", CODEBOOK_NS), nsmap={None: CODEBOOK_NS})
    root.set("origin", _origin())
    codes = etree.SubElement(root, tag("Codes", CODEBOOK_NS))
    guids = _Guids(study.folder.name)
    _code_elements(codes, book, guids, CODEBOOK_NS, {})
    code_sets = [
        code_set for code_set in read_code_sets(study) if set(code_set.codes) & set(book.codes)
    ]
    if code_sets:
        set_elements(
            etree.SubElement(root, tag("Sets", CODEBOOK_NS)),
            code_sets,
            guids,
            set(book.codes),
            set(),
            member_code=lambda guid: {"guid": guid},
            namespace_tag=lambda name: tag(name, CODEBOOK_NS),
        )
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(_xml_bytes(root))
    os.replace(temporary, path)
    return path


# -- export machinery ----------------------------------------------------------------------------
def _project_element(study: Study) -> tuple[etree._Element, dict[str, str], dict[str, bytes]]:
    """Build ``project.qde``, the source texts (by GUID) and the media files (by member)."""
    from research_kit.interviews.coding import coders, codings, memos

    guids = _Guids(study.folder.name)
    book = study.codebook()
    coded = codings(study)
    documents = _export_documents(study, coded)
    notes = memos(study)
    media = read_media_sources(study)
    known = variable_kinds([d.attributes for d in documents] + [m.attributes for m in media])
    cases = [  # every case of cases(study), stored or named by participant
        replace(case, attributes=typed_like(case.attributes, known)) for case in case_records(study)
    ]
    media_coders = {coder for m in media for s in m.selections for _, coder in s.codes}
    people = sorted(set(coders(study)["coder"]) | set(notes["coder"].dropna()) | media_coders)

    root = etree.Element(tag("Project"), nsmap={None: PROJECT_NS})
    root.set("name", xml_safe(study.name) or study.folder.name)
    root.set("origin", _origin())
    if people:
        users = etree.SubElement(root, tag("Users"))
        for person in people:
            etree.SubElement(users, tag("User"), guid=guids("user", person), name=xml_safe(person))

    code_notes: dict[str, etree._Element] = {}
    all_codes = _codes_with_orphans(study, book, set(coded["code_id"]))
    if len(all_codes):
        codes = etree.SubElement(etree.SubElement(root, tag("CodeBook")), tag("Codes"))
        _code_elements(codes, all_codes, guids, PROJECT_NS, code_notes)

    variables = variable_kinds(
        [d.attributes for d in documents]
        + [c.attributes for c in cases]
        + [m.attributes for m in media]
    )
    if variables:
        holder = etree.SubElement(root, tag("Variables"))
        for name, kind in variables.items():
            etree.SubElement(
                holder,
                tag("Variable"),
                guid=guids("variable", name),
                name=xml_safe(name),
                typeOfVariable=kind,
            )

    exported = {("document", d.id) for d in documents} | {("media", m.id) for m in media}
    case_elements(root, cases, variables, guids, exported)

    sources: dict[str, str] = {}
    files: dict[str, bytes] = {}
    source_elements: dict[str, etree._Element] = {}
    coding_elements: dict[str, etree._Element] = {}
    if documents or media:
        holder = etree.SubElement(root, tag("Sources"))
        by_document: dict[str, dict[tuple[int, int], list]] = {}
        for row in coded.itertuples(index=False):
            spans = by_document.setdefault(row.document_id, {})
            spans.setdefault((int(row.start), int(row.end)), []).append(row)
        for document in documents:
            guid = guids("source", document.id)
            sources[guid] = document.text
            element = etree.SubElement(
                holder,
                tag("TextSource"),
                guid=guid,
                name=xml_safe(document.id),
                plainTextPath=f"internal://{guid}.txt",
            )
            source_elements[document.id] = element
            spans = by_document.get(document.id, {})
            _selection_elements(element, document, spans, guids, coding_elements)
            variable_value_elements(element, document.attributes, variables, guids)
        files = media_elements(holder, media, study.folder, variables, guids, set(all_codes.codes))

    code_sets = read_code_sets(study)
    if code_sets:
        sets = etree.SubElement(root, tag("Sets"))
        exported |= {("memo", str(memo_id)) for memo_id in notes["memo_id"]}
        set_elements(sets, code_sets, guids, set(all_codes.codes), exported)
    _note_elements(root, notes, guids, code_notes, source_elements, coding_elements)
    return root, sources, files


def _export_documents(study: Study, coded: pd.DataFrame) -> list[Document]:
    """The study's notes, refusing to export codings whose note changed under them."""
    folder = study.settings.notes
    documents = read_notes(folder) if folder is not None else []
    by_id = {document.id: document for document in documents}
    stale = []
    for row in coded.itertuples(index=False):
        document = by_id.get(row.document_id)
        if document is None or document.text[row.start : row.end] != row.text:
            stale.append(row)
    if stale:
        first = stale[0]
        raise QdpxError(
            f"{len(stale)} coding(s) no longer match their note's text (first: note "
            f"{first.document_id!r}, characters {first.start}–{first.end})",
            path=by_id[first.document_id].path if first.document_id in by_id else folder,
            hint="review research_kit.interviews.stale_codings(study) and accept or remove "
            "those codings before exporting",
        )
    return documents


def _codes_with_orphans(study: Study, book: Codebook, used: set[str]) -> Codebook:
    """The codebook plus codes that have codings but are no longer in codebook.yml."""
    missing = used - set(book.codes)
    if not missing:
        return book
    with study.store.read() as conn:
        rows = conn.execute(
            sa.select(schema.codes.c.id, schema.codes.c.name).where(schema.codes.c.id.in_(missing))
        ).all()
    names = dict(rows)
    codes = dict(book.codes)
    for code_id in sorted(missing):
        codes[code_id] = Code(code_id, names.get(code_id) or code_id)
    return Codebook(codes, book.path, book.version)


def _code_elements(holder, book: Codebook, guids, namespace: str, note_holders: dict) -> None:
    """One nested ``<Code>`` per code under ``holder``, built without recursion."""
    elements: dict[str, etree._Element] = {}
    ordered = book.in_tree_order()
    _check_depth(book, ordered)
    for code, depth in ordered:
        parent = elements[code.parent] if depth else holder
        element = etree.SubElement(
            parent,
            tag("Code", namespace),
            guid=guids("code", code.id),
            name=xml_safe(code.name),
            isCodable="true" if code.codable else "false",
        )
        if code.colour and HEX_COLOUR.match(code.colour):
            element.set("color", code.colour)
        description = _description(code)
        if description:
            etree.SubElement(element, tag("Description", namespace)).text = xml_safe(description)
        elements[code.id] = note_holders[code.id] = element


def _check_depth(book: Codebook, ordered: list[tuple[Code, int]]) -> None:
    """Refuse, before anything is written, a hierarchy too deep for REFI-QDA readers."""
    too_deep = next((code for code, depth in ordered if depth >= MAX_CODE_DEPTH), None)
    if too_deep is not None:
        raise QdpxError(
            f"code {too_deep.id!r} sits {MAX_CODE_DEPTH} levels below its theme, deeper than "
            "REFI-QDA readers accept (XML parsers refuse elements nested about 256 deep)",
            path=book.path,
            line=too_deep.line,
            hint=f"give that chain of codes fewer levels (at most {MAX_CODE_DEPTH - 1} below "
            "a theme) by moving codes up to a nearer parent, then export again",
        )


def _description(code: Code) -> str:
    parts = [code.definition]
    for label, value in (("Include", code.include), ("Exclude", code.exclude)):
        if value:
            parts.append(f"{label}: {value}")
    if code.example:
        parts.append(f"Example: {code.example}")
    return "\n\n".join(part for part in parts if part)


def _selection_elements(source, document, spans, guids, coding_elements) -> None:
    for (start, end), rows in sorted(spans.items()):
        key = f"{document.id}:{start}:{end}"
        excerpt = " ".join(document.text[start:end].split())
        selection = etree.SubElement(
            source,
            tag("PlainTextSelection"),
            guid=guids("selection", key),
            name=xml_safe(excerpt[:60]),
            startPosition=str(start),
            endPosition=str(end),
        )
        selection.set("creatingUser", guids("user", rows[0].coder))
        for row in rows:
            coding = etree.SubElement(
                selection,
                tag("Coding"),
                guid=guids("coding", f"{key}:{row.code_id}:{row.coder}"),
                creatingUser=guids("user", row.coder),
            )
            stamp = timestamp(row.created_at)
            if stamp:
                coding.set("creationDateTime", stamp)
            etree.SubElement(coding, tag("CodeRef"), targetGUID=guids("code", row.code_id))
            coding_elements[str(row.coding_id)] = coding


def _note_elements(root, notes, guids, code_holders, source_holders, coding_holders) -> None:
    """Memos → Notes, each referenced from what it is about (the project when nothing else)."""
    if notes.empty:
        return
    holder = etree.Element(tag("Notes"))
    project_refs = []
    targets = {"code": code_holders, "document": source_holders, "coding": coding_holders}
    for memo in notes.itertuples(index=False):
        guid = guids("memo", memo.memo_id)
        text = xml_safe(memo.text)
        note = etree.SubElement(holder, tag("Note"), guid=guid, name=text.split("\n")[0][:60])
        if isinstance(memo.coder, str):
            note.set("creatingUser", guids("user", memo.coder))
        stamp = timestamp(memo.created_at)
        if stamp:
            note.set("creationDateTime", stamp)
        etree.SubElement(note, tag("PlainTextContent")).text = text
        owner = targets.get(memo.on, {}).get(str(memo.target))
        if owner is None:
            project_refs.append(guid)
        else:
            _insert_note_ref(owner, guid)
    # Notes come after Sources in the schema's sequence; NoteRefs close the Project.
    anchor = next(
        (
            child
            for child in root
            if local_name(child) in ("Links", "Sets", "Graphs", "Description")
        ),
        None,
    )
    if anchor is None:
        root.append(holder)
    else:
        anchor.addprevious(holder)
    for guid in project_refs:
        etree.SubElement(root, tag("NoteRef"), targetGUID=guid)


def _insert_note_ref(owner: etree._Element, guid: str) -> None:
    """Put a NoteRef where the owner's schema sequence allows it."""
    ref = etree.Element(tag("NoteRef"), targetGUID=guid)
    after = {"Code": ("Code",), "TextSource": ("VariableValue",), "Coding": ()}[local_name(owner)]
    for child in owner:
        if local_name(child) in after:
            child.addprevious(ref)
            return
    owner.append(ref)


# -- shared helpers --------------------------------------------------------------------------------
class _Guids:
    """Stable GUIDs: uuid5 of the study folder's name, the kind of object and its id."""

    def __init__(self, study_key: str) -> None:
        self.study_key = study_key
        self._made: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, key: object) -> str:
        found = self._made.get((kind, str(key)))
        if found is None:
            found = str(uuid.uuid5(_GUID_NAMESPACE, f"{self.study_key}/{kind}/{key}"))
            self._made[(kind, str(key))] = found
        return found


def _write_zip(path: Path, members: dict[str, bytes]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(temporary, path)


def _require_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise QdpxError(
            "the folder to write into does not exist", path=path.parent, hint="create it first"
        )


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _origin() -> str:
    return f"research_kit {__version__}"


__all__ = ["export_qdc", "export_qdpx"]

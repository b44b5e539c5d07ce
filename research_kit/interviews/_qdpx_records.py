"""The parts of ``project.qde`` beside text codings: Sets, Cases, and non-text sources.

A step of :func:`~research_kit.interviews.refi_import.import_qdpx` after
:func:`~research_kit.interviews._qdpx_project.read_project`: Sets (code and source groups) and
Cases (with their variable values and sources) are read as they are; a PDF source whose file
has a text layer and whose every ``PDFSelection`` covers text becomes a text source (its
selections turned into offsets by :mod:`._qdpx_pdf`), and so does every Transcript of an audio
or video source (its TranscriptSelections turned into offsets through their SyncPoints);
picture, audio and video sources, and the other PDFs, are read as references with their coded
regions. Every GUID is checked, so that planning never meets a reference that points nowhere.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from research_kit.interviews._qdpx_archive import Archive
from research_kit.interviews._qdpx_pdf import read_pdf_text, rectangle_offsets
from research_kit.interviews._qdpx_project import (
    Coding,
    Project,
    Selection,
    Source,
    counts_crlf_as_one,
    crlf_positions,
    guid_of,
    note_refs,
    optional_guid,
    read_codings,
    source_text,
    text_of,
    variable_names,
    variable_values_of,
)
from research_kit.interviews.refi_model import QdpxError, child_elements, first_child, local_name

__all__ = [
    "MEDIA_ELEMENTS",
    "Extras",
    "ImportedCase",
    "ImportedMedia",
    "ImportedMediaSelection",
    "ImportedSet",
    "read_extras",
    "read_sets",
]

#: Source element → (media kind, selection element, the selection's position attributes).
MEDIA_ELEMENTS = {
    "PictureSource": ("picture", "PictureSelection", ("firstX", "firstY", "secondX", "secondY")),
    "PDFSource": ("pdf", "PDFSelection", ("page", "firstX", "firstY", "secondX", "secondY")),
    "AudioSource": ("audio", "AudioSelection", ("begin", "end")),
    "VideoSource": ("video", "VideoSelection", ("begin", "end")),
}


@dataclass
class ImportedSet:
    guid: str
    name: str
    description: str
    members: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportedCase:
    guid: str
    name: str
    description: str
    attributes: dict[str, Any] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)


@dataclass
class ImportedMediaSelection:
    guid: str
    name: str
    position: dict[str, int]
    user_guid: str | None
    codings: list[Coding] = field(default_factory=list)
    description: str = ""


@dataclass
class ImportedMedia:
    guid: str
    kind: str
    name: str
    member: str | None
    original_path: str
    description: str
    attributes: dict[str, Any] = field(default_factory=dict)
    selections: list[ImportedMediaSelection] = field(default_factory=list)
    user_guid: str | None = None


@dataclass
class Extras:
    sets: list[ImportedSet]
    cases: list[ImportedCase]
    media: list[ImportedMedia]
    text_sources: list[Source]
    skipped_transcripts: int = 0


def read_extras(
    root: etree._Element,
    archive: Archive,
    project: Project,
    missing: str,
    crlf_as_one: bool | None,
) -> Extras:
    """Read Sets, Cases and non-text sources; PDFs with a text layer and transcripts come
    back as text sources."""
    path = archive.path
    names = variable_names(root, path)
    known_codes = {code.guid for code in project.codes}
    if crlf_as_one is None:
        crlf_as_one = counts_crlf_as_one(project.origin)
    media, text_sources = [], []
    skipped = 0  # transcripts missing from the archive (with missing="skip") or blank
    for element in child_elements(first_child(root, "Sources")):
        if local_name(element) not in MEDIA_ELEMENTS:
            continue
        item = _read_media(element, archive, known_codes, names)
        transcripts = _read_transcripts(element, item, archive, missing, crlf_as_one, known_codes)
        skipped += sum(transcript is None for transcript in transcripts)
        text_sources += [transcript for transcript in transcripts if transcript is not None]
        as_text = _pdf_as_text(item, archive) if item.kind == "pdf" else None
        if as_text is None:
            media.append(item)
        else:
            text_sources.append(as_text)
    cases = _read_cases(root, path, names)
    by_guid = {source.guid: source for source in text_sources}
    for case in cases:  # as for text sources, a case's values become its notes' attributes
        for guid in case.members:
            if guid in by_guid:
                by_guid[guid].attributes = case.attributes | by_guid[guid].attributes
    return Extras(read_sets(root, path), cases, media, text_sources, skipped)


def read_sets(root, path: Path) -> list[ImportedSet]:
    """The Sets of a project (or of a codebook, whose Sets hold codes only)."""
    sets = []
    for element in child_elements(first_child(root, "Sets"), "Set"):
        members = [
            guid
            for kind in ("MemberCode", "MemberSource")
            for ref in child_elements(element, kind)
            # the project schema writes targetGUID, the codebook schema guid
            if (guid := optional_guid(ref.get("targetGUID") or ref.get("guid")))
        ]
        sets.append(
            ImportedSet(
                guid=guid_of(element.get("guid"), path, "Set"),
                name=(element.get("name") or "").strip() or "unnamed set",
                description=text_of(first_child(element, "Description")),
                members=members,
                notes=[
                    guid
                    for ref in child_elements(element, "MemberNote")
                    if (guid := optional_guid(ref.get("targetGUID")))
                ],
            )
        )
    return sets


def _read_cases(root, path: Path, names: dict[str, str]) -> list[ImportedCase]:
    cases = []
    for element in child_elements(first_child(root, "Cases"), "Case"):
        guid = guid_of(element.get("guid"), path, "Case")
        cases.append(
            ImportedCase(
                guid=guid,
                name=(element.get("name") or "").strip() or f"case {guid[:8]}",
                description=text_of(first_child(element, "Description")),
                attributes=_named(variable_values_of(element), names),
                members=[
                    guid
                    for ref in child_elements(element, "SourceRef")
                    if (guid := optional_guid(ref.get("targetGUID")))
                ],
            )
        )
    return cases


def _named(values: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        names[guid]: value
        for guid, value in values.items()
        if names.get(guid) and value is not None
    }


def _read_media(element, archive: Archive, known_codes, names) -> ImportedMedia:
    kind, selection_tag, position_names = MEDIA_ELEMENTS[local_name(element)]
    guid = guid_of(element.get("guid"), archive.path, local_name(element))
    reference = element.get("path") or element.get("currentPath") or ""
    member = None
    if reference and not reference.lower().startswith(("relative://", "absolute://")):
        member = archive.source_member(reference)
    name = (element.get("name") or "").strip() or Path(reference).name or guid
    item = ImportedMedia(
        guid=guid,
        kind=kind,
        name=name,
        member=member,
        original_path=reference,
        description=text_of(first_child(element, "Description")),
        attributes=_named(variable_values_of(element), names),
        user_guid=optional_guid(element.get("creatingUser")),
    )
    for selection in child_elements(element, selection_tag):
        item.selections.append(
            ImportedMediaSelection(
                guid=guid_of(selection.get("guid"), archive.path, selection_tag),
                name=(selection.get("name") or "").strip(),
                position=_position(selection, position_names, name, archive.path),
                user_guid=optional_guid(selection.get("creatingUser")),
                codings=read_codings(selection, name, archive.path, known_codes),
                description=text_of(first_child(selection, "Description")),
            )
        )
    whole = read_codings(element, name, archive.path, known_codes)
    if whole:  # codings of the whole source: a selection with no position
        item.selections.append(ImportedMediaSelection(guid, "", {}, item.user_guid, whole))
    return item


def _position(element, names, source: str, path: Path) -> dict[str, int]:
    try:
        # the schema says integers; a tool that writes "12.0" still means 12
        return {name: round(float(element.get(name))) for name in names}
    except (TypeError, ValueError, OverflowError) as exc:
        raise QdpxError(
            f"a {local_name(element)} in source {source!r} has no valid {', '.join(names)}",
            path=path,
            hint="the project file is damaged; export it again",
        ) from exc


def _pdf_as_text(item: ImportedMedia, archive: Archive) -> Source | None:
    """The PDF as a text source when it has a text layer that every selection covers."""
    if item.member is None:
        return None
    pdf = read_pdf_text(archive.read(item.member))
    if pdf is None:
        return None
    selections = []
    for found in item.selections:
        if not found.position:
            return None  # a coding of the whole PDF has no span of text to sit on
        span = rectangle_offsets(
            pdf,
            found.position["page"],
            (found.position["firstX"], found.position["firstY"]),
            (found.position["secondX"], found.position["secondY"]),
        )
        if span is None:
            return None
        selections.append(
            Selection(
                guid=found.guid,
                start=span[0],
                end=span[1],
                user_guid=found.user_guid,
                codings=found.codings,
                description=found.description,
            )
        )
    return Source(
        guid=item.guid,
        name=item.name,
        text=pdf.text,
        member=item.member,
        user_guid=item.user_guid,
        selections=selections,
        description=item.description,
        attributes=dict(item.attributes),
    )


def _read_transcripts(
    element, item, archive, missing, crlf_as_one, known_codes
) -> list[Source | None]:
    """The Transcripts of an audio or video source, each a text source with its selections
    (``None`` for one that is missing, with ``missing="skip"``, or blank).

    A TranscriptSelection runs from the ``position`` of its ``fromSyncPoint`` to that of its
    ``toSyncPoint`` (the start or the end of the text when one is not given).
    """
    sources = []
    for transcript in child_elements(element, "Transcript"):
        guid = guid_of(transcript.get("guid"), archive.path, "Transcript")
        name = (transcript.get("name") or "").strip() or f"{item.name} transcript"
        text, member = source_text(transcript, archive, missing, f"transcript {name!r}")
        if text is None:
            sources.append(None)
            continue
        crlf = crlf_positions(text) if crlf_as_one else []
        length = len(text) - len(crlf)
        points = {
            guid_of(point.get("guid"), archive.path, "SyncPoint"): point.get("position")
            for point in child_elements(transcript, "SyncPoint")
        }
        source = Source(
            guid=guid,
            name=name,
            text=text,
            member=member,
            user_guid=optional_guid(transcript.get("creatingUser")) or item.user_guid,
            note_refs=note_refs(transcript),
            description=text_of(first_child(transcript, "Description")),
        )
        for selection in child_elements(transcript, "TranscriptSelection"):
            start = _sync_position(selection, "fromSyncPoint", points, 0, name, archive.path)
            end = _sync_position(selection, "toSyncPoint", points, length, name, archive.path)
            if not 0 <= start <= end <= length:
                raise QdpxError(
                    f"a TranscriptSelection ({start}–{end}) in transcript {name!r} lies "
                    f"outside its text ({length} characters)",
                    path=archive.path,
                    hint="the archive's text does not match its codings; export it again",
                )
            source.selections.append(
                Selection(
                    guid=guid_of(selection.get("guid"), archive.path, "TranscriptSelection"),
                    start=start + bisect.bisect_left(crlf, start),
                    end=end + bisect.bisect_left(crlf, end),
                    user_guid=optional_guid(selection.get("creatingUser")),
                    codings=read_codings(selection, name, archive.path, known_codes),
                    note_refs=note_refs(selection),
                    description=text_of(first_child(selection, "Description")),
                )
            )
        sources.append(source if source.text.strip() or source.selections else None)
    return sources


def _sync_position(selection, attribute, points, default, name, path) -> int:
    reference = selection.get(attribute)
    if not reference:
        return default
    position = points.get(optional_guid(reference))
    try:
        return int(position)
    except (TypeError, ValueError) as exc:
        raise QdpxError(
            f"a TranscriptSelection in transcript {name!r} refers to sync point "
            f"{reference!r}, which has no position in that transcript",
            path=path,
            hint="the project file is inconsistent; export it again from your QDA program",
        ) from exc

"""The REFI-QDA project as read from ``project.qde``: users, codes, sources, selections, notes.

The second step of :func:`~research_kit.interviews.refi_import.import_qdpx`: the XML becomes
plain dataclasses, every GUID is normalised (and a repeated one refused), every text source is
read from the archive (or inline), and every selection and coding is checked against its text
and the codebook, so that planning and writing never meet a reference that points nowhere.
Offsets are turned into code points of the text as read (ATLAS.ti counts "\\r\\n" as one).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from lxml import etree

from research_kit.interviews._qdpx_archive import Archive
from research_kit.interviews.refi_model import (
    HEX_COLOUR,
    QdpxError,
    child_elements,
    first_child,
    local_name,
)
from research_kit.rawfiles import decode_text

__all__ = [
    "Coding",
    "ImportedCode",
    "Note",
    "Project",
    "Selection",
    "Source",
    "counts_crlf_as_one",
    "crlf_positions",
    "guid_of",
    "note_refs",
    "optional_guid",
    "parse_time",
    "read_codes",
    "read_codings",
    "read_project",
    "source_text",
    "text_of",
    "variable_names",
    "variable_values_of",
]

_GUID = re.compile(r"^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$", re.I)


@dataclass
class Coding:
    guid: str
    code_guid: str
    user_guid: str | None
    created: datetime | None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class Selection:
    guid: str
    start: int
    end: int
    user_guid: str | None
    codings: list[Coding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Source:
    guid: str
    name: str
    text: str
    member: str
    user_guid: str | None = None
    selections: list[Selection] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportedCode:
    guid: str
    name: str
    parent_guid: str | None
    colour: str | None
    description: str
    note_refs: list[str] = field(default_factory=list)
    codable: bool = True


@dataclass
class Note:
    guid: str
    name: str
    text: str
    user_guid: str | None
    created: datetime | None


@dataclass
class Project:
    origin: str
    default_user: str | None
    users: dict[str, str]
    codes: list[ImportedCode]
    sources: list[Source]
    skipped_sources: int
    notes: dict[str, Note]
    project_note_refs: list[str]
    links: list[tuple[str | None, str | None]]
    description: str


def read_project(
    root: etree._Element, archive: Archive, missing: str, crlf_as_one: bool | None
) -> Project:
    origin = root.get("origin") or ""
    if crlf_as_one is None:
        crlf_as_one = counts_crlf_as_one(origin)
    users = {}
    for user in child_elements(first_child(root, "Users"), "User"):
        guid = guid_of(user.get("guid"), archive.path, "User")
        if guid in users:
            raise _duplicate_guid_error("User", guid, archive.path)
        users[guid] = (user.get("name") or user.get("id") or guid).strip() or guid
    codes = []
    book = first_child(root, "CodeBook")
    if book is not None and first_child(book, "Codes") is not None:
        codes = list(read_codes(first_child(book, "Codes"), None, archive.path))
    known_codes = {code.guid for code in codes}
    notes = {}
    for note in child_elements(first_child(root, "Notes"), "Note"):
        read = _read_note(note, archive, missing)
        if read is not None:
            notes[read.guid] = read
    sources: list[Source] = []
    skipped = 0
    for element in child_elements(first_child(root, "Sources")):
        if local_name(element) != "TextSource":
            continue  # pictures, PDFs, audio and video: read by _qdpx_records
        source = _read_source(element, archive, missing, crlf_as_one, known_codes)
        if source is None or (not source.text.strip() and not source.selections):
            skipped += 1
            continue
        sources.append(source)
    _add_case_attributes(root, sources, archive.path)
    links = [
        (optional_guid(link.get("originGUID")), optional_guid(link.get("targetGUID")))
        for link in child_elements(first_child(root, "Links"), "Link")
    ]
    return Project(
        origin=origin,
        default_user=optional_guid(root.get("creatingUserGUID")),
        users=users,
        codes=codes,
        sources=sources,
        skipped_sources=skipped,
        notes=notes,
        project_note_refs=note_refs(root),
        links=links,
        description=text_of(first_child(root, "Description")),
    )


def counts_crlf_as_one(origin: str) -> bool:
    """Whether the tool that wrote a project counts "\\r\\n" as one character (ATLAS.ti).

    Examples
    --------
    >>> counts_crlf_as_one("ATLAS.ti 23.2.3"), counts_crlf_as_one("NVivo 14")
    (True, False)
    """
    return "atlas.ti" in origin.lower()


def _duplicate_guid_error(what: str, guid: str, path: Path | None) -> QdpxError:
    return QdpxError(
        f"two {what} elements share the guid {guid}, so references to it are ambiguous",
        path=path,
        hint="the file is damaged or was edited by hand; export it again from your QDA program",
    )


def read_codes(
    holder, parent_guid: str | None, path: Path, seen: set[str] | None = None
) -> Iterator[ImportedCode]:
    """Codes in document order (parents before children); a repeated guid is refused."""
    seen = set() if seen is None else seen
    for element in child_elements(holder, "Code"):
        guid = guid_of(element.get("guid"), path, "Code")
        if guid in seen:
            raise _duplicate_guid_error("Code", guid, path)
        seen.add(guid)
        colour = element.get("color")
        yield ImportedCode(
            guid=guid,
            name=(element.get("name") or "").strip() or "unnamed code",
            parent_guid=parent_guid,
            colour=colour if colour and HEX_COLOUR.match(colour) else None,
            description=text_of(first_child(element, "Description")),
            note_refs=note_refs(element),
            codable=(element.get("isCodable") or "true").strip().lower() not in ("false", "0"),
        )
        yield from read_codes(element, guid, path, seen)


def _read_source(element, archive, missing, crlf_as_one, known_codes) -> Source | None:
    guid = guid_of(element.get("guid"), archive.path, "TextSource")
    file_name = PurePosixPath(unquote(element.get("plainTextPath") or "").split("://")[-1]).stem
    name = (element.get("name") or "").strip() or file_name or guid
    text, member = source_text(element, archive, missing, f"text source {name!r}")
    if text is None:
        return None
    source = Source(
        guid=guid,
        name=name,
        text=text,
        member=member,
        user_guid=optional_guid(element.get("creatingUser")),
        note_refs=note_refs(element),
        description=text_of(first_child(element, "Description")),
        attributes=variable_values_of(element),
    )
    crlf = crlf_positions(text) if crlf_as_one else []
    length = len(text) - len(crlf)
    for selection in child_elements(element, "PlainTextSelection"):
        source.selections.append(
            _read_selection(selection, source, length, crlf, archive.path, known_codes)
        )
    return source


def source_text(element, archive, missing, what) -> tuple[str | None, str]:
    """The text of a TextSource or Note: inline PlainTextContent or the plainTextPath file."""
    inline = first_child(element, "PlainTextContent")
    reference = element.get("plainTextPath") or ""
    member = None
    if reference and not reference.lower().startswith(("relative://", "absolute://")):
        member = archive.source_member(reference)
    if member is None and inline is not None:
        return inline.text or "", archive.project_member
    if not reference:
        if missing == "skip":
            return None, ""
        raise QdpxError(
            f"{what} has neither a plainTextPath nor PlainTextContent",
            path=archive.path,
            hint="export the project again with its sources included",
        )
    if member is None:
        if missing == "skip":
            return None, ""
        outside = reference.lower().startswith(("relative://", "absolute://"))
        raise QdpxError(
            f"{what} refers to {reference!r}, which is "
            + ("a file outside the archive" if outside else "not in the archive's sources folder"),
            path=archive.path,
            hint="export the project again with its sources included, or import the codes, "
            "users and memos only with missing_sources='skip'",
        )
    data = archive.read(member)
    try:
        text = decode_text(data, f"{archive.path}!{member}", error_class=QdpxError).text
    except QdpxError as exc:
        raise QdpxError(
            exc.message, path=exc.path, hint="the source must be plain text (UTF-8)"
        ) from exc
    return text, member


def _read_selection(element, source, length, crlf, path, known_codes) -> Selection:
    guid = guid_of(element.get("guid"), path, "PlainTextSelection")
    try:
        start, end = int(element.get("startPosition")), int(element.get("endPosition"))
    except (TypeError, ValueError) as exc:
        raise QdpxError(
            f"selection {guid} in source {source.name!r} has no valid start/end positions",
            path=path,
            hint="the project file is damaged; export it again",
        ) from exc
    if not 0 <= start <= end <= length:
        raise QdpxError(
            f"selection {guid} ({start}–{end}) in source {source.name!r} lies outside its "
            f"text ({length} characters, in {source.member})",
            path=path,
            hint="the archive's text does not match its codings; export the project again "
            "with its sources, and import nothing from this file",
        )
    selection = Selection(
        guid=guid,
        start=start + bisect.bisect_left(crlf, start),
        end=end + bisect.bisect_left(crlf, end),
        user_guid=optional_guid(element.get("creatingUser")),
        note_refs=note_refs(element),
        description=text_of(first_child(element, "Description")),
    )
    selection.codings.extend(read_codings(element, source.name, path, known_codes))
    return selection


def read_codings(element, where: str, path: Path, known_codes: set[str]) -> list[Coding]:
    """The Codings of a selection (of any kind), each checked to name a known code."""
    codings = []
    for coding in child_elements(element, "Coding"):
        code_ref = first_child(coding, "CodeRef")
        coding_guid = guid_of(coding.get("guid"), path, "Coding")
        target = optional_guid(code_ref.get("targetGUID")) if code_ref is not None else None
        if target not in known_codes:
            raise QdpxError(
                f"coding {coding_guid} in source {where!r} refers to code "
                f"{code_ref.get('targetGUID') if code_ref is not None else None!r}, which is "
                "not in the codebook of project.qde",
                path=path,
                hint="the project file is inconsistent; export it again from your QDA program",
            )
        codings.append(
            Coding(
                guid=coding_guid,
                code_guid=target,
                user_guid=optional_guid(coding.get("creatingUser")),
                created=parse_time(coding.get("creationDateTime")),
                note_refs=note_refs(coding),
            )
        )
    return codings


def variable_names(root, path: Path) -> dict[str, str]:
    """Variable GUID → name, from the project's Variables."""
    return {
        guid_of(variable.get("guid"), path, "Variable"): (variable.get("name") or "").strip()
        for variable in child_elements(first_child(root, "Variables"), "Variable")
    }


def _read_note(element, archive, missing) -> Note | None:
    guid = guid_of(element.get("guid"), archive.path, "Note")
    name = (element.get("name") or "").strip()
    text, _ = source_text(element, archive, missing, f"note {name or guid!r}")
    text = text or ""
    if name and not text.lstrip().startswith(name):
        text = f"{name}\n\n{text}" if text.strip() else name
    if not text.strip():
        return None
    return Note(
        guid=guid,
        name=name,
        text=text,
        user_guid=optional_guid(element.get("creatingUser")),
        created=parse_time(element.get("creationDateTime")),
    )


def variable_values_of(element) -> dict[str, Any]:
    values = {}
    for holder in child_elements(element, "VariableValue"):
        ref = first_child(holder, "VariableRef")
        if ref is None:
            continue
        for child in holder:
            if local_name(child).endswith("Value") and child.text is not None:
                values[optional_guid(ref.get("targetGUID"))] = _typed(local_name(child), child.text)
    return values


def _add_case_attributes(root, sources: list[Source], path: Path) -> None:
    """Turn variable GUIDs into names; add values that Cases give for their sources."""
    names = variable_names(root, path)
    by_guid = {source.guid: source for source in sources}
    for case in child_elements(first_child(root, "Cases"), "Case"):
        values = variable_values_of(case)
        for ref in child_elements(case, "SourceRef"):
            source = by_guid.get(optional_guid(ref.get("targetGUID")))
            if source is not None:
                source.attributes = values | source.attributes
    for source in sources:
        source.attributes = {
            names[guid]: value
            for guid, value in source.attributes.items()
            if names.get(guid) and value is not None
        }


def text_of(element) -> str:
    return (element.text or "") if element is not None else ""


def note_refs(element) -> list[str]:
    return [
        guid
        for ref in child_elements(element, "NoteRef")
        if (guid := optional_guid(ref.get("targetGUID")))
    ]


def guid_of(value: str | None, path: Path | None, what: str) -> str:
    """Normalise a GUID (braces dropped, lower case); refuse a missing or malformed one."""
    guid = optional_guid(value)
    if guid is None:
        raise QdpxError(
            f"a {what} has a missing or malformed guid ({value!r})",
            path=path,
            hint="the project file is damaged; export it again",
        )
    return guid


def optional_guid(value: str | None) -> str | None:
    match = _GUID.match(value.strip()) if value else None
    return match.group(1).lower() if match else None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _typed(kind: str, text: str) -> Any:
    text = text.strip()
    try:
        if kind == "IntegerValue":
            return int(text)
        if kind == "FloatValue":
            return float(text)
        if kind == "BooleanValue":
            return text.lower() in ("true", "1")
        if kind == "DateValue":
            return date.fromisoformat(text)
        if kind == "DateTimeValue":
            return parse_time(text) or text
    except ValueError:
        return text
    return text


def crlf_positions(text: str) -> list[int]:
    """Where each "\\r\\n" starts when every earlier "\\r\\n" counts as one character.

    Examples
    --------
    >>> crlf_positions("a\\r\\nb\\r\\nc")
    [1, 3]
    """
    positions = []
    index = text.find("\r\n")
    while index != -1:
        positions.append(index - len(positions))
        index = text.find("\r\n", index + 2)
    return positions

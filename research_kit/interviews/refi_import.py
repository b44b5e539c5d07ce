"""Reading REFI-QDA files into a study: QDPX projects and QDC codebooks.

:func:`import_qdpx` reads a project from any tool, :func:`read_qdc` and :func:`import_qdc` a
codebook (users import them from :mod:`research_kit.interviews`; the writing direction is
:mod:`.refi_export`). An import runs in three steps so that it is all or nothing: read (open
the zip safely, parse the XML with DTDs and entities refused, read every text source and check
every selection and coding against it), plan (merge the codes into the codebook, choose a new
note file per source and check it reads back as exactly the source's text, resolve users to
coders and Notes to memo targets), and apply (write the note files and the codebook, then the
database rows, in one transaction; remove the notes and restore the codebook if anything
fails).
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import sqlalchemy as sa
import yaml
from lxml import etree

from research_kit import schema
from research_kit.errors import CodebookError, NoteError
from research_kit.interviews import refi_model
from research_kit.interviews.codebook import Code, Codebook, parse_codebook, slugify
from research_kit.interviews.codebook_edits import codebook_to_yaml, edit_codebook, sync_codes
from research_kit.interviews.documents import read_note, split_front_matter
from research_kit.interviews.refi_model import (
    HEX_COLOUR,
    MISSING_SOURCES,
    QdpxError,
    child_elements,
    first_child,
    local_name,
)
from research_kit.rawfiles import decode_text, require_regular_file
from research_kit.staging import StagedFiles, write_together
from research_kit.store import coder_id, utcnow

if TYPE_CHECKING:
    from research_kit.study import Study

_GUID = re.compile(r"^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$", re.I)
_DESCRIPTION_PARTS = re.compile(r"\n\n(?=(?:Include|Exclude|Example): )")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")
_TEXT_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".md", ".pdf", ".odt", ".html", ".htm")


def read_qdc(path: Path | str) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``) into a :class:`Codebook` (not tied to any file).

    Codes keep their hierarchy, colour and description (as definition); a name used twice gets
    its parent's name in brackets, since names are unique in a research_kit codebook.

    Raises
    ------
    QdpxError
        The file is not safe, well-formed REFI-QDA codebook XML.
    """
    path = Path(path)
    data = _read_capped(path)
    root = _parse_xml(data, path, path.name)
    codes_element = first_child(root, "Codes")
    if local_name(root) != "CodeBook" or codes_element is None:
        raise QdpxError(
            "is not a REFI-QDA codebook (no CodeBook with Codes)",
            path=path,
            hint="export the codebook from your QDA program as a .qdc file",
        )
    codes = list(_read_codes(codes_element, None, path))
    merged, _, _ = _merge_codes(Codebook(), codes)
    return Codebook(merged.codes, None, 1)


def import_qdc(study: Study, path: Path | str) -> int:
    """Merge a REFI-QDA codebook into the study's codebook; return how many codes were added.

    A code whose name the study already has keeps the study's id, place and colour.
    """
    path = Path(path)
    data = _read_capped(path)
    root = _parse_xml(data, path, path.name)
    codes_element = first_child(root, "Codes")
    if codes_element is None:
        raise QdpxError("has no Codes element", path=path, hint="is this a REFI-QDA codebook?")
    incoming = list(_read_codes(codes_element, None, path))

    def change(book: Codebook, conn) -> tuple[int, Codebook]:
        book = _with_codebook_file(study, book)
        merged, _, added = _merge_codes(book, incoming)
        _check_codebook(merged)
        return added, merged if added else book

    return edit_codebook(study, change)


def import_qdpx(
    study: Study,
    path: Path | str,
    *,
    coder_prefix: str | None = None,
    missing_sources: str = "error",
    crlf_as_one: bool | None = None,
) -> dict[str, Any]:
    """Import a REFI-QDA project (``.qdpx``) into the study, all or nothing.

    Each text source becomes a new note file ``<name>.txt`` in the study's notes folder (a
    suffix is added rather than overwrite a note), so that the selections' offsets point into
    that text; the codes are merged into the codebook (a code whose name the study already has
    keeps its id, place and colour; new codes keep their colour and description); users become
    coders; every coding is stored on its excerpt; Notes become memos on the study, a note, a
    code or a coding. Picture, PDF, audio and video sources are not imported (counted in
    ``skipped_sources``), nor are text sources whose text is blank and that have no selections
    (NVivo exports an empty text file for sources it keeps only as .docx). A source's
    variables (VariableValues on it or on a Case that refers to it) become the note's front
    matter; an attribute of type ``id`` that the study requires (``participant``) defaults to
    the note's id; other required attributes are left for ``research-kit check`` to report.

    Parameters
    ----------
    study : Study
    path : Path or str
        The ``.qdpx`` file.
    coder_prefix : str, optional
        Put before every imported user name (e.g. ``"atlas:"``), to keep imported coders apart
        from the study's own.
    missing_sources : {"error", "skip"}
        What to do when a text source's file is not in the archive (ATLAS.ti "standard"
        exports leave ``sources/`` empty): refuse the import (default), or import the codes,
        users and memos and skip those sources with their codings.
    crlf_as_one : bool, optional
        Whether the archive's offsets count a "\\r\\n" line break as one character. By default
        this is read from the project's origin: ATLAS.ti counts it as one, the REFI-QDA
        standard (and NVivo, MAXQDA, QualCoder) as two code points.

    Returns
    -------
    dict
        Counts of what was imported: ``sources``, ``skipped_sources``, ``codes`` (in the
        archive), ``new_codes`` (added to the codebook), ``selections``, ``codings``,
        ``users``, ``memos``; and ``documents``, the ids of the new notes.

    Raises
    ------
    QdpxError
        Not a zip, no project.qde, unsafe entries or XML (DTDs and entities are refused),
        invalid XML, a selection outside its text, a coding of an unknown code, a missing
        source file, or the study database refusing the import. Nothing is changed then.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> from research_kit.interviews import apply_code, export_qdpx
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> skip = shutil.ignore_patterns("study.db*")
    >>> _ = shutil.copytree("interview_data", base / "s", ignore=skip)
    >>> study = open_study(base / "s")
    >>> _ = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> archive = export_qdpx(study, base / "study.qdpx")
    >>> fresh = open_study(base / "fresh")
    >>> summary = import_qdpx(fresh, archive)
    >>> summary["sources"], summary["codes"], summary["codings"], summary["users"]
    (14, 27, 1, 1)
    >>> study.close(); fresh.close()
    """
    if missing_sources not in MISSING_SOURCES:
        raise ValueError(
            f"missing_sources must be one of {MISSING_SOURCES}, not {missing_sources!r}"
        )
    path = Path(path)
    with _Archive(path) as archive:
        member = archive.project_member
        root = _parse_xml(archive.read(member), path, member)
        if local_name(root) != "Project":
            raise QdpxError(
                f"{member} is not a REFI-QDA project (its root is {local_name(root)})",
                path=path,
                hint="export the project again as REFI-QDA (.qdpx) from your QDA program",
            )
        project = _read_project(root, archive, missing_sources, crlf_as_one)
        # Planned and written under the study's write lock: the codebook and the notes folder
        # are read as they are at that instant, and the notes, the codebook and the database
        # rows land together or not at all (a killed import leaves nothing behind).
        with write_together(study.store, study.folder) as (conn, files):
            plan = _plan_import(study, project, archive, coder_prefix, conn)
            _apply_import(study, plan, conn, files)
    return plan.summary()


# -- reading -------------------------------------------------------------------------------------
@dataclass
class _Coding:
    guid: str
    code_guid: str
    user_guid: str | None
    created: datetime | None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    user_guid: str | None
    codings: list[_Coding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class _Source:
    guid: str
    name: str
    text: str
    member: str
    user_guid: str | None = None
    selections: list[_Selection] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class _ImportedCode:
    guid: str
    name: str
    parent_guid: str | None
    colour: str | None
    description: str
    note_refs: list[str] = field(default_factory=list)


@dataclass
class _Note:
    guid: str
    name: str
    text: str
    user_guid: str | None
    created: datetime | None


@dataclass
class _Project:
    origin: str
    default_user: str | None
    users: dict[str, str]
    codes: list[_ImportedCode]
    sources: list[_Source]
    skipped_sources: int
    notes: dict[str, _Note]
    project_note_refs: list[str]
    links: list[tuple[str | None, str | None]]
    description: str


class _Archive:
    """A QDPX zip, checked for unsafe entries and sizes; members are read into memory only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        require_regular_file(path, error_class=QdpxError)  # a pipe would block zipfile forever
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise QdpxError(
                "is not a QDPX archive (not a zip file)",
                path=path,
                hint="a .qdpx file is a zip; export the project again as REFI-QDA from your "
                "QDA program",
            ) from exc
        try:
            self._check_entries()
            self.by_lower = {info.filename.lower(): info for info in self.files}
            self.project_member, self.base = self._find_project()
        except QdpxError:
            self.zip.close()
            raise

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.zip.close()

    def _check_entries(self) -> None:
        total = 0
        self.files = []
        for info in self.zip.infolist():
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise QdpxError(
                    f"the archive has an unsafe entry {name!r} (an absolute path or '..')",
                    path=self.path,
                    hint="this is not a normal QDPX export; do not import it",
                )
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > refi_model.MAX_COMPRESSION_RATIO:
                raise QdpxError(
                    f"entry {name!r} expands {ratio:.0f} times (a zip bomb?)",
                    path=self.path,
                    hint="this is not a normal QDPX export; do not import it",
                )
            if not info.is_dir() and not name.startswith("__MACOSX/"):
                self.files.append(info)
        if total > refi_model.MAX_UNCOMPRESSED_BYTES:
            raise QdpxError(
                f"the archive unpacks to {total / 1024**2:.0f} MB, over the "
                f"{refi_model.MAX_UNCOMPRESSED_BYTES / 1024**2:.0f} MB research_kit accepts",
                path=self.path,
                hint="export the project without media files, or split it",
            )

    def _find_project(self) -> tuple[str, str]:
        candidates = [i.filename for i in self.files if i.filename.lower().endswith(".qde")]
        candidates.sort(key=lambda name: (name.count("/"), name.lower() != "project.qde", name))
        if not candidates:
            raise QdpxError(
                "the archive has no project.qde",
                path=self.path,
                hint="a .qdpx file holds project.qde and a sources folder; export the project "
                "again as REFI-QDA from your QDA program",
            )
        member = candidates[0]
        base = member.rsplit("/", 1)[0] + "/" if "/" in member else ""
        return member, base

    def read(self, member: str) -> bytes:
        info = self.zip.getinfo(member)
        try:
            with self.zip.open(info) as handle:
                return handle.read(info.file_size + 1)[: info.file_size]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise QdpxError(
                f"entry {member!r} cannot be read ({exc})",
                path=self.path,
                hint="the archive is damaged; export the project again",
            ) from exc

    def source_member(self, reference: str) -> str | None:
        """The member a ``plainTextPath`` names (``internal://x.txt`` or ``x.txt``), any case."""
        name = unquote(reference.split("://", 1)[1] if "://" in reference else reference)
        name = name.lstrip("/").replace("\\", "/")
        for folder in ("sources/", ""):
            info = self.by_lower.get(f"{self.base}{folder}{name}".lower())
            if info is not None:
                return info.filename
        return None


def _read_project(
    root: etree._Element, archive: _Archive, missing: str, crlf_as_one: bool | None
) -> _Project:
    origin = root.get("origin") or ""
    if crlf_as_one is None:
        crlf_as_one = "atlas.ti" in origin.lower()
    users = {}
    for user in child_elements(first_child(root, "Users"), "User"):
        guid = _guid(user.get("guid"), archive.path, "User")
        if guid in users:
            raise _duplicate_guid_error("User", guid, archive.path)
        users[guid] = (user.get("name") or user.get("id") or guid).strip() or guid
    codes = []
    book = first_child(root, "CodeBook")
    if book is not None and first_child(book, "Codes") is not None:
        codes = list(_read_codes(first_child(book, "Codes"), None, archive.path))
    known_codes = {code.guid for code in codes}
    notes = {}
    for note in child_elements(first_child(root, "Notes"), "Note"):
        read = _read_note(note, archive, missing)
        if read is not None:
            notes[read.guid] = read
    sources: list[_Source] = []
    skipped = 0
    for element in child_elements(first_child(root, "Sources")):
        if local_name(element) != "TextSource":
            skipped += 1
            continue
        source = _read_source(element, archive, missing, crlf_as_one, known_codes)
        if source is None or (not source.text.strip() and not source.selections):
            skipped += 1
            continue
        sources.append(source)
    _add_case_attributes(root, sources, archive.path)
    links = [
        (_optional_guid(link.get("originGUID")), _optional_guid(link.get("targetGUID")))
        for link in child_elements(first_child(root, "Links"), "Link")
    ]
    return _Project(
        origin=origin,
        default_user=_optional_guid(root.get("creatingUserGUID")),
        users=users,
        codes=codes,
        sources=sources,
        skipped_sources=skipped,
        notes=notes,
        project_note_refs=_note_refs(root),
        links=links,
        description=_text_of(first_child(root, "Description")),
    )


def _duplicate_guid_error(what: str, guid: str, path: Path | None) -> QdpxError:
    return QdpxError(
        f"two {what} elements share the guid {guid}, so references to it are ambiguous",
        path=path,
        hint="the file is damaged or was edited by hand; export it again from your QDA program",
    )


def _read_codes(
    holder, parent_guid: str | None, path: Path, seen: set[str] | None = None
) -> Iterator[_ImportedCode]:
    """Codes in document order (parents before children); a repeated guid is refused."""
    seen = set() if seen is None else seen
    for element in child_elements(holder, "Code"):
        guid = _guid(element.get("guid"), path, "Code")
        if guid in seen:
            raise _duplicate_guid_error("Code", guid, path)
        seen.add(guid)
        colour = element.get("color")
        yield _ImportedCode(
            guid=guid,
            name=(element.get("name") or "").strip() or "unnamed code",
            parent_guid=parent_guid,
            colour=colour if colour and HEX_COLOUR.match(colour) else None,
            description=_text_of(first_child(element, "Description")),
            note_refs=_note_refs(element),
        )
        yield from _read_codes(element, guid, path, seen)


def _read_source(element, archive, missing, crlf_as_one, known_codes) -> _Source | None:
    guid = _guid(element.get("guid"), archive.path, "TextSource")
    file_name = PurePosixPath(unquote(element.get("plainTextPath") or "").split("://")[-1]).stem
    name = (element.get("name") or "").strip() or file_name or guid
    text, member = _source_text(element, archive, missing, f"text source {name!r}")
    if text is None:
        return None
    source = _Source(
        guid=guid,
        name=name,
        text=text,
        member=member,
        user_guid=_optional_guid(element.get("creatingUser")),
        note_refs=_note_refs(element),
        description=_text_of(first_child(element, "Description")),
        attributes=_variable_values_of(element),
    )
    crlf = _crlf_positions(text) if crlf_as_one else []
    length = len(text) - len(crlf)
    for selection in child_elements(element, "PlainTextSelection"):
        source.selections.append(
            _read_selection(selection, source, length, crlf, archive.path, known_codes)
        )
    return source


def _source_text(element, archive, missing, what) -> tuple[str | None, str]:
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


def _read_selection(element, source, length, crlf, path, known_codes) -> _Selection:
    guid = _guid(element.get("guid"), path, "PlainTextSelection")
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
    selection = _Selection(
        guid=guid,
        start=start + bisect.bisect_left(crlf, start),
        end=end + bisect.bisect_left(crlf, end),
        user_guid=_optional_guid(element.get("creatingUser")),
        note_refs=_note_refs(element),
        description=_text_of(first_child(element, "Description")),
    )
    for coding in child_elements(element, "Coding"):
        code_ref = first_child(coding, "CodeRef")
        coding_guid = _guid(coding.get("guid"), path, "Coding")
        target = _optional_guid(code_ref.get("targetGUID")) if code_ref is not None else None
        if target not in known_codes:
            raise QdpxError(
                f"coding {coding_guid} in source {source.name!r} refers to code "
                f"{code_ref.get('targetGUID') if code_ref is not None else None!r}, which is "
                "not in the codebook of project.qde",
                path=path,
                hint="the project file is inconsistent; export it again from your QDA program",
            )
        selection.codings.append(
            _Coding(
                guid=coding_guid,
                code_guid=target,
                user_guid=_optional_guid(coding.get("creatingUser")),
                created=_parse_time(coding.get("creationDateTime")),
                note_refs=_note_refs(coding),
            )
        )
    return selection


def _read_note(element, archive, missing) -> _Note | None:
    guid = _guid(element.get("guid"), archive.path, "Note")
    name = (element.get("name") or "").strip()
    text, _ = _source_text(element, archive, missing, f"note {name or guid!r}")
    text = text or ""
    if name and not text.lstrip().startswith(name):
        text = f"{name}\n\n{text}" if text.strip() else name
    if not text.strip():
        return None
    return _Note(
        guid=guid,
        name=name,
        text=text,
        user_guid=_optional_guid(element.get("creatingUser")),
        created=_parse_time(element.get("creationDateTime")),
    )


def _variable_values_of(element) -> dict[str, Any]:
    values = {}
    for holder in child_elements(element, "VariableValue"):
        ref = first_child(holder, "VariableRef")
        if ref is None:
            continue
        for child in holder:
            if local_name(child).endswith("Value") and child.text is not None:
                values[_optional_guid(ref.get("targetGUID"))] = _typed(
                    local_name(child), child.text
                )
    return values


def _add_case_attributes(root, sources: list[_Source], path: Path) -> None:
    """Turn variable GUIDs into names; add values that Cases give for their sources."""
    names = {
        _guid(variable.get("guid"), path, "Variable"): (variable.get("name") or "").strip()
        for variable in child_elements(first_child(root, "Variables"), "Variable")
    }
    by_guid = {source.guid: source for source in sources}
    for case in child_elements(first_child(root, "Cases"), "Case"):
        values = _variable_values_of(case)
        for ref in child_elements(case, "SourceRef"):
            source = by_guid.get(_optional_guid(ref.get("targetGUID")))
            if source is not None:
                source.attributes = values | source.attributes
    for source in sources:
        source.attributes = {
            names[guid]: value
            for guid, value in source.attributes.items()
            if names.get(guid) and value is not None
        }


@dataclass
class _Plan:
    """Everything an import will write, checked before anything is written."""

    codebook: Codebook
    codebook_changed: bool
    new_codes: int
    code_ids: dict[str, str]
    coders: dict[str, str]
    notes: list[tuple[_Source, str, Path, bytes]]
    codings: list[tuple[str, int, int, str, str, datetime | None, list[str]]]
    memos: list[tuple[str, str, str, str | None, datetime | None]]
    selections: int
    project: _Project

    def summary(self) -> dict[str, Any]:
        return {
            "sources": len(self.notes),
            "skipped_sources": self.project.skipped_sources,
            "codes": len(self.project.codes),
            "new_codes": self.new_codes,
            "selections": self.selections,
            "codings": len({c[:5] for c in self.codings}),
            "users": len(set(self.coders.values())),
            "memos": len(self.memos),
            "documents": [document_id for _, document_id, _, _ in self.notes],
        }


def _plan_import(
    study: Study, project: _Project, archive: _Archive, prefix: str | None, conn
) -> _Plan:
    book = _with_codebook_file(study, study.codebook())
    merged, code_ids, added = _merge_codes(book, project.codes)
    if added:
        _check_codebook(merged)
    coders = {guid: f"{prefix or ''}{name}" for guid, name in project.users.items()}

    def coder_of(*guids: str | None) -> str:
        for guid in (*guids, project.default_user):
            if guid:
                return coders.setdefault(guid, f"{prefix or ''}user {guid[:8]}")
        return coders.setdefault("", f"{prefix or ''}imported")

    notes = _plan_notes(study, project.sources, archive, conn)
    codings = []
    memos: list[tuple[str, str, str, str | None, datetime | None]] = []
    owners: dict[str, tuple[str, Any]] = {}  # referenced GUID → memo target
    selections = 0
    for source, document_id, _, _ in notes:
        owners[source.guid] = ("document", document_id)
        for selection in source.selections:
            owners[selection.guid] = ("document", document_id)
            if selection.end <= selection.start:
                continue
            selections += 1
            first = None
            for coding in selection.codings:
                key = (
                    document_id,
                    selection.start,
                    selection.end,
                    code_ids[coding.code_guid],
                    coder_of(coding.user_guid, selection.user_guid, source.user_guid),
                )
                codings.append((*key, coding.created, coding.note_refs))
                first = first or key
                owners[coding.guid] = ("coding", key)
            owners[selection.guid] = ("coding", first) if first else ("document", document_id)
            if selection.description.strip():
                memos.append(("selection", selection.guid, selection.description, None, None))
        if source.description.strip():
            memos.append(("document", document_id, source.description, None, None))
    for code in project.codes:
        owners[code.guid] = ("code", code_ids[code.guid])
    memos = [_resolve_memo(memo, owners) for memo in memos]
    memos += _note_memos(project, owners, codings, notes, coder_of)
    return _Plan(
        codebook=merged,
        codebook_changed=bool(added),
        new_codes=added,
        code_ids=code_ids,
        coders=coders,
        notes=notes,
        codings=codings,
        memos=[_with_author(memo, coder_of) for memo in memos],
        selections=selections,
        project=project,
    )


def _note_memos(project, owners, codings, notes, coder_of) -> list:
    """Notes → memos, on whatever refers to them (NoteRefs, Links); the study otherwise."""
    referrers: dict[str, list[tuple[str, Any]]] = {}
    for guid in project.project_note_refs:
        referrers.setdefault(guid, []).append(("study", ""))
    for code in project.codes:
        for guid in code.note_refs:
            referrers.setdefault(guid, []).append(owners[code.guid])
    for source, _, _, _ in notes:
        for guid in source.note_refs:
            referrers.setdefault(guid, []).append(owners[source.guid])
        for selection in source.selections:
            for guid in selection.note_refs:
                referrers.setdefault(guid, []).append(owners[selection.guid])
            for coding in selection.codings:
                for guid in coding.note_refs:
                    referrers.setdefault(guid, []).append(owners[coding.guid])
    for origin, target in project.links:
        for note_guid, other in ((origin, target), (target, origin)):
            if note_guid in project.notes and other in owners:
                referrers.setdefault(note_guid, []).append(owners[other])
    memos = []
    for guid, note in project.notes.items():
        for on, target in referrers.get(guid) or [("study", "")]:
            memos.append((on, target, note.text, note.user_guid, note.created))
    if project.description.strip():
        memos.append(("study", "", project.description, None, None))
    return memos


def _resolve_memo(memo, owners):
    on, target, text, user, created = memo
    if on == "selection":
        on, target = owners[target]
    return (on, target, text, user, created)


def _with_author(memo, coder_of):
    on, target, text, user, created = memo
    return (on, target, text, coder_of(user) if user else None, created)


def _merge_codes(
    book: Codebook, codes: list[_ImportedCode]
) -> tuple[Codebook, dict[str, str], int]:
    """Merge imported codes into ``book``: reuse codes by name, add the rest with unique names."""
    by_name = {code.name.casefold(): code for code in book}
    claimed: set[str] = set()
    used_ids = set(book.codes)
    merged = dict(book.codes)
    names = {code.guid: code.name for code in codes}
    code_ids: dict[str, str] = {}
    added = 0
    for code in codes:
        parent_id = code_ids.get(code.parent_guid) if code.parent_guid else None
        parent_name = names.get(code.parent_guid) if code.parent_guid else None
        candidates = [code.name] + ([f"{code.name} ({parent_name})"] if parent_name else [])
        reuse = next(
            (
                by_name[name.casefold()]
                for name in candidates
                if name.casefold() in by_name and by_name[name.casefold()].id not in claimed
            ),
            None,
        )
        if reuse is not None:
            claimed.add(reuse.id)
            code_ids[code.guid] = reuse.id
            continue
        name = _unique_name(candidates, by_name)
        code_id = _unique_id(slugify(name) or "code", used_ids)
        definition, include, exclude, example = _split_description(code.description)
        new = Code(
            code_id,
            name,
            parent_id,
            definition,
            include,
            exclude,
            example,
            colour=code.colour,
        )
        merged[code_id] = new
        by_name[name.casefold()] = new
        claimed.add(code_id)
        used_ids.add(code_id)
        code_ids[code.guid] = code_id
        added += 1
    return Codebook(merged, book.path, book.version or 1), code_ids, added


def _unique_name(candidates: list[str], taken: dict[str, Code]) -> str:
    for name in candidates:
        if name.casefold() not in taken:
            return name
    number = 2
    while f"{candidates[-1]} {number}".casefold() in taken:
        number += 1
    return f"{candidates[-1]} {number}"


def _unique_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


def _split_description(text: str) -> tuple[str, str, str, str]:
    """Undo :func:`_description`: definition, include, exclude and example."""
    fields = {"Include": "", "Exclude": "", "Example": ""}
    parts = _DESCRIPTION_PARTS.split(text.strip())
    definition = "" if parts[0].split(": ", 1)[0] in fields else parts.pop(0)
    for part in parts:
        label, _, value = part.partition(": ")
        fields[label] = value
    return definition.strip(), fields["Include"], fields["Exclude"], fields["Example"]


def _plan_notes(study: Study, sources: list[_Source], archive: _Archive, conn) -> list:
    """Choose a new note file for each source and render it; check it reads back exactly."""
    folder = study.settings.notes
    if folder is None:
        raise QdpxError(
            "the study has no notes folder to import the sources into",
            path=study.settings.path,
            hint="add 'notes: notes' to study.yml",
        )
    files = list(folder.iterdir()) if folder.is_dir() else []
    taken = {p.stem.casefold() for p in files} | {p.name.casefold() for p in files}
    taken |= {i.casefold() for i in conn.execute(sa.select(schema.documents.c.id)).scalars()}
    _refuse_a_second_import(sources, folder, archive)
    required_ids = [
        name
        for name, spec in study.settings.attributes.items()
        if spec.required and spec.type == "id"
    ]
    planned = []
    for source in sources:
        stem = _note_stem(source.name)
        document_id = _unique_stem(stem, taken)
        taken |= {document_id.casefold(), f"{document_id}.txt".casefold()}
        attributes = dict(source.attributes)
        for name in required_ids:
            attributes.setdefault(name, document_id)
        data = _note_bytes(source.text, attributes)
        _check_note_bytes(data, source, archive, folder / f"{document_id}.txt")
        planned.append((source, document_id, folder / f"{document_id}.txt", data))
    return planned


def _note_stem(name: str) -> str:
    stem = name.strip()
    if stem.lower().endswith(_TEXT_SUFFIXES):
        stem = stem.rsplit(".", 1)[0]
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._-")
    return re.sub(r"\s+", " ", stem)[:100].strip() or "source"


def _unique_stem(stem: str, taken: set[str]) -> str:
    if stem.casefold() not in taken:
        return stem
    number = 2
    while f"{stem}-{number}".casefold() in taken:
        number += 1
    return f"{stem}-{number}"


def _note_bytes(text: str, attributes: dict[str, Any]) -> bytes:
    """The note file: front matter when there are attributes (or the text starts with ---)."""
    first_line = text.splitlines()[0].strip() if text else ""
    if not attributes and first_line != "---":
        return text.encode("utf-8")
    header = yaml.safe_dump(
        attributes, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    header = "" if not attributes else header
    return f"---\n{header}---\n{text}".encode()


def _check_note_bytes(data: bytes, source: _Source, archive: _Archive, target: Path) -> None:
    """Refuse a source whose note would not read back as exactly its text."""
    try:
        text = decode_text(data, target, error_class=NoteError).text
        body = split_front_matter(text, target)[1]
    except NoteError as exc:
        raise QdpxError(
            f"text source {source.name!r} ({source.member}) cannot be kept as a note: "
            f"{exc.message}",
            path=archive.path,
            hint="fix or remove that source in your QDA program and export again",
        ) from exc
    if body != source.text or not data.strip():
        raise QdpxError(
            f"text source {source.name!r} ({source.member}) would not read back unchanged as "
            "a note (it is empty, or starts with a byte-order mark)",
            path=archive.path,
            hint="fix or remove that source in your QDA program and export again",
        )


def _apply_import(study: Study, plan: _Plan, conn, files: StagedFiles) -> None:
    """Stage the notes and the codebook and insert the database rows, in one transaction."""
    documents = {}
    for source, document_id, target, data in plan.notes:
        files.put(target, data)
        staged = read_note(files.batch_folder / target.relative_to(study.folder))
        if staged.text != source.text:  # pragma: no cover - checked in planning
            raise QdpxError(f"note {target.name} did not read back unchanged", path=target)
        documents[document_id] = replace(staged, path=target)
    if plan.codebook_changed:
        files.put(
            plan.codebook.path, codebook_to_yaml(plan.codebook).encode("utf-8"), keep_backup=True
        )
    sync_codes(conn, plan.codebook)
    now = utcnow()
    for document in documents.values():
        conn.execute(schema.documents.insert().values(**schema.document_row(document, now)))
    coder_ids = {name: coder_id(conn, name) for name in sorted(set(plan.coders.values()))}
    keys = _insert_codings(conn, plan, documents, coder_ids, now)
    _insert_memos(conn, plan, keys, coder_ids, now)


def _refuse_a_second_import(sources: list[_Source], folder: Path, archive: _Archive) -> None:
    """Refuse a project whose every text source is already a note of the study, unchanged."""
    if not sources or not folder.is_dir():
        return
    for source in sources:
        existing = folder / f"{_note_stem(source.name)}.txt"
        try:
            if not existing.is_file() or read_note(existing).text != source.text:
                return
        except NoteError:
            return
    raise QdpxError(
        f"this project was imported already: its {len(sources)} text sources are notes of the "
        "study, unchanged",
        path=archive.path,
        hint="nothing was imported again; to import a second copy, rename the notes first",
    )


def _insert_codings(conn, plan: _Plan, documents, coder_ids, now) -> dict[tuple, int]:
    """Insert excerpts and codings in bulk; return (document, start, end, code, coder) → id.

    The documents are new, so every excerpt and coding on them is one this import made.
    """
    e, c = schema.excerpts, schema.codings
    spans = dict.fromkeys(key[:3] for key in plan.codings)
    if not spans:
        return {}
    conn.execute(
        e.insert(),
        [
            {
                "document_id": document_id,
                "start": start,
                "end": end,
                "text": documents[document_id].text[start:end],
                "document_hash": documents[document_id].content_hash,
                "created_at": now,
            }
            for document_id, start, end in spans
        ],
    )
    mine = e.c.document_id.in_(list(documents))
    excerpt_ids = {
        (row.document_id, row.start, row.end): row.id
        for row in conn.execute(sa.select(e.c.id, e.c.document_id, e.c.start, e.c.end).where(mine))
    }
    created = {}
    for document_id, start, end, code_id, coder, when, _ in plan.codings:
        created.setdefault((document_id, start, end, code_id, coder), when)
    conn.execute(
        c.insert(),
        [
            {
                "excerpt_id": excerpt_ids[key[:3]],
                "code_id": key[3],
                "coder_id": coder_ids[key[4]],
                "origin": "manual",
                "created_at": when or now,
            }
            for key, when in created.items()
        ],
    )
    ids = {
        (row.excerpt_id, row.code_id, row.coder_id): row.id
        for row in conn.execute(
            sa.select(c.c.id, c.c.excerpt_id, c.c.code_id, c.c.coder_id)
            .select_from(c.join(e, c.c.excerpt_id == e.c.id))
            .where(mine)
        )
    }
    return {key: ids[(excerpt_ids[key[:3]], key[3], coder_ids[key[4]])] for key in created}


def _insert_memos(conn, plan: _Plan, coding_ids, coder_ids, now) -> None:
    rows = []
    for on, target, text, author, created in plan.memos:
        if on == "coding":
            target = coding_ids[target]
        rows.append(
            {
                "target_kind": on,
                "target_id": str(target),
                "coder_id": coder_ids.get(author) if author else None,
                "text": text,
                "created_at": created or now,
                "updated_at": created or now,
            }
        )
    if rows:
        conn.execute(schema.memos.insert(), rows)


def _with_codebook_file(study: Study, book: Codebook) -> Codebook:
    if book.path is None:
        raise QdpxError(
            "the study has no codebook file to merge codes into",
            path=study.settings.path,
            hint="add 'codebook: codebook.yml' to study.yml",
        )
    return book


def _check_codebook(book: Codebook) -> None:
    try:
        parse_codebook(codebook_to_yaml(book), book.path or "<codebook>")
    except CodebookError as exc:  # pragma: no cover - merging keeps names and ids unique
        raise QdpxError(
            f"the merged codebook would not be valid: {exc.message}",
            path=book.path,
            hint="rename the clashing code in the study or in the QDA program, then import",
        ) from exc


def _parse_xml(data: bytes, archive_path: Path, member: str) -> etree._Element:
    """Parse XML safely: no DTD, no entities, no network; a DOCTYPE is refused outright."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as exc:
        raise QdpxError(
            f"{member} is not valid XML ({exc.msg})",
            path=archive_path,
            line=exc.lineno or None,
            hint="the file is damaged or not a REFI-QDA export; export it again",
        ) from exc
    if tree.docinfo.doctype or _has_entities(tree):
        raise QdpxError(
            f"{member} declares a DOCTYPE or entities, which REFI-QDA files never need",
            path=archive_path,
            hint="this file may be crafted to read other files; do not import it",
        )
    return tree.getroot()


def _has_entities(tree) -> bool:
    return any(isinstance(node, etree._Entity) for node in tree.iter())


def _read_capped(path: Path) -> bytes:
    require_regular_file(path, error_class=QdpxError)
    if path.stat().st_size > refi_model.MAX_UNCOMPRESSED_BYTES:
        raise QdpxError("is too large for a codebook", path=path)
    return path.read_bytes()


def _text_of(element) -> str:
    return (element.text or "") if element is not None else ""


def _note_refs(element) -> list[str]:
    return [
        guid
        for ref in child_elements(element, "NoteRef")
        if (guid := _optional_guid(ref.get("targetGUID")))
    ]


def _guid(value: str | None, path: Path | None, what: str) -> str:
    """Normalise a GUID (braces dropped, lower case); refuse a missing or malformed one."""
    guid = _optional_guid(value)
    if guid is None:
        raise QdpxError(
            f"a {what} has a missing or malformed guid ({value!r})",
            path=path,
            hint="the project file is damaged; export it again",
        )
    return guid


def _optional_guid(value: str | None) -> str | None:
    match = _GUID.match(value.strip()) if value else None
    return match.group(1).lower() if match else None


def _parse_time(value: str | None) -> datetime | None:
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
            return _parse_time(text) or text
    except ValueError:
        return text
    return text


def _crlf_positions(text: str) -> list[int]:
    """Where each "\\r\\n" starts when every earlier "\\r\\n" counts as one character.

    Examples
    --------
    >>> _crlf_positions("a\\r\\nb\\r\\nc")
    [1, 3]
    """
    positions = []
    index = text.find("\r\n")
    while index != -1:
        positions.append(index - len(positions))
        index = text.find("\r\n", index + 2)
    return positions

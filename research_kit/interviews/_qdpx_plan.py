"""Planning a QDPX import: everything it will write, decided and checked before any write.

The third step of :func:`~research_kit.interviews.refi_import.import_qdpx`: the imported codes
are merged into the codebook (a name the study has keeps its code), each text source gets a new
note file whose bytes are checked to read back as exactly the source's text, users become
coders, Notes and descriptions become memos on whatever refers to them, and Sets, Cases and
non-text sources (each kept file given a new name under ``media/``) are resolved to the study's
codes, notes and media ids. :func:`merge_codes` also serves
:func:`~research_kit.interviews.refi_import.import_qdc`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import yaml

from research_kit import schema
from research_kit.errors import CodebookError, NoteError
from research_kit.interviews._qdpx_archive import Archive
from research_kit.interviews._qdpx_project import ImportedCode, Project, Source
from research_kit.interviews._qdpx_records import Extras, ImportedMedia
from research_kit.interviews.codebook import Code, Codebook, parse_codebook, slugify
from research_kit.interviews.codebook_edits import codebook_to_yaml
from research_kit.interviews.documents import read_note, split_front_matter
from research_kit.interviews.refi_model import QdpxError
from research_kit.interviews.refi_records import Case, CodeSet, MediaSelection, MediaSource
from research_kit.rawfiles import decode_text

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["Plan", "check_merged_codebook", "merge_codes", "plan_import", "with_codebook_file"]

_DESCRIPTION_PARTS = re.compile(r"\n\n(?=(?:Include|Exclude|Example): )")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]+")
_TEXT_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".md", ".pdf", ".odt", ".html", ".htm")


@dataclass
class Plan:
    """Everything an import will write, checked before anything is written."""

    codebook: Codebook
    codebook_changed: bool
    new_codes: int
    code_ids: dict[str, str]
    coders: dict[str, str]
    notes: list[tuple[Source, str, Path, bytes]]
    codings: list[tuple[str, int, int, str, str, datetime | None, list[str]]]
    memos: list[tuple[str, str, str, str | None, datetime | None]]
    memo_notes: list[str | None]  # the Note each memo was made from (None: a description)
    selections: int
    project: Project
    sets: list[CodeSet]
    cases: list[Case]
    media: list[tuple[MediaSource, str | None]]  # with the archive member of its file


def plan_import(
    study: Study, project: Project, extras: Extras, archive: Archive, prefix: str | None, conn
) -> Plan:
    book = with_codebook_file(study, study.codebook())
    merged, code_ids, added = merge_codes(book, project.codes)
    if added:
        check_merged_codebook(merged)
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
    memo_notes: list[str | None] = [None] * len(memos)
    from_notes, note_guids = _note_memos(project, owners, codings, notes, coder_of)
    memos += from_notes
    memo_notes += note_guids
    media = _plan_media(study, extras.media, code_ids, coder_of, conn)
    members = {guid: ("code", code_id) for guid, code_id in code_ids.items()}
    members |= {source.guid: ("document", document_id) for source, document_id, _, _ in notes}
    members |= {guid: ("media", item.id) for guid, (item, _) in media.items()}
    return Plan(
        codebook=merged,
        codebook_changed=bool(added),
        new_codes=added,
        code_ids=code_ids,
        coders=coders,
        notes=notes,
        codings=codings,
        memos=[_with_author(memo, coder_of) for memo in memos],
        memo_notes=memo_notes,
        selections=selections,
        project=project,
        sets=[
            # memos get their ids when written: the set holds its Notes' GUIDs until then
            CodeSet(
                found.name,
                found.description,
                **_grouped(found.members, members),
                memos=tuple(guid for guid in found.notes if guid in project.notes),
            )
            for found in extras.sets
        ],
        cases=[
            Case(
                found.name,
                found.description,
                found.attributes,
                **_grouped(found.members, members, kinds=("document", "media")),
            )
            for found in extras.cases
        ],
        media=list(media.values()),
    )


def _grouped(guids, members, kinds=("code", "document", "media")) -> dict[str, tuple[str, ...]]:
    """Member GUIDs → ids by kind (``codes``, ``documents``, ``media``); unknown ones dropped.

    A member the import did not bring in (a blank source, one missing from the archive) has
    nothing in the study to point at.
    """
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for guid in guids:
        kind, member = members.get(guid, (None, None))
        if kind in found:
            found[kind].append(member)
    plural = {"code": "codes", "document": "documents", "media": "media"}
    return {plural[kind]: tuple(dict.fromkeys(ids)) for kind, ids in found.items()}


def _plan_media(
    study: Study, items: list[ImportedMedia], code_ids, coder_of, conn
) -> dict[str, tuple[MediaSource, str | None]]:
    """Each non-text source → a MediaSource with a new id and file name under ``media/``."""
    folder = study.folder / "media"
    taken = {p.stem.casefold() for p in folder.iterdir()} if folder.is_dir() else set()
    taken |= {i.casefold() for i in conn.execute(sa.select(schema.media_sources.c.id)).scalars()}
    planned = {}
    for item in items:
        media_id = _unique_stem(_note_stem(re.sub(r"\.\w{1,5}$", "", item.name)), taken)
        taken.add(media_id.casefold())
        suffix = Path(item.member or item.original_path or item.name).suffix.lower()
        path = f"media/{media_id}{suffix}" if item.member else None
        selections = tuple(
            MediaSelection(
                name=found.name,
                position=found.position,
                codes=tuple(
                    dict.fromkeys(
                        (
                            code_ids[coding.code_guid],
                            coder_of(coding.user_guid, found.user_guid, item.user_guid),
                        )
                        for coding in found.codings
                    )
                ),
                description=found.description,
            )
            for found in item.selections
        )
        source = MediaSource(
            id=media_id,
            kind=item.kind,
            name=item.name,
            path=path,
            original_path=item.original_path,
            description=item.description,
            attributes=item.attributes,
            selections=selections,
        )
        planned[item.guid] = (source, item.member)
    return planned


def _note_memos(project, owners, codings, notes, coder_of) -> tuple[list, list]:
    """Notes → memos, on whatever refers to them (NoteRefs, Links); the study otherwise.

    Returns the memos and, for each, the GUID of the Note it was made from.
    """
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
    memos, guids = [], []
    for guid, note in project.notes.items():
        for on, target in referrers.get(guid) or [("study", "")]:
            memos.append((on, target, note.text, note.user_guid, note.created))
            guids.append(guid)
    if project.description.strip():
        memos.append(("study", "", project.description, None, None))
        guids.append(None)
    return memos, guids


def _resolve_memo(memo, owners):
    on, target, text, user, created = memo
    if on == "selection":
        on, target = owners[target]
    return (on, target, text, user, created)


def _with_author(memo, coder_of):
    on, target, text, user, created = memo
    return (on, target, text, coder_of(user) if user else None, created)


def merge_codes(book: Codebook, codes: list[ImportedCode]) -> tuple[Codebook, dict[str, str], int]:
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
            codable=code.codable,
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
    """Undo how an export joins a code's fields: definition, include, exclude, example."""
    fields = {"Include": "", "Exclude": "", "Example": ""}
    parts = _DESCRIPTION_PARTS.split(text.strip())
    definition = "" if parts[0].split(": ", 1)[0] in fields else parts.pop(0)
    for part in parts:
        label, _, value = part.partition(": ")
        fields[label] = value
    return definition.strip(), fields["Include"], fields["Exclude"], fields["Example"]


def _plan_notes(study: Study, sources: list[Source], archive: Archive, conn) -> list:
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


def _refuse_a_second_import(sources: list[Source], folder: Path, archive: Archive) -> None:
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


def _check_note_bytes(data: bytes, source: Source, archive: Archive, target: Path) -> None:
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


def with_codebook_file(study: Study, book: Codebook) -> Codebook:
    if book.path is None:
        raise QdpxError(
            "the study has no codebook file to merge codes into",
            path=study.settings.path,
            hint="add 'codebook: codebook.yml' to study.yml",
        )
    return book


def check_merged_codebook(book: Codebook) -> None:
    try:
        parse_codebook(codebook_to_yaml(book), book.path or "<codebook>")
    except CodebookError as exc:  # pragma: no cover - merging keeps names and ids unique
        raise QdpxError(
            f"the merged codebook would not be valid: {exc.message}",
            path=book.path,
            hint="rename the clashing code in the study or in the QDA program, then import",
        ) from exc

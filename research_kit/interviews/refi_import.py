"""Reading REFI-QDA files into a study: QDPX projects and QDC codebooks.

:func:`import_qdpx` reads a project from any tool, :func:`read_qdc` and :func:`import_qdc` a
codebook (users import them from :mod:`research_kit.interviews`; the writing direction is
:mod:`.refi_export`). An import runs in three steps so that it is all or nothing: read (open
the zip safely, parse the XML with DTDs and entities refused: :mod:`._qdpx_archive`; read every
text source and check every selection and coding against it: :mod:`._qdpx_project`), plan
(merge the codes into the codebook, choose a new note file per source and check it reads back
as exactly the source's text, resolve users to coders and Notes to memo targets, and Sets,
Cases and picture, audio, video and PDF sources (read by :mod:`._qdpx_records`) to the study's
ids: :mod:`._qdpx_plan`), and apply, here (write the note files and the codebook, then the database
rows, in one transaction; remove the notes and restore the codebook if anything fails). What
an import brought in comes back as a :class:`QdpxImport`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from research_kit import schema
from research_kit.deprecation import deprecated_call
from research_kit.interviews._qdpx_archive import Archive, parse_xml, read_capped
from research_kit.interviews._qdpx_plan import (
    Plan,
    check_merged_codebook,
    merge_codes,
    plan_import,
    with_codebook_file,
)
from research_kit.interviews._qdpx_project import read_codes, read_project
from research_kit.interviews._qdpx_records import read_extras, read_sets
from research_kit.interviews.codebook import Codebook
from research_kit.interviews.codebook_edits import codebook_to_yaml, edit_codebook, sync_codes
from research_kit.interviews.documents import read_note
from research_kit.interviews.refi_model import MISSING_SOURCES, QdpxError, first_child, local_name
from research_kit.interviews.refi_records import (
    CodeSet,
    insert_case,
    insert_code_set,
    insert_media_source,
    stored_code_sets,
)
from research_kit.staging import StagedFiles, write_together
from research_kit.store import coder_id, utcnow

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["QdpxImport", "import_qdc", "import_qdpx", "read_qdc"]


@dataclass(frozen=True)
class QdpxImport:
    """What :func:`import_qdpx` brought into a study.

    Attributes
    ----------
    sources : int
        Text sources imported, each as a new note (PDFs with a text layer among them).
    skipped_sources : int
        Text sources (transcripts among them) not imported: blank texts without selections,
        and (with ``missing_sources="skip"``) texts missing from the archive.
    codes : int
        Codes in the archive's codebook.
    new_codes : int
        Of those, the codes added to the study's codebook (the others matched a code by name).
    selections : int
        Selections (coded passages) imported.
    codings : int
        Codings stored (one per excerpt, code and coder).
    users : int
        Coders the archive's users became.
    memos : int
        Memos made from the archive's Notes and descriptions.
    documents : tuple of str
        The ids of the new notes, in the archive's order.
    media_sources : int
        Picture, audio, video and PDF (without a text layer) sources kept as references (see
        :func:`~research_kit.interviews.refi_records.read_media_sources`).
    sets : int
        Sets (groups of codes and sources) stored.
    cases : int
        Cases stored, with their attributes and sources.

    Examples
    --------
    >>> summary = QdpxImport(2, 0, 5, 5, 3, 4, 1, 0, ("Interview 1", "Interview 2"))
    >>> summary.codings, summary.documents[0]
    (4, 'Interview 1')
    >>> summary.counts()["new_codes"]
    5
    """

    sources: int
    skipped_sources: int
    codes: int
    new_codes: int
    selections: int
    codings: int
    users: int
    memos: int
    documents: tuple[str, ...]
    media_sources: int = 0
    sets: int = 0
    cases: int = 0

    def counts(self) -> dict[str, int]:
        """Every count by name, in the order of the attributes (``documents`` left out)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "documents"}

    def to_dict(self) -> dict[str, Any]:
        """The counts and ``documents`` (as a list), ready for :func:`json.dumps`."""
        return self.counts() | {"documents": list(self.documents)}

    def __getitem__(self, key: str) -> Any:
        # import_qdpx returned a dict before: summary["codes"] keeps working for one release.
        deprecated_call(f"import_qdpx(...)[{key!r}]", f"import_qdpx(...).{key}")
        try:
            return self.to_dict()[key]
        except KeyError:
            raise KeyError(key) from None


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
    data = read_capped(path)
    root = parse_xml(data, path, path.name)
    codes_element = first_child(root, "Codes")
    if local_name(root) != "CodeBook" or codes_element is None:
        raise QdpxError(
            "is not a REFI-QDA codebook (no CodeBook with Codes)",
            path=path,
            hint="export the codebook from your QDA program as a .qdc file",
        )
    codes = list(read_codes(codes_element, None, path))
    merged, _, _ = merge_codes(Codebook(), codes)
    return Codebook(merged.codes, None, 1)


def import_qdc(study: Study, path: Path | str) -> int:
    """Merge a REFI-QDA codebook into the study's codebook; return how many codes were added.

    A code whose name the study already has keeps the study's id, place and colour. The
    codebook's Sets are stored as sets of those codes
    (:func:`~research_kit.interviews.refi_records.read_code_sets`).
    """
    path = Path(path)
    data = read_capped(path)
    root = parse_xml(data, path, path.name)
    codes_element = first_child(root, "Codes")
    if codes_element is None:
        raise QdpxError("has no Codes element", path=path, hint="is this a REFI-QDA codebook?")
    incoming = list(read_codes(codes_element, None, path))
    found_sets = read_sets(root, path)

    def change(book: Codebook, conn) -> tuple[int, Codebook]:
        book = with_codebook_file(study, book)
        merged, code_ids, added = merge_codes(book, incoming)
        check_merged_codebook(merged)
        now = utcnow()
        # importing the same codebook again adds no codes, and no second copy of its sets
        stored = {(s.name, s.description, s.codes) for s in stored_code_sets(conn)}
        for found in found_sets:
            members = tuple(sorted({code_ids[g] for g in found.members if g in code_ids}))
            if (found.name, found.description, members) not in stored:
                insert_code_set(conn, CodeSet(found.name, found.description, members), now)
                stored.add((found.name, found.description, members))
        return added, merged if added else book

    return edit_codebook(study, change)


def import_qdpx(
    study: Study,
    path: Path | str,
    *,
    coder_prefix: str | None = None,
    missing_sources: str = "error",
    crlf_as_one: bool | None = None,
) -> QdpxImport:
    """Import a REFI-QDA project (``.qdpx``) into the study, all or nothing.

    Each text source becomes a new note file ``<name>.txt`` in the study's notes folder (a
    suffix is added rather than overwrite a note), so that the selections' offsets point into
    that text; the codes are merged into the codebook (a code whose name the study already has
    keeps its id, place and colour; new codes keep their colour and description); users become
    coders; every coding is stored on its excerpt; Notes become memos on the study, a note, a
    code or a coding. A PDF source whose file has a text layer that its every selection covers
    becomes a note too, its selections mapped to offsets in that text, and so does each
    transcript of an audio or video source (its selections placed by their sync points);
    picture, audio, video and the other PDF sources are kept as references (their files
    under ``media/``, their coded regions with their codes:
    :func:`~research_kit.interviews.refi_records.read_media_sources`) and exported back.
    Sets become stored sets of codes, notes and media
    (:func:`~research_kit.interviews.refi_records.read_code_sets`), Cases stored cases with
    their attributes and sources (:func:`~research_kit.interviews.refi_records.read_cases`);
    a note a Case holds belongs to that case in :func:`~research_kit.interviews.cases.cases`
    whatever its ``participant`` attribute says (nothing is written into the note for it).
    Text sources whose text is blank and that have no selections are not imported (NVivo
    exports an empty text file for sources it keeps only as .docx). A source's
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
    QdpxImport
        Counts of what was imported (``sources``, ``skipped_sources``, ``codes`` in the
        archive, ``new_codes`` added to the codebook, ``selections``, ``codings``, ``users``,
        ``memos``) and ``documents``, the ids of the new notes. Reading it as a dict
        (``summary["codes"]``) still works for one release, with a DeprecationWarning.

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
    >>> summary.sources, summary.codes, summary.codings, summary.users
    (14, 27, 1, 1)
    >>> study.close(); fresh.close()
    """
    if missing_sources not in MISSING_SOURCES:
        raise ValueError(
            f"missing_sources must be one of {MISSING_SOURCES}, not {missing_sources!r}"
        )
    path = Path(path)
    with Archive(path) as archive:
        member = archive.project_member
        root = parse_xml(archive.read(member), path, member)
        if local_name(root) != "Project":
            raise QdpxError(
                f"{member} is not a REFI-QDA project (its root is {local_name(root)})",
                path=path,
                hint="export the project again as REFI-QDA (.qdpx) from your QDA program",
            )
        project = read_project(root, archive, missing_sources, crlf_as_one)
        extras = read_extras(root, archive, project, missing_sources, crlf_as_one)
        project.sources.extend(extras.text_sources)
        project.skipped_sources += extras.skipped_transcripts
        # Planned and written under the study's write lock: the codebook and the notes folder
        # are read as they are at that instant, and the notes, the codebook and the database
        # rows land together or not at all (a killed import leaves nothing behind).
        with write_together(study.store, study.folder) as (conn, files):
            plan = plan_import(study, project, extras, archive, coder_prefix, conn)
            _apply_import(study, plan, archive, conn, files)
    return _summary(plan)


def _summary(plan: Plan) -> QdpxImport:
    return QdpxImport(
        sources=len(plan.notes),
        skipped_sources=plan.project.skipped_sources,
        codes=len(plan.project.codes),
        new_codes=plan.new_codes,
        selections=plan.selections,
        codings=len({coding[:5] for coding in plan.codings}),
        users=len(set(plan.coders.values())),
        memos=len(plan.memos),
        documents=tuple(document_id for _, document_id, _, _ in plan.notes),
        media_sources=len(plan.media),
        sets=len(plan.sets),
        cases=len(plan.cases),
    )


def _apply_import(study: Study, plan: Plan, archive: Archive, conn, files: StagedFiles) -> None:
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
    memo_ids = _insert_memos(conn, plan, keys, coder_ids, now)
    for media, member in plan.media:
        if media.path is not None and member is not None:
            files.put(study.folder / media.path, archive.read(member))
        insert_media_source(conn, media, now)
    for code_set in plan.sets:
        notes = tuple(str(i) for guid in code_set.memos for i in memo_ids.get(guid, ()))
        insert_code_set(conn, replace(code_set, memos=notes), now)
    for case in plan.cases:
        insert_case(conn, case, now)


def _insert_codings(conn, plan: Plan, documents, coder_ids, now) -> dict[tuple, int]:
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


def _insert_memos(conn, plan: Plan, coding_ids, coder_ids, now) -> dict[str, list[int]]:
    """Insert the memos; return the ids of those made from a Note that a Set holds, by GUID."""
    in_sets = {guid for code_set in plan.sets for guid in code_set.memos}
    ids: dict[str, list[int]] = {}
    rows = []
    for (on, target, text, author, created), note in zip(plan.memos, plan.memo_notes, strict=True):
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
        if note in in_sets:  # its id is needed: inserted on its own
            memo_id = conn.execute(schema.memos.insert(), rows.pop()).inserted_primary_key[0]
            ids.setdefault(note, []).append(memo_id)
    if rows:
        conn.execute(schema.memos.insert(), rows)
    return ids

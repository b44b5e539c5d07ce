"""A study's interview material: its notes and codebook read through the study's settings,
registered in the database, and checked (``research-kit check``).

These functions take a :class:`~research_kit.study.Study` (or its settings); importing
:mod:`research_kit.interviews` also makes each available as a study method
(``study.documents()``, ``study.codebook()`` …), so the thin ``Study`` never imports this room.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from research_kit import schema
from research_kit.errors import CodingError, NoteError, Problem, ResearchKitError
from research_kit.interviews.autocode import validate_rules
from research_kit.interviews.codebook import Codebook, read_codebook, validate_codebook
from research_kit.interviews.codebook_edits import sync_codes
from research_kit.interviews.coding_io import codings_file_problems
from research_kit.interviews.documents import (
    Document,
    documents_table,
    note_paths,
    read_note,
    read_notes,
    validate_note_file,
)
from research_kit.settings import AttributeSpec, StudySettings
from research_kit.staging import write_together
from research_kit.store import utcnow

if TYPE_CHECKING:
    from research_kit.study import Study


# -- reading ---------------------------------------------------------------------------------------
def study_documents(study: Study) -> list[Document]:
    """Read every interview note and check its attributes against the schema.

    Raises
    ------
    NoteError
        For the first note that cannot be read or has an invalid attribute.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> _ = (study.folder / "notes" / "P01.md").write_text("---\\nparticipant: P01\\n---\\nHi.\\n")
    >>> [(document.id, document.text) for document in study_documents(study)]
    [('P01', 'Hi.\\n')]
    >>> study.close()
    """
    if study.settings.notes is None:
        return []
    documents = read_notes(study.settings.notes)
    for document in documents:
        for problem in attribute_problems(document, study.settings.attributes):
            if problem.severity == "error":
                raise NoteError.from_problem(problem)
    return documents


def study_document(study: Study, document_id: str) -> Document:
    """Read one interview note by its id (its file name without the suffix).

    Raises
    ------
    CodingError
        If the study has no note with that id.
    """
    folder = study.settings.notes
    matches = [p for p in note_paths(folder) if p.stem == document_id] if folder else []
    if not matches:
        raise CodingError(
            f"the study has no note {document_id!r}",
            path=folder,
            hint="use a document id from study.documents_table()",
        )
    return read_note(matches[0])


def study_documents_table(study: Study) -> pd.DataFrame:
    """One row per interview note with its attributes (see ``documents_table``)."""
    return documents_table(study_documents(study))


def study_codebook(study: Study) -> Codebook:
    """The study's codebook, validated (an empty one when the study has none yet)."""
    path = study.settings.codebook
    if path is None or not path.exists():
        return Codebook(path=path)
    return read_codebook(path)


# -- registering in the database -----------------------------------------------------------------
def register_documents(study: Study) -> pd.DataFrame:
    """Record every note (id, path, hash, attributes) in the database, in one transaction.

    Returns
    -------
    pandas.DataFrame
        One row per document with ``status``: ``new``, ``unchanged`` or ``changed`` (the
        file's content differs from when it was first registered; its codings must be
        reviewed). The stored hash of a changed file is not replaced, so the change stays
        visible until someone reviews it.
    """
    documents = study_documents(study)
    now = utcnow()
    rows = []
    with study.store.transaction() as conn:
        known = dict(
            conn.execute(sa.select(schema.documents.c.id, schema.documents.c.content_hash)).all()
        )
        for document in documents:
            status = _document_status(known.get(document.id), document.content_hash)
            if status == "new":
                conn.execute(schema.documents.insert().values(**schema.document_row(document, now)))
            rows.append({"document_id": document.id, "path": str(document.path), "status": status})
    return pd.DataFrame(rows, columns=["document_id", "path", "status"])


def register_codebook(study: Study) -> int:
    """Record the codebook's codes in the database (new inserted, changed updated) at once.

    Returns the number of codes in the codebook.
    """
    # Under the write lock, after any committed codebook edit has reached the file, so a
    # code merged away by someone else a moment ago is never brought back from a stale file.
    with write_together(study.store, study.folder) as (conn, _):
        codebook = study_codebook(study)
        sync_codes(conn, codebook)
    return len(codebook)


def code_ids(study: Study) -> frozenset[str]:
    """Ids of the codes in ``codebook.yml``, registering the codebook when its file changed.

    The file's size and modification time are remembered (in ``study.cache``), so coding many
    excerpts in a row does not re-read the codebook for every click.
    """
    path = study.settings.codebook
    stat = path.stat() if path is not None and path.exists() else None
    key = (stat.st_mtime_ns, stat.st_size) if stat else None
    remembered = study.cache.get("registered_codebook")
    if remembered is None or remembered[0] != key:
        register_codebook(study)
        remembered = (key, frozenset(study_codebook(study).codes))
        study.cache["registered_codebook"] = remembered
    return remembered[1]


def _document_status(known_hash: str | None, current_hash: str) -> str:
    if known_hash is None:
        return "new"
    return "unchanged" if known_hash == current_hash else "changed"


# -- checking --------------------------------------------------------------------------------------
def check(settings: StudySettings, *, process_steps: set[str] | None = None) -> list[Problem]:
    """Every problem with the study's notes, codebook, codings files and auto-coding rules.

    Reads files only (never the database). ``process_steps`` are the step ids of the study's
    process maps, when it has any: a code linking to another step is reported.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.settings import read_settings
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "study.yml").write_text("name: s\\n")
    >>> [p.message for p in check(read_settings(folder))]
    ['the notes folder does not exist', 'the study has no codebook yet']
    """
    problems = _check_notes(settings)
    problems += _check_codebook(settings, process_steps or set())
    if settings.codings:
        problems += _check_codings(settings)
    problems += _check_autocode_rules(settings)
    return problems


def attribute_problems(document: Document, attributes: dict[str, AttributeSpec]) -> list[Problem]:
    """Problems with a note's attributes against the study's attribute schema."""
    problems = []
    for name, spec in attributes.items():
        message = spec.problem_with(document.attributes.get(name))
        if message:
            allowed = f"allowed: {', '.join(spec.values)}" if spec.values else ""
            problems.append(
                Problem(
                    document.path,
                    message,
                    allowed or f"fix '{name}:' in the note's front matter",
                    line=_front_matter_line(document, name),
                )
            )
    for name in document.attributes:
        if attributes and name not in attributes:
            problems.append(
                Problem(
                    document.path,
                    f"attribute {name!r} is not in study.yml's attribute schema",
                    "add it under 'attributes:' in study.yml so it can be used in breakdowns",
                    line=_front_matter_line(document, name),
                    severity="warning",
                )
            )
    return problems


def _check_notes(settings: StudySettings) -> list[Problem]:
    folder = settings.notes
    if folder is None:
        return []
    if folder.exists() and not folder.is_dir():
        return [Problem(folder, "is not a folder", "name the folder that holds the notes")]
    if not folder.is_dir():
        return [
            Problem(
                folder,
                "the notes folder does not exist",
                "create it and put interview notes (.md, .txt, .docx) in it",
                severity="warning",
            )
        ]
    problems = []
    stems = Counter(path.stem for path in note_paths(folder))
    documents = []
    for path in note_paths(folder):
        document, found = validate_note_file(path)
        problems += found
        if document is not None:
            documents.append(document)
            problems += attribute_problems(document, settings.attributes)
        if stems[path.stem] > 1:
            problems.append(
                Problem(
                    path,
                    f"another note is also called {path.stem!r}",
                    "give every note its own file name (the name is the document id)",
                )
            )
    return problems + _shared_id_problems(documents, settings)


def _shared_id_problems(documents: list[Document], settings: StudySettings) -> list[Problem]:
    """Notes after the first that give the same participant id (an ``id`` attribute)."""
    names = [name for name, spec in settings.attributes.items() if spec.type == "id"]
    problems = []
    for name in names or ["participant"]:
        first: dict[str, Document] = {}
        for document in documents:
            value = document.attributes.get(name)
            if value is None or str(value).strip() == "":
                continue
            earlier = first.setdefault(str(value).strip(), document)
            if earlier is document:
                continue
            line = _front_matter_line(earlier, name)
            where = earlier.path.name + (f", line {line}" if line else "")
            problems.append(
                Problem(
                    document.path,
                    f"{name} {value!r} is also the {name} of {where}",
                    "give each participant their own id; if this is a second interview with "
                    "the same person, that is fine (they count once as a participant)",
                    line=_front_matter_line(document, name),
                    severity="warning",
                )
            )
    return problems


def _check_codebook(settings: StudySettings, step_ids: set[str]) -> list[Problem]:
    path = settings.codebook
    if path is None:
        return []
    if not path.exists():
        return [
            Problem(
                path,
                "the study has no codebook yet",
                "write one (see the sample study's codebook.yml) before coding",
                severity="warning",
            )
        ]
    codebook, problems = validate_codebook(path)
    for code in codebook:
        if code.process_step and step_ids and code.process_step not in step_ids:
            problems.append(
                Problem(
                    path,
                    f"code {code.id!r} links to process step {code.process_step!r}, "
                    "which no process map has",
                    "use a step id from the study's process map",
                    line=code.line,
                    severity="warning",
                )
            )
    return problems


def _check_codings(settings: StudySettings) -> list[Problem]:
    documents = {}
    for path in note_paths(settings.notes) if settings.notes else []:
        try:
            document = read_note(path)
        except ResearchKitError:
            continue  # reported with the notes
        documents[document.id] = document
    codes = set()
    if settings.codebook is not None and settings.codebook.exists():
        codes = set(validate_codebook(settings.codebook)[0].codes)
    problems = []
    for path in settings.codings:
        problems += codings_file_problems(path, documents, codes)
    return problems


def _check_autocode_rules(settings: StudySettings) -> list[Problem]:
    if not (settings.folder / "autocode.yml").exists():
        return []
    codebook = None
    if settings.codebook is not None and settings.codebook.exists():
        codebook = validate_codebook(settings.codebook)[0]
    return validate_rules(settings.folder, codebook=codebook)[1]


def _front_matter_line(document: Document, key: str) -> int | None:
    """Line of ``key:`` in a note's front matter (found by reading the file again)."""
    if document.encoding == "docx" or document.body_line <= 1:
        return None
    try:
        lines = document.path.read_bytes().decode(document.encoding).splitlines()
    except (OSError, UnicodeDecodeError, LookupError):
        return None
    for number, line in enumerate(lines[: document.body_line], start=1):
        if line.split(":", 1)[0].strip() == key:
            return number
    return 1

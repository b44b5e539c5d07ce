"""Coding: applying codes to spans of interview notes, by named coders.

A coding ties a code to an excerpt (a span of a document's text, in code points, end exclusive)
for one coder, with its origin: ``manual``, ``rule`` (accepted from auto-coding rules) or
``suggestion`` (accepted from the model's suggestions). Every call here is one database
transaction, so each click in the coding panel is saved at once (memos live in
:mod:`.memoing`). Each excerpt remembers the
hash of the note it was cut from: a note edited after coding is reported by
:func:`stale_codings` (which codings no longer match their text) and never silently re-aligned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from research_kit import schema
from research_kit.errors import CodingError, DocumentChangedError
from research_kit.interviews.codebook import Codebook
from research_kit.interviews.codebook_edits import sync_codes
from research_kit.interviews.memoing import (  # noqa: F401  (re-exported: older imports)
    add_memo,
    memos,
    update_memo,
)
from research_kit.interviews.segments import SEGMENT_COLUMNS, segment
from research_kit.schema import CODING_ORIGINS
from research_kit.staging import write_together
from research_kit.store import coder_id, insert_or_get, utcnow

if TYPE_CHECKING:
    from spacy.language import Language

    from research_kit.interviews.documents import Document
    from research_kit.study import Study

CODING_COLUMNS = [
    "coding_id",
    "excerpt_id",
    "document_id",
    "start",
    "end",
    "text",
    "code_id",
    "coder",
    "origin",
    "created_at",
]


def apply_code(
    study: Study,
    document_id: str,
    start: int,
    end: int,
    code_id: str,
    *,
    coder: str,
    origin: str = "manual",
) -> int:
    """Apply a code to a span of a document, for one coder; saved at once.

    Parameters
    ----------
    study : Study
    document_id : str
        The note's id (file name without suffix).
    start, end : int
        Code-point offsets into the note's text, end exclusive.
    code_id : str
        A code of the study's codebook.
    coder : str
        Who applied it (initials or name).
    origin : {"manual", "rule", "suggestion"}
        How the coding came about.

    Returns
    -------
    int
        The coding's id (the existing one if this coder already applied this code here).

    Raises
    ------
    CodingError
        Unknown document or code, a code marked ``codable: false`` (it only groups others),
        empty coder, or a span outside the text; nothing is written.
    DocumentChangedError
        The note changed since it was first coded.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> coding = apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    >>> codings(study)[["document_id", "code_id", "coder"]].values.tolist()
    [['P01_business-owner', 'cost_of_delay', 'J.R.']]
    >>> study.close()
    """
    frame = pd.DataFrame(
        [
            {
                "document_id": document_id,
                "start": start,
                "end": end,
                "code_id": code_id,
                "coder": coder,
                "origin": origin,
            }
        ]
    )
    return int(apply_codes(study, frame)[0])


def apply_codes(study: Study, frame: pd.DataFrame) -> list[int]:
    """Apply many codings in one transaction (all or nothing).

    Parameters
    ----------
    study : Study
    frame : pandas.DataFrame
        Columns ``document_id``, ``start``, ``end``, ``code_id``, ``coder`` and optionally
        ``origin`` (default ``manual``).

    Returns
    -------
    list of int
        The coding ids, in the frame's order.

    Notes
    -----
    Codes of ``codebook.yml`` that the database does not have yet, or has under another name,
    parent, colour or process step, are recorded in the same transaction as the codings.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> frame = pd.DataFrame({"document_id": ["P01_business-owner"] * 2, "start": [0, 0],
    ...                       "end": [60, 60], "code_id": ["cost_of_delay", "distrust_of_city"],
    ...                       "coder": ["J.R.", "M.K."]})
    >>> len(apply_codes(study, frame))
    2
    >>> sorted(codings(study)["coder"])
    ['J.R.', 'M.K.']
    >>> study.close()
    """
    missing = {"document_id", "start", "end", "code_id", "coder"} - set(frame.columns)
    if missing:
        raise CodingError(f"codings need the columns {', '.join(sorted(missing))}")
    documents = {doc_id: study.document(doc_id) for doc_id in frame["document_id"].unique()}
    ids = []
    # One transaction for the codings and the codes they need. codebook.yml is read under the
    # write lock, after any committed codebook edit has reached it, so a code added by hand can
    # be applied and a code someone merged away a moment ago cannot.
    with write_together(study.store, study.folder) as (conn, _):
        book = study.codebook()
        known_codes = _register_codebook(conn, book)
        # a code marked ``codable: false`` only groups others (REFI-QDA isCodable="false")
        grouping = frozenset(code.id for code in book if not code.codable)
        hashes = _register_documents(conn, documents.values())
        coder_ids: dict[str, int] = {}
        for row in frame.itertuples(index=False):
            document = documents[row.document_id]
            _check_current(document, hashes[document.id])
            start, end = _checked_span(document, int(row.start), int(row.end))
            origin = getattr(row, "origin", "manual") or "manual"
            _check_coding(row.code_id, known_codes, grouping, origin, row.coder)
            coder = str(row.coder).strip()
            if coder not in coder_ids:
                coder_ids[coder] = coder_id(conn, coder)
            excerpt = _excerpt_id(conn, document, start, end)
            ids.append(_coding_id(conn, excerpt, row.code_id, coder_ids[coder], origin))
    return ids


def remove_code(
    study: Study, document_id: str, start: int, end: int, code_id: str, *, coder: str
) -> int:
    """Remove one coder's code from a span; return how many codings were removed (0 or 1)."""
    with study.store.transaction() as conn:
        excerpt = conn.execute(
            sa.select(schema.excerpts.c.id).where(
                schema.excerpts.c.document_id == document_id,
                schema.excerpts.c.start == start,
                schema.excerpts.c.end == end,
            )
        ).scalar_one_or_none()
        coder_row = _coder_row(conn, coder)
        if excerpt is None or coder_row is None:
            return 0
        result = conn.execute(
            schema.codings.delete().where(
                schema.codings.c.excerpt_id == excerpt,
                schema.codings.c.code_id == code_id,
                schema.codings.c.coder_id == coder_row,
            )
        )
        return result.rowcount


def remove_coding(study: Study, coding_id: int) -> int:
    """Remove a coding by id; return how many were removed (0 or 1)."""
    with study.store.transaction() as conn:
        return conn.execute(
            schema.codings.delete().where(schema.codings.c.id == int(coding_id))
        ).rowcount


def codings(
    study: Study,
    *,
    coder: str | None = None,
    document_id: str | None = None,
    code_id: str | None = None,
) -> pd.DataFrame:
    """Every coding as a tidy table (one row per coder × code × excerpt).

    Columns: ``coding_id``, ``excerpt_id``, ``document_id``, ``start``, ``end``, ``text``,
    ``code_id``, ``coder``, ``origin``, ``created_at``. Filters narrow it down.
    """
    e, c, k = schema.excerpts, schema.codings, schema.coders
    query = (
        sa.select(
            c.c.id.label("coding_id"),
            e.c.id.label("excerpt_id"),
            e.c.document_id,
            e.c.start,
            e.c.end,
            e.c.text,
            c.c.code_id,
            k.c.name.label("coder"),
            c.c.origin,
            c.c.created_at,
        )
        .select_from(c.join(e, c.c.excerpt_id == e.c.id).join(k, c.c.coder_id == k.c.id))
        .order_by(e.c.document_id, e.c.start, e.c.end, c.c.code_id, k.c.name)
    )
    if coder is not None:
        query = query.where(k.c.name == coder)
    if document_id is not None:
        query = query.where(e.c.document_id == document_id)
    if code_id is not None:
        query = query.where(c.c.code_id == code_id)
    with study.store.read() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=CODING_COLUMNS)


def coders(study: Study) -> pd.DataFrame:
    """Coders of the study with how many codings each has made."""
    k, c = schema.coders, schema.codings
    query = (
        sa.select(k.c.id.label("coder_id"), k.c.name.label("coder"), sa.func.count(c.c.id))
        .select_from(k.outerjoin(c, c.c.coder_id == k.c.id))
        .group_by(k.c.id, k.c.name)
        .order_by(k.c.name)
    )
    with study.store.read() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["coder_id", "coder", "codings"])


# -- changed notes ---------------------------------------------------------------------------------
def stale_codings(study: Study) -> pd.DataFrame:
    """Codings whose note changed since they were made, and whether their text still matches.

    Returns
    -------
    pandas.DataFrame
        One row per coding on a changed (or missing) note: ``document_id``, ``coding_id``,
        ``code_id``, ``coder``, ``start``, ``end``, ``coded_text``, ``current_text`` and
        ``status``: ``text changed`` (the span now holds other text), ``text unchanged`` (the
        note changed elsewhere) or ``note missing``. Nothing is re-aligned.
    """
    current = codings(study)
    with study.store.read() as conn:
        excerpt_hashes = dict(
            conn.execute(sa.select(schema.excerpts.c.id, schema.excerpts.c.document_hash)).all()
        )
    rows = []
    for document_id, group in current.groupby("document_id", sort=True):
        document = _current_document(study, document_id)
        for row in group.itertuples(index=False):
            if document is not None and excerpt_hashes[row.excerpt_id] == document.content_hash:
                continue
            now_text = document.text[row.start : row.end] if document is not None else None
            status = _staleness(row.text, now_text)
            rows.append(
                {
                    "document_id": document_id,
                    "coding_id": row.coding_id,
                    "code_id": row.code_id,
                    "coder": row.coder,
                    "start": row.start,
                    "end": row.end,
                    "coded_text": row.text,
                    "current_text": now_text,
                    "status": status,
                }
            )
    columns = [
        "document_id",
        "coding_id",
        "code_id",
        "coder",
        "start",
        "end",
        "coded_text",
        "current_text",
        "status",
    ]
    return pd.DataFrame(rows, columns=columns)


def accept_document_change(study: Study, document_id: str) -> pd.DataFrame:
    """Accept a note's new version: codings whose text is unchanged carry over to it.

    Codings whose span now holds other text stay reported by :func:`stale_codings` until they
    are removed or re-applied. Returns what :func:`stale_codings` reported for this note.
    """
    document = study.document(document_id)
    report = stale_codings(study)
    report = report[report["document_id"] == document_id]
    unchanged = report.loc[report["status"] == "text unchanged", "coding_id"].tolist()
    with study.store.transaction() as conn:
        conn.execute(
            schema.documents.update()
            .where(schema.documents.c.id == document_id)
            .values(content_hash=document.content_hash, updated_at=utcnow())
        )
        if unchanged:
            excerpt_ids = sa.select(schema.codings.c.excerpt_id).where(
                schema.codings.c.id.in_(unchanged)
            )
            conn.execute(
                schema.excerpts.update()
                .where(schema.excerpts.c.id.in_(excerpt_ids))
                .values(document_hash=document.content_hash)
            )
    return report


# -- spans for auto-coding -----------------------------------------------------------------------
def study_segments(
    study: Study, documents: Iterable[str] | str | None, by: str, nlp: Language | None = None
) -> pd.DataFrame:
    """Segments (see ``segment``) of the named documents, or of every note in the study."""
    if documents is None:
        notes = study.documents()
    else:
        ids = [documents] if isinstance(documents, str) else list(documents)
        notes = [study.document(document_id) for document_id in ids]
    frames = [segment(note, by, nlp=nlp) for note in notes]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def coded_spans(study: Study, coder: str | None) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Spans coded with each code in each document: {(document_id, code_id): [(start, end)]}."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    done = codings(study, coder=coder)
    for row in done.itertuples(index=False):
        spans.setdefault((row.document_id, row.code_id), []).append((row.start, row.end))
    return spans


def drop_coded(frame: pd.DataFrame, study: Study, coder: str | None) -> pd.DataFrame:
    """Leave out rows whose span overlaps a coding of the same code (by ``coder``, or anyone)."""
    if frame.empty:
        return frame
    coded = coded_spans(study, coder)
    if not coded:
        return frame
    keep = [
        not any(
            start < end_ and start_ < end for start_, end_ in coded.get((document_id, code_id), ())
        )
        for document_id, code_id, start, end in zip(
            frame["document_id"], frame["code_id"], frame["start"], frame["end"], strict=True
        )
    ]
    return frame[keep]


# -- helpers ---------------------------------------------------------------------------------------
def _register_codebook(conn: Connection, codebook: Codebook) -> frozenset[str]:
    """Inside a write transaction: mirror the codebook's new or changed codes; return its ids.

    Codes the database already holds as the file has them are left alone, so coding does not
    rewrite every code's row on each click.
    """
    c = schema.codes.c
    stored = {
        row.id: (row.name, row.parent_id, row.colour, row.process_step)
        for row in conn.execute(sa.select(c.id, c.name, c.parent_id, c.colour, c.process_step))
    }
    changed = {
        code.id: code
        for code in codebook
        if stored.get(code.id) != (code.name, code.parent, code.colour, code.process_step)
    }
    if changed:
        sync_codes(conn, Codebook(changed, codebook.path, codebook.version))
    return frozenset(codebook.codes)


def _register_documents(conn: Connection, documents: Iterable[Document]) -> dict[str, str]:
    """Make sure each document has a row; return the hash each was first coded at."""
    hashes = {}
    for document in documents:
        stored = conn.execute(
            sa.select(schema.documents.c.content_hash).where(schema.documents.c.id == document.id)
        ).scalar_one_or_none()
        if stored is None:
            conn.execute(
                schema.documents.insert().values(**schema.document_row(document, utcnow()))
            )
            stored = document.content_hash
        hashes[document.id] = stored
    return hashes


def _check_current(document: Document, stored_hash: str) -> None:
    if stored_hash != document.content_hash:
        raise DocumentChangedError(
            "this note changed since it was first coded",
            path=document.path,
            hint="review research_kit.interviews.stale_codings(study), then "
            f"accept_document_change(study, {document.id!r}) before coding it again",
        )


def _checked_span(document: Document, start: int, end: int) -> tuple[int, int]:
    if not 0 <= start < end <= len(document.text):
        raise CodingError(
            f"span {start}–{end} is outside the note's text (0–{len(document.text)})",
            path=document.path,
            hint="select text inside the note; offsets are characters, end exclusive",
        )
    return start, end


def _check_coding(
    code_id: str, known: frozenset[str], grouping: frozenset[str], origin: str, coder: object
) -> None:
    if code_id not in known:
        raise CodingError(
            f"code {code_id!r} is not in the codebook",
            hint="add it to codebook.yml first, or use an existing code id",
        )
    if code_id in grouping:
        raise CodingError(
            f"code {code_id!r} is marked 'codable: false' in the codebook: it only groups "
            "other codes and cannot be applied to text",
            hint="apply one of the codes under it, or remove 'codable: false' from codebook.yml",
        )
    if origin not in CODING_ORIGINS:
        raise CodingError(f"origin must be one of {', '.join(CODING_ORIGINS)}, not {origin!r}")
    if coder is None or not str(coder).strip():
        raise CodingError("every coding needs a coder", hint="pass coder='your initials'")


def _coder_row(conn: Connection, name: str) -> int | None:
    return conn.execute(
        sa.select(schema.coders.c.id).where(schema.coders.c.name == name)
    ).scalar_one_or_none()


def _excerpt_id(conn: Connection, document: Document, start: int, end: int) -> int:
    values = {
        "document_id": document.id,
        "start": start,
        "end": end,
        "text": document.text[start:end],
        "document_hash": document.content_hash,
        "created_at": utcnow(),
    }
    return insert_or_get(conn, schema.excerpts, values, ("document_id", "start", "end"))


def _coding_id(conn: Connection, excerpt: int, code_id: str, coder: int, origin: str) -> int:
    values = {
        "excerpt_id": excerpt,
        "code_id": code_id,
        "coder_id": coder,
        "origin": origin,
        "created_at": utcnow(),
    }
    return insert_or_get(conn, schema.codings, values, ("excerpt_id", "code_id", "coder_id"))


def _current_document(study: Study, document_id: str) -> Document | None:
    try:
        return study.document(document_id)
    except CodingError:
        return None


def _staleness(coded: str, now: str | None) -> str:
    if now is None:
        return "note missing"
    return "text unchanged" if coded == now else "text changed"

"""What a study keeps beside its notes and codings: sets, cases, and non-text sources.

REFI-QDA projects carry more than coded text, and a study keeps it so that an export gives it
back:

- a :class:`CodeSet` is a named group of codes (a code group), notes, non-text sources and
  memos (REFI-QDA ``Set``; ATLAS.ti's code, document and memo groups, NVivo's sets);
- a :class:`Case` is a unit of analysis (a participant, a site, an office) with attributes and
  the notes and sources about it (REFI-QDA ``Case``), as imported or written with
  :func:`add_case`. These are the *stored* records; the study's cases for analysis are
  :func:`research_kit.interviews.cases` (one rule: a note a stored case holds belongs to that
  case, whatever its ``participant`` attribute says; other notes belong to their participant's
  case), which the QDPX export writes, every one of them, as REFI-QDA Cases;
- a :class:`MediaSource` is a picture, audio, video or PDF (without a text layer) kept as a
  reference: its file under the study's ``media/`` folder (when the archive held it) and its
  coded regions (:class:`MediaSelection`: a rectangle, a page, or a time span) with their codes.

All three live in the study database (tables ``code_sets``, ``cases``, ``media_sources`` and
their members). Reading them never writes; :func:`add_code_set` and :func:`add_case` write.

Examples
--------
>>> import tempfile, pathlib
>>> from research_kit import open_study
>>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
>>> _ = add_case(study, "Ana", attributes={"role": "clerk"}, description="front desk")
>>> [(case.name, case.attributes["role"]) for case in read_cases(study)]
[('Ana', 'clerk')]
>>> study.close()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from research_kit import schema
from research_kit.store import utcnow

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "CASE_TABLE_COLUMNS",
    "Case",
    "CodeSet",
    "MediaSelection",
    "MediaSource",
    "add_case",
    "add_code_set",
    "cases_table",
    "insert_case",
    "insert_code_set",
    "insert_media_source",
    "move_code_references",
    "read_cases",
    "read_code_sets",
    "read_media_sources",
    "stored_code_sets",
]

#: The columns of :func:`cases_table`.
CASE_TABLE_COLUMNS = ("case_id", "case", "attribute", "value")


@dataclass(frozen=True)
class CodeSet:
    """A named group of codes, notes (``documents``), non-text sources (``media``) and memos.

    Attributes
    ----------
    name, description : str
    codes, documents, media, memos : tuple of str
        Member code ids, note (document) ids, media source ids and memo ids (as text).
    id : int or None
        The database id (``None`` until stored).
    """

    name: str
    description: str = ""
    codes: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    id: int | None = None
    memos: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """A case: a unit of analysis with attributes and the notes and sources about it.

    Attributes
    ----------
    name, description : str
    attributes : dict of str to value
        Case attributes (REFI-QDA variable values): text, numbers, booleans, dates as text.
    documents, media : tuple of str
        The notes (document ids) and media source ids that belong to the case.
    id : int or None
        The database id (``None`` until stored).
    """

    name: str
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class MediaSelection:
    """A coded region of a media source.

    Attributes
    ----------
    name, description : str
    position : dict of str to int
        ``firstX, firstY, secondX, secondY`` (pictures; PDFs add ``page``) or ``begin, end``
        (audio and video, in milliseconds), as REFI-QDA writes them.
    codes : tuple of (code id, coder) pairs
    """

    name: str
    position: dict[str, int]
    codes: tuple[tuple[str, str], ...] = ()
    description: str = ""


@dataclass(frozen=True)
class MediaSource:
    """A picture, audio, video or PDF source kept as a reference.

    Attributes
    ----------
    id : str
        Unique among the study's media sources.
    kind : {"picture", "audio", "video", "pdf"}
    name : str
    path : str or None
        The file, relative to the study folder (``None`` when the archive did not hold it).
    original_path : str
        Where the exporting tool said the file was (``internal://…``, ``relative://…``).
    description : str
    attributes : dict of str to value
    selections : tuple of MediaSelection
    """

    id: str
    kind: str
    name: str
    path: str | None = None
    original_path: str = ""
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    selections: tuple[MediaSelection, ...] = ()


# -- reading -------------------------------------------------------------------------------------
def read_code_sets(study: Study) -> list[CodeSet]:
    """The study's sets, in the order they were stored, members sorted by kind and id.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> read_code_sets(study)
    []
    >>> study.close()
    """
    with study.store.read() as conn:
        return stored_code_sets(conn)


def read_cases(study: Study) -> list[Case]:
    """The study's stored cases (imported or added), in the order they were stored.

    Every one, with all its notes and media, as the REFI-QDA project gave it; the study's
    cases for analysis, participants' cases among them, are
    :func:`research_kit.interviews.cases` (see the module example).
    """
    with study.store.read() as conn:
        rows = conn.execute(sa.select(schema.cases).order_by(schema.cases.c.id)).all()
        members = _members(conn, schema.case_members, "case_id")
    return [
        Case(
            name=row.name,
            description=row.description,
            attributes=dict(row.attributes or {}),
            documents=members.get((row.id, "document"), ()),
            media=members.get((row.id, "media"), ()),
            id=row.id,
        )
        for row in rows
    ]


def cases_table(study: Study) -> pd.DataFrame:
    """One row per stored case and attribute (``case_id, case, attribute, value``), tidy.

    The stored records only (``case_id`` is the database id, ``value`` as stored): what an
    import brought in or :func:`add_case` wrote. For analysis by case use
    :func:`research_kit.interviews.case_attributes`, which joins these to the participants'
    cases and the notes' attributes. A case without attributes still has a row, with
    ``attribute`` and ``value`` missing, so that every case is counted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> _ = add_case(study, "Ana", attributes={"role": "clerk", "years": 4})
    >>> cases_table(study)[["case", "attribute", "value"]].values.tolist()
    [['Ana', 'role', 'clerk'], ['Ana', 'years', 4]]
    >>> study.close()
    """
    rows = []
    for case in read_cases(study):
        items = case.attributes.items() or [(None, None)]
        rows += [(case.id, case.name, name, value) for name, value in items]
    return pd.DataFrame(rows, columns=list(CASE_TABLE_COLUMNS))


def read_media_sources(study: Study) -> list[MediaSource]:
    """The study's picture, audio, video and PDF sources kept as references, with selections.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> read_media_sources(study)
    []
    >>> study.close()
    """
    m, s = schema.media_sources, schema.media_selections
    with study.store.read() as conn:
        sources = conn.execute(sa.select(m).order_by(m.c.created_at, m.c.id)).all()
        selections: dict[str, list[MediaSelection]] = {}
        for row in conn.execute(sa.select(s).order_by(s.c.id)):
            selections.setdefault(row.source_id, []).append(
                MediaSelection(
                    name=row.name,
                    position=dict(row.position),
                    codes=tuple((code, coder) for code, coder in row.codes),
                    description=row.description,
                )
            )
    return [
        MediaSource(
            id=row.id,
            kind=row.kind,
            name=row.name,
            path=row.path,
            original_path=row.original_path,
            description=row.description,
            attributes=dict(row.attributes or {}),
            selections=tuple(selections.get(row.id, ())),
        )
        for row in sources
    ]


def _members(conn, table: sa.Table, key: str) -> dict[tuple[int, str], tuple[str, ...]]:
    found: dict[tuple[int, str], list[str]] = {}
    query = sa.select(table).order_by(table.c[key], table.c.member_kind, table.c.member_id)
    for row in conn.execute(query).mappings():
        found.setdefault((row[key], row["member_kind"]), []).append(row["member_id"])
    return {k: tuple(v) for k, v in found.items()}


# -- writing -------------------------------------------------------------------------------------
def add_code_set(
    study: Study,
    name: str,
    *,
    codes: Iterable[str] = (),
    documents: Iterable[str] = (),
    description: str = "",
) -> int:
    """Store a set of codes and notes; return its id.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> _ = add_code_set(study, "Delays", codes=["waiting", "backlog"])
    >>> read_code_sets(study)[0].codes
    ('backlog', 'waiting')
    >>> study.close()
    """
    code_set = CodeSet(name, description, tuple(codes), tuple(documents))
    with study.store.transaction() as conn:
        return insert_code_set(conn, code_set, utcnow())


def add_case(
    study: Study,
    name: str,
    *,
    documents: Iterable[str] = (),
    attributes: dict[str, Any] | None = None,
    description: str = "",
) -> int:
    """Store a case with its attributes and notes; return its id (see the module example).

    From then on its notes belong to this case in :func:`research_kit.interviews.cases`
    (whatever their ``participant`` says), and its attributes are the case's.
    """
    case = Case(name, description, dict(attributes or {}), tuple(documents))
    with study.store.transaction() as conn:
        return insert_case(conn, case, utcnow())


def stored_code_sets(conn) -> list[CodeSet]:
    """The sets stored, read inside an open transaction (see :func:`read_code_sets`)."""
    rows = conn.execute(sa.select(schema.code_sets).order_by(schema.code_sets.c.id)).all()
    members = _members(conn, schema.set_members, "set_id")
    return [
        CodeSet(
            name=row.name,
            description=row.description,
            codes=members.get((row.id, "code"), ()),
            documents=members.get((row.id, "document"), ()),
            media=members.get((row.id, "media"), ()),
            id=row.id,
            memos=members.get((row.id, "memo"), ()),
        )
        for row in rows
    ]


def insert_code_set(conn, code_set: CodeSet, now: datetime) -> int:
    """Insert a set and its members inside an open transaction; return its id."""
    set_id = conn.execute(
        schema.code_sets.insert().values(
            name=code_set.name, description=code_set.description, created_at=now
        )
    ).inserted_primary_key[0]
    members = (
        ("code", code_set.codes),
        ("document", code_set.documents),
        ("media", code_set.media),
        ("memo", code_set.memos),
    )
    rows = [
        {"set_id": set_id, "member_kind": kind, "member_id": member}
        for kind, ids in members
        for member in dict.fromkeys(ids)
    ]
    if rows:
        conn.execute(schema.set_members.insert(), rows)
    return set_id


def insert_case(conn, case: Case, now: datetime) -> int:
    """Insert a case and its members inside an open transaction; return its id."""
    case_id = conn.execute(
        schema.cases.insert().values(
            name=case.name,
            description=case.description,
            attributes={str(k): schema.jsonable(v) for k, v in case.attributes.items()},
            created_at=now,
        )
    ).inserted_primary_key[0]
    rows = [
        {"case_id": case_id, "member_kind": kind, "member_id": member}
        for kind, ids in (("document", case.documents), ("media", case.media))
        for member in dict.fromkeys(ids)
    ]
    if rows:
        conn.execute(schema.case_members.insert(), rows)
    return case_id


def insert_media_source(conn, source: MediaSource, now: datetime) -> None:
    """Insert a media source and its selections inside an open transaction."""
    conn.execute(
        schema.media_sources.insert().values(
            id=source.id,
            kind=source.kind,
            name=source.name,
            path=source.path,
            original_path=source.original_path,
            description=source.description,
            attributes={str(k): schema.jsonable(v) for k, v in source.attributes.items()},
            created_at=now,
        )
    )
    rows = [
        {
            "source_id": source.id,
            "name": selection.name,
            "position": dict(selection.position),
            "codes": [list(pair) for pair in selection.codes],
            "description": selection.description,
            "created_at": now,
        }
        for selection in source.selections
    ]
    if rows:
        conn.execute(schema.media_selections.insert(), rows)


def move_code_references(conn, sources: list[str], into: str) -> None:
    """Point sets and media codings at ``into`` instead of the merged-away ``sources``.

    Called inside the open transaction of a merge, so that a set keeps its member (and a
    picture its coding) when two codes become one.
    """
    members = schema.set_members
    sets_with_into = sa.select(members.c.set_id).where(
        members.c.member_kind == "code", members.c.member_id == into
    )
    is_source = sa.and_(members.c.member_kind == "code", members.c.member_id.in_(sources))
    conn.execute(members.delete().where(is_source, members.c.set_id.in_(sets_with_into)))
    rows = conn.execute(sa.select(members.c.set_id, members.c.member_id).where(is_source)).all()
    seen: set[int] = set()
    for set_id, member in rows:  # two merged-away codes in one set become one member
        where = sa.and_(is_source, members.c.set_id == set_id, members.c.member_id == member)
        if set_id in seen:
            conn.execute(members.delete().where(where))
        else:
            conn.execute(members.update().where(where).values(member_id=into))
            seen.add(set_id)
    selections = schema.media_selections
    for row in conn.execute(sa.select(selections.c.id, selections.c.codes)).all():
        moved = [[into if code in sources else code, coder] for code, coder in row.codes]
        moved = [list(pair) for pair in dict.fromkeys(tuple(pair) for pair in moved)]
        if moved != [list(pair) for pair in row.codes]:
            conn.execute(selections.update().where(selections.c.id == row.id).values(codes=moved))

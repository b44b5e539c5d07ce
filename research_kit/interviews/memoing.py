"""Memos: what researchers write about the study, a note, a code or one coding.

A memo names its target (``on`` and ``target``), and the target is checked like a coding's
code is: a memo on a document the study does not have, a code that is not in the codebook or a
coding that does not exist is refused with an error that names it, and nothing is written.
The codebook is read under the study's write lock (as :func:`~.coding.apply_codes` does), so
a code merged away a moment ago by another process cannot receive a memo. :func:`memos` lists
and searches memos as a tidy table, for notebooks and the coding panel's memo browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from research_kit import schema
from research_kit.errors import CodingError, did_you_mean
from research_kit.interviews.documents import note_paths
from research_kit.schema import MEMO_TARGETS
from research_kit.staging import write_together
from research_kit.store import coder_id, utcnow

if TYPE_CHECKING:
    from research_kit.study import Study

MEMO_COLUMNS = ["memo_id", "on", "target", "coder", "text", "created_at", "updated_at"]


def add_memo(
    study: Study,
    text: str,
    *,
    on: str = "study",
    target: str | int | None = None,
    coder: str | None = None,
) -> int:
    """Write a memo on the study, a document, a code or a coding; return its id.

    Parameters
    ----------
    study : Study
    text : str
        The memo.
    on : {"study", "document", "code", "coding"}
        What it is about.
    target : str or int, optional
        The document id, code id or coding id (none for the study).
    coder : str, optional
        Who wrote it.

    Returns
    -------
    int
        The new memo's id.

    Raises
    ------
    CodingError
        An unknown kind of target, a target the study does not have (document, code of the
        codebook, coding), a target given for the study, or an empty text. Nothing is written.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> memo = add_memo(study, "Ride-along.", on="document", target="P04_inspector")
    >>> memos(study)[["on", "target", "text"]].values.tolist()
    [['document', 'P04_inspector', 'Ride-along.']]
    >>> add_memo(study, "?", on="code", target="no_such_code")
    Traceback (most recent call last):
    ...
    research_kit.errors.CodingError: ...: code 'no_such_code' is not in the codebook — ...
    >>> len(memos(study))
    1
    >>> study.close()
    """
    target_id = _checked_request(on, target)
    _check_text(text)
    now = utcnow()
    with write_together(study.store, study.folder) as (conn, _):
        _check_target_exists(conn, study, on, target_id)
        author = coder_id(conn, coder) if coder else None
        return conn.execute(
            schema.memos.insert().values(
                target_kind=on,
                target_id=target_id,
                coder_id=author,
                text=str(text),
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]


def update_memo(
    study: Study,
    memo_id: int,
    text: str | None = None,
    *,
    on: str | None = None,
    target: str | int | None = None,
) -> None:
    """Edit a memo: replace its text, move it to another target, or both (old text not kept).

    Parameters
    ----------
    study : Study
    memo_id : int
        The memo (see :func:`memos`).
    text : str, optional
        The new text (unchanged when not given).
    on : {"study", "document", "code", "coding"}, optional
        Move the memo to another kind of target (with ``target``).
    target : str or int, optional
        The new target's id; checked as :func:`add_memo` checks it.

    Raises
    ------
    CodingError
        No such memo, an empty text, or a target the study does not have. Nothing is written.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> memo = add_memo(study, "Overall: staff feel blamed.")
    >>> update_memo(study, memo, "About waiting.", on="code", target="status_black_hole")
    >>> memos(study)[["on", "target", "text"]].values.tolist()
    [['code', 'status_black_hole', 'About waiting.']]
    >>> study.close()
    """
    changes: dict[str, object] = {}
    if text is not None:
        _check_text(text)
        changes["text"] = str(text)
    if on is not None or target is not None:
        kind = on if on is not None else _stored_kind(study, memo_id)
        changes["target_kind"] = kind
        changes["target_id"] = _checked_request(kind, target)
    with write_together(study.store, study.folder) as (conn, _):
        if "target_kind" in changes:
            _check_target_exists(conn, study, changes["target_kind"], changes["target_id"])
        updated = conn.execute(
            schema.memos.update()
            .where(schema.memos.c.id == int(memo_id))
            .values(**changes, updated_at=utcnow())
        ).rowcount
    if not updated:
        raise CodingError(f"there is no memo {memo_id}", hint="use a memo_id from memos(study)")


def delete_memo(study: Study, memo_id: int) -> int:
    """Delete a memo; return how many were deleted (0 or 1).

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> delete_memo(study, add_memo(study, "Draft.")), delete_memo(study, 999)
    (1, 0)
    >>> study.close()
    """
    with study.store.transaction() as conn:
        return conn.execute(schema.memos.delete().where(schema.memos.c.id == int(memo_id))).rowcount


def memos(
    study: Study,
    *,
    on: str | None = None,
    target: str | int | None = None,
    coder: str | None = None,
    search: str | None = None,
) -> pd.DataFrame:
    """Memos as a tidy table, filtered by target, author or words in the text.

    Parameters
    ----------
    study : Study
    on : {"study", "document", "code", "coding"}, optional
        Only memos on this kind of target.
    target : str or int, optional
        Only memos on this document id, code id or coding id.
    coder : str, optional
        Only memos written by this coder.
    search : str, optional
        Only memos whose text contains this (case-insensitive, spaces as written).

    Returns
    -------
    pandas.DataFrame
        One row per memo, oldest first: ``memo_id``, ``on``, ``target`` (``""`` for the study),
        ``coder`` (missing when nobody was named), ``text``, ``created_at``, ``updated_at``.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> _ = add_memo(study, "Counter staff feel blamed.", coder="J.R.")
    >>> _ = add_memo(study, "Portal outage in March.", on="code", target="portal_problems")
    >>> memos(study, search="PORTAL")[["on", "target"]].values.tolist()
    [['code', 'portal_problems']]
    >>> memos(study, coder="J.R.")["text"].tolist()
    ['Counter staff feel blamed.']
    >>> study.close()
    """
    if on is not None:
        _checked_request(on, None if on == "study" else "any")
    m, k = schema.memos, schema.coders
    query = (
        sa.select(
            m.c.id.label("memo_id"),
            m.c.target_kind.label("on"),
            m.c.target_id.label("target"),
            k.c.name.label("coder"),
            m.c.text,
            m.c.created_at,
            m.c.updated_at,
        )
        .select_from(m.outerjoin(k, m.c.coder_id == k.c.id))
        .order_by(m.c.id)
    )
    if on is not None:
        query = query.where(m.c.target_kind == on)
    if target is not None:
        query = query.where(m.c.target_id == str(target))
    if coder is not None:
        query = query.where(k.c.name == coder)
    with study.store.read() as conn:
        rows = conn.execute(query).mappings().all()
    table = pd.DataFrame(rows, columns=MEMO_COLUMNS)
    if search:
        # Searched here, not in SQL: LIKE folds case differently on SQLite and PostgreSQL.
        found = table["text"].str.casefold().str.contains(search.casefold(), regex=False)
        table = table[found].reset_index(drop=True)
    return table


# -- checks ----------------------------------------------------------------------------------------
def _checked_request(on: str, target: str | int | None) -> str:
    """Check what can be checked without the database; return the target as stored."""
    if on not in MEMO_TARGETS:
        kinds, close = ", ".join(MEMO_TARGETS), did_you_mean(on, MEMO_TARGETS)
        raise CodingError(
            f"a memo is on one of {kinds}, not {on!r}{close}",
            hint="pass on='study', 'document', 'code' or 'coding'",
        )
    given = target is not None and str(target).strip() != ""
    if on == "study":
        if given:
            raise CodingError(
                f"a memo on the study has no target, but {target!r} was given",
                hint="leave out target=, or say what it is with on='document', 'code' or 'coding'",
            )
        return ""
    if not given:
        raise CodingError(
            f"a memo on a {on} needs the {on}'s id as target",
            hint=f"pass target=<the {on} id>",
        )
    return str(target).strip()


def _check_text(text: object) -> None:
    if text is None or not str(text).strip():
        raise CodingError("the memo is empty", hint="write something, or do not save it")


def _check_target_exists(conn: Connection, study: Study, on: str, target: str) -> None:
    """Inside the write transaction: refuse a target the study does not have."""
    if on == "document":
        _check_document(conn, study, target)
    elif on == "code":
        _check_code(study, target)
    elif on == "coding":
        _check_coding(conn, target)


def _check_document(conn: Connection, study: Study, document_id: str) -> None:
    registered = conn.execute(
        sa.select(schema.documents.c.id).where(schema.documents.c.id == document_id)
    ).scalar_one_or_none()
    if registered is not None:
        return
    # Not in the database yet: a note of the notes folder is known too (as for apply_code).
    try:
        study.document(document_id)
    except CodingError as exc:
        folder = study.settings.notes
        known = [path.stem for path in note_paths(folder)] if folder else []
        raise CodingError(
            f"the study has no document {document_id!r}{did_you_mean(document_id, known)}",
            path=exc.path,
            hint="write the memo on a document id from study.documents_table(); nothing was saved",
        ) from None


def _check_code(study: Study, code_id: str) -> None:
    codes = study.codebook().codes
    if code_id not in codes:
        raise CodingError(
            f"code {code_id!r} is not in the codebook{did_you_mean(code_id, codes)}",
            path=study.settings.codebook,
            hint="write the memo on a code id of study.codebook(), or add the code first; "
            "nothing was saved",
        )


def _check_coding(conn: Connection, target: str) -> None:
    number = int(target) if target.isdecimal() else None
    found = None
    if number is not None:
        found = conn.execute(
            sa.select(schema.codings.c.id).where(schema.codings.c.id == number)
        ).scalar_one_or_none()
    if found is None:
        raise CodingError(
            f"there is no coding {target!r}",
            hint="write the memo on a coding_id from research_kit.interviews.codings(study) "
            "(it may have been removed); nothing was saved",
        )


def _stored_kind(study: Study, memo_id: int) -> str:
    with study.store.read() as conn:
        kind = conn.execute(
            sa.select(schema.memos.c.target_kind).where(schema.memos.c.id == int(memo_id))
        ).scalar_one_or_none()
    if kind is None:
        raise CodingError(f"there is no memo {memo_id}", hint="use a memo_id from memos(study)")
    return kind

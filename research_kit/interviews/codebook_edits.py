"""Changing a codebook without losing codings: add, rename, move, merge and split codes.

Codings point at a code's id, so renaming a code (its name) or moving it under another parent
never touches them. Merging moves the codings of the merged codes onto the code they merge into
(a coder's duplicate coding of the same excerpt counts once); splitting moves chosen codings to
new codes.

Each change reads ``codebook.yml``, changes it and writes it back together with the database
under the study's write lock (:func:`research_kit.staging.write_together`), so edits made by
several people at once apply one after the other and none overwrites another, and a crash at
any point leaves the file and the database equal (the previous file is kept as
``codebook.yml.bak``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection

from research_kit import schema
from research_kit.errors import CodebookError
from research_kit.interviews.codebook import Code, Codebook, slugify
from research_kit.interviews.refi_records import move_code_references
from research_kit.staging import write_together
from research_kit.store import Store, utcnow

if TYPE_CHECKING:
    from research_kit.study import Study

_HEADER = "# Codebook written by research_kit; edit freely (comments are not kept).\n"
_Result = TypeVar("_Result")


def codebook_to_yaml(codebook: Codebook) -> str:
    """Render a codebook in the study's YAML shape (a flat list of codes with parents).

    Examples
    --------
    >>> book = Codebook({"a": Code("a", "A", definition="x")})
    >>> print(codebook_to_yaml(book).splitlines()[2:5])
    ['codes:', '- id: a', '  name: A']
    """
    entries = []
    for code in codebook:
        entry = {"id": code.id, "name": code.name}
        for field in ("parent", "definition", "include", "exclude", "example", "colour"):
            value = getattr(code, field)
            if value:
                entry[field] = value
        if code.process_step:
            entry["process_step"] = code.process_step
        if not code.codable:
            entry["codable"] = False
        entries.append(entry)
    body = yaml.safe_dump(
        {"version": codebook.version or 1, "codes": entries},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return _HEADER + body


def write_codebook(codebook: Codebook, path: Path | str) -> None:
    """Write a codebook atomically; the previous file is kept as ``<name>.bak``."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    if path.exists():
        shutil.copy2(path, path.with_name(path.name + ".bak"))
    os.replace(temporary, path)


def add_code(
    study: Study,
    name: str,
    *,
    code_id: str | None = None,
    parent: str | None = None,
    definition: str = "",
    colour: str | None = None,
    process_step: str | None = None,
) -> str:
    """Add a code to the study's codebook; return its id."""

    def change(codebook: Codebook, conn) -> tuple[str, Codebook]:
        new_id = code_id or slugify(name)
        if new_id in codebook.codes:
            raise CodebookError(f"code id {new_id!r} already exists", path=codebook.path)
        if parent is not None:
            _require(codebook, parent)
        codes = dict(codebook.codes)
        codes[new_id] = Code(
            new_id, name, parent, definition, colour=colour, process_step=process_step
        )
        return new_id, Codebook(codes, codebook.path, codebook.version)

    return edit_codebook(study, change)


def rename_code(study: Study, code_id: str, new_name: str) -> None:
    """Give a code a new name; its id, and so every coding, stays."""

    def change(codebook: Codebook, conn) -> tuple[None, Codebook]:
        _require(codebook, code_id)
        clash = [
            c.id for c in codebook if c.name.casefold() == new_name.casefold() and c.id != code_id
        ]
        if clash:
            raise CodebookError(
                f"code {clash[0]!r} is already called {new_name!r}",
                path=codebook.path,
                hint="merge the two codes instead, if they mean the same",
            )
        return None, _with(codebook, replace(codebook[code_id], name=new_name))

    edit_codebook(study, change)


def move_code(study: Study, code_id: str, new_parent: str | None) -> None:
    """Put a code under another parent (None makes it a theme); codings stay."""

    def change(codebook: Codebook, conn) -> tuple[None, Codebook]:
        _require(codebook, code_id)
        if new_parent is not None:
            _require(codebook, new_parent)
            ancestor: str | None = new_parent
            while ancestor is not None:
                if ancestor == code_id:
                    raise CodebookError(
                        f"cannot move {code_id!r} under its own descendant {new_parent!r}",
                        path=codebook.path,
                    )
                ancestor = codebook[ancestor].parent
        return None, _with(codebook, replace(codebook[code_id], parent=new_parent))

    edit_codebook(study, change)


def merge_codes(study: Study, sources: list[str], into: str) -> int:
    """Merge codes into one: their codings, memos and set memberships move to ``into``; they
    leave the codebook.

    Children of a merged code move under ``into``. Returns the number of codings moved.
    """

    def change(codebook: Codebook, conn) -> tuple[int, Codebook]:
        _require(codebook, into)
        merged_away = [s for s in dict.fromkeys(sources) if s != into]
        for source in merged_away:
            _require(codebook, source)
        codes = {}
        for code in codebook:
            if code.id in merged_away:
                continue
            parent = into if code.parent in merged_away else code.parent
            codes[code.id] = replace(code, parent=parent)
        moved = _reassign(conn, merged_away, into, coding_ids=None)
        conn.execute(
            schema.memos.update()
            .where(schema.memos.c.target_kind == "code", schema.memos.c.target_id.in_(merged_away))
            .values(target_id=into, updated_at=utcnow())
        )
        move_code_references(conn, merged_away, into)  # sets and media codings follow
        conn.execute(schema.codes.delete().where(schema.codes.c.id.in_(merged_away)))
        return moved, Codebook(codes, codebook.path, codebook.version)

    return edit_codebook(study, change)


def split_code(
    study: Study, code_id: str, new_codes: dict[str, str], assign: dict[int, str]
) -> int:
    """Split a code: add ``new_codes`` (id → name) beside it and move chosen codings to them.

    Parameters
    ----------
    new_codes : dict of str to str
        The new codes' ids and names; they get the split code's parent.
    assign : dict of int to str
        Coding id → new code id. Codings not listed keep the original code.

    Returns the number of codings moved.
    """

    def change(codebook: Codebook, conn) -> tuple[int, Codebook]:
        original = _require(codebook, code_id)
        codes = dict(codebook.codes)
        for new_id, name in new_codes.items():
            if new_id in codes:
                raise CodebookError(f"code id {new_id!r} already exists", path=codebook.path)
            codes[new_id] = Code(new_id, name, original.parent, colour=original.colour)
        unknown = set(assign.values()) - set(new_codes)
        if unknown:
            raise CodebookError(f"codings assigned to codes not being created: {sorted(unknown)}")
        split = Codebook(codes, codebook.path, codebook.version)
        sync_codes(conn, split)  # the new codes must exist before codings move to them
        moved = 0
        for new_id in new_codes:
            ids = [coding for coding, target in assign.items() if target == new_id]
            moved += _reassign(conn, [code_id], new_id, coding_ids=ids)
        return moved, split

    return edit_codebook(study, change)


def edit_codebook(
    study: Study, change: Callable[[Codebook, object], tuple[_Result, Codebook]]
) -> _Result:
    """Change the study's codebook and database as one step, under the study's write lock.

    ``change(codebook, conn)`` gets the codebook as it is now (read under the lock, after any
    earlier committed edit reached the file) and the open transaction; it returns its result
    and the new codebook, which is written to ``codebook.yml`` and mirrored into the database
    together. If ``change`` raises, nothing changes.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> edit_codebook(study, lambda book, conn: (len(book), book))
    27
    >>> study.close()
    """
    with write_together(study.store, study.folder) as (conn, files):
        codebook = study.codebook()
        result, changed = change(codebook, conn)
        if changed.path is None:
            raise CodebookError(
                "the study has no codebook file",
                path=study.settings.path,
                hint="add 'codebook: codebook.yml' to study.yml",
            )
        text = codebook_to_yaml(changed)
        if changed is not codebook or text != codebook_to_yaml(codebook):
            sync_codes(conn, changed)
            files.put(changed.path, text.encode("utf-8"), keep_backup=True)
    return result


def _reassign(conn, sources: list[str], into: str, coding_ids: list[int] | None) -> int:
    """Move codings from ``sources`` to ``into``; drop ones the same coder already has there."""
    c = schema.codings
    query = sa.select(c.c.id, c.c.excerpt_id, c.c.coder_id).where(c.c.code_id.in_(sources))
    if coding_ids is not None:
        query = query.where(c.c.id.in_([int(i) for i in coding_ids]))
    rows = conn.execute(query).all()
    existing = set(
        conn.execute(sa.select(c.c.excerpt_id, c.c.coder_id).where(c.c.code_id == into)).all()
    )
    for coding, excerpt, coder in rows:
        if (excerpt, coder) in existing:
            conn.execute(c.delete().where(c.c.id == coding))
        else:
            conn.execute(c.update().where(c.c.id == coding).values(code_id=into))
            existing.add((excerpt, coder))
    return len(rows)


def sync_codes(conn, codebook: Codebook) -> None:
    """Mirror the codebook's codes into the database (inside an open transaction)."""
    known = set(conn.execute(sa.select(schema.codes.c.id)).scalars())
    now = utcnow()
    for code in codebook:
        values = {
            "name": code.name,
            "parent_id": code.parent,
            "colour": code.colour,
            "process_step": code.process_step,
            "updated_at": now,
        }
        if code.id in known:
            conn.execute(schema.codes.update().where(schema.codes.c.id == code.id).values(**values))
        else:
            conn.execute(schema.codes.insert().values(id=code.id, **values))


def _require(codebook: Codebook, code_id: str) -> Code:
    if code_id not in codebook.codes:
        raise CodebookError(
            f"there is no code {code_id!r}",
            path=codebook.path,
            hint="use a code id from study.codebook().to_frame()",
        )
    return codebook[code_id]


def _with(codebook: Codebook, code: Code) -> Codebook:
    codes = dict(codebook.codes)
    codes[code.id] = code
    return Codebook(codes, codebook.path, codebook.version)


# -- codebook.yml against the database -----------------------------------------------------------
DIFFERENCE_COLUMNS = ["code_id", "difference", "codings", "action", "severity"]
_MIRRORED = ("name", "parent", "colour", "process_step")


def codebook_differences(codebook: Codebook, store: Store) -> pd.DataFrame:
    """Where ``codebook.yml`` and the study database disagree about the codes (read-only).

    A code only in the file is not listed: it is registered the next time anyone codes.
    Everything else is: a code the database has and the file lacks (an ``error`` when codings
    use it, since they would point at a code nobody can see), and a code whose name, parent,
    colour or process step differ (a ``warning``: the file wins, people edit it by hand).

    Returns
    -------
    pandas.DataFrame
        One row per difference: ``code_id``, ``difference``, ``codings`` (how many use the
        code), ``action`` (what :func:`sync_codebook` will do) and ``severity``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "study.db")
    >>> book = Codebook({"a": Code("a", "A")})
    >>> with store.transaction() as conn:
    ...     sync_codes(conn, Codebook({"a": Code("a", "Old A"), "b": Code("b", "B")}))
    >>> codebook_differences(book, store)[["code_id", "action"]].values.tolist()
    [['a', 'rename it in the database from codebook.yml'], ['b', 'remove it from the database']]
    >>> store.close()
    """
    with store.read() as conn:
        return _differences(conn, codebook)


def sync_codebook(study: Study, *, apply: bool = False) -> pd.DataFrame:
    """Make ``codebook.yml`` and the database agree; return what was (or would be) done.

    The file wins for what it holds: the database takes its codes' names, parents, colours
    and process steps. A code only the database has is put back into the file when codings use
    it (so no coding is orphaned; merge it away afterwards if it should go), and removed from
    the database otherwise. Runs under the study's write lock, all or nothing.

    Parameters
    ----------
    study : Study
    apply : bool
        Do it; by default only say what would be done.

    Returns
    -------
    pandas.DataFrame
        See :func:`codebook_differences`.
    """
    if not apply:
        return codebook_differences(study.codebook(), study.store)
    plan = pd.DataFrame(columns=DIFFERENCE_COLUMNS)

    def change(codebook: Codebook, conn: Connection) -> tuple[None, Codebook]:
        nonlocal plan
        plan = _differences(conn, codebook)
        codes = dict(codebook.codes)
        restore = plan[plan["action"].str.startswith("put it back")]["code_id"].tolist()
        stored = _database_codes(conn)
        for code_id in restore:
            name, parent, colour, step = (stored[code_id][f] for f in _MIRRORED)
            name = _free_name(name, codes)
            codes[code_id] = Code(
                code_id,
                name,
                parent if parent in codes else None,
                "",
                colour=colour,
                process_step=step,
            )
        drop = plan[plan["action"] == "remove it from the database"]["code_id"].tolist()
        if drop:
            conn.execute(schema.codes.delete().where(schema.codes.c.id.in_(drop)))
        return None, Codebook(codes, codebook.path, codebook.version)

    edit_codebook(study, change)
    return plan


def _differences(conn: Connection, codebook: Codebook) -> pd.DataFrame:
    stored = _database_codes(conn)
    used = dict(
        conn.execute(
            sa.select(schema.codings.c.code_id, sa.func.count()).group_by(schema.codings.c.code_id)
        ).all()
    )
    rows = []
    for code_id, values in stored.items():
        count = int(used.get(code_id, 0))
        if code_id not in codebook.codes:
            if count:
                rows.append(
                    (
                        code_id,
                        "in the database but not in codebook.yml",
                        count,
                        "put it back into codebook.yml",
                        "error",
                    )
                )
            else:
                rows.append(
                    (
                        code_id,
                        "in the database but not in codebook.yml (no codings)",
                        0,
                        "remove it from the database",
                        "warning",
                    )
                )
            continue
        code = codebook[code_id]
        for field in _MIRRORED:
            if getattr(code, field) != values[field]:
                verb = "rename it" if field == "name" else f"set its {field.replace('_', ' ')}"
                rows.append(
                    (
                        code_id,
                        f"{field} is {values[field]!r} in the database, "
                        f"{getattr(code, field)!r} in codebook.yml",
                        count,
                        f"{verb} in the database from codebook.yml",
                        "warning",
                    )
                )
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def _database_codes(conn: Connection) -> dict[str, dict[str, object]]:
    c = schema.codes.c
    rows = conn.execute(sa.select(c.id, c.name, c.parent_id, c.colour, c.process_step))
    return {
        row.id: {
            "name": row.name,
            "parent": row.parent_id,
            "colour": row.colour,
            "process_step": row.process_step,
        }
        for row in rows
    }


def _free_name(name: str, codes: dict[str, Code]) -> str:
    """``name``, or ``name (2)`` … when a code in the file already has it."""
    taken = {code.name.casefold() for code in codes.values()}
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate

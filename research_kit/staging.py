"""Files that change together with the study database: all or nothing, even across a crash.

Some writes change a file of the study and the database as one step: a codebook edit rewrites
``codebook.yml`` and the ``codes`` table; a REFI-QDA import adds note files and their codings.
:func:`write_together` opens one write transaction (so such writes never overlap, see
:mod:`research_kit.store`) and hands out a :class:`StagedFiles`: each new file is written into
``.staging/<batch>/`` inside the study folder and recorded in the ``pending_files`` table of
the same transaction. Only after the commit are the files moved into place, under the write
lock again. So at every instant the database and the files agree, or the database says which
committed change is still on its way:

- killed before the commit: nothing is recorded; the staged files are leftovers, removed by
  the next write or the next open (:func:`recover`);
- killed after the commit: the record is there; the next write or open moves the files in
  (:func:`finish_pending`).

A target file's previous version can be kept beside it as ``<name>.bak``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from research_kit import schema
from research_kit.errors import StoreError
from research_kit.store import Store, utcnow

STAGING_FOLDER = ".staging"


class StagedFiles:
    """New versions of study files, staged inside one open write transaction.

    Use it through :func:`write_together`, which moves the files into place after the commit.
    """

    def __init__(self, conn: Connection, folder: Path) -> None:
        self.conn = conn
        self.folder = Path(folder)
        self.batch = secrets.token_hex(8)
        self.targets: list[Path] = []

    @property
    def batch_folder(self) -> Path:
        """Where this write's files wait for the commit."""
        return self.folder / STAGING_FOLDER / self.batch

    def put(self, target: Path | str, data: bytes, *, keep_backup: bool = False) -> None:
        """Stage ``data`` as the new content of ``target`` (a file inside the study folder).

        Parameters
        ----------
        target : Path or str
            The file to create or replace once the transaction commits.
        data : bytes
            Its new content.
        keep_backup : bool
            Keep the file's previous version as ``<name>.bak`` when it is replaced.

        Raises
        ------
        StoreError
            If the file cannot be written (e.g. the disk is full); nothing is changed.
        """
        target = Path(target)
        relative = _inside(self.folder, target)
        staged = self.batch_folder / relative
        try:
            staged.parent.mkdir(parents=True, exist_ok=True)
            _write_durably(staged, data)
        except OSError as exc:
            raise _file_error(exc, target) from exc
        self.conn.execute(
            schema.pending_files.insert().values(
                batch=self.batch,
                target=relative.as_posix(),
                staged=staged.relative_to(self.folder).as_posix(),
                sha256=hashlib.sha256(data).hexdigest(),
                keep_backup=keep_backup,
                created_at=utcnow(),
            )
        )
        self.targets.append(target)

    def discard(self) -> None:
        """Remove this write's staged files (the transaction did not commit)."""
        shutil.rmtree(self.batch_folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.batch_folder.parent.rmdir()  # only when no other batch waits there


@contextmanager
def write_together(store: Store, folder: Path | str) -> Iterator[tuple[Connection, StagedFiles]]:
    """One write transaction plus study files that change with it, all or nothing.

    Parameters
    ----------
    store : Store
        The study database.
    folder : Path or str
        The study folder (staged files wait in its ``.staging`` folder).

    Yields
    ------
    (Connection, StagedFiles)
        The open transaction, and where to stage new file contents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> store = Store(folder / "study.db")
    >>> with write_together(store, folder) as (conn, files):
    ...     files.put(folder / "codebook.yml", b"codes: []\\n")
    >>> (folder / "codebook.yml").read_text()
    'codes: []\\n'
    >>> store.count("pending_files")
    0
    >>> store.close()
    """
    folder = Path(folder)
    with store.transaction() as conn:
        finish_pending(conn, folder)
        staged = StagedFiles(conn, folder)
        try:
            yield conn, staged
        except BaseException:
            staged.discard()
            raise
    if staged.targets:
        # Committed: the new versions are recorded. Move them in, under the write lock again,
        # so a concurrent write always reads the files as its predecessor left them.
        with store.transaction() as conn:
            finish_pending(conn, folder)


def finish_pending(conn: Connection, folder: Path | str) -> list[str]:
    """Inside a write transaction: move committed staged files into place, drop leftovers.

    Returns what could not be finished (a staged file that vanished while its target holds
    other content); those records stay, and ``research-kit check`` reports them.
    """
    folder = Path(folder)
    table = schema.pending_files
    unfinished, kept_batches = [], set()
    rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        staged, target = folder / row["staged"], folder / row["target"]
        try:
            done = _move_into_place(staged, target, row["sha256"], row["keep_backup"])
        except OSError as exc:
            raise _file_error(exc, target) from exc
        if done:
            conn.execute(table.delete().where(table.c.id == row["id"]))
        else:
            kept_batches.add(row["batch"])
            unfinished.append(
                f"{row['target']}: a change saved in the database at {row['created_at']} "
                "never reached the file, and its staged copy is gone"
            )
    _remove_leftovers(folder, kept_batches)
    return unfinished


def recover(store: Store, folder: Path | str) -> list[str]:
    """Finish or roll back what a killed write left behind (run when a study is opened).

    Does nothing, and takes no lock, when nothing is pending. Returns what
    :func:`finish_pending` could not finish.
    """
    folder = Path(folder)
    staging = folder / STAGING_FOLDER
    has_leftovers = staging.is_dir() and any(staging.iterdir())
    if not has_leftovers and store.count("pending_files") == 0:
        return []
    with store.transaction() as conn:
        return finish_pending(conn, folder)


def pending_changes(store: Store) -> list[tuple[str, datetime]]:
    """Files (relative to the study folder) whose committed new version has not reached them
    yet, with when it was saved (read-only)."""
    table = schema.pending_files
    with store.read() as conn:
        rows = conn.execute(sa.select(table.c.target, table.c.created_at).order_by(table.c.id))
        return [(target, created) for target, created in rows]


def _move_into_place(staged: Path, target: Path, sha256: str, keep_backup: bool) -> bool:
    if staged.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        if keep_backup and target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        os.replace(staged, target)
        _sync_folder(target.parent)
        return True
    # Moved already (by a write that was killed before it could drop the record).
    return target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256


def _remove_leftovers(folder: Path, batches: set[str]) -> None:
    """Remove staged batches other than ``batches``: moved in already, or never committed."""
    staging = folder / STAGING_FOLDER
    if not staging.is_dir():
        return
    for entry in staging.iterdir():
        if entry.name not in batches:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        staging.rmdir()  # only when empty


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _inside(folder: Path, target: Path) -> Path:
    try:
        return target.resolve().relative_to(folder.resolve())
    except ValueError:
        raise StoreError(
            "can only change files inside the study folder",
            path=target,
            hint=f"keep the study's files inside {folder}",
        ) from None


def _file_error(exc: OSError, target: Path) -> StoreError:
    full = exc.errno in {28, 122}  # ENOSPC, EDQUOT
    reason = "the disk is full" if full else exc.strerror or str(exc)
    return StoreError(
        f"cannot write this file of the study ({reason})",
        path=target,
        hint="free some disk space, then try again; nothing was changed"
        if full
        else "check the study folder is writable, then try again; nothing was changed",
    )

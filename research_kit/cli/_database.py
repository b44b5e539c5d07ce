"""``research-kit codebook sync`` and ``db copy``: the study database, made to agree and moved."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from research_kit.cli._output import EXIT_OK, EXIT_PROBLEMS, counts_text
from research_kit.errors import StudyConfigError
from research_kit.study import open_study

__all__ = ["add_database_commands"]


def add_database_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``codebook sync`` and ``db copy``."""
    codebook = commands.add_parser("codebook", help="the codebook against the study database")
    codebook_commands = codebook.add_subparsers(title="codebook commands", metavar="ACTION")
    sync = codebook_commands.add_parser(
        "sync", help="say where codebook.yml and the database disagree, then make them agree"
    )
    sync.add_argument("study", nargs="?", default=".", help="study folder (default: here)")
    sync.add_argument("--yes", action="store_true", help="do it without asking")
    sync.set_defaults(run=_run_codebook_sync)

    database = commands.add_parser("db", help="the study database")
    database_commands = database.add_subparsers(title="db commands", metavar="ACTION")
    copy = database_commands.add_parser(
        "copy",
        help="move the study to another database (SQLite file or PostgreSQL URL), all or nothing",
    )
    copy.add_argument("study", nargs="?", default=".", help="study folder (default: here)")
    copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="an empty database: postgresql://user@host/dbname (password from PGPASSWORD or "
        "~/.pgpass), or a SQLite file such as study.db",
    )
    copy.set_defaults(run=_run_db_copy)


def _run_codebook_sync(args: argparse.Namespace) -> int:
    from research_kit.interviews.codebook_edits import sync_codebook

    with open_study(args.study, create=False) as study:
        plan = sync_codebook(study)
        if plan.empty:
            print(f"{study.settings.codebook} and the study database agree: nothing to do")
            return EXIT_OK
        print(f"{len(plan)} difference(s) between codebook.yml and the study database:")
        for row in plan.itertuples():
            used = f", {row.codings} codings" if row.codings else ""
            print(f"  {row.code_id}: {row.difference}{used}\n    → will {row.action}")
        if not (args.yes or confirmed("make them agree?")):
            print("nothing changed (run with --yes to do it)")
            return EXIT_PROBLEMS
        done = sync_codebook(study, apply=True)
    print(f"done: {len(done)} change(s); codebook.yml and the database agree")
    return EXIT_OK


def _run_db_copy(args: argparse.Namespace) -> int:
    from research_kit.settings import check_database_value, write_database_setting
    from research_kit.staging import recover
    from research_kit.store import Store, copy_database

    with open_study(args.study, create=False) as study:
        value = _database_value(args.to, study.folder)
        check_database_value(value, study.settings.path)  # before anything is copied
        if Path(value).is_absolute() and not study.settings.allow_outside_paths:
            raise StudyConfigError(
                f"{value} is outside the study folder",
                path=study.settings.path,
                hint="copy into a file inside the study folder, or add "
                "'allow_outside_paths: true' to study.yml first",
            )
        target = Store(study.settings.folder / value if "://" not in value else value)
        where = target.location_for_messages()
        try:
            recover(study.store, study.folder)
            counts = copy_database(study.store, target)
            try:
                write_database_setting(study.folder, value)
            except BaseException:
                _empty(target)  # all or nothing: the study stays on its first database
                raise
        finally:
            target.close()
        source = study.store.location_for_messages()
    print(f"copied {counts_text(counts)} rows from {source}")
    print(f"the study now uses {where}; the old database is kept as it was")
    return EXIT_OK


def _database_value(target: str, folder: Path) -> str:
    """The ``database:`` value for ``--to``: a URL as given, a file relative to the study."""
    if "://" in target:
        return target
    path = Path(target).expanduser()
    path = path if path.is_absolute() else Path.cwd() / path
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _empty(store) -> None:
    from research_kit import schema

    with store.transaction() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(table.delete())


def confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}

"""``research-kit new``: start a study folder, every setting and a starter codebook explained."""

from __future__ import annotations

import argparse

from research_kit.cli._output import EXIT_OK
from research_kit.study import new_study

__all__ = ["add_new_command"]


def add_new_command(commands: argparse._SubParsersAction) -> None:
    """Add ``new``."""
    new = commands.add_parser(
        "new",
        help="start a study folder: a commented study.yml, a starter codebook, a note template",
    )
    new.add_argument("study", help="the new study's folder (must not exist yet, or be empty)")
    new.set_defaults(run=_run_new)


def _run_new(args: argparse.Namespace) -> int:
    folder = new_study(args.study)
    print(f"started a study in {folder}/")
    print("   study.yml          settings, every one explained (docs/study-yml.md)")
    print("   codebook.yml       a starter theme and two codes to replace (docs/codebook.md)")
    print("   note_template.md   copy into notes/ for each interview")
    print("   notes/ survey/ process/   your raw material (see the README.txt in each)")
    print(f"next: edit study.yml, add notes, then run: research-kit check {args.study}")
    return EXIT_OK

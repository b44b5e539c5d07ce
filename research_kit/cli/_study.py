"""``research-kit check`` and ``summary``: a study's raw files validated, and what it holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from research_kit.checks import check_folder
from research_kit.cli._output import EXIT_OK, EXIT_PROBLEMS, format_summary, print_problems
from research_kit.study import open_study

__all__ = ["add_study_commands"]


def add_study_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``check`` and ``summary``."""
    check = commands.add_parser(
        "check", help="read and validate every raw file of a study (a linter for the folder)"
    )
    check.add_argument("study", nargs="?", default=".", help="study folder (default: here)")
    check.add_argument("--strict", action="store_true", help="exit with status 1 on warnings too")
    check.set_defaults(run=_run_check)

    summary = commands.add_parser("summary", help="print what a study holds")
    summary.add_argument("study", nargs="?", default=".", help="study folder (default: here)")
    summary.set_defaults(run=_run_summary)


def _run_check(args: argparse.Namespace) -> int:
    folder = Path(args.study)
    problems = check_folder(folder)
    print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    verdict = "clean" if not problems else f"{errors} error(s), {warnings} warning(s)"
    print(f"checked {folder}: {verdict}")
    if errors or (args.strict and warnings):
        return EXIT_PROBLEMS
    return EXIT_OK


def _run_summary(args: argparse.Namespace) -> int:
    with open_study(args.study, create=False) as study:
        print(format_summary(study.summary()))
    return EXIT_OK

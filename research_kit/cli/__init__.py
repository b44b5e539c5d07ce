"""The ``research-kit`` command: check a study, summarise it, audit briefs, run the demo.

Every command takes the study folder (the current folder by default). Bad input never shows a
traceback: errors from research_kit print as ``file:line: what is wrong — what to do`` and the
command exits with status 1 (problems found) or 2 (the study could not be opened at all).

Each command (or family of commands) lives in a module of its own here, which adds its parser
and runs it; this module puts them together in the order ``research-kit --help`` lists them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from research_kit.cli._agreement import add_agreement_command
from research_kit.cli._briefs import add_brief_commands, export_findings
from research_kit.cli._cluster import add_cluster_command
from research_kit.cli._database import add_database_commands
from research_kit.cli._demo import add_demo_command
from research_kit.cli._map import add_map_command
from research_kit.cli._new import add_new_command
from research_kit.cli._output import EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE, format_summary
from research_kit.cli._qdpx import add_qdc_commands, add_qdpx_commands
from research_kit.cli._study import add_study_commands
from research_kit.errors import ResearchKitError
from research_kit.version import __version__

__all__ = ["EXIT_OK", "EXIT_PROBLEMS", "EXIT_UNUSABLE", "export_findings", "format_summary", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_OK
    try:
        return args.run(args)
    except ResearchKitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="research-kit",
        description="Research and synthesis workbench for city innovation teams.",
    )
    parser.add_argument("--version", action="version", version=f"research-kit {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (
        add_new_command,
        add_study_commands,
        add_agreement_command,
        add_qdpx_commands,
        add_qdc_commands,
        add_cluster_command,
        add_map_command,
        add_brief_commands,
        add_database_commands,
        add_demo_command,
    ):
        add(commands)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

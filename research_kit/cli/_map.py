"""``research-kit map``: a process map drawn to SVG, PNG or PDF, with evidence pinned if asked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from research_kit.cli._output import EXIT_OK, EXIT_UNUSABLE
from research_kit.study import open_study

__all__ = ["add_map_command"]


def add_map_command(commands: argparse._SubParsersAction) -> None:
    """Add ``map``."""
    drawing = commands.add_parser(
        "map", help="draw a process map (swimlane or service blueprint) to SVG, PNG or PDF"
    )
    drawing.add_argument("--study", default=".", help="study folder (default: here)")
    drawing.add_argument("--kind", choices=("swimlane", "blueprint"), default="swimlane")
    drawing.add_argument(
        "--evidence",
        action="store_true",
        help="pin interview quotes and measured waits on the steps",
    )
    drawing.add_argument("-o", "--output", required=True, help="file to write (.svg/.png/.pdf)")
    drawing.set_defaults(run=_run_map)


def _run_map(args: argparse.Namespace) -> int:
    from research_kit.process.evidence import step_annotations
    from research_kit.process.render import save_figure, swimlane_figure

    if Path(args.output).suffix.lower() not in (".svg", ".png", ".pdf"):
        print(f"error: {args.output}: write the map as .svg, .png or .pdf", file=sys.stderr)
        return EXIT_UNUSABLE
    with open_study(args.study, create=False) as study:
        spec = study.process_map()
        notes = step_annotations(study, spec) if args.evidence else None
        path = save_figure(swimlane_figure(spec, kind=args.kind, annotations=notes), args.output)
    print(f"wrote {path}")
    return EXIT_OK

"""``research-kit map``: a process map drawn to SVG, PNG or PDF (evidence pinned if asked), or
written as BPMN 2.0 XML for bpmn.io, Camunda Modeler or Signavio (``-o map.bpmn``)."""

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
    drawing.add_argument(
        "-o", "--output", required=True, help="file to write (.svg/.png/.pdf, or .bpmn)"
    )
    drawing.set_defaults(run=_run_map)


def _run_map(args: argparse.Namespace) -> int:
    from research_kit.process.evidence import step_annotations
    from research_kit.process.render import save_figure, swimlane_figure

    suffix = Path(args.output).suffix.lower()
    if suffix not in (".svg", ".png", ".pdf", ".bpmn"):
        print(f"error: {args.output}: write the map as .svg, .png, .pdf or .bpmn", file=sys.stderr)
        return EXIT_UNUSABLE
    with open_study(args.study, create=False) as study:
        spec = study.process_map()
        if suffix == ".bpmn":
            from research_kit.process.bpmn import save_bpmn

            print(f"wrote {save_bpmn(spec, args.output)}")
            return EXIT_OK
        notes = step_annotations(study, spec) if args.evidence else None
        path = save_figure(swimlane_figure(spec, kind=args.kind, annotations=notes), args.output)
    print(f"wrote {path}")
    return EXIT_OK

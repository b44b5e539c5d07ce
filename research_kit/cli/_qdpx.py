"""``research-kit qdpx import|export`` and ``qdc import|export``: REFI-QDA in and out of a study.

A ``.qdpx`` is a whole project (codebook, notes, codings, memos, sets, cases); a ``.qdc`` is a
codebook alone (codes and code sets).
"""

from __future__ import annotations

import argparse
import json

from research_kit.cli._output import EXIT_OK
from research_kit.study import open_study

__all__ = ["add_qdc_commands", "add_qdpx_commands"]

#: ``--crlf`` choices: how the archive's offsets count a "\r\n" line break.
_CRLF = {"auto": None, "one": True, "two": False}


def add_qdpx_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``qdpx import`` and ``qdpx export``."""
    qdpx = commands.add_parser("qdpx", help="REFI-QDA projects (.qdpx): import and export")
    qdpx_commands = qdpx.add_subparsers(title="qdpx commands", metavar="ACTION")
    qdpx_import = qdpx_commands.add_parser("import", help="import a .qdpx into a study")
    qdpx_import.add_argument("file", help="the .qdpx file (ATLAS.ti, NVivo, MAXQDA, …)")
    qdpx_import.add_argument("--study", default=".", help="study folder (default: here)")
    qdpx_import.add_argument("--coder-prefix", help="put before every imported user name")
    qdpx_import.add_argument(
        "--skip-missing-sources",
        action="store_true",
        help="import codes, users and memos even when source texts are missing",
    )
    qdpx_import.add_argument(
        "--crlf",
        choices=list(_CRLF),
        default="auto",
        help="how the archive's offsets count a \\r\\n line break: as one character "
        "(ATLAS.ti), as two code points (the REFI-QDA standard), or auto (from the "
        "exporting tool; the default)",
    )
    qdpx_import.add_argument("--json", action="store_true", help="print the summary as JSON")
    qdpx_import.set_defaults(run=_run_qdpx_import)
    qdpx_export = qdpx_commands.add_parser("export", help="export a study as a .qdpx")
    qdpx_export.add_argument("--study", default=".", help="study folder (default: here)")
    qdpx_export.add_argument("-o", "--output", required=True, help="the .qdpx file to write")
    qdpx_export.set_defaults(run=_run_qdpx_export)


def _run_qdpx_import(args: argparse.Namespace) -> int:
    with open_study(args.study, create=False) as study:
        summary = study.import_qdpx(
            args.file,
            coder_prefix=args.coder_prefix,
            missing_sources="skip" if args.skip_missing_sources else "error",
            crlf_as_one=_CRLF[args.crlf],
        )
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    counts = ", ".join(f"{value} {key}" for key, value in summary.counts().items())
    print(f"imported {args.file} into {args.study}: {counts}")
    for document_id in summary.documents:
        print(f"  new note: {document_id}")
    return EXIT_OK


def _run_qdpx_export(args: argparse.Namespace) -> int:
    with open_study(args.study, create=False) as study:
        path = study.export_qdpx(args.output)
    print(f"wrote {path}")
    return EXIT_OK


def add_qdc_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``qdc import`` and ``qdc export`` (REFI-QDA codebooks)."""
    qdc = commands.add_parser("qdc", help="REFI-QDA codebooks (.qdc): import and export")
    qdc_commands = qdc.add_subparsers(title="qdc commands", metavar="ACTION")
    qdc_import = qdc_commands.add_parser(
        "import", help="merge a .qdc codebook into the study's codebook"
    )
    qdc_import.add_argument("file", help="the .qdc file (ATLAS.ti, NVivo, MAXQDA, …)")
    qdc_import.add_argument("--study", default=".", help="study folder (default: here)")
    qdc_import.set_defaults(run=_run_qdc_import)
    qdc_export = qdc_commands.add_parser("export", help="export the study's codebook as .qdc")
    qdc_export.add_argument("--study", default=".", help="study folder (default: here)")
    qdc_export.add_argument("-o", "--output", required=True, help="the .qdc file to write")
    qdc_export.set_defaults(run=_run_qdc_export)


def _run_qdc_import(args: argparse.Namespace) -> int:
    from research_kit.interviews.refi import import_qdc  # loaded only for this command

    with open_study(args.study, create=False) as study:
        added = import_qdc(study, args.file)
    print(f"imported {args.file} into {args.study}: {added} new codes")
    return EXIT_OK


def _run_qdc_export(args: argparse.Namespace) -> int:
    from research_kit.interviews.refi import export_qdc  # loaded only for this command

    with open_study(args.study, create=False) as study:
        path = export_qdc(study, args.output)
    print(f"wrote {path}")
    return EXIT_OK

"""``research-kit brief serve|export`` and ``privacy-audit``: briefs served, written, checked."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from research_kit.cli._output import EXIT_OK, EXIT_PROBLEMS
from research_kit.study import open_study

if TYPE_CHECKING:
    from research_kit.briefs.content import Findings

__all__ = ["add_brief_commands", "export_findings", "write_findings"]


def add_brief_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``brief serve``, ``brief export`` and ``privacy-audit``."""
    brief = commands.add_parser("brief", help="stakeholder briefs: serve with Voila, export")
    brief_commands = brief.add_subparsers(title="brief commands", metavar="ACTION")
    brief_serve = brief_commands.add_parser(
        "serve", help="serve a brief notebook (or a folder of them) as a dashboard"
    )
    brief_serve.add_argument(
        "notebook",
        nargs="?",
        help="notebook or folder (default: the findings brief installed with research_kit)",
    )
    brief_serve.add_argument("--port", type=int, default=8866)
    brief_serve.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default: this computer only)"
    )
    brief_serve.add_argument("--study", help="study folder (default: the notebook's STUDY)")
    brief_serve.add_argument("--organisation", default="", help="shown in the brief's header")
    brief_serve.add_argument("--logo", help="an image file for the header's logo slot")
    brief_serve.add_argument(
        "--no-preheat", action="store_true", help="start the kernel on the first view instead"
    )
    brief_serve.add_argument(
        "--audience",
        help="public, council or department (sets RESEARCH_KIT_AUDIENCE, which the findings "
        "brief reads; default: the notebook's AUDIENCE)",
    )
    brief_serve.set_defaults(run=_run_brief_serve)
    brief_export = brief_commands.add_parser(
        "export", help="render a brief's findings as a PDF report or a self-contained HTML page"
    )
    brief_export.add_argument(
        "notebook",
        nargs="?",
        help="the brief notebook (its STUDY and AUDIENCE; default: the installed findings brief)",
    )
    brief_export.add_argument("--to", choices=("pdf", "html"), default="pdf")
    brief_export.add_argument("-o", "--output", required=True, help="file to write")
    brief_export.add_argument("--study", help="study folder (default: the notebook's STUDY)")
    brief_export.add_argument(
        "--audience",
        help="who the brief is for: public (role-only quotes), council (ward by ward first) or "
        "department (process detail); default: the notebook's AUDIENCE",
    )
    brief_export.add_argument(
        "--packet",
        action="store_true",
        help="the Stat meeting packet instead: a summary page of every measure's status, then "
        "a page per measure (chart, status, owner, narrative, follow-up actions)",
    )
    brief_export.add_argument(
        "--as-of", help="the meeting's date for overdue actions, YYYY-MM-DD (default: today)"
    )
    brief_export.set_defaults(run=_run_brief_export)

    audit = commands.add_parser(
        "privacy-audit",
        help="scan briefs (PDF, HTML, CSV, XLSX, DOCX, text) for names, ids, contact details "
        "and small cells before they go out",
        description="Scan stakeholder outputs for the study's names, participant ids, note "
        "names and coders, e-mails, phone numbers, street addresses, unsuppressed small cells "
        "and labels that reveal a hidden cell's range. Prints one line per finding; exits 1 "
        "if anything is found, 0 if the files are clean, 2 if a file cannot be read.",
    )
    audit.add_argument("files", nargs="+", metavar="FILE", help="the briefs to scan")
    audit.add_argument("--study", default=".", help="study folder (default: here)")
    audit.add_argument(
        "--min-cell-size",
        type=int,
        help="counts below this are small cells (default: the study's min_cell_size)",
    )
    audit.set_defaults(run=_run_privacy_audit)


def _run_privacy_audit(args: argparse.Namespace) -> int:
    from research_kit.briefs.audit import format_findings, privacy_audit

    with open_study(args.study, create=False) as study:
        found = privacy_audit(study, args.files, min_cell_size=args.min_cell_size)
    print(format_findings(found, n_files=len(args.files)))
    return EXIT_PROBLEMS if len(found) else EXIT_OK


def _run_brief_serve(args: argparse.Namespace) -> int:
    from research_kit.briefs.audiences import AUDIENCE_ENV, audience_policy
    from research_kit.briefs.serve import serve_forever

    if args.audience:
        # The Voila kernels inherit this process's environment; the brief reads it.
        os.environ[AUDIENCE_ENV] = audience_policy(args.audience).name

    return serve_forever(
        args.notebook or _findings_brief(),
        port=args.port,
        ip=args.ip,
        preheat=not args.no_preheat,
        study=args.study,
        organisation=args.organisation,
        logo=args.logo,
    )


def _run_brief_export(args: argparse.Namespace) -> int:
    from research_kit.briefs.parameters import brief_parameters

    parameters = brief_parameters(args.notebook or _findings_brief())
    study_folder = Path(args.study) if args.study else parameters.study
    if getattr(args, "packet", False):
        from research_kit.briefs.packet import export_packet

        with open_study(study_folder, create=False) as study:
            path = export_packet(study, args.output, to=args.to, as_of=args.as_of)
        print(f"wrote {path}")
        return EXIT_OK
    audience = args.audience or parameters.audience
    path = export_findings(study_folder, args.output, to=args.to, audience=audience)
    print(f"wrote {path}")
    return EXIT_OK


def _findings_brief() -> Path:
    """The findings brief notebook shipped with research_kit."""
    from research_kit.briefs.serve import BRIEFS_DIR

    return BRIEFS_DIR / "findings.ipynb"


def export_findings(study_folder: Path, output: Path | str, *, to: str, audience: str) -> Path:
    """Assemble a study's findings and write them as a PDF report or a standalone HTML page."""
    from research_kit.briefs.findings import assemble_findings

    with open_study(study_folder, create=False) as study:
        findings = assemble_findings(study, audience=audience)
    return write_findings(findings, output, to=to)


def write_findings(findings: Findings, output: Path | str, *, to: str) -> Path:
    """Write assembled findings as a PDF report or a standalone HTML page."""
    from research_kit.briefs.report import export_html, export_pdf

    Path(output).parent.mkdir(parents=True, exist_ok=True)
    return (export_pdf if to == "pdf" else export_html)(findings, output)

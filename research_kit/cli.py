"""The ``research-kit`` command: check a study, summarise it, audit briefs, run the demo.

Every command takes the study folder (the current folder by default). Bad input never shows a
traceback: errors from research_kit print as ``file:line: what is wrong — what to do`` and the
command exits with status 1 (problems found) or 2 (the study could not be opened at all).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.checks import check_folder
from research_kit.errors import CodingError, Problem, ResearchKitError, StudyConfigError
from research_kit.study import open_study
from research_kit.version import __version__

if TYPE_CHECKING:
    from research_kit.briefs.content import Findings
    from research_kit.survey.themes import QuestionThemes

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2


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

    check = commands.add_parser(
        "check", help="read and validate every raw file of a study (a linter for the folder)"
    )
    check.add_argument("study", nargs="?", default=".", help="study folder (default: here)")
    check.add_argument("--strict", action="store_true", help="exit with status 1 on warnings too")
    check.set_defaults(run=_run_check)

    summary = commands.add_parser("summary", help="print what a study holds")
    summary.add_argument("study", nargs="?", default=".", help="study folder (default: here)")
    summary.set_defaults(run=_run_summary)

    agreement = commands.add_parser(
        "agreement", help="agreement between coders, per code and overall"
    )
    agreement.add_argument("--study", default=".", help="study folder (default: here)")
    agreement.add_argument("--coder", action="append", help="a coder to compare (repeatable)")
    agreement.add_argument("--unit", choices=("excerpt", "character"), default="excerpt")
    agreement.add_argument("--document", action="append", help="limit to these documents")
    agreement.add_argument(
        "--disagreements", action="store_true", help="also list every excerpt where coders differ"
    )
    agreement.add_argument("--json", action="store_true", help="print JSON instead of a table")
    agreement.set_defaults(run=_run_agreement)

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
    qdpx_import.add_argument("--json", action="store_true", help="print the summary as JSON")
    qdpx_import.set_defaults(run=_run_qdpx_import)
    qdpx_export = qdpx_commands.add_parser("export", help="export a study as a .qdpx")
    qdpx_export.add_argument("--study", default=".", help="study folder (default: here)")
    qdpx_export.add_argument("-o", "--output", required=True, help="the .qdpx file to write")
    qdpx_export.set_defaults(run=_run_qdpx_export)

    cluster = commands.add_parser(
        "cluster", help="themes of an open-ended survey question (saved edits replayed)"
    )
    cluster.add_argument("--study", default=".", help="study folder (default: here)")
    cluster.add_argument(
        "--question", default="0", help="question text, a unique start of it, or its number (0…)"
    )
    cluster.add_argument("--survey", help="survey id (default: the first)")
    cluster.add_argument("-k", "--clusters", default="auto", help="number of themes, or auto")
    cluster.add_argument("--by", help="also break the theme shares down by this attribute")
    cluster.add_argument("--quotes", type=int, default=2, help="quotes per theme")
    cluster.add_argument(
        "--fresh",
        action="store_true",
        help="cluster from scratch (by default a run starts from the question's last kept run)",
    )
    cluster.add_argument("-o", "--output", help="write every answer with its theme to this CSV")
    cluster.set_defaults(run=_run_cluster)

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

    brief = commands.add_parser("brief", help="stakeholder briefs: serve with Voila, export")
    brief_commands = brief.add_subparsers(title="brief commands", metavar="ACTION")
    brief_serve = brief_commands.add_parser(
        "serve", help="serve a brief notebook (or a folder of them) as a dashboard"
    )
    brief_serve.add_argument(
        "notebook", nargs="?", default="notebooks/briefs/findings.ipynb", help="notebook or folder"
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
    brief_serve.set_defaults(run=_run_brief_serve)
    brief_export = brief_commands.add_parser(
        "export", help="render a brief's findings as a PDF report or a self-contained HTML page"
    )
    brief_export.add_argument("notebook", help="the brief notebook (its STUDY and AUDIENCE)")
    brief_export.add_argument("--to", choices=("pdf", "html"), default="pdf")
    brief_export.add_argument("-o", "--output", required=True, help="file to write")
    brief_export.add_argument("--study", help="study folder (default: the notebook's STUDY)")
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

    demo = commands.add_parser(
        "demo", help="check the study, register its notes and codebook, print a summary"
    )
    demo.add_argument("study", nargs="?", default="interview_data", help="study folder")
    demo.add_argument("--out", default="out", help="folder for findings.pdf and findings.html")
    demo.add_argument(
        "--no-report", action="store_true", help="check, register and analyse only (no PDF/HTML)"
    )
    demo.set_defaults(run=_run_demo)
    return parser


def _run_check(args: argparse.Namespace) -> int:
    folder = Path(args.study)
    problems = check_folder(folder)
    _print_problems(problems)
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


def _run_agreement(args: argparse.Namespace) -> int:
    from research_kit.interviews.agreement import (
        coder_agreement,
        disagreements,
        pairwise_agreement,
    )

    options = {"coders": args.coder, "unit": args.unit, "documents": args.document}
    with open_study(args.study, create=False) as study:
        table = coder_agreement(study, **options)
        compared = list(table["coders"].iloc[0])
        # Kappa is for two coders: with more, each pair gets its own (on the notes it shares).
        pairs = pairwise_agreement(study, **options) if len(compared) > 2 else None
        differing = disagreements(study, **options) if args.disagreements else None
    if args.json:
        payload = _agreement_payload(table, differing)
        if pairs is not None:
            payload["pairs"] = json.loads(pairs.to_json(orient="records"))
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"agreement by {table['unit'].iloc[0]} between {', '.join(compared)}")
    shown = table.drop(columns=list(_AGREEMENT_CONTEXT))
    print(shown.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    if pairs is not None:
        print("\nCohen's kappa for each pair of coders (overall, on the notes both coded)")
        print(pairs.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    if differing is not None:
        print(f"\n{len(differing)} disagreement(s)")
        print(differing.drop(columns=["text"]).to_string(index=False))
    return EXIT_OK


#: Columns of the agreement table that are the same in every row: said once, above the rows.
_AGREEMENT_CONTEXT = ("level", "coders", "documents")


def _agreement_payload(table: pd.DataFrame, differing: pd.DataFrame | None) -> dict:
    first = table.iloc[0]
    records = json.loads(table.drop(columns=list(_AGREEMENT_CONTEXT)).to_json(orient="records"))
    payload = {
        "unit": first["unit"],
        "level": first["level"],
        "coders": list(first["coders"]),
        "documents": list(first["documents"]),
        "codes": [record for record in records if record["code_id"] != "overall"],
        "overall": next(record for record in records if record["code_id"] == "overall"),
    }
    if differing is not None:
        payload["disagreements"] = json.loads(differing.to_json(orient="records"))
    return payload


def _run_qdpx_import(args: argparse.Namespace) -> int:
    with open_study(args.study, create=False) as study:
        summary = study.import_qdpx(
            args.file,
            coder_prefix=args.coder_prefix,
            missing_sources="skip" if args.skip_missing_sources else "error",
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


def _run_privacy_audit(args: argparse.Namespace) -> int:
    from research_kit.briefs.audit import format_findings, privacy_audit

    with open_study(args.study, create=False) as study:
        found = privacy_audit(study, args.files, min_cell_size=args.min_cell_size)
    print(format_findings(found, n_files=len(args.files)))
    return EXIT_PROBLEMS if len(found) else EXIT_OK


def _run_brief_serve(args: argparse.Namespace) -> int:
    from research_kit.briefs.serve import serve_forever

    return serve_forever(
        args.notebook,
        port=args.port,
        ip=args.ip,
        preheat=not args.no_preheat,
        study=args.study,
        organisation=args.organisation,
        logo=args.logo,
    )


def _run_brief_export(args: argparse.Namespace) -> int:
    from research_kit.briefs.parameters import brief_parameters

    parameters = brief_parameters(args.notebook)
    study_folder = Path(args.study) if args.study else parameters.study
    path = export_findings(study_folder, args.output, to=args.to, audience=parameters.audience)
    print(f"wrote {path}")
    return EXIT_OK


def export_findings(study_folder: Path, output: Path | str, *, to: str, audience: str) -> Path:
    """Assemble a study's findings and write them as a PDF report or a standalone HTML page."""
    from research_kit.briefs.findings import assemble_findings

    with open_study(study_folder, create=False) as study:
        findings = assemble_findings(study, audience=audience)
    return _write_findings(findings, output, to=to)


def _write_findings(findings: Findings, output: Path | str, *, to: str) -> Path:
    """Write assembled findings as a PDF report or a standalone HTML page."""
    from research_kit.briefs.report import export_html, export_pdf

    Path(output).parent.mkdir(parents=True, exist_ok=True)
    return (export_pdf if to == "pdf" else export_html)(findings, output)


def _run_demo(args: argparse.Namespace) -> int:
    from research_kit.interviews.coding_io import import_shipped_codings

    folder = Path(args.study)
    print(f"== 1. checking every raw file of {folder}")
    problems = check_folder(folder)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    print(f"   {len(problems)} problem(s), {errors} error(s)")
    if errors:
        print("the study has errors; fix them and run the demo again", file=sys.stderr)
        return EXIT_PROBLEMS
    with open_study(folder, create=False) as study:
        print(
            "== 2. registering notes and codebook, and importing the study's codings files, in "
            f"{study.store.location_for_messages()}"
        )
        registered = study.register_documents()
        n_codes = study.register_codebook()
        counts = registered["status"].value_counts().to_dict()
        print(f"   documents: {_counts_text(counts)}; codes: {n_codes}")
        # The one place the shipped codings are imported: briefs and analyses only read.
        imported = import_shipped_codings(study)
        for path in study.settings.codings:
            print(f"   codings from {path.name}: {_import_text(imported, str(path))}")
        changed = registered.loc[registered["status"] == "changed", "document_id"].tolist()
        if changed:
            print(f"   these notes changed since they were registered: {', '.join(changed)}")
        print("== 3. what the study holds")
        print(format_summary(study.summary()))
        answer_themes = _demo_analyses(study)
        if args.no_report:
            return EXIT_OK
        print(f"== 5. writing the findings to {args.out}/")
        findings = _demo_findings(study, answer_themes)
    out = Path(args.out)
    written = []
    for kind in ("pdf", "html"):
        started = time.perf_counter()
        path = _write_findings(findings, out / f"findings.{kind}", to=kind)
        seconds = time.perf_counter() - started
        print(f"   {path} ({path.stat().st_size / 1024:,.0f} KiB, {seconds:.1f} s)")
        written.append(path)
    _demo_audit(folder, written)
    print("== done. Open the PDF or the HTML page above; for the live dashboard run: make serve")
    return EXIT_OK


def _demo_audit(folder: Path, written: list[Path]) -> None:
    """Audit the brief the demo wrote and print what it gives away (the demo goes on)."""
    from research_kit.briefs.audit import format_findings, privacy_audit

    print(f"== 6. privacy audit of {', '.join(str(path) for path in written)}")
    with open_study(folder, create=False) as study:
        found = privacy_audit(study, written)
    for line in format_findings(found, n_files=len(written)).splitlines():
        print(f"   {line}")
    if len(found):
        print(
            f"   WARNING: the brief above has {len(found)} privacy finding(s); fix them before "
            "it goes to anyone (research-kit privacy-audit FILE… --study DIR to re-check)"
        )


def _run_cluster(args: argparse.Namespace) -> int:
    from research_kit.privacy import safe_for_spreadsheet
    from research_kit.survey.themes import cluster_question

    question = int(args.question) if args.question.isdigit() else args.question
    k = int(args.clusters) if str(args.clusters).isdigit() else args.clusters
    with open_study(args.study, create=False) as study:
        themes = cluster_question(
            study,
            question,
            survey_id=args.survey,
            n_clusters=k,
            n_quotes=args.quotes,
            fresh=args.fresh,
        )
        counts = themes.counts.iloc[0]
        print(f"{themes.question}")
        print(themes.how_started())
        print(
            f"{int(counts['answered']):,} answers in {len(themes.themes)} themes; "
            f"{int(counts['non_answer']):,} non-answers and {int(counts['blank']):,} blanks "
            "not clustered"
        )
        if k == "auto":
            print(f"k: {themes.clusterer.criterion_}")
        shares = themes.shares().set_index("category")
        weighted = "weighted" if shares["weighted"].any() else "unweighted"
        for row in themes.themes.itertuples(index=False):
            estimate = shares.loc[row.name]
            print(
                f"\n[{row.cluster}] {row.name} — {row.size:,} answers; "
                f"{estimate['share']:.0%} ± {estimate['margin_of_error']:.0%} ({weighted})"
            )
            print(f"    terms: {', '.join(row.top_terms)}")
            for quote in row.quotes:
                print(f"    “{_one_line(quote, 110)}”")
        for edit in themes.edits.itertuples(index=False):
            print(f"edit {edit.seq} ({edit.kind}): {edit.status} — {edit.reason}")
        if args.by:
            table = themes.shares(args.by)
            columns = ["group", "category", "n", "share", "margin_of_error", "significant"]
            tests = table["test"].dropna()
            test = tests.iloc[0] if len(tests) else "no test"
            print(f"\nby {args.by} ({test}; cells under {study.min_cell_size} suppressed)")
            print(table[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if args.output:
            columns = ["respondent_id", "cluster", "cluster_name", "confidence", "edited", "text"]
            safe_for_spreadsheet(themes.assignments[columns]).to_csv(
                args.output, index=False, encoding="utf-8-sig"
            )
            print(f"\nwrote {args.output}")
    return EXIT_OK


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _demo_findings(study, answer_themes: QuestionThemes | None) -> Findings:
    """The public findings, assembled once for the PDF and the HTML page.

    ``answer_themes`` (the survey themes the demo printed, or None) are reused, so the open
    answers are clustered once and the brief shows the themes the demo reported.
    """
    from research_kit.briefs.findings import assemble_findings

    started = time.perf_counter()
    findings = assemble_findings(study, audience="public", answer_themes=answer_themes)
    print(f"   findings assembled in {time.perf_counter() - started:.1f} s")
    return findings


def _demo_analyses(study) -> QuestionThemes | None:
    """Print one line per analysis; return the survey themes (None without open answers)."""
    from research_kit import interviews as iv
    from research_kit import process as pm

    print("== 4. analyses")
    themes = iv.code_frequencies(study, by="theme")
    top = themes.iloc[0]
    print(f"   interviews: most-coded theme {top['theme']!r} ({int(top['excerpts'])} excerpts)")
    if len(iv.coders(study)) >= 2:
        print(f"   agreement: {_agreement_text(study)}")
    answer_themes = None
    if study.settings.surveys and study.survey_source().open_ended:
        answer_themes = _demo_survey(study)
    if study.settings.event_logs:
        log = study.event_log()
        worst = pm.bottlenecks(log, by="activity", rank="median").iloc[0]
        print(
            f"   process: {log['case_id'].nunique():,} cases, {len(pm.variants(log)):,} "
            f"variants; longest median wait before {worst['activity']!r} "
            f"({pm.format_duration(worst['median'])})"
        )
    return answer_themes


def _agreement_text(study) -> str:
    """Kappa for each pair of coders; with three or more, alpha over all of them as well."""
    from research_kit import interviews as iv

    pairs = iv.pairwise_agreement(study)
    if len(pairs) == 1:
        pair = pairs.iloc[0]
        return (
            f"Cohen's kappa {pair['cohen_kappa']:.2f}, "
            f"Krippendorff's alpha {pair['krippendorff_alpha']:.2f} (by excerpt)"
        )
    kappas = ", ".join(
        f"{row.coder_a}–{row.coder_b} {row.cohen_kappa:.2f}"
        if row.n_documents
        else f"{row.coder_a}–{row.coder_b} no note in common"
        for row in pairs.itertuples(index=False)
    )
    try:
        overall = iv.coder_agreement(study).iloc[-1]
        together = (
            f"Krippendorff's alpha {overall['krippendorff_alpha']:.2f} over all "
            f"{int(overall['n_coders'])} coders ({int(overall['n_documents'])} note(s) all coded)"
        )
    except CodingError:  # no note was coded by every coder: the pairs still say something
        together = "no note was coded by every coder, so no alpha over all of them"
    return f"{together}; Cohen's kappa by pair: {kappas} (by excerpt)"


def _demo_survey(study) -> QuestionThemes:
    from research_kit.survey.themes import cluster_question

    themes = cluster_question(study, 0)
    top = themes.themes.iloc[0]
    shares = themes.shares().set_index("category")
    estimate = shares.loc[top["name"]]
    kind = "weighted" if shares["weighted"].any() else "unweighted"
    print(
        f"   survey: {len(themes.assignments):,} answers to {themes.question!r} in "
        f"{len(themes.themes)} themes; largest {top['name']!r}, "
        f"{estimate['share']:.0%} ± {estimate['margin_of_error']:.0%} ({kind})"
    )
    return themes


def _import_text(imported: pd.DataFrame, file: str) -> str:
    """One codings file's import, coder by coder: "J.R. 120 (120 new); M.K. 80 (0 new)"."""
    summary = imported[imported["file"] == file]
    return "; ".join(
        f"{row.coder} {row.codings} ({row.new} new)" for row in summary.itertuples(index=False)
    )


def format_summary(summary: pd.DataFrame) -> str:
    """Render a study summary table as indented text, one section per block."""
    lines = []
    for section, rows in summary.groupby("section", sort=False):
        lines.append(section)
        width = max(len(str(item)) for item in rows["item"])
        for item, value in zip(rows["item"], rows["value"], strict=True):
            lines.append(f"  {item!s:<{width}}  {value}")
    return "\n".join(lines)


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
        if not (args.yes or _confirmed("make them agree?")):
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
    print(f"copied {_counts_text(counts)} rows from {source}")
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


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem)


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items())) or "none"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

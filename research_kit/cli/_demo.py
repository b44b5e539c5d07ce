"""``research-kit demo``: check a study, register it, import its codings, analyse, write the brief.

The one command that writes the shipped codings into the study (and says so); everything it
prints after that is a read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.checks import check_folder
from research_kit.cli._briefs import write_findings
from research_kit.cli._output import (
    EXIT_OK,
    EXIT_PROBLEMS,
    counts_text,
    format_summary,
    print_problems,
)
from research_kit.errors import CodingError
from research_kit.resources import copy_sample_study
from research_kit.study import open_study

if TYPE_CHECKING:
    from research_kit.briefs.content import Findings
    from research_kit.survey.themes import QuestionThemes

__all__ = ["SAMPLE_COPY", "add_demo_command"]

#: Where ``research-kit demo`` with no study puts its copy of the bundled sample (in the cwd).
SAMPLE_COPY = "sample_study"


def add_demo_command(commands: argparse._SubParsersAction) -> None:
    """Add ``demo``."""
    demo = commands.add_parser(
        "demo", help="check the study, register its notes and codebook, print a summary"
    )
    demo.add_argument(
        "study",
        nargs="?",
        help=f"study folder (default: {SAMPLE_COPY}/, a copy of the bundled sample study, made "
        "here when missing)",
    )
    demo.add_argument("--out", default="out", help="folder for findings.pdf and findings.html")
    demo.add_argument(
        "--no-report", action="store_true", help="check, register and analyse only (no PDF/HTML)"
    )
    demo.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from research_kit.interviews.coding_io import import_shipped_codings

    folder = _demo_folder(args.study)
    print(f"== 1. checking every raw file of {folder}")
    problems = check_folder(folder)
    print_problems(problems)
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
        print(f"   documents: {counts_text(counts)}; codes: {n_codes}")
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
        path = write_findings(findings, out / f"findings.{kind}", to=kind)
        seconds = time.perf_counter() - started
        print(f"   {path} ({path.stat().st_size / 1024:,.0f} KiB, {seconds:.1f} s)")
        written.append(path)
    _demo_audit(folder, written)
    print(
        "== done. Open the PDF or the HTML page above; for the live dashboard run: "
        f"research-kit brief serve --study {folder} (in a clone: make serve)"
    )
    return EXIT_OK


def _demo_folder(study: str | None) -> Path:
    """The study the demo runs on; by default a copy of the bundled sample, made when missing."""
    if study is not None:
        return Path(study)
    folder = Path(SAMPLE_COPY)
    if not folder.exists():
        copy_sample_study(folder)
        print(f"== 0. copied the bundled sample study to {folder}/ (the demo works on the copy)")
    return folder


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
        f"{themes.clusterer.n_themes_} themes; largest {top['name']!r}, "
        f"{estimate['share']:.0%} ± {estimate['margin_of_error']:.0%} ({kind})"
    )
    return themes


def _import_text(imported: pd.DataFrame, file: str) -> str:
    """One codings file's import, coder by coder: "J.R. 120 (120 new); M.K. 80 (0 new)"."""
    summary = imported[imported["file"] == file]
    return "; ".join(
        f"{row.coder} {row.codings} ({row.new} new)" for row in summary.itertuples(index=False)
    )

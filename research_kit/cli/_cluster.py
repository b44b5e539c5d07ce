"""``research-kit cluster``: the themes of an open-ended survey question, printed (and saved)."""

from __future__ import annotations

import argparse

from research_kit.cli._output import EXIT_OK
from research_kit.study import open_study

__all__ = ["add_cluster_command", "one_line"]


def add_cluster_command(commands: argparse._SubParsersAction) -> None:
    """Add ``cluster``."""
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
            f"{int(counts['answered']):,} answers in {themes.clusterer.n_themes_} themes"
            f"{_set_aside(themes)}; "
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
                print(f"    “{one_line(quote, 110)}”")
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


def one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _set_aside(themes) -> str:
    """The set-aside groups after the number of themes ("" when there are none)."""
    groups = themes.clusterer.groups_
    if groups.empty:
        return ""
    return (
        " (set aside, not themes: "
        + "; ".join(
            f"{name}: {size:,}" for name, size in zip(groups["name"], groups["size"], strict=True)
        )
        + ")"
    )

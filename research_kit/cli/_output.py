"""What every ``research-kit`` command shares: exit statuses and how lists and counts print."""

from __future__ import annotations

import pandas as pd

from research_kit.errors import Problem

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_UNUSABLE",
    "counts_text",
    "format_summary",
    "print_problems",
]

#: Exit statuses: done, problems found, the study (or a file) could not be used at all.
EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2


def format_summary(summary: pd.DataFrame) -> str:
    """Render a study summary table as indented text, one section per block."""
    lines = []
    for section, rows in summary.groupby("section", sort=False):
        lines.append(section)
        width = max(len(str(item)) for item in rows["item"])
        for item, value in zip(rows["item"], rows["value"], strict=True):
            lines.append(f"  {item!s:<{width}}  {value}")
    return "\n".join(lines)


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem)


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items())) or "none"

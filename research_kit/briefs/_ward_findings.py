"""The council's "Ward by ward" part of a brief: every ward side by side, small groups hidden.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`wards_section` for an audience with ``ward_overview``
(:mod:`research_kit.briefs.audiences`). Per ward: survey respondents, interview participants,
cases in the event log and the median time from a case's first to its last event. Counts of
people and of cases go through :func:`research_kit.privacy.suppress_table` (one-way tables
whose totals the brief publishes elsewhere), and a median is hidden with its count.
"""

from __future__ import annotations

import pandas as pd

from research_kit import privacy, viz
from research_kit import process as pm
from research_kit.briefs.content import SUPPRESSED, FigureSpec, Section, Table

__all__ = ["wards_section"]

#: Column headings of the ward table, by the material they count.
_COUNTS = {
    "survey": "Survey respondents",
    "interviews": "Interviewees",
    "process": "Cases",
}
_MEDIAN = "Median days per case"


def wards_section(
    study,
    wards: list[str],
    *,
    survey: pd.DataFrame | None,
    notes: pd.DataFrame | None,
    log: pd.DataFrame | None,
    ward: str | None,
) -> Section:
    """Every ward of the study side by side (the chosen ward marked), for the council."""
    columns: dict[str, list[str]] = {"Ward": [f"{w} (chosen)" if w == ward else w for w in wards]}
    medians = None
    for strand, table in (("survey", survey), ("interviews", notes), ("process", log)):
        if table is None or "ward" not in table.columns:
            continue
        key = "case_id" if strand == "process" else None
        counts = _ward_counts(table, wards, key=key)
        shown = _suppressed(counts, study.min_cell_size)
        columns[_COUNTS[strand]] = [
            SUPPRESSED if hidden else f"{int(n):,}"
            for n, hidden in zip(shown["n"], shown["suppressed"], strict=True)
        ]
        if strand == "process":
            medians = _median_days(table, wards).where(~shown["suppressed"].to_numpy())
            columns[_MEDIAN] = [
                SUPPRESSED if hidden else ("" if pd.isna(days) else f"{days:.0f}")
                for days, hidden in zip(medians, shown["suppressed"], strict=True)
            ]
    frame = pd.DataFrame(columns)
    figures = [] if medians is None or medians.isna().all() else [_median_figure(wards, medians)]
    return Section(
        id="wards",
        title="Ward by ward",
        summary=(
            f"The study's material side by side for its {len(wards)} wards. Groups smaller "
            f"than {study.min_cell_size} are suppressed, and so is another where a hidden one "
            "could be worked out from the totals."
        )
        if wards
        else "The study records no wards, so its material cannot be compared by ward.",
        tables=[
            Table(
                "Material and case times by ward",
                frame,
                "Cases: in the event log. Median days per case: from its first to its last "
                "recorded event.",
            )
        ]
        if wards
        else [],
        figures=figures,
    )


def _ward_counts(table: pd.DataFrame, wards: list[str], *, key: str | None) -> pd.Series:
    """Rows (or distinct ``key`` values: cases) per ward, in the order of ``wards``."""
    known = table.dropna(subset=["ward"])
    grouped = known.groupby(known["ward"].astype(str))
    counts = grouped[key].nunique() if key else grouped.size()
    return counts.reindex(wards, fill_value=0).astype(int)


def _suppressed(counts: pd.Series, min_cell_size: int) -> pd.DataFrame:
    """The counts as a one-way table through the privacy gate (the total is published)."""
    frame = pd.DataFrame({"what": "all", "ward": counts.index, "n": counts.to_numpy()})
    return privacy.suppress_table(
        frame, row="what", column="ward", count="n", min_cell_size=min_cell_size, margins="rows"
    ).set_index("ward")


def _median_days(log: pd.DataFrame, wards: list[str]) -> pd.Series:
    """Median days from a case's first to its last event, per ward (a case's first ward)."""
    durations = pm.case_durations(log)
    ward_of = log.dropna(subset=["ward"]).groupby("case_id", sort=False)["ward"].first()
    durations = durations.assign(ward=durations["case_id"].map(ward_of).astype("object"))
    days = durations["duration"].dt.total_seconds() / 86400
    return days.groupby(durations["ward"].astype(str)).median().reindex(wards)


def _median_figure(wards: list[str], medians: pd.Series) -> FigureSpec:
    chart = pd.DataFrame({"Ward": wards, "Median days": medians.to_numpy()}).dropna()
    ax = viz.bar_chart(
        chart, x="Median days", y="Ward", title="Median days from first to last step"
    )
    alt = "Bar chart of the median days a case takes, by ward: " + "; ".join(
        f"{w} {d:.0f} days" for w, d in zip(chart["Ward"], chart["Median days"], strict=True)
    )
    return FigureSpec(
        viz.figure_svg(ax.figure, alt),
        alt,
        "Median time from a case's first to its last recorded event, by the ward of the case "
        "(wards with too few cases are left out).",
    )

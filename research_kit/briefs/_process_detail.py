"""The department's "Process detail" part of a brief: the process in full, for those who run it.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`process_detail_section` for an audience with ``process_detail``
(:mod:`research_kit.briefs.audiences`). It shows what the process section summarises: the wait
before every step (not only the five longest), the most common paths cases take, the steps
done more than once in a case, the deviations from the designed map (conformance) and every
deadline of ``study.yml``. Case ids never appear: every table counts cases.
"""

from __future__ import annotations

import warnings

import pandas as pd

from research_kit import process as pm
from research_kit.briefs._process_findings import wait_table
from research_kit.briefs.content import SUPPRESSED, Section, Table
from research_kit.errors import ResearchKitError

__all__ = ["process_detail_section"]

#: How many paths, repeated steps and deviations the tables list, most cases first.
_TOP = 10


def process_detail_section(study, log: pd.DataFrame, *, ward: str | None) -> Section:
    """Every step's wait, common paths, rework, conformance and deadlines of ``log``."""
    where = f" in {ward}" if ward else ""
    n_cases = log["case_id"].nunique()
    paths = pm.variants(log)
    waits = pm.bottlenecks(log, by="activity").sort_values("median", ascending=False)
    tables = [
        Table("The wait before every step, longest median first", wait_table(waits)),
        _paths_table(paths, n_cases),
        _rework_table(pm.rework(log)),
    ]
    notices = []
    if study.settings.process_maps:
        tables.append(_deviations_table(study, log))
    if study.settings.deadlines:
        try:
            tables.append(_deadlines_table(study, log, ward=ward))
        except ResearchKitError as error:  # a deadline naming a step the log never records
            notices.append(f"Deadlines not shown: {error}")
    summary = (
        f"The process in full for the {n_cases:,} cases{where}: they took {len(paths):,} "
        "different paths through the steps."
    )
    return Section(
        id="process_detail",
        title="Process detail",
        summary=summary,
        tables=tables,
        notice=" ".join(notices) or None,
    )


def _paths_table(paths: pd.DataFrame, n_cases: int) -> Table:
    top = paths.head(_TOP)
    frame = pd.DataFrame(
        {
            "Path": top["variant"].astype(str),
            "Steps": top["length"].astype(int),
            "Cases": top["count"].astype(int),
            "Share of cases": top["share"].map(lambda s: f"{s:.0%}"),
        }
    )
    covered = float(top["share"].sum()) if len(top) else 0.0
    return Table(
        f"The {len(top)} most common paths, most cases first",
        frame,
        f"These paths cover {covered:.0%} of the {n_cases:,} cases.",
    )


def _rework_table(rework: pd.DataFrame) -> Table:
    repeated = rework[rework["cases_with_rework"] > 0].head(_TOP)
    frame = pd.DataFrame(
        {
            "Step": repeated["activity"],
            "Cases with the step": repeated["cases"].astype(int),
            "Cases repeating it": repeated["cases_with_rework"].astype(int),
            "Share repeating": repeated["rework_share"].map(lambda s: f"{s:.0%}"),
        }
    )
    return Table(
        "Repeated work: steps done more than once in a case",
        frame,
        "A repeat is a step that happens again in the same case (a second review, say).",
    )


def _deviations_table(study, log: pd.DataFrame) -> Table:
    with warnings.catch_warnings():  # steps the log never records: the map's own check says so
        warnings.simplefilter("ignore", pm.UnmatchedActivitiesWarning)
        result = pm.conformance(study.process_map(), log)
    fitting = float(result.overall["fitting_share"].iloc[0])
    deviations = result.deviations.head(_TOP)
    steps = deviations["label"].fillna(deviations["activity"]).astype(str)
    frame = pd.DataFrame(
        {
            # One column: a step with several kinds of deviation is not a group heading.
            "Step: deviation": steps + ": " + deviations["deviation"].astype(str),
            "Cases": deviations["cases"].astype(int),
            "Share of cases": deviations["share"].map(lambda s: f"{s:.0%}"),
        }
    )
    return Table(
        "Where cases leave the designed process, most cases first",
        frame,
        f"{fitting:.0%} of cases follow the designed map from start to end.",
    )


def _deadlines_table(study, log: pd.DataFrame, *, ward: str | None) -> Table:
    by_ward = ward is not None and "ward" in log.columns
    summary = pm.study_deadlines(study, by="ward" if by_ward else None).summary
    rows = summary[summary["group"] == ward] if by_ward else summary[summary["by"] == "all"]
    frame = pd.DataFrame(
        {
            "Deadline": rows["deadline"].astype(str),
            "Target": rows["target"].astype(str),
            "Cases": [
                _count(n, s) for n, s in zip(rows["n_cases"], rows["suppressed"], strict=True)
            ],
            "Within": [
                _count(n, s) for n, s in zip(rows["n_within"], rows["suppressed"], strict=True)
            ],
            "Missed": [
                _count(n, s) for n, s in zip(rows["n_breached"], rows["suppressed"], strict=True)
            ],
            "Share within (95% interval)": [
                SUPPRESSED if s or pd.isna(p) else f"{p:.0%} ({low:.0%}–{high:.0%})"
                for p, low, high, s in zip(
                    rows["share_within"],
                    rows["ci_low"],
                    rows["ci_high"],
                    rows["suppressed"],
                    strict=True,
                )
            ],
        }
    )
    return Table(
        "Deadlines: cases decided within their target" + (f" in {ward}" if by_ward else ""),
        frame,
        "Open cases whose target has not yet passed are left out of the share.",
    )


def _count(value, suppressed: bool) -> str:
    return SUPPRESSED if suppressed or pd.isna(value) else f"{int(value):,}"

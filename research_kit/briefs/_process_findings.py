"""The process part of a brief: the process as the event log shows it, with interview evidence on
its steps, and the before/after comparison of the pilot.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`process_section`; quotes on the swimlane pass the brief's gate.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from research_kit import process as pm
from research_kit import viz
from research_kit.briefs._interview_findings import clean_quote
from research_kit.briefs.content import (
    FigureSpec,
    LazyPages,
    Section,
    Table,
    shorten,
)
from research_kit.privacy import StakeholderGate

__all__ = ["PILOT_DATE", "PILOT_PERMIT_TYPE", "days", "process_section", "wait_table"]

#: The Small Business Express pilot: cases started on or after this date, of this permit type,
#: are compared with those before (the sample study's process change).
PILOT_DATE = "2025-07-01"
PILOT_PERMIT_TYPE = "Tenant improvement"
#: Activities whose share of cases the before/after comparison reports (when the log has them).
_PILOT_ACTIVITIES = ("Request missing documents", "Request plan corrections")
#: A step counts as a possible bottleneck when at least this share of cases reaches it.
_COMMON_STEP = 0.10
#: Step evidence on the swimlane: quotes are read whole, redacted, then cut to this length.
_WHOLE_QUOTE = 100_000
_STEP_QUOTE_LENGTH = 200
#: The text block, in inches, a page of the swimlane fills in the PDF: A4 portrait (174 by
#: 255 mm inside the report's margins) less room for a caption.
_PRINT_PAGE = (6.8, 9.2)


def process_section(
    study, log, coder, *, ward, facts, gate: StakeholderGate, ward_attribution: bool = True
) -> Section:
    """The process section of a brief: the process map with evidence on its steps, and the log.

    ``ward_attribution=False`` (a brief for the public) attributes the quotes on the map by
    role only.
    """
    figures = [_process_figure(study, log, coder, gate, ward_attribution=ward_attribution)]
    n_cases = log["case_id"].nunique()
    waits = pm.bottlenecks(log, by="activity")
    # A step few cases reach (withdrawal, say) is not a bottleneck, however long its wait.
    waits = waits[waits["count"] >= _COMMON_STEP * n_cases]
    waits = waits.sort_values("median", ascending=False, kind="stable").head(5)
    tables = [
        Table(
            "Longest waits: the time before each step starts, longest median first",
            wait_table(waits),
            f"Steps reached by at least {_COMMON_STEP:.0%} of cases. "
            "Durations: d = days, wk = weeks, h = hours.",
        )
    ]
    if not waits.empty:
        top = waits.iloc[0]
        facts["bottleneck"] = (str(top["activity"]), top["median"], top["p90"])
    summary = f"{n_cases:,} permit cases" + (f" in {ward}" if ward else "") + " in the event log."
    if "bottleneck" in facts:
        activity, median, _ = facts["bottleneck"]
        summary += f" The longest wait is before {activity} (median {days(median)})."

    if "permit_type" in log.columns:
        pilot = pm.filter_cases(log, permit_type=PILOT_PERMIT_TYPE)
        if pilot["case_id"].nunique() >= 2 * study.min_cell_size:
            result = pm.compare_periods(
                pilot, PILOT_DATE, timezone=study.settings.timezone or "UTC"
            )
            summary_rows = result.summary.set_index("label")
            if {"before", "after"} <= set(summary_rows.index) and min(
                summary_rows.loc[["before", "after"], "cases"]
            ) >= study.min_cell_size:
                acts = result.activities.set_index("activity")
                rows = [
                    (
                        "Cases",
                        f"{summary_rows.loc['before', 'cases']:,}",
                        f"{summary_rows.loc['after', 'cases']:,}",
                    ),
                    (
                        "Median time, first to last event",
                        pm.format_duration(summary_rows.loc["before", "median_duration"]),
                        pm.format_duration(summary_rows.loc["after", "median_duration"]),
                    ),
                    (
                        "Events per case",
                        f"{summary_rows.loc['before', 'events_per_case']:.1f}",
                        f"{summary_rows.loc['after', 'events_per_case']:.1f}",
                    ),
                ]
                for activity in _PILOT_ACTIVITIES:
                    if activity in acts.index:
                        rows.append(
                            (
                                f"Cases with \u201c{activity}\u201d",
                                f"{acts.loc[activity, 'share_before']:.0%}",
                                f"{acts.loc[activity, 'share_after']:.0%}",
                            )
                        )
                when = pd.Timestamp(PILOT_DATE).strftime("%-d %B %Y")
                tables.append(
                    Table(
                        f"{PILOT_PERMIT_TYPE} permits before and after {when}",
                        pd.DataFrame(
                            rows,
                            columns=[
                                "Measure",
                                f"Started before {when}",
                                f"Started on or after {when}",
                            ],
                        ),
                        "Cases are split by when they started; recent cases may still be open.",
                    )
                )
                facts["pilot"] = (
                    when,
                    summary_rows.loc["before", "median_duration"],
                    summary_rows.loc["after", "median_duration"],
                )
    return Section(
        id="process",
        title="Where applications get stuck",
        summary=summary,
        tables=tables,
        figures=figures,
    )


def wait_table(waits: pd.DataFrame) -> pd.DataFrame:
    """The waits before steps (:func:`research_kit.process.bottlenecks` rows) for readers."""
    return pd.DataFrame(
        {
            "Step": waits["activity"],
            "Waits": waits["count"].astype(int),
            "Median wait": waits["median"].map(pm.format_duration),
            "90th percentile": waits["p90"].map(pm.format_duration),
            "Share of all waiting": waits["share_of_wait"].map(lambda s: f"{s:.0%}"),
        }
    )


def _process_figure(
    study, log, coder, gate: StakeholderGate, *, ward_attribution: bool
) -> FigureSpec:
    """The process as designed with evidence on its steps; as mined when there is no map."""
    if not study.settings.process_maps:
        alt = (
            "Map of the paths cases take, mined from the event log: each arrow is one step "
            "following another, labelled with how many times it happened."
        )
        dfg = pm.directly_follows(log)
        svg = pm.process_map_svg(dfg, starts=pm.start_activities(log), ends=pm.end_activities(log))
        return FigureSpec(
            viz.inline_svg(gate.svg(svg), alt),
            alt,
            "The process as the event log shows it (the study has no designed process map).",
            wide=True,
        )
    spec = _gated_spec(study.process_map(), gate)
    annotations = _gated_annotations(
        # Whole quotes: the gate redacts before they are cut, so no half phone number is left.
        pm.step_annotations(study, spec, log, coder=coder, quote_length=_WHOLE_QUOTE),
        study.documents_table(),
        gate,
        ward_attribution=ward_attribution,
    )
    alt = (
        f"Swimlane map of the {spec.name} process, annotated with median waits and "
        "interview evidence per step."
    )

    # On paper the map is cut into portrait pages that print every label at 7 pt or more;
    # the screen keeps one drawing to scroll.
    def print_pages() -> list[str]:
        pages = pm.swimlane_pages_svg(spec, annotations=annotations, page=_PRINT_PAGE)
        return [
            viz.inline_svg(svg, f"{alt} Page {n} of {len(pages)}.")
            for n, svg in enumerate(pages, start=1)
        ]

    return FigureSpec(
        viz.inline_svg(pm.swimlane_svg(spec, annotations=annotations), alt),
        alt,
        "The process as designed, with the median wait before each step (from the event log) "
        "and how often interviews mention it.",
        wide=True,
        # Drawn only when read: the PDF shows them, the dashboard never does.
        print_pages=LazyPages(print_pages),
    )


def _gated_spec(spec, gate: StakeholderGate):
    """The process map with every label through the gate before the swimlane wraps it.

    Labels are redacted whole: once wrapped into lines, a name or a phone number split across
    two lines of the figure would no longer be recognised.
    """
    return dataclasses.replace(
        spec,
        name=gate.text(spec.name),
        description=gate.text(spec.description),
        lanes=[dataclasses.replace(lane, label=gate.text(lane.label)) for lane in spec.lanes],
        steps=[
            dataclasses.replace(step, label=gate.text(step.label), note=gate.text(step.note))
            for step in spec.steps
        ],
        flows=[dataclasses.replace(flow, label=gate.text(flow.label)) for flow in spec.flows],
        systems={key: gate.text(label) for key, label in spec.systems.items()},
    )


def _gated_annotations(
    annotations: dict, documents: pd.DataFrame, gate, *, ward_attribution: bool
) -> dict:
    """Step evidence for the swimlane with its quotes redacted and attributed by the gate.

    The evidence names the note each quote comes from; a brief shows the gate's attribution
    (role and ward only where enough participants share them) instead.
    """
    people = documents.set_index("document_id") if "document_id" in documents else None
    gated = {}
    for step, evidence in annotations.items():
        evidence = dict(evidence)
        sources = []
        for document_id in evidence.get("quote_documents") or []:
            row = (
                people.loc[document_id]
                if people is not None and document_id in people.index
                else {}
            )
            ward = row.get("ward") if ward_attribution else None  # None: never shown
            sources.append(gate.attribution(role=row.get("role"), ward=ward))
        evidence["quotes"] = [
            shorten(gate.text(clean_quote(q)), _STEP_QUOTE_LENGTH)
            for q in evidence.get("quotes") or []
        ]
        evidence["quote_documents"] = sources
        gated[step] = evidence
    return gated


def days(value) -> str:
    """A duration in words: whole days, or hours when under two days ("5 days", "30 hours")."""
    days = pd.Timedelta(value).total_seconds() / 86400
    return f"{days:.0f} days" if days >= 2 else f"{days * 24:.0f} hours"

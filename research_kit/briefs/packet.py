"""The Stat meeting packet: a summary page of every measure's status, then one page per measure.

A PerformanceStat meeting reviews each measure with its owner: is it on track, has anything
changed, what was promised last time. :func:`assemble_packet` gathers that from the study's
``measures.yml`` and ``actions.yml`` into the same :class:`~research_kit.briefs.Findings` a
findings brief is made of — the cover, a summary (how many measures are on track, which
actions are overdue), the status table, and one section per measure (its chart, status, what
changed, its owner, the narrative of ``measures.yml`` and its follow-up actions, overdue ones
flagged against ``as_of``) — so the brief's report pipeline renders it
(:func:`export_packet`: a tagged PDF/UA file through WeasyPrint, or self-contained HTML), and
the stylesheet starts each measure on a page of its own. Every text passes the study's privacy
gate, every group table its small-cell suppression. ``research-kit brief export --packet``
calls it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from research_kit import measures as ms
from research_kit.briefs._measure_findings import (
    SYMBOLS_NOTE,
    actions_view,
    measure_parts,
    status_counts,
    status_view,
    study_charts,
)
from research_kit.briefs.content import Findings, Section, Table
from research_kit.briefs.findings import through_gate
from research_kit.briefs.gate import stakeholder_gate
from research_kit.briefs.report import export_html, export_pdf
from research_kit.errors import ResearchKitError

__all__ = ["assemble_packet", "export_packet"]


def assemble_packet(
    study,
    *,
    as_of: dt.date | str | None = None,
    caution: float = ms.DEFAULT_CAUTION,
    audience: str = "Stat meeting",
    redact: bool = True,
) -> Findings:
    """Gather a Stat meeting packet: a summary of every measure, then a section per measure.

    A read: the study's files and database are left as they were.

    Parameters
    ----------
    study : Study
        A study with ``measures.yml`` (and, optionally, ``actions.yml`` beside it).
    as_of : date or str, optional
        The meeting's date: actions still open after their due date are flagged overdue
        (default: today).
    caution : float
        The caution zone of the status bands, as a share of the target (default 10%).
    audience : str
        Shown on the cover.
    redact : bool
        Hide personal information in every text (the default, for anything shown to
        stakeholders); ``False`` is for the research team only.

    Returns
    -------
    Findings
        ``sections``: ``status`` (the status table and the overdue actions), then
        ``measure-<id>`` for each measure; ``method``: how to read the packet.

    Raises
    ------
    MeasuresError
        The study has no measures file, or it (or ``actions.yml``) has an error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "s") as study:
    ...     _ = (study.folder / "a.csv").write_text(
    ...         "period,value\\n" + "".join(f"2025-{m:02d},{20 + m % 3}\\n" for m in range(1, 13)))
    ...     _ = (study.folder / "measures.yml").write_text(
    ...         "measures:\\n  - {id: a, name: Days to a permit, polarity: lower_is_better,\\n"
    ...         "     unit: days, target: 21, owner: Permits lead, source: {csv: a.csv}}\\n")
    ...     packet = assemble_packet(study, as_of="2026-01-15")
    >>> [section.id for section in packet.sections]
    ['status', 'measure-a']
    """
    day = _meeting_day(as_of)
    charts = study_charts(study)
    status = ms.measure_status(charts.measures, charts.charts, caution=caution)
    actions = study.actions(as_of=day)
    rows = status.set_index("measure")
    sections = [_summary_section(status, actions, charts.failed, caution)]
    sections += [
        measure_parts(study, measure, charts, rows.loc[measure.id], actions, caution=caution)
        for measure in charts.measures
        if measure.id in rows.index
    ]
    closing = _actions_section(status, actions)
    sections += [closing] if closing is not None else []
    packet = Findings(
        title=f"Stat meeting packet: {study.name}",
        subtitle="Performance review",
        question=study.question,
        audience=audience,
        generated=dt.datetime.now().astimezone(),
        headlines=_headlines(status, actions),
        sections=sections,
        method=_reading_guide(caution),
        filters={"as of": f"{day:%-d %B %Y}"},
    )
    return through_gate(packet, stakeholder_gate(study, redact=redact))


def _meeting_day(as_of: dt.date | str | None) -> dt.date:
    if as_of is None:
        return dt.date.today()
    try:
        return pd.Timestamp(as_of).date()
    except ValueError as error:
        raise ResearchKitError(
            f"the packet's date {as_of!r} is not a date",
            hint="give it as YYYY-MM-DD, e.g. --as-of 2026-07-15",
        ) from error


def _headlines(status: pd.DataFrame, actions: pd.DataFrame) -> list[str]:
    """Three lines at most: the summary page must hold the status table too."""
    lines = [f"{len(status)} measures: {status_counts(status)}."]
    signals = [
        f"{word}: " + ", ".join(status.loc[status["variation"] == verdict, "name"])
        for verdict, word in (
            ("special_cause_concern", "A concern"),
            ("special_cause_improvement", "Improving"),
        )
        if (status["variation"] == verdict).any()
    ]
    if signals:
        lines.append("; ".join(signals) + ".")
    still_open = actions["status"].isin(ms.actions.OPEN_STATUSES).sum()
    lines.append(f"{still_open} follow-up actions open, {int(actions['overdue'].sum())} overdue.")
    return lines


def _summary_section(
    status: pd.DataFrame, actions: pd.DataFrame, failed: dict[str, str], caution: float
) -> Section:
    note = SYMBOLS_NOTE.format(caution=caution)
    if failed:
        note += " Not shown (their values could not be read): " + ", ".join(failed) + "."
    view = status_view(status)
    # the owner answers for the overdue actions; the list of them closes the packet, where
    # its length cannot leave a nearly empty page behind the status table
    late = actions[actions["overdue"]].groupby("measure").size()
    counts = status["measure"].map(late).fillna(0).astype(int).to_numpy()
    view["Overdue"] = counts
    return Section(
        id="status",
        title="Status of every measure",
        tables=[Table("Status of every measure", view, note)],
    )


def _actions_section(status: pd.DataFrame, actions: pd.DataFrame) -> Section | None:
    """Every follow-up action, overdue ones first, then by due date."""
    if actions.empty:
        return None
    names = dict(zip(status["measure"], status["name"], strict=True))
    ordered = actions.sort_values(
        ["overdue", "due"], ascending=[False, True], kind="mergesort", na_position="last"
    )
    frame = actions_view(ordered)
    frame.insert(0, "Measure", ordered["measure"].map(names).fillna(ordered["measure"]))
    overdue = int(actions["overdue"].sum())
    return Section(
        id="actions",
        title="Follow-up actions",
        summary=f"{len(actions)} actions, {overdue} overdue.",
        tables=[Table("Every follow-up action, overdue first", frame)],
    )


def _reading_guide(caution: float) -> Section:
    rows = [
        (
            "Status",
            f"on track: the target is met; caution: missed by no more than {caution:.0%} of "
            "the target; off track: missed by more.",
        ),
        (
            "Charts",
            "each point is a period's value; the middle line is the mean and the two outer "
            "lines the process limits, between which values vary by chance. Limits are "
            "recalculated after a known change.",
        ),
        (
            "Signals",
            "a point outside the limits, 7 points in a row on one side of the mean, 7 points "
            "each higher (or lower) than the last, or 2 of 3 points near a limit: something "
            "changed (NHS Making Data Count rules).",
        ),
        (
            "Assurance",
            "whether the process, as it runs now, will meet its target: every time, never, or "
            "by chance.",
        ),
        (
            "Privacy",
            "groups with fewer people or cases than the study's minimum are suppressed; "
            "names, e-mails and phone numbers are redacted from every text.",
        ),
    ]
    return Section(
        id="method",
        title="How to read this packet",
        tables=[Table("Reading guide", pd.DataFrame(rows, columns=["Aspect", "Detail"]))],
    )


def export_packet(
    study,
    path: Path | str,
    *,
    to: str = "pdf",
    as_of: dt.date | str | None = None,
    caution: float = ms.DEFAULT_CAUTION,
    **options,
) -> Path:
    """Write the Stat meeting packet as a tagged PDF (or self-contained HTML) to ``path``.

    Parameters
    ----------
    study : Study
    path : Path or str
        The file to write.
    to : {"pdf", "html"}
        The format.
    as_of, caution
        As :func:`assemble_packet`.
    **options
        Passed to :func:`~research_kit.briefs.export_pdf` (``logo``).

    Returns
    -------
    Path
    """
    packet = assemble_packet(study, as_of=as_of, caution=caution)
    export = export_pdf if to == "pdf" else export_html
    return export(packet, path, **options)

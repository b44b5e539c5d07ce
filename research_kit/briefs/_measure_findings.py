"""The measures part of a brief: the status table, each measure's chart, trend and actions.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
adds :func:`measures_section` when the study has ``measures.yml``, and
:mod:`research_kit.briefs.packet` builds the Stat meeting packet from the same parts
(:func:`study_charts`, :func:`status_view`, :func:`measure_parts`). Every number comes from
:mod:`research_kit.measures`; this module only words and lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit import measures as ms
from research_kit.briefs.content import PRINT_WIDTH, SUPPRESSED, FigureSpec, Section, Table
from research_kit.errors import ResearchKitError
from research_kit.measures.charts import measure_figure
from research_kit.measures.describe import measure_alt_text, rule_words
from research_kit.viz import figure_svg, renamed_ids

__all__ = [
    "MeasureCharts",
    "actions_view",
    "change_text",
    "measure_parts",
    "measures_section",
    "number_text",
    "period_text",
    "status_counts",
    "status_view",
    "study_charts",
]

#: Units whose values are shares (0–1), shown as percentages.
SHARE_UNITS = ("share", "proportion", "%", "percent")
#: A chart's height in a brief, as a share of its width (room for the legend below).
CHART_ASPECT = 0.36


@dataclass(frozen=True)
class MeasureCharts:
    """The study's measures, the chart points and values of those that could be computed,
    and the measures that could not (with why), as a brief reports them."""

    measures: list
    charts: dict[str, pd.DataFrame]
    values: dict[str, pd.DataFrame]
    failed: dict[str, str]


def study_charts(study) -> MeasureCharts:
    """Every measure of the study charted (by group: the groups pooled); a measure whose
    values cannot be read is listed in ``failed`` with the reason, so one broken source does
    not stop the brief."""
    measures = study.measures()
    charts, values, failed = {}, {}, {}
    for measure in measures:
        try:
            values[measure.id] = study.measure_values(measure.id)
            charts[measure.id] = study.measure_chart(measure.id, pooled=True)
        except (ResearchKitError, ValueError) as error:
            failed[measure.id] = str(error)
    return MeasureCharts(measures, charts, values, failed)


def number_text(value: float, unit: str = "") -> str:
    """A measure's value as a reader reads it: shares as percentages, others with their unit.

    Examples
    --------
    >>> number_text(0.8125, "share"), number_text(21.25, "days"), number_text(float("nan"))
    ('81%', '21.2 days', '')
    """
    if value is None or np.isnan(value):
        return ""
    if unit in SHARE_UNITS:
        return f"{value * 100:.0f}%"
    whole = float(value).is_integer()
    digits = 0 if whole or abs(value) >= 100 else 1 if abs(value) >= 1 else 3
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()


def change_text(change: float, unit: str = "") -> str:
    """A change with its sign, a share's in percentage points.

    Examples
    --------
    >>> change_text(-0.05, "share"), change_text(2.0, "days"), change_text(float("nan"))
    ('-5 pts', '+2 days', 'n/a')
    """
    if change is None or np.isnan(change):
        return "n/a"
    if unit in SHARE_UNITS:
        return f"{change * 100:+.0f} pts"
    return ("+" if change > 0 else "") + number_text(change, unit)


def period_text(period) -> str:
    """A period as a reader reads it: "Jul 2025" for a date, otherwise as written."""
    if isinstance(period, pd.Timestamp):
        return f"{period:%b %Y}"
    return str(period)


def _target_text(row) -> str:
    if not np.isnan(row["target"]):
        return number_text(row["target"], row["unit"])
    if not np.isnan(row["target_low"]):
        low, high = (number_text(row[k], row["unit"]) for k in ("target_low", "target_high"))
        return f"{low} to {high}"
    return "none"


#: Short words for the verdicts in the status table (the measure's page says them in full).
SHORT_WORDS = {
    "common_cause": "no signal",
    "special_cause_improvement": "improving",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "high",
    "special_cause_neutral_low": "low",
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "hit and miss",
}


def _short(word: str | None, symbol: str) -> str:
    return f"{symbol} {SHORT_WORDS.get(word, word)}".strip() if word else "none"


def _verdict(word: str | None, symbol: str) -> str:
    return f"{symbol} {ms.STATUS_WORDS.get(word, word)}".strip() if word else "none"


def status_view(status: pd.DataFrame) -> pd.DataFrame:
    """The status table in words for readers: one row per measure."""
    return pd.DataFrame(
        {
            "Measure": status["name"],
            "Latest": [
                f"{number_text(v, u)} ({period_text(p)})"
                for v, u, p in zip(status["value"], status["unit"], status["period"], strict=True)
            ],
            "Target": [_target_text(row) for _, row in status.iterrows()],
            "Status": [ms.STATUS_WORDS.get(s, "no target") for s in status["status"]],
            # variation and assurance in one column, so the measure's name has room
            "Variation; assurance": [
                f"{_short(v, vs)}; {_short(a, asym)}"
                for v, vs, a, asym in zip(
                    status["variation"],
                    status["variation_symbol"],
                    status["assurance"],
                    status["assurance_symbol"],
                    strict=True,
                )
            ],
            # one column for both changes: the summary page is A4 portrait
            "Change (period / year)": [
                f"{change_text(last, u)} / {change_text(year, u)}"
                for last, year, u in zip(
                    status["change_last_period"],
                    status["change_last_year"],
                    status["unit"],
                    strict=True,
                )
            ],
            "Owner": status["owner"].replace("", "not named"),
        }
    )


SYMBOLS_NOTE = (
    "Status compares the latest value with its target: caution means it misses by no more "
    "than {caution:.0%} of the target. Variation: ~ no sign of change, + improving, ! a concern, "
    "H or L higher or lower than usual. Assurance: P will meet the target, F will miss it "
    "unless the process changes, ? hits and misses by chance."
)


def _chart(measure, points: pd.DataFrame) -> FigureSpec:
    target = measure.target
    target_range = (target.low, target.high) if target and target.kind == "range" else None
    fig = measure_figure(
        points,
        title=measure.name,
        unit=measure.unit,
        width=PRINT_WIDTH,
        height=CHART_ASPECT * PRINT_WIDTH,
        target_range=target_range,
    )
    alt = measure_alt_text(points, name=measure.name, unit=measure.unit, target_range=target_range)
    return FigureSpec(figure_svg(fig, alt), alt)


def _what_changed(points: pd.DataFrame, row, unit: str) -> list[tuple[str, str]]:
    """What changed: the trend, a recalculation of the limits and the last special cause."""
    last_phase = points[points["phase"] == points["phase"].max()] if "phase" in points else points
    fired = last_phase[last_phase["rule"].fillna("") != ""] if "rule" in last_phase else []
    lines = [
        (
            "Change",
            f"{change_text(row['change_last_period'], unit)} on the last period, "
            f"{change_text(row['change_last_year'], unit)} on a year ago",
        )
    ]
    if "phase" in points and points["phase"].max() > points["phase"].min():
        start = points.loc[points["phase"] == points["phase"].max(), "period"].iloc[0]
        lines.append(("Limits recalculated", f"from {period_text(start)} (a known change)"))
    if len(fired):
        last = fired.iloc[-1]
        lines.append(("Last signal", f"{period_text(last['period'])}: {rule_words(last['rule'])}"))
    else:
        lines.append(("Last signal", "none since the limits were set: no sign of change"))
    return lines


def _group_table(study, measure, values: pd.DataFrame, caution: float) -> Table | None:
    if "group" not in values or values["group"].nunique() < 2:
        return None
    by = ms.status_by_group(measure, values, min_cell_size=study.min_cell_size, caution=caution)
    frame = pd.DataFrame(
        {
            "Group": by.groups["group"].astype(str),
            "Latest": [
                SUPPRESSED if hidden else number_text(v, measure.unit)
                for v, hidden in zip(by.groups["value"], by.groups["suppressed"], strict=True)
            ],
            "Status": [
                SUPPRESSED if hidden else ms.STATUS_WORDS.get(s, "no target")
                for s, hidden in zip(by.groups["status"], by.groups["suppressed"], strict=True)
            ],
        }
    )
    gap = by.disparity.iloc[0]
    note = (
        f"Groups with fewer than {study.min_cell_size} people or cases are suppressed, and "
        "so are others where a hidden value could be worked out."
    )
    if gap["best_group"] is not None:
        note += (
            f" Gap between the best ({gap['best_group']}, "
            f"{number_text(gap['best_value'], measure.unit)}) and the worst group "
            f"({gap['worst_group']}, {number_text(gap['worst_value'], measure.unit)}): "
            f"{number_text(gap['gap'], measure.unit)}."
        )
    return Table(f"{measure.name} by group, {period_text(gap['period'])}", frame, note)


def actions_view(actions: pd.DataFrame) -> pd.DataFrame:
    """Follow-up actions in words: what, who, when, and the state (overdue ones flagged)."""
    return pd.DataFrame(
        {
            "Action": actions["action"],
            "Owner": actions["owner"].replace("", "not named"),
            "Due": [f"{due:%-d %b %Y}" if due else "" for due in actions["due"]],
            "State": [
                f"OVERDUE by {days} days" if late else status.replace("_", " ")
                for status, late, days in zip(
                    actions["status"], actions["overdue"], actions["days_overdue"], strict=True
                )
            ],
        },
        index=actions.index,
    )


def measure_parts(
    study, measure, charts: MeasureCharts, row, actions: pd.DataFrame, *, caution: float
) -> Section:
    """One measure's page: chart, status, what changed, by group, owner, narrative, actions."""
    points = charts.charts[measure.id]
    unit = measure.unit
    # one table for the status and what changed: a page per measure has room for little
    facts = [
        ("Latest value", f"{number_text(row['value'], unit)} ({period_text(row['period'])})"),
        ("Target", _target_text(row)),
        ("Status", ms.STATUS_WORDS.get(row["status"], "no target")),
        ("Variation", _verdict(row["variation"], row["variation_symbol"])),
        ("Assurance", _verdict(row["assurance"], row["assurance_symbol"])),
        *_what_changed(points, row, unit),
        (
            "Owner",
            ", ".join(part for part in (measure.owner, measure.department) if part) or "not named",
        ),
    ]
    tables = [Table("Status and what changed", pd.DataFrame(facts, columns=["Aspect", "Detail"]))]
    group = _group_table(study, measure, charts.values[measure.id], caution)
    tables += [group] if group is not None else []
    own = actions[actions["measure"] == measure.id]
    overdue = int(own["overdue"].sum())
    if len(own):
        tables.append(Table("Follow-up actions", actions_view(own)))
    summary = " ".join(part for part in (measure.definition, measure.narrative) if part)
    return Section(
        id=f"measure-{measure.id}",
        title=measure.name,
        summary=summary,
        tables=tables,
        figures=[_chart(measure, points)],
        notice=f"{overdue} follow-up action{'s' if overdue != 1 else ''} overdue."
        if overdue
        else None,
    )


def status_counts(status: pd.DataFrame) -> str:
    """ "3 on track, 2 caution, 1 off track" (bands with no measure left out)."""
    counts = status["status"].value_counts()
    parts = [f"{counts[band]} {ms.STATUS_WORDS[band]}" for band in ms.BANDS if band in counts]
    return ", ".join(parts) or "no measure has a target"


def _needs_attention(status: pd.DataFrame) -> str:
    """The measure a reader should see first: off track, then a concern, then the first."""
    rank = (
        status["status"].map({"off_track": 0, "caution": 1}).fillna(2)
        + status["variation"].eq("special_cause_concern").map({True: -0.5, False: 0.0})
        + status["assurance"].eq("consistent_fail").map({True: -0.25, False: 0.0})
    )
    return str(status.loc[rank.idxmin(), "measure"])


def measures_section(study, *, caution: float = ms.DEFAULT_CAUTION) -> Section:
    """The findings brief's measures section: one status table of every measure."""
    charts = study_charts(study)
    status = ms.measure_status(charts.measures, charts.charts, caution=caution)
    note = SYMBOLS_NOTE.format(caution=caution)
    if charts.failed:
        note += " Not shown (their values could not be read): " + ", ".join(charts.failed) + "."
    figures = []
    if len(status):
        first = _needs_attention(status)
        measure = next(m for m in charts.measures if m.id == first)
        figure = _chart(measure, charts.charts[first])
        figure.caption = f"The measure most in need of attention: {measure.name}."
        # printed as a page-able figure: the PDF puts the status table first and the chart
        # after it, so a chart that does not fit below the table leaves no short page behind
        figure.print_pages = [renamed_ids(figure.svg, "print")]  # ids unique in the page
        figures.append(figure)
    return Section(
        id="measures",
        title="Performance measures",
        figures=figures,
        summary=(
            f"{len(status)} performance measures against their targets: {status_counts(status)}."
            if len(status)
            else "No measure's values could be read."
        ),
        tables=[Table("Status of every measure", status_view(status), note)],
    )

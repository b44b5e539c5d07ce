"""The "Who is hit hardest" part of a brief: the largest disparity of each outcome, with a map.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`equity_section` for a brief of the whole study (no ward filter: the section
compares every ward). For each outcome the study holds — the survey's satisfaction item
(top two points of its scale, weighted as the survey section weighs it) by ward and by
race/ethnicity, the median days per case by ward, each deadline's share within it by ward —
it names the group or place furthest behind the best one, with the rate difference and its
95% interval from :func:`research_kit.places.disparity`, and the sentence of
:func:`research_kit.places.disparity_sentence`, which says when the gap is within the margin
of error. Ward outcomes are drawn as maps when the study names its ward shapes.

Privacy: survey shares are hidden where the survey section's joint protection hides them
(:func:`research_kit.briefs.protection.likert_plan`), counts of cases per ward go through
:func:`research_kit.privacy.suppress_table`, and a deadline's table comes suppressed from
:func:`research_kit.process.deadline_performance`. A hidden group never enters a ratio, so it
is never named as hardest hit; answers that are non-answers ("Prefer not to say") are not
groups to compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from research_kit import places, privacy
from research_kit import process as pm
from research_kit.briefs._survey_basis import SurveyBasis
from research_kit.briefs.content import GROUP_LABELS, PRINT_WIDTH, FigureSpec, Section, Table
from research_kit.briefs.protection import likert_plan
from research_kit.errors import ResearchKitError
from research_kit.survey import is_non_answer, top_box

__all__ = ["equity_section"]

#: The survey groups compared besides the ward (when the survey records them).
_SURVEY_GROUPS = ("ward", "race_ethnicity")
#: The longest map title drawn at full size (characters).
_LONGEST_TITLE = 50
#: The value column of each mapped outcome, and how a map's legend and alt text name it.
_MAPPED = {
    "share": "share satisfied",
    "share_within": "share within the deadline",
    "median_days": "median days",
}


def equity_section(study, basis: SurveyBasis | None, log: pd.DataFrame | None) -> Section | None:
    """Who is hit hardest on each outcome the study holds (None when it holds none by group)."""
    outcomes: list[tuple[str, str, pd.DataFrame, pd.DataFrame | None]] = []
    if basis is not None:
        outcomes += _survey_outcomes(study, basis)
    if log is not None and "ward" in log.columns:
        outcomes += _process_outcomes(study, log)
    found = [o for o in outcomes if o[2] is not None and _hardest(o[2]) is not None]
    if not found:
        return None
    records, sentences, figures = [], [], []
    for name, by, rows, table in found:
        worst = _hardest(rows)
        records.append(_record(name, by, worst))
        sentences.append(f"{name}, by {by.lower()}: {places.disparity_sentence(worst)}")
        if table is not None:
            figure = _map(study, table, name)
            figures += [figure] if figure is not None else []
    frame = pd.DataFrame(records)
    summary = " ".join(sentences)
    return Section(
        id="equity",
        title="Who is hit hardest",
        summary=summary,
        tables=[
            Table(
                "The group or place furthest behind the best one, on each outcome",
                frame,
                "Difference: the group's value minus the best group's, with its 95% confidence "
                "interval. Within the margin of error: the interval includes no difference, so "
                "the data cannot tell the two apart. Groups too small to show are left out of "
                "every comparison.",
            )
        ],
        figures=figures,
    )


def _survey_outcomes(study, basis: SurveyBasis) -> list:
    """The satisfaction item's top-box share by ward and by race/ethnicity."""
    item = _satisfaction_item(basis)
    if item is None:
        return []
    scale = basis.scales[item]
    # The survey section's weights, in the survey's row order.
    weights = None if basis.weights is None else basis.weights.to_numpy(float)
    outcomes = []
    for by in _SURVEY_GROUPS:
        if by not in basis.survey.columns:
            continue
        try:
            shares = top_box(
                basis.survey,
                [item],
                order={item: scale},
                weights=weights,
                by=by,
                min_cell_size=study.min_cell_size,
                calibrated_on=basis.calibrated_on,
            )
        except ResearchKitError:  # too few respondents, an answer off the scale
            continue
        plan = likert_plan(basis.survey, item, scale, by=by, min_cell_size=study.min_cell_size)
        shares = _protected(shares, plan, by=by)
        shares = shares[~is_non_answer(shares["group"].astype(str))].reset_index(drop=True)
        rows = _compare(shares, by="group", value="share", se="se", low="ci_low", high="ci_high")
        name = f"Satisfied ({_box_words(scale)}) with \u201c{item.strip()}\u201d"
        mapped = shares.rename(columns={"group": "ward"}) if by == "ward" else None
        outcomes.append((name, GROUP_LABELS.get(by, by), rows, mapped))
    return outcomes


def _satisfaction_item(basis: SurveyBasis) -> str | None:
    """The rated item about satisfaction, else the last rated item (usually the overall one)."""
    items = list(basis.scales)
    about = [item for item in items if "satisf" in item.casefold()]
    return (about or items or [None])[-1]


def _box_words(scale: list[str]) -> str:
    return " or ".join(str(level).lower() for level in scale[-2:])


def _protected(shares: pd.DataFrame, plan, *, by: str) -> pd.DataFrame:
    """Shares hidden where the survey section's joint protection hides them."""
    key = "ward" if by == "ward" else "group"
    hidden = [
        bool(row.suppressed)
        or plan.hidden(**{key: row.group})
        or plan.share_hidden({key: row.group, "box": "top"}, {key: row.group})
        for row in shares.itertuples()
    ]
    return shares.assign(suppressed=np.array(hidden, dtype=bool))


def _process_outcomes(study, log: pd.DataFrame) -> list:
    """Median days per case by ward, and each deadline's share within it by ward."""
    outcomes = [("Median days per case", "Ward", *_median_days(study, log))]
    if study.settings.deadlines:
        summary = pm.study_deadlines(study, by="ward").summary
        summary = summary[summary["by"] == "ward"]
        for deadline, table in summary.groupby("deadline", sort=False):
            table = table.assign(decided=table["n_within"] + table["n_breached"])
            table = table[table["suppressed"] | (table["decided"] > 0)].reset_index(drop=True)
            rows = _compare(table, by="group", numerator="n_within", denominator="decided")
            name = f"{deadline}: share of cases within the deadline"
            mapped = table.rename(columns={"group": "ward"}).assign(
                share_within=table["n_within"] / table["decided"]
            )
            outcomes.append((name, "Ward", rows, mapped))
    return outcomes


def _median_days(study, log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median days from a case's first to its last event by ward, hidden with its case count."""
    durations = pm.case_durations(log)
    ward_of = log.dropna(subset=["ward"]).groupby("case_id", sort=False)["ward"].first()
    days = pd.DataFrame(
        {
            "ward": durations["case_id"].map(ward_of).astype("object"),
            "days": durations["duration"].dt.total_seconds() / 86400,
        }
    ).dropna(subset=["ward"])
    table = days.groupby("ward")["days"].agg(median_days="median", n="size").reset_index()
    counts = privacy.suppress_table(
        table.assign(what="all"),
        row="what",
        column="ward",
        count="n",
        min_cell_size=study.min_cell_size,
        margins="rows",
    )
    table = table.assign(suppressed=counts["suppressed"].to_numpy(bool))
    table.loc[table["suppressed"], ["median_days", "n"]] = np.nan
    rows = _compare(table, by="ward", value="median_days", polarity="lower_is_better")
    return rows, table


def _compare(table: pd.DataFrame, **options) -> pd.DataFrame | None:
    """:func:`places.disparity` of ``table``; None when fewer than two groups can be shown."""
    if (~table["suppressed"].astype(bool)).sum() < 2:
        return None
    return places.disparity(table, **options)


def _hardest(rows: pd.DataFrame) -> pd.Series | None:
    """The shown group furthest behind the reference (None when no group is behind)."""
    behind = rows[(rows["status"] == "shown") & (rows["direction"] == "worse")]
    if behind.empty:
        return None
    return behind.loc[behind["rate_difference"].abs().idxmax()]


def _record(name: str, by: str, worst: pd.Series) -> dict:
    share = _is_share(worst)
    low, high = worst["rate_difference_ci_low"], worst["rate_difference_ci_high"]
    interval = (
        "no interval: a median"
        if pd.isna(low) or pd.isna(high)
        else f"{_amount(low, share)} to {_amount(high, share)}"
    )
    within = worst["within_margin_of_error"]
    best = _amount(worst["reference_value"], share, unit=True)
    return {
        "Outcome": name,
        "Compared by": by,
        "Hardest hit": str(worst["group"]),
        "Value": _amount(worst["value"], share, unit=True),
        "Best (value)": f"{worst['reference']} ({best})",
        "Difference (95% CI)": f"{_amount(worst['rate_difference'], share)} ({interval})",
        "Within the margin of error": "unknown" if pd.isna(within) else ("yes" if within else "no"),
    }


def _is_share(row: pd.Series) -> bool:
    return 0 <= row["value"] <= 1 and 0 <= row["reference_value"] <= 1


def _amount(value: float, share: bool, *, unit: bool = False) -> str:
    """A value as the sentence says it: a share in percent (points), else one decimal."""
    if share:
        return f"{value * 100:.1f}%" if unit else f"{value * 100:.1f} points"
    return f"{value:.1f}"


def _map(study, table: pd.DataFrame, name: str) -> FigureSpec | None:
    """The outcome by ward as a choropleth (None when the study names no ward shapes)."""
    if not any(source.attribute == "ward" for source in study.settings.boundaries):
        return None
    value, label = next(
        (column, label) for column, label in _MAPPED.items() if column in table.columns
    )
    drawn = places.choropleth(
        table,
        value,
        study=study,
        count="decided" if "decided" in table.columns else "n",
        # A long survey question is in the caption: a long title would be drawn smaller.
        title=name if len(name) <= _LONGEST_TITLE else label.capitalize(),
        value_label=label,
        width=PRINT_WIDTH,  # drawn at print size, so no label shrinks under 7 pt on paper
    )
    return FigureSpec(
        drawn.svg(),
        drawn.alt,
        f"{name}, by ward. Hatched wards have too few people or cases to show.",
    )

"""The survey parts of a brief: rated questions, the themes of open answers, their method lines.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`survey_basis` once per brief (weights raked to the population margins, Likert
scales, the clustered open answers), then :func:`survey_section`, :func:`themes_section` and
:func:`~research_kit.briefs._survey_method.survey_method_rows`; the shared cells and charts are
in ``_survey_cells`` and ``_survey_charts``. Every breakdown of people by group goes through
:mod:`research_kit.privacy`.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from research_kit import viz
from research_kit.briefs._survey_basis import SurveyBasis, raked_columns, raking_variables
from research_kit.briefs._survey_cells import example_answer, percents, points, versus, with_hidden
from research_kit.briefs._survey_charts import agreement_by_group_figure, theme_by_group_figure
from research_kit.briefs._survey_waves import change_since_last_wave
from research_kit.briefs.content import (
    GROUP_LABELS,
    PRINT_WIDTH,
    SUPPRESSED,
    FigureSpec,
    Section,
    Table,
    join_words,
    plus_minus,
    unchanged,
    wrap,
)
from research_kit.briefs.protection import CountPlan, likert_plan, themes_plan
from research_kit.errors import ResearchKitError
from research_kit.survey import (
    likert_summary,
    scale_order,
    survey_weights_result,
    top_box,
)
from research_kit.survey.breakdown import weighted_distribution
from research_kit.survey.question_groups import set_aside_note
from research_kit.survey.themes import QuestionThemes, cluster_question

__all__ = [
    "ANSWER_THEMES_K",
    "survey_basis",
    "survey_section",
    "themes_section",
]

#: How many themes to find in the open answers: "auto" lets the clusterer choose k by its
#: stated criterion (the method appendix quotes it).
ANSWER_THEMES_K: int | str = "auto"

#: The survey frame's weight column while a brief is assembled.
_WEIGHT = "_rk_weight"


def survey_basis(
    study, survey: pd.DataFrame, answer_themes: QuestionThemes | None = None
) -> SurveyBasis:
    """Weights, Likert scales and open-answer themes of the study's (first) survey.

    Weights rake to the population margins when the study gives them; when raking fails the
    brief says so and shows unweighted shares rather than failing as a whole.
    """
    source = study.survey_source()
    weights, weighting, weighting_problem = None, None, None
    if source.population_margins is not None:
        try:
            weighting = survey_weights_result(study, source.id, survey=survey)
        except ResearchKitError as exc:
            weighting_problem = str(exc)
        else:
            weights = weighting.weights
    scales, unscaled = {}, []
    for item in source.likert:
        if item not in survey.columns:
            continue
        found = scale_order(survey[item].dropna(), question=item)
        if found is None:
            unscaled.append(item)
        else:
            scales[item] = list(found[0])
    themes, themes_problem = answer_themes, None
    if themes is None and source.open_ended:
        try:
            themes = cluster_question(
                study,
                0,
                survey_id=source.id,
                n_clusters=ANSWER_THEMES_K,
                survey=survey,
                weights=weights,
                keep_run=False,  # a brief reads the study; it does not write to it
            )
        except ResearchKitError as exc:
            themes_problem = str(exc)
    framed = survey if weights is None else survey.assign(**{_WEIGHT: weights.to_numpy(float)})
    return SurveyBasis(
        source,
        framed,
        weights,
        weighting_problem,
        scales,
        unscaled,
        themes,
        themes_problem,
        weighting,
    )


def _protected_boxes(
    table: pd.DataFrame, plans: dict, *, ward: str | None, by: str | None
) -> pd.DataFrame:
    """A :func:`top_box` table with the cells the brief's joint protection hides, hidden.

    ``n_suppressed`` says whether the row's n may be shown; ``suppressed`` whether its share
    (and margin, test) may: hidden with the n, or when its agree or not-agree count is hidden
    or under ``min_cell_size``. A hidden cell stays hidden (the table's own suppression adds
    to the plan's; more hidden cells only widen what a reader can infer).
    """
    n_hidden, share_hidden = [], []
    for row in table.itertuples():
        plan = plans[row.item]
        labels = {"ward": ward} if ward is not None else {}
        if by == "ward":
            labels = {"ward": row.group}
        elif by is not None:
            labels["group"] = str(row.group)
        n_hidden.append(plan.hidden(**labels))
        share_hidden.append(plan.share_hidden({**labels, "box": "top"}, labels))
    n_hidden = np.array(n_hidden, dtype=bool) | table["suppressed"].to_numpy(bool)
    result = with_hidden(table, np.array(share_hidden, dtype=bool) | n_hidden)
    result["n"] = result["n"].mask(n_hidden)
    newly = result["suppressed"].to_numpy(bool) & ~table["suppressed"].to_numpy(bool)
    result["n_suppressed"] = n_hidden
    result.loc[newly, "suppression_reason"] = "complementary"
    return result


def _protected_levels(levels: pd.DataFrame, plans: dict, *, ward: str | None) -> pd.DataFrame:
    """The shares at each point of the scale, hidden where the joint protection says so."""
    where = {"ward": ward} if ward is not None else {}
    hidden = [
        plans[row.item].share_hidden({**where, "level": row.category}, where)
        for row in levels.itertuples()
    ]
    return with_hidden(levels, hidden)


def survey_section(study, basis: SurveyBasis, *, group, ward, facts) -> Section:
    min_cell_size = study.min_cell_size
    label = GROUP_LABELS[group]
    survey = basis.survey if ward is None else basis.survey[basis.survey["ward"] == ward]
    where = f" in {ward}" if ward else ""
    items = list(basis.scales)
    weights = _WEIGHT if basis.weighted else None
    facts["survey_n"] = len(survey)
    notices = _survey_notices(basis)
    try:
        raked = {"calibrated_on": basis.calibrated_on, "min_cell_size": min_cell_size}
        overall = top_box(survey, items, order=basis.scales, weights=weights, **raked)
        by_group = top_box(survey, items, order=basis.scales, weights=weights, by=group, **raked)
        levels = likert_summary(survey, items, order=basis.scales, weights=weights, **raked)
    except ResearchKitError as exc:  # no items, too few respondents, an answer off the scale
        return Section(
            id="survey",
            title="What the survey says",
            summary=f"No survey answers{where} to report.",
            notice=" ".join([*notices, str(exc)]),
        )
    plans = {
        item: likert_plan(basis.survey, item, scale, by=group, min_cell_size=min_cell_size)
        for item, scale in basis.scales.items()
    }
    overall = _protected_boxes(overall, plans, ward=ward, by=None)
    by_group = _protected_boxes(by_group, plans, ward=ward, by=group)
    levels = _protected_levels(levels, plans, ward=ward)
    test = str(by_group["test"].dropna().iloc[0]) if by_group["test"].notna().any() else ""
    facts["survey_test"] = test
    note = _weighting_note(basis, min_cell_size) + (
        " \u201cHigher\u201d or \u201clower\u201d: the group's share differs from that of "
        "all other respondents by more than chance would explain (the test is named in "
        "\u201cHow we did this\u201d)."
        if test
        else ""
    )
    overall_table = pd.DataFrame(
        {
            "Statement": overall["item"],
            "Counted as agreeing": overall["box"],
            "n": [
                SUPPRESSED if s else str(int(n))
                for n, s in zip(overall["n"], overall["n_suppressed"], strict=True)
            ],
            "Agree": percents(overall["share"], overall["suppressed"]),
            "Margin of error (95%)": points(overall["margin_of_error"], overall["suppressed"]),
        }
    )
    display = pd.DataFrame(
        {
            "Statement": by_group["item"],
            label: by_group["group"].astype(str),
            "n": [
                SUPPRESSED if s else str(int(n))
                for n, s in zip(by_group["n"], by_group["n_suppressed"], strict=True)
            ],
            "Agree": percents(by_group["share"], by_group["suppressed"]),
            "Margin of error (95%)": points(by_group["margin_of_error"], by_group["suppressed"]),
            "Versus the rest": [
                SUPPRESSED if s else versus(flag, difference)
                for flag, difference, s in zip(
                    by_group["significant"],
                    by_group["difference"],
                    by_group["suppressed"],
                    strict=True,
                )
            ],
        }
    )
    weighting = ", weighted to the population" if basis.weighted else ", unweighted"
    figures = [
        *_likert_figures(levels, overall, basis),
    ]
    valid = overall[~overall["suppressed"] & overall["share"].notna()]
    if valid.empty:
        summary = f"{len(survey):,} survey respondents{where}; too few answers to report."
    else:
        lowest = valid.sort_values("share", kind="stable").iloc[0]
        groups = by_group[(by_group["item"] == lowest["item"]) & ~by_group["suppressed"]]
        worst = groups.sort_values("share", kind="stable").iloc[0] if len(groups) > 1 else None
        facts["lowest_item"] = {
            "item": str(lowest["item"]),
            "share": float(lowest["share"]),
            "moe": float(lowest["margin_of_error"]),
            "worst": worst,
            "label": label,
            "weighted": basis.weighted,
            "wave": change_since_last_wave(
                study,
                basis.source,
                str(lowest["item"]),
                list(basis.scales[lowest["item"]])[-2:],  # top_box's default: the top two
                ward=ward,
            ),
        }
        summary = (
            f"{len(survey):,} survey respondents{where}. The statement with the least agreement "
            f"is \u201c{lowest['item']}\u201d ({lowest['share']:.0%} agree, "
            f"\u00b1{lowest['margin_of_error'] * 100:.0f} points{weighting})."
        )
        chart = by_group[by_group["item"] == lowest["item"]]
        figures.append(agreement_by_group_figure(chart, str(lowest["item"]), label, min_cell_size))
    return Section(
        id="survey",
        title="What the survey says",
        summary=summary,
        tables=[
            Table("Agreement with each statement, all respondents" + where, overall_table, note),
            Table(f"Agreement with each statement, by {label.lower()}", display, note),
        ],
        figures=figures,
        notice=" ".join(notices) or None,
    )


def _survey_notices(basis: SurveyBasis) -> list[str]:
    notices = []
    if basis.weighting_problem:
        notices.append(
            "The survey could not be weighted to the population, so its figures are "
            f"unweighted shares of respondents: {basis.weighting_problem}"
        )
    if basis.unscaled:
        notices.append(
            "Not shown, because their answers do not form a known rating scale: "
            + "; ".join(f"\u201c{item}\u201d" for item in basis.unscaled)
            + "."
        )
    return notices


def _weighting_note(basis: SurveyBasis, min_cell_size: int) -> str:
    if basis.weighted:
        text = (
            "Weighted to the population (adjusted to match it by "
            + join_words(raking_variables(basis.weighting))
            + "): estimates for everyone the survey stands for, with 95% margins of error. "
        )
    else:
        text = "Unweighted: shares of respondents who answered, not estimates for the population. "
    return text + (
        "n counts respondents who chose a point of the scale (\u201cDon't know\u201d and blanks "
        f"are left out). Suppression is decided on these unweighted counts: groups with fewer "
        f"than {min_cell_size} are suppressed, and so are others wherever a hidden number could be "
        "worked out or narrowed from any table of this brief, for any ward; a share is shown "
        f"only when at least {min_cell_size} respondents are on each side of it."
    )


def _likert_figures(levels: pd.DataFrame, overall: pd.DataFrame, basis) -> list[FigureSpec]:
    """Diverging bars of every item's answers; items on scales of one length share a chart.

    Scales of one length line up level by level (the agreement items and the satisfaction
    item), so the legend names both wordings of each level.
    """
    figures = []
    by_length: dict[int, list[str]] = {}
    for item, scale in basis.scales.items():
        by_length.setdefault(len(scale), []).append(item)
    agree = dict(zip(overall["item"], overall["share"].where(~overall["suppressed"]), strict=True))
    for length, items in by_length.items():
        names = [
            " / ".join(dict.fromkeys(str(basis.scales[item][i]) for item in items))
            for i in range(length)
        ]
        data = levels[levels["item"].isin(items)].copy()
        if data.empty or data["suppressed"].all():
            continue
        position = {
            (item, level): i for item in items for i, level in enumerate(basis.scales[item])
        }
        data["category"] = [
            names[position[(i, c)]] for i, c in zip(data["item"], data["category"], strict=True)
        ]
        data["item"] = data["item"].map(lambda s: wrap(s, 30))  # drawn at the printed width
        weighted = "weighted to the population" if basis.weighted else "unweighted"
        with plt.rc_context({"text.parse_math": False}):
            title = f"How respondents answered ({weighted})"
            fig = viz.likert_bars(data, order=names, wrap=30, title=title, width=PRINT_WIDTH)
        alt = (
            f"Diverging bar chart of the answers to {len(items)} survey questions, {weighted}; "
            "share agreeing or satisfied: "
            + "; ".join(
                f"{item} {agree[item]:.0%}" if pd.notna(agree.get(item)) else f"{item} suppressed"
                for item in items
            )
            + "."
        )
        caption = (
            "Share of respondents at each point of the scale, of those who chose one "
            f"({weighted}). Disagreement and dissatisfaction extend left of the centre line, "
            "agreement and satisfaction right; the neutral middle is split across it."
        )
        figures.append(FigureSpec(viz.figure_svg(fig, alt), alt, caption))
    return figures


def themes_section(study, basis: SurveyBasis, *, group, ward, facts, scrub=unchanged):
    """The themes of the first open-ended question (None when the survey has none)."""
    if not basis.source.open_ended:
        return None
    title = "What people asked for"
    themes = basis.themes
    where = f" in {ward}" if ward else ""
    if themes is None:
        return Section(
            id="themes",
            title=title,
            summary="The open-ended answers could not be grouped into themes.",
            notice=basis.themes_problem,
        )
    min_cell_size = study.min_cell_size
    everyone = themes.assignments
    plan, chosen = _themes_plan(basis, everyone, group=group, min_cell_size=min_cell_size)
    where_cell = {"ward": ward} if ward is not None else {}
    assigned = everyone if ward is None else everyone[everyone["ward"] == ward]
    question = themes.question
    answered, non_answers, blanks = _answer_status_counts(plan, where_cell)
    weights = assigned["weight"] if "weight" in assigned.columns else None
    described = themes.themes.set_index("cluster")
    clusters = list(described.index)
    try:
        # By cluster id, not name: two themes may carry the same automatic name.
        overall = weighted_distribution(
            assigned,
            "cluster",
            weights=weights,
            levels=clusters,
            min_cell_size=min_cell_size,
            calibrated_on=raked_columns(basis, assigned, weights),
        )
    except ResearchKitError as exc:
        return Section(
            id="themes",
            title=title,
            summary=f"{answered} people answered \u201c{question}\u201d{where}.",
            notice=str(exc),
        )
    overall = _protected_themes(overall, plan, where_cell)
    topical = [c for c in clusters if _kind(described, c) == "theme"]
    # The themes first, then the groups set aside (named as such), each by share.
    overall = (
        overall.assign(_aside=~overall["category"].isin(topical))
        .sort_values(
            ["_aside", "suppressed", "share"], ascending=[True, True, False], kind="stable"
        )
        .drop(columns="_aside")
        .reset_index(drop=True)
    )
    labels = _theme_labels(described["name"], scrub)
    # Distinctive terms come from the answers: redact them like quotes (drop what redaction hits).
    terms = {
        cluster: [str(t) for t in top_terms if scrub(str(t)) == str(t)]
        for cluster, top_terms in described["top_terms"].items()
    }
    table = pd.DataFrame(
        {
            "Theme": overall["category"].map(labels),
            "Share of answers (95% margin of error)": [
                SUPPRESSED if shown == SUPPRESSED else f"{shown} ({margin})"
                for shown, margin in zip(
                    percents(overall["share"], overall["suppressed"]),
                    points(overall["margin_of_error"], overall["suppressed"]),
                    strict=True,
                )
            ],
            "Distinctive terms": [", ".join(terms[c][:5]) for c in overall["category"]],
            "Example answer": [
                example_answer(assigned[assigned["cluster"] == c], scrub, described.at[c, "quotes"])
                for c in overall["category"]
            ],
        }
    )
    weighted = weights is not None
    note = _themes_note(
        answered,
        non_answers,
        blanks,
        where=where,
        weighted=weighted,
        min_cell_size=min_cell_size,
        redacted=scrub is not unchanged,
    )
    aside = set_aside_note(themes.clusterer)
    if aside:
        note += f" Not themes: {aside}"
    shown = overall[
        ~overall["suppressed"] & overall["share"].notna() & overall["category"].isin(topical)
    ]
    figures = []
    if shown.empty:
        summary = f"{answered} people answered \u201c{question}\u201d{where}; too few to report."
    else:
        top = shown.iloc[0]
        name = labels[top["category"]]
        facts["answer_theme"] = {
            "name": name,
            # Distinctive terms back an automatic name; a researcher's name stands alone.
            "terms": [] if described.at[top["category"], "edited"] else terms[top["category"]][:5],
            "share": float(top["share"]),
            "moe": float(top["margin_of_error"]),
            "question": question,
            "weighted": weighted,
        }
        summary = (
            f"{answered} people answered \u201c{question}\u201d{where}; their answers fall into "
            f"{len(topical)} themes{_groups_clause(len(clusters) - len(topical))}. "
            f"The most common is \u201c{name}\u201d: about "
            f"{top['share']:.0%} ({plus_minus(top['margin_of_error'])}) of those who "
            "answered" + (", weighted to the population." if weighted else ".")
        )
        figure = theme_by_group_figure(
            assigned,
            clusters,
            chosen,
            labels[chosen],
            group=group,
            plan=plan,
            where=where_cell,
            min_cell_size=min_cell_size,
            calibrated_on=raked_columns(basis, assigned, weights),
        )
        if figure is not None:
            figures.append(figure)
    return Section(
        id="themes",
        title=title,
        summary=summary,
        tables=[Table(f"Themes in the answers to \u201c{question}\u201d{where}", table, note)],
        figures=figures,
    )


def _themes_note(
    answered: str,
    non_answers: str,
    blanks: str,
    *,
    where: str,
    weighted: bool,
    min_cell_size: int,
    redacted: bool,
) -> str:
    shares = (
        "Shares of those who answered, weighted to the population, with 95% margins of error."
        if weighted
        else "Unweighted shares of those who answered, with 95% margins of error."
    )
    redaction = (
        "Example answers are as written, except that names, e-mails, phone numbers and "
        "addresses are redacted (in theme names and terms too)."
        if redacted
        else "Example answers are as written (not redacted: research team only)."
    )
    return (
        f"{answered} people answered{where}; {non_answers} non-answers (such as \u201cn/a\u201d "
        f"or \u201cdon't know\u201d) and {blanks} blanks were not clustered. {shares} "
        f"A theme's share is shown only when at least {min_cell_size} respondents{where} are in "
        f"it and {min_cell_size} are not (unweighted counts), and others are suppressed wherever "
        f"a hidden number could be worked out or narrowed from any table of this brief. {redaction}"
    )


def _answer_status_counts(plan, where: dict) -> tuple[str, str, str]:
    """How many answered, gave a non-answer or left the question blank, as text for readers.

    These count people (in one ward, or in all): the brief's joint protection of the open
    question (:func:`research_kit.briefs.protection.themes_plan`) says which may be shown.
    """
    return tuple(
        "a suppressed number of"
        if plan.hidden(**where, status=status)
        else f"{plan.count(**where, status=status):,}"
        for status in ("answered", "non_answer", "blank")
    )


def _themes_plan(
    basis: SurveyBasis, assigned: pd.DataFrame, *, group: str, min_cell_size: int
) -> tuple[CountPlan, Any]:
    """The open question's protected counts; the theme broken down by group is the most
    common one over all wards (the same in every ward's view of the dashboard)."""
    statuses = basis.themes.answers
    ward_of = basis.survey.set_index("respondent_id")["ward"]
    statuses = statuses.assign(ward=statuses["respondent_id"].map(ward_of))
    weights = assigned["weight"] if "weight" in assigned.columns else None
    totals = (
        assigned.groupby("cluster")["weight"].sum()
        if weights is not None
        else assigned.groupby("cluster").size()
    )
    kinds = basis.themes.themes.set_index("cluster")
    topical = [c for c in totals.index if _kind(kinds, c) == "theme"]
    chosen = totals.loc[topical or list(totals.index)].sort_index().idxmax()
    return themes_plan(statuses, assigned, chosen, by=group, min_cell_size=min_cell_size), chosen


def _kind(described: pd.DataFrame, cluster) -> str:
    """A row's kind in the themes table (indexed by cluster): a theme or a set-aside group."""
    if "kind" not in described.columns or cluster not in described.index:
        return "theme"
    return str(described.at[cluster, "kind"])


def _groups_clause(n_groups: int) -> str:
    """How the set-aside groups are mentioned after the number of themes.

    Examples
    --------
    >>> _groups_clause(0), _groups_clause(2)
    ('', ' (and 2 groups set aside, shown by name: not themes)')
    """
    if not n_groups:
        return ""
    plural = "s" if n_groups > 1 else ""
    return f" (and {n_groups} group{plural} set aside, shown by name: not themes)"


def _protected_themes(overall: pd.DataFrame, plan, where: dict) -> pd.DataFrame:
    """Theme shares with those the joint protection hides, hidden (see :func:`themes_plan`)."""
    base = {**where, "status": "answered"}
    hidden = [plan.share_hidden({**where, "outcome": str(c)}, base) for c in overall["category"]]
    return with_hidden(overall, hidden, n=True)


def _theme_labels(names: pd.Series, scrub) -> dict[int, str]:
    """Theme names for readers, by cluster: redacted, and numbered where two are the same.

    Examples
    --------
    >>> _theme_labels(pd.Series(["fees", "Call Dana", "fees"], index=[0, 1, 2]), unchanged)
    {0: 'fees', 1: 'Call Dana', 2: 'fees (2)'}
    """
    labels: dict[int, str] = {}
    seen: dict[str, int] = {}
    for cluster, name in names.items():
        label = scrub(str(name))
        seen[label] = seen.get(label, 0) + 1
        labels[cluster] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return labels

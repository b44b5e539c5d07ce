"""The method lines of the survey parts of a brief: how the weights and the themes were made.

Private to :mod:`research_kit.briefs`; :func:`research_kit.briefs.findings.assemble_findings`
adds :func:`survey_method_rows` to the brief's method appendix.
"""

from __future__ import annotations

from research_kit.briefs._survey_basis import SurveyBasis, raking_variables
from research_kit.briefs.content import join_words
from research_kit.survey import design_effect
from research_kit.survey.question_groups import set_aside_note
from research_kit.survey.themes import QuestionThemes

__all__ = ["survey_method_rows"]


def survey_method_rows(study, basis: SurveyBasis, facts: dict) -> list[tuple[str, str]]:
    """The method appendix's survey lines: sample, weighting, statistics, open answers."""
    survey = basis.survey
    rows = [
        (
            "Survey",
            f"{len(survey):,} respondents; agreement is the share choosing one of the top two "
            "levels of a question's scale (\u201cAgree\u201d or \u201cStrongly agree\u201d; "
            "\u201cSatisfied\u201d or \u201cVery satisfied\u201d), of those who chose a point "
            "of the scale (\u201cDon't know\u201d and blanks are left out)",
        )
    ]
    if basis.weighted:
        rows.append(("Survey weighting", _weighting_method(study, basis)))
    else:
        why = (
            f"weighting failed: {basis.weighting_problem}"
            if basis.weighting_problem
            else "the study gives no population margins"
        )
        rows.append(("Survey weighting", f"none ({why}): figures describe respondents only"))
    test = facts.get("survey_test") or "a test of each group against the rest"
    rows.append(
        (
            "Survey statistics",
            "95% margins of error from Taylor-linearised standard errors"
            + (
                " of the weighted shares that account for the raking (calibrated: the "
                "residuals of a regression on the raking variables, as R's survey::rake then "
                "svymean)"
                if basis.calibrated_on
                else " of the weighted shares"
                if basis.weighted
                else ""
            )
            + f" (Student's t); each group is compared with all other respondents by a {test}, "
            "significant at p < 0.05",
        )
    )
    themes = basis.themes
    if themes is not None:
        model = themes.clusterer
        how = _clustering_method(themes)
        applied = int((themes.edits["status"] == "applied").sum()) if len(themes.edits) else 0
        rows.append(
            (
                "Open-ended answers",
                f"answers to \u201c{themes.question}\u201d grouped into {model.n_themes_} "
                f"themes: {how}; every answer gets a theme or a set-aside group. "
                + (f"{set_aside_note(model)} " if set_aside_note(model) else "")
                + f"{model.criterion_.rstrip('.')}. "
                + (
                    f"{applied} saved researcher edit(s) (renames, merges, splits, pins) replayed. "
                    if applied
                    else ""
                )
                + "Theme names are the researchers' where they renamed them, else the most "
                "distinctive term",
            )
        )
    elif basis.themes_problem:
        rows.append(("Open-ended answers", f"not clustered: {basis.themes_problem}"))
    return rows


def _weighting_method(study, basis: SurveyBasis) -> str:
    """The method line of the weights: margins, trimming, design effect."""
    weights, weighting = basis.weights, basis.weighting
    effect = design_effect(weights).iloc[0]
    source = basis.source
    margins = source.population_margins
    try:
        margins_name = str(margins.relative_to(study.folder))
    except (AttributeError, ValueError):
        margins_name = str(margins)
    text = (
        "raked (iterative proportional fitting) to the population margins of "
        + join_words(raking_variables(weighting))
        + f" in {margins_name}"
    )
    trim = weighting.raking.trim if weighting is not None else None
    if trim:
        low, high = weighting.raking.weight_ratio_range or (None, None)
        text += (
            f"; weights trimmed to {trim[0]:g}\u2013{trim[1]:g} times the mean weight and raked "
            "again"
        )
        if low is not None:
            text += f" (final range {low:.2f}\u2013{high:.2f} times the mean)"
        if weighting.raking.within_trim_bounds is False:
            # The margins win over the bounds (rake's WeightingWarning): readers must know.
            text += (
                "; the trim bounds could not be met while matching the margins, so the margins "
                "were kept and some weights lie outside the bounds"
            )
    counts = weighting.not_in_margins if weighting is not None else None
    outside = (
        {
            str(v): int(n)
            for v, n in zip(counts["variable"], counts["respondents"], strict=True)
            if n
        }
        if counts is not None
        else {}
    )
    if outside:
        text += (
            "; "
            + join_words(
                [
                    f"{n:,} respondents whose {v} has no population figure"
                    for v, n in outside.items()
                ]
            )
            + " (such as \u201cPrefer not to say\u201d) keep their share of the weight for it"
        )
    text += (
        f"; design effect {effect['deff']:.2f}, so {len(weights):,} respondents carry the "
        f"precision of about {effect['effective_n']:,.0f}"
    )
    return text


def _clustering_method(themes: QuestionThemes) -> str:
    """How the open answers were clustered, for the method appendix (and how it started)."""
    warm = themes.start != "fresh"
    start = (
        f"the researchers' latest kept clustering ({themes.start.removeprefix('warm ')})"
        if warm
        else "k-means"
    )
    if getattr(themes.clusterer, "embedding", "tfidf") == "sentence":
        return (
            "all-MiniLM-L6-v2 sentence vectors joined with lemma TF-IDF/LSA vectors, clustered "
            "by a mixture of their directions and the answers' words started from " + start
        )
    return (
        "lemma TF-IDF with word n-grams, reduced by LSA, clustered by a Dirichlet-multinomial "
        "mixture started from " + start
    )

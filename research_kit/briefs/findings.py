"""The findings of a study, gathered once for every brief: the dashboard and the PDF both show it.

:func:`assemble_findings` re-runs the analyses from the raw data and the study database and
returns a :class:`Findings`: plain-language headlines, one :class:`Section` per strand of the
study (interviews, survey, the themes of the survey's open answers, process) and a method
appendix. Every number, table, chart (SVG
text) and quote a reader sees comes from here, so the Voila dashboard and the PDF findings
always agree. Rendering lives in :mod:`research_kit.briefs.report`.

Survey figures are weighted to the population when the study gives population margins
(``study.survey_weights``), with 95% margins of error and tests of each group against the rest
(:func:`research_kit.survey.top_box`); the open answers are clustered into themes once per brief
(:func:`research_kit.survey.themes.cluster_question`, with the researchers' saved edits,
warm-started from the question's latest kept run; the brief keeps no run itself, so it never
writes a clustering to the study).

Privacy: every breakdown of people by group goes through :mod:`research_kit.privacy`
(small cells hidden, and complementary cells too where totals are published: the Likert table
by group against the all-respondents n per item, interviews by role against the number of
interviews); quotes are attributed by role and ward only, never by name or participant id, and
they and the survey's example answers are redacted by default (e-mails, phone numbers, street
addresses, participant names and the names listed under ``privacy: {names: [...]}`` in
``study.yml``; spaCy's PERSON entities too when a trained pipeline is installed). Strings stay
raw here; the templates escape them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from research_kit import interviews as iv
from research_kit import privacy, viz
from research_kit import process as pm
from research_kit import text as rktext
from research_kit.errors import ResearchKitError
from research_kit.settings import STUDY_FILE
from research_kit.survey import design_effect, likert_summary, scale_order, top_box
from research_kit.survey.breakdown import crosstab, weighted_distribution
from research_kit.survey.responses import normalise_answer
from research_kit.survey.themes import QuestionThemes, cluster_question
from research_kit.yamlfiles import parse_yaml

__all__ = [
    "GROUPS",
    "GROUP_LABELS",
    "PILOT_DATE",
    "PILOT_PERMIT_TYPE",
    "FigureSpec",
    "Findings",
    "Quote",
    "Section",
    "Table",
    "assemble_findings",
    "privacy_names",
]

#: Survey attributes a brief may break the Likert results and the answer themes down by.
GROUPS = ("ward", "age_band", "race_ethnicity", "business_type", "language")
#: How many themes to find in the open answers: "auto" lets the clusterer choose k by its
#: stated criterion (the method appendix quotes it).
ANSWER_THEMES_K: int | str = "auto"
#: The longest example answer a themes table shows (characters; longer ones are cut at a word);
#: answers of a readable length (up to the first number) are preferred.
_EXAMPLE_LENGTH = (20, 140)
_EXAMPLE_LIMIT = 200
#: The survey frame's weight column while a brief is assembled.
_WEIGHT = "_rk_weight"
#: Estimates of a breakdown cell, hidden with it.
_ESTIMATES = ("share", "se", "ci_low", "ci_high", "margin_of_error")
#: The Small Business Express pilot: cases started on or after this date, of this permit type,
#: are compared with those before (the sample study's process change).
PILOT_DATE = "2025-07-01"
PILOT_PERMIT_TYPE = "Tenant improvement"
#: Activities whose share of cases the before/after comparison reports (when the log has them).
_PILOT_ACTIVITIES = ("Request missing documents", "Request plan corrections")
#: A step counts as a possible bottleneck when at least this share of cases reaches it.
_COMMON_STEP = 0.10
GROUP_LABELS = {
    "ward": "Ward",
    "age_band": "Age",
    "race_ethnicity": "Race/ethnicity",
    "business_type": "Type of business",
    "language": "Language",
}
#: Readable names of :data:`GROUPS` (column headings, filter labels).
SUPPRESSED = "suppressed"
#: Participant ids in interview notes ("P12"): quotes name role and ward only.
_PARTICIPANT_ID = re.compile(r"\bP\d{1,3}\b")


@dataclass
class Table:
    """A table for readers: ``frame`` holds display-ready values (text and numbers)."""

    caption: str
    frame: pd.DataFrame
    note: str = ""


@dataclass
class FigureSpec:
    """A chart as SVG text from our own renderers, with alt text for screen readers."""

    svg: str
    alt: str
    caption: str = ""
    #: A wide diagram (a swimlane map): the PDF gives it a landscape page of its own.
    wide: bool = False


@dataclass
class Quote:
    """An interview excerpt, attributed by role and ward only (never a name)."""

    text: str
    attribution: str
    #: The theme the quote illustrates (a heading for grouping quotes; may be empty).
    theme: str = ""


@dataclass
class Section:
    """One part of a brief; ``id`` is stable (interviews, survey, themes, process, method)."""

    id: str
    title: str
    summary: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureSpec] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    notice: str | None = None


@dataclass
class Findings:
    """Everything a brief shows, computed from one study with one set of filters."""

    title: str
    subtitle: str
    question: str
    audience: str
    generated: datetime
    headlines: list[str]
    sections: list[Section]
    method: Section
    filters: dict[str, str] = field(default_factory=dict)
    #: The clustering behind the themes section (a QuestionThemes), for re-use: pass it back
    #: as ``assemble_findings(..., answer_themes=...)`` to skip clustering again.
    answer_themes: QuestionThemes | None = field(default=None, repr=False)

    def section(self, section_id: str) -> Section:
        """The section with this id (``method`` included)."""
        for section in [*self.sections, self.method]:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


# -- the one entry point -------------------------------------------------------------------------
def assemble_findings(
    study,
    *,
    audience: str = "public",
    ward: str | None = None,
    group: str | None = None,
    theme: str | None = None,
    coder: str | None = None,
    redact: bool = True,
    answer_themes: QuestionThemes | None = None,
) -> Findings:
    """Gather the headlines, sections and method appendix of a study's findings.

    Imports the study's shipped codings (``codings`` in ``study.yml``) first when its database
    holds none, so a fresh copy of a study gives the full brief.

    Parameters
    ----------
    study : Study
    audience : str
        Who the brief is for ("public", "council", "staff" …); shown on the cover.
    ward : str, optional
        Narrow quotes, the survey table and the event log to one ward.
    group : str, optional
        Break the survey results down by this attribute (one of :data:`GROUPS`; default ward).
    theme : str, optional
        Show quotes for this theme only (theme id or name).
    coder : str, optional
        Whose codings to summarise (default: the coder with the most codings).
    redact : bool
        Hide personal information in quotes (the default, for anything shown to stakeholders):
        e-mails, phone numbers and street addresses always; the participants' names (a
        ``name`` attribute of the notes) and the names under ``privacy: {names: [...]}`` in
        ``study.yml``; PERSON entities when the study's spaCy pipeline has a recogniser.
        ``redact=False`` is for the research team only. The example answers of the survey
        themes are redacted the same way.
    answer_themes : QuestionThemes, optional
        The themes of the survey's first open-ended question from an earlier brief of the same
        study (``Findings.answer_themes``): clustering is the slowest step, and the themes do
        not depend on the filters, so a dashboard clusters once. By default the answers are
        clustered (``k`` per :data:`ANSWER_THEMES_K`), weighted like the rest of the survey.

    Returns
    -------
    Findings

    Raises
    ------
    ResearchKitError
        For a group, ward or theme the study does not have.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> findings = assemble_findings(study, ward="Ward 2")
    >>> [section.id for section in findings.sections], findings.method.id
    (['interviews', 'survey', 'themes', 'process'], 'method')
    >>> 3 <= len(findings.headlines) <= 5
    True
    >>> study.close()
    """
    group = group or "ward"
    if group not in GROUPS:
        raise ResearchKitError(
            f"cannot break the survey down by {group!r}",
            hint="choose one of: " + ", ".join(GROUPS),
        )
    _ensure_codings(study)
    primary = coder or _primary_coder(study)
    themes = iv.theme_summary(study, coder=primary)
    theme_id = _resolve_theme(themes, theme)
    survey = study.survey()
    if ward is not None and ward not in set(survey["ward"].dropna()):
        known = sorted(survey["ward"].dropna().unique())
        raise ResearchKitError(
            f"the study has no ward {ward!r}", hint="choose one of: " + ", ".join(known)
        )

    log = study.event_log()
    if ward is not None and "ward" in log.columns:
        log = pm.filter_cases(log, ward=ward)

    facts: dict[str, Any] = {}
    scrub = _redactor(study) if redact else _keep
    basis = _survey_basis(study, survey, answer_themes)
    answers = _themes_section(study, basis, group=group, ward=ward, facts=facts, scrub=scrub)
    sections = [
        _interviews_section(
            study, themes, primary, ward=ward, theme_id=theme_id, facts=facts, scrub=scrub
        ),
        _survey_section(study, basis, group=group, ward=ward, facts=facts),
        *([answers] if answers is not None else []),
        _process_section(study, log, primary, ward=ward, facts=facts),
    ]
    filters = {"ward": ward or "All wards", "group": GROUP_LABELS[group]}
    if theme_id:
        filters["theme"] = str(themes.set_index("theme_id").loc[theme_id, "theme"])
    return Findings(
        title=f"Findings: {study.name}",
        subtitle=_city_name(study.name),
        question=study.question,
        audience=audience,
        generated=datetime.now().astimezone(),
        headlines=_headlines(facts, ward=ward),
        sections=sections,
        method=_method_section(
            study, primary, basis, study.event_log(), facts=facts, redact=redact
        ),
        filters=filters,
        answer_themes=basis.themes,
    )


# -- interviews --------------------------------------------------------------------------------
def _ensure_codings(study) -> None:
    if not iv.coders(study).empty:
        return
    for path in study.settings.codings:
        iv.import_codings(study, path)


def _primary_coder(study) -> str | None:
    table = iv.coders(study)
    if table.empty:
        return None
    return str(table.sort_values("codings", ascending=False, kind="stable").iloc[0]["coder"])


def _resolve_theme(themes: pd.DataFrame, theme: str | None) -> str | None:
    if theme is None:
        return None
    wanted = theme.strip().casefold()
    for theme_id, name in zip(themes["theme_id"], themes["theme"], strict=True):
        if wanted in (str(theme_id).casefold(), str(name).casefold()):
            return str(theme_id)
    raise ResearchKitError(
        f"the codebook has no theme {theme!r}",
        hint="choose one of: " + ", ".join(map(str, themes["theme"])),
    )


def _keep(text: str) -> str:
    return text


def _redactor(study):
    """A function that redacts one quote with the study's names (and NER, when available)."""
    names = list(privacy_names(study))
    nlp = None
    model = study.settings.text_model
    if model != "blank" and (model != "auto" or rktext.installed_trained_pipeline()):
        nlp = study.nlp()
        if "ner" not in nlp.pipe_names:
            nlp = None

    def scrub(text: str) -> str:
        return rktext.redact(text, names=names, nlp=nlp)

    return scrub


def privacy_names(study) -> tuple[str, ...]:
    """Names to hide in quotes: the notes' ``name`` attribute plus ``privacy: names`` in study.yml.

    ``study.yml`` is read leniently: a missing or malformed ``privacy`` key gives no names.
    """
    names: list[str] = []
    documents = study.documents_table()
    if "name" in documents.columns:
        names += [str(n) for n in documents["name"].dropna() if str(n).strip()]
    path = study.folder / STUDY_FILE
    try:
        data = parse_yaml(path.read_text(encoding="utf-8-sig"), path)
    except (OSError, UnicodeDecodeError, ResearchKitError):
        data = None
    section = data.get("privacy") if isinstance(data, dict) else None
    listed = section.get("names") if isinstance(section, dict) else None
    if isinstance(listed, str):
        listed = [listed]
    if isinstance(listed, list):
        names += [str(n) for n in listed if n is not None and str(n).strip()]
    return tuple(dict.fromkeys(names))


def _interviews_section(study, themes, coder, *, ward, theme_id, facts, scrub=_keep) -> Section:
    n_documents = len(study.documents_table())
    ranked = themes.sort_values("excerpts", ascending=False, kind="stable")
    table = pd.DataFrame(
        {
            "Theme": ranked["theme"],
            "Excerpts": ranked["excerpts"].astype(int),
            "Interviews": [f"{d} of {n_documents}" for d in ranked["documents"]],
            "Most-used codes": ranked["top_codes"],
        }
    )
    if not ranked.empty and n_documents:
        top = ranked.iloc[0]
        by_reach = themes.sort_values(["documents", "excerpts"], ascending=False).iloc[0]
        facts["top_theme"] = (str(by_reach["theme"]), int(by_reach["documents"]), n_documents)
        summary = (
            f"{len(themes)} themes from {n_documents} interviews. "
            f"\u201c{top['theme']}\u201d has the most coded excerpts ({int(top['excerpts'])})"
        )
        if by_reach["theme_id"] == top["theme_id"]:
            summary += f" and came up in {int(top['documents'])} of {n_documents} interviews."
        else:
            summary += (
                f"; \u201c{by_reach['theme']}\u201d came up in the most interviews "
                f"({int(by_reach['documents'])} of {n_documents})."
            )
    else:
        summary = "No interview codings yet."
    chart = pd.DataFrame({"Theme": themes["theme"], "Excerpts": themes["excerpts"].astype(int)})
    figures = []
    if not chart.empty:
        ax = viz.bar_chart(chart, x="Excerpts", y="Theme", title="Coded excerpts per theme")
        alt = "Bar chart of coded excerpts per theme: " + "; ".join(
            f"{t} {n}" for t, n in zip(ranked["theme"], ranked["excerpts"], strict=True)
        )
        figures.append(
            FigureSpec(
                viz.figure_svg(ax.figure, alt),
                alt,
                f"Excerpts coded under each theme by {coder} (one excerpt may carry several "
                "themes).",
            )
        )

    quotes: list[Quote] = []
    chosen = [theme_id] if theme_id else list(ranked["theme_id"][:3])
    where = {"ward": ward} if ward else None
    per_theme = 3 if theme_id else 2
    for one in chosen:
        found = iv.quotes(study, theme=one, coder=coder, where=where)
        name = str(themes.set_index("theme_id").loc[one, "theme"])
        quotes += [
            Quote(q.text, q.attribution, name)
            for q in _strongest_quotes(found, per_theme, scrub=scrub)
        ]
    notice = None
    if ward and not quotes:
        notice = f"No coded quotes from interview participants in {ward}."
    return Section(
        id="interviews",
        title="What people told us",
        summary=summary,
        tables=[Table("Themes from the interviews, most excerpts first", table)],
        figures=figures,
        quotes=quotes,
        notice=notice,
    )


def _strongest_quotes(found: pd.DataFrame, count: int, *, scrub=_keep) -> list[Quote]:
    """Prefer direct speech of a readable length, one quote per participant.

    ``scrub`` (redaction) runs on the whole excerpt before it is shortened, so a cut never
    leaves half a phone number behind.
    """
    if found.empty:
        return []
    candidates = found.drop_duplicates(["document_id", "start", "end"]).copy()
    candidates["clean"] = candidates["text"].map(_clean_quote).map(scrub)
    length = candidates["clean"].str.len()
    candidates["score"] = (
        candidates["clean"].str.contains('["\u201c]', regex=True).astype(int) * 2
        + length.between(60, 420).astype(int)
        + (
            found.groupby(["document_id", "start"])["code_id"]
            .transform("nunique")
            .reindex(candidates.index)
            .fillna(1)
            > 1
        ).astype(int)
    )
    candidates = candidates.sort_values(["score", "start"], ascending=[False, True], kind="stable")
    picked: list[Quote] = []
    seen: set[str] = set()
    for row in candidates.itertuples():
        if row.participant in seen:
            continue
        seen.add(row.participant)
        picked.append(Quote(_shorten(row.clean), _attribution(row)))
        if len(picked) == count:
            break
    return picked


def _clean_quote(text: str) -> str:
    """Drop the interview-notes scaffolding: a leading "A:" and Markdown emphasis marks."""
    text = re.sub(r"^\s*[AQ]:\s*", "", str(text))
    text = _PARTICIPANT_ID.sub("[participant]", text)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).strip()


def _shorten(text: str, limit: int = 420) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


def _attribution(row) -> str:
    parts = [getattr(row, "role", None), getattr(row, "ward", None)]
    return ", ".join(str(p) for p in parts if p is not None and not pd.isna(p)) or "participant"


# -- survey ------------------------------------------------------------------------------------
@dataclass
class _SurveyBasis:
    """What the survey, themes and method parts of one brief share (computed once per brief)."""

    source: Any  # the study's SurveySource
    #: Every respondent; with the weight in :data:`_WEIGHT` when weighted.
    survey: pd.DataFrame
    weights: pd.Series | None
    #: Why the survey is not weighted although it has population margins (an error message).
    weighting_problem: str | None
    #: Likert items with the scale of each, lowest level first; items whose scale is unknown.
    scales: dict[str, list[str]]
    unscaled: list[str]
    #: The themes of the first open-ended question, or why there are none.
    themes: QuestionThemes | None
    themes_problem: str | None

    @property
    def weighted(self) -> bool:
        return self.weights is not None


def _survey_basis(
    study, survey: pd.DataFrame, answer_themes: QuestionThemes | None = None
) -> _SurveyBasis:
    """Weights, Likert scales and open-answer themes of the study's (first) survey.

    Weights rake to the population margins when the study gives them; when raking fails the
    brief says so and shows unweighted shares rather than failing as a whole.
    """
    source = study.survey_source()
    weights, weighting_problem = None, None
    if source.population_margins is not None:
        try:
            weights = study.survey_weights(source.id, survey=survey)
        except ResearchKitError as exc:
            weighting_problem = str(exc)
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
    return _SurveyBasis(
        source, framed, weights, weighting_problem, scales, unscaled, themes, themes_problem
    )


def _answering_counts(
    survey: pd.DataFrame, scales: dict[str, list[str]], *, by: str
) -> pd.DataFrame:
    """Respondents per item and group who chose a point of the item's scale (``item, group, n``).

    The same base as :func:`~research_kit.survey.likert.top_box` (non-answers left out).

    Examples
    --------
    >>> people = pd.DataFrame({"ward": ["W1", "W1", "W2"], "q": ["Agree", "n/a", " agree"]})
    >>> _answering_counts(people, {"q": ["Disagree", "Agree"]}, by="ward")
      item group  n
    0    q    W1  1
    1    q    W2  1
    """
    rows = []
    for item, scale in scales.items():
        keys = {normalise_answer(level) for level in scale}
        on_scale = survey[item].map(
            lambda value, keys=keys: isinstance(value, str) and normalise_answer(value) in keys
        )
        counts = on_scale.astype(bool).groupby(survey[by], sort=True).sum()
        rows += [{"item": item, "group": group, "n": int(n)} for group, n in counts.items()]
    return pd.DataFrame(rows, columns=["item", "group", "n"])


def _hide_recoverable_groups(
    table: pd.DataFrame,
    survey: pd.DataFrame,
    scales: dict[str, list[str]],
    *,
    by: str,
    min_size: int,
) -> pd.DataFrame:
    """Also hide groups whose n would give away a hidden group's n through an item's total.

    :func:`top_box` hides a small group's n, but readers see every other group's n and the
    all-respondents n of the item: with one group hidden, its n is their difference. So the
    group ns of each item go through complementary suppression as a row of a table whose
    total is known, and a group hidden there is hidden whole.
    """
    counts = _answering_counts(survey, scales, by=by)
    shown = privacy.suppress_table(
        counts, row="item", column="group", count="n", min_size=min_size, margins="rows"
    )
    hidden_n = {
        (item, group): bool(flag)
        for item, group, flag in zip(
            shown["item"], shown["group"], shown["suppressed"], strict=True
        )
    }
    extra = np.array(
        [hidden_n.get((i, g), False) for i, g in zip(table["item"], table["group"], strict=True)]
    ) & ~table["suppressed"].to_numpy(bool)
    result = table.copy()
    for column in ("n", "count", *_ESTIMATES, "difference", "p_value", "p_adjusted", "significant"):
        if column in result:
            result[column] = result[column].mask(extra)
    result.loc[extra, "suppressed"] = True
    result.loc[extra, "suppression_reason"] = "complementary"
    return result


def _survey_section(study, basis: _SurveyBasis, *, group, ward, facts) -> Section:
    min_size = study.min_cell_size
    label = GROUP_LABELS[group]
    survey = basis.survey if ward is None else basis.survey[basis.survey["ward"] == ward]
    where = f" in {ward}" if ward else ""
    items = list(basis.scales)
    weights = _WEIGHT if basis.weighted else None
    facts["survey_n"] = len(survey)
    notices = _survey_notices(basis)
    try:
        overall = top_box(
            survey, items, order=basis.scales, weights=weights, min_cell_size=min_size
        )
        by_group = top_box(
            survey, items, order=basis.scales, weights=weights, by=group, min_cell_size=min_size
        )
        levels = likert_summary(
            survey, items, order=basis.scales, weights=weights, min_cell_size=min_size
        )
    except ResearchKitError as exc:  # no items, too few respondents, an answer off the scale
        return Section(
            id="survey",
            title="What the survey says",
            summary=f"No survey answers{where} to report.",
            notice=" ".join([*notices, str(exc)]),
        )
    by_group = _hide_recoverable_groups(by_group, survey, basis.scales, by=group, min_size=min_size)
    test = str(by_group["test"].dropna().iloc[0]) if by_group["test"].notna().any() else ""
    facts["survey_test"] = test
    note = _weighting_note(basis, min_size) + (
        f" \u201cHigher\u201d or \u201clower\u201d: the group's share differs from that of "
        f"all other respondents ({test}, p < 0.05)."
        if test
        else ""
    )
    overall_table = pd.DataFrame(
        {
            "Statement": overall["item"],
            "Counted as agreeing": overall["box"],
            "n": overall["n"].astype("Int64").astype(str),
            "Agree": _percents(overall["share"], overall["suppressed"]),
            "Margin of error (95%)": _points(overall["margin_of_error"], overall["suppressed"]),
        }
    )
    display = pd.DataFrame(
        {
            "Statement": by_group["item"],
            label: by_group["group"].astype(str),
            "n": [
                SUPPRESSED if s else str(int(n))
                for n, s in zip(by_group["n"], by_group["suppressed"], strict=True)
            ],
            "Agree": _percents(by_group["share"], by_group["suppressed"]),
            "Margin of error (95%)": _points(by_group["margin_of_error"], by_group["suppressed"]),
            "Versus the rest": [
                SUPPRESSED if s else _versus(flag, difference)
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
        }
        summary = (
            f"{len(survey):,} survey respondents{where}. The statement with the least agreement "
            f"is \u201c{lowest['item']}\u201d ({lowest['share']:.0%} agree, "
            f"\u00b1{lowest['margin_of_error'] * 100:.0f} points{weighting})."
        )
        chart = by_group[by_group["item"] == lowest["item"]]
        figures.append(_agreement_by_group_figure(chart, str(lowest["item"]), label, min_size))
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


def _survey_notices(basis: _SurveyBasis) -> list[str]:
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


def _weighting_note(basis: _SurveyBasis, min_size: int) -> str:
    if basis.weighted:
        text = (
            "Weighted to the population (raked to "
            + _join(_raking_variables(basis.weights))
            + "): estimates for everyone the survey stands for, with 95% margins of error. "
        )
    else:
        text = "Unweighted: shares of respondents who answered, not estimates for the population. "
    return text + (
        "n counts respondents who chose a point of the scale (\u201cDon't know\u201d and blanks "
        f"are left out). Groups with fewer than {min_size} answers are suppressed, and so is the "
        "next smallest where a hidden number could otherwise be worked out from the totals."
    )


def _clustering_method(themes: QuestionThemes) -> str:
    """How the open answers were clustered, for the method appendix (and how it started)."""
    warm = themes.start != "fresh"
    origin = f"the researchers' latest kept clustering ({themes.start.removeprefix('warm ')})"
    if getattr(themes.clusterer, "embedding", "tfidf") == "sentence":
        method = "k-means started from " + origin if warm else "spherical k-means"
        return "all-MiniLM-L6-v2 sentence vectors clustered by " + method
    return (
        "lemma TF-IDF with word n-grams, reduced by LSA, clustered by a Dirichlet-multinomial "
        "mixture started from " + (origin if warm else "spherical k-means")
    )


def _versus(significant, difference) -> str:
    if pd.isna(significant) or not bool(significant):
        return "no clear difference"
    return "higher" if difference > 0 else "lower"


def _percents(shares: pd.Series, suppressed: pd.Series) -> list[str]:
    return [
        SUPPRESSED if s or pd.isna(v) else f"{v:.0%}"
        for v, s in zip(shares, suppressed, strict=True)
    ]


def _points(margins: pd.Series, suppressed: pd.Series) -> list[str]:
    return [
        SUPPRESSED if s or pd.isna(m) else f"\u00b1{m * 100:.0f} pts"
        for m, s in zip(margins, suppressed, strict=True)
    ]


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
        data["item"] = data["item"].map(lambda s: _wrap(s, 44))
        weighted = "weighted to the population" if basis.weighted else "unweighted"
        with plt.rc_context({"text.parse_math": False}):
            fig = viz.likert_bars(
                data, order=names, wrap=44, title=f"How respondents answered ({weighted})"
            )
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


def _agreement_by_group_figure(
    chart: pd.DataFrame, item: str, label: str, min_size: int
) -> FigureSpec:
    chart = chart.copy()
    chart.attrs = {"min_cell_size": min_size, "level": 0.95, "alpha": 0.05}
    with plt.rc_context({"text.parse_math": False}):
        fig = viz.share_by_group(
            chart,
            category=item,
            category_column="item",
            title=_wrap(f"\u201c{item}\u201d: {_box_words(chart)}, by {label.lower()}", 70),
        )
    parts = []
    for row in chart.itertuples():
        if row.suppressed:
            parts.append(f"{row.group} suppressed")
            continue
        text = f"{row.group} {row.share:.0%} (\u00b1{row.margin_of_error * 100:.0f})"
        if _versus(row.significant, row.difference) != "no clear difference":
            text += f", {_versus(row.significant, row.difference)} than the rest"
        parts.append(text)
    alt = (
        f"Dot chart of the share answering {_box_words(chart)} to \u201c{item}\u201d by "
        f"{label.lower()}, with 95% confidence intervals: " + "; ".join(parts) + "."
    )
    caption = (
        f"The statement with the least agreement, by {label.lower()}: each dot is a group's "
        "share with its 95% confidence interval; filled dots differ significantly from the "
        "rest of respondents. Groups too small to show are labelled suppressed."
    )
    return FigureSpec(viz.figure_svg(fig, alt), alt, caption)


def _box_words(table: pd.DataFrame) -> str:
    """The levels counted as agreeing, in words: "Agree or Strongly agree"."""
    box = str(table["box"].iloc[0]) if "box" in table and len(table) else "agree"
    return box.replace(" + ", " or ")


def _raking_variables(weights: pd.Series | None) -> list[str]:
    if weights is None:
        return []
    return [str(v) for v in weights.attrs.get("not_in_margins", {})]


# -- open-ended answers ------------------------------------------------------------------------
def _themes_section(study, basis: _SurveyBasis, *, group, ward, facts, scrub=_keep):
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
    min_size = study.min_cell_size
    assigned = themes.assignments
    if ward is not None:
        assigned = assigned[assigned["ward"] == ward]
    question = themes.question
    statuses = themes.answers
    if ward is not None:
        in_ward = set(basis.survey.loc[basis.survey["ward"] == ward, "respondent_id"])
        statuses = statuses[statuses["respondent_id"].isin(in_ward)]
    answered, non_answers, blanks = _answer_status_counts(statuses, min_size=min_size)
    weights = assigned["weight"] if "weight" in assigned.columns else None
    described = themes.themes.set_index("cluster")
    clusters = list(described.index)
    try:
        # By cluster id, not name: two themes may carry the same automatic name.
        overall = weighted_distribution(
            assigned, "cluster", weights=weights, levels=clusters, min_cell_size=min_size
        )
    except ResearchKitError as exc:
        return Section(
            id="themes",
            title=title,
            summary=f"{answered} people answered \u201c{question}\u201d{where}.",
            notice=str(exc),
        )
    overall = overall.sort_values(
        ["suppressed", "share"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)
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
                    _percents(overall["share"], overall["suppressed"]),
                    _points(overall["margin_of_error"], overall["suppressed"]),
                    strict=True,
                )
            ],
            "Distinctive terms": [", ".join(terms[c][:5]) for c in overall["category"]],
            "Example answer": [
                _example_answer(assigned[assigned["cluster"] == c], scrub)
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
        min_size=min_size,
        redacted=scrub is not _keep,
    )
    shown = overall[~overall["suppressed"] & overall["share"].notna()]
    figures = []
    if shown.empty:
        summary = f"{answered} people answered \u201c{question}\u201d{where}; too few to report."
    else:
        top = shown.iloc[0]
        name = labels[top["category"]]
        facts["answer_theme"] = {
            "name": name,
            # An automatic name is one word: its distinctive terms say what the theme is about.
            "terms": [] if described.at[top["category"], "edited"] else terms[top["category"]][:3],
            "share": float(top["share"]),
            "moe": float(top["margin_of_error"]),
            "question": question,
            "weighted": weighted,
        }
        summary = (
            f"{answered} people answered \u201c{question}\u201d{where}; their answers fall into "
            f"{len(clusters)} themes. The most common is \u201c{name}\u201d: about "
            f"{top['share']:.0%} ({_plus_minus(top['margin_of_error'])}) of those who "
            "answered" + (", weighted to the population." if weighted else ".")
        )
        figure = _theme_by_group_figure(
            assigned, clusters, top["category"], name, group=group, min_size=min_size
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
    min_size: int,
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
        f"Themes with fewer than {min_size} answers{where} are suppressed, and so is the next "
        f"smallest where one would be the only one hidden. {redaction}"
    )


def _answer_status_counts(statuses: pd.DataFrame, *, min_size: int) -> tuple[str, str, str]:
    """How many answered, gave a non-answer or left the question blank, as text for readers.

    Within one ward these are counts of a group of people: small ones are hidden, and so is
    the next smallest, since the three add up to the ward's respondents (published).

    Examples
    --------
    >>> statuses = pd.DataFrame({"status": ["answered"] * 40 + ["non_answer"] * 3 + ["blank"] * 9})
    >>> _answer_status_counts(statuses, min_size=5)
    ('40', 'a suppressed number of', 'a suppressed number of')
    """
    counts = pd.DataFrame(
        {
            "row": "all",
            "status": ["answered", "non_answer", "blank"],
            "n": [
                int((statuses["status"] == s).sum()) for s in ("answered", "non_answer", "blank")
            ],
        }
    )
    shown = privacy.suppress_table(
        counts, row="row", column="status", count="n", min_size=min_size, margins="rows"
    )
    answered, non_answers, blanks = (
        "a suppressed number of" if hidden else f"{int(n):,}"
        for n, hidden in zip(counts["n"], shown["suppressed"], strict=True)
    )
    return answered, non_answers, blanks


def _example_answer(members: pd.DataFrame, scrub) -> str:
    """One short answer that fits its theme well, redacted before it is shortened."""
    if members.empty:
        return ""
    ranked = members.assign(
        _fits=members["text"].str.len().between(*_EXAMPLE_LENGTH),
    ).sort_values(["_fits", "confidence", "respondent_id"], ascending=[False, False, True])
    return _shorten(scrub(" ".join(str(ranked["text"].iloc[0]).split())), _EXAMPLE_LIMIT)


def _theme_labels(names: pd.Series, scrub) -> dict[int, str]:
    """Theme names for readers, by cluster: redacted, and numbered where two are the same.

    Examples
    --------
    >>> _theme_labels(pd.Series(["fees", "Call Dana", "fees"], index=[0, 1, 2]), _keep)
    {0: 'fees', 1: 'Call Dana', 2: 'fees (2)'}
    """
    labels: dict[int, str] = {}
    seen: dict[str, int] = {}
    for cluster, name in names.items():
        label = scrub(str(name))
        seen[label] = seen.get(label, 0) + 1
        labels[cluster] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return labels


def _theme_by_group_figure(
    assigned: pd.DataFrame,
    clusters: list,
    cluster: int,
    name: str,
    *,
    group: str,
    min_size: int,
) -> FigureSpec | None:
    """The share of answers in one theme by group, as :meth:`QuestionThemes.shares` breaks it
    down (``name``: the theme as readers see it)."""
    label = GROUP_LABELS[group].lower()
    if group not in assigned.columns:
        return None
    weights = assigned["weight"] if "weight" in assigned.columns else None
    try:
        breakdown = crosstab(
            assigned, "cluster", group, weights=weights, levels=clusters, min_cell_size=min_size
        )
    except ResearchKitError:
        return None
    chart = breakdown[breakdown["category"] == cluster]
    if chart.empty or chart["suppressed"].all():
        return None
    with plt.rc_context({"text.parse_math": False}):
        fig = viz.share_by_group(
            breakdown,
            category=cluster,
            title=_wrap(f"Answers in the theme \u201c{name}\u201d, by {label}", 70),
        )
    parts = [
        f"{row.group} suppressed"
        if row.suppressed
        else f"{row.group} {row.share:.0%} (\u00b1{row.margin_of_error * 100:.0f})"
        for row in chart.itertuples()
    ]
    alt = (
        f"Dot chart of the share of answers in the theme \u201c{name}\u201d by {label}, with "
        "95% confidence intervals: " + "; ".join(parts) + "."
    )
    caption = (
        f"The most common theme, by {label}: each dot is a group's share of answers in it, "
        "with its 95% confidence interval; filled dots differ significantly from the rest of "
        "respondents. Groups too small to show are labelled suppressed."
    )
    return FigureSpec(viz.figure_svg(fig, alt), alt, caption)


# -- process -----------------------------------------------------------------------------------
def _process_section(study, log, coder, *, ward, facts) -> Section:
    spec = study.process_map()
    annotations = pm.step_annotations(study, spec, log, coder=coder)
    alt = (
        f"Swimlane map of the {spec.name} process, annotated with median waits and "
        "interview evidence per step."
    )
    figures = [
        FigureSpec(
            viz.inline_svg(pm.swimlane_svg(spec, annotations=annotations), alt),
            alt,
            "The process as designed, with the median wait before each step (from the event log) "
            "and how often interviews mention it.",
            wide=True,
        )
    ]
    n_cases = log["case_id"].nunique()
    waits = pm.bottlenecks(log, by="activity")
    # A step few cases reach (withdrawal, say) is not a bottleneck, however long its wait.
    waits = waits[waits["count"] >= _COMMON_STEP * n_cases]
    waits = waits.sort_values("median", ascending=False, kind="stable").head(5)
    table = pd.DataFrame(
        {
            "Step": waits["activity"],
            "Waits": waits["count"].astype(int),
            "Median wait": waits["median"].map(pm.format_duration),
            "90th percentile": waits["p90"].map(pm.format_duration),
            "Share of all waiting": waits["share_of_wait"].map(lambda s: f"{s:.0%}"),
        }
    )
    tables = [
        Table(
            "Longest waits: the time before each step starts, longest median first",
            table,
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
        summary += f" The longest wait is before {activity} (median {_days(median)})."

    if "permit_type" in log.columns:
        pilot = pm.filter_cases(log, permit_type=PILOT_PERMIT_TYPE)
        if pilot["case_id"].nunique() >= 2 * study.min_cell_size:
            result = pm.compare_periods(
                pilot, PILOT_DATE, timezone=study.settings.timezone or "UTC"
            )
            summary_rows = result["summary"].set_index("label")
            if {"before", "after"} <= set(summary_rows.index) and min(
                summary_rows.loc[["before", "after"], "cases"]
            ) >= study.min_cell_size:
                acts = result["activities"].set_index("activity")
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


# -- headlines and method ----------------------------------------------------------------------
def _headlines(facts: dict, *, ward: str | None) -> list[str]:
    lines = []
    if "top_theme" in facts:
        name, documents, total = facts["top_theme"]
        lines.append(
            f"\u201c{name}\u201d was the most widely raised theme: it came up in "
            f"{documents} of {total} interviews."
        )
    if "bottleneck" in facts:
        activity, median, p90 = facts["bottleneck"]
        where = f" in {ward}" if ward else ""
        lines.append(
            f"The biggest bottleneck{where} is the wait before {activity.lower()}: a median of "
            f"{_days(median)}, and one case in ten waits more than {_days(p90)}."
        )
    if "pilot" in facts:
        when, before, after = facts["pilot"]
        verb = "fell" if after < before else "rose"
        lines.append(
            f"For {PILOT_PERMIT_TYPE.lower()} permits, the median time from application to the "
            f"last recorded step {verb} from {_days(before)} to {_days(after)} for cases started "
            f"after {when}."
        )
    if "lowest_item" in facts:
        lowest = facts["lowest_item"]
        item, worst = lowest["item"].strip(), lowest["worst"]
        who = (
            "survey respondents (weighted to the population)"
            if lowest["weighted"]
            else "survey respondents"
        )
        share = f"{lowest['share']:.0%} ({_plus_minus(lowest['moe'])})"
        if item.endswith("?"):
            line = f"Only {share} of {who} answer \u201c{item}\u201d positively"
        else:
            line = f"Only {share} of {who} agree that \u201c{item.rstrip('.')}\u201d"
        if worst is not None:
            line += (
                f"; {worst['group']} is lowest at {worst['share']:.0%} "
                f"({_plus_minus(worst['margin_of_error'])})"
            )
        lines.append(line + ("." if lowest["weighted"] else " (unweighted shares)."))
    if "answer_theme" in facts:
        theme = facts["answer_theme"]
        where = f" in {ward}" if ward else ""
        # A name made of the top terms ("plan · review · weeks") needs no list of them; a
        # researcher's name ("Faster plan review") gets the terms that back it.
        named_by_terms = set(map(str, theme["terms"])) & set(str(theme["name"]).split(" · "))
        shown = [str(term) for term in theme["terms"][:3]]
        terms = f" ({', '.join(shown)})" if shown and not named_by_terms else ""
        lines.append(
            f"About {theme['share']:.0%} ({_plus_minus(theme['moe'])}) of those{where} who "
            f"answered \u201c{theme['question'].strip()}\u201d raised \u201c{theme['name']}\u201d"
            f"{terms}, the most common theme"
            + ("." if theme["weighted"] else " (unweighted share).")
        )
    if facts.get("survey_n") and len(lines) < 5:
        lines.append(
            f"{facts['survey_n']:,} people answered the survey"
            + (f" in {ward}" if ward else "")
            + "."
        )
    return lines[:5]


def _method_section(
    study, coder, basis: _SurveyBasis, log, *, facts: dict, redact: bool = True
) -> Section:
    documents = study.documents_table()
    by_role = documents.groupby("role").size().rename("n").reset_index()
    # The number of interviews is published, so one hidden role could be worked back from it.
    by_role = privacy.suppress_table(
        by_role.assign(_all="all"),
        row="_all",
        column="role",
        count="n",
        min_size=study.min_cell_size,
        margins="rows",
    )
    roles = pd.DataFrame(
        {
            "Role": by_role["role"],
            "Interviews": [
                SUPPRESSED if s else str(int(n))
                for n, s in zip(by_role["n"], by_role["suppressed"], strict=True)
            ],
        }
    )
    dates = pd.to_datetime(documents["date"].astype(str), errors="coerce").dropna()
    codebook = study.codebook()
    n_themes = len(codebook.themes)
    n_codes = len(list(codebook)) - n_themes
    coders = iv.coders(study)
    agreement = "one coder only; no inter-coder agreement computed"
    if len(coders) >= 2:
        names = list(coders["coder"])
        overall = iv.coder_agreement(study, coders=names[:2])
        overall = overall[overall["code_id"] == "overall"]
        if not overall.empty:
            row = overall.iloc[0]
            agreement = (
                f"{row['coder_a']} and {row['coder_b']} both coded {int(row['n_documents'])} "
                f"interviews: Cohen's kappa {row['cohen_kappa']:.2f}, Krippendorff's alpha "
                f"{row['krippendorff_alpha']:.2f} (overall, per excerpt and code)"
            )
    times = pd.to_datetime(log["timestamp"], utc=True)
    rows = [
        (
            "Interviews",
            f"{len(documents)} semi-structured interviews with "
            + _join([_plural(r) for r in sorted(set(documents["role"].dropna().map(str)))])
            + "; participants are not named.",
        ),
        (
            "Interview dates",
            f"{dates.min():%-d %B %Y} to {dates.max():%-d %B %Y}" if len(dates) else "not recorded",
        ),
        ("Codebook", f"{n_themes} themes and {n_codes} codes"),
        (
            "Coders",
            _join(
                [
                    f"{c} ({n} codings)"
                    for c, n in zip(coders["coder"], coders["codings"], strict=True)
                ]
            )
            or "none",
        ),
        (
            "Primary coder",
            f"{coder} (themes and quotes use this coder's codings)" if coder else "none",
        ),
        ("Inter-coder agreement", agreement),
        *_survey_method_rows(study, basis, facts),
        (
            "Event log",
            f"{log['case_id'].nunique():,} permit cases, {len(log):,} events, "
            f"{times.min():%-d %B %Y} to {times.max():%-d %B %Y}",
        ),
        (
            "Privacy",
            f"groups and cells smaller than {study.min_cell_size} people are suppressed, and "
            "so is the next smallest where a hidden number could be worked out from totals; "
            "quotes name role and ward only"
            + (
                "; names, e-mails, phone numbers and addresses in quotes and example survey "
                "answers are redacted"
                if redact
                else "; quotes and example answers are NOT redacted (research team only)"
            ),
        ),
    ]
    return Section(
        id="method",
        title="How we did this",
        summary=(
            "Every number in this brief is recomputed from the raw study files and the study "
            "database when the brief is made."
        ),
        tables=[
            Table("Method at a glance", pd.DataFrame(rows, columns=["Aspect", "Detail"])),
            Table(
                "Interviews by role",
                roles,
                f"Roles with fewer than {study.min_cell_size} interviews are suppressed (and the "
                "next smallest role when only one would be).",
            ),
        ],
    )


def _survey_method_rows(study, basis: _SurveyBasis, facts: dict) -> list[tuple[str, str]]:
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
            + (" of the weighted shares" if basis.weighted else "")
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
                f"answers to \u201c{themes.question}\u201d grouped into {model.n_clusters_} "
                f"themes: {how}; every answer gets a theme. {model.criterion_.rstrip('.')}. "
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


def _weighting_method(study, basis: _SurveyBasis) -> str:
    weights = basis.weights
    attrs = weights.attrs
    effect = design_effect(weights).iloc[0]
    source = basis.source
    margins = source.population_margins
    try:
        margins_name = str(margins.relative_to(study.folder))
    except (AttributeError, ValueError):
        margins_name = str(margins)
    text = (
        "raked (iterative proportional fitting) to the population margins of "
        + _join(_raking_variables(weights))
        + f" in {margins_name}"
    )
    trim = attrs.get("trim")
    if trim:
        low, high = attrs.get("weight_ratio_range", (None, None))
        text += (
            f"; weights trimmed to {trim[0]:g}\u2013{trim[1]:g} times the mean weight and raked "
            "again"
        )
        if low is not None:
            text += f" (final range {low:.2f}\u2013{high:.2f} times the mean)"
    outside = {v: n for v, n in attrs.get("not_in_margins", {}).items() if n}
    if outside:
        text += (
            "; "
            + _join(
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


def _plus_minus(margin: float) -> str:
    return f"\u00b1{margin * 100:.0f} points"


# -- helpers -----------------------------------------------------------------------------------
def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _days(value) -> str:
    days = pd.Timedelta(value).total_seconds() / 86400
    return f"{days:.0f} days" if days >= 2 else f"{days * 24:.0f} hours"


def _plural(word: str) -> str:
    return word if word.endswith("s") else word + "s"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _city_name(study_name: str) -> str:
    """The place a study is about, from its name ("Port Alder small-business …" → "Port Alder")."""
    words = []
    for word in str(study_name).split():
        if not word[:1].isupper():
            break
        words.append(word)
    return " ".join(words) or str(study_name)

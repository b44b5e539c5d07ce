"""The findings of a study, gathered once for every brief: the dashboard and the PDF both show it.

:func:`assemble_findings` re-runs the analyses from the raw data and the study database and
returns a :class:`Findings`: plain-language headlines, one :class:`Section` per strand of the
study (interviews, survey, the themes of the survey's open answers, process, who is hit
hardest) and a method appendix. Every number, table, chart (SVG
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

from collections import Counter
from copy import copy
from datetime import datetime
from typing import Any

import pandas as pd

from research_kit import interviews as iv
from research_kit import process as pm
from research_kit.briefs._equity_findings import equity_section
from research_kit.briefs._filter_notes import active_filters, with_filter_notes
from research_kit.briefs._interview_findings import (
    interviews_section,
    labelled_coders,
    primary_coder,
    resolve_theme,
)
from research_kit.briefs._measure_findings import measures_section
from research_kit.briefs._method_findings import method_section
from research_kit.briefs._process_detail import process_detail_section
from research_kit.briefs._process_findings import (
    PILOT_DATE,
    PILOT_PERMIT_TYPE,
    days,
    process_section,
)
from research_kit.briefs._survey_findings import (
    survey_basis,
    survey_section,
    themes_section,
)
from research_kit.briefs._survey_waves import wave_clause
from research_kit.briefs._ward_findings import wards_section
from research_kit.briefs.audiences import Audience, audience_policy
from research_kit.briefs.cache import FindingsCache
from research_kit.briefs.content import (
    GROUP_LABELS,
    GROUPS,
    FigureSpec,
    Findings,
    Quote,
    Section,
    Table,
    map_pages,
    plus_minus,
    unchanged,
)
from research_kit.briefs.gate import stakeholder_gate
from research_kit.deprecation import renamed_keywords
from research_kit.errors import ResearchKitError
from research_kit.privacy import StakeholderGate
from research_kit.survey.themes import QuestionThemes

__all__ = [
    "GROUPS",
    "GROUP_LABELS",
    "PILOT_DATE",
    "PILOT_PERMIT_TYPE",
    "FigureSpec",
    "Findings",
    "FindingsCache",
    "Quote",
    "Section",
    "Table",
    "assemble_findings",
    "filter_choices",
    "study_material",
]


# -- the one entry point -------------------------------------------------------------------------
@renamed_keywords(group="by")
def assemble_findings(
    study,
    *,
    audience: str | Audience = "public",
    ward: str | None = None,
    by: str | None = None,
    theme: str | None = None,
    coder: str | None = None,
    redact: bool = True,
    answer_themes: QuestionThemes | None = None,
    cache: FindingsCache | None = None,
) -> Findings:
    """Gather the headlines, sections and method appendix of a study's findings.

    A read: the study's files and database are left as they were. A study without codings yet
    gets a brief without themes or quotes (the interviews section says so); the codings a
    study ships (``codings`` in ``study.yml``) are imported only by an explicit
    :func:`research_kit.interviews.import_shipped_codings` (``research-kit demo`` calls it).

    Parameters
    ----------
    study : Study
    audience : str or Audience
        Who the brief is for: "public" (the default), "council" or "department"
        (:mod:`research_kit.briefs.audiences`). It changes what the sections show, not only
        the cover: a public brief attributes quotes by role only and never picks them by ward;
        a council brief opens with every ward side by side; a department brief adds the
        process detail.
    ward : str, optional
        Narrow quotes, the survey table and the event log to one ward.
    by : str, optional
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
        clustered (``k`` per ``_survey_findings.ANSWER_THEMES_K``), weighted like the rest of
        the survey.
    cache : FindingsCache, optional
        Keeps what a filter does not change between calls on the same open study (a
        dashboard): the survey's weights and themes, the gate, and each section under the
        filters it depends on. The findings are the same as without it.

    Returns
    -------
    Findings

    Raises
    ------
    ResearchKitError
        For a group, ward or theme the study does not have, or an unknown audience.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> _ = iv.import_shipped_codings(study)  # an explicit write; the brief only reads
    >>> findings = assemble_findings(study, ward="Ward 2")
    >>> [section.id for section in findings.sections], findings.method.id
    (['interviews', 'survey', 'themes', 'process', 'measures', 'equity'], 'method')
    >>> 3 <= len(findings.headlines) <= 5
    True
    >>> study.close()
    """
    policy = audience_policy(audience)
    group = by or "ward"
    if group not in GROUPS:
        raise ResearchKitError(
            f"cannot break the survey down by {group!r}",
            hint="choose one of: " + ", ".join(GROUPS),
        )
    cache = FindingsCache() if cache is None else cache
    material = cache.value("material", lambda: study_material(study))
    survey = cache.value("survey", study.survey) if material["survey"] else None
    full_log = cache.value("log", study.event_log) if material["process"] else None
    notes = study.documents_table if material["interviews"] else lambda: None
    wards = cache.value("wards", lambda: _known_wards(survey, notes(), full_log))
    _check_ward(study, ward, wards)
    # The gate tallies the attributions of this brief's quotes (the method reports them): a
    # copy per brief, its tally fed by the cached sections.
    gate = copy(cache.value(("gate", redact), lambda: stakeholder_gate(study, redact=redact)))
    gate.attributions = Counter()
    primary = (coder or primary_coder(study)) if material["interviews"] else None
    themes = (
        cache.value(("themes", primary, redact), lambda: _interview_themes(study, primary, gate))
        if material["interviews"]
        else None
    )
    theme_id = resolve_theme(themes, theme) if themes is not None else _no_theme(theme)
    log = full_log
    if log is not None and ward is not None and "ward" in log.columns:
        log = pm.filter_cases(log, ward=ward)

    facts: dict[str, Any] = {}
    basis = (
        cache.value("basis", lambda: survey_basis(study, survey, answer_themes))
        if material["survey"]
        else None
    )
    sections = []
    if policy.ward_overview:
        sections.append(
            cache.value(
                ("ward_overview", ward),
                lambda: wards_section(
                    study,
                    wards,
                    survey=survey,
                    notes=notes(),
                    log=full_log,
                    ward=ward,
                ),
            )
        )
    if themes is not None:
        coder_labels = labelled_coders(study)
        # A brief for the public never picks quotes by ward: they stay study-wide.
        quote_ward = ward if policy.quotes_by_ward else None
        sections.append(
            cache.section(
                ("interviews", primary, quote_ward, theme_id, redact, policy.ward_attribution),
                lambda own: interviews_section(
                    study,
                    themes,
                    primary,
                    ward=quote_ward,
                    theme_id=theme_id,
                    facts=own,
                    gate=gate,
                    coder_label=coder_labels.get(primary, "the primary coder"),
                    ward_attribution=policy.ward_attribution,
                ),
                facts,
                gate.attributions,
            )
        )
    if basis is not None:
        sections.append(
            cache.section(
                ("survey", group, ward),
                lambda own: survey_section(study, basis, group=group, ward=ward, facts=own),
                facts,
                gate.attributions,
            )
        )
        answers = cache.section(
            ("answers", group, ward, redact),
            lambda own: themes_section(
                study,
                basis,
                group=group,
                ward=ward,
                facts=own,
                scrub=gate.text if redact else unchanged,
            ),
            facts,
            gate.attributions,
        )
        sections += [answers] if answers is not None else []
    if log is not None:
        sections.append(
            cache.section(
                ("process", primary, ward, redact, policy.ward_attribution),
                lambda own: process_section(
                    study,
                    log,
                    primary,
                    ward=ward,
                    facts=own,
                    gate=gate,
                    ward_attribution=policy.ward_attribution,
                ),
                facts,
                gate.attributions,
            )
        )
        if policy.process_detail:
            sections.append(
                cache.value(
                    ("process_detail", ward),
                    lambda: process_detail_section(study, log, ward=ward),
                )
            )
    if material["measures"]:
        sections.append(cache.section(("measures",), lambda own: measures_section(study), facts))
    # Who is hit hardest: it compares every ward, so one ward's brief shows the same section.
    equity = cache.value("equity", lambda: equity_section(study, basis, full_log))
    sections += [equity] if equity is not None else []
    set_filters = active_filters(
        ward=ward, theme=theme_id and _theme_name(themes, theme_id), group=group
    )
    log_has_ward = full_log is not None and "ward" in full_log.columns

    def noted(section: Section) -> Section:
        return with_filter_notes(section, set_filters, audience=policy, log_has_ward=log_has_ward)

    filters = {"ward": ward or "All wards"}
    if basis is not None:
        filters["group"] = GROUP_LABELS[group]
    if theme_id:
        filters["theme"] = _theme_name(themes, theme_id)
    findings = Findings(
        title=f"Findings: {study.name}",
        subtitle=_city_name(study.name),
        question=study.question,
        audience=policy.reader,
        generated=datetime.now().astimezone(),
        headlines=_headlines(facts, ward=ward),
        sections=[noted(section) for section in sections],
        method=noted(
            method_section(
                study,
                primary,
                basis,
                full_log,
                facts=facts,
                gate=gate,
                material=material,
                audience=policy,
            )
        ),
        filters=filters,
        answer_themes=basis.themes if basis is not None else None,
    )
    return _through_gate(findings, gate)


def study_material(study) -> dict[str, bool]:
    """Which strands a study holds, each the material of one part of its brief.

    ``interviews``: interview notes; ``survey``: a survey listed in ``study.yml``;
    ``process``: an event log listed there; ``measures``: a ``measures.yml`` (performance
    measures, computed from the other strands or from their own files). A brief shows the
    sections of the strands present and says in its method which raw material (interviews,
    survey, log) was not part of the study.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "new") as study:
    ...     study_material(study)
    {'interviews': False, 'survey': False, 'process': False, 'measures': False}
    """
    return {
        "interviews": bool(study.documents()),
        "survey": bool(study.settings.surveys),
        "process": bool(study.settings.event_logs),
        "measures": bool(study.settings.measures and study.settings.measures.exists()),
    }


def filter_choices(study) -> dict[str, list[str]]:
    """The choices a brief's filters offer for a study: wards, survey groups and themes.

    Wards come from whichever material records them (survey respondents, notes, event-log
    cases); survey groups only when the study has a survey, interview themes only when it has
    notes. Theme names are the codebook's (pass them through the brief's gate to show them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "new") as study:
    ...     filter_choices(study)
    {'ward': [], 'group': [], 'theme': []}
    """
    material = study_material(study)
    return {
        "ward": _known_wards(
            study.survey() if material["survey"] else None,
            study.documents_table() if material["interviews"] else None,
            study.event_log() if material["process"] else None,
        ),
        "group": list(GROUPS) if material["survey"] else [],
        "theme": [str(t) for t in iv.theme_summary(study)["theme"]]
        if material["interviews"]
        else [],
    }


def _interview_themes(study, coder: str | None, gate: StakeholderGate) -> pd.DataFrame:
    themes = iv.theme_summary(study, coder=coder)
    # Whole names through the gate before charts wrap them into lines.
    themes = themes.assign(theme=themes["theme"].map(gate.text))
    if "top_codes" in themes:
        themes["top_codes"] = themes["top_codes"].map(gate.text)
    return themes


def _theme_name(themes: pd.DataFrame, theme_id: str) -> str:
    return str(themes.set_index("theme_id").loc[theme_id, "theme"])


def _no_theme(theme: str | None) -> None:
    if theme is not None:
        raise ResearchKitError(
            f"cannot show theme {theme!r}: the study has no interview notes",
            hint="leave the theme filter empty",
        )


def _known_wards(*tables: pd.DataFrame | None) -> list[str]:
    """Every ward the study's survey, notes or event log records (None: no such material)."""
    wards: set[str] = set()
    for table in tables:
        if table is not None and "ward" in table.columns:
            wards |= set(table["ward"].dropna().map(str))
    return sorted(wards)


def _check_ward(study, ward: str | None, known: list[str]) -> None:
    if ward is None:
        return
    if ward not in known:
        raise ResearchKitError(
            f"the study has no ward {ward!r}",
            hint="choose one of: " + ", ".join(known) if known else "the study records no wards",
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
            f"{days(median)}, and one case in ten waits more than {days(p90)}."
        )
    if "pilot" in facts:
        when, before, after = facts["pilot"]
        verb = "fell" if after < before else "rose"
        lines.append(
            f"For {PILOT_PERMIT_TYPE.lower()} permits, the median time from application to the "
            f"last recorded step {verb} from {days(before)} to {days(after)} for cases started "
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
        share = f"{lowest['share']:.0%} ({plus_minus(lowest['moe'])})"
        if item.endswith("?"):
            line = f"Only {share} of {who} answer \u201c{item}\u201d positively"
        else:
            line = f"Only {share} of {who} agree that \u201c{item.rstrip('.')}\u201d"
        if lowest.get("wave"):  # how it moved since the previous wave, before the groups
            line += ", " + wave_clause(lowest["wave"])
        if worst is not None:
            line += (
                f"; {worst['group']} is lowest at {worst['share']:.0%} "
                f"({plus_minus(worst['margin_of_error'])})"
            )
        lines.append(line + ("." if lowest["weighted"] else " (unweighted shares)."))
    if "answer_theme" in facts:
        theme = facts["answer_theme"]
        where = f" in {ward}" if ward else ""
        # The distinctive terms that add a word to the theme's name: "Plan review" needs no
        # "plan, review" after it.
        named = set(str(theme["name"]).casefold().replace(" · ", " ").split())
        shown = [str(t) for t in theme["terms"] if not set(str(t).casefold().split()) <= named]
        terms = f" ({', '.join(shown[:3])})" if shown else ""
        lines.append(
            f"About {theme['share']:.0%} ({plus_minus(theme['moe'])}) of those{where} who "
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


def _through_gate(findings: Findings, gate: StakeholderGate) -> Findings:
    """Every text of the brief through the privacy gate: the last line of defence.

    The sections already redact and attribute their quotes at the source (so cuts and
    layouts are made on redacted text); this pass makes sure nothing else — a chart label, a
    caption, alt text, a table cell, a headline — carries a name or an identifier.
    """
    text = gate.text

    def section(part: Section) -> Section:
        return Section(
            id=part.id,
            title=text(part.title),
            summary=text(part.summary),
            tables=[Table(text(t.caption), gate.frame(t.frame), text(t.note)) for t in part.tables],
            figures=[
                FigureSpec(
                    gate.svg(f.svg),
                    text(f.alt),
                    text(f.caption),
                    wide=f.wide,
                    print_pages=map_pages(f.print_pages, gate.svg),
                )
                for f in part.figures
            ],
            quotes=[Quote(text(q.text), text(q.attribution), text(q.theme)) for q in part.quotes],
            notice=text(part.notice) if part.notice is not None else None,
        )

    return Findings(
        title=text(findings.title),
        subtitle=text(findings.subtitle),
        question=text(findings.question),
        audience=text(findings.audience),
        generated=findings.generated,
        headlines=[text(line) for line in findings.headlines],
        sections=[section(part) for part in findings.sections],
        method=section(findings.method),
        filters={key: text(value) for key, value in findings.filters.items()},
        answer_themes=findings.answer_themes,
    )


def _city_name(study_name: str) -> str:
    """The place a study is about, from its name ("Port Alder small-business …" → "Port Alder")."""
    words = []
    for word in str(study_name).split():
        if not word[:1].isupper():
            break
        words.append(word)
    return " ".join(words) or str(study_name)


def through_gate(findings: Findings, gate: StakeholderGate) -> Findings:
    """Every text of ``findings`` through ``gate``: the last pass before anything is shown.

    The findings brief ends with it; so does any other brief made of the same parts (the
    Stat meeting packet of :mod:`research_kit.briefs.packet`).
    """
    return _through_gate(findings, gate)

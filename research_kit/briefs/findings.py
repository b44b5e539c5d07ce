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

from datetime import date, datetime
from typing import Any

import pandas as pd

from research_kit import interviews as iv
from research_kit import privacy
from research_kit import process as pm
from research_kit.briefs._interview_findings import (
    interviews_section,
    labelled_coders,
    primary_coder,
    resolve_theme,
)
from research_kit.briefs._process_findings import (
    PILOT_DATE,
    PILOT_PERMIT_TYPE,
    days,
    process_section,
)
from research_kit.briefs._survey_basis import SurveyBasis
from research_kit.briefs._survey_findings import (
    survey_basis,
    survey_section,
    themes_section,
)
from research_kit.briefs._survey_method import survey_method_rows
from research_kit.briefs._survey_waves import wave_clause
from research_kit.briefs.content import (
    GROUP_LABELS,
    GROUPS,
    SUPPRESSED,
    FigureSpec,
    Findings,
    Quote,
    Section,
    Table,
    join_words,
    plural,
    plus_minus,
    unchanged,
)
from research_kit.briefs.gate import stakeholder_gate
from research_kit.deprecation import renamed_keywords
from research_kit.errors import CodingError, ResearchKitError
from research_kit.privacy import StakeholderGate
from research_kit.survey.themes import QuestionThemes

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
]


# -- the one entry point -------------------------------------------------------------------------
@renamed_keywords(group="by")
def assemble_findings(
    study,
    *,
    audience: str = "public",
    ward: str | None = None,
    by: str | None = None,
    theme: str | None = None,
    coder: str | None = None,
    redact: bool = True,
    answer_themes: QuestionThemes | None = None,
) -> Findings:
    """Gather the headlines, sections and method appendix of a study's findings.

    A read: the study's files and database are left as they were. A study without codings yet
    gets a brief without themes or quotes (the interviews section says so); the codings a
    study ships (``codings`` in ``study.yml``) are imported only by an explicit
    :func:`research_kit.interviews.import_shipped_codings` (``research-kit demo`` calls it).

    Parameters
    ----------
    study : Study
    audience : str
        Who the brief is for ("public", "council", "staff" …); shown on the cover.
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
    >>> _ = iv.import_shipped_codings(study)  # an explicit write; the brief only reads
    >>> findings = assemble_findings(study, ward="Ward 2")
    >>> [section.id for section in findings.sections], findings.method.id
    (['interviews', 'survey', 'themes', 'process'], 'method')
    >>> 3 <= len(findings.headlines) <= 5
    True
    >>> study.close()
    """
    group = by or "ward"
    if group not in GROUPS:
        raise ResearchKitError(
            f"cannot break the survey down by {group!r}",
            hint="choose one of: " + ", ".join(GROUPS),
        )
    primary = coder or primary_coder(study)
    themes = iv.theme_summary(study, coder=primary)
    theme_id = resolve_theme(themes, theme)
    gate = stakeholder_gate(study, redact=redact)
    # Whole names through the gate before charts wrap them into lines.
    themes = themes.assign(theme=themes["theme"].map(gate.text))
    if "top_codes" in themes:
        themes["top_codes"] = themes["top_codes"].map(gate.text)
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
    basis = survey_basis(study, survey, answer_themes)
    answers = themes_section(
        study, basis, group=group, ward=ward, facts=facts, scrub=gate.text if redact else unchanged
    )
    coder_labels = labelled_coders(study)
    sections = [
        interviews_section(
            study,
            themes,
            primary,
            ward=ward,
            theme_id=theme_id,
            facts=facts,
            gate=gate,
            coder_label=coder_labels.get(primary, "the primary coder"),
        ),
        survey_section(study, basis, group=group, ward=ward, facts=facts),
        *([answers] if answers is not None else []),
        process_section(study, log, primary, ward=ward, facts=facts, gate=gate),
    ]
    filters = {"ward": ward or "All wards", "group": GROUP_LABELS[group]}
    if theme_id:
        filters["theme"] = str(themes.set_index("theme_id").loc[theme_id, "theme"])
    findings = Findings(
        title=f"Findings: {study.name}",
        subtitle=_city_name(study.name),
        question=study.question,
        audience=audience,
        generated=datetime.now().astimezone(),
        headlines=_headlines(facts, ward=ward),
        sections=sections,
        method=_method_section(
            study, primary, basis, study.event_log(), facts=facts, gate=gate, coders=coder_labels
        ),
        filters=filters,
        answer_themes=basis.themes,
    )
    return _through_gate(findings, gate)


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


def _method_section(
    study, coder, basis: SurveyBasis, log, *, facts: dict, gate: StakeholderGate, coders: dict
) -> Section:
    documents = study.documents_table()
    by_role = documents.groupby("role").size().rename("n").reset_index()
    # The number of interviews is published, so one hidden role could be worked back from it.
    by_role = privacy.suppress_table(
        by_role.assign(_all="all"),
        row="_all",
        column="role",
        count="n",
        min_cell_size=study.min_cell_size,
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
    dates = _note_dates(documents["date"])
    codebook = study.codebook()
    n_themes = len(codebook.themes)
    n_codes = len(list(codebook)) - n_themes
    counts = iv.coders(study).set_index("coder")["codings"]
    agreement = _agreement_text(study, coders)
    times = pd.to_datetime(log["timestamp"], utc=True)
    rows = [
        (
            "Interviews",
            f"{len(documents)} semi-structured interviews with "
            + join_words([plural(r) for r in sorted(set(documents["role"].dropna().map(str)))])
            + "; participants are not named.",
        ),
        (
            "Interview dates",
            f"{min(dates):%-d %B %Y} to {max(dates):%-d %B %Y}" if dates else "not recorded",
        ),
        ("Codebook", f"{n_themes} themes and {n_codes} codes"),
        (
            "Coders",
            join_words([f"{label} ({counts[c]} codings)" for c, label in coders.items()]) or "none",
        ),
        (
            "Primary coder",
            f"{coders.get(coder, 'one coder')} (themes and quotes use this coder's codings)"
            if coder
            else "none",
        ),
        ("Inter-coder agreement", agreement),
        *survey_method_rows(study, basis, facts),
        (
            "Event log",
            f"{log['case_id'].nunique():,} permit cases, {len(log):,} events, "
            f"{times.min():%-d %B %Y} to {times.max():%-d %B %Y}",
        ),
        (
            "Privacy",
            f"groups and cells smaller than {study.min_cell_size} people are suppressed, and "
            "so are others wherever a hidden number could be worked out or narrowed from the "
            "totals; "
            + gate.method_note()
            + (
                "; names, e-mails, phone numbers, addresses, participant ids and coder names "
                "are redacted from every text"
                if gate.redact
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
                FigureSpec(gate.svg(f.svg), text(f.alt), text(f.caption), wide=f.wide)
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


# -- helpers -----------------------------------------------------------------------------------


def _agreement_text(study, coders: dict[str, str]) -> str:
    """Kappa for each pair of coders who shared interviews; alpha over all when there are more.

    Coders are named by their brief labels ("Coder A" …). Cohen's kappa is defined for two
    coders, so with three or more each pair has its own, on the interviews that pair coded.
    """
    table = iv.coders(study)
    coding = set(table.loc[table["codings"] > 0, "coder"].astype(str))
    coders = {name: label for name, label in coders.items() if name in coding}
    if not coders:
        return "no codings yet; no inter-coder agreement computed"
    if len(coders) < 2:
        return "one coder only; no inter-coder agreement computed"
    pairs = iv.pairwise_agreement(study, coders=list(coders))
    pairs = pairs[pairs["n_documents"] > 0]
    if pairs.empty:
        return "no interview was coded by two coders; no inter-coder agreement computed"
    kappas = [
        f"{coders[row.coder_a]} and {coders[row.coder_b]} both coded {int(row.n_documents)} "
        f"interviews: Cohen's kappa {row.cohen_kappa:.2f}, Krippendorff's alpha "
        f"{row.krippendorff_alpha:.2f}"
        for row in pairs.itertuples(index=False)
    ]
    text = "; ".join(kappas) + " (overall, per excerpt and code)"
    if len(coders) > 2:
        text += "; " + _all_coders_alpha(study, coders)
    return text


def _all_coders_alpha(study, coders: dict[str, str]) -> str:
    try:
        overall = iv.coder_agreement(study, coders=list(coders)).iloc[-1]
    except CodingError:
        return f"no interview was coded by all {len(coders)} coders"
    return (
        f"all {len(coders)} coders coded {int(overall['n_documents'])} interviews: "
        f"Krippendorff's alpha {overall['krippendorff_alpha']:.2f}"
    )


def _city_name(study_name: str) -> str:
    """The place a study is about, from its name ("Port Alder small-business …" → "Port Alder")."""
    words = []
    for word in str(study_name).split():
        if not word[:1].isupper():
            break
        words.append(word)
    return " ".join(words) or str(study_name)


def _note_dates(values: pd.Series) -> list[date]:
    """Interview dates as Python dates, so a year such as 0001 or 9999 is shown, not dropped.

    pandas' timestamps end at 1677 and 2262; a mistyped year is something the reader of the
    method should see (``research-kit check`` does not flag it: it is a valid date).
    """
    dates = []
    for value in values.dropna():
        if isinstance(value, datetime):
            dates.append(value.date())
        elif isinstance(value, date):
            dates.append(value)
        else:
            try:
                dates.append(date.fromisoformat(str(value).strip()[:10]))
            except ValueError:
                continue  # not a date: check reports it against the attribute schema
    return dates

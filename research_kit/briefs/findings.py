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

import dataclasses
import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from research_kit import interviews as iv
from research_kit import privacy, viz
from research_kit import process as pm
from research_kit.briefs._survey_findings import (
    SurveyBasis,
    survey_basis,
    survey_method_rows,
    survey_section,
    themes_section,
)
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
    shorten,
    unchanged,
)
from research_kit.briefs.gate import stakeholder_gate
from research_kit.deprecation import renamed_keywords
from research_kit.errors import CodingError, ResearchKitError
from research_kit.privacy import StakeholderGate
from research_kit.survey.ingest import column_letter
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
    primary = coder or _primary_coder(study)
    themes = iv.theme_summary(study, coder=primary)
    theme_id = _resolve_theme(themes, theme)
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
    coder_labels = _coder_labels(study)
    sections = [
        _interviews_section(
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
        _process_section(study, log, primary, ward=ward, facts=facts, gate=gate),
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


# -- interviews --------------------------------------------------------------------------------
def _coder_labels(study) -> dict[str, str]:
    """Coders as a brief names them ("Coder A", "Coder B" …), most codings first."""
    table = iv.coders(study).sort_values(["codings", "coder"], ascending=[False, True])
    # Letters as spreadsheets number columns: A … Z, AA …, for any number of coders.
    return {
        str(coder): f"Coder {column_letter(number)}" for number, coder in enumerate(table["coder"])
    }


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


def _interviews_section(
    study, themes, coder, *, ward, theme_id, facts, gate: StakeholderGate, coder_label: str
) -> Section:
    n_documents = len(study.documents_table())
    ranked = themes.sort_values("excerpts", ascending=False, kind="stable")
    table = pd.DataFrame(
        {
            "Theme": ranked["theme"],
            "Excerpts": ranked["excerpts"].astype(int),
            # How many participants raised a theme counts people: small numbers are hidden.
            "Interviews": [
                SUPPRESSED if 0 < d < study.min_cell_size else f"{d} of {n_documents}"
                for d in ranked["documents"]
            ],
            "Most-used codes": ranked["top_codes"],
        }
    )
    # Without codings (none recorded yet: a brief never imports any) there are no themes to
    # rank, only the codebook's themes at zero.
    coded = bool(n_documents) and int(ranked["excerpts"].sum()) > 0
    if coded:
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
        summary = "No interview codings yet: themes and quotes appear here once they are coded."
    chart = pd.DataFrame({"Theme": themes["theme"], "Excerpts": themes["excerpts"].astype(int)})
    figures = []
    if coded:
        ax = viz.bar_chart(chart, x="Excerpts", y="Theme", title="Coded excerpts per theme")
        alt = "Bar chart of coded excerpts per theme: " + "; ".join(
            f"{t} {n}" for t, n in zip(ranked["theme"], ranked["excerpts"], strict=True)
        )
        figures.append(
            FigureSpec(
                viz.figure_svg(ax.figure, alt),
                alt,
                f"Excerpts coded under each theme by {coder_label} "
                "(one excerpt may carry several themes).",
            )
        )

    quotes: list[Quote] = []
    chosen = [theme_id] if theme_id else list(ranked["theme_id"][:3])
    where = {"ward": ward} if ward else None
    per_theme = 3 if theme_id else 2
    # Quotes listed under one ward are attributed to that ward, whatever their label says.
    ward_too_small = bool(ward) and gate.shares(ward=ward) < study.min_cell_size
    for one in [] if ward_too_small else chosen:
        found = iv.quotes(study, theme=one, coder=coder, where=where)
        name = str(themes.set_index("theme_id").loc[one, "theme"])
        quotes += [
            Quote(q.text, q.attribution, name)
            for q in _strongest_quotes(found, per_theme, gate, known=("ward",) if ward else ())
        ]
    notice = None
    if ward_too_small and coded:
        notice = (
            f"Fewer than {study.min_cell_size} interview participants are from {ward}: their "
            "quotes are not shown by ward, so that no one can be recognised."
        )
    elif ward and coded and not quotes:
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


def _strongest_quotes(
    found: pd.DataFrame, count: int, gate: StakeholderGate, *, known: tuple[str, ...] = ()
) -> list[Quote]:
    """Prefer direct speech of a readable length, one quote per participant.

    The gate's redaction runs on the whole excerpt before it is shortened, so a cut never
    leaves half a phone number behind; the gate also chooses how specific the attribution is.
    """
    if found.empty:
        return []
    candidates = found.drop_duplicates(["document_id", "start", "end"]).copy()
    candidates["clean"] = candidates["text"].map(_clean_quote).map(gate.text)
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
        attribution = gate.attribution(
            known=known, role=getattr(row, "role", None), ward=getattr(row, "ward", None)
        )
        picked.append(Quote(shorten(row.clean), attribution))
        if len(picked) == count:
            break
    return picked


def _clean_quote(text: str) -> str:
    """Drop the interview-notes scaffolding: a leading "A:" and Markdown emphasis marks."""
    text = re.sub(r"^\s*[AQ]:\s*", "", str(text))
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).strip()


# -- survey ------------------------------------------------------------------------------------


# -- open-ended answers ------------------------------------------------------------------------


# -- process -----------------------------------------------------------------------------------
def _process_section(study, log, coder, *, ward, facts, gate: StakeholderGate) -> Section:
    spec = _gated_spec(study.process_map(), gate)
    annotations = _gated_annotations(
        # Whole quotes: the gate redacts before they are cut, so no half phone number is left.
        pm.step_annotations(study, spec, log, coder=coder, quote_length=_WHOLE_QUOTE),
        study.documents_table(),
        gate,
    )
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


def _gated_annotations(annotations: dict, documents: pd.DataFrame, gate) -> dict:
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
            sources.append(gate.attribution(role=row.get("role"), ward=row.get("ward")))
        evidence["quotes"] = [
            shorten(gate.text(_clean_quote(q)), _STEP_QUOTE_LENGTH)
            for q in evidence.get("quotes") or []
        ]
        evidence["quote_documents"] = sources
        gated[step] = evidence
    return gated


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
        share = f"{lowest['share']:.0%} ({plus_minus(lowest['moe'])})"
        if item.endswith("?"):
            line = f"Only {share} of {who} answer \u201c{item}\u201d positively"
        else:
            line = f"Only {share} of {who} agree that \u201c{item.rstrip('.')}\u201d"
        if worst is not None:
            line += (
                f"; {worst['group']} is lowest at {worst['share']:.0%} "
                f"({plus_minus(worst['margin_of_error'])})"
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


def _days(value) -> str:
    days = pd.Timedelta(value).total_seconds() / 86400
    return f"{days:.0f} days" if days >= 2 else f"{days * 24:.0f} hours"


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

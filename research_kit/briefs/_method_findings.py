"""The method appendix of a brief: how the interviews, survey and log were gathered and analysed.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`method_section` with the strands the study holds; a strand the study lacks is
named in a "Not part of this study" line, so a reader knows what the brief could not show.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from research_kit import interviews as iv
from research_kit import privacy
from research_kit.briefs._interview_findings import labelled_coders
from research_kit.briefs._survey_basis import SurveyBasis
from research_kit.briefs._survey_method import survey_method_rows
from research_kit.briefs.audiences import Audience
from research_kit.briefs.content import SUPPRESSED, Section, Table, join_words, plural
from research_kit.errors import CodingError
from research_kit.privacy import StakeholderGate

__all__ = ["method_section"]


def method_section(
    study,
    coder,
    basis: SurveyBasis | None,
    log: pd.DataFrame | None,
    *,
    facts: dict,
    gate: StakeholderGate,
    material: dict[str, bool],
    audience: Audience | None = None,
) -> Section:
    tables = []
    rows = []
    if audience is not None:
        rows.append(("Audience", f"{audience.reader}: this brief is {audience.description}"))
    if material["interviews"]:
        interview_rows, roles = _interview_method(study, coder)
        rows += interview_rows
        tables.append(
            Table(
                "Interviews by role",
                roles,
                f"Roles with fewer than {study.min_cell_size} interviews are suppressed (and the "
                "next smallest role when only one would be).",
            )
        )
    if basis is not None:
        rows += survey_method_rows(study, basis, facts)
    if log is not None:
        times = pd.to_datetime(log["timestamp"], utc=True)
        rows.append(
            (
                "Event log",
                f"{log['case_id'].nunique():,} cases, {len(log):,} events, "
                f"{times.min():%-d %B %Y} to {times.max():%-d %B %Y}",
            )
        )
    # measures are built on the other strands, not raw material of their own: not listed
    missing = [
        _STRANDS[strand]
        for strand, present in material.items()
        if not present and strand in _STRANDS
    ]
    if missing:
        rows.append(("Not part of this study", join_words(missing) + ": no section shows them"))
    rows.append(
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
        )
    )
    return Section(
        id="method",
        title="How we did this",
        summary=(
            "Every number in this brief is recomputed from the raw study files and the study "
            "database when the brief is made."
        ),
        tables=[
            Table("Method at a glance", pd.DataFrame(rows, columns=["Aspect", "Detail"])),
            *tables,
        ],
    )


#: What each strand of a study is, as the method section names a missing one.
_STRANDS = {
    "interviews": "interviews",
    "survey": "a survey",
    "process": "an event log of the process",
}


def _interview_method(study, coder) -> tuple[list[tuple[str, str]], pd.DataFrame]:
    """The method's interview lines, and interviews by role (small roles suppressed)."""
    coders = labelled_coders(study)
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
        ("Inter-coder agreement", _agreement_text(study, coders)),
    ]
    return rows, roles


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

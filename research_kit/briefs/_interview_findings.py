"""The interviews part of a brief: the themes coded across interviews and the strongest quotes.

Private to :mod:`research_kit.briefs`: :func:`research_kit.briefs.findings.assemble_findings`
calls :func:`interviews_section` with the coder whose codings the brief shows
(:func:`primary_coder`). Quotes are attributed by role and ward only and pass the brief's gate.
"""

from __future__ import annotations

import re

import pandas as pd

from research_kit import interviews as iv
from research_kit import viz
from research_kit.briefs.content import (
    SUPPRESSED,
    FigureSpec,
    Quote,
    Section,
    Table,
    shorten,
)
from research_kit.errors import ResearchKitError
from research_kit.privacy import StakeholderGate
from research_kit.survey.ingest import column_letter

__all__ = ["clean_quote", "interviews_section", "labelled_coders", "primary_coder", "resolve_theme"]


def labelled_coders(study) -> dict[str, str]:
    """Coders as a brief names them ("Coder A", "Coder B" …), most codings first."""
    table = iv.coders(study).sort_values(["codings", "coder"], ascending=[False, True])
    # Letters as spreadsheets number columns: A … Z, AA …, for any number of coders.
    return {
        str(coder): f"Coder {column_letter(number)}" for number, coder in enumerate(table["coder"])
    }


def primary_coder(study) -> str | None:
    """The coder whose codings the brief shows (the one with most codings), or None."""
    table = iv.coders(study)
    if table.empty:
        return None
    return str(table.sort_values("codings", ascending=False, kind="stable").iloc[0]["coder"])


def resolve_theme(themes: pd.DataFrame, theme: str | None) -> str | None:
    """The theme id that ``theme`` names (its id or name, any case); None when no theme is
    asked for; an error listing the themes when it names none."""
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


def interviews_section(
    study,
    themes,
    coder,
    *,
    ward,
    theme_id,
    facts,
    gate: StakeholderGate,
    coder_label: str,
    ward_attribution: bool = True,
) -> Section:
    """The interviews section of a brief: its theme table, figures and quotes.

    ``ward_attribution=False`` (a brief for the public) attributes quotes by role only; the
    caller passes ``ward=None`` when quotes are not to be chosen by ward either.
    """
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
            for q in _strongest_quotes(
                found,
                per_theme,
                gate,
                known=("ward",) if ward else (),
                ward_attribution=ward_attribution,
            )
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
    found: pd.DataFrame,
    count: int,
    gate: StakeholderGate,
    *,
    known: tuple[str, ...] = (),
    ward_attribution: bool = True,
) -> list[Quote]:
    """Prefer direct speech of a readable length, one quote per participant.

    The gate's redaction runs on the whole excerpt before it is shortened, so a cut never
    leaves half a phone number behind; the gate also chooses how specific the attribution is.
    """
    if found.empty:
        return []
    candidates = found.drop_duplicates(["document_id", "start", "end"]).copy()
    candidates["clean"] = candidates["text"].map(clean_quote).map(gate.text)
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
        ward = getattr(row, "ward", None) if ward_attribution else None  # None: never shown
        attribution = gate.attribution(known=known, role=getattr(row, "role", None), ward=ward)
        picked.append(Quote(shorten(row.clean), attribution))
        if len(picked) == count:
            break
    return picked


def clean_quote(text: str) -> str:
    """Drop the interview-notes scaffolding: a leading "A:" and Markdown emphasis marks."""
    text = re.sub(r"^\s*[AQ]:\s*", "", str(text))
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).strip()

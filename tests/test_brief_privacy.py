"""Nothing personal reaches a brief: a hostile copy of the sample, every stakeholder output scanned.

Names, phone numbers, e-mails and an address are planted where a real study gets them — in
coded interview notes, in open survey answers, in the event log's resources and in the labels
of the process map — and every brief variant the dashboard and the PDF can show is rendered
and searched for them, for the study's participant ids, note file names and coder names.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from research_kit import interviews as iv
from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs.findings import assemble_findings
from research_kit.briefs.report import export_html, export_pdf

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: What the hostile copy plants: a listed first name with an unlisted surname, phones in
#: three forms, an e-mail and a street address.
PLANTED = (
    '"Call Denise Tran at 5035550199 or 555 0142, or write to denise.tran@portalder.gov. '
    'She lives at 1420 NE Alder Street and Marisol knows her too."'
)
ANSWER = "Denise Tran at the counter fixed it, call 503 555 0123 or tran.d@portalder.gov"
STEP_LABEL = "Permit Center (ask Denise Tran, 503-555-0177)"
#: Patterns that must never appear in a stakeholder output of the hostile copy.
FORBIDDEN = {
    "listed name": r"\bDenise\b|\bMarisol\b",
    "surname of a listed name": r"\bTran\b",
    "phone": r"5035550199|555[\s-]?01(42|23|77)",
    "e-mail": r"portalder\.gov|denise\.tran|tran\.d@",
    "address": r"1420\s+NE\s+Alder",
    "participant id": r"\bP\d\d\b",
    "note file name": r"P\d\d_[a-z-]+",
    "coder name": r"\bJ\.R\.|\bM\.K\.|\bA\.T\.",
}
PLANTED_IN = ("P03_front-desk-clerk", "P06_manager", "P09_front-desk-clerk")
#: A surname alone, in a note that never names her in full: learned from the other notes.
SURNAME_ONLY = '"Tran told me the plans were still on the cart, so I waited."'
SURNAME_IN = "P12_manager"


def _plant(folder: Path) -> None:
    codebook = folder / "codebook.yml"
    codebook.write_text(
        codebook.read_text(encoding="utf-8") + "\n  - id: contact\n    name: Contact details\n"
        "  - id: contact_details\n    name: Contact details given\n    parent: contact\n"
        "    process_step: plan_review\n",
        encoding="utf-8",
    )
    for document_id in PLANTED_IN:
        path = folder / "notes" / f"{document_id}.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\nA: {PLANTED}\n", encoding="utf-8")
    path = folder / "notes" / f"{SURNAME_IN}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\nA: {SURNAME_ONLY}\n", encoding="utf-8")
    survey = folder / "survey" / "permitting_survey_2026.csv"
    frame = pd.read_csv(survey, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    question = "What one thing should the City change about permitting?"
    frame.loc[frame.index[:60], question] = ANSWER
    frame.to_csv(survey, index=False, encoding="utf-8-sig")
    log = folder / "process" / "permit_events.csv"
    events = pd.read_csv(log, dtype=str, keep_default_na=False)
    events.loc[events.index[::7], "resource"] = "Denise Tran"
    events.to_csv(log, index=False)
    spec = folder / "process" / "permit_process.yml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            "label: Permit Center\n", f'label: "{STEP_LABEL}"\n', 1
        ),
        encoding="utf-8",
    )


def _code_planted(study) -> None:
    for document_id, planted in [*((d, PLANTED) for d in PLANTED_IN), (SURNAME_IN, SURNAME_ONLY)]:
        text = study.document(document_id).text
        start = text.rindex(planted)
        end = start + len(planted)
        for coder in ("J.R.", "M.K."):
            iv.apply_code(study, document_id, start, end, "contact_details", coder=coder)


@pytest.fixture(scope="module")
def hostile_briefs(tmp_path_factory):
    """Every brief variant of the hostile copy: (label, findings, html text, pdf path or None)."""
    out = tmp_path_factory.mktemp("hostile")
    folder = out / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    _plant(folder)
    briefs = []
    with open_study(folder) as study, pytest.MonkeyPatch.context() as patch:
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)
        for path in study.settings.codings:  # what a brief would otherwise import itself
            iv.import_codings(study, path)
        _code_planted(study)
        first = assemble_findings(study)
        themes = first.answer_themes
        variants = [("all", first), ("contact", assemble_findings(study, theme="contact"))]
        wards = sorted(study.survey()["ward"].dropna().unique())
        variants += [
            (f"ward={ward}", assemble_findings(study, ward=ward, answer_themes=themes))
            for ward in wards
        ]
        # Quotes, labels and example answers do not change with the group a table breaks
        # down by: one group stands for all (their tables are attacked in
        # test_disclosure_attack.py).
        variants.append(
            ("by=age_band", assemble_findings(study, by="age_band", answer_themes=themes))
        )
        for label, findings in variants:
            page = export_html(findings, out / f"{label}.html")
            pdf = (
                export_pdf(findings, out / f"{label}.pdf") if label in ("all", "contact") else None
            )
            briefs.append((label, findings, page.read_text(encoding="utf-8"), pdf))
    return briefs


def _visible_text(page: str) -> str:
    """What a reader, a screen reader or a copy-paste gets from an HTML brief."""
    labels = " ".join(re.findall(r'(?:alt|title|aria-label)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + labels)


def _leaks(text: str) -> list[str]:
    squashed = " ".join(text.split())
    return [
        f"{kind}: {match.group(0)!r}"
        for kind, pattern in FORBIDDEN.items()
        for match in re.finditer(pattern, squashed)
    ]


def test_the_planted_text_reaches_the_brief_redacted(hostile_briefs):
    # Not a vacuous scan: the planted paragraph is shown, with its personal data replaced.
    _, findings, page, _ = next(b for b in hostile_briefs if b[0] == "contact")
    quotes = [q.text for q in findings.section("interviews").quotes]
    assert any("[phone]" in q and "[email]" in q and "[address]" in q for q in quotes), quotes
    assert any("[name] told me the plans" in q for q in quotes), quotes
    assert "Permit Center (ask [name]" in " ".join(_visible_text(page).split())


def test_no_html_brief_leaks_a_name_an_id_or_contact_details(hostile_briefs):
    leaks = {label: _leaks(_visible_text(page)) for label, _, page, _ in hostile_briefs}
    assert not any(leaks.values()), {label: found for label, found in leaks.items() if found}


def test_no_pdf_brief_leaks_a_name_an_id_or_contact_details(hostile_briefs):
    pypdf = pytest.importorskip("pypdf")
    for label, _, _, pdf in hostile_briefs:
        if pdf is None:
            continue
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        # Words broken at a line end come back joined, so a hyphenated id cannot slip through.
        assert not _leaks(text.replace("-\n", "")), (label, _leaks(text))


def test_quotes_never_single_out_a_participant(hostile_briefs, sample_study_path):
    with open_study(sample_study_path) as study:
        allowed = _allowed_attributions(study.documents_table())
    for label, findings, _, _ in hostile_briefs:
        for quote in findings.section("interviews").quotes:
            assert quote.attribution in allowed, (label, quote.attribution)


def _allowed_attributions(people: pd.DataFrame) -> set[str]:
    """Role and ward, role or ward shared by at least 5 participants, or "a participant"."""
    allowed = {"a participant"}
    for role, n in people.groupby("role")["participant"].nunique().items():
        allowed |= {role} if n >= 5 else set()
    for ward, n in people.groupby("ward")["participant"].nunique().items():
        allowed |= {ward} if n >= 5 else set()
    for (role, ward), n in people.groupby(["role", "ward"])["participant"].nunique().items():
        allowed |= {f"{role}, {ward}"} if n >= 5 else set()
    return allowed


def test_the_privacy_audit_is_clean_on_every_brief(hostile_briefs, tmp_path):
    from research_kit.briefs.audit import privacy_audit

    study_folder = next(b for b in hostile_briefs)[3].parent / "study"
    files = sorted(study_folder.parent.glob("*.html")) + sorted(study_folder.parent.glob("*.pdf"))
    assert len(files) == len(hostile_briefs) + 2
    with open_study(study_folder) as study:
        found = privacy_audit(study, files)
    assert found.empty, found.to_string()

"""The Stat meeting packet and the brief's measures section, on a scratch copy of the sample
study given its own ``measures.yml`` (three measures from the event log, one from a CSV by
ward) and ``actions.yml``.

The packet is checked as the findings brief is: a tagged PDF (structure tree, alt text, header
scopes), no text printed under 7 pt, no page less than a third full, one page per measure
(:mod:`tests._pdf_pages`), and axe-core on its HTML (:mod:`tests._axe`) when Chromium exists.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs import assemble_findings, export_html, study_material
from research_kit.briefs.packet import assemble_packet, export_packet
from tests._pdf_pages import page_measures

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.slow

MEASURES = """\
measures:
  - id: permit_days
    name: Median days from application to permit
    definition: Calendar days from a submitted application to the permit, median per month.
    unit: days
    polarity: lower_is_better
    target: 45
    owner: Permit Center manager
    department: Permit Center
    source: {event_log: permits, statistic: median_days, from: Submit application,
             to: Issue permit}
    rebase: [2025-07-01]
    narrative: The July 2025 reform moved plan review online.
  - id: complete_in_time
    name: Completeness decided within 30 days
    unit: share
    polarity: higher_is_better
    target: 0.9
    owner: Intake lead
    department: Permit Center
    source: {event_log: permits, statistic: share_within_deadline,
             deadline: Completeness determination}
    narrative: State law sets the 30 days.
  - id: backlog
    name: Open applications at month end
    unit: cases
    polarity: lower_is_better
    owner: Permit Center manager
    source: {event_log: permits, statistic: backlog, from: Submit application,
             to: Issue permit}
  - id: callbacks
    name: Calls returned the same day
    unit: share
    polarity: higher_is_better
    target: {low: 0.8, high: 0.95}
    owner: Call centre supervisor
    department: Customer service
    source: {csv: measures/callbacks.csv, period: month, numerator: returned,
             denominator: calls, group: ward}
    breakdown: ward
    chart: p
"""

ACTIONS = """\
actions:
  - measure: permit_days
    action: Add a second plan reviewer on Tuesdays
    owner: Plan review lead
    due: 2026-01-05
    status: open
  - {measure: complete_in_time, action: Publish the intake checklist, owner: Intake lead,
     due: 2026-03-01}
  - {measure: callbacks, action: Staff the phones at lunch, owner: Call centre supervisor,
     due: 2025-12-01, status: done}
"""
AS_OF = "2026-01-15"


def _callbacks() -> pd.DataFrame:
    """24 months × 4 wards of calls; Ward 4 has only 3 calls in the last month (suppressed)."""
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    rows = []
    for ward, calls in (("Ward 1", 60), ("Ward 2", 45), ("Ward 3", 80), ("Ward 4", 20)):
        for number, month in enumerate(months):
            n = 3 if ward == "Ward 4" and number == len(months) - 1 else calls + number % 5
            returned = round(n * (0.7 + 0.01 * (number % 7) + 0.03 * int(ward[-1])))
            rows.append((f"{month:%Y-%m}", ward, min(returned, n), n))
    return pd.DataFrame(rows, columns=["month", "ward", "returned", "calls"])


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("packet") / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    (folder / "measures.yml").write_text(MEASURES)
    (folder / "actions.yml").write_text(ACTIONS)
    (folder / "measures").mkdir(exist_ok=True)
    _callbacks().to_csv(folder / "measures" / "callbacks.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def packet(study_folder):
    with open_study(study_folder) as study:
        findings = assemble_packet(study, as_of=AS_OF)
        pdf = export_packet(study, study_folder.parent / "packet.pdf", as_of=AS_OF)
        html = export_packet(study, study_folder.parent / "packet.html", to="html", as_of=AS_OF)
    return findings, pdf, html


def test_the_packet_has_a_summary_then_a_section_per_measure(packet):
    findings, _, _ = packet
    ids = [section.id for section in findings.sections]
    assert ids == [
        "status",
        "measure-permit_days",
        "measure-complete_in_time",
        "measure-backlog",
        "measure-callbacks",
        "actions",
    ]
    status = findings.section("status").tables[0].frame
    assert status["Measure"].tolist()[0] == "Median days from application to permit"
    assert set(status["Status"]) <= {"on track", "caution", "off track", "no target"}
    assert status.loc[2, "Status"] == "no target"  # the backlog has no target
    assert status["Overdue"].tolist() == [1, 0, 0, 0]  # actions overdue
    actions = findings.section("actions").tables[0].frame
    # due 5 Jan 2026, still open on 15 Jan: 10 days late; the done one and the later one are not
    assert actions[["Action", "State"]].values.tolist() == [
        ["Add a second plan reviewer on Tuesdays", "OVERDUE by 10 days"],
        ["Staff the phones at lunch", "done"],
        ["Publish the intake checklist", "open"],
    ]
    assert findings.headlines[-1] == "2 follow-up actions open, 1 overdue."


def test_each_measure_page_has_its_chart_status_owner_narrative_and_actions(packet):
    findings, _, _ = packet
    days = findings.section("measure-permit_days")
    assert "The July 2025 reform moved plan review online." in days.summary
    assert days.notice == "1 follow-up action overdue."
    assert len(days.figures) == 1 and days.figures[0].svg.startswith("<svg")
    assert days.figures[0].alt.strip()
    captions = [table.caption for table in days.tables]
    assert captions == ["Status and what changed", "Follow-up actions"]
    facts = dict(days.tables[0].frame.to_numpy())
    assert facts["Owner"] == "Permit Center manager, Permit Center"
    assert facts["Target"] == "45 days" and "on a year ago" in facts["Change"]
    assert facts["Limits recalculated"].startswith("from Jul 2025")
    assert facts["Last signal"]
    actions = days.tables[1].frame
    assert actions["State"].tolist() == ["OVERDUE by 10 days"]
    backlog = findings.section("measure-backlog")
    assert backlog.notice is None and "Follow-up actions" not in [t.caption for t in backlog.tables]


def test_a_ward_breakdown_suppresses_small_wards_and_names_the_gap(packet):
    findings, _, _ = packet
    by_ward = findings.section("measure-callbacks").tables[1]
    shown = dict(zip(by_ward.frame["Group"], by_ward.frame["Latest"], strict=True))
    assert shown["Ward 4"] == "suppressed"  # 3 calls in the last month
    # one more ward hidden with it, or Ward 4 would follow from the total of calls
    assert list(shown.values()).count("suppressed") == 2
    assert "Gap between the best" in by_ward.note


def test_the_packet_pdf_is_tagged_legible_and_a_page_per_measure(packet):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("pypdfium2")
    findings, pdf, _ = packet
    reader = pypdf.PdfReader(pdf)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert reader.metadata.title == findings.title
    pages = page_measures(pdf)
    assert (pages["smallest_pt"] >= 7.0 - 0.01).all(), pages.to_string()
    last = int(pages["page"].max())
    short = pages[(pages["fill"] < 1 / 3) & (pages["page"] != last)]
    assert short.empty, f"pages less than a third full:\n{short.to_string()}"
    # each measure starts a page: its name is at the top of one page
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    measures = [s for s in findings.sections if s.id.startswith("measure-")]
    for section in measures:
        assert sum(section.title in text[:400] for text in texts) >= 1, section.title
    assert len(pages) >= 2 + len(measures)  # cover, summary, one per measure


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed (make test does)")
def test_the_packet_html_has_no_axe_violation(packet):
    pytest.importorskip("axe_playwright_python")
    from playwright.sync_api import sync_playwright

    from tests._axe import axe_violations

    _, _, html = packet
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(html.as_uri())
        violations = axe_violations(page)
        browser.close()
    assert violations == []


def test_the_findings_brief_has_a_measures_section_when_the_study_has_measures(study_folder):
    with pytest.MonkeyPatch.context() as patch, open_study(study_folder) as study:
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)  # choosing k is the slow step
        assert study_material(study)["measures"]
        findings = assemble_findings(study)
        html = export_html(findings, study_folder.parent / "brief.html").read_text("utf-8")
    section = findings.section("measures")
    assert section.tables[0].frame.shape[0] == 4
    assert "4 performance measures" in section.summary
    assert 'id="measures"' in html
    # the method still lists only missing raw material (measures are not a strand of it)
    method = dict(findings.method.tables[0].frame.to_numpy())
    assert "Not part of this study" not in method


def test_the_command_line_writes_the_packet(study_folder, tmp_path):
    output = tmp_path / "packet.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "research_kit.cli",
            "brief",
            "export",
            "--packet",
            "--to",
            "html",
            "--study",
            str(study_folder),
            "--as-of",
            AS_OF,
            "-o",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Stat meeting packet" in output.read_text("utf-8")


def test_a_meeting_day_that_is_not_a_date_is_refused(study_folder):
    from research_kit.errors import ResearchKitError

    with open_study(study_folder) as study, pytest.raises(ResearchKitError, match="YYYY-MM-DD"):
        assemble_packet(study, as_of="next Tuesday")

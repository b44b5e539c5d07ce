"""Reads never write: briefs, exports, process evidence and analyses leave a study as it was.

On a copy of the sample study the writes come first, each an explicit call (the shipped codings
imported, a couple of codes applied by a second coder); then every file of the study folder is
hashed and every table of its database dumped, and each read below must leave both unchanged.
A read that wrote is named, with the files and tables it changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from research_kit import interviews as iv
from research_kit import open_study
from research_kit import process as pm
from research_kit import survey as sv
from research_kit.briefs import assemble_findings, export_html, export_pdf
from research_kit.briefs.audit import privacy_audit
from research_kit.briefs.findings import GROUPS

pytestmark = pytest.mark.slow

#: SQLite's write-ahead log and shared-memory index: its own working files, not the study's
#: content (the database's content is compared table by table, and its main file by bytes).
_SQLITE_WORKING_FILES = ("-wal", "-shm")


def _fingerprint(study) -> dict[str, str]:
    """A hash of every file of the study folder (bytes) and of every table (rows sorted)."""
    found = {}
    for path in sorted(study.folder.rglob("*")):
        if path.is_file() and not path.name.endswith(_SQLITE_WORKING_FILES):
            found[f"file {path.relative_to(study.folder)}"] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    with study.store.read() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            dump = "\n".join(sorted(repr(tuple(row)) for row in rows))
            found[f"table {table}"] = hashlib.sha256(dump.encode()).hexdigest()
    return found


def _changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def _writers(study, reads: list[tuple[str, Callable[[], object]]]) -> list[str]:
    """Run each read; name those that changed a file or table, with what they changed."""
    wrote = []
    before = _fingerprint(study)
    for label, read in reads:
        read()
        after = _fingerprint(study)
        if changed := _changes(before, after):
            wrote.append(f"{label} changed {', '.join(changed)}")
        before = after
    return wrote


@pytest.fixture
def written_study(sample_study_path):
    """The sample copy after its explicit writes, reopened so the database is at rest."""
    with open_study(sample_study_path) as study:
        iv.import_shipped_codings(study)
        paragraphs = iv.segment(study.document("P02_business-owner"), "paragraph")
        for number, code in ((1, "distrust_of_city"), (2, "cost_of_delay")):
            iv.apply_code(
                study,
                "P02_business-owner",
                int(paragraphs.start[number]),
                int(paragraphs.end[number]),
                code,
                coder="T.L.",
            )
    study = open_study(sample_study_path, create=False)
    yield study
    study.close()


def test_briefs_and_their_exports_write_nothing(written_study, tmp_path):
    study = written_study
    out = tmp_path / "out"
    made: dict = {}
    reuse: dict = {}  # clustering once is what a dashboard does: the later calls reuse it

    def first_brief() -> None:
        made["first"] = assemble_findings(study)
        reuse["answer_themes"] = made["first"].answer_themes

    wards = sorted(str(ward) for ward in study.survey()["ward"].dropna().unique())
    themes = iv.theme_summary(study)["theme_id"].tolist()
    coders = iv.coders(study)["coder"].tolist()
    audiences = ["public", "council", "department"]
    # Every ward, group, theme, coder and audience the brief offers, each in at least one call
    # (the filters combined, so the brief is assembled a handful of times, not once per value).
    reads = [("assemble_findings(study)", first_brief)]
    for number in range(max(len(wards), len(GROUPS), len(themes), len(coders))):
        options = {
            "audience": audiences[number % len(audiences)],
            "ward": wards[number % len(wards)],
            "by": GROUPS[number % len(GROUPS)],
            "theme": themes[number % len(themes)],
            "coder": coders[number % len(coders)],
        }
        label = "assemble_findings(" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"
        reads.append((label, lambda o=options: assemble_findings(study, **o, **reuse)))
    reads += [
        (
            "assemble_findings(redact=False)",
            lambda: assemble_findings(study, redact=False, **reuse),
        ),
        ("export_pdf", lambda: export_pdf(made["first"], out / "findings.pdf")),
        ("export_html", lambda: export_html(made["first"], out / "findings.html")),
        (
            "privacy_audit",
            lambda: privacy_audit(study, [out / "findings.pdf", out / "findings.html"]),
        ),
    ]
    assert not _writers(study, reads)
    assert made["first"].sections[0].id == "interviews"


def test_process_evidence_and_mining_write_nothing(written_study, tmp_path):
    study = written_study
    log = study.event_log()
    spec = study.process_map()
    reads = [
        ("study.event_log()", study.event_log),
        ("study.process_map()", study.process_map),
        ("step_evidence", lambda: pm.step_evidence(study, spec)),
        ("step_evidence(coder='M.K.')", lambda: pm.step_evidence(study, spec, coder="M.K.")),
        ("step_annotations", lambda: pm.step_annotations(study, spec, log)),
        ("step_durations", lambda: pm.step_durations(spec, log)),
        (
            "swimlane_svg with evidence",
            lambda: pm.swimlane_svg(spec, annotations=pm.step_annotations(study, spec)),
        ),
        ("directly_follows", lambda: pm.directly_follows(log)),
        ("process_map_svg", lambda: pm.process_map_svg(pm.directly_follows(log))),
        ("variants", lambda: pm.variants(log)),
        ("case_variants", lambda: pm.case_variants(log)),
        ("case_durations", lambda: pm.case_durations(log)),
        ("bottlenecks", lambda: pm.bottlenecks(log)),
        ("bottlenecks(by='activity')", lambda: pm.bottlenecks(log, by="activity")),
        ("rework", lambda: pm.rework(log)),
        ("start_activities", lambda: pm.start_activities(log)),
        ("end_activities", lambda: pm.end_activities(log)),
        ("compare_periods", lambda: pm.compare_periods(log, "2025-07-01")),
        ("filter_top_variants", lambda: pm.filter_top_variants(log, 5)),
        ("study.deadlines()", lambda: study.deadlines(by=["start_month", "ward"])),
    ]
    assert not _writers(study, reads)


def test_interview_and_survey_analyses_write_nothing(written_study, tmp_path):
    study = written_study
    out = tmp_path / "out"
    out.mkdir()
    survey = study.survey()
    weights = study.survey_weights()
    items = [
        "It was easy to find out which permits I needed",
        "City staff gave me consistent answers",
    ]
    order = {item: list(sv.scale_order(survey[item].dropna(), question=item)[0]) for item in items}
    open_question = "What one thing should the City change about permitting?"
    reads = [
        ("study.summary()", study.summary),
        ("study.check()", study.check),
        ("codings", lambda: iv.codings(study)),
        ("coders", lambda: iv.coders(study)),
        ("memos", lambda: iv.memos(study)),
        ("stale_codings", lambda: iv.stale_codings(study)),
        ("theme_summary", lambda: iv.theme_summary(study)),
        ("code_frequencies", lambda: iv.code_frequencies(study)),
        ("code_frequencies(by='theme')", lambda: iv.code_frequencies(study, by="theme")),
        ("code_cooccurrence", lambda: iv.code_cooccurrence(study)),
        ("code_by_attribute", lambda: iv.code_by_attribute(study, "role")),
        ("code_matrix", lambda: iv.code_matrix(study)),
        ("quotes", lambda: iv.quotes(study, theme="waiting")),
        ("saturation_curve", lambda: iv.saturation_curve(study)),
        ("codebook_table", lambda: iv.codebook_table(study)),
        ("coder_agreement", lambda: iv.coder_agreement(study, coders=["J.R.", "M.K."])),
        ("pairwise_agreement", lambda: iv.pairwise_agreement(study)),
        ("disagreements", lambda: iv.disagreements(study, coders=["J.R.", "M.K."])),
        ("apply_rules (suggestions only)", lambda: iv.apply_rules(study)),
        ("export_codings", lambda: iv.export_codings(study, out / "codings.csv")),
        ("export_quotes", lambda: iv.export_quotes(study, out / "quotes.csv")),
        ("export_code_matrix", lambda: iv.export_code_matrix(study, out / "matrix.csv")),
        ("export_qdpx", lambda: iv.export_qdpx(study, out / "project.qdpx")),
        ("study.survey()", study.survey),
        ("study.survey_weights()", study.survey_weights),
        ("design_effect", lambda: sv.design_effect(weights)),
        ("answer_counts", lambda: sv.answer_counts(survey, items)),
        ("detect_column_kinds", lambda: sv.detect_column_kinds(survey)),
        ("likert_summary", lambda: sv.likert_summary(survey, items, order=order)),
        (
            "likert_summary by ward, weighted",
            lambda: sv.likert_summary(survey, items, order=order, weights=weights, by="ward"),
        ),
        ("top_box", lambda: sv.top_box(survey, items, order=order, weights=weights, by="ward")),
        ("crosstab", lambda: sv.crosstab(survey, items[0], "age_band", weights=weights)),
        (
            "weighted_distribution",
            lambda: sv.weighted_distribution(survey, items[1], weights=weights, by="ward"),
        ),
        ("open_answers", lambda: sv.open_answers(survey, open_question)),
        # Keeping a run is cluster_question's default, a write that says so: here it is off.
        (
            "cluster_question(keep_run=False)",
            lambda: sv.cluster_question(study, open_question, n_clusters=4, keep_run=False),
        ),
    ]
    assert not _writers(study, reads)


def test_a_brief_of_a_study_without_codings_says_so_and_writes_nothing(sample_study_path):
    with open_study(sample_study_path) as study:
        study.register_documents()  # a study that has been set up, but nobody has coded yet
        study.register_codebook()
    with open_study(sample_study_path, create=False) as study:
        before = _fingerprint(study)
        findings = assemble_findings(study)
        evidence = pm.step_evidence(study)
        assert _changes(before, _fingerprint(study)) == []
        assert iv.coders(study).empty
    interviews = next(section for section in findings.sections if section.id == "interviews")
    assert interviews.summary.startswith("No interview codings yet")
    assert not interviews.quotes and not interviews.figures
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    assert method["Coders"] == "none"
    assert int(evidence["n_codings"].sum()) == 0


def test_evidence_reads_a_hand_edited_codebook_without_registering_it(sample_study_path):
    with open_study(sample_study_path) as study:
        study.register_codebook()
        codebook = study.settings.codebook
        text = codebook.read_text(encoding="utf-8")
        # A process-step link added by hand: evidence shows it, the database stays as it was.
        codebook.write_text(
            text.replace(
                "  - id: distrust_of_city\n",
                "  - id: distrust_of_city\n    process_step: submit_application\n",
            ),
            encoding="utf-8",
        )
        assert "process_step: submit_application" in codebook.read_text(encoding="utf-8")
        before = _fingerprint(study)
        evidence = pm.step_evidence(study).set_index("step_id")
        assert _changes(before, _fingerprint(study)) == []
    assert "distrust_of_city" in evidence.loc["submit_application", "codes"]

"""Three coders: the demo, the agreement command and the findings brief name every pair.

Cohen's kappa is defined for two coders, so with three or more each pair gets its own (on the
notes that pair coded) and Krippendorff's alpha covers all of them at once. Runs on a scratch
copy of the sample study with a third coder, T.L., who coded two notes the others coded.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs import assemble_findings
from research_kit.cli import main
from research_kit.interviews import coder_agreement, import_shipped_codings, pairwise_agreement

THIRD = "T.L."
NOTES = ("P01_business-owner", "P03_front-desk-clerk")
PAIRS = [("J.R.", "M.K."), ("J.R.", THIRD), ("M.K.", THIRD)]


@pytest.fixture
def three_coders(sample_study_path):
    """The sample copy with T.L. coding P01 and P03 like M.K., less every third coding."""
    codings_file = sample_study_path / "codings" / "sample_codings.csv"
    with codings_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    theirs = [row for row in rows if row["coder"] == "M.K." and row["document_id"] in NOTES]
    assert theirs, "the sample study no longer has M.K. codings in P01 and P03"
    with codings_file.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_NONNUMERIC)
        for number, row in enumerate(theirs):
            if number % 3 != 2:
                writer.writerow(
                    row | {"coder": THIRD, "start": int(row["start"]), "end": int(row["end"])}
                )
    return sample_study_path


def _notes_coded_by(study_path, coder: str) -> set[str]:
    """The notes the codings file says a coder coded."""
    codings_file = study_path / "codings" / "sample_codings.csv"
    with codings_file.open(encoding="utf-8", newline="") as handle:
        return {row["document_id"] for row in csv.DictReader(handle) if row["coder"] == coder}


def test_demo_reports_kappa_for_each_pair_and_alpha_over_all(three_coders, capsys):
    assert main(["demo", str(three_coders), "--no-report"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "agreement:" in x)
    assert re.search(r"Krippendorff's alpha -?\d\.\d\d over all 3 coders \(2 note", line), line
    for coder_a, coder_b in PAIRS:
        assert re.search(rf"{re.escape(coder_a)}–{re.escape(coder_b)} -?\d\.\d\d", line), line


def test_agreement_command_lists_every_pair(three_coders, capsys):
    main(["demo", str(three_coders), "--no-report"])
    capsys.readouterr()
    assert main(["agreement", "--study", str(three_coders)]) == 0
    text = capsys.readouterr().out
    assert "Cohen's kappa for each pair of coders" in text
    assert main(["agreement", "--study", str(three_coders), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["coders"] == ["J.R.", "M.K.", THIRD]
    assert 0 <= payload["overall"]["krippendorff_alpha"] <= 1
    assert [(pair["coder_a"], pair["coder_b"]) for pair in payload["pairs"]] == PAIRS
    assert all(-1 <= pair["cohen_kappa"] <= 1 for pair in payload["pairs"])


def test_each_pair_is_two_coder_agreement_on_the_notes_that_pair_coded(three_coders):
    main(["demo", str(three_coders), "--no-report"])
    with open_study(three_coders) as study:
        pairs = pairwise_agreement(study).set_index(["coder_a", "coder_b"])
        for coder_a, coder_b in PAIRS:
            alone = coder_agreement(study, coders=[coder_a, coder_b]).iloc[-1]
            pair = pairs.loc[(coder_a, coder_b)]
            assert pair["cohen_kappa"] == alone["cohen_kappa"]
            assert pair["krippendorff_alpha"] == alone["krippendorff_alpha"]
            assert pair["n_documents"] == alone["n_documents"]
        both = _notes_coded_by(three_coders, "J.R.") & _notes_coded_by(three_coders, "M.K.")
        assert len(both) > len(NOTES)  # the pair shares more notes than all three do
        assert pairs.loc[("J.R.", "M.K."), "n_documents"] == len(both)


def test_pairs_without_a_shared_note_are_kept_with_no_statistics(sample_study_path):
    from research_kit.interviews import apply_code

    with open_study(sample_study_path) as study:
        apply_code(study, "P02_business-owner", 0, 40, "cost_of_delay", coder="A")
        apply_code(study, "P04_inspector", 0, 40, "cost_of_delay", coder="B")
        pairs = pairwise_agreement(study)
    assert pairs[["coder_a", "coder_b", "n_documents"]].values.tolist() == [["A", "B", 0]]
    assert pairs["cohen_kappa"].isna().all()


@pytest.mark.slow
def test_findings_brief_names_every_pair_of_coders(three_coders, monkeypatch):
    note = three_coders / "notes" / "P05_business-owner.md"
    note.write_text(
        re.sub(r"\ndate: .*\n", "\ndate: 9999-12-31\n", note.read_text(encoding="utf-8"), count=1),
        encoding="utf-8",
    )
    monkeypatch.setattr(survey_findings, "ANSWER_THEMES_K", 6)  # choosing k is tested elsewhere
    with open_study(three_coders) as study:
        import_shipped_codings(study)
        findings = assemble_findings(study)
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    agreement = method["Inter-coder agreement"]
    assert agreement.count("Cohen's kappa") == 3, agreement
    assert "all 3 coders coded 2 interviews: Krippendorff's alpha" in agreement
    assert THIRD not in agreement and "J.R." not in agreement  # coders go by their labels
    # A mistyped year outside pandas' range is shown, not silently dropped from the range.
    assert method["Interview dates"].endswith("to 31 December 9999"), method["Interview dates"]

"""The research-kit command: check, summary and demo, with clear errors and exit codes."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.cli import main
from research_kit.interviews import coder_agreement
from research_kit.interviews.codebook import read_codebook


def _shipped_codings_by_coder(study_path) -> dict[str, int]:
    """How many codings the study's codings file holds for each coder, in file order."""
    path = study_path / "codings" / "sample_codings.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        coders = [row["coder"] for row in csv.DictReader(handle)]
    return {coder: coders.count(coder) for coder in dict.fromkeys(coders)}


def test_check_on_the_sample_study_is_clean(sample_study_path, capsys):
    assert main(["check", str(sample_study_path)]) == 0
    assert "clean" in capsys.readouterr().out


def test_check_reports_file_line_problem_and_fix(sample_study_path, capsys):
    (sample_study_path / "codebook.yml").write_text(
        "codes:\n- {id: a, name: A, definition: d}\n- {id: b, name: B, parent: c, definition: d}\n"
    )
    note = sample_study_path / "notes" / "P02_business-owner.md"
    note.write_text(note.read_text(encoding="utf-8").replace("\n---\n", "\n", 1), encoding="utf-8")
    assert main(["check", str(sample_study_path)]) == 1
    out = capsys.readouterr().out
    assert f"{sample_study_path / 'codebook.yml'}:3: code 'b' has parent 'c'" in out
    assert f"{note}:1: front matter is not closed — add a line" in out
    assert "error(s)" in out


def test_check_strict_fails_on_warnings(sample_study_path, capsys):
    note = sample_study_path / "notes" / "P01_business-owner.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace("interviewer:", "mood: tired\ninterviewer:"),
        encoding="utf-8",
    )
    assert main(["check", str(sample_study_path)]) == 0
    assert main(["check", "--strict", str(sample_study_path)]) == 1
    assert "warning: attribute 'mood'" in capsys.readouterr().out


def test_summary_of_a_folder_that_is_not_a_study(tmp_path, capsys):
    assert main(["summary", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is not a study folder" in err
    assert "research-kit new" in err  # the hint says how to start one
    assert "Traceback" not in err


def test_demo_registers_and_summarises(sample_study_path, capsys):
    notes = len(list((sample_study_path / "notes").glob("*.md")))
    codes = len(read_codebook(sample_study_path / "codebook.yml"))
    assert main(["demo", str(sample_study_path), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert f"documents: {notes} new; codes: {codes}" in out
    assert "respondents" in out and "cases" in out
    assert main(["demo", str(sample_study_path), "--no-report"]) == 0
    assert f"{notes} unchanged" in capsys.readouterr().out


def test_demo_stops_on_errors_without_touching_the_database(sample_study_path, capsys):
    (sample_study_path / "codebook.yml").write_text("codes: [\n")
    assert main(["demo", str(sample_study_path), "--no-report"]) == 1
    assert not (sample_study_path / "study.db").exists()


@pytest.mark.slow
def test_installed_console_script_runs(sample_study_path):
    result = subprocess.run(
        [sys.executable, "-m", "research_kit.cli", "summary", str(sample_study_path)],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a speed limit
    )
    assert result.returncode == 0, result.stderr
    assert "Port Alder" in result.stdout


def test_check_lists_every_bad_row_of_a_codings_file(sample_study_path, capsys):
    path = sample_study_path / "codings" / "sample_codings.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][6] = "Text that is not in the note."
    rows[2][3] = "no_such_code"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert main(["check", str(sample_study_path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2: the note changed since these codings were exported" in out
    assert f"{path}:3: code 'no_such_code' is not in the codebook" in out


def test_demo_imports_the_shipped_codings_once(sample_study_path, capsys):
    counts = _shipped_codings_by_coder(sample_study_path)
    assert list(counts) == ["J.R.", "M.K."]
    assert main(["demo", str(sample_study_path), "--no-report"]) == 0
    first = "; ".join(f"{coder} {n} ({n} new)" for coder, n in counts.items())
    assert first in capsys.readouterr().out
    assert main(["demo", str(sample_study_path), "--no-report"]) == 0
    again = "; ".join(f"{coder} {n} (0 new)" for coder, n in counts.items())
    assert again in capsys.readouterr().out


def test_agreement_json(sample_study_path, capsys):
    main(["demo", str(sample_study_path), "--no-report"])
    capsys.readouterr()
    assert main(["agreement", "--study", str(sample_study_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["coders"] == ["J.R.", "M.K."]
    assert payload["unit"] == "excerpt"
    with open_study(sample_study_path, create=False) as study:
        overall = coder_agreement(study).iloc[-1]
    assert payload["overall"]["cohen_kappa"] == pytest.approx(overall["cohen_kappa"])
    assert {record["code_id"] for record in payload["codes"]} >= {"language_access"}


def test_agreement_needs_two_coders(sample_study_path, capsys):
    assert main(["agreement", "--study", str(sample_study_path)]) == 2
    assert "two coders" in capsys.readouterr().err


def test_map_command_draws_the_sample_process(sample_study_path, tmp_path, capsys):
    output = tmp_path / "map.svg"
    assert (
        main(["map", "--study", str(sample_study_path), "--kind", "blueprint", "-o", str(output)])
        == 0
    )
    assert "line of visibility" in output.read_text(encoding="utf-8").lower()
    assert main(["map", "--study", str(sample_study_path), "-o", str(tmp_path / "m.gif")]) != 0


@pytest.mark.slow
def test_demo_writes_the_findings_pdf_and_html(sample_study_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["demo", str(sample_study_path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (out / "findings.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (out / "findings.html").read_text(encoding="utf-8").lower()
    assert f"research-kit brief serve --study {sample_study_path}" in printed
    assert re.search(r"survey: [\d,]+ answers to .* in \d+ themes; largest .*±", printed)
    # The demo audits what it wrote, and says how many findings (it does not fail on them).
    assert f"privacy audit of {out / 'findings.pdf'}, {out / 'findings.html'}" in printed
    assert re.search(r"privacy audit: (no findings in 2 files|[\d,]+ findings? in )", printed)


def test_cluster_command_prints_themes_breakdown_and_csv(sample_study_path, tmp_path, capsys):
    output = tmp_path / "themes.csv"
    arguments = ["cluster", "--study", str(sample_study_path), "-k", "5", "--by", "ward"]
    assert main([*arguments, "-o", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "answers in 5 themes" in printed and "(weighted)" in printed
    assert "vs rest" in printed and "terms:" in printed
    assert len(pd.read_csv(output)) == int(
        re.search(r"([\d,]+) answers in", printed)[1].replace(",", "")
    )
    assert main(["cluster", "--study", str(sample_study_path), "--question", "nope"]) != 0
    assert "not an open-ended question" in capsys.readouterr().err

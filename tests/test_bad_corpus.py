"""The bad-input corpus: every loader × every kind of broken, hostile or huge file.

The cases live in ``benchmarks/bad_inputs.py`` (so ``make stress`` can print the same table);
each one here is its own test, with a generous hang guard (never a speed limit: the time each
case takes is in ``make stress``'s table). A case passes when it ends as its table row
says: a successful load, or a research_kit error that names the file and gives a hint, with
the study database and notes folder unchanged for loaders that write. The command line is
checked on a copy of the sample study with broken files dropped in.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

from research_kit.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]


def _load_corpus_module():
    spec = importlib.util.spec_from_file_location(
        "bad_inputs", ROOT / "benchmarks" / "bad_inputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bad_inputs", module)
    spec.loader.exec_module(module)
    return sys.modules["bad_inputs"]


bad_inputs = _load_corpus_module()
CASES = bad_inputs.cases()


@pytest.fixture(scope="module")
def template_study(tmp_path_factory):
    """The registered, coded study that writing loaders get a fresh copy of per case."""
    folder = bad_inputs.make_template_study(tmp_path_factory.mktemp("bad_template"))
    bad_inputs.use_template_study(folder)
    yield folder
    bad_inputs.use_template_study(None)


@pytest.mark.timeout(600)  # a hang guard, not a speed test
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in CASES],
)
def test_bad_input_ends_as_expected(case, template_study, tmp_path):
    outcome = bad_inputs.run_case(case, tmp_path)
    if outcome.error is not None and outcome.outcome == bad_inputs.FAILED:
        raise AssertionError(f"{case.id}: {outcome.message}") from outcome.error
    assert outcome.outcome == case.expect, f"{case.id}: {outcome.message}"


def test_every_loader_has_the_basic_cases():
    by_loader: dict[str, set[str]] = {}
    for case in CASES:
        by_loader.setdefault(case.loader, set()).add(case.case)
    text_loaders = [
        "note .md",
        "codebook",
        "study.yml",
        "survey CSV",
        "process map",
        "event log CSV",
        "event log XES",
        "codings CSV",
        "autocode rules",
        "QDC read",
    ]
    for loader in text_loaders:
        assert {"empty file", "binary garbage", "NUL bytes", "UTF-8 BOM"} <= by_loader[loader]
    assert {"XXE", "billion laughs"} <= by_loader["event log XES"]
    assert {"XXE", "billion laughs"} <= by_loader["QDC read"]
    assert {"path traversal entry ../../x", "zip bomb member", "XXE in project.qde"} <= (
        by_loader["QDPX import"]
    )


def test_committed_corpus_is_small_and_current():
    corpus = bad_inputs.CORPUS
    expected = bad_inputs.static_files()
    assert sorted(p.name for p in corpus.iterdir()) == sorted(expected)
    for name, data in expected.items():
        if name.startswith("truncated_"):  # cut from the sample study, which may evolve
            continue
        assert (corpus / name).read_bytes() == data, f"rewrite {name}: --write-corpus"
    assert sum(p.stat().st_size for p in corpus.iterdir()) < 1024 * 1024


@pytest.mark.timeout(600)  # a hang guard, not a speed test
def test_docx_external_entity_is_not_resolved(tmp_path):
    from research_kit.interviews import read_note

    path = tmp_path / "P99.docx"
    shutil.copyfile(bad_inputs.CORPUS / "xxe_docx.docx", path)
    assert "root:" not in read_note(path).text


def test_a_dependency_error_counts_as_failed(tmp_path):
    def boom() -> bytes:
        return b""

    case = bad_inputs.Case("note .md", "raises", bad_inputs.LOADED, boom)
    assert bad_inputs.run_case(case, tmp_path).outcome == bad_inputs.FAILED


# -- the command line on a study with a broken file -------------------------------------------
SURVEY = "survey/permitting_survey_2026.csv"
EVENTS = "process/permit_events.csv"


def _break_note_binary(study: Path) -> str:
    (study / "notes" / "P99_broken.md").write_bytes(bad_inputs.BINARY)
    return r"notes/P99_broken\.md: looks like a binary file"


def _break_note_date(study: Path) -> str:
    text = (study / "notes" / "P01_business-owner.md").read_text(encoding="utf-8")
    text = re.sub(r"date: \S+", "date: 2026-02-31", text, count=1)
    (study / "notes" / "P01_business-owner.md").write_text(text, encoding="utf-8")
    return r"notes/P01_business-owner\.md:\d+: has a value that cannot be read"


def _break_codebook(study: Path) -> str:
    shutil.copyfile(bad_inputs.CORPUS / "truncated_codebook.yml", study / "codebook.yml")
    return r"codebook\.yml:\d+: is not valid YAML"


def _break_survey(study: Path) -> str:
    data = (study / SURVEY).read_bytes().decode("utf-8-sig")
    (study / SURVEY).write_bytes(data.encode("utf-16-le"))
    return r"permitting_survey_2026\.csv: looks like a binary file"


def _break_events(study: Path) -> str:
    lines = (study / EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = re.sub(r",\d{4}-\d\d-\d\dT\d\d", ",2024-13-45T99", lines[3], count=1)
    (study / EVENTS).write_text("".join(lines), encoding="utf-8")
    return r"permit_events\.csv:4: "


@pytest.mark.timeout(600)  # a hang guard, not a speed test
@pytest.mark.parametrize(
    "breaker",
    [_break_note_binary, _break_note_date, _break_codebook, _break_survey, _break_events],
    ids=["binary note", "note with 2026-02-31", "truncated codebook", "UTF-16 survey", "bad time"],
)
def test_check_reports_a_broken_file_without_a_traceback(sample_study_path, capsys, breaker):
    expected = breaker(sample_study_path)
    status = cli_main(["check", str(sample_study_path)])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert status == 1
    assert "Traceback" not in output
    assert re.search(expected, output.replace("\\", "/")), output[-2000:]
    problem_lines = [line for line in output.splitlines() if str(sample_study_path) in line]
    assert problem_lines
    for line in problem_lines:
        if line.startswith(("checked", "checking")):
            continue
        assert re.match(rf"{re.escape(str(sample_study_path))}\S*(:\d+)?: \S", line), line

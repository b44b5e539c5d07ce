"""Auto-coding: rules (keywords, lemmas, patterns), previews, accepting, and the suggester."""

from __future__ import annotations

import pickle
import random
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import cohen_kappa_score

from research_kit import open_study
from research_kit.errors import CodingError, InputError
from research_kit.interviews import apply_code, codings
from research_kit.interviews.autocode import (
    AutocodeError,
    accept,
    apply_rules,
    match_rules,
    parse_rules,
    read_rules,
    validate_rules,
)
from research_kit.interviews.suggester import (
    CodeSuggester,
    suggest,
    suggester_agreement,
    training_data,
)
from research_kit.text import build_pipeline

NOTE_ID = "P99_test"
NOTE_BODY = (
    "# Test note\n"
    "\n"
    "Q: What slowed you down?\n"
    "\n"
    "A: The Four-Hour Window. Inspections were inspected twice; we waited 6 weeks.\n"
    "\n"
    "A: Windows and uploads are fine. We waited three months for the expediters.\n"
)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


@pytest.fixture
def study(sample_study_path):
    """The sample study plus a short note with known offsets."""
    front = (
        "---\nparticipant: P99\nrole: business owner\nward: Ward 1\ndate: 2026-04-01\n"
        "interviewer: T.T.\n---\n"
    )
    (sample_study_path / "notes" / f"{NOTE_ID}.md").write_text(front + NOTE_BODY, "utf-8")
    opened = open_study(sample_study_path)
    yield opened
    opened.close()


def _note_offset(study, needle: str, occurrence: int = 0) -> tuple[int, int]:
    text = study.document(NOTE_ID).text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


# -- rules: matching ------------------------------------------------------------------------------
def _excerpts(*texts: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "document_id": [f"D{i}" for i in range(len(texts))],
            "start": [0] * len(texts),
            "end": [len(t) for t in texts],
            "text": list(texts),
        }
    )


def _spans(frame: pd.DataFrame) -> list[tuple]:
    return list(frame[["document_id", "start", "end", "code_id", "matched_text"]].itertuples(False))


def test_keywords_match_whole_words_case_insensitively(nlp):
    text = "The FOUR-HOUR window; windows; four-hour windows. Upload, uploaded."
    rules = {"rules": {"c": {"keywords": ["four-hour window", "upload"]}}}
    found = match_rules(_excerpts(text), rules, nlp=nlp, spans="match")
    assert text.index("Upload") == 50
    assert _spans(found) == [("D0", 4, 20, "c", "FOUR-HOUR window"), ("D0", 50, 56, "c", "Upload")]
    assert found["rule"].tolist() == ["keyword: four-hour window", "keyword: upload"]


def test_lemmas_match_every_form_of_the_word(nlp):
    text = "Inspections were inspected by an inspector. Expediters cost money."
    # "expediters" is not in the offline lookup table: found through its regular inflection
    rules = {
        "rules": {"insp": {"lemmas": ["inspect", "inspection"]}, "pay": {"lemmas": ["expediter"]}}
    }
    found = match_rules(_excerpts(text), rules, nlp=nlp, spans="match")
    assert _spans(found) == [
        ("D0", 0, 11, "insp", "Inspections"),
        ("D0", 17, 26, "insp", "inspected"),
        ("D0", 44, 54, "pay", "Expediters"),
    ]
    assert found["rule"].tolist() == ["lemma: inspection", "lemma: inspect", "lemma: expediter"]


def test_rules_can_be_given_as_yaml_text_and_listed():
    rules = parse_rules(
        "rules:\n  c:\n    keywords: [queue]\n    patterns:\n      - [{LOWER: a}]\n"
    )
    assert rules.to_frame().values.tolist() == [
        ["c", "keyword", "queue", 2],
        ["c", "pattern", "[LOWER=a]", 5],
    ]


def test_matcher_patterns_match_token_sequences(nlp):
    text = "We waited 6 weeks, then waited three months, then waited 2 days."
    pattern = [{"LEMMA": "wait"}, {"LIKE_NUM": True}, {"LOWER": {"IN": ["weeks", "months"]}}]
    rules = {"rules": {"delay": {"patterns": [pattern]}}}
    found = match_rules(_excerpts(text), rules, nlp=nlp, spans="match")
    assert _spans(found) == [
        ("D0", 3, 17, "delay", "waited 6 weeks"),
        ("D0", 24, 43, "delay", "waited three months"),
    ]
    assert found["rule"].iloc[0] == "pattern: [LEMMA=wait] [LIKE_NUM] [LOWER in weeks/months]"


def test_excerpt_rows_carry_the_whole_excerpt_and_every_rule_that_fired(nlp):
    excerpts = _excerpts("nothing here", "Rent on an empty space: rent again.")
    excerpts.loc[1, ["start", "end"]] = [100, 135]
    rules = {"rules": {"cost": {"keywords": ["empty space", "rent"], "lemmas": ["rent"]}}}
    found = match_rules(excerpts, rules, nlp=nlp)
    assert len(found) == 1
    row = found.iloc[0]
    assert (row.document_id, row.start, row.end, row.code_id) == ("D1", 100, 135, "cost")
    assert row.text == "Rent on an empty space: rent again."
    assert row.matched_text == "Rent; empty space; rent"
    assert row.rule == "keyword: rent; lemma: rent; keyword: empty space"
    assert row.origin == "rule"


def test_overlapping_matches_of_one_code_merge_into_one_passage(nlp):
    rules = {"rules": {"c": {"keywords": ["four-hour", "hour window"]}}}
    found = match_rules(_excerpts("a four-hour window"), rules, nlp=nlp, spans="match")
    assert _spans(found) == [("D0", 2, 18, "c", "four-hour window")]
    assert found["rule"].iloc[0] == "keyword: four-hour; keyword: hour window"


def test_apply_rules_gives_exact_spans_in_a_note(study, nlp):
    rules = {
        "rules": {
            "inspection_scheduling": {"keywords": ["four-hour window"]},
            "inconsistent_inspections": {"lemmas": ["inspect", "inspection"]},
            "plan_review_backlog": {
                "patterns": [[{"LEMMA": "wait"}, {"LIKE_NUM": True}, {"LOWER": {"IN": ["weeks"]}}]]
            },
            "paying_for_help": {"lemmas": ["expediter"]},
        }
    }
    found = apply_rules(study, rules, segment_by="match", documents=[NOTE_ID], nlp=nlp)
    got = {(r.code_id, r.start, r.end, r.text) for r in found.itertuples()}
    expected = {
        ("inspection_scheduling", *_note_offset(study, "Four-Hour Window"), "Four-Hour Window"),
        ("inconsistent_inspections", *_note_offset(study, "Inspections"), "Inspections"),
        ("inconsistent_inspections", *_note_offset(study, "inspected"), "inspected"),
        ("plan_review_backlog", *_note_offset(study, "waited 6 weeks"), "waited 6 weeks"),
        ("paying_for_help", *_note_offset(study, "expediters"), "expediters"),
    }
    assert got == expected
    by_paragraph = apply_rules(study, rules, documents=NOTE_ID, nlp=nlp)
    first = "A: The Four-Hour Window. Inspections were inspected twice; we waited 6 weeks."
    spans = {(r.code_id, r.start, r.end) for r in by_paragraph.itertuples()}
    assert ("plan_review_backlog", *_note_offset(study, first)) in spans
    assert len(spans) == 4
    document = study.document(NOTE_ID)
    assert all(document.text[r.start : r.end] == r.text for r in by_paragraph.itertuples())


# -- rules: errors --------------------------------------------------------------------------------
def _rules_file(tmp_path, text: str):
    path = tmp_path / "autocode.yml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            """\
            rules:
              waiting:
                keywords: [queue]
              cost_of_dealy:
                keywords: [rent]
            """,
            4,
            r"code 'cost_of_dealy' is not in the codebook.*did you mean 'cost_of_delay'",
        ),
        (
            """\
            rules:
              waiting:
                patterns:
                  - [{LEMMA: wait}, {LIKE_NUM: true}]
                  - - {LOWER: four}
                    - {LOWR: hour}
            """,
            6,
            r"pattern 2 of code 'waiting', token 2: LOWR: extra inputs are not permitted",
        ),
        (
            """\
            rules:
              waiting:
                patterns:
                  - [{LOWER: {IN: [two, 3]}}]
            """,
            4,
            r"pattern 1 of code 'waiting', token 1: LOWER → IN: input should be a valid string",
        ),
        (
            """\
            rules:
              waiting:
                patterns:
                  - {LOWER: wait}
            """,
            4,
            r"pattern 1 of code 'waiting' is not a non-empty list of token specs",
        ),
        (
            """\
            rules:
              waiting:
                patterns:
                  - [{TEXT: {REGEX: "(unclosed"}}]
            """,
            4,
            r"pattern 1 of code 'waiting' is rejected by spaCy",
        ),
        (
            """\
            rules:
              waiting:
                lemmas: [wait, long wait]
            """,
            3,
            r"lemma 'long wait' of code 'waiting' is more than one word",
        ),
        (
            """\
            rules:
              waiting:
                keyword: [queue]
            """,
            3,
            r"unknown key 'keyword'.*did you mean 'keywords'",
        ),
        (
            """\
            rules:
              waiting: {}
            """,
            2,
            r"code 'waiting' has no rules",
        ),
        (
            """\
            rules:
              waiting:
                keywords: [queue, yes]
            """,
            3,
            r"keyword True of code 'waiting' is not a word or phrase",
        ),
        ("rule:\n  waiting: {keywords: [queue]}\n", 1, r"has no 'rules:' mapping"),
        ("rules:\n  waiting: {keywords: [queue\n", 3, r"is not valid YAML"),
    ],
)
def test_invalid_rules_give_clear_errors_with_the_line(tmp_path, text, line, message):
    from research_kit.interviews import read_codebook
    from tests.conftest import SAMPLE_STUDY

    codebook = read_codebook(SAMPLE_STUDY / "codebook.yml")
    path = _rules_file(tmp_path, text)
    with pytest.raises(AutocodeError, match=message) as caught:
        read_rules(path, codebook=codebook)
    assert caught.value.line == line
    assert caught.value.path == path
    assert caught.value.hint
    assert isinstance(caught.value, InputError)


def test_validate_rules_reports_every_problem(tmp_path):
    path = _rules_file(tmp_path, "rules:\n  a: {}\n  b: {lemmas: [x y]}\n  c: {keywords: [ok]}\n")
    rules, problems = validate_rules(path)
    assert [p.line for p in problems] == [2, 3]
    assert list(rules.codes) == ["c"]


def test_apply_rules_checks_code_ids_against_the_study_codebook(study, nlp):
    with pytest.raises(AutocodeError, match="'no_such_code' is not in the codebook"):
        apply_rules(study, {"rules": {"no_such_code": {"keywords": ["x"]}}}, nlp=nlp)
    with pytest.raises(ValueError, match="segment_by"):
        apply_rules(study, {"rules": {"waiting": {"keywords": ["x"]}}}, segment_by="page")


# -- preview and accept ---------------------------------------------------------------------------
def test_preview_writes_nothing_and_accept_writes_rule_codings(study, nlp):
    assert codings(study).empty
    rules = {
        "rules": {
            "paying_for_help": {"lemmas": ["expediter"]},
            "portal_problems": {"keywords": ["upload"]},
        }
    }
    preview = apply_rules(study, rules, documents=[NOTE_ID, "P08_business-owner"], nlp=nlp)
    assert len(preview) >= 2
    assert codings(study).empty  # a preview is only a preview

    written = accept(study, preview, coder="J.R.")
    stored = codings(study)
    assert len(stored) == len(written) == len(preview)
    assert set(stored["origin"]) == {"rule"}
    assert set(stored["coder"]) == {"J.R."}
    assert sorted(written["coding_id"]) == sorted(stored["coding_id"])
    # the same excerpts are not proposed again to the same coder …
    assert apply_rules(study, rules, documents=[NOTE_ID], coder="J.R.", nlp=nlp).empty
    # … but they are to another coder, whose work is separate
    assert not apply_rules(study, rules, documents=[NOTE_ID], coder="M.K.", nlp=nlp).empty


def test_accept_skips_rejected_rows_and_deduplicates(study, nlp):
    rules = {"rules": {"paying_for_help": {"lemmas": ["expediter"]}}}
    preview = apply_rules(study, rules, nlp=nlp)
    preview["accepted"] = [True] + [False] * (len(preview) - 1)
    twice = pd.concat([preview, preview.head(1)])
    written = accept(study, twice, coder="A")
    assert len(written) == 1 and len(codings(study)) == 1
    nothing = accept(study, preview.assign(accepted=False), coder="A")
    assert nothing.empty and len(codings(study)) == 1


def test_accept_refuses_manual_origin_missing_columns_and_stale_text(study, nlp):
    preview = apply_rules(study, {"rules": {"paying_for_help": {"lemmas": ["expediter"]}}}, nlp=nlp)
    with pytest.raises(CodingError, match="origin 'manual'"):
        accept(study, preview.assign(origin="manual"), coder="A")
    with pytest.raises(CodingError, match="lack the columns origin"):
        accept(study, preview.drop(columns="origin"), coder="A")
    with pytest.raises(CodingError, match="no longer matches"):
        accept(study, preview.assign(text="something else"), coder="A")
    assert codings(study).empty


# -- the suggester --------------------------------------------------------------------------------
VOCABULARY = {
    "wait": ["queue", "weeks", "backlog", "waiting", "delay", "months", "slow", "line"],
    "money": ["rent", "loan", "savings", "payroll", "cost", "dollars", "lease", "revenue"],
    "portal": ["upload", "portal", "website", "login", "password", "file", "crash", "online"],
}
FILLER = ["the", "owner", "said", "city", "shop", "and", "then", "we", "office", "permit", "day"]


def _synthetic(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        codes = [code for code in VOCABULARY if rng.random() < 0.3]
        words = [rng.choice(FILLER) for _ in range(12)]
        for code in codes:
            words += rng.sample(VOCABULARY[code], 3)
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(codes)
    return texts, labels


def test_suggester_learns_codes_on_held_out_data():
    texts, labels = _synthetic(240, seed=1)
    test_texts, test_labels = _synthetic(120, seed=2)
    suggester = CodeSuggester().fit(texts, labels)
    assert list(suggester.classes_) == ["money", "portal", "wait"]
    proba = suggester.predict_proba(test_texts)
    assert list(proba.columns) == ["money", "portal", "wait"]
    assert ((proba >= 0) & (proba <= 1)).all().all()
    predicted = suggester.predict(test_texts)
    for code in VOCABULARY:
        human = [int(code in label) for label in test_labels]
        machine = [int(code in label) for label in predicted]
        assert cohen_kappa_score(human, machine) > 0.8


def test_suggester_is_deterministic_and_follows_sklearn_conventions():
    texts, labels = _synthetic(120, seed=3)
    suggester = CodeSuggester(C=2.0, random_state=7)
    params = suggester.get_params()
    assert params == {
        "C": 2.0,
        "min_df": 1,
        "min_examples": 3,
        "ngram_range": (1, 1),
        "random_state": 7,
        "text_model": "blank",
        "threshold": 0.5,
    }
    with pytest.raises(NotFittedError):
        suggester.predict(["queue"])
    first = suggester.fit(texts, labels).predict_proba(texts)
    second = clone(suggester).fit(texts, labels).predict_proba(texts)
    pd.testing.assert_frame_equal(first, second)
    assert not hasattr(clone(suggester), "classes_")
    assert suggester.set_params(threshold=0.9) is suggester and suggester.threshold == 0.9
    restored = pickle.loads(pickle.dumps(suggester))
    pd.testing.assert_frame_equal(restored.predict_proba(texts[:5]), first.head(5))
    series = pd.Series(texts[:3], index=[10, 11, 12])
    assert list(suggester.predict_proba(series).index) == [10, 11, 12]


def test_codes_with_too_few_examples_are_skipped_and_reported():
    texts, labels = _synthetic(60, seed=4)
    labels = [list(label) for label in labels]
    labels[0].append("rare")
    labels[1].append("rare")
    suggester = CodeSuggester(min_examples=3).fit(texts, labels)
    assert suggester.skipped_codes_ == ["rare"]
    assert "rare" not in suggester.predict_proba(texts).columns
    assert suggester.n_positive_["rare"] == 2
    assert "rare" not in {code for label in suggester.predict(texts) for code in label}


def test_suggester_rejects_bad_input():
    with pytest.raises(ValueError, match="2 texts but 1 label"):
        CodeSuggester().fit(["a b", "c d"], [["x"]])
    with pytest.raises(ValueError, match="threshold"):
        CodeSuggester(threshold=1.5).fit(["a"], [["x"]])
    with pytest.raises(ValueError, match="list of texts"):
        CodeSuggester().fit("queue", [["x"]])


# -- suggestions on a study -----------------------------------------------------------------------
@pytest.fixture
def rule_coded_study(study, nlp):
    """The sample study, coded by coder "A" with the shipped rules (a stand-in for a person)."""
    accept(study, apply_rules(study, nlp=nlp), coder="A")
    return study


def test_training_data_labels_segments_by_overlapping_codings(study):
    start, end = _note_offset(study, "we waited 6 weeks")
    apply_code(study, NOTE_ID, start, end, "plan_review_backlog", coder="B")
    data = training_data(study, coder="B")
    assert set(data["document_id"]) == {NOTE_ID}  # only documents the coder coded
    labelled = data[data["codes"].map(len) > 0]
    assert len(labelled) == 1
    assert labelled.iloc[0]["codes"] == ["plan_review_backlog"]
    assert labelled.iloc[0]["start"] < start < end <= labelled.iloc[0]["end"]
    assert (data["codes"].map(len) == 0).sum() == len(data) - 1  # the rest are negatives
    with pytest.raises(CodingError, match="has no codings"):
        training_data(study, coder="nobody")


def test_suggest_leaves_out_excerpts_already_coded(rule_coded_study):
    study = rule_coded_study
    data = training_data(study, coder="A")
    suggester = CodeSuggester().fit(data["text"], data["codes"])
    suggestions = suggest(study, suggester, coder="A", threshold=1e-9)
    assert list(suggestions.columns) == [
        "document_id",
        "start",
        "end",
        "text",
        "code_id",
        "confidence",
        "origin",
    ]
    assert set(suggestions["origin"]) == {"suggestion"}
    assert suggestions["confidence"].is_monotonic_decreasing
    coded = codings(study, coder="A")
    proposed = set(
        suggestions[["document_id", "code_id", "start"]].itertuples(index=False, name=None)
    )
    for row in coded.itertuples():
        assert (row.document_id, row.code_id, row.start) not in proposed
    # another coder's codings do not hide suggestions for coder B
    for_b = suggest(study, suggester, coder="B", threshold=1e-9)
    assert len(for_b) > len(suggestions)
    default = suggest(study, suggester, coder="A")
    assert (default["confidence"] >= suggester.threshold).all()
    # accepting a suggestion stores it with origin "suggestion"
    accepted = accept(study, suggestions.head(2), coder="A")
    stored = codings(study, coder="A")
    assert set(stored.set_index("coding_id").loc[accepted["coding_id"], "origin"]) == {"suggestion"}


def test_suggester_agreement_reports_kappa_per_code_and_overall(rule_coded_study):
    report = suggester_agreement(rule_coded_study, coder="A", cv=3)
    assert list(report.columns) == [
        "code_id",
        "n_units",
        "n_positive",
        "n_predicted",
        "kappa",
        "precision",
        "recall",
        "status",
        "coder",
        "unit",
        "folds",
    ]
    assert report.iloc[-1]["code_id"] == "overall"
    ok = report[report["status"] == "ok"]
    assert len(ok) >= 10
    assert ok["kappa"].between(-1, 1).all()
    assert report.iloc[-1]["kappa"] > 0.1  # the rules' vocabulary is learnable
    few = report[report["status"] == "too few examples"]
    assert few["kappa"].isna().all()
    assert (few["n_positive"] < 3).all()
    context = report[["coder", "unit", "folds"]].drop_duplicates().values.tolist()
    assert context == [["A", "paragraph", 3]]
    again = suggester_agreement(rule_coded_study, coder="A", cv=3)
    pd.testing.assert_frame_equal(report, again)
    with pytest.raises(ValueError, match="cv"):
        suggester_agreement(rule_coded_study, coder="A", cv=1)


def test_suggester_agreement_kappa_matches_sklearn(rule_coded_study):
    report = suggester_agreement(rule_coded_study, coder="A", cv=3).set_index("code_id")
    row = report.loc["portal_problems"]
    # rebuild the 2 × 2 table from the counts and check kappa with scikit-learn
    tp = round(row["precision"] * row["n_predicted"])
    fp, fn = row["n_predicted"] - tp, row["n_positive"] - tp
    tn = row["n_units"] - tp - fp - fn
    human = [1] * tp + [0] * fp + [1] * fn + [0] * tn
    machine = [1] * tp + [1] * fp + [0] * fn + [0] * tn
    assert row["kappa"] == pytest.approx(cohen_kappa_score(human, machine))
    assert np.isclose(row["recall"], tp / row["n_positive"])


def test_missing_or_empty_rules_are_reported(tmp_path):
    with pytest.raises(AutocodeError, match="file not found") as caught:
        read_rules(tmp_path)
    assert caught.value.path == tmp_path / "autocode.yml"
    with pytest.raises(AutocodeError, match="lists no codes") as caught:
        read_rules(_rules_file(tmp_path, "rules: {}\n"))
    assert caught.value.line == 1

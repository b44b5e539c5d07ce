"""Theme names a person would write and quotes that never repeat: phrases drawn from the
answers, unique, negation kept; quotes without case, punctuation, word-order or one-word
variants; the explorer and the brief (redacted) show them so."""

from __future__ import annotations

import html
import itertools
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import research_kit
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.quotes import distinct_quotes, near_duplicate, quote_words
from research_kit.survey.theme_names import name_groups, name_themes

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What one thing should the City change about permitting?"


def _drawn_from(name: str, texts) -> bool:
    """True when an answer writes the name (case and spacing aside) and two or more answers
    hold all its words."""
    wanted = " ".join(quote_words(name))
    written = sum(f" {wanted} " in f" {' '.join(quote_words(t))} " for t in texts)
    sharing = sum(set(quote_words(name)) <= set(quote_words(t)) for t in texts)
    return written >= 1 and sharing >= 2


# -- names ---------------------------------------------------------------------------------------
def test_names_are_phrases_the_answers_share_and_keep_their_negation() -> None:
    complaints = [
        "Staff not helpful",
        "The staff were not helpful at all",
        "staff not helpful, had to come back twice",
        "Front desk staff not helpful.",
    ]
    praise = ["Staff very helpful", "The staff were helpful and kind", "staff helpful!!"]
    fees = ["Permit fees are too high", "permit fees too high", "Lower the permit fees"]
    texts = complaints + praise + fees
    labels = [0] * len(complaints) + [1] * len(praise) + [2] * len(fees)
    table = name_groups(texts, labels).set_index("cluster")["name"]
    assert "not helpful" in table[0].casefold()
    assert "not" not in quote_words(table[1])
    for cluster, members in ((0, complaints), (1, praise), (2, fees)):
        name = table[cluster]
        assert name[0].isupper() and 2 <= len(name.split()) <= 6
        assert _drawn_from(name, members), name
    assert table.str.casefold().is_unique


def test_two_themes_never_share_a_name_when_another_phrase_exists() -> None:
    counter = [("Permit counter closes early", 3, 0.9), ("the permit counter closes early", 2, 0.8)]
    pools = [
        [("Long line at the permit counter", 5, 0.9), ("permit counter line", 2, 0.8)],
        counter,
    ]
    names = name_themes(pools, [["counter"], ["counter"]])
    assert [n.source for n in names] == ["phrase", "phrase"]
    assert names[0].name.casefold() != names[1].name.casefold()
    assert "(2)" not in names[1].name and "close" in names[1].name.casefold()


def test_a_theme_without_a_shared_phrase_is_named_by_its_terms() -> None:
    pools = [[("Parking", 1, 0.9), ("Potholes", 1, 0.5)], [("Fees", 1, 0.9)]]
    names = name_themes(pools, [["parking", "potholes"], ["parking", "fees"]])
    assert [(n.name, n.source) for n in names] == [("Parking", "terms"), ("Fees", "terms")]


def test_a_clusterer_names_each_cluster_by_a_phrase_of_its_members() -> None:
    themes = {
        "wait": ["Long wait times at the counter", "long wait times", "The wait times are long"],
        "portal": ["The online portal keeps crashing", "online portal crashed", "Portal crashes"],
        "fees": ["Permit fees are too high", "permit fees too high!", "Lower permit fees"],
    }
    texts = [t for group in themes.values() for t in group] * 4
    model = ResponseClusterer(3, random_state=0).fit(texts)
    table = model.describe(n_quotes=3)
    assert table["label"].str.casefold().is_unique
    for row in table.itertuples():
        members = [t for t, c in zip(texts, model.labels_, strict=True) if c == row.cluster]
        assert row.label_source == "phrase" and _drawn_from(row.label, members)
        assert len(row.quotes) == len({" ".join(quote_words(q)) for q in row.quotes})


# -- quotes --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Fees are too high.", "FEES ARE TOO HIGH!!"),
        ("fees are too high", "  fees   are too high  "),
        ("The portal crashes every time", "Every time the portal crashes"),
        (
            "Inspector no-shows. Make them accountable.",
            "Just inspector no-shows. Make them accountable",
        ),
        ("Our architect handled everything", "Our architect handled everythign"),
        (
            "The inspector showed up outside the window",
            "Where do I start. The inspector showed up outside the window",
        ),
    ],
)
def test_near_duplicates_are_one_quote(one: str, other: str) -> None:
    assert near_duplicate(one, other) and near_duplicate(other, one)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Staff helpful", "Staff not helpful"),
        ("The counter was helpful", "The counter wasn't helpful"),
        ("Fees are too high", "The portal keeps crashing"),
    ],
)
def test_a_negation_or_other_words_make_another_quote(one: str, other: str) -> None:
    assert not near_duplicate(one, other)


def test_distinct_quotes_skip_every_variant_and_take_the_most_representative_first() -> None:
    texts = [
        "Fees are too high.",
        "fees are too HIGH",
        "too high fees are",
        "Fees are far too high",
        "The portal keeps crashing",
        "Inspectors never show up",
    ]
    chosen = distinct_quotes(texts, [0.9, 0.95, 0.8, 0.85, 0.5, 0.4], 4)
    assert chosen[0] == 1  # the most representative
    assert {texts[i] for i in chosen[1:]} == {
        "The portal keeps crashing",
        "Inspectors never show up",
    }
    for a, b in itertools.combinations(chosen, 2):
        assert not near_duplicate(texts[a], texts[b])


def test_describe_quotes_have_no_case_punctuation_or_reordered_variants() -> None:
    variants = [
        "Make the permit portal work",
        "make the permit portal work!!",
        "MAKE THE PERMIT PORTAL WORK",
        "the permit portal make work",
        "Make the permit portal work please",
        "The permit portal never works on my phone",
    ]
    others = ["Cheaper parking downtown", "more parking downtown", "Parking downtown is scarce"]
    model = ResponseClusterer(2, random_state=0).fit((variants + others) * 3)
    for quotes in model.describe(n_quotes=5)["quotes"]:
        for a, b in itertools.combinations(quotes, 2):
            assert not near_duplicate(a, b), (a, b)


# -- explorer and brief --------------------------------------------------------------------------
def _no_duplicates_shown(report: str) -> list[str]:
    quotes = [html.unescape(q) for q in re.findall(r"\u201c(.*?)\u201d <i>", report)]
    for a, b in itertools.combinations(quotes, 2):
        assert not near_duplicate(a, b), (a, b)
    return quotes


def test_the_explorer_never_shows_an_answer_twice(sample_study_path: Path) -> None:
    from research_kit.widgets import ClusterExplorer

    study = research_kit.open_study(sample_study_path)
    try:
        explorer = ClusterExplorer(study, question=1, n_clusters=8, n_quotes=5)
        shown = []
        for _label, cluster in explorer.theme_picker.options:
            shown += _no_duplicates_shown(explorer.theme_report(cluster))
        assert len(shown) >= 8 * 3
        for quotes in explorer.themes.themes["quotes"]:
            for a, b in itertools.combinations(quotes, 2):
                assert not near_duplicate(a, b), (a, b)
    finally:
        study.close()


@pytest.mark.slow
def test_a_quote_naming_a_staff_member_is_redacted_in_the_brief(tmp_path: Path) -> None:
    from research_kit.briefs import _survey_findings as survey_findings
    from research_kit.briefs import assemble_findings

    folder = tmp_path / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    settings = folder / "study.yml"
    listed = settings.read_text(encoding="utf-8").replace(
        "names: [Marisol, Denise]", "names: [Marisol, Denise, Maria]"
    )
    assert "Maria]" in listed
    settings.write_text(listed, encoding="utf-8")
    path = folder / "survey" / "permitting_survey_2026.csv"
    survey = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    praise = ["Maria at the counter was great", "maria at the counter was great!"]
    praise += [
        "Maria at the counter was great, she knew every form",
        "Ask for Maria at the counter",
    ]
    rows = survey.index[survey[QUESTION].str.len() > 15][:120]
    survey.loc[rows, QUESTION] = [praise[i % len(praise)] for i in range(len(rows))]
    survey.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.MonkeyPatch.context() as patch, research_kit.open_study(folder) as study:
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)
        redacted = assemble_findings(study)
        raw = assemble_findings(study, redact=False, answer_themes=redacted.answer_themes)
    names = redacted.answer_themes.themes
    assert any("maria" in " ".join(q).casefold() for q in names["quotes"])  # the researcher's view

    def shown(findings) -> str:
        section = findings.section("themes")
        return "\n".join(
            [section.summary, section.tables[0].frame.to_csv(), *findings.headlines]
            + [f.alt + f.svg for f in section.figures]
        )

    assert "maria" in shown(raw).casefold()  # the research team's copy keeps it: the test can fail
    assert "maria" not in shown(redacted).casefold()
    assert "[name] at the counter" in shown(redacted)


def test_a_name_is_in_the_language_most_of_the_theme_writes() -> None:
    english = [("Permit fees too high", 3, 0.3), ("permit fees are high", 3, 0.3)]
    spanish = [("Las tarifas de los permisos son muy altas", 4, 0.9)]
    name = name_themes([english + spanish], [["fees"]])[0]
    assert name.source == "phrase" and "permit fees" in name.name.casefold()
    # The same Spanish answers, now most of the theme, name it in Spanish.
    name = name_themes([[english[0], *spanish]], [["fees"]])[0]
    assert "permisos" in name.name.casefold()


def test_names_and_quotes_are_the_same_when_answers_are_read_batch_by_batch() -> None:
    themes = {
        "wait": ["Long wait times at the counter", "long wait times", "The wait times are long"],
        "portal": ["The online portal keeps crashing", "online portal crashed", "Portal crashes"],
        "fees": ["Permit fees are too high", "permit fees too high!", "Lower permit fees"],
    }
    texts = [t for group in themes.values() for t in group] * 5
    whole = ResponseClusterer(3, random_state=0).fit(texts).describe()
    batched = ResponseClusterer(3, random_state=0, batch_size=4).fit(texts).describe()
    assert batched["label"].tolist() == whole["label"].tolist()
    assert batched["quotes"].tolist() == whole["quotes"].tolist()

"""Answers set aside from the themes: praise and nothing-to-add, and other languages."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import research_kit
from research_kit.errors import SurveyError
from research_kit.survey.answer_groups import (
    PRAISE_GROUP_NAME,
    answer_groups,
    is_praise,
    main_language,
)
from research_kit.survey.cluster_runs import cluster_runs
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.themes import cluster_question
from research_kit.text import build_pipeline

PRAISE = [
    # English
    "Nothing", "nothing to add.", "All good!", "keep it up", "Keep up the good work!!",
    "Great job, thanks", "THANK YOU SO MUCH", "thanks", "No comment", "None", "n/a",
    "Everything was great, thank you all", "Nothing else. Thanks!", "You guys are doing great",
    "  thank  you  ", "Thank you!!! 🙏", "👍", ":)", "...", "Nothing, thank you",
    "No complaints", "keep doing what you're doing",
    # Spanish
    "Nada", "Nada más, gracias", "todo bien", "Todo está bien", "GRACIAS!", "Muchas gracias",
    "Sigan así", "¡Sigan asi!", "Excelente servicio, gracias", "Felicidades y gracias",
    # Vietnamese, Hmong, Lao (as Tatoeba's sentences write them), Somali
    "Cảm ơn", "xin cảm ơn", "Ua tsaug!", "Ua nej tsaug ntau ntau.", "ຂອບໃຈ!", "Mahadsanid",
]  # fmt: skip
CONTENT = [
    "Thanks, but the portal crashes",
    "Great job on the website, but the fees are too high",
    "Nothing works",
    "nothing good",
    "Not good",
    "Keep the office open later",
    "thank you for nothing",
    "Gracias, pero el portal no funciona",
    "Nada funciona",
    "No me gusta el sistema",
    "good job fixing potholes",
    "More parking",
    "Ua tsaug ntau ntau rau lub xovtooj uas koj muab rau kuv.",
    "the",
    "",
    "   ",
]

TOPICS = {
    "parking": ["parking", "meters", "garage", "spots", "downtown"],
    "transit": ["bus", "routes", "schedule", "stops", "late"],
    "roads": ["potholes", "street", "repair", "paving", "cracks"],
}


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


def _answers(n_per_topic: int = 60, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    texts = []
    for words in TOPICS.values():
        for _ in range(n_per_topic):
            texts.append(" ".join(rng.choice(words, size=4)))
    return texts


# -- the lexicon -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", PRAISE)
def test_whole_answers_of_praise_thanks_or_nothing_are_set_aside(text) -> None:
    assert is_praise([text]).tolist() == [True]


@pytest.mark.parametrize("text", CONTENT)
def test_answers_with_content_are_not_set_aside(text) -> None:
    assert is_praise([text]).tolist() == [False]


def test_is_praise_handles_missing_values_and_repeats() -> None:
    assert is_praise([None, np.nan, "thanks", "thanks"]).tolist() == [False, False, True, True]


# -- languages ---------------------------------------------------------------------------------
def test_main_language_is_the_most_frequent_reliable_one() -> None:
    assert main_language(["en", "es", "en"]) == "en"
    assert main_language(["es", "es", "en"], reliable=[False, False, True]) == "en"
    assert main_language(["und", "und"]) == "und"
    assert main_language(["vi", "es"]) == "es"  # a tie: the first code, not the first row


def test_answers_in_other_languages_form_one_group_per_language() -> None:
    texts = [f"answer {i}" for i in range(20)]
    codes = ["en"] * 10 + ["es"] * 6 + ["vi"] * 2 + ["so"] + ["und"]
    groups = answer_groups(texts, languages=codes)
    assert groups["group"].iloc[:10].isna().all() and pd.isna(groups["group"].iloc[19])
    assert set(groups["group"].iloc[10:16]) == {"language:es"}
    assert set(groups["kind"].dropna()) == {"language"}
    assert groups["name"].iloc[10].startswith("Answers in Spanish (not clustered")
    # Vietnamese (2) and Somali (1) are under the minimum size: one group naming both
    assert set(groups["group"].iloc[16:19]) == {"language:other"}
    assert "Somali" in groups["name"].iloc[16] and "Vietnamese" in groups["name"].iloc[16]
    # never dropped: a size of 1 gives every language its own group
    alone = answer_groups(texts, languages=codes, min_group_size=1)
    assert alone["group"].iloc[16:19].tolist() == ["language:vi"] * 2 + ["language:so"]


def test_language_options_main_language_reliability_and_multilingual() -> None:
    texts = ["a", "b", "c", "d"]
    codes = ["en", "es", "es", "en"]
    assert answer_groups(texts, languages=codes, main_language="es", min_group_size=1)[
        "group"
    ].tolist() == ["language:en", None, None, "language:en"]
    table = pd.DataFrame({"language": codes, "reliable": [True, False, True, True]})
    found = answer_groups(texts, languages=table, min_group_size=1)["group"].tolist()
    assert found == [None, None, "language:es", None]
    assert answer_groups(texts, languages=codes, multilingual=True)["group"].isna().all()
    with pytest.raises(SurveyError, match="2 language code"):
        answer_groups(texts, languages=codes[:2])


def test_praise_in_another_language_is_praise_not_a_language_group() -> None:
    texts = ["Gracias"] * 5 + ["El permiso tardó mucho"] * 5 + ["Permits are slow"] * 10
    groups = answer_groups(texts, languages=["es"] * 10 + ["en"] * 10)
    assert groups["group"].tolist() == ["praise"] * 5 + ["language:es"] * 5 + [None] * 10
    assert groups["name"].iloc[0] == PRAISE_GROUP_NAME


# -- the clusterer -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mixed():
    """Three topics, praise in between, and Spanish answers, with their language codes."""
    topical = _answers()
    praise = ["Thank you!", "keep up the good work", "Nothing", "Gracias", "all good"] * 3
    spanish = ["El permiso tardó mucho", "Los planos tardan meses", "Bajar las tarifas"] * 3
    texts = topical + praise + spanish
    codes = ["en"] * len(topical) + ["en"] * 12 + ["es"] * 3 + ["es"] * len(spanish)
    return texts, codes, len(topical), len(praise)


def test_the_clusterer_sets_groups_aside_after_the_themes(mixed, nlp) -> None:
    texts, codes, n_topical, n_praise = mixed
    model = ResponseClusterer(3, random_state=0, nlp=nlp, languages=codes).fit(texts)
    assert model.n_themes_ == 3 and model.n_clusters_ == 5
    assert model.groups_[["cluster", "kind", "size"]].values.tolist() == [
        [3, "praise", n_praise],
        [4, "language", 9],
    ]
    assert (model.labels_[:n_topical] < 3).all()
    assert (model.labels_[n_topical : n_topical + n_praise] == 3).all()
    assert (model.labels_[n_topical + n_praise :] == 4).all()
    assert (model.confidence_[n_topical:] == 1).all()
    table = model.describe(n_quotes=2)
    assert table["kind"].tolist() == ["theme"] * 3 + ["praise", "language"]
    assert table["label"].iloc[3] == PRAISE_GROUP_NAME
    assert table["label"].iloc[4].startswith("Answers in Spanish")
    assert table["size"].tolist() == np.bincount(model.labels_).tolist()
    assert len(table.loc[3, "quotes"]) == 2 and table.loc[4, "top_terms"] == []
    # the themes are fitted without the groups: the same themes as on the topical answers only
    alone = ResponseClusterer(3, random_state=0, nlp=nlp).fit(texts[:n_topical])
    np.testing.assert_array_equal(alone.labels_, model.labels_[:n_topical])


def test_predict_and_transform_put_praise_in_its_group(mixed, nlp) -> None:
    texts, codes, _, _ = mixed
    model = ResponseClusterer(3, random_state=0, nlp=nlp, languages=codes).fit(texts)
    new = ["thanks so much!", "parking garage downtown", "bus stops late"]
    labels = model.predict(new)
    assert labels[0] == 3 and (labels[1:] < 3).all()
    members = model.transform(new)
    assert members.shape == (3, model.n_clusters_)
    np.testing.assert_allclose(members.sum(axis=1), 1.0)
    assert members[0, 3] == 1.0 and (members[1:, 3:] == 0).all()


def test_set_aside_false_clusters_every_answer(mixed, nlp) -> None:
    texts, codes, _, _ = mixed
    model = ResponseClusterer(3, random_state=0, nlp=nlp, languages=codes, set_aside=False)
    model.fit(texts)
    assert model.n_clusters_ == model.n_themes_ == 3 and model.groups_.empty
    assert (model.describe()["kind"] == "theme").all()


def test_the_batch_path_gives_the_same_groups(mixed, nlp) -> None:
    texts, codes, _, _ = mixed
    whole = ResponseClusterer(3, random_state=0, nlp=nlp, languages=codes).fit(texts)
    batched = ResponseClusterer(3, random_state=0, nlp=nlp, languages=codes, batch_size=37)
    batched.fit(texts)
    np.testing.assert_array_equal(batched.labels_, whole.labels_)
    pd.testing.assert_frame_equal(batched.groups_, whole.groups_)


def test_a_warm_start_from_a_run_with_groups_counts_only_its_themes(mixed, nlp) -> None:
    texts, codes, _, _ = mixed
    first = ResponseClusterer(3, random_state=0, nlp=nlp, languages=codes).fit(texts)
    previous = dict(zip(texts, first.labels_, strict=True))
    warm = ResponseClusterer("auto", random_state=0, nlp=nlp, languages=codes, init=previous)
    warm.fit(texts)
    assert warm.init_clusters_ == 3 and warm.n_themes_ == 3
    np.testing.assert_array_equal(warm.labels_, first.labels_)


def test_only_set_aside_answers_is_a_clear_error(nlp) -> None:
    with pytest.raises(SurveyError, match="set aside"):
        ResponseClusterer(2, nlp=nlp, min_group_size=1).fit(["thanks", "nothing", "all good"])


def test_languages_must_match_the_answers(nlp) -> None:
    with pytest.raises(SurveyError, match="language code"):
        ResponseClusterer(2, nlp=nlp, languages=["en"]).fit(["parking fees", "potholes"])


# -- a study's question ------------------------------------------------------------------------
SPANISH = re.compile(r"\b(el|los|las|que|para|por|una|muy|mi|pero|con)\b", re.IGNORECASE)
VIETNAMESE = re.compile("[ơưđạảấầậắặếềệốồộớờợứừựộ]")


def _hand_codes(survey: pd.DataFrame, question: str) -> pd.Series:
    """Language codes by respondent, by hand (a stand-in for the detector)."""

    def code(text: object) -> str:
        if not isinstance(text, str) or not text.strip():
            return "und"
        if VIETNAMESE.search(text):
            return "vi"
        return "es" if SPANISH.search(text) and not re.search(r"\bthe\b", text) else "en"

    return pd.Series(
        [code(text) for text in survey[question]], index=survey["respondent_id"].to_numpy()
    )


@pytest.fixture
def study(sample_study_path):
    study = research_kit.open_study(sample_study_path)
    yield study
    study.close()


def test_cluster_question_shows_language_groups_and_lists_them_for_translation(study) -> None:
    question = study.survey_source().open_ended[0]
    codes = _hand_codes(study.survey(), question)
    themes = cluster_question(study, 0, n_clusters=6, weights=None, languages=codes)
    table = themes.themes
    assert (table["kind"] == "theme").sum() == 6
    groups = table[table["kind"] == "language"]
    assert sorted(groups["name"].str.extract(r"Answers in (\w+)")[0]) == ["Spanish", "Vietnamese"]
    assert groups["name"].str.contains("not clustered: translate").all()
    assert table["kind"].tolist()[-2:] == ["language", "language"]  # the groups come last
    # no theme holds an answer in another language
    language = themes.assignments["respondent_id"].map(codes)
    in_themes = themes.assignments["cluster"].isin(table.loc[table["kind"] == "theme", "cluster"])
    assert set(language[in_themes]) <= {"en", "und"}
    listed = themes.for_translation()
    assert set(listed["respondent_id"]) == set(themes.assignments["respondent_id"][~in_themes])
    assert set(listed["language_name"]) == {"Spanish", "Vietnamese"}
    per_language = themes.languages.set_index("language")
    assert not per_language.loc["es", "clustered"] and per_language.loc["en", "clustered"]
    assert per_language["answers"].sum() == len(themes.assignments)
    assert per_language.loc["es", "answers"] == (language == "es").sum()
    shares = themes.shares(weighted=False).set_index("category")
    assert (shares.loc[list(groups["name"]), "kind"] == "language").all()
    assert (shares["kind"] == "theme").sum() == 6
    assert (themes.shares("ward")["kind"] != "theme").any()
    # a kept run knows its themes: the warm start counts 6 previous clusters, not 8
    assert cluster_runs(study)["params"].iloc[0]["n_themes"] == 6
    again = cluster_question(study, 0, weights=None, languages=codes)
    assert again.start == "warm from run 1" and again.clusterer.init_clusters_ == 6
    assert again.clusterer.n_themes_ == 6


def test_the_brief_names_the_groups_and_counts_only_themes(study) -> None:
    from research_kit.briefs.findings import assemble_findings

    question = study.survey_source().open_ended[0]
    codes = _hand_codes(study.survey(), question)
    themes = cluster_question(study, 0, n_clusters=6, keep_run=False, languages=codes)
    section = assemble_findings(study, answer_themes=themes).section("themes")
    assert "fall into 6 themes (and 2 groups set aside" in section.summary
    shown = section.tables[0].frame["Theme"].tolist()
    assert any(name.startswith("Answers in Spanish (not clustered") for name in shown)
    assert "were set aside by language" in section.tables[0].note

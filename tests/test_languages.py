"""Language detection, answers per language, and lemmas in the language of each answer."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from research_kit.text import (
    DEFAULT_LANGUAGES,
    LANGUAGE_NAMES,
    build_pipeline,
    detect_languages,
    language_counts,
    lemmatize,
    lemmatize_by_language,
    main_language,
    pipeline_name,
)
from research_kit.text.languages import COUNT_COLUMNS, DETECTION_COLUMNS

#: Short survey-style answers per language, written for this test (2-8 words, as answers are).
ANSWERS = {
    "en": ["The permit took three months.", "Nobody answers the phone.", "Great staff, thanks!"],
    "es": ["El permiso tardó tres meses.", "Nadie contesta el teléfono.", "Muy lento."],
    "so": ["Waqti badan ayay qaadatay.", "Waxaan u baahanahay turjubaan.", "Ma garanayo."],
    "hmn": ["Kuv tsis paub.", "Peb xav tau neeg txhais lus.", "Nws siv sij hawm ntev heev."],
    "am": ["ስሜ ማን ነው?", "እኔ ትምህርት ቤት እሄዳለሁ።", "አመሰግናለሁ።"],
    "vi": ["Tôi không biết.", "Chờ lâu quá.", "Phí quá cao cho tiệm nhỏ."],
    "lo": ["ຂອບໃຈຫຼາຍ", "ຂ້ອຍບໍ່ຮູ້", "ສະບາຍດີ"],
    # Oromo written by a non-native speaker: it shows the language is supported, not how well.
    "om": ["Maqaan koo Caalaa jedhama.", "Ani afaan Oromoo nan dubbadha."],
}


@pytest.mark.parametrize("language", sorted(ANSWERS))
def test_short_answers_get_their_language_reliably(language):
    detection = detect_languages(ANSWERS[language])
    assert detection["language"].tolist() == [language] * len(ANSWERS[language])
    assert detection["language_name"].eq(LANGUAGE_NAMES[language]).all()
    assert detection["reliable"].all()
    assert detection["confidence"].between(0.5, 1.0).all()


def test_columns_types_and_the_index_of_a_series_are_kept():
    answers = pd.Series(["Muy lento.", "Too slow."], index=[10, 20])
    detection = detect_languages(answers)
    assert tuple(detection.columns) == DETECTION_COLUMNS
    assert detection.index.tolist() == [10, 20]
    assert detection["reliable"].dtype == bool
    assert detection["confidence"].dtype == float


@pytest.mark.parametrize("text", ["", "   ", None, math.nan, "42", "3.5 / 10", "ok", "no", "!!"])
def test_empty_numbers_and_very_short_answers_are_undetermined(text):
    row = detect_languages([text]).iloc[0]
    assert (row["language"], row["confidence"], row["reliable"]) == ("und", 0.0, False)
    assert row["language_name"] == "Undetermined"


def test_one_word_is_never_reliable_enough_to_act_on():
    detection = detect_languages(["gracias", "inspections", "Mahadsanid"])
    assert not detection["reliable"].any()


def test_terse_english_answers_are_not_reliably_called_foreign():
    english = [
        "Bilingual navigators.",
        "Better online portal",
        "Pending transfer?",
        "Lack of concern of stakeholders.",
        "Spring initialization order",
        "Parking downtown is impossible.",
        "Faster approvals please",
        "Positive experience overall!",
    ]
    detection = detect_languages(english)
    foreign = detection[(detection["language"] != "en") & detection["reliable"]]
    assert foreign.empty, foreign


def test_spanish_that_cld2_calls_galician_or_catalan_is_spanish():
    detection = detect_languages(
        ["Me cobraron dos veces.", "Me regresaron la solicitud porque faltaban documentos."]
    )
    assert detection["language"].tolist() == ["es", "es"]


def test_unexpected_latin_languages_are_given_an_expected_one_but_other_scripts_keep_theirs():
    detection = detect_languages(["Merci pour votre aide précieuse.", "شكرا جزيلا على المساعدة"])
    assert detection["language"].iloc[0] in DEFAULT_LANGUAGES
    assert detection["language"].iloc[1] == "ar"
    widened = detect_languages(["Merci pour votre aide précieuse."], languages=["en", "fr"])
    assert widened["language"].tolist() == ["fr"]


def test_scripts_decide_only_when_their_language_is_expected():
    assert detect_languages(["ስሜ ማን ነው?"])["language"].tolist() == ["am"]
    # Without Amharic expected, CLD2 names the Ethiopic text itself (it is not forced to Latin).
    other = detect_languages(["ስሜ ማን ነው?"], languages=["en", "es"])["language"].iloc[0]
    assert other not in {"en", "es"}


def test_duplicates_get_identical_rows():
    detection = detect_languages(["Muy lento.", "Too slow.", "Muy lento."])
    assert detection.iloc[0].tolist() == detection.iloc[2].tolist()


def test_language_counts_from_texts_and_from_a_detection():
    texts = ["Muy lento.", "Nadie contesta.", "Too slow.", "", "Tôi không biết."]
    from_texts = language_counts(texts)
    from_detection = language_counts(detect_languages(texts))
    pd.testing.assert_frame_equal(from_texts, from_detection)
    assert tuple(from_texts.columns) == COUNT_COLUMNS
    assert from_texts["answers"].sum() == len(texts)
    assert from_texts["share"].sum() == pytest.approx(1.0)
    assert from_texts.iloc[0][["language", "answers"]].tolist() == ["es", 2]
    assert from_texts.set_index("language").loc["und", "reliable_answers"] == 0


def test_language_counts_of_nothing_is_an_empty_table():
    counts = language_counts([])
    assert counts.empty
    assert tuple(counts.columns) == COUNT_COLUMNS


def test_spanish_pipeline_uses_spanish_lookup_lemmas_and_stop_words():
    nlp = build_pipeline("blank", lang="es")
    tokens = nlp("Los inspectores nunca contestan")
    assert [token.lemma_ for token in tokens][1:] == ["inspector", "nunca", "contestar"]
    assert [token.is_stop for token in tokens] == [True, False, True, False]
    assert lemmatize(["Las oficinas cerraron"], nlp) == [["oficina", "cerrar"]]
    assert "'es'" in pipeline_name(nlp)
    assert pipeline_name(build_pipeline("blank")).startswith("spaCy blank English")


def test_languages_spacy_lacks_get_the_multi_language_tokenizer():
    somali = build_pipeline("blank", lang="so")
    assert [token.lemma_ for token in somali("Waqti badan, Mahadsanid!")] == [
        "waqti",
        "badan",
        ",",
        "mahadsanid",
        "!",
    ]
    vietnamese = build_pipeline("blank", lang="vi")  # spaCy's own needs pyvi; stop words kept
    tokens = vietnamese("Tôi chờ lâu quá.")
    assert tokens[0].is_stop and tokens[-1].text == "."


def test_auto_for_another_language_is_the_blank_pipeline():
    assert "'es'" in pipeline_name(build_pipeline("auto", lang="es"))


def test_lemmatize_by_language_keeps_order_and_uses_each_language():
    texts = ["Los permisos tardaron", "Permits took weeks", "", "Las oficinas cerraron"]
    languages = ["es", "en", "und", "es"]
    assert lemmatize_by_language(texts, languages) == [
        ["permiso", "tardar"],
        ["permit", "take", "week"],
        [],
        ["oficina", "cerrar"],
    ]


def test_lemmatize_by_language_uses_the_given_pipelines_and_default():
    english = build_pipeline("blank")
    # "und" takes the default language: English lemmas here, Spanish when the default is "es".
    assert lemmatize_by_language(["cerraron"], ["und"], {"en": english}) == [["cerraron"]]
    assert lemmatize_by_language(["cerraron"], ["und"], default="es") == [["cerrar"]]


def test_lemmatize_by_language_needs_one_language_per_text():
    with pytest.raises(ValueError, match="one per text"):
        lemmatize_by_language(["a", "b"], ["en"])


def test_main_language_counts_reliable_answers_only():
    detection = detect_languages(["gracias", "gracias", "sí, gracias", "Too slow.", "Very slow."])
    assert main_language(detection) == "en"  # one-word Spanish answers are not reliable
    assert main_language(detect_languages(["", "42"]), default="es") == "es"


def test_unreadable_characters_do_not_stop_detection():
    texts = ["\ud800 the portal is slow", "\x00\x01 the portal is slow", "x" * 100_000]
    detection = detect_languages(texts)
    assert detection["language"].iloc[0] == "en"
    assert len(detection) == 3


def test_spanish_singular_and_plural_nouns_in_cion_share_a_lemma():
    nlp = build_pipeline("blank", lang="es")
    pairs = [("inspección", "inspecciones"), ("condición", "condiciones"), ("ocasión", "ocasiones")]
    for singular, plural in pairs:
        assert [token.lemma_ for token in nlp(f"{singular} {plural}")] == [singular, singular]
    # Verbs keep their infinitive; the English table is not touched.
    assert [token.lemma_ for token in nlp("tardaron")] == ["tardar"]
    assert [token.lemma_ for token in build_pipeline("blank")("inspections")] == ["inspection"]

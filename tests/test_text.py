"""The spaCy pipeline: offline by default, lower-cased lemmas, batched."""

from __future__ import annotations

import pytest

from research_kit.text import (
    LOOKUP_LEMMATIZER,
    LemmaOptions,
    TextPipelineError,
    build_pipeline,
    lemmatize,
    pipe,
    pipeline_name,
    redact,
    tokens_table,
)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline("blank")


def test_blank_pipeline_is_offline_lookup_plus_sentencizer(nlp):
    assert nlp.pipe_names == [LOOKUP_LEMMATIZER, "sentencizer"]
    assert "offline" in pipeline_name(nlp)


def test_capitalised_and_lower_case_words_share_a_lemma(nlp):
    lemmas = [[t.lemma_ for t in doc] for doc in nlp.pipe(["The Permits", "the permits"])]
    assert lemmas[0] == lemmas[1] == ["the", "permit"]


def test_lemmatize_drops_stop_words_numbers_and_punctuation(nlp):
    result = lemmatize(["We waited 6 weeks for the inspectors!!", "", None], nlp)
    assert result == [["wait", "week", "inspector"], [], []]


def test_lemmatize_options(nlp):
    keep_all = LemmaOptions(drop_stop=False, drop_numbers=False, min_length=1)
    assert lemmatize(["We waited 6 weeks"], nlp, options=keep_all) == [["we", "wait", "6", "week"]]


def test_pipe_streams_in_batches_and_keeps_order(nlp):
    texts = [f"answer number {i}" for i in range(1000)]
    docs = list(pipe(iter(texts), nlp, batch_size=64, progress=False))
    assert [doc.text for doc in docs] == texts


def test_sentences_and_offsets_are_code_points(nlp):
    text = "Señora Ñ waited. Then she left."
    table = tokens_table([text], nlp)
    assert table["sentence"].max() == 1
    for row in table.itertuples():
        assert text[row.start : row.end] == row.token


def test_unknown_model_says_how_to_get_one():
    with pytest.raises(TextPipelineError, match="not installed") as raised:
        build_pipeline("xx_no_such_pipeline")
    assert "blank" in raised.value.hint


def test_auto_works_without_any_trained_pipeline():
    nlp = build_pipeline("auto")
    assert next(t.lemma_ for t in nlp("Inspections were scheduled")) == "inspection"


def test_the_surname_of_a_listed_full_name_is_hidden_alone():
    assert redact("Later Tran said no.", names=["Denise Tran"]) == "Later [name] said no."
    # An ordinary-looking surname before a number is a place, not the person.
    assert redact("Kim lives in Ward 4; Ward said so.", names=["Kim Ward"]) == (
        "[name] lives in Ward 4; [name] said so."
    )

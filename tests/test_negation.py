"""Negation kept in lemma keys: scope rules, per-language words, how joined lemmas are shown,
and the minimal pairs of ``tests/data/minimal_pairs.csv`` (no pair may share a key)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import spacy

from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.terms import cluster_terms, distinct_terms, spelled, surface_forms
from research_kit.text import (
    LOOKUP_LEMMATIZER,
    LemmaOptions,
    answer_keys,
    build_pipeline,
    doc_lemmas,
    lemmatize,
    negation_words,
    split_negated,
)

PAIRS = Path(__file__).parent / "data" / "minimal_pairs.csv"
NEGATION = LemmaOptions(keep_negation=True)


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return pd.read_csv(PAIRS)


@pytest.fixture(scope="module")
def spanish():
    nlp = spacy.blank("es")
    nlp.add_pipe(LOOKUP_LEMMATIZER)
    return nlp


@pytest.mark.parametrize(
    ("text", "lemmas"),
    [
        ("Taxi not helpful.", ["taxi", "not_helpful"]),
        ("Taxi helpful!", ["taxi", "helpful"]),
        ("Problem not resolved.", ["problem", "not_resolve"]),
        ("Couldn't be better", ["not_well"]),
        ("Could be better", ["well"]),
        ("I dont like it", ["not_like"]),
        ("Doesn’t work", ["not_work"]),  # curly apostrophe
        ("Got my permit without any problems", ["get", "permit", "not_problem"]),
        ("Nobody answered the phone", ["not_answer", "phone"]),
        ("lack of communication", ["not_communication"]),
        ("Hardly ever on time", ["not_time"]),
        ("neither clean nor safe", ["not_clean", "not_safe"]),
        # degree words are passed over: the negation reaches the word it is about
        ("Not particularly helpful", ["not_helpful"]),
        ("not very helpful", ["not_helpful"]),
        ("The bus is no longer late", ["bus", "not_late"]),
        # the scope ends at the first content lemma, punctuation or a clause boundary
        ("Not helpful staff", ["not_helpful", "staff"]),
        ("Not fast, staff rude", ["not_fast", "staff", "rude"]),
        ("Staff not helpful but permit fast", ["staff", "not_helpful", "permit", "fast"]),
        # "not only" does not negate
        ("Not only fast but also cheap", ["fast", "cheap"]),
        # a negator with nothing to negate leaves the bare marker
        ("Nothing.", ["not"]),
        ("Helpful? Not really.", ["helpful", "not"]),
    ],
)
def test_negator_is_joined_to_the_lemma_it_negates(text: str, lemmas: list[str]) -> None:
    assert lemmatize([text], options=NEGATION) == [lemmas]


def test_without_keep_negation_lemmas_are_as_before() -> None:
    texts = ["Taxi not helpful.", "Never on time", "Couldn't be better"]
    assert lemmatize(texts) == [["taxi", "helpful"], ["time"], ["well"]]
    assert LemmaOptions().keep_negation is False


@pytest.mark.parametrize(
    ("text", "lemmas"),
    [
        ("El chofer no fue amable", ["chofer", "no_amable"]),
        ("Nunca llega a tiempo", ["no_llegar", "tiempo"]),
        ("Obtuve el permiso sin problemas", ["obtener", "permiso", "no_problema"]),
        ("Tampoco contestan", ["no_contestar"]),
        # double negation marks once; "sin embargo" and "no solo" do not negate
        ("No me ayudaron nada", ["no_ayudar"]),
        ("Sin embargo, el parque está limpio", ["parque", "limpiar"]),
        ("No solo rápido sino barato", ["rápido", "barato"]),
    ],
)
def test_spanish_negation_from_the_spanish_word_set(spanish, text: str, lemmas: list[str]):
    assert [lemma for lemma, _ in doc_lemmas(spanish(text), NEGATION)] == lemmas


def test_negation_words_are_chosen_by_the_pipelines_language(spanish) -> None:
    assert negation_words("en").marker == "not" and "never" in negation_words("en").negators
    assert negation_words("es").marker == "no" and "nunca" in negation_words("es").negators
    assert not negation_words("vi").negators  # no set: negators stay stop words
    # "nunca" is no English negator, and "never" no Spanish one
    english = build_pipeline("blank")
    assert doc_lemmas(english("nunca llega"), NEGATION)[0][0] == "nunca"
    assert [lemma for lemma, _ in doc_lemmas(spanish("never llega"), NEGATION)] == [
        "never",
        "llegar",
    ]


def test_split_negated_knows_only_the_markers() -> None:
    assert split_negated("not_helpful") == ("not", "helpful")
    assert split_negated("no_llegar") == ("no", "llegar")
    assert split_negated("new_york") is None
    assert split_negated("not") is None


def test_joined_lemmas_read_as_words_in_terms() -> None:
    surface = surface_forms(["Staff never helpful", "never helpful", "not helpful at all"])
    assert surface["not_helpful"] == "never helpful"
    assert spelled("not_helpful staff", surface) == "never helpful staff"
    assert spelled("not_help", {"help": "helping"}) == "not helping"  # no spelling of its own
    answers = ["Staff not helpful", "staff not helpful at all", "Bus late", "bus always late"]
    terms = cluster_terms(answers, [0, 0, 1, 1], n_terms=3)
    assert "not helpful" in terms.loc[0, "top_terms"]
    assert not any("_" in term for terms_ in terms["top_terms"] for term in terms_)


def test_polarity_pseudo_words_never_become_terms() -> None:
    names = ["+praise", "+praise2 staff", "staff", "-complaint"]
    assert distinct_terms(pd.Series([0.9, 0.8, 0.5, 0.4]).to_numpy(), names, 4) == ["staff"]
    answers = ["Staff helpful", "Staff very helpful", "Bus late", "Bus always late"] * 3
    model = ResponseClusterer(2, polarity_weight=3, random_state=0).fit(answers)
    for terms in model.describe()["top_terms"]:
        assert not any(term.startswith(("+", "-")) or "praise" in term for term in terms)


# -- the minimal pairs ---------------------------------------------------------------------------
def test_minimal_pairs_file_is_as_described(pairs: pd.DataFrame) -> None:
    assert list(pairs.columns) == ["pair_id", "praise", "complaint", "kind", "language"]
    assert len(pairs) >= 200 and pairs["pair_id"].is_unique
    assert set(pairs["kind"]) == {"negation", "antonym", "idiom"}
    assert set(pairs["language"]) == {"en", "es"}
    assert (pairs["language"] == "es").sum() >= 30
    assert not pairs[["praise", "complaint"]].isna().any().any()
    assert (pairs["praise"] != pairs["complaint"]).all()


def test_no_minimal_pair_shares_a_key_in_the_clusterer(pairs: pd.DataFrame) -> None:
    """Through the clusterer's own key path: the two sides of every pair stay distinct."""
    model = ResponseClusterer()
    praise = model._lemma_keys(list(pairs["praise"]))
    complaint = model._lemma_keys(list(pairs["complaint"]))
    same = [p for p, a, b in zip(pairs["pair_id"], praise, complaint, strict=True) if a == b]
    assert same == []


def test_without_negation_many_minimal_pairs_would_share_a_key(pairs: pd.DataFrame) -> None:
    """The pairs are a real test: the keys of before (negators dropped) merge many of them."""
    praise = lemmatize(list(pairs["praise"]))
    complaint = lemmatize(list(pairs["complaint"]))
    same = sum(a == b for a, b in zip(praise, complaint, strict=True))
    negation = pairs["kind"] == "negation"
    assert same >= 0.5 * negation.sum()


def test_answer_keys_validate_the_polarity_weight() -> None:
    with pytest.raises(ValueError, match="polarity_weight"):
        answer_keys(["ok"], polarity_weight=-1)
    with pytest.raises(ValueError, match="polarity_weight"):
        ResponseClusterer(2, polarity_weight=1.5).fit(["bus late", "permit slow", "park"])

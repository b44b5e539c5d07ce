"""Clustering across languages: ``ResponseClusterer(embedding="multilingual")`` and the
choice ``cluster_question`` makes (its ``embedding="auto"`` and the main language's lemmas).

The multilingual model is an optional extra, so the clusterer's test uses a stand-in that maps
a few English and Spanish words to the same directions (as a multilingual model maps a
sentence and its translation close together).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research_kit.survey import _cluster_model
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.question_groups import clustering_setup

#: word -> concept (a direction of the stand-in space), English and Spanish alike
_CONCEPTS = {
    "permit": 0,
    "permiso": 0,
    "slow": 1,
    "lento": 1,
    "park": 2,
    "parque": 2,
    "dirty": 3,
    "sucio": 3,
}


def _stand_in(texts: list[str], show: bool = False) -> np.ndarray:
    vectors = np.full((len(texts), 8), 0.01, dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().replace(".", " ").split():
            if word in _CONCEPTS:
                vectors[row, _CONCEPTS[word]] += 1.0
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def stand_in_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_cluster_model, "require_sentence_model", lambda embedding="": None)
    monkeypatch.setattr(_cluster_model, "multilingual_embed", _stand_in)


def _answers() -> tuple[list[str], list[str]]:
    english = [f"The permit is slow {i}." for i in range(12)] + [
        f"The park is dirty {i}." for i in range(12)
    ]
    spanish = [f"El permiso es lento {i}." for i in range(6)] + [
        f"El parque es sucio {i}." for i in range(6)
    ]
    return english + spanish, ["en"] * len(english) + ["es"] * len(spanish)


def test_multilingual_answers_join_the_themes_they_speak_to(stand_in_model) -> None:
    texts, languages = _answers()
    model = ResponseClusterer(2, embedding="multilingual", languages=languages, random_state=0)
    labels = model.fit(texts).labels_
    assert model.groups_.empty  # nothing set aside by language
    assert model.n_themes_ == 2
    permit = {labels[i] for i, text in enumerate(texts) if "permi" in text}
    park = {labels[i] for i, text in enumerate(texts) if "par" in text and "permi" not in text}
    assert len(permit) == 1 and len(park) == 1 and permit != park


def test_without_the_multilingual_model_other_languages_are_set_aside() -> None:
    texts, languages = _answers()
    model = ResponseClusterer(2, languages=languages, random_state=0).fit(texts)
    assert model.groups_["kind"].tolist() == ["language"]
    assert model.groups_["size"].tolist() == [12]


def test_the_main_language_gives_the_pipeline_and_auto_the_representation() -> None:
    spanish = pd.DataFrame({"language": ["es", "es", "en"], "reliable": [True, True, True]})
    embedding, nlp = clustering_setup(spanish, "auto", "the study's pipeline")
    assert nlp.lang == "es"
    assert embedding in ("tfidf", "multilingual")  # multilingual only with the extra
    english = pd.DataFrame({"language": ["en", "und"], "reliable": [True, False]})
    assert clustering_setup(english, "auto", "the study's pipeline") == (
        "tfidf",
        "the study's pipeline",
    )
    assert clustering_setup(None, "sentence", "nlp") == ("sentence", "nlp")

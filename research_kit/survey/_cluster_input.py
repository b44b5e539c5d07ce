"""What a :class:`~research_kit.survey.clustering.ResponseClusterer` is given, as it keeps it:
answers checked and turned into text, an ``init`` checked, and each answer's key kept batch by
batch (compactly for large surveys).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from research_kit.errors import SurveyError

__all__ = ["Corpus", "KeyStore", "as_text", "as_texts", "check_params", "init_pairs"]

_SEPARATOR = "\x1f"


class KeyStore:
    """Each answer's key, batch by batch: plain lists, or one encoded blob per batch."""

    def __init__(self, compact: bool) -> None:
        self.compact = compact
        self._batches: list[Any] = []
        self._sizes: list[int] = []

    def append(self, keys: list[str]) -> None:
        self._sizes.append(len(keys))
        if self.compact:
            joined = _SEPARATOR.join(key.replace(_SEPARATOR, " ") for key in keys)
            self._batches.append(joined.encode("utf-8"))
        else:
            self._batches.append(keys)

    def batches(self) -> Iterator[tuple[slice, list[str]]]:
        start = 0
        for size, batch in zip(self._sizes, self._batches, strict=True):
            keys = (
                batch
                if not self.compact
                else (batch.decode("utf-8").split(_SEPARATOR) if size else [])
            )
            yield slice(start, start + size), keys
            start += size


@dataclass
class Corpus:
    """The answers as read for one fit: their keys and their distinct answers."""

    keys: KeyStore
    inverse: np.ndarray  # row -> distinct answer (in seeded hash order)
    counts: np.ndarray  # distinct answer -> number of rows
    distinct_tokens: np.ndarray  # distinct answer -> number of lemmas


def init_pairs(init: Any) -> tuple[list[str], list[int]]:
    """The texts and cluster numbers of ``init`` (a mapping or Series text -> cluster)."""
    if isinstance(init, pd.Series):
        texts, values = list(init.index), list(init.to_numpy())
    elif isinstance(init, Mapping):
        texts, values = list(init.keys()), list(init.values())
    else:
        raise ValueError(
            "init must be None, a dict or a pandas Series of answer text -> cluster number, "
            f"not {type(init).__name__}"
        )
    clusters = []
    for text, value in zip(texts, values, strict=True):
        whole = isinstance(value, int | np.integer) or (
            isinstance(value, float | np.floating) and float(value).is_integer()
        )
        if isinstance(value, bool | np.bool_) or not whole or value < 0:
            raise ValueError(
                f"init gives the answer {as_text(text)[:60]!r} the cluster {value!r}; "
                "clusters are numbers 0, 1, 2, …"
            )
        clusters.append(int(value))
    return [as_text(text) for text in texts], clusters


def as_texts(X: Iterable[Any]) -> list[str]:
    """Answers as a list of str: None/NaN become "", other values their str()."""
    if isinstance(X, str):
        raise SurveyError(
            "ResponseClusterer needs a sequence of answers, not one string",
            hint="pass a list or a pandas Series of answers",
        )
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise SurveyError(
                f"ResponseClusterer needs one column of answers, got {X.shape[1]} columns",
                hint="select the open-ended question's column, e.g. frame['question']",
            )
        X = X.iloc[:, 0]
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.shape[1] != 1:
            raise SurveyError(
                f"ResponseClusterer needs one column of answers, got {X.shape[1]} columns",
                hint="pass a 1-D sequence of answers",
            )
        X = X[:, 0]
    return [as_text(value) for value in X]


def as_text(value: Any) -> str:
    """One answer as text: None/NaN become "", other values their str()."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def check_params(params: dict[str, Any], n_texts: int) -> None:
    """Raise on a ``ResponseClusterer`` parameter out of range, or on no answers.

    ``params`` is the estimator's ``get_params(deep=False)``.
    """
    polarity, embedding, k_range = params["polarity"], params["embedding"], params["k_range"]
    if polarity not in ("ignore", "split"):
        raise ValueError(f"polarity must be 'ignore' or 'split', not {polarity!r}")
    if embedding not in ("tfidf", "sentence", "multilingual"):
        raise ValueError(
            f"embedding must be 'tfidf', 'sentence' or 'multilingual', not {embedding!r}"
        )
    if k_range is not None:
        low, high = k_range
        if not (isinstance(low, int | np.integer) and 2 <= low <= high):
            raise ValueError(
                f"k_range must be None or two integers 2 <= low <= high, not {k_range}"
            )
    k, batch_size = params["n_clusters"], params["batch_size"]
    if k != "auto" and not (isinstance(k, int | np.integer) and k >= 1):
        raise ValueError(f"n_clusters must be a positive integer or 'auto', not {k!r}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size}")
    if params["min_tokens"] < 0 or params["n_components"] < 1:
        raise ValueError("min_tokens must be >= 0 and n_components >= 1")
    if params["init"] is not None:
        init_pairs(params["init"])  # raises on a malformed init
    if n_texts == 0:
        raise SurveyError(
            "there are no answers to cluster", hint="pass a column with open-ended answers"
        )

"""A study's coded text cut into agreement units, with who applied which code to each.

The units :mod:`.agreement` computes on (see
:func:`~research_kit.interviews.agreement.coder_agreement` for what counts): only documents every
compared coder coded count; in them the start and end of every coding cut the text into
segments, and the units are the segments some compared coder coded, less blank ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from research_kit.errors import CodingError
from research_kit.interviews.coding import codings

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["Units", "build_units", "compared_coders"]

_NEEDS_TWO = "agreement needs two coders who coded the same documents"


@dataclass(frozen=True)
class Units:
    """A study's coded text cut into units, with which coder applied which code to each.

    ``presence[c, k, u]`` is True when coder ``k`` applied code ``c`` to unit ``u``.
    """

    coders: list[str]
    codes: list[str]
    documents: list[str]
    presence: np.ndarray
    document_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    text: np.ndarray

    @property
    def length(self) -> np.ndarray:
        return self.end - self.start


def build_units(
    study: Study, coders: Iterable[str] | None, documents: Iterable[str] | None
) -> Units:
    """Cut the documents every compared coder coded into units, with who applied what."""
    table = codings(study)
    names = compared_coders(table, coders)
    table = table[table["coder"].isin(names)]
    counted = _counted_documents(table, names, documents)
    table = table[table["document_id"].isin(counted)]
    codes = _code_order(study, set(table["code_id"]))
    code_index = {code: position for position, code in enumerate(codes)}
    coder_index = {name: position for position, name in enumerate(names)}
    parts = [
        _document_units(rows, code_index, coder_index, str(document_id))
        for document_id, rows in table.groupby("document_id", sort=True)
    ]
    return Units(
        coders=names,
        codes=codes,
        documents=counted,
        presence=np.concatenate([part["presence"] for part in parts], axis=2),
        document_id=np.concatenate([part["document_id"] for part in parts]),
        start=np.concatenate([part["start"] for part in parts]),
        end=np.concatenate([part["end"] for part in parts]),
        text=np.concatenate([part["text"] for part in parts]),
    )


def compared_coders(table: pd.DataFrame, coders: Iterable[str] | None) -> list[str]:
    known = sorted(table["coder"].unique().tolist())
    names = known if coders is None else list(dict.fromkeys(str(name) for name in coders))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise CodingError(
            f"{_NEEDS_TWO}, but {', '.join(map(repr, unknown))} has no codings",
            hint=f"coders with codings: {', '.join(known) or 'none yet'}",
        )
    if len(names) < 2:
        raise CodingError(
            f"{_NEEDS_TWO}; only {len(names)} coder{'s' if len(names) != 1 else ''} to compare"
            + (f" ({names[0]})" if names else ""),
            hint="have a second coder code some of the same notes (or pass coders=[...] "
            f"with two names); coders with codings: {', '.join(known) or 'none yet'}",
        )
    return names


def _counted_documents(
    table: pd.DataFrame, names: list[str], documents: Iterable[str] | None
) -> list[str]:
    coders_per_document = table.groupby("document_id")["coder"].nunique()
    shared = sorted(coders_per_document.index[coders_per_document == len(names)].tolist())
    if documents is not None:
        wanted = list(dict.fromkeys(documents))
        missing = [document for document in wanted if document not in shared]
        if missing:
            raise CodingError(
                f"{_NEEDS_TWO}: {', '.join(missing)} "
                f"{'was' if len(missing) == 1 else 'were'} not coded by all of {', '.join(names)}",
                hint=f"documents coded by all of them: {', '.join(shared) or 'none'}",
            )
        shared = sorted(wanted)
    if not shared:
        raise CodingError(
            f"{_NEEDS_TWO}: no document has codings from all of {', '.join(names)}",
            hint="have each coder code the same notes (at least one code in each), "
            "or compare other coders",
        )
    return shared


def _code_order(study: Study, used: set[str]) -> list[str]:
    """The used codes in codebook order (codes no longer in the codebook last, by id)."""
    in_book = [code for code in study.codebook().codes if code in used]
    return in_book + sorted(used - set(in_book))


def _document_units(
    rows: pd.DataFrame, code_index: dict, coder_index: dict, document_id: str
) -> dict:
    """Units of one document: the coded segments between consecutive coding boundaries."""
    starts = rows["start"].to_numpy(dtype=np.int64)
    ends = rows["end"].to_numpy(dtype=np.int64)
    boundaries = np.unique(np.concatenate([starts, ends]))
    first = np.searchsorted(boundaries, starts)
    stop = np.searchsorted(boundaries, ends)
    code = rows["code_id"].map(code_index).to_numpy(dtype=np.int64)
    coder = rows["coder"].map(coder_index).to_numpy(dtype=np.int64)
    n_segments = len(boundaries) - 1
    # Each coding adds 1 where it starts and takes 1 off where it stops; the running sum is
    # how many of that coder's codings with that code cover the segment.
    steps = np.zeros((len(code_index), len(coder_index), n_segments + 1), dtype=np.int64)
    np.add.at(steps, (code, coder, first), 1)
    np.add.at(steps, (code, coder, stop), -1)
    presence = np.cumsum(steps, axis=2)[:, :, :n_segments] > 0
    coded = presence.any(axis=(0, 1))
    # The segment's text, from (any) excerpt covering it, as it was when coded.
    owner = np.full(n_segments, -1)
    for position, (low, high) in enumerate(zip(first, stop, strict=True)):
        owner[low:high] = position
    excerpt_texts = rows["text"].tolist()
    seg_start, seg_end = boundaries[:-1][coded], boundaries[1:][coded]
    texts = np.array(
        [
            excerpt_texts[index][low - starts[index] : high - starts[index]]
            for index, low, high in zip(owner[coded], seg_start, seg_end, strict=True)
        ],
        dtype=object,
    )
    # A sliver of whitespace (the blank line between two paragraphs one coder coded as one
    # span and another coded apart) carries no meaning, so it is no unit.
    meaningful = np.array([bool(text.strip()) for text in texts], dtype=bool)
    return {
        "presence": presence[:, :, coded][:, :, meaningful],
        "document_id": np.full(int(meaningful.sum()), document_id, dtype=object),
        "start": seg_start[meaningful],
        "end": seg_end[meaningful],
        "text": texts[meaningful],
    }

"""The labelled short-text sets used to measure clustering quality (benchmarks only).

They live outside the repository, in ``../shared/data/text-clustering/`` beside the checkout
(see that folder's README for where each comes from and its licence):

========================  =======  ======  ==============================================
name                      texts    labels  file (columns text, label)
========================  =======  ======  ==============================================
StackOverflow             20,000   20      ``stc2/StackOverflow_clean.csv``
SearchSnippets            12,340   8       ``stc2/SearchSnippets_clean.csv``
Biomedical                20,000   20      ``stc2/Biomedical_clean.csv``
Banking77                 3,080    77      ``banking77/test.csv`` (label column: category)
NaPiRE                    1,208    50      ``napire2018/napire_causes_min10.csv``
========================  =======  ======  ==============================================

:func:`load_text_set` returns the texts and their labels; when the data are absent (a user's
clone) it raises :class:`TextSetMissing` (a ``FileNotFoundError``) saying where it looked, so a
benchmark can skip that set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Where the sets are by default: ``<repo>/../shared/data/text-clustering``.
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "text-clustering"

#: name -> (file under the root, text column, label column)
_FILES: dict[str, tuple[str, str, str]] = {
    "StackOverflow": ("stc2/StackOverflow_clean.csv", "text", "label"),
    "SearchSnippets": ("stc2/SearchSnippets_clean.csv", "text", "label"),
    "Biomedical": ("stc2/Biomedical_clean.csv", "text", "label"),
    "Banking77": ("banking77/test.csv", "text", "category"),
    "NaPiRE": ("napire2018/napire_causes_min10.csv", "text", "label"),
}
TEXT_SETS: tuple[str, ...] = tuple(_FILES)
#: name -> (texts, distinct labels) of each whole set, as documented in the data README.
TEXT_SET_SIZES: dict[str, tuple[int, int]] = {
    "StackOverflow": (20_000, 20),
    "SearchSnippets": (12_340, 8),
    "Biomedical": (20_000, 20),
    "Banking77": (3_080, 77),
    "NaPiRE": (1_208, 50),
}


class TextSetMissing(FileNotFoundError):
    """A labelled text set is not on this machine."""


def text_set_path(name: str, root: Path | str | None = None) -> Path:
    """The CSV file of the set ``name`` under ``root`` (default :data:`DEFAULT_ROOT`)."""
    if name not in _FILES:
        raise ValueError(f"unknown text set {name!r}; choose one of {', '.join(TEXT_SETS)}")
    return Path(root or DEFAULT_ROOT) / _FILES[name][0]


def load_text_set(name: str, root: Path | str | None = None) -> tuple[list[str], np.ndarray]:
    """Read one labelled set: its texts and their gold labels, in file order.

    Parameters
    ----------
    name : str
        One of :data:`TEXT_SETS`.
    root : path, optional
        The ``text-clustering`` folder; default ``<repo>/../shared/data/text-clustering``.

    Returns
    -------
    (list of str, numpy.ndarray)
        The texts (read as UTF-8, never turned into NaN) and one label per text (as strings).

    Raises
    ------
    TextSetMissing
        When the file is not there.
    ValueError
        When ``name`` is not a known set or the file lacks its columns.
    """
    path = text_set_path(name, root)
    if not path.is_file():
        raise TextSetMissing(
            f"text set {name} not found at {path}; the labelled sets live in "
            "../shared/data/text-clustering beside the checkout (dev setup only)"
        )
    _, text_column, label_column = _FILES[name]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = {text_column, label_column} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} lacks the column(s) {sorted(missing)}")
    return frame[text_column].tolist(), frame[label_column].to_numpy()

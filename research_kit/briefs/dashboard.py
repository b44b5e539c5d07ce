"""The findings dashboard's helpers: which of its boxes a filter change redraws.

The findings notebook (``notebooks/briefs/findings.ipynb``) keeps a
:class:`~research_kit.briefs.cache.FindingsCache`, so a filter change recomputes only the
sections it touches; :func:`changed_boxes` tells it which of its boxes the new brief changes,
so it sends only those to the browser.

The notebook does not prepare other filters in the background: a kernel computing a section
answers no widget message until it is done, so a warm-up step made the reader's own changes and
the first view wait (measured with ``benchmarks/bench_dashboard.py``).
"""

from __future__ import annotations

from collections.abc import Mapping


def changed_boxes(shown: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """The boxes whose HTML differs from what is shown, with their new HTML.

    Boxes the new brief has no content for are left as they are.

    Examples
    --------
    >>> changed_boxes({"survey": "<p>1</p>", "process": "<p>2</p>"},
    ...               {"survey": "<p>1</p>", "process": "<p>3</p>", "other": "<p>4</p>"})
    {'process': '<p>3</p>'}
    """
    return {key: html for key, html in new.items() if key in shown and shown[key] != html}

"""The findings dashboard's helpers: which filters to prepare ahead, and which boxes changed.

The findings notebook (``notebooks/briefs/findings.ipynb``) keeps a
:class:`~research_kit.briefs.cache.FindingsCache` and, once its first view is shown, fills it
in the background with the filters a reader is most likely to choose next
(:func:`warm_up_filters`), one combination at a time so a reader's own change is answered
between two of them. Voila's preheated kernel runs the notebook before anyone opens it, so on
a served dashboard most filter changes find their sections ready. :func:`changed_boxes` tells
the notebook which of its boxes a new brief changes, so it redraws only those.
"""

from __future__ import annotations

from collections.abc import Mapping


def warm_up_filters(
    choices: Mapping[str, list[str]], *, default_group: str | None = "ward"
) -> list[dict[str, str]]:
    """The filter combinations worth preparing, most likely first.

    Each ward with the default survey group, then each other survey group for all wards, then
    each theme for all wards; the combinations of a ward with another group come last.

    Examples
    --------
    >>> warm_up_filters({"ward": ["Ward 1", "Ward 2"], "group": ["ward", "age"], "theme": ["T"]})
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'ward': 'Ward 1'}, {'ward': 'Ward 2'}, {'by': 'age'}, {'theme': 'T'},
     {'ward': 'Ward 1', 'by': 'age'}, {'ward': 'Ward 2', 'by': 'age'}]
    >>> warm_up_filters({"ward": [], "group": [], "theme": []})
    []
    """
    wards = list(choices.get("ward", []))
    groups = [g for g in choices.get("group", []) if g != default_group]
    themes = list(choices.get("theme", []))
    order: list[dict[str, str]] = [{"ward": ward} for ward in wards]
    order += [{"by": group} for group in groups]
    order += [{"theme": theme} for theme in themes]
    order += [{"ward": ward, "by": group} for group in groups for ward in wards]
    return order


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

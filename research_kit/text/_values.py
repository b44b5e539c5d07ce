"""Cell values as text, for every text function that takes what pandas holds (private)."""

from __future__ import annotations


def as_text(value: object) -> str:
    """A value as text: missing values (None, NaN from pandas) become an empty string.

    Examples
    --------
    >>> as_text(None), as_text(float("nan")), as_text(12)
    ('', '', '12')
    """
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    return str(value)

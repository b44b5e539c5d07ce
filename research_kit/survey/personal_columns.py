"""Which survey columns hold personal data or coordinates, by their header and by their values.

A survey export carries personal data in the tools' own fields (IP address, recipient name and
e-mail, the legacy ``Name`` field), in questions that ask for it ("Contact information",
"Enter name", "When is your birthday?", a photo upload) and in answers that happen to hold it
(a column of e-mail addresses under a neutral header). :func:`personal_data_reason` says why a
column is personal data, or None; :func:`geolocation_reason` does the same for coordinates.
Both look at the header first, then at the answers: a header alone cannot say that a column of
e-mails is one, and the values alone cannot say that an empty ``RecipientEmail`` is one.

:func:`~research_kit.survey.columns.detect_column_kinds` gives such columns the kinds
``personal_data`` and ``geolocation``; clustering and briefs leave them out unless the caller
opts in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from research_kit.survey.tool_columns import PII_METADATA

__all__ = ["geolocation_reason", "personal_data_reason"]

# Headers (squashed to lower-case letters and digits) of tool fields that hold a person's data:
# the tools' fields less coordinates (geolocation) and link keys (metadata), plus birth dates.
_PERSONAL_FIELDS = {
    **{
        field: held
        for field, held in PII_METADATA.items()
        if held not in ("a location", "an external reference that may link to a person")
    },
    "dateofbirth": "a date of birth",
    "birthdate": "a date of birth",
    "dob": "a date of birth",
}
# Question wording that asks for personal data (matched on the lower-cased header).
_PERSONAL_QUESTIONS = (
    (re.compile(r"\bcontact (information|info|details)\b"), "contact information"),
    (re.compile(r"\b(birthday|date of birth|birth date)\b"), "a date of birth"),
    (re.compile(r"\b(e-?mail|phone|telephone|mobile) (address|number)\b"), "contact information"),
    (re.compile(r"\b(photo|photograph|headshot|selfie|picture) of (yourself|you)\b"), "a photo"),
    (re.compile(r"\bhome address\b|\bstreet address\b|\bpostal address\b"), "an address"),
)
# A header that asks for a person's name ("Enter name", "Your name", "Contact - Name") and not
# a thing's name ("Category_name", "Supplier_name", "File name").
_PERSON_NAME_HEADER = re.compile(
    r"(^|\b)(enter|your|full|first|last|given|family|sur|respondent'?s?|contact|recipient)"
    r"[\s_-]*name\b|^\W*name\W*$|\bname of (the )?(respondent|person|contact)\b"
)
_CONTACT_HEADER = re.compile(r"(^|[\W_])contact($|[\W_])")

_EMAIL = re.compile(r"^\s*[\w.+'-]+@[\w-]+(\.[\w-]+)+\s*$")
_PHONE = re.compile(r"^\s*\+?\(?\d[\d\s().-]{6,}\d\s*$")
_IPV4 = re.compile(r"^\s*\d{1,3}(\.\d{1,3}){3}\s*$")
_STREET = re.compile(
    r"^\s*\d+[a-z]?\s+(\w+\s+){0,4}(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive"
    r"|dr|way|court|ct|place|pl|terrace|square|sq|parkway|pkwy|highway|hwy)\b\.?",
    re.IGNORECASE,
)
_IMAGE_FILE = re.compile(r"\.(jpe?g|png|gif|heic|webp|bmp|tiff?)\s*$", re.IGNORECASE)
_PERSON_NAME = re.compile(r"^\s*[^\W\d_][^\W\d_'.-]*([\s'.-]+[^\W\d_][^\W\d_'.-]*){0,3}\s*$")

_COORDINATE_FIELDS = frozenset(
    {"locationlatitude", "locationlongitude", "latitude", "longitude", "lat", "lng", "lon"}
)
_COORDINATE_HEADER = re.compile(r"(^|[\W_])(geolocation|gps|coordinates|geopoint)($|[\W_])")
_COORDINATE_PAIR = re.compile(
    r"^\s*\[?\s*-?\d{1,3}\.\d+\s*[, ]\s*-?\d{1,3}\.\d+(\s+-?\d+(\.\d+)?){0,2}\s*\]?\s*$"
)
# Share of answers that must look alike before the values decide (a few typos may not).
_CONTENT_SHARE = 0.8
# Answers looked at per column: a share among 2,000 answers spread over the column is within a
# few points of the whole column's.
_MAX_LOOKED_AT = 2_000


def personal_data_reason(names: Sequence[str], answers: pd.Series | None = None) -> str | None:
    """Why a column holds personal data (a sentence), or None.

    Parameters
    ----------
    names : sequence of str
        The column's header and its question text (a legacy Qualtrics "V6" is "IPAddress";
        SurveyMonkey's "Contact information - Email").
    answers : pandas.Series, optional
        The answered cells (no blanks or non-answers); None decides by the header alone.

    Examples
    --------
    >>> personal_data_reason(["Q7"], pd.Series(["ann@example.org", "bo@city.gov"]))
    'holds e-mail addresses (100% of answers): personal data'
    >>> personal_data_reason(["Contact information - Name"], pd.Series(["Ann Lee"]))
    'the question asks for contact information: personal data'
    >>> personal_data_reason(["Ward"], pd.Series(["Ward 1", "Ward 2"])) is None
    True
    """
    by_header = _by_header(names)
    if by_header or answers is None:
        return by_header
    return _by_values(names, answers)


def geolocation_reason(names: Sequence[str], answers: pd.Series) -> str | None:
    """Why a column holds coordinates (a sentence), or None.

    Examples
    --------
    >>> geolocation_reason(["LocationLatitude"], pd.Series(["47.11"]))
    'a latitude or longitude field: coordinates'
    >>> geolocation_reason(["Where?"], pd.Series(["47.1 7.2", "47.3 7.1 520 5"]))
    'answers are coordinate pairs (100%): coordinates'
    """
    squashed = [_squash(name) for name in names]
    if any(name in _COORDINATE_FIELDS for name in squashed):
        return "a latitude or longitude field: coordinates"
    if any(_COORDINATE_HEADER.search(str(name).casefold()) for name in names):
        return "named as a GPS or geolocation field: coordinates"
    share = _share(answers, _COORDINATE_PAIR)
    if share >= _CONTENT_SHARE:
        return f"answers are coordinate pairs ({share:.0%}): coordinates"
    return None


def _by_header(names: Sequence[str]) -> str | None:
    for name in names:
        held = _PERSONAL_FIELDS.get(_squash(name))
        if held:
            return f"a field for {held}: personal data (even when empty)"
    for name in names:
        text = str(name).casefold()
        for pattern, what in _PERSONAL_QUESTIONS:
            if pattern.search(text):
                return f"the question asks for {what}: personal data"
        if _PERSON_NAME_HEADER.search(text):
            return "the question asks for a person's name: personal data"
    return None


def _by_values(names: Sequence[str], answers: pd.Series) -> str | None:
    if answers.empty:
        return None
    for pattern, what in (
        (_EMAIL, "e-mail addresses"),
        (_IPV4, "IP addresses"),
        (_STREET, "street addresses"),
        (_IMAGE_FILE, "uploaded image files (photos of people)"),
        (_PHONE, "phone numbers"),
    ):
        share = _share(answers, pattern)
        if share >= _CONTENT_SHARE and not (pattern is _PHONE and _plain_numbers(answers)):
            return f"holds {what} ({share:.0%} of answers): personal data"
    contact = any(_CONTACT_HEADER.search(str(name).casefold()) for name in names)
    share = _share(answers, _PERSON_NAME)
    if contact and share >= _CONTENT_SHARE:
        return f"a contact field holding people's names ({share:.0%} of answers): personal data"
    return None


def _plain_numbers(answers: pd.Series) -> bool:
    """Digits only (amounts, codes, years) are numbers, not phone numbers."""
    return bool(answers.astype(str).str.fullmatch(r"\s*[+-]?\d+([.,]\d+)?\s*").all())


def _share(answers: pd.Series, pattern: re.Pattern[str]) -> float:
    """Share of answers the pattern finds (in a large column, of a spread sample:
    every n-th answer, so the share is a fair estimate and the time stays bounded)."""
    if answers.empty:
        return 0.0
    if len(answers) > _MAX_LOOKED_AT:
        answers = answers.iloc[:: -(-len(answers) // _MAX_LOOKED_AT)]
    matching = int(answers.astype(str).map(lambda text: bool(pattern.search(text))).sum())
    return matching / len(answers)


def _squash(text: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())

"""Rating scales: recognising the labels of a Likert-type scale and putting them in order.

A rating question's answers are labels ("Strongly disagree" … "Strongly agree", "Very
dissatisfied" … "Very satisfied", "Never" … "Always", "1 - Poor" … "5 - Excellent"). This
module knows the common bipolar scales (a word and its opposite, with intensity modifiers such
as "strongly", "somewhat", "not at all"), a few fixed scales (poor…excellent, never…always, not
at all…a great deal) and numbered labels, and puts the labels seen in a column in scale order,
lowest first. :func:`scale_order` is the public entry; :mod:`research_kit.survey.columns` uses
:func:`scale_of_counts` when it decides a column's kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from research_kit.survey.responses import NON_ANSWERS, answer_status, normalise_answer

__all__ = [
    "MAX_SCALE_SPELLINGS",
    "most_common_first",
    "scale_direction",
    "scale_of_counts",
    "scale_order",
]

#: Most distinct spellings a scale column may have (11 points, each maybe spelt a few ways).
MAX_SCALE_SPELLINGS = 60

# -- scales --------------------------------------------------------------------------------------
_INTENSITY = {
    "": 2.0,
    "strongly": 3.0,
    "very": 3.0,
    "extremely": 3.5,
    "completely": 3.5,
    "totally": 3.5,
    "entirely": 3.5,
    "quite": 2.0,
    "moderately": 1.5,
    "fairly": 1.5,
    "somewhat": 1.0,
    "tend to": 1.0,
    "slightly": 0.5,
    "a little": 0.5,
    "mildly": 0.5,
}
_NEGATED = {"not at all": -3.5, "not very": -1.0, "not": -2.0}
_NEUTRAL = re.compile(r"^(neutral|undecided|neither|neither \w+ (nor|or) \w+|mixed)$")


@dataclass(frozen=True)
class _BipolarScale:
    name: str
    negative: tuple[str, ...]
    positive: tuple[str, ...]

    def score(self, label: str) -> float | None:
        if _NEUTRAL.match(label):
            return 0.0
        for terms, sign in ((self.negative, -1.0), (self.positive, 1.0)):
            for term in terms:
                if label == term or label.endswith(" " + term):
                    modifier = label[: -len(term)].strip()
                    if modifier in _INTENSITY:
                        return sign * _INTENSITY[modifier]
                    if sign > 0 and modifier in _NEGATED:
                        return _NEGATED[modifier]
                    return None
        return None


@dataclass(frozen=True)
class _FixedScale:
    name: str
    scores: Mapping[str, float]

    def score(self, label: str) -> float | None:
        return self.scores.get(label)


@dataclass(frozen=True)
class _LeadingPhraseScale:
    """A scale whose labels start with its point and go on about the thing rated
    ("Too few bars and restaurants", "Just the right amount", "Too many")."""

    name: str
    phrases: tuple[tuple[str, float], ...]  # longest first where one starts another

    def score(self, label: str) -> float | None:
        for phrase, score in self.phrases:
            if label == phrase or label.startswith(phrase + " "):
                return score
        return None


_SCALES: tuple[_BipolarScale | _FixedScale | _LeadingPhraseScale, ...] = (
    _BipolarScale("agree/disagree", ("disagree",), ("agree",)),
    _BipolarScale("satisfied/dissatisfied", ("dissatisfied", "unsatisfied"), ("satisfied",)),
    _BipolarScale("likely/unlikely", ("unlikely",), ("likely",)),
    _BipolarScale("easy/difficult", ("difficult", "hard"), ("easy",)),
    _BipolarScale("important/unimportant", ("unimportant",), ("important",)),
    _BipolarScale("helpful/unhelpful", ("unhelpful",), ("helpful",)),
    _BipolarScale("clear/unclear", ("unclear", "confusing"), ("clear",)),
    _BipolarScale("confident/unconfident", ("unconfident",), ("confident",)),
    _BipolarScale("safe/unsafe", ("unsafe",), ("safe",)),
    _FixedScale(
        "poor…excellent",
        {
            "terrible": -3,
            "very poor": -2,
            "very bad": -2,
            "poor": -1,
            "bad": -1,
            "fair": 0,
            "average": 0,
            "good": 1,
            "very good": 2,
            "excellent": 3,
        },
    ),
    _FixedScale(
        "never…always",
        {
            "never": 0,
            "almost never": 1,
            "rarely": 1,
            "seldom": 1,
            "occasionally": 1.5,
            "sometimes": 2,
            "often": 3,
            "frequently": 3,
            "usually": 3.5,
            "most of the time": 3.5,
            "very often": 3.5,
            "almost always": 3.75,
            "always": 4,
        },
    ),
    _FixedScale(
        "not at all…a great deal",
        {
            "not at all": 0,
            "very little": 0.5,
            "a little": 1,
            "a little bit": 1,
            "slightly": 1,
            "somewhat": 2,
            "moderately": 2,
            "quite a bit": 3,
            "a lot": 3.5,
            "very much": 4,
            "a great deal": 4,
            "extremely": 4,
        },
    ),
    _FixedScale(
        "low…high",
        {"very low": -2, "low": -1, "medium": 0, "moderate": 0, "high": 1, "very high": 2},
    ),
    _LeadingPhraseScale(
        "too few…too many",
        (
            ("not enough", -1),
            ("too few", -1),
            ("too little", -1),
            ("just the right amount", 0),
            ("just right", 0),
            ("about right", 0),
            ("the right amount", 0),
            ("enough", 0),
            ("too many", 1),
            ("too much", 1),
        ),
    ),
)
_NUMBERED_LABEL = re.compile(r"^\s*(\d{1,2})\s*(?:(?:[-–—=:.)]|\()\s*(.*?)\)?)?\s*$")
_LETTER = re.compile(r"[^\W\d_]")
_STATED_SCALE = re.compile(
    r"\b(scale|rate|rating|score)\b|\bhow likely\b|\b(0|1)\s*(?:-|–|to)\s*(5|7|10)\b",
    re.IGNORECASE,
)
_STATED_RANGE = re.compile(r"\b(0|1)\s*(?:-|–|to)\s*(5|7|10)\b")


def scale_order(
    values: Iterable[object],
    *,
    question: str | None = None,
    non_answers: Iterable[str] = NON_ANSWERS,
) -> tuple[tuple[str, ...], str] | None:
    """The order of a rating scale's labels (lowest first) and which scale it is, if any.

    Parameters
    ----------
    values : iterable
        A column's cells.
    question : str, optional
        The question text; plain numbers 0-10 count as a scale only when it states one.
    non_answers : iterable of str
        Texts left out of the order.

    Returns
    -------
    (tuple of str, str) or None
        The labels as spelt in the data, and a short name of the scale.

    Examples
    --------
    >>> scale_order(["Satisfied", "Very dissatisfied", "Neutral", "satisfied", "N/A"])
    (('Very dissatisfied', 'Neutral', 'Satisfied'), 'satisfied/dissatisfied')
    >>> scale_order(["1 - Never", "3", "5 - Always"])
    (('1 - Never', '2', '3', '4', '5 - Always'), 'numbered 1-5')
    >>> scale_order(["Yes", "No"]) is None
    True
    """
    cells = pd.Series(list(values), dtype=object)
    status = answer_status(cells, non_answers=frozenset(non_answers), min_chars=1)
    return scale_of_counts(most_common_first(cells[status == "answered"].astype(str)), question)


def most_common_first(answered: pd.Series) -> pd.Series:
    """Distinct answers -> count, most common first, ties by text (so that levels do not
    depend on row order).

    Examples
    --------
    >>> most_common_first(pd.Series(["b", "a", "b"])).to_dict()
    {'b': 2, 'a': 1}
    """
    counts = answered.value_counts(sort=False)
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pd.Series(
        [count for _, count in order], index=[value for value, _ in order], dtype="int64"
    )


def scale_of_counts(
    counts: pd.Series, question: str | None = None
) -> tuple[tuple[str, ...], str] | None:
    """The scale order and name of a column's answered values (value -> count, most common
    first), or None; ``question`` lets plain numbers 0-10 count when it states a scale.

    Examples
    --------
    >>> scale_of_counts(pd.Series({"Agree": 3, "Disagree": 1}))
    (('Disagree', 'Agree'), 'agree/disagree')
    """
    if not 2 <= len(counts) <= MAX_SCALE_SPELLINGS:
        return None
    labels = [str(value) for value in counts.index]
    return _word_scale(labels) or _numbered_scale(labels, question)


def scale_direction(order: tuple[str, ...]) -> str:
    """``"descending"`` when the numbers in a scale's labels fall as the scale rises (a
    reverse-coded item: "1 - Strongly agree" … "5 - Strongly disagree"), else ``"ascending"``.

    Examples
    --------
    >>> scale_direction(("5 - Strongly disagree", "3 - Neutral", "1 - Strongly agree"))
    'descending'
    >>> scale_direction(("Disagree", "Agree"))
    'ascending'
    """
    matches = [_NUMBERED_LABEL.match(label) for label in order]
    if len(order) < 2 or not all(matches):
        return "ascending"
    numbers = [int(match.group(1)) for match in matches if match]
    return "descending" if numbers == sorted(numbers, reverse=True) else "ascending"


def _word_scale(labels: list[str]) -> tuple[tuple[str, ...], str] | None:
    by_form: dict[str, str] = {}
    for label in labels:  # most common spelling of each form first
        by_form.setdefault(normalise_answer(label), label)
    if len(by_form) < 2 or len(by_form) > 11:
        return None
    for scale in _SCALES:
        scores = {form: scale.score(form) for form in by_form}
        if any(score is None for score in scores.values()):
            continue
        if len(set(scores.values())) < len(scores):
            continue  # two labels at the same point: not a scale we understand
        ordered = sorted(scores, key=lambda form: scores[form])
        return tuple(by_form[form] for form in ordered), scale.name
    return None


def _numbered_scale(labels: list[str], question: str | None) -> tuple[tuple[str, ...], str] | None:
    matches = [_NUMBERED_LABEL.match(label) for label in labels]
    if not all(matches):
        return None
    words = [match.group(2) or "" for match in matches if match]
    if any(word and not _LETTER.search(word) for word in words):
        return None  # "3.5", "45-54": numbers, not numbered labels
    numbers = [int(match.group(1)) for match in matches if match]
    if len(set(numbers)) < len(numbers) or max(numbers) - min(numbers) > 10:
        return None
    by_number = dict(zip(numbers, labels, strict=True))
    named = any(words)
    if all(words):
        worded = _word_scale(words)  # "1 - Strongly agree" … "5 - Strongly disagree"
        if worded is not None:
            by_word = dict(zip(words, labels, strict=True))
            return tuple(by_word[word] for word in worded[0]), f"{worded[1]}, numbered"
    low, high = min(numbers), max(numbers)
    if not named:
        if not (question and _STATED_SCALE.search(question)) or high > 10:
            return None
        stated = _STATED_RANGE.search(question)
        if stated and int(stated.group(1)) <= low and high <= int(stated.group(2)):
            low, high = int(stated.group(1)), int(stated.group(2))
    order = tuple(by_number.get(number, str(number)) for number in range(low, high + 1))
    return order, f"numbered {low}-{high}"

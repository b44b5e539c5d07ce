"""What kind of question each survey column holds, decided by stated rules and open to override.

A survey export is a table of text cells; analyses need to know which column identifies the
respondent, which hold free text to cluster, which are rating scales (and in which order their
labels go), which are single or multiple choice, numbers, dates, weights, or the survey tool's
own metadata (some of it personal data). :func:`detect_column_kinds` decides each column by the
first rule below that fits and says in a sentence why; ``overrides`` wins over all of them.

1. ``respondent_id``: the ``id_column`` given, else the first column named like a respondent
   or response id ("Respondent ID", "ResponseId", "respondent_id" …) or holding Qualtrics
   response ids (``R_…``) whose values are all present and unique.
2. ``metadata``: the survey tool's columns by name (IP address, collector, status, progress,
   duration, finished, user agent, latitude/longitude, e-mail, names, external reference,
   custom data …); the reason flags personal data.
3. ``weight``: a name containing "weight" with every answer a positive number.
4. ``multi_choice``: a SurveyMonkey option column (every answer is the option's label).
5. ``date``: at least 95% of answers are dates or times.
6. ``likert``: every answer is a label of one known scale (agree/disagree, satisfied,
   likely, easy/difficult, important, helpful, clear, poor…excellent, never…always,
   not at all…a great deal), or starts with a number ("1 - Strongly disagree" … "5"), or is a
   whole number 0–10 when the question states a scale ("on a scale of 1 to 5", "rate").
7. ``numeric``: at least 95% of answers are numbers.
8. ``multi_choice``: answers joined with "," or ";" (outside parentheses) from fewer distinct
   options than distinct answers, e.g. Qualtrics' ``Email,Phone``.
9. ``single_choice``: few distinct answers, each given several times (at most 12 given at
   least twice each on average, or at most 60 given at least five times each), short labels.
10. ``open_text``: everything else.

Non-answers ("n/a", "don't know" …, see :mod:`research_kit.survey.responses`) are counted
but never become a level of a scale or choice. The scales of rule 6 are recognised in
:mod:`research_kit.survey.scales`; the tools' column names of rules 1-2 are listed in
:mod:`research_kit.survey.tool_columns`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from research_kit.errors import SurveyError, did_you_mean
from research_kit.survey.ingest import SurveyExport, as_survey_export, file_rows
from research_kit.survey.responses import (
    NON_ANSWERS,
    OPEN_TEXT_NON_ANSWERS,
    answer_status,
    normalise_answer,
)
from research_kit.survey.scales import most_common_first, scale_of_counts, scale_order
from research_kit.survey.tool_columns import (
    CUSTOM_DATA,
    ID_NAMES,
    PII_METADATA,
    QUALTRICS_RESPONSE_ID,
    TOOL_METADATA,
)

__all__ = [
    "KINDS",
    "KIND_COLUMNS",
    "columns_of_kind",
    "detect_column_kinds",
    "kinds_by_column",
    "scale_order",  # re-exported: it lives in research_kit.survey.scales
]

KINDS = (
    "respondent_id",
    "metadata",
    "weight",
    "date",
    "likert",
    "numeric",
    "multi_choice",
    "single_choice",
    "open_text",
)

KIND_COLUMNS = (
    "column",
    "kind",
    "order",
    "levels",
    "n_levels",
    "n_distinct",
    "n_answered",
    "n_non_answer",
    "n_blank",
    "pii",
    "reason",
)

Override = str | tuple[str, Sequence[str]]

# -- values --------------------------------------------------------------------------------------
_DATE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(\s+\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?)?)\s*$"
)
_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d+)?|\d{1,3}(,\d{3})+(\.\d+)?|\.\d+)([eE][+-]?\d+)?\s*$")
_SHARE = 0.95
_MAX_CHOICE_LENGTH = 100
_MAX_CHOICES = 40


@dataclass(frozen=True)
class _Values:
    """One column's answers with non-answers and blanks set aside."""

    answered: pd.Series  # the answered cells (original text), index = frame index
    counts: pd.Series  # distinct answered value -> count, most common first
    n_non_answer: int
    n_blank: int


def detect_column_kinds(
    frame: pd.DataFrame | SurveyExport,
    *,
    overrides: Mapping[str, Override] | None = None,
    id_column: str | None = None,
    non_answers: Iterable[str] = NON_ANSWERS,
) -> pd.DataFrame:
    """Decide what kind of question each column holds, and say why.

    Parameters
    ----------
    frame : pandas.DataFrame or SurveyExport
        Responses as :func:`~research_kit.survey.read_survey` gives them (text cells), or the
        :class:`~research_kit.survey.ingest.SurveyExport` of
        :func:`~research_kit.survey.read_survey_export`, whose question texts (a legacy
        Qualtrics "V6" is "IPAddress"; a stated scale), SurveyMonkey option labels and file
        rows the rules then use.
    overrides : mapping, optional
        ``{column: kind}`` or ``{column: ("likert", [levels in order])}``; wins over detection.
        Kinds are those in :data:`KINDS`.
    id_column : str, optional
        The respondent id column (detected by name and uniqueness when None).
    non_answers : iterable of str
        Non-answer texts for closed questions (open-text columns also count
        :data:`~research_kit.survey.responses.OPEN_TEXT_NON_ANSWERS` and answers with fewer
        than two letters or digits, as :func:`~research_kit.survey.responses.open_answers`
        does).

    Returns
    -------
    pandas.DataFrame
        One row per column: ``column, kind, order`` (tuple of levels, lowest first, for likert;
        else None), ``levels`` (tuple: the scale order, or choices most common first; None for
        other kinds), ``n_levels``, ``n_distinct`` (distinct answers), ``n_answered``,
        ``n_non_answer``, ``n_blank``, ``pii`` (bool) and ``reason`` (why, in a sentence).

    Raises
    ------
    SurveyError
        For an override naming an unknown column or kind, a likert order that misses an answer
        present in the data (naming its file row), or a respondent id column with blank or
        repeated ids.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "Respondent ID": ["1", "2", "3", "4"],
    ...     "Ward": ["Ward 1", "Ward 2", "Ward 1", "Ward 2"],
    ...     "Staff were helpful": ["Agree", "Strongly disagree", "Don't know", "Agree"],
    ...     "What should change?": ["Faster reviews", "Fewer forms, please", "n/a", None],
    ... })
    >>> kinds = detect_column_kinds(frame)
    >>> kinds[["column", "kind", "n_answered", "n_non_answer", "n_blank"]]
                    column           kind  n_answered  n_non_answer  n_blank
    0        Respondent ID  respondent_id           4             0        0
    1                 Ward  single_choice           4             0        0
    2   Staff were helpful         likert           3             1        0
    3  What should change?      open_text           2             1        1
    >>> kinds.loc[2, "order"]
    ('Strongly disagree', 'Agree')
    >>> detect_column_kinds(frame, overrides={"Ward": "open_text"}).loc[1, "kind"]
    'open_text'
    """
    survey = as_survey_export(frame)
    frame = survey.responses
    overrides = dict(overrides or {})
    non_answers = frozenset(normalise_answer(text) for text in non_answers)
    _check_override_columns(survey, overrides, id_column)
    chosen_id = id_column or _find_id_column(survey, overrides)
    rows = []
    for column in frame.columns:
        name = str(column)
        if name in overrides:
            rows.append(_apply_override(survey, name, overrides[name], non_answers))
        elif name == chosen_id:
            _check_ids(survey, name)
            values = _split(frame[name], non_answers)
            how = "named as the id column" if id_column else "named like an id"
            reason = f"{how}; all {values.counts.sum():,} values present and unique"
            rows.append(_row(name, "respondent_id", values, reason=reason))
        else:
            rows.append(_detect(survey, name, non_answers, chosen_id))
    kinds = pd.DataFrame(rows, columns=list(KIND_COLUMNS))
    _check_single_id(kinds, survey)
    return kinds


# -- detection -----------------------------------------------------------------------------------
def _detect(
    survey: SurveyExport, name: str, non_answers: frozenset[str], id_column: str | None
) -> dict:
    """The first rule of the module docstring that fits one column."""
    frame = survey.responses
    names = _names(survey, name)
    values = _split(frame[name], non_answers)
    if _is_id_name(survey, name) or (
        id_column is not None and _looks_like_response_ids(values, len(frame))
    ):
        if not _ids_usable(frame[name]):
            reason = "named like an id, but its values are blank or repeat"
        else:
            chosen = repr(id_column) if id_column else "the column set by override"
            reason = f"an id, but {chosen} is the respondent id"
        return _row(name, "metadata", values, reason=reason)
    pii = next((PII_METADATA[key] for key in names if key in PII_METADATA), None)
    if pii:
        reason = f"survey tool column; holds {pii}: personal data, drop or protect before sharing"
        return _row(name, "metadata", values, pii=True, reason=reason)
    if any(key in TOOL_METADATA or CUSTOM_DATA.match(key) for key in names):
        return _row(name, "metadata", values, reason="survey tool column (by its name)")
    n = int(values.counts.sum())
    if "weight" in name.casefold() and n and _all_positive_numbers(values.counts.index):
        return _row(name, "weight", values, reason="named like a weight; every value > 0")
    option = survey.option(name)
    if option is not None and all(
        normalise_answer(value) == normalise_answer(option) for value in values.counts.index
    ):
        reason = f"SurveyMonkey option column: a cell holds {option!r} when chosen, else blank"
        return _row(name, "multi_choice", values, levels=(option,), reason=reason)
    if n == 0:
        values = _split(frame[name], OPEN_TEXT_NON_ANSWERS | non_answers, min_chars=2)
        return _row(name, "open_text", values, reason=_open_reason(values))
    share = _share(values, _DATE)
    if share >= _SHARE:
        return _row(name, "date", values, reason=f"{share:.0%} of answers are dates or times")
    scale = scale_of_counts(values.counts, survey.question_text(name))
    if scale is not None:
        order, scale_name = scale
        reason = f"every answer is a label of the {scale_name} scale"
        return _row(name, "likert", values, order=order, reason=reason)
    share = _share(values, _NUMBER)
    if share >= _SHARE:
        return _row(name, "numeric", values, reason=f"{share:.0%} of answers are numbers")
    choices = _joined_choices(values)
    if choices is not None:
        options, separator = choices
        reason = (
            f"answers join {len(options)} options with {separator!r} "
            f"({len(values.counts)} distinct combinations)"
        )
        return _row(name, "multi_choice", values, levels=options, reason=reason)
    if _is_single_choice(values):
        distinct = len(values.counts)
        reason = f"{distinct} distinct answers, each given {n / distinct:.0f} times on average"
        levels = tuple(str(value) for value in values.counts.index)
        return _row(name, "single_choice", values, levels=levels, reason=reason)
    values = _split(frame[name], OPEN_TEXT_NON_ANSWERS | non_answers, min_chars=2)
    return _row(name, "open_text", values, reason=_open_reason(values))


def _open_reason(values: _Values) -> str:
    n = int(values.counts.sum())
    if not n:
        return "every cell is blank or a non-answer, so nothing shows the kind (open text)"
    distinct = len(values.counts)
    length = float(values.answered.astype(str).str.len().mean())
    return (
        f"{distinct:,} distinct answers among {n:,} ({distinct / n:.0%}), "
        f"{length:.0f} characters on average: free text"
    )


def _split(values: pd.Series, non_answers: frozenset[str], *, min_chars: int = 1) -> _Values:
    status = answer_status(values, non_answers=non_answers, min_chars=min_chars)
    answered = values[status == "answered"].astype(str)
    counts = most_common_first(answered)
    return _Values(
        answered=answered,
        counts=counts,
        n_non_answer=int((status == "non_answer").sum()),
        n_blank=int((status == "blank").sum()),
    )


def _row(
    name: str,
    kind: str,
    values: _Values,
    *,
    order: tuple[str, ...] | None = None,
    levels: tuple[str, ...] | None = None,
    pii: bool = False,
    reason: str,
) -> dict:
    levels = order if order is not None else levels
    return {
        "column": name,
        "kind": kind,
        "order": order,
        "levels": levels,
        "n_levels": len(levels) if levels is not None else 0,
        "n_distinct": len(values.counts),
        "n_answered": int(values.counts.sum()),
        "n_non_answer": values.n_non_answer,
        "n_blank": values.n_blank,
        "pii": pii,
        "reason": reason,
    }


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())


def _names(survey: SurveyExport, name: str) -> tuple[str, ...]:
    """The column's name and its header label (legacy Qualtrics: "V6" is "IPAddress"), squashed."""
    label = survey.question_text(name)
    return tuple(dict.fromkeys((_squash(name), _squash(label))))


def _is_id_name(survey: SurveyExport, name: str) -> bool:
    return any(
        key in ID_NAMES or key.endswith(("respondentid", "responseid"))
        for key in _names(survey, name)
    )


def _looks_like_response_ids(values: _Values, n_rows: int) -> bool:
    return (
        len(values.counts) == n_rows
        and n_rows > 0
        and all(QUALTRICS_RESPONSE_ID.match(value) for value in values.counts.index)
    )


def _ids_usable(values: pd.Series) -> bool:
    text = values.astype(object)
    return (
        bool(text.notna().all())
        and bool(text.astype(str).str.strip().ne("").all())
        and (text.is_unique)
    )


def _find_id_column(survey: SurveyExport, overrides: Mapping[str, Override]) -> str | None:
    frame = survey.responses
    forced = [name for name, kind in overrides.items() if kind == "respondent_id"]
    if forced:
        return None  # the override names it
    for column in frame.columns:
        name = str(column)
        if name in overrides:
            continue
        if _is_id_name(survey, name) and _ids_usable(frame[column]):
            return name
    for column in frame.columns:
        name = str(column)
        if name in overrides:
            continue
        values = frame[column].astype(object)
        if (
            values.notna().all()
            and values.is_unique
            and all(QUALTRICS_RESPONSE_ID.match(str(value)) for value in values)
        ):
            return name
    return None


def _share(values: _Values, pattern: re.Pattern[str]) -> float:
    n = int(values.counts.sum())
    if not n:
        return 0.0
    matching = sum(count for value, count in values.counts.items() if pattern.match(value))
    return matching / n


def _all_positive_numbers(values: Iterable[str]) -> bool:
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    return bool(numbers.notna().all()) and bool((numbers > 0).all())


_CHOICE_SPLIT = {",": re.compile(r",(?![^()]*\))"), ";": re.compile(r";(?![^()]*\))")}


def _joined_choices(values: _Values) -> tuple[tuple[str, ...], str] | None:
    for separator, pattern in _CHOICE_SPLIT.items():
        token_counts: dict[str, int] = {}
        joined = 0
        for value, count in values.counts.items():
            tokens = [token.strip() for token in pattern.split(value) if token.strip()]
            joined += len(tokens) > 1
            for token in tokens:
                token_counts[token] = token_counts.get(token, 0) + count
            if len(token_counts) > _MAX_CHOICES:
                break  # free text, not a list of options
        if not joined:
            continue
        if (
            2 <= len(token_counts) <= _MAX_CHOICES
            and len(token_counts) < len(values.counts)
            and max(len(token) for token in token_counts) <= _MAX_CHOICE_LENGTH
        ):
            ordered = sorted(token_counts.items(), key=lambda item: (-item[1], item[0]))
            return tuple(token for token, _ in ordered), separator
    return None


def _is_single_choice(values: _Values) -> bool:
    n, distinct = int(values.counts.sum()), len(values.counts)
    if max(len(value) for value in values.counts.index) > _MAX_CHOICE_LENGTH:
        return False
    return (distinct <= 12 and n >= 2 * distinct) or (distinct <= 60 and n >= 5 * distinct)


# -- overrides and checks ------------------------------------------------------------------------
def _check_override_columns(
    survey: SurveyExport, overrides: Mapping[str, Override], id_column: str | None
) -> None:
    columns = [str(column) for column in survey.responses.columns]
    named = [(name, "override") for name in overrides]
    if id_column is not None:
        named.append((id_column, "id_column"))
    for name, what in named:
        if name not in columns:
            raise SurveyError(
                f"the {what} names a column {name!r} that the survey does not have"
                + did_you_mean(name, columns),
                path=survey.source,
                line=survey.header_rows,
                hint="use a column name exactly as read_survey gives it; the columns are: "
                + ", ".join(repr(column) for column in columns[:12])
                + (" …" if len(columns) > 12 else ""),
            )


def _apply_override(
    survey: SurveyExport, name: str, override: Override, non_answers: frozenset[str]
) -> dict:
    frame = survey.responses
    if isinstance(override, str):
        kind, order = override, None
    elif isinstance(override, Sequence) and len(override) == 2 and isinstance(override[0], str):
        kind, order = override[0], list(override[1])
    else:
        raise SurveyError(
            f"the override for column {name!r} is {override!r}, not a kind or (kind, order)",
            path=survey.source,
            hint="write overrides={'column': 'single_choice'} or "
            "{'column': ('likert', ['Disagree', 'Neutral', 'Agree'])}",
        )
    if kind not in KINDS:
        raise SurveyError(
            f"the override for column {name!r} names an unknown kind {kind!r}"
            + did_you_mean(kind, KINDS),
            path=survey.source,
            hint="kinds are: " + ", ".join(KINDS),
        )
    reason = "set by override"
    if kind == "respondent_id":
        _check_ids(survey, name)
    if kind == "open_text":
        values = _split(frame[name], OPEN_TEXT_NON_ANSWERS | non_answers, min_chars=2)
        return _row(name, kind, values, reason=reason)
    values = _split(frame[name], non_answers)
    if order is not None and kind != "likert":
        raise SurveyError(
            f"the override for column {name!r} gives an order, but only likert columns have one",
            path=survey.source,
            hint=f"write overrides={{{name!r}: {kind!r}}}",
        )
    if kind == "likert":
        if order is None:
            scale = scale_of_counts(values.counts, survey.question_text(name))
            if scale is None:
                raise SurveyError(
                    f"column {name!r} is set to likert, but its labels are not a known scale",
                    path=survey.source,
                    hint=f"give the order: overrides={{{name!r}: ('likert', [lowest, …, "
                    "highest])}",
                )
            return _row(name, kind, values, order=scale[0], reason=f"{reason} ({scale[1]})")
        return _row(
            name, kind, values, order=_check_order(survey, name, order, values), reason=reason
        )
    levels = None
    if kind in ("single_choice", "multi_choice"):
        levels = tuple(str(value) for value in values.counts.index)
    return _row(name, kind, values, levels=levels, reason=reason)


def _check_order(
    survey: SurveyExport, name: str, order: list[str], values: _Values
) -> tuple[str, ...]:
    """The user's order, spelt as in the data where it matches; every answer must be in it."""
    spelling: dict[str, str] = {}
    for value in values.counts.index:
        spelling.setdefault(normalise_answer(value), str(value))
    forms = [normalise_answer(level) for level in order]
    if not order or len(set(forms)) < len(forms):
        raise SurveyError(
            f"the likert order for column {name!r} is empty or names a level twice: {order!r}",
            path=survey.source,
            hint="list each level once, lowest first",
        )
    missing = [value for value in values.counts.index if normalise_answer(value) not in forms]
    if missing:
        value = missing[0]
        first = values.answered.index[values.answered == value][0]
        row = int(file_rows(survey).loc[first])
        raise SurveyError(
            f"row {row}, column {name!r}: the answer {value!r} is not in the likert order "
            f"given ({len(missing)} answer(s) missing: {', '.join(map(repr, missing[:5]))})",
            path=survey.source,
            line=row,
            hint=f"add {value!r} to the order, or list it as a non-answer",
        )
    return tuple(spelling.get(form, level) for form, level in zip(forms, order, strict=True))


def _check_ids(survey: SurveyExport, name: str) -> None:
    values = survey.responses[name].astype(object)
    rows = file_rows(survey)
    blank = values.isna() | values.astype(str).str.strip().eq("")
    if blank.any():
        row = int(rows[blank].iloc[0])
        raise SurveyError(
            f"row {row}, column {name!r}: the respondent id is blank",
            path=survey.source,
            line=row,
            hint="every response needs its own id; check the export or choose another column",
        )
    repeated = values.duplicated(keep=False)
    if repeated.any():
        first_value = values[repeated].iloc[0]
        where = rows[values == first_value].tolist()
        raise SurveyError(
            f"row {where[1]}, column {name!r}: the respondent id {first_value!r} repeats "
            f"(rows {', '.join(map(str, where[:5]))})",
            path=survey.source,
            line=where[1],
            hint="remove duplicate responses, or choose another id column",
        )


def _check_single_id(kinds: pd.DataFrame, survey: SurveyExport) -> None:
    ids = kinds.loc[kinds["kind"] == "respondent_id", "column"].tolist()
    if len(ids) > 1:
        raise SurveyError(
            f"more than one respondent id column: {', '.join(map(repr, ids))}",
            path=survey.source,
            hint="keep one as respondent_id and set the others to 'metadata'",
        )


def kinds_by_column(kinds: pd.DataFrame) -> dict[str, str]:
    """``{column: kind}`` from a :func:`detect_column_kinds` table.

    Examples
    --------
    >>> kinds_by_column(detect_column_kinds(pd.DataFrame({"ResponseId": ["R1", "R2"]})))
    {'ResponseId': 'respondent_id'}
    """
    return dict(zip(kinds["column"], kinds["kind"], strict=True))


def columns_of_kind(kinds: pd.DataFrame, kind: str) -> list[str]:
    """The columns of one kind, in the survey's order.

    Examples
    --------
    >>> frame = pd.DataFrame({"Q1": ["Agree", "Disagree"], "Q2": ["Agree", "Neutral"]})
    >>> columns_of_kind(detect_column_kinds(frame), "likert")
    ['Q1', 'Q2']
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}{did_you_mean(kind, KINDS)}")
    return kinds.loc[kinds["kind"] == kind, "column"].tolist()

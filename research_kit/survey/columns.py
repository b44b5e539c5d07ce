"""What kind of question each survey column holds, decided by stated rules and open to override.

A survey export is a table of text cells; analyses need to know which column identifies the
respondent, which hold free text to cluster, which are rating scales (in which order, which way
round), choices, options of a multi-select, rows of a grid, ranks, numbers, dates, weights,
coordinates, personal data or the survey tool's own metadata. :func:`detect_column_kinds`
decides each column by the first rule below that fits and says in a sentence why; ``overrides``
wins over all of them. Choice or free text is decided by repetition, never by label length.

1. ``respondent_id``: the ``id_column`` given, else the first column named like a respondent
   or response id ("Respondent ID", "ResponseId", Kobo ``_id`` …) or holding Qualtrics
   response ids (``R_…``) whose values are all present and unique; a repeat sheet's
   ``_submission__id`` (the respondent a row belongs to) may repeat.
2. ``personal_data`` by header: the tools' fields for IP addresses, e-mails, names and phones,
   and questions that ask for contact information, a name, a date of birth or a photo
   (:mod:`research_kit.survey.personal_columns`).
3. ``geolocation``: latitude/longitude or GPS fields, or answers that are coordinate pairs.
4. ``metadata``: the tools' columns by name (status, progress, duration, the response's dates,
   KoboToolbox system columns, Text iQ output …, :mod:`research_kit.survey.tool_columns`).
5. ``weight``: a name containing "weight" with every answer a positive number.
6. A column that shares a question with its neighbours (:mod:`research_kit.survey.column_groups`):
   ``multi_select`` (one mark per option), ``ranking`` (ranks 1..k, none twice per respondent),
   ``matrix_item`` (a grid row) or ``numeric`` (sliders), grouped under its ``question``.
7. ``date``: at least 95% of answers are dates or times.
8. ``personal_data`` by content: e-mail addresses, IP addresses, street addresses, phone
   numbers, photo files, people's names in a contact field.
9. ``likert``: every answer is a label of one known scale, or a numbered label, or a whole
   number 0–10 when the question states a scale; ``order`` lowest first, ``direction`` says
   whether the numbers in the labels rise with it.
10. ``single_choice`` for a Qualtrics question's small whole-number codes; ``numeric`` when at
    least 95% of answers are numbers (codes with leading zeros such as "01" are labels).
11. ``multi_select``: answers joined with "," or ";" from fewer options than combinations, or
    joined answers to a "select all that apply" question.
12. ``single_choice``: answers repeat — at most half as many distinct values as answers and
    nine in ten answers given more than once, or at most 12 values given twice each on average.
13. ``open_text``: everything else.

Non-answers ("n/a", "don't know" …, see :mod:`research_kit.survey.responses`) are counted
but never become a level of a scale or choice. Overrides and the id checks live in
:mod:`research_kit.survey.column_overrides`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from research_kit.errors import did_you_mean
from research_kit.survey.column_groups import GroupKind, group_kind, question_groups
from research_kit.survey.column_overrides import (
    Override,
    apply_override,
    check_ids,
    check_override_columns,
    check_single_id,
    current_kind,
)
from research_kit.survey.column_values import (
    KIND_COLUMNS,
    KINDS,
    ColumnValues,
    kind_row,
    split_answers,
)
from research_kit.survey.ingest import SurveyExport, as_survey_export
from research_kit.survey.personal_columns import geolocation_reason, personal_data_reason
from research_kit.survey.responses import NON_ANSWERS, OPEN_TEXT_NON_ANSWERS, normalise_answer
from research_kit.survey.scales import scale_direction, scale_of_counts, scale_order
from research_kit.survey.tool_columns import (
    CUSTOM_DATA,
    ID_NAMES,
    KOBO_SYSTEM,
    LINK_ID_NAMES,
    QUALTRICS_RESPONSE_ID,
    TEXT_IQ,
    TOOL_DATES,
    TOOL_METADATA,
)

__all__ = [
    "KINDS",  # re-exported: it lives in research_kit.survey.column_values
    "KIND_COLUMNS",  # re-exported: it lives in research_kit.survey.column_values
    "columns_of_kind",
    "detect_column_kinds",
    "kinds_by_column",
    "scale_order",  # re-exported: it lives in research_kit.survey.scales
]

# -- values --------------------------------------------------------------------------------------
_DATE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(\s+\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?)?"
    r"|\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[AaPp][Mm])?)\s*$"
)
_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d+)?|\d{1,3}(,\d{3})+(\.\d+)?|\.\d+)([eE][+-]?\d+)?\s*$")
_LEADING_ZERO = re.compile(r"^\s*0\d")
_QUALTRICS_QUESTION = re.compile(r"^QID\d+$", re.IGNORECASE)
_SELECT_ALL = re.compile(r"\b(all that apply|select all|check all|tick all|choose all)\b", re.I)
_SHARE = 0.95
_MAX_CHOICES = 40
# Largest whole number read as a Qualtrics choice code rather than a quantity.
_MAX_CHOICE_CODE = 20
# Repetition that marks a list of choices: distinct values per answer, answers repeated.
_CHOICE_DISTINCT_SHARE = 0.5
_CHOICE_REPEATED_SHARE = 0.9


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
        Qualtrics "V6" is "IPAddress"; a stated scale), import ids, SurveyMonkey option labels
        and file rows the rules then use.
    overrides : mapping, optional
        ``{column: kind}`` or ``{column: ("likert", [levels in order])}``; wins over detection.
        Kinds are those in :data:`KINDS` (``"multi_choice"``, the old name of
        ``"multi_select"``, still works for one release, with a DeprecationWarning).
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
        One row per column (:data:`KIND_COLUMNS`): ``column``, ``kind``, ``question`` (the
        question a multi-select option, matrix row or ranked item belongs to, else None),
        ``order`` (tuple of levels, lowest first, for likert and scaled matrix rows; else
        None), ``direction`` (``"ascending"``, or ``"descending"`` when the numbers in the
        labels fall as the scale rises; None without an order), ``levels`` (the scale order,
        or choices most common first), ``n_levels``, ``n_distinct``, ``n_answered``,
        ``n_non_answer``, ``n_blank``, ``pii`` (True for personal data and coordinates) and
        ``reason`` (why, in a sentence).

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
    >>> kinds.loc[2, ["order", "direction"]].tolist()
    [('Strongly disagree', 'Agree'), 'ascending']
    >>> detect_column_kinds(frame, overrides={"Ward": "open_text"}).loc[1, "kind"]
    'open_text'
    """
    survey = as_survey_export(frame)
    frame = survey.responses
    overrides = dict(overrides or {})
    non_answers = frozenset(normalise_answer(text) for text in non_answers)
    check_override_columns(survey, overrides, id_column)
    chosen_id = id_column or _find_id_column(survey, overrides)
    grouped = _group_kinds(survey, non_answers)
    rows = []
    for column in frame.columns:
        name = str(column)
        if name in overrides:
            rows.append(apply_override(survey, name, overrides[name], non_answers))
        elif name == chosen_id:
            rows.append(_id_row(survey, name, non_answers, given=id_column is not None))
        else:
            rows.append(_detect(survey, name, non_answers, chosen_id, grouped.get(name)))
    kinds = pd.DataFrame(rows, columns=list(KIND_COLUMNS))
    check_single_id(kinds, survey)
    return kinds


# -- detection -----------------------------------------------------------------------------------
def _id_row(survey: SurveyExport, name: str, non_answers: frozenset[str], *, given: bool) -> dict:
    values = split_answers(survey.responses[name], non_answers)
    if _squash(name) in LINK_ID_NAMES:
        reason = "the id of the submission each row belongs to (the link to the respondent)"
        return kind_row(name, "respondent_id", values, reason=reason)
    check_ids(survey, name)
    how = "named as the id column" if given else "named like an id"
    reason = f"{how}; all {values.counts.sum():,} values present and unique"
    return kind_row(name, "respondent_id", values, reason=reason)


def _detect(
    survey: SurveyExport,
    name: str,
    non_answers: frozenset[str],
    id_column: str | None,
    group: GroupKind | None,
) -> dict:
    """The first rule of the module docstring that fits one column."""
    frame = survey.responses
    names = _names(survey, name)
    values = split_answers(frame[name], non_answers)
    if _is_id_name(survey, name) or (
        id_column is not None and _looks_like_response_ids(values, len(frame))
    ):
        return kind_row(name, "metadata", values, reason=_other_id_reason(frame[name], id_column))
    headers = (name, survey.question_text(name))
    personal = personal_data_reason(headers)  # by the header: even an empty field counts
    if personal:
        return kind_row(name, "personal_data", values, reason=personal)
    located = geolocation_reason(headers, values.answered)
    if located:
        return kind_row(name, "geolocation", values, reason=located)
    tool = _tool_reason(name, names, values)
    if tool:
        return kind_row(name, "metadata", values, reason=tool)
    n = int(values.counts.sum())
    if "weight" in name.casefold() and n and _all_positive_numbers(values.counts.index):
        return kind_row(name, "weight", values, reason="named like a weight; every value > 0")
    if group is not None:
        return _group_row(name, group, values)
    if n == 0:
        values = split_answers(frame[name], OPEN_TEXT_NON_ANSWERS | non_answers, min_chars=2)
        return kind_row(name, "open_text", values, reason=_open_reason(values))
    share = _share(values, _DATE)
    if share >= _SHARE:
        return kind_row(name, "date", values, reason=f"{share:.0%} of answers are dates or times")
    personal = personal_data_reason(headers, values.answered)
    if personal:
        return kind_row(name, "personal_data", values, reason=personal)
    return _answer_row(survey, name, values, non_answers)


def _answer_row(
    survey: SurveyExport, name: str, values: ColumnValues, non_answers: frozenset[str]
) -> dict:
    """Rules 9-13: a scale, a coded or numeric answer, a multi-select, a choice, or free text."""
    scale = scale_of_counts(values.counts, survey.question_text(name))
    if scale is not None:
        order, scale_name = scale
        reason = f"every answer is a label of the {scale_name} scale"
        direction = scale_direction(order)
        if direction == "descending":
            reason += "; its numbers run from the top of the scale down (reverse-coded)"
        return kind_row(name, "likert", values, order=order, direction=direction, reason=reason)
    n = int(values.counts.sum())
    numbers = _share(values, _NUMBER)
    if numbers >= _SHARE and _is_qualtrics_choice(survey, name, values):
        reason = "a Qualtrics choice question's codes (small whole numbers)"
        return kind_row(name, "single_choice", values, levels=_levels(values), reason=reason)
    coded = any(_LEADING_ZERO.match(value) for value in values.counts.index)
    if numbers >= _SHARE and not coded:
        return kind_row(name, "numeric", values, reason=f"{numbers:.0%} of answers are numbers")
    choices = _joined_choices(values, survey.question_text(name))
    if choices is not None:
        options, separator = choices
        reason = (
            f"answers join {len(options)} options with {separator!r} "
            f"({len(values.counts)} distinct combinations)"
        )
        return kind_row(name, "multi_select", values, levels=options, reason=reason)
    if _is_single_choice(values):
        distinct = len(values.counts)
        reason = f"{distinct} distinct answers, each given {n / distinct:.1f} times on average"
        return kind_row(name, "single_choice", values, levels=_levels(values), reason=reason)
    values = split_answers(survey.responses[name], OPEN_TEXT_NON_ANSWERS | non_answers, min_chars=2)
    return kind_row(name, "open_text", values, reason=_open_reason(values))


def _group_kinds(survey: SurveyExport, non_answers: frozenset[str]) -> dict[str, GroupKind]:
    """The kinds of the columns that share a question with their neighbours."""
    members: dict[str, list[str]] = {}
    for column, question in question_groups(survey).items():
        members.setdefault(question, []).append(column)
    grouped = [column for columns in members.values() for column in columns]
    answered = survey.responses[grouped].apply(lambda cells: _answered_only(cells, non_answers))
    kinds: dict[str, GroupKind] = {}
    for question, columns in members.items():
        kinds.update(group_kind(answered, columns, question))
    return kinds


def _answered_only(cells: pd.Series, non_answers: frozenset[str]) -> pd.Series:
    values = split_answers(cells, non_answers)
    return values.answered.reindex(cells.index)


def _group_row(name: str, group: GroupKind, values: ColumnValues) -> dict:
    order = direction = None
    reason = group.reason
    if group.kind == "matrix_item":
        scale = scale_of_counts(values.counts)
        if scale is not None:
            order, direction = scale[0], scale_direction(scale[0])
            reason += f"; labels of the {scale[1]} scale"
    levels = _levels(values) if group.kind in ("matrix_item", "multi_select") else None
    return kind_row(
        name,
        group.kind,
        values,
        question=group.question,
        order=order,
        direction=direction,
        levels=levels,
        reason=reason,
    )


def _tool_reason(name: str, names: tuple[str, ...], values: ColumnValues) -> str | None:
    """Why a column is the survey tool's metadata, or None."""
    if TEXT_IQ.search(name):
        return "Qualtrics Text iQ output derived from an open answer, not an answer"
    if any(key in TOOL_DATES for key in names) and (
        not len(values.counts) or _share(values, _DATE) >= _SHARE
    ):
        return "the survey tool's date or time of the response (metadata, not an answer)"
    if any(key in TOOL_METADATA or CUSTOM_DATA.match(key) for key in names):
        return "survey tool column (by its name)"
    if KOBO_SYSTEM.match(name) or (name.startswith("__") and name.endswith("__")):
        return "a system column the export tool adds (leading '_' or '$'), not an answer"
    return None


def _other_id_reason(cells: pd.Series, id_column: str | None) -> str:
    if not _ids_usable(cells):
        return "named like an id, but its values are blank or repeat"
    chosen = repr(id_column) if id_column else "the column set by override"
    return f"an id, but {chosen} is the respondent id"


def _is_qualtrics_choice(survey: SurveyExport, name: str, values: ColumnValues) -> bool:
    """Whole-number codes of a Qualtrics choice question: under a question import id
    (``QID1``, not ``QID1_TEXT``), or, in an export without import ids (legacy), under a
    question text of its own."""
    import_id = survey.questions.set_index("column")["import_id"].get(name)
    if isinstance(import_id, str):
        if not _QUALTRICS_QUESTION.match(import_id):
            return False
    elif not (survey.export_format.startswith("qualtrics") and survey.question_text(name) != name):
        return False
    numbers = pd.to_numeric(pd.Series(list(values.counts.index)), errors="coerce")
    whole = bool(numbers.notna().all()) and bool((numbers == numbers.round()).all())
    return whole and (numbers.max() <= _MAX_CHOICE_CODE or _repeats(values))


def _levels(values: ColumnValues) -> tuple[str, ...]:
    return tuple(str(value) for value in values.counts.index)


def _open_reason(values: ColumnValues) -> str:
    n = int(values.counts.sum())
    if not n:
        return "every cell is blank or a non-answer, so nothing shows the kind (open text)"
    distinct = len(values.counts)
    return (
        f"{distinct:,} distinct answers among {n:,} ({distinct / n:.0%}): answers hardly "
        "repeat, so free text"
    )


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


def _looks_like_response_ids(values: ColumnValues, n_rows: int) -> bool:
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
    free = [str(column) for column in frame.columns if str(column) not in overrides]
    for name in free:
        if _is_id_name(survey, name) and _ids_usable(frame[name]):
            return name
    for name in free:
        values = frame[name].astype(object)
        if (
            values.notna().all()
            and values.is_unique
            and all(QUALTRICS_RESPONSE_ID.match(str(value)) for value in values)
        ):
            return name
    for name in free:  # a repeat sheet: rows link to their submission
        if _squash(name) in LINK_ID_NAMES and frame[name].notna().all():
            return name
    return None


def _share(values: ColumnValues, pattern: re.Pattern[str]) -> float:
    n = int(values.counts.sum())
    if not n:
        return 0.0
    matches = values.counts.index.astype(str).str.match(pattern)
    return int(values.counts[matches].sum()) / n


def _all_positive_numbers(values: Iterable[str]) -> bool:
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    return bool(numbers.notna().all()) and bool((numbers > 0).all())


_CHOICE_SPLIT = {",": re.compile(r",(?![^()]*\))"), ";": re.compile(r";(?![^()]*\))")}


def _joined_choices(values: ColumnValues, question: str) -> tuple[tuple[str, ...], str] | None:
    """Options joined in one cell: fewer options than combinations, or a "select all" cue."""
    asks_for_all = bool(_SELECT_ALL.search(question))
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
        if not joined or not 2 <= len(token_counts) <= _MAX_CHOICES:
            continue
        repeated = sum(count > 1 for count in token_counts.values()) >= len(token_counts) / 2
        if len(token_counts) < len(values.counts) or (asks_for_all and repeated):
            ordered = sorted(token_counts.items(), key=lambda item: (-item[1], item[0]))
            return tuple(token for token, _ in ordered), separator
    return None


def _repeats(values: ColumnValues) -> bool:
    """A list of choices repeats: few distinct values, nearly every answer given again."""
    n, distinct = int(values.counts.sum()), len(values.counts)
    repeated = int(values.counts[values.counts > 1].sum())
    return distinct <= _CHOICE_DISTINCT_SHARE * n and repeated >= _CHOICE_REPEATED_SHARE * n


def _is_single_choice(values: ColumnValues) -> bool:
    n, distinct = int(values.counts.sum()), len(values.counts)
    return _repeats(values) or (distinct <= 12 and n >= 2 * distinct)


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
    kind = current_kind(kind)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}{did_you_mean(kind, KINDS)}")
    return kinds.loc[kinds["kind"] == kind, "column"].tolist()

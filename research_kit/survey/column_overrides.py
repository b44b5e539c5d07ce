"""Overrides of detected column kinds, and the checks on respondent ids and Likert orders.

:func:`~research_kit.survey.columns.detect_column_kinds` lets the caller set a column's kind
(``{column: kind}``, or ``{column: ("likert", [levels, lowest first])}``); this module checks
and applies such overrides, and checks that a respondent id column has one present, unique id
per response. Errors name the file, the row and the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from research_kit.deprecation import deprecated_call
from research_kit.errors import SurveyError, did_you_mean
from research_kit.survey.column_values import KINDS, ColumnValues, kind_row, split_answers
from research_kit.survey.ingest import SurveyExport, file_rows
from research_kit.survey.responses import OPEN_TEXT_NON_ANSWERS, normalise_answer
from research_kit.survey.scales import scale_of_counts

__all__ = [
    "OLD_KIND_NAMES",
    "Override",
    "apply_override",
    "check_ids",
    "check_override_columns",
    "check_single_id",
    "current_kind",
]

Override = str | tuple[str, Sequence[str]]

#: Kind names of the previous release, still accepted (with a DeprecationWarning) until the
#: next one.
OLD_KIND_NAMES = {"multi_choice": "multi_select"}


def current_kind(kind: str) -> str:
    """The kind as this release names it (an old name warns and is translated).

    Examples
    --------
    >>> current_kind("likert")
    'likert'
    """
    if kind in OLD_KIND_NAMES:
        deprecated_call(f"the kind {kind!r}", repr(OLD_KIND_NAMES[kind]), stacklevel=4)
        return OLD_KIND_NAMES[kind]
    return kind


def check_override_columns(
    survey: SurveyExport, overrides: Mapping[str, Override], id_column: str | None
) -> None:
    """Refuse overrides (or an ``id_column``) that name a column the survey does not have."""
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


def apply_override(
    survey: SurveyExport, name: str, override: Override, non_answers: frozenset[str]
) -> dict:
    """The kind-table row of a column whose kind the caller set.

    Examples
    --------
    >>> from research_kit.survey.ingest import as_survey_export
    >>> survey = as_survey_export(pd.DataFrame({"Q": ["low", "high"]}))
    >>> apply_override(survey, "Q", ("likert", ["low", "high"]), frozenset())["order"]
    ('low', 'high')
    """
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
    kind = current_kind(kind)
    if kind not in KINDS:
        raise SurveyError(
            f"the override for column {name!r} names an unknown kind {kind!r}"
            + did_you_mean(kind, KINDS),
            path=survey.source,
            hint="kinds are: " + ", ".join(KINDS),
        )
    reason = "set by override"
    if kind == "respondent_id":
        check_ids(survey, name)
    if kind == "open_text":
        values = split_answers(frame[name], OPEN_TEXT_NON_ANSWERS | non_answers, min_chars=2)
        return kind_row(name, kind, values, reason=reason)
    values = split_answers(frame[name], non_answers)
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
            return kind_row(
                name,
                kind,
                values,
                order=scale[0],
                direction="ascending",
                reason=f"{reason} ({scale[1]})",
            )
        order = _check_order(survey, name, order, values)
        return kind_row(name, kind, values, order=order, direction="ascending", reason=reason)
    levels = None
    if kind in ("single_choice", "multi_select"):
        levels = tuple(str(value) for value in values.counts.index)
    return kind_row(name, kind, values, levels=levels, reason=reason)


def _check_order(
    survey: SurveyExport, name: str, order: list[str], values: ColumnValues
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


def check_ids(survey: SurveyExport, name: str) -> None:
    """Refuse a respondent id column with a blank or repeated id, naming its file row."""
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


def check_single_id(kinds: pd.DataFrame, survey: SurveyExport) -> None:
    """Refuse a kind table with more than one respondent id column."""
    ids = kinds.loc[kinds["kind"] == "respondent_id", "column"].tolist()
    if len(ids) > 1:
        raise SurveyError(
            f"more than one respondent id column: {', '.join(map(repr, ids))}",
            path=survey.source,
            hint="keep one as respondent_id and set the others to 'metadata'",
        )

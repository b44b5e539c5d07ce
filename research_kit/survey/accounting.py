"""Response accounting: how many people started, completed or broke off a survey, and AAPOR
response rates when the number invited is known.

Survey tools record what happened to each response. Qualtrics writes ``Finished`` (1 when the
respondent reached the end), ``Progress`` (the percentage of the survey seen), ``Status``
(normal, preview, test, spam …), ``DistributionChannel`` (``preview``/``test`` for the
researchers' own runs) and, when the survey screens people out, ``Q_TerminateFlag``
(``Screened``/``QuotaMet``). SurveyMonkey writes a Start and an End Date.
:func:`response_accounting` turns those into one disposition per response and counts them,
following the *Standard Definitions* of the American Association for Public Opinion
Research (AAPOR, 2023):

* **complete** (AAPOR I): ``Finished`` is 1/true (Qualtrics); the End Date is filled
  (SurveyMonkey, whose CSV has no other completion flag);
* **partial** (AAPOR P): not finished, but ``Progress`` (or, without it, the share of
  question columns answered) reaches ``partial_at`` (AAPOR's own example threshold, 50%);
* **break-off**: not finished and below ``partial_at``; AAPOR counts break-offs as refusals (R);
* **screened out**: ended by a screener or a full quota; known not to be eligible, so taken
  out of the rates' denominator;
* **preview**, **test**, **spam**: not responses at all; counted, then left out of everything.

With ``invited`` (study.yml's ``invited:`` for the survey), the response rates are AAPOR's
RR1 = I / (invited − screened out) and RR2 = (I + P) / (invited − screened out): every invited
person not known to be ineligible stays in the denominator, whether they refused, were never
reached or their eligibility is unknown (AAPOR's conservative e = 1). The cooperation rate is
not given: it needs the number of people contacted who refused before starting, which no
export holds (the break-offs are only part of the refusals).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import SurveyError
from research_kit.survey.ingest import SurveyExport, as_survey_export, read_survey_export
from research_kit.survey.tool_columns import (
    CUSTOM_DATA,
    ID_NAMES,
    PII_METADATA,
    TOOL_METADATA,
)

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["ACCOUNTING_COLUMNS", "DISPOSITIONS", "response_accounting", "response_dispositions"]

#: The columns of :func:`response_accounting`'s table.
ACCOUNTING_COLUMNS = ("figure", "value", "definition")
#: The dispositions a response can have, in the order the table lists them.
DISPOSITIONS = ("complete", "partial", "break_off", "screened_out", "preview", "test", "spam")

_NOT_RESPONSES = ("preview", "test", "spam")
# Qualtrics' Status: numeric codes in numeric exports, labels in choice-text exports.
_STATUS = {
    "1": "preview",
    "2": "test",
    "8": "spam",
    "9": "spam",  # spam caught in a preview
    "surveypreview": "preview",
    "surveytest": "test",
    "spam": "spam",
    "previewspam": "spam",
}
_CHANNEL = {"preview": "preview", "test": "test"}
_SCREENED = {"screened", "quotamet"}
_TRUE = {"1", "true", "yes", "t"}
_TOOL_DATES = {"startdate", "enddate", "recordeddate", "submitdate"}
_LEGACY_FIELD = re.compile(r"^V\d+$")

_DEFINITIONS = {
    "invited": "people invited to take the survey (study.yml 'invited:')",
    "started": "responses in the export, less previews, tests and spam",
    "complete": "AAPOR I: Finished = 1 (Qualtrics), or an End Date (SurveyMonkey)",
    "partial": "AAPOR P: not finished, progress at least {partial_at:g}%",
    "break_off": "not finished, progress under {partial_at:g}%; AAPOR counts them as refusals",
    "screened_out": "ended by a screener or full quota (Q_TerminateFlag): not eligible",
    "preview": "the researchers' previews (Status or DistributionChannel); not responses",
    "test": "test responses (Status or DistributionChannel); not responses",
    "spam": "flagged as spam by Qualtrics (Status); not responses",
    "RR1": "AAPOR RR1 = I / (invited - screened out)",
    "RR2": "AAPOR RR2 = (I + P) / (invited - screened out)",
}


def response_accounting(
    data: Study | SurveyExport | pd.DataFrame,
    *,
    survey_id: str | None = None,
    invited: int | None = None,
    partial_at: float = 50.0,
) -> pd.DataFrame:
    """Count the dispositions of a survey's responses, and its AAPOR response rates.

    Parameters
    ----------
    data : Study, SurveyExport or pandas.DataFrame
        A study (its survey ``survey_id`` is read, and its ``invited:`` used), an export as
        :func:`~research_kit.survey.ingest.read_survey_export` returns it, or bare responses.
    survey_id : str, optional
        The study's survey; its only one when None.
    invited : int, optional
        The number of people invited; study.yml's ``invited:`` when ``data`` is a study.
        Without it the table has counts only.
    partial_at : float
        The progress (percent) from which an unfinished response is a partial rather than a
        break-off.

    Returns
    -------
    pandas.DataFrame
        ``figure`` (``invited``, ``started``, then each of :data:`DISPOSITIONS`, then ``RR1``
        and ``RR2`` when ``invited`` is known), ``value`` (a count, or a rate between 0 and
        1) and ``definition`` (what was counted, and from which column).

    Raises
    ------
    SurveyError
        If the export has no disposition columns (``Finished`` or an End Date), or more
        responses started than people were invited.

    Examples
    --------
    >>> responses = pd.DataFrame({
    ...     "ResponseId": ["R_1", "R_2", "R_3", "R_4"],
    ...     "Finished": ["1", "0", "0", "1"],
    ...     "Progress": ["100", "60", "10", "100"],
    ...     "DistributionChannel": ["anonymous", "anonymous", "anonymous", "preview"],
    ... })
    >>> table = response_accounting(responses, invited=10)
    >>> table.set_index("figure")["value"].loc[["started", "complete", "partial", "RR2"]]
    figure
    started     3.0
    complete    1.0
    partial     1.0
    RR2         0.2
    Name: value, dtype: float64
    """
    if not 0 < partial_at <= 100:
        raise ValueError(f"partial_at={partial_at!r} is not a percentage above 0 (e.g. 50)")
    if hasattr(data, "survey_source"):
        source = data.survey_source(survey_id)
        export = read_survey_export(source.path)
        invited = source.invited if invited is None else invited
    else:
        export = as_survey_export(data)
    dispositions = response_dispositions(export, partial_at=partial_at)
    counts = dispositions.value_counts()
    figures = {disposition: int(counts.get(disposition, 0)) for disposition in DISPOSITIONS}
    started = int(len(dispositions) - sum(figures[name] for name in _NOT_RESPONSES))
    rows = [("started", started), *figures.items()]
    if invited is not None:
        _check_invited(invited, started, export)
        eligible = invited - figures["screened_out"]
        rows = [("invited", invited), *rows]
        rows += [
            ("RR1", _rate(figures["complete"], eligible)),
            ("RR2", _rate(figures["complete"] + figures["partial"], eligible)),
        ]
    return pd.DataFrame(
        [
            (figure, float(value), _DEFINITIONS[figure].format(partial_at=partial_at))
            for figure, value in rows
        ],
        columns=list(ACCOUNTING_COLUMNS),
    )


def response_dispositions(
    data: SurveyExport | pd.DataFrame, *, partial_at: float = 50.0
) -> pd.Series:
    """The disposition of each response (one of :data:`DISPOSITIONS`), on the responses' index.

    Parameters
    ----------
    data : SurveyExport or pandas.DataFrame
        The export, or bare responses.
    partial_at : float
        As for :func:`response_accounting`.

    Returns
    -------
    pandas.Series
        Named ``disposition``.

    Examples
    --------
    >>> responses = pd.DataFrame({"Finished": ["1", "0"], "Progress": ["100", "20"]})
    >>> response_dispositions(responses).tolist()
    ['complete', 'break_off']
    """
    export = as_survey_export(data)
    frame = export.responses
    finished = _finished(export)
    progress = _progress(export)
    result = pd.Series("break_off", index=frame.index, name="disposition", dtype=object)
    result[progress >= partial_at] = "partial"
    result[finished] = "complete"
    flag = _column(export, "qterminateflag")
    if flag is not None:
        result[frame[flag].map(_squash).isin(_SCREENED)] = "screened_out"
    for key, codes in (("distributionchannel", _CHANNEL), ("status", _STATUS)):
        column = _column(export, key)
        if column is not None:
            marked = frame[column].map(_squash).map(codes)
            result[marked.notna()] = marked[marked.notna()]
    return result


def _finished(export: SurveyExport) -> pd.Series:
    frame = export.responses
    column = _column(export, "finished")
    if column is not None:
        return frame[column].map(_squash).isin(_TRUE)
    if export.export_format == "surveymonkey":
        end = next((c for c in frame.columns if _squash(c) == "enddate"), None)
        if end is not None:
            return frame[end].notna()
    raise SurveyError(
        "carries no disposition of its responses (no 'Finished' column, and no SurveyMonkey "
        "End Date)",
        path=export.source,
        line=1,
        hint="export the survey with its metadata columns (Qualtrics: Finished and Progress; "
        "SurveyMonkey: the dates), or count completes yourself",
    )


def _progress(export: SurveyExport) -> pd.Series:
    """Qualtrics' Progress (percent), else the percentage of question columns answered."""
    frame = export.responses
    column = _column(export, "progress")
    if column is not None:
        return pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
    questions = [name for name in frame.columns if not _is_tool_column(export, name)]
    if not questions:
        return pd.Series(0.0, index=frame.index)
    return frame[questions].notna().mean(axis=1) * 100


def _column(export: SurveyExport, key: str) -> str | None:
    """The Qualtrics field ``key`` (squashed): the column with that export tag, else the
    legacy field (``V1``…``V10``) whose row-2 label it is ("Finished", "Status").

    Question text is not searched otherwise: a question may well be worded "Progress".
    """
    rows = list(export.questions.itertuples(index=False))
    for row in rows:  # no export tag in a SurveyMonkey export: its names are question text
        if _squash(row.export_tag) == key:
            return row.column
    for row in rows:
        if _LEGACY_FIELD.match(str(row.column)) and _squash(row.question) == key:
            return row.column
    return None


def _is_tool_column(export: SurveyExport, name: str) -> bool:
    texts = export.questions.set_index("column")
    labels = {_squash(name), _squash(str(texts.loc[name, "question"]))}
    tool = TOOL_METADATA | ID_NAMES | set(PII_METADATA) | _TOOL_DATES
    return bool(labels & tool) or any(CUSTOM_DATA.match(label) for label in labels)


def _rate(count: int, eligible: int) -> float:
    return count / eligible if eligible > 0 else float("nan")  # everyone invited screened out


def _squash(text: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).casefold()) if isinstance(text, str) else ""


def _check_invited(invited: int, started: int, export: SurveyExport) -> None:
    if started > invited:
        raise SurveyError(
            f"has {started} responses, more than the {invited} people invited",
            path=export.source,
            hint="check 'invited:' for this survey in study.yml (the number of people the "
            "invitation went to)",
        )

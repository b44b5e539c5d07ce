"""Open-ended answers as a tidy table, with non-answers kept, counted and easy to leave out.

People answer open questions with "n/a", "none", "-", "don't know" or "no comment", or leave
them blank. Those are not themes: clustering should not see them, but a report should say how
many there were. :func:`open_answers` gives one row per respondent and question with a
``status`` of ``"answered"``, ``"non_answer"`` or ``"blank"`` so that
``answers[answers.status == "answered"]`` is what a clusterer gets, and :func:`answer_counts`
counts the three. What counts as a non-answer is a set of normalised strings
(:data:`NON_ANSWERS`, :data:`OPEN_TEXT_NON_ANSWERS`) that a study can extend.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from research_kit.errors import SurveyError, did_you_mean
from research_kit.survey.ingest import SurveyExport, as_survey_export, file_rows
from research_kit.survey.personal_columns import personal_data_reason

ANSWER_STATUSES = ("answered", "non_answer", "blank")

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "`": "'", "“": '"', "”": '"', "„": '"'})
_EDGE_PUNCTUATION = string.punctuation + "…¿¡«»·•–—"  # what people type


def normalise_answer(text: object) -> str:
    """The form non-answers are compared in: case-folded, straight quotes, single spaces,
    without punctuation at either end (unless the answer is nothing but punctuation).

    Examples
    --------
    >>> normalise_answer("  Don’t   KNOW. "), normalise_answer("N/A"), normalise_answer("--")
    ("don't know", 'n/a', '--')
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    text = " ".join(text.casefold().split())
    stripped = text.strip(_EDGE_PUNCTUATION).strip()
    return stripped or text


_NON_ANSWER_TEXTS = (
    # English
    "n/a", "na", "n.a", "n a", "none", "nil", "null", "-", "--", "---", ".", "..", "...", "?",
    "??", "don't know", "dont know", "do not know", "i don't know", "i dont know",
    "i do not know", "idk", "not sure", "unsure", "no idea", "no opinion", "no comment",
    "no comments", "not applicable", "nothing", "nothing to add", "nothing to say",
    "no answer", "no response", "prefer not to answer", "prefer not to say", "rather not say",
    "refused", "skipped",
    # Spanish
    "no sé", "no se", "no lo sé", "no lo se", "no sabe", "ns/nc", "ninguno", "ninguna", "nada",
    "no aplica", "sin comentarios",
    # Vietnamese
    "không biết", "không có", "không có ý kiến", "không áp dụng",
)  # fmt: skip

#: Non-answers for any question (closed ones too): "n/a", "don't know", "-", "no comment" …,
#: normalised with :func:`normalise_answer`. Blank cells are non-answers as well.
NON_ANSWERS: frozenset[str] = frozenset(normalise_answer(text) for text in _NON_ANSWER_TEXTS)

#: For open questions also "no", "nope", "pass", "not really": replies that carry no theme, but
#: that are real answers to a closed question ("No", an inspection that "Pass"ed), so they are
#: not in :data:`NON_ANSWERS`.
OPEN_TEXT_NON_ANSWERS: frozenset[str] = NON_ANSWERS | frozenset(
    normalise_answer(text) for text in ("no", "nope", "no thanks", "not really", "pass", "không")
)


def answer_status(
    values: Iterable[object],
    *,
    non_answers: Iterable[str] = NON_ANSWERS,
    min_chars: int = 1,
) -> np.ndarray:
    """Classify each answer as ``"answered"``, ``"non_answer"`` or ``"blank"``.

    Parameters
    ----------
    values : iterable
        Cells of one question (str, or NA/None for missing).
    non_answers : iterable of str
        Texts that are non-answers; compared after :func:`normalise_answer` on both sides.
    min_chars : int
        An answer with fewer letters or digits than this is a non-answer ("x", "0").

    Returns
    -------
    numpy.ndarray
        One of :data:`ANSWER_STATUSES` per value (dtype object).

    Examples
    --------
    >>> answer_status(["Faster reviews", "N/A", "   ", None, "—"]).tolist()
    ['answered', 'non_answer', 'blank', 'blank', 'non_answer']
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype=object)
    skip = frozenset(normalise_answer(text) for text in non_answers)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    status_of_unique = np.array(
        [_status(value, skip, min_chars) for value in uniques], dtype=object
    )
    status = np.full(len(series), "blank", dtype=object)
    known = codes >= 0
    status[known] = status_of_unique[codes[known]]
    return status


def _status(value: object, non_answers: frozenset[str], min_chars: int) -> str:
    text = str(value)
    if not text.strip():
        return "blank"
    if normalise_answer(text) in non_answers:
        return "non_answer"
    if not _has_letters_or_digits(text, min_chars):
        return "non_answer"
    return "answered"


def _has_letters_or_digits(text: str, wanted: int) -> bool:
    found = 0
    for char in text:
        if found >= wanted:
            break
        found += char.isalnum()
    return found >= wanted


def is_non_answer(
    values: Iterable[object],
    *,
    non_answers: Iterable[str] = NON_ANSWERS,
    min_chars: int = 1,
) -> np.ndarray:
    """True where an answer is blank or a non-answer ("n/a", "don't know", "-", …).

    Parameters
    ----------
    values : iterable
        Cells of one question.
    non_answers : iterable of str
        Texts that are non-answers (see :func:`answer_status`).
    min_chars : int
        Answers with fewer letters or digits are non-answers.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> is_non_answer(["No comment!", "Longer hours", None, "No sé"]).tolist()
    [True, False, True, True]
    """
    return answer_status(values, non_answers=non_answers, min_chars=min_chars) != "answered"


def open_answers(
    frame: pd.DataFrame | SurveyExport,
    question: str | Sequence[str],
    *,
    id_column: str | None = "respondent_id",
    non_answers: Iterable[str] = OPEN_TEXT_NON_ANSWERS,
    min_chars: int = 2,
    allow_personal_data: bool = False,
) -> pd.DataFrame:
    """The answers to open question(s) as a tidy table, non-answers and blanks kept and marked.

    A column that holds personal data (by its header: contact information, names, e-mails,
    a date of birth; or by its answers: e-mail, IP or street addresses, phone numbers, photo
    files; see :mod:`research_kit.survey.personal_columns`) is refused unless
    ``allow_personal_data=True``: its answers are not themes to cluster or quote.

    Parameters
    ----------
    frame : pandas.DataFrame or SurveyExport
        Responses, one row per respondent (from :func:`~research_kit.survey.read_survey` or
        ``Study.survey()``), or a :class:`~research_kit.survey.ingest.SurveyExport` (then
        question texts name columns, and file rows and the file are those of the export).
    question : str or sequence of str
        The question column(s). With a ``SurveyExport``, a question text (Qualtrics' row 2)
        also names its column.
    id_column : str or None
        The respondent id column; None numbers respondents by their file row.
    non_answers : iterable of str
        Texts that are non-answers (default :data:`OPEN_TEXT_NON_ANSWERS`).
    min_chars : int
        Answers with fewer letters or digits are non-answers.
    allow_personal_data : bool
        Give the answers of personal-data columns too (the caller takes care of them).

    Returns
    -------
    pandas.DataFrame
        ``respondent_id, question, text, status``: one row per respondent and question, in the
        frame's order; ``text`` is the cell as read ("" when blank); ``status`` is one of
        :data:`ANSWER_STATUSES`. Filter ``status == "answered"`` for clustering.

    Raises
    ------
    SurveyError
        If a question or the id column is not in the frame (naming the file and the closest
        column), or a question holds personal data and ``allow_personal_data`` is False.

    Examples
    --------
    >>> frame = pd.DataFrame({"respondent_id": ["R1", "R2", "R3"],
    ...                       "Q1": ["Faster plan review", "n/a", None]})
    >>> open_answers(frame, "Q1")
      respondent_id question                text      status
    0            R1       Q1  Faster plan review    answered
    1            R2       Q1                 n/a  non_answer
    2            R3       Q1                           blank
    """
    survey = as_survey_export(frame)
    frame = survey.responses
    questions = [question] if isinstance(question, str) else list(question)
    columns = [_resolve_question(survey, name) for name in questions]
    ids = _respondent_ids(survey, id_column)
    parts = []
    for column in columns:
        status = answer_status(frame[column], non_answers=non_answers, min_chars=min_chars)
        if not allow_personal_data:
            _refuse_personal_data(survey, column, frame[column][status == "answered"])
        text = frame[column].astype(object).where(status != "blank", "").astype(str)
        parts.append(
            pd.DataFrame(
                {
                    "respondent_id": ids,
                    "question": column,
                    "text": text.to_numpy(),
                    "status": status,
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty_answers()


def _refuse_personal_data(survey: SurveyExport, column: str, answered: pd.Series) -> None:
    headers = (column, survey.question_text(column))
    reason = personal_data_reason(headers, answered.astype(str))
    if reason:
        raise SurveyError(
            f"column {column!r} is personal data ({reason}); its answers are not given out "
            "as open answers",
            path=survey.source,
            hint="leave the column out of open_ended, or pass allow_personal_data=True when "
            "you mean to work with it (it is then yours to protect)",
        )


def answer_counts(
    frame: pd.DataFrame | SurveyExport,
    questions: str | Sequence[str],
    *,
    non_answers: Iterable[str] = OPEN_TEXT_NON_ANSWERS,
    min_chars: int = 2,
) -> pd.DataFrame:
    """How many answered, gave a non-answer or left each question blank.

    Parameters
    ----------
    frame : pandas.DataFrame or SurveyExport
        Responses, as for :func:`open_answers`.
    questions : str or sequence of str
        Question column(s) (or, with a ``SurveyExport``, question texts).
    non_answers, min_chars
        As in :func:`open_answers` (open-question defaults; pass ``NON_ANSWERS`` and
        ``min_chars=1`` for closed questions, where "No" is an answer).

    Returns
    -------
    pandas.DataFrame
        ``question, answered, non_answer, blank, total``, one row per question.

    Examples
    --------
    >>> frame = pd.DataFrame({"Q1": ["Faster", "idk", None, "-"], "Q2": ["a b", "c d", "e", ""]})
    >>> answer_counts(frame, ["Q1", "Q2"])
      question  answered  non_answer  blank  total
    0       Q1         1           2      1      4
    1       Q2         2           1      1      4
    """
    survey = as_survey_export(frame)
    frame = survey.responses
    names = [questions] if isinstance(questions, str) else list(questions)
    rows = []
    for name in names:
        column = _resolve_question(survey, name)
        status = answer_status(frame[column], non_answers=non_answers, min_chars=min_chars)
        counts = {kind: int((status == kind).sum()) for kind in ANSWER_STATUSES}
        rows.append({"question": column, **counts, "total": len(status)})
    return pd.DataFrame(rows, columns=["question", *ANSWER_STATUSES, "total"])


def _resolve_question(survey: SurveyExport, name: str) -> str:
    frame = survey.responses
    if name in frame.columns:
        return name
    texts = survey.questions
    matches = [
        column
        for column, text in zip(texts["column"], texts["question"], strict=True)
        if text == name and column in frame
    ]
    if len(matches) == 1:
        return matches[0]
    raise _missing_column(survey, name, "question")


def _respondent_ids(survey: SurveyExport, id_column: str | None) -> np.ndarray:
    if id_column is None:
        return file_rows(survey).to_numpy()
    if id_column not in survey.responses.columns:
        raise _missing_column(survey, id_column, "respondent id")
    return survey.responses[id_column].to_numpy(dtype=object)


def _missing_column(survey: SurveyExport, name: str, role: str) -> SurveyError:
    columns = [str(column) for column in survey.responses.columns]
    folded = [column for column in columns if _fold(column) == _fold(name)]
    suggestion = f" (did you mean {folded[0]!r}?)" if folded else did_you_mean(name, columns)
    return SurveyError(
        f"has no {role} column {name!r}{suggestion}",
        path=survey.source,
        line=survey.header_rows,
        hint="name a column of the export; its columns are: "
        + ", ".join(repr(column) for column in columns[:12])
        + (" …" if len(columns) > 12 else ""),
    )


def _fold(name: str) -> str:
    return "".join(char for char in name.casefold() if char.isalnum())


def _empty_answers() -> pd.DataFrame:
    return pd.DataFrame(columns=["respondent_id", "question", "text", "status"])

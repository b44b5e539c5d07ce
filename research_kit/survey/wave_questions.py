"""Matching the questions of a survey's waves: which column of each wave asks which question.

A survey fielded in several waves (``series:`` and ``wave:`` in study.yml) asks the same
questions, but exports drift: a column is renamed, a question reworded, its apostrophe typeset.
:func:`match_questions` pairs every column of every wave with a question of the latest wave
(the **reference**: questions are named as it names them), in this order:

1. ``"match"``: a ``match:`` pair of study.yml says so (pairs chain across waves: 2024's name
   matched to 2025's, and 2025's to 2026's, matches 2024's to 2026's);
2. ``"id"``: the column has the same name (after the study's attribute renaming);
3. ``"text"``: the question texts are equal once normalised (case, accents, punctuation and
   spacing ignored).

Columns matching nothing are ``"unmatched"``; a reference question a wave lacks is
``"not asked"``. :func:`check_wave_questions` reports both for ``research-kit check``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import Problem, StudyConfigError, SurveyError
from research_kit.settings import StudySettings, SurveySource, survey_waves
from research_kit.survey.ingest import read_survey_export

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = [
    "MATCH_COLUMNS",
    "check_wave_questions",
    "match_questions",
    "normalised_question",
    "series_waves",
]

#: The columns of :func:`match_questions`' table.
MATCH_COLUMNS = ["series", "wave", "survey_id", "question", "column", "matched_by"]


def match_questions(study: Study, *, survey_id: str | None = None) -> pd.DataFrame:
    """Which column of each wave asks which question of the latest wave.

    Parameters
    ----------
    study : Study
        The study whose ``surveys:`` hold the waves.
    survey_id : str, optional
        Any wave of the series; the study's first survey by default.

    Returns
    -------
    DataFrame
        Columns :data:`MATCH_COLUMNS`, oldest wave first: ``question`` as the latest wave
        names it (missing for an unmatched column), ``column`` as this wave names it (missing
        when the wave does not ask the question), ``matched_by`` one of "reference" (the
        latest wave itself), "match", "id", "text", "unmatched" or "not asked".

    Raises
    ------
    StudyConfigError
        The survey is in no series.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> table = match_questions(study)
    >>> reworded = table[table["matched_by"].isin(["match", "text"])]
    >>> for row in reworded.itertuples():
    ...     print(f"{row.wave} {row.matched_by}:", row.column[:36], "->", row.question[:36])
    ... # doctest: +NORMALIZE_WHITESPACE
    2025 match: I always knew where my application w -> I always knew the status of my appli
    2025 text: Overall, how satisfied are you with -> Overall, how satisfied are you with
    >>> study.close()
    """
    return _match_table(series_waves(study.settings, survey_id))


def series_waves(settings: StudySettings, survey_id: str | None = None) -> tuple[SurveySource, ...]:
    """The waves of the series ``survey_id`` belongs to (the first survey's), oldest first.

    Examples
    --------
    >>> from pathlib import Path
    >>> from research_kit.settings import StudySettings
    >>> sources = tuple(SurveySource(f"s{y}", Path("x.csv"), "id", series="s", wave=str(y))
    ...                 for y in (2026, 2025))
    >>> [w.id for w in series_waves(StudySettings(Path("."), "x", surveys=sources))]
    ['s2025', 's2026']
    """
    chosen = _source(settings, survey_id)
    if chosen.series is None:
        raise StudyConfigError(
            f"survey {chosen.id!r} is not one of a series of waves",
            path=settings.path,
            line=chosen.line,
            hint="give each wave 'series: <name>' and 'wave: <label>' in study.yml, or pass "
            "survey_id= of a wave",
        )
    return survey_waves(settings.surveys, chosen.series, path=settings.path)


def check_wave_questions(settings: StudySettings) -> list[Problem]:
    """Problems with the waves' questions: unmatched columns, ``match:`` naming no column.

    Reads the export files (never writes). A wave whose file cannot be read is left to the
    survey's own checks.

    Examples
    --------
    >>> from pathlib import Path
    >>> check_wave_questions(StudySettings(Path("."), "x"))
    []
    """
    problems: list[Problem] = []
    series = dict.fromkeys(s.series for s in settings.surveys if s.series is not None)
    for name in series:
        waves = survey_waves(settings.surveys, name, path=settings.path)
        try:
            table = _match_table(waves)
        except SurveyError:
            continue  # the file is unreadable: the survey check says so
        problems += _unmatched_problems(table, waves, settings)
        problems += _stray_match_problems(waves, settings)
    return problems


def normalised_question(text: object) -> str:
    """A question's text as matched between waves: case, accents, punctuation, spaces ignored.

    Examples
    --------
    >>> normalised_question("Overall, how satisfied are you with the City’s services?")
    'overall how satisfied are you with the city s services'
    >>> normalised_question("overall how satisfied are you with the city's services")
    'overall how satisfied are you with the city s services'
    """
    folded = unicodedata.normalize("NFKD", str(text)).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def _source(settings: StudySettings, survey_id: str | None) -> SurveySource:
    for source in settings.surveys:
        if survey_id is None or source.id == survey_id:
            return source
    listed = ", ".join(s.id for s in settings.surveys) or "none"
    raise StudyConfigError(
        f"has no survey {survey_id!r}" if survey_id else "lists no surveys",
        path=settings.path,
        hint=f"use one of: {listed}",
    )


def _wave_columns(source: SurveySource) -> tuple[list[str], dict[str, str]]:
    """The question columns of a wave (renamed as study.survey() renames them) and their text."""
    export = read_survey_export(source.path)
    frame = export.responses
    renamed = {**source.attributes}
    columns = [renamed.get(c, c) for c in frame.columns if c != source.respondent_id]
    # An export with a question row (Qualtrics) gives the text; a plain CSV's header is it.
    return columns, {renamed.get(c, c): export.question_text(c) for c in frame.columns}


def _match_classes(waves: tuple[SurveySource, ...]) -> dict[str, str]:
    """Every name in a ``match:`` pair mapped to one name of its chain of pairs."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for source in waves:
        for column, other in source.match.items():
            rename = source.attributes
            parent[root(rename.get(column, column))] = root(rename.get(other, other))
    return {name: root(name) for name in parent}


def _match_table(waves: tuple[SurveySource, ...]) -> pd.DataFrame:
    """The table of :func:`match_questions` for these waves (the last is the reference)."""
    reference = waves[-1]
    questions, texts = _wave_columns(reference)
    classes = _match_classes(waves)
    rows = [(reference.series, reference.wave, reference.id, q, q, "reference") for q in questions]
    for source in waves[:-1]:
        columns, wave_texts = _wave_columns(source)
        found = _match_wave(columns, wave_texts, questions, texts, classes)
        head = (source.series, source.wave, source.id)
        rows += [
            (*head, found.get(c, (None,))[0], c, found.get(c, (None, "unmatched"))[1])
            for c in columns
        ]
        taken = {question for question, _ in found.values()}
        rows += [(*head, q, None, "not asked") for q in questions if q not in taken]
    table = pd.DataFrame(rows, columns=MATCH_COLUMNS)
    order = {source.wave: i for i, source in enumerate(waves)}
    return table.sort_values("wave", key=lambda w: w.map(order), kind="stable").reset_index(
        drop=True
    )


def _match_wave(
    columns: list[str],
    texts: dict[str, str],
    questions: list[str],
    question_texts: dict[str, str],
    classes: dict[str, str],
) -> dict[str, tuple[str, str]]:
    """{column: (reference question, how)} for the columns of one wave that match one."""
    free = dict.fromkeys(questions)
    by_class = {classes[q]: q for q in questions if q in classes}
    by_text = {}
    for q in questions:
        by_text.setdefault(normalised_question(question_texts.get(q, q)), q)
    found: dict[str, tuple[str, str]] = {}
    rules = (
        ("match", lambda c: by_class.get(classes.get(c, "\0"))),
        ("id", lambda c: c if c in free else None),
        ("text", lambda c: by_text.get(normalised_question(texts.get(c, c)))),
    )
    for how, rule in rules:  # an explicit pair wins over a name, a name over a text
        for column in columns:
            question = rule(column)
            if column not in found and question is not None and question in free:
                found[column] = (question, how)
                del free[question]
    return found


def _unmatched_problems(
    table: pd.DataFrame, waves: tuple[SurveySource, ...], settings: StudySettings
) -> list[Problem]:
    lines = {source.wave: source.line for source in waves}
    problems = []
    for how, message, severity in (
        ("unmatched", "asks questions no question of wave {latest} matches", "warning"),
        ("not asked", "lacks questions of wave {latest}", "warning"),
    ):
        for wave, rows in table[table["matched_by"] == how].groupby("wave", sort=False):
            names = rows["column" if how == "unmatched" else "question"].tolist()
            shown = ", ".join(repr(n) for n in names[:3]) + (" …" if len(names) > 3 else "")
            problems.append(
                Problem(
                    settings.path,
                    f"wave {wave} of survey series {waves[0].series!r} "
                    + message.format(latest=waves[-1].wave)
                    + f": {shown}",
                    "if one is the same question reworded, pair them under 'match:' "
                    "(column in this wave: question as the latest wave names it)",
                    line=lines.get(wave),
                    severity=severity,
                )
            )
    return problems


def _stray_match_problems(
    waves: tuple[SurveySource, ...], settings: StudySettings
) -> list[Problem]:
    """``match:`` pairs naming a column that no wave of the series has."""
    known: set[str] = set()
    for source in waves:
        known |= set(_wave_columns(source)[0])
    problems = []
    for source in waves:
        for column, other in source.match.items():
            missing = [n for n in (column, other) if source.attributes.get(n, n) not in known]
            if missing:
                problems.append(
                    Problem(
                        settings.path,
                        f"survey {source.id!r}: match names {missing[0]!r}, a column no wave "
                        f"of series {source.series!r} has",
                        "copy the column name from the export's header row",
                        line=source.line,
                    )
                )
    return problems

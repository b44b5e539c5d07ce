"""The ``surveys:`` of study.yml: each export, how to read it, and the waves of a repeated survey.

A survey entry names its export file, its respondent id column, the columns that are study
attributes, its Likert and open-ended questions and its population margins. A survey fielded
again (the same questions a year later) is one **series** of **waves**: every entry of the
series says ``series:`` (the same name on each) and ``wave:`` (a label such as 2025 that sorts:
numerically when every label of the series is a number, else as text)::

    surveys:
      - id: permitting_2026
        path: survey/permitting_survey_2026.csv
        series: permitting
        wave: 2026
      - id: permitting_2025
        path: survey/permitting_survey_2025.csv
        series: permitting
        wave: 2025
        match:      # columns that are one question though worded differently
          I always knew where my application was: I always knew the status of my application

Questions are matched between waves by column id, else by their normalised text; ``match:``
pairs say the rest (written in either wave's entry). ``invited:`` is the number of people
invited to take the survey (the sample drawn), for AAPOR response rates
(:func:`research_kit.survey.accounting.response_accounting`); a whole number above zero.
Only the structure is checked here; the columns themselves are checked against the files by
the survey room.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from research_kit.errors import Problem, StudyConfigError
from research_kit.yamlfiles import YamlMap

__all__ = ["SurveySource", "survey_sources", "survey_waves"]


@dataclass(frozen=True)
class SurveySource:
    """A survey export of the study and how to read it.

    ``series`` and ``wave`` are set together for a survey repeated in waves; ``match`` maps a
    column of this export to the column of another wave that asks the same question;
    ``invited`` is the number of people invited (None when study.yml does not say).
    """

    id: str
    path: Path
    respondent_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    open_ended: tuple[str, ...] = ()
    likert: tuple[str, ...] = ()
    population_margins: Path | None = None
    line: int | None = None
    series: str | None = None
    wave: str | None = None
    match: dict[str, str] = field(default_factory=dict)
    invited: int | None = None


def survey_sources(
    entries: list, folder: Path, path: Path, problems: list[Problem], *, line: int | None
) -> tuple[SurveySource, ...]:
    """The survey entries of study.yml as sources; what is wrong is added to ``problems``.

    Parameters
    ----------
    entries : list
        The items of ``surveys:`` (mappings, or a bare path).
    folder : Path
        The study folder, which paths are relative to.
    path : Path
        study.yml, for the problems.
    problems : list of Problem
        Where problems are added (with their line).
    line : int, optional
        The line of ``surveys:``, for entries that know no line of their own.

    Returns
    -------
    tuple of SurveySource

    Examples
    --------
    >>> from pathlib import Path
    >>> problems = []
    >>> entries = [{"path": "a.csv", "respondent_id": "id", "series": "s", "wave": 2025}]
    >>> [source.wave for source in survey_sources(entries, Path("."), Path("study.yml"),
    ...                                           problems, line=3)], problems
    (['2025'], [])
    """
    sources = []
    for index, entry in enumerate(entries):
        source = _survey_source(index, entry, folder, path, problems, line=line)
        if source is not None:
            sources.append(source)
    problems += _repeated_wave_problems(sources, path)
    return tuple(sources)


def survey_waves(
    surveys: Sequence[SurveySource], series: str | None = None, *, path: Path | str = "study.yml"
) -> tuple[SurveySource, ...]:
    """The waves of one survey series, oldest first.

    Parameters
    ----------
    surveys : sequence of SurveySource
        The study's surveys (``settings.surveys``).
    series : str, optional
        The series; the study's only one when None.
    path : Path or str
        study.yml, for the error.

    Returns
    -------
    tuple of SurveySource

    Raises
    ------
    StudyConfigError
        No survey is in that series (or in any), or ``series`` is None and there are several.

    Examples
    --------
    >>> from pathlib import Path
    >>> waves = [SurveySource(f"s{year}", Path("x.csv"), "id", series="s", wave=str(year))
    ...          for year in (2026, 2024, 2025)]
    >>> [source.wave for source in survey_waves(waves)]
    ['2024', '2025', '2026']
    """
    names = list(dict.fromkeys(s.series for s in surveys if s.series is not None))
    if series is None and len(names) == 1:
        series = names[0]
    if series is None or series not in names:
        listed = ", ".join(names) or "none"
        raise StudyConfigError(
            "no survey series given" if series is None else f"has no survey series {series!r}",
            path=Path(path),
            hint=f"name one of the series (study.yml has: {listed}); give each wave of a "
            "survey 'series: <name>' and 'wave: <label>'",
        )
    members = [source for source in surveys if source.series == series]
    numeric = all(_is_number(source.wave) for source in members)
    return tuple(sorted(members, key=lambda s: float(s.wave) if numeric else str(s.wave)))


def _survey_source(
    index: int, entry: object, folder: Path, path: Path, problems: list[Problem], *, line
) -> SurveySource | None:
    if isinstance(entry, str):
        entry = {"path": entry}
    if isinstance(entry, YamlMap):
        line = entry.line
    if not isinstance(entry, dict) or not entry.get("path") or not entry.get("respondent_id"):
        problems.append(
            Problem(
                path,
                "a survey needs 'path' and 'respondent_id'",
                "name the export file and its respondent id column",
                line=line,
            )
        )
        return None
    attributes = entry.get("attributes") or {}
    if isinstance(attributes, list):
        attributes = {str(column): str(column) for column in attributes}
    margins = entry.get("population_margins")
    survey_id = str(entry.get("id") or f"survey_{index + 1}")
    series, wave, match = _wave_settings(survey_id, entry, path, problems, line=line)
    return SurveySource(
        id=survey_id,
        path=folder / str(entry["path"]),
        respondent_id=str(entry["respondent_id"]),
        attributes={str(k): str(v) for k, v in attributes.items()},
        open_ended=tuple(str(q) for q in entry.get("open_ended") or ()),
        likert=tuple(str(q) for q in entry.get("likert") or ()),
        population_margins=folder / str(margins) if margins else None,
        line=line,
        series=series,
        wave=wave,
        match=match,
        invited=_invited(survey_id, entry, path, problems, line=line),
    )


def _invited(
    survey_id: str, entry: dict, path: Path, problems: list[Problem], *, line: int | None
) -> int | None:
    """``invited:``, a whole number above zero; anything else is a problem at its line."""
    value = entry.get("invited")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    where = entry.line_of("invited") if isinstance(entry, YamlMap) else line
    problems.append(
        Problem(
            path,
            f"survey {survey_id!r}: invited {value!r} is not a number of people",
            "write the number invited to take the survey as a whole number, e.g. 'invited: 1200'",
            line=where,
        )
    )
    return None


def _wave_settings(
    survey_id: str, entry: dict, path: Path, problems: list[Problem], *, line: int | None
) -> tuple[str | None, str | None, dict[str, str]]:
    """``series``, ``wave`` and ``match`` of one entry, checked together."""

    def where(key: str) -> int | None:
        return entry.line_of(key) if isinstance(entry, YamlMap) else line

    def problem(key: str, message: str, hint: str) -> None:
        problems.append(Problem(path, f"survey {survey_id!r}: {message}", hint, line=where(key)))

    series, wave = entry.get("series"), entry.get("wave")
    if series is not None and (not isinstance(series, str) or not series.strip()):
        problem("series", f"series {series!r} is not a name", "write e.g. 'series: permitting'")
        series = None
    label = isinstance(wave, (str, int, float, dt.date)) and not isinstance(wave, bool)
    if wave is not None and (not label or not str(wave).strip()):
        problem("wave", f"wave {wave!r} is not a label", "write e.g. 'wave: 2025'")
        wave = None
    if series is not None and wave is None and "wave" not in entry:
        problem("series", "is in a series but has no 'wave:'", "add e.g. 'wave: 2025'")
    if wave is not None and series is None and "series" not in entry:
        problem(
            "wave",
            "has a wave but no 'series:'",
            "add 'series: <name>', the same name on every wave of this survey",
        )
    match = _match_pairs(entry.get("match"), problem)
    if match and series is None and "series" not in entry:
        problem("match", "has 'match:' but is in no series", "add 'series:' and 'wave:'")
    wave_text = wave.isoformat() if isinstance(wave, dt.date) else wave
    return (series.strip() if series else None), (None if wave is None else str(wave_text)), match


def _match_pairs(value: object, problem) -> dict[str, str]:
    """``match:`` as {column: column}; a value that is not a mapping of names is a problem."""
    if value is None:
        return {}
    hint = "write 'match:' as lines of 'column in this wave: same question in another wave'"
    if not isinstance(value, dict):
        problem("match", "match must be a mapping of question to question", hint)
        return {}
    pairs = {}
    for key, other in value.items():
        if not isinstance(key, str) or not isinstance(other, str) or not other.strip():
            problem("match", f"match {key!r}: {other!r} is not a pair of question names", hint)
            continue
        pairs[key] = other
    return pairs


def _repeated_wave_problems(sources: list[SurveySource], path: Path) -> list[Problem]:
    """Two surveys of one series with the same wave label cannot be told apart."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for source in sources:
        if source.series is None or source.wave is None:
            continue
        key = (source.series, source.wave)
        if key in seen:
            problems.append(
                Problem(
                    path,
                    f"survey {source.id!r} is wave {source.wave!r} of series {source.series!r}, "
                    f"as is survey {seen[key]!r}",
                    "give each wave of a series its own label (e.g. 2025, 2026)",
                    line=source.line,
                )
            )
        seen.setdefault(key, source.id)
    return problems


def _is_number(text: str | None) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True

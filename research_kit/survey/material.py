"""A study's surveys: each export read through the study's settings (columns renamed to the
study's attribute names), weights raked to its population margins, and checks of both.

These functions take a :class:`~research_kit.study.Study` (or its settings); importing
:mod:`research_kit.survey` also makes the readers study methods (``study.survey()``,
``study.survey_weights()``), so the thin ``Study`` never imports this room.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import Problem, StudyConfigError, SurveyError
from research_kit.settings import AttributeSpec, StudySettings
from research_kit.survey.ingest import read_survey
from research_kit.survey.weighting import RakeResult, rake_result
from research_kit.tables import read_csv_table, require_columns

if TYPE_CHECKING:
    from research_kit.study import Study

MARGIN_COLUMNS = ("variable", "category", "population")


@dataclass(frozen=True)
class SurveyWeightsResult:
    """A survey's raked weights with how the raking went (:func:`survey_weights_result`).

    Attributes
    ----------
    weights : pandas.Series
        What :func:`survey_weights` returns: a weight per respondent.
    raking : RakeResult
        :func:`~research_kit.survey.weighting.rake_result`'s diagnostics (iterations, gap,
        trimming).
    not_in_margins : pandas.DataFrame
        ``variable, respondents``: per margin variable, the respondents whose answer has no
        population category (such as "Prefer not to say"), in the margins' order.
    calibrated_on : tuple of str
        The columns of ``study.survey()`` the weights were raked on (e.g. ``ward``): pass them
        as ``calibrated_on=`` to a breakdown so its standard errors account for the raking.
    """

    weights: pd.Series
    raking: RakeResult
    not_in_margins: pd.DataFrame
    calibrated_on: tuple[str, ...] = ()


def study_survey(study: Study, survey_id: str | None = None) -> pd.DataFrame:
    """Read a survey export as it is (one row per respondent, text cells).

    Columns named under ``attributes`` in study.yml are renamed to their study attribute
    names (e.g. "Which ward…?" → ``ward``); the respondent id column becomes
    ``respondent_id``.
    """
    source = study.survey_source(survey_id)
    frame = read_survey(source.path)

    needed = {"respondent id": source.respondent_id}
    needed |= {f"attribute {name!r}": column for column, name in source.attributes.items()}
    needed |= {f"question {question!r}": question for question in source.open_ended}
    require_columns(frame, needed, source.path, SurveyError)
    return frame.rename(columns={source.respondent_id: "respondent_id", **source.attributes})


def survey_weights(
    study: Study,
    survey_id: str | None = None,
    *,
    survey: pd.DataFrame | None = None,
    trim: tuple[float, float] | None = (0.2, 5.0),
) -> pd.Series:
    """Weights that rake the survey's respondents to the study's population margins.

    The ``weights`` of :func:`survey_weights_result`, which says how the raking went and how
    many answers had no margin (kept in the weights' ``attrs`` before the house redesign).

    Parameters
    ----------
    survey_id, survey, trim
        As for :func:`survey_weights_result`.

    Returns
    -------
    Series
        A weight per respondent, aligned to ``study.survey()``'s rows.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "study"
    >>> root = pathlib.Path(__file__).resolve().parents[2] / "interview_data"
    >>> _ = shutil.copytree(root, folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> with open_study(folder) as study:
    ...     bool((survey_weights(study) > 0).all())
    True
    """
    return survey_weights_result(study, survey_id, survey=survey, trim=trim).weights


def survey_weights_result(
    study: Study,
    survey_id: str | None = None,
    *,
    survey: pd.DataFrame | None = None,
    trim: tuple[float, float] | None = (0.2, 5.0),
) -> SurveyWeightsResult:
    """Weights that rake the survey's respondents to the study's population margins.

    The margins file (``population_margins`` in study.yml) names survey columns (e.g.
    ``Ward``); they are matched to the renamed attribute columns of ``study.survey()``.
    Answers with no population category (such as "Prefer not to say") count as missing
    for that variable: those respondents keep their weight share while the others are
    raked to the population shares (``missing="skip"`` of
    :func:`~research_kit.survey.rake`). Weights are trimmed to ``trim`` times the mean
    weight, then raked again so the margins still hold.

    Parameters
    ----------
    survey_id : str, optional
        Which survey (the first by default).
    survey : DataFrame, optional
        The frame from ``study.survey()`` when already read (saves reading it again).
    trim : (float, float) or None
        Bounds on weight / mean weight; None leaves weights untrimmed.

    Returns
    -------
    SurveyWeightsResult
        ``weights`` (a weight per respondent, aligned to ``study.survey()``'s rows),
        ``raking`` (:func:`~research_kit.survey.weighting.rake_result`'s diagnostics) and
        ``not_in_margins`` (variable, respondents whose answer has no margin).
    """

    source = study.survey_source(survey_id)
    if source.population_margins is None:
        raise StudyConfigError(
            f"survey {source.id!r} has no population margins",
            path=study.settings.path,
            line=source.line,
            hint="add 'population_margins: survey/<file>.csv' (variable,category,population)",
        )
    frame = study_survey(study, source.id) if survey is None else survey
    margins = read_csv_table(source.population_margins, error_class=SurveyError)
    columns = {
        variable: source.attributes.get(variable, variable)
        for variable in dict.fromkeys(margins.get("variable", pd.Series(dtype=str)))
    }
    respondents = pd.DataFrame(index=frame.index)
    not_in_margins: dict[str, int] = {}
    for variable, column in columns.items():
        if column not in frame.columns:
            raise SurveyError(
                f"the population margins name {variable!r} but the survey has no such column",
                path=source.population_margins,
                hint="name margin variables after survey columns (e.g. 'Ward')",
            )
        known = set(margins.loc[margins["variable"] == variable, "category"].astype(str))
        values = frame[column].astype("string")
        outside = values.notna() & ~values.isin(known)
        not_in_margins[variable] = int(outside.sum())
        respondents[column] = values.mask(outside)
    raking = rake_result(
        respondents,
        margins.assign(population=pd.to_numeric(margins["population"], errors="coerce")),
        variables=columns,
        trim=trim,
        missing="skip",
    )
    outside_margins = pd.DataFrame(
        list(not_in_margins.items()), columns=["variable", "respondents"]
    ).astype({"respondents": "int64"})
    return SurveyWeightsResult(
        weights=raking.weights,
        raking=raking,
        not_in_margins=outside_margins,
        calibrated_on=tuple(columns.values()),
    )


def check_exports(settings: StudySettings) -> list[Problem]:
    """Every problem with the study's survey exports and population margins (files only)."""
    problems = []
    for source in settings.surveys:
        problems += _check_survey(source, settings)
        if source.population_margins is not None:
            problems += _check_margins(source.population_margins)
    return problems


def _check_survey(source, settings: StudySettings) -> list[Problem]:
    try:
        frame = read_survey(source.path)
    except SurveyError as exc:
        return [exc.as_problem()]
    problems = []
    needed = [source.respondent_id, *source.attributes, *source.open_ended, *source.likert]
    for column in needed:
        if column not in frame.columns:
            problems.append(
                Problem(
                    source.path,
                    f"has no column {column!r} (named in study.yml)",
                    "fix the column name in study.yml or export the survey with that question",
                    line=1,
                )
            )
    if source.respondent_id in frame.columns:
        problems += _respondent_id_problems(frame, source)
    for column, attribute in source.attributes.items():
        spec = settings.attributes.get(attribute)
        if column in frame.columns and spec is not None and spec.values:
            problems += _survey_value_problems(frame, column, spec, source)
    return problems


def _respondent_id_problems(frame: pd.DataFrame, source) -> list[Problem]:
    ids = frame[source.respondent_id]
    problems = []
    if ids.isna().any():
        row = int(ids.isna().to_numpy().nonzero()[0][0]) + 2
        problems.append(
            Problem(source.path, "a response has no respondent id", "fill it in", line=row)
        )
    duplicated = ids[ids.duplicated() & ids.notna()]
    if not duplicated.empty:
        row = int(duplicated.index[0]) + 2
        problems.append(
            Problem(
                source.path,
                f"respondent id {duplicated.iloc[0]!r} appears more than once",
                "remove duplicate submissions or give each response its own id",
                line=row,
            )
        )
    return problems


def _survey_value_problems(frame, column: str, spec: AttributeSpec, source) -> list[Problem]:
    values = frame[column].dropna()
    unknown = values[~values.isin(spec.values)]
    if unknown.empty:
        return []
    counts = unknown.value_counts()
    shown = ", ".join(f"{value!r} ({count})" for value, count in counts.head(5).items())
    return [
        Problem(
            source.path,
            f"column {column!r} has values that are not allowed {spec.name}s: {shown}",
            f"recode them, or add them to '{spec.name}' values in study.yml",
            line=int(unknown.index[0]) + 2,
            severity="warning",
        )
    ]


def _check_margins(path: Path) -> list[Problem]:
    try:
        margins = read_csv_table(path, error_class=SurveyError)
        require_columns(margins, {c: c for c in MARGIN_COLUMNS}, path, SurveyError)
    except SurveyError as exc:
        return [exc.as_problem()]
    population = pd.to_numeric(margins["population"], errors="coerce")
    if population.isna().any() or (population < 0).any():
        row = int((population.isna() | (population < 0)).to_numpy().nonzero()[0][0]) + 2
        return [Problem(path, "a population is not a positive number", "fix it", line=row)]
    totals = population.groupby(margins["variable"]).sum()
    if totals.nunique() > 1 and (totals.max() - totals.min()) > 1e-6 * totals.max():
        listed = ", ".join(f"{name} {total:,.0f}" for name, total in totals.items())
        return [
            Problem(
                path,
                f"the margins do not add up to the same population ({listed})",
                "each variable's categories should add up to the same total",
                severity="warning",
            )
        ]
    return []

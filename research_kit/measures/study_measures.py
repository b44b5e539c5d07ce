"""A study's own measures: ``study.measures()``, each measure's values from its source, charted.

The room reads ``measures.yml`` through the study's settings and fetches each measure's values
where its source says: a CSV of the study (:func:`~research_kit.measures.measure_values`), the
study's event log as the process room reads it (with the deadline cases of
``study.deadlines()`` for a share within a deadline), or the survey room's wave estimates. It
registers ``study.measures()``, ``study.measure_values(id)``, ``study.measure_chart(id)``,
``study.measure_status()`` (one status table of every measure) and ``study.actions()`` (the
follow-up actions of ``actions.yml``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from research_kit.errors import MeasuresError, did_you_mean
from research_kit.measures.actions import (
    ACTION_COLUMNS,
    actions_path,
    actions_table,
    read_actions,
)
from research_kit.measures.computed import log_measure_values, survey_measure_values
from research_kit.measures.definitions import Measure, read_measures
from research_kit.measures.status import DEFAULT_CAUTION, measure_status, pooled_values
from research_kit.measures.values import chart_measure, measure_values
from research_kit.process import study_deadlines, study_event_log
from research_kit.study import Study
from research_kit.survey import wave_change


def study_measures(study: Study) -> list[Measure]:
    """The study's measures, as its ``measures.yml`` describes them.

    Raises
    ------
    MeasuresError
        The study has no measures file, or it has an error (with its line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "s") as study:
    ...     _ = (study.folder / "measures.yml").write_text(
    ...         "measures:\\n  - {id: a, name: A, polarity: neither, source: {csv: a.csv}}\\n")
    ...     [measure.id for measure in study.measures()]
    ['a']
    """
    path = study.settings.measures
    if path is None or not path.exists():
        raise MeasuresError(
            "the study has no measures file",
            path=path,
            hint="write measures.yml in the study folder (docs/measures-yml.md)",
        )
    return read_measures(path)


def _measure(study: Study, measure_id: str) -> Measure:
    measures = {measure.id: measure for measure in study_measures(study)}
    if measure_id not in measures:
        raise MeasuresError(
            f"the study has no measure {measure_id!r}{did_you_mean(measure_id, measures)}",
            path=study.settings.measures,
            hint="use an id of measures.yml: " + ", ".join(measures),
        )
    return measures[measure_id]


def study_measure_values(study: Study, measure_id: str) -> pd.DataFrame:
    """One measure's values, from its CSV, the study's event log or its survey waves.

    Returns
    -------
    pandas.DataFrame
        ``measure, period, value`` and what the source adds (see
        :func:`~research_kit.measures.measure_values`,
        :func:`~research_kit.measures.log_measure_values`,
        :func:`~research_kit.measures.survey_measure_values`).
    """
    measure = _measure(study, measure_id)
    source = measure.source
    if source.kind == "csv":
        return measure_values(measure, study.folder, measures_file=study.settings.measures)
    if source.kind == "survey":
        table = wave_change(
            study,
            str(source.options["question"]),
            survey_id=source.name,
            value=list(source.options["answers"]),
        )
        return survey_measure_values(measure, table)
    cases = None
    if source.options.get("statistic") == "share_within_deadline":
        deadline = str(source.options["deadline"])
        cases = study_deadlines(study, deadline, log_id=source.name).cases
    return log_measure_values(
        measure,
        study_event_log(study, source.name),
        deadline_cases=cases,
        timezone=study.settings.timezone,
    )


def study_measure_chart(study: Study, measure_id: str, *, pooled: bool = False) -> pd.DataFrame:
    """One measure charted as ``measures.yml`` says (chart, polarity, target, rebase).

    ``pooled=True`` charts a measure broken down by group on its groups pooled
    (:func:`~research_kit.measures.pooled_values`: the city's line), as the status table does.
    """
    values = study_measure_values(study, measure_id)
    return chart_measure(_measure(study, measure_id), pooled_values(values) if pooled else values)


def study_measure_status(study: Study, *, caution: float = DEFAULT_CAUTION) -> pd.DataFrame:
    """Every measure of the study in one status table (see ``measures.measure_status``).

    Parameters
    ----------
    study : Study
    caution : float
        The caution zone, as a share of the target (default 10%).

    Returns
    -------
    pandas.DataFrame
        One row per measure, in the order of ``measures.yml``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "s") as study:
    ...     _ = (study.folder / "a.csv").write_text("period,value\\n1,4\\n2,6\\n")
    ...     _ = (study.folder / "measures.yml").write_text(
    ...         "measures:\\n  - {id: a, name: A, polarity: higher_is_better, target: 5,\\n"
    ...         "     source: {csv: a.csv}}\\n")
    ...     study.measure_status()[["measure", "value", "status", "change_last_period"]]
      measure  value    status  change_last_period
    0       a    6.0  on_track                 2.0
    """
    measures = study_measures(study)
    charts = {m.id: study_measure_chart(study, m.id, pooled=True) for m in measures}
    return measure_status(measures, charts, caution=caution)


def study_actions(study: Study, *, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """The follow-up actions of ``actions.yml`` (beside ``measures.yml``), overdue ones flagged.

    Returns an empty table when the study has no actions file (see
    :func:`~research_kit.measures.actions_table` for the columns).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit import open_study
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "s") as study:
    ...     len(study.actions())
    0
    """
    path = actions_path(study.settings.measures or study.folder / "measures.yml")
    if not path.exists():
        return actions_table(pd.DataFrame(columns=ACTION_COLUMNS), as_of=as_of)
    known = [measure.id for measure in study_measures(study)]
    return actions_table(read_actions(path, measures=known), as_of=as_of)

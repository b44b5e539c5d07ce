"""A study's own measures: ``study.measures()``, each measure's values from its source, charted.

The room reads ``measures.yml`` through the study's settings and fetches each measure's values
where its source says: a CSV of the study (:func:`~research_kit.measures.measure_values`), the
study's event log as the process room reads it (with the deadline cases of
``study.deadlines()`` for a share within a deadline), or the survey room's wave estimates. It
registers ``study.measures()``, ``study.measure_values(id)`` and ``study.measure_chart(id)``.
"""

from __future__ import annotations

import pandas as pd

from research_kit.errors import MeasuresError, did_you_mean
from research_kit.measures.computed import log_measure_values, survey_measure_values
from research_kit.measures.definitions import Measure, read_measures
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


def study_measure_chart(study: Study, measure_id: str) -> pd.DataFrame:
    """One measure charted as ``measures.yml`` says (chart, polarity, target, rebase)."""
    return chart_measure(_measure(study, measure_id), study_measure_values(study, measure_id))
